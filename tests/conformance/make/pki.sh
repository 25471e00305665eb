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
# Keys are generated only when absent (they are committed); certificates are re-issued from
# them on every run (SM2 signatures are randomised, so the certificate bytes change).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
OUT="${1:-$HERE/../fixtures/pki}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
ID=1234567812345678
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/newcerts"
: > "$WORK/index.txt"

cat > "$WORK/ca.cnf" <<CNF
[ ca ]
default_ca = CA_default
[ CA_default ]
dir = $WORK
database = \$dir/index.txt
new_certs_dir = \$dir/newcerts
serial = \$dir/serial
default_md = sm3
policy = policy_any
unique_subject = no
email_in_dn = no
copy_extensions = none
[ policy_any ]
countryName = optional
organizationName = optional
commonName = supplied
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused
[ v3_root ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ v3_sign ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ v3_tsa ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = critical, timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF

key() { # name
  if [ ! -f "$OUT/$1.key.pem" ]; then
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:SM2 -pkeyopt ec_param_enc:named_curve \
      -out "$OUT/$1.key.pem"
  fi
}

csr() { # name subject
  openssl req -config "$WORK/ca.cnf" -new -key "$OUT/$1.key.pem" -subj "$2" -sm3 \
    -sigopt "distid:$ID" -out "$WORK/$1.csr"
}

# issue name serial-hex ext start end [selfsign]
issue() {
  local name=$1 serial=$2 ext=$3 start=$4 end=$5
  echo "$serial" > "$WORK/serial"
  if [ "${6:-}" = selfsign ]; then
    openssl ca -batch -config "$WORK/ca.cnf" -selfsign -keyfile "$OUT/root.key.pem" \
      -in "$WORK/$name.csr" -out "$WORK/$name.pem" -extensions "$ext" -preserveDN -notext \
      -md sm3 -sigopt "distid:$ID" -vfyopt "distid:$ID" -startdate "$start" -enddate "$end" 2>"$WORK/ca.log" \
      || { cat "$WORK/ca.log" >&2; exit 1; }
  else
    openssl ca -batch -config "$WORK/ca.cnf" -cert "$OUT/root.cert.pem" -keyfile "$OUT/root.key.pem" \
      -in "$WORK/$name.csr" -out "$WORK/$name.pem" -extensions "$ext" -preserveDN -notext \
      -md sm3 -sigopt "distid:$ID" -vfyopt "distid:$ID" -startdate "$start" -enddate "$end" 2>"$WORK/ca.log" \
      || { cat "$WORK/ca.log" >&2; exit 1; }
  fi
  openssl x509 -in "$WORK/$name.pem" -out "$OUT/$name.cert.pem"
  openssl x509 -in "$WORK/$name.pem" -outform DER -out "$OUT/$name.cert.der"
}

for k in root valid short maker tsa; do key $k; done

csr root  "/C=CN/O=yinxin conformance/CN=yinxin conformance root CA"
csr valid "/C=CN/O=yinxin conformance/CN=signer valid 2020-2049"
csr short "/C=CN/O=yinxin conformance/CN=signer short 2021-2022"
csr maker "/C=CN/O=yinxin conformance/CN=seal maker"
csr tsa   "/C=CN/O=yinxin conformance/CN=time-stamp authority"

issue root  01 v3_root 20200101000000Z 20491231235959Z selfsign
issue valid 10 v3_sign 20200101000000Z 20491231235959Z
issue short 11 v3_sign 20210101000000Z 20221231235959Z
issue maker 12 v3_sign 20200101000000Z 20491231235959Z
issue tsa   13 v3_tsa  20200101000000Z 20491231235959Z

# Self-checks: SM2-with-SM3 everywhere, and every leaf chains to the root (judged at a time
# inside its validity).
for c in root valid short maker tsa; do
  openssl x509 -in "$OUT/$c.cert.pem" -noout -text | grep -q 'Signature Algorithm: SM2-with-SM3' \
    || { echo "$c: not SM2-with-SM3" >&2; exit 1; }
done
for c in root valid maker tsa; do
  openssl verify -CAfile "$OUT/root.cert.pem" -vfyopt "distid:$ID" -attime 1735689600 "$OUT/$c.cert.pem" >/dev/null
done
openssl verify -CAfile "$OUT/root.cert.pem" -vfyopt "distid:$ID" -attime 1654041600 "$OUT/short.cert.pem" >/dev/null
echo "pki: certificates in $OUT"
