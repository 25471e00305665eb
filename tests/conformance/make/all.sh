#!/usr/bin/env bash
# Regenerate the conformance fixtures without yinxin: OpenSSL 3 CLI + Python 3 only.
# The PKI keys and certificates are committed and made only when the root key is absent
# (delete fixtures/pki to start afresh). SM2 signatures are randomised, so regenerated
# fixtures differ byte-wise but mean the same.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
FIX="$HERE/../fixtures"
export PYTHONDONTWRITEBYTECODE=1
if [ ! -f "$FIX/pki/root.key.pem" ]; then
  bash "$HERE/pki.sh" "$FIX/pki"
fi
python3 "$HERE/ses.py"
python3 "$HERE/gmt0010.py"
# The PDF/OFD fixtures (another maker's part; it writes manifest.d/doc.json).
if [ -f "$HERE/doc.sh" ]; then
  bash "$HERE/doc.sh"
fi
python3 "$HERE/manifest.py"
python3 "$HERE/check.py"
