//! SM2 keys and their files.
//!
//! Private keys: PKCS#8 (`PRIVATE KEY`, what `openssl genpkey -algorithm SM2` writes), SEC1
//! (`EC PRIVATE KEY`), and passphrase-protected PKCS#8 (`ENCRYPTED PRIVATE KEY`: PBES2 with scrypt
//! and AES-256-CBC, which OpenSSL 3 opens with `-passin`). Public keys: SPKI (`PUBLIC KEY`) and SEC1
//! points. In SPKI and PKCS#8 the algorithm is id-ecPublicKey with the SM2 curve OID
//! (1.2.156.10197.1.301) as its parameter, as GM/T 0015 and OpenSSL have it; a bare SM2 OID as the
//! algorithm, which some older tools write, is accepted on input.

use super::{FIELD_P, OID_EC_PUBLIC_KEY, OID_SM2_CURVE, ORDER_N};
use crate::{Error, Result};
use core::fmt;
use pkcs8::der::Decode;
use pkcs8::{EncodePrivateKey, LineEnding};
use zeroize::Zeroizing;

/// An SM2 public key: a point on the curve, checked on construction.
#[derive(Clone, PartialEq, Eq)]
pub struct Sm2PublicKey(sm2::PublicKey);

impl Sm2PublicKey {
    /// Parse an SEC1 point: uncompressed (65 bytes, `04‖x‖y`) or compressed (33 bytes).
    pub fn from_sec1(bytes: &[u8]) -> Result<Self> {
        match bytes {
            [] => Err(Error::PublicKeyEncoding("empty")),
            [0x00] => Err(Error::PointAtInfinity),
            [0x04, rest @ ..] if rest.len() == 64 => {
                if rest[..32] >= FIELD_P[..] || rest[32..] >= FIELD_P[..] {
                    return Err(Error::PublicKeyEncoding("coordinate not below p"));
                }
                sm2::PublicKey::from_sec1_bytes(bytes).map(Self).map_err(|_| Error::PointNotOnCurve)
            }
            [0x02 | 0x03, rest @ ..] if rest.len() == 32 => {
                if rest[..] >= FIELD_P[..] {
                    return Err(Error::PublicKeyEncoding("coordinate not below p"));
                }
                sm2::PublicKey::from_sec1_bytes(bytes).map(Self).map_err(|_| Error::PointNotOnCurve)
            }
            [0x02..=0x04, ..] => Err(Error::PublicKeyEncoding("wrong length for the point form")),
            _ => Err(Error::PublicKeyEncoding("unknown SEC1 point form")),
        }
    }

    /// The uncompressed SEC1 point `04‖x‖y`.
    pub fn to_sec1(&self) -> [u8; 65] {
        let mut out = [0u8; 65];
        out[0] = 4;
        let (x, y) = self.coordinates();
        out[1..33].copy_from_slice(&x);
        out[33..].copy_from_slice(&y);
        out
    }

    /// The affine coordinates (x, y), big-endian.
    pub fn coordinates(&self) -> ([u8; 32], [u8; 32]) {
        use sm2::elliptic_curve::sec1::ToSec1Point;
        let p = self.0.to_sec1_point(false);
        let mut x = [0u8; 32];
        let mut y = [0u8; 32];
        // An uncompressed encoding of a validated non-identity point always has both coordinates.
        if let (Some(px), Some(py)) = (p.x(), p.y()) {
            x.copy_from_slice(px);
            y.copy_from_slice(py);
        }
        (x, y)
    }

    /// Parse a DER SubjectPublicKeyInfo.
    pub fn from_spki_der(der: &[u8]) -> Result<Self> {
        let spki = pkcs8::SubjectPublicKeyInfoRef::from_der(der)
            .map_err(|e| Error::KeyFormat { format: "SubjectPublicKeyInfo", detail: e.to_string() })?;
        check_algorithm(&spki.algorithm)?;
        let bits = spki.subject_public_key.as_bytes().ok_or(Error::PublicKeyEncoding("BIT STRING with unused bits"))?;
        Self::from_sec1(bits)
    }

