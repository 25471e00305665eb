//! RFC 4998 Evidence Record Syntax (ERS): long-term proof that archived data existed at a time and
//! has not changed since, renewed as time stamps and hash algorithms age.
//!
//! An [`EvidenceRecord`] belongs to one data object or one data *group* (one archived package: a
//! group of files whose leaf set is the hashes of its files). Records are made in batches: the
//! batch's groups are the leaves of one hash tree whose root is time stamped once (RFC 3161, see
//! [`crate::tsp`]); each record keeps the reduced hash tree from its group to the root and the token.
//!
//! ```text
//! EvidenceRecord ::= SEQUENCE { version INTEGER { v1(1) }, digestAlgorithms SEQUENCE OF
//!    AlgorithmIdentifier, cryptoInfos [0] CryptoInfos OPTIONAL, encryptionInfo [1] EncryptionInfo
//!    OPTIONAL, archiveTimeStampSequence ArchiveTimeStampSequence }
//! ArchiveTimeStampSequence ::= SEQUENCE OF ArchiveTimeStampChain
//! ArchiveTimeStampChain ::= SEQUENCE OF ArchiveTimeStamp
//! ArchiveTimeStamp ::= SEQUENCE { digestAlgorithm [0] AlgorithmIdentifier OPTIONAL,
//!    attributes [1] Attributes OPTIONAL, reducedHashtree [2] SEQUENCE OF PartialHashtree OPTIONAL,
//!    timeStamp ContentInfo }
//! PartialHashtree ::= SEQUENCE OF OCTET STRING
//! ```
//!
//! The RFC 4998 module uses IMPLICIT tags, so `[0]` digestAlgorithm is `A0` around the
//! AlgorithmIdentifier's content, `[2]` reducedHashtree is `A2` around the PartialHashtrees. The DER
//! is written and read by hand here (strict DER: definite, minimal lengths; a record whose
//! re-encoding differs from its input is refused, so what is hashed is what is stored).
//!
//! What is computed, following the RFC:
//! - §4.2 generation: a leaf is the hash of a data object, or for a group of two or more files the
//!   hash of its files' hashes sorted binary ascending and concatenated. Inner nodes hash their
//!   children likewise (sorted, concatenated). The tree is binary; when a level has an odd number of
//!   nodes the last is carried up unchanged (a node may have any number of children in the RFC; a
//!   carried node simply has no PartialHashtree for that level). Identical leaves are one leaf.
//!   The reduced hash tree of a record: the first PartialHashtree holds all the group's file hashes
//!   (or, for a single object, its hash and its first sibling), then one PartialHashtree per level
//!   holding the sibling. A batch of one single-file group has no reduced hash tree: the imprint is
//!   the file's hash. [`ArchiveTimeStamp`]s always carry `digestAlgorithm` explicitly.
//! - §4.3 verification: the data's hashes must be in (for a group: be exactly) the first list; the
//!   list is hashed (sorted, concatenated) — a one-value list stands for its value, as a one-file
//!   group does in §4.2 — and each later list is hashed with the value so far added to it; the
//!   result must equal the token's messageImprint, under the same algorithm.
//! - §5.2 time-stamp renewal ([`renew_time_stamps`]): a new ATS in the same chain whose leaf is the
//!   hash of the previous ATS's `timeStamp` (its DER ContentInfo), batched over many records.
//! - §5.2 hash-tree renewal ([`renew_hash_trees`]): a new chain under a new algorithm H': for each
//!   file `h(i)' = H'(H'(d(i)) || ha)` with `ha = H'(DER of the ArchiveTimeStampSequence so far)`,
//!   concatenated in that order (the data hash first, not sorted: §5.2 step 4; Figure 4 of the RFC
//!   says "binary sorted", the prose and the deployed implementations — Bouncy Castle — do not).
//!   The `h(i)'` of a record are then its leaf set in a new tree. `digestAlgorithms` lists every
//!   algorithm used.
//! - §5.3 verification of a whole record ([`verify`], [`verify_report`]): every ATS of every chain,
//!   oldest first. Time-stamp tokens are not validated here (TSA certificates, signatures, control
//!   times): the caller runs [`crate::tsp::verify_token`] on each returned token and judges times.
//!
//! Limits a hostile record meets: [`MAX_RECORD_LEN`], [`MAX_CHAINS`], [`MAX_STAMPS_PER_CHAIN`],
//! [`MAX_TREE_DEPTH`], [`MAX_LIST_LEN`], [`MAX_HASH_LEN`] and [`crate::tsp::MAX_TOKEN_LEN`] per
//! token. Verifying costs at most one pass over the record per chain (the `ha` of each hash-tree
//! renewal), one token parse per ATS, and hashing the caller's data once per algorithm.

use crate::oid;
use crate::tsp::{HashAlg, Imprint, MAX_TOKEN_LEN};
use cms::content_info::ContentInfo;
use cms::signed_data::SignedData;
use der::Decode;
use der::asn1::OctetString;
use std::collections::HashMap;
use std::sync::Arc;
use time::OffsetDateTime;

/// Largest evidence record [`EvidenceRecord::from_der`] accepts, and that a renewal may produce.
pub const MAX_RECORD_LEN: usize = 1 << 20;
/// Most ArchiveTimeStampChains in one record (the first, plus one per hash-tree renewal).
pub const MAX_CHAINS: usize = 64;
/// Most ArchiveTimeStamps in one chain (the first, plus one per time-stamp renewal).
pub const MAX_STAMPS_PER_CHAIN: usize = 256;
/// Most PartialHashtrees in one reduced hash tree (a binary tree over 2^63 groups needs 64).
pub const MAX_TREE_DEPTH: usize = 64;
/// Most hash values in one PartialHashtree, and so most files in one data group.
pub const MAX_LIST_LEN: usize = 4096;
/// Longest hash value a PartialHashtree may hold.
pub const MAX_HASH_LEN: usize = 64;

/// One PartialHashtree: a list of hash values.
pub type PartialHashtree = Vec<Vec<u8>>;

