// The officer's verifier: read a holder's QR code (camera, photo or pasted text) and check it here,
// in the page, against the service's signed trust bundle (present.js, the same checks as the Rust
// verifier), so that it works with no network. It shows the verdict in large colours, the fields
// the holder chose, the licence and the reasons, and how old the trust bundle is.
//
// Offline use: a service worker (/verifier-sw.js) keeps the page and its scripts; the page keeps
// the last good trust bundle (localStorage), refreshes it whenever the network answers, and keeps
// a signed record of every check in a queue that it uploads when the network is back.
'use strict';
const $ = (id) => document.getElementById(id);
const K = {
  token: 'yx-officer-token',
  bundle: 'yx-v-bundle', // the last good bundle: the envelope's JSON text, as served
  fetched: 'yx-v-bundle-fetched', // when it was fetched (Unix s, this device's clock)
  root: 'yx-v-root', // the pinned root (Base64 DER)
  labels: 'yx-v-labels', // {type code: {field: label}} from the catalogue
  key: 'yx-v-device-key', // this device's SM2 key (hex scalar)
  reader: 'yx-v-reader', // the reader certificate response for that key, with its owner
  queue: 'yx-v-records', // [{id, rec (Base64, signed) | draft (not yet signed)}]
  refused: 'yx-v-refused', // records the service refused, kept for the officer to see
  place: 'yx-v-place',
};
const REFRESH_AFTER = 60; // seconds: a check first refreshes an older bundle when online
let token = localStorage.getItem(K.token);
let nonce = null;
let last = null; // the last verdict, re-rendered on a language change
let stream = null;
let trust = null; // {json, bundle, verifier, openedAt}
let trustError = null;

const now = () => Date.now() / 1000;
const readJson = (k, dflt) => { try { const v = JSON.parse(localStorage.getItem(k)); return v === null ? dflt : v; } catch { return dflt; } };
const b64 = (bytes) => { let s = ''; for (const x of bytes) s += String.fromCharCode(x); return btoa(s); };
const online = () => navigator.onLine !== false;

function show(section) {
  $('signin').hidden = section !== 'signin';
  $('check').hidden = section !== 'check';
}

// ---- the trust bundle ----

// Open a bundle's JSON text at time `at` with the pinned root and make its verifier.
// Trust at install: the first bundle this page ever opens is trusted as the service sent it
// (over the same connection as the page itself) and its first root, roots[0], is pinned. Every
// later bundle must chain to that root, whoever serves it: a bundle signed under another root is
// refused and the last good one kept. Clearing the site's data starts over.
async function openTrust(json, at) {
  const kept = localStorage.getItem(K.root);
  let pin = kept ? YX.b64decode(kept) : null;
  let bundle = await YXP.openBundle(json, pin, at);
  if (!pin) {
    pin = bundle.trust[0].der;
    bundle = await YXP.openBundle(json, pin, at);
    localStorage.setItem(K.root, b64(pin));
  }
  return { json, bundle, verifier: await YXP.newVerifier(bundle, at), openedAt: at };
}

let refreshing = null;
// Fetch the current bundle; keep it if it opens and is not older than the one kept. A failure
// (offline, a bundle that does not open) keeps the old one.
function refreshTrust() {
  if (!refreshing) refreshing = fetchTrust().finally(() => { refreshing = null; renderStatus(); });
  return refreshing;
}
async function fetchTrust() {
  try {
    const r = await fetch('/v1/present/bundle', { cache: 'no-store' });
    if (!r.ok) throw new Error('HTTP ' + r.status);
    const json = await r.text();
    const at = now();
    const fresh = await openTrust(json, at);
    if (trust && fresh.bundle.issued_at < trust.bundle.issued_at) throw new Error('older than the bundle kept');
    trust = fresh;
    trustError = null;
    try { localStorage.setItem(K.bundle, json); } catch (e) { /* full: kept in memory only */ }
    localStorage.setItem(K.fetched, String(at));
    await refreshLabels();
    return true;
  } catch (e) {
    if (!(e instanceof TypeError)) trustError = bundleError(e.message); // a TypeError is no network
    return false;
  }
}

