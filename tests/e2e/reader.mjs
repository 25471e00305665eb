// Reader authentication end to end (system Chromium, headless, phone viewport): the officer's
// verifier page gets a reader certificate for its device key and shows a signed request QR; the
// holder's wallet page scans it from a screenshot, checks it against the trust bundle, shows who
// asks for what, and answers only with the fields the holder consents to, bound to the request's
// nonce; the verifier page checks the answer from its screenshot. Requests from an uncertified
// key, another device, an expired certificate, or beyond the officer's entitlement (made here by
// node with the page's own sm.js, as a tampering device would) are refused with the reason
// shown. Screenshots in ARTEFACTS (reader-*.png).
//
// Environment: YX_BASE, YX_CREDS, ARTEFACTS.
import { chromium } from 'playwright-core';
import { PNG } from 'pngjs';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';

const require = createRequire(import.meta.url);
const YX = require('../../crates/server/assets/sm.js');
const jsQR = require('../../crates/server/assets/vendor/jsQR.js');
function decodePng(file) {
  const png = PNG.sync.read(fs.readFileSync(file));
  const r = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
  return r ? r.data : null;
}
const base = process.env.YX_BASE;
const creds = JSON.parse(fs.readFileSync(process.env.YX_CREDS, 'utf8'));
const out = process.env.ARTEFACTS;
fs.mkdirSync(out, { recursive: true });
const shot = (name) => path.join(out, name);
const log = (...a) => console.log('[reader]', ...a);

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

// The officer's device: a key, and the certificate the service gives it.
const officerKey = YX.keygen();
const keyHex = YX.hex(YX.compressed(officerKey));
const reader = await call(creds.officer.token, 'POST', '/v1/present/readers', {
  device_key: keyHex, proof: YX.hex(YX.sign(officerKey, YX.utf8('yinxin-reader-request:' + keyHex))),
});
const certBytes = YX.b64decode(reader.certificate);
log('reader certificate', reader.serial, 'for', reader.officer.name, reader.officer.entitlements);

// A request, as crates/present/src/reader.rs `request` makes it.
function request(cert, key, nonce, fields, iat = Math.floor(Date.now() / 1000), life = 120) {
  const body = YX.cbor(['yx-req-1', cert, nonce, typeCode, fields, iat, iat + life]);
  return 'YXR1:' + YX.base45(YX.cbor([body, YX.sign(key, body)]));
}
// A certificate that looks like the service's but is signed by a stranger's key.
function strangerCert() {
  const stranger = YX.keygen();
  const body = YX.cbor(['yx-reader-1', new Uint8Array(8).fill(9), YX.compressed(officerKey), 'officer-001', '王五',
    '11530100MB0123456A', '某市市场监督管理局', '530102', [[typeCode, ['name', 'uscc', 'legal_representative']]],
    Math.floor(Date.now() / 1000) - 60, Math.floor(Date.now() / 1000) + 86400]);
  return YX.cbor([body, new Uint8Array(8).fill(1), YX.sign(stranger, body)]);
}

