#!/usr/bin/env python3
"""GB/T 38540-2020 (v4) seals and SES_Signatures for the verification-time rules (issue 15),
hand-assembled in DER without yinxin. SM3 and SM2 come from the OpenSSL CLI (derlib).

SESeal ::= SEQUENCE { eSealInfo SES_SealInfo, cert OCTET STRING (maker), signAlgID OID,
                      signedValue BIT STRING  -- SM2 over DER(SES_SealInfo) }
SES_SealInfo ::= SEQUENCE { header { IA5 "ES", INTEGER 4, IA5 vid }, esID IA5String,
    property { type INTEGER, name UTF8String, certListType INTEGER 1, certList SEQUENCE OF OCTET STRING,
               createDate, validStart, validEnd GeneralizedTime },
    picture { type IA5 "png", data OCTET STRING, width INTEGER, height INTEGER } }
SES_Signature ::= SEQUENCE { toSign TBS_Sign, cert OCTET STRING (signer), signatureAlgID OID,
                             signature BIT STRING, timeStamp [0] EXPLICIT BIT STRING OPTIONAL }
TBS_Sign ::= SEQUENCE { version 4, eseal SESeal, timeInfo GeneralizedTime, dataHash BIT STRING,
                        propertyInfo IA5String }

Writes fixtures/ses/*.sig, fixtures/ses/seal-ok.esl, fixtures/ses/data.bin and
fixtures/manifest.d/ses.json.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tsp  # noqa: E402
from derlib import (  # noqa: E402
    SM2_WITH_SM3, bits, cert_der, ctx_cons, gentime, ia5, integer, manifest_entry, octets, oid, seq, sm2_sign, sm3,
    tiny_png, utc, utf8, write, write_manifest_part,
)

DATA = b"yinxin conformance fixture: the protected data of every SES_Signature here.\n"
START = "2020-01-01T00:00:00Z"
END = "2049-12-31T23:59:59Z"
MAKER = "make/ses.py"


def seal_info(es_id, holders, valid_start, valid_end, create=None):
    header = seq(ia5("ES"), integer(4), ia5("yinxin-conformance"))
    prop = seq(
        integer(3),
        utf8("一致性测试有限公司合同专用章"),
        integer(1),
        seq(*[octets(cert_der(h)) for h in holders]),
        gentime(utc(create or valid_start)),
        gentime(utc(valid_start)),
        gentime(utc(valid_end)),
    )
    picture = seq(ia5("png"), octets(tiny_png()), integer(40), integer(40))
    return seq(header, ia5(es_id), prop, picture)


def make_seal(es_id, holders, valid_start=START, valid_end=END, maker="maker", corrupt=False):
    info = seal_info(es_id, holders, valid_start, valid_end)
    sig = sm2_sign(maker, info)
    if corrupt:
        # Flip the last byte (inside INTEGER s): still well-formed DER, no longer a valid signature.
        sig = sig[:-1] + bytes([sig[-1] ^ 0x01])
    return seq(info, octets(cert_der(maker)), oid(SM2_WITH_SM3), bits(sig))


def make_signature(seal, signer, time_info, tst_gen_time=None, tst_serial=1):
    tbs = seq(integer(4), seal, gentime(utc(time_info)), bits(sm3(DATA)), ia5("ses/data.bin"))
    sig = sm2_sign(signer, tbs)
    parts = [tbs, octets(cert_der(signer)), oid(SM2_WITH_SM3), bits(sig)]
    if tst_gen_time:
        # RFC 3161 token over the signature value (the BIT STRING contents), [0] EXPLICIT BIT STRING.
        token = tsp.token(sig, utc(tst_gen_time), tst_serial)
        parts.append(ctx_cons(0, bits(token)))
    return seq(*parts)


CLAUSE_SEAL = "GB/T 38540-2020 §7.3 (seal valid at the signing time: validStart ≤ t ≤ validEnd)"
CLAUSE_CERT = "GB/T 38540-2020 §7.3 (signer certificate valid at the signing time); RFC 5280 §6.1.3"
CLAUSE_ORDER = "ETSI EN 319 102-1 (TIMESTAMP_ORDER_FAILURE: claimed time not plausible)"
CLAUSE_POE = "ETSI EN 319 102-1 (OUT_OF_BOUNDS_NO_POE); GB/T 38540-2020 §7.3"
CLAUSE_TST = "GB/T 38540-2020 §7.3 and RFC 3161 (time stamp over the signature value)"

# (id, file, seal kwargs, signer, timeInfo, TST genTime, [(at, expect, rule)], clause)
CASES = [
    ("ok", dict(holders=["valid"]), "valid", "2025-06-01T00:00:00Z", None,
     [(None, ("PASSED", None), "seal, signer certificate and claimed time all valid")], CLAUSE_SEAL),
    ("claimed-before-seal-start", dict(holders=["valid"], valid_start="2024-01-01T00:00:00Z"), "valid",
     "2023-06-01T00:00:00Z", None,
     [(None, ("FAILED", "NOT_YET_VALID"), "claimed signing time before the seal's validStart")], CLAUSE_SEAL),
    ("claimed-after-seal-end", dict(holders=["valid"], valid_end="2023-12-31T23:59:59Z"), "valid",
     "2024-06-01T00:00:00Z", None,
     [(None, ("FAILED", "EXPIRED"), "claimed signing time after the seal's validEnd")], CLAUSE_SEAL),
    ("claimed-after-seal-end-future", dict(holders=["valid"], valid_end="2030-12-31T23:59:59Z"), "valid",
     "2031-06-01T00:00:00Z", None,
     [(None, ("FAILED", "EXPIRED"),
       "claimed signing time after the seal's validEnd (and after now): expired whatever the time")],
     CLAUSE_SEAL),
    ("claimed-after-validation-time", dict(holders=["valid"]), "valid", "2040-01-01T00:00:00Z", None,
     [(None, ("INDETERMINATE", "TIMESTAMP_ORDER_FAILURE"),
       "claimed signing time later than the validation time: not plausible")], CLAUSE_ORDER),
    ("claimed-before-cert", dict(holders=["short"]), "short", "2020-06-01T00:00:00Z", None,
     [(None, ("FAILED", "NOT_YET_VALID"), "claimed signing time before the signer certificate's notBefore")],
     CLAUSE_CERT),
    ("claimed-after-cert", dict(holders=["short"]), "short", "2023-06-01T00:00:00Z", None,
     [(None, ("FAILED", "EXPIRED"), "claimed signing time after the signer certificate's notAfter")],
     CLAUSE_CERT),
    ("claimed-within-cert-expired-now", dict(holders=["short"]), "short", "2022-06-01T00:00:00Z", None,
     [(None, ("INDETERMINATE", "OUT_OF_BOUNDS_NO_POE"),
       "certificate valid at the claimed time but expired now, and no time stamp proves existence"),
      ("signing-time", ("PASSED", None), "judged at the claimed signing time: every check passes")],
     CLAUSE_POE),
    ("tst-before-claimed", dict(holders=["valid"]), "valid", "2025-06-02T00:00:00Z", "2025-06-01T00:00:00Z",
     [(None, ("INDETERMINATE", "TIMESTAMP_ORDER_FAILURE"),
       "claimed signing time later than the time stamp's genTime (beyond 5 min tolerance)")], CLAUSE_ORDER),
    ("tst-ok", dict(holders=["valid"]), "valid", "2025-06-01T00:00:00Z", "2025-06-01T00:01:00Z",
     [(None, ("PASSED", None, "time_stamp"), "a valid time stamp one minute after the claimed time")],
     CLAUSE_TST),
    ("tst-ok-short-cert", dict(holders=["short"]), "short", "2022-06-01T00:00:00Z", "2022-06-01T00:01:00Z",
     [(None, ("PASSED", None, "time_stamp"),
       "the time stamp proves existence while the (now expired) signer certificate was valid")], CLAUSE_TST),
    ("signer-not-in-certlist", dict(holders=["short"]), "valid", "2025-06-01T00:00:00Z", None,
     [(None, ("FAILED", "SIG_CONSTRAINTS_FAILURE"), "signer certificate is not in the seal's certList")],
     "GB/T 38540-2020 §7.3 (the signer certificate must match the seal's certList)"),
    ("bad-maker-signature", dict(holders=["valid"], corrupt=True), "valid", "2025-06-01T00:00:00Z", None,
     [(None, ("FAILED", "SIG_CRYPTO_FAILURE"), "one byte of the seal's signedValue flipped")],
     "GB/T 38540-2020 §7.3 / §3.1 step 2 (the maker's signature over SES_SealInfo)"),
]


def entry(id_, kind, file, data, at, expect, rule, clause):
    return manifest_entry(id_, kind, file, data, at, expect, rule, clause, MAKER)


def main():
    write("ses/data.bin", DATA)
    manifest = []
    for serial, (name, seal_kw, signer, time_info, gen_time, judgements, clause) in enumerate(CASES, start=1):
        seal = make_seal(f"yinxin-conformance-{name}", **seal_kw)
        sig = make_signature(seal, signer, time_info, gen_time, tst_serial=0x1000 + serial)
        write(f"ses/{name}.sig", sig)
        if name == "ok":
            write("ses/seal-ok.esl", seal)
        for at, expect, rule in judgements:
            id_ = f"ses-{name}" + (f"-at-{at}" if at else "")
            manifest.append(entry(id_, "ses-signature", f"ses/{name}.sig", "ses/data.bin", at, expect, rule, clause))
    manifest.append(entry("seal-ok", "seal", "ses/seal-ok.esl", None, None, ("PASSED", None),
                          "a well-formed v4 seal, maker signature valid, valid now", "GB/T 38540-2020 (seal verification)"))
    write_manifest_part("ses", manifest)
    print(f"ses: {len(CASES)} signatures, 1 seal, {len(manifest)} manifest entries")


if __name__ == "__main__":
    main()
