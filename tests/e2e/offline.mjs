// Browser end to end of the offline verifier (system Chromium, headless, via playwright-core), on
// a phone-sized window. The officer signs in online: the page fetches and pins the trust bundle,
// registers its device key (a reader certificate) and its service worker caches the page. The
// pin holds: an altered bundle is not taken (the old one is kept), and a device that pinned another
// root refuses the service's bundle. Then the network goes (context.setOffline) and the page is
// reloaded from the service worker's cache.
// Offline, from screenshots of a holder's wallet (another browser context, online):
//   (a) a five-field QR code → PASSED with exactly those fields (then a benchmark: the same token
//       verified 100 times in the page, the median printed);
//   (b) a licence revoked before the officer's last bundle fetch → FAILED, REVOKED;
//   (c) the code of (a) once expired (the page's clock 75 s on) → FAILED, EXPIRED;
//   (d) a code made 13 hours on (both clocks moved) against the bundle, whose status lists are
//       then stale → INDETERMINATE, the list's age in the reasons and the bundle's age shown.
// Back online, the page uploads its signed records of the checks (the pending count goes to 0)
// and the holder's usage log shows them; (d)'s record, dated 13 hours ahead, is refused.
//
// Environment: YX_BASE (the running service), YX_CREDS (its dev-credentials.json), ARTEFACTS (a
// directory for the screenshots, offline-NN-….png).
import { chromium } from 'playwright-core';
import { PNG } from 'pngjs';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';

const require = createRequire(import.meta.url);
const jsQR = require('../../crates/server/assets/vendor/jsQR.js');
const base = process.env.YX_BASE;
const creds = JSON.parse(fs.readFileSync(process.env.YX_CREDS, 'utf8'));
const out = process.env.ARTEFACTS;
fs.mkdirSync(out, { recursive: true });
const shot = (name) => path.join(out, name);
const log = (...a) => console.log('[offline]', ...a);
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

