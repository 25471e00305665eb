//! Inclusion proofs (RFC 9162 §2.1.3) and consistency proofs (§2.1.4): which stored hashes a
//! proof is made of, building it from a [`HashReader`], and verifying it with the RFC's own
//! algorithms (§2.1.3.2 and §2.1.4.2), step for step.
//!
//! A proof element is the hash of a subtree of the tree at the proof's size. All but at most one
//! are perfect subtrees, read as stored; the one on the tree's right edge, when that edge cuts
//! it, is *ephemeral*: computed from the perfect subtrees of its range ([`ProofNodes`] says
//! which). So a proof for any size is made from hashes that never change once written.
//!
//! Verification takes the tree size from the caller, who must have it from a verified
//! checkpoint, never from whoever sent the proof: a path whose shape fits two sizes verifies in
//! both (leaf 0 of size 3 and of size 4).

use crate::Error;
use crate::hash::{Hash, Hasher};
use crate::tree::{HashReader, NodeId, fold_right, range_nodes};
use core::ops::Range;

/// The stored hashes a proof is made from, and how: `ids` in proof order, except that the
/// hashes at `ephemeral` (a run of perfect subtrees on the right edge) fold into one element.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProofNodes {
    ids: Vec<NodeId>,
    ephemeral: Option<Range<usize>>,
}

impl ProofNodes {
    /// The perfect subtrees to read, in order.
    pub fn ids(&self) -> &[NodeId] {
        &self.ids
    }

    /// The number of hashes in the finished proof.
    pub fn proof_len(&self) -> usize {
        match &self.ephemeral {
            Some(r) => self.ids.len() - r.len() + 1,
            None => self.ids.len(),
        }
    }

    /// The proof from the hashes of [`ProofNodes::ids`], read in that order.
    pub fn rehash<H: Hasher>(&self, hashes: Vec<Hash>) -> Result<Vec<Hash>, Error> {
        if hashes.len() != self.ids.len() {
            return Err(Error::ProofLength { expected: self.ids.len(), got: hashes.len() });
        }
        let Some(r) = self.ephemeral.clone() else { return Ok(hashes) };
        let folded = fold_right::<H>(&hashes[r.clone()]).ok_or(Error::ProofLength { expected: 1, got: 0 })?;
        let mut out = Vec::with_capacity(self.proof_len());
        out.extend_from_slice(&hashes[..r.start]);
        out.push(folded);
        out.extend_from_slice(&hashes[r.end..]);
        Ok(out)
    }

    /// The path from the node at (`level`, `index`) up to the root of a tree of `size` leaves:
    /// its siblings, bottom up. The node must lie inside the tree.
    fn push_path(&mut self, level: u8, index: u64, size: u64) {
        let last = (size - 1) >> level;
        // Below `inner`, the node's ancestors are whole inside the tree, so its siblings are
        // perfect; at `inner - 1` the sibling may be cut by the right edge; above, the node is
        // on the right edge and its only siblings are perfect subtrees to its left.
        let inner = u64::BITS - (index ^ last).leading_zeros();
        for l in 0..inner {
            let lvl = level as u32 + l;
            let sibling = (index >> l) ^ 1;
            let begin = sibling << lvl;
            let full = 1u64 << lvl;
            let end = if size - begin > full { begin + full } else { size };
            if end - begin == full {
                self.ids.push(NodeId::new(lvl as u8, sibling));
            } else {
                let start = self.ids.len();
                self.ids.extend(range_nodes(begin, end));
                self.ephemeral = Some(start..self.ids.len());
            }
        }
        let mut l = inner;
        while l < 64 && (index >> l) != 0 {
            if (index >> l) & 1 == 1 {
                self.ids.push(NodeId::new((level as u32 + l) as u8, (index >> l) ^ 1));
            }
            l += 1;
        }
    }
}

/// The nodes of the inclusion proof of leaf `index` in the tree of `size` leaves
/// (`PATH(m, D[n])` of RFC 9162 §2.1.3.1).
pub fn inclusion_nodes(index: u64, size: u64) -> Result<ProofNodes, Error> {
    if index >= size {
        return Err(Error::LeafIndexOutOfRange { index, size });
    }
    let mut p = ProofNodes::default();
    p.push_path(0, index, size);
    Ok(p)
}

/// The nodes of the consistency proof from size `old` to size `new`
/// (`PROOF(m, D[n])` of RFC 9162 §2.1.4.1). Empty when `old` is 0 or equals `new`.
pub fn consistency_nodes(old: u64, new: u64) -> Result<ProofNodes, Error> {
    if old > new {
        return Err(Error::SizesOutOfOrder { old, new });
    }
    let mut p = ProofNodes::default();
    if old == 0 || old == new {
        return Ok(p);
    }
    // The last perfect subtree of the old tree's right edge. When it is the whole old tree
    // (old a power of two) the verifier has it already as the old root, and it is left out
    // (SUBPROOF's b = true).
    let level = old.trailing_zeros();
    let index = (old >> level) - 1;
    if index != 0 {
        p.ids.push(NodeId::new(level as u8, index));
    }
    p.push_path(level as u8, index, new);
    Ok(p)
}

