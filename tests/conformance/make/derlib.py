"""Hand-written DER, SM3 and SM2 helpers for every conformance maker (ses.py, gmt0010.py, tsp.py,
pdf.py, ofd.py, check.py): a DER writer and reader, the certificates of fixtures/pki and
fixtures/pki-doc, GB/T 35275 detached signed data, PNG pictures, and the writing of fixture files
and manifest parts.

Nothing here uses yinxin: encoding is done by hand, SM3 and SM2 by the OpenSSL 3 CLI
(`openssl dgst -sm3`, `openssl pkeyutl ... -pkeyopt distid:1234567812345678`); every signature
made is checked with `pkeyutl -verify` against the signer's certificate.
"""

import datetime as _dt
import json
import os
import struct
import subprocess
import sys
import tempfile
import zlib

SM2_ID = "1234567812345678"

# OIDs (dotted).
SM2_WITH_SM3 = "1.2.156.10197.1.501"
SM2_SIGN = "1.2.156.10197.1.301.1"  # SM2-1, what a GB/T 35275 SignerInfo uses
SM3 = "1.2.156.10197.1.401"
GM_DATA = "1.2.156.10197.6.1.4.2.1"
GM_SIGNED_DATA = "1.2.156.10197.6.1.4.2.2"
SIGNED_DATA = "1.2.840.113549.1.7.2"
CT_TST_INFO = "1.2.840.113549.1.9.16.1.4"
ATTR_CONTENT_TYPE = "1.2.840.113549.1.9.3"
ATTR_MESSAGE_DIGEST = "1.2.840.113549.1.9.4"
ATTR_SIGNING_TIME = "1.2.840.113549.1.9.5"
ATTR_SIGNING_CERTIFICATE_V2 = "1.2.840.113549.1.9.16.2.47"

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.normpath(os.path.join(HERE, "..", "fixtures"))
PKI = os.path.join(FIXTURES, "pki")  # make/pki.sh: the SES, GM/T 0010 and time-stamp fixtures
PKI_DOC = os.path.join(FIXTURES, "pki-doc")  # make/pki-doc.sh: the PDF and OFD fixtures


# ---------------------------------------------------------------- encoding

def length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def tlv(tag: int, content: bytes) -> bytes:
    return bytes([tag]) + length(len(content)) + content


def seq(*parts: bytes) -> bytes:
    return tlv(0x30, b"".join(parts))


def set_of(*parts: bytes) -> bytes:
    """SET OF in DER order (sorted by encoding)."""
    return tlv(0x31, b"".join(sorted(parts)))


def integer(v: int) -> bytes:
    if v == 0:
        return tlv(0x02, b"\x00")
    n = (v.bit_length() + 8) // 8 if v > 0 else ((-v - 1).bit_length() + 8) // 8
    return tlv(0x02, v.to_bytes(n, "big", signed=True))


def integer_bytes(unsigned_be: bytes) -> bytes:
    """INTEGER from big-endian unsigned bytes (a certificate serial), minimally encoded."""
    return integer(int.from_bytes(unsigned_be, "big"))


def oid(dotted: str) -> bytes:
    arcs = [int(a) for a in dotted.split(".")]
    body = [40 * arcs[0] + arcs[1]] + arcs[2:]
    out = bytearray()
    for a in body:
        chunk = [a & 0x7F]
        a >>= 7
        while a:
            chunk.append(0x80 | (a & 0x7F))
            a >>= 7
        out += bytes(reversed(chunk))
    return tlv(0x06, bytes(out))


def octets(b: bytes) -> bytes:
    return tlv(0x04, b)


def bits(b: bytes) -> bytes:
    """BIT STRING with 0 unused bits."""
    return tlv(0x03, b"\x00" + b)


def ia5(s: str) -> bytes:
    return tlv(0x16, s.encode("ascii"))


def utf8(s: str) -> bytes:
    return tlv(0x0C, s.encode("utf-8"))


def printable(s: str) -> bytes:
    return tlv(0x13, s.encode("ascii"))


def null() -> bytes:
    return b"\x05\x00"


def alg(dotted: str) -> bytes:
    """AlgorithmIdentifier { OID, NULL }."""
    return seq(oid(dotted), null())


def utc(t: str) -> _dt.datetime:
    """'2025-06-01T00:00:00Z' -> aware datetime."""
    return _dt.datetime.strptime(t, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=_dt.timezone.utc)


def gentime(t: _dt.datetime) -> bytes:
    return tlv(0x18, t.strftime("%Y%m%d%H%M%SZ").encode())


