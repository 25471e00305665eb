//! A parsed certificate that keeps its bytes as stored.
//!
//! Parsing is done once, with `x509-parser`, into owned fields; the TBS and signature are kept
//! as they appear in the input so that the issuer's signature is checked over exactly those bytes.
//!
//! A verifier meets the same few certificates (a department's signer, its CAs, the TSA) in every
//! document, so [`Cert::from_der`] keeps recent parses in a bounded memo keyed by the DER itself
//! ([`crate::memo`]), and what is worked out from a certificate for reports and checks (its
//! readable names, its SM3, its key's SM2 verifier) is worked out once and shared by its clones.

use crate::memo::Memo;
use crate::name::display_name;
use crate::oid;
use crate::{Error, Result};
use std::ops::Range;
use std::sync::{Arc, OnceLock};
use time::OffsetDateTime;
use x509_parser::extensions::ParsedExtension;
use x509_parser::prelude::FromDer;
use yinxin_gm::{Sm2PublicKey, Sm2Signature, Sm2Verifier, Sm3Digest, UserId};

/// Upper bound on a certificate's size; real SM2 certificates are 0.5–2 KiB.
pub const MAX_CERT_LEN: usize = 64 * 1024;

/// keyUsage bits (RFC 5280 §4.2.1.3), as x509-parser numbers them.
pub mod key_usage {
    /// digitalSignature
    pub const DIGITAL_SIGNATURE: u16 = 1 << 0;
    /// nonRepudiation / contentCommitment
    pub const NON_REPUDIATION: u16 = 1 << 1;
    /// keyEncipherment
    pub const KEY_ENCIPHERMENT: u16 = 1 << 2;
    /// dataEncipherment
    pub const DATA_ENCIPHERMENT: u16 = 1 << 3;
    /// keyAgreement
    pub const KEY_AGREEMENT: u16 = 1 << 4;
    /// keyCertSign
    pub const KEY_CERT_SIGN: u16 = 1 << 5;
    /// cRLSign
    pub const CRL_SIGN: u16 = 1 << 6;
}

/// Certificates parsed recently, by their DER (compared in full). 1,024 certificates of a few
/// kilobytes each: every CA, signer and TSA a busy verifier meets, in at most 4 MiB.
static PARSED: Memo<Box<[u8]>, Cert> = Memo::new(1024, 4 << 20);

/// A certificate, parsed.
///
/// The fields are the certificate as parsed; the memoised forms ([`Cert::subject`],
/// [`Cert::issuer`], [`Cert::sm3`], [`Cert::verify_sm2`]) are of them. Build a changed
/// certificate with [`Cert::from_der`], not by assigning to a field.
#[derive(Clone)]
pub struct Cert {
    der: Vec<u8>,
    tbs: Range<usize>,
    memo: Arc<Derived>,
    /// X.509 version (1, 2 or 3).
    pub version: u32,
    /// Serial number, big-endian, without leading zero bytes.
    pub serial: Vec<u8>,
    /// Signature algorithm OID (outer), dotted.
    pub signature_algorithm: String,
    /// The signature value (BIT STRING content).
    pub signature: Vec<u8>,
    /// Issuer name, DER as stored.
    pub issuer_der: Vec<u8>,
    /// Subject name, DER as stored.
    pub subject_der: Vec<u8>,
    /// Start of validity.
    pub not_before: OffsetDateTime,
    /// End of validity.
    pub not_after: OffsetDateTime,
    /// The SM2 public key, or why the key is not one.
    pub public_key: core::result::Result<Sm2PublicKey, String>,
    /// basicConstraints: (cA, pathLenConstraint), if present.
    pub basic_constraints: Option<(bool, Option<u32>)>,
    /// keyUsage bits, if present.
    pub key_usage: Option<u16>,
    /// extKeyUsage OIDs, dotted, if present.
    pub ext_key_usage: Option<Vec<String>>,
    /// Whether extKeyUsage is critical.
    pub ext_key_usage_critical: bool,
    /// subjectKeyIdentifier.
    pub subject_key_id: Option<Vec<u8>>,
    /// authorityKeyIdentifier keyIdentifier.
    pub authority_key_id: Option<Vec<u8>>,
    /// Critical extensions this crate does not process (their OIDs).
    pub unknown_critical: Vec<String>,
    /// Non-critical extensions that do not parse and are not used (their OIDs).
    pub malformed_extensions: Vec<String>,
}

