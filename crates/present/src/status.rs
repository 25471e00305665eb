//! Status lists: one signed, compressed bitstring per issuer and list number.
//!
//! ```text
//! StatusList     = [ body: bstr .cbor StatusListBody, signer_kid: bstr(8), signature: bstr(64) ]
//! StatusListBody = [ "yx-status-1", issuer_kid: bstr(8), issuer_code: tstr, list: uint,
//!                    bits: 2, entries: uint, issued_at: uint, expires_at: uint,
//!                    lst: bstr ]                       ; zlib (RFC 1950) of the bitstring
//! ```
//!
//! Entry `i` takes bits `2(i mod 4)` and `2(i mod 4)+1` of byte `i / 4` (least significant
//! first), as in the IETF token status list with `bits = 2`.

use crate::cbor::{self, Items};
use crate::{MAX_STATUS_ENTRIES, MIN_STATUS_ENTRIES, Result, format_err};
use ciborium::Value;
use std::io::{Read, Write};
use yinxin_gm::{Sm2Signature, Sm2Signer, Sm2Verifier};

const TAG: &str = "yx-status-1";

/// A licence's status in a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// In force.
    Valid = 0,
    /// Revoked (吊销 / 注销).
    Revoked = 1,
    /// Suspended (暂扣).
    Suspended = 2,
    /// Replaced by a newer version.
    Superseded = 3,
}

impl Status {
    /// From two bits.
    pub fn from_bits(b: u8) -> Self {
        match b & 3 {
            0 => Status::Valid,
            1 => Status::Revoked,
            2 => Status::Suspended,
            _ => Status::Superseded,
        }
    }

    /// From the service's status names (`valid`, `revoked`, `suspended`, `superseded`).
    pub fn from_name(s: &str) -> Option<Self> {
        Some(match s {
            "valid" => Status::Valid,
            "revoked" => Status::Revoked,
            "suspended" => Status::Suspended,
            "superseded" => Status::Superseded,
            _ => return None,
        })
    }
}

/// The uncompressed bitstring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bits {
    bytes: Vec<u8>,
    entries: u32,
}

impl Bits {
    /// All valid.
    pub fn new(entries: u32) -> Self {
        Self { bytes: vec![0; entries.div_ceil(4) as usize], entries }
    }

    /// From stored bytes.
    pub fn from_bytes(entries: u32, bytes: Vec<u8>) -> Result<Self> {
        if bytes.len() != entries.div_ceil(4) as usize {
            return Err(format_err(format!("status list: {} bytes for {entries} entries of 2 bits", bytes.len())));
        }
        Ok(Self { bytes, entries })
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Number of entries.
    pub fn entries(&self) -> u32 {
        self.entries
    }

    /// Entry `i`, or `None` past the end.
    pub fn get(&self, i: u32) -> Option<Status> {
        if i >= self.entries {
            return None;
        }
        let b = self.bytes[(i / 4) as usize];
        Some(Status::from_bits(b >> (2 * (i % 4))))
    }

    /// Set entry `i`. Panics past the end (a programming error: indexes come from the list).
    pub fn set(&mut self, i: u32, s: Status) {
        assert!(i < self.entries, "status index {i} past {} entries", self.entries);
        let byte = &mut self.bytes[(i / 4) as usize];
        let shift = 2 * (i % 4);
        *byte = (*byte & !(3 << shift)) | ((s as u8) << shift);
    }

    /// zlib-compressed.
    pub fn compress(&self) -> Vec<u8> {
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        z.write_all(&self.bytes).expect("writing to a Vec cannot fail");
        z.finish().expect("writing to a Vec cannot fail")
    }

    /// Decompress, refusing anything but exactly the expected size, and lists longer than
    /// [`MAX_STATUS_ENTRIES`] (no decompression bombs).
    pub fn decompress(entries: u32, compressed: &[u8]) -> Result<Self> {
        check_entries(entries)?;
        let want = entries.div_ceil(4) as usize;
        let mut out = Vec::with_capacity(want);
        flate2::read::ZlibDecoder::new(compressed)
            .take(want as u64 + 1)
            .read_to_end(&mut out)
            .map_err(|e| format_err(format!("status list: the bitstring does not inflate: {e}")))?;
        if out.len() > want {
            return Err(format_err(format!(
                "status list: the bitstring inflates beyond the {want} bytes of its {entries} entries"
            )));
        }
        Self::from_bytes(entries, out)
    }
}

fn check_entries(entries: u32) -> Result<()> {
    if entries > MAX_STATUS_ENTRIES {
        return Err(format_err(format!("status list: {entries} entries exceed the limit of {MAX_STATUS_ENTRIES}")));
    }
    Ok(())
}

/// The signed content of a status list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusListBody {
    /// [`crate::key_id`] of the issuer whose licences it covers.
    pub issuer_kid: [u8; 8],
    /// The issuer's USCC.
    pub issuer_code: String,
    /// The list's number.
    pub list: u32,
    /// Entries.
    pub entries: u32,
    /// Made at (Unix seconds).
    pub issued_at: i64,
    /// Not to be relied on after (Unix seconds).
    pub expires_at: i64,
    /// The compressed bitstring.
    pub compressed: Vec<u8>,
}

