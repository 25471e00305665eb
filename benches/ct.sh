#!/usr/bin/env bash
# dudect timing test of sm2p256 signing (benches/examples/ct_sm2p256.rs), bounded to a few
# seconds. Prints each test's t statistic and fails if any |t| exceeds the threshold (10 on this
# shared 2-core VM; 5 is the usual mark on quiet hardware). Evidence, not proof.
#   bash benches/ct.sh [THRESHOLD]
set -euo pipefail
cd "$(dirname "$0")/.."
limit="${1:-10}"
out=$(cargo run --release --locked -q -p yinxin-benches --example ct_sm2p256 2>&1)
echo "$out" | grep "max t"
echo "$out" | grep -o 'bench [a-z_]* .*max t = [+-][0-9.]*' | while read -r line; do
  name=$(echo "$line" | awk '{print $2}')
  t=$(echo "$line" | grep -o 'max t = [+-][0-9.]*' | awk '{print $4}')
  awk -v t="$t" -v l="$limit" -v n="$name" 'BEGIN { if (t < 0) t = -t; if (t > l) { printf "%s: |t| = %s exceeds %s\n", n, t, l; exit 1 } }'
done
echo "constant-time check passed (|t| <= $limit)"
