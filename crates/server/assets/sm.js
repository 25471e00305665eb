// SM3, SM2 signing and key generation, CBOR and Base45 for the wallet page: what the holder's
// device needs to make a presentation token (crates/present/src/token.rs) without the service
// ever seeing the device key. BigInt arithmetic; a signature takes a few milliseconds.
// A native app would keep the key in the phone's secure element instead of localStorage.
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

  // ---- the presentation token (crates/present/src/token.rs) ----
  function present(key, credential, disclosures, lifetime, nonce) {
    const iat = Math.floor(Date.now() / 1000);
    const exp = iat + lifetime;
    const presentation = cbor(['yx-vp-1', credential, disclosures, iat, exp, nonce || null]);
    const sig = sign(key, presentation);
    return { text: 'YX1:' + base45(cbor([presentation, sig])), iat, exp };
  }

  return { sm3, sign, keygen, keyFromHex, keyToHex, compressed, hex, unhex, utf8, b64decode, cbor, base45, present };
})();
if (typeof module !== 'undefined') module.exports = YX;
