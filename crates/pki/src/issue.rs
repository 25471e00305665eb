//! Issuing SM2-with-SM3 certificates for yinxin's profiles.
//!
//! The TBSCertificate is assembled with `der`/`x509-cert` types and signed through an
//! [`Sm2Signer`] (default user ID, as GM/T 0015 requires for certificates); the signature goes into
//! the certificate as DER `SEQUENCE { r, s }`. RustCrypto's generic certificate builder would put
//! a raw 64-byte r‖s there (see `docs/sm-crypto.md` §4), which no verifier accepts.
//!
//! Profiles set basicConstraints, keyUsage and extKeyUsage (RFC 5280 §4.2.1):
//!
//! | profile | cA | keyUsage | extKeyUsage |
//! |---|---|---|---|
//! | root CA, issuing CA | yes (critical) | keyCertSign, cRLSign (critical) | — |
//! | licence issuer, seal maker, seal holder, person | no | digitalSignature, nonRepudiation (critical) | documentSigning (RFC 9336) |
//! | status-list signer | no | digitalSignature (critical) | documentSigning |
//! | time-stamp authority | no | digitalSignature, nonRepudiation (critical) | timeStamping only (critical, RFC 3161 §2.3) |

use crate::cert::{Cert, key_usage as ku};
use crate::time::x509_time;
use crate::{Error, Result, oid};
use der::asn1::{Any, BitString, OctetString};
use der::{Decode, Encode, Sequence};
use time::OffsetDateTime;
use x509_cert::ext::Extension;
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::time::Time;
use yinxin_gm::{Sm2PublicKey, Sm2Signer};

/// What a certificate is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Profile {
    /// A self-signed trust anchor.
    RootCa,
    /// A CA under the root that issues end-entity certificates.
    IssuingCa,
    /// A department that issues licences (发证部门).
    LicenceIssuer,
    /// A seal-making body (制章机构): signs e-seals.
    SealMaker,
    /// An organisation that uses a seal (用章单位): signs with it.
    SealHolder,
    /// A person's signing certificate (个人签名).
    Person,
    /// A time-stamp authority.
    TimeStamping,
    /// The signer of status lists for offline verifiers.
    StatusListSigner,
}

impl Profile {
    /// Every profile, for help texts.
    pub const ALL: [Profile; 8] = [
        Profile::RootCa,
        Profile::IssuingCa,
        Profile::LicenceIssuer,
        Profile::SealMaker,
        Profile::SealHolder,
        Profile::Person,
        Profile::TimeStamping,
        Profile::StatusListSigner,
    ];

    /// The kebab-case name (`root-ca`, `seal-holder`, …).
    pub fn name(self) -> &'static str {
        match self {
            Profile::RootCa => "root-ca",
            Profile::IssuingCa => "issuing-ca",
            Profile::LicenceIssuer => "licence-issuer",
            Profile::SealMaker => "seal-maker",
            Profile::SealHolder => "seal-holder",
            Profile::Person => "person",
            Profile::TimeStamping => "time-stamping",
            Profile::StatusListSigner => "status-list-signer",
        }
    }

    /// Parse a kebab-case name.
    pub fn from_name(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.name() == s)
    }

    /// Whether certificates of this profile are CAs.
    pub fn is_ca(self) -> bool {
        matches!(self, Profile::RootCa | Profile::IssuingCa)
    }

    fn key_usage(self) -> u16 {
        match self {
            Profile::RootCa | Profile::IssuingCa => ku::KEY_CERT_SIGN | ku::CRL_SIGN,
            Profile::StatusListSigner => ku::DIGITAL_SIGNATURE,
            _ => ku::DIGITAL_SIGNATURE | ku::NON_REPUDIATION,
        }
    }

    fn ext_key_usage(self) -> Option<(&'static str, bool)> {
        match self {
            Profile::RootCa | Profile::IssuingCa => None,
            Profile::TimeStamping => Some((oid::KP_TIME_STAMPING, true)),
            _ => Some((oid::KP_DOCUMENT_SIGNING, false)),
        }
    }
}

