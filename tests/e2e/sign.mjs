// Browser end to end of 电子签名 envelopes (system Chromium, headless, via playwright-core), each
// party on its own phone (390×844, touch; a fresh browser context, so its own IndexedDB share).
// A department sends a one-page contract (a PDF made here) to three parties in sequence: a person
// signs (mouse), a firm seals (a finger: real touch events through CDP), the department approves
// (mouse). Each party opens its link, enters the one-time code from the outbox, sees the page
// image with its field, sets a signing PIN, draws and signs with the two-party SM2 key. Before its
// turn the firm is offered no signing, and the API refuses its prepare (409 envelope.out_of_turn).
// Then the envelope is completed and closed by the organiser's locking signature; the downloaded
// PDF verifies PASSED with the CLI (four signatures in order, the first binding the strokes, the
// last the lock) and with check_pdf_sigs.py (no yinxin code: a DER walk and OpenSSL's SM2/SM3).
// One flipped byte makes both fail. Screenshots are kept in ARTEFACTS for review (sign-*.png).
//
// Environment: YX_BASE (the running service), YX_CREDS (its dev-credentials.json), YX_BIN (the
// yinxin binary), YX_ROOT (the root CA to trust), ARTEFACTS (a directory).
import { chromium } from 'playwright-core';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';

const base = process.env.YX_BASE;
const creds = JSON.parse(fs.readFileSync(process.env.YX_CREDS, 'utf8'));
const out = process.env.ARTEFACTS;
const bin = process.env.YX_BIN;
fs.mkdirSync(out, { recursive: true });
const shot = (name) => path.join(out, name);
const t0 = Date.now();
const log = (...a) => console.log(`[sign ${((Date.now() - t0) / 1000).toFixed(1)}s]`, ...a);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function snap(page, name) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: shot(name), fullPage: true });
}

