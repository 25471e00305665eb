// The officer's verifier: read a holder's QR code (camera, photo or pasted text), check it with
// the service, show the verdict in large colours, the fields the holder chose, and the reasons.
'use strict';
const $ = (id) => document.getElementById(id);
let token = localStorage.getItem('yx-officer-token');
let nonce = null;
let last = null; // the last response, re-rendered on a language change
let stream = null;

function show(section) {
  $('signin').hidden = section !== 'signin';
  $('check').hidden = section !== 'check';
}

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
  $('verdict').className = 'verdict';
  $('verdict-big').textContent = t('checking');
  $('verdict-sub').textContent = '';
  try {
    last = await api(token, 'POST', '/v1/present/verify', { token: text, nonce });
    render();
    if (nonce) newNonce();
  } catch (e) {
    $('verdict-big').textContent = '';
    $('verdict-sub').textContent = e.message;
  }
}

function render() {
  if (!last) return;
  const v = last;
  $('verdict').className = 'verdict ' + v.indication;
  $('verdict').dataset.indication = v.indication;
  $('verdict-big').textContent = t(v.indication);
  $('verdict-sub').textContent = t(v.indication + '.sub');
  const dl = (id, rows) => $(id).replaceChildren(...rows.flatMap(([k, val]) => [el('dt', {}, k), el('dd', {}, val)]));
  if (v.disclosed.length) dl('disclosed', v.disclosed.map((f) => [f.label, f.value]));
  else $('disclosed').replaceChildren(el('dd', {}, t('fields.none')));
  $('disclosed').dataset.names = v.disclosed.map((f) => f.name).join(',');
  const l = v.licence;
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

$('lang').addEventListener('click', () => toggleLang(render));
$('signin-go').addEventListener('click', async () => {
  const v = $('token').value.trim();
  try {
    await api(v, 'GET', '/v1/whoami');
  } catch (e) { $('signin-error').textContent = e.message; return; }
  token = v;
  localStorage.setItem('yx-officer-token', v);
  $('signin-error').textContent = '';
  show('check');
});
$('scan').addEventListener('click', scan);
$('upload-btn').addEventListener('click', () => $('upload').click());
$('upload').addEventListener('change', (e) => { if (e.target.files[0]) upload(e.target.files[0]); e.target.value = ''; });
$('verify').addEventListener('click', () => { const v = $('paste').value.trim(); if (v) check(v); });
$('want-nonce').addEventListener('change', (e) => { $('nonce-box').hidden = !e.target.checked; if (e.target.checked) newNonce(); else nonce = null; });
$('signout').addEventListener('click', () => { localStorage.removeItem('yx-officer-token'); token = null; show('signin'); });
applyI18n();
show(token ? 'check' : 'signin');
