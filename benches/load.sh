#!/usr/bin/env bash
# Every speed figure of issue 21, each beside its peer, in one run on this machine (release
# builds, loopback only, bounded in time):
#
#  1. Crypto, one core: `yinxin sm2 bench` beside `openssl speed sm2`; SM3 by `yinxin sm3` beside
#     `openssl dgst -sm3` over the same 256 MiB file (best of 3 each), and `openssl speed sm3`.
#  2. In-process verification, one core: a sealed licence PDF and OFD issued by the service
#     (benches/examples/verify_rate.rs), and its CPU time per verification.
#  3. HTTP, on SQLite and on PostgreSQL: `POST /v1/verify` of the same PDF with wrk (on the same
#     2 cores) at 8 and 32 connections: requests/s, p50, p99, and the service's CPU time per
#     verification (utime + stime from /proc/PID/stat over the run) against the in-process CPU
#     per verification measured just before (the ratio the issue bounds at 1.3×); `GET
#     /v1/verify/licences/{id}` and issuance for reference.
#
# Usage: bash benches/load.sh [SECONDS per measurement, default 10]  (LOAD_ONLY=sqlite skips PostgreSQL)
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-10}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/yinxin-target}"
cargo build --release --locked -q --bin yinxin
cargo build --release --locked -q -p yinxin-benches --example verify_rate
BIN=$CARGO_TARGET_DIR/release/yinxin
RATE=$CARGO_TARGET_DIR/release/examples/verify_rate
WORK=$(mktemp -d)
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
TCK=$(getconf CLK_TCK)
row() { printf '%-58s %14s %14s %8s\n' "$@"; }

echo "== 1. crypto, one core ($(openssl version | cut -d' ' -f1-2))"
row "operation" "yinxin" "peer" "ratio"
read -r y_sign y_verify < <("$BIN" sm2 bench --seconds 6 --json | python3 -c 'import json,sys;d=json.load(sys.stdin);print(d["sign_per_s"],d["verify_per_s"])')
read -r o_sign o_verify < <(taskset -c 0 openssl speed -seconds 3 sm2 2>/dev/null | awk '/ SM2 /{print $(NF-1), $NF}' | tail -1)
row "SM2 sign /s (yinxin sm2 bench | openssl speed sm2)" "$y_sign" "$o_sign" "$(python3 -c "print(f'{$y_sign/$o_sign:.2f}')")"
row "SM2 verify /s" "$y_verify" "$o_verify" "$(python3 -c "print(f'{$y_verify/$o_verify:.2f}')")"
head -c 268435456 /dev/urandom > "$WORK/big"
best() { # command… → best wall seconds of 3
  local b=999 t
  for _ in 1 2 3; do
    t=$( { /usr/bin/time -f %e "$@" >/dev/null; } 2>&1 | tail -1)
    b=$(python3 -c "print(min($b, $t))")
  done
  echo "$b"
}
ys=$(best taskset -c 0 "$BIN" sm3 "$WORK/big")
os=$(best taskset -c 0 openssl dgst -sm3 "$WORK/big")
row "SM3 MB/s, 256 MiB file (yinxin sm3 | openssl dgst -sm3)" "$(python3 -c "print(round(268.435456/$ys))")" \
  "$(python3 -c "print(round(268.435456/$os))")" "$(python3 -c "print(f'{$os/$ys:.2f}')")"
o16=$(taskset -c 0 openssl speed -seconds 3 -bytes 16384 -evp sm3 2>/dev/null | awk 'tolower($1) ~ /^sm3/{print $NF}')
row "openssl speed -evp sm3, 16 KiB blocks, MB/s (reference)" "" "$(python3 -c "print(round(float('${o16%k}')/1000))")" ""
rm -f "$WORK/big"

# A service to issue the licence the rest verifies.
start() { # label database-url
  local data="$WORK/data-$1"
  YINXIN_RATE_PER_SECOND=1000000 YINXIN_DATABASE_URL=$2 RUST_LOG=warn \
    "$BIN" serve --listen 127.0.0.1:0 --data-dir "$data" --key-dir keys-dev > "$WORK/out-$1" 2> "$WORK/err-$1" &
  PID=$!
  for _ in $(seq 100); do grep -q 'serving on' "$WORK/out-$1" 2>/dev/null && break; sleep 0.1; done
  U=$(grep -o 'http://[0-9.:]*' "$WORK/out-$1" | head -1)
  DEPT=$(python3 -c "import json;print(json.load(open('$data/dev-credentials.json'))['department:11530100MB0123456A']['token'])")
  OFFICER=$(python3 -c "import json;print(json.load(open('$data/dev-credentials.json'))['officer']['token'])")
  python3 -c "import json;print(json.dumps({'type_code':'营业执照','fields':json.load(open('examples/营业执照.json'))}))" > "$WORK/issue.json"
  ID=$(curl -sf -X POST "$U/v1/licences" -H "Authorization: Bearer $DEPT" -H 'Content-Type: application/json' \
        --data @"$WORK/issue.json" | python3 -c "import json,sys;print(json.load(sys.stdin)['identifier'])")
  curl -sf "$U/v1/licences/$ID/pdf" -H "Authorization: Bearer $DEPT" -o "$WORK/licence.pdf"
  curl -sf "$U/v1/licences/$ID/ofd" -H "Authorization: Bearer $DEPT" -o "$WORK/licence.ofd"
}
stop() { kill "$PID"; wait "$PID" 2>/dev/null || true; PID=; }

