#!/usr/bin/env python3
"""Independent sanity checks of the SES / GM/T 0010 / seal fixtures, without yinxin:
every DER parses with `openssl asn1parse`, every SM2 signature (certificates, seal maker, signer,
TSA) verifies with `openssl pkeyutl -verify` (user ID 1234567812345678) against the certificate's
key, and every hash (dataHash, messageDigest, TST imprint, ESS cert hash) matches.

With --yinxin BIN (or when /var/tmp/yinxin-target/debug/yinxin exists) it also runs
`yinxin verify` on each manifest entry and prints what it says next to the expectation; those
lines are informational (exit status reflects only the independent checks).
"""

import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from derlib import (  # noqa: E402
    FIXTURES, cert_der, cert_tbs_and_signature, children, sm2_verify_with_cert_der, sm3, value,
)

KINDS = ("ses-signature", "seal", "gmt0010-signature")
failures = []


def ok(cond, what):
    if not cond:
        failures.append(what)
    return cond


def asn1parse(path):
    r = subprocess.run(["openssl", "asn1parse", "-inform", "DER", "-in", path],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return r.returncode == 0 and b"Error" not in r.stderr


def asn1parse_bytes(b, name):
    import tempfile
    with tempfile.NamedTemporaryFile(suffix=".der") as f:
        f.write(b)
        f.flush()
        return ok(asn1parse(f.name), f"{name}: openssl asn1parse failed")


def check_seal(seal, name, expect_maker_ok=True):
    info, cert, _alg, sv = children(value(seal))[:4]
    good = sm2_verify_with_cert_der(cert[2], info[1], sv[2][1:])
    ok(good == expect_maker_ok, f"{name}: maker signature verifies={good}, expected {expect_maker_ok}")
    return good


def check_token(token, signed_value, name):
    asn1parse_bytes(token, f"{name} token")
    ci = children(value(token))
    sd_fields = children(value(ci[1][2]))  # [0] EXPLICIT SignedData
    econtent = children(sd_fields[2][2])[1]
    tst = value(econtent[2])  # [0] { OCTET STRING }
    tst_fields = children(value(tst))
    imprint = children(tst_fields[2][2])[1][2]
    gen_time = tst_fields[4][2].decode()
    certs = [c[1] for c in children(sd_fields[3][2])]
    si = children(children(sd_fields[-1][2])[0][2])
    attrs_raw = si[3][1]
    sig = si[5][2]
    tsa = certs[0]
    ok(imprint == sm3(signed_value), f"{name}: TST imprint is not SM3 of the signature value")
    signed = b"\x31" + attrs_raw[1:]
    ok(sm2_verify_with_cert_der(tsa, signed, sig), f"{name}: TSA signature does not verify")
    for _, raw, v in children(si[3][2]):
        a = children(v)
        o, vals = a[0][1], children(a[1][2])[0]
        if o == bytes.fromhex("06092a864886f70d010904"):
            ok(vals[2] == sm3(tst), f"{name}: TST messageDigest mismatch")
        if o == bytes.fromhex("060b2a864886f70d010910022f"):
            ess = children(children(children(vals[2])[0][2])[0][2])
            ok(ess[1][2] == sm3(tsa), f"{name}: ESS certHash is not SM3 of the TSA cert")
    return gen_time


def check_ses(path, data, name):
    raw = open(path, "rb").read()
    parts = children(value(raw))
    tbs, cert, _alg, sig = parts[:4]
    ok(sm2_verify_with_cert_der(cert[2], tbs[1], sig[2][1:]), f"{name}: signer signature does not verify")
    f = children(tbs[2])
    ok(f[0][2] == b"\x04", f"{name}: TBS version is not 4")
    check_seal(f[1][1], name, expect_maker_ok="bad-maker" not in name)
    ok(f[3][2][1:] == sm3(data), f"{name}: dataHash is not SM3 of the data")
    info = f"timeInfo {f[2][2].decode()}"
    if len(parts) == 5:
        ok(parts[4][0] == 0xA0, f"{name}: timeStamp is not [0]")
        token = value(parts[4][2])[1:]  # [0] { BIT STRING 00 || token }
        info += f", TST genTime {check_token(token, sig[2][1:], name)}"
    return info


def check_gmt0010(path, data, name):
    raw = open(path, "rb").read()
    ci = children(value(raw))
    sd = children(children(ci[1][2])[0][2])
    certs = [c[1] for c in children(sd[3][2])]
    si = children(children(sd[4][2])[0][2])
    attrs_raw, sig = si[3][1], si[5][2]
    ok(sm2_verify_with_cert_der(certs[0], b"\x31" + attrs_raw[1:], sig), f"{name}: SM2 signature does not verify")
    st = None
    for _, _, v in children(si[3][2]):
        a = children(v)
        vals = children(a[1][2])[0]
        if a[0][1] == bytes.fromhex("06092a864886f70d010904"):
            ok(vals[2] == sm3(data), f"{name}: messageDigest is not SM3 of the data")
        if a[0][1] == bytes.fromhex("06092a864886f70d010905"):
            st = vals[2].decode()
    return f"signingTime {st}"


def check_pki():
    root = cert_der("root")
    for n in ("root", "valid", "short", "maker", "tsa"):
        tbs, sig = cert_tbs_and_signature(cert_der(n))
        ok(sm2_verify_with_cert_der(root, tbs, sig), f"pki/{n}: certificate signature does not verify with root")


def yinxin_bin():
    if "--yinxin" in sys.argv:
        return sys.argv[sys.argv.index("--yinxin") + 1]
    b = "/var/tmp/yinxin-target/debug/yinxin"
    return b if os.path.exists(b) else None


def run_yinxin(binary, e):
    cmd = [binary, "verify", os.path.join(FIXTURES, e["file"]), "--json"]
    if e["data"]:
        cmd += ["--data", os.path.join(FIXTURES, e["data"])]
    for t in e["trust"]:
        cmd += ["--trust", os.path.join(FIXTURES, t)]
    for c in e["chain"]:
        cmd += ["--chain", os.path.join(FIXTURES, c)]
    if e["at"]:
        cmd += ["--at", e["at"]]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        rep = json.loads(r.stdout)
    except ValueError:
        return f"no JSON (exit {r.returncode}): {r.stderr.strip()[:200]}"
    bad = [f"{c['id']}={c['outcome']}" + (f"/{c['sub_indication']}" if c.get("sub_indication") else "")
           for c in rep.get("checks", []) if c.get("outcome") not in ("PASSED", "NOT_APPLICABLE")]
    got = f"{rep.get('indication')}/{rep.get('sub_indication')} src={rep.get('time_source')}"
    want = f"{e['expect']['indication']}/{e['expect']['sub_indication']}"
    mark = "==" if got.split(" ")[0] == want else "!="
    return f"{mark} yinxin {got} (want {want}) {'; '.join(bad)}"


def main():
    check_pki()
    with open(os.path.join(FIXTURES, "manifest.json"), encoding="utf-8") as f:
        manifest = [e for e in json.load(f) if e["kind"] in KINDS]
    binary = yinxin_bin()
    done = {}
    for e in manifest:
        path = os.path.join(FIXTURES, e["file"])
        data = open(os.path.join(FIXTURES, e["data"]), "rb").read() if e["data"] else None
        if e["file"] not in done:
            ok(asn1parse(path), f"{e['file']}: openssl asn1parse failed")
            if e["kind"] == "ses-signature":
                done[e["file"]] = check_ses(path, data, e["id"])
            elif e["kind"] == "gmt0010-signature":
                done[e["file"]] = check_gmt0010(path, data, e["id"])
            else:
                check_seal(open(path, "rb").read(), e["id"])
                done[e["file"]] = "seal"
        line = f"{e['id']}: {done[e['file']]}"
        if binary:
            line += "\n    " + run_yinxin(binary, e)
        print(line)
    if failures:
        print("FAILED independent checks:\n  " + "\n  ".join(failures), file=sys.stderr)
        sys.exit(1)
    print(f"check: {len(manifest)} entries, all independent checks passed")


if __name__ == "__main__":
    main()