/// What went wrong. Chain and time-stamp numbers count from 0, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErsError {
    /// The DER is not an evidence record, is not DER, or breaks a limit.
    #[error("evidence record does not parse: {0}")]
    Format(String),
    /// A hash algorithm this build does not know (it knows SM3 and SHA-256).
    #[error("unsupported hash algorithm {0} (this build knows SM3 and SHA-256)")]
    UnsupportedAlgorithm(String),
    /// Input a build or renewal cannot use (an empty batch or group, a digest of the wrong length…).
    #[error("invalid input: {0}")]
    Input(String),
    /// The time-stamp callback failed.
    #[error("time-stamp request failed: {0}")]
    Stamp(String),
    /// The callback's token does not parse or is over another imprint than the one asked for.
    #[error("the time-stamp token does not cover the requested imprint: {0}")]
    StampMismatch(String),
    /// One record of a batch operation.
    #[error("record {record}: {error}")]
    Record {
        /// Its index in the batch.
        record: usize,
        /// What is wrong with it.
        error: Box<ErsError>,
    },
    /// A stored token that does not parse as an RFC 3161 token.
    #[error("chain {chain}, time stamp {index}: the token does not parse: {reason}")]
    Token {
        /// The chain.
        chain: usize,
        /// The ATS in the chain.
        index: usize,
        /// Why.
        reason: String,
    },
    /// The ATS's hash algorithm differs from its token's imprint, from its chain's, or is not in
    /// the record's digestAlgorithms.
    #[error("chain {chain}, time stamp {index}: {reason}")]
    Algorithm {
        /// The chain.
        chain: usize,
        /// The ATS in the chain.
        index: usize,
        /// Which rule.
        reason: String,
    },
    /// A reduced hash tree with an empty list or a value of the wrong length.
    #[error("chain {chain}, time stamp {index}: the reduced hash tree is malformed: {reason}")]
    Tree {
        /// The chain.
        chain: usize,
        /// The ATS in the chain.
        index: usize,
        /// Why.
        reason: String,
    },
    /// Files of the group whose hashes the record does not hold: those files changed, or the
    /// record is another group's.
    #[error("chain {chain}, time stamp {index}: file(s) {files:?} of the data group do not match the evidence record")]
    FileMismatch {
        /// The chain.
        chain: usize,
        /// The ATS in the chain.
        index: usize,
        /// The files (indices into the group as given).
        files: Vec<usize>,
    },
    /// Every file matches but the record covers a different number of files (one missing or added).
    #[error("chain {chain}, time stamp {index}: the data group has {files} file(s), the time stamp covers {listed}")]
    GroupSize {
        /// The chain.
        chain: usize,
        /// The ATS in the chain.
        index: usize,
        /// Files given.
        files: usize,
        /// Hashes in the first PartialHashtree.
        listed: usize,
    },
    /// The first ATS of a hash-tree renewal chain does not hold `H'(H'(file) || H'(earlier chains))`
    /// for these files: the files changed, or an earlier chain was altered.
    #[error(
        "chain {chain}: file(s) {files:?}, hashed with the earlier chains (hash-tree renewal), do not match: the file changed or an earlier chain was altered"
    )]
    RenewalMismatch {
        /// The chain.
        chain: usize,
        /// The files (indices into the group as given).
        files: Vec<usize>,
    },
    /// A renewal ATS that does not hold the hash of the previous ATS's token: that token was
    /// altered or replaced.
    #[error("chain {chain}, time stamp {index}: does not cover the previous time stamp (it was altered or replaced)")]
    PreviousStampNotCovered {
        /// The chain.
        chain: usize,
        /// The ATS in the chain.
        index: usize,
    },
    /// The root recomputed from the reduced hash tree is not the token's messageImprint.
    #[error(
        "chain {chain}, time stamp {index}: the root recomputed from the reduced hash tree differs from the token's messageImprint"
    )]
    ImprintMismatch {
        /// The chain.
        chain: usize,
        /// The ATS in the chain.
        index: usize,
    },
}

fn format_err(msg: impl Into<String>) -> ErsError {
    ErsError::Format(msg.into())
}

// ---------------------------------------------------------------------------------------------
// Strict DER.

#[derive(Clone, Copy)]
struct Tlv<'a> {
    tag: u8,
    raw: &'a [u8],
    value: &'a [u8],
}

/// One TLV from the front of `input`: single-byte tag, definite minimal length.
fn read(input: &[u8]) -> Result<(Tlv<'_>, &[u8]), ErsError> {
    let (&tag, rest) = input.split_first().ok_or_else(|| format_err("truncated"))?;
    if tag & 0x1f == 0x1f {
        return Err(format_err(format!("multi-byte tag {tag:#04x}")));
    }
    let (&l0, rest) = rest.split_first().ok_or_else(|| format_err("truncated length"))?;
    let (len, rest) = match l0 {
        0..=0x7f => (usize::from(l0), rest),
        0x81..=0x84 => {
            let n = usize::from(l0 & 0x7f);
            if rest.len() < n {
                return Err(format_err("truncated length"));
            }
            if rest[0] == 0 {
                return Err(format_err("non-minimal length"));
            }
            let len = rest[..n].iter().fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
            if len < 0x80 {
                return Err(format_err("non-minimal length"));
            }
            (len, &rest[n..])
        }
        0x80 => return Err(format_err("indefinite length (BER, not DER)")),
        _ => return Err(format_err("length too large")),
    };
    if rest.len() < len {
        return Err(format_err("truncated value"));
    }
    let header = input.len() - rest.len();
    Ok((Tlv { tag, raw: &input[..header + len], value: &rest[..len] }, &rest[len..]))
}

/// The TLVs in `input`, at most `max` of them.
fn children<'a>(mut input: &'a [u8], max: usize, what: &str) -> Result<Vec<Tlv<'a>>, ErsError> {
    let mut out = Vec::new();
    while !input.is_empty() {
        if out.len() == max {
            return Err(format_err(format!("more than {max} {what}")));
        }
        let (t, rest) = read(input)?;
        out.push(t);
        input = rest;
    }
    Ok(out)
}

fn expect(t: &Tlv<'_>, tag: u8, what: &str) -> Result<(), ErsError> {
    if t.tag == tag { Ok(()) } else { Err(format_err(format!("{what}: tag {:#04x}, expected {tag:#04x}", t.tag))) }
}

fn header_len(n: usize) -> usize {
    match n {
        0..=0x7f => 2,
        0x80..=0xff => 3,
        0x100..=0xffff => 4,
        0x1_0000..=0xff_ffff => 5,
        _ => 6,
    }
}

fn tlv_len(n: usize) -> usize {
    header_len(n) + n
}

fn put_header(out: &mut Vec<u8>, tag: u8, n: usize) {
    out.push(tag);
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let bytes = n.to_be_bytes();
        let first = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len() - 1);
        out.push(0x80 | (bytes.len() - first) as u8);
        out.extend_from_slice(&bytes[first..]);
    }
}

// ---------------------------------------------------------------------------------------------
// The record.

/// An AlgorithmIdentifier for a hash, its content (OID and parameters) kept as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
struct AlgId {
    alg: HashAlg,
    content: Vec<u8>,
}

impl AlgId {
    fn new(alg: HashAlg) -> Self {
        let oid = oid::encode_wide(alg.oid()).unwrap_or_default();
        let mut content = Vec::with_capacity(oid.len() + 2);
        put_header(&mut content, 0x06, oid.len());
        content.extend_from_slice(&oid);
        Self { alg, content }
    }

    /// From the content of an AlgorithmIdentifier (SEQUENCE or `[0]` IMPLICIT): parameters absent or NULL.
    fn parse(content: &[u8]) -> Result<Self, ErsError> {
        let items = children(content, 2, "AlgorithmIdentifier fields")?;
        let (first, rest) = items.split_first().ok_or_else(|| format_err("empty AlgorithmIdentifier"))?;
        expect(first, 0x06, "AlgorithmIdentifier algorithm")?;
        let dotted = oid::decode_wide(first.value).ok_or_else(|| format_err("malformed OID"))?;
        let alg = HashAlg::from_oid(&dotted).ok_or(ErsError::UnsupportedAlgorithm(dotted))?;
        match rest {
            [] => {}
            [p] if p.raw == [0x05, 0x00] => {}
            _ => return Err(format_err("hash AlgorithmIdentifier parameters are neither absent nor NULL")),
        }
        Ok(Self { alg, content: content.to_vec() })
    }
}

/// One ArchiveTimeStamp: the reduced hash tree from a data object (or group, or previous time
/// stamp) to the root, and the RFC 3161 token over that root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveTimeStamp {
    digest_algorithm: Option<AlgId>,
    /// The `[1]` attributes TLV as stored (never interpreted).
    attributes: Option<Vec<u8>>,
    reduced_hash_tree: Option<Vec<PartialHashtree>>,
    /// The DER ContentInfo; shared by all the records of a batch.
    time_stamp: Arc<[u8]>,
}

impl ArchiveTimeStamp {
    /// The `digestAlgorithm` field, when present (records made here always have it).
    pub fn digest_alg(&self) -> Option<HashAlg> {
        self.digest_algorithm.as_ref().map(|a| a.alg)
    }

    /// The hash algorithm of the hash tree: `digestAlgorithm`, or when absent the token's imprint
    /// algorithm (RFC 4998 §4.1).
    pub fn hash_alg(&self) -> Result<HashAlg, ErsError> {
        match &self.digest_algorithm {
            Some(a) => Ok(a.alg),
            None => Ok(imprint_of(&self.time_stamp)?.0.alg),
        }
    }

