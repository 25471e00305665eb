// Browser end to end (system Chromium, headless, via playwright-core): a holder opens the wallet,
// picks fields and shows a QR; the test screenshots it, decodes the QR from the image, and the
// verifier page shows PASSED with exactly those fields — from the pasted text and from the
// uploaded screenshot (the page's bundled decoder). The offline CLI agrees. Once the code has
// expired, the same screenshot gives FAILED. Screenshots are kept in ARTEFACTS for review.
//
// Environment: YX_BASE (the running service), YX_CREDS (its dev-credentials.json), YX_BIN (the
// yinxin binary), ARTEFACTS (a directory).
import { chromium } from 'playwright-core';
import { PNG } from 'pngjs';
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';

const require = createRequire(import.meta.url);
const jsQR = require('../../crates/server/assets/vendor/jsQR.js');
const base = process.env.YX_BASE;
const creds = JSON.parse(fs.readFileSync(process.env.YX_CREDS, 'utf8'));
const out = process.env.ARTEFACTS;
const bin = process.env.YX_BIN;
fs.mkdirSync(out, { recursive: true });
const shot = (name) => path.join(out, name);
const log = (...a) => console.log('[e2e]', ...a);
// Full-page screenshots from the top, as a person scrolling would see the page.
async function snap(page, name) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: shot(name), fullPage: true });
}