/// Build the inclusion proof of leaf `index` in the tree of `size` leaves.
pub fn inclusion_proof<H: Hasher>(reader: &impl HashReader, index: u64, size: u64) -> Result<Vec<Hash>, Error> {
    let nodes = inclusion_nodes(index, size)?;
    nodes.rehash::<H>(reader.read_hashes(nodes.ids())?)
}

/// Build the consistency proof from size `old` to size `new`.
pub fn consistency_proof<H: Hasher>(reader: &impl HashReader, old: u64, new: u64) -> Result<Vec<Hash>, Error> {
    let nodes = consistency_nodes(old, new)?;
    nodes.rehash::<H>(reader.read_hashes(nodes.ids())?)
}

/// The length of a correct inclusion proof.
pub fn inclusion_proof_len(index: u64, size: u64) -> Result<usize, Error> {
    Ok(inclusion_nodes(index, size)?.proof_len())
}

/// Verify an inclusion proof by RFC 9162 §2.1.3.2: `leaf_hash` is leaf `index` of the tree of
/// `size` leaves whose root is `root`.
pub fn verify_inclusion<H: Hasher>(
    leaf_hash: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), Error> {
    let computed = root_from_inclusion::<H>(leaf_hash, index, size, proof)?;
    if computed != *root {
        return Err(Error::RootMismatch);
    }
    Ok(())
}

/// The root an inclusion proof leads to (RFC 9162 §2.1.3.2 steps 1–5), for a caller that
/// compares it with several roots.
pub fn root_from_inclusion<H: Hasher>(leaf_hash: &Hash, index: u64, size: u64, proof: &[Hash]) -> Result<Hash, Error> {
    // Step 1.
    if index >= size {
        return Err(Error::LeafIndexOutOfRange { index, size });
    }
    let expected = inclusion_proof_len(index, size)?;
    if proof.len() != expected {
        return Err(Error::ProofLength { expected, got: proof.len() });
    }
    // Steps 2–3.
    let (mut fn_, mut sn) = (index, size - 1);
    let mut r = *leaf_hash;
    // Step 4.
    for p in proof {
        if sn == 0 {
            return Err(Error::ProofLength { expected, got: proof.len() });
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = H::hash_children(p, &r);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            r = H::hash_children(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    // Step 5.
    if sn != 0 {
        return Err(Error::ProofLength { expected, got: proof.len() });
    }
    Ok(r)
}

/// The length of a correct consistency proof.
pub fn consistency_proof_len(old: u64, new: u64) -> Result<usize, Error> {
    Ok(consistency_nodes(old, new)?.proof_len())
}

/// Verify a consistency proof by RFC 9162 §2.1.4.2: the tree of `new` leaves with root
/// `new_root` extends the tree of `old` leaves with root `old_root`.
///
/// The RFC's algorithm covers 0 < old < new. The edges, as RFC 9162 §2.1.4.1 implies: for
/// `old == new` the proof is empty and the roots are equal; for `old == 0` the proof is empty
/// and `old_root` must be the empty tree's root (stricter than some implementations, which
/// take any old root: a size-0 checkpoint with another root is malformed).
pub fn verify_consistency<H: Hasher>(
    old: u64,
    new: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), Error> {
    let expected = consistency_proof_len(old, new)?;
    if proof.len() != expected {
        return Err(Error::ProofLength { expected, got: proof.len() });
    }
    if old == 0 {
        if *old_root != H::empty_root() {
            return Err(Error::OldRootMismatch);
        }
        if new == 0 && *new_root != H::empty_root() {
            return Err(Error::RootMismatch);
        }
        return Ok(());
    }
    if old == new {
        return if old_root == new_root { Ok(()) } else { Err(Error::RootMismatch) };
    }
    // Step 1 is the length check above. Step 2: a power-of-two old size starts from its root.
    let mut path = proof.iter();
    let first =
        if old.is_power_of_two() { *old_root } else { *path.next().ok_or(Error::ProofLength { expected, got: 0 })? };
    // Step 3.
    let (mut fn_, mut sn) = (old - 1, new - 1);
    // Step 4.
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    // Step 5.
    let (mut fr, mut sr) = (first, first);
    // Step 6.
    for c in path {
        if sn == 0 {
            return Err(Error::ProofLength { expected, got: proof.len() });
        }
        if fn_ & 1 == 1 || fn_ == sn {
            fr = H::hash_children(c, &fr);
            sr = H::hash_children(c, &sr);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            sr = H::hash_children(&sr, c);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    // Step 7.
    if sn != 0 {
        return Err(Error::ProofLength { expected, got: proof.len() });
    }
    if fr != *old_root {
        return Err(Error::OldRootMismatch);
    }
    if sr != *new_root {
        return Err(Error::RootMismatch);
    }
    Ok(())
}
