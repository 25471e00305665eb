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
    // The signing page (sign.html, sign.js).
    'sign.title': '电子签署', 'sign.back': '返回', 'sign.loading': '正在加载…', 'sign.sending': '正在提交…', 'sign.checking': '正在验证…',
    'sign.id.title': '身份确认', 'sign.id.hint': '为确认是您本人，我们将向您预留的手机号发送一次性验证码。', 'sign.id.who': '{name}，您好：请签署《{title}》。',
    'sign.code.request': '获取验证码', 'sign.code.again': '重新获取（{n} 秒）', 'sign.code.resend': '重新获取验证码',
    'sign.code.label': '验证码（6 位数字）', 'sign.code.sent': '验证码已发送至 {to}。', 'sign.code.dev': '开发环境：验证码为 {code}',
    'sign.code.go': '确认', 'sign.code.bad': '请输入 6 位数字验证码。', 'sign.session.expired': '会话已过期，请重新获取验证码。',
    'sign.env.organiser': '发起方', 'sign.env.deadline': '截止时间', 'sign.env.message': '留言', 'sign.parties': '签署方', 'sign.you': '（您）', 'sign.step': '第 {n} 步',
    'sign.role.sign': '签字', 'sign.role.seal': '盖章', 'sign.role.approve': '审批', 'sign.role.copy': '抄送',
    'sign.status.waiting': '待签署', 'sign.status.turn': '签署中', 'sign.status.signed': '已签署', 'sign.status.declined': '已拒签',
    'sign.page': '第 {p} / {n} 页', 'sign.page.alt': '{doc} 第 {p} 页', 'sign.page.failed': '页面加载失败，点击重试',
    'sign.field.signature': '请在此签名', 'sign.field.seal': '盖章处', 'sign.field.date': '签署日期',
    'sign.fields.count': '您需要在 {n} 处签署（已用红框标出）。', 'sign.fields.show': '查看签署位置',
    'sign.go': '签署', 'sign.decline': '拒签', 'sign.download': '下载已签署文件',
    'sign.turn.other': '当前由 {names} 签署。', 'sign.turn.signed': '您已签署。', 'sign.turn.copy': '您是抄送方，无需签署；全部签署完成后可下载文件。', 'sign.turn.none': '暂时无需您操作，轮到您时请再打开此链接。',
    'sign.state.completed': '全部签署方均已签署完成。', 'sign.state.declined': '已有签署方拒签，签署流程已终止。', 'sign.state.expired': '已过截止时间，签署流程已终止。', 'sign.state.voided': '发起方已撤销本次签署。',
    'sign.decline.title': '拒签', 'sign.decline.note': '拒签后整个签署流程将终止，发起方将看到您填写的原因。', 'sign.decline.label': '拒签原因（必填）',
    'sign.decline.cancel': '取消', 'sign.decline.confirm': '确认拒签', 'sign.decline.need': '请填写拒签原因。',
    'sign.pin.set': '设置签名密码', 'sign.pin.enter': '输入签名密码',
    'sign.pin.explain': '您的签名密钥分为两部分：一部分加密保存在本手机上，另一部分由服务方保管，任何一方都不能单独签名。签名密码用于解锁本机保存的部分，请牢记。手机丢失或更换、浏览器数据被清除后，需请发起方重新签发签署链接。',
    'sign.pin.label': '签名密码（6 位数字）', 'sign.pin.label2': '再次输入签名密码', 'sign.pin.go': '确认',
    'sign.pin.bad': '签名密码须为 6 位数字。', 'sign.pin.mismatch': '两次输入的密码不一致。', 'sign.pin.weak': '密码过于简单（如 123456、000000），请换一个。',
    'sign.pin.wrong': '密码错误，还可尝试 {left} 次。', 'sign.pin.locked': '密码错误次数过多，本机保存的签名密钥已删除。请联系发起方重新签发签署链接后重新设置。',
    'sign.pin.elsewhere': '本机没有您的签名密钥（可能已在其他设备上设置，或已被清除）。请联系发起方重新签发签署链接。',
    'sign.pin.broken': '本机保存的签名密钥已损坏，已删除。请联系发起方重新签发签署链接。',
    'sign.pin.nocrypto': '此浏览器无法安全保存签名密钥（需要 HTTPS 和较新的浏览器，且不能是无痕模式），无法在此签署。',
    'sign.unlocking': '正在解锁…', 'sign.enrolling': '正在生成签名密钥…', 'sign.enrol.bad': '服务方返回的密钥未通过校验，未保存任何内容。',
    'sign.store.failed': '本机无法保存签名密钥：本次可以签署，之后需请发起方重新签发。',
    'sign.draw.title': '手写签名', 'sign.draw.note': '请用手指或触控笔在下方书写您的姓名。', 'sign.draw.hint': '请在此处签名', 'sign.pad.label': '签名板',
    'sign.pad.undo': '撤销', 'sign.pad.clear': '清除', 'sign.pad.go': '确认签名',
    'sign.pad.empty': '请先在签名框内签名。', 'sign.pad.short': '签名太短，请完整书写您的姓名。', 'sign.pad.long': '签名用时过长，请清除后重新签名。',
    'sign.pad.full': '笔画太多，请清除后重新签名。', 'sign.pad.resized': '屏幕尺寸已变化，请重新签名。',
    'sign.progress.title': '正在签署', 'sign.step.prepare': '提交签名笔迹', 'sign.step.preview': '服务方根据您的笔迹生成的签名外观',
    'sign.step.commit': '与服务方协同签名', 'sign.step.finish': '在本机校验并合成签名', 'sign.step.complete': '提交签名', 'sign.preview.alt': '签名外观预览',
    'sign.err.invalid': '服务方的应答未通过校验：签名未发出，本机的密钥未泄露。请稍后重试。', 'sign.err.network': '网络错误，请检查网络后重试。', 'sign.retry': '重新签署',
    'sign.done.title': '签署完成', 'sign.done.at': '签署时间：{t}', 'sign.done.next': '下一位签署方：{names}', 'sign.done.all': '全部签署方均已签署完成，可下载文件。', 'sign.done.view': '查看文件',
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
    // The signing page (sign.html, sign.js).
    'sign.title': 'E-signing', 'sign.back': 'Back', 'sign.loading': 'Loading…', 'sign.sending': 'Sending…', 'sign.checking': 'Checking…',
    'sign.id.title': 'Confirm it is you', 'sign.id.hint': 'We will send a one-time code to the mobile number the organiser gave for you.', 'sign.id.who': 'Hello {name}: you are asked to sign “{title}”.',
    'sign.code.request': 'Get code', 'sign.code.again': 'Send again ({n} s)', 'sign.code.resend': 'Send the code again',
    'sign.code.label': 'Code (6 digits)', 'sign.code.sent': 'Code sent to {to}.', 'sign.code.dev': 'Development only: the code is {code}',
    'sign.code.go': 'Confirm', 'sign.code.bad': 'Enter the 6-digit code.', 'sign.session.expired': 'Your session has expired: get a new code.',
    'sign.env.organiser': 'From', 'sign.env.deadline': 'Deadline', 'sign.env.message': 'Message', 'sign.parties': 'Parties', 'sign.you': ' (you)', 'sign.step': 'step {n}',
    'sign.role.sign': 'signs', 'sign.role.seal': 'seals', 'sign.role.approve': 'approves', 'sign.role.copy': 'copy',
    'sign.status.waiting': 'waiting', 'sign.status.turn': 'signing now', 'sign.status.signed': 'signed', 'sign.status.declined': 'declined',
    'sign.page': 'Page {p} of {n}', 'sign.page.alt': '{doc}, page {p}', 'sign.page.failed': 'The page did not load: tap to retry',
    'sign.field.signature': 'Sign here', 'sign.field.seal': 'Seal here', 'sign.field.date': 'Date',
    'sign.fields.count': 'You sign in {n} places (outlined in red).', 'sign.fields.show': 'Show where to sign',
    'sign.go': 'Sign', 'sign.decline': 'Decline', 'sign.download': 'Download the signed documents',
    'sign.turn.other': 'Now signing: {names}.', 'sign.turn.signed': 'You have signed.', 'sign.turn.copy': 'You receive a copy and do not sign; download the documents once everyone has signed.', 'sign.turn.none': 'Nothing for you to do yet: open this link again when it is your turn.',
    'sign.state.completed': 'Everyone has signed.', 'sign.state.declined': 'A party declined to sign: the signing has ended.', 'sign.state.expired': 'The deadline has passed: the signing has ended.', 'sign.state.voided': 'The organiser withdrew this signing.',
    'sign.decline.title': 'Decline to sign', 'sign.decline.note': 'Declining ends the signing for everyone; the organiser will see your reason.', 'sign.decline.label': 'Reason (required)',
    'sign.decline.cancel': 'Cancel', 'sign.decline.confirm': 'Decline', 'sign.decline.need': 'Give a reason for declining.',
    'sign.pin.set': 'Set a signing password', 'sign.pin.enter': 'Enter your signing password',
    'sign.pin.explain': 'Your signing key is split in two: one part is kept, encrypted, on this phone and the other by the service; neither can sign alone. The signing password unlocks the part on this phone: remember it. If you lose or change this phone, or clear the browser’s data, ask the organiser to send a new link.',
    'sign.pin.label': 'Signing password (6 digits)', 'sign.pin.label2': 'Signing password again', 'sign.pin.go': 'Confirm',
    'sign.pin.bad': 'The signing password is 6 digits.', 'sign.pin.mismatch': 'The two passwords differ.', 'sign.pin.weak': 'Too easy to guess (like 123456 or 000000): choose another.',
    'sign.pin.wrong': 'Wrong password: {left} tries left.', 'sign.pin.locked': 'Too many wrong passwords: the key on this phone has been deleted. Ask the organiser to send a new link and set it up again.',
    'sign.pin.elsewhere': 'This phone does not hold your signing key (it was set up on another device, or deleted). Ask the organiser to send a new link.',
    'sign.pin.broken': 'The signing key on this phone is damaged and has been deleted. Ask the organiser to send a new link.',
    'sign.pin.nocrypto': 'This browser cannot keep a signing key safely (it needs HTTPS, a recent browser and no private mode): you cannot sign here.',
    'sign.unlocking': 'Unlocking…', 'sign.enrolling': 'Making your signing key…', 'sign.enrol.bad': 'The key the service returned does not check out: nothing was stored.',
    'sign.store.failed': 'This phone cannot store the signing key: you can sign now, but will need a new link afterwards.',
    'sign.draw.title': 'Handwritten signature', 'sign.draw.note': 'Write your name below with a finger or a stylus.', 'sign.draw.hint': 'Sign here', 'sign.pad.label': 'Signature pad',
    'sign.pad.undo': 'Undo', 'sign.pad.clear': 'Clear', 'sign.pad.go': 'Use this signature',
    'sign.pad.empty': 'Sign in the box first.', 'sign.pad.short': 'The signature is too short: write your whole name.', 'sign.pad.long': 'The signature took too long: clear it and sign again.',
    'sign.pad.full': 'Too many strokes: clear and sign again.', 'sign.pad.resized': 'The screen size changed: please sign again.',
    'sign.progress.title': 'Signing', 'sign.step.prepare': 'Sending your handwriting', 'sign.step.preview': 'Your signature as the service drew it from your strokes',
    'sign.step.commit': 'Signing together with the service', 'sign.step.finish': 'Checking and combining the signature on this phone', 'sign.step.complete': 'Submitting the signature', 'sign.preview.alt': 'Preview of the signature',
    'sign.err.invalid': 'The service’s answer did not verify: nothing was released and your key is safe. Try again later.', 'sign.err.network': 'Network error: check your connection and try again.', 'sign.retry': 'Try again',
    'sign.done.title': 'Signed', 'sign.done.at': 'Signed at {t}', 'sign.done.next': 'Next to sign: {names}', 'sign.done.all': 'Everyone has signed: you can download the documents.', 'sign.done.view': 'View the documents',
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