/// A signed status list as carried.
#[derive(Debug, Clone)]
pub struct SignedStatusList {
    /// Content.
    pub body: StatusListBody,
    /// The body's bytes, as signed.
    pub body_bytes: Vec<u8>,
    /// [`crate::key_id`] of the signer's certificate.
    pub signer_kid: [u8; 8],
    /// The signature (r‖s).
    pub signature: [u8; 64],
    /// All the bytes.
    pub bytes: Vec<u8>,
}

/// What a list says about itself, besides its bits.
#[derive(Debug, Clone, Copy)]
pub struct ListInfo<'a> {
    /// [`crate::key_id`] of the issuer whose licences it covers.
    pub issuer_kid: [u8; 8],
    /// The issuer's USCC.
    pub issuer_code: &'a str,
    /// The list's number.
    pub list: u32,
    /// Made at (Unix seconds).
    pub issued_at: i64,
    /// Not to be relied on after (Unix seconds).
    pub expires_at: i64,
}

/// Sign a list. `entries` must be at least [`MIN_STATUS_ENTRIES`].
pub fn sign(bits: &Bits, info: &ListInfo<'_>, signer: &dyn Sm2Signer, signer_kid: [u8; 8]) -> Result<SignedStatusList> {
    let ListInfo { issuer_kid, issuer_code, list, issued_at, expires_at } = *info;
    if bits.entries() < MIN_STATUS_ENTRIES {
        return Err(format_err(format!("a status list needs at least {MIN_STATUS_ENTRIES} entries")));
    }
    let body = StatusListBody {
        issuer_kid,
        issuer_code: issuer_code.into(),
        list,
        entries: bits.entries(),
        issued_at,
        expires_at,
        compressed: bits.compress(),
    };
    let body_bytes = cbor::encode(&Value::Array(vec![
        cbor::text(TAG),
        cbor::bytes(&body.issuer_kid),
        cbor::text(&body.issuer_code),
        cbor::uint(list.into()),
        cbor::uint(2),
        cbor::uint(body.entries.into()),
        cbor::uint(issued_at.max(0) as u64),
        cbor::uint(expires_at.max(0) as u64),
        cbor::bytes(&body.compressed),
    ]));
    let signature = signer.sign(&body_bytes)?.to_raw();
    let bytes =
        cbor::encode(&Value::Array(vec![cbor::bytes(&body_bytes), cbor::bytes(&signer_kid), cbor::bytes(&signature)]));
    Ok(SignedStatusList { body, body_bytes, signer_kid, signature, bytes })
}

impl SignedStatusList {
    /// Read one (the signature is checked by [`SignedStatusList::verify_signature`]).
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        let mut it = Items::new(cbor::decode(bytes, "status list")?, "status list", 3)?;
        let body_bytes = it.bytes("body")?;
        let signer_kid = it.fixed("signer key id")?;
        let signature = it.fixed("signature")?;
        let mut b = Items::new(cbor::decode(&body_bytes, "status list body")?, "status list body", 9)?;
        b.tag(TAG)?;
        let issuer_kid = b.fixed("issuer key id")?;
        let issuer_code = b.text("issuer code")?;
        let list = u32::try_from(b.uint("list")?).map_err(|_| format_err("status list: list number out of range"))?;
        let bits = b.uint("bits")?;
        if bits != 2 {
            return Err(format_err(format!("status list: {bits} bits an entry; this format has 2")));
        }
        let entries = u32::try_from(b.uint("entries")?).map_err(|_| format_err("status list: too many entries"))?;
        check_entries(entries)?;
        let issued_at = cbor::to_i64(b.uint("issued at")?, "issued at")?;
        let expires_at = cbor::to_i64(b.uint("expires at")?, "expires at")?;
        let compressed = b.bytes("list")?;
        Ok(Self {
            body: StatusListBody { issuer_kid, issuer_code, list, entries, issued_at, expires_at, compressed },
            body_bytes,
            signer_kid,
            signature,
            bytes: bytes.to_vec(),
        })
    }

    /// Check the signature.
    pub fn verify_signature(&self, verifier: &dyn Sm2Verifier) -> Result<()> {
        verifier.verify(&self.body_bytes, &Sm2Signature::from_raw(&self.signature)?).map_err(Into::into)
    }

    /// The bitstring.
    pub fn bits(&self) -> Result<Bits> {
        Bits::decompress(self.body.entries, &self.body.compressed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_order_is_the_ietf_one() {
        let mut b = Bits::new(16);
        b.set(0, Status::Revoked);
        b.set(1, Status::Suspended);
        b.set(3, Status::Superseded);
        b.set(5, Status::Revoked);
        assert_eq!(b.as_bytes()[0], 0b1100_1001);
        assert_eq!(b.as_bytes()[1], 0b0000_0100);
        assert_eq!(b.get(3), Some(Status::Superseded));
        b.set(3, Status::Valid);
        assert_eq!(b.get(3), Some(Status::Valid));
        assert_eq!(b.get(16), None);
        let round = Bits::decompress(16, &b.compress()).unwrap();
        assert_eq!(round, b);
    }

    #[test]
    fn inflation_is_bounded() {
        let big = Bits::new(MIN_STATUS_ENTRIES * 4).compress();
        assert!(Bits::decompress(MIN_STATUS_ENTRIES, &big).is_err());
        assert!(Bits::decompress(16, b"not zlib").is_err());
    }
}