    /// The reduced hash tree, when present.
    pub fn reduced_hash_tree(&self) -> Option<&[PartialHashtree]> {
        self.reduced_hash_tree.as_deref()
    }

    /// The `[1]` attributes as stored (DER, tag included), when present.
    pub fn attributes_der(&self) -> Option<&[u8]> {
        self.attributes.as_deref()
    }

    /// The time-stamp token: a DER `ContentInfo`, for [`crate::tsp::verify_token`].
    pub fn time_stamp(&self) -> &[u8] {
        &self.time_stamp
    }

    fn rht_content_len(rht: &[PartialHashtree]) -> usize {
        rht.iter().map(|l| tlv_len(l.iter().map(|h| tlv_len(h.len())).sum())).sum()
    }

    fn content_len(&self) -> usize {
        self.digest_algorithm.as_ref().map_or(0, |a| tlv_len(a.content.len()))
            + self.attributes.as_ref().map_or(0, Vec::len)
            + self.reduced_hash_tree.as_ref().map_or(0, |r| tlv_len(Self::rht_content_len(r)))
            + self.time_stamp.len()
    }

    fn encode(&self, out: &mut Vec<u8>) {
        put_header(out, 0x30, self.content_len());
        if let Some(a) = &self.digest_algorithm {
            put_header(out, 0xa0, a.content.len());
            out.extend_from_slice(&a.content);
        }
        if let Some(a) = &self.attributes {
            out.extend_from_slice(a);
        }
        if let Some(rht) = &self.reduced_hash_tree {
            put_header(out, 0xa2, Self::rht_content_len(rht));
            for list in rht {
                put_header(out, 0x30, list.iter().map(|h| tlv_len(h.len())).sum());
                for h in list {
                    put_header(out, 0x04, h.len());
                    out.extend_from_slice(h);
                }
            }
        }
        out.extend_from_slice(&self.time_stamp);
    }

    fn parse(value: &[u8]) -> Result<Self, ErsError> {
        let items = children(value, 4, "ArchiveTimeStamp fields")?;
        let mut it = items.iter().peekable();
        let digest_algorithm = match it.next_if(|t| t.tag == 0xa0) {
            Some(t) => Some(AlgId::parse(t.value)?),
            None => None,
        };
        let attributes = it.next_if(|t| t.tag == 0xa1).map(|t| t.raw.to_vec());
        let reduced_hash_tree = match it.next_if(|t| t.tag == 0xa2) {
            Some(t) => {
                let lists = children(t.value, MAX_TREE_DEPTH, "PartialHashtrees")?;
                if lists.is_empty() {
                    return Err(format_err("empty reducedHashtree"));
                }
                let mut rht = Vec::with_capacity(lists.len());
                for l in lists {
                    expect(&l, 0x30, "PartialHashtree")?;
                    let values = children(l.value, MAX_LIST_LEN, "hash values in a PartialHashtree")?;
                    if values.is_empty() {
                        return Err(format_err("empty PartialHashtree"));
                    }
                    let mut list = Vec::with_capacity(values.len());
                    for v in values {
                        expect(&v, 0x04, "PartialHashtree value")?;
                        if v.value.is_empty() || v.value.len() > MAX_HASH_LEN {
                            return Err(format_err(format!("a hash value of {} bytes", v.value.len())));
                        }
                        list.push(v.value.to_vec());
                    }
                    rht.push(list);
                }
                Some(rht)
            }
            None => None,
        };
        let ts = it.next().ok_or_else(|| format_err("ArchiveTimeStamp without timeStamp"))?;
        expect(ts, 0x30, "timeStamp ContentInfo")?;
        if ts.raw.len() > MAX_TOKEN_LEN {
            return Err(format_err(format!("a time-stamp token over {MAX_TOKEN_LEN} bytes")));
        }
        if it.next().is_some() {
            return Err(format_err("ArchiveTimeStamp fields out of order or after timeStamp"));
        }
        Ok(Self { digest_algorithm, attributes, reduced_hash_tree, time_stamp: Arc::from(ts.raw) })
    }
}

/// An RFC 4998 evidence record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceRecord {
    digest_algorithms: Vec<AlgId>,
    /// `[0]` cryptoInfos as stored, tag included (kept, never interpreted).
    crypto_infos: Option<Vec<u8>>,
    /// `[1]` encryptionInfo as stored, tag included (kept, never interpreted).
    encryption_info: Option<Vec<u8>>,
    chains: Vec<Vec<ArchiveTimeStamp>>,
}

fn chain_content_len(chain: &[ArchiveTimeStamp]) -> usize {
    chain.iter().map(|a| tlv_len(a.content_len())).sum()
}

fn sequence_content_len(chains: &[Vec<ArchiveTimeStamp>]) -> usize {
    chains.iter().map(|c| tlv_len(chain_content_len(c))).sum()
}

fn encode_sequence(chains: &[Vec<ArchiveTimeStamp>], out: &mut Vec<u8>) {
    put_header(out, 0x30, sequence_content_len(chains));
    for chain in chains {
        put_header(out, 0x30, chain_content_len(chain));
        for ats in chain {
            ats.encode(out);
        }
    }
}

/// The DER of an ArchiveTimeStampSequence holding `chains` (what `ha` of §5.2 hashes).
fn sequence_der(chains: &[Vec<ArchiveTimeStamp>]) -> Vec<u8> {
    let mut out = Vec::with_capacity(tlv_len(sequence_content_len(chains)));
    encode_sequence(chains, &mut out);
    out
}

impl EvidenceRecord {
    /// Parse DER. Refuses BER, trailing bytes, unknown hash algorithms, records without a time
    /// stamp, and anything over the module's limits.
    pub fn from_der(der: &[u8]) -> Result<Self, ErsError> {
        if der.len() > MAX_RECORD_LEN {
            return Err(format_err(format!("{} bytes exceeds the {MAX_RECORD_LEN}-byte limit", der.len())));
        }
        let (top, rest) = read(der)?;
        if !rest.is_empty() {
            return Err(format_err("trailing bytes after the record"));
        }
        expect(&top, 0x30, "EvidenceRecord")?;
        let items = children(top.value, 5, "EvidenceRecord fields")?;
        let mut it = items.iter().peekable();
        let version = it.next().ok_or_else(|| format_err("no version"))?;
        if version.raw != [0x02, 0x01, 0x01] {
            return Err(format_err("version is not v1(1)"));
        }
        let algs = it.next().ok_or_else(|| format_err("no digestAlgorithms"))?;
        expect(algs, 0x30, "digestAlgorithms")?;
        let mut digest_algorithms = Vec::new();
        for a in children(algs.value, 16, "digestAlgorithms")? {
            expect(&a, 0x30, "AlgorithmIdentifier")?;
            digest_algorithms.push(AlgId::parse(a.value)?);
        }
        if digest_algorithms.is_empty() {
            return Err(format_err("empty digestAlgorithms"));
        }
        let crypto_infos = it.next_if(|t| t.tag == 0xa0).map(|t| t.raw.to_vec());
        let encryption_info = it.next_if(|t| t.tag == 0xa1).map(|t| t.raw.to_vec());
        let seq = it.next().ok_or_else(|| format_err("no archiveTimeStampSequence"))?;
        expect(seq, 0x30, "archiveTimeStampSequence")?;
        if it.next().is_some() {
            return Err(format_err("fields out of order or after archiveTimeStampSequence"));
        }
        let mut chains = Vec::new();
        for c in children(seq.value, MAX_CHAINS, "ArchiveTimeStampChains")? {
            expect(&c, 0x30, "ArchiveTimeStampChain")?;
            let mut chain = Vec::new();
            for a in children(c.value, MAX_STAMPS_PER_CHAIN, "ArchiveTimeStamps in a chain")? {
                expect(&a, 0x30, "ArchiveTimeStamp")?;
                chain.push(ArchiveTimeStamp::parse(a.value)?);
            }
            if chain.is_empty() {
                return Err(format_err("an empty ArchiveTimeStampChain"));
            }
            chains.push(chain);
        }
        if chains.is_empty() {
            return Err(format_err("an empty ArchiveTimeStampSequence"));
        }
        let record = Self { digest_algorithms, crypto_infos, encryption_info, chains };
        if record.to_der()? != der {
            return Err(format_err("not DER: the re-encoding differs from the input"));
        }
        Ok(record)
    }

