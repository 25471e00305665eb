//! The presentation token (the QR), made on the holder's device.
//!
//! ```text
//! Token        = [ presentation: bstr .cbor Presentation, signature: bstr(64) ]  ; device key, SM2 r‖s
//! Presentation = [ 2, credential: bstr .cbor Credential,                   ; format 2 (made now)
//!                  [ * disclosure: bstr .cbor Disclosure ],                ; the shown claims
//!                  [ * position: uint ],                                   ; each one's leaf position
//!                  [ * node: bstr(16) ],                                   ; the claim tree's multiproof
//!                  iat: uint, lifetime: uint,                              ; Unix seconds; expiry = iat + lifetime
//!                  nonce: tstr / null ]
//!              / [ "yx-vp-1", credential, [ * disclosure ], iat, exp: uint, nonce ]   ; format 1
//! QR text      = "YX1:" Base45(Token)
//! ```
//!
//! A format-1 credential is presented in format 1, a format-2 one in format 2.
//!
//! The wallet page builds the same bytes in JavaScript (`crates/server/assets/wallet.js`); the
//! browser end-to-end test checks the two agree by verifying what the page shows.

use crate::cbor::{self, Items};
use crate::{QR_PREFIX, Result, base45, format_err};
use ciborium::Value;
use yinxin_gm::{Sm2Signature, Sm2Signer};

const TAG_V1: &str = "yx-vp-1";
/// The format made now (format 1, with the text tag, is still read).
pub const FORMAT: u8 = 2;

/// The longest QR text read (a version-40 code holds 4,296 alphanumeric characters).
pub const MAX_TEXT: usize = 4_296;

/// A decoded presentation.
#[derive(Debug, Clone)]
pub struct Presentation {
    /// The credential's bytes.
    pub credential: Vec<u8>,
    /// The format (1 or 2).
    pub format: u8,
    /// The disclosures' bytes.
    pub disclosures: Vec<Vec<u8>>,
    /// Format 2: each disclosure's leaf position in the claim tree.
    pub positions: Vec<u32>,
    /// Format 2: the claim tree's multiproof.
    pub proof: Vec<crate::merkle::Hash>,
    /// Issued at (Unix seconds).
    pub iat: i64,
    /// Expires at (Unix seconds).
    pub exp: i64,
    /// The verifier's nonce, when one was asked for.
    pub nonce: Option<String>,
    /// The bytes the device signed.
    pub bytes: Vec<u8>,
}

/// A decoded token.
#[derive(Debug, Clone)]
pub struct Token {
    /// What was signed.
    pub presentation: Presentation,
    /// The device's signature (r‖s).
    pub signature: [u8; 64],
}

impl Token {
    /// The device signature as a value.
    pub fn signature(&self) -> Result<Sm2Signature> {
        Ok(Sm2Signature::from_raw(&self.signature)?)
    }
}

