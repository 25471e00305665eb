#!/usr/bin/env bash
# Regenerate the document fixtures (issue 15), made without yinxin's own writers:
#   fixtures/pki-doc/  SM2 root, signer and seal-maker (make/pki-doc.sh; made only when absent)
#   fixtures/pdf/      signed PDFs and incremental updates (make/pdf.py)
#   fixtures/ofd/      sealed OFD packages (make/ofd.py)
# The expected verdicts are in fixtures/manifest.d/doc.json.
# Usage: make/doc.sh [--force]   (--force rebuilds the PDFs and OFDs; SM2 signatures are
# randomised, so every file changes). Needs: openssl 3, python3 (stdlib only); qpdf if present
# checks the PDFs.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
"$HERE/pki-doc.sh"
python3 "$HERE/pdf.py" "$@"
python3 "$HERE/ofd.py" "$@"
if command -v qpdf >/dev/null; then
  for f in "$HERE"/../fixtures/pdf/*.pdf; do
    qpdf --check "$f" >/dev/null || { echo "qpdf --check failed: $f" >&2; exit 1; }
  done
fi