    /// DER.
    pub fn to_der(&self) -> Result<Vec<u8>, ErsError> {
        let algs_len: usize = self.digest_algorithms.iter().map(|a| tlv_len(a.content.len())).sum();
        let content = self.content_len();
        let mut out = Vec::with_capacity(tlv_len(content));
        put_header(&mut out, 0x30, content);
        out.extend_from_slice(&[0x02, 0x01, 0x01]);
        put_header(&mut out, 0x30, algs_len);
        for a in &self.digest_algorithms {
            put_header(&mut out, 0x30, a.content.len());
            out.extend_from_slice(&a.content);
        }
        if let Some(c) = &self.crypto_infos {
            out.extend_from_slice(c);
        }
        if let Some(e) = &self.encryption_info {
            out.extend_from_slice(e);
        }
        encode_sequence(&self.chains, &mut out);
        Ok(out)
    }

    fn content_len(&self) -> usize {
        let algs_len: usize = self.digest_algorithms.iter().map(|a| tlv_len(a.content.len())).sum();
        3 + tlv_len(algs_len)
            + self.crypto_infos.as_ref().map_or(0, Vec::len)
            + self.encryption_info.as_ref().map_or(0, Vec::len)
            + tlv_len(sequence_content_len(&self.chains))
    }

    /// Length of [`Self::to_der`], without encoding.
    pub fn encoded_len(&self) -> usize {
        tlv_len(self.content_len())
    }

    /// The ArchiveTimeStampChains, oldest first; each chain's ATSs oldest first.
    pub fn chains(&self) -> &[Vec<ArchiveTimeStamp>] {
        &self.chains
    }

    /// The record's digestAlgorithms, in the order listed (every algorithm the record has used).
    pub fn hash_algs(&self) -> Vec<HashAlg> {
        self.digest_algorithms.iter().map(|a| a.alg).collect()
    }

    /// `[0]` cryptoInfos as stored, when present (kept and re-encoded, never interpreted).
    pub fn crypto_infos_der(&self) -> Option<&[u8]> {
        self.crypto_infos.as_deref()
    }

    /// `[1]` encryptionInfo as stored, when present (kept and re-encoded, never interpreted: the
    /// data given to [`verify`] must be what was hashed).
    pub fn encryption_info_der(&self) -> Option<&[u8]> {
        self.encryption_info.as_deref()
    }

    /// The newest ATS: the last of the last chain (renewals append, so it is the latest).
    pub fn newest(&self) -> Option<&ArchiveTimeStamp> {
        self.chains.last().and_then(|c| c.last())
    }

    /// The genTime of the newest ATS's token.
    pub fn newest_gen_time(&self) -> Result<OffsetDateTime, ErsError> {
        let ats = self.newest().ok_or_else(|| format_err("no time stamp"))?;
        Ok(imprint_of(ats.time_stamp())?.1)
    }

    /// How many ATSs the record holds, all chains together.
    pub fn stamp_count(&self) -> usize {
        self.chains.iter().map(Vec::len).sum()
    }

    /// Every distinct time-stamp token of the record, oldest first.
    pub fn tokens(&self) -> Vec<&[u8]> {
        let mut out: Vec<&[u8]> = Vec::new();
        for ats in self.chains.iter().flatten() {
            if !out.contains(&&ats.time_stamp[..]) {
                out.push(&ats.time_stamp);
            }
        }
        out
    }

    /// The record for storage where each batch's token is kept once (an archive of many
    /// packages): every token replaced by [`token_reference`], a 49-byte `ContentInfo` naming its
    /// SM3. Not a record to hand out: [`EvidenceRecord::attached`] puts the tokens back.
    pub fn detached(&self) -> Self {
        let mut r = self.clone();
        for ats in r.chains.iter_mut().flatten() {
            if referenced_token(&ats.time_stamp).is_none() {
                ats.time_stamp = Arc::from(token_reference(&ats.time_stamp));
            }
        }
        r
    }

    /// The whole record again: every reference replaced by the token `lookup` finds for its SM3
    /// (checked to have that SM3).
    pub fn attached(&self, mut lookup: impl FnMut(&[u8; 32]) -> Option<Vec<u8>>) -> Result<Self, ErsError> {
        let mut r = self.clone();
        for ats in r.chains.iter_mut().flatten() {
            if let Some(d) = referenced_token(&ats.time_stamp) {
                let token = lookup(&d).ok_or_else(|| ErsError::Input(format!("no token {}", hex::encode(d))))?;
                if yinxin_gm::sm3::sm3(&token).0 != d {
                    return Err(ErsError::Input(format!("the token found for {} has another SM3", hex::encode(d))));
                }
                ats.time_stamp = Arc::from(token);
            }
        }
        Ok(r)
    }
}

/// `ContentInfo { id-data, [0] OCTET STRING (SM3 of the token) }`: what a detached record holds in
/// place of a token.
pub fn token_reference(token: &[u8]) -> Vec<u8> {
    let d = yinxin_gm::sm3::sm3(token).0;
    let mut out = REFERENCE_PREFIX.to_vec();
    out.extend_from_slice(&d);
    out
}

/// The SM3 a [`token_reference`] names, when `b` is one.
pub fn referenced_token(b: &[u8]) -> Option<[u8; 32]> {
    b.strip_prefix(REFERENCE_PREFIX).and_then(|d| d.try_into().ok())
}

/// DER of `SEQUENCE { OID 1.2.840.113549.1.7.1 (id-data), [0] { OCTET STRING (32 bytes) } }` up
/// to the digest.
const REFERENCE_PREFIX: &[u8] =
    &[0x30, 0x2f, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01, 0xa0, 0x22, 0x04, 0x20];

// ---------------------------------------------------------------------------------------------
// Time-stamp tokens.

/// The messageImprint (algorithm and digest) and genTime of a DER RFC 3161 token (a ContentInfo
/// holding SignedData over a TSTInfo). Checks only the structure, not the signature: see
/// [`crate::tsp::verify_token`].
pub fn imprint_of(token: &[u8]) -> Result<(Imprint, OffsetDateTime), ErsError> {
    let bad = |m: String| ErsError::StampMismatch(m);
    if token.len() > MAX_TOKEN_LEN {
        return Err(bad(format!("{} bytes exceeds the {MAX_TOKEN_LEN}-byte limit", token.len())));
    }
    let ci = ContentInfo::from_der(token).map_err(|e| bad(format!("ContentInfo: {e}")))?;
    if ci.content_type.to_string() != oid::SIGNED_DATA {
        return Err(bad(format!("content type {} is not signedData", ci.content_type)));
    }
    let sd: SignedData = ci.content.decode_as().map_err(|e| bad(format!("SignedData: {e}")))?;
    if sd.encap_content_info.econtent_type.to_string() != oid::CT_TST_INFO {
        return Err(bad(format!("encapsulated content {} is not TSTInfo", sd.encap_content_info.econtent_type)));
    }
    let econtent = sd.encap_content_info.econtent.as_ref().ok_or_else(|| bad("no TSTInfo".into()))?;
    let tst = econtent.decode_as::<OctetString>().map_err(|e| bad(format!("eContent: {e}")))?.into_bytes();
    let tst_err = |e: ErsError| bad(format!("TSTInfo: {e}"));
    let (seq, rest) = read(&tst).map_err(tst_err)?;
    if seq.tag != 0x30 || !rest.is_empty() {
        return Err(bad("TSTInfo is not one SEQUENCE".into()));
    }
    let items = children(seq.value, 10, "TSTInfo fields").map_err(tst_err)?;
    let (Some(mi), Some(gen_tlv)) = (items.get(2), items.get(4)) else {
        return Err(bad("TSTInfo is too short".into()));
    };
    let mi_parts = children(mi.value, 2, "MessageImprint fields").map_err(tst_err)?;
    let [alg, digest] = mi_parts.as_slice() else {
        return Err(bad("MessageImprint is not { hashAlgorithm, hashedMessage }".into()));
    };
    if mi.tag != 0x30 || alg.tag != 0x30 || digest.tag != 0x04 || gen_tlv.tag != 0x18 {
        return Err(bad("TSTInfo fields have unexpected tags".into()));
    }
    let alg = AlgId::parse(alg.value).map_err(tst_err)?.alg;
    let gen_time = parse_generalized(gen_tlv.value).ok_or_else(|| bad("genTime is not a GeneralizedTime".into()))?;
    Ok((Imprint { alg, digest: digest.value.to_vec() }, gen_time))
}

