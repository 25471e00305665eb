//! yinxin-licence: e-licences (电子证照).
//!
//! So far: [`codes`] — the check characters of unified social credit codes (GB 32100-2015) and
//! citizen identity numbers (GB 11643-1999), and [`identifier`] — licence identifiers after
//! GB/T 36904 as the national platform uses them (`docs/standards.md` §8). The catalogue
//! (36902), metadata (36903) and issuance flow come with the documents issue.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod catalogue;
pub mod codes;
mod error;
pub mod identifier;

pub use error::{Error, Result};
pub use identifier::LicenceId;