// Why a bundle was refused, in the officer's language where it is one of the usual reasons.
function bundleError(m) {
  if (m === 'the pinned root is not in this bundle') return t('trust.pin');
  if (m === "the bundle's signature does not verify") return t('trust.sig');
  return m;
}

// Field labels (法定代表人, …) from the public catalogue, kept with the bundle.
async function refreshLabels() {
  try {
    const r = await fetch('/v1/licence-types', { cache: 'no-store' });
    if (!r.ok) return;
    const labels = {};
    for (const ty of (await r.json()).items) {
      labels[ty.type_code] = Object.fromEntries((ty.fields || []).map((f) => [f.key, f.label]));
    }
    localStorage.setItem(K.labels, JSON.stringify(labels));
  } catch (e) { /* keep the old labels */ }
}
function label(typeCode, name) {
  if (name === 'identifier') return t('identifier');
  const l = readJson(K.labels, {})[typeCode];
  return (l && l[name]) || name;
}

// The kept bundle's verifier at time `at`: re-opened when a minute has passed on this device's
// clock (certificates and CRLs are judged at the time of the check, as the CLI does).
async function verifierAt(at) {
  if (online()) {
    const fetched = Number(localStorage.getItem(K.fetched) || 0);
    if (!trust || at - fetched > REFRESH_AFTER || at < fetched) await refreshTrust();
  }
  if (!trust) throw new Error(trustError ? t('trust.bad') + trustError : t('trust.none'));
  if (at - trust.openedAt > REFRESH_AFTER || at < trust.openedAt) trust = await openTrust(trust.json, at);
  return trust.verifier;
}

function ago(secs) {
  const s = Math.max(0, Math.floor(secs));
  if (s < 60) return t('ago.now');
  const [n, u] = s < 3600 ? [Math.floor(s / 60), 'm'] : s < 172800 ? [Math.floor(s / 3600), 'h'] : [Math.floor(s / 86400), 'd'];
  return n === 1 ? t('ago.' + u + '1') : t('ago.' + u, { n });
}

function renderStatus() {
  renderAsk();
  const net = $('net');
  net.textContent = t(online() ? 'net.online' : 'net.offline');
  net.className = 'net ' + (online() ? 'on' : 'off');
  const age = $('trust-age');
  if (trust) {
    const at = now();
    const stale = at > trust.bundle.expires_at;
    // A refused refresh (trustError) is said too: the service's newer bundle was not taken.
    age.textContent = t('trust.age', { t: ago(at - trust.bundle.issued_at) }) + (stale ? ' · ' + t('trust.stale') : '')
      + (trustError ? ' · ' + t('trust.bad') + trustError : '');
    age.className = stale || trustError ? 'warn' : '';
    age.dataset.issuedAt = String(trust.bundle.issued_at);
  } else {
    age.textContent = trustError ? t('trust.bad') + trustError : t('trust.none');
    age.className = 'warn';
    delete age.dataset.issuedAt;
  }
  const reader = readJson(K.reader, null);
  $('officer').textContent = reader && reader.officer ? reader.officer.name + ' · ' + reader.officer.department_name : '';
  const n = readJson(K.queue, []).length;
  const refused = readJson(K.refused, []).length;
  const p = $('pending');
  p.dataset.count = String(n);
  p.hidden = !n && !refused;
  p.replaceChildren(...[n ? el('div', { class: 'warn' }, n === 1 ? t('pending1') : t('pending', { n })) : null,
    refused ? el('div', { class: 'error' }, t('refused', { n: refused })) : null].filter(Boolean));
}

// ---- checking ----

// Read QR texts from an image source: the browser's BarcodeDetector where present, else jsQR.
async function decode(source, w, h) {
  if ('BarcodeDetector' in window) {
    try {
      const found = await new BarcodeDetector({ formats: ['qr_code'] }).detect(source);
      if (found.length) return found[0].rawValue;
    } catch (e) { /* fall through to jsQR */ }
  }
  const c = document.createElement('canvas');
  c.width = w; c.height = h;
  const g = c.getContext('2d', { willReadFrequently: true });
  g.drawImage(source, 0, 0, w, h);
  const img = g.getImageData(0, 0, w, h);
  const r = jsQR(img.data, w, h, { inversionAttempts: 'dontInvert' });
  return r ? r.data : null;
}

