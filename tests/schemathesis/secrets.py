"""Secrets scan over a schemathesis run: the service's log and every response in the HAR files.

Usage: scan.py DATA_DIR KEYS_DIR LOG HAR...

Looks for the KEK (DATA_DIR/kek.hex), each keys-dev private key (its scalar in hex, either case,
and each line of its PEM body that carries the scalar's bytes), and every development client's bearer token (from
DATA_DIR/dev-credentials.json) in the log and in every response's headers and body. Holder ID
numbers are not searched for in responses: a holder's own answers carry their code by design
(crates/cli/tests/secrets.rs checks that refusals do not echo one). Exits 1 naming each find.
"""
import base64
import glob
import json
import os
import subprocess
import sys

data, keys, log, *hars = sys.argv[1:]
secrets = [("the KEK", open(os.path.join(data, "kek.hex")).read().strip())]
for pem in sorted(glob.glob(os.path.join(keys, "*.key.pem"))):
    name = os.path.basename(pem)
    text = subprocess.run(["openssl", "pkey", "-in", pem, "-noout", "-text"], capture_output=True, text=True).stdout
    # "priv:" then hex bytes with colons, up to "pub:".
    priv = text.split("priv:")[1].split("pub:")[0] if "priv:" in text else ""
    scalar = "".join(c for c in priv if c in "0123456789abcdef")[-64:]
    if len(scalar) == 64:
        secrets += [(f"{name} (scalar)", scalar), (f"{name} (scalar, upper case)", scalar.upper())]
    # The PEM lines that carry bytes of the scalar (a PKCS #8 SM2 key ends with its public key,
    # which certificates and verification keys publish: those lines are not secret).
    body = [l for l in open(pem).read().splitlines() if l and not l.startswith("-----")]
    der = base64.b64decode("".join(body))
    at = der.find(bytes.fromhex(scalar)) if len(scalar) == 64 else -1
    for i, line in enumerate(body):
        start = sum(len(base64.b64decode(b)) for b in body[:i])
        end = start + len(base64.b64decode(line))
        if at < 0 or (start < at + 32 and at < end):
            secrets.append((f"{name} (PEM line {i + 1})", line))
creds = json.load(open(os.path.join(data, "dev-credentials.json")))
secrets += [(f"{who}'s token", c["token"]) for who, c in creds.items()]

found = []


def search(where, text):
    for name, s in secrets:
        if s and s in text:
            found.append(f"{name} in {where}")


search(log, open(log, errors="replace").read())
responses = 0
for har in hars:
    for e in json.load(open(har))["log"]["entries"]:
        r = e["response"]
        responses += 1
        c = r.get("content", {})
        body = c.get("text") or ""
        if c.get("encoding") == "base64":
            body = base64.b64decode(body).decode("latin-1")
        heads = "\n".join(f"{h['name']}: {h['value']}" for h in r.get("headers", []))
        search(f"{har}: {e['request']['method']} {e['request']['url'][:120]}", heads + "\n" + body)
print(f"secrets scan: {len(secrets)} secrets, the log and {responses} responses: {len(found)} found")
for f in found[:20]:
    print("  " + f)
sys.exit(1 if found else 0)
