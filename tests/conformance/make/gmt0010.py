#!/usr/bin/env python3
"""GM/T 0010-2012 / GB/T 35275-2017 detached SM2 signed data for the verification-time rules
(issue 15), hand-assembled in DER without yinxin. SM3 and SM2 come from the OpenSSL CLI.

ContentInfo { 1.2.156.10197.6.1.4.2.2, [0] SignedData {
    version 1, digestAlgorithms { { sm3, NULL } }, contentInfo { 1.2.156.10197.6.1.4.2.1 } (detached),
    certificates [0] { signer cert },
    signerInfos { SignerInfo { 1, issuerAndSerialNumber, { sm3, NULL },
        [0] signedAttrs { contentType GM data, signingTime UTCTime, messageDigest SM3(data) },
        { SM2-1 1.2.156.10197.1.301.1, NULL }, OCTET STRING SM2(DER SET OF signedAttrs) } } } }

Writes fixtures/gmt0010/*.p7, fixtures/gmt0010/data.bin and fixtures/manifest.d/gmt0010.json.
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from derlib import (  # noqa: E402
    ATTR_CONTENT_TYPE, ATTR_MESSAGE_DIGEST, ATTR_SIGNING_TIME, FIXTURES, GM_DATA, GM_SIGNED_DATA, SM2_SIGN, SM3,
    cert_der, cert_issuer_and_serial, ctx_cons, integer, null, octets, oid, seq, set_of, sm2_sign, sm3, utc,
    utctime, write,
)

DATA = b"yinxin conformance fixture: the data signed by every GM/T 0010 signature here.\n"
MAKER = "make/gmt0010.py"


def signed_data(signer, signing_time):
    cert = cert_der(signer)
    issuer, serial = cert_issuer_and_serial(cert)
    sm3_alg = seq(oid(SM3), null())
    attrs = set_of(
        seq(oid(ATTR_CONTENT_TYPE), set_of(oid(GM_DATA))),
        seq(oid(ATTR_SIGNING_TIME), set_of(utctime(utc(signing_time)))),
        seq(oid(ATTR_MESSAGE_DIGEST), set_of(octets(sm3(DATA)))),
    )
    sig = sm2_sign(signer, attrs)  # over the DER SET OF (tag 0x31)
    si = seq(
        integer(1),
        seq(issuer, serial),
        sm3_alg,
        b"\xa0" + attrs[1:],  # [0] IMPLICIT
        seq(oid(SM2_SIGN), null()),
        octets(sig),
    )
    sd = seq(integer(1), set_of(sm3_alg), seq(oid(GM_DATA)), ctx_cons(0, cert), set_of(si))
    return seq(oid(GM_SIGNED_DATA), ctx_cons(0, sd))


CASES = [
    ("ok", "valid", "2025-06-01T00:00:00Z", ("PASSED", None),
     "signer certificate valid at the claimed signingTime and now", "GB/T 35275-2017 (signed data); RFC 5280 §6.1.3"),
    ("signing-time-after-cert", "short", "2023-06-01T00:00:00Z", ("FAILED", "EXPIRED"),
     "claimed signingTime after the signer certificate's notAfter", "GB/T 35275-2017; RFC 5280 §6.1.3"),
    ("signing-time-future", "valid", "2045-01-01T00:00:00Z", ("INDETERMINATE", "TIMESTAMP_ORDER_FAILURE"),
     "claimed signingTime later than the validation time: not plausible",
     "ETSI EN 319 102-1 (TIMESTAMP_ORDER_FAILURE)"),
]


def main():
    write("gmt0010/data.bin", DATA)
    manifest = []
    for name, signer, t, expect, rule, clause in CASES:
        write(f"gmt0010/{name}.p7", signed_data(signer, t))
        manifest.append({
            "id": f"gmt0010-{name}", "kind": "gmt0010-signature", "file": f"gmt0010/{name}.p7",
            "data": "gmt0010/data.bin", "trust": ["pki/root.cert.pem"], "chain": [], "at": None,
            "expect": {"indication": expect[0], "sub_indication": expect[1]},
            "rule": rule, "clause": clause, "maker": MAKER,
        })
    os.makedirs(os.path.join(FIXTURES, "manifest.d"), exist_ok=True)
    with open(os.path.join(FIXTURES, "manifest.d", "gmt0010.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, ensure_ascii=False, indent=2)
        f.write("\n")
    print(f"gmt0010: {len(CASES)} signed data")


if __name__ == "__main__":
    main()
