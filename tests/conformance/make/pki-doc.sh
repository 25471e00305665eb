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
# them stay valid); FORCE=1 re-issues the certificates from the existing keys.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
OUT="${1:-$HERE/../fixtures/pki-doc}"
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
organizationalUnitName = optional
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
[ v3_leaf ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF

key() { # name
  if [ ! -f "$OUT/$1.key.pem" ]; then
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:SM2 -pkeyopt ec_param_enc:named_curve \
      -out "$OUT/$1.key.pem"
  fi
}

# issue name serial-hex subject ext [selfsign]
issue() {
  local name=$1 serial=$2 subj=$3 ext=$4
  if [ -f "$OUT/$name.cert.pem" ] && [ "${FORCE:-0}" != 1 ]; then
    return
  fi
  key "$name"
  openssl req -config "$WORK/ca.cnf" -new -key "$OUT/$name.key.pem" -subj "$subj" -sm3 \
    -sigopt "distid:$ID" -out "$WORK/$name.csr"
  echo "$serial" > "$WORK/serial"
  local sign=(-cert "$OUT/root.cert.pem" -keyfile "$OUT/root.key.pem")
  if [ "${5:-}" = selfsign ]; then
    sign=(-selfsign -keyfile "$OUT/root.key.pem")
  fi
  openssl ca -batch -notext -config "$WORK/ca.cnf" "${sign[@]}" -md sm3 -sigopt "distid:$ID" -vfyopt "distid:$ID" \
    -extensions "$ext" -startdate 20200101000000Z -enddate 20491231235959Z \
    -in "$WORK/$name.csr" -out "$WORK/$name.pem" 2> "$WORK/$name.log" && [ -s "$WORK/$name.pem" ] || { cat "$WORK/$name.log" >&2; exit 1; }
  openssl x509 -in "$WORK/$name.pem" -out "$OUT/$name.cert.pem"
  openssl x509 -in "$WORK/$name.pem" -outform DER -out "$OUT/$name.cert.der"
}

key root
if [ "${FORCE:-0}" = 1 ]; then rm -f "$OUT/root.cert.pem"; fi
issue root 2D0C01 "/C=CN/O=yinxin conformance/OU=pki-doc/CN=pki-doc Root CA" v3_root selfsign
issue signer 2D0C02 "/C=CN/O=yinxin conformance/OU=pki-doc/CN=pki-doc Document Signer" v3_leaf
issue maker 2D0C03 "/C=CN/O=yinxin conformance/OU=pki-doc/CN=pki-doc Seal Maker" v3_leaf

for c in signer maker; do
  openssl verify -vfyopt "distid:$ID" -CAfile "$OUT/root.cert.pem" "$OUT/$c.cert.pem" >/dev/null
done
