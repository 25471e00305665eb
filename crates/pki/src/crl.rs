//! Certificate revocation lists (RFC 5280 §5): issue, parse, check the signature, look up a serial.
//!
//! yinxin's CAs publish a CRL per issuer with a short nextUpdate; a verifier that has none, or
//! only a stale one, cannot tell whether a certificate is revoked and reports INDETERMINATE
//! (see [`crate::chain`]).

use crate::cert::{Cert, key_usage as ku, strip_zeros};
use crate::issue::{key_id, sm2_with_sm3};
use crate::memo::Memo;
use crate::time::x509_time;
use crate::{Error, Result, oid};
use der::asn1::{Any, BitString, OctetString};
use der::{Decode, Encode, Sequence};
use std::ops::Range;
use time::OffsetDateTime;
use x509_cert::ext::Extension;
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::AlgorithmIdentifierOwned;
use x509_cert::time::Time;
use x509_parser::prelude::FromDer;
use yinxin_gm::{Sm2Signature, Sm2Signer};

/// Upper bound on a CRL's size that this crate will parse.
pub const MAX_CRL_LEN: usize = 64 * 1024 * 1024;

/// CRLs parsed recently, by their DER (compared in full): the CRLs a document or a time stamp
/// carries are parsed once, and their clones share what was verified about them
/// ([`Crl::verify_issued_by`]). 64 CRLs in at most 16 MiB; a CRL of more than 2 MiB is parsed
/// each time. A new CRL is new bytes, so it is parsed and checked at once.
static PARSED: Memo<Box<[u8]>, Crl> = Memo::new(64, 16 << 20);

/// RFC 5280 §5.3.1 reason codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
#[repr(u8)]
pub enum Reason {
    /// unspecified
    Unspecified = 0,
    /// keyCompromise
    KeyCompromise = 1,
    /// cACompromise
    CaCompromise = 2,
    /// affiliationChanged
    AffiliationChanged = 3,
    /// superseded
    Superseded = 4,
    /// cessationOfOperation
    CessationOfOperation = 5,
    /// certificateHold
    CertificateHold = 6,
}

impl Reason {
    /// From the RFC 5280 code.
    pub fn from_code(c: u8) -> Option<Self> {
        use Reason::*;
        [
            Unspecified,
            KeyCompromise,
            CaCompromise,
            AffiliationChanged,
            Superseded,
            CessationOfOperation,
            CertificateHold,
        ]
        .into_iter()
        .find(|r| *r as u8 == c)
    }

    /// Parse the camelCase name used in RFC 5280 (`keyCompromise`, …).
    pub fn from_name(s: &str) -> Option<Self> {
        serde_json_like(s)
    }
}

fn serde_json_like(s: &str) -> Option<Reason> {
    use Reason::*;
    Some(match s {
        "unspecified" => Unspecified,
        "keyCompromise" => KeyCompromise,
        "cACompromise" | "caCompromise" => CaCompromise,
        "affiliationChanged" => AffiliationChanged,
        "superseded" => Superseded,
        "cessationOfOperation" => CessationOfOperation,
        "certificateHold" => CertificateHold,
        _ => return None,
    })
}

/// One revoked certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revoked {
    /// Serial number, big-endian without leading zeros.
    pub serial: Vec<u8>,
    /// When it was revoked.
    pub date: OffsetDateTime,
    /// Why, if the CRL says.
    pub reason: Option<u8>,
}

/// A parsed CRL.
#[derive(Clone)]
pub struct Crl {
    der: Vec<u8>,
    tbs: Range<usize>,
    /// Issuer name, DER as stored.
    pub issuer_der: Vec<u8>,
    /// thisUpdate.
    pub this_update: OffsetDateTime,
    /// nextUpdate.
    pub next_update: Option<OffsetDateTime>,
    /// Revoked entries.
    pub revoked: Vec<Revoked>,
    /// Signature algorithm OID, dotted.
    pub signature_algorithm: String,
    /// Signature value.
    pub signature: Vec<u8>,
    /// cRLNumber, big-endian.
    pub crl_number: Option<Vec<u8>>,
    /// The issuer certificates (DER) whose key this CRL's signature verified under. A parsed CRL
    /// is immutable and a verifier checks the same few CRLs for every document: the curve
    /// arithmetic is done once per CRL and issuer, not once per document. A changed CRL is a
    /// new parse with an empty list, so it is checked at once. Shared by clones (same bytes).
    verified_by: std::sync::Arc<std::sync::Mutex<Vec<Vec<u8>>>>,
}