/// What to put into a certificate.
#[derive(Debug, Clone)]
pub struct CertRequest {
    /// The profile.
    pub profile: Profile,
    /// Subject name, DER (see [`crate::DnBuilder`]).
    pub subject_der: Vec<u8>,
    /// The subject's public key.
    pub public_key: Sm2PublicKey,
    /// Start of validity.
    pub not_before: OffsetDateTime,
    /// End of validity.
    pub not_after: OffsetDateTime,
    /// Serial number (big-endian, at most 20 bytes); random when `None`.
    pub serial: Option<Vec<u8>>,
    /// pathLenConstraint for CAs (default: none for a root, 0 for an issuing CA).
    pub path_len: Option<u8>,
    /// A CRL distribution point URL to embed.
    pub crl_url: Option<String>,
}

/// Issue a certificate. `issuer` is `None` for a self-signed root, in which case `signer` must
/// hold the request's own key.
pub fn issue_cert(req: &CertRequest, issuer: Option<&Cert>, signer: &dyn Sm2Signer) -> Result<Cert> {
    if req.not_after <= req.not_before {
        return Err(Error::Issue("notAfter must be later than notBefore".into()));
    }
    let (issuer_name, issuer_key_id) = match issuer {
        None => {
            if signer.public_key() != &req.public_key {
                return Err(Error::Issue("a self-signed certificate must be signed by its own key".into()));
            }
            if req.profile != Profile::RootCa {
                return Err(Error::Issue(format!("only a root CA is self-signed, not a {}", req.profile.name())));
            }
            (req.subject_der.clone(), key_id(&req.public_key))
        }
        Some(ca) => {
            if ca.public_key.as_ref().ok() != Some(signer.public_key()) {
                return Err(Error::Issue("the signer's key is not the issuer certificate's key".into()));
            }
            if !ca.is_ca() || ca.key_usage.is_some_and(|k| k & ku::KEY_CERT_SIGN == 0) {
                return Err(Error::Issue(format!("{} is not a CA allowed to sign certificates", ca.subject())));
            }
            if req.profile == Profile::RootCa {
                return Err(Error::Issue("a root CA is self-signed: give no issuer".into()));
            }
            if req.not_after > ca.not_after || req.not_before < ca.not_before {
                return Err(Error::Issue(format!(
                    "validity must lie within the issuer's ({} to {})",
                    crate::time::format_instant(ca.not_before),
                    crate::time::format_instant(ca.not_after)
                )));
            }
            let kid =
                ca.subject_key_id.clone().unwrap_or_else(|| ca.public_key.as_ref().map(key_id).unwrap_or_default());
            (ca.subject_der.clone(), kid)
        }
    };

    let serial = match &req.serial {
        Some(s) if s.is_empty() || s.len() > 20 => {
            return Err(Error::Issue("serial must be 1 to 20 bytes".into()));
        }
        Some(s) => s.clone(),
        None => random_serial()?,
    };

    let mut exts = Vec::new();
    let path_len = match req.profile {
        Profile::RootCa => req.path_len,
        Profile::IssuingCa => Some(req.path_len.unwrap_or(0)),
        _ => None,
    };
    let bc = x509_cert::ext::pkix::BasicConstraints { ca: req.profile.is_ca(), path_len_constraint: path_len };
    exts.push(ext(oid::EXT_BASIC_CONSTRAINTS, req.profile.is_ca(), &bc)?);
    exts.push(ext(oid::EXT_KEY_USAGE, true, &key_usage_bits(req.profile.key_usage())?)?);
    if let Some((eku, critical)) = req.profile.ext_key_usage() {
        let v = x509_cert::ext::pkix::ExtendedKeyUsage(vec![oid::der_oid(eku)]);
        exts.push(ext(oid::EXT_EXT_KEY_USAGE, critical, &v)?);
    }
    exts.push(ext(oid::EXT_SUBJECT_KEY_ID, false, &OctetString::new(key_id(&req.public_key))?)?);
    let aki = x509_cert::ext::pkix::AuthorityKeyIdentifier {
        key_identifier: Some(OctetString::new(issuer_key_id)?),
        authority_cert_issuer: None,
        authority_cert_serial_number: None,
    };
    exts.push(ext(oid::EXT_AUTHORITY_KEY_ID, false, &aki)?);
    if let Some(url) = &req.crl_url {
        exts.push(Extension {
            extn_id: oid::der_oid(oid::EXT_CRL_DP),
            critical: false,
            extn_value: OctetString::new(crl_dp_der(url)?)?,
        });
    }

    let tbs = TbsCertificate {
        version: 2,
        serial: SerialNumber::new(&serial)?,
        signature: sm2_with_sm3(),
        issuer: Name::from_der(&issuer_name)?,
        validity: Validity { not_before: x509_time(req.not_before)?, not_after: x509_time(req.not_after)? },
        subject: Name::from_der(&req.subject_der)?,
        spki: SubjectPublicKeyInfoOwned::from_der(&req.public_key.to_spki_der())?,
        extensions: exts,
    };
    sign_tbs(&tbs.to_der()?, signer)
}

