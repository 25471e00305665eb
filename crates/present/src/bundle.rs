//! The trust bundle: what an offline verifier fetches ahead of going where there is no signal.
//!
//! A JSON envelope `{payload, signature, signer}`: `payload` is the Base64 of the JSON
//! [`Content`] exactly as signed, `signature` the hex SM2 r‖s over those bytes, `signer` the
//! Base64 DER of the signing certificate, which must chain to one of the bundle's roots — and,
//! when the verifier pins a root, to that one.

use crate::status::SignedStatusList;
use crate::{Error, Result, format_err, key_id};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};
use yinxin_gm::{Sm2Signature, Sm2Signer, UserId, default_provider};
use yinxin_pki::chain::{Purpose, RevocationPolicy, TrustStore, ValidationOptions, validate_chain};
use yinxin_pki::report::{Indication, TimeSource};
use yinxin_pki::{Cert, Crl};

/// The format tag.
pub const FORMAT: &str = "yinxin-trust-bundle/1";

/// One trusted issuer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct IssuerEntry {
    /// USCC.
    pub code: String,
    /// Name.
    pub name: String,
    /// Licence type codes it may issue.
    pub types: Vec<String>,
    /// Its certificate (Base64 DER).
    pub cert: String,
}

/// What a bundle says.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Content {
    /// [`FORMAT`].
    pub format: String,
    /// Made at (Unix seconds).
    pub issued_at: i64,
    /// The earliest expiry of its status lists (Unix seconds): fetch a new one before.
    pub expires_at: i64,
    /// Trusted roots (Base64 DER).
    pub roots: Vec<String>,
    /// Intermediate CAs (Base64 DER).
    pub intermediates: Vec<String>,
    /// CRLs of the CAs (Base64 DER).
    pub crls: Vec<String>,
    /// Trusted issuers.
    pub issuers: Vec<IssuerEntry>,
    /// The status-list signer's certificate (Base64 DER).
    pub status_signer: String,
    /// The status lists (Base64 CBOR).
    pub status_lists: Vec<String>,
    /// The transparency log's latest published checkpoint (a C2SP signed note, as text), so
    /// an offline verifier knows the log size it trusts. Absent in bundles made before the
    /// log (they still open) and from services without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_checkpoint: Option<String>,
    /// The display name of each licence type code (营业执照, …): credentials of format 2 carry
    /// only the code. Absent in bundles made before (they still open).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub type_names: std::collections::BTreeMap<String, String>,
    /// Serials (hex) of revoked reader certificates not yet expired: a wallet refuses their
    /// requests (see [`crate::reader`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub revoked_readers: Vec<String>,
}

/// The signed envelope, as served and stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    /// Base64 of the content's JSON bytes.
    pub payload: String,
    /// SM2 r‖s over those bytes, hex.
    pub signature: String,
    /// The signer's certificate, Base64 DER.
    pub signer: String,
}

/// Sign a bundle.
pub fn sign(content: &Content, signer: &dyn Sm2Signer, signer_cert: &Cert) -> Result<Envelope> {
    let payload = serde_json::to_vec(content).map_err(|e| format_err(e.to_string()))?;
    let sig = signer.sign(&payload)?.to_raw();
    Ok(Envelope { payload: B64.encode(&payload), signature: hex::encode(sig), signer: B64.encode(signer_cert.der()) })
}

/// A trusted issuer, read.
#[derive(Debug, Clone)]
pub struct Issuer {
    /// Its entry.
    pub entry: IssuerEntry,
    /// Its certificate.
    pub cert: Cert,
    /// [`key_id`] of it.
    pub kid: [u8; 8],
}

/// An opened bundle: its signature checked, its objects parsed.
#[derive(Debug, Clone)]
pub struct Bundle {
    /// Made at.
    pub issued_at: i64,
    /// Fetch a new one before.
    pub expires_at: i64,
    /// Trust anchors.
    pub trust: TrustStore,
    /// Intermediates.
    pub intermediates: Vec<Cert>,
    /// CRLs.
    pub crls: Vec<Crl>,
    /// Issuers.
    pub issuers: Vec<Issuer>,
    /// The status-list signer.
    pub status_signer: Cert,
    /// Status lists (signatures not yet checked: the verifier reports on each).
    pub status_lists: Vec<SignedStatusList>,
    /// Who signed the bundle.
    pub signer: Cert,
    /// The log checkpoint it carries, checked (see [`LogHead`]).
    pub log: Option<LogHead>,
    /// Licence type names by code.
    pub type_names: std::collections::BTreeMap<String, String>,
    /// Revoked reader certificates' serials (hex).
    pub revoked_readers: Vec<String>,
}

/// A transparency-log checkpoint carried in a bundle. Its note must carry a valid checkpoint
/// signature by the bundle signer's key (the service signs its checkpoints and its bundles
/// with one key), so the bundle cannot carry another log's head. Witness cosignatures, if any,
/// are kept in `note` for verifiers that check a witness policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogHead {
    /// The log's origin.
    pub origin: String,
    /// The tree size.
    pub size: u64,
    /// The root hash.
    pub root: [u8; 32],
    /// The signed note, as carried.
    pub note: String,
}