    /// The DER SubjectPublicKeyInfo.
    pub fn to_spki_der(&self) -> Vec<u8> {
        use pkcs8::EncodePublicKey;
        // Encoding a validated key into a Vec cannot fail.
        self.0.to_public_key_der().map(|d| d.as_bytes().to_vec()).unwrap_or_default()
    }

    /// PEM `PUBLIC KEY`.
    pub fn to_spki_pem(&self) -> String {
        pem_encode("PUBLIC KEY", &self.to_spki_der())
    }

    /// Parse PEM: `PUBLIC KEY`, or the public half of any private key PEM that is not encrypted.
    pub fn from_pem(pem: &str) -> Result<Self> {
        for (label, der) in pem_blocks(pem)? {
            match label.as_str() {
                "PUBLIC KEY" => return Self::from_spki_der(&der),
                "PRIVATE KEY" | "EC PRIVATE KEY" | "SM2 PRIVATE KEY" => {
                    return Sm2PrivateKey::from_pem(pem, None).map(|k| k.public_key().clone());
                }
                _ => {}
            }
        }
        Err(Error::KeyFormat { format: "PEM public key", detail: "no PUBLIC KEY block".into() })
    }

    /// The RustCrypto key, for the software backend.
    pub(crate) fn inner(&self) -> &sm2::PublicKey {
        &self.0
    }
}

impl fmt::Debug for Sm2PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sm2PublicKey({})", hex::encode(self.to_sec1()))
    }
}

/// An SM2 private key d in [1, n−2] with its public key. Zeroized on drop; `Debug` shows only the
/// public key.
#[derive(Clone)]
pub struct Sm2PrivateKey {
    secret: sm2::SecretKey,
    public: Sm2PublicKey,
}

impl Sm2PrivateKey {
    /// A key from the 32-byte big-endian scalar d. GB/T 32918.1 §6.1 requires d ∈ [1, n−2] so
    /// that 1 + d is invertible.
    pub fn from_bytes(d: &[u8]) -> Result<Self> {
        let d: &[u8; 32] = d.try_into().map_err(|_| Error::PrivateKeyOutOfRange)?;
        let mut n_minus_1 = ORDER_N;
        n_minus_1[31] -= 1; // n ends in 0x23: no borrow
        if d.iter().all(|b| *b == 0) || d[..] >= n_minus_1[..] {
            return Err(Error::PrivateKeyOutOfRange);
        }
        let secret = sm2::SecretKey::from_slice(d).map_err(|_| Error::PrivateKeyOutOfRange)?;
        let public = Sm2PublicKey(secret.public_key());
        Ok(Self { secret, public })
    }