/// `YYYYMMDDHHMMSS[.f+]Z`.
fn parse_generalized(v: &[u8]) -> Option<OffsetDateTime> {
    let s = core::str::from_utf8(v).ok()?.strip_suffix('Z')?;
    let (main, frac) = s.split_once('.').unwrap_or((s, ""));
    if main.len() != 14 || !main.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = |r: core::ops::Range<usize>| main.get(r).and_then(|x| x.parse::<u32>().ok());
    let date = time::Date::from_calendar_date(
        i32::try_from(n(0..4)?).ok()?,
        time::Month::try_from(u8::try_from(n(4..6)?).ok()?).ok()?,
        u8::try_from(n(6..8)?).ok()?,
    )
    .ok()?;
    let t = time::Time::from_hms(
        u8::try_from(n(8..10)?).ok()?,
        u8::try_from(n(10..12)?).ok()?,
        u8::try_from(n(12..14)?).ok()?,
    )
    .ok()?;
    Some(time::PrimitiveDateTime::new(date, t).assume_utc())
}

// ---------------------------------------------------------------------------------------------
// Hash trees.

fn out_len(alg: HashAlg) -> usize {
    alg.digest(&[]).len()
}

/// H(values sorted binary ascending, concatenated).
fn node_hash(alg: HashAlg, values: &mut [&[u8]]) -> Vec<u8> {
    values.sort_unstable();
    alg.digest(&values.concat())
}

/// A binary tree over distinct leaves, level by level, each level's nodes flat.
struct Tree {
    hlen: usize,
    levels: Vec<Vec<u8>>,
}

impl Tree {
    fn build(alg: HashAlg, hlen: usize, leaves: Vec<u8>) -> Self {
        let mut levels = vec![leaves];
        let mut buf = Vec::with_capacity(2 * hlen);
        loop {
            let next = match levels.last() {
                Some(cur) if cur.len() > hlen => {
                    let mut next = Vec::with_capacity(cur.len() / 2 + hlen);
                    for pair in cur.chunks(2 * hlen) {
                        if pair.len() == 2 * hlen {
                            let (a, b) = pair.split_at(hlen);
                            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
                            buf.clear();
                            buf.extend_from_slice(lo);
                            buf.extend_from_slice(hi);
                            next.extend_from_slice(&alg.digest(&buf));
                        } else {
                            next.extend_from_slice(pair); // the odd node is carried up
                        }
                    }
                    next
                }
                _ => break,
            };
            levels.push(next);
        }
        Self { hlen, levels }
    }

    fn root(&self) -> &[u8] {
        self.levels.last().map_or(&[][..], |l| &l[..])
    }

    /// The siblings of leaf `i`, bottom up (levels where the node is carried up have none).
    fn siblings(&self, mut i: usize) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        for level in self.levels.iter().take(self.levels.len().saturating_sub(1)) {
            let s = i ^ 1;
            if let Some(v) = level.get(s * self.hlen..(s + 1) * self.hlen) {
                out.push(v.to_vec());
            }
            i /= 2;
        }
        out
    }
}

/// The reduced hash tree of a record whose leaf set is `hashes` and whose leaf has `siblings`.
fn reduced<D: AsRef<[u8]>>(hashes: &[D], siblings: Vec<Vec<u8>>) -> Option<Vec<PartialHashtree>> {
    let mut siblings = siblings.into_iter();
    let mut first: PartialHashtree = hashes.iter().map(|h| h.as_ref().to_vec()).collect();
    if first.len() == 1 {
        first.push(siblings.next()?); // a single object: its hash and its first sibling
    }
    first.sort_unstable();
    let mut rht = Vec::with_capacity(siblings.len() + 1);
    rht.push(first);
    rht.extend(siblings.map(|s| vec![s]));
    Some(rht)
}

/// Build one tree over `entries` (each one record's leaf set: one hash, or a group's), have its
/// root stamped, and return each entry's ATS.
fn stamp_tree<E, D, F>(alg: HashAlg, entries: &[E], stamp: &mut F) -> Result<Vec<ArchiveTimeStamp>, ErsError>
where
    E: AsRef<[D]>,
    D: AsRef<[u8]>,
    F: FnMut(&Imprint) -> crate::Result<Vec<u8>>,
{
    let hlen = out_len(alg);
    if entries.is_empty() {
        return Err(ErsError::Input("an empty batch".into()));
    }
    let mut leaves: Vec<Vec<u8>> = Vec::with_capacity(entries.len());
    for (i, e) in entries.iter().enumerate() {
        let e = e.as_ref();
        let record_err = |m: String| ErsError::Record { record: i, error: Box::new(ErsError::Input(m)) };
        if e.is_empty() || e.len() > MAX_LIST_LEN {
            return Err(record_err(format!("a group of {} files (1 to {MAX_LIST_LEN})", e.len())));
        }
        if let Some(d) = e.iter().find(|d| d.as_ref().len() != hlen) {
            return Err(record_err(format!("a digest of {} bytes, {alg:?} has {hlen}", d.as_ref().len())));
        }
        leaves.push(match e {
            [one] => one.as_ref().to_vec(),
            many => node_hash(alg, &mut many.iter().map(AsRef::as_ref).collect::<Vec<_>>()),
        });
    }
    // Identical leaves are one leaf.
    let mut unique: HashMap<&[u8], usize> = HashMap::with_capacity(leaves.len());
    let mut flat = Vec::with_capacity(leaves.len() * hlen);
    let mut leaf_of = Vec::with_capacity(leaves.len());
    for leaf in &leaves {
        let next = unique.len();
        let u = *unique.entry(leaf.as_slice()).or_insert_with(|| {
            flat.extend_from_slice(leaf);
            next
        });
        leaf_of.push(u);
    }
    let tree = Tree::build(alg, hlen, flat);
    let root = tree.root().to_vec();
    let token = stamp(&Imprint { alg, digest: root.clone() }).map_err(|e| ErsError::Stamp(e.to_string()))?;
    let (imprint, _) = imprint_of(&token)?;
    if imprint.alg != alg || imprint.digest != root {
        return Err(ErsError::StampMismatch(format!(
            "asked for {alg:?} {}, the token holds {:?} {}",
            hex::encode(&root),
            imprint.alg,
            hex::encode(&imprint.digest)
        )));
    }
    let token: Arc<[u8]> = token.into();
    let alg_id = AlgId::new(alg);
    Ok(entries
        .iter()
        .zip(leaf_of)
        .map(|(e, u)| ArchiveTimeStamp {
            digest_algorithm: Some(alg_id.clone()),
            attributes: None,
            reduced_hash_tree: reduced(e.as_ref(), tree.siblings(u)),
            time_stamp: token.clone(),
        })
        .collect())
}