def utctime(t: _dt.datetime) -> bytes:
    assert 1950 <= t.year < 2050
    return tlv(0x17, t.strftime("%y%m%d%H%M%SZ").encode())


def ctx_cons(n: int, content: bytes) -> bytes:
    return tlv(0xA0 | n, content)


# ---------------------------------------------------------------- decoding (for checks)

def read(buf: bytes, pos: int = 0):
    """(tag, header_len, content_len) of the TLV at pos."""
    tag = buf[pos]
    l0 = buf[pos + 1]
    if l0 < 0x80:
        return tag, 2, l0
    n = l0 & 0x7F
    return tag, 2 + n, int.from_bytes(buf[pos + 2 : pos + 2 + n], "big")


def children(buf: bytes):
    """[(tag, raw, value)] of the TLVs that fill buf."""
    out, pos = [], 0
    while pos < len(buf):
        tag, hl, cl = read(buf, pos)
        raw = buf[pos : pos + hl + cl]
        out.append((tag, raw, raw[hl:]))
        pos += hl + cl
    return out


def value(raw: bytes) -> bytes:
    _, hl, cl = read(raw)
    return raw[hl : hl + cl]


# ---------------------------------------------------------------- certificates

def cert_der(name: str, pki: str = PKI) -> bytes:
    with open(os.path.join(pki, f"{name}.cert.der"), "rb") as f:
        return f.read()


def key_path(name: str, pki: str = PKI) -> str:
    return os.path.join(pki, f"{name}.key.pem")


def cert_pem_path(name: str, pki: str = PKI) -> str:
    return os.path.join(pki, f"{name}.cert.pem")


def cert_issuer_and_serial(cert: bytes):
    """(issuer Name TLV, serial INTEGER TLV) of a DER certificate, as stored."""
    (_, _, c), = children(cert)[:1]
    tbs = children(c)[0][2]
    f = children(tbs)
    i = 1 if f[0][0] == 0xA0 else 0  # [0] version
    serial = f[i][1]
    issuer = f[i + 2][1]
    return issuer, serial


def cert_tbs_and_signature(cert: bytes):
    c = children(cert)[0][2]
    f = children(c)
    return f[0][1], f[2][2][1:]


class Cert:
    """A certificate and its key: `name` in fixtures/pki (or another PKI directory)."""

    def __init__(self, name: str, pki: str = PKI):
        self.name = name
        self.key = key_path(name, pki)
        self.pem = cert_pem_path(name, pki)
        self.der = cert_der(name, pki)
        self.issuer, self.serial_tlv = cert_issuer_and_serial(self.der)


# ---------------------------------------------------------------- SM3 / SM2 via OpenSSL

def _run(args, data=None):
    return subprocess.run(args, input=data, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True).stdout


def sm3(data: bytes) -> bytes:
    return _run(["openssl", "dgst", "-sm3", "-binary"], data)


def sm2_sign(signer, tbs: bytes) -> bytes:
    """DER SM2Signature over tbs (SM3 with Z of the default user ID) with the key of `signer` (a
    Cert, or a name in fixtures/pki), checked with the signer's certificate."""
    if not isinstance(signer, Cert):
        signer = Cert(signer)
    with tempfile.TemporaryDirectory() as d:
        i, o = os.path.join(d, "tbs"), os.path.join(d, "sig")
        with open(i, "wb") as f:
            f.write(tbs)
        _run(["openssl", "pkeyutl", "-sign", "-rawin", "-digest", "sm3", "-inkey", signer.key,
              "-in", i, "-out", o, "-pkeyopt", f"distid:{SM2_ID}"])
        _run(["openssl", "pkeyutl", "-verify", "-rawin", "-digest", "sm3", "-certin", "-inkey", signer.pem,
              "-in", i, "-sigfile", o, "-pkeyopt", f"distid:{SM2_ID}"])
        with open(o, "rb") as f:
            return f.read()


