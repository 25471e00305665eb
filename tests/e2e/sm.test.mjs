// The wallet's JavaScript cryptography (crates/server/assets/sm.js) against the standards and
// against OpenSSL 3: SM3 vectors (GB/T 32905), the GB/T 32918.5 signature example with its fixed
// k, compressed public keys, and random signatures that `openssl pkeyutl -verify` (with the
// standard user ID) accepts and refuses once the message changes. Verification (for the offline
// verifier, present.js): the standard's example, round trips with compressed and uncompressed
// keys, changed messages and signatures, r and s out of range, t = 0, points off the curve, and
// signatures made by `openssl pkeyutl -sign` that verify here and stop verifying once changed.
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';

const YX = createRequire(import.meta.url)('../../crates/server/assets/sm.js');
const utf8 = (s) => new TextEncoder().encode(s);

assert.equal(YX.hex(YX.sm3(utf8('abc'))), '66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0');
assert.equal(YX.hex(YX.sm3(utf8('abcd'.repeat(16)))), 'debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732');
assert.equal(YX.hex(YX.sm3(new Uint8Array(0))), '1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b');

// GB/T 32918.5 example: d, the public key, and (r, s) with the fixed k.
const key = YX.keyFromHex('3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8');
assert.equal(key.pub[0].toString(16).toUpperCase(), '9F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020');
assert.equal(YX.hex(YX.compressed(key)), '0309f9df311e5421a150dd7d161e4bc5c672179fad1833fc076bb08ff356f35020');
const k = BigInt('0x59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21');
assert.equal(YX.hex(YX.sign(key, utf8('message digest'), k)).toUpperCase(),
  'F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3' +
  'B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA');

// Random keys and messages, checked by OpenSSL.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yx-sm-'));
const der = (r) => { let b = Buffer.from(r); while (b.length > 1 && b[0] === 0 && !(b[1] & 0x80)) b = b.subarray(1); if (b[0] & 0x80) b = Buffer.concat([Buffer.from([0]), b]); return Buffer.concat([Buffer.from([2, b.length]), b]); };
const openssl = (pub, msg, sig) => {
  const spki = Buffer.concat([Buffer.from('3059301306072a8648ce3d020106082a811ccf5501822d034200', 'hex'), Buffer.from('04' + pub[0].toString(16).padStart(64, '0') + pub[1].toString(16).padStart(64, '0'), 'hex')]);
  const body = Buffer.concat([der(sig.subarray(0, 32)), der(sig.subarray(32))]);
  fs.writeFileSync(path.join(dir, 'pub.der'), spki);
  fs.writeFileSync(path.join(dir, 'msg'), msg);
  fs.writeFileSync(path.join(dir, 'sig'), Buffer.concat([Buffer.from([0x30, body.length]), body]));
  try {
    execFileSync('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', path.join(dir, 'pub.der'), '-keyform', 'DER', '-rawin',
      '-in', path.join(dir, 'msg'), '-sigfile', path.join(dir, 'sig'), '-digest', 'sm3', '-pkeyopt', 'distid:1234567812345678'], { stdio: 'pipe' });
    return true;
  } catch { return false; }
};
for (let i = 0; i < 8; i++) {
  const kp = YX.keygen();
  const msg = Buffer.from(crypto.getRandomValues(new Uint8Array(1 + i * 37)));
  const sig = Buffer.from(YX.sign(kp, msg));
  assert.ok(openssl(kp.pub, msg, sig), `OpenSSL accepts signature ${i}`);
  msg[0] ^= 1;
  assert.ok(!openssl(kp.pub, msg, sig), `OpenSSL refuses signature ${i} over a changed message`);
}
fs.rmSync(dir, { recursive: true });

// Base45 (RFC 9285 examples) and the CBOR the token uses.
assert.equal(YX.base45(utf8('AB')), 'BB8');
assert.equal(YX.base45(utf8('Hello!!')), '%69 VD92EX0');
assert.equal(YX.hex(YX.cbor(['a', new Uint8Array([1, 2]), [0, 23, 24, 255, 256, 65536], null])), '8461614201028600171818' + '18ff1901001a00010000' + 'f6');

// ---- verification ----
const stdSig = YX.unhex('F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3' +
  'B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA');
const sec1 = (pub) => YX.unhex('04' + pub[0].toString(16).padStart(64, '0') + pub[1].toString(16).padStart(64, '0'));
assert.ok(YX.verify(key.pub, utf8('message digest'), stdSig), 'GB/T 32918.5 example verifies');
assert.ok(YX.verify(YX.compressed(key), utf8('message digest'), stdSig), 'with the compressed key');
assert.ok(YX.verifier(sec1(key.pub)).verify(utf8('message digest'), stdSig), 'with the uncompressed key');
assert.ok(!YX.verify(key.pub, utf8('message digesT'), stdSig), 'example refused over another message');
for (let i = 0; i < 64; i++) {
  const bad = stdSig.slice();
  bad[i] ^= 1 << (i % 8);
  assert.ok(!YX.verify(key.pub, utf8('message digest'), bad), `example refused with byte ${i} changed`);
}
assert.deepEqual(YX.pointFromSec1(YX.compressed(key)), key.pub);
assert.deepEqual(YX.pointFromSec1(sec1(key.pub)), key.pub);

