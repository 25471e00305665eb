//! yinxin-present: 亮证 — showing an e-licence from a phone and checking it on site, offline.
//!
//! Four objects, all CBOR (RFC 8949, definite lengths) and all signed with SM2/SM3 (user ID
//! `1234567812345678`) over the bytes exactly as carried, so nothing is ever re-encoded before a
//! signature or a digest is checked:
//!
//! - [`credential`]: what the issuing department signs for one licence and one holder device —
//!   the licence type, validity, a status-list reference, the device's SM2 public key, and the
//!   salted SM3 digests of the claims (the licence identifier and its surface fields). Each claim
//!   travels separately as a *disclosure* `[salt(16), name, value]`; its digest is the SM3 of the
//!   disclosure's CBOR bytes (as ISO 18013-5's MSO and SD-JWT do). The digests are sorted, so
//!   their order says nothing about which claims are shown.
//! - [`token`]: the presentation (the QR), made on the holder's device: the credential, the
//!   disclosures the holder chose, issued-at and expiry (at most [`MAX_TOKEN_LIFETIME`] seconds
//!   apart), an optional verifier nonce, signed by the device key. Its text form is
//!   [`QR_PREFIX`] followed by the Base45 (RFC 9285) of the CBOR, which a QR code carries in its
//!   alphanumeric mode at 5.5 bits a character.
//! - [`status`]: one signed, deflate-compressed bitstring per issuer and list, two bits per
//!   licence (valid, revoked, suspended, superseded), at least [`MIN_STATUS_ENTRIES`] entries so
//!   that fetching a list says nothing about which licence is being checked; indexes are drawn at
//!   random. Bit order as in the IETF token status list.
//! - [`bundle`]: the trust bundle offline verifiers fetch ahead: trusted roots, intermediates,
//!   the issuers with the licence types each may issue, the status-list signer and the latest
//!   status lists; signed by the service.
//!
//! [`verify::Verifier`] checks a token against a bundle: issuer in the bundle and its chain,
//! credential signature and validity, device signature, freshness, nonce, disclosure digests and
//! status. A status list that is missing, too short, badly signed or past its expiry makes the
//! verdict INDETERMINATE with the list's age — never PASSED, and never "revoked".
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod base45;
pub mod bundle;
mod cbor;
pub mod claims;
pub mod credential;
pub mod merkle;
pub mod qr;
pub mod reader;
pub mod status;
pub mod token;
pub mod verify;

use yinxin_gm::Sm2PublicKey;

/// What went wrong reading or making an object.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The bytes are not the expected structure.
    #[error("{0}")]
    Format(String),
    /// A cryptographic operation failed.
    #[error("{0}")]
    Crypto(#[from] yinxin_gm::Error),
    /// A certificate could not be read.
    #[error("certificate: {0}")]
    Cert(String),
    /// A signature did not verify, or a chain did not validate.
    #[error("{0}")]
    Untrusted(String),
}

/// Result alias.
pub type Result<T> = std::result::Result<T, Error>;

pub(crate) fn format_err(s: impl Into<String>) -> Error {
    Error::Format(s.into())
}

/// The text a presentation QR starts with.
pub const QR_PREFIX: &str = "YX1:";
/// Salt length of a disclosure, in bytes (128 bits, as SD-JWT recommends).
pub const SALT_LEN: usize = 16;
/// The fewest entries a status list has (herd privacy, as the W3C Bitstring Status List asks).
pub const MIN_STATUS_ENTRIES: u32 = 131_072;
/// The most entries a status list may have. The service writes [`MIN_STATUS_ENTRIES`] a list;
/// 2^24 entries (a 4 MiB bitstring) is 128 times that, and caps what a list read from outside
/// may inflate to: the entry count is the list's own claim, so without a cap a few kilobytes of
/// zlib would make a verifier on a phone allocate and inflate a gigabyte.
pub const MAX_STATUS_ENTRIES: u32 = 1 << 24;
/// The longest a presentation token may live, in seconds: the QR rotates.
pub const MAX_TOKEN_LIFETIME: i64 = 60;
/// Clock difference tolerated between the holder's phone and the verifier, in seconds.
pub const CLOCK_SKEW: i64 = 10;

/// The key identifier of a certificate in these objects: the first 8 bytes of its SM3.
pub fn key_id(cert_der: &[u8]) -> [u8; 8] {
    let d = yinxin_gm::sm3::sm3(cert_der);
    let mut k = [0u8; 8];
    k.copy_from_slice(&d.as_bytes()[..8]);
    k
}

/// A public key as a compressed SEC1 point (33 bytes).
pub fn compress(key: &Sm2PublicKey) -> [u8; 33] {
    let (x, y) = key.coordinates();
    let mut out = [0u8; 33];
    out[0] = 2 + (y[31] & 1);
    out[1..].copy_from_slice(&x);
    out
}
