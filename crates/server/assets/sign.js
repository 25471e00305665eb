// The signing page (GET /sign/{token}): a party opens a one-time link, proves it is them with a
// code sent to their phone, reads the documents, draws a handwritten signature and signs with a
// two-party SM2 key (cosign.js): one share on this device, the other with the service, neither
// able to sign alone.
//
// The device share at rest (IndexedDB "yinxin-sign", store "shares", key = enrolment id) is
// encrypted twice with AES-GCM: inside, under a key derived from the 6-digit signing password
// (PBKDF2-SHA-256, 210,000 iterations, random salt); outside, under a random AES key generated
// non-extractable by WebCrypto and kept in IndexedDB as a CryptoKey object, whose bytes script
// cannot read.
// What this protects against:
//  - storage copied off the device (a backup, a forensic image, a browser profile): the outer key
//    cannot be exported, so the copy cannot be decrypted elsewhere, nor the PIN guessed offline;
//  - a casual user of the unlocked phone: they need the PIN, and five wrong PINs delete the share
//    (and even a stolen share is useless without the service's, which needs the SMS code too).
// What it does not protect against: malicious code running in this origin (an XSS, a tampered
// page or a compromised service serving this script, a hostile browser extension). Such code can
// read the PIN as it is typed, use the CryptoKey in place, reset the attempt counter and try PINs
// without limit, or sign whatever it likes with the unlocked share. The CSP and serving the page
// only from the service are the defence there, not this encryption. The share is also held in
// memory (as a BigInt, which cannot be wiped) from unlocking until the signature is done.
'use strict';
const $ = (id) => document.getElementById(id);
const TOKEN = decodeURIComponent(location.pathname.split('/').filter(Boolean).pop() || '');
const BASE = '/v1/sign/' + encodeURIComponent(TOKEN);
const SESSION_KEY = 'yx-sign-access:' + TOKEN;
const DB_NAME = 'yinxin-sign', STORE = 'shares', ITERATIONS = 210000, MAX_TRIES = 5;
const LIMITS = { strokes: 100, perStroke: 5000, points: 20000, ink: 30, duration: 600000 };
const SECTIONS = ['identify', 'envelope', 'pin-section', 'draw', 'signing', 'done'];

let access = null;   // the bearer for this link (sessionStorage only)
let info = null;     // GET /v1/sign/{token}
let share = null;    // the unlocked device share, in memory between PIN and signature
let pinMode = 'set'; // 'set' (first use on this device) or 'unlock'
let busy = false;
let lastStatus = null, lastError = null; // {key, vars} or {text}, kept to re-translate
let doneResult = null; // POST …/complete's answer, with the time it came
const blobUrls = [];

// ---- messages -------------------------------------------------------------------------------
const msgText = (m) => (m ? (m.text !== undefined ? m.text : t(m.key, m.vars)) : '');
function say(key, vars) { lastStatus = key ? { key, vars } : null; $('status').textContent = msgText(lastStatus); }
function fail(m) { lastError = m; $('error').textContent = msgText(m); }
const clearMsgs = () => { say(null); fail(null); };
// An error as a message: a problem's detail as the service wrote it, else one of ours.
function errMsg(e) {
  if (e && e.key) return { key: e.key, vars: e.vars };
  if (e && e.code === 'cosign.invalid') return { key: 'sign.err.invalid' };
  if (e && (e.code === 'cosign.proof' || e.code === 'cosign.key')) return { key: 'sign.enrol.bad' };
  if (e && e.problem) return { text: e.message };
  if (e instanceof TypeError) return { key: 'sign.err.network' };
  return { text: String((e && e.message) || e) };
}
const keyed = (key, vars) => Object.assign(new Error(key), { key, vars });
const list = (names) => names.join(LANG === 'zh' ? '、' : ', ');

function fmtTime(v) {
  if (v === null || v === undefined || v === '') return '';
  const d = typeof v === 'number' ? new Date(v < 1e12 ? v * 1000 : v) : new Date(v);
  if (isNaN(d)) return String(v);
  return d.toLocaleString(LANG === 'zh' ? 'zh-CN' : 'en-GB', { dateStyle: 'medium', timeStyle: 'short' });
}

function show(section) {
  for (const s of SECTIONS) $(s).hidden = s !== section;
  window.scrollTo(0, 0);
  const h = $(section).querySelector('h2');
  if (h) h.focus({ preventScroll: true });
  if (section === 'draw') layoutPad();
}

function texts() {
  applyI18n();
  document.querySelectorAll('[data-i18n-label]').forEach((e) => e.setAttribute('aria-label', t(e.dataset.i18nLabel)));
  document.querySelectorAll('[data-i18n-alt]').forEach((e) => { e.alt = t(e.dataset.i18nAlt); });
  document.title = t('sign.title');
  $('status').textContent = msgText(lastStatus);
  $('error').textContent = msgText(lastError);
  $('pin-title').textContent = t(pinMode === 'set' ? 'sign.pin.set' : 'sign.pin.enter');
  if (info) { renderMeta(); pageTexts(); }
  if (doneResult) renderDone();
}