async function check(text) {
  $('result').hidden = false;
  $('details').hidden = true;
  $('verdict').className = 'verdict';
  delete $('verdict').dataset.indication;
  $('verdict-big').textContent = t('checking');
  $('verdict-sub').textContent = '';
  try {
    const at = now();
    const verifier = await verifierAt(at);
    last = verifier.verify(text, at, nonce);
    render();
    renderStatus();
    if (last.licence) addRecord(last, at);
    if (nonce) newNonce();
    $('ask-qr').hidden = true;
    $('ask-note').hidden = true;
  } catch (e) {
    last = null;
    $('verdict').className = 'verdict ERROR';
    $('verdict-big').textContent = t('check.error');
    $('verdict-sub').textContent = e.message;
    renderStatus();
  }
  flush();
}

function render() {
  if (!last) return;
  const v = last;
  $('details').hidden = false;
  $('verdict').className = 'verdict ' + v.indication;
  $('verdict').dataset.indication = v.indication;
  $('verdict').dataset.sub = v.sub_indication || '';
  $('verdict-big').textContent = t(v.indication);
  $('verdict-sub').textContent = t(v.indication + '.sub');
  const l = v.licence;
  const dl = (id, rows) => $(id).replaceChildren(...rows.flatMap(([k, val]) => [el('dt', {}, k), el('dd', {}, val)]));
  if (v.disclosed.length) dl('disclosed', v.disclosed.map((f) => [label(l ? l.type_code : '', f.name), f.value]));
  else $('disclosed').replaceChildren(el('dd', {}, t('fields.none')));
  $('disclosed').dataset.names = v.disclosed.map((f) => f.name).join(',');
  dl('licence', l ? [[t('type'), l.type_name], [t('issuer'), l.issuer_name], [t('validity'), l.valid_from.slice(0, 10) + ' — ' + (l.valid_until ? l.valid_until.slice(0, 10) : t('long.term'))]] : []);
  const order = { FAILED: 0, INDETERMINATE: 1, PASSED: 2, NOT_APPLICABLE: 3 };
  const checks = v.checks.slice().sort((a, b) => order[a.outcome] - order[b.outcome]);
  $('reasons').replaceChildren(...checks.map((c) => el('li', { class: c.outcome, 'data-check': c.id }, LANG === 'zh' ? c.reason_zh : c.reason_en)));
  $('result').scrollIntoView({ block: 'start' });
}

function newNonce() {
  const b = new Uint32Array(1);
  crypto.getRandomValues(b);
  nonce = String(b[0] % 1000000).padStart(6, '0');
  $('nonce').textContent = nonce;
}

// ---- this device as a reader, and the records of its checks ----

function deviceKey() {
  let h = localStorage.getItem(K.key);
  if (!h) { h = YX.keyToHex(YX.keygen()); localStorage.setItem(K.key, h); }
  return YX.keyFromHex(h);
}
// Whose reader certificate is kept: a short digest of the officer's token (not the token).
const owner = (tok) => YX.hex(YX.sm3(YX.utf8(tok))).slice(0, 16);

// The reader certificate binding this device's key to the signed-in officer: asked for once
// (again only for another officer or within a day of its expiry) and kept with the key.
let registering = null;
function ensureReader() {
  const kept = readJson(K.reader, null);
  if (kept && kept.owner === owner(token) && kept.not_after > now() + 86400) return Promise.resolve(kept);
  if (!registering) registering = register().finally(() => { registering = null; });
  return registering;
}
async function register() {
  const key = deviceKey();
  const keyHex = YX.hex(YX.compressed(key));
  const proof = YX.hex(YX.sign(key, YX.utf8('yinxin-reader-request:' + keyHex)));
  const r = await api(token, 'POST', '/v1/present/readers', { device_key: keyHex, proof });
  const reader = Object.assign(r, { owner: owner(token), device_key: keyHex });
  localStorage.setItem(K.reader, JSON.stringify(reader));
  renderStatus();
  return reader;
}

// ---- reader authentication: a signed request for chosen fields (crates/present/src/reader.rs) ----