/// What is worked out from a certificate when first needed, once for it and all its clones
/// (check messages name the subject and issuer of every certificate in a chain, and every link
/// is looked up by SM3).
#[derive(Default)]
struct Derived {
    subject: OnceLock<String>,
    issuer: OnceLock<String>,
    sm3: OnceLock<Sm3Digest>,
    /// The default provider's verifier for the public key and the default user ID: Z and the
    /// key's precomputed multiples, made once per certificate instead of once per signature.
    verifier: OnceLock<yinxin_gm::Result<Box<dyn Sm2Verifier>>>,
}

impl Cert {
    /// Parse DER. Trailing bytes after the certificate are an error.
    ///
    /// A parse is a pure function of the bytes: certificates parsed recently are kept in a
    /// bounded memo keyed by their DER and handed out as clones (which share the memoised names,
    /// digest and verifier). Bytes that do not parse are parsed again each time.
    pub fn from_der(der: &[u8]) -> Result<Self> {
        PARSED.parsed(der, Self::parse)
    }

    fn parse(der: &[u8]) -> Result<Self> {
        if der.len() > MAX_CERT_LEN {
            return Err(Error::CertificateFormat(format!(
                "{} bytes is larger than the {MAX_CERT_LEN}-byte limit",
                der.len()
            )));
        }
        let (rest, c) = x509_parser::certificate::X509Certificate::from_der(der)
            .map_err(|e| Error::CertificateFormat(e.to_string()))?;
        if !rest.is_empty() {
            return Err(Error::CertificateFormat(format!("{} bytes after the certificate", rest.len())));
        }
        if c.signature_value.unused_bits != 0 {
            return Err(Error::CertificateFormat("signature BIT STRING has unused bits".into()));
        }
        if !algorithms_agree(der, true) {
            return Err(Error::CertificateFormat(
                "signatureAlgorithm differs from the TBS signature field (RFC 5280 §4.1.1.2)".into(),
            ));
        }
        let tbs_raw = c.tbs_certificate.as_ref();
        let start = tbs_raw.as_ptr() as usize - der.as_ptr() as usize;
        let tbs = start..start + tbs_raw.len();

        let public_key = Sm2PublicKey::from_spki_der(c.public_key().raw).map_err(|e| e.to_string());

        let mut basic_constraints = None;
        let mut key_usage = None;
        let mut ext_key_usage = None;
        let mut ext_key_usage_critical = false;
        let mut subject_key_id = None;
        let mut authority_key_id = None;
        let mut unknown_critical = Vec::new();
        let mut malformed_extensions = Vec::new();
        for ext in c.extensions() {
            match ext.parsed_extension() {
                ParsedExtension::BasicConstraints(bc) => basic_constraints = Some((bc.ca, bc.path_len_constraint)),
                ParsedExtension::KeyUsage(ku) => key_usage = Some(ku.flags),
                ParsedExtension::ExtendedKeyUsage(eku) => {
                    ext_key_usage_critical = ext.critical;
                    let mut v = Vec::new();
                    for (set, o) in [
                        (eku.any, oid::ANY_EKU),
                        (eku.server_auth, "1.3.6.1.5.5.7.3.1"),
                        (eku.client_auth, "1.3.6.1.5.5.7.3.2"),
                        (eku.code_signing, "1.3.6.1.5.5.7.3.3"),
                        (eku.email_protection, "1.3.6.1.5.5.7.3.4"),
                        (eku.time_stamping, oid::KP_TIME_STAMPING),
                        (eku.ocsp_signing, "1.3.6.1.5.5.7.3.9"),
                    ] {
                        if set {
                            v.push(o.to_string());
                        }
                    }
                    v.extend(eku.other.iter().map(|o| o.to_id_string()));
                    ext_key_usage = Some(v);
                }
                ParsedExtension::SubjectKeyIdentifier(k) => subject_key_id = Some(k.0.to_vec()),
                ParsedExtension::AuthorityKeyIdentifier(a) => {
                    authority_key_id = a.key_identifier.as_ref().map(|k| k.0.to_vec())
                }
                ParsedExtension::ParseError { error } => {
                    // A broken extension that validation relies on, or any critical one, makes the
                    // certificate unusable; a broken non-critical one we never read (some CAs
                    // write a malformed subjectAltName) is recorded and passed over.
                    let id = ext.oid.to_id_string();
                    let relied_on = [oid::EXT_BASIC_CONSTRAINTS, oid::EXT_KEY_USAGE, oid::EXT_EXT_KEY_USAGE];
                    if ext.critical || relied_on.contains(&id.as_str()) {
                        return Err(Error::CertificateFormat(format!("extension {id}: {error}")));
                    }
                    malformed_extensions.push(id);
                }
                _ => {
                    let id = ext.oid.to_id_string();
                    let understood = [oid::EXT_CRL_DP, oid::EXT_CERT_POLICIES, oid::EXT_SUBJECT_ALT_NAME];
                    if ext.critical && !understood.contains(&id.as_str()) {
                        unknown_critical.push(id);
                    }
                }
            }
        }

        Ok(Self {
            der: der.to_vec(),
            tbs,
            memo: Default::default(),
            version: c.version().0 + 1,
            serial: strip_zeros(c.raw_serial()).to_vec(),
            signature_algorithm: c.signature_algorithm.algorithm.to_id_string(),
            signature: c.signature_value.data.to_vec(),
            issuer_der: c.issuer().as_raw().to_vec(),
            subject_der: c.subject().as_raw().to_vec(),
            not_before: c.validity().not_before.to_datetime(),
            not_after: c.validity().not_after.to_datetime(),
            public_key,
            basic_constraints,
            key_usage,
            ext_key_usage,
            ext_key_usage_critical,
            subject_key_id,
            authority_key_id,
            unknown_critical,
            malformed_extensions,
        })
    }