impl Crl {
    /// Parse DER; recent parses come from a bounded memo keyed by the DER ([`crate::memo`]).
    pub fn from_der(der: &[u8]) -> Result<Self> {
        PARSED.parsed(der, Self::parse)
    }

    fn parse(der: &[u8]) -> Result<Self> {
        if der.len() > MAX_CRL_LEN {
            return Err(Error::CrlFormat(format!("{} bytes exceeds the limit", der.len())));
        }
        let (rest, c) = x509_parser::revocation_list::CertificateRevocationList::from_der(der)
            .map_err(|e| Error::CrlFormat(e.to_string()))?;
        if !rest.is_empty() {
            return Err(Error::CrlFormat(format!("{} bytes after the CRL", rest.len())));
        }
        if c.signature_value.unused_bits != 0 {
            return Err(Error::CrlFormat("signature BIT STRING has unused bits".into()));
        }
        if !crate::cert::algorithms_agree(der, false) {
            return Err(Error::CrlFormat("signatureAlgorithm differs from the TBS signature field".into()));
        }
        let tbs_raw = c.tbs_cert_list.as_ref();
        let start = tbs_raw.as_ptr() as usize - der.as_ptr() as usize;
        let revoked = c
            .iter_revoked_certificates()
            .map(|r| Revoked {
                serial: strip_zeros(r.raw_serial()).to_vec(),
                date: r.revocation_date.to_datetime(),
                reason: r.reason_code().map(|(_, rc)| rc.0),
            })
            .collect();
        Ok(Self {
            der: der.to_vec(),
            tbs: start..start + tbs_raw.len(),
            issuer_der: c.issuer().as_raw().to_vec(),
            this_update: c.last_update().to_datetime(),
            next_update: c.next_update().map(|t| t.to_datetime()),
            revoked,
            signature_algorithm: c.signature_algorithm.algorithm.to_id_string(),
            signature: c.signature_value.data.to_vec(),
            crl_number: c.crl_number().map(|n| n.to_bytes_be()),
            verified_by: Default::default(),
        })
    }

    /// Parse PEM (`X509 CRL`) or DER.
    pub fn from_pem_or_der(bytes: &[u8]) -> Result<Self> {
        let ders = crate::cert::der_blocks(bytes, "X509 CRL").map_err(Error::CrlFormat)?;
        match ders.as_slice() {
            [one] => Self::from_der(one),
            more => Err(Error::CrlFormat(format!("expected one CRL, found {}", more.len()))),
        }
    }

    /// The CRL as stored.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The TBSCertList as stored: the bytes the issuer signed.
    pub fn tbs_der(&self) -> &[u8] {
        &self.der[self.tbs.clone()]
    }

    /// PEM.
    pub fn to_pem(&self) -> String {
        yinxin_gm::sm2::key::pem_encode("X509 CRL", &self.der)
    }

    /// Issuer, readable.
    pub fn issuer(&self) -> String {
        crate::name::display_name(&self.issuer_der)
    }

    /// The entry for a serial number, if revoked.
    pub fn find(&self, serial: &[u8]) -> Option<&Revoked> {
        let s = strip_zeros(serial);
        self.revoked.iter().find(|r| r.serial == s)
    }

    /// Check that `issuer` issued this CRL: names match, the issuer may sign CRLs, and the SM2
    /// signature over the TBSCertList as stored verifies.
    pub fn verify_issued_by(&self, issuer: &Cert) -> core::result::Result<(), String> {
        let known = self.verified_by.lock().map(|v| v.iter().any(|d| d.as_slice() == issuer.der())).unwrap_or(false);
        if known {
            return Ok(());
        }
        self.verify_issued_by_uncached(issuer)?;
        if let Ok(mut v) = self.verified_by.lock()
            && v.len() < 8
        {
            v.push(issuer.der().to_vec());
        }
        Ok(())
    }

    fn verify_issued_by_uncached(&self, issuer: &Cert) -> core::result::Result<(), String> {
        if self.issuer_der != issuer.subject_der {
            return Err(format!("CRL issuer {} is not {}", self.issuer(), issuer.subject()));
        }
        if issuer.key_usage.is_some_and(|k| k & ku::CRL_SIGN == 0) {
            return Err(format!("{} may not sign CRLs (keyUsage lacks cRLSign)", issuer.subject()));
        }
        if self.signature_algorithm != oid::SM2_WITH_SM3 {
            return Err(format!("CRL signature algorithm {} is not SM2-with-SM3", self.signature_algorithm));
        }
        if let Err(e) = &issuer.public_key {
            return Err(e.clone());
        }
        let sig = Sm2Signature::from_bytes(&self.signature).map_err(|e| e.to_string())?;
        issuer.verify_sm2(self.tbs_der(), &sig).map_err(|e| e.to_string())
    }
}

