"""Shared helpers for pdf.py and ofd.py: a minimal DER writer and reader, SM2/SM3 through the
OpenSSL 3 CLI, the pki-doc certificates, and a tiny PNG. Nothing here comes from yinxin."""

import os
import struct
import subprocess
import tempfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.normpath(os.path.join(HERE, "..", "fixtures"))
PKI = os.path.join(FIXTURES, "pki-doc")
DISTID = "1234567812345678"

# OIDs
SM3 = "1.2.156.10197.1.401"
SM2_SIGN = "1.2.156.10197.1.301.1"  # SM2-1, what GB/T 35275 SignerInfo uses
SM2_WITH_SM3 = "1.2.156.10197.1.501"
GM_DATA = "1.2.156.10197.6.1.4.2.1"
GM_SIGNED_DATA = "1.2.156.10197.6.1.4.2.2"
ATTR_CONTENT_TYPE = "1.2.840.113549.1.9.3"
ATTR_MESSAGE_DIGEST = "1.2.840.113549.1.9.4"
ATTR_SIGNING_TIME = "1.2.840.113549.1.9.5"


# ---- DER writing ----------------------------------------------------------------------------

def tlv(tag: int, value: bytes) -> bytes:
    n = len(value)
    if n < 0x80:
        length = bytes([n])
    else:
        b = n.to_bytes((n.bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(b)]) + b
    return bytes([tag]) + length + value


def seq(*items: bytes) -> bytes:
    return tlv(0x30, b"".join(items))


def set_of(*items: bytes) -> bytes:
    # DER: SET OF sorted by encoding
    return tlv(0x31, b"".join(sorted(items)))


def integer(v: int) -> bytes:
    if v == 0:
        return tlv(0x02, b"\x00")
    b = v.to_bytes((v.bit_length() + 8) // 8, "big", signed=True)
    return tlv(0x02, b)


def integer_raw(content: bytes) -> bytes:
    return tlv(0x02, content)


def oid(dotted: str) -> bytes:
    parts = [int(p) for p in dotted.split(".")]
    out = bytearray([parts[0] * 40 + parts[1]])
    for p in parts[2:]:
        chunk = [p & 0x7F]
        p >>= 7
        while p:
            chunk.append(0x80 | (p & 0x7F))
            p >>= 7
        out += bytes(reversed(chunk))
    return tlv(0x06, bytes(out))


NULL = b"\x05\x00"


def octets(b: bytes) -> bytes:
    return tlv(0x04, b)


def bits(b: bytes) -> bytes:
    return tlv(0x03, b"\x00" + b)


def ia5(s: str) -> bytes:
    return tlv(0x16, s.encode("ascii"))


def utf8(s: str) -> bytes:
    return tlv(0x0C, s.encode("utf-8"))


def utc_time(s: str) -> bytes:  # YYMMDDHHMMSSZ
    return tlv(0x17, s.encode("ascii"))


def gen_time(s: str) -> bytes:  # YYYYMMDDHHMMSSZ
    return tlv(0x18, s.encode("ascii"))


def ctx_cons(n: int, value: bytes) -> bytes:
    return tlv(0xA0 | n, value)


def alg(o: str) -> bytes:
    return seq(oid(o), NULL)


# ---- DER reading (just enough for certificates) ---------------------------------------------

def read_tlv(b: bytes, i: int = 0):
    """(tag, value_start, end) of the TLV at i."""
    tag = b[i]
    n = b[i + 1]
    j = i + 2
    if n & 0x80:
        k = n & 0x7F
        n = int.from_bytes(b[j:j + k], "big")
        j += k
    return tag, j, j + n


def children(b: bytes, start: int, end: int):
    out = []
    i = start
    while i < end:
        t, vs, e = read_tlv(b, i)
        out.append((t, i, vs, e))
        i = e
    return out


class Cert:
    def __init__(self, name: str):
        self.name = name
        self.key = os.path.join(PKI, f"{name}.key.pem")
        self.pem = os.path.join(PKI, f"{name}.cert.pem")
        with open(os.path.join(PKI, f"{name}.cert.der"), "rb") as f:
            self.der = f.read()
        _, vs, e = read_tlv(self.der)
        tbs = children(self.der, vs, e)[0]
        f = children(self.der, tbs[2], tbs[3])
        if f[0][0] == 0xA0:  # [0] version
            f = f[1:]
        # serial, signature, issuer, validity, subject, spki ...
        self.serial_tlv = self.der[f[0][1]:f[0][3]]
        self.issuer = self.der[f[2][1]:f[2][3]]


# ---- SM2 / SM3 via OpenSSL ------------------------------------------------------------------

def run(*args, data: bytes | None = None) -> bytes:
    r = subprocess.run(list(args), input=data, capture_output=True)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(args)}: {r.stderr.decode(errors='replace')}")
    return r.stdout


def sm3(data: bytes) -> bytes:
    return run("openssl", "dgst", "-sm3", "-binary", data=data)


def sm2_sign(key_pem: str, tbs: bytes, cert_pem: str | None = None) -> bytes:
    """DER SM2 signature (SM3, user ID 1234567812345678) over tbs, checked with the certificate."""
    with tempfile.TemporaryDirectory() as d:
        tin = os.path.join(d, "tbs")
        sig = os.path.join(d, "sig")
        with open(tin, "wb") as f:
            f.write(tbs)
        run("openssl", "pkeyutl", "-sign", "-rawin", "-digest", "sm3", "-inkey", key_pem,
            "-in", tin, "-out", sig, "-pkeyopt", f"distid:{DISTID}")
        if cert_pem:
            run("openssl", "pkeyutl", "-verify", "-rawin", "-digest", "sm3", "-certin", "-inkey", cert_pem,
                "-in", tin, "-sigfile", sig, "-pkeyopt", f"distid:{DISTID}")
        with open(sig, "rb") as f:
            return f.read()


# ---- GB/T 35275 detached signed data --------------------------------------------------------

def gmt0010_detached(data: bytes, signer: Cert, signing_time_utc: str) -> bytes:
    """ContentInfo(1.2.156.10197.6.1.4.2.2) detached SignedData over data, signedAttrs
    contentType (GM data), signingTime (UTCTime), messageDigest (SM3); SM2 over DER(SET OF)."""
    attrs = [
        seq(oid(ATTR_CONTENT_TYPE), set_of(oid(GM_DATA))),
        seq(oid(ATTR_SIGNING_TIME), set_of(utc_time(signing_time_utc))),
        seq(oid(ATTR_MESSAGE_DIGEST), set_of(octets(sm3(data)))),
    ]
    signed_attrs = set_of(*attrs)  # what the SM2 signature covers
    sig = sm2_sign(signer.key, signed_attrs, signer.pem)
    signer_info = seq(
        integer(1),
        seq(signer.issuer, signer.serial_tlv),
        alg(SM3),
        b"\xa0" + signed_attrs[1:],  # [0] IMPLICIT SET OF
        alg(SM2_SIGN),
        octets(sig),
    )
    signed_data = seq(
        integer(1),
        set_of(alg(SM3)),
        seq(oid(GM_DATA)),
        ctx_cons(0, signer.der),
        set_of(signer_info),
    )
    return seq(oid(GM_SIGNED_DATA), ctx_cons(0, signed_data))


# ---- a small seal picture --------------------------------------------------------------------

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
    raw = b"".join(rows)

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
