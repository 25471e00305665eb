// The holder's wallet: sign in with a holder token, list my licences, bind this device (its SM2
// key stays here), choose fields, show a rotating QR code; my usage log and my consents.
'use strict';
const LIFETIME = 30; // seconds a code lives; the verifier accepts at most 60
const $ = (id) => document.getElementById(id);
let token = localStorage.getItem('yx-holder-token');
let tab = 'licences';
let current = null; // {licence, cred}
let timer = null;

function deviceKey() {
  let h = localStorage.getItem('yx-device-key');
  if (!h) { h = YX.keyToHex(YX.keygen()); localStorage.setItem('yx-device-key', h); }
  return YX.keyFromHex(h);
}

function show(section) {
  for (const s of ['signin', 'home', 'choose', 'show']) $(s).hidden = s !== section;
  if (section !== 'show' && timer) { clearInterval(timer); timer = null; }
}

async function start() {
  applyI18n();
  if (!token) return show('signin');
  show('home');
  await render();
}

async function render() {
  document.querySelectorAll('nav.tabs button').forEach((b) => b.setAttribute('aria-selected', String(b.dataset.tab === tab)));
  const pane = $('pane');
  pane.replaceChildren(el('p', { class: 'muted' }, '…'));
  try {
    if (tab === 'licences') return await renderLicences(pane);
    if (tab === 'usage') return await renderUsage(pane);
    return await renderConsents(pane);
  } catch (e) {
    if (String(e.message).includes('401') || /token|credential/i.test(e.message)) { signOut(); return; }
    pane.replaceChildren(el('p', { class: 'error' }, e.message));
  }
}

const statusBadge = (s) => el('span', { class: 'badge' + (s === 'valid' ? '' : s === 'suspended' ? ' warn' : ' bad') }, t('status.' + s));

async function renderLicences(pane) {
  const page = await api(token, 'GET', '/v1/holder/licences?limit=100');
  const items = page.items.filter((l) => l.status !== 'superseded');
  if (!items.length) return pane.replaceChildren(el('p', { class: 'muted card' }, t('licences.none')));
  pane.replaceChildren(...items.map((l) => el('div', { class: 'card' },
    el('div', { class: 'licence' }, el('h2', {}, (l.metadata && l.metadata.name) || l.type_code), statusBadge(l.status)),
    el('div', { class: 'muted' }, l.number || l.identifier),
    l.status === 'valid' ? el('button', { class: 'primary', 'data-licence': l.identifier, onclick: () => choose(l) }, t('present')) : null)));
}

async function renderUsage(pane) {
  const page = await api(token, 'GET', '/v1/holder/usage?limit=100');
  if (!page.items.length) return pane.replaceChildren(el('p', { class: 'muted card' }, t('usage.none')));
  pane.replaceChildren(el('div', { class: 'card' }, ...page.items.slice().reverse().map((u) => el('div', { class: 'field' },
    el('div', {}, el('strong', {}, t('action.' + u.action)), ' · ', new Date(u.at * 1000).toLocaleString(LANG === 'zh' ? 'zh-CN' : 'en-GB')),
    el('div', { class: 'muted' }, u.by + (u.detail && u.detail.use_cause ? ' · ' + u.detail.use_cause : ''))))));
}

async function renderConsents(pane) {
  const page = await api(token, 'GET', '/v1/holder/consents?limit=100');
  if (!page.items.length) return pane.replaceChildren(el('p', { class: 'muted card' }, t('consents.none')));
  pane.replaceChildren(...page.items.map((c) => el('div', { class: 'card' },
    el('div', { class: 'licence' }, el('strong', {}, c.department_code), c.revoked ? el('span', { class: 'badge bad' }, t('consent.revoked')) : null),
    el('div', { class: 'muted' }, c.use_cause + ' · ' + t('consent.until') + ' ' + new Date(c.until_ts * 1000).toLocaleDateString()),
    c.revoked ? null : el('button', { class: 'small', onclick: async () => { await api(token, 'DELETE', '/v1/holder/consents/' + c.id); render(); } }, t('consent.revoke')))));
}

async function credentialFor(licence) {
  const key = deviceKey();
  const keyHex = YX.hex(YX.compressed(key));
  const cacheKey = 'yx-cred:' + licence.identifier + ':' + keyHex;
  const cached = localStorage.getItem(cacheKey);
  if (cached) return JSON.parse(cached);
  const msg = 'yinxin-credential-request:' + licence.identifier + ':' + keyHex;
  const proof = YX.hex(YX.sign(key, YX.utf8(msg)));
  const cred = await api(token, 'POST', '/v1/holder/licences/' + encodeURIComponent(licence.identifier) + '/credential', { device_key: keyHex, proof });
  localStorage.setItem(cacheKey, JSON.stringify(cred));
  return cred;
}

