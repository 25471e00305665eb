//! yinxin-doc: document carriers — [`ofd`] (GB/T 33190: write, seal by GB/T 38540's OFD rules,
//! read and verify any producer's) and [`pdf`] (render with an embedded CJK subset, sign with
//! GB/T 35275 SM2 signed data as incremental updates, verify), drawing the same [`layout`] items.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod error;
pub mod find;
pub mod layout;
pub mod ofd;
pub mod pdf;
pub mod stamp;
pub mod subset;

pub use error::{Error, Result};
