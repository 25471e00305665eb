//! The witness (C2SP `tlog-witness` `add-checkpoint`, cosigning per `tlog-cosignature`), as a
//! state machine with no I/O: state in, request in, cosignature or typed refusal out.
//!
//! A witness follows each log it is configured for (origin and the log's verifier keys) and
//! remembers the last checkpoint it cosigned. Given a new checkpoint and a consistency proof
//! from that one, it checks, in the order and with the outcomes `tlog-witness` prescribes:
//!
//! | check | refusal | HTTP |
//! |---|---|---|
//! | the request parses | [`WitnessError::Malformed`] | 400 |
//! | the origin is a configured log | [`WitnessError::UnknownLog`] | 404 |
//! | a log key signed it, and no known key's signature fails | [`WitnessError::BadSignature`] | 403 |
//! | old size ≤ checkpoint size | [`WitnessError::OldSizeBeyondCheckpoint`] | 400 |
//! | the checkpoint is not smaller than the last cosigned | [`WitnessError::Rollback`] | 409 |
//! | old size = the last cosigned size (0 if none) | [`WitnessError::Conflict`] | 409 |
//! | a size-0 checkpoint has the empty root | [`WitnessError::EmptyTreeRoot`] | 422 |
//! | same size ⇒ same root | [`WitnessError::Fork`] | 422 |
//! | the consistency proof verifies (empty from size 0) | [`WitnessError::InconsistentProof`] | 422 |
//!
//! then cosigns with yinxin's SM2 cosignature type ([`crate::signature`]) at the time given.
//! The 409 responses carry the witness's size so the log can retry with the right proof.
//!
//! The spec requires the check of the old size and the update of the state to be atomic, and
//! the new state to be stored before the cosignature is released. So [`Witness::evaluate`] only
//! decides (it takes `&self`); the caller stores [`Cosigned::state`] with a compare-and-swap on
//! [`Cosigned::previous`] and then calls [`Witness::commit`], which refuses if the state moved
//! meanwhile. [`Witness::add_checkpoint`] does both for a witness held in one place.

use crate::Error;
use crate::checkpoint::{HeadLines, SignedCheckpoint, parse_size, put_hash_lines};
use crate::hash::{Hash, Hasher};
use crate::note::{NoteSignature, NoteSigner, NoteVerifier};
use crate::proof::verify_consistency;
use crate::signature::Sm2NoteSigner;
use std::collections::BTreeMap;
use std::marker::PhantomData;

/// At most this many consistency-proof lines in a request (the spec's limit).
pub const MAX_PROOF_LINES: usize = 63;

/// A tree head: size and root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TreeHead {
    /// The number of leaves.
    pub size: u64,
    /// The root.
    pub root: Hash,
}

/// An `add-checkpoint` request body: `old <size>`, proof lines, a blank line, the checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddCheckpoint {
    /// The size of the checkpoint the proof starts from.
    pub old_size: u64,
    /// The consistency proof from `old_size` to the checkpoint's size.
    pub proof: Vec<Hash>,
    /// The signed checkpoint, as bytes.
    pub checkpoint: Vec<u8>,
}

impl AddCheckpoint {
    /// Parse a request body.
    pub fn parse(body: &[u8]) -> Result<Self, Error> {
        let mut lines = HeadLines(body);
        let old = lines.line()?.strip_prefix("old ").ok_or(Error::MalformedNote("no 'old <size>' line"))?;
        let old_size = parse_size(old)?;
        let proof = lines.hashes(MAX_PROOF_LINES)?;
        Ok(Self { old_size, proof, checkpoint: lines.rest() })
    }

    /// The request body.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut s = format!("old {}\n", self.old_size);
        put_hash_lines(&mut s, &self.proof);
        let mut out = s.into_bytes();
        out.extend_from_slice(&self.checkpoint);
        out
    }
}