async function choose(licence) {
  $('choose-error').textContent = '';
  try {
    const cred = await credentialFor(licence);
    current = { licence, cred };
    $('choose-licence').textContent = cred.licence.type_name + ' · ' + cred.licence.issuer_name;
    const defaults = new Set(['name', 'uscc', 'holder_name', 'number']);
    $('fields').replaceChildren(...cred.claims.map((c) => el('label', { class: 'field' },
      Object.assign(el('input', { type: 'checkbox', name: c.name }), { checked: defaults.has(c.name) }),
      el('div', {}, el('div', {}, c.label), el('div', { class: 'v' }, c.value)))));
    clearRequest();
    show('choose');
  } catch (e) {
    $('pane').prepend(el('p', { class: 'error' }, e.message));
  }
}

// ---- reader authentication (ISO/IEC 18013-5's idea): an officer's device shows a signed request
// (crates/present/src/reader.rs); the wallet checks it against the trust bundle — the service's
// key certifies the officer's device, department, area and what it may ask for — shows who asks
// for what, and answers only with the fields the holder consents to, bound to the request's nonce.
const RQ = {
  zh: {
    title: '核验请求（可选）', hint: '执法人员出示核验请求码时，扫描或粘贴它：本页会核对请求方身份和查看权限。',
    read: '读取请求', upload: '扫描请求码', asks: (o, f) => `${o.department_name} 执法人员 ${o.officer_name} 请求查看：${f}`,
    area: (a) => `执法区域 ${a}`, consent: '请逐项确认同意出示的信息：', nonebundle: '尚无信任包：请联网后重试',
    wrongtype: '请求的证照类型与所选证照不符', decode: '图片中未找到请求码',
    beyond: (f) => `请求超出该执法人员的查看权限，不能出示：${f}`,
  },
  en: {
    title: 'Verification request (optional)', hint: "When an officer shows a request code, scan or paste it: this page checks who is asking and what they may see.",
    read: 'Read request', upload: 'Scan request code', asks: (o, f) => `${o.department_name}, officer ${o.officer_name}, asks to see: ${f}`,
    area: (a) => `enforcement area ${a}`, consent: 'Consent to each field to show:', nonebundle: 'No trust bundle yet: go online and retry',
    wrongtype: 'The request is for another licence type than the one chosen', decode: 'No request code found in the picture',
    beyond: (f) => `The request goes beyond what this officer may see, nothing is shown: ${f}`,
  },
};
const rq = (k, ...a) => { const v = (RQ[LANG] || RQ.zh)[k]; return typeof v === 'function' ? v(...a) : v; };
let request = null; // the accepted request, while the holder answers it

// The trust bundle, refreshed when online; its root pinned the first time (trust at install,
// as the page itself came from the service).
async function walletBundle() {
  const now = Date.now() / 1000;
  const pin = localStorage.getItem('yx-wallet-root');
  const pinned = pin ? YX.b64decode(pin) : null;
  try {
    // no-store: a revocation must be seen at once, not after the response's max-age.
    const r = await fetch('/v1/present/bundle', { cache: 'no-store' });
    if (r.ok) {
      const json = await r.text();
      const b = await YXP.openBundle(json, pinned, now);
      if (!pin) localStorage.setItem('yx-wallet-root', btoa(String.fromCharCode(...b.trust[0].der)));
      localStorage.setItem('yx-wallet-bundle', json);
      return b;
    }
  } catch (e) { /* offline or refused: the kept bundle below */ }
  const kept = localStorage.getItem('yx-wallet-bundle');
  if (!kept) throw new Error(rq('nonebundle'));
  return YXP.openBundle(kept, pinned, now);
}

function labelOf(name) {
  const c = current && current.cred.claims.find((x) => x.name === name);
  return c ? c.label : name;
}

async function readRequest(text) {
  $('request-error').textContent = '';
  // A new request replaces the last one; a refused one leaves none in force.
  releaseRequest();
  let res;
  try {
    res = YXP.checkRequest(text, await walletBundle(), Date.now() / 1000);
  } catch (e) { $('request-error').textContent = e.message; return; }
  if (!res.ok) {
    // Fields beyond the entitlement are named as the licence labels them.
    const beyond = res.beyond && res.beyond.map(labelOf).join(LANG === 'zh' ? '、' : ', ');
    $('request-error').textContent = beyond ? rq('beyond', beyond) : (LANG === 'zh' ? res.reason_zh : res.reason_en);
    $('request-error').dataset.refusal = res.id;
    return;
  }
  if (current && res.type_code !== current.cred.licence.type_code) {
    $('request-error').textContent = rq('wrongtype');
    $('request-error').dataset.refusal = 'request.type';
    return;
  }
  delete $('request-error').dataset.refusal;
  request = res;
  const asked = res.fields.map(labelOf).join('、');
  $('request').replaceChildren(
    el('p', { class: 'asks', id: 'request-asks' }, rq('asks', res.officer, asked)),
    el('p', { class: 'muted' }, rq('area', res.officer.area_code)),
    el('p', { class: 'muted' }, rq('consent')));
  $('request').hidden = false;
  // Only the requested fields are offered, each checked until the holder unticks it.
  for (const input of document.querySelectorAll('#fields input')) {
    const wanted = res.fields.includes(input.name);
    input.checked = wanted;
    input.disabled = !wanted;
    input.closest('label').hidden = !wanted;
  }
  $('nonce').value = res.nonce;
  $('nonce').readOnly = true;
}