// A licence for the dev holder.
const holder = creds.holder;
const fields = JSON.parse(fs.readFileSync(new URL('../../examples/营业执照.json', import.meta.url), 'utf8'));
fields.uscc = holder.holder_code;
const lic = await call(creds['department:11530100MB0123456A'].token, 'POST', '/v1/licences', { type_code: '营业执照', fields });
const typeCode = lic.type_code;
assert.ok(reader.officer.entitlements[typeCode], 'the officer may ask about business licences');

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
});
const errors = [];
async function openWallet(ctx) {
  const w = await ctx.newPage();
  w.on('pageerror', (e) => errors.push('wallet: ' + e.message));
  await w.goto(base + '/wallet');
  await w.fill('#token', holder.token);
  await w.click('#signin-go');
  const button = w.locator(`button[data-licence="${lic.identifier}"]`);
  await button.waitFor();
  await button.click();
  await w.locator('#fields input').first().waitFor();
  return w;
}
async function refused(w, text, id, pattern, name) {
  await w.fill('#request-text', text);
  await w.click('#request-read');
  await w.waitForFunction(() => document.getElementById('request-error').textContent);
  assert.equal(await w.locator('#request-error').getAttribute('data-refusal'), id, await w.locator('#request-error').innerText());
  assert.match(await w.locator('#request-error').innerText(), pattern);
  assert.equal(await w.locator('#request').isHidden(), true, 'nothing is offered for a refused request');
  assert.equal(await w.locator('#nonce').inputValue(), '', "a refused request leaves no earlier request's nonce in force");
  await w.evaluate(() => window.scrollTo(0, 0));
  await w.screenshot({ path: shot(name), fullPage: true });
  await w.evaluate(() => { delete document.getElementById('request-error').dataset.refusal; document.getElementById('request-error').textContent = ''; });
}
try {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, locale: 'zh-CN' });
  const wallet = await openWallet(ctx);

  // Refused: a certificate the service did not sign, a request beyond the entitlement.
  await refused(wallet, request(strangerCert(), officerKey, '111111', ['name']), 'request.issuer', /未知密钥/, 'reader-01-unknown-key.png');
  await refused(wallet, request(certBytes, officerKey, '222222', ['name', 'legal_representative']), 'request.entitlement',
    /超出.*法定代表人/, 'reader-02-beyond-entitlement.png');
  // A request signed by another device than the certificate's.
  await refused(wallet, request(certBytes, YX.keygen(), '333333', ['name']), 'request.signature', /签名无效/, 'reader-03-wrong-device.png');

  // The good request, from the officer's page: its device key is certified at sign-in; it asks
  // for what its certificate allows (名称 and 统一社会信用代码) and shows a signed request QR.
  const vctx = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, locale: 'zh-CN' });
  const ver = await vctx.newPage();
  ver.on('pageerror', (e) => errors.push('verifier: ' + e.message));
  await ver.goto(base + '/verifier');
  await ver.fill('#token', creds.officer.token);
  await ver.click('#signin-go');
  await ver.locator('#ask-fields input').first().waitFor();
  const asked = await ver.locator(`#ask-fields input[data-type="${typeCode}"]`).evaluateAll((xs) => xs.map((x) => x.name));
  assert.deepEqual(asked.sort(), ['name', 'uscc'], "the officer's page offers what its certificate allows");
  // The business licence's fields only.
  for (const box of await ver.locator('#ask-fields input').all()) {
    await box.setChecked((await box.getAttribute('data-type')) === typeCode);
  }
  await ver.click('#ask-make');
  await ver.locator('#ask-qr canvas').waitFor();
  const nonce = await ver.locator('#nonce').innerText();
  await ver.locator('#ask-card').screenshot({ path: shot('reader-04-verifier-request.png') });
  const reqText = decodePng(shot('reader-04-verifier-request.png'));
  assert.equal(reqText, await ver.locator('#ask-qr').getAttribute('data-request'), 'the request QR decodes from the screenshot');

  // The wallet scans the request from that screenshot, names the requester and the fields; the
  // holder consents to the name only.
  await wallet.setInputFiles('#request-upload', shot('reader-04-verifier-request.png'));
  await wallet.locator('#request-asks').waitFor();
  const asks = await wallet.locator('#request-asks').innerText();
  assert.equal(asks, '某市市场监督管理局 执法人员 王五 请求查看：统一社会信用代码、名称');
  const offered = await wallet.locator('#fields label:not([hidden]) input').evaluateAll((xs) => xs.map((x) => x.name));
  assert.deepEqual(offered.sort(), ['name', 'uscc'], 'only the requested fields are offered');
  assert.equal(await wallet.locator('#nonce').inputValue(), nonce);
  await wallet.evaluate(() => window.scrollTo(0, 0));
  await wallet.screenshot({ path: shot('reader-05-wallet-request-shown.png'), fullPage: true });
  await wallet.locator('#fields input[name="uscc"]').setChecked(false);
  await wallet.click('#make');
  await wallet.locator('#qr canvas').waitFor();
  const token = await wallet.locator('#qr').getAttribute('data-token');
  await wallet.screenshot({ path: shot('reader-06-wallet-answer.png') });

  // The officer's page reads the answer from the screenshot: PASSED, the name only.
  await ver.setInputFiles('#upload', shot('reader-06-wallet-answer.png'));
  await ver.waitForFunction(() => document.getElementById('verdict').dataset.indication);
  assert.equal(await ver.locator('#verdict').getAttribute('data-indication'), 'PASSED');
  assert.equal(await ver.locator('#disclosed').getAttribute('data-names'), 'name', 'only the consented field');
  assert.equal(await ver.locator('#reasons li[data-check="token.nonce"]').getAttribute('class'), 'PASSED');
  await ver.evaluate(() => window.scrollTo(0, 0));
  await ver.screenshot({ path: shot('reader-07-verifier-passed.png'), fullPage: true });
  // The same answer is worth nothing for another request.
  const other = await call(creds.officer.token, 'POST', '/v1/present/verify', { token, nonce: '999999' });
  assert.equal(other.indication, 'FAILED', 'the answer is not valid for another request');
  const same = await call(creds.officer.token, 'POST', '/v1/present/verify', { token, nonce });
  assert.deepEqual(same.disclosed.map((f) => f.name), ['name']);

  // A lost device: its certificate revoked; the wallet's fresh bundle lists it.
  const lostKey = YX.keygen();
  const lostHex = YX.hex(YX.compressed(lostKey));
  const lost = await call(creds.officer.token, 'POST', '/v1/present/readers', {
    device_key: lostHex, proof: YX.hex(YX.sign(lostKey, YX.utf8('yinxin-reader-request:' + lostHex))),
  });
  await call(creds.officer.token, 'POST', `/v1/present/readers/${lost.serial}/revoke`, {});
  await wallet.click('#show-back');
  await refused(wallet, request(YX.b64decode(lost.certificate), lostKey, '555555', ['name']), 'request.revoked', /已被吊销/,
    'reader-09-revoked-certificate.png');

  // An officer certificate past its end: one asked to live 2 seconds (a device may ask for a
  // shift-long one), used 4 seconds later.
  const shortKey = YX.keygen();
  const shortHex = YX.hex(YX.compressed(shortKey));
  const short = await call(creds.officer.token, 'POST', '/v1/present/readers', {
    device_key: shortHex, proof: YX.hex(YX.sign(shortKey, YX.utf8('yinxin-reader-request:' + shortHex))), valid_seconds: 2,
  });
  await new Promise((r) => setTimeout(r, 4000));
  await refused(wallet, request(YX.b64decode(short.certificate), shortKey, '444444', ['name']), 'request.validity', /证书已过期/,
    'reader-08-expired-certificate.png');

  assert.deepEqual(errors, [], 'no script errors on the pages');
  log('passed; screenshots in', out);
} finally {
  await browser.close();
}
