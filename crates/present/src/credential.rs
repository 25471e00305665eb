//! The credential: what an issuing department signs for one licence and one holder device.
//!
//! ```text
//! Credential     = [ body: bstr .cbor CredentialBody, signature: bstr(64) ]   ; SM2 r‖s over body
//! CredentialBody = [ 2, issuer_kid: bstr(8), serial: bstr(8),                ; format 2 (made now)
//!                    type_code: tstr,
//!                    valid_from: uint, valid_until: uint / null,              ; Unix seconds
//!                    [ list: uint, index: uint ],                            ; status-list entry
//!                    device_key: bstr(33),                                    ; compressed SM2 point
//!                    leaves: uint, root: bstr(16) ]                           ; the claim tree
//!                / [ "yx-cred-1", issuer_kid, serial, type_code, type_name: tstr,
//!                    issued_at: uint, valid_from, valid_until, [ list, index ], device_key,
//!                    [ * digest: bstr(32) ] ]                                 ; format 1 (still read)
//! Disclosure     = [ salt: bstr(16), name: uint / tstr, value: tstr ]
//!                  ; format 2: a registered name is its number (crate::claims); the claim tree's
//!                  ; leaf is SM3(0x00 ‖ its bytes)[..16] (crate::merkle)
//!                  ; format 1: name as text; digest = SM3(its bytes), sorted in the body
//! ```
//!
//! Format 2 exists to make the QR smaller: a five-field business-licence token went from QR
//! version 25 to ≤ 20 at level M (`benches/examples/present_sizes.rs`). What each saving costs:
//!
//! - **A claim tree instead of every claim's digest.** The credential signs the root of a
//!   Merkle tree over the claims' leaf hashes; a presentation carries the shown claims, their
//!   positions and the nodes of the subtrees with nothing shown (4 to 6 nodes for 5 of 11
//!   claims, instead of 11 digests). The positions are those of the leaves sorted by value, so
//!   they say nothing about which claim is which, as the sorted digests did; the verifier learns
//!   how many claims the credential has, as it did from the digest count.
//! - **16-byte hashes, not 32.** To show a claim the issuer did not sign, a holder needs a
//!   disclosure whose truncated leaf hash equals one the tree commits to: a second preimage on
//!   128 bits, 2^128 work — the SM2 curve's own level. A collision (2^64) does not help the
//!   holder: the issuer draws every salt, so the holder never chooses both colliding inputs
//!   before the signature. Only the issuer could, and the issuer is who the verifier trusts for
//!   the values anyway.
//! - **Registered claim names as integers** ([`crate::claims`], as CWT does): one byte instead
//!   of up to 23. Unregistered names still travel as text.
//! - **No licence-type name, no issue time.** The name is display text the trust bundle carries
//!   for each type code (`type_names`), signed by the service; the code, which the
//!   authorisation check uses, stays signed in the credential. No check used the issue time.
//! - **The format tag is the integer 2** (one byte, not ten). Format-1 credentials are still
//!   read, so wallets holding one keep working until they renew it.
//!
//! Salts stay 16 bytes (128 bits, as SD-JWT and ISO 18013-5 ask), the device key 33 bytes and
//! both signatures 64: nothing that guards a property was shortened.

use crate::cbor::{self, Items};
use crate::{Error, Result, SALT_LEN, compress, format_err};
use ciborium::Value;
use yinxin_gm::{Provider, Sm2PublicKey, Sm2Signature, Sm2Signer};

