#!/usr/bin/env bash
# What the transparency log costs issuance: `POST /v1/licences` (OFD + PDF, sealed, logged) per
# second with the log on beside the same service with it off (`YINXIN_TRANSPARENCY_LOG=off`),
# in one run, on SQLite (and PostgreSQL unless LOAD_ONLY=sqlite). Both services run side by
# side; the measurements alternate on, off, on, off, … (ROUNDS pairs) so that this machine's
# drifting speed falls on both alike, and the ratio is of the sums. wrk, 8 connections, release.
# Usage: bash benches/tlog-issuance.sh [SECONDS per measurement, default 10] [ROUNDS, default 3]
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-10}
ROUNDS=${2:-3}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/yinxin-target}"
cargo build --release --locked -q --bin yinxin
BIN=$CARGO_TARGET_DIR/release/yinxin
WORK=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

cat > "$WORK/post.lua" <<'LUA'
local f = io.open(os.getenv("BODY_FILE"), "rb"); wrk.body = f:read("*a"); f:close()
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
LUA
python3 -c "import json;print(json.dumps({'type_code':'营业执照','fields':json.load(open('examples/营业执照.json'))}))" > "$WORK/issue.json"

start() { # name log(on|off) database-url → sets U_<name>, T_<name>
  local name=$1 log=$2 url=$3 data="$WORK/data-$1"
  YINXIN_TRANSPARENCY_LOG=$log YINXIN_RATE_PER_SECOND=1000000 YINXIN_DATABASE_URL=$url RUST_LOG=warn \
    "$BIN" serve --listen 127.0.0.1:0 --data-dir "$data" --key-dir keys-dev > "$WORK/out-$name" 2> "$WORK/err-$name" &
  PIDS+=($!)
  for _ in $(seq 200); do grep -q 'serving on' "$WORK/out-$name" 2>/dev/null && break; sleep 0.1; done
  eval "U_$name=$(grep -o 'http://[0-9.:]*' "$WORK/out-$name" | head -1)"
  eval "T_$name=$(python3 -c "import json;print(json.load(open('$data/dev-credentials.json'))['department:11530100MB0123456A']['token'])")"
}
rate() { # name → requests/s (non-2xx answers fail the run)
  local u t out
  u=$(eval echo "\$U_$1"); t=$(eval echo "\$T_$1")
  out=$(BODY_FILE="$WORK/issue.json" TOKEN=$t wrk -t2 -c8 -d"${SECS}s" -s "$WORK/post.lua" "$u/v1/licences")
  if echo "$out" | grep -q 'Non-2xx'; then echo "$out" >&2; echo "non-2xx answers from $1" >&2; exit 1; fi
  echo "$out" | awk '/Requests\/sec/ {print $2}'
}
compare() { # label
  local on_sum=0 off_sum=0 r line=""
  # A short warm-up of each (first documents, caches) is not measured.
  SECS=2 rate on >/dev/null; SECS=2 rate off >/dev/null
  for i in $(seq "$ROUNDS"); do
    r=$(rate on); on_sum=$(python3 -c "print($on_sum + $r)"); line="$line on $r"
    r=$(rate off); off_sum=$(python3 -c "print($off_sum + $r)"); line="$line | off $r"
  done
  python3 - "$1" "$on_sum" "$off_sum" "$ROUNDS" "$line" <<'PY'
import sys
label, on, off, n, line = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
print(f"{label}: log on {on/n:7.1f} issuances/s, log off {off/n:7.1f} issuances/s: on is {100*(1-on/off):+.1f} % slower ({line.strip()})")
PY
}

start on on ""
start off off ""
# The log-on service must really log: its checkpoint grows.
curl -sf "$U_on/tlog/checkpoint" > /dev/null || { echo "the log-on service serves no checkpoint" >&2; exit 1; }
compare "SQLite, POST /v1/licences, 8 conn, ${SECS}s x $ROUNDS"
size=$(curl -sf "$U_on/tlog/checkpoint" | sed -n 2p)
echo "  log-on service's tree: $size entries; log-off service answers /tlog/checkpoint with HTTP $(curl -s -o /dev/null -w '%{http_code}' "$U_off/tlog/checkpoint")"
for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; PIDS=()
[ "${LOAD_ONLY:-}" = sqlite ] && exit 0
A=yinxin_tlog_on_$$ B=yinxin_tlog_off_$$
psql -h 127.0.0.1 -U postgres -d postgres -qc "CREATE DATABASE $A" -c "CREATE DATABASE $B"
start on on "postgres://postgres@127.0.0.1:5432/$A"
start off off "postgres://postgres@127.0.0.1:5432/$B"
compare "PostgreSQL, POST /v1/licences, 8 conn, ${SECS}s x $ROUNDS"
for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; PIDS=()
psql -h 127.0.0.1 -U postgres -d postgres -qc "DROP DATABASE $A WITH (FORCE)" -c "DROP DATABASE $B WITH (FORCE)"