impl core::fmt::Debug for Crl {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Crl")
            .field("issuer", &self.issuer())
            .field("revoked", &self.revoked.len())
            .finish_non_exhaustive()
    }
}

/// What to put into a CRL.
#[derive(Debug, Clone)]
pub struct CrlRequest {
    /// thisUpdate.
    pub this_update: OffsetDateTime,
    /// nextUpdate (required by RFC 5280 for conforming CAs).
    pub next_update: OffsetDateTime,
    /// cRLNumber, increasing with every CRL of the issuer.
    pub number: u64,
    /// The revoked certificates.
    pub revoked: Vec<Revoked>,
}

/// Issue a CRL signed by `issuer` through `signer`.
pub fn issue_crl(req: &CrlRequest, issuer: &Cert, signer: &dyn Sm2Signer) -> Result<Crl> {
    if issuer.public_key.as_ref().ok() != Some(signer.public_key()) {
        return Err(Error::Issue("the signer's key is not the CRL issuer's key".into()));
    }
    if req.next_update <= req.this_update {
        return Err(Error::Issue("nextUpdate must be later than thisUpdate".into()));
    }
    let mut entries = Vec::new();
    for r in &req.revoked {
        let mut exts = Vec::new();
        if let Some(code) = r.reason {
            // CRLReason ::= ENUMERATED
            exts.push(Extension {
                extn_id: oid::der_oid(oid::EXT_REASON_CODE),
                critical: false,
                extn_value: OctetString::new(vec![0x0a, 0x01, code])?,
            });
        }
        entries.push(RevokedEntry {
            serial: SerialNumber::new(&r.serial)?,
            date: x509_time(r.date)?,
            extensions: if exts.is_empty() { None } else { Some(exts) },
        });
    }
    let kid =
        issuer.subject_key_id.clone().unwrap_or_else(|| issuer.public_key.as_ref().map(key_id).unwrap_or_default());
    let aki = x509_cert::ext::pkix::AuthorityKeyIdentifier {
        key_identifier: Some(OctetString::new(kid)?),
        authority_cert_issuer: None,
        authority_cert_serial_number: None,
    };
    let number = der::asn1::Uint::new(&req.number.to_be_bytes())?;
    let tbs = TbsCertList {
        version: 1,
        signature: sm2_with_sm3(),
        issuer: Name::from_der(&issuer.subject_der)?,
        this_update: x509_time(req.this_update)?,
        next_update: x509_time(req.next_update)?,
        revoked: if entries.is_empty() { None } else { Some(entries) },
        extensions: vec![
            Extension {
                extn_id: oid::der_oid(oid::EXT_AUTHORITY_KEY_ID),
                critical: false,
                extn_value: OctetString::new(aki.to_der()?)?,
            },
            Extension {
                extn_id: oid::der_oid(oid::EXT_CRL_NUMBER),
                critical: false,
                extn_value: OctetString::new(number.to_der()?)?,
            },
        ],
    };
    let tbs_der = tbs.to_der()?;
    let sig = signer.sign(&tbs_der)?;
    let list = CertificateList {
        tbs: Any::from_der(&tbs_der)?,
        alg: sm2_with_sm3(),
        signature: BitString::from_bytes(&sig.to_der())?,
    };
    Crl::from_der(&list.to_der()?)
}

#[derive(Sequence)]
struct RevokedEntry {
    serial: SerialNumber,
    date: Time,
    #[asn1(optional = "true")]
    extensions: Option<Vec<Extension>>,
}

#[derive(Sequence)]
struct TbsCertList {
    version: u8,
    signature: AlgorithmIdentifierOwned,
    issuer: Name,
    this_update: Time,
    next_update: Time,
    #[asn1(optional = "true")]
    revoked: Option<Vec<RevokedEntry>>,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    extensions: Vec<Extension>,
}

#[derive(Sequence)]
struct CertificateList {
    tbs: Any,
    alg: AlgorithmIdentifierOwned,
    signature: BitString,
}
