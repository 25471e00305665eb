//! OFD (GB/T 33190-2016): the package, its signatures, and their verification.
//!
//! - [`package`]: the zip container, read with limits (entries, sizes, compression ratio, paths).
//! - [`signatures`]: `Signatures.xml` and each `Signature.xml` (§18.2).
//! - [`write`](mod@write): building a document (pages of text and vector paths, custom metadata) and its zip.
//! - [`sign`]: sealing it by GB/T 38540's OFD rules.
//! - [`verify`]: References, the seal file, and the SES (Type="Seal") or GM/T 0010 (Type="Sign")
//!   signature over Signature.xml, into the shared report.
//! - [`ltv`]: long-term validation data kept in an `LTV/` folder (certificates, CRLs, and package
//!   time stamps over manifests of every part), added and renewed by [`ltv::extend`].

pub mod ltv;
pub mod package;
pub mod sign;
pub mod signatures;
pub mod verify;
pub mod write;

pub use package::Package;
pub use verify::verify_ofd;
