//! yinxin-doc: document carriers. For now, reading and verifying signed OFD packages
//! (GB/T 33190 ch. 18, GB/T 38540's OFD rules; [`ofd`]); writing OFD and PDF comes with the
//! documents issue.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod error;
pub mod ofd;

pub use error::{Error, Result};