// r, s outside [1, n-1] and r + s = n are refused before any curve arithmetic.
const n = YX.n;
const rs = (r, s) => YX.concat(YX.be32(r), YX.be32(s));
const r0 = YX.big(stdSig.subarray(0, 32)), s0 = YX.big(stdSig.subarray(32));
for (const [r, s, what] of [[0n, s0, 'r = 0'], [n, s0, 'r = n'], [r0, 0n, 's = 0'], [r0, n, 's = n'], [r0, n - r0, 't = 0'], [(1n << 256n) - 1n, s0, 'r = 2^256 - 1']]) {
  assert.ok(!YX.verify(key.pub, utf8('message digest'), rs(r, s)), `refused: ${what}`);
}
assert.ok(!YX.verify(key.pub, utf8('message digest'), stdSig.subarray(0, 63)), 'refused: 63 bytes');

// Points off the curve, coordinates not below p, x without a square root, bad forms.
const offCurve = sec1(key.pub);
offCurve[64] ^= 1;
assert.throws(() => YX.pointFromSec1(offCurve), /not on the curve/);
assert.throws(() => YX.verifier(offCurve), /not on the curve/);
assert.throws(() => YX.pointFromSec1(YX.concat(new Uint8Array([2]), YX.be32(YX.p))), /not below p/);
assert.throws(() => YX.pointFromSec1(new Uint8Array(33).fill(0xff)), /unknown SEC1 point form/);
assert.throws(() => YX.pointFromSec1(YX.compressed(key).subarray(0, 32)), /wrong length/);
assert.throws(() => YX.pointFromSec1(new Uint8Array(0)), /empty/);
let noRoot = 0;
for (let x = 1n; noRoot < 3; x++) {
  const c = YX.concat(new Uint8Array([2]), YX.be32(x));
  try { YX.pointFromSec1(c); } catch (e) { assert.match(e.message, /not on the curve/); noRoot++; }
}
assert.ok(!YX.verify([key.pub[0], key.pub[1] ^ 1n], utf8('message digest'), stdSig), 'refused: key off the curve');

// Random round trips: one-shot and kept verifiers, both key forms; every other key refuses.
const t0 = performance.now();
let count = 0;
for (let i = 0; i < 24; i++) {
  const kp = YX.keygen();
  const msg = crypto.getRandomValues(new Uint8Array(i * 13));
  const sig = YX.sign(kp, msg);
  const v = YX.verifier(i % 2 ? YX.compressed(kp) : sec1(kp.pub));
  assert.ok(YX.verify(kp.pub, msg, sig) && v.verify(msg, sig), `round trip ${i}`);
  assert.ok(!YX.verify(key.pub, msg, sig), `another key refuses ${i}`);
  const m2 = YX.concat(msg, new Uint8Array([i]));
  assert.ok(!YX.verify(kp.pub, m2, sig) && !v.verify(m2, sig), `changed message refused ${i}`);
  const s2 = sig.slice();
  s2[i % 64] ^= 0x80;
  assert.ok(!YX.verify(kp.pub, msg, s2) && !v.verify(msg, s2), `changed signature refused ${i}`);
  count += 6;
}
const perVerify = (performance.now() - t0) / count;

// Signatures made by OpenSSL (`pkeyutl -sign`, SM3, user ID 1234567812345678) verify here.
const dir2 = fs.mkdtempSync(path.join(os.tmpdir(), 'yx-sm-'));
const ossl = (...args) => execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
// DER SEQUENCE { INTEGER r, INTEGER s } → r‖s.
function derToRaw(d) {
  assert.equal(d[0], 0x30);
  let p = 2;
  const int = () => {
    assert.equal(d[p], 2);
    const len = d[p + 1];
    const v = d.subarray(p + 2, p + 2 + len);
    p += 2 + len;
    return YX.be32(YX.big(v));
  };
  return YX.concat(int(), int());
}
for (let i = 0; i < 6; i++) {
  const kf = path.join(dir2, 'k.pem'), mf = path.join(dir2, 'msg'), sf = path.join(dir2, 'sig');
  ossl('genpkey', '-algorithm', 'SM2', '-out', kf);
  const spki = ossl('pkey', '-in', kf, '-pubout', '-outform', 'DER');
  const pub = new Uint8Array(spki.subarray(spki.length - 65));
  const msg = Buffer.from(crypto.getRandomValues(new Uint8Array(1 + i * 101)));
  fs.writeFileSync(mf, msg);
  ossl('pkeyutl', '-sign', '-inkey', kf, '-rawin', '-in', mf, '-digest', 'sm3', '-pkeyopt', 'distid:1234567812345678', '-out', sf);
  const sig = derToRaw(new Uint8Array(fs.readFileSync(sf)));
  const compressed = YX.concat(new Uint8Array([2 + (pub[64] & 1)]), pub.subarray(1, 33));
  assert.ok(YX.verify(pub, msg, sig), `OpenSSL signature ${i} verifies`);
  assert.ok(YX.verifier(compressed).verify(msg, sig), `OpenSSL signature ${i} verifies with the compressed key`);
  msg[msg.length - 1] ^= 1;
  assert.ok(!YX.verify(pub, msg, sig), `OpenSSL signature ${i} refused over a changed message`);
}
fs.rmSync(dir2, { recursive: true });
console.log(`[sm.js] SM2 verification (example, ${count} round-trip checks, 6 OpenSSL signatures): ok, ${perVerify.toFixed(2)} ms a check`);
console.log('[sm.js] SM3, SM2 (GB/T 32918.5 and 8 OpenSSL checks), Base45 and CBOR: ok');
