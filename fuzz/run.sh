#!/usr/bin/env bash
# Fuzz every parser that reads outside bytes, one target after another, SECONDS each (default 600).
#   bash fuzz/run.sh [SECONDS] [TARGET...]
# Needs cargo-fuzz (cargo install cargo-fuzz); runs on stable with -s none. FUZZ_LOCK=/path makes
# the one build step take that lock (flock), for machines where builds are shared. FUZZ_JOBS=N
# runs N targets at a time (default 1; each target is one process on one core).
#
# Each target starts from its committed seeds (seeds/<target>/, small and minimised) plus the
# vendor samples (../shared/samples), the conformance fixtures and keys-dev; what it finds goes
# to corpus/<target>/ (not committed). Limits: -rss_limit_mb=2048, -timeout=10 (an input that
# takes longer is a failure, like a crash), -max_len per target. A failing input is written to
# artifacts/<target>/; the script goes on with the other targets and exits 1 at the end.
set -uo pipefail
cd "$(dirname "$0")"
secs="${1:-600}"
shift || true
samples=../../shared/samples
fix=../tests/conformance/fixtures
keys=../keys-dev

# target → most bytes an input may have (what the parser meets in practice, with room).
declare -A MAX_LEN=(
  [seal_parsers]=262144 [pdf_verify]=131072 [ofd_verify]=262144 [stamp_any]=131072
  [x509]=65536 [tsp]=65536 [present_token]=8192 [trust_bundle]=262144 [status_list]=65536
  [archive_format]=131072 [bagit]=16384 [tlog_parsers]=16384 [api_bodies]=65536 [archive_package]=262144
)
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(seal_parsers pdf_verify ofd_verify stamp_any x509 tsp present_token
  trust_bundle status_list archive_format bagit tlog_parsers api_bodies archive_package)

seed() { # seed TARGET FILE... : copy the files that exist into the target's corpus
  local t=$1; shift
  mkdir -p "corpus/$t"
  for f in "$@"; do [ -f "$f" ] && cp "$f" "corpus/$t/$(echo "$f" | md5sum | cut -c1-8)-$(basename "$f")"; done
  return 0
}
# The signatures inside the sample OFD packages, for the seal parsers.
sv=$(mktemp -d)
for ofd in "$samples"/*.ofd; do
  [ -f "$ofd" ] && unzip -o -q "$ofd" '*SignedValue.dat' -d "$sv/$(basename "$ofd" .ofd)" 2>/dev/null
done
seed seal_parsers "$samples"/*.esl "$samples"/*.der "$samples"/*SignedValue.dat "$keys"/seals/*.esl \
  "$fix"/ses/* "$fix"/gmt0010/*.p7 $(find "$sv" -name SignedValue.dat)
rm -rf "$sv"
seed pdf_verify "$fix"/pdf/*.pdf
seed ofd_verify "$samples"/*.ofd "$fix"/ofd/*.ofd
seed stamp_any "$fix"/ses/*.sig "$fix"/ses/*.esl "$fix"/gmt0010/*.p7 "$samples"/*.esl "$fix"/pdf/signed.pdf "$fix"/ofd/sealed.ofd
seed x509 "$fix"/pki/*.der "$fix"/pki-doc/*.der "$keys"/*.cert.pem "$keys"/chain.pem "$keys"/crl/*
seed archive_format "$fix"/pdf/signed.pdf "$fix"/ofd/sealed.ofd "$keys"/seals/*.png
# The issuance body, sent as the department (bytes 0 and 1: route 0, caller 0, JSON).
mkdir -p corpus/api_bodies
{ printf '\x00\x00'; cat ../examples/营业执照.json; } > corpus/api_bodies/issue-licence

build=(cargo fuzz build -s none)
[ -n "${FUZZ_LOCK:-}" ] && build=(flock "$FUZZ_LOCK" "${build[@]}")
"${build[@]}" || exit 1
bin=target/$(rustc -vV | sed -n 's/^host: //p')/release

mkdir -p logs results
rm -f results/*
# fuzz_one TARGET: run it, write its summary line to results/TARGET (and FAILED when it failed).
fuzz_one() {
  local t=$1
  mkdir -p "corpus/$t" "artifacts/$t"
  echo "== $t: ${secs}s"
  "$bin/$t" "corpus/$t" "seeds/$t" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 \
    -max_len="${MAX_LEN[$t]:-65536}" -artifact_prefix="artifacts/$t/" -print_final_stats=1 >"logs/$t.log" 2>&1
  local rc=$?
  local last runs speed cov ft corp line
  last=$(grep -E '^#[0-9]+' "logs/$t.log" | tail -1)
  runs=$(grep -oP 'stat::number_of_executed_units:\s*\K[0-9]+' "logs/$t.log" | tail -1)
  speed=$(grep -oP 'stat::average_exec_per_sec:\s*\K[0-9]+' "logs/$t.log" | tail -1)
  cov=$(echo "$last" | grep -oP 'cov: \K[0-9]+')
  ft=$(echo "$last" | grep -oP 'ft: \K[0-9]+')
  corp=$(echo "$last" | grep -oP 'corp: \K[0-9]+')
  line=$(printf '%-15s runs=%-10s exec/s=%-7s cov=%-6s ft=%-6s corpus=%-6s' "$t" "${runs:-?}" "${speed:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}")
  [ $rc -ne 0 ] && line="$line FAILED (exit $rc, see fuzz/logs/$t.log and fuzz/artifacts/$t/)"
  echo "$line" | tee "results/$t"
}
jobs_n="${FUZZ_JOBS:-1}"
started=$(date +%s)
for t in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs_n" ]; do wait -n; done
  fuzz_one "$t" &
done
wait
echo
echo "fuzzed ${#targets[@]} targets, ${secs}s each, $jobs_n at a time, in $(( $(date +%s) - started ))s:"
failed=()
for t in "${targets[@]}"; do
  cat "results/$t"
  grep -q FAILED "results/$t" && failed+=("$t")
done
[ ${#failed[@]} -eq 0 ] || { echo "failed: ${failed[*]}"; exit 1; }