let askKey = null; // what the field list was drawn from: redrawn only when that changes
function renderAsk() {
  const reader = readJson(K.reader, null);
  const ents = reader && reader.officer ? Object.entries(reader.officer.entitlements) : [];
  $('ask-card').hidden = !ents.length;
  const key = JSON.stringify(ents) + LANG + (trust ? 't' : '');
  if (key === askKey) return;
  askKey = key;
  const names = trust && trust.bundle.type_names;
  const typeName = (code) => (names && (names.get ? names.get(code) : names[code])) || code;
  $('ask-fields').replaceChildren(...ents.flatMap(([type, fields]) => [
    el('div', { class: 'muted' }, typeName(type)),
    ...fields.map((f) => el('label', { class: 'field' },
      Object.assign(el('input', { type: 'checkbox', 'data-type': type, name: f }), { checked: true }),
      el('span', {}, label(type, f))))]));
}

async function makeRequest() {
  $('ask-error').textContent = '';
  let reader;
  try { reader = await ensureReader(); } catch (e) { $('ask-error').textContent = t('ask.none'); return; }
  const boxes = Array.from(document.querySelectorAll('#ask-fields input:checked'));
  if (!boxes.length) return;
  const type = boxes[0].dataset.type;
  const fields = boxes.filter((b) => b.dataset.type === type).map((b) => b.name);
  newNonce();
  $('want-nonce').checked = true;
  $('nonce-box').hidden = false;
  const iat = Math.floor(now());
  const body = YX.cbor(['yx-req-1', YX.b64decode(reader.certificate), nonce, type, fields, iat, iat + 120]);
  const text = 'YXR1:' + YX.base45(YX.cbor([body, YX.sign(deviceKey(), body)]));
  const { canvas } = qrCanvas(text);
  $('ask-qr').replaceChildren(canvas);
  $('ask-qr').dataset.request = text;
  $('ask-qr').hidden = false;
  $('ask-note').textContent = t('ask.note', { nonce });
  $('ask-note').hidden = false;
}

function placeCode() {
  // The service takes at most 64 characters and no control characters.
  return Array.from($('place').value.trim().replace(/[\u0000-\u001f\u007f-\u009f]/g, '')).slice(0, 64).join('');
}

// After a check whose token could be read: a record for the holder's usage log. Signed now if
// this device already has its reader certificate, else kept as a draft and signed once it has.
function addRecord(v, at) {
  const id = new Uint8Array(16);
  crypto.getRandomValues(id);
  const draft = {
    id: YX.hex(id), checked_at: Math.floor(at), place: placeCode(), serial: v.licence.serial,
    indication: v.indication, fields: v.disclosed.map((f) => f.name),
  };
  const reader = readJson(K.reader, null);
  const item = reader && reader.owner === owner(token) ? { id: draft.id, rec: signRecord(draft, reader) } : { id: draft.id, draft };
  const q = readJson(K.queue, []);
  q.push(item);
  localStorage.setItem(K.queue, JSON.stringify(q));
  renderStatus();
}

// record = [ body, signature ]; body = ["yx-rec-1", id, reader serial, checked at, place,
// credential serial, indication, [field names]]; SM2 (default user ID) by the device key.
function signRecord(d, reader) {
  const body = YX.cbor(['yx-rec-1', YX.unhex(d.id), YX.unhex(reader.serial), d.checked_at, d.place,
    YX.unhex(d.serial), d.indication, d.fields]);
  return b64(YX.cbor([body, YX.sign(deviceKey(), body)]));
}

