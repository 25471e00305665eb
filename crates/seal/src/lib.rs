//! yinxin-seal: e-seals (电子印章) and e-signatures (电子签章/电子签名).
//!
//! - [`model`]: the structures of GM/T 0031-2014 (v1), GB/T 38540-2020 (v4) and GM/T 0031-2025
//!   (v5), read leniently from the bytes as stored ([`der`]).
//! - [`make`]: making a v4 seal (制章) and signing with it (签章), written as strict DER.
//! - [`verify`]: GB/T 38540's verification steps for seals and SES_Signatures, returning the shared
//!   [`yinxin_pki::report::Report`].
//! - [`gmt0010`]: GM/T 0010 / GB/T 35275 SM2 signed data, the `Type="Sign"` signatures in OFD.
//! - [`font`]: the CJK face text is set in (compiled in; system faces and `YINXIN_SEAL_FONT`
//!   override it).
//! - [`picture`]: seal pictures — rendering the red round, oval and square seals, checking uploads.
//! - [`lifecycle`]: apply → make → file (备案) → in use → suspended → cancelled (注销), and who may
//!   act at each step.
//!
//! This crate knows nothing of OFD, PDF or HTTP.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod der;
mod error;
pub mod font;
pub mod gmt0010;
pub mod lifecycle;
pub mod make;
pub mod model;
pub mod picture;
pub mod verify;

pub use error::{Error, Result};
pub use model::{Seal, SealVersion, SesSignature};
pub use verify::{At, VerifyOptions, verify_seal, verify_signature};
