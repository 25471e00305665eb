//! yinxin-licence: e-licences (电子证照).
//!
//! - [`catalogue`]: licence types as data (GB/T 36902) and field validation;
//! - [`codes`]: check characters of unified social credit codes (GB 32100-2015) and citizen
//!   identity numbers (GB 11643-1999);
//! - [`identifier`]: licence identifiers (GB/T 36904, `docs/standards.md` §8);
//! - [`issue`]: the issuance flow — metadata (GB/T 36903), OFD and PDF with a QR code, sealed and
//!   time-stamped.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod catalogue;
pub mod codes;
mod error;
pub mod identifier;
pub mod import;
pub mod issue;

pub use error::{Error, Result, Unprintable};
pub use identifier::LicenceId;