/// Why a witness refused to cosign.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WitnessError {
    /// The request or the checkpoint does not parse.
    #[error("malformed request: {0}")]
    Malformed(Error),
    /// The checkpoint's origin is not a log this witness follows.
    #[error("unknown log {0:?}")]
    UnknownLog(String),
    /// No valid signature from the log's key, or a known key's signature fails.
    #[error("checkpoint signature: {0}")]
    BadSignature(Error),
    /// The old size is larger than the checkpoint's size.
    #[error("old size {old} is beyond the checkpoint's size {size}")]
    OldSizeBeyondCheckpoint {
        /// The old size sent.
        old: u64,
        /// The checkpoint's size.
        size: u64,
    },
    /// The checkpoint is smaller than the one last cosigned.
    #[error("rollback: checkpoint of size {got} after cosigning size {cosigned}")]
    Rollback {
        /// The size last cosigned.
        cosigned: u64,
        /// The checkpoint's size.
        got: u64,
    },
    /// The old size is not the size last cosigned; the log should retry from `cosigned`.
    #[error("old size {old} is not the last cosigned size {cosigned}")]
    Conflict {
        /// The size last cosigned (0 if none).
        cosigned: u64,
        /// The old size sent.
        old: u64,
    },
    /// A size-0 checkpoint whose root is not the empty tree's.
    #[error("a checkpoint of size 0 must have the empty tree's root")]
    EmptyTreeRoot,
    /// The same size as the last cosigned checkpoint with another root: a fork.
    #[error("fork at size {size}: cosigned root {cosigned}, offered root {offered}")]
    Fork {
        /// The size.
        size: u64,
        /// The root cosigned before.
        cosigned: Hash,
        /// The root offered now.
        offered: Hash,
    },
    /// The consistency proof does not verify (or is not empty when it must be).
    #[error("consistency proof: {0}")]
    InconsistentProof(Error),
    /// Cosigning failed in the crypto provider.
    #[error("cosigning failed: {0}")]
    Signing(Error),
}

impl WitnessError {
    /// The HTTP status `tlog-witness` gives this refusal.
    pub fn http_status(&self) -> u16 {
        match self {
            Self::Malformed(_) | Self::OldSizeBeyondCheckpoint { .. } => 400,
            Self::BadSignature(_) => 403,
            Self::UnknownLog(_) => 404,
            Self::Rollback { .. } | Self::Conflict { .. } => 409,
            Self::EmptyTreeRoot | Self::Fork { .. } | Self::InconsistentProof(_) => 422,
            Self::Signing(_) => 500,
        }
    }

    /// For a 409: the body (`<size>\n`, content type `text/x.tlog.size`).
    pub fn conflict_body(&self) -> Option<String> {
        match self {
            Self::Rollback { cosigned, .. } | Self::Conflict { cosigned, .. } => Some(format!("{cosigned}\n")),
            _ => None,
        }
    }

    /// Whether the refusal is evidence the log misbehaved (to be kept and reported).
    pub fn is_misbehaviour(&self) -> bool {
        matches!(self, Self::Fork { .. } | Self::InconsistentProof(_) | Self::Rollback { .. })
    }
}

/// A decision to cosign, not yet committed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cosigned {
    /// The log's origin.
    pub origin: String,
    /// The state the decision was made against (None: never cosigned).
    pub previous: Option<TreeHead>,
    /// The new state to store.
    pub state: TreeHead,
    /// The cosignature line.
    pub signature: NoteSignature,
    /// Its timestamp.
    pub timestamp: u64,
}

impl Cosigned {
    /// The `add-checkpoint` response body: the cosignature line.
    pub fn response_body(&self) -> String {
        self.signature.to_line()
    }
}

type DynVerifier = Box<dyn NoteVerifier + Send + Sync>;

struct FollowedLog {
    verifiers: Vec<DynVerifier>,
    state: Option<TreeHead>,
}

/// A witness over logs hashed with `H`.
pub struct Witness<H: Hasher> {
    cosigner: Sm2NoteSigner,
    logs: BTreeMap<String, FollowedLog>,
    _h: PhantomData<H>,
}

impl<H: Hasher> core::fmt::Debug for Witness<H> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Witness").field("name", &self.cosigner.name()).field("logs", &self.logs.len()).finish()
    }
}

impl<H: Hasher> Witness<H> {
    /// A witness that cosigns with `cosigner` (an [`crate::signature::Sm2Kind::Cosignature`]
    /// signer).
    pub fn new(cosigner: Sm2NoteSigner) -> Self {
        Self { cosigner, logs: BTreeMap::new(), _h: PhantomData }
    }

    /// Follow the log `origin`, whose checkpoints `verifiers` check, from stored `state` (None
    /// for a log never cosigned).
    pub fn follow(&mut self, origin: &str, verifiers: Vec<DynVerifier>, state: Option<TreeHead>) {
        self.logs.insert(origin.to_owned(), FollowedLog { verifiers, state });
    }

    /// The last cosigned tree head of `origin`.
    pub fn state(&self, origin: &str) -> Option<TreeHead> {
        self.logs.get(origin)?.state
    }

    /// The verifier for this witness's cosignatures.
    pub fn verifier(&self) -> crate::signature::Sm2NoteVerifier {
        self.cosigner.verifier()
    }

