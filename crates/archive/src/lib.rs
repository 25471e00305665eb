//! yinxin-archive: the pre-filing archive (预归档) of government transactions (办件).
//!
//! This crate holds the parts every ingest path and every exported package share:
//!
//! - [`check`]: the result of one 四性检测 check (DA/T 70 family, the catalogue ids of
//!   `docs/archive.md` §5), five states — pass, fail, warn, not applicable, not run with a reason —
//!   so that "not scanned" never reads as "passed"; each names the tool and version that ran it.
//! - [`format`]: format identification by parsing, never by file name (FMT-01), and the usability
//!   checks that follow from it: the file parses or decodes whole (USE-03), is not encrypted
//!   (USE-04) and is on the archival whitelist (USE-02).
//! - [`unpack`]: reading zip containers safely (SEC-02, USE-04): no traversal, absolute paths,
//!   links or device entries, bounded entry counts, sizes and compression ratios.
//! - [`bagit`]: BagIt packages (RFC 8493) with SHA-256 and SM3 payload and tag manifests,
//!   written deterministically and verified byte for byte (AUT-09, INT-01).
//! - [`inspect`]: every per-file check at once, and the verdict (accepted, with warnings, rejected).
//! - [`virus`]: SEC-01 through clamd, clean / infected / not run, never "not scanned = clean".
//! - [`model`]: what a department hands in for a transaction (办件) and its materials (DA/T 46
//!   elements), and an item's (事项) material catalogue.
//! - [`service`]: the archive over the service's database and document store — ingest with
//!   every check recorded as an event in the hash-chained log, reuse by reference with the
//!   holder's consent, retention with legal hold and disposal, the fixity patrol.
//! - [`export`]: one sealed BagIt package per transaction, and its verification end to end.
//! - [`evidence`]: RFC 4998 evidence records over exported packages, batched, renewed (time stamp
//!   and hash tree), and checked with past-time validation of the package seal.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod bagit;
pub mod check;
pub mod evidence;
pub mod export;
pub mod format;
pub mod inspect;
pub mod model;
pub mod service;
pub mod unpack;
pub mod virus;

/// The version of this crate, recorded as the tool version of its checks.
pub const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");