// Two business licences for the dev holder: one to show, one to revoke.
const holder = creds.holder;
const market = creds['department:11530100MB0123456A'].token;
const fields = JSON.parse(fs.readFileSync(new URL('../../examples/营业执照.json', import.meta.url), 'utf8'));
fields.uscc = holder.holder_code;
const shown = await call(market, 'POST', '/v1/licences', { type_code: '营业执照', fields });
const doomed = await call(market, 'POST', '/v1/licences', { type_code: '营业执照', fields: { ...fields, address: '云南省昆明市盘龙区某某街1号' } });
log('issued', shown.identifier, 'and', doomed.identifier);
const chosen = ['name', 'legal_representative', 'term', 'address', 'registration_authority'];
const PLACE = '530102';

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
});
const errors = [];
const phone = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, locale: 'zh-CN' };
try {
  // ---- the officer, online ----
  const octx = await browser.newContext(phone);
  const ver = await octx.newPage();
  ver.on('pageerror', (e) => errors.push('verifier: ' + e.message));
  ver.on('console', (m) => { if (m.type() === 'error') errors.push('verifier console: ' + m.text()); });
  await ver.goto(base + '/verifier');
  await snap(ver, 'offline-01-signin.png');
  await ver.fill('#token', creds.officer.token);
  await ver.click('#signin-go');
  // The bundle opened and pinned, the reader certificate kept, the service worker in control.
  await ver.waitForFunction(() => document.getElementById('trust-age').dataset.issuedAt
    && document.getElementById('officer').textContent);
  await ver.evaluate(() => navigator.serviceWorker.ready);
  await ver.waitForFunction(() => navigator.serviceWorker.controller);
  const kept = await ver.evaluate(async () => ({
    root: localStorage.getItem('yx-v-root'),
    reader: JSON.parse(localStorage.getItem('yx-v-reader')),
    cached: (await (await caches.open('yx-verifier-v1')).keys()).map((r) => new URL(r.url).pathname).sort(),
    manifest: document.querySelector('link[rel=manifest]').href,
  }));
  assert.ok(kept.root, 'a root is pinned');
  assert.match(kept.reader.serial, /^[0-9a-f]{16}$/, 'a reader certificate for the device key');
  assert.deepEqual(kept.cached, ['/assets/app.css', '/assets/i18n.js', '/assets/icon.svg', '/assets/jsQR.js', '/assets/present.js', '/assets/qrcode.js',
    '/assets/sm.js', '/assets/verifier.js', '/verifier', '/verifier.webmanifest']);
  const manifest = await (await fetch(kept.manifest)).json();
  assert.equal(manifest.name, '电子证照现场核验');
  assert.equal(manifest.start_url, '/verifier');
  assert.equal(manifest.display, 'standalone');
  log('officer signed in; reader', kept.reader.serial, 'for', kept.reader.officer.name);
  await ver.fill('#place', PLACE);
  await ver.locator('#place').dispatchEvent('change');
  await snap(ver, 'offline-02-verifier-online.png');
  // Trust at install: the pinned root is the first root of the first bundle.
  const served = await (await fetch(base + '/v1/present/bundle')).json();
  const content = JSON.parse(Buffer.from(served.payload, 'base64').toString('utf8'));
  assert.equal(kept.root, content.roots[0], 'roots[0] is pinned');

  // A refresh that fails keeps the bundle: an altered bundle (its signature no longer verifies)…
  const issued = await ver.locator('#trust-age').getAttribute('data-issued-at');
  let altered = 0;
  await ver.route('**/v1/present/bundle', async (route) => {
    altered++;
    const r = await route.fetch();
    const env = await r.json();
    const p = JSON.parse(Buffer.from(env.payload, 'base64').toString('utf8'));
    p.issued_at += 3600;
    env.payload = Buffer.from(JSON.stringify(p)).toString('base64');
    await route.fulfill({ response: r, body: JSON.stringify(env) });
  });
  const seen = ver.waitForResponse((r) => r.url().endsWith('/v1/present/bundle'));
  await ver.evaluate(() => window.dispatchEvent(new Event('online')));
  await seen;
  await ver.waitForTimeout(500);
  assert.equal(altered, 1, 'the page asked for the bundle again');
  assert.equal(await ver.locator('#trust-age').getAttribute('data-issued-at'), issued, 'an altered bundle is not taken');
  await ver.unroute('**/v1/present/bundle');
  // …and a device that pinned another root refuses the service's bundle and has none to check with.
  const other = await browser.newContext(phone);
  await other.addInitScript((root) => localStorage.setItem('yx-v-root', root), content.intermediates[0]);
  const stranger = await other.newPage();
  await stranger.goto(base + '/verifier');
  await stranger.fill('#token', creds.officer.token);
  await stranger.click('#signin-go');
  const refusal = /不是由本机首次安装时信任的根证书签发/;
  await stranger.locator('#trust-age', { hasText: refusal }).waitFor();
  await stranger.fill('#paste', 'YX1:0');
  await stranger.click('#verify');
  await stranger.locator('#verdict.ERROR', { hasText: refusal }).waitFor();
  assert.equal(await stranger.locator('#verdict').getAttribute('data-indication'), null, 'no verdict without a trusted bundle');
  assert.equal(await stranger.locator('#details').isVisible(), false);
  await snap(stranger, 'offline-03-other-root.png');
  await other.close();

  // ---- the holder's wallet, online throughout, in its own context ----
  const wctx = await browser.newContext(phone);
  const wallet = await wctx.newPage();
  wallet.on('pageerror', (e) => errors.push('wallet: ' + e.message));
  await wallet.goto(base + '/wallet');
  await wallet.fill('#token', holder.token);
  await wallet.click('#signin-go');
  // Show a licence's QR code with these fields (null: the wallet's defaults) and screenshot it.
  async function qrOf(lic, names, file) {
    if (await wallet.locator('#show-back').isVisible()) await wallet.click('#show-back');
    if (await wallet.locator('#choose-back').isVisible()) await wallet.click('#choose-back');
    const button = wallet.locator(`button[data-licence="${lic.identifier}"]`);
    await button.waitFor();
    await button.click();
    await wallet.locator('#fields input').first().waitFor();
    if (names) for (const box of await wallet.locator('#fields input').all()) await box.setChecked(names.includes(await box.getAttribute('name')));
    await wallet.click('#make');
    await wallet.locator('#qr canvas').waitFor();
    const at = await wallet.evaluate(() => Date.now());
    const text = await wallet.locator('#qr').getAttribute('data-token');
    await wallet.screenshot({ path: shot(file) });
    assert.equal(decodePng(shot(file)), text, `the QR code in ${file} decodes to the page's token`);
    return { text, at, file: shot(file) };
  }
  const qrA = await qrOf(shown, chosen, 'offline-04-wallet-qr.png');
  const qrB = await qrOf(doomed, null, 'offline-05-wallet-qr-revoked.png');

  // Revoked after its code was made, before the officer's last bundle fetch (a reload, online).
  const revokedAt = Math.floor(Date.now() / 1000);
  await call(market, 'POST', `/v1/licences/${encodeURIComponent(doomed.identifier)}/revoke`, { reason: '离线核验测试：吊销' });
  await ver.reload();
  await ver.waitForFunction((t) => Number(document.getElementById('trust-age').dataset.issuedAt) >= t, revokedAt);

  // ---- offline ----
  await octx.setOffline(true);
  await ver.reload(); // from the service worker's cache
  await ver.locator('#paste').waitFor();
  await ver.waitForFunction(() => document.getElementById('trust-age').dataset.issuedAt);
  assert.equal(await ver.locator('#net').innerText(), '离线');
  assert.equal(await ver.evaluate(() => navigator.onLine), false);
  await snap(ver, 'offline-06-verifier-offline.png');

  const verdict = async () => {
    await ver.waitForFunction(() => document.getElementById('verdict').dataset.indication);
    return [await ver.locator('#verdict').getAttribute('data-indication'), await ver.locator('#verdict').getAttribute('data-sub')];
  };
  const upload = async (file) => {
    await ver.evaluate(() => { delete document.getElementById('verdict').dataset.indication; });
    await ver.setInputFiles('#upload', file);
    return verdict();
  };
  const pending = () => ver.locator('#pending').getAttribute('data-count').then(Number);

  // (a) PASSED, exactly the chosen fields, with their labels.
  assert.deepEqual(await upload(qrA.file), ['PASSED', '']);
  assert.equal(await ver.locator('#paste').inputValue(), qrA.text);
  const names = (await ver.locator('#disclosed').getAttribute('data-names')).split(',');
  assert.deepEqual(names.sort(), [...chosen].sort(), 'exactly the chosen fields');
  assert.equal(await ver.locator('#disclosed dt').count(), chosen.length);
  const disclosed = await ver.locator('#disclosed').innerText();
  assert.match(disclosed, /法定代表人/);
  assert.match(disclosed, /云南某某科技有限公司/);
  assert.doesNotMatch(disclosed, new RegExp(holder.holder_code), 'the unchosen USCC is not shown');
  assert.match(await ver.locator('#trust-age').innerText(), /^信任包更新于 (刚刚|\d+ 分钟前)$/);
  assert.equal(await pending(), 1);
  await snap(ver, 'offline-07-passed.png');

  // The benchmark: the same five-field token verified 100 times in the page, against the kept
  // bundle and pinned root (opened once, as the page does).
  const bench = await ver.evaluate(async (text) => {
    /* global YX, YXP */
    const at = Date.now() / 1000;
    const t0 = performance.now();
    const b = await YXP.openBundle(localStorage.getItem('yx-v-bundle'), YX.b64decode(localStorage.getItem('yx-v-root')), at);
    const v = await YXP.newVerifier(b, at);
    const open = performance.now() - t0;
    const ms = [];
    const seen = new Set();
    for (let i = 0; i < 100; i++) {
      const s = performance.now();
      const r = v.verify(text, at, null);
      ms.push(performance.now() - s);
      seen.add(r.indication + ':' + r.disclosed.length);
    }
    ms.sort((x, y) => x - y);
    return { median: (ms[49] + ms[50]) / 2, min: ms[0], max: ms[99], open, seen: [...seen] };
  }, qrA.text);
  assert.deepEqual(bench.seen, ['PASSED:5']);
  log(`benchmark: in-page verify of a 5-field token, 100 runs: median ${bench.median.toFixed(2)} ms `
    + `(min ${bench.min.toFixed(2)}, max ${bench.max.toFixed(2)}); opening the bundle and its verifier ${bench.open.toFixed(0)} ms`);

  // (b) The revoked licence: FAILED, REVOKED.
  assert.deepEqual(await upload(qrB.file), ['FAILED', 'REVOKED']);
  assert.match(await ver.locator('#reasons').innerText(), /吊销/);
  assert.equal(await ver.locator('#disclosed dt').count(), 0, 'a failed code shows no fields');
  assert.equal(await pending(), 2);
  await snap(ver, 'offline-08-revoked.png');

  // (c) The code of (a), 75 s after it was made (30 s life + 10 s tolerance long past): FAILED.
  await octx.clock.setFixedTime(qrA.at + 75_000);
  assert.deepEqual(await upload(qrA.file), ['FAILED', 'EXPIRED']);
  assert.match(await ver.locator('#reasons').innerText(), /过期/);
  assert.equal(await pending(), 3);
  await snap(ver, 'offline-09-expired.png');

  // (d) Thirteen hours on: a fresh code (the wallet's clock moved too) against a bundle whose
  // status lists expired (12 h): INDETERMINATE, with the list's and the bundle's ages.
  const later = Date.now() + 13 * 3600_000;
  await wctx.clock.setFixedTime(later);
  await wallet.reload(); // its QR timer restarts under the moved clock
  const qrD = await qrOf(shown, chosen, 'offline-10-wallet-qr-later.png');
  await octx.clock.setFixedTime(later + 5_000);
  assert.deepEqual(await upload(qrD.file), ['INDETERMINATE', 'TRY_LATER']);
  const reasons = await ver.locator('#reasons').innerText();
  assert.match(reasons, /状态列表已过期（生成于1[23]小时前/);
  assert.match(await ver.locator('#trust-age').innerText(), /^信任包更新于 1[23] 小时前 · 已过期，请联网更新$/);
  assert.equal(await pending(), 4);
  await snap(ver, 'offline-11-stale.png');
  await ver.click('#lang');
  assert.match(await ver.locator('#trust-age').innerText(), /^trust bundle updated 1[23] hours ago/);
  await snap(ver, 'offline-12-stale-en.png');
  await ver.click('#lang');

  // ---- back online: the records go up ----
  const ids = await ver.evaluate(() => JSON.parse(localStorage.getItem('yx-v-records')).map((x) => x.id));
  await octx.clock.setSystemTime(Date.now());
  await wctx.clock.setSystemTime(Date.now());
  await octx.setOffline(false);
  await ver.waitForFunction(() => document.getElementById('pending').dataset.count === '0', null, { timeout: 20_000 });
  const refused = await ver.evaluate(() => JSON.parse(localStorage.getItem('yx-v-refused')));
  assert.deepEqual(refused.map((r) => r.id), [ids[3]], "only (d)'s record, dated 13 hours ahead, is refused");
  assert.match(refused[0].reason, /future/);
  assert.equal(await ver.locator('#net').innerText(), '在线');
  await snap(ver, 'offline-13-uploaded.png');

  // The holder's usage log has the three accepted records.
  const usage = [];
  for (let cursor = null; ;) {
    const page = await call(holder.token, 'GET', '/v1/holder/usage?limit=100' + (cursor ? '&cursor=' + cursor : ''));
    usage.push(...page.items);
    if (!page.next_cursor) break;
    cursor = page.next_cursor;
  }
  const offline = usage.filter((u) => u.action === 'presentation.offline' && ids.includes(u.detail.record));
  assert.deepEqual(offline.map((u) => u.detail.record).sort(), ids.slice(0, 3).sort());
  const byId = Object.fromEntries(offline.map((u) => [u.detail.record, u.detail]));
  assert.equal(byId[ids[0]].indication, 'PASSED');
  assert.deepEqual([...byId[ids[0]].fields].sort(), [...chosen].sort());
  assert.equal(byId[ids[0]].place, PLACE);
  assert.equal(byId[ids[1]].indication, 'FAILED');
  assert.equal(byId[ids[2]].indication, 'FAILED');
  await wallet.reload();
  await wallet.click('#tab-usage');
  await wallet.getByText('离线亮证核验').first().waitFor();
  await snap(wallet, 'offline-14-wallet-usage.png');

  // Uploading again changes nothing: the queue is empty, the service keeps each record once.
  assert.equal(await pending(), 0);

  // Going offline made the page's own fetches fail; nothing else may have gone wrong.
  const real = errors.filter((e) => !/ERR_INTERNET_DISCONNECTED|Failed to fetch/.test(e));
  assert.deepEqual(real, [], 'no script errors on the pages');
  log('passed; screenshots in', out);
} finally {
  await browser.close();
}
