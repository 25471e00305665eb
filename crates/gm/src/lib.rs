//! yinxin-gm: the national cryptography (商用密码) every other yinxin crate rests on.
//!
//! - [`sm3`]: SM3 digest (GB/T 32905 / GM/T 0004), HMAC-SM3 and the GM/T 0003.4 key derivation
//!   function, all streaming.
//! - [`sm2`]: SM2 keys, signatures (GB/T 32918.2, with the distinguishing user ID and Z value) in
//!   DER and raw r‖s, public-key encryption (GB/T 32918.4, C1C3C2 and its DER form), and key files
//!   (PKCS#8, SPKI, SEC1, passphrase-protected PKCS#8) that the OpenSSL 3 CLI reads and writes.
//! - [`sm4`]: SM4 (GB/T 32907) in GCM and CBC modes for data and keys at rest.
//! - [`provider`]: the [`Provider`] trait through which the rest of yinxin hashes, signs, verifies
//!   and draws randomness. Nothing above this crate names a backend, so a hardware module
//!   (GM/T 0018 SDF, PKCS#11) or a faster implementation plugs in behind it, in the manner of
//!   rustls' `CryptoProvider`. Two backends: [`sm2p256`], yinxin's own constant-time SM2
//!   (the default), and [`software`], built on RustCrypto `sm2` (kept as the reference and the
//!   differential-test oracle). `YINXIN_SM2_BACKEND=software|sm2p256` chooses at start-up.
//!
//! Secrets are zeroized on drop and never appear in `Debug` output.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod error;
pub mod provider;
pub mod sm2;
pub mod sm2p256;
pub mod sm3;
pub mod sm4;
pub mod software;

pub use error::{Error, Result};
pub use provider::{Provider, Sm2Signer, Sm2Verifier, default_provider, install_default};
pub use sm2::{Sm2PrivateKey, Sm2PublicKey, Sm2Signature, UserId};
pub use sm3::Sm3Digest;
