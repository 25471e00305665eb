//! yinxin-tlog: the transparency log of yinxin (印信). Every licence issued and every status
//! change, every seal made, filed, suspended or cancelled, every person certificate issued or
//! cancelled, goes into an append-only Merkle tree whose signed, witnessed checkpoints let
//! anyone check that an entry is in the log and that the log only ever grew, so a department
//! cannot quietly issue a licence in someone's name or back-date a revocation.
//!
//! This crate holds the rules only: plain types, no I/O, no tokio, no SQL. The store keeps the
//! tables, the server serves tiles and checkpoints, the witness and monitor processes fetch and
//! persist; each calls into these types. It depends on `yinxin-gm` alone (SM3, HMAC-SM3, SM2).
//!
//! # What is in it, and which spec each part follows
//!
//! | module | what | spec |
//! |---|---|---|
//! | [`hash`] | the tree hash: leaf `H(0x00 ‖ d)`, node `H(0x01 ‖ l ‖ r)`, empty `H()`; [`Sm3`] for yinxin, [`Sha256`] for the published vectors | RFC 9162 §2.1.1 |
//! | [`tree`] | perfect subtrees ([`tree::NodeId`]), the [`tree::HashReader`] over stored hashes, [`tree::CompactRange`] (append and root in O(log n) memory), [`tree::MemoryTree`] | RFC 9162 §2.1.1 |
//! | [`proof`] | inclusion and consistency proofs: the nodes they need, building them from a reader, verifying by the RFC's algorithms | RFC 9162 §2.1.3, §2.1.4 |
//! | [`note`] | signed notes: strict bounded parsing, the spec's verification rules, key IDs, vkeys | C2SP signed-note v1.0.0 |
//! | [`signature`] | yinxin's SM2 checkpoint signature and SM2 timestamped cosignature types | signed-note, tlog-cosignature |
//! | [`checkpoint`] | checkpoint bodies, signed checkpoints, the trust policy (log key + witness quorum) | C2SP tlog-checkpoint v1.0.0 |
//! | [`tile`] | tile and entry-bundle paths, tiles a proof needs, proofs from tiles, checking tiles against a root, the tiles and bundles a batch writes | C2SP tlog-tiles |
//! | [`entry`] | the log's entries: versioned canonical encoding, holder tags | yinxin's own (below) |
//! | [`witness`] | the witness state machine | C2SP tlog-witness (add-checkpoint) |
//! | [`monitor`] | the monitor: follow checkpoints through tiles, list a department's or holder's entries | C2SP tlog-tiles (clients) |
//! | [`tlog_proof`] | offline inclusion proofs for receipts and 亮证 bundles | C2SP tlog-proof@v1 |
//!
//! # Choices
//!
//! - **SM3 throughout the tree.** RFC 9162 leaves the hash to the log; C2SP tlog-tiles fixes
//!   SHA-256. yinxin's logs keep the tiles' layout, paths and widths exactly and hash with SM3,
//!   so an ordinary tlog client reads them by swapping the hash. Signed-note key IDs stay
//!   SHA-256, as the note spec defines them.
//! - **Signature types.** signed-note assigns no byte to SM2, and bytes 0x07–0xf9 are its to
//!   assign later, so both yinxin types use the spec's escape for unassigned types: `0xff`
//!   followed by an identifier, `0xff ‖ "yinxin/sm2-note/v1"` for the log's checkpoint
//!   signature and `0xff ‖ "yinxin/sm2-cosignature/v1"` for witness cosignatures. Key ID =
//!   `SHA-256(name ‖ 0x0A ‖ type identifier ‖ 65-byte uncompressed SM2 point)[:4]`.
//! - **Signature encoding.** SM2 with SM3 and the default user ID `1234567812345678`, encoded
//!   raw r ‖ s (64 bytes), not DER: fixed length and a single encoding. A cosignature is the
//!   tlog-cosignature v1 message (`cosignature/v1`, `time <t>`, the note text) signed the same
//!   way, carried as u64 timestamp ‖ r ‖ s (72 bytes).
//! - **Entries.** A length-prefixed binary encoding, version byte first; canonical by
//!   construction (see [`entry`]). Holders appear only as HMAC-SM3 tags under a secret per-log
//!   key; the wallet gives each holder their own tag.
//! - **Bounds.** Notes ≤ 256 KiB and 64 signatures, lines ≤ 1 KiB, 16 extension lines, 63
//!   proof lines in a witness request, entries ≤ 65,535 bytes (the bundle's u16 length).
//! - **The size comes from the checkpoint.** Every verifier takes the tree size from a verified
//!   checkpoint, never from a proof's sender: a path's shape can fit two sizes.
//!
//! # Not here
//!
//! HTTP, storage, clocks, fetching tiles, sequencing policy (batch sizes, checkpoint interval),
//! and the witness's key storage: the server, store and CLI hold those.
//!
//! # Example
//!
//! ```
//! use yinxin_tlog::proof::{inclusion_proof, verify_inclusion};
//! use yinxin_tlog::tree::MemoryTree;
//! use yinxin_tlog::{Hasher, Sm3};
//!
//! let tree = MemoryTree::<Sm3>::from_entries([b"a", b"b", b"c"]).unwrap();
//! let proof = inclusion_proof::<Sm3>(&tree, 1, 3).unwrap();
//! verify_inclusion::<Sm3>(&Sm3::hash_leaf(b"b"), 1, 3, &proof, &tree.root()).unwrap();
//! ```
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
