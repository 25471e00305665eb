//! The credential: what an issuing department signs for one licence and one holder device.
//!
//! ```text
//! Credential     = [ body: bstr .cbor CredentialBody, signature: bstr(64) ]   ; SM2 r‖s over body
//! CredentialBody = [ "yx-cred-1", issuer_kid: bstr(8), serial: bstr(8),
//!                    type_code: tstr, type_name: tstr, issued_at: uint,
//!                    valid_from: uint, valid_until: uint / null,              ; Unix seconds
//!                    [ list: uint, index: uint ],                            ; status-list entry
//!                    device_key: bstr(33),                                    ; compressed SM2 point
//!                    [ * digest: bstr(32) ] ]                                 ; sorted
//! Disclosure     = [ salt: bstr(16), name: tstr, value: tstr ]              ; digest = SM3(its bytes)
//! ```

use crate::cbor::{self, Items};
use crate::{Error, Result, SALT_LEN, compress, format_err};
use ciborium::Value;
use yinxin_gm::{Provider, Sm2PublicKey, Sm2Signature, Sm2Signer};

const TAG: &str = "yx-cred-1";

/// One claim to put in a credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// Its name (a catalogue field key, or `identifier`).
    pub name: String,
    /// Its value.
    pub value: String,
}

/// One disclosure: a claim with its salt, and the CBOR bytes its digest is taken over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disclosure {
    /// The CBOR bytes, as carried.
    pub bytes: Vec<u8>,
    /// The salt.
    pub salt: Vec<u8>,
    /// The claim's name.
    pub name: String,
    /// The claim's value.
    pub value: String,
}

impl Disclosure {
    /// Make one with this salt.
    pub fn new(salt: [u8; SALT_LEN], name: &str, value: &str) -> Self {
        let bytes = cbor::encode(&Value::Array(vec![cbor::bytes(&salt), cbor::text(name), cbor::text(value)]));
        Self { bytes, salt: salt.to_vec(), name: name.into(), value: value.into() }
    }

    /// Read one from its bytes.
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        let mut it = Items::new(cbor::decode(bytes, "disclosure")?, "disclosure", 3)?;
        let salt = it.bytes("salt")?;
        if salt.len() < SALT_LEN {
            return Err(format_err(format!(
                "disclosure: salt of {} bytes; at least {SALT_LEN} are needed",
                salt.len()
            )));
        }
        Ok(Self { bytes: bytes.to_vec(), salt, name: it.text("name")?, value: it.text("value")? })
    }

    /// SM3 of the bytes.
    pub fn digest(&self) -> [u8; 32] {
        *yinxin_gm::sm3::sm3(&self.bytes).as_bytes()
    }
}

/// A reference to one status-list entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StatusRef {
    /// The list's number within the issuer.
    pub list: u32,
    /// The entry.
    pub index: u32,
}

/// The signed content of a credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialBody {
    /// [`crate::key_id`] of the issuer's certificate.
    pub issuer_kid: [u8; 8],
    /// A random serial.
    pub serial: [u8; 8],
    /// Licence type code.
    pub type_code: String,
    /// Licence type name (营业执照, …).
    pub type_name: String,
    /// When the credential was made (Unix seconds).
    pub issued_at: i64,
    /// Licence valid from (Unix seconds).
    pub valid_from: i64,
    /// Licence valid until (Unix seconds); `None` for 长期.
    pub valid_until: Option<i64>,
    /// Its status-list entry.
    pub status: StatusRef,
    /// The holder device's public key.
    pub device_key: Sm2PublicKey,
    /// Claim digests, sorted.
    pub digests: Vec<[u8; 32]>,
}

impl CredentialBody {
    fn to_value(&self) -> Value {
        let mut digests = self.digests.clone();
        digests.sort();
        Value::Array(vec![
            cbor::text(TAG),
            cbor::bytes(&self.issuer_kid),
            cbor::bytes(&self.serial),
            cbor::text(&self.type_code),
            cbor::text(&self.type_name),
            cbor::uint(self.issued_at.max(0) as u64),
            cbor::uint(self.valid_from.max(0) as u64),
            self.valid_until.map(|t| cbor::uint(t.max(0) as u64)).unwrap_or(Value::Null),
            Value::Array(vec![cbor::uint(self.status.list.into()), cbor::uint(self.status.index.into())]),
            cbor::bytes(&compress(&self.device_key)),
            Value::Array(digests.iter().map(|d| cbor::bytes(d)).collect()),
        ])
    }