/// Make a token's QR text (what a native app or a test does; the wallet page does the same in
/// JavaScript). `disclosures` are all the holder's disclosures of the credential (a format-2
/// presentation proves the shown ones against the claim tree over all of them); `shown` the
/// positions in it of those to show.
pub fn present(
    credential: &[u8],
    disclosures: &[&[u8]],
    shown: &[usize],
    iat: i64,
    exp: i64,
    nonce: Option<&str>,
    device: &dyn Sm2Signer,
) -> Result<String> {
    let cred = crate::credential::Credential::parse(credential)?;
    let mut picked = Vec::with_capacity(shown.len());
    for &i in shown {
        picked.push(*disclosures.get(i).ok_or_else(|| format_err(format!("no disclosure {i} to show")))?);
    }
    let nonce = nonce.map(cbor::text).unwrap_or(Value::Null);
    let presentation = if cred.body.format == 1 {
        cbor::encode(&Value::Array(vec![
            cbor::text(TAG_V1),
            cbor::bytes(credential),
            Value::Array(picked.iter().map(|d| cbor::bytes(d)).collect()),
            cbor::uint(iat.max(0) as u64),
            cbor::uint(exp.max(0) as u64),
            nonce,
        ]))
    } else {
        let leaves = crate::credential::sorted_leaves(disclosures.iter().copied());
        let positions: Vec<usize> = picked
            .iter()
            .map(|d| {
                let l = crate::merkle::leaf(d);
                leaves.iter().position(|x| *x == l).expect("a leaf of the holder's own disclosures")
            })
            .collect();
        let proof = crate::merkle::prove(&leaves, &positions);
        cbor::encode(&Value::Array(vec![
            cbor::uint(FORMAT.into()),
            cbor::bytes(credential),
            Value::Array(picked.iter().map(|d| cbor::bytes(d)).collect()),
            Value::Array(positions.iter().map(|p| cbor::uint(*p as u64)).collect()),
            Value::Array(proof.iter().map(|h| cbor::bytes(h)).collect()),
            cbor::uint(iat.max(0) as u64),
            cbor::uint(exp.saturating_sub(iat).max(0) as u64),
            nonce,
        ]))
    };
    let sig = device.sign(&presentation)?.to_raw();
    let token = cbor::encode(&Value::Array(vec![cbor::bytes(&presentation), cbor::bytes(&sig)]));
    Ok(format!("{QR_PREFIX}{}", base45::encode(&token)))
}

/// Read a token from its QR text.
pub fn decode(text: &str) -> Result<Token> {
    let text = text.trim();
    if text.len() > MAX_TEXT {
        return Err(format_err(format!("{} characters: longer than any QR code holds", text.len())));
    }
    let body = text
        .strip_prefix(QR_PREFIX)
        .ok_or_else(|| format_err(format!("not a yinxin presentation (it does not start with {QR_PREFIX})")))?;
    let raw = base45::decode(body).map_err(format_err)?;
    let mut it = Items::new(cbor::decode(&raw, "token")?, "token", 2)?;
    let bytes = it.bytes("presentation")?;
    let signature = it.fixed("signature")?;
    let v = cbor::decode(&bytes, "presentation")?;
    let v1 = matches!(&v, Value::Array(a) if matches!(a.first(), Some(Value::Text(_))));
    let mut p = Items::new(v, "presentation", if v1 { 6 } else { 8 })?;
    let format = p.format_tag(TAG_V1, FORMAT)?;
    let credential = p.bytes("credential")?;
    let mut disclosures = Vec::new();
    for d in p.array("disclosures")? {
        match d {
            Value::Bytes(b) => disclosures.push(b),
            _ => return Err(format_err("presentation: a disclosure is not a byte string")),
        }
    }
    let (mut positions, mut proof) = (Vec::new(), Vec::new());
    if format != 1 {
        for x in p.array("positions")? {
            match x {
                Value::Integer(i) => positions
                    .push(u32::try_from(i).map_err(|_| format_err("presentation: a claim position is out of range"))?),
                _ => return Err(format_err("presentation: a claim position is not an unsigned integer")),
            }
        }
        if positions.len() != disclosures.len() {
            return Err(format_err(format!(
                "presentation: {} claim positions for {} disclosures",
                positions.len(),
                disclosures.len()
            )));
        }
        for x in p.array("claim proof")? {
            match x {
                Value::Bytes(b) if b.len() == crate::merkle::NODE_LEN => proof.push(b.try_into().expect("16 bytes")),
                _ => return Err(format_err("presentation: a claim proof node is not 16 bytes")),
            }
        }
    }
    let iat = cbor::to_i64(p.uint("iat")?, "iat")?;
    let exp = if format == 1 {
        cbor::to_i64(p.uint("exp")?, "exp")?
    } else {
        iat.checked_add(cbor::to_i64(p.uint("lifetime")?, "lifetime")?)
            .ok_or_else(|| format_err("presentation: lifetime out of range"))?
    };
    let nonce = p.opt_text("nonce")?;
    Ok(Token {
        presentation: Presentation { credential, format, disclosures, positions, proof, iat, exp, nonce, bytes },
        signature,
    })
}
