#!/usr/bin/env bash
# Fuzz the seal and signature parsers for N seconds (default 600), seeded with the vendor samples
# and yinxin's own seals. Needs cargo-fuzz (cargo install cargo-fuzz); runs on stable with -s none.
#   bash fuzz/run.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")"
secs="${1:-600}"
corpus="corpus/seal_parsers"
mkdir -p "$corpus"
for f in ../../shared/samples/*.esl ../../shared/samples/*.der ../../shared/samples/*SignedValue.dat ../keys-dev/seals/*.esl; do
  [ -f "$f" ] && cp "$f" "$corpus/$(basename "$f")"
done
# The signatures inside the sample OFD packages as seeds too.
seeds=$(mktemp -d)
for ofd in ../../shared/samples/*.ofd; do
  mkdir -p "$seeds/$(basename "$ofd" .ofd)"
  unzip -o -q "$ofd" '*SignedValue.dat' -d "$seeds/$(basename "$ofd" .ofd)" 2>/dev/null || true
done
find "$seeds" -name SignedValue.dat | while read -r f; do cp "$f" "$corpus/$(echo "$f" | md5sum | cut -c1-12).dat"; done
rm -rf "$seeds"
cargo fuzz run -s none seal_parsers "$corpus" -- -max_total_time="$secs" -rss_limit_mb=2048 -max_len=262144