    fn parse(bytes: &[u8]) -> Result<Self> {
        let mut it = Items::new(cbor::decode(bytes, "credential body")?, "credential body", 11)?;
        it.tag(TAG)?;
        let issuer_kid = it.fixed("issuer key id")?;
        let serial = it.fixed("serial")?;
        let type_code = it.text("type code")?;
        let type_name = it.text("type name")?;
        let issued_at = cbor::to_i64(it.uint("issued at")?, "issued at")?;
        let valid_from = cbor::to_i64(it.uint("valid from")?, "valid from")?;
        let valid_until = it.opt_uint("valid until")?.map(|t| cbor::to_i64(t, "valid until")).transpose()?;
        let mut st = Items::new(Value::Array(it.array("status")?), "credential status", 2)?;
        let list = u32::try_from(st.uint("list")?).map_err(|_| format_err("credential status: list out of range"))?;
        let index =
            u32::try_from(st.uint("index")?).map_err(|_| format_err("credential status: index out of range"))?;
        let key: [u8; 33] = it.fixed("device key")?;
        let device_key =
            Sm2PublicKey::from_sec1(&key).map_err(|e| format_err(format!("credential: device key: {e}")))?;
        let mut digests = Vec::new();
        for d in it.array("digests")? {
            match d {
                Value::Bytes(b) if b.len() == 32 => digests.push(b.try_into().expect("32 bytes")),
                _ => return Err(format_err("credential: a digest is not 32 bytes")),
            }
        }
        Ok(Self {
            issuer_kid,
            serial,
            type_code,
            type_name,
            issued_at,
            valid_from,
            valid_until,
            status: StatusRef { list, index },
            device_key,
            digests,
        })
    }
}

/// A credential as carried: the body, its bytes and the issuer's signature.
#[derive(Debug, Clone)]
pub struct Credential {
    /// The content.
    pub body: CredentialBody,
    /// The body's bytes, as signed.
    pub body_bytes: Vec<u8>,
    /// The issuer's SM2 signature (r‖s).
    pub signature: [u8; 64],
    /// The whole credential's bytes.
    pub bytes: Vec<u8>,
}

impl Credential {
    /// Read a credential.
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        let mut it = Items::new(cbor::decode(bytes, "credential")?, "credential", 2)?;
        let body_bytes = it.bytes("body")?;
        let signature = it.fixed("signature")?;
        Ok(Self { body: CredentialBody::parse(&body_bytes)?, body_bytes, signature, bytes: bytes.to_vec() })
    }

    /// Check the issuer's signature with `issuer_key`.
    pub fn verify_signature(&self, verifier: &dyn yinxin_gm::Sm2Verifier) -> Result<()> {
        let sig = Sm2Signature::from_raw(&self.signature)?;
        verifier.verify(&self.body_bytes, &sig).map_err(Error::from)
    }
}

/// A credential just issued, with the disclosures the holder's device keeps.
#[derive(Debug, Clone)]
pub struct Issued {
    /// The credential.
    pub credential: Credential,
    /// One disclosure per claim, in the order the claims were given.
    pub disclosures: Vec<Disclosure>,
}

/// Issue a credential: salt every claim, sign the body with the issuer's key.
/// `body.digests` is ignored and filled from the claims.
pub fn issue(
    provider: &dyn Provider,
    issuer: &dyn Sm2Signer,
    mut body: CredentialBody,
    claims: &[Claim],
) -> Result<Issued> {
    let mut names = std::collections::HashSet::new();
    let mut disclosures = Vec::with_capacity(claims.len());
    for c in claims {
        if !names.insert(c.name.as_str()) {
            return Err(format_err(format!("claim {} is given twice", c.name)));
        }
        let mut salt = [0u8; SALT_LEN];
        provider.fill_random(&mut salt)?;
        disclosures.push(Disclosure::new(salt, &c.name, &c.value));
    }
    body.digests = disclosures.iter().map(Disclosure::digest).collect();
    body.digests.sort();
    let body_bytes = cbor::encode(&body.to_value());
    let signature = issuer.sign(&body_bytes)?.to_raw();
    let bytes = cbor::encode(&Value::Array(vec![cbor::bytes(&body_bytes), cbor::bytes(&signature)]));
    Ok(Issued { credential: Credential { body, body_bytes, signature, bytes }, disclosures })
}
