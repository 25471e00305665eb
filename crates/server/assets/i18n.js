// Chinese by default, English on request; the choice is remembered.
'use strict';
const I18N = {
  zh: {
    'wallet.title': '电子证照 · 亮证', 'verifier.title': '电子证照 · 现场核验', 'lang': 'English',
    'signin.title': '持证人登录', 'signin.hint': '输入管理员发放的持证人令牌（开发环境见 dev-credentials.json）。',
    'signin.officer': '核验人员登录', 'signin.officer.hint': '输入执法人员令牌。', 'signin.token': '令牌', 'signin.go': '登录', 'signout': '退出',
    'tab.licences': '我的证照', 'tab.usage': '用证记录', 'tab.consents': '用证授权',
    'licences.none': '暂无证照。', 'present': '亮证',
    'choose.title': '选择要出示的信息', 'choose.hint': '只出示勾选的信息；未勾选的信息不会出现在二维码中，核验方无法得知。',
    'nonce.label': '核验码（核验人员提供，可不填）', 'make': '生成出示码', 'back': '返回',
    'qr.valid': '秒后刷新', 'qr.shows': '本码出示：', 'qr.toobig': '所选信息太多，二维码放不下，请少选几项。',
    'qr.note': '出示码每30秒刷新，过期无效；截图无法冒用。',
    'usage.none': '暂无记录。', 'consents.none': '暂无授权。', 'consent.revoke': '撤销', 'consent.until': '有效至', 'consent.revoked': '已撤销',
    'status.valid': '正常', 'status.suspended': '暂扣', 'status.revoked': '已吊销', 'status.superseded': '已换发',
    'action.licence.issue': '签发', 'action.licence.reissue': '换发', 'action.licence.suspend': '暂扣', 'action.licence.resume': '恢复',
    'action.licence.revoke': '吊销', 'action.lookup': '部门调用', 'action.lookup.refused': '调用被拒绝', 'action.verify': '在线验证',
    'action.presentation.verify': '亮证核验', 'action.credential.issue': '绑定本设备', 'action.consent.give': '授权', 'action.consent.revoke': '撤销授权',
    'action.licence.annotate': '加注件',
    'scan': '扫码', 'upload': '上传图片', 'paste': '粘贴出示码', 'verify': '核验', 'require.nonce': '要求核验码',
    'nonce.show': '请持证人在亮证页面输入核验码：', 'camera.none': '无法打开摄像头，请上传图片或粘贴。', 'decode.none': '图片中未找到二维码。',
    'PASSED': '有效', 'FAILED': '无效', 'INDETERMINATE': '无法确认',
    'PASSED.sub': '证照真实有效，出示信息未被改动', 'FAILED.sub': '请勿采信，原因见下', 'INDETERMINATE.sub': '无法确认当前状态，原因见下',
    'fields.title': '出示的信息', 'fields.none': '（未出示任何信息）', 'licence.title': '证照', 'reasons.title': '核验依据',
    'issuer': '签发机关', 'type': '证照类型', 'validity': '有效期', 'long.term': '长期', 'checking': '核验中…',
    'action.presentation.offline': '离线亮证核验', 'identifier': '证照标识',
    'net.online': '在线', 'net.offline': '离线', 'trust.age': '信任包更新于 {t}', 'trust.stale': '已过期，请联网更新',
    'trust.none': '尚无信任包：请联网后再核验。', 'trust.bad': '信任包无法打开：',
    'ago.now': '刚刚', 'ago.m': '{n} 分钟前', 'ago.m1': '1 分钟前', 'ago.h': '{n} 小时前', 'ago.h1': '1 小时前', 'ago.d': '{n} 天前', 'ago.d1': '1 天前',
    'pending': '{n} 条核验记录待上传', 'pending1': '1 条核验记录待上传', 'refused': '{n} 条核验记录被服务拒收',
    'ask.title': '请求查看指定信息', 'ask.hint': '按您的查看权限勾选要看的信息，请持证人扫描请求码：手机会显示您的身份和所请求的信息，由持证人逐项同意。',
    'ask.make': '生成核验请求码', 'ask.note': '请求码 2 分钟内有效；持证人出示的码须与本次请求对应（核验码 {nonce}）。', 'ask.none': '尚无读取方证书：请联网登录后重试',
    'place.label': '地点代码（可不填）', 'place.ph': '如 530102', 'check.error': '无法核验',
    'trust.pin': '不是由本机首次安装时信任的根证书签发', 'trust.sig': '签名无效',
  },
  en: {
    'wallet.title': 'E-licence wallet', 'verifier.title': 'E-licence check', 'lang': '中文',
    'signin.title': 'Holder sign-in', 'signin.hint': 'Enter the holder token an administrator gave you (development: dev-credentials.json).',
    'signin.officer': 'Officer sign-in', 'signin.officer.hint': 'Enter your officer token.', 'signin.token': 'Token', 'signin.go': 'Sign in', 'signout': 'Sign out',
    'tab.licences': 'My licences', 'tab.usage': 'Usage log', 'tab.consents': 'Consents',
    'licences.none': 'No licences yet.', 'present': 'Show',
    'choose.title': 'Choose what to show', 'choose.hint': 'Only the ticked fields are shown; the others are not in the QR code and the verifier cannot learn them.',
    'nonce.label': 'Verifier code (from the officer, optional)', 'make': 'Make QR code', 'back': 'Back',
    'qr.valid': 's until refresh', 'qr.shows': 'This code shows: ', 'qr.toobig': 'Too many fields for one QR code: choose fewer.',
    'qr.note': 'The code refreshes every 30 s and expires; a screenshot cannot be reused.',
    'usage.none': 'Nothing yet.', 'consents.none': 'No consents.', 'consent.revoke': 'Revoke', 'consent.until': 'until', 'consent.revoked': 'revoked',
    'status.valid': 'valid', 'status.suspended': 'suspended', 'status.revoked': 'revoked', 'status.superseded': 'superseded',
    'action.licence.issue': 'issued', 'action.licence.reissue': 're-issued', 'action.licence.suspend': 'suspended', 'action.licence.resume': 'resumed',
    'action.licence.revoke': 'revoked', 'action.lookup': 'looked up by a department', 'action.lookup.refused': 'lookup refused', 'action.verify': 'verified online',
    'action.presentation.verify': 'shown and checked', 'action.credential.issue': 'bound to this device', 'action.consent.give': 'consent given', 'action.consent.revoke': 'consent revoked',
    'action.licence.annotate': 'annotated copy',
    'scan': 'Scan', 'upload': 'Upload photo', 'paste': 'Paste code', 'verify': 'Check', 'require.nonce': 'Ask for a code',
    'nonce.show': 'Ask the holder to type this code on their wallet:', 'camera.none': 'No camera: upload a photo or paste the code.', 'decode.none': 'No QR code found in the image.',
    'PASSED': 'VALID', 'FAILED': 'INVALID', 'INDETERMINATE': 'CANNOT CONFIRM',
    'PASSED.sub': 'Genuine, in force, fields unaltered', 'FAILED.sub': 'Do not accept: see the reasons', 'INDETERMINATE.sub': 'Status cannot be confirmed: see the reasons',
    'fields.title': 'Shown fields', 'fields.none': '(no fields shown)', 'licence.title': 'Licence', 'reasons.title': 'Checks',
    'issuer': 'Issuer', 'type': 'Type', 'validity': 'Valid', 'long.term': 'no expiry', 'checking': 'Checking…',
    'action.presentation.offline': 'shown and checked offline', 'identifier': 'Licence ID',
    'net.online': 'online', 'net.offline': 'offline', 'trust.age': 'trust bundle updated {t}', 'trust.stale': 'expired: go online to update',
    'trust.none': 'No trust bundle yet: go online before checking.', 'trust.bad': 'The trust bundle cannot be opened: ',
    'ago.now': 'just now', 'ago.m': '{n} minutes ago', 'ago.m1': '1 minute ago', 'ago.h': '{n} hours ago', 'ago.h1': '1 hour ago', 'ago.d': '{n} days ago', 'ago.d1': '1 day ago',
    'pending': '{n} check records waiting to upload', 'pending1': '1 check record waiting to upload', 'refused': '{n} check records refused by the service',
    'ask.title': 'Ask for chosen fields', 'ask.hint': "Tick what you need (within what you may see) and let the holder scan the request code: their phone shows who you are and what you ask, and they consent field by field.",
    'ask.make': 'Make request code', 'ask.note': 'Valid for 2 minutes; the code the holder shows must answer this request (nonce {nonce}).', 'ask.none': 'No reader certificate yet: sign in online and retry',
    'place.label': 'Place code (optional)', 'place.ph': 'e.g. 530102', 'check.error': 'Cannot check',
    'trust.pin': 'not signed under the root this device trusted when first installed', 'trust.sig': 'its signature does not verify',
  },
};
let LANG = localStorage.getItem('yx-lang') || 'zh';
function t(k, vars) {
  const s = (I18N[LANG] && I18N[LANG][k]) || I18N.zh[k] || k;
  return vars ? s.replace(/\{(\w+)\}/g, (m, v) => (v in vars ? String(vars[v]) : m)) : s;
}
function applyI18n() {
  document.documentElement.lang = LANG === 'zh' ? 'zh-CN' : 'en';
  document.querySelectorAll('[data-i18n]').forEach((el) => { el.textContent = t(el.dataset.i18n); });
  document.querySelectorAll('[data-i18n-ph]').forEach((el) => { el.placeholder = t(el.dataset.i18nPh); });
}
function toggleLang(after) {
  LANG = LANG === 'zh' ? 'en' : 'zh';
  localStorage.setItem('yx-lang', LANG);
  applyI18n();
  if (after) after();
}
// A QR code (alphanumeric, level M) drawn on a canvas: a whole number of pixels a module and a
// 4-module quiet zone, so that a camera or a screenshot reads it cleanly. Needs qrcode.js.
function qrCanvas(text) {
  const qr = qrcode(0, 'M'); // eslint-disable-line no-undef
  qr.addData(text, 'Alphanumeric');
  qr.make();
  const modules = qr.getModuleCount();
  const cell = Math.max(2, Math.floor(Math.min(720, 2 * window.innerWidth) / (modules + 8)));
  const canvas = el('canvas', { width: String((modules + 8) * cell), height: String((modules + 8) * cell) });
  const g = canvas.getContext('2d');
  g.fillStyle = '#fff';
  g.fillRect(0, 0, canvas.width, canvas.height);
  g.fillStyle = '#000';
  for (let r = 0; r < modules; r++) for (let c = 0; c < modules; c++) if (qr.isDark(r, c)) g.fillRect((c + 4) * cell, (r + 4) * cell, cell, cell);
  return { canvas, version: (modules - 17) / 4 };
}

function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') e.className = v; else if (k.startsWith('on')) e.addEventListener(k.slice(2), v); else e.setAttribute(k, v);
  }
  for (const k of kids) if (k !== null && k !== undefined) e.append(k);
  return e;
}
async function api(token, method, path, body) {
  const r = await fetch(path, {
    method,
    headers: Object.assign({ authorization: 'Bearer ' + token }, body ? { 'content-type': 'application/json' } : {}),
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  const data = text ? JSON.parse(text) : null;
  if (!r.ok) throw new Error((data && (data.detail || data.title)) || r.status);
  return data;
}
