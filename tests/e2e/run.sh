#!/usr/bin/env bash
# The browser end-to-end test of the wallet and verifier pages: the real service (debug build) on
# a free loopback port over SQLite and keys-dev, the system Chromium driven headless by
# playwright-core. Screenshots go to test-artifacts/e2e/ for people to look at.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"

if ! command -v chromium >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
(cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
# The binary `cargo test --workspace` built (tests/run.sh passes it), else a fresh debug build.
bin="${1:-}"
if [ -z "$bin" ]; then
  cargo build --quiet --locked --bin yinxin
  bin="$target/debug/yinxin"
fi
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"

data="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$bin" serve --listen "127.0.0.1:$port" --data-dir "$data" --key-dir "$root/keys-dev" >"$data/serve.log" 2>&1 &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$data"; }
trap cleanup EXIT
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || { cat "$data/serve.log"; exit 1; }
  sleep 0.2
done

rm -rf "$root/test-artifacts/e2e"
YX_BASE="http://127.0.0.1:$port" YX_CREDS="$data/dev-credentials.json" YX_BIN="$bin" \
  YX_ROOT="$root/keys-dev/root-ca.cert.pem" ARTEFACTS="$root/test-artifacts/e2e" \
  node "$here/e2e.mjs" || { echo "--- service log"; tail -50 "$data/serve.log"; exit 1; }
YX_BASE="http://127.0.0.1:$port" YX_CREDS="$data/dev-credentials.json" YX_BIN="$bin" \
  YX_ROOT="$root/keys-dev/root-ca.cert.pem" ARTEFACTS="$root/test-artifacts/e2e" \
  node "$here/offline.mjs" || { echo "--- service log"; tail -50 "$data/serve.log"; exit 1; }
YX_BASE="http://127.0.0.1:$port" YX_CREDS="$data/dev-credentials.json" ARTEFACTS="$root/test-artifacts/e2e" \
  node "$here/reader.mjs" || { echo "--- service log"; tail -50 "$data/serve.log"; exit 1; }
YX_BASE="http://127.0.0.1:$port" YX_CREDS="$data/dev-credentials.json" YX_BIN="$bin" \
  YX_ROOT="$root/keys-dev/root-ca.cert.pem" ARTEFACTS="$root/test-artifacts/e2e" \
  node "$here/sign.mjs" || { echo "--- service log"; tail -50 "$data/serve.log"; exit 1; }
