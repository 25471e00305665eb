# Shared by pki.sh and pki-doc.sh (source it; it is not run on its own): a throw-away
# `openssl ca` in a temporary directory that issues SM2-with-SM3 certificates (user ID
# 1234567812345678) from the SM2 keys of an output directory, with the OpenSSL 3 CLI only.
#
#   pki_init DIR                       DIR becomes $OUT (made if absent); the CA's work dir is removed on exit
#   pki_key NAME                       $OUT/NAME.key.pem, generated only when absent (keys are committed)
#   pki_issue NAME SERIAL SUBJECT EXT START END [selfsign]
#                                      $OUT/NAME.cert.pem and .cert.der, signed by $OUT/root.key.pem
#                                      (selfsign: by its own key); made only when the certificate is
#                                      absent, FORCE=1 re-issues it from the existing key
#   pki_check NAME...                  each certificate is signed SM2-with-SM3
#   pki_verify ATTIME|- NAME...        each chains to $OUT/root.cert.pem (at ATTIME, or now with -)
#
# Extension sections: v3_root (the CA), v3_sign (signers, seal makers), v3_tsa (time-stamp authority).

ID=1234567812345678

pki_init() {
  mkdir -p "$1"
  OUT="$(cd "$1" && pwd)"
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
}

pki_key() { # name
  if [ ! -f "$OUT/$1.key.pem" ]; then
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:SM2 -pkeyopt ec_param_enc:named_curve \
      -out "$OUT/$1.key.pem"
  fi
}

pki_issue() { # name serial-hex subject ext start end [selfsign]
  local name=$1 serial=$2 subj=$3 ext=$4 start=$5 end=$6
  if [ -f "$OUT/$name.cert.pem" ] && [ "${FORCE:-0}" != 1 ]; then
    return
  fi
  pki_key "$name"
  openssl req -config "$WORK/ca.cnf" -new -key "$OUT/$name.key.pem" -subj "$subj" -sm3 \
    -sigopt "distid:$ID" -out "$WORK/$name.csr"
  echo "$serial" > "$WORK/serial"
  local sign=(-cert "$OUT/root.cert.pem" -keyfile "$OUT/root.key.pem")
  if [ "${7:-}" = selfsign ]; then
    sign=(-selfsign -keyfile "$OUT/root.key.pem")
  fi
  openssl ca -batch -notext -preserveDN -config "$WORK/ca.cnf" "${sign[@]}" -md sm3 \
    -sigopt "distid:$ID" -vfyopt "distid:$ID" -extensions "$ext" -startdate "$start" -enddate "$end" \
    -in "$WORK/$name.csr" -out "$WORK/$name.pem" 2> "$WORK/$name.log" && [ -s "$WORK/$name.pem" ] \
    || { cat "$WORK/$name.log" >&2; exit 1; }
  openssl x509 -in "$WORK/$name.pem" -out "$OUT/$name.cert.pem"
  openssl x509 -in "$WORK/$name.pem" -outform DER -out "$OUT/$name.cert.der"
}

pki_check() { # name...
  local c
  for c in "$@"; do
    openssl x509 -in "$OUT/$c.cert.pem" -noout -text | grep -q 'Signature Algorithm: SM2-with-SM3' \
      || { echo "$c: not SM2-with-SM3" >&2; exit 1; }
  done
}

pki_verify() { # attime|- name...
  local at=() c
  if [ "$1" != - ]; then at=(-attime "$1"); fi
  shift
  for c in "$@"; do
    openssl verify -CAfile "$OUT/root.cert.pem" -vfyopt "distid:$ID" "${at[@]}" "$OUT/$c.cert.pem" >/dev/null
  done
}
