// SM3, SM2 signing and key generation, CBOR and Base45 for the wallet page: what the holder's
// device needs to sign a presentation token (assembled by present.js, as crates/present's
// token.rs) without the service ever seeing the device key. BigInt arithmetic; a signature takes a few milliseconds.
// A native app would keep the key in the phone's secure element instead of localStorage.
// SM2 verification (GB/T 32918.2 §7.1, as crates/gm's verify_digest) for the officer's offline
// verifier (present.js): SEC1 points (compressed ones decompressed with x^((p+1)/4), since
// p ≡ 3 mod 4), sG + tP by interleaved wNAF (Shamir's trick) with a precomputed table of G's odd
// multiples; a verification is a few milliseconds in V8. Not constant time: it only ever sees
// public data.
'use strict';
const YX = (() => {
  // ---- SM3 (GB/T 32905) ----
  const IV = [0x7380166f, 0x4914b2b9, 0x172442d7, 0xda8a0600, 0xa96f30bc, 0x163138aa, 0xe38dee4d, 0xb0fb0e4e];
  const rotl = (x, n) => { n %= 32; return n === 0 ? x >>> 0 : ((x << n) | (x >>> (32 - n))) >>> 0; };
  const P0 = (x) => (x ^ rotl(x, 9) ^ rotl(x, 17)) >>> 0;
  const P1 = (x) => (x ^ rotl(x, 15) ^ rotl(x, 23)) >>> 0;
  function sm3(bytes) {
    const len = bytes.length;
    const padLen = ((len + 9 + 63) >> 6) << 6;
    const m = new Uint8Array(padLen);
    m.set(bytes);
    m[len] = 0x80;
    const dv = new DataView(m.buffer);
    const bits = len * 8;
    dv.setUint32(padLen - 8, Math.floor(bits / 0x100000000));
    dv.setUint32(padLen - 4, bits >>> 0);
    const V = IV.slice();
    const W = new Uint32Array(68), W1 = new Uint32Array(64);
    for (let off = 0; off < padLen; off += 64) {
      for (let j = 0; j < 16; j++) W[j] = dv.getUint32(off + 4 * j);
      for (let j = 16; j < 68; j++) {
        W[j] = (P1((W[j - 16] ^ W[j - 9] ^ rotl(W[j - 3], 15)) >>> 0) ^ rotl(W[j - 13], 7) ^ W[j - 6]) >>> 0;
      }
      for (let j = 0; j < 64; j++) W1[j] = (W[j] ^ W[j + 4]) >>> 0;
      let [A, B, C, D, E, F, G, H] = V;
      for (let j = 0; j < 64; j++) {
        const T = j < 16 ? 0x79cc4519 : 0x7a879d8a;
        const a12 = rotl(A, 12);
        const SS1 = rotl((a12 + E + rotl(T, j)) >>> 0, 7);
        const SS2 = (SS1 ^ a12) >>> 0;
        const FF = j < 16 ? (A ^ B ^ C) >>> 0 : ((A & B) | (A & C) | (B & C)) >>> 0;
        const GG = j < 16 ? (E ^ F ^ G) >>> 0 : ((E & F) | (~E & G)) >>> 0;
        const TT1 = (FF + D + SS2 + W1[j]) >>> 0;
        const TT2 = (GG + H + SS1 + W[j]) >>> 0;
        D = C; C = rotl(B, 9); B = A; A = TT1;
        H = G; G = rotl(F, 19); F = E; E = P0(TT2);
      }
      const n = [A, B, C, D, E, F, G, H];
      for (let i = 0; i < 8; i++) V[i] = (V[i] ^ n[i]) >>> 0;
    }
    const out = new Uint8Array(32);
    const od = new DataView(out.buffer);
    V.forEach((v, i) => od.setUint32(4 * i, v));
    return out;
  }

  // ---- bytes ----
  const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  const unhex = (s) => new Uint8Array(s.match(/../g).map((h) => parseInt(h, 16)));
  const concat = (...parts) => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) { out.set(p, o); o += p.length; }
    return out;
  };
  const utf8 = (s) => new TextEncoder().encode(s);
  const b64decode = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
  const big = (b) => BigInt('0x' + (hex(b) || '0'));
  const be32 = (n) => unhex(n.toString(16).padStart(64, '0'));

  // ---- SM2 (GB/T 32918), the recommended curve ----
  const p = BigInt('0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF');
  const a = p - 3n;
  const b = BigInt('0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93');
  const n = BigInt('0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123');
  const G = [BigInt('0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7'),
    BigInt('0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0')];
  const mod = (x, m) => { const r = x % m; return r < 0n ? r + m : r; };
  function pow(x, e, m) {
    let r = 1n; x = mod(x, m);
    while (e > 0n) { if (e & 1n) r = (r * x) % m; x = (x * x) % m; e >>= 1n; }
    return r;
  }
  const inv = (x, m) => pow(x, m - 2n, m); // m is prime
  // Jacobian coordinates; Z = 0 is the point at infinity. a = -3.
  function dbl([X, Y, Z]) {
    if (Z === 0n || Y === 0n) return [1n, 1n, 0n];
    const delta = (Z * Z) % p, gamma = (Y * Y) % p, beta = (X * gamma) % p;
    const alpha = (3n * mod(X - delta, p) * ((X + delta) % p)) % p;
    const X3 = mod(alpha * alpha - 8n * beta, p);
    const Z3 = mod((Y + Z) * (Y + Z) - gamma - delta, p);
    const Y3 = mod(alpha * mod(4n * beta - X3, p) - 8n * ((gamma * gamma) % p), p);
    return [X3, Y3, Z3];
  }
  function addAffine(P, [x2, y2]) {
    const [X1, Y1, Z1] = P;
    if (Z1 === 0n) return [x2, y2, 1n];
    const Z1Z1 = (Z1 * Z1) % p;
    const U2 = (x2 * Z1Z1) % p, S2 = (y2 * Z1 * Z1Z1) % p;
    const H = mod(U2 - X1, p), r = mod(S2 - Y1, p);
    if (H === 0n) return r === 0n ? dbl(P) : [1n, 1n, 0n];
    const HH = (H * H) % p, HHH = (H * HH) % p, V = (X1 * HH) % p;
    const X3 = mod(r * r - HHH - 2n * V, p);
    const Y3 = mod(r * mod(V - X3, p) - Y1 * HHH, p);
    return [X3, Y3, (Z1 * H) % p];
  }
  function mulG(k) {
    let R = [1n, 1n, 0n];
    for (let i = 255; i >= 0; i--) {
      R = dbl(R);
      if ((k >> BigInt(i)) & 1n) R = addAffine(R, G);
    }
    const zi = inv(R[2], p), zi2 = (zi * zi) % p;
    return [(R[0] * zi2) % p, (R[1] * zi2 * zi) % p];
  }
  function randomScalar(max) {
    for (;;) {
      const r = new Uint8Array(32);
      crypto.getRandomValues(r);
      const k = big(r);
      if (k >= 1n && k <= max) return k;
    }
  }
  const ID = utf8('1234567812345678');
  function z(pub) {
    return sm3(concat(new Uint8Array([0x00, 0x80]), ID, be32(a), be32(b), be32(G[0]), be32(G[1]), be32(pub[0]), be32(pub[1])));
  }
  // A key: {d, pub: [x, y]}.
  function keygen() {
    const d = randomScalar(n - 2n);
    return { d, pub: mulG(d) };
  }
  function keyFromHex(h) { const d = BigInt('0x' + h); return { d, pub: mulG(d) }; }
  const keyToHex = (k) => k.d.toString(16).padStart(64, '0');
  const compressed = (k) => concat(new Uint8Array([2 + Number(k.pub[1] & 1n)]), be32(k.pub[0]));
  // SM2 signature over msg (Uint8Array) with the default user ID: r‖s, 64 bytes. `fixedK` is
  // for the standard's test vector only.
  function sign(key, msg, fixedK) {
    const e = big(sm3(concat(z(key.pub), msg)));
    const dinv = inv(key.d + 1n, n);
    for (;;) {
      const k = fixedK ?? randomScalar(n - 1n);
      const [x1] = mulG(k);
      const r = mod(e + x1, n);
      if (r === 0n || r + k === n) continue;
      const s = mod(dinv * mod(k - r * key.d, n), n);
      if (s === 0n) continue;
      return concat(be32(r), be32(s));
    }
  }

  // ---- SM2 verification (GB/T 32918.2 §7.1) ----
  // Field arithmetic on values in [0, p); Jacobian points [X, Y, Z], Z = 0 the point at infinity.
  const INF = [1n, 1n, 0n];
  const fsub = (x, y) => { const r = x - y; return r < 0n ? r + p : r; };
  function jdbl(P) {
    const [X, Y, Z] = P;
    if (Z === 0n) return P;
    const delta = (Z * Z) % p, gamma = (Y * Y) % p, beta = (X * gamma) % p;
    const alpha = (3n * fsub(X, delta) * (X + delta)) % p; // a = -3
    const X3 = (alpha * alpha + 8n * (p - beta)) % p;
    const Z3 = ((Y + Z) * (Y + Z) + 2n * p - gamma - delta) % p;
    const Y3 = (alpha * fsub((4n * beta) % p, X3) + 8n * (p - (gamma * gamma) % p)) % p;
    return [X3, Y3, Z3];
  }
  // P + q, q affine [x, y].
  function jmadd(P, q) {
    const [X1, Y1, Z1] = P;
    if (Z1 === 0n) return [q[0], q[1], 1n];
    const Z1Z1 = (Z1 * Z1) % p;
    const H = fsub((q[0] * Z1Z1) % p, X1);
    const r = fsub((q[1] * ((Z1 * Z1Z1) % p)) % p, Y1);
    if (H === 0n) return r === 0n ? jdbl(P) : INF;
    const HH = (H * H) % p, HHH = (H * HH) % p, V = (X1 * HH) % p;
    const X3 = (r * r + 3n * p - HHH - 2n * V) % p;
    const Y3 = (r * fsub(V, X3) + p * p - Y1 * HHH) % p;
    return [X3, Y3, (Z1 * H) % p];
  }
  // P + Q, both Jacobian.
  function jadd(P, Q) {
    if (P[2] === 0n) return Q;
    if (Q[2] === 0n) return P;
    const [X1, Y1, Z1] = P, [X2, Y2, Z2] = Q;
    const Z1Z1 = (Z1 * Z1) % p, Z2Z2 = (Z2 * Z2) % p;
    const U1 = (X1 * Z2Z2) % p, U2 = (X2 * Z1Z1) % p;
    const S1 = (Y1 * ((Z2 * Z2Z2) % p)) % p, S2 = (Y2 * ((Z1 * Z1Z1) % p)) % p;
    const H = fsub(U2, U1), r = fsub(S2, S1);
    if (H === 0n) return r === 0n ? jdbl(P) : INF;
    const HH = (H * H) % p, HHH = (H * HH) % p, V = (U1 * HH) % p;
    const X3 = (r * r + 3n * p - HHH - 2n * V) % p;
    const Y3 = (r * fsub(V, X3) + p * p - S1 * HHH) % p;
    return [X3, Y3, (((Z1 * Z2) % p) * H) % p];
  }
  const jneg = (P) => [P[0], P[1] === 0n ? 0n : p - P[1], P[2]];
  const aneg = (q) => [q[0], q[1] === 0n ? 0n : p - q[1]];
  // Jacobian points to affine with one inversion (Montgomery's trick). None may be infinity.
  function toAffine(pts) {
    const acc = new Array(pts.length);
    let t = 1n;
    for (let i = 0; i < pts.length; i++) { acc[i] = t; t = (t * pts[i][2]) % p; }
    let ti = inv(t, p);
    const out = new Array(pts.length);
    for (let i = pts.length - 1; i >= 0; i--) {
      const zi = (ti * acc[i]) % p;
      ti = (ti * pts[i][2]) % p;
      const zi2 = (zi * zi) % p;
      out[i] = [(pts[i][0] * zi2) % p, (((pts[i][1] * zi2) % p) * zi) % p];
    }
    return out;
  }
  // The odd multiples P, 3P, …, (2^(w-1) - 1)P of a Jacobian point.
  function oddMultiples(P, w) {
    const P2 = jdbl(P), out = [P];
    for (let i = 1; i < 1 << (w - 2); i++) out.push(jadd(out[i - 1], P2));
    return out;
  }
  // Width-w NAF digits of k ≥ 0, least significant first.
  function wnaf(k, w) {
    const out = [], W = 1 << w, half = W >> 1, mask = BigInt(W - 1);
    while (k > 0n) {
      let d = 0;
      if (k & 1n) {
        d = Number(k & mask);
        if (d >= half) d -= W;
        k -= BigInt(d);
      }
      out.push(d);
      k >>= 1n;
    }
    return out;
  }
  const WG = 8; // G's table: 128 affine odd multiples, made on first use
  let GT = null;
  const gTable = () => GT || (GT = toAffine(oddMultiples([G[0], G[1], 1n], WG)));
  const WP = 5;
  // sG + tP, where tbl = {w, pts, affine} holds P's odd multiples.
  function mulAdd(s, t, tbl) {
    const gt = gTable(), ns = wnaf(s, WG), nt = wnaf(t, tbl.w);
    let R = INF;
    for (let i = Math.max(ns.length, nt.length) - 1; i >= 0; i--) {
      R = jdbl(R);
      const a = ns[i];
      if (a) R = jmadd(R, a > 0 ? gt[a >> 1] : aneg(gt[-a >> 1]));
      const b = nt[i];
      if (b) {
        const q = tbl.pts[Math.abs(b) >> 1];
        if (tbl.affine) R = jmadd(R, b > 0 ? q : aneg(q));
        else R = jadd(R, b > 0 ? q : jneg(q));
      }
    }
    return R;
  }
  const onCurve = (x, y) => (y * y) % p === (((x * x) % p) * x + a * x + b) % p;
  // A public key from an SEC1 point (65 bytes uncompressed, 33 compressed), checked to be on the
  // curve, as crates/gm's Sm2PublicKey::from_sec1; throws with the reason otherwise.
  function pointFromSec1(bytes) {
    const bad = (why) => new Error('SM2 public key encoding is invalid: ' + why);
    if (bytes.length === 0) throw bad('empty');
    if (bytes.length === 1 && bytes[0] === 0) throw new Error('SM2 public key is the point at infinity');
    const t = bytes[0];
    if (t === 4 && bytes.length === 65) {
      const x = big(bytes.subarray(1, 33)), y = big(bytes.subarray(33));
      if (x >= p || y >= p) throw bad('coordinate not below p');
      if (!onCurve(x, y)) throw new Error('SM2 public key point is not on the curve');
      return [x, y];
    }
    if ((t === 2 || t === 3) && bytes.length === 33) {
      const x = big(bytes.subarray(1));
      if (x >= p) throw bad('coordinate not below p');
      const rhs = (((x * x) % p) * x + a * x + b) % p;
      let y = pow(rhs, (p + 1n) / 4n, p); // p ≡ 3 (mod 4)
      if ((y * y) % p !== rhs) throw new Error('SM2 public key point is not on the curve');
      if (Number(y & 1n) !== (t & 1)) y = p - y;
      return [x, y];
    }
    if (t >= 2 && t <= 4) throw bad('wrong length for the point form');
    throw bad('unknown SEC1 point form');
  }
  // e = SM3(Z ‖ M) as an integer.
  const digestE = (zv, msg) => big(sm3(concat(zv, msg)));
  function verifyWith(tbl, e, r, s) {
    if (r < 1n || r >= n || s < 1n || s >= n) return false; // B1, B2
    const t = (r + s) % n; // B5
    if (t === 0n) return false;
    const R = mulAdd(s, t, tbl); // B6
    if (R[2] === 0n) return false;
    // B7: (e + x1) mod n = r ⇔ x1 ≡ r - e (mod n); x1 < p < 2n, so x1 is c or c + n.
    const z2 = (R[2] * R[2]) % p;
    const c = mod(r - e, n);
    if (R[0] === (c * z2) % p) return true;
    return c + n < p && R[0] === ((c + n) * z2) % p;
  }
  const sigParts = (sig) => sig.length === 64 ? [big(sig.subarray(0, 32)), big(sig.subarray(32))] : null;
  // A verifier for one public key ([x, y], or SEC1 bytes) and the default user ID: Z and a table of
  // the key's multiples are computed once. verify(msg, sig) takes r‖s (64 bytes), or [r, s].
  function verifier(pub) {
    if (pub instanceof Uint8Array) pub = pointFromSec1(pub);
    else if (!onCurve(pub[0], pub[1]) || pub[0] >= p || pub[1] >= p) throw new Error('SM2 public key point is not on the curve');
    const zv = z(pub);
    let tbl = null;
    const table = () => tbl || (tbl = { w: WP, pts: toAffine(oddMultiples([pub[0], pub[1], 1n], WP)), affine: true });
    return {
      pub,
      z: zv,
      verify(msg, sig) {
        const rs = Array.isArray(sig) ? sig : sigParts(sig);
        return !!rs && verifyWith(table(), digestE(zv, msg), rs[0], rs[1]);
      },
    };
  }
  // e (an integer) against r, s for a public key [x, y]: the device's check of a two-party
  // signature before it releases s (cosign.js).
  const verifyDigest = (pub, e, r, s) => verifyWith({ w: WP, pts: oddMultiples([pub[0], pub[1], 1n], WP), affine: false }, e, r, s);
  // k·P and a·G + b·P for public values ([x, y] affine, or null at infinity), for the proofs of
  // the two-party protocol (cosign.js).
  function lincomb(s, t, pub) {
    const R = mulAdd(mod(s, n), mod(t, n), { w: WP, pts: oddMultiples([pub[0], pub[1], 1n], WP), affine: false });
    return R[2] === 0n ? null : toAffine([R])[0];
  }

  // One verification, without keeping tables.
  function verify(pub, msg, sig) {
    if (pub instanceof Uint8Array) pub = pointFromSec1(pub);
    else if (!onCurve(pub[0], pub[1]) || pub[0] >= p || pub[1] >= p) return false;
    const rs = Array.isArray(sig) ? sig : sigParts(sig);
    if (!rs) return false;
    const tbl = { w: WP, pts: oddMultiples([pub[0], pub[1], 1n], WP), affine: false };
    return verifyWith(tbl, digestE(z(pub), msg), rs[0], rs[1]);
  }

  // ---- CBOR (RFC 8949): the subset tokens use ----
  function head(major, len) {
    const m = major << 5;
    if (len < 24) return [m | len];
    if (len < 0x100) return [m | 24, len];
    if (len < 0x10000) return [m | 25, len >> 8, len & 255];
    if (len < 0x100000000) return [m | 26, (len >>> 24) & 255, (len >>> 16) & 255, (len >>> 8) & 255, len & 255];
    throw new Error('CBOR: value too large');
  }
  function cbor(v) {
    if (v === null) return new Uint8Array([0xf6]);
    if (typeof v === 'number') return new Uint8Array(head(0, v));
    if (typeof v === 'string') { const u = utf8(v); return concat(new Uint8Array(head(3, u.length)), u); }
    if (v instanceof Uint8Array) return concat(new Uint8Array(head(2, v.length)), v);
    if (Array.isArray(v)) return concat(new Uint8Array(head(4, v.length)), ...v.map(cbor));
    throw new Error('CBOR: unsupported value');
  }

  // ---- Base45 (RFC 9285) ----
  const B45 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';
  function base45(bytes) {
    let out = '';
    for (let i = 0; i < bytes.length; i += 2) {
      if (i + 1 < bytes.length) {
        let x = bytes[i] * 256 + bytes[i + 1];
        for (let j = 0; j < 3; j++) { out += B45[x % 45]; x = Math.floor(x / 45); }
      } else {
        let x = bytes[i];
        for (let j = 0; j < 2; j++) { out += B45[x % 45]; x = Math.floor(x / 45); }
      }
    }
    return out;
  }

  return {
    sm3, sign, keygen, keyFromHex, keyToHex, compressed, hex, unhex, utf8, b64decode, cbor, base45,
    verify, verifier, pointFromSec1, z, big, be32, concat, n, p,
    mulG, lincomb, verifyDigest, randomScalar, inv, mod,
  };
})();
if (typeof module !== 'undefined') module.exports = YX;