    /// Decide on a parsed request at time `now` (POSIX seconds); changes nothing.
    pub fn evaluate(&self, req: &AddCheckpoint, now: u64) -> Result<Cosigned, WitnessError> {
        let cp = SignedCheckpoint::parse_unverified(&req.checkpoint).map_err(WitnessError::Malformed)?;
        let head = cp.checkpoint();
        let log = self.logs.get(&head.origin).ok_or_else(|| WitnessError::UnknownLog(head.origin.clone()))?;
        let verifiers: Vec<&dyn NoteVerifier> = log.verifiers.iter().map(|v| v.as_ref() as &dyn NoteVerifier).collect();
        cp.verify(&verifiers).map_err(WitnessError::BadSignature)?;
        let (size, root) = (head.size, head.root);
        if req.old_size > size {
            return Err(WitnessError::OldSizeBeyondCheckpoint { old: req.old_size, size });
        }
        let last = log.state.unwrap_or(TreeHead { size: 0, root: H::empty_root() });
        if size < last.size {
            return Err(WitnessError::Rollback { cosigned: last.size, got: size });
        }
        if req.old_size != last.size {
            return Err(WitnessError::Conflict { cosigned: last.size, old: req.old_size });
        }
        if size == 0 && root != H::empty_root() {
            return Err(WitnessError::EmptyTreeRoot);
        }
        if size == last.size && root != last.root {
            return Err(WitnessError::Fork { size, cosigned: last.root, offered: root });
        }
        verify_consistency::<H>(last.size, size, &last.root, &root, &req.proof)
            .map_err(WitnessError::InconsistentProof)?;
        let signature = self.cosigner.cosign(cp.note().text().as_bytes(), now).map_err(WitnessError::Signing)?;
        Ok(Cosigned {
            origin: head.origin.clone(),
            previous: log.state,
            state: TreeHead { size, root },
            signature: NoteSignature {
                name: self.cosigner.name().to_owned(),
                key_id: self.cosigner.key_id(),
                signature,
            },
            timestamp: now,
        })
    }

    /// Record a decision: refused (as a conflict) if the state is no longer the one it was
    /// made against.
    pub fn commit(&mut self, c: &Cosigned) -> Result<(), WitnessError> {
        let log = self.logs.get_mut(&c.origin).ok_or_else(|| WitnessError::UnknownLog(c.origin.clone()))?;
        if log.state != c.previous {
            let cosigned = log.state.map_or(0, |s| s.size);
            return Err(WitnessError::Conflict { cosigned, old: c.previous.map_or(0, |s| s.size) });
        }
        log.state = Some(c.state);
        Ok(())
    }