let flushing = null;
// Upload the queue, a hundred at a time; accepted and duplicate records leave it, refused ones
// are set aside (the service will never take them) and shown.
function flush() {
  if (!token || !online()) { renderStatus(); return Promise.resolve(); }
  if (!flushing) flushing = uploadRecords().finally(() => { flushing = null; renderStatus(); });
  return flushing;
}
async function uploadRecords() {
  try {
    if (!readJson(K.queue, []).length) return;
    const reader = await ensureReader();
    localStorage.setItem(K.queue, JSON.stringify(readJson(K.queue, []).map((x) => (x.draft ? { id: x.id, rec: signRecord(x.draft, reader) } : x))));
    for (;;) {
      const batch = readJson(K.queue, []).slice(0, 100);
      if (!batch.length) break;
      const res = await api(token, 'POST', '/v1/present/records', { records: batch.map((x) => x.rec) });
      const gone = new Map();
      res.results.forEach((r, i) => { if (batch[i]) gone.set(batch[i].id, r); });
      const refused = readJson(K.refused, []);
      for (const x of batch) {
        const r = gone.get(x.id);
        if (r && r.status === 'refused') refused.push({ id: x.id, rec: x.rec, reason: r.reason || '' });
      }
      localStorage.setItem(K.refused, JSON.stringify(refused));
      localStorage.setItem(K.queue, JSON.stringify(readJson(K.queue, []).filter((x) => !gone.has(x.id))));
      renderStatus();
      if (!gone.size) break;
    }
  } catch (e) { /* offline or refused as a whole: try again later */ }
}

// Online: a fresh bundle, this device's reader certificate, the queue uploaded.
async function sync() {
  renderStatus();
  if (!token || !online()) return;
  await refreshTrust();
  try { await ensureReader(); } catch (e) { /* again at the next sync */ }
  await flush();
}

// ---- inputs ----

async function scan() {
  $('input-error').textContent = '';
  const v = $('video');
  if (stream) { stopScan(); return; }
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } });
  } catch (e) { $('input-error').textContent = t('camera.none'); return; }
  v.srcObject = stream;
  v.hidden = false;
  await v.play();
  const loop = async () => {
    if (!stream) return;
    if (v.videoWidth) {
      const text = await decode(v, v.videoWidth, v.videoHeight);
      if (text) { stopScan(); check(text); return; }
    }
    setTimeout(loop, 200);
  };
  loop();
}
function stopScan() {
  if (stream) stream.getTracks().forEach((tr) => tr.stop());
  stream = null;
  $('video').hidden = true;
}

async function upload(file) {
  $('input-error').textContent = '';
  const bmp = await createImageBitmap(file);
  // Large photos are scaled down: QR finding is faster and as reliable.
  const scale = Math.min(1, 1600 / Math.max(bmp.width, bmp.height));
  const text = await decode(bmp, Math.round(bmp.width * scale), Math.round(bmp.height * scale));
  if (!text) { $('input-error').textContent = t('decode.none'); return; }
  $('paste').value = text;
  check(text);
}

$('lang').addEventListener('click', () => toggleLang(() => { render(); renderStatus(); }));
$('signin-go').addEventListener('click', async () => {
  const v = $('token').value.trim();
  try {
    await api(v, 'GET', '/v1/whoami');
  } catch (e) { $('signin-error').textContent = e.message; return; }
  token = v;
  localStorage.setItem(K.token, v);
  $('signin-error').textContent = '';
  show('check');
  sync();
});
$('scan').addEventListener('click', scan);
$('upload-btn').addEventListener('click', () => $('upload').click());
$('upload').addEventListener('change', (e) => { if (e.target.files[0]) upload(e.target.files[0]); e.target.value = ''; });
$('verify').addEventListener('click', () => { const v = $('paste').value.trim(); if (v) check(v); });
$('want-nonce').addEventListener('change', (e) => { $('nonce-box').hidden = !e.target.checked; if (e.target.checked) newNonce(); else nonce = null; });
$('ask-make').addEventListener('click', makeRequest);
$('place').value = localStorage.getItem(K.place) || '';
$('place').addEventListener('change', () => localStorage.setItem(K.place, placeCode()));
$('signout').addEventListener('click', async () => {
  await flush(); // records still waiting stay on the device, signed, for the next upload
  localStorage.removeItem(K.token);
  token = null;
  show('signin');
});
window.addEventListener('online', sync);
window.addEventListener('offline', renderStatus);
setInterval(renderStatus, 30000);

applyI18n();
show(token ? 'check' : 'signin');
(async () => {
  const json = localStorage.getItem(K.bundle);
  if (json) {
    try { trust = await openTrust(json, now()); } catch (e) { trustError = bundleError(e.message); }
  }
  renderStatus();
  await sync();
})();
if ('serviceWorker' in navigator) navigator.serviceWorker.register('/verifier-sw.js', { scope: '/' }).catch(() => {});