echo
echo "== 2. in-process verification, one core (the licence issued by the service)"
start inproc ""
stop
inproc() { "$RATE" "$1" keys-dev "$2" "$3" | sed 's/^verifications_per_s=\([0-9]*\).*/\1/'; }
pdf1=$(inproc "$WORK/licence.pdf" 1 "$SECS")
ofd1=$(inproc "$WORK/licence.ofd" 1 "$SECS")
row "sealed PDF verifications /s, one core (goal ≥ 3000)" "$pdf1" "" ""
row "sealed OFD verifications /s, one core (goal ≥ 2500)" "$ofd1" "" ""
row "sealed PDF, two threads on 2 cores" "$(inproc "$WORK/licence.pdf" 2 "$SECS")" "" ""

cat > "$WORK/post.lua" <<'LUA'
local f = io.open(os.getenv("BODY_FILE"), "rb"); wrk.body = f:read("*a"); f:close()
wrk.method = "POST"
wrk.headers["Content-Type"] = os.getenv("BODY_TYPE")
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
LUA
cat > "$WORK/get.lua" <<'LUA'
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
LUA
ticks() { awk '{print $14 + $15}' "/proc/$PID/stat"; }
# wrk's output → "req/s p50 p99 requests non-2xx"
summary() { awk '/Requests\/sec/ {r=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2} / requests in / {n=$1} /Non-2xx/ {bad=$5} END {printf "%.0f %s %s %d %d\n", r, p50, p99, n, bad}'; }
measure() { # label wrk-args… → a row with the service's CPU per request
  local label=$1; shift
  local t0 t1 r p50 p99 n bad
  t0=$(ticks)
  read -r r p50 p99 n bad < <("$@" | summary)
  t1=$(ticks)
  local cpu_us=$(( (t1 - t0) * 1000000 / TCK / (n > 0 ? n : 1) ))
  printf '%-58s %8s/s  p50 %8s  p99 %8s  CPU %5d µs%s\n' "$label" "$r" "$p50" "$p99" "$cpu_us" \
    "$([ "$bad" -gt 0 ] && echo "  non-2xx: $bad")"
  LAST_CPU=$cpu_us
}

run_http() { # label database-url
  echo
  echo "== 3. HTTP on $1: the service and wrk on the same 2 cores"
  start "$1" "$2"
  local pdf_us=$(( 1000000 / $(inproc "$WORK/licence.pdf" 1 "$(( (SECS + 1) / 2 ))") ))
  printf '%-58s %8s µs CPU per verification\n' "in-process peer (one core, just before)" "$pdf_us"
  for c in 8 32; do
    BODY_FILE="$WORK/licence.pdf" BODY_TYPE=application/pdf TOKEN=$OFFICER measure \
      "POST /v1/verify (sealed PDF), $c conn (goal ≥ 2000/s, p99 ≤ 30 ms)" \
      wrk -t1 -c$c -d"${SECS}s" --latency -s "$WORK/post.lua" "$U/v1/verify"
    printf '%-58s %8s\n' "  service CPU per verification / in-process (goal ≤ 1.3)" \
      "$(python3 -c "print(f'{$LAST_CPU/$pdf_us:.2f}')")"
  done
  TOKEN=$OFFICER measure "GET /v1/verify/licences/{id}?format=pdf, 32 conn" \
    wrk -t1 -c32 -d"${SECS}s" --latency -s "$WORK/get.lua" "$U/v1/verify/licences/$ID?format=pdf"
  BODY_FILE="$WORK/issue.json" BODY_TYPE=application/json TOKEN=$DEPT measure "POST /v1/licences (issue OFD + PDF), 8 conn" \
    wrk -t2 -c8 -d"${SECS}s" --latency -s "$WORK/post.lua" "$U/v1/licences"
  stop
}

run_http sqlite ""
[ "${LOAD_ONLY:-}" = sqlite ] && exit 0
DB=yinxin_bench_$$
psql -h 127.0.0.1 -U postgres -d postgres -qc "CREATE DATABASE $DB"
run_http postgres "postgres://postgres@127.0.0.1:5432/$DB"
psql -h 127.0.0.1 -U postgres -d postgres -qc "DROP DATABASE $DB WITH (FORCE)"
