#!/usr/bin/env bash
# A self-contained SM2 PKI for the conformance fixtures, made with the OpenSSL 3 CLI only.
#
#   root    self-signed CA          2020-01-01 .. 2049-12-31
#   valid   signer (签章者)          2020-01-01 .. 2049-12-31  keyUsage digitalSignature,nonRepudiation
#   short   signer (签章者)          2021-01-01 .. 2022-12-31  keyUsage digitalSignature,nonRepudiation
#   maker   seal maker (制章者)      2020-01-01 .. 2049-12-31  keyUsage digitalSignature,nonRepudiation
#   tsa     time-stamp authority    2020-01-01 .. 2049-12-31  critical EKU timeStamping, keyUsage dS,nR
#
# Every certificate is signed SM2-with-SM3 (1.2.156.10197.1.501), user ID 1234567812345678.
# Keys and certificates are made only when absent (both are committed, so the fixtures signed with
# them stay valid); FORCE=1 re-issues the certificates from the existing keys (SM2 signatures are
# randomised, so the certificate bytes change). The issuing is make/pkilib.sh's.
# Usage: make/pki.sh [DIR]   (default fixtures/pki)
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
. "$HERE/pkilib.sh"
pki_init "${1:-$HERE/../fixtures/pki}"

O="/C=CN/O=yinxin conformance"
pki_issue root  01 "$O/CN=yinxin conformance root CA" v3_root 20200101000000Z 20491231235959Z selfsign
pki_issue valid 10 "$O/CN=signer valid 2020-2049"     v3_sign 20200101000000Z 20491231235959Z
pki_issue short 11 "$O/CN=signer short 2021-2022"     v3_sign 20210101000000Z 20221231235959Z
pki_issue maker 12 "$O/CN=seal maker"                 v3_sign 20200101000000Z 20491231235959Z
pki_issue tsa   13 "$O/CN=time-stamp authority"       v3_tsa  20200101000000Z 20491231235959Z

# Self-checks: SM2-with-SM3 everywhere, and every leaf chains to the root (judged at a time
# inside its validity).
pki_check root valid short maker tsa
pki_verify 1735689600 root valid maker tsa
pki_verify 1654041600 short
echo "pki: certificates in $OUT"
