//! One error type for the crate, in the manner of the rest of yinxin: each way a proof, a note,
//! a tile or an entry can be wrong has its own variant, so a verification report says which.

use crate::tree::NodeId;

/// Everything that can go wrong in yinxin-tlog.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    // --- the tree and its proofs ---
    /// A stored hash the operation needs is not available from the reader.
    #[error("hash of node level {} index {} is not available", .0.level, .0.index)]
    MissingHash(NodeId),
    /// The tree already holds 2^64 − 1 leaves.
    #[error("the tree is full")]
    TreeFull,
    /// A compact range needs one hash per set bit of its size.
    #[error("a compact range of size {size} needs {} hashes, not {hashes}", size.count_ones())]
    CompactRangeShape {
        /// The size.
        size: u64,
        /// The number of hashes given.
        hashes: usize,
    },
    /// A size beyond the tree's current size was asked for.
    #[error("size {size} is beyond the tree's {tree_size} leaves")]
    SizeBeyondTree {
        /// The size asked for.
        size: u64,
        /// The tree's size.
        tree_size: u64,
    },
    /// A leaf index not below the tree size.
    #[error("leaf index {index} is not inside a tree of {size} leaves")]
    LeafIndexOutOfRange {
        /// The index.
        index: u64,
        /// The tree size.
        size: u64,
    },
    /// A consistency proof from a larger tree to a smaller one.
    #[error("consistency from size {old} to smaller size {new}")]
    SizesOutOfOrder {
        /// The first size.
        old: u64,
        /// The second size.
        new: u64,
    },
    /// A proof with the wrong number of hashes for its index and sizes.
    #[error("proof has {got} hashes; {expected} are needed")]
    ProofLength {
        /// The length the sizes call for.
        expected: usize,
        /// The length given.
        got: usize,
    },
    /// The proof leads to another root than the one given (for a consistency proof: the new root).
    #[error("proof does not lead to the expected root")]
    RootMismatch,
    /// A consistency proof does not lead back to the old root.
    #[error("consistency proof does not lead to the old root")]
    OldRootMismatch,

    // --- signed notes and checkpoints ---
    /// A note larger than the limit.
    #[error("note of {0} bytes is larger than the limit")]
    NoteTooLarge(usize),
    /// A note that breaks the signed-note grammar (the rule is named).
    #[error("malformed signed note: {0}")]
    MalformedNote(&'static str),
    /// More signature lines than the limit.
    #[error("note has more than {0} signatures")]
    TooManySignatures(usize),
    /// A key name that is empty or holds a space or '+'.
    #[error("invalid key name")]
    InvalidKeyName,
    /// A verifier key string (vkey) that cannot be parsed or is for another signature type.
    #[error("invalid verifier key: {0}")]
    InvalidVerifierKey(&'static str),
    /// A signature from a known key (name and key ID match) that does not verify.
    #[error("signature by {name} does not verify")]
    BadSignature {
        /// The key name.
        name: String,
    },
    /// No signature from any known key.
    #[error("note carries no signature from a known key")]
    NoKnownSignature,
    /// A checkpoint body that breaks tlog-checkpoint (the rule is named).
    #[error("malformed checkpoint: {0}")]
    MalformedCheckpoint(&'static str),
    /// An SM2 signer whose user ID is not the default `1234567812345678` that note verifiers use.
    #[error("the SM2 signer does not use the default user ID")]
    SignerUserId,
    /// Signing failed in the crypto provider.
    #[error("signing failed: {0}")]
    Signing(yinxin_gm::Error),

    /// A checkpoint of another log than the one expected.
    #[error("checkpoint is for origin {got:?}, not {expected:?}")]
    WrongOrigin {
        /// The origin expected.
        expected: String,
        /// The origin found.
        got: String,
    },
    /// Fewer verified witness cosignatures than the policy requires.
    #[error("{got} witness cosignatures verified; {need} are required")]
    TooFewCosignatures {
        /// Verified cosignatures from distinct known witnesses.
        got: usize,
        /// The quorum.
        need: usize,
    },
    /// Two checkpoints of one size with different roots: the log forked.
    #[error("fork: two different roots for size {size}")]
    Fork {
        /// The size.
        size: u64,
    },
    /// A checkpoint smaller than one already trusted.
    #[error("rollback: checkpoint of size {got} after size {trusted}")]
    Rollback {
        /// The size already trusted.
        trusted: u64,
        /// The size offered.
        got: u64,
    },

    // --- tiles ---
    /// A tile path or coordinate outside tlog-tiles (the rule is named).
    #[error("invalid tile: {0}")]
    InvalidTile(&'static str),
    /// A tile whose bytes are not `width` hashes.
    #[error("tile has {got} bytes; {expected} are needed")]
    TileLength {
        /// 32 × width.
        expected: usize,
        /// The length given.
        got: usize,
    },
    /// A full tile whose hash differs from the one the tile above holds for it.
    #[error("tile level {level} index {index} does not match the tile above it")]
    TileMismatch {
        /// The tile's level.
        level: u8,
        /// The tile's index.
        index: u64,
    },
    /// An entry bundle that cannot be parsed or does not match its level-0 tile.
    #[error("invalid entry bundle: {0}")]
    InvalidBundle(&'static str),

    // --- entries ---
    /// A log entry that breaks the entry encoding (the rule is named).
    #[error("invalid log entry: {0}")]
    InvalidEntry(&'static str),
}