/// Wrap signed TBS bytes into a certificate.
fn sign_tbs(tbs_der: &[u8], signer: &dyn Sm2Signer) -> Result<Cert> {
    let sig = signer.sign(tbs_der)?;
    let cert = Certificate {
        tbs: Any::from_der(tbs_der)?,
        signature_algorithm: sm2_with_sm3(),
        signature: BitString::from_bytes(&sig.to_der())?,
    };
    Cert::from_der(&cert.to_der()?)
}

/// The AlgorithmIdentifier for SM2-with-SM3, parameters absent (GM/T 0015 §7.2).
pub fn sm2_with_sm3() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned { oid: oid::der_oid(oid::SM2_WITH_SM3), parameters: None }
}

/// The key identifier yinxin puts in SKI/AKI: the first 20 bytes of SM3 over the public key
/// point (RFC 5280 §4.2.1.2 method 1, with SM3 in place of SHA-1).
pub fn key_id(pk: &Sm2PublicKey) -> Vec<u8> {
    yinxin_gm::sm3::sm3(&pk.to_sec1()).0[..20].to_vec()
}

fn random_serial() -> Result<Vec<u8>> {
    let mut s = vec![0u8; 16];
    yinxin_gm::default_provider().fill_random(&mut s)?;
    s[0] = (s[0] & 0x7f) | 0x40; // positive, and no leading zero byte
    Ok(s)
}

fn ext(id: &str, critical: bool, value: &impl Encode) -> Result<Extension> {
    Ok(Extension { extn_id: oid::der_oid(id), critical, extn_value: OctetString::new(value.to_der()?)? })
}

/// keyUsage as a DER BIT STRING (bit 0 = digitalSignature is the most significant bit of the
/// first byte; trailing zero bits dropped as DER requires).
fn key_usage_bits(bits: u16) -> Result<BitString> {
    let mut v: u16 = 0;
    for i in 0..9u16 {
        if bits & (1 << i) != 0 {
            v |= 1 << (15 - i);
        }
    }
    let highest: usize = (0..9usize).rev().find(|i| bits & (1u16 << i) != 0).unwrap_or(0);
    let nbits = highest + 1;
    let nbytes = nbits.div_ceil(8);
    let bytes = v.to_be_bytes();
    Ok(BitString::new((nbytes * 8 - nbits) as u8, &bytes[..nbytes])?)
}

/// `CRLDistributionPoints ::= SEQUENCE OF DistributionPoint` with one URI full name.
fn crl_dp_der(url: &str) -> Result<Vec<u8>> {
    if !url.is_ascii() {
        return Err(Error::Issue("CRL URL must be ASCII (IA5String)".into()));
    }
    let uri = tlv(0x86, url.as_bytes()); // [6] uniformResourceIdentifier, IMPLICIT IA5String
    let full_name = tlv(0xa0, &uri); // [0] fullName GeneralNames
    let dp_name = tlv(0xa0, &full_name); // [0] distributionPoint
    let dp = tlv(0x30, &dp_name);
    Ok(tlv(0x30, &dp))
}

/// A DER TLV with a single-byte tag and a minimal definite length.
pub fn tlv(tag: u8, value: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = value.len();
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let bytes = n.to_be_bytes();
        let first = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len() - 1);
        out.push(0x80 | (bytes.len() - first) as u8);
        out.extend_from_slice(&bytes[first..]);
    }
    out.extend_from_slice(value);
    out
}

#[derive(Sequence)]
struct Validity {
    not_before: Time,
    not_after: Time,
}

#[derive(Sequence)]
struct TbsCertificate {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    version: u8,
    serial: SerialNumber,
    signature: AlgorithmIdentifierOwned,
    issuer: Name,
    validity: Validity,
    subject: Name,
    spki: SubjectPublicKeyInfoOwned,
    #[asn1(context_specific = "3", tag_mode = "EXPLICIT")]
    extensions: Vec<Extension>,
}

#[derive(Sequence)]
struct Certificate {
    tbs: Any,
    signature_algorithm: AlgorithmIdentifierOwned,
    signature: BitString,
}