const TAG_V1: &str = "yx-cred-1";
/// The format made now.
pub const FORMAT: u8 = 2;

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
    /// Make one with this salt, in the format made now (a registered name as its number).
    pub fn new(salt: [u8; SALT_LEN], name: &str, value: &str) -> Self {
        Self::new_in(FORMAT, salt, name, value)
    }

    /// Make one in `format` (1: the name always as text).
    pub fn new_in(format: u8, salt: [u8; SALT_LEN], name: &str, value: &str) -> Self {
        let key = match crate::claims::number(name) {
            Some(n) if format >= 2 => cbor::uint(n),
            _ => cbor::text(name),
        };
        let bytes = cbor::encode(&Value::Array(vec![cbor::bytes(&salt), key, cbor::text(value)]));
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
        let name = it.text_or_uint("name")?;
        let name = match name {
            Ok(t) => t,
            Err(n) => crate::claims::key(n)
                .ok_or_else(|| format_err(format!("disclosure: claim number {n} is not registered")))?
                .to_string(),
        };
        Ok(Self { bytes: bytes.to_vec(), salt, name, value: it.text("value")? })
    }

    /// SM3 of the bytes: the digest a format-1 credential carries.
    pub fn digest(&self) -> [u8; 32] {
        *yinxin_gm::sm3::sm3(&self.bytes).as_bytes()
    }

    /// The leaf hash in a format-2 credential's claim tree.
    pub fn leaf(&self) -> crate::merkle::Hash {
        crate::merkle::leaf(&self.bytes)
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
    /// The format: [`FORMAT`] (2) for credentials made now, 1 for those read from before.
    pub format: u8,
    /// [`crate::key_id`] of the issuer's certificate.
    pub issuer_kid: [u8; 8],
    /// A random serial.
    pub serial: [u8; 8],
    /// Licence type code.
    pub type_code: String,
    /// Licence type name (营业执照, …), carried in format 1 only; `None` in format 2, whose
    /// verifiers take the name from the trust bundle.
    pub type_name: Option<String>,
    /// When the credential was made (Unix seconds): carried in format 1 only.
    pub issued_at: Option<i64>,
    /// Licence valid from (Unix seconds).
    pub valid_from: i64,
    /// Licence valid until (Unix seconds); `None` for 长期.
    pub valid_until: Option<i64>,
    /// Its status-list entry.
    pub status: StatusRef,
    /// The holder device's public key.
    pub device_key: Sm2PublicKey,
    /// What the signature commits the claims to. Filled by [`issue`].
    pub claims: Commitment,
}

/// How a credential commits to its claims.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Commitment {
    /// Format 1: every claim's digest, sorted.
    Digests(Vec<[u8; 32]>),
    /// Format 2: the root of the claim tree over `leaves` leaf hashes (see [`crate::merkle`]).
    Tree {
        /// How many claims.
        leaves: u32,
        /// The root.
        root: crate::merkle::Hash,
    },
}

impl CredentialBody {
    fn to_value(&self) -> Result<Value> {
        let times = |issued: bool| {
            let mut v = Vec::new();
            if issued {
                v.push(cbor::uint(self.issued_at.unwrap_or(0).max(0) as u64));
            }
            v.push(cbor::uint(self.valid_from.max(0) as u64));
            v.push(self.valid_until.map(|t| cbor::uint(t.max(0) as u64)).unwrap_or(Value::Null));
            v.push(Value::Array(vec![cbor::uint(self.status.list.into()), cbor::uint(self.status.index.into())]));
            v.push(cbor::bytes(&compress(&self.device_key)));
            v
        };
        let mut items = vec![];
        match (self.format, &self.claims) {
            (1, Commitment::Digests(d)) => {
                let mut digests = d.clone();
                digests.sort();
                items.extend([
                    cbor::text(TAG_V1),
                    cbor::bytes(&self.issuer_kid),
                    cbor::bytes(&self.serial),
                    cbor::text(&self.type_code),
                    cbor::text(self.type_name.as_deref().unwrap_or(&self.type_code)),
                ]);
                items.extend(times(true));
                items.push(Value::Array(digests.iter().map(|d| cbor::bytes(d)).collect()));
            }
            (FORMAT, Commitment::Tree { leaves, root }) => {
                items.extend([
                    cbor::uint(FORMAT.into()),
                    cbor::bytes(&self.issuer_kid),
                    cbor::bytes(&self.serial),
                    cbor::text(&self.type_code),
                ]);
                items.extend(times(false));
                items.push(cbor::uint((*leaves).into()));
                items.push(cbor::bytes(root));
            }
            (f, _) => return Err(format_err(format!("credential format {f} with the other format's claims"))),
        }
        Ok(Value::Array(items))
    }