fn log_head(text: &str, signer: &Cert) -> Result<LogHead> {
    use yinxin_tlog::checkpoint::SignedCheckpoint;
    use yinxin_tlog::note::NoteVerifier;
    use yinxin_tlog::signature::{Sm2Kind, Sm2NoteVerifier};
    let cp =
        SignedCheckpoint::parse_unverified(text.as_bytes()).map_err(|e| format_err(format!("log checkpoint: {e}")))?;
    let head = cp.checkpoint();
    let key = signer.public_key.as_ref().map_err(|e| Error::Cert(format!("bundle signer: {e}")))?;
    let v = Sm2NoteVerifier::new(&head.origin, Sm2Kind::Note, key.clone())
        .map_err(|e| format_err(format!("log checkpoint: {e}")))?;
    let ok = cp.verify(&[&v as &dyn NoteVerifier]).map_err(|e| Error::Untrusted(format!("log checkpoint: {e}")))?;
    if ok.is_empty() {
        return Err(Error::Untrusted("the log checkpoint is not signed by the bundle's signer".into()));
    }
    Ok(LogHead { origin: head.origin.clone(), size: head.size, root: *head.root.as_bytes(), note: text.to_owned() })
}

fn cert_b64(s: &str, what: &str) -> Result<Cert> {
    let der = B64.decode(s).map_err(|_| format_err(format!("{what}: not Base64")))?;
    Cert::from_der(&der).map_err(|e| Error::Cert(format!("{what}: {e}")))
}

/// The largest bundle read (bytes).
pub const MAX_BUNDLE: usize = 64 << 20;

impl Bundle {
    /// Open a bundle: check the envelope's signature and that its signer chains (at `now`) to
    /// one of its roots — to `pinned` when given, which must then be among them.
    pub fn open(json: &[u8], pinned: Option<&Cert>, now: time::OffsetDateTime) -> Result<Self> {
        if json.len() > MAX_BUNDLE {
            return Err(format_err(format!("bundle of {} bytes; the limit is {MAX_BUNDLE}", json.len())));
        }
        let env: Envelope = serde_json::from_slice(json).map_err(|e| format_err(format!("not a trust bundle: {e}")))?;
        let payload = B64.decode(&env.payload).map_err(|_| format_err("bundle payload: not Base64"))?;
        // The signature first: nothing of a payload is parsed before it is known to be the signer's.
        let signer = cert_b64(&env.signer, "bundle signer")?;
        let sig_bytes = hex::decode(&env.signature).map_err(|_| format_err("bundle signature: not hex"))?;
        let sig = Sm2Signature::from_raw(&sig_bytes)?;
        let key = signer.public_key.as_ref().map_err(|e| Error::Cert(format!("bundle signer: {e}")))?;
        default_provider()
            .sm2_verify(key, UserId::DEFAULT, &payload, &sig)
            .map_err(|_| Error::Untrusted("the bundle's signature does not verify".into()))?;
        let content: Content =
            serde_json::from_slice(&payload).map_err(|e| format_err(format!("bundle payload: {e}")))?;
        if content.format != FORMAT {
            return Err(format_err(format!("bundle format {:?}, expected {FORMAT:?}", content.format)));
        }
        let roots = content
            .roots
            .iter()
            .enumerate()
            .map(|(i, r)| cert_b64(r, &format!("root {i}")))
            .collect::<Result<Vec<_>>>()?;
        let roots = match pinned {
            Some(p) => {
                if !roots.iter().any(|r| r.der() == p.der()) {
                    return Err(Error::Untrusted("the pinned root is not in this bundle".into()));
                }
                vec![p.clone()]
            }
            None => roots,
        };
        let trust = TrustStore::new(roots);
        let intermediates = content
            .intermediates
            .iter()
            .enumerate()
            .map(|(i, c)| cert_b64(c, &format!("intermediate {i}")))
            .collect::<Result<Vec<_>>>()?;
        let crls = content
            .crls
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let der = B64.decode(c).map_err(|_| format_err(format!("CRL {i}: not Base64")))?;
                Crl::from_der(&der).map_err(|e| Error::Cert(format!("CRL {i}: {e}")))
            })
            .collect::<Result<Vec<_>>>()?;

        let opts = ValidationOptions {
            at: now,
            time_source: TimeSource::Now,
            now,
            purpose: Purpose::DocumentSigning,
            crls: &crls,
            revocation: RevocationPolicy::IfAvailable,
            crl_max_age: None,
        };
        let chain = validate_chain(&signer, &intermediates, &trust, &opts);
        if chain.indication != Indication::Passed {
            let why = chain
                .checks
                .iter()
                .find(|c| {
                    c.outcome != yinxin_pki::report::Outcome::Passed
                        && c.outcome != yinxin_pki::report::Outcome::NotApplicable
                })
                .map(|c| c.reason_en.clone())
                .unwrap_or_default();
            return Err(Error::Untrusted(format!("the bundle's signer does not chain to a trusted root: {why}")));
        }

        let issuers = content
            .issuers
            .iter()
            .map(|e| {
                let cert = cert_b64(&e.cert, &format!("issuer {}", e.code))?;
                Ok(Issuer { kid: key_id(cert.der()), entry: e.clone(), cert })
            })
            .collect::<Result<Vec<_>>>()?;
        let status_signer = cert_b64(&content.status_signer, "status-list signer")?;
        let status_lists = content
            .status_lists
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let b = B64.decode(s).map_err(|_| format_err(format!("status list {i}: not Base64")))?;
                SignedStatusList::parse(&b)
            })
            .collect::<Result<Vec<_>>>()?;
        let log = content.log_checkpoint.as_deref().map(|t| log_head(t, &signer)).transpose()?;
        Ok(Bundle {
            log,
            type_names: content.type_names,
            revoked_readers: content.revoked_readers,
            issued_at: content.issued_at,
            expires_at: content.expires_at,
            trust,
            intermediates,
            crls,
            issuers,
            status_signer,
            status_lists,
            signer,
        })
    }
}
