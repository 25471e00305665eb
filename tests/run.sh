#!/usr/bin/env bash
# The whole test suite, as README's second command runs it and .ci/run calls it.
# Installs what the tests need when it is missing (Debian packages), then runs every test:
# the workspace in debug mode, and the slow standard vectors in release mode.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)
command -v python3 >/dev/null 2>&1 || need_apt+=(python3)
# The product carries its own face (a GB 2312 subset of Noto Serif CJK SC); the full face lets the
# tests check that the subset draws the same glyphs (crates/seal/tests/font.rs).
[ -f /usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc ] || need_apt+=(fonts-noto-cjk)
# PDF checks: poppler (pdfsig, pdftotext, pdftoppm) and qpdf.
command -v pdfsig >/dev/null 2>&1 || need_apt+=(poppler-utils)
command -v qpdf >/dev/null 2>&1 || need_apt+=(qpdf)
# The service's tests run against PostgreSQL as well as SQLite.
command -v pg_ctlcluster >/dev/null 2>&1 || need_apt+=(postgresql)
command -v pip3 >/dev/null 2>&1 || python3 -m pip --version >/dev/null 2>&1 || need_apt+=(python3-pip)
# The wallet and verifier pages: Node (playwright-core from npm) drives the system Chromium.
command -v node >/dev/null 2>&1 || need_apt+=(nodejs)
command -v npm >/dev/null 2>&1 || need_apt+=(npm)
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v curl >/dev/null 2>&1 || need_apt+=(curl)
# Several service nodes behind a load balancer (crates/cli/tests/cluster.rs): Debian's HAProxy.
[ -x /usr/sbin/haproxy ] || need_apt+=(haproxy)
# The archive's virus check runs against a private clamd (Debian's ClamAV; no signature download).
[ -x /usr/sbin/clamd ] || need_apt+=(clamav-daemon)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing: ${need_apt[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}"
fi
if ! command -v cargo >/dev/null 2>&1; then
  echo "cargo is missing: install Rust (stable, 1.95 or later) first" >&2
  exit 1
fi
# OpenSSL 3 is the independent oracle of the interop tests.
openssl version | grep -q '^OpenSSL 3' || { echo "the interop tests need the OpenSSL 3 CLI" >&2; exit 1; }

# PostgreSQL on 127.0.0.1:5432 (trust auth for local connections), started when stopped.
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  for v in $(ls /etc/postgresql); do pg_ctlcluster --skip-systemctl-redirect "$v" main start || true; done
  for _ in $(seq 50); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.2; done
fi
psql -h 127.0.0.1 -U postgres -d postgres -tAc 'select 1' >/dev/null || {
  echo "the service tests need PostgreSQL on 127.0.0.1:5432 with trust auth for user postgres" >&2; exit 1; }

# The archive's packages are checked by an independent BagIt validator too (PyPI's `bagit`).
python3 -c 'import bagit' 2>/dev/null || python3 -m pip install --quiet 'bagit>=1.8,<2'
# The S3 document store's tests (crates/store/tests/s3.rs, and the service's multi-node ones) run
# against s3s-fs: a real S3 server (SigV4 checked, multipart uploads, S3's errors) that keeps
# objects as plain files, so a test can corrupt one on disk and stop and restart the server. A mock
# would only answer what we expect S3 to answer; this one answers as an S3 implementation does.
if [ ! -x /var/tmp/yinxin-tools/bin/s3s-fs ]; then
  echo "installing s3s-fs into /var/tmp/yinxin-tools"
  CARGO_TARGET_DIR=/var/tmp/yinxin-tools-target cargo install s3s-fs --version 0.14.1 --features binary --locked --root /var/tmp/yinxin-tools
fi
export YINXIN_S3S_FS=/var/tmp/yinxin-tools/bin/s3s-fs
cargo test --workspace --locked
# schemathesis (PyPI) against the running service's /openapi.json, every check.
bash tests/schemathesis/run.sh "${CARGO_TARGET_DIR:-target}/debug/yinxin"
# The wallet's JavaScript SM2/SM3 against the standards and OpenSSL; then the browser end to end
# (screenshots in test-artifacts/e2e/).
node tests/e2e/sm.test.mjs
bash tests/e2e/run.sh "${CARGO_TARGET_DIR:-target}/debug/yinxin"
# One verifier, two implementations: the officer page's JavaScript verifier (in Chromium) gives the
# Rust verifier's verdict, check by check, on every token of a generated corpus (over a thousand).
corpus="$(mktemp -d)/corpus.json"
cargo run --quiet --locked -p yinxin-present --example differential_corpus -- "$corpus"
node tests/e2e/differential.mjs "$corpus"
# An independent OFD reader (npm's ofd.js in the system Chromium) renders the example licences the
# layout test wrote: every field in its text, and ofd.js verifies the SM2 seal itself.
# The same reader on a long-term OFD (validation material and a package time stamp under LTV/,
# `yinxin licence extend`): a reader that knows nothing of LTV/ still renders it and checks its seal.
lt="$(mktemp -d)"
"${CARGO_TARGET_DIR:-target}/debug/yinxin" licence extend test-artifacts/licences/营业执照-example.ofd \
  --out "$lt/营业执照-example.ofd" --key-dir keys-dev
bash tests/ofd-readers/run.sh "$PWD"/test-artifacts/licences/*-example.ofd "$lt/营业执照-example.ofd"
# The whole suite again on the reference backend (RustCrypto sm2): every result must hold on both.
YINXIN_SM2_BACKEND=software cargo test --workspace --locked
# GB/T 32907's one-million-round SM4 vector: seconds in release mode, minutes in debug.
cargo test --release --locked -p yinxin-gm --test vectors -- --ignored