// ---------------------------------------------------------------------------------------------
// Making and renewing records.

/// Evidence records for a batch: each group is one archived package (the bytes of its files, one
/// file or many), hashed with `alg`; one time stamp for the whole batch, asked of `stamp` with the
/// root (e.g. `|imprint| tsa.stamp(imprint, None, true, now)`). Records come back in the order of
/// `groups`.
pub fn build_batch<G, D, F>(groups: &[G], alg: HashAlg, mut stamp: F) -> Result<Vec<EvidenceRecord>, ErsError>
where
    G: AsRef<[D]>,
    D: AsRef<[u8]>,
    F: FnMut(&Imprint) -> crate::Result<Vec<u8>>,
{
    let digests: Vec<Vec<Vec<u8>>> =
        groups.iter().map(|g| g.as_ref().iter().map(|d| alg.digest(d.as_ref())).collect()).collect();
    build_batch_digests(&digests, alg, &mut stamp)
}

/// [`build_batch`] from the files' digests under `alg` (computed by the caller, e.g. while
/// storing the files), so building does not read the files again.
pub fn build_batch_digests<G, D, F>(groups: &[G], alg: HashAlg, mut stamp: F) -> Result<Vec<EvidenceRecord>, ErsError>
where
    G: AsRef<[D]>,
    D: AsRef<[u8]>,
    F: FnMut(&Imprint) -> crate::Result<Vec<u8>>,
{
    let ats = stamp_tree(alg, groups, &mut stamp)?;
    let alg_id = AlgId::new(alg);
    Ok(ats
        .into_iter()
        .map(|a| EvidenceRecord {
            digest_algorithms: vec![alg_id.clone()],
            crypto_infos: None,
            encryption_info: None,
            chains: vec![vec![a]],
        })
        .collect())
}

/// Undo the last push onto every record, and fail, if a record would exceed [`MAX_RECORD_LEN`].
fn check_lengths(records: &mut [EvidenceRecord], undo: impl Fn(&mut EvidenceRecord)) -> Result<(), ErsError> {
    let Some(i) = records.iter().position(|r| r.encoded_len() > MAX_RECORD_LEN) else {
        return Ok(());
    };
    records.iter_mut().for_each(undo);
    Err(ErsError::Record {
        record: i,
        error: Box::new(ErsError::Input(format!("the renewed record would exceed {MAX_RECORD_LEN} bytes"))),
    })
}

/// RFC 4998 §5.2 time-stamp renewal, batched: for each record a new ATS, in its newest chain,
/// over the hash of that chain's last ATS's `timeStamp` (its DER ContentInfo), under the chain's
/// algorithm. One tree and one token per distinct chain algorithm among the records (normally
/// one). Records whose previous tokens are the same (made in one batch) share a leaf.
///
/// The records are changed only if every stamp succeeds. Renew every record of an archive in
/// the same run; [`renewal_gaps`] finds any left out.
pub fn renew_time_stamps<F>(records: &mut [EvidenceRecord], mut stamp: F) -> Result<(), ErsError>
where
    F: FnMut(&Imprint) -> crate::Result<Vec<u8>>,
{
    if records.is_empty() {
        return Err(ErsError::Input("no records to renew".into()));
    }
    // Per chain algorithm: the records and their leaves (the hash of their newest token).
    struct Batch {
        alg: HashAlg,
        records: Vec<usize>,
        leaves: Vec<[Vec<u8>; 1]>,
    }
    let mut by_alg: Vec<Batch> = Vec::new();
    for (i, r) in records.iter().enumerate() {
        let wrap = |e: ErsError| ErsError::Record { record: i, error: Box::new(e) };
        let chain = r.chains.last().ok_or_else(|| wrap(format_err("no chain")))?;
        let last = chain.last().ok_or_else(|| wrap(format_err("an empty chain")))?;
        if chain.len() >= MAX_STAMPS_PER_CHAIN {
            return Err(wrap(ErsError::Input(format!("its chain already holds {MAX_STAMPS_PER_CHAIN} time stamps"))));
        }
        let alg = last.hash_alg().map_err(wrap)?;
        let leaf = [alg.digest(last.time_stamp())];
        match by_alg.iter_mut().find(|b| b.alg == alg) {
            Some(b) => {
                b.records.push(i);
                b.leaves.push(leaf);
            }
            None => by_alg.push(Batch { alg, records: vec![i], leaves: vec![leaf] }),
        }
    }
    let mut new = Vec::with_capacity(records.len());
    for b in &by_alg {
        let ats = stamp_tree(b.alg, &b.leaves, &mut stamp)?;
        new.extend(b.records.iter().copied().zip(ats));
    }
    for (i, ats) in new {
        if let Some(chain) = records.get_mut(i).and_then(|r| r.chains.last_mut()) {
            chain.push(ats);
        }
    }
    check_lengths(records, |r| {
        if let Some(c) = r.chains.last_mut() {
            c.pop();
        }
    })
}

/// RFC 4998 §5.2 hash-tree renewal, batched: for each record a new ArchiveTimeStampChain under
/// `new_alg`, whose first ATS covers, for each file d(i) of the record's group,
/// `H'(H'(d(i)) || H'(DER of the record's ArchiveTimeStampSequence))`. `data[k]` is the group of
/// `records[k]`, whose existing chains must verify against it (checked first: a renewal over the
/// wrong data would be worthless). One tree and one token for the batch; `new_alg` is added to
/// each record's digestAlgorithms.
///
/// The new reduced hash trees have the §4.2 shape: a group's first list holds the `h(i)'` of all
/// its files, as §5.2 step 5 says; a one-file record's first list holds its `h'` and its first
/// sibling, where step 5 says it "should only contain h(i)'" — a one-value first list is read
/// differently by verifiers (as the value itself, or hashed once), the two-value list is read
/// alike by all.
pub fn renew_hash_trees<G, D, F>(
    records: &mut [EvidenceRecord],
    data: &[G],
    new_alg: HashAlg,
    mut stamp: F,
) -> Result<(), ErsError>
where
    G: AsRef<[D]>,
    D: AsRef<[u8]>,
    F: FnMut(&Imprint) -> crate::Result<Vec<u8>>,
{
    if records.is_empty() || records.len() != data.len() {
        return Err(ErsError::Input(format!("{} records and {} data groups", records.len(), data.len())));
    }
    let mut entries: Vec<Vec<Vec<u8>>> = Vec::with_capacity(records.len());
    for (i, (r, g)) in records.iter().zip(data).enumerate() {
        let wrap = |e: ErsError| ErsError::Record { record: i, error: Box::new(e) };
        if r.chains.len() >= MAX_CHAINS {
            return Err(wrap(ErsError::Input(format!("it already holds {MAX_CHAINS} chains"))));
        }
        verify(r, g.as_ref()).map_err(wrap)?;
        let ha = new_alg.digest(&sequence_der(&r.chains));
        entries.push(g.as_ref().iter().map(|d| renewed_hash(new_alg, &new_alg.digest(d.as_ref()), &ha)).collect());
    }
    let ats = stamp_tree(new_alg, &entries, &mut stamp)?;
    let alg_id = AlgId::new(new_alg);
    let mut added = Vec::with_capacity(records.len());
    for (r, a) in records.iter_mut().zip(ats) {
        r.chains.push(vec![a]);
        let add = !r.digest_algorithms.iter().any(|x| x.alg == new_alg);
        if add {
            r.digest_algorithms.push(alg_id.clone());
        }
        added.push(add);
    }
    let Some(i) = records.iter().position(|r| r.encoded_len() > MAX_RECORD_LEN) else {
        return Ok(());
    };
    for (r, add) in records.iter_mut().zip(added) {
        r.chains.pop();
        if add {
            r.digest_algorithms.pop();
        }
    }
    Err(ErsError::Record {
        record: i,
        error: Box::new(ErsError::Input(format!("the renewed record would exceed {MAX_RECORD_LEN} bytes"))),
    })
}

