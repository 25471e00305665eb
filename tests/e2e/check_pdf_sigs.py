#!/usr/bin/env python3
"""An independent check of the signatures in a PDF, using no yinxin code.

For every /ByteRange [a b c d] in the file: the bytes between the two ranges are the /Contents
hex string; its DER is walked by hand (ContentInfo -> SignedData, GM/T 0010 1.2.156.10197.6.1.4.2.2
or PKCS #7 1.2.840.113549.1.7.2 -> certificates, signerInfos[0]); the messageDigest signed
attribute must be the SM3 of the covered bytes, and the SM2 signature over the signed attributes
(the [0] element re-tagged as a SET, 0x31) must verify under the public key of the certificate
that issuerAndSerialNumber names. SM3 and SM2 are OpenSSL's (`openssl dgst -sm3`, `openssl
pkeyutl -verify ... -digest sm3 -pkeyopt distid:1234567812345678`).

Prints one line per signature; exits 1 if any check fails (or none is found), 2 on usage errors.
Usage: check_pdf_sigs.py FILE.pdf
"""
import re
import subprocess
import sys
import tempfile
from pathlib import Path

OID_SIGNED_DATA = {"1.2.156.10197.6.1.4.2.2", "1.2.840.113549.1.7.2"}
OID_MESSAGE_DIGEST = "1.2.840.113549.1.9.4"
OID_CN = "2.5.4.3"


class Tlv:
    """One DER element: its tag, the raw bytes (header included) and the value."""

    def __init__(self, buf, off):
        if off + 2 > len(buf):
            raise ValueError(f"truncated element at {off}")
        self.tag = buf[off]
        if self.tag & 0x1F == 0x1F:
            raise ValueError(f"multi-byte tag at {off}")
        n = buf[off + 1]
        hdr = 2
        if n & 0x80:
            k = n & 0x7F
            if k == 0 or k > 4:
                raise ValueError(f"unsupported length form at {off}")
            n = int.from_bytes(buf[off + 2 : off + 2 + k], "big")
            hdr += k
        self.start, self.vstart, self.end = off, off + hdr, off + hdr + n
        if self.end > len(buf):
            raise ValueError(f"element at {off} runs past the end")
        self.raw = buf[self.start : self.end]
        self.value = buf[self.vstart : self.end]

    def children(self):
        out, off = [], 0
        while off < len(self.value):
            t = Tlv(self.value, off)
            out.append(t)
            off = t.end
        return out


