//! The presentation token (the QR), made on the holder's device.
//!
//! ```text
//! Token        = [ presentation: bstr .cbor Presentation, signature: bstr(64) ]  ; device key, SM2 r‖s
//! Presentation = [ "yx-vp-1", credential: bstr .cbor Credential,
//!                  [ * disclosure: bstr .cbor Disclosure ],
//!                  iat: uint, exp: uint,                                       ; Unix seconds
//!                  nonce: tstr / null ]
//! QR text      = "YX1:" Base45(Token)
//! ```
//!
//! The wallet page builds the same bytes in JavaScript (`crates/server/assets/wallet.js`); the
//! browser end-to-end test checks the two agree by verifying what the page shows.

use crate::cbor::{self, Items};
use crate::{QR_PREFIX, Result, base45, format_err};
use ciborium::Value;
use yinxin_gm::{Sm2Signature, Sm2Signer};

const TAG: &str = "yx-vp-1";

/// The longest QR text read (a version-40 code holds 4,296 alphanumeric characters).
pub const MAX_TEXT: usize = 4_296;

/// A decoded presentation.
#[derive(Debug, Clone)]
pub struct Presentation {
    /// The credential's bytes.
    pub credential: Vec<u8>,
    /// The disclosures' bytes.
    pub disclosures: Vec<Vec<u8>>,
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
/// JavaScript).
pub fn present(
    credential: &[u8],
    disclosures: &[&[u8]],
    iat: i64,
    exp: i64,
    nonce: Option<&str>,
    device: &dyn Sm2Signer,
) -> Result<String> {
    let presentation = cbor::encode(&Value::Array(vec![
        cbor::text(TAG),
        cbor::bytes(credential),
        Value::Array(disclosures.iter().map(|d| cbor::bytes(d)).collect()),
        cbor::uint(iat.max(0) as u64),
        cbor::uint(exp.max(0) as u64),
        nonce.map(cbor::text).unwrap_or(Value::Null),
    ]));
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
    let mut p = Items::new(cbor::decode(&bytes, "presentation")?, "presentation", 6)?;
    p.tag(TAG)?;
    let credential = p.bytes("credential")?;
    let mut disclosures = Vec::new();
    for d in p.array("disclosures")? {
        match d {
            Value::Bytes(b) => disclosures.push(b),
            _ => return Err(format_err("presentation: a disclosure is not a byte string")),
        }
    }
    let iat = cbor::to_i64(p.uint("iat")?, "iat")?;
    let exp = cbor::to_i64(p.uint("exp")?, "exp")?;
    let nonce = p.opt_text("nonce")?;
    Ok(Token { presentation: Presentation { credential, disclosures, iat, exp, nonce, bytes }, signature })
}