    fn parse(bytes: &[u8]) -> Result<Self> {
        let v = cbor::decode(bytes, "credential body")?;
        let v1 = matches!(&v, Value::Array(a) if matches!(a.first(), Some(Value::Text(_))));
        let mut it = Items::new(v, "credential body", if v1 { 11 } else { 10 })?;
        let format = it.format_tag(TAG_V1, FORMAT)?;
        let issuer_kid = it.fixed("issuer key id")?;
        let serial = it.fixed("serial")?;
        let type_code = it.text("type code")?;
        let type_name = if format == 1 { Some(it.text("type name")?) } else { None };
        let issued_at = if format == 1 { Some(cbor::to_i64(it.uint("issued at")?, "issued at")?) } else { None };
        let valid_from = cbor::to_i64(it.uint("valid from")?, "valid from")?;
        let valid_until = it.opt_uint("valid until")?.map(|t| cbor::to_i64(t, "valid until")).transpose()?;
        let mut st = Items::new(Value::Array(it.array("status")?), "credential status", 2)?;
        let list = u32::try_from(st.uint("list")?).map_err(|_| format_err("credential status: list out of range"))?;
        let index =
            u32::try_from(st.uint("index")?).map_err(|_| format_err("credential status: index out of range"))?;
        let key: [u8; 33] = it.fixed("device key")?;
        let device_key =
            Sm2PublicKey::from_sec1(&key).map_err(|e| format_err(format!("credential: device key: {e}")))?;
        let claims = if format == 1 {
            let mut digests = Vec::new();
            for d in it.array("digests")? {
                match d {
                    Value::Bytes(b) if b.len() == 32 => digests.push(b.try_into().expect("32 bytes")),
                    _ => return Err(format_err("credential: a digest is not 32 bytes")),
                }
            }
            Commitment::Digests(digests)
        } else {
            let leaves = it.uint("leaves")?;
            let leaves =
                u32::try_from(leaves).ok().filter(|n| (1..=crate::merkle::MAX_LEAVES).contains(n)).ok_or_else(
                    || format_err(format!("credential: {leaves} claims (1 to {})", crate::merkle::MAX_LEAVES)),
                )?;
            Commitment::Tree { leaves, root: it.fixed("claim root")? }
        };
        Ok(Self {
            format,
            issuer_kid,
            serial,
            type_code,
            type_name,
            issued_at,
            valid_from,
            valid_until,
            status: StatusRef { list, index },
            device_key,
            claims,
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
/// `body.claims` is ignored and made from the claims, in `body.format`.
pub fn issue(
    provider: &dyn Provider,
    issuer: &dyn Sm2Signer,
    mut body: CredentialBody,
    claims: &[Claim],
) -> Result<Issued> {
    let mut names = std::collections::HashSet::new();
    let mut disclosures = Vec::with_capacity(claims.len());
    if claims.is_empty() || claims.len() > crate::merkle::MAX_LEAVES as usize {
        return Err(format_err(format!("{} claims: 1 to {} are made", claims.len(), crate::merkle::MAX_LEAVES)));
    }
    for c in claims {
        if !names.insert(c.name.as_str()) {
            return Err(format_err(format!("claim {} is given twice", c.name)));
        }
        let mut salt = [0u8; SALT_LEN];
        provider.fill_random(&mut salt)?;
        disclosures.push(Disclosure::new_in(body.format, salt, &c.name, &c.value));
    }
    body.claims = if body.format == 1 {
        let mut d: Vec<[u8; 32]> = disclosures.iter().map(Disclosure::digest).collect();
        d.sort();
        Commitment::Digests(d)
    } else {
        let leaves = sorted_leaves(disclosures.iter().map(|d| d.bytes.as_slice()));
        Commitment::Tree { leaves: leaves.len() as u32, root: crate::merkle::root(&leaves) }
    };
    let body_bytes = cbor::encode(&body.to_value()?);
    let signature = issuer.sign(&body_bytes)?.to_raw();
    let bytes = cbor::encode(&Value::Array(vec![cbor::bytes(&body_bytes), cbor::bytes(&signature)]));
    Ok(Issued { credential: Credential { body, body_bytes, signature, bytes }, disclosures })
}

/// The leaf hashes of a credential's disclosures, sorted: the claim tree's leaves.
pub fn sorted_leaves<'a>(disclosures: impl IntoIterator<Item = &'a [u8]>) -> Vec<crate::merkle::Hash> {
    let mut l: Vec<_> = disclosures.into_iter().map(crate::merkle::leaf).collect();
    l.sort();
    l
}
