// The officer's offline 亮证 verifier in the browser: a presentation token checked against a trust
// bundle with no network, check for check as the Rust verifier does. It mirrors
//   crates/present/src/bundle.rs  Bundle::open           → openBundle
//   crates/present/src/verify.rs  Verifier::new, verify  → newVerifier, verifier.verify
//   crates/present/src/{token,credential,claims,merkle,status,cbor,base45}.rs (formats 1 and 2)
//   crates/pki/src/chain.rs       validate_chain (DocumentSigning, CRLs if available, time "now")
//   crates/pki/src/{cert,crl,tlv}.rs as they read certificates and CRLs (x509-parser)
//   crates/pki/src/report.rs      Check::{pass,fail,fail_by,indeterminate}, conclude
// with the same check ids, order, outcomes, sub-indications and reasons. CBOR is read as
// ciborium 0.2 reads it into a Value (so a token Rust accepts, this accepts), JSON as serde_json
// reads the bundle's structs (deny_unknown_fields, duplicate fields refused), Base64 as the base64
// crate's STANDARD engine (padding and trailing bits canonical). Status lists are inflated with
// the browser's DecompressionStream('deflate') (zlib), bounded as Bits::decompress is.
// Not mirrored: the bundle's log checkpoint is kept as text, its signed note is not verified.
// Needs sm.js (global YX) for SM3 and SM2. Times are Unix seconds.
'use strict';
const YXP = (() => {
  const Y = typeof YX !== 'undefined' ? YX : require('./sm.js'); // eslint-disable-line no-undef
  const { sm3, hex, concat } = Y;

  const QR_PREFIX = 'YX1:';
  const MAX_TEXT = 4296;
  const SALT_LEN = 16;
  const MIN_STATUS_ENTRIES = 131072;
  const MAX_STATUS_ENTRIES = 1 << 24;
  const MAX_TOKEN_LIFETIME = 60n;
  const CLOCK_SKEW = 10n;
  const MAX_BUNDLE = 64 << 20;
  const MAX_CERT_LEN = 64 * 1024;
  const MAX_CRL_LEN = 64 * 1024 * 1024;
  const MAX_CHAIN_LEN = 8;
  const MAX_ISSUER_CANDIDATES = 16;
  const FORMAT = 'yinxin-trust-bundle/1';
  const U64_MAX = (1n << 64n) - 1n;
  const I64_MAX = (1n << 63n) - 1n;
  const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  const utf8len = (s) => new TextEncoder().encode(s).length;
  const bytesEq = (x, y) => {
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
    return true;
  };

  class FormatError extends Error {}
  const ferr = (m) => new FormatError(m);

  // ---- the report (crates/pki/src/report.rs) ----
  // Sub-indications ETSI EN 319 102-1 pairs with TOTAL-FAILED, and those only with it.
  const MAY_FAIL = new Set(['FORMAT_FAILURE', 'EXPIRED', 'NOT_YET_VALID', 'HASH_FAILURE', 'SIG_CRYPTO_FAILURE', 'REVOKED']);
  const FAIL_ONLY = new Set(['HASH_FAILURE', 'SIG_CRYPTO_FAILURE', 'REVOKED']);
  const check = (id, outcome, sub, zh, en) => ({ id, outcome, sub_indication: sub, reason_zh: zh, reason_en: en });
  const Check = {
    pass: (id, zh, en) => check(id, 'PASSED', null, zh, en),
    fail: (id, sub, zh, en) => check(id, MAY_FAIL.has(sub) ? 'FAILED' : 'INDETERMINATE', sub, zh, en),
    failBy: (id, sub, clause, zh, en) => Object.assign(check(id, 'FAILED', sub, zh, en), { clause }),
    indeterminate: (id, sub, zh, en) => check(id, 'INDETERMINATE', FAIL_ONLY.has(sub) ? null : sub, zh, en),
    notApplicable: (id, zh, en) => check(id, 'NOT_APPLICABLE', null, zh, en),
  };
  const about = (c, subject) => Object.assign(c, { subject });
  // The first FAILED check decides; else the first INDETERMINATE one; else PASSED.
  function conclude(checks) {
    const f = checks.find((c) => c.outcome === 'FAILED');
    if (f) return ['FAILED', f.sub_indication];
    const i = checks.find((c) => c.outcome === 'INDETERMINATE');
    if (i) return ['INDETERMINATE', i.sub_indication];
    return ['PASSED', null];
  }

  // ---- times ----
  const pad = (x, n = 2) => String(x).padStart(n, '0');
  // RFC 3339 at an offset (hours), as the time crate writes it; outside years 0–9999 the number.
  function atOffset(t, hours) {
    const v = Number(t) + hours * 3600;
    if (!Number.isFinite(v) || v < -62167219200 || v >= 253402300800) return String(t);
    const d = new Date(Math.floor(v) * 1000);
    const s = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
    return s + (hours === 0 ? 'Z' : `+${pad(hours)}:00`);
  }
  const rfc3339 = (t) => atOffset(t, 0);
  const cst = (t) => atOffset(t, 8);
  const formatInstant = (t) => atOffset(Math.floor(t), 0);
  // age_text (verify.rs): "3分钟" / "3 minutes".
  function ageText(secs) {
    secs = BigInt(secs);
    const [nn, zh, en] = secs >= 86400n ? [secs / 86400n, '天', 'days']
      : secs >= 3600n ? [secs / 3600n, '小时', 'hours']
        : secs >= 60n ? [secs / 60n, '分钟', 'minutes'] : [secs, '秒', 'seconds'];
    return [`${nn}${zh}`, `${nn} ${en}`];
  }

  // ---- CBOR, read as ciborium 0.2 reads a ciborium::Value ----
  // Values: {k: 'int', v: BigInt} | 'bytes' | 'text' | 'array' | 'map' | 'tag' | 'float' | 'bool' | 'null'.
  // Like ciborium: any head length (not only the shortest), indefinite lengths, tags (2 and 3
  // over ≤ 16 bytes are integers), undefined read as null, nesting to 256.
  function cborDecode(bytes, what) {
    let pos = 0, rec = 256;
    const bad = (m) => { throw ferr(`${what}: not CBOR (${m})`); };
    const need = (k) => { if (bytes.length - pos < k) bad('unexpected end of input'); };
    function head() {
      need(1);
      const at = pos, ib = bytes[pos++], major = ib >> 5, ai = ib & 31;
      let val = null;
      if (ai < 24) val = BigInt(ai);
      else if (ai <= 27) {
        const k = 1 << (ai - 24);
        need(k);
        val = 0n;
        for (let i = 0; i < k; i++) val = (val << 8n) | BigInt(bytes[pos++]);
      } else if (ai !== 31) bad(`syntax error at offset ${at}`);
      if (val === null && (major === 0 || major === 1 || major === 6)) bad(`syntax error at offset ${at}`);
      return { major, ai, val, at };
    }
    function take(len) {
      if (len > BigInt(bytes.length - pos)) bad('unexpected end of input');
      const k = Number(len), out = bytes.subarray(pos, pos + k);
      pos += k;
      return out;
    }
    // A byte or text string's segments (ciborium flattens nested indefinite strings too).
    function segments(h) {
      if (h.val !== null) return [take(h.val)];
      const parts = [];
      let nested = 1;
      for (;;) {
        const s = head();
        if (s.major === 7 && s.ai === 31) {
          if (nested === 1) return parts;
          nested--;
          continue;
        }
        if (s.major !== h.major) bad(`syntax error at offset ${s.at}`);
        if (s.val === null) { nested++; continue; }
        parts.push(take(s.val));
      }
    }
    function item() {
      const h = head();
      switch (h.major) {
        case 0: return { k: 'int', v: h.val };
        case 1: return { k: 'int', v: -1n - h.val };
        case 2: return { k: 'bytes', v: concat(...segments(h)) };
        case 3: return {
          k: 'text',
          v: segments(h).map((s) => { try { return UTF8.decode(s); } catch { return bad('invalid UTF-8'); } }).join(''),
        };
        case 4: case 5: {
          if (rec === 0) bad('recursion limit exceeded');
          rec--;
          const out = [];
          for (let i = 0n; ; i++) {
            if (h.val !== null) { if (i === h.val) break; } else {
              need(1);
              if (bytes[pos] === 0xff) { pos++; break; }
            }
            if (h.major === 4) out.push(item());
            else { const key = item(); out.push([key, item()]); }
          }
          rec++;
          return { k: h.major === 4 ? 'array' : 'map', v: out };
        }
        case 6: {
          const tag = h.val, save = pos, nx = head();
          pos = save;
          if ((tag === 2n || tag === 3n) && nx.major === 2 && nx.val !== null && nx.val <= 16n) {
            head();
            let v = 0n;
            for (const x of take(nx.val)) v = (v << 8n) | BigInt(x);
            if (tag === 3n) {
              if (v >= 1n << 127n) bad('integer too large');
              return { k: 'int', v: -1n - v };
            }
            if (v >= 1n << 127n) return { k: 'tag', tag, v: { k: 'bytes', v: Y.be32(v).subarray(16) } };
            return { k: 'int', v };
          }
          if (rec === 0) bad('recursion limit exceeded');
          rec--;
          const inner = item();
          rec++;
          return { k: 'tag', tag, v: inner };
        }
        default: {
          if (h.ai === 31) bad(`unexpected break at offset ${h.at}`);
          if (h.ai >= 25) return { k: 'float' };
          const s = Number(h.val);
          if (s === 20 || s === 21) return { k: 'bool', v: s === 21 };
          if (s === 22 || s === 23) return { k: 'null' };
          return bad(`unknown simple value ${s}`);
        }
      }
    }
    const v = item();
    if (pos !== bytes.length) throw ferr(`${what}: ${bytes.length - pos} bytes after the CBOR item`);
    return v;
  }

  // An array read item by item (cbor.rs Items).
  class Items {
    constructor(v, what, len) {
      if (v.k !== 'array') throw ferr(`${what}: not an array`);
      if (v.v.length !== len) throw ferr(`${what}: ${v.v.length} items where ${len} were expected`);
      this.items = v.v;
      this.i = 0;
      this.what = what;
    }
    next(name) {
      if (this.i >= this.items.length) throw ferr(`${this.what}: ${name} is missing`);
      return this.items[this.i++];
    }
    bytes(name) {
      const v = this.next(name);
      if (v.k !== 'bytes') throw ferr(`${this.what}: ${name} is not a byte string`);
      return v.v;
    }
    fixed(name, len) {
      const b = this.bytes(name);
      if (b.length !== len) throw ferr(`${this.what}: ${name} has ${b.length} bytes, not ${len}`);
      return b;
    }
    text(name) {
      const v = this.next(name);
      if (v.k !== 'text') throw ferr(`${this.what}: ${name} is not text`);
      return v.v;
    }
    optText(name) {
      const v = this.next(name);
      if (v.k === 'text') return v.v;
      if (v.k === 'null') return null;
      throw ferr(`${this.what}: ${name} is neither text nor null`);
    }
    uintOf(v, name) {
      if (v.v < 0n || v.v > U64_MAX) throw ferr(`${this.what}: ${name} is negative`);
      return v.v;
    }
    uint(name) {
      const v = this.next(name);
      if (v.k !== 'int') throw ferr(`${this.what}: ${name} is not an unsigned integer`);
      return this.uintOf(v, name);
    }
    optUint(name) {
      const v = this.next(name);
      if (v.k === 'int') return this.uintOf(v, name);
      if (v.k === 'null') return null;
      throw ferr(`${this.what}: ${name} is neither an unsigned integer nor null`);
    }
    array(name) {
      const v = this.next(name);
      if (v.k !== 'array') throw ferr(`${this.what}: ${name} is not an array`);
      return v.v;
    }
    tag(expected) {
      const t = this.text('format tag');
      if (t !== expected) throw ferr(`${this.what}: format tag ${JSON.stringify(t)}, expected ${JSON.stringify(expected)}`);
    }
  }
  const toI64 = (v, what) => {
    if (v > I64_MAX) throw ferr(`${what} is out of range`);
    return v;
  };
  const toU32 = (v, msg) => {
    if (v > 0xffffffffn) throw ferr(msg);
    return Number(v);
  };

  // ---- Base45 (RFC 9285), as crates/present/src/base45.rs decodes ----
  const B45 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';
  function base45decode(b) {
    const out = [];
    for (let i = 0; i * 3 < b.length; i++) {
      const group = b.subarray(i * 3, i * 3 + 3);
      let v = 0;
      for (let j = group.length - 1; j >= 0; j--) {
        const d = B45.indexOf(String.fromCharCode(group[j]));
        if (group[j] > 127 || d < 0) throw ferr(`character ${i * 3 + j} (${JSON.stringify(String.fromCharCode(group[j]))}) is not Base45`);
        v = v * 45 + d;
      }
      if (group.length === 3 && v <= 0xffff) out.push(v >> 8, v & 255);
      else if (group.length === 2 && v <= 0xff) out.push(v);
      else if (group.length === 1) throw ferr('Base45 text cannot end with a single character');
      else throw ferr(`Base45 group ${i} is out of range`);
    }
    return new Uint8Array(out);
  }

  // ---- Base64 (the base64 crate's STANDARD engine: padded, canonical) and hex ----
  const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const B64V = new Int16Array(128).fill(-1);
  for (let i = 0; i < 64; i++) B64V[B64.charCodeAt(i)] = i;
  function b64decode(s) {
    if (s.length % 4 !== 0) return null;
    let padn = 0;
    while (padn < s.length && s[s.length - 1 - padn] === '=') padn++;
    if (padn > 2) return null;
    const body = s.length - padn, out = new Uint8Array((body * 3) >> 2);
    let acc = 0, bits = 0, o = 0;
    for (let i = 0; i < body; i++) {
      const c = s.charCodeAt(i), v = c < 128 ? B64V[c] : -1;
      if (v < 0) return null;
      acc = ((acc << 6) | v) & 0xffffff;
      bits += 6;
      if (bits >= 8) { bits -= 8; out[o++] = (acc >> bits) & 255; }
    }
    if (bits && (acc & ((1 << bits) - 1))) return null; // trailing bits must be zero
    if (padn && (body % 4) + padn !== 4) return null;
    return out;
  }
  function hexdecode(s) {
    if (s.length % 2 || !/^[0-9a-fA-F]*$/.test(s)) return null;
    const out = new Uint8Array(s.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(s.substr(2 * i, 2), 16);
    return out;
  }

  // ---- JSON, as serde_json reads a derived struct ----
  // Values: {t: 'object', v: [[key, value]…]} | 'array' | 'string' | 'int' (BigInt) | 'float' | 'bool' | 'null'.
  function parseJson(text) {
    let i = 0, depth = 0;
    const bad = (m) => { throw ferr(`${m} at character ${i}`); };
    const ws = () => {
      for (; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c !== 32 && c !== 9 && c !== 10 && c !== 13) break;
      }
    };
    function string() {
      i++;
      let out = '';
      for (;;) {
        if (i >= text.length) bad('EOF while parsing a string');
        const c = text.charCodeAt(i);
        if (c === 34) { i++; return out; }
        if (c < 0x20) bad('control character (\\u0000-\\u001F) found while parsing a string');
        if (c !== 92) { out += text[i++]; continue; }
        const e = text[i + 1];
        i += 2;
        const simple = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' }[e];
        if (simple !== undefined) { out += simple; continue; }
        if (e !== 'u') bad('invalid escape');
        const u4 = () => {
          const h = text.substr(i, 4);
          if (!/^[0-9a-fA-F]{4}$/.test(h)) bad('invalid escape');
          i += 4;
          return parseInt(h, 16);
        };
        const u = u4();
        if (u >= 0xdc00 && u <= 0xdfff) bad('lone leading surrogate in hex escape');
        if (u >= 0xd800 && u <= 0xdbff) {
          if (text[i] !== '\\' || text[i + 1] !== 'u') bad('unexpected end of hex escape');
          i += 2;
          const l = u4();
          if (l < 0xdc00 || l > 0xdfff) bad('lone leading surrogate in hex escape');
          out += String.fromCharCode(u, l);
        } else out += String.fromCharCode(u);
      }
    }
    function value() {
      ws();
      if (i >= text.length) bad('EOF while parsing a value');
      const c = text[i];
      if (c === '{' || c === '[') {
        if (++depth > 128) bad('recursion limit exceeded');
        i++;
        const close = c === '{' ? '}' : ']', out = [];
        ws();
        if (text[i] === close) i++;
        else {
          for (;;) {
            if (c === '{') {
              ws();
              if (text[i] !== '"') bad('key must be a string');
              const k = string();
              ws();
              if (text[i] !== ':') bad('expected `:`');
              i++;
              out.push([k, value()]);
            } else out.push(value());
            ws();
            if (text[i] === ',') { i++; continue; }
            if (text[i] === close) { i++; break; }
            bad(`expected \`,\` or \`${close}\``);
          }
        }
        depth--;
        return { t: c === '{' ? 'object' : 'array', v: out };
      }
      if (c === '"') return { t: 'string', v: string() };
      for (const [w, v] of [['true', { t: 'bool', v: true }], ['false', { t: 'bool', v: false }], ['null', { t: 'null' }]]) {
        if (text.startsWith(w, i)) { i += w.length; return v; }
      }
      const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i, i + 400));
      if (!m || /^-?0[0-9]/.test(text.slice(i, i + 3))) bad('expected value');
      i += m[0].length;
      if (m[2] || m[3]) return { t: 'float' };
      const v = BigInt(m[0]);
      return v > U64_MAX || v < -(1n << 63n) ? { t: 'float' } : { t: 'int', v };
    }
    const v = value();
    ws();
    if (i !== text.length) bad('trailing characters');
    return v;
  }
  const jsonKind = (v) => ({ object: 'map', array: 'sequence', string: 'string', int: 'integer', float: 'floating point', bool: 'boolean', null: 'null' })[v.t];
  const JT = {
    string: (v, f) => { if (v.t !== 'string') throw ferr(`invalid type: ${jsonKind(v)}, expected a string (field ${f})`); return v.v; },
    i64: (v, f) => {
      if (v.t !== 'int') throw ferr(`invalid type: ${jsonKind(v)}, expected i64 (field ${f})`);
      if (v.v > I64_MAX) throw ferr(`invalid value: integer \`${v.v}\`, expected i64 (field ${f})`);
      return Number(v.v);
    },
    strings: (v, f) => {
      if (v.t !== 'array') throw ferr(`invalid type: ${jsonKind(v)}, expected a sequence (field ${f})`);
      return v.v.map((x) => JT.string(x, f));
    },
    optString: (v, f) => (v.t === 'null' ? null : JT.string(v, f)),
    stringMap: (v, f) => {
      if (v.t !== 'object') throw ferr(`invalid type: ${jsonKind(v)}, expected a map (field ${f})`);
      const m = new Map();
      for (const [k, x] of v.v) m.set(k, JT.string(x, f));
      return m;
    },
    issuers: (v, f) => {
      if (v.t !== 'array') throw ferr(`invalid type: ${jsonKind(v)}, expected a sequence (field ${f})`);
      return v.v.map((x) => struct(x, 'IssuerEntry', [['code', 'string'], ['name', 'string'], ['types', 'strings'], ['cert', 'string']]));
    },
  };
  // A struct with #[serde(deny_unknown_fields)]; fields [name, type, optional (#[serde(default)])].
  // Like serde's derive, a JSON array gives the fields in order.
  function struct(v, name, fields) {
    if (v.t === 'array') {
      const out = {};
      fields.forEach(([k, type, optional], i) => {
        if (i < v.v.length) out[k] = JT[type](v.v[i], k);
        else if (optional) out[k] = null;
        else throw ferr(`invalid length ${v.v.length}, expected struct ${name} with ${fields.length} elements`);
      });
      if (v.v.length > fields.length) throw ferr('invalid length: trailing elements');
      return out;
    }
    if (v.t !== 'object') throw ferr(`invalid type: ${jsonKind(v)}, expected struct ${name}`);
    const out = {}, seen = new Set();
    for (const [k, x] of v.v) {
      const f = fields.find((ff) => ff[0] === k);
      if (!f) throw ferr(`unknown field \`${k}\`, expected one of ${fields.map((ff) => '`' + ff[0] + '`').join(', ')}`);
      if (seen.has(k)) throw ferr(`duplicate field \`${k}\``);
      seen.add(k);
      out[k] = JT[f[1]](x, k);
    }
    for (const [k, , optional] of fields) {
      if (!seen.has(k)) {
        if (!optional) throw ferr(`missing field \`${k}\``);
        out[k] = null;
      }
    }
    return out;
  }

  // ---- DER (certificates and CRLs as x509-parser reads them) ----
  class DerError extends Error {}
  const derr = (m) => new DerError(m);
  // One element: {tag (first octet), num, cons, start, hdr (value start), end}.
  function derRead(buf, pos, end, headerOnly) {
    if (pos >= end) throw derr('unexpected end of input');
    const tag = buf[pos];
    let q = pos + 1, num = tag & 31;
    if (num === 31) {
      num = 0;
      for (;;) {
        if (q >= end) throw derr('unexpected end of input');
        const c = buf[q++];
        num = num * 128 + (c & 127);
        if (num > 0x7fffffff) throw derr('tag too large');
        if (!(c & 128)) break;
      }
    }
    if (q >= end) throw derr('unexpected end of input');
    let len = buf[q++];
    if (len === 0x80) throw derr('indefinite length in DER');
    if (len > 0x80) {
      const k = len & 127;
      if (k > 4 || q + k > end) throw derr('invalid length');
      if (buf[q] === 0) throw derr('non-minimal length');
      len = 0;
      for (let j = 0; j < k; j++) len = len * 256 + buf[q++];
      if (len < 128) throw derr('non-minimal length');
    }
    if (!headerOnly && q + len > end) throw derr('unexpected end of input');
    return { tag, num, cons: !!(tag & 32), start: pos, hdr: q, end: q + len };
  }
  const derExpect = (buf, pos, end, tag, what) => {
    const e = derRead(buf, pos, end);
    if (e.tag !== tag) throw derr(`${what}: unexpected tag`);
    return e;
  };
  function derChildren(buf, e) {
    const out = [];
    for (let q = e.hdr; q < e.end;) {
      const c = derRead(buf, q, e.end);
      out.push(c);
      q = c.end;
    }
    return out;
  }
  function oidString(b) {
    if (b.length === 0) throw derr('empty OID');
    const arcs = [];
    let v = 0n;
    for (let i = 0; i < b.length; i++) {
      if (v === 0n && b[i] === 0x80) throw derr('non-minimal OID');
      v = (v << 7n) | BigInt(b[i] & 127);
      if (!(b[i] & 128)) {
        if (!arcs.length) { if (v < 80n) arcs.push(v / 40n, v % 40n); else arcs.push(2n, v - 80n); } else arcs.push(v);
        v = 0n;
      } else if (i === b.length - 1) throw derr('truncated OID');
    }
    return arcs.join('.');
  }
  const derOid = (buf, e) => {
    if (e.tag !== 0x06) throw derr('expected an OID');
    return oidString(buf.subarray(e.hdr, e.end));
  };
  function derU32(buf, e) {
    if (e.tag !== 0x02) throw derr('expected an INTEGER');
    const v = buf.subarray(e.hdr, e.end);
    if (!v.length || v[0] & 0x80) throw derr('negative or empty INTEGER');
    if (v.length > 1 && v[0] === 0 && !(v[1] & 0x80)) throw derr('non-minimal INTEGER');
    let x = 0;
    for (const c of v) { x = x * 256 + c; if (x > 0xffffffff) throw derr('INTEGER too large'); }
    return x;
  }
  function derBitString(buf, e) {
    if (e.tag !== 0x03) throw derr('expected a BIT STRING');
    if (e.end === e.hdr) throw derr('empty BIT STRING');
    const unused = buf[e.hdr];
    if (unused > 7) throw derr('invalid BIT STRING');
    return { unused, data: buf.subarray(e.hdr + 1, e.end) };
  }
  // AlgorithmIdentifier ::= SEQUENCE { algorithm OID, parameters ANY OPTIONAL }
  function algId(buf, pos, end) {
    const e = derExpect(buf, pos, end, 0x30, 'AlgorithmIdentifier');
    const oid = derOid(buf, derRead(buf, e.hdr, e.end));
    return { e, oid };
  }
  // Name ::= SEQUENCE OF SET OF SEQUENCE { type OID, value ANY }
  function parseName(buf, pos, end) {
    const e = derExpect(buf, pos, end, 0x30, 'Name');
    for (const rdn of derChildren(buf, e)) {
      if (rdn.tag !== 0x31) throw derr('Name: expected a SET');
      for (const atv of derChildren(buf, rdn)) {
        if (atv.tag !== 0x30) throw derr('Name: expected a SEQUENCE');
        const oid = derRead(buf, atv.hdr, atv.end);
        derOid(buf, oid);
        derRead(buf, oid.end, atv.end);
      }
    }
    return e;
  }
  const ATTRIBUTES = { '2.5.4.6': 'C', '2.5.4.8': 'ST', '2.5.4.7': 'L', '2.5.4.10': 'O', '2.5.4.11': 'OU', '2.5.4.3': 'CN', '2.5.4.5': 'serialNumber', '2.5.4.97': 'organizationIdentifier' };
  const STRING_TAGS = new Set([0x0c, 0x12, 0x13, 0x16, 0x1a]);
  // name.rs display_name: "C=CN, O=…, CN=…".
  function displayName(der) {
    try {
      const e = derRead(der, 0, der.length), parts = [];
      for (const rdn of derChildren(der, e)) {
        for (const atv of derChildren(der, rdn)) {
          const o = derRead(der, atv.hdr, atv.end), oid = derOid(der, o), v = derRead(der, o.end, atv.end);
          const raw = der.subarray(v.hdr, v.end);
          let s;
          try { s = STRING_TAGS.has(v.tag) ? UTF8.decode(raw) : hex(raw); } catch { s = hex(raw); }
          parts.push(`${ATTRIBUTES[oid] || oid}=${s}`);
        }
      }
      return parts.join(', ');
    } catch {
      return `<unparsable name ${hex(der)}>`;
    }
  }
  // UTCTime / GeneralizedTime → Unix seconds.
  function derTime(buf, e) {
    const s = String.fromCharCode(...buf.subarray(e.hdr, e.end));
    let m, year;
    if (e.tag === 0x17) {
      m = /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(s);
      if (!m) throw derr('invalid UTCTime');
      year = +m[1] < 50 ? 2000 + +m[1] : 1900 + +m[1];
    } else if (e.tag === 0x18) {
      m = /^(\d\d\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\.\d*[1-9])?Z$/.exec(s);
      if (!m) throw derr('invalid GeneralizedTime');
      year = +m[1];
    } else throw derr('expected a time');
    const [mo, d, h, mi, se] = m.slice(2, 7).map(Number);
    const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
    const mdays = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1];
    if (mo < 1 || mo > 12 || d < 1 || d > mdays || h > 23 || mi > 59 || se > 59) throw derr('invalid time');
    // Days from 1970-01-01 in the proleptic Gregorian calendar.
    const y = mo <= 2 ? year - 1 : year, era = Math.floor(y / 400), yoe = y - era * 400;
    const doy = Math.floor((153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5) + d - 1;
    const days = era * 146097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719468;
    const frac = e.tag === 0x18 && m[7] ? Number('0' + m[7]) : 0;
    return days * 86400 + h * 3600 + mi * 60 + se + frac;
  }
  // crates/pki/src/tlv.rs: single-octet tags, definite lengths of up to 4 octets, no minimality.
  function tlvRead(buf, pos, end) {
    if (pos >= end) return null;
    const tag = buf[pos];
    if ((tag & 0x1f) === 0x1f || pos + 1 >= end) return null;
    let q = pos + 2, len = buf[pos + 1];
    if (len >= 0x81 && len <= 0x84) {
      const k = len & 0x7f;
      if (end - q < k) return null;
      len = 0;
      for (let j = 0; j < k; j++) len = len * 256 + buf[q++];
    } else if (len > 0x7f) return null;
    if (end - q < len) return null;
    return { tag, start: pos, hdr: q, end: q + len };
  }
  function tlvChildren(buf, pos, end) {
    const out = [];
    while (pos < end) {
      const t = tlvRead(buf, pos, end);
      if (!t) return null;
      out.push(t);
      pos = t.end;
    }
    return out;
  }
  // cert.rs algorithms_agree: the outer AlgorithmIdentifier equals the one inside the signed part.
  function algorithmsAgree(der, versionIsTagged) {
    const outer = tlvRead(der, 0, der.length);
    if (!outer) return false;
    const parts = tlvChildren(der, outer.hdr, outer.end);
    if (!parts || parts.length < 2) return false;
    const fields = tlvChildren(der, parts[0].hdr, parts[0].end);
    if (!fields) return false;
    let inner;
    if (versionIsTagged) inner = fields.filter((t, i) => !fields.slice(0, i + 1).every((u) => u.tag === 0xa0))[1];
    else inner = fields.find((t) => t.tag === 0x30);
    return !!inner && bytesEq(der.subarray(inner.start, inner.end), der.subarray(parts[1].start, parts[1].end));
  }
  const stripZeros = (b) => {
    let i = 0;
    while (i < b.length - 1 && b[i] === 0) i++;
    return b.subarray(i);
  };
  // gm's Sm2PublicKey::from_spki_der (strict DER): id-ecPublicKey with the SM2 curve, or the SM2 OID.
  function spkiKey(buf, e) {
    const kids = derChildren(buf, e);
    if (kids.length !== 2 || kids[0].tag !== 0x30) throw new Error('key file is not a valid SubjectPublicKeyInfo');
    const ak = derChildren(buf, kids[0]);
    if (ak.length < 1 || ak.length > 2) throw new Error('key file is not a valid SubjectPublicKeyInfo');
    const oid = derOid(buf, ak[0]);
    if (oid !== '1.2.156.10197.1.301') {
      if (oid !== '1.2.840.10045.2.1') throw new Error(`key is not an SM2 key (algorithm or curve ${oid})`);
      if (ak.length !== 2 || ak[1].tag !== 0x06) throw new Error('key file is not a valid EC key: curve parameter is not a named curve OID');
      const curve = derOid(buf, ak[1]);
      if (curve !== '1.2.156.10197.1.301') throw new Error(`key is not an SM2 key (algorithm or curve ${curve})`);
    }
    const bits = derBitString(buf, kids[1]);
    if (bits.unused) throw new Error('SM2 public key encoding is invalid: BIT STRING with unused bits');
    return Y.pointFromSec1(bits.data);
  }
  const KP_TIME_STAMPING = '1.3.6.1.5.5.7.3.8';
  const EKU_NAMES = ['2.5.29.37.0', '1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2', '1.3.6.1.5.5.7.3.3', '1.3.6.1.5.5.7.3.4', KP_TIME_STAMPING, '1.3.6.1.5.5.7.3.9'];
  // Extensions x509-parser knows (a known one that does not parse is a ParseError).
  const X509_PARSER_KNOWN = new Set(['2.5.29.14', '2.5.29.15', '2.5.29.17', '2.5.29.18', '2.5.29.19', '2.5.29.30', '2.5.29.32', '2.5.29.33', '2.5.29.36', '2.5.29.37', '2.5.29.31', '2.5.29.54', '1.3.6.1.5.5.7.1.1', '1.3.6.1.5.5.7.1.11', '2.5.29.35', '1.3.6.1.4.1.11129.2.4.2', '2.16.840.1.113730.1.1', '2.16.840.1.113730.1.13', '2.5.29.20', '2.5.29.21', '2.5.29.24', '2.5.29.28']);
  const UNDERSTOOD = new Set(['2.5.29.31', '2.5.29.32', '2.5.29.17']);
  const RELIED_ON = new Set(['2.5.29.19', '2.5.29.15', '2.5.29.37']);
  // X.509 extensions (RFC 5280 §4.1): [{oid, critical, value}] from the SEQUENCE at pos, which
  // must end at end.
  function parseExtensions(buf, pos, end) {
    const seq = derExpect(buf, pos, end, 0x30, 'Extensions');
    if (seq.end !== end) throw derr('Extensions: trailing data');
    return derChildren(buf, seq).map((x) => {
      if (x.tag !== 0x30) throw derr('Extension: expected a SEQUENCE');
      const o = derRead(buf, x.hdr, x.end), oid = derOid(buf, o);
      let q = o.end, critical = false;
      const c = derRead(buf, q, x.end);
      if (c.tag === 0x01 && c.end - c.hdr === 1) { critical = buf[c.hdr] !== 0; q = c.end; }
      const v = derExpect(buf, q, x.end, 0x04, 'Extension value');
      return { oid, critical, value: buf.subarray(v.hdr, v.end) };
    });
  }
  // The extensions the chain uses, as x509-parser's parsers read them; null when one does not parse.
  function parseKnown(oid, v) {
    const e = derRead(v, 0, v.length);
    switch (oid) {
      case '2.5.29.19': { // basicConstraints
        if (e.tag !== 0x30) throw derr('basicConstraints');
        const kids = derChildren(v, e);
        const asBool = (k) => {
          if (k.tag !== 0x01 || k.end - k.hdr !== 1 || (v[k.hdr] !== 0 && v[k.hdr] !== 0xff)) return null;
          return v[k.hdr] === 0xff;
        };
        const asU32 = (k) => { try { return derU32(v, k); } catch { return null; } };
        if (kids.length === 0) return [false, null];
        if (kids.length === 1) {
          const bv = asBool(kids[0]);
          if (bv !== null) return [bv, null];
          const u = asU32(kids[0]);
          if (u !== null) return [false, u];
          throw derr('basicConstraints');
        }
        if (kids.length === 2) {
          const bv = asBool(kids[0]), u = asU32(kids[1]);
          if (bv === null || u === null) throw derr('basicConstraints');
          return [bv, u];
        }
        throw derr('basicConstraints');
      }
      case '2.5.29.15': { // keyUsage: x509-parser's bit order, digitalSignature = bit 0
        const { data } = derBitString(v, e);
        const rev = (x) => { let r = 0; for (let i = 0; i < 8; i++) r |= ((x >> i) & 1) << (7 - i); return r; };
        return ((data.length > 0 ? rev(data[0]) : 0) | ((data.length > 1 ? rev(data[1]) : 0) << 8)) & 0xffff;
      }
      case '2.5.29.37': { // extKeyUsage
        if (e.tag !== 0x30) throw derr('extKeyUsage');
        const seen = [];
        for (const k of derChildren(v, e)) { const o = derOid(v, k); if (!seen.includes(o)) seen.push(o); }
        return EKU_NAMES.filter((o) => seen.includes(o)).concat(seen.filter((o) => !EKU_NAMES.includes(o)));
      }
      case '2.5.29.14':
        if (e.tag !== 0x04) throw derr('subjectKeyIdentifier');
        return v.slice(e.hdr, e.end);
      case '2.5.29.35':
        if (e.tag !== 0x30) throw derr('authorityKeyIdentifier');
        derChildren(v, e);
        return null;
      default:
        return null;
    }
  }

  // cert.rs Cert::from_der.
  function parseCert(der) {
    const cerr = (m) => new Error(`certificate does not parse: ${m}`);
    if (der.length > MAX_CERT_LEN) throw cerr(`${der.length} bytes is larger than the ${MAX_CERT_LEN}-byte limit`);
    const c = { der, key: hex(der) };
    let exts;
    try {
      const outer = derExpect(der, 0, der.length, 0x30, 'Certificate');
      if (outer.end !== der.length) throw cerr(`${der.length - outer.end} bytes after the certificate`);
      const tbs = derExpect(der, outer.hdr, outer.end, 0x30, 'TBSCertificate');
      const alg = algId(der, tbs.end, outer.end);
      const sv = derBitString(der, derRead(der, alg.e.end, outer.end));
      if (sv.unused !== 0) throw cerr('signature BIT STRING has unused bits');
      c.tbs = der.subarray(tbs.start, tbs.end);
      c.signature_algorithm = alg.oid;
      c.signature = sv.data;
      let q = tbs.hdr;
      const te = tbs.end;
      let e = derRead(der, q, te);
      c.version = 1;
      if (e.num === 0 && e.tag >> 6 === 2) {
        c.version = derU32(der, derRead(der, e.hdr, e.end)) + 1;
        q = e.end;
        e = derRead(der, q, te);
      }
      if (e.tag !== 0x02) throw derr('invalid serial');
      c.serial = stripZeros(der.slice(e.hdr, e.end));
      q = e.end;
      q = algId(der, q, te).e.end;
      const iss = parseName(der, q, te);
      c.issuer_der = der.subarray(iss.start, iss.end);
      const val = derExpect(der, iss.end, te, 0x30, 'Validity');
      const times = derChildren(der, val);
      if (times.length < 2) throw derr('Validity');
      c.not_before = derTime(der, times[0]);
      c.not_after = derTime(der, times[1]);
      const sub = parseName(der, val.end, te);
      c.subject_der = der.subarray(sub.start, sub.end);
      const spki = derExpect(der, sub.end, te, 0x30, 'SubjectPublicKeyInfo');
      const sk = derChildren(der, spki);
      if (sk.length < 2 || sk[0].tag !== 0x30) throw derr('SubjectPublicKeyInfo');
      derOid(der, derRead(der, sk[0].hdr, sk[0].end));
      derBitString(der, sk[1]);
      try { c.public_key = { ok: spkiKey(der, spki) }; } catch (x) { c.public_key = { err: x.message }; }
      q = spki.end;
      for (const t of [0x81, 0xa1, 0x82, 0xa2]) {
        if (q < te && der[q] === t) q = derRead(der, q, te).end;
      }
      exts = [];
      if (q < te) {
        const x = derRead(der, q, te, true);
        if (x.num !== 3) throw derr('invalid extensions');
        exts = parseExtensions(der, x.hdr, te);
      }
    } catch (x) {
      if (x instanceof DerError) throw cerr(x.message);
      throw x;
    }
    c.basic_constraints = null;
    c.key_usage = null;
    c.ext_key_usage = null;
    c.ext_key_usage_critical = false;
    c.unknown_critical = [];
    for (const x of exts) {
      let parsed;
      try {
        parsed = X509_PARSER_KNOWN.has(x.oid) ? parseKnown(x.oid, x.value) : null;
      } catch (err) {
        if (x.critical || RELIED_ON.has(x.oid)) throw cerr(`extension ${x.oid}: ${err.message}`);
        continue;
      }
      if (x.oid === '2.5.29.19') c.basic_constraints = parsed;
      else if (x.oid === '2.5.29.15') c.key_usage = parsed;
      else if (x.oid === '2.5.29.37') { c.ext_key_usage = parsed; c.ext_key_usage_critical = x.critical; } else if (x.oid === '2.5.29.14' || x.oid === '2.5.29.35') { /* processed */ } else if (x.critical && !UNDERSTOOD.has(x.oid)) c.unknown_critical.push(x.oid);
    }
    c.subject = displayName(c.subject_der);
    c.issuer = displayName(c.issuer_der);
    c.self_issued = bytesEq(c.issuer_der, c.subject_der);
    c.is_ca = !!(c.basic_constraints && c.basic_constraints[0]);
    if (!algorithmsAgree(der, true)) throw cerr('signatureAlgorithm differs from the TBS signature field (RFC 5280 §4.1.1.2)');
    return c;
  }

  // crl.rs Crl::from_der.
  function parseCrl(der) {
    const cerr = (m) => new Error(`CRL does not parse: ${m}`);
    if (der.length > MAX_CRL_LEN) throw cerr(`${der.length} bytes exceeds the limit`);
    const c = { der };
    try {
      const outer = derExpect(der, 0, der.length, 0x30, 'CertificateList');
      if (outer.end !== der.length) throw cerr(`${der.length - outer.end} bytes after the CRL`);
      const tbs = derExpect(der, outer.hdr, outer.end, 0x30, 'TBSCertList');
      const alg = algId(der, tbs.end, outer.end);
      const sv = derBitString(der, derRead(der, alg.e.end, outer.end));
      if (sv.unused !== 0) throw cerr('signature BIT STRING has unused bits');
      c.tbs = der.subarray(tbs.start, tbs.end);
      c.signature_algorithm = alg.oid;
      c.signature = sv.data;
      let q = tbs.hdr;
      const te = tbs.end;
      let e = derRead(der, q, te);
      if (e.tag === 0x02) { derU32(der, e); q = e.end; }
      q = algId(der, q, te).e.end;
      const iss = parseName(der, q, te);
      c.issuer_der = der.subarray(iss.start, iss.end);
      q = iss.end;
      e = derRead(der, q, te);
      c.this_update = derTime(der, e);
      q = e.end;
      c.next_update = null;
      if (q < te && (der[q] === 0x17 || der[q] === 0x18)) {
        e = derRead(der, q, te);
        c.next_update = derTime(der, e);
        q = e.end;
      }
      c.revoked = [];
      if (q < te && der[q] === 0x30) {
        const list = derRead(der, q, te);
        for (const r of derChildren(der, list)) {
          if (r.tag !== 0x30) throw derr('revokedCertificates');
          const s = derExpect(der, r.hdr, r.end, 0x02, 'serial');
          const d = derRead(der, s.end, r.end);
          if (d.end < r.end) parseExtensions(der, d.end, r.end);
          c.revoked.push({ serial: stripZeros(der.slice(s.hdr, s.end)), date: derTime(der, d) });
        }
        q = list.end;
      }
      if (q < te) {
        const x = derRead(der, q, te, true);
        if (x.num !== 0) throw derr('invalid extensions');
        parseExtensions(der, x.hdr, te);
      }
    } catch (x) {
      if (x instanceof DerError) throw cerr(x.message);
      throw x;
    }
    if (!algorithmsAgree(der, false)) throw cerr('signatureAlgorithm differs from the TBS signature field');
    c.issuer = displayName(c.issuer_der);
    return c;
  }

  // gm's Sm2Signature::from_der (strict) and from_bytes (DER, or raw r‖s of 64 bytes): [r, s].
  function sigFromDer(b) {
    let pos = 0;
    const byte = () => { if (pos >= b.length) throw new Error('SM2 signature is truncated'); return b[pos++]; };
    const nc = (m) => new Error(`SM2 signature is not canonical DER: ${m}`);
    const tlv = (tag, wrong, end) => {
      if (byte() !== tag) throw nc(wrong);
      const first = byte();
      let len;
      if (first < 0x80) len = first;
      else if (first === 0x80) throw nc('indefinite length');
      else if (first === 0x81) { len = byte(); if (len < 0x80) throw nc('long-form length where the short form fits'); } else throw nc('length too large for an SM2 signature');
      if (end - pos < len) throw new Error('SM2 signature is truncated');
      const v = b.subarray(pos, pos + len);
      pos += len;
      return v;
    };
    const body = tlv(0x30, 'expected a SEQUENCE', b.length);
    if (pos !== b.length) throw nc('bytes after the SEQUENCE');
    const saveEnd = pos;
    pos = body.byteOffset - b.byteOffset;
    const end = pos + body.length;
    const integer = () => {
      const v = tlv(0x02, 'expected an INTEGER', end);
      if (!v.length) throw nc('empty INTEGER');
      if (v[0] & 0x80) throw nc('negative INTEGER');
      if (v.length > 1 && v[0] === 0 && !(v[1] & 0x80)) throw nc('INTEGER with a superfluous leading zero');
      const w = v[0] === 0 && v.length > 1 ? v.subarray(1) : v;
      return w.length > 32 ? Y.n : Y.big(w);
    };
    const r = integer(), s = integer();
    if (pos !== end) throw nc('extra elements in the SEQUENCE');
    pos = saveEnd;
    return scalars(r, s);
  }
  function scalars(r, s) {
    if (r < 1n || r >= Y.n) throw new Error('SM2 signature r is outside [1, n-1]');
    if (s < 1n || s >= Y.n) throw new Error('SM2 signature s is outside [1, n-1]');
    return [r, s];
  }
  const sigFromRaw = (b) => {
    if (b.length !== 64) throw new Error(`SM2 signature has ${b.length} bytes and is neither DER nor raw r||s (64 bytes)`);
    return scalars(Y.big(b.subarray(0, 32)), Y.big(b.subarray(32)));
  };
  function sigFromBytes(b) {
    if (b[0] === 0x30) {
      try { return sigFromDer(b); } catch (e) { if (b.length !== 64) throw e; }
    }
    if (b.length === 64) return sigFromRaw(b);
    if (!b.length) throw new Error('SM2 signature is truncated');
    throw new Error(`SM2 signature has ${b.length} bytes and is neither DER nor raw r||s (64 bytes)`);
  }
  // A certificate's key as a (cached) verifier with the default user ID, or null.
  const keyVerifier = (c) => {
    if (!c.public_key.ok) return null;
    if (!c.verifierObj) c.verifierObj = Y.verifier(c.public_key.ok);
    return c.verifierObj;
  };
  function verifySig(c, msg, rs) {
    const v = keyVerifier(c);
    return !!v && v.verify(msg, rs);
  }

  // ---- chain validation (crates/pki/src/chain.rs, DocumentSigning, RevocationPolicy::IfAvailable,
  // time source Now, no crl_max_age) ----
  const SM2_WITH_SM3 = '1.2.156.10197.1.501', SM2_SIGN = '1.2.156.10197.1.301.1';
  const KU = { DIGITAL_SIGNATURE: 1, NON_REPUDIATION: 2, KEY_CERT_SIGN: 32, CRL_SIGN: 64 };
  function linkSignature(cert, issuer) {
    const ID = 'cert.signature';
    if (!bytesEq(cert.issuer_der, issuer.subject_der)) {
      return Check.fail(ID, 'CERTIFICATE_CHAIN_GENERAL_FAILURE', `签发者名称“${cert.issuer}”与上级证书主题“${issuer.subject}”不符`,
        `issuer name ${cert.issuer} does not match the issuing certificate's subject ${issuer.subject}`);
    }
    if (cert.signature_algorithm !== SM2_WITH_SM3 && cert.signature_algorithm !== SM2_SIGN) {
      return Check.fail(ID, 'CRYPTO_CONSTRAINTS_FAILURE', `签名算法${cert.signature_algorithm}不是SM2-with-SM3`,
        `signature algorithm ${cert.signature_algorithm} is not SM2-with-SM3`);
    }
    if (!issuer.public_key.ok) return Check.fail(ID, 'CRYPTO_CONSTRAINTS_FAILURE', '签发者公钥不是SM2公钥', 'issuer key is not an SM2 key');
    cert.linkCache = cert.linkCache || new Map();
    let err = cert.linkCache.get(issuer.key);
    if (err === undefined) {
      try {
        const rs = sigFromBytes(cert.signature);
        err = verifySig(issuer, cert.tbs, rs) ? null : 'SM2 signature does not verify';
      } catch (e) { err = e.message; }
      cert.linkCache.set(issuer.key, err);
    }
    if (err === null) return Check.pass(ID, `由“${issuer.subject}”签发，SM2签名有效`, `SM2 signature by ${issuer.subject} is valid`);
    return Check.fail(ID, 'CERTIFICATE_CHAIN_GENERAL_FAILURE', `签发者SM2签名无效：${err}`, `issuer's SM2 signature is invalid: ${err}`);
  }
  function validity(cert, at) {
    const ID = 'cert.validity';
    const nb = formatInstant(cert.not_before), na = formatInstant(cert.not_after), t = formatInstant(at);
    if (at > cert.not_after) {
      return Check.indeterminate(ID, 'OUT_OF_BOUNDS_NO_POE', `${t}时已过期（${na}到期），且无时间证明签名早于到期`,
        `expired at ${t} (valid until ${na}), and no proof of existence before that`);
    }
    if (at < cert.not_before) return Check.fail(ID, 'NOT_YET_VALID', `${t}时尚未生效（生效于${nb}）`, `not yet valid at ${t} (valid from ${nb})`);
    return Check.pass(ID, `${t}时在有效期内（${nb}至${na}）`, `valid at ${t} (${nb} to ${na})`);
  }
  function caConstraints(ca, below) {
    const ID = 'ca.constraints', sub = 'CHAIN_CONSTRAINTS_FAILURE';
    const bc = ca.basic_constraints;
    if (!bc) return Check.fail(ID, sub, '签发者证书缺少basicConstraints扩展，不能作为CA', 'issuer lacks basicConstraints and cannot act as a CA');
    if (!bc[0]) return Check.fail(ID, sub, '签发者证书的basicConstraints不是CA', "issuer's basicConstraints says it is not a CA");
    if (bc[1] !== null && below > bc[1]) {
      return Check.fail(ID, sub, `路径长度超限：其下有${below}级中间CA，pathLenConstraint为${bc[1]}`,
        `path too long: ${below} intermediate CA(s) below, pathLenConstraint ${bc[1]}`);
    }
    if (ca.key_usage !== null && !(ca.key_usage & KU.KEY_CERT_SIGN)) return Check.fail(ID, sub, '签发者证书keyUsage不含keyCertSign', "issuer's keyUsage lacks keyCertSign");
    return Check.pass(ID, 'CA约束满足', 'CA constraints satisfied');
  }
  // crl.rs verify_issued_by.
  function crlIssuedBy(crl, issuer) {
    crl.issuedBy = crl.issuedBy || new Map();
    if (crl.issuedBy.has(issuer.key)) return crl.issuedBy.get(issuer.key);
    let r = null;
    if (!bytesEq(crl.issuer_der, issuer.subject_der)) r = `CRL issuer ${crl.issuer} is not ${issuer.subject}`;
    else if (issuer.key_usage !== null && !(issuer.key_usage & KU.CRL_SIGN)) r = `${issuer.subject} may not sign CRLs (keyUsage lacks cRLSign)`;
    else if (crl.signature_algorithm !== SM2_WITH_SM3) r = `CRL signature algorithm ${crl.signature_algorithm} is not SM2-with-SM3`;
    else if (!issuer.public_key.ok) r = issuer.public_key.err;
    else {
      try { r = verifySig(issuer, crl.tbs, sigFromBytes(crl.signature)) ? null : 'SM2 signature does not verify'; } catch (e) { r = e.message; }
    }
    crl.issuedBy.set(issuer.key, r);
    return r;
  }
  function revocation(cert, issuer, opts) {
    const ID = 'cert.revocation';
    const problems = [];
    let usable = null;
    for (const crl of opts.crls.filter((c) => bytesEq(c.issuer_der, issuer.subject_der))) {
      const e = crlIssuedBy(crl, issuer);
      if (e !== null) problems.push(`CRL rejected: ${e}`);
      else if (!usable || crl.this_update > usable.this_update) usable = crl;
    }
    if (!usable) {
      const detail = problems.length ? ` (${problems.join('; ')})` : '';
      return Check.notApplicable(ID, `未提供CRL，未检查吊销状态${detail}`, `no CRL given: revocation not checked${detail}`);
    }
    const s = stripZeros(cert.serial);
    const entry = usable.revoked.find((r) => bytesEq(r.serial, s));
    if (entry) {
      const when = formatInstant(entry.date);
      if (entry.date <= opts.at) return Check.fail(ID, 'REVOKED', `证书已于${when}吊销`, `revoked on ${when}`);
      return Check.indeterminate(ID, 'REVOKED_NO_POE', `证书于${when}吊销；无时间戳证明此前已存在`, `revoked on ${when}; no proof of existence before that`);
    }
    if (usable.next_update !== null && usable.next_update < opts.now) {
      const next = formatInstant(usable.next_update);
      return Check.indeterminate(ID, 'TRY_LATER', `CRL已过期（下次更新${next}）`, `CRL is stale (nextUpdate ${next})`);
    }
    if (usable.this_update > opts.now) return Check.indeterminate(ID, 'TRY_LATER', 'CRL的thisUpdate在未来', 'CRL thisUpdate is in the future');
    const tu = formatInstant(usable.this_update);
    return Check.pass(ID, `未列入CRL（${tu}发布）`, `not on the CRL of ${tu}`);
  }
  function purposeDocumentSigning(leaf) {
    const ID = 'cert.purpose', sub = 'SIG_CONSTRAINTS_FAILURE';
    if (leaf.key_usage !== null && !(leaf.key_usage & (KU.DIGITAL_SIGNATURE | KU.NON_REPUDIATION))) {
      return Check.fail(ID, sub, 'keyUsage不含digitalSignature或nonRepudiation', 'keyUsage has neither digitalSignature nor nonRepudiation');
    }
    const e = leaf.ext_key_usage;
    if (e && e.length && e.every((o) => o === KP_TIME_STAMPING || o === '1.3.6.1.5.5.7.3.9')) {
      return Check.fail(ID, sub, `extKeyUsage仅限${e.join(',')}，不能签署文档`, `extKeyUsage is reserved to ${e.join(',')}: not for documents`);
    }
    return Check.pass(ID, '证书可用于签署文档', 'certificate fit for document signing');
  }
  const signatureOk = (cert, issuer) => linkSignature(cert, issuer).outcome === 'PASSED';
  function buildPath(leaf, intermediates, anchors, checks) {
    const path = [leaf];
    const inPath = (c) => path.some((x) => x.key === c.key);
    for (;;) {
      const cur = path[path.length - 1];
      if (anchors.some((a) => a.key === cur.key)) {
        checks.push(Check.pass('chain.build', `证书链到达信任锚：${cur.subject}`, `chain reaches trust anchor ${cur.subject}`));
        return [path, true];
      }
      if (path.length >= MAX_CHAIN_LEN) {
        checks.push(Check.fail('chain.build', 'CHAIN_CONSTRAINTS_FAILURE', `证书链超过${MAX_CHAIN_LEN}级`, `chain longer than ${MAX_CHAIN_LEN} certificates`));
        return [path, false];
      }
      const candidates = anchors.concat(intermediates).filter((c) => bytesEq(c.subject_der, cur.issuer_der) && !inPath(c));
      const verified = candidates.slice(0, MAX_ISSUER_CANDIDATES).find((c) => signatureOk(cur, c));
      if (!verified && candidates.length > MAX_ISSUER_CANDIDATES) {
        checks.push(Check.fail('chain.build', 'NO_CERTIFICATE_CHAIN_FOUND',
          `${candidates.length}张证书自称签发者“${cur.issuer}”：只尝试了前${MAX_ISSUER_CANDIDATES}张，均未签发该证书`,
          `${candidates.length} certificates name the issuer ${cur.issuer}: only the first ${MAX_ISSUER_CANDIDATES} were tried, and none of them signed this certificate`));
        return [path, false];
      }
      let next;
      if (verified) next = verified;
      else if (candidates.length && !cur.self_issued) next = candidates[0];
      else if (path.some((c) => bytesEq(c.subject_der, cur.issuer_der)) && !cur.self_issued) {
        checks.push(Check.fail('chain.build', 'NO_CERTIFICATE_CHAIN_FOUND', `证书链成环：签发者“${cur.issuer}”已在链中`,
          `certificate loop: the issuer ${cur.issuer} is already in the chain`));
        return [path, false];
      } else {
        const [zh, en] = cur.self_issued
          ? [`自签名证书“${cur.subject}”不在信任锚中`, `self-signed certificate ${cur.subject} is not a trust anchor`]
          : [`找不到签发者“${cur.issuer}”的证书`, `no certificate found for issuer ${cur.issuer}`];
        checks.push(Check.fail('chain.build', 'NO_CERTIFICATE_CHAIN_FOUND', zh, en));
        return [path, false];
      }
      path.push(next);
    }
  }
  // validate_chain: {indication, sub_indication, checks}.
  function validateChain(leaf, intermediates, anchors, opts) {
    const checks = [];
    const [path, anchored] = buildPath(leaf, intermediates, anchors, checks);
    path.forEach((cert, i) => {
      const who = cert.subject, isAnchor = anchored && i === path.length - 1, issuer = path[i + 1];
      if (cert.public_key.err) {
        checks.push(about(Check.fail('cert.public_key', 'CRYPTO_CONSTRAINTS_FAILURE', `公钥不是SM2公钥：${cert.public_key.err}`,
          `public key is not an SM2 key: ${cert.public_key.err}`), who));
      }
      if (isAnchor) checks.push(about(Check.notApplicable('cert.signature', '信任锚，依配置信任', 'trust anchor, trusted by configuration'), who));
      else if (issuer) checks.push(about(linkSignature(cert, issuer), who));
      checks.push(about(validity(cert, opts.at), who));
      if (cert.unknown_critical.length) {
        const list = cert.unknown_critical.join(', ');
        checks.push(about(Check.fail('cert.critical_extensions', 'CHAIN_CONSTRAINTS_FAILURE', `含无法处理的关键扩展：${list}`,
          `unrecognised critical extensions: ${list}`), who));
      }
      if (i > 0) checks.push(about(caConstraints(cert, path.slice(1, i).filter((c) => !c.self_issued).length), who));
      if (issuer && !isAnchor) checks.push(about(revocation(cert, issuer, opts), who));
    });
    checks.push(about(purposeDocumentSigning(path[0]), path[0].subject));
    const [indication, sub] = conclude(checks);
    return { indication, sub_indication: sub, checks, chain: path.map((c) => c.subject) };
  }

  // ---- status lists (crates/present/src/status.rs) ----
  function parseStatusList(bytes) {
    const it = new Items(cborDecode(bytes, 'status list'), 'status list', 3);
    const body_bytes = it.bytes('body');
    const signer_kid = it.fixed('signer key id', 8);
    const signature = it.fixed('signature', 64);
    const b = new Items(cborDecode(body_bytes, 'status list body'), 'status list body', 9);
    b.tag('yx-status-1');
    const issuer_kid = b.fixed('issuer key id', 8);
    const issuer_code = b.text('issuer code');
    const list = toU32(b.uint('list'), 'status list: list number out of range');
    const bits = b.uint('bits');
    if (bits !== 2n) throw ferr(`status list: ${bits} bits an entry; this format has 2`);
    const entries = toU32(b.uint('entries'), 'status list: too many entries');
    checkEntries(entries);
    const issued_at = toI64(b.uint('issued at'), 'issued at');
    const expires_at = toI64(b.uint('expires at'), 'expires at');
    const compressed = b.bytes('list');
    return { body: { issuer_kid, issuer_code, list, entries, issued_at, expires_at, compressed }, body_bytes, signer_kid, signature };
  }
  function checkEntries(entries) {
    if (entries > MAX_STATUS_ENTRIES) throw ferr(`status list: ${entries} entries exceed the limit of ${MAX_STATUS_ENTRIES}`);
  }
  // Bits::decompress: exactly ceil(entries / 4) bytes, reading no more than one byte beyond.
  async function decompressBits(entries, compressed) {
    checkEntries(entries);
    const want = Math.ceil(entries / 4);
    const out = new Uint8Array(want + 1);
    let got = 0, failure = null;
    const ds = new DecompressionStream('deflate');
    const writer = ds.writable.getWriter();
    writer.write(compressed).catch(() => {});
    writer.close().catch(() => {});
    const reader = ds.readable.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        const k = Math.min(value.length, want + 1 - got);
        out.set(value.subarray(0, k), got);
        got += k;
        if (got > want) break;
      }
    } catch (e) {
      failure = e;
    }
    reader.cancel().catch(() => {});
    if (got > want) throw ferr(`status list: the bitstring inflates beyond the ${want} bytes of its ${entries} entries`);
    // flate2 stops at the end of the zlib stream and ignores what follows; Chromium reports it.
    if (failure && !/junk/i.test(String(failure && failure.message))) {
      throw ferr(`status list: the bitstring does not inflate: ${failure.message || failure}`);
    }
    if (got !== want) throw ferr(`status list: ${got} bytes for ${entries} entries of 2 bits`);
    return { bytes: out.subarray(0, want), entries };
  }
  const STATUS = ['valid', 'revoked', 'suspended', 'superseded'];
  const bitsGet = (bits, i) => (i >= bits.entries ? null : STATUS[(bits.bytes[i >>> 2] >> (2 * (i % 4))) & 3]);

  // ---- the bundle (crates/present/src/bundle.rs Bundle::open) ----
  const keyId = (der) => sm3(der).subarray(0, 8);
  function certB64(s, what) {
    const der = b64decode(s);
    if (!der) throw ferr(`${what}: not Base64`);
    try { return parseCert(der); } catch (e) { throw new Error(`certificate: ${what}: ${e.message}`); }
  }
  const CONTENT_FIELDS = [['format', 'string'], ['issued_at', 'i64'], ['expires_at', 'i64'], ['roots', 'strings'],
    ['intermediates', 'strings'], ['crls', 'strings'], ['issuers', 'issuers'], ['status_signer', 'string'],
    ['status_lists', 'strings'], ['log_checkpoint', 'optString', true], ['type_names', 'stringMap', true],
    ['revoked_readers', 'strings', true]];
  async function openBundle(json, pinned, now) {
    if (utf8len(json) > MAX_BUNDLE) throw ferr(`bundle of ${utf8len(json)} bytes; the limit is ${MAX_BUNDLE}`);
    let env;
    try {
      env = struct(parseJson(json), 'Envelope', [['payload', 'string'], ['signature', 'string'], ['signer', 'string']]);
    } catch (e) { throw ferr(`not a trust bundle: ${e.message}`); }
    const payload = b64decode(env.payload);
    if (!payload) throw ferr('bundle payload: not Base64');
    // The signature first: nothing of a payload is parsed before it is known to be the signer's.
    const signer = certB64(env.signer, 'bundle signer');
    const sigBytes = hexdecode(env.signature);
    if (!sigBytes) throw ferr('bundle signature: not hex');
    const rs = sigFromRaw(sigBytes);
    if (!signer.public_key.ok) throw new Error(`certificate: bundle signer: ${signer.public_key.err}`);
    if (!verifySig(signer, payload, rs)) throw new Error("the bundle's signature does not verify");
    let content;
    try {
      content = struct(parseJson(UTF8.decode(payload)), 'Content', CONTENT_FIELDS);
    } catch (e) { throw ferr(`bundle payload: ${e.message}`); }
    if (content.format !== FORMAT) throw ferr(`bundle format ${JSON.stringify(content.format)}, expected ${JSON.stringify(FORMAT)}`);
    let roots = content.roots.map((r, i) => certB64(r, `root ${i}`));
    if (pinned) {
      const p = parseCert(pinned instanceof Uint8Array ? pinned : new Uint8Array(pinned));
      if (!roots.some((r) => r.key === p.key)) throw new Error('the pinned root is not in this bundle');
      roots = [p];
    }
    const intermediates = content.intermediates.map((c, i) => certB64(c, `intermediate ${i}`));
    const crls = content.crls.map((c, i) => {
      const der = b64decode(c);
      if (!der) throw ferr(`CRL ${i}: not Base64`);
      try { return parseCrl(der); } catch (e) { throw new Error(`certificate: CRL ${i}: ${e.message}`); }
    });
    const opts = { at: now, now, crls };
    const chain = validateChain(signer, intermediates, roots, opts);
    if (chain.indication !== 'PASSED') {
      const why = chain.checks.find((c) => c.outcome !== 'PASSED' && c.outcome !== 'NOT_APPLICABLE');
      throw new Error(`the bundle's signer does not chain to a trusted root: ${why ? why.reason_en : ''}`);
    }
    const issuers = content.issuers.map((e) => {
      const cert = certB64(e.cert, `issuer ${e.code}`);
      return { entry: e, cert, kid: keyId(cert.der) };
    });
    const status_signer = certB64(content.status_signer, 'status-list signer');
    const status_lists = content.status_lists.map((s, i) => {
      const b = b64decode(s);
      if (!b) throw ferr(`status list ${i}: not Base64`);
      return parseStatusList(b);
    });
    return {
      issued_at: content.issued_at, expires_at: content.expires_at, trust: roots, intermediates, crls, issuers,
      status_signer, status_lists, signer, log_checkpoint: content.log_checkpoint, type_names: content.type_names || new Map(),
      revoked_readers: content.revoked_readers || [],
    };
  }

  // ---- the credential and the token (credential.rs, token.rs, claims.rs, merkle.rs) ----
  // Format 1: text tags, the type's name and the issue time in the credential, every claim's SM3
  // digest (sorted) in it; the presentation carries iat and exp. Format 2: the integer 2 as the
  // tag, no type name (the bundle's type_names says it) and no issue time, a claim tree (leaf
  // count and root) instead of digests; the presentation carries the shown claims' leaf positions,
  // the tree's multiproof, iat and the lifetime.
  // The first item: the text tag of format 1 or the integer 2.
  function formatTag(it, v1) {
    const v = it.next('format tag');
    if (v.k === 'text' && v.v === v1) return 1;
    if (v.k === 'int' && v.v === 2n) return 2;
    throw ferr(`${it.what}: not a known format (neither ${JSON.stringify(v1)} nor 2)`);
  }
  // Items of a structure whose format 1 starts with text: `len1` items then, `len2` otherwise.
  const formatItems = (value, what, len1, len2) =>
    new Items(value, what, value.k === 'array' && value.v.length && value.v[0].k === 'text' ? len1 : len2);
  const MAX_LEAVES = 256, NODE_LEN = 16;
  function parseCredentialBody(bytes) {
    const it = formatItems(cborDecode(bytes, 'credential body'), 'credential body', 11, 10);
    const version = formatTag(it, 'yx-cred-1');
    const issuer_kid = it.fixed('issuer key id', 8);
    const serial = it.fixed('serial', 8);
    const type_code = it.text('type code');
    const type_name = version === 1 ? it.text('type name') : null;
    if (version === 1) toI64(it.uint('issued at'), 'issued at');
    const valid_from = toI64(it.uint('valid from'), 'valid from');
    const vu = it.optUint('valid until');
    const valid_until = vu === null ? null : toI64(vu, 'valid until');
    const st = new Items({ k: 'array', v: it.array('status') }, 'credential status', 2);
    const list = toU32(st.uint('list'), 'credential status: list out of range');
    const index = toU32(st.uint('index'), 'credential status: index out of range');
    const key = it.fixed('device key', 33);
    let device_key;
    try { device_key = Y.pointFromSec1(key); } catch (e) { throw ferr(`credential: device key: ${e.message}`); }
    let digests = null, tree = null;
    if (version === 1) {
      digests = new Set(it.array('digests').map((d) => {
        if (d.k !== 'bytes' || d.v.length !== 32) throw ferr('credential: a digest is not 32 bytes');
        return hex(d.v);
      }));
    } else {
      const leaves = it.uint('leaves');
      if (leaves < 1n || leaves > BigInt(MAX_LEAVES)) throw ferr(`credential: ${leaves} claims (1 to ${MAX_LEAVES})`);
      tree = { leaves: Number(leaves), root: hex(it.fixed('claim root', NODE_LEN)) };
    }
    return { version, issuer_kid, serial, type_code, type_name, valid_from, valid_until, status: { list, index }, device_key, digests, tree };
  }
  function parseCredential(bytes) {
    const it = new Items(cborDecode(bytes, 'credential'), 'credential', 2);
    const body_bytes = it.bytes('body');
    const signature = it.fixed('signature', 64);
    return { body: parseCredentialBody(body_bytes), body_bytes, signature };
  }
  // claims.rs: registered claim names, numbered from 1 (append-only).
  const CLAIM_KEYS = ['identifier', 'uscc', 'name', 'entity_type', 'legal_representative', 'registered_capital',
    'established', 'term', 'address', 'registration_authority', 'business_scope', 'licence_number', 'operator',
    'business_form', 'business_items', 'premises', 'principal', 'registered_address', 'valid_from', 'valid_until',
    'scope', 'site_address', 'company', 'unit', 'supervising_body', 'complaint_phone', 'economic_type', 'industry'];
  function parseDisclosure(bytes) {
    const it = new Items(cborDecode(bytes, 'disclosure'), 'disclosure', 3);
    const salt = it.bytes('salt');
    if (salt.length < SALT_LEN) throw ferr(`disclosure: salt of ${salt.length} bytes; at least ${SALT_LEN} are needed`);
    const n = it.next('name');
    let name;
    if (n.k === 'text') name = n.v;
    else if (n.k === 'int') {
      const num = it.uintOf(n, 'name');
      if (num < 1n || num > BigInt(CLAIM_KEYS.length)) throw ferr(`disclosure: claim number ${num} is not registered`);
      name = CLAIM_KEYS[Number(num) - 1];
    } else throw ferr('disclosure: name is neither text nor an unsigned integer');
    return { bytes, name, value: it.text('value') };
  }
  // merkle.rs: SM3 truncated to 16 bytes, 0x00 before a leaf and 0x01 before a node (RFC 9162 shape).
  const h16 = (...parts) => sm3(concat(...parts)).subarray(0, NODE_LEN);
  const merkleLeaf = (d) => h16(new Uint8Array([0]), d);
  const merkleNode = (l, r) => h16(new Uint8Array([1]), l, r);
  const split = (n) => { let k = 1; while (k * 2 < n) k *= 2; return k; };
  // The root a multiproof gives for n leaves with `shown` = [[position, leaf hash]…].
  function merkleVerify(n, shown, proof) {
    if (n === 0 || n > MAX_LEAVES) throw ferr(`claim tree of ${n} leaves (1 to ${MAX_LEAVES})`);
    const seen = new Map();
    for (const [i, h] of shown) {
      if (i >= n) throw ferr(`claim position ${i} beyond the tree's ${n} leaves`);
      if (seen.has(i)) throw ferr(`claim position ${i} given twice`);
      seen.set(i, h);
    }
    let next = 0;
    const walk = (lo, len) => {
      let any = false;
      for (const i of seen.keys()) if (i >= lo && i < lo + len) { any = true; break; }
      if (!any) {
        if (next >= proof.length) throw ferr('the claim proof is missing nodes');
        return proof[next++];
      }
      if (len === 1) return seen.get(lo);
      const k = split(len);
      const l = walk(lo, k), r = walk(lo + k, len - k);
      return merkleNode(l, r);
    };
    const root = walk(0, n);
    if (next < proof.length) throw ferr('the claim proof has nodes left over');
    return root;
  }
  const cmpBytes = (a, b) => {
    for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
    return a.length - b.length;
  };
  const merkleRoot = (leaves) => (leaves.length === 1 ? leaves[0]
    : merkleNode(merkleRoot(leaves.slice(0, split(leaves.length))), merkleRoot(leaves.slice(split(leaves.length)))));
  // The multiproof for the leaves at positions `shown` (merkle.rs `prove`): the hash of every
  // maximal subtree holding no shown leaf, left to right.
  function merkleProve(leaves, shown, lo = 0, out = []) {
    const hi = lo + leaves.length;
    if (!shown.some((i) => i >= lo && i < hi)) out.push(merkleRoot(leaves));
    else if (leaves.length > 1) {
      const k = split(leaves.length);
      merkleProve(leaves.slice(0, k), shown, lo, out);
      merkleProve(leaves.slice(k), shown, lo + k, out);
    }
    return out;
  }
  // A format-2 presentation (token.rs `present`), made on the holder's device: `all` are every
  // disclosure of the credential, `shownIdx` the positions in it of those to show.
  function present(key, credential, all, shownIdx, lifetime, nonce) {
    const leaves = all.map(merkleLeaf).sort(cmpBytes);
    const shown = shownIdx.map((i) => all[i]);
    const positions = shown.map((d) => { const l = merkleLeaf(d); return leaves.findIndex((x) => cmpBytes(x, l) === 0); });
    const iat = Math.floor(Date.now() / 1000);
    const presentation = Y.cbor([2, credential, shown, positions, merkleProve(leaves, positions), iat, lifetime, nonce || null]);
    return { text: QR_PREFIX + Y.base45(Y.cbor([presentation, Y.sign(key, presentation)])), iat, exp: iat + lifetime };
  }

  // Rust's str::trim (Unicode White_Space).
  const rustTrim = (s) => s.replace(/^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g, '');
  function decodeToken(text) {
    text = rustTrim(text);
    const len = utf8len(text);
    if (len > MAX_TEXT) throw ferr(`${len} characters: longer than any QR code holds`);
    if (!text.startsWith(QR_PREFIX)) throw ferr(`not a yinxin presentation (it does not start with ${QR_PREFIX})`);
    const raw = base45decode(new TextEncoder().encode(text.slice(QR_PREFIX.length)));
    const it = new Items(cborDecode(raw, 'token'), 'token', 2);
    const bytes = it.bytes('presentation');
    const signature = it.fixed('signature', 64);
    const p = formatItems(cborDecode(bytes, 'presentation'), 'presentation', 6, 8);
    const version = formatTag(p, 'yx-vp-1');
    const credential = p.bytes('credential');
    const disclosures = p.array('disclosures').map((d) => {
      if (d.k !== 'bytes') throw ferr('presentation: a disclosure is not a byte string');
      return d.v;
    });
    let positions = [], proof = [];
    if (version !== 1) {
      positions = p.array('positions').map((x) => {
        if (x.k !== 'int') throw ferr('presentation: a claim position is not an unsigned integer');
        if (x.v < 0n || x.v > 0xffffffffn) throw ferr('presentation: a claim position is out of range');
        return Number(x.v);
      });
      if (positions.length !== disclosures.length) {
        throw ferr(`presentation: ${positions.length} claim positions for ${disclosures.length} disclosures`);
      }
      proof = p.array('claim proof').map((x) => {
        if (x.k !== 'bytes' || x.v.length !== NODE_LEN) throw ferr('presentation: a claim proof node is not 16 bytes');
        return x.v;
      });
    }
    const iat = toI64(p.uint('iat'), 'iat');
    let exp;
    if (version === 1) exp = toI64(p.uint('exp'), 'exp');
    else {
      exp = iat + toI64(p.uint('lifetime'), 'lifetime');
      if (exp > I64_MAX) throw ferr('presentation: lifetime out of range');
    }
    const nonce = p.optText('nonce');
    return { presentation: { version, credential, disclosures, positions, proof, iat, exp, nonce, bytes }, signature };
  }

  // ---- the verifier (crates/present/src/verify.rs) ----
  async function newVerifier(bundle, now) {
    const opts = { at: now, now, crls: bundle.crls };
    const issuers = new Map();
    for (const i of bundle.issuers) {
      const chain = validateChain(i.cert, bundle.intermediates, bundle.trust, opts);
      issuers.set(hex(i.kid), { issuer: i, verifier: keyVerifier(i.cert), chain_checks: chain.checks, chain_indication: chain.indication });
    }
    const signerChain = validateChain(bundle.status_signer, bundle.intermediates, bundle.trust, opts);
    const signerKid = hex(keyId(bundle.status_signer.der));
    const signerKey = keyVerifier(bundle.status_signer);
    const lists = new Map();
    for (const l of bundle.status_lists) {
      let bits;
      if (signerChain.indication !== 'PASSED') {
        bits = { err: Check.indeterminate('status.signature', 'TRY_LATER', '状态列表签名者的证书链未通过验证',
          "the status-list signer's certificate does not chain to a trusted root") };
      } else if (hex(l.signer_kid) !== signerKid || !signerKey || !sigOrNull(l.signature) || !signerKey.verify(l.body_bytes, sigOrNull(l.signature))) {
        bits = { err: Check.indeterminate('status.signature', 'TRY_LATER', '状态列表签名无效，无法确定证照状态',
          "the status list's signature does not verify, so the licence's status is unknown") };
      } else if (l.body.entries < MIN_STATUS_ENTRIES) {
        bits = { err: Check.indeterminate('status.length', 'TRY_LATER', `状态列表只有${l.body.entries}项，少于隐私所需的${MIN_STATUS_ENTRIES}项`,
          `the status list has ${l.body.entries} entries, fewer than the ${MIN_STATUS_ENTRIES} privacy needs`) };
      } else {
        try {
          bits = { ok: await decompressBits(l.body.entries, l.body.compressed) };
        } catch (e) {
          bits = { err: Check.indeterminate('status.format', 'TRY_LATER', `状态列表无法读取：${e.message}`, `the status list cannot be read: ${e.message}`) };
        }
      }
      lists.set(`${hex(l.body.issuer_kid)}/${l.body.list}`, { list: l, bits });
    }
    const typeNames = bundle.type_names;
    return {
      log_checkpoint: bundle.log_checkpoint,
      verify: (text, vnow, nonce) => verify({ issuers, lists, typeNames }, text, vnow, nonce),
    };
  }
  // r‖s as scalars, or null when out of range (Sm2Signature::from_raw fails: nothing verifies).
  function sigOrNull(b) {
    try { return sigFromRaw(b); } catch { return null; }
  }

  function verify(v, text, now, nonce) {
    const checks = [];
    const out = {
      indication: 'INDETERMINATE', sub_indication: null, validation_time: rfc3339(now), checks,
      disclosed: [], licence: null, status: null, token_time: null,
    };
    run(v, text, BigInt(Math.floor(now)), nonce === undefined ? null : nonce, out);
    [out.indication, out.sub_indication] = conclude(checks);
    // A failed token's fields are not evidence of anything: show none.
    if (out.indication === 'FAILED') out.disclosed = [];
    return out;
  }

  function run(v, text, now, nonce, out) {
    const checks = out.checks;
    const failFormat = (e) => checks.push(Check.fail('token.format', 'FORMAT_FAILURE', `出示码无法读取：${e.message}`, `the presentation cannot be read: ${e.message}`));
    let tok, cred;
    try {
      tok = decodeToken(String(text));
      cred = parseCredential(tok.presentation.credential);
    } catch (e) {
      if (!(e instanceof FormatError)) throw e;
      return failFormat(e);
    }
    if (cred.body.version !== tok.presentation.version) {
      return failFormat({ message: `a format-${cred.body.version} credential in a format-${tok.presentation.version} presentation` });
    }
    checks.push(Check.pass('token.format', '出示码格式正确', 'the presentation is well formed'));
    const p = tok.presentation, body = cred.body;
    out.token_time = [rfc3339(p.iat), rfc3339(p.exp)];

    // The issuer: in the bundle, with a valid chain, authorised for the type.
    const issuer = v.issuers.get(hex(body.issuer_kid));
    if (!issuer) {
      checks.push(Check.fail('credential.issuer', 'NO_CERTIFICATE_CHAIN_FOUND', '签发机关不在信任包中', 'the issuing department is not in the trust bundle'));
      return;
    }
    const e = issuer.issuer.entry;
    const typeName = body.type_name !== null ? body.type_name : (v.typeNames.has(body.type_code) ? v.typeNames.get(body.type_code) : body.type_code);
    out.licence = {
      type_code: body.type_code, type_name: typeName, issuer_code: e.code, issuer_name: e.name,
      valid_from: cst(body.valid_from), valid_until: body.valid_until === null ? null : cst(body.valid_until), serial: hex(body.serial),
    };
    checks.push(about(Check.pass('credential.issuer', '签发机关在信任包中', 'the issuing department is in the trust bundle'), e.name));
    if (issuer.chain_indication === 'PASSED') {
      checks.push(about(Check.pass('credential.chain', '签发机关证书链有效', "the issuer's certificate chain is valid"), e.name));
    } else {
      const worst = issuer.chain_checks.find((c) => c.outcome === 'FAILED') || issuer.chain_checks.find((c) => c.outcome === 'INDETERMINATE');
      const [zh, en, s] = worst ? [worst.reason_zh, worst.reason_en, worst.sub_indication] : ['', '', null];
      const sub = s || 'CERTIFICATE_CHAIN_GENERAL_FAILURE';
      checks.push(issuer.chain_indication === 'FAILED'
        ? Check.fail('credential.chain', sub, `签发机关证书链无效：${zh}`, `the issuer's chain is not valid: ${en}`)
        : Check.indeterminate('credential.chain', sub, `签发机关证书链无法确认：${zh}`, `the issuer's chain cannot be confirmed: ${en}`));
    }
    if (!e.types.includes(body.type_code)) {
      checks.push(Check.failBy('credential.type', 'SIG_CONSTRAINTS_FAILURE',
        "the trust bundle's issuer list: a department issues only the licence types it is authorised for",
        `信任包未授权该机关签发${typeName}`, `the trust bundle does not authorise this department to issue ${body.type_code}`));
    }
    const credSig = sigOrNull(cred.signature);
    if (issuer.verifier && credSig && issuer.verifier.verify(cred.body_bytes, credSig)) {
      checks.push(Check.pass('credential.signature', '签发机关签名有效', "the issuer's signature is valid"));
    } else {
      checks.push(Check.fail('credential.signature', 'SIG_CRYPTO_FAILURE', '签发机关签名无效：凭证被改动或伪造',
        "the issuer's signature does not verify: the credential was altered or forged"));
      return;
    }
    if (now < body.valid_from) {
      checks.push(Check.fail('credential.validity', 'NOT_YET_VALID', '证照尚未生效', 'the licence is not yet in force'));
    } else if (body.valid_until !== null && now > body.valid_until) {
      checks.push(Check.fail('credential.validity', 'EXPIRED', '证照已过有效期', 'the licence has expired'));
    } else {
      checks.push(Check.pass('credential.validity', '证照在有效期内', 'the licence is within its validity'));
    }

    // The device: its signature binds the presentation to the key the credential names.
    const devSig = sigOrNull(tok.signature);
    if (devSig && Y.verify(body.device_key, p.bytes, devSig)) {
      checks.push(Check.pass('token.device_signature', '持证设备签名有效', "the holder device's signature is valid"));
    } else {
      checks.push(Check.fail('token.device_signature', 'SIG_CRYPTO_FAILURE', '持证设备签名无效：出示码不是由凭证绑定的设备生成的',
        'the device signature does not verify: the code was not made by the device the credential is bound to'));
      return;
    }

    // Freshness: a screenshot or a recording replays an expired code.
    const life = p.exp - p.iat;
    if (life > MAX_TOKEN_LIFETIME || p.exp < p.iat) {
      checks.push(Check.failBy('token.freshness', 'TIMESTAMP_ORDER_FAILURE',
        '亮证 presentation format (crates/present): a code lives at most MAX_TOKEN_LIFETIME seconds',
        `出示码有效期为${life}秒，超过允许的${MAX_TOKEN_LIFETIME}秒`, `the code claims to live ${life} s, longer than the ${MAX_TOKEN_LIFETIME} s allowed`));
    } else if (p.iat > now + CLOCK_SKEW) {
      checks.push(Check.fail('token.freshness', 'NOT_YET_VALID', '出示码的生成时间在未来：请核对手机时间', "the code was made in the future: check the phone's clock"));
    } else if (now > p.exp + CLOCK_SKEW) {
      const [zh, en] = ageText(now - p.exp);
      checks.push(Check.fail('token.freshness', 'EXPIRED', `出示码已过期${zh}：可能是截图或录屏，请持证人现场刷新`,
        `the code expired ${en} ago: possibly a screenshot or recording; ask the holder to refresh it`));
    } else {
      checks.push(Check.pass('token.freshness', '出示码在有效时间内', 'the code is fresh'));
    }
    if (nonce === null) {
      checks.push(Check.notApplicable('token.nonce', '核验方未要求核验码，仅以有效时间防重放', 'the verifier asked for no nonce; replay is limited by the expiry only'));
    } else if (p.nonce !== null && p.nonce === nonce) {
      checks.push(Check.pass('token.nonce', '核验码一致', 'the nonce matches'));
    } else {
      checks.push(Check.failBy('token.nonce', 'SIG_CONSTRAINTS_FAILURE',
        '亮证 presentation format: a code requested with a nonce carries it, signed by the device (ISO/IEC 18013-5 reader binding)',
        '核验码不一致：出示码不是为本次核验生成的', 'the nonce does not match: the code was not made for this check'));
    }

    // Disclosures: each committed to by the credential (one of its digests in format 1, a leaf of
    // its claim tree in format 2), each name once.
    const names = new Set(), fields = [], leaves = [];
    let bad = null;
    for (const [i, d] of p.disclosures.entries()) {
      let dd;
      try { dd = parseDisclosure(d); } catch (err) {
        if (!(err instanceof FormatError)) throw err;
        bad = err.message;
        break;
      }
      if (names.has(dd.name)) { bad = `${dd.name} (twice)`; break; }
      names.add(dd.name);
      if (body.digests) {
        if (!body.digests.has(hex(sm3(dd.bytes)))) { bad = dd.name; break; }
      } else leaves.push([p.positions[i], merkleLeaf(dd.bytes)]);
      fields.push({ name: dd.name, value: dd.value });
    }
    if (bad === null && body.tree) {
      try {
        if (hex(merkleVerify(body.tree.leaves, leaves, p.proof)) !== body.tree.root) bad = 'claim tree';
      } catch (err) {
        if (!(err instanceof FormatError)) throw err;
        bad = err.message;
      }
    }
    if (bad !== null) {
      checks.push(Check.fail('disclosure.digest', 'HASH_FAILURE', `出示的信息与凭证不符（${bad}）：内容被改动`,
        `a shown field does not match the credential (${bad}): it was altered`));
      return;
    }
    checks.push(Check.pass('disclosure.digest', `出示的${fields.length}项信息与凭证一致`, `the ${fields.length} shown fields match the credential`));
    out.disclosed = fields;

    // Status.
    const st = body.status;
    const list = v.lists.get(`${hex(body.issuer_kid)}/${st.list}`);
    if (!list) {
      out.status = { status: null, list_issued_at: null, age_seconds: null, stale: false };
      checks.push(Check.indeterminate('status.list', 'TRY_LATER', '信任包中没有该证照的状态列表，无法确定是否被吊销：请更新信任包',
        'the trust bundle has no status list for this licence, so revocation cannot be ruled out: update the bundle'));
      return;
    }
    const lb = list.list.body;
    const age = now - lb.issued_at, stale = now > lb.expires_at;
    const summary = { status: null, list_issued_at: rfc3339(lb.issued_at), age_seconds: Number(age), stale };
    out.status = summary;
    if (list.bits.err) { checks.push({ ...list.bits.err }); return; }
    if (stale) {
      const [zh, en] = ageText(age), [ezh, een] = ageText(now - lb.expires_at);
      checks.push(Check.indeterminate('status.freshness', 'TRY_LATER', `状态列表已过期（生成于${zh}前，过期${ezh}），无法确认证照当前状态：请联网更新信任包`,
        `the status list is stale (made ${en} ago, expired ${een} ago): the licence's current status is unknown; update the bundle`));
      return;
    }
    const s = bitsGet(list.bits.ok, st.index);
    if (s === null) {
      checks.push(Check.indeterminate('status.index', 'TRY_LATER', '凭证的状态序号超出状态列表范围', "the credential's status index is beyond the status list"));
      return;
    }
    summary.status = s;
    const [zhAge, enAge] = ageText(age > 0n ? age : 0n);
    if (s === 'valid') {
      checks.push(Check.pass('status', `证照状态正常（状态列表生成于${zhAge}前）`, `the licence is in force (status list made ${enAge} ago)`));
    } else if (s === 'revoked') {
      checks.push(Check.fail('status', 'REVOKED', '证照已被吊销或注销', 'the licence has been revoked'));
    } else if (s === 'superseded') {
      checks.push(Check.fail('status', 'REVOKED', '证照已换发新版本，本版本失效', 'the licence was replaced by a newer version; this one is no longer in force'));
    } else {
      checks.push(Check.indeterminate('status', 'TRY_LATER', '证照已被暂扣（暂停使用）', 'the licence is suspended'));
    }
  }

  // ---- reader requests (crates/present/src/reader.rs, check_request): the same checks in the same
  // order, for the wallet. `bundle` is an opened bundle: its signer's key signs reader certificates.
  const REQUEST_PREFIX = 'YXR1:', MAX_REQUEST_LIFETIME = 300n;
  function parseReaderCert(bytes) {
    const it = new Items(cborDecode(bytes, 'reader certificate'), 'reader certificate', 3);
    const bodyBytes = it.bytes('body');
    const signerKid = it.fixed('signer key id', 8);
    const signature = it.fixed('signature', 64);
    const b = new Items(cborDecode(bodyBytes, 'reader certificate body'), 'reader certificate body', 11);
    b.tag('yx-reader-1');
    const serial = b.fixed('serial', 8);
    const deviceKey = b.fixed('device key', 33);
    const body = {
      serial: hex(serial), device_key: deviceKey, officer_id: b.text('officer id'), officer_name: b.text('officer name'),
      department_code: b.text('department code'), department_name: b.text('department name'), area_code: b.text('area code'),
    };
    body.entitlements = b.array('entitlements').map((e) => {
      const x = new Items(e, 'entitlement', 2);
      const type = x.text('type code');
      const fields = x.array('fields').map((f) => { if (f.k !== 'text') throw ferr('entitlement field: not text'); return f.v; });
      return [type, fields];
    });
    body.not_before = b.uint('not before');
    body.not_after = b.uint('not after');
    return { body, bodyBytes, signerKid, signature };
  }
  function checkRequest(text, bundle, nowSecs) {
    const now = BigInt(Math.floor(nowSecs));
    const refuse = (id, zh, en) => ({ ok: false, id, reason_zh: zh, reason_en: en });
    let req;
    try {
      text = rustTrim(text);
      if (!text.startsWith(REQUEST_PREFIX)) throw ferr('not a yinxin request');
      if (utf8len(text) > MAX_TEXT) throw ferr('too long');
      const raw = base45decode(new TextEncoder().encode(text.slice(REQUEST_PREFIX.length)));
      const it = new Items(cborDecode(raw, 'request'), 'request', 2);
      const bodyBytes = it.bytes('body');
      const sig = it.fixed('signature', 64);
      const b = new Items(cborDecode(bodyBytes, 'request body'), 'request body', 7);
      b.tag('yx-req-1');
      const cert = parseReaderCert(b.bytes('reader certificate'));
      const nonce = b.text('nonce');
      const typeCode = b.text('type code');
      const fields = b.array('fields').map((f) => { if (f.k !== 'text') throw ferr('request field: not text'); return f.v; });
      const iat = toI64(b.uint('iat'), 'iat');
      const exp = toI64(b.uint('exp'), 'exp');
      req = { bodyBytes, sig, cert, nonce, typeCode, fields, iat, exp };
    } catch (e) {
      return refuse('request.format', `核验请求无法读取：${e.message}`, `the request cannot be read: ${e.message}`);
    }
    const { cert } = req;
    const signerKid = keyId(bundle.signer.der);
    if (!bytesEq(cert.signerKid, signerKid) || !verifySig(bundle.signer, cert.bodyBytes, cert.signature)) {
      return refuse('request.issuer', '请求方的证书不是本服务签发的（未知密钥），不能出示',
        "the requester's certificate was not issued by this service (unknown key): nothing is shown");
    }
    if ((bundle.revoked_readers || []).some((r) => r.toLowerCase() === cert.body.serial)) {
      return refuse('request.revoked', '执法人员证书已被吊销（设备挂失或更换），不能出示',
        "the officer's certificate has been revoked (a lost or replaced device): nothing is shown");
    }
    if (now > cert.body.not_after || now < cert.body.not_before) {
      return refuse('request.validity', '执法人员证书已过期或尚未生效，不能出示',
        "the officer's certificate has expired or is not yet valid: nothing is shown");
    }
    let ok = false;
    try { ok = Y.verify(Y.pointFromSec1(cert.body.device_key), req.bodyBytes, req.sig); } catch (e) { ok = false; }
    if (!ok) {
      return refuse('request.signature', '核验请求的签名无效：不是证书所属设备发出的',
        "the request's signature does not verify: it was not made by the certificate's device");
    }
    if (req.exp < req.iat || req.exp - req.iat > MAX_REQUEST_LIFETIME || now > req.exp + CLOCK_SKEW || now + CLOCK_SKEW < req.iat) {
      return refuse('request.freshness', '核验请求已过期，请执法人员重新生成', 'the request has expired: ask the officer for a new one');
    }
    const allowed = cert.body.entitlements.filter(([t]) => t === req.typeCode).flatMap(([, f]) => f);
    const beyond = req.fields.filter((f) => !allowed.includes(f));
    if (!req.fields.length || beyond.length || !cert.body.entitlements.some(([t, f]) => t === req.typeCode && req.fields.every((x) => f.includes(x)))) {
      return Object.assign(refuse('request.entitlement', `请求超出该执法人员的查看权限：${beyond.join('、')}`,
        `the request goes beyond what this officer may see: ${beyond.join(', ')}`), { beyond });
    }
    return { ok: true, officer: cert.body, nonce: req.nonce, type_code: req.typeCode, fields: req.fields };
  }

  return {
    present, checkRequest, parseReaderCert, openBundle, newVerifier, validateChain, parseCert, parseCrl, cborDecode, base45decode, b64decode, parseJson,
    decodeToken, parseCredential, conclude, ageText, FormatError,
  };
})();
if (typeof module !== 'undefined') module.exports = YXP;