    /// Parse PEM (`CERTIFICATE`) or DER, whichever the bytes are.
    pub fn from_pem_or_der(bytes: &[u8]) -> Result<Self> {
        let mut all = parse_many(bytes)?;
        match all.len() {
            1 => Ok(all.remove(0)),
            n => Err(Error::CertificateFormat(format!("expected one certificate, found {n}"))),
        }
    }

    /// The certificate as stored.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The TBSCertificate as stored: the bytes the issuer signed.
    pub fn tbs_der(&self) -> &[u8] {
        &self.der[self.tbs.clone()]
    }

    /// PEM.
    pub fn to_pem(&self) -> String {
        yinxin_gm::sm2::key::pem_encode("CERTIFICATE", &self.der)
    }

    /// Subject, readable (worked out once).
    pub fn subject(&self) -> String {
        self.memo.subject.get_or_init(|| display_name(&self.subject_der)).clone()
    }

    /// One attribute of the subject by its short name (`O`, `CN`, `organizationIdentifier`), as
    /// the readable subject shows it.
    pub fn subject_attr(&self, short: &str) -> Option<String> {
        let prefix = format!("{short}=");
        self.subject().split(", ").find_map(|p| p.strip_prefix(prefix.as_str())).map(str::to_string)
    }

    /// Issuer, readable (worked out once).
    pub fn issuer(&self) -> String {
        self.memo.issuer.get_or_init(|| display_name(&self.issuer_der)).clone()
    }

    /// Serial number in hex.
    pub fn serial_hex(&self) -> String {
        hex::encode(&self.serial)
    }

    /// SM3 over the whole certificate (as used in ESS signingCertificateV2 and seal certLists),
    /// worked out once.
    pub fn sm3(&self) -> Sm3Digest {
        *self.memo.sm3.get_or_init(|| yinxin_gm::sm3::sm3(&self.der))
    }

    /// Verify an SM2 signature over `msg` by this certificate's key with the default user ID,
    /// through the default provider: what [`yinxin_gm::provider::verify`] does, with the key's
    /// verifier made once for the certificate and its clones. A key that is not an SM2 key is
    /// [`yinxin_gm::Error::NotSm2Key`].
    pub fn verify_sm2(&self, msg: &[u8], sig: &Sm2Signature) -> yinxin_gm::Result<()> {
        let pk = self.public_key.as_ref().map_err(|e| yinxin_gm::Error::NotSm2Key(e.clone()))?;
        let made = self.memo.verifier.get_or_init(|| yinxin_gm::default_provider().sm2_verifier(pk, UserId::DEFAULT));
        match made {
            // The verifier is for the key the certificate was parsed with.
            Ok(v) if v.public_key() == pk => v.verify(msg, sig),
            _ => yinxin_gm::provider::verify(pk, UserId::DEFAULT, msg, sig),
        }
    }

