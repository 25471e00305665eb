#!/usr/bin/env bash
# Runs yinxin's crypto benchmarks and `openssl speed` in the same run on this machine, one core
# each, and prints the figures side by side with ratios.
#   bash benches/peers.sh            # full run (~3 minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"

echo "running criterion benchmarks (about 2 minutes)..." >&2
cargo bench --locked -p yinxin-benches --bench crypto -- --noplot >/dev/null 2>&1
ossl_sm2=$(openssl speed -seconds 3 sm2 2>/dev/null | awk '/ SM2 /{print $(NF-1), $NF}' | tail -1)
ossl_sm3_1k=$(openssl speed -seconds 3 -bytes 1024 -evp sm3 2>/dev/null | awk 'tolower($1) ~ /^sm3/{print $NF}')
ossl_sm3_16k=$(openssl speed -seconds 3 -bytes 16384 -evp sm3 2>/dev/null | awk 'tolower($1) ~ /^sm3/{print $NF}')
ossl_sm3_1m=$(openssl speed -seconds 3 -bytes 1048576 -evp sm3 2>/dev/null | awk 'tolower($1) ~ /^sm3/{print $NF}')
ossl_sm4=$(openssl speed -seconds 3 -bytes 1048576 -evp sm4-cbc 2>/dev/null | awk 'tolower($1) ~ /^sm4/{print $NF}')

python3 - "$target/criterion" "$ossl_sm2" "$ossl_sm3_1k" "$ossl_sm3_16k" "$ossl_sm3_1m" "$ossl_sm4" <<'PY'
import json, sys, os
root, sm2, sm3_1k, sm3_16k, sm3_1m, sm4 = sys.argv[1:7]
def ns(group, name):
    with open(os.path.join(root, group, name, "new", "estimates.json")) as f:
        return json.load(f)["mean"]["point_estimate"]
def kbps(s):  # openssl prints e.g. 389120.00k (thousands of bytes per second)
    return float(s.rstrip("k")) * 1000
o_sign, o_verify = (float(x) for x in sm2.split())
rows = []
for be in ("sm2p256", "software"):
    g = f"sm2-{be}"
    rows += [
        (f"SM2 keygen /s [{be}]", 1e9 / ns(g, "keygen"), None),
        (f"SM2 sign 1 KiB /s [{be}]", 1e9 / ns(g, "sign_1KiB"), o_sign),
        (f"SM2 verify 1 KiB /s [{be}]", 1e9 / ns(g, "verify_1KiB"), o_verify),
        # A key seen once: Z and the per-key tables are part of each verification.
        (f"SM2 verify, new key /s [{be}]", 1e9 / ns(g, "verify_1KiB_uncached"), o_verify),
    ]
rows += [
    ("SM3 1 KiB MB/s", 1024 / ns("sm3", "1KiB") * 1e3, kbps(sm3_1k) / 1e6),
    ("SM3 16 KiB MB/s", 16384 / ns("sm3", "16KiB") * 1e3, kbps(sm3_16k) / 1e6),
    ("SM3 1 MiB MB/s", 1048576 / ns("sm3", "1MiB") * 1e3, kbps(sm3_1m) / 1e6),
    ("SM4-GCM 1 MiB MB/s", 1048576 / ns("sm4", "gcm_seal_1MiB") * 1e3, None),
    ("SM4-CBC 1 MiB MB/s", 1048576 / ns("sm4", "cbc_encrypt_1MiB") * 1e3, kbps(sm4) / 1e6),
]
print(f"{'operation':<34}{'yinxin':>12}{'OpenSSL':>12}{'ratio':>8}")
for name, ours, peer in rows:
    p = f"{peer:12.0f}" if peer else f"{'-':>12}"
    r = f"{ours / peer:8.2f}" if peer else f"{'-':>8}"
    print(f"{name:<34}{ours:12.0f}{p}{r}")
print("OpenSSL:", os.popen("openssl version").read().strip(), "| one core each, same run")
PY
