//! yinxin-sign: 电子签名 (e-signatures) for online services. People sign from a phone with a
//! handwritten signature bound to their SM2 signature; contracts and tenders collect several
//! parties' signatures in order; the person's key is never whole in one place.
//!
//! This crate holds the rules only: plain types, no I/O, no tokio, no SQL. The store keeps the
//! tables, the server serves the pages and routes; each calls into these types.
//!
//! | module | what |
//! |---|---|
//! | [`envelope`] | envelopes: documents, parties, roles, order, fields, deadline; the lifecycle (state × action × role) |
//! | [`handwriting`] | handwritten signatures: stroke data, its canonical bytes and SM3 (bound into the signed attributes), the appearance rendered from the strokes |
//! | [`cosign`] | two-party SM2 signing: key generation and signing between a device and the service |

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod cosign;
pub mod envelope;
mod error;
pub mod handwriting;

pub use error::{Error, Result};