    /// A fresh key from the given random source (rejection-sampled into [1, n−2]).
    pub fn generate(provider: &dyn crate::Provider) -> Result<Self> {
        loop {
            let mut d = Zeroizing::new([0u8; 32]);
            provider.fill_random(d.as_mut())?;
            match Self::from_bytes(d.as_ref()) {
                Ok(k) => return Ok(k),
                Err(Error::PrivateKeyOutOfRange) => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// The public key.
    pub fn public_key(&self) -> &Sm2PublicKey {
        &self.public
    }

    /// A key whose public half a backend has just computed as d·G (d already range-checked).
    pub(crate) fn from_parts(d: &[u8; 32], public_sec1: &[u8; 65]) -> Result<Self> {
        let secret = sm2::SecretKey::from_slice(d).map_err(|_| Error::PrivateKeyOutOfRange)?;
        Ok(Self { secret, public: Sm2PublicKey::from_sec1(public_sec1)? })
    }

    /// The scalar d, big-endian. Only for backends and key wrapping.
    pub fn expose_scalar(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.secret.to_bytes().into())
    }

    /// PKCS#8 DER (unencrypted).
    pub fn to_pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>> {
        let doc =
            self.secret.to_pkcs8_der().map_err(|e| Error::KeyFormat { format: "PKCS#8", detail: e.to_string() })?;
        Ok(Zeroizing::new(doc.as_bytes().to_vec()))
    }

    /// PEM `PRIVATE KEY` (unencrypted).
    pub fn to_pkcs8_pem(&self) -> Result<Zeroizing<String>> {
        Ok(Zeroizing::new(pem_encode("PRIVATE KEY", &self.to_pkcs8_der()?)))
    }

    /// PEM `EC PRIVATE KEY` (SEC1, RFC 5915), with the curve and public key included.
    pub fn to_sec1_pem(&self) -> Result<Zeroizing<String>> {
        let der = self.secret.to_sec1_der().map_err(|e| Error::KeyFormat { format: "SEC1", detail: e.to_string() })?;
        Ok(Zeroizing::new(pem_encode("EC PRIVATE KEY", &der)))
    }

    /// PEM `ENCRYPTED PRIVATE KEY`: PKCS#8 under PBES2 (scrypt, AES-256-CBC) with a random salt
    /// and IV.
    pub fn to_encrypted_pem(&self, passphrase: &[u8]) -> Result<Zeroizing<String>> {
        let der = self.to_pkcs8_der()?;
        let info = pkcs8::PrivateKeyInfoRef::from_der(&der)
            .map_err(|e| Error::KeyFormat { format: "PKCS#8", detail: e.to_string() })?;
        let enc = info
            .encrypt_with_rng(&mut getrandom::SysRng, passphrase)
            .map_err(|e| Error::KeyFormat { format: "encrypted PKCS#8", detail: e.to_string() })?;
        Ok(Zeroizing::new(pem_encode("ENCRYPTED PRIVATE KEY", enc.as_bytes())))
    }

    /// Parse PKCS#8 DER.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self> {
        let info = pkcs8::PrivateKeyInfoRef::from_der(der)
            .map_err(|e| Error::KeyFormat { format: "PKCS#8", detail: e.to_string() })?;
        check_algorithm(&info.algorithm)?;
        let key = Self::from_sec1_der(info.private_key.as_bytes())?;
        if let Some(pk) = info.public_key.and_then(|b| b.as_bytes().map(<[u8]>::to_vec)) {
            key.check_public(&pk)?;
        }
        Ok(key)
    }

    /// Parse SEC1 `ECPrivateKey` DER.
    pub fn from_sec1_der(der: &[u8]) -> Result<Self> {
        let ec = sec1::EcPrivateKey::from_der(der)
            .map_err(|e| Error::KeyFormat { format: "SEC1 ECPrivateKey", detail: e.to_string() })?;
        if let Some(curve) = ec.parameters.and_then(|p| p.named_curve())
            && curve.to_string() != OID_SM2_CURVE
        {
            return Err(Error::NotSm2Key(curve.to_string()));
        }
        let mut d = Zeroizing::new([0u8; 32]);
        if ec.private_key.len() > 32 {
            return Err(Error::PrivateKeyOutOfRange);
        }
        d[32 - ec.private_key.len()..].copy_from_slice(ec.private_key);
        let key = Self::from_bytes(d.as_ref())?;
        if let Some(pk) = ec.public_key {
            key.check_public(pk)?;
        }
        Ok(key)
    }

    /// Parse encrypted PKCS#8 DER with a passphrase.
    pub fn from_encrypted_der(der: &[u8], passphrase: &[u8]) -> Result<Self> {
        let enc = pkcs8::EncryptedPrivateKeyInfoRef::from_der(der)
            .map_err(|e| Error::KeyFormat { format: "encrypted PKCS#8", detail: e.to_string() })?;
        let doc = enc.decrypt(passphrase).map_err(|_| Error::KeyDecryption)?;
        // A wrong passphrase usually fails the padding check above; if it happens to pass, the
        // plaintext will not parse as PKCS#8.
        Self::from_pkcs8_der(doc.as_bytes()).map_err(|e| match e {
            Error::KeyFormat { .. } => Error::KeyDecryption,
            other => other,
        })
    }

    /// Parse any private key PEM: `PRIVATE KEY`, `EC PRIVATE KEY` or `ENCRYPTED PRIVATE KEY` (which
    /// needs `passphrase`). Other blocks (such as OpenSSL's `EC PARAMETERS`) are skipped.
    pub fn from_pem(pem: &str, passphrase: Option<&[u8]>) -> Result<Self> {
        for (label, der) in pem_blocks(pem)? {
            let der = Zeroizing::new(der);
            match label.as_str() {
                "PRIVATE KEY" => return Self::from_pkcs8_der(&der),
                // OpenSSL 3 writes SEC1 SM2 keys under its own label.
                "EC PRIVATE KEY" | "SM2 PRIVATE KEY" => return Self::from_sec1_der(&der),
                "ENCRYPTED PRIVATE KEY" => {
                    let pass = passphrase.ok_or(Error::PassphraseRequired)?;
                    return Self::from_encrypted_der(&der, pass);
                }
                _ => {}
            }
        }
        Err(Error::KeyFormat { format: "PEM private key", detail: "no private key block".into() })
    }

    /// Parse DER of any of the three private key forms (tried in turn).
    pub fn from_der(der: &[u8], passphrase: Option<&[u8]>) -> Result<Self> {
        match Self::from_pkcs8_der(der) {
            Err(Error::KeyFormat { .. }) => {}
            other => return other,
        }
        match Self::from_sec1_der(der) {
            Err(Error::KeyFormat { .. }) => {}
            other => return other,
        }
        if pkcs8::EncryptedPrivateKeyInfoRef::from_der(der).is_ok() {
            let pass = passphrase.ok_or(Error::PassphraseRequired)?;
            return Self::from_encrypted_der(der, pass);
        }
        Err(Error::KeyFormat { format: "private key DER", detail: "neither PKCS#8 nor SEC1".into() })
    }

    fn check_public(&self, encoded: &[u8]) -> Result<()> {
        let pk = Sm2PublicKey::from_sec1(encoded)?;
        if pk != self.public {
            return Err(Error::KeyFormat {
                format: "private key",
                detail: "embedded public key does not match d·G".into(),
            });
        }
        Ok(())
    }
}

impl fmt::Debug for Sm2PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sm2PrivateKey").field("public", &self.public).finish_non_exhaustive()
    }
}

