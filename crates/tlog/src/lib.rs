//! yinxin-tlog
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod checkpoint;
pub mod entry;
mod error;
pub mod hash;
pub mod monitor;
pub mod note;
pub mod proof;
pub mod signature;
pub mod tile;
pub mod tlog_proof;
pub mod tree;
pub mod witness;

pub use error::Error;
pub use hash::{Hash, Hasher, Sha256, Sm3};
