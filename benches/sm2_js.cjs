// Run: node benches/sm2_js.cjs (after `cd tests/e2e && npm ci`). The page verifies tokens with sm.js;
// npm's sm-crypto is the well-known alternative the issue asked to measure beside it.
// One SM2 verification (default user ID, SM3 with Z) by npm's sm-crypto beside the page's sm.js,
// same message and key, same process.
const sm2 = require('../tests/e2e/node_modules/sm-crypto').sm2;
const YX = require('../crates/server/assets/sm.js');
const msg = 'yinxin presentation bench ' + 'x'.repeat(500);
const key = YX.keygen();
const pubHex = '04' + key.pub[0].toString(16).padStart(64, '0') + key.pub[1].toString(16).padStart(64, '0');
const sig = YX.sign(key, YX.utf8(msg));
const sigHex = YX.hex(sig);
const ok1 = sm2.doVerifySignature(msg, sigHex, pubHex, { hash: true, der: false });
const ok2 = YX.verify(YX.pointFromSec1(YX.unhex(pubHex)), YX.utf8(msg), sig);
if (!ok1 || !ok2) throw new Error('disagree ' + ok1 + ' ' + ok2);
function time(f, n) { for (let i = 0; i < 5; i++) f(); const t = []; for (let i = 0; i < n; i++) { const s = process.hrtime.bigint(); f(); t.push(Number(process.hrtime.bigint() - s) / 1e6); } t.sort((a, b) => a - b); return t[n >> 1]; }
const a = time(() => sm2.doVerifySignature(msg, sigHex, pubHex, { hash: true, der: false }), 100);
const v = YX.verifier(YX.pointFromSec1(YX.unhex(pubHex)));
const b = time(() => YX.verify(YX.pointFromSec1(YX.unhex(pubHex)), YX.utf8(msg), sig), 100);
const c = time(() => v.verify(YX.utf8(msg), sig), 100);
console.log(`SM2 verify, median of 100 (node ${process.version}): sm-crypto 0.3.13 ${a.toFixed(2)} ms; sm.js ${b.toFixed(2)} ms (fresh key), ${c.toFixed(2)} ms (key table kept)`);