/// `h(i)' = H'(h(i) || ha(i))`: the data hash first, then the hash of the earlier chains.
fn renewed_hash(alg: HashAlg, h: &[u8], ha: &[u8]) -> Vec<u8> {
    let mut buf = Vec::with_capacity(h.len() + ha.len());
    buf.extend_from_slice(h);
    buf.extend_from_slice(ha);
    alg.digest(&buf)
}

/// Records left out of the latest renewal: the indices of those whose newest ATS is older than
/// `last_renewal` (the time of the archive's last renewal run, from its own log), or, when `None`,
/// older than the newest ATS among `records` — pass all the records an archive renews together.
/// A record left out of a time-stamp or hash-tree renewal keeps its old newest ATS, which ages
/// out of its TSA certificate's or hash algorithm's validity with nothing after it.
pub fn renewal_gaps(records: &[EvidenceRecord], last_renewal: Option<OffsetDateTime>) -> Result<Vec<usize>, ErsError> {
    let newest: Vec<OffsetDateTime> = records
        .iter()
        .enumerate()
        .map(|(i, r)| r.newest_gen_time().map_err(|e| ErsError::Record { record: i, error: Box::new(e) }))
        .collect::<Result<_, _>>()?;
    let Some(threshold) = last_renewal.or_else(|| newest.iter().max().copied()) else {
        return Ok(Vec::new());
    };
    Ok(newest.iter().enumerate().filter(|(_, t)| **t < threshold).map(|(i, _)| i).collect())
}

// ---------------------------------------------------------------------------------------------
// Verification.

/// What an ATS covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Covers {
    /// The data (the first ATS of the first chain).
    Data,
    /// The previous ATS's token in the same chain (a time-stamp renewal).
    PreviousStamp,
    /// The data with the earlier chains (the first ATS of a later chain: a hash-tree renewal).
    DataAndEarlierChains,
}

/// One ATS as checked.
#[derive(Debug, Clone)]
pub struct StampRef {
    /// Its chain (0 = the first).
    pub chain: usize,
    /// Its place in the chain (0 = the first).
    pub index: usize,
    /// The hash algorithm of its tree (and of its token's imprint).
    pub alg: HashAlg,
    /// The token, a DER ContentInfo: give it to [`crate::tsp::verify_token`].
    pub token: Vec<u8>,
    /// The token's genTime.
    pub gen_time: OffsetDateTime,
    /// What it covers.
    pub covers: Covers,
    /// Whether its hash checks held (its reduced hash tree leads from what it covers to its
    /// token's messageImprint, under its chain's algorithm).
    pub hash_ok: bool,
    /// Why not, when not.
    pub error: Option<ErsError>,
}

/// The result of checking a record against its data.
#[derive(Debug, Clone)]
pub struct Verified {
    /// Every ATS, oldest first (chain by chain, each chain in order).
    pub stamps: Vec<StampRef>,
    /// How many ATSs each chain holds.
    pub chain_lengths: Vec<usize>,
}

impl Verified {
    /// Whether every ATS's hash checks held.
    pub fn all_hashes_ok(&self) -> bool {
        self.stamps.iter().all(|s| s.hash_ok)
    }

    /// The oldest failure.
    pub fn first_error(&self) -> Option<&ErsError> {
        self.stamps.iter().find_map(|s| s.error.as_ref())
    }

    /// genTime of the first ATS: when the data is proved to have existed.
    pub fn first_gen_time(&self) -> Option<OffsetDateTime> {
        self.stamps.first().map(|s| s.gen_time)
    }

    /// genTime of the newest ATS: compare with the archive's last renewal to find a record left out.
    pub fn newest_gen_time(&self) -> Option<OffsetDateTime> {
        self.stamps.last().map(|s| s.gen_time)
    }
}

/// Why a recomputation failed.
enum Miss {
    /// These leaves are not in the first list.
    Leaves(Vec<usize>),
    /// All are, but the counts differ.
    Count { leaves: usize, listed: usize },
    /// The tree is malformed.
    Malformed(String),
}

/// The root from a record's leaf set and reduced hash tree (§4.3).
fn recompute(alg: HashAlg, rht: Option<&[PartialHashtree]>, leaves: &[Vec<u8>]) -> Result<Vec<u8>, Miss> {
    let Some(rht) = rht else {
        return Ok(match leaves {
            [one] => one.clone(),
            many => node_hash(alg, &mut many.iter().map(Vec::as_slice).collect::<Vec<_>>()),
        });
    };
    let hlen = out_len(alg);
    if let Some(bad) = rht.iter().flatten().find(|v| v.len() != hlen) {
        return Err(Miss::Malformed(format!("a hash value of {} bytes, {alg:?} has {hlen}", bad.len())));
    }
    let Some((first, rest)) = rht.split_first().filter(|(f, _)| !f.is_empty()) else {
        return Err(Miss::Malformed("an empty first list".into()));
    };
    if rest.iter().any(Vec::is_empty) {
        return Err(Miss::Malformed("an empty PartialHashtree".into()));
    }
    let missing: Vec<usize> = leaves.iter().enumerate().filter(|(_, h)| !first.contains(h)).map(|(k, _)| k).collect();
    if !missing.is_empty() {
        return Err(Miss::Leaves(missing));
    }
    if leaves.len() > 1 {
        // A group: the first list is exactly its hashes.
        let mut a: Vec<&Vec<u8>> = leaves.iter().collect();
        let mut b: Vec<&Vec<u8>> = first.iter().collect();
        a.sort_unstable();
        b.sort_unstable();
        if a != b {
            return Err(Miss::Count { leaves: leaves.len(), listed: first.len() });
        }
    }
    let mut node = match first.as_slice() {
        [one] => one.clone(),
        many => node_hash(alg, &mut many.iter().map(Vec::as_slice).collect::<Vec<_>>()),
    };
    for list in rest {
        let mut values: Vec<&[u8]> = list.iter().map(Vec::as_slice).collect();
        values.push(&node);
        node = node_hash(alg, &mut values);
    }
    Ok(node)
}

