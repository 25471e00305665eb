#!/usr/bin/env bash
# The independent check of the transparency log (issue 19): start `yinxin serve` on a fresh
# SQLite data directory, issue N licences (default 1,000) recording every checkpoint seen, then
# let tests/tlog/check.py (no yinxin code; SM3 from openssl) verify the tiles, 1,000 inclusion
# proofs and 100 consistency proofs. Run by hand: it takes minutes (a release build and 1,000
# issuances), too slow for the debug test suite.
#   tests/tlog/run.sh            # builds yinxin in release mode
#   YINXIN_BIN=path/to/yinxin N=300 tests/tlog/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${N:-1000}
if [ -z "${YINXIN_BIN:-}" ]; then
    cargo build --release --locked -p yinxin
    YINXIN_BIN=${CARGO_TARGET_DIR:-target}/release/yinxin
fi
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
YINXIN_RATE_PER_SECOND=100000 RUST_LOG=warn "$YINXIN_BIN" serve --listen 127.0.0.1:0 \
    --data-dir "$work/data" --key-dir keys-dev >"$work/out" 2>"$work/err" &
pid=$!
for _ in $(seq 100); do grep -q http:// "$work/out" 2>/dev/null && break; sleep 0.2; done
base=$(grep -o 'http://[^ ]*' "$work/out" | head -1)
python3 tests/tlog/check.py issue "$base" "$work/data/dev-credentials.json" "$N" "$work/seen.json"
python3 tests/tlog/check.py verify "$base" "$work/data/dev-credentials.json" "$work/seen.json"