// ---- the API --------------------------------------------------------------------------------
async function call(method, path, body, raw) {
  const headers = {};
  if (access) headers.authorization = 'Bearer ' + access;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(BASE + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store', credentials: 'omit' });
  if (!r.ok) {
    let p = null;
    try { p = await r.json(); } catch (e) { /* not a problem document */ }
    if (r.status === 401 && access) { dropSession(); throw keyed('sign.session.expired'); }
    throw Object.assign(new Error((p && (p.detail || p.title)) || 'HTTP ' + r.status), { problem: true, status: r.status, code: p && p.code });
  }
  if (raw) return r;
  const text = await r.text();
  return text ? JSON.parse(text) : null;
}

function dropSession() {
  access = null;
  sessionStorage.removeItem(SESSION_KEY);
  forgetShare();
  show('identify');
  fail({ key: 'sign.session.expired' });
}

// Run an action once at a time, its button disabled, its failure shown.
async function guarded(btn, statusKey, fn) {
  if (busy) return;
  busy = true;
  if (btn) btn.disabled = true;
  fail(null);
  say(statusKey);
  try { await fn(); say(null); } catch (e) { say(null); fail(errMsg(e)); } finally { busy = false; if (btn) btn.disabled = false; }
}

// ---- (a) identify ---------------------------------------------------------------------------
let cooldown = null;
function startCooldown(seconds) {
  const b = $('code-request');
  let left = seconds;
  const tick = () => {
    if (left <= 0) { clearInterval(cooldown); cooldown = null; b.disabled = false; b.textContent = t('sign.code.resend'); return; }
    b.dataset.i18n = 'sign.code.resend';
    b.disabled = true;
    b.textContent = t('sign.code.again', { n: left-- });
  };
  clearInterval(cooldown);
  tick();
  cooldown = setInterval(tick, 1000);
}

async function requestCode() {
  let sent = false;
  await guarded($('code-request'), 'sign.sending', async () => {
    const r = await call('POST', '/code');
    $('code-sent').textContent = t('sign.code.sent', { to: r.sent_to || '' });
    $('code-sent').hidden = false;
    $('code-dev').textContent = r.dev_code ? t('sign.code.dev', { code: r.dev_code }) : '';
    $('code-dev').hidden = !r.dev_code;
    // Only if the service chooses to say them before the code is entered.
    if (r.name && r.title) { $('id-who').textContent = t('sign.id.who', { name: r.name, title: r.title }); $('id-who').hidden = false; }
    $('code-box').hidden = false;
    $('code').focus();
    sent = true;
  });
  if (sent) startCooldown(60);
}

async function openSession() {
  const code = $('code').value.trim();
  if (!/^\d{6}$/.test(code)) { fail({ key: 'sign.code.bad' }); $('code').focus(); return; }
  await guarded($('code-go'), 'sign.checking', async () => {
    const r = await call('POST', '/session', { code });
    access = r.access;
    sessionStorage.setItem(SESSION_KEY, JSON.stringify({ access: r.access, expires_at: r.expires_at }));
    $('code').value = '';
    await loadEnvelope();
  });
}

// ---- (b) the envelope -----------------------------------------------------------------------
const statusOf = (s) => (s && typeof s === 'object' ? s.status : s);
const ENDED = ['declined', 'expired', 'voided'];
const inTurn = () => (info.parties || []).filter((p) => p.step === info.current_step && statusOf(p.status) === 'waiting' && p.role !== 'copy');
const myFields = () => (info.fields || []).filter((f) => f.party === undefined || f.party === info.party.index);

async function loadEnvelope() {
  say('sign.loading');
  info = await call('GET', '');
  say(null);
  renderEnvelope();
  show('envelope');
}

function renderMeta() {
  const env = info.envelope;
  $('env-title').textContent = env.title;
  const rows = [['sign.env.organiser', env.organiser], ['sign.env.deadline', fmtTime(env.deadline)], ['sign.env.message', env.message]];
  $('env-meta').replaceChildren(...rows.filter((r) => r[1]).flatMap(([k, v]) => [el('dt', {}, t(k)), el('dd', {}, v)]));
  const ended = ENDED.includes(env.state);
  $('env-ended').hidden = !ended;
  $('env-ended').textContent = ended ? t('sign.state.' + env.state) : '';
  // The parties, in signing order; steps shown as 1, 2, 3 whatever the service counts from.
  const steps = [...new Set((info.parties || []).map((p) => p.step))].sort((a, b) => a - b);
  const turn = new Set(inTurn());
  $('parties').replaceChildren(...(info.parties || []).map((p, i) => {
    const st = statusOf(p.status);
    const badge = turn.has(p) && env.state !== 'completed' ? 'turn' : st;
    return el('li', { class: i === info.party.index ? 'me' : '' },
      el('div', { class: 'party' }, el('strong', {}, p.name + (i === info.party.index ? t('sign.you') : '')),
        el('span', { class: 'badge ' + (badge === 'signed' ? '' : badge === 'declined' ? 'bad' : 'warn') }, t('sign.status.' + badge))),
      el('div', { class: 'muted' }, t('sign.role.' + p.role) + ' · ' + t('sign.step', { n: steps.indexOf(p.step) + 1 })));
  }));
  const n = myFields().filter((f) => f.kind !== 'date').length;
  $('fields-card').hidden = ended || !info.your_turn || n === 0;
  $('fields-count').textContent = t('sign.fields.count', { n });
  renderBar();
}

function renderBar() {
  const env = info.envelope, me = info.party;
  const ended = ENDED.includes(env.state), completed = env.state === 'completed';
  const canSign = info.your_turn && !ended && !completed && statusOf(me.status) === 'waiting';
  $('sign-go').hidden = !canSign;
  $('decline-go').hidden = !canSign;
  let note = '';
  if (completed) note = t('sign.state.completed');
  else if (ended) note = '';
  else if (canSign) note = '';
  else if (me.role === 'copy') note = t('sign.turn.copy');
  else if (statusOf(me.status) === 'signed') note = t('sign.turn.signed') + (inTurn().length ? ' ' + t('sign.turn.other', { names: list(inTurn().map((p) => p.name)) }) : '');
  else if (inTurn().length) note = t('sign.turn.other', { names: list(inTurn().map((p) => p.name)) });
  else note = t('sign.turn.none');
  $('bar-note').textContent = note;
  $('bar-note').hidden = !note;
  $('bar').hidden = ended;
  placeDownload(completed ? $('bar-actions') : null);
}

function placeDownload(where) {
  const d = $('download');
  d.hidden = !where;
  (where || document.querySelector('main')).append(d);
}

function renderEnvelope() {
  for (const u of blobUrls.splice(0)) URL.revokeObjectURL(u);
  $('decline-box').hidden = true;
  const ended = ENDED.includes(info.envelope.state);
  $('env-body').hidden = ended;
  renderMeta();
  if (ended) { $('documents').replaceChildren(); return; }
  const fields = myFields();
  const lazy = 'IntersectionObserver' in window
    ? new IntersectionObserver((entries, obs) => entries.forEach((en) => { if (en.isIntersecting) { obs.unobserve(en.target); loadPage(en.target); } }), { rootMargin: '800px 0px' })
    : null;
  $('documents').replaceChildren(...(info.documents || []).map((d) => el('div', { class: 'card doc' },
    el('h3', {}, d.name),
    ...d.pages.map((pg, i) => {
      const p = i + 1;
      const img = el('img', { width: String(Math.round(pg.width_pt)), height: String(Math.round(pg.height_pt)), alt: '', decoding: 'async' });
      img.dataset.doc = String(d.index);
      img.dataset.page = String(p);
      const sheet = el('div', { class: 'sheet' }, img, ...fields.filter((f) => f.document === d.index && f.page === p).map((f) => fieldBox(f, pg)));
      const cap = el('figcaption', { class: 'muted', 'data-p': String(p), 'data-n': String(d.pages.length) });
      img.dataset.name = d.name;
      const fig = el('figure', { class: 'page' }, sheet, cap);
      if (lazy) lazy.observe(img); else loadPage(img);
      return fig;
    }))));
  pageTexts();
}

function pageTexts() {
  document.querySelectorAll('.page figcaption').forEach((c) => { c.textContent = t('sign.page', { p: c.dataset.p, n: c.dataset.n }); });
  document.querySelectorAll('.sheet img').forEach((i) => { i.alt = t('sign.page.alt', { doc: i.dataset.name, p: i.dataset.page }); });
  document.querySelectorAll('.sheet.failed').forEach((s) => { s.dataset.msg = t('sign.page.failed'); });
}

// A field of this party over its page: PDF points from the bottom left to CSS percentages from
// the top left. Other parties' fields are already in the page image as rendered.
function fieldBox(f, pg) {
  const [x, y, w, h] = f.rect;
  const box = el('div', { class: 'field-box ' + f.kind }, el('span', { 'data-i18n': 'sign.field.' + f.kind }, t('sign.field.' + f.kind)));
  box.style.left = (100 * x / pg.width_pt) + '%';
  box.style.top = (100 * (pg.height_pt - y - h) / pg.height_pt) + '%';
  box.style.width = (100 * w / pg.width_pt) + '%';
  box.style.height = (100 * h / pg.height_pt) + '%';
  return box;
}

async function loadPage(img) {
  const css = img.clientWidth || img.parentElement.clientWidth || 360;
  const width = Math.min(2400, Math.max(100, Math.round(css * (window.devicePixelRatio || 1))));
  img.parentElement.classList.remove('failed');
  try {
    const r = await call('GET', `/documents/${img.dataset.doc}/pages/${img.dataset.page}?width=${width}`, undefined, true);
    const url = URL.createObjectURL(await r.blob());
    blobUrls.push(url);
    img.src = url;
  } catch (e) {
    const sheet = img.parentElement;
    sheet.classList.add('failed');
    sheet.dataset.msg = t('sign.page.failed');
    sheet.addEventListener('click', () => loadPage(img), { once: true });
  }
}

async function download() {
  await guarded($('download'), 'sign.loading', async () => {
    const r = await call('GET', '/download', undefined, true);
    const type = r.headers.get('content-type') || '';
    const ext = /ofd/.test(type) ? '.ofd' : /zip/.test(type) ? '.zip' : '.pdf';
    const url = URL.createObjectURL(await r.blob());
    const a = el('a', { href: url, download: (info ? info.envelope.title : 'document').replace(/[\\/:*?"<>|]+/g, '_') + ext });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  });
}

async function decline() {
  const reason = $('decline-reason').value.trim();
  if (!reason) { fail({ key: 'sign.decline.need' }); $('decline-reason').focus(); return; }
  await guarded($('decline-confirm'), 'sign.sending', async () => {
    await call('POST', '/decline', { reason });
    $('decline-reason').value = '';
    await loadEnvelope();
  });
}

// ---- (c) the device share: IndexedDB, two AES-GCM layers --------------------------------------
function idb(mode, fn) {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open(DB_NAME, 1);
    open.onupgradeneeded = () => open.result.createObjectStore(STORE);
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      const tx = db.transaction(STORE, mode);
      const req = fn(tx.objectStore(STORE));
      tx.oncomplete = () => { db.close(); resolve(req.result); };
      tx.onerror = tx.onabort = () => { db.close(); reject(tx.error); };
    };
  });
}
const dbGet = (k) => idb('readonly', (s) => s.get(k));
const dbPut = (k, v) => idb('readwrite', (s) => s.put(v, k));
const dbDelete = (k) => idb('readwrite', (s) => s.delete(k));
const random = (n) => crypto.getRandomValues(new Uint8Array(n));
// Both layers are bound to the enrolment: a record moved to another key does not open.
const aad = (id) => new TextEncoder().encode('yinxin-sign/share/v1:' + id);
const gcm = (iv, id) => ({ name: 'AES-GCM', iv, additionalData: aad(id) });

async function pinKey(pin, salt, iterations) {
  const base = await crypto.subtle.importKey('raw', new TextEncoder().encode(pin), 'PBKDF2', false, ['deriveKey']);
  return crypto.subtle.deriveKey({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, base, { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
}

async function storeShare(id, s, pin) {
  const bytes = YXC.shareToBytes(s);
  try {
    const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
    const salt = random(16), innerIv = random(12), outerIv = random(12);
    const inner = await crypto.subtle.encrypt(gcm(innerIv, id), await pinKey(pin, salt, ITERATIONS), bytes);
    const outer = await crypto.subtle.encrypt(gcm(outerIv, id), key, inner);
    await dbPut(id, { outer_iv: outerIv, inner_iv: innerIv, salt, iterations: ITERATIONS, ciphertext: new Uint8Array(outer), key, public_key: YXC.publicKeyHex(s), attempts: 0 });
  } finally { bytes.fill(0); }
}

async function unlockShare(id, pin) {
  const rec = await dbGet(id);
  if (!rec) throw keyed('sign.pin.elsewhere');
  let inner, bytes;
  try {
    inner = await crypto.subtle.decrypt(gcm(rec.outer_iv, id), rec.key, rec.ciphertext);
  } catch (e) { await dbDelete(id); throw keyed('sign.pin.broken'); }
  try {
    bytes = new Uint8Array(await crypto.subtle.decrypt(gcm(rec.inner_iv, id), await pinKey(pin, rec.salt, rec.iterations), inner));
  } catch (e) {
    rec.attempts = (rec.attempts || 0) + 1;
    if (rec.attempts >= MAX_TRIES) { await dbDelete(id); throw keyed('sign.pin.locked'); }
    await dbPut(id, rec);
    throw keyed('sign.pin.wrong', { left: MAX_TRIES - rec.attempts });
  }
  let s;
  try { s = YXC.shareFromBytes(bytes); } finally { bytes.fill(0); }
  if (YXC.publicKeyHex(s) !== rec.public_key) { s.d1 = 0n; await dbDelete(id); throw keyed('sign.pin.broken'); }
  if (rec.attempts) { rec.attempts = 0; await dbPut(id, rec); }
  return s;
}

function forgetShare() {
  if (share) share.d1 = 0n; // the BigInt itself cannot be wiped; drop the only reference
  share = null;
}

async function startSigning() {
  fail(null);
  if (!window.crypto || !crypto.subtle || !window.indexedDB) { fail({ key: 'sign.pin.nocrypto' }); return; }
  let rec;
  try { rec = await dbGet(info.enrolment_id); } catch (e) { fail({ key: 'sign.pin.nocrypto' }); return; }
  if (rec && !info.enrolled) { await dbDelete(info.enrolment_id); rec = null; } // an enrolment that never finished
  if (!rec && info.enrolled) { fail({ key: 'sign.pin.elsewhere' }); return; }
  pinMode = rec ? 'unlock' : 'set';
  $('pin-title').textContent = t(pinMode === 'set' ? 'sign.pin.set' : 'sign.pin.enter');
  $('pin-explain').hidden = pinMode !== 'set';
  $('pin2-row').hidden = pinMode !== 'set';
  $('pin').value = '';
  $('pin2').value = '';
  show('pin-section');
  $('pin').focus();
}

// Refuse 000000, 123456, 654321 and the like.
function weak(pin) {
  const d = [...pin].map(Number), steps = new Set(d.slice(1).map((v, i) => (v - d[i] + 10) % 10));
  return steps.size === 1 && [0, 1, 9].includes([...steps][0]);
}

async function submitPin() {
  const pin = $('pin').value;
  if (!/^\d{6}$/.test(pin)) { fail({ key: 'sign.pin.bad' }); $('pin').focus(); return; }
  if (pinMode === 'set') {
    if (weak(pin)) { fail({ key: 'sign.pin.weak' }); return; }
    if ($('pin2').value !== pin) { fail({ key: 'sign.pin.mismatch' }); $('pin2').focus(); return; }
  }
  await guarded($('pin-go'), pinMode === 'set' ? 'sign.enrolling' : 'sign.unlocking', async () => {
    forgetShare();
    if (pinMode === 'set') {
      const { pending, request } = YXC.enrolStart(YX.unhex(info.enrolment_id));
      try {
        const r = await call('POST', '/enrol', { request });
        share = YXC.enrolFinish(pending, r.response);
      } finally { pending.d1 = 0n; }
      info.enrolled = true;
      try { await storeShare(info.enrolment_id, share, pin); } catch (e) { fail({ key: 'sign.store.failed' }); $('pin').value = $('pin2').value = ''; show('draw'); return; }
    } else {
      try { share = await unlockShare(info.enrolment_id, pin); } catch (e) {
        $('pin').value = '';
        if (e.key === 'sign.pin.locked' || e.key === 'sign.pin.broken') show('envelope');
        throw e;
      }
    }
    $('pin').value = '';
    $('pin2').value = '';
    show('draw');
  });
}

// ---- (d) the signature pad --------------------------------------------------------------------
// Raw points go on the wire ([x, y, t] or [x, y, t, p]); the screen shows them smoothed
// (quadratic curves through the midpoints), the pen's width following pressure or speed.
const pad = { strokes: [], cur: null, t0: null, w: 0, h: 0, dpr: 1, rect: null };
const canvas = $('pad');
const ctx = canvas.getContext('2d');
const round2 = (v) => Math.round(v * 100) / 100;
const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
const totalPoints = () => pad.strokes.reduce((n, s) => n + s.pts.length, 0) + (pad.cur ? pad.cur.pts.length : 0);

function layoutPad() {
  const wrap = $('pad-wrap');
  const w = clamp(Math.floor(wrap.clientWidth), 50, 2000), h = clamp(Math.floor(wrap.clientHeight), 50, 2000);
  if (w === pad.w && h === pad.h && pad.dpr === (window.devicePixelRatio || 1)) return;
  if (pad.strokes.length && w === pad.w && pad.dpr === (window.devicePixelRatio || 1)) return; // keep the ink's canvas
  if (pad.strokes.length && w !== pad.w) { clearPad(); fail({ key: 'sign.pad.resized' }); }
  pad.w = w; pad.h = h; pad.dpr = window.devicePixelRatio || 1;
  canvas.style.width = w + 'px';
  canvas.style.height = h + 'px';
  canvas.width = Math.round(w * pad.dpr);
  canvas.height = Math.round(h * pad.dpr);
  redraw();
}

function baseWidth() { return clamp(pad.w / 110, 2.2, 4.5); }
// The width at point k: by pressure when the device gives a varying one, else by speed.
function widthAt(s, k) {
  const b = baseWidth(), p = s.pts[k], q = s.pts[k - 1];
  let target;
  if (p.length === 4 && p[3] > 0 && p[3] !== 0.5) target = b * (0.45 + 1.1 * p[3]);
  else if (!q) target = b;
  else {
    const v = Math.hypot(p[0] - q[0], p[1] - q[1]) / Math.max(1, p[2] - q[2]); // px per ms
    target = b * clamp(1.45 - 0.5 * v, 0.55, 1.45);
  }
  return k === 0 ? target : 0.7 * s.widths[k - 1] + 0.3 * target;
}

const mid = (a, b) => [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
// Draw the piece of stroke s that point k completes (k = -1: the tail to the last point).
function drawPiece(s, k) {
  const P = s.pts, n = P.length;
  ctx.beginPath();
  if (k === 0) {
    ctx.arc(P[0][0], P[0][1], s.widths[0] / 2, 0, 2 * Math.PI);
    ctx.fill();
    return;
  }
  if (k === -1) {
    if (n < 2) return;
    const from = mid(P[n - 2], P[n - 1]);
    ctx.lineWidth = s.widths[n - 1];
    ctx.moveTo(from[0], from[1]);
    ctx.lineTo(P[n - 1][0], P[n - 1][1]);
    ctx.stroke();
    return;
  }
  const from = k === 1 ? P[0] : mid(P[k - 2], P[k - 1]);
  const to = mid(P[k - 1], P[k]);
  ctx.lineWidth = (s.widths[k - 1] + s.widths[k]) / 2;
  ctx.moveTo(from[0], from[1]);
  if (k === 1) ctx.lineTo(to[0], to[1]); else ctx.quadraticCurveTo(P[k - 1][0], P[k - 1][1], to[0], to[1]);
  ctx.stroke();
}

function pen() {
  ctx.setTransform(pad.dpr, 0, 0, pad.dpr, 0, 0);
  ctx.strokeStyle = ctx.fillStyle = '#111';
  ctx.lineCap = ctx.lineJoin = 'round';
}

function redraw() {
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  pen();
  for (const s of pad.strokes) { for (let k = 0; k < s.pts.length; k++) drawPiece(s, k); drawPiece(s, -1); }
  $('pad-hint').hidden = pad.strokes.length > 0 || !!pad.cur;
  $('pad-undo').disabled = $('pad-clear').disabled = pad.strokes.length === 0;
}

function addPoint(e) {
  const s = pad.cur;
  if (s.pts.length >= LIMITS.perStroke || totalPoints() >= LIMITS.points) { endStroke(); fail({ key: 'sign.pad.full' }); return; }
  const x = clamp(round2(e.clientX - pad.rect.left), 0, pad.w), y = clamp(round2(e.clientY - pad.rect.top), 0, pad.h);
  const last = s.pts[s.pts.length - 1] || lastPoint();
  const tm = Math.max(last ? last[2] : 0, Math.round(e.timeStamp - pad.t0));
  const pt = [x, y, tm];
  if (s.type !== 'mouse' && typeof e.pressure === 'number') pt.push(Math.round(clamp(e.pressure, 0, 1) * 10000) / 10000);
  const prev = s.pts[s.pts.length - 1];
  if (prev && prev[0] === x && prev[1] === y && prev[3] === pt[3]) return; // nothing new
  s.pts.push(pt);
  const k = s.pts.length - 1;
  s.widths.push(widthAt(s, k));
  pen();
  drawPiece(s, k);
}

function lastPoint() {
  const s = pad.strokes[pad.strokes.length - 1];
  return s ? s.pts[s.pts.length - 1] : null;
}

function endStroke() {
  const s = pad.cur;
  if (!s) return;
  pad.cur = null;
  try { canvas.releasePointerCapture(s.id); } catch (e) { /* already released */ }
  if (!s.pts.length) return;
  pen();
  drawPiece(s, -1);
  // A constant 0 or 0.5 is the "no pressure sensor" value of the Pointer Events spec: leave it out.
  const ps = new Set(s.pts.map((p) => p[3]));
  if (s.type === 'mouse' || (ps.size === 1 && [0, 0.5, undefined].includes([...ps][0]))) s.pts = s.pts.map((p) => p.slice(0, 3));
  pad.strokes.push(s);
  redraw();
}

canvas.addEventListener('pointerdown', (e) => {
  if (pad.cur || !e.isPrimary || (e.pointerType === 'mouse' && e.button !== 0)) return;
  e.preventDefault();
  fail(null);
  if (pad.strokes.length >= LIMITS.strokes) { fail({ key: 'sign.pad.full' }); return; }
  try { canvas.setPointerCapture(e.pointerId); } catch (err) { /* capture is a nicety */ }
  pad.rect = canvas.getBoundingClientRect();
  if (pad.t0 === null) pad.t0 = e.timeStamp;
  pad.cur = { id: e.pointerId, type: e.pointerType, pts: [], widths: [] };
  $('pad-hint').hidden = true;
  addPoint(e);
});
canvas.addEventListener('pointermove', (e) => {
  if (!pad.cur || e.pointerId !== pad.cur.id) return;
  e.preventDefault();
  const evs = typeof e.getCoalescedEvents === 'function' ? e.getCoalescedEvents() : [];
  for (const c of evs.length ? evs : [e]) if (pad.cur) addPoint(c);
});
// pointerleave only matters where capture failed: while captured, the pointer never leaves.
for (const type of ['pointerup', 'pointercancel', 'lostpointercapture', 'pointerleave']) {
  canvas.addEventListener(type, (e) => { if (pad.cur && e.pointerId === pad.cur.id) endStroke(); });
}
canvas.addEventListener('contextmenu', (e) => e.preventDefault());

function clearPad() {
  pad.strokes = [];
  pad.cur = null;
  pad.t0 = null;
  redraw();
}
function undo() {
  pad.strokes.pop();
  if (!pad.strokes.length) pad.t0 = null;
  redraw();
}

// "Chrome 126 · Android 14 · 412×915@2.6" — what drew, not who.
function deviceSummary() {
  const ua = navigator.userAgent || '';
  const os = (/Android [\d.]+/.exec(ua) || /(iPhone|iPad|CPU) OS [\d_]+/.exec(ua) || /Windows NT [\d.]+/.exec(ua) || /Mac OS X [\d_.]+/.exec(ua) || /HarmonyOS|Linux|CrOS/.exec(ua) || [''])[0].replace(/_/g, '.');
  const br = (/MicroMessenger\/[\d.]+/.exec(ua) || /AlipayClient\/[\d.]+/.exec(ua) || /Edg\w*\/\d+/.exec(ua) || /Firefox\/\d+/.exec(ua) || /Chrome\/\d+/.exec(ua) || /Version\/[\d.]+.*Safari/.exec(ua) || [''])[0].replace(/ .*Safari/, ' Safari');
  const scr = `${screen.width}×${screen.height}@${Math.round((window.devicePixelRatio || 1) * 100) / 100}`;
  const s = [br, os, scr].filter(Boolean).join(' · ').replace(/[\u0000-\u001f\u007f-\u009f]/g, '');
  return s.slice(0, 200) || 'unknown';
}

// The wire form the service validates (crates/sign/src/handwriting.rs), or a message why not.
function handwriting() {
  if (!pad.strokes.length) throw keyed('sign.pad.empty');
  let ink = 0;
  for (const s of pad.strokes) for (let i = 1; i < s.pts.length; i++) ink += Math.hypot(s.pts[i][0] - s.pts[i - 1][0], s.pts[i][1] - s.pts[i - 1][1]);
  if (ink < LIMITS.ink) throw keyed('sign.pad.short');
  if (lastPoint()[2] > LIMITS.duration) throw keyed('sign.pad.long');
  const kinds = new Set(pad.strokes.map((s) => s.type));
  // A pressure that never varies over the whole signature is a device without a sensor.
  const ps = new Set(pad.strokes.flatMap((s) => s.pts.filter((p) => p.length === 4).map((p) => p[3])));
  const hw = { width: pad.w, height: pad.h, strokes: pad.strokes.map((s) => wireStroke(s, ps.size > 1)) };
  const kind = [...kinds][0];
  if (kinds.size === 1 && ['mouse', 'touch', 'pen'].includes(kind)) hw.pointer = kind;
  hw.device = deviceSummary();
  return hw;
}
// handwriting.rs reads a stroke as a bare array of points ([[x, y, t, p?], ...]).
const wireStroke = (s, pressure) => s.pts.map((p) => p.slice(0, pressure ? 4 : 3));

// ---- (e) signing --------------------------------------------------------------------------------
function step(name, state) {
  const li = document.querySelector(`#steps li[data-step="${name}"]`);
  li.className = state || '';
  if (state === 'doing') li.setAttribute('aria-current', 'step'); else li.removeAttribute('aria-current');
}

async function sign() {
  if (busy) return;
  let hw;
  try { hw = handwriting(); } catch (e) { fail(errMsg(e)); return; }
  if (!share) { startSigning(); return; }
  busy = true;
  clearMsgs();
  for (const li of document.querySelectorAll('#steps li')) step(li.dataset.step, '');
  $('preview-box').hidden = true;
  $('retry').hidden = $('signing-back').hidden = true;
  show('signing');
  let at = 'prepare', nonce = null;
  try {
    // One two-party signature a document the party has fields in; the service says when more remain.
    let res;
    do {
      for (const li of document.querySelectorAll('#steps li')) step(li.dataset.step, '');
      step(at = 'prepare', 'doing');
      const prep = await call('POST', '/prepare', { handwriting: hw });
      if (typeof prep.preview_png === 'string' && /^[A-Za-z0-9+/=]+$/.test(prep.preview_png)) {
        $('preview').src = 'data:image/png;base64,' + prep.preview_png;
        $('preview-box').hidden = false;
      }
      step(at, 'done'); step(at = 'commit', 'doing');
      const c = YXC.commit(share, prep.session, prep.e);
      nonce = c.nonce;
      const { answer } = await call('POST', '/commit', { commitment: c.commitment });
      step(at, 'done'); step(at = 'finish', 'doing');
      const fin = YXC.finish(share, nonce, answer); // verifies (r, s) before anything leaves
      nonce = null;
      step(at, 'done'); step(at = 'complete', 'doing');
      res = await call('POST', '/complete', { completion: fin.completion });
      step(at, 'done');
    } while (res && res.more === true);
    forgetShare();
    clearPad();
    doneResult = Object.assign({ at: Date.now() }, res);
    renderDone();
    show('done');
  } catch (e) {
    if (nonce) nonce.k1 = 0n;
    step(at, 'failed');
    fail(errMsg(e));
    if (access) { $('retry').hidden = false; $('signing-back').hidden = false; }
  } finally { busy = false; }
}

// ---- (f) done -------------------------------------------------------------------------------------
function renderDone() {
  const r = doneResult;
  const ps = r.party_status;
  const at = ps && typeof ps === 'object' && ps.at ? ps.at : r.at;
  $('done-at').textContent = t('sign.done.at', { t: fmtTime(at) });
  const completed = r.state === 'completed';
  const next = Array.isArray(r.next) ? r.next : [];
  $('done-next').textContent = completed ? t('sign.done.all') : next.length ? t('sign.done.next', { names: list(next) }) : '';
  placeDownload(completed ? $('done-actions') : null);
}

async function viewAgain() {
  doneResult = null;
  await guarded($('done-view'), 'sign.loading', loadEnvelope);
}

// ---- wiring ---------------------------------------------------------------------------------------
$('lang').addEventListener('click', () => toggleLang(texts));
$('code-request').addEventListener('click', requestCode);
$('code-go').addEventListener('click', openSession);
$('code').addEventListener('keydown', (e) => { if (e.key === 'Enter') openSession(); });
$('code').addEventListener('input', () => { $('code').value = $('code').value.replace(/\D/g, '').slice(0, 6); });
$('sign-go').addEventListener('click', startSigning);
$('decline-go').addEventListener('click', () => { $('decline-box').hidden = false; $('decline-box').scrollIntoView({ block: 'center' }); $('decline-reason').focus({ preventScroll: true }); });
$('decline-cancel').addEventListener('click', () => { $('decline-box').hidden = true; fail(null); });
$('decline-confirm').addEventListener('click', decline);
$('fields-show').addEventListener('click', () => { const f = document.querySelector('.field-box.signature, .field-box.seal'); if (f) f.scrollIntoView({ block: 'center', behavior: 'smooth' }); });
$('download').addEventListener('click', download);
for (const id of ['pin', 'pin2']) {
  $(id).addEventListener('input', () => { $(id).value = $(id).value.replace(/\D/g, '').slice(0, 6); });
  $(id).addEventListener('keydown', (e) => { if (e.key === 'Enter') submitPin(); });
}
$('pin-go').addEventListener('click', submitPin);
$('pin-back').addEventListener('click', () => { fail(null); show('envelope'); });
$('pad-undo').addEventListener('click', undo);
$('pad-clear').addEventListener('click', () => { clearPad(); fail(null); });
$('pad-go').addEventListener('click', sign);
$('pad-back').addEventListener('click', () => { forgetShare(); fail(null); show('envelope'); });
$('retry').addEventListener('click', () => { fail(null); show('draw'); });
$('signing-back').addEventListener('click', () => { forgetShare(); fail(null); guarded(null, 'sign.loading', loadEnvelope); });
$('done-view').addEventListener('click', viewAgain);
$('error').addEventListener('click', () => fail(null));
window.addEventListener('pagehide', forgetShare);
if ('ResizeObserver' in window) new ResizeObserver(() => { if (!$('draw').hidden) layoutPad(); }).observe($('pad-wrap'));
else window.addEventListener('resize', () => { if (!$('draw').hidden) layoutPad(); });

async function start() {
  texts();
  try {
    const kept = JSON.parse(sessionStorage.getItem(SESSION_KEY) || 'null');
    const exp = kept && kept.expires_at ? (typeof kept.expires_at === 'number' ? kept.expires_at * (kept.expires_at < 1e12 ? 1000 : 1) : Date.parse(kept.expires_at)) : Infinity;
    if (kept && kept.access && !(exp <= Date.now())) access = kept.access;
    else sessionStorage.removeItem(SESSION_KEY);
  } catch (e) { sessionStorage.removeItem(SESSION_KEY); }
  if (!access) { show('identify'); return; }
  try { await loadEnvelope(); } catch (e) { if (!access) return; show('identify'); fail(errMsg(e)); }
}
start();