/// Check a record against its data group (the files' bytes, in any order), every ATS of every
/// chain, oldest first, and report each. Fails only when the report cannot be made (a token that
/// does not parse); hash failures are in the report ([`StampRef::error`]).
///
/// Two or more files must be exactly the files the record covers ([`ErsError::GroupSize`] when
/// one is missing or added). One file is checked as a single data object (RFC 4998 §4.3 step 2:
/// its hash must be in the first list), so one file of a package verifies against the package's
/// record — it was time stamped — and proves nothing about the package's other files: to check
/// that a package is complete, pass all its files.
///
/// Not checked here: the tokens' signatures, TSA certificates and their validity at the next
/// ATS's time — run [`crate::tsp::verify_token`] on each [`StampRef::token`] and apply your
/// control times. A record left out of a renewal verifies but ends early: compare
/// [`Verified::newest_gen_time`] with the archive's last renewal, or use [`renewal_gaps`].
pub fn verify_report<D: AsRef<[u8]>>(record: &EvidenceRecord, group: &[D]) -> Result<Verified, ErsError> {
    if group.is_empty() {
        return Err(ErsError::Input("an empty data group".into()));
    }
    let listed = record.hash_algs();
    let mut file_hashes: Vec<(HashAlg, Vec<Vec<u8>>)> = Vec::new();
    let mut stamps = Vec::with_capacity(record.stamp_count());
    for (c, chain) in record.chains.iter().enumerate() {
        let mut chain_alg: Option<HashAlg> = None;
        for (j, ats) in chain.iter().enumerate() {
            let (imprint, gen_time) = imprint_of(ats.time_stamp()).map_err(|e| ErsError::Token {
                chain: c,
                index: j,
                reason: match e {
                    ErsError::StampMismatch(m) => m,
                    other => other.to_string(),
                },
            })?;
            let alg = ats.digest_alg().unwrap_or(imprint.alg);
            let covers = match (c, j) {
                (0, 0) => Covers::Data,
                (_, 0) => Covers::DataAndEarlierChains,
                _ => Covers::PreviousStamp,
            };
            let alg_err = |reason: String| ErsError::Algorithm { chain: c, index: j, reason };
            let error = if imprint.alg != alg {
                Some(alg_err(format!("digestAlgorithm {alg:?} differs from the token's imprint {:?}", imprint.alg)))
            } else if let Some(a) = chain_alg.filter(|a| *a != alg) {
                Some(alg_err(format!("{alg:?} differs from its chain's {a:?}")))
            } else if !listed.contains(&alg) {
                Some(alg_err(format!("{alg:?} is not in the record's digestAlgorithms")))
            } else {
                let hashes = match file_hashes.iter().find(|(a, _)| *a == alg) {
                    Some((_, h)) => h.clone(),
                    None => {
                        let h: Vec<Vec<u8>> = group.iter().map(|d| alg.digest(d.as_ref())).collect();
                        file_hashes.push((alg, h.clone()));
                        h
                    }
                };
                let leaves = match covers {
                    Covers::Data => hashes,
                    Covers::PreviousStamp => {
                        let prev = chain.get(j - 1).map_or(&[][..], |p| p.time_stamp());
                        vec![alg.digest(prev)]
                    }
                    Covers::DataAndEarlierChains => {
                        let ha = alg.digest(&sequence_der(&record.chains[..c]));
                        hashes.iter().map(|h| renewed_hash(alg, h, &ha)).collect()
                    }
                };
                check_ats(c, j, covers, alg, ats, &leaves, &imprint.digest).err()
            };
            chain_alg.get_or_insert(alg);
            stamps.push(StampRef {
                chain: c,
                index: j,
                alg,
                token: ats.time_stamp().to_vec(),
                gen_time,
                covers,
                hash_ok: error.is_none(),
                error,
            });
        }
    }
    Ok(Verified { stamps, chain_lengths: record.chains.iter().map(Vec::len).collect() })
}

fn check_ats(
    chain: usize,
    index: usize,
    covers: Covers,
    alg: HashAlg,
    ats: &ArchiveTimeStamp,
    leaves: &[Vec<u8>],
    imprint: &[u8],
) -> Result<(), ErsError> {
    let not_covered = |files: Vec<usize>| match covers {
        Covers::Data => ErsError::FileMismatch { chain, index, files },
        Covers::PreviousStamp => ErsError::PreviousStampNotCovered { chain, index },
        Covers::DataAndEarlierChains => ErsError::RenewalMismatch { chain, files },
    };
    let root = recompute(alg, ats.reduced_hash_tree(), leaves).map_err(|m| match m {
        Miss::Leaves(files) => not_covered(files),
        Miss::Count { leaves, listed } => ErsError::GroupSize { chain, index, files: leaves, listed },
        Miss::Malformed(reason) => ErsError::Tree { chain, index, reason },
    })?;
    if root == imprint {
        Ok(())
    } else if ats.reduced_hash_tree().is_none() && leaves.len() == 1 {
        Err(not_covered(vec![0]))
    } else {
        Err(ErsError::ImprintMismatch { chain, index })
    }
}

/// [`verify_report`], failing with the oldest ATS's error unless every hash check held.
pub fn verify<D: AsRef<[u8]>>(record: &EvidenceRecord, group: &[D]) -> Result<Verified, ErsError> {
    let v = verify_report(record, group)?;
    match v.first_error() {
        Some(e) => Err(e.clone()),
        None => Ok(v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_der_reader() {
        assert!(read(&[0x04, 0x01, 0xaa]).is_ok());
        assert!(read(&[0x04, 0x81, 0x01, 0xaa]).is_err(), "non-minimal long form");
        assert!(read(&[0x04, 0x82, 0x00, 0x81]).is_err(), "leading zero length byte");
        assert!(read(&[0x30, 0x80, 0x00, 0x00]).is_err(), "indefinite");
        assert!(read(&[0x04, 0x02, 0xaa]).is_err(), "truncated");
        assert!(read(&[0x1f, 0x01, 0x00]).is_err(), "multi-byte tag");
        for n in [0usize, 1, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000] {
            let mut v = Vec::new();
            put_header(&mut v, 0x04, n);
            assert_eq!(v.len(), header_len(n));
            v.resize(v.len() + n, 0);
            let (t, rest) = read(&v).unwrap();
            assert_eq!((t.value.len(), rest.len()), (n, 0));
        }
    }

    /// Every leaf of trees of 1 to 40 distinct leaves reaches the root through its reduced hash
    /// tree, as a single object and as a two-file group; a wrong leaf does not.
    #[test]
    fn every_leaf_reaches_the_root() {
        let alg = HashAlg::Sm3;
        for n in 1..=40usize {
            let groups: Vec<Vec<Vec<u8>>> = (0..n)
                .map(|i| {
                    let a = alg.digest(&i.to_be_bytes());
                    if i % 3 == 0 { vec![a.clone(), alg.digest(&a)] } else { vec![a] }
                })
                .collect();
            let leaves: Vec<u8> = groups
                .iter()
                .flat_map(|g| match g.as_slice() {
                    [one] => one.clone(),
                    many => node_hash(alg, &mut many.iter().map(Vec::as_slice).collect::<Vec<_>>()),
                })
                .collect();
            let tree = Tree::build(alg, 32, leaves);
            for (i, g) in groups.iter().enumerate() {
                let rht = reduced(g, tree.siblings(i));
                assert_eq!(rht.is_none(), n == 1 && g.len() == 1);
                let depth = rht.as_ref().map_or(0, Vec::len);
                assert!(depth <= 1 + (usize::BITS - n.leading_zeros()) as usize);
                let root = recompute(alg, rht.as_deref(), g).unwrap_or_else(|_| panic!("leaf {i} of {n}"));
                assert_eq!(root, tree.root(), "leaf {i} of {n}");
                let mut wrong = g.clone();
                wrong[0][5] ^= 1;
                assert!(recompute(alg, rht.as_deref(), &wrong).map_or(true, |r| r != tree.root()));
            }
        }
    }

    #[test]
    fn generalized_time() {
        let t = parse_generalized(b"20260102030405Z").unwrap();
        assert_eq!((t.year(), t.month() as u8, t.day(), t.hour(), t.minute(), t.second()), (2026, 1, 2, 3, 4, 5));
        assert!(parse_generalized(b"20260102030405.123Z").is_some());
        assert!(parse_generalized(b"20261302030405Z").is_none());
        assert!(parse_generalized(b"2026010203040Z").is_none());
        assert!(parse_generalized(b"20260102030405").is_none());
    }

    #[test]
    fn alg_ids() {
        for alg in [HashAlg::Sm3, HashAlg::Sha256] {
            let a = AlgId::new(alg);
            assert_eq!(AlgId::parse(&a.content).unwrap(), a);
            let mut with_null = a.content.clone();
            with_null.extend([0x05, 0x00]);
            assert_eq!(AlgId::parse(&with_null).unwrap().alg, alg);
        }
        // SHA-1 is not known.
        let sha1 = [0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a];
        assert!(matches!(AlgId::parse(&sha1), Err(ErsError::UnsupportedAlgorithm(_))));
    }
}