fn check_algorithm(alg: &pkcs8::AlgorithmIdentifierRef<'_>) -> Result<()> {
    let oid = alg.oid.to_string();
    if oid == OID_SM2_CURVE {
        return Ok(());
    }
    if oid != OID_EC_PUBLIC_KEY {
        return Err(Error::NotSm2Key(oid));
    }
    let curve = alg.parameters_oid().map_err(|_| Error::KeyFormat {
        format: "EC key",
        detail: "curve parameter is not a named curve OID".into(),
    })?;
    if curve.to_string() != OID_SM2_CURVE {
        return Err(Error::NotSm2Key(curve.to_string()));
    }
    Ok(())
}

/// Every PEM block in `text`, in order, as (label, DER).
pub fn pem_blocks(text: &str) -> Result<Vec<(String, Vec<u8>)>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let block = &rest[start..];
        let label_end = block[11..].find("-----").ok_or(pem_err("unterminated BEGIN line"))? + 11;
        let label = &block[11..label_end];
        let end_marker = format!("-----END {label}-----");
        let end = block.find(&end_marker).ok_or(pem_err("missing END line"))? + end_marker.len();
        let (l, der) = pkcs8::der::pem::decode_vec(&block.as_bytes()[..end])
            .map_err(|e| Error::KeyFormat { format: "PEM", detail: e.to_string() })?;
        out.push((l.to_string(), der));
        rest = &block[end..];
    }
    if out.is_empty() {
        return Err(pem_err("no PEM block found"));
    }
    Ok(out)
}

fn pem_err(detail: &str) -> Error {
    Error::KeyFormat { format: "PEM", detail: detail.into() }
}

/// PEM with LF line endings.
pub fn pem_encode(label: &str, der: &[u8]) -> String {
    // Encoding into a String only fails for an invalid label, and ours are constants.
    pkcs8::der::pem::encode_string(label, LineEnding::LF, der).unwrap_or_default()
}