def sm2_verify_with_cert_der(cert: bytes, tbs: bytes, sig: bytes) -> bool:
    """Verify with `openssl pkeyutl -verify` against the public key of a DER certificate."""
    with tempfile.TemporaryDirectory() as d:
        c, i, s = (os.path.join(d, n) for n in ("cert.der", "tbs", "sig"))
        for p, b in ((c, cert), (i, tbs), (s, sig)):
            with open(p, "wb") as f:
                f.write(b)
        pem = os.path.join(d, "cert.pem")
        _run(["openssl", "x509", "-inform", "DER", "-in", c, "-out", pem])
        r = subprocess.run(["openssl", "pkeyutl", "-verify", "-rawin", "-digest", "sm3", "-certin",
                            "-inkey", pem, "-in", i, "-sigfile", s, "-pkeyopt", f"distid:{SM2_ID}"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        return r.returncode == 0 and b"Verified Successfully" in r.stdout


# ---------------------------------------------------------------- GB/T 35275 signed data

def gmt0010_detached(data: bytes, signer: Cert, signing_time: _dt.datetime) -> bytes:
    """ContentInfo(1.2.156.10197.6.1.4.2.2) detached SignedData over data (GM/T 0010, GB/T 35275):
    signedAttrs contentType (GM data), signingTime (UTCTime), messageDigest (SM3); SM2 over
    DER(SET OF); the signer certificate included."""
    attrs = set_of(
        seq(oid(ATTR_CONTENT_TYPE), set_of(oid(GM_DATA))),
        seq(oid(ATTR_SIGNING_TIME), set_of(utctime(signing_time))),
        seq(oid(ATTR_MESSAGE_DIGEST), set_of(octets(sm3(data)))),
    )
    sig = sm2_sign(signer, attrs)  # over the DER SET OF (tag 0x31)
    si = seq(
        integer(1),
        seq(signer.issuer, signer.serial_tlv),
        alg(SM3),
        b"\xa0" + attrs[1:],  # [0] IMPLICIT
        alg(SM2_SIGN),
        octets(sig),
    )
    sd = seq(integer(1), set_of(alg(SM3)), seq(oid(GM_DATA)), ctx_cons(0, signer.der), set_of(si))
    return seq(oid(GM_SIGNED_DATA), ctx_cons(0, sd))


# ---------------------------------------------------------------- PNG pictures

def png(width: int, height: int, color_type: int, rows: bytes) -> bytes:
    """An 8-bit PNG of the given colour type (2 RGB, 6 RGBA) from filtered scanlines."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows, 9))
            + chunk(b"IEND", b""))


def tiny_png() -> bytes:
    """A valid 1x1 red RGB PNG."""
    return png(1, 1, 2, b"\x00\xff\x00\x00")


def png_seal(size: int = 64, rgb=(200, 16, 16)) -> bytes:
    """An 8-bit RGBA PNG: a red ring with a dot, transparent elsewhere."""
    rows = []
    c = (size - 1) / 2
    for y in range(size):
        row = bytearray([0])
        for x in range(size):
            r = ((x - c) ** 2 + (y - c) ** 2) ** 0.5
            on = (size * 0.38 <= r <= size * 0.47) or r <= size * 0.12
            row += bytes(rgb + (255,)) if on else b"\x00\x00\x00\x00"
        rows.append(bytes(row))
    return png(size, size, 6, b"".join(rows))


# ---------------------------------------------------------------- writing fixtures

def write(rel: str, data: bytes) -> str:
    p = os.path.join(FIXTURES, rel)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "wb") as f:
        f.write(data)
    return p


def write_unless_present(kind: str, names, build) -> None:
    """Write build()'s {name: bytes} into fixtures/<kind>/, only when one of names is missing
    there or --force is given (SM2 signatures are randomised: a rebuild changes every file)."""
    out = os.path.join(FIXTURES, kind)
    os.makedirs(out, exist_ok=True)
    if "--force" not in sys.argv and all(os.path.exists(os.path.join(out, n)) for n in names):
        print(f"{kind}: fixtures present (use --force to rebuild)")
        return
    for name, data in build().items():
        write(f"{kind}/{name}", data)
        print(f"{kind}/{name}: {len(data)} bytes")


def manifest_entry(id_, kind, file, data, at, expect, rule, clause, maker, trust=("pki/root.cert.pem",)):
    """One fixture judgement (see make/manifest.py); expect = (indication, sub_indication[, time_source])."""
    e = {"indication": expect[0], "sub_indication": expect[1]}
    if len(expect) > 2:
        e["time_source"] = expect[2]
    return {"id": id_, "kind": kind, "file": file, "data": data, "trust": list(trust), "chain": [], "at": at,
            "expect": e, "rule": rule, "clause": clause, "maker": maker}


def write_manifest_part(name: str, entries) -> None:
    """fixtures/manifest.d/<name>.json: a maker's judgements, merged by make/manifest.py."""
    text = json.dumps(entries, ensure_ascii=False, indent=2) + "\n"
    write(f"manifest.d/{name}.json", text.encode("utf-8"))