// Back to the one-way flow: every field offered, the nonce the holder's to type.
function releaseRequest() {
  request = null;
  $('request').hidden = true;
  $('nonce').readOnly = false;
  $('nonce').value = '';
  for (const input of document.querySelectorAll('#fields input')) { input.disabled = false; input.closest('label').hidden = false; }
}

function clearRequest() {
  releaseRequest();
  $('request-error').textContent = '';
  $('request-text').value = '';
}

async function uploadRequest(file) {
  const bmp = await createImageBitmap(file);
  const scale = Math.min(1, 1600 / Math.max(bmp.width, bmp.height));
  const w = Math.round(bmp.width * scale), h = Math.round(bmp.height * scale);
  const c = document.createElement('canvas');
  c.width = w; c.height = h;
  const g = c.getContext('2d', { willReadFrequently: true });
  g.drawImage(bmp, 0, 0, w, h);
  const r = jsQR(g.getImageData(0, 0, w, h).data, w, h);
  if (!r) { $('request-error').textContent = rq('decode'); return; }
  $('request-text').value = r.data;
  readRequest(r.data);
}

function makeQr() {
  const { cred } = current;
  const chosen = new Set(Array.from(document.querySelectorAll('#fields input:checked'), (i) => i.name));
  const claims = cred.claims.filter((c) => chosen.has(c.name));
  const nonce = $('nonce').value.trim() || null;
  const all = cred.claims.map((c) => YX.b64decode(c.disclosure));
  const shownIdx = cred.claims.flatMap((c, i) => (chosen.has(c.name) ? [i] : []));
  const p = YXP.present(deviceKey(), YX.b64decode(cred.credential), all, shownIdx, LIFETIME, nonce);
  const { canvas, version } = qrCanvas(p.text);
  $('qr').replaceChildren(canvas);
  $('qr').dataset.token = p.text;
  $('qr').dataset.version = String(version);
  $('shows').textContent = claims.length ? claims.map((c) => c.label).join('、') : t('fields.none');
  return p;
}

function present() {
  $('choose-error').textContent = '';
  let p;
  try { p = makeQr(); } catch (e) { $('choose-error').textContent = t('qr.toobig'); return; }
  $('show-licence').textContent = $('choose-licence').textContent;
  show('show');
  const tick = () => {
    const now = Date.now() / 1000;
    if (now >= p.exp) p = makeQr();
    const left = Math.max(0, Math.ceil(p.exp - now));
    $('left').textContent = String(left);
    $('bar').style.width = (100 * left / LIFETIME) + '%';
  };
  tick();
  timer = setInterval(tick, 1000);
}

function signOut() {
  localStorage.removeItem('yx-holder-token');
  token = null;
  show('signin');
}

$('lang').addEventListener('click', () => toggleLang(() => { if (!$('home').hidden) render(); }));
$('signin-go').addEventListener('click', async () => {
  const v = $('token').value.trim();
  try {
    const me = await api(v, 'GET', '/v1/whoami');
    if (me.role !== 'holder') throw new Error(me.role + ': not a holder token');
    token = v;
    localStorage.setItem('yx-holder-token', v);
    $('signin-error').textContent = '';
    show('home');
    render();
  } catch (e) { $('signin-error').textContent = e.message; }
});
document.querySelectorAll('nav.tabs button').forEach((b) => b.addEventListener('click', () => { tab = b.dataset.tab; render(); }));
$('signout').addEventListener('click', signOut);
$('make').addEventListener('click', present);
function requestTexts() {
  $('request-title').textContent = rq('title');
  $('request-hint').textContent = rq('hint');
  $('request-read').textContent = rq('read');
  $('request-upload-btn').textContent = rq('upload');
  if (request) $('request-asks').textContent = rq('asks', request.officer, request.fields.map(labelOf).join('、'));
}
requestTexts();
$('lang').addEventListener('click', requestTexts);
$('request-read').addEventListener('click', () => { const v = $('request-text').value.trim(); if (v) readRequest(v); });
$('request-upload-btn').addEventListener('click', () => $('request-upload').click());
$('request-upload').addEventListener('change', (e) => { if (e.target.files[0]) uploadRequest(e.target.files[0]); e.target.value = ''; });
$('choose-back').addEventListener('click', () => { show('home'); render(); });
$('show-back').addEventListener('click', () => show('choose'));
start();