async function call(token, method, p, body) {
  const r = await fetch(base + p, {
    method,
    headers: { authorization: 'Bearer ' + token, 'content-type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  const j = await r.json();
  if (!r.ok) throw new Error(`${method} ${p}: ${r.status} ${JSON.stringify(j)}`);
  return j;
}

function decodePng(file) {
  const png = PNG.sync.read(fs.readFileSync(file));
  const r = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
  return r ? r.data : null;
}

// A licence for the dev holder, and a consent so the consents tab has something to show.
const holder = creds.holder;
const fields = JSON.parse(fs.readFileSync(new URL('../../examples/营业执照.json', import.meta.url), 'utf8'));
fields.uscc = holder.holder_code;
const market = creds['department:11530100MB0123456A'].token;
const lic = await call(market, 'POST', '/v1/licences', { type_code: '营业执照', fields });
await call(holder.token, 'POST', '/v1/holder/consents', {
  department_code: '11530100MB0234567M', type_code: '营业执照', use_cause: '办理道路运输经营许可', until: '2099-12-31',
});
log('issued', lic.identifier);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
});
const errors = [];
try {
  // A phone-sized window.
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, locale: 'zh-CN' });
  const wallet = await ctx.newPage();
  wallet.on('pageerror', (e) => errors.push('wallet: ' + e.message));
  wallet.on('console', (m) => { if (m.type() === 'error') errors.push('wallet console: ' + m.text()); });
  await wallet.goto(base + '/wallet');
  await wallet.screenshot({ path: shot('01-wallet-signin.png') });
  await wallet.fill('#token', holder.token);
  await wallet.click('#signin-go');
  const button = wallet.locator(`button[data-licence="${lic.identifier}"]`);
  await button.waitFor();
  await snap(wallet, '02-wallet-licences.png');
  await button.click();
  await wallet.locator('#fields input').first().waitFor();
  const chosen = ['name', 'legal_representative', 'term', 'address', 'registration_authority'];
  for (const box of await wallet.locator('#fields input').all()) {
    await box.setChecked(chosen.includes(await box.getAttribute('name')));
  }
  await snap(wallet, '03-wallet-choose.png');
  await wallet.click('#make');
  await wallet.locator('#qr canvas').waitFor();
  const madeAt = Date.now();
  const shown = await wallet.locator('#qr').getAttribute('data-token');
  const version = await wallet.locator('#qr').getAttribute('data-version');
  await wallet.screenshot({ path: shot('04-wallet-qr.png') });
  log(`QR version ${version}, ${shown.length} characters`);

  // Decode the QR from the screenshot, not from the page.
  const text = decodePng(shot('04-wallet-qr.png'));
  assert.ok(text, 'the QR code in the screenshot decodes');
  assert.equal(text, shown, 'the decoded text is the token the page made');

  // The offline CLI, with a bundle fetched ahead, reads the same screenshot.
  execFileSync(bin, ['bundle', 'fetch', '--url', base, '--out', shot('bundle.json'), '--root', process.env.YX_ROOT]);
  const cli = JSON.parse(execFileSync(bin, ['present', 'verify', shot('04-wallet-qr.png'), '--bundle', shot('bundle.json'), '--json']).toString());
  assert.equal(cli.report.indication, 'PASSED', JSON.stringify(cli));
  assert.deepEqual(cli.disclosed.map((f) => f.name).sort(), [...chosen].sort());

  // The officer's page: paste the decoded text.
  const vctx = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, locale: 'zh-CN' });
  const ver = await vctx.newPage();
  ver.on('pageerror', (e) => errors.push('verifier: ' + e.message));
  await ver.goto(base + '/verifier');
  await ver.fill('#token', creds.officer.token);
  await ver.click('#signin-go');
  await ver.locator('#paste').waitFor();
  await snap(ver, '05-verifier-ready.png');
  const verdict = async () => {
    await ver.waitForFunction(() => document.getElementById('verdict').dataset.indication);
    return ver.locator('#verdict').getAttribute('data-indication');
  };
  const reset = () => ver.evaluate(() => { delete document.getElementById('verdict').dataset.indication; });
  await ver.fill('#paste', text);
  await ver.click('#verify');
  assert.equal(await verdict(), 'PASSED');
  const names = (await ver.locator('#disclosed').getAttribute('data-names')).split(',');
  assert.deepEqual(names.sort(), [...chosen].sort(), 'exactly the chosen fields');
  assert.equal(await ver.locator('#disclosed dt').count(), chosen.length);
  assert.match(await ver.locator('#disclosed').innerText(), /云南某某科技有限公司/);
  assert.doesNotMatch(await ver.locator('#disclosed').innerText(), /91530100MA6K0X123J/, 'the unchosen USCC is not shown');
  await snap(ver, '06-verifier-passed.png');

  // Upload the screenshot itself: the page decodes it with its bundled decoder.
  await reset();
  await ver.setInputFiles('#upload', shot('04-wallet-qr.png'));
  assert.equal(await verdict(), 'PASSED');
  assert.equal(await ver.locator('#paste').inputValue(), text);

  // English.
  await ver.click('#lang');
  await snap(ver, '07-verifier-passed-en.png');
  assert.equal(await ver.locator('#verdict-big').innerText(), 'VALID');
  await ver.click('#lang');

  // The wallet's usage log shows the checks; the consents tab shows the consent.
  await wallet.click('#show-back');
  await wallet.click('#choose-back');
  await wallet.click('#tab-usage');
  await wallet.getByText('亮证核验').first().waitFor();
  await snap(wallet, '08-wallet-usage.png');
  await wallet.click('#tab-consents');
  await wallet.getByText('办理道路运输经营许可').waitFor();
  await snap(wallet, '09-wallet-consents.png');

  // After the expiry (30 s) and the clock tolerance (10 s), the same screenshot fails.
  const wait = madeAt + 42_000 - Date.now();
  log(`waiting ${Math.round(wait / 1000)} s for the code to expire`);
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  await reset();
  await ver.setInputFiles('#upload', shot('04-wallet-qr.png'));
  assert.equal(await verdict(), 'FAILED');
  assert.match(await ver.locator('#reasons').innerText(), /过期/);
  assert.equal(await ver.locator('#disclosed dt').count(), 0, 'a failed code shows no fields');
  await snap(ver, '10-verifier-expired.png');
  let cliExit = 0;
  try { execFileSync(bin, ['present', 'verify', text, '--bundle', shot('bundle.json')]); } catch (e) { cliExit = e.status; }
  assert.equal(cliExit, 1, 'the CLI says FAILED (exit 1) for the expired code');

  assert.deepEqual(errors, [], 'no script errors on the pages');
  log('passed; screenshots in', out);
} finally {
  await browser.close();
}
