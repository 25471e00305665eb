//! Offline inclusion proofs (C2SP `tlog-proof@v1`): an entry's index, its inclusion proof and
//! the (cosigned) checkpoint it leads to, in one text. It is what a verification receipt and a
//! 亮证 (presentation) bundle carry, so that a verifier with no network checks that an entry is
//! in the log that its policy trusts.
//!
//! ```text
//! c2sp.org/tlog-proof@v1
//! extra <base64>            (optional, unauthenticated)
//! index <decimal>
//! <base64 hash>             (zero or more, leaf's sibling first)
//!
//! <checkpoint, verbatim>
//! ```
//!
//! Verification ([`TlogProof::verify`]) follows the spec's steps: the leaf hash from the entry
//! the verifier holds, the checkpoint by the [`CheckpointPolicy`] (origin, log key, witness
//! quorum), then the inclusion proof against the checkpoint's size and root, never a size the
//! proof's sender states.

use crate::Error;
use crate::checkpoint::{CheckpointPolicy, HeadLines, SignedCheckpoint, parse_size, put_hash_lines};
use crate::hash::{Hash, Hasher};
use crate::proof::verify_inclusion;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;

const HEADER: &str = "c2sp.org/tlog-proof@v1";
const MAX_EXTRA: usize = 4096;
const MAX_PROOF_HASHES: usize = 64;

/// A parsed tlog-proof.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlogProof {
    /// Opaque extra data (not authenticated).
    pub extra: Option<Vec<u8>>,
    /// The entry's index.
    pub index: u64,
    /// The inclusion proof.
    pub proof: Vec<Hash>,
    /// The checkpoint, as bytes.
    pub checkpoint: Vec<u8>,
}

impl TlogProof {
    /// Parse, strictly.
    pub fn parse(bytes: &[u8]) -> Result<Self, Error> {
        let mut lines = HeadLines(bytes);
        if lines.line()? != HEADER {
            return Err(Error::MalformedNote("not a c2sp.org/tlog-proof@v1"));
        }
        let mut l = lines.line()?;
        let mut extra = None;
        if let Some(e) = l.strip_prefix("extra ") {
            if e.len() > MAX_EXTRA {
                return Err(Error::MalformedNote("tlog-proof extra data too long"));
            }
            extra = Some(B64.decode(e).map_err(|_| Error::MalformedNote("tlog-proof extra is not canonical base64"))?);
            l = lines.line()?;
        }
        let index = parse_size(l.strip_prefix("index ").ok_or(Error::MalformedNote("tlog-proof has no index line"))?)?;
        let proof = lines.hashes(MAX_PROOF_HASHES)?;
        Ok(Self { extra, index, proof, checkpoint: lines.rest() })
    }

    /// The text.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut s = format!("{HEADER}\n");
        if let Some(e) = &self.extra {
            s.push_str(&format!("extra {}\n", B64.encode(e)));
        }
        s.push_str(&format!("index {}\n", self.index));
        put_hash_lines(&mut s, &self.proof);
        let mut out = s.into_bytes();
        out.extend_from_slice(&self.checkpoint);
        out
    }

    /// Verify that `entry` is at [`TlogProof::index`] in the log `policy` trusts; returns the
    /// checkpoint it was proven against.
    pub fn verify<H: Hasher>(&self, entry: &[u8], policy: &CheckpointPolicy) -> Result<SignedCheckpoint, Error> {
        let leaf = H::hash_leaf(entry);
        let cp = policy.open(&self.checkpoint)?;
        verify_inclusion::<H>(&leaf, self.index, cp.checkpoint().size, &self.proof, &cp.checkpoint().root)?;
        Ok(cp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkpoint::Checkpoint;
    use crate::hash::Sm3;
    use crate::note::NoteSigner;
    use crate::proof::inclusion_proof;
    use crate::signature::Sm2Kind;
    use crate::signature::tests::test_signer;
    use crate::tree::MemoryTree;

    fn entries() -> Vec<Vec<u8>> {
        (0u32..1000).map(|i| format!("licence {i}").into_bytes()).collect()
    }

    fn policy(quorum: usize) -> CheckpointPolicy {
        CheckpointPolicy {
            origin: "yinxin.example/log".into(),
            log_keys: vec![Box::new(test_signer("yinxin.example/log", Sm2Kind::Note, 0x11).verifier())],
            witnesses: vec![Box::new(test_signer("w1.example", Sm2Kind::Cosignature, 0x21).verifier())],
            quorum,
        }
    }

    fn receipt(index: u64) -> TlogProof {
        let tree = MemoryTree::<Sm3>::from_entries(entries()).unwrap();
        let log = test_signer("yinxin.example/log", Sm2Kind::Note, 0x11);
        let w = test_signer("w1.example", Sm2Kind::Cosignature, 0x21);
        let mut cp = Checkpoint::new("yinxin.example/log", 1000, tree.root()).sign(&log).unwrap();
        let signature = w.cosign(cp.note().text().as_bytes(), 1_765_000_000).unwrap();
        cp.add_signature(crate::note::NoteSignature { name: w.name().into(), key_id: w.key_id(), signature }).unwrap();
        TlogProof {
            extra: None,
            index,
            proof: inclusion_proof::<Sm3>(&tree, index, 1000).unwrap(),
            checkpoint: cp.to_bytes(),
        }
    }

    #[test]
    fn a_receipt_proves_its_entry_offline() {
        let r = receipt(123);
        let parsed = TlogProof::parse(&r.to_bytes()).unwrap();
        assert_eq!(parsed, r);
        let cp = parsed.verify::<Sm3>(&entries()[123], &policy(1)).unwrap();
        assert_eq!(cp.checkpoint().size, 1000);
        let with_extra = TlogProof { extra: Some(b"context".to_vec()), ..r };
        assert_eq!(TlogProof::parse(&with_extra.to_bytes()).unwrap(), with_extra);
    }

    #[test]
    fn a_changed_entry_or_index_or_proof_fails() {
        let r = receipt(123);
        let mut changed = entries()[123].clone();
        changed[0] ^= 1;
        assert_eq!(r.verify::<Sm3>(&changed, &policy(1)), Err(Error::RootMismatch));
        assert!(r.verify::<Sm3>(&entries()[124], &policy(1)).is_err());
        let moved = TlogProof { index: 124, ..r.clone() };
        assert!(moved.verify::<Sm3>(&entries()[123], &policy(1)).is_err());
        let mut bad = r.clone();
        bad.proof[2].0[9] ^= 4;
        assert_eq!(bad.verify::<Sm3>(&entries()[123], &policy(1)), Err(Error::RootMismatch));
        // A policy wanting more witnesses than cosigned.
        let mut p = policy(2);
        p.witnesses.push(Box::new(test_signer("w2.example", Sm2Kind::Cosignature, 0x22).verifier()));
        assert_eq!(r.verify::<Sm3>(&entries()[123], &p), Err(Error::TooFewCosignatures { got: 1, need: 2 }));
    }

    #[test]
    fn malformed_proofs_are_refused() {
        let good = String::from_utf8(receipt(5).to_bytes()).unwrap();
        for bad in [
            good.replacen("tlog-proof@v1", "tlog-proof@v2", 1),
            good.replacen("index 5", "index 05", 1),
            good.replacen("index 5\n", "", 1),
            good.replacen("index 5", "extra !!\nindex 5", 1),
        ] {
            assert!(TlogProof::parse(bad.as_bytes()).is_err(), "{bad}");
        }
    }
}
