//! yinxin-tlog
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod error;
pub mod hash;
pub mod proof;
pub mod tree;

pub use error::Error;
pub use hash::{Hash, Hasher, Sha256, Sm3};