def oid(t):
    if t.tag != 0x06:
        raise ValueError(f"expected an OID, found tag {t.tag:#x}")
    v, arcs, n = t.value, [], 0
    for b in v:
        n = (n << 7) | (b & 0x7F)
        if not b & 0x80:
            arcs.append(n)
            n = 0
    first = min(arcs[0] // 40, 2)
    return ".".join(map(str, [first, arcs[0] - 40 * first] + arcs[1:]))


def common_name(name):
    for rdn in name.children():
        for atv in rdn.children():
            k, v = atv.children()[:2]
            if oid(k) == OID_CN:
                return v.value.decode("utf-8", "replace")
    return "?"


def der_signature(sig):
    """The signature as DER SEQUENCE { r, s } (a raw 64-byte r||s is converted)."""
    try:
        t = Tlv(sig, 0)
        if t.tag == 0x30 and t.end == len(sig) and [c.tag for c in t.children()] == [2, 2]:
            return sig
    except ValueError:
        pass
    if len(sig) != 64:
        raise ValueError(f"signature of {len(sig)} bytes is neither DER nor r||s")

    def integer(b):
        b = b.lstrip(b"\0") or b"\0"
        if b[0] & 0x80:
            b = b"\0" + b
        return bytes([2, len(b)]) + b

    body = integer(sig[:32]) + integer(sig[32:])
    return bytes([0x30, len(body)]) + body


def openssl(*args, data=None):
    r = subprocess.run(["openssl", *args], input=data, capture_output=True)
    return r.returncode, r.stdout, r.stderr.decode(errors="replace").strip()


def check_one(pdf, br, tmp):
    a, b, c, d = br
    if a != 0 or not (a + b <= c <= c + d <= len(pdf)):
        raise ValueError(f"ByteRange {br} does not fit a file of {len(pdf)} bytes")
    gap = pdf[a + b : c]
    if not (gap.startswith(b"<") and gap.endswith(b">")):
        raise ValueError("the bytes between the ranges are not a hex string")
    cms = bytes.fromhex(gap[1:-1].decode("ascii"))
    ci = Tlv(cms, 0)  # trailing zero padding after the DER is allowed
    ct, content = ci.children()[:2]
    if oid(ct) not in OID_SIGNED_DATA:
        raise ValueError(f"ContentInfo type {oid(ct)} is not signed data")
    sd = content.children()[0]
    parts = sd.children()
    certs = next((p for p in parts if p.tag == 0xA0), None)
    signer_infos = parts[-1]
    if certs is None or signer_infos.tag != 0x31:
        raise ValueError("no certificates or no signerInfos")
    si = signer_infos.children()[0].children()
    sid = si[1]
    if sid.tag != 0x30:
        raise ValueError("the signer is not named by issuerAndSerialNumber")
    issuer, serial = sid.children()
    signed_attrs = next((e for e in si if e.tag == 0xA0), None)
    if signed_attrs is None:
        raise ValueError("no signed attributes")
    signature = next(e for e in si[3:] if e.tag == 0x04).value
    digest = None
    for attr in signed_attrs.children():
        k, vals = attr.children()
        if oid(k) == OID_MESSAGE_DIGEST:
            digest = vals.children()[0].value
    if digest is None:
        raise ValueError("no messageDigest attribute")
    cert = None
    for ce in certs.children():
        tbs = ce.children()[0].children()
        i = 1 if tbs[0].tag == 0xA0 else 0  # [0] version
        if tbs[i].raw == serial.raw and tbs[i + 2].raw == issuer.raw:
            cert, subject = ce, tbs[i + 4]
    if cert is None:
        raise ValueError("no certificate matches issuerAndSerialNumber")

    covered = pdf[a : a + b] + pdf[c : c + d]
    rc, sm3, err = openssl("dgst", "-sm3", "-binary", data=covered)
    if rc != 0:
        raise ValueError(f"openssl dgst: {err}")
    digest_ok = sm3 == digest

    attrs = bytes([0x31]) + signed_attrs.raw[1:]
    (tmp / "cert.der").write_bytes(cert.raw)
    (tmp / "attrs.der").write_bytes(attrs)
    (tmp / "sig.der").write_bytes(der_signature(signature))
    rc, pub, err = openssl("x509", "-inform", "DER", "-in", str(tmp / "cert.der"), "-pubkey", "-noout")
    if rc != 0:
        raise ValueError(f"openssl x509: {err}")
    (tmp / "pub.pem").write_bytes(pub)
    rc, out, err = openssl(
        "pkeyutl", "-verify", "-pubin", "-inkey", str(tmp / "pub.pem"), "-rawin", "-in", str(tmp / "attrs.der"),
        "-sigfile", str(tmp / "sig.der"), "-digest", "sm3", "-pkeyopt", "distid:1234567812345678",
    )
    sig_ok = rc == 0
    return common_name(subject), digest_ok, sig_ok, len(covered)


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    pdf = Path(argv[1]).read_bytes()
    ranges = []
    for m in re.finditer(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", pdf):
        br = tuple(int(x) for x in m.groups())
        if br not in ranges:
            ranges.append(br)
    if not ranges:
        print("no signatures (no /ByteRange) found")
        return 1
    failed = 0
    with tempfile.TemporaryDirectory() as d:
        for n, br in enumerate(ranges, 1):
            try:
                cn, digest_ok, sig_ok, covered = check_one(pdf, br, Path(d))
            except (ValueError, IndexError, StopIteration) as e:
                print(f"signature {n}: ByteRange {list(br)}: FAILED: unreadable: {e}")
                failed += 1
                continue
            ok = digest_ok and sig_ok
            failed += not ok
            print(
                f"signature {n}: ByteRange {list(br)} ({covered} bytes) signer {cn!r}: "
                f"messageDigest {'=' if digest_ok else '!='} SM3, SM2 signature {'valid' if sig_ok else 'INVALID'}: "
                f"{'OK' if ok else 'FAILED'}"
            )
    print(f"{len(ranges)} signature(s), {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
