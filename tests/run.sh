#!/usr/bin/env bash
# The whole test suite, as README's second command runs it and .ci/run calls it.
# Installs what the tests need when it is missing (Debian packages), then runs every test:
# the workspace in debug mode, and the slow standard vectors in release mode.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)
command -v python3 >/dev/null 2>&1 || need_apt+=(python3)
# Seal pictures are drawn in Noto Serif CJK SC (SIL OFL 1.1).
[ -f /usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc ] || need_apt+=(fonts-noto-cjk)
# PDF checks: poppler (pdfsig, pdftotext, pdftoppm) and qpdf.
command -v pdfsig >/dev/null 2>&1 || need_apt+=(poppler-utils)
command -v qpdf >/dev/null 2>&1 || need_apt+=(qpdf)
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

cargo test --workspace --locked
# The whole suite again on the reference backend (RustCrypto sm2): every result must hold on both.
YINXIN_SM2_BACKEND=software cargo test --workspace --locked
# GB/T 32907's one-million-round SM4 vector: seconds in release mode, minutes in debug.
cargo test --release --locked -p yinxin-gm --test vectors -- --ignored