// The API; `expect` other than 2xx returns {status, body} instead of throwing.
async function api(token, method, p, body, expect) {
  const r = await fetch(base + p, {
    method,
    headers: { ...(token ? { authorization: 'Bearer ' + token } : {}), 'content-type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  const j = (r.headers.get('content-type') || '').includes('json') ? await r.json() : Buffer.from(await r.arrayBuffer());
  if (expect) return { status: r.status, body: j };
  if (!r.ok) throw new Error(`${method} ${p}: ${r.status} ${JSON.stringify(j)}`);
  return j;
}

// ---- 1. the contract: a hand-written one-page A4 PDF, with a box where each party signs ------------
const FIELDS = { a: [72, 150, 150, 60], b: [250, 130, 110, 110], c: [410, 130, 110, 110] };
function contractPdf() {
  const esc = (s) => s.replace(/[\\()]/g, (c) => '\\' + c);
  const text = (x, y, size, s) => `BT /F1 ${size} Tf ${x} ${y} Td (${esc(s)}) Tj ET`;
  const terms = [
    'Buyer: Zhang San, for Kunming Example Trading Co., Ltd. (Firm A)',
    'Seller: Yunnan Example Supplies Co., Ltd. (Firm B)',
    '1. The Seller delivers 200 office chairs (model YX-7) by 31 March 2026.',
    '2. The price is CNY 86,000.00, VAT included, paid within 30 days of delivery.',
    '3. Defects reported within 12 months are repaired or replaced free of charge.',
    '4. This contract takes effect when signed by both parties and approved.',
  ];
  const boxes = [['a', 'Firm A (signature)'], ['b', 'Firm B (seal)'], ['c', 'Approved by (seal)']];
  const content = [
    text(72, 770, 18, 'Purchase Contract No. 2026-001'),
    ...terms.map((s, i) => text(72, 730 - 20 * i, 11, s)),
    '0.4 G 1 w',
    ...boxes.flatMap(([k, label]) => {
      const [x, y, w, h] = FIELDS[k];
      return [`${x} ${y} ${w} ${h} re S`, text(x, y + h + 8, 10, label)];
    }),
  ].join('\n');
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>',
    `<< /Length ${Buffer.byteLength(content, 'latin1')} >>\nstream\n${content}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>',
  ];
  let pdf = '%PDF-1.7\n%\xe2\xe3\xcf\xd3\n';
  const offsets = objects.map((o, i) => { const at = Buffer.byteLength(pdf, 'latin1'); pdf += `${i + 1} 0 obj\n${o}\nendobj\n`; return at; });
  const xref = Buffer.byteLength(pdf, 'latin1');
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n` + offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('');
  pdf += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(pdf, 'latin1');
}
const original = contractPdf();
fs.writeFileSync(shot('contract.pdf'), original);

// ---- 2. the envelope, as the department --------------------------------------------------------
const deptCreds = creds['department:11530100MB0123456A'];
const dept = deptCreds.token;
const admin = creds.admin.token;
const field = (k, kind) => ({ document: 0, page: 1, rect: FIELDS[k], kind });
const parties = [
  { key: 'a', name: '张三', kind: { type: 'person', id_number_masked: '530***********1234' }, role: 'sign', step: 1, contact: '13800000001', fields: [field('a', 'signature')] },
  { key: 'b', name: '云南某某商贸有限公司', kind: { type: 'organisation' }, role: 'seal', step: 2, contact: '13800000002', fields: [field('b', 'seal')] },
  { key: 'c', name: deptCreds.name || '某市市场监督管理局', kind: { type: 'organisation' }, role: 'approve', step: 3, contact: '13800000003', fields: [field('c', 'seal')] },
];
const draft = {
  title: '采购合同（2026-001）',
  documents: [{ name: '采购合同 2026-001', media_type: 'pdf' }],
  parties: parties.map(({ key, ...p }) => p),
  deadline: new Date(Date.now() + 86400e3).toISOString().replace(/\.\d+Z$/, 'Z'),
  message: '请于明日前签署。',
};
const created = await api(dept, 'POST', '/v1/envelopes', { draft, documents: [original.toString('base64')] });
assert.equal(created.state, 'draft');
const sent = await api(dept, 'POST', `/v1/envelopes/${created.id}/send`);
assert.equal(sent.links.length, 3);
const envId = created.id;
// The links name the service's configured public URL; the test reaches it at YX_BASE.
for (const [i, p] of parties.entries()) {
  p.url = new URL(sent.links[i].url).pathname;
  p.token = p.url.split('/').pop();
  const inbox = await api(admin, 'GET', '/v1/outbox?recipient=' + p.contact);
  assert.ok(inbox.messages.some((m) => m.body.includes(p.url)), `the invitation to ${p.name} carries its link`);
}
log('envelope', envId, 'sent to', parties.map((p) => p.name).join(', '));

// A new code in the outbox for `contact`: one whose message was not there before.
async function seenCodes(contact) {
  return new Set((await api(admin, 'GET', '/v1/outbox?recipient=' + contact)).messages.map((m) => m.id));
}
async function newCode(contact, seen) {
  for (let i = 0; i < 50; i++) {
    const m = (await api(admin, 'GET', '/v1/outbox?recipient=' + contact)).messages.find((x) => !seen.has(x.id) && /验证码/.test(x.body));
    if (m) return /验证码 (\d{6})/.exec(m.body)[1];
    await sleep(100);
  }
  throw new Error('no code in the outbox for ' + contact);
}

// ---- the phones ------------------------------------------------------------------------------------
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
});
const errors = [];
async function phone(p) {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2, locale: 'zh-CN', acceptDownloads: true });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => errors.push(`${p.key}: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`${p.key} console: ${m.text()}`); });
  page.on('request', (r) => { if (r.method() === 'POST' && r.url().endsWith('/prepare')) p.prepared = JSON.parse(r.postData()); });
  return Object.assign(p, { ctx, page });
}

// Open the link, ask for the code, read it from the outbox, enter it: the envelope shows.
async function identify(p) {
  const { page } = p;
  await page.goto(base + p.url);
  await page.locator('#code-request').waitFor();
  const seen = await seenCodes(p.contact);
  await page.click('#code-request');
  await page.locator('#code-box').waitFor();
  const code = await newCode(p.contact, seen);
  assert.match(await page.locator('#code-sent').innerText(), /\*{4}/, 'the contact is shown masked');
  assert.match(await page.locator('#code-dev').innerText(), new RegExp(code), 'the 开发环境 hint shows the same code');
  await page.fill('#code', code);
  await page.click('#code-go');
  await page.locator('#envelope').waitFor();
  assert.equal(await page.locator('#env-title').innerText(), draft.title);
  assert.equal(await page.locator('#parties li').count(), 3);
  // The first page image, drawn from the document; this party's field over it.
  await page.waitForFunction(() => { const i = document.querySelector('.sheet img'); return i && i.complete && i.naturalWidth > 0; });
  assert.equal(await page.locator(`.field-box.${p.fields[0].kind}`).count(), 1, 'the field is highlighted');
}

// Strokes as fractions of the pad: a name-like scrawl, a loop and an underline.
const STROKES = [
  Array.from({ length: 24 }, (_, i) => [0.12 + 0.03 * i, 0.42 + 0.14 * Math.sin(i / 2.2)]),
  Array.from({ length: 20 }, (_, i) => [0.55 + 0.09 * Math.cos((i / 19) * 2 * Math.PI), 0.45 + 0.12 * Math.sin((i / 19) * 2 * Math.PI)]),
  Array.from({ length: 12 }, (_, i) => [0.15 + 0.06 * i, 0.66 + 0.01 * (i % 3)]),
];
async function drawMouse(page, box, strokes) {
  for (const s of strokes) {
    const at = ([fx, fy]) => [box.x + fx * box.width, box.y + fy * box.height];
    await page.mouse.move(...at(s[0]));
    await page.mouse.down();
    for (const pt of s.slice(1)) await page.mouse.move(...at(pt), { steps: 2 });
    await page.mouse.up();
  }
}
async function drawTouch(page, box, strokes) {
  const cdp = await page.context().newCDPSession(page);
  for (const s of strokes) {
    const tp = ([fx, fy], i) => [{ x: box.x + fx * box.width, y: box.y + fy * box.height, force: 0.35 + 0.3 * Math.abs(Math.sin(i / 3)), id: 1 }];
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: tp(s[0], 0) });
    for (const [i, pt] of s.slice(1).entries()) {
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: tp(pt, i + 1) });
      await sleep(8);
    }
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  }
  await cdp.detach();
}

// Sign: the PIN, the pad (undo and clear tried first), then the two-party signature.
async function sign(p, n, pin, how) {
  const { page } = p;
  await page.locator('#sign-go').click();
  await page.locator('#pin-section').waitFor();
  await page.fill('#pin', '123456');
  await page.fill('#pin2', '123456');
  await page.click('#pin-go');
  assert.notEqual(await page.locator('#error').innerText(), '', 'a trivial PIN is refused');
  await page.fill('#pin', pin);
  await page.fill('#pin2', pin);
  await page.click('#pin-go');
  await page.locator('#draw').waitFor({ timeout: 30_000 });
  const box = await page.locator('#pad').boundingBox();
  const draw = how === 'touch' ? drawTouch : drawMouse;
  await draw(page, box, [STROKES[0]]);
  assert.equal(await page.locator('#pad-undo').isDisabled(), false);
  await page.click('#pad-clear');
  assert.equal(await page.locator('#pad-undo').isDisabled(), true, 'clear leaves nothing to undo');
  await draw(page, box, [...STROKES, STROKES[2].map(([x, y]) => [x, y + 0.1])]);
  await page.click('#pad-undo'); // the last, doubled underline goes
  await page.screenshot({ path: shot(`sign-${n}-${p.key}-pad.png`) });
  await page.click('#pad-go');
  await page.locator('#done').waitFor({ timeout: 120_000 });
  await snap(page, `sign-${n}-${p.key}-done.png`);
  const hw = p.prepared.handwriting;
  assert.equal(hw.pointer, how, `the page saw ${how} pointer events`);
  assert.equal(hw.strokes.length, STROKES.length, 'three strokes after the undo');
  if (how === 'touch') assert.ok(hw.strokes[0][1].length === 4, 'touch points carry the pressure');
  assert.equal(await page.locator('#error').innerText(), '');
}

try {
  const [A, B, C] = await Promise.all(parties.map(phone));

  // ---- 3a. out of turn: the firm, before the person has signed ------------------------------------
  const seen = await seenCodes(B.contact);
  const codeRes = await api(null, 'POST', `/v1/sign/${B.token}/code`, undefined);
  assert.equal(await newCode(B.contact, seen), codeRes.dev_code);
  const { access } = await api(null, 'POST', `/v1/sign/${B.token}/session`, { code: codeRes.dev_code });
  const hw = { width: 300, height: 150, pointer: 'mouse', strokes: [[[10, 50, 0], [120, 60, 40], [250, 40, 90]]] };
  const early = await api(access, 'POST', `/v1/sign/${B.token}/prepare`, { handwriting: hw }, true);
  assert.equal(early.status, 409, JSON.stringify(early.body));
  assert.equal(early.body.code, 'envelope.out_of_turn', JSON.stringify(early.body));
  await identify(B);
  assert.equal(await B.page.locator('#sign-go').isHidden(), true, 'no signing before its turn');
  assert.match(await B.page.locator('#bar-note').innerText(), new RegExp(A.name), 'the page names who is in turn');
  await snap(B.page, 'sign-0-b-out-of-turn.png');
  log('out of turn refused:', early.body.detail);

  // ---- 3b. the three parties in turn --------------------------------------------------------------
  await identify(A);
  await snap(A.page, 'sign-1-a-envelope.png');
  await A.page.click('#fields-show'); // scrolls to the field: what the person sees
  await sleep(800);
  await A.page.screenshot({ path: shot('sign-1-a-field.png') });
  await sign(A, 1, '480917', 'mouse');
  log('A signed');

  await B.page.reload(); // the session is kept for the tab: straight to the envelope
  await B.page.locator('#sign-go').waitFor();
  await B.page.waitForFunction(() => { const i = document.querySelector('.sheet img'); return i && i.complete && i.naturalWidth > 0; });
  await snap(B.page, 'sign-2-b-envelope.png');
  await sign(B, 2, '739251', 'touch');
  log('B sealed');

  await identify(C);
  await snap(C.page, 'sign-3-c-envelope.png');
  await sign(C, 3, '605813', 'mouse');
  log('C approved');

  // ---- 4. completed, closed, verified ---------------------------------------------------------------
  let status;
  for (let i = 0; i < 50; i++) {
    status = await api(dept, 'GET', `/v1/envelopes/${envId}`);
    if (status.state === 'completed') break;
    await sleep(200);
  }
  assert.equal(status.state, 'completed', JSON.stringify(status));
  assert.deepEqual(status.parties.map((p) => p.status), ['signed', 'signed', 'signed']);
  assert.equal(status.documents[0].revisions, 5, 'the original, three signatures and the closing one');
  const signedPdf = await api(dept, 'GET', `/v1/envelopes/${envId}/documents/0`);
  assert.ok(Buffer.isBuffer(signedPdf) && signedPdf.subarray(0, 5).toString() === '%PDF-');
  const file = shot('contract-signed.pdf');
  fs.writeFileSync(file, signedPdf);
  log('downloaded', signedPdf.length, 'bytes, revisions', status.documents[0].revisions);

  // The last party downloads the same file from its page.
  await C.page.locator('#download').waitFor();
  const [dl] = await Promise.all([C.page.waitForEvent('download'), C.page.click('#download')]);
  assert.ok(fs.readFileSync(await dl.path()).equals(signedPdf), 'the party downloads the organiser\'s file');

  const verify = (f) => {
    const r = spawnSync(bin, ['verify', f, '--trust', process.env.YX_ROOT, '--json'], { encoding: 'utf8' });
    fs.writeFileSync(f.replace(/\.pdf$/, '.verify.json'), r.stdout);
    return { code: r.status, report: r.stdout ? JSON.parse(r.stdout) : null, stderr: r.stderr };
  };
  const v = verify(file);
  assert.equal(v.report.indication, 'PASSED', v.stderr + JSON.stringify(v.report, null, 1).slice(0, 4000));
  assert.equal(v.code, 0);
  const sigs = v.report.parts;
  const signerName = (s) => (s.signer && s.signer.subject) || '';
  assert.equal(sigs.length, 4, 'the three parties and the closing signature');
  for (const s of sigs) assert.equal(s.indication, 'PASSED', JSON.stringify(s.checks));
  // The parties' two-party keys (certificates issued at enrolment), then the department's own.
  [A, B, C].forEach((p, i) => assert.ok(signerName(sigs[i]).includes(`CN=${p.name}`) && signerName(sigs[i]).includes(`${envId}-${i}`),
    `signature ${i + 1} is ${p.name}'s enrolled key: ${signerName(sigs[i])}`));
  assert.match(signerName(sigs[3]), /11530100MB0123456A/, 'the closing signature is the organiser department\'s');
  const check = (s, id) => s.checks.find((c) => c.id === id);
  assert.equal(check(sigs[0], 'pdf.handwriting')?.outcome, 'PASSED', 'the first signature binds its strokes');
  assert.equal(check(sigs[3], 'pdf.lock')?.outcome, 'PASSED', 'the closing signature locks the document');
  log('verify: PASSED;', sigs.map((s) => signerName(s)).join(' | '));

  // The independent check: no yinxin code, OpenSSL's SM2 and SM3.
  const py = spawnSync('python3', [new URL('./check_pdf_sigs.py', import.meta.url).pathname, file], { encoding: 'utf8' });
  fs.writeFileSync(shot('contract-signed.check.txt'), py.stdout + py.stderr);
  assert.equal(py.status, 0, py.stdout + py.stderr);
  assert.equal(py.stdout.split('\n').filter((l) => /^signature \d+:.*: OK$/.test(l)).length, 4, py.stdout);
  log('check_pdf_sigs.py:\n' + py.stdout.trim());

  // One byte changed in the contract's text: neither says PASSED any more.
  const at = signedPdf.indexOf('Purchase Contract');
  assert.ok(at > 0, 'the contract text is in the file uncompressed');
  const bad = Buffer.from(signedPdf);
  bad[at] ^= 0x01;
  fs.writeFileSync(shot('contract-tampered.pdf'), bad);
  const vb = verify(shot('contract-tampered.pdf'));
  assert.notEqual(vb.report.indication, 'PASSED');
  assert.notEqual(vb.code, 0);
  const pyb = spawnSync('python3', [new URL('./check_pdf_sigs.py', import.meta.url).pathname, shot('contract-tampered.pdf')], { encoding: 'utf8' });
  assert.notEqual(pyb.status, 0, pyb.stdout);
  log('tampered:', vb.report.indication, vb.report.sub_indication || '', '| check_pdf_sigs.py exit', pyb.status);

  assert.deepEqual(errors, [], 'no script errors on the pages');
  log('passed; screenshots in', out);
} finally {
  await browser.close();
}
