#!/usr/bin/env bash
# Load benchmark of `yinxin serve` on loopback, bounded in time, on SQLite and on PostgreSQL:
# verifications per second of an uploaded sealed PDF and by identifier, issuances per second, with
# p50 and p99 latency (wrk, from Debian), beside the in-process verification rate of the same PDF
# measured in the same run (benches/examples/verify_rate.rs, 2 threads). Release builds.
# Verification is measured at 8 connections (latency) and at 32 (enough to saturate both cores:
# the service's throughput ceiling); issuance at 8.
# Usage: bash benches/load.sh [SECONDS per measurement, default 10]  (LOAD_ONLY=sqlite skips PostgreSQL)
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-10}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/yinxin-target}"
cargo build --release --locked -q --bin yinxin
cargo build --release --locked -q -p yinxin-benches --example verify_rate
BIN=$CARGO_TARGET_DIR/release/yinxin
WORK=$(mktemp -d)
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

cat > "$WORK/post.lua" <<'LUA'
local f = io.open(os.getenv("BODY_FILE"), "rb"); wrk.body = f:read("*a"); f:close()
wrk.method = "POST"
wrk.headers["Content-Type"] = os.getenv("BODY_TYPE")
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
LUA
cat > "$WORK/get.lua" <<'LUA'
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
LUA

# wrk's summary → "req/s p50 p99"
summary() { awk '/Requests\/sec/ {r=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2} /Non-2xx/ {bad=$5} END {printf "%8.0f  %8s  %8s  %s\n", r, p50, p99, (bad? "non-2xx: " bad : "")}'; }
# This machine's speed drifts within minutes, so every HTTP verification measurement is bracketed
# by in-process measurements of the same PDF (2 threads, half as long each) and compared with
# their mean: "in-process" and "ratio" columns.
inproc() { "$CARGO_TARGET_DIR/release/examples/verify_rate" "$1" keys-dev 2 "$2" | sed 's/^verifications_per_s=\([0-9]*\).*/\1/'; }
bracketed() { # label pdf wrk-args...
  local label=$1 pdf=$2; shift 2
  local a b line r
  a=$(inproc "$pdf" $(( (SECS + 1) / 2 )))
  line=$("$@" | summary)
  b=$(inproc "$pdf" $(( (SECS + 1) / 2 )))
  r=$(echo "$line" | awk '{print $1}')
  printf '%-50s %s  in-process %5d/s  ratio %3d %%\n' "$label" "$line" $(( (a + b) / 2 )) $(( 200 * r / (a + b) ))
}

run_one() { # label database-url
  local label=$1 url=$2 data="$WORK/data-$1"
  YINXIN_RATE_PER_SECOND=1000000 YINXIN_DATABASE_URL=$url RUST_LOG=warn \
    "$BIN" serve --listen 127.0.0.1:0 --data-dir "$data" --key-dir keys-dev > "$WORK/out-$label" 2> "$WORK/err-$label" &
  PID=$!
  for _ in $(seq 100); do grep -q 'serving on' "$WORK/out-$label" 2>/dev/null && break; sleep 0.1; done
  local U; U=$(grep -o 'http://[0-9.:]*' "$WORK/out-$label" | head -1)
  local DEPT OFFICER
  DEPT=$(python3 -c "import json;print(json.load(open('$data/dev-credentials.json'))['department:11530100MB0123456A']['token'])")
  OFFICER=$(python3 -c "import json;print(json.load(open('$data/dev-credentials.json'))['officer']['token'])")
  python3 -c "import json;print(json.dumps({'type_code':'营业执照','fields':json.load(open('examples/营业执照.json'))}))" > "$WORK/issue.json"
  local ID
  ID=$(curl -sf -X POST "$U/v1/licences" -H "Authorization: Bearer $DEPT" -H 'Content-Type: application/json' \
        --data @"$WORK/issue.json" | python3 -c "import json,sys;print(json.load(sys.stdin)['identifier'])")
  curl -sf "$U/v1/licences/$ID/pdf" -H "Authorization: Bearer $DEPT" -o "$WORK/licence.pdf"
  printf '%-50s %8s  %8s  %8s\n' "operation ($label)" "req/s" "p50" "p99"
  for c in 8 32; do
    BODY_FILE="$WORK/licence.pdf" BODY_TYPE=application/pdf TOKEN=$OFFICER bracketed \
      "POST /v1/verify (sealed PDF upload), $c conn" "$WORK/licence.pdf" \
      wrk -t1 -c$c -d"${SECS}s" --latency -s "$WORK/post.lua" "$U/v1/verify"
    TOKEN=$OFFICER bracketed "GET /v1/verify/licences/{id}?format=pdf, $c conn" "$WORK/licence.pdf" \
      wrk -t1 -c$c -d"${SECS}s" --latency -s "$WORK/get.lua" "$U/v1/verify/licences/$ID?format=pdf"
  done
  printf '%-50s ' "POST /v1/licences (issue OFD + PDF), 8 conn"
  BODY_FILE="$WORK/issue.json" BODY_TYPE=application/json TOKEN=$DEPT \
    wrk -t2 -c8 -d"${SECS}s" --latency -s "$WORK/post.lua" "$U/v1/licences" | summary
  kill "$PID"; wait "$PID" 2>/dev/null || true; PID=
}

run_one sqlite ""
[ "${LOAD_ONLY:-}" = sqlite ] && exit 0
DB=yinxin_bench_$$
psql -h 127.0.0.1 -U postgres -d postgres -qc "CREATE DATABASE $DB"
run_one postgres "postgres://postgres@127.0.0.1:5432/$DB"
psql -h 127.0.0.1 -U postgres -d postgres -qc "DROP DATABASE $DB WITH (FORCE)"
