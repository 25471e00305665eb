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

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from derlib import Cert, gmt0010_detached, manifest_entry, utc, write, write_manifest_part  # noqa: E402

DATA = b"yinxin conformance fixture: the data signed by every GM/T 0010 signature here.\n"
MAKER = "make/gmt0010.py"


def signed_data(signer, signing_time):
    return gmt0010_detached(DATA, Cert(signer), utc(signing_time))


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
        manifest.append(manifest_entry(f"gmt0010-{name}", "gmt0010-signature", f"gmt0010/{name}.p7",
                                       "gmt0010/data.bin", None, expect, rule, clause, MAKER))
    write_manifest_part("gmt0010", manifest)
    print(f"gmt0010: {len(CASES)} signed data")


if __name__ == "__main__":
    main()
