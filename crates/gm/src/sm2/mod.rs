//! SM2 (GB/T 32918-2016 / GM/T 0003-2012) on the recommended 256-bit curve.
//!
//! - [`signature`]: signatures as `SEQUENCE { r INTEGER, s INTEGER }` (GM/T 0009, the default on
//!   the wire) or raw 64-byte r‖s, parsed strictly with a specific error for each defect.
//! - [`key`]: private and public keys and their file formats.
//! - [`encrypt`]: public-key encryption (GB/T 32918.4), C1C3C2 and its DER form.
//!
//! Signing and verifying go through a [`crate::Provider`]; this module holds the data types and
//! the parts of the algorithm that are the same for every backend (the user ID and Z value).

pub mod encrypt;
pub mod key;
pub mod signature;

pub use key::{Sm2PrivateKey, Sm2PublicKey};
pub use signature::Sm2Signature;

use crate::sm3::{Sm3Digest, Sm3Hasher};
use crate::{Error, Result};
use core::fmt;

/// The group order n of the SM2 recommended curve (GB/T 32918.5 §A.1), big-endian.
pub const ORDER_N: [u8; 32] = hex_literal("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123");
/// The field prime p.
pub const FIELD_P: [u8; 32] = hex_literal("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF");
/// The curve coefficient a (= p − 3).
pub const CURVE_A: [u8; 32] = hex_literal("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC");
/// The curve coefficient b.
pub const CURVE_B: [u8; 32] = hex_literal("28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93");
/// The x coordinate of the base point G.
pub const GX: [u8; 32] = hex_literal("32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7");
/// The y coordinate of the base point G.
pub const GY: [u8; 32] = hex_literal("BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0");

/// The default distinguishing identifier of GB/T 35276-2017 §10 and GM/T 0009.
pub const DEFAULT_USER_ID: &[u8] = b"1234567812345678";

/// The OID of SM2-with-SM3 signatures, 1.2.156.10197.1.501.
pub const OID_SM2_WITH_SM3: &str = "1.2.156.10197.1.501";
/// The OID of the SM2 curve (and of SM2 as a key algorithm in some profiles), 1.2.156.10197.1.301.
pub const OID_SM2_CURVE: &str = "1.2.156.10197.1.301";
/// The OID of SM3, 1.2.156.10197.1.401.
pub const OID_SM3: &str = "1.2.156.10197.1.401";
/// id-ecPublicKey, 1.2.840.10045.2.1: the key algorithm in SM2 SPKI and PKCS#8 (with the SM2
/// curve as its parameter).
pub const OID_EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";

const fn hex_literal(s: &str) -> [u8; 32] {
    const fn nib(c: u8) -> u8 {
        match c {
            b'0'..=b'9' => c - b'0',
            b'A'..=b'F' => c - b'A' + 10,
            b'a'..=b'f' => c - b'a' + 10,
            _ => panic!("not hex"),
        }
    }
    let b = s.as_bytes();
    assert!(b.len() == 64);
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        out[i] = nib(b[2 * i]) << 4 | nib(b[2 * i + 1]);
        i += 1;
    }
    out
}

/// A distinguishing user ID (ID_A in GB/T 32918.2 §5.5): arbitrary bytes, at most 8191 of them so
/// that ENTL (its length in bits) fits in 16 bits. Most profiles use [`DEFAULT_USER_ID`].
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct UserId<'a>(&'a [u8]);

impl<'a> UserId<'a> {
    /// The default ID, `1234567812345678`.
    pub const DEFAULT: UserId<'static> = UserId(DEFAULT_USER_ID);

    /// An ID of the given bytes.
    pub fn new(id: &'a [u8]) -> Result<Self> {
        if id.len() > 8191 {
            return Err(Error::UserIdTooLong(id.len()));
        }
        Ok(Self(id))
    }

    /// The ID's bytes.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.0
    }
}

impl Default for UserId<'static> {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl fmt::Debug for UserId<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match core::str::from_utf8(self.0) {
            Ok(s) => write!(f, "UserId({s:?})"),
            Err(_) => write!(f, "UserId(0x{})", hex::encode(self.0)),
        }
    }
}

/// Z_A = SM3(ENTL_A ‖ ID_A ‖ a ‖ b ‖ x_G ‖ y_G ‖ x_A ‖ y_A) (GB/T 32918.2 §5.5).
pub fn compute_z(id: UserId<'_>, public: &Sm2PublicKey) -> Sm3Digest {
    let entl = (id.0.len() as u16) * 8; // UserId::new bounds the length, so this cannot overflow
    let (x, y) = public.coordinates();
    let mut h = Sm3Hasher::new();
    h.update(&entl.to_be_bytes())
        .update(id.0)
        .update(&CURVE_A)
        .update(&CURVE_B)
        .update(&GX)
        .update(&GY)
        .update(&x)
        .update(&y);
    h.finalize()
}

/// e = SM3(Z ‖ M), the value an SM2 signature signs (GB/T 32918.2 §6.1 A1–A2).
pub fn message_digest(z: &Sm3Digest, msg: &[u8]) -> Sm3Digest {
    let mut h = Sm3Hasher::new();
    h.update(&z.0).update(msg);
    h.finalize()
}

/// True when `v` (big-endian, 32 bytes) is in [1, n−1].
pub(crate) fn in_scalar_range(v: &[u8; 32]) -> bool {
    v.iter().any(|b| *b != 0) && v.as_slice() < ORDER_N.as_slice()
}
