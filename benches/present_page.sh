#!/usr/bin/env bash
# The officer page's verifier beside the Rust one, in one run: the same 5-field token (the long
# fields of benches/examples/present_sizes.rs) verified 100 times by each, median printed.
# The Rust side is a release build; the page runs in the system Chromium, headless.
# Also one SM2 verification in JavaScript: sm.js beside npm's sm-crypto (benches/sm2_js.cjs).
# Run: bash benches/present_page.sh   (needs tests/e2e/node_modules: `cd tests/e2e && npm ci`)
set -euo pipefail
cd "$(dirname "$0")/.."
corpus="$(mktemp -d)/corpus.json"
cargo run --quiet --release --locked -p yinxin-present --example differential_corpus -- "$corpus" --bench
node tests/e2e/differential.mjs "$corpus" | grep -E '^(benchmark|verify|differential)'
node benches/sm2_js.cjs