    /// Parse, decide and commit a request body: the whole `add-checkpoint` for a witness held
    /// in one place.
    pub fn add_checkpoint(&mut self, body: &[u8], now: u64) -> Result<Cosigned, WitnessError> {
        let req = AddCheckpoint::parse(body).map_err(WitnessError::Malformed)?;
        let c = self.evaluate(&req, now)?;
        self.commit(&c)?;
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkpoint::Checkpoint;
    use crate::hash::Sm3;
    use crate::proof::consistency_proof;
    use crate::signature::Sm2Kind;
    use crate::signature::tests::test_signer;
    use crate::tree::MemoryTree;

    const ORIGIN: &str = "yinxin.example/log";
    const NOW: u64 = 1_765_000_000;

    struct Setup {
        log: Sm2NoteSigner,
        tree: MemoryTree<Sm3>,
        witness: Witness<Sm3>,
    }

    fn setup() -> Setup {
        let log = test_signer(ORIGIN, Sm2Kind::Note, 0x11);
        let mut witness = Witness::new(test_signer("witness.example/w1", Sm2Kind::Cosignature, 0x33));
        witness.follow(ORIGIN, vec![Box::new(log.verifier())], None);
        let tree = MemoryTree::from_entries((0u32..100).map(|i| i.to_be_bytes())).unwrap();
        Setup { log, tree, witness }
    }

    impl Setup {
        fn signed(&self, size: u64) -> Vec<u8> {
            Checkpoint::new(ORIGIN, size, self.tree.root_at(size).unwrap()).sign(&self.log).unwrap().to_bytes()
        }

        fn request(&self, old: u64, size: u64) -> Vec<u8> {
            let proof = consistency_proof::<Sm3>(&self.tree, old, size).unwrap();
            AddCheckpoint { old_size: old, proof, checkpoint: self.signed(size) }.to_bytes()
        }
    }

    #[test]
    fn cosigns_a_growing_log_and_the_cosignature_verifies() {
        let mut s = setup();
        let c = s.witness.add_checkpoint(&s.request(0, 10), NOW).unwrap();
        assert_eq!(s.witness.state(ORIGIN), Some(TreeHead { size: 10, root: s.tree.root_at(10).unwrap() }));
        // The response line added to the checkpoint verifies as a cosignature.
        let mut body = s.signed(10);
        body.extend_from_slice(c.response_body().as_bytes());
        let cp = SignedCheckpoint::parse_unverified(&body).unwrap();
        let wv = s.witness.verifier();
        assert_eq!(cp.verify(&[&wv]).unwrap(), vec![0]);
        assert_eq!(wv.verify_cosignature(cp.note().text().as_bytes(), &cp.note().signatures()[1].signature), Some(NOW));
        // Then on to 37 and 100, and the same checkpoint again.
        s.witness.add_checkpoint(&s.request(10, 37), NOW + 1).unwrap();
        s.witness.add_checkpoint(&s.request(37, 100), NOW + 2).unwrap();
        s.witness.add_checkpoint(&s.request(100, 100), NOW + 3).unwrap();
        assert_eq!(s.witness.state(ORIGIN).unwrap().size, 100);
    }

    #[test]
    fn a_fork_is_refused() {
        let mut s = setup();
        s.witness.add_checkpoint(&s.request(0, 50), NOW).unwrap();
        let other = MemoryTree::<Sm3>::from_entries((0u32..50).map(|i| (i + 1).to_be_bytes())).unwrap();
        let forked = Checkpoint::new(ORIGIN, 50, other.root()).sign(&s.log).unwrap().to_bytes();
        let req = AddCheckpoint { old_size: 50, proof: vec![], checkpoint: forked };
        let err = s.witness.add_checkpoint(&req.to_bytes(), NOW).unwrap_err();
        assert!(matches!(err, WitnessError::Fork { size: 50, .. }));
        assert_eq!(err.http_status(), 422);
        assert!(err.is_misbehaviour());
        assert_eq!(s.witness.state(ORIGIN).unwrap().root, s.tree.root_at(50).unwrap());
    }

    #[test]
    fn an_inconsistent_proof_is_refused() {
        let mut s = setup();
        s.witness.add_checkpoint(&s.request(0, 50), NOW).unwrap();
        // A bigger tree that does not extend the cosigned one.
        let other = MemoryTree::<Sm3>::from_entries((0u32..80).map(|i| (i * 7).to_be_bytes())).unwrap();
        let cp = Checkpoint::new(ORIGIN, 80, other.root()).sign(&s.log).unwrap().to_bytes();
        let proof = consistency_proof::<Sm3>(&other, 50, 80).unwrap();
        let req = AddCheckpoint { old_size: 50, proof, checkpoint: cp };
        assert!(matches!(s.witness.add_checkpoint(&req.to_bytes(), NOW), Err(WitnessError::InconsistentProof(_))));
        // The right checkpoint with a flipped bit in its proof.
        let mut req = AddCheckpoint::parse(&s.request(50, 80)).unwrap();
        req.proof[0].0[3] ^= 0x40;
        assert!(matches!(s.witness.add_checkpoint(&req.to_bytes(), NOW), Err(WitnessError::InconsistentProof(_))));
        // A proof where none may be.
        let mut req = AddCheckpoint::parse(&s.request(50, 50)).unwrap();
        req.proof.push(Hash([0; 32]));
        assert!(matches!(s.witness.add_checkpoint(&req.to_bytes(), NOW), Err(WitnessError::InconsistentProof(_))));
        assert_eq!(s.witness.state(ORIGIN).unwrap().size, 50);
    }

    #[test]
    fn a_rollback_and_a_stale_old_size_are_conflicts() {
        let mut s = setup();
        s.witness.add_checkpoint(&s.request(0, 50), NOW).unwrap();
        let err = s.witness.add_checkpoint(&s.request(0, 40), NOW).unwrap_err();
        assert_eq!(err, WitnessError::Rollback { cosigned: 50, got: 40 });
        assert_eq!((err.http_status(), err.conflict_body()), (409, Some("50\n".into())));
        let err = s.witness.add_checkpoint(&s.request(20, 60), NOW).unwrap_err();
        assert_eq!(err, WitnessError::Conflict { cosigned: 50, old: 20 });
        assert_eq!(err.conflict_body(), Some("50\n".into()));
        let req = AddCheckpoint { old_size: 70, proof: vec![], checkpoint: s.signed(60) };
        let err = s.witness.add_checkpoint(&req.to_bytes(), NOW).unwrap_err();
        assert_eq!(
            (err.clone(), err.http_status()),
            (WitnessError::OldSizeBeyondCheckpoint { old: 70, size: 60 }, 400)
        );
    }

    #[test]
    fn bad_signatures_and_unknown_logs_are_refused() {
        let mut s = setup();
        // Signed by another key under the log's name: no known signature.
        let impostor = test_signer(ORIGIN, Sm2Kind::Note, 0x44);
        let cp = Checkpoint::new(ORIGIN, 10, s.tree.root_at(10).unwrap()).sign(&impostor).unwrap().to_bytes();
        let req = AddCheckpoint { old_size: 0, proof: vec![], checkpoint: cp };
        let err = s.witness.add_checkpoint(&req.to_bytes(), NOW).unwrap_err();
        assert_eq!((err.clone(), err.http_status()), (WitnessError::BadSignature(Error::NoKnownSignature), 403));
        // The log's own signature over a changed root.
        let good = String::from_utf8(s.signed(10)).unwrap();
        let root = s.tree.root_at(10).unwrap().to_base64();
        let changed = good.replace(&root, &s.tree.root_at(11).unwrap().to_base64());
        let req = AddCheckpoint { old_size: 0, proof: vec![], checkpoint: changed.into_bytes() };
        assert!(matches!(s.witness.add_checkpoint(&req.to_bytes(), NOW), Err(WitnessError::BadSignature(_))));
        // A log the witness does not follow.
        let other = test_signer("other.example/log", Sm2Kind::Note, 0x11);
        let cp = Checkpoint::new("other.example/log", 1, s.tree.root_at(1).unwrap()).sign(&other).unwrap().to_bytes();
        let req = AddCheckpoint { old_size: 0, proof: vec![], checkpoint: cp };
        let err = s.witness.add_checkpoint(&req.to_bytes(), NOW).unwrap_err();
        assert_eq!((err.clone(), err.http_status()), (WitnessError::UnknownLog("other.example/log".into()), 404));
        assert_eq!(s.witness.state(ORIGIN), None);
    }

    #[test]
    fn size_zero_needs_the_empty_root_and_no_proof() {
        let mut s = setup();
        let empty = Checkpoint::new(ORIGIN, 0, Sm3::empty_root()).sign(&s.log).unwrap().to_bytes();
        let req = AddCheckpoint { old_size: 0, proof: vec![], checkpoint: empty };
        s.witness.add_checkpoint(&req.to_bytes(), NOW).unwrap();
        let bad = Checkpoint::new(ORIGIN, 0, Hash([9; 32])).sign(&s.log).unwrap().to_bytes();
        let req = AddCheckpoint { old_size: 0, proof: vec![], checkpoint: bad };
        assert_eq!(s.witness.add_checkpoint(&req.to_bytes(), NOW), Err(WitnessError::EmptyTreeRoot));
        let mut req = AddCheckpoint::parse(&s.request(0, 5)).unwrap();
        req.proof.push(Hash([1; 32]));
        assert!(matches!(s.witness.add_checkpoint(&req.to_bytes(), NOW), Err(WitnessError::InconsistentProof(_))));
    }

    #[test]
    fn commit_refuses_a_decision_made_against_an_old_state() {
        let mut s = setup();
        let a = s.witness.evaluate(&AddCheckpoint::parse(&s.request(0, 10)).unwrap(), NOW).unwrap();
        let b = s.witness.evaluate(&AddCheckpoint::parse(&s.request(0, 20)).unwrap(), NOW).unwrap();
        s.witness.commit(&b).unwrap();
        assert_eq!(s.witness.commit(&a), Err(WitnessError::Conflict { cosigned: 20, old: 0 }));
        assert_eq!(s.witness.state(ORIGIN).unwrap().size, 20);
    }

    #[test]
    fn request_bodies_parse_strictly() {
        let s = setup();
        let body = s.request(10, 37);
        let req = AddCheckpoint::parse(&body).unwrap();
        assert_eq!(req.old_size, 10);
        assert_eq!(req.to_bytes(), body);
        for bad in [
            b"old 01\n\nx".to_vec(),
            b"old 1\nnot-base64\n\nx".to_vec(),
            b"new 1\n\nx".to_vec(),
            b"old 1\n".to_vec(),
            format!("old 1\n{}\nx", format!("{}\n", Hash([0; 32]).to_base64()).repeat(64)).into_bytes(),
        ] {
            assert!(AddCheckpoint::parse(&bad).is_err());
        }
    }
}
