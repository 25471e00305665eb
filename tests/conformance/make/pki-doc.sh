#!/usr/bin/env bash
# A small SM2 PKI for the document fixtures (fixtures/pki-doc/), made with the OpenSSL 3 CLI only,
# independent of yinxin's own issuing code.
#
#   root    self-signed CA       2020-01-01 .. 2049-12-31  CA:TRUE, keyCertSign,cRLSign   serial 0x2D0C01
#   signer  document signer      2020-01-01 .. 2049-12-31  digitalSignature,nonRepudiation serial 0x2D0C02
#   maker   seal maker (制章者)   2020-01-01 .. 2049-12-31  digitalSignature,nonRepudiation serial 0x2D0C03
#
# Every certificate is signed SM2-with-SM3 (1.2.156.10197.1.501), user ID 1234567812345678.
# Keys and certificates are made only when absent (both are committed, so the fixtures signed with
# them stay valid); FORCE=1 re-issues the certificates from the existing keys. The issuing is
# make/pkilib.sh's.
# Usage: make/pki-doc.sh [DIR]   (default fixtures/pki-doc)
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
. "$HERE/pkilib.sh"
pki_init "${1:-$HERE/../fixtures/pki-doc}"

O="/C=CN/O=yinxin conformance/OU=pki-doc"
FROM=20200101000000Z TO=20491231235959Z
pki_issue root   2D0C01 "$O/CN=pki-doc Root CA"         v3_root "$FROM" "$TO" selfsign
pki_issue signer 2D0C02 "$O/CN=pki-doc Document Signer" v3_sign "$FROM" "$TO"
pki_issue maker  2D0C03 "$O/CN=pki-doc Seal Maker"      v3_sign "$FROM" "$TO"

pki_verify - signer maker