    /// Whether this certificate names itself as its issuer.
    pub fn is_self_issued(&self) -> bool {
        self.issuer_der == self.subject_der
    }

    /// Whether basicConstraints says cA.
    pub fn is_ca(&self) -> bool {
        matches!(self.basic_constraints, Some((true, _)))
    }
}

impl core::fmt::Debug for Cert {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Cert")
            .field("subject", &self.subject())
            .field("serial", &self.serial_hex())
            .finish_non_exhaustive()
    }
}

impl PartialEq for Cert {
    fn eq(&self, other: &Self) -> bool {
        self.der == other.der
    }
}
impl Eq for Cert {}

/// The outer AlgorithmIdentifier must be byte-identical to the one inside the signed part (a
/// certificate's or CRL's), so that nothing unsigned can change the algorithm.
pub(crate) fn algorithms_agree(der: &[u8], version_is_tagged: bool) -> bool {
    use crate::tlv;
    let Some((outer, _)) = tlv::read(der) else {
        return false;
    };
    let Some(parts) = tlv::children(outer.value) else {
        return false;
    };
    let (Some(tbs), Some(alg)) = (parts.first(), parts.get(1)) else {
        return false;
    };
    let Some(fields) = tlv::children(tbs.value) else {
        return false;
    };
    // Certificate: [0] version, serial, signature. CRL: optional INTEGER version, signature.
    let inner = if version_is_tagged {
        fields.iter().skip_while(|t| t.tag == 0xa0).nth(1)
    } else {
        fields.iter().find(|t| t.tag == 0x30)
    };
    inner.is_some_and(|i| i.raw == alg.raw)
}

pub(crate) fn strip_zeros(b: &[u8]) -> &[u8] {
    let i = b.iter().position(|x| *x != 0).unwrap_or(b.len().saturating_sub(1));
    &b[i.min(b.len())..]
}

/// Parse every certificate in PEM text (any number of `CERTIFICATE` blocks) or one DER.
pub fn parse_many(bytes: &[u8]) -> Result<Vec<Cert>> {
    der_blocks(bytes, "CERTIFICATE").map_err(Error::CertificateFormat)?.iter().map(|d| Cert::from_der(d)).collect()
}

/// The DER inside `bytes`: every PEM block labelled `label` when the bytes are PEM text (at least
/// one is required), else the bytes themselves.
pub(crate) fn der_blocks(bytes: &[u8], label: &str) -> core::result::Result<Vec<Vec<u8>>, String> {
    match core::str::from_utf8(bytes) {
        Ok(text) if text.contains("-----BEGIN") => {
            let blocks = yinxin_gm::sm2::key::pem_blocks(text).map_err(|e| e.to_string())?;
            let ders: Vec<Vec<u8>> = blocks.into_iter().filter(|(l, _)| l == label).map(|(_, d)| d).collect();
            if ders.is_empty() {
                return Err(format!("no {label} PEM block"));
            }
            Ok(ders)
        }
        _ => Ok(vec![bytes.to_vec()]),
    }
}

/// Load certificates from a file (PEM with one or more blocks, or DER) or from every
/// `*.pem`/`*.crt`/`*.cer`/`*.der` file in a directory.
pub fn load_certs(path: &std::path::Path) -> Result<Vec<Cert>> {
    let io = |source| Error::Io { path: path.display().to_string(), source };
    if path.is_dir() {
        let mut entries: Vec<_> =
            std::fs::read_dir(path).map_err(io)?.filter_map(|e| e.ok()).map(|e| e.path()).collect();
        entries.sort();
        let mut out = Vec::new();
        for p in entries {
            let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
            if ["pem", "crt", "cer", "der"].contains(&ext.as_str()) && p.is_file() {
                let bytes = std::fs::read(&p).map_err(|source| Error::Io { path: p.display().to_string(), source })?;
                // Key files and the like may sit beside certificates: skip what is not one.
                if let Ok(certs) = parse_many(&bytes) {
                    out.extend(certs);
                }
            }
        }
        return Ok(out);
    }
    let bytes = std::fs::read(path).map_err(io)?;
    parse_many(&bytes)
}
