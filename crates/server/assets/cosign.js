// The device's side of two-party SM2 signing, for the signing page (sign.js): the same protocol,
// messages and checks as crates/sign/src/cosign (read its module documentation for the scheme —
// Zhang, He, Zhang, Choo, Frontiers of Computer Science 14(3), 2020 — and the security
// argument). The device holds d1; the service holds d2; neither can sign alone.
//
// What this side must never skip: a fresh k1 for every signature (a nonce used twice gives the
// service the key), and verifying (r, s) under the public key before releasing s (a dishonest
// service could otherwise learn the key from one s). BigInt arithmetic, not constant time: the
// share it handles is useless without the service's. Needs sm.js (YX).
'use strict';
const YXC = (() => {
  const Y = typeof YX !== 'undefined' ? YX : require('./sm.js');
  const { sm3, hex, unhex, concat, utf8, big, be32, n, mod, inv, mulG, lincomb, randomScalar, verifyDigest } = Y;
  const PROTOCOL = utf8('yinxin-cosign/v1');

  const refuse = (code, reason) => Object.assign(new Error(reason), { code });
  const sec1 = (P) => concat(new Uint8Array([4]), be32(P[0]), be32(P[1]));
  function point(h, what) {
    if (typeof h !== 'string' || !/^04[0-9a-f]{128}$/.test(h)) throw refuse('cosign.malformed', what + ' is not an uncompressed SEC1 point');
    try { return Y.pointFromSec1(unhex(h)); } catch { throw refuse('cosign.malformed', what + ' is not a point of the SM2 curve'); }
  }
  function scalar(h, what) {
    if (typeof h !== 'string' || !/^[0-9a-f]{64}$/.test(h)) throw refuse('cosign.malformed', what + ': expected 64 hex digits');
    const v = BigInt('0x' + h);
    if (v < 1n || v >= n) throw refuse('cosign.malformed', what + ' is not in [1, n − 1]');
    return v;
  }
  const u32 = (x) => new Uint8Array([(x >>> 24) & 255, (x >>> 16) & 255, (x >>> 8) & 255, x & 255]);
  // c = SM3("yinxin-cosign/v1" ‖ 0 ‖ label ‖ 0 ‖ len(ctx) ‖ ctx ‖ X ‖ T) mod n
  const challenge = (label, ctx, X, T) =>
    mod(big(sm3(concat(PROTOCOL, new Uint8Array([0]), utf8(label), new Uint8Array([0]), u32(ctx.length), ctx, sec1(X), sec1(T)))), n);

  // Schnorr proof of knowledge of x for X = x·G: c ‖ z, hex.
  function prove(x, X, label, ctx) {
    for (;;) {
      const t = randomScalar(n - 1n);
      const c = challenge(label, ctx, X, mulG(t));
      if (c === 0n) continue;
      return hex(concat(be32(c), be32(mod(t + c * x, n))));
    }
  }
  function checkProof(h, X, label, ctx) {
    if (typeof h !== 'string' || !/^[0-9a-f]{128}$/.test(h)) return false;
    const c = BigInt('0x' + h.slice(0, 64)), z = BigInt('0x' + h.slice(64));
    if (c === 0n || c >= n || z >= n) return false;
    const T = lincomb(z, n - c, X); // z·G − c·X
    return T !== null && challenge(label, ctx, X, T) === c;
  }
  const nonceContext = (session, e) => concat(unhex(session), unhex(e));

  // Enrolment. `id`: the enrolment identifier the service gave (bytes).
  function enrolStart(id) {
    const d1 = randomScalar(n - 1n);
    const w = inv(d1, n);
    const P1 = mulG(w);
    return { pending: { id, d1 }, request: { p1: hex(sec1(P1)), proof: prove(w, P1, 'device-share', id) } };
  }
  // Check the service's share proof and that d1⁻¹·P2 = P + G; returns the share {d1, pub}.
  function enrolFinish(pending, response) {
    const pub = point(response.public_key, 'public key');
    const P2 = point(response.p2, 'P2');
    if (!checkProof(response.proof, P2, 'service-share', pending.id)) throw refuse('cosign.proof', "the service's proof of its share does not verify");
    const mine = lincomb(0n, inv(pending.d1, n), P2);
    const want = lincomb(1n, 1n, pub); // G + P
    if (!mine || !want || mine[0] !== want[0] || mine[1] !== want[1]) {
      throw refuse('cosign.key', "the public key the service returned is not built on this device's share");
    }
    return { d1: pending.d1, pub };
  }

  // Signing, step 1: a fresh k1 and its commitment for session (hex) and e (hex).
  function commit(share, session, e) {
    if (!/^[0-9a-f]{32}$/.test(session) || !/^[0-9a-f]{64}$/.test(e)) throw refuse('cosign.malformed', 'session or digest');
    const k1 = randomScalar(n - 1n);
    const Q1 = mulG(k1);
    const commitment = { session, q1: hex(sec1(Q1)), proof: prove(k1, Q1, 'nonce', nonceContext(session, e)) };
    return { nonce: { session, e, k1, used: false }, commitment };
  }
  // Step 3: s = d1·k1·s2 + d1·s3 − r, released only if (r, s) verifies. Consumes the nonce.
  function finish(share, nonce, answer) {
    if (nonce.used) throw refuse('cosign.nonce', 'this nonce has been used');
    nonce.used = true;
    const k1 = nonce.k1;
    nonce.k1 = 0n;
    if (answer.session !== nonce.session) throw refuse('cosign.session', 'the answer is for another session');
    const r = scalar(answer.r, 'r'), s2 = scalar(answer.s2, 's2'), s3 = scalar(answer.s3, 's3');
    const s = mod(share.d1 * mod(k1 * s2, n) + share.d1 * s3 - r, n);
    if (s === 0n || mod(r + s, n) === 0n || !verifyDigest(share.pub, BigInt('0x' + nonce.e), r, s)) {
      throw refuse('cosign.invalid', 'the combined signature does not verify: the answer was altered or the service is not the one enrolled');
    }
    const signature = hex(concat(be32(r), be32(s)));
    return { signature, completion: { session: nonce.session, signature } };
  }

  // The share as bytes (d1 ‖ P, 97 bytes, as DeviceShare::to_bytes) for encrypted storage.
  const shareToBytes = (share) => concat(be32(share.d1), sec1(share.pub));
  function shareFromBytes(b) {
    if (!(b instanceof Uint8Array) || b.length !== 97) throw refuse('cosign.malformed', 'a device share is 97 bytes');
    const d1 = big(b.subarray(0, 32));
    if (d1 < 1n || d1 >= n) throw refuse('cosign.malformed', 'the device share is out of range');
    return { d1, pub: point(hex(b.subarray(32)), 'public key') };
  }

  return { enrolStart, enrolFinish, commit, finish, shareToBytes, shareFromBytes, publicKeyHex: (share) => hex(sec1(share.pub)) };
})();
if (typeof module !== 'undefined') module.exports = YXC;
