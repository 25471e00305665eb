#!/usr/bin/env bash
# Property-based API testing: schemathesis (PyPI) generates requests from api-spec/openapi.yaml
# as served at /openapi.json and runs every check against the responses of a real `yinxin serve`
# on loopback, on SQLite and on PostgreSQL, as every role (two departments, the seal-making body,
# an officer, a firm and a person holding licences, the operator) and with no token at all.
#
# Each caller gets the fuzzing phase (every operation; the coverage phase too for three callers on
# SQLite), then the stateful phase ST_SEEDS times (default 1, each with its own seed): it follows the links of the document (issue a licence, then suspend, revoke,
# re-issue, annotate, verify and prove it; apply for a seal and act on it; file a transaction
# and hold it; ...) with identifiers from real responses; hooks.py makes valid issuance bodies
# pass the catalogue so that chains start.
#
# Fails on any 5xx (schemathesis's checks and the service's own request counter), on any response
# that breaks the document, when the stateful phase made fewer than 5,000 requests in all (counted
# by the service, from /metrics), and when a secret (the KEK, a private key, a token) is in the
# service's log (at info) or in any response (secrets.py, over schemathesis's HAR reports). Usage: tests/schemathesis/run.sh PATH/TO/yinxin
set -euo pipefail
BIN=${1:?usage: run.sh PATH/TO/yinxin}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
command -v st >/dev/null || python3 -m pip install --quiet 'schemathesis>=4.3,<5'
WORK=$(mktemp -d)
PID=
PGDB=
cleanup() {
  [ -n "$PID" ] && { kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; }
  [ -n "$PGDB" ] && psql -h 127.0.0.1 -U postgres -d postgres -qc "DROP DATABASE IF EXISTS $PGDB WITH (FORCE)" >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT

# requests [STATUS-PREFIX]: the service's count of requests answered (with that status class).
requests() {
  curl -sf "$URL/metrics" | awk -v p="status=\"${1:-}" '/^yinxin_http_requests_total\{/ && index($0, p) { s += $NF } END { print s + 0 }'
}

# st_as WHO PHASES SEED: one schemathesis run as WHO (a key of dev-credentials.json, or "anonymous").
st_as() {
  local who=$1 phases=$2 seed=$3 auth=()
  if [ "$who" != anonymous ]; then
    auth=(-H "Authorization: Bearer $(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))[sys.argv[2]]['token'])" "$DATA/dev-credentials.json" "$who")")
  fi
  # One worker: with two, hypothesis's lambda-source parsing can hit CPython 3.11's "AST
  # constructor recursion depth mismatch" (a runtime error inside the tool).
  HARS+=("$WORK/$DB-${#HARS[@]}.har")
  (cd "$HERE" && SCHEMATHESIS_HOOKS=hooks st run "$URL/openapi.json" --checks all "${auth[@]}" --phases "$phases" \
    --workers 1 --seed "$seed" --no-color --generation-database none \
    --report har --report-har-path "${HARS[-1]}") > "$WORK/st.txt" 2>&1 || {
    cat "$WORK/st.txt"; echo "schemathesis failed as $who ($phases, seed $seed) on $DB"; exit 1; }
  grep -E '^ +(Scenarios|API Links):|^  [0-9]+ generated' "$WORK/st.txt" | sed "s/^ */  [$who $phases] /" || true
}

stateful_total=0
all_total=0
HARS=()
for DB in sqlite postgres; do
  DATA="$WORK/data-$DB"
  url_args=()
  if [ "$DB" = postgres ]; then
    PGDB="yinxin_st_$$"
    psql -h 127.0.0.1 -U postgres -d postgres -qc "CREATE DATABASE $PGDB" >/dev/null
    url_args=(--database-url "postgres://postgres@127.0.0.1:5432/$PGDB")
  fi
  YINXIN_RATE_PER_SECOND=100000 RUST_LOG=info "$BIN" serve --listen 127.0.0.1:0 --data-dir "$DATA" \
    "${url_args[@]}" --key-dir "$ROOT/keys-dev" > "$WORK/out" 2> "$WORK/err-$DB" &
  PID=$!
  for _ in $(seq 200); do grep -q 'serving on' "$WORK/out" 2>/dev/null && break; sleep 0.1; done
  URL=$(grep -o 'http://[0-9.:]*' "$WORK/out" | head -1)
  [ -n "$URL" ] || { cat "$WORK/err-$DB"; exit 1; }
  echo "schemathesis on $DB ($URL)"
  stateful=0
  for who in 'department:11530100MB0123456A' 'department:11530100MB0234567M' seal_authority officer holder person admin anonymous; do
    # The coverage phase (every edge case the schema defines, some 2,300 requests, checking
    # validation that does not depend on the database or the role) on SQLite, as a department,
    # the operator and nobody.
    phases=fuzzing
    case "$DB:$who" in sqlite:department:11530100MB0123456A|sqlite:admin|sqlite:anonymous) phases=coverage,fuzzing ;; esac
    [ -n "${ST_ONLY_STATEFUL:-}" ] || st_as "$who" "$phases" 20261126
    for seed in $(seq 20261206 $((20261206 + ${ST_SEEDS:-1} - 1))); do
      before=$(requests)
      st_as "$who" stateful "$seed"
      stateful=$((stateful + $(requests) - before))
    done
  done
  n=$(requests)
  fivexx=$(requests 5)
  echo "schemathesis on $DB: $n requests, $stateful of them in the stateful phase, $fivexx answered 5xx"
  [ "$fivexx" -eq 0 ] || { grep -E 'ERROR|panicked' "$WORK/err-$DB" | head -20; exit 1; }
  if grep -q 'panicked' "$WORK/err-$DB"; then grep -B2 -A10 panicked "$WORK/err-$DB"; exit 1; fi
  # The secrets scan: the service's log and every response of this database's run.
  python3 "$HERE/secrets.py" "$DATA" "$ROOT/keys-dev" "$WORK/err-$DB" "${HARS[@]}"
  rm -f "${HARS[@]}"
  HARS=()
  stateful_total=$((stateful_total + stateful))
  all_total=$((all_total + n))
  kill "$PID"; wait "$PID" 2>/dev/null || true; PID=
done
echo "schemathesis: $all_total requests in all, $stateful_total in the stateful phase (SQLite and PostgreSQL)"
[ "$stateful_total" -ge 5000 ] || { echo "the stateful phase made fewer than 5,000 requests"; exit 1; }
