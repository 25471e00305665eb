//! yinxin-pki: SM2 certificates, their validation, revocation lists and RFC 3161 time stamps.
//!
//! - [`cert`]: parse an X.509 certificate once ([`Cert`]) with `x509-parser`, keeping the bytes
//!   as stored so signatures are checked over them, never over a re-encoding.
//! - [`issue`]: build SM2-with-SM3 certificates for yinxin's profiles ([`Profile`]): root and issuing
//!   CAs, licence issuers (departments), seal makers (制章), seal holders (用章), persons (个人签名),
//!   time-stamp authorities and status-list signers.
//! - [`crl`]: issue, parse and check certificate revocation lists.
//! - [`chain`]: our own path validation (signature of every link, validity at a given time,
//!   basicConstraints and path length, keyUsage, EKU per purpose, name chaining, CRLs), returning a
//!   check-by-check result.
//! - [`tsp`]: RFC 3161 time stamps with SM2/SM3: requests, a time-stamp authority, verification.
//! - [`report`]: the verification report every yinxin verifier returns.
//! - [`memo`]: bounded memos of what verification works out again from the same bytes (parsed
//!   certificates and CRLs, verified certificate links).
//!
//! Signing goes through a [`yinxin_gm::Sm2Signer`], so a CA key can live in a hardware module.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod cert;
pub mod chain;
pub mod crl;
mod error;
pub mod ers;
pub mod issue;
pub mod ltv;
pub mod memo;
pub mod name;
pub mod oid;
pub mod policy;
pub mod report;
pub mod time;
pub mod tlv;
pub mod tsp;

pub use cert::{Cert, load_certs};
pub use chain::{Purpose, TrustStore, ValidationOptions, validate_chain};
pub use crl::Crl;
pub use error::{Error, Result};
pub use issue::{CertRequest, Profile, issue_cert};
pub use name::DnBuilder;
pub use policy::Policy;
pub use report::{Check, Indication, Outcome, SubIndication};
