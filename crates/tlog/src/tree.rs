//! The Merkle tree of RFC 9162 §2.1: its perfect subtrees ([`NodeId`]), the [`HashReader`]
//! through which stored hashes are read, the [`CompactRange`] that appends leaves and gives the
//! root of any size without holding the tree, and [`MemoryTree`], a whole tree in memory.
//!
//! A tree of size n is left-balanced: `MTH(D[n])` splits at the largest power of two k < n. Every
//! hash a log stores or serves is the hash of a *perfect* subtree: level `l`, index `i` covers
//! leaves `[i·2^l, (i+1)·2^l)`. The root of size n, and each proof element on the tree's right
//! edge, is computed from the perfect subtrees that the binary digits of the range's size pick
//! out; nothing that depends on the tree size is ever stored, so stored hashes never change.

use crate::Error;
use crate::hash::{Hash, Hasher};
use core::marker::PhantomData;

/// A perfect subtree: `level` 0 is a leaf, level `l` covers `2^l` leaves starting at
/// `index · 2^l`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId {
    /// Height above the leaves (0..=63).
    pub level: u8,
    /// Position among the nodes of that level, from the left.
    pub index: u64,
}

impl NodeId {
    /// The node at `level`, `index`.
    pub const fn new(level: u8, index: u64) -> Self {
        Self { level, index }
    }

    /// The first leaf it covers.
    pub fn first_leaf(&self) -> u64 {
        self.index << self.level
    }

    /// One past the last leaf it covers.
    pub fn end_leaf(&self) -> u64 {
        (self.index + 1) << self.level
    }
}

/// A source of stored perfect-subtree hashes: a database table, tiles fetched over HTTP, memory.
///
/// `read_hashes` returns the hashes of `ids` in order, or [`Error::MissingHash`] naming the
/// first node it does not have. It is given the whole list at once so an implementation can
/// fetch in one batch. Implementations are synchronous and do no I/O in this crate: a caller
/// first works out what it needs ([`crate::proof::inclusion_nodes`], [`crate::tile::tiles_for`])
/// and fetches it, then builds the reader.
pub trait HashReader {
    /// The hashes of `ids`, in the same order.
    fn read_hashes(&self, ids: &[NodeId]) -> Result<Vec<Hash>, Error>;
}

impl<R: HashReader + ?Sized> HashReader for &R {
    fn read_hashes(&self, ids: &[NodeId]) -> Result<Vec<Hash>, Error> {
        (**self).read_hashes(ids)
    }
}

/// The perfect subtrees that make up the leaf range `[begin, end)`, left to right, when `begin`
/// is a multiple of a power of two at least `end - begin` (always so for the ranges the tree
/// and its proofs use: `[0, n)` and the right edge of a subtree). Sizes decrease left to right.
pub fn range_nodes(begin: u64, end: u64) -> Vec<NodeId> {
    let mut out = Vec::new();
    let mut at = begin;
    let mut left = end - begin;
    while left > 0 {
        let level = 63 - left.leading_zeros();
        out.push(NodeId::new(level as u8, at >> level));
        at += 1u64 << level;
        left -= 1u64 << level;
    }
    out
}

/// The perfect subtrees whose hashes give the root of a tree of `size` leaves.
pub fn root_nodes(size: u64) -> Vec<NodeId> {
    range_nodes(0, size)
}

/// MTH of a range from the hashes of its [`range_nodes`], folded from the right: the
/// left-balanced split of RFC 9162 §2.1.1 for a range aligned as `range_nodes` requires.
/// The empty range has no defined hash here (the empty tree's root is [`Hasher::empty_root`]).
pub fn fold_right<H: Hasher>(hashes: &[Hash]) -> Option<Hash> {
    let (last, rest) = hashes.split_last()?;
    Some(rest.iter().rev().fold(*last, |acc, h| H::hash_children(h, &acc)))
}

/// The root of the tree of `size` leaves, from stored hashes.
pub fn root_from<H: Hasher>(reader: &impl HashReader, size: u64) -> Result<Hash, Error> {
    if size == 0 {
        return Ok(H::empty_root());
    }
    let hashes = reader.read_hashes(&root_nodes(size))?;
    fold_right::<H>(&hashes).ok_or(Error::MissingHash(NodeId::new(0, 0)))
}

/// MTH by the recursive definition of RFC 9162 §2.1.1 over leaf hashes, for tests and small
/// trees: the reference the faster code is checked against.
pub fn mth_of_leaf_hashes<H: Hasher>(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => H::empty_root(),
        1 => leaves[0],
        n => {
            let k = 1usize << (usize::BITS - 1 - (n - 1).leading_zeros());
            H::hash_children(&mth_of_leaf_hashes::<H>(&leaves[..k]), &mth_of_leaf_hashes::<H>(&leaves[k..]))
        }
    }
}

/// The right edge of a tree being appended to (a "compact range" over `[0, size)`): one hash
/// per set bit of `size`, so memory is O(log n) whatever the size, and the root of any size up
/// to 2^64 − 1 is computed in one pass over the leaves.
///
/// [`CompactRange::append`] reports every perfect subtree that the new leaf completes, in
/// order from the leaf up; that is how a sequencer learns which hashes to store and which tiles
/// change (see [`crate::tile::TileBatch`]).
#[derive(Clone, PartialEq, Eq)]
pub struct CompactRange<H: Hasher> {
    size: u64,
    /// The perfect subtrees of [`root_nodes`]`(size)`, left (largest) to right.
    hashes: Vec<Hash>,
    _h: PhantomData<H>,
}

impl<H: Hasher> core::fmt::Debug for CompactRange<H> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CompactRange").field("hash", &H::NAME).field("size", &self.size).finish()
    }
}

impl<H: Hasher> Default for CompactRange<H> {
    fn default() -> Self {
        Self::new()
    }
}

impl<H: Hasher> CompactRange<H> {
    /// The empty tree.
    pub fn new() -> Self {
        Self { size: 0, hashes: Vec::new(), _h: PhantomData }
    }

    /// The range of a tree of `size` leaves, from stored hashes.
    pub fn from_reader(reader: &impl HashReader, size: u64) -> Result<Self, Error> {
        let hashes = if size == 0 { Vec::new() } else { reader.read_hashes(&root_nodes(size))? };
        Ok(Self { size, hashes, _h: PhantomData })
    }

    /// The range from the hashes of [`root_nodes`]`(size)`, as read from a store.
    pub fn from_parts(size: u64, hashes: Vec<Hash>) -> Result<Self, Error> {
        if hashes.len() != size.count_ones() as usize {
            return Err(Error::CompactRangeShape { size, hashes: hashes.len() });
        }
        Ok(Self { size, hashes, _h: PhantomData })
    }

    /// The number of leaves.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The hashes of [`root_nodes`]`(self.size())`.
    pub fn hashes(&self) -> &[Hash] {
        &self.hashes
    }

    /// Append one leaf hash; `visit` is called with each perfect subtree completed (the leaf
    /// itself first, at level 0).
    pub fn append(&mut self, leaf: Hash, mut visit: impl FnMut(NodeId, &Hash)) -> Result<(), Error> {
        if self.size == u64::MAX {
            return Err(Error::TreeFull);
        }
        let index = self.size;
        visit(NodeId::new(0, index), &leaf);
        let mut h = leaf;
        // Each trailing one bit of the old size is a left sibling that now has its right half.
        let merges = index.trailing_ones();
        for level in 0..merges {
            let left = self.hashes.pop().ok_or(Error::TreeFull)?;
            h = H::hash_children(&left, &h);
            visit(NodeId::new((level + 1) as u8, index >> (level + 1)), &h);
        }
        self.hashes.push(h);
        self.size += 1;
        Ok(())
    }

    /// Append a leaf hash, ignoring which nodes it completes.
    pub fn push(&mut self, leaf: Hash) -> Result<(), Error> {
        self.append(leaf, |_, _| {})
    }

    /// The root of the tree so far (the empty root for size 0).
    pub fn root(&self) -> Hash {
        fold_right::<H>(&self.hashes).unwrap_or_else(H::empty_root)
    }
}

/// A whole tree in memory: every perfect subtree's hash, level by level. For tests, for the
/// witness and monitor of a small log, and as the model the stores are checked against.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct MemoryTree<H: Hasher> {
    /// `levels[l][i]` is the hash of `NodeId { level: l, index: i }`.
    levels: Vec<Vec<Hash>>,
    range: CompactRange<H>,
}

impl<H: Hasher> core::fmt::Debug for MemoryTree<H> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MemoryTree").field("hash", &H::NAME).field("size", &self.size()).finish()
    }
}

impl<H: Hasher> MemoryTree<H> {
    /// The empty tree.
    pub fn new() -> Self {
        Self { levels: Vec::new(), range: CompactRange::new() }
    }

    /// A tree of the given entries.
    pub fn from_entries<D: AsRef<[u8]>>(entries: impl IntoIterator<Item = D>) -> Result<Self, Error> {
        let mut t = Self::new();
        for e in entries {
            t.append_entry(e.as_ref())?;
        }
        Ok(t)
    }

    /// Append an entry (its leaf hash is computed here); returns its index.
    pub fn append_entry(&mut self, entry: &[u8]) -> Result<u64, Error> {
        self.append_leaf_hash(H::hash_leaf(entry))
    }

    /// Append a leaf hash; returns its index.
    pub fn append_leaf_hash(&mut self, leaf: Hash) -> Result<u64, Error> {
        let index = self.range.size();
        let levels = &mut self.levels;
        self.range.append(leaf, |id, h| {
            let l = usize::from(id.level);
            if levels.len() <= l {
                levels.push(Vec::new());
            }
            levels[l].push(*h);
        })?;
        Ok(index)
    }

    /// The number of leaves.
    pub fn size(&self) -> u64 {
        self.range.size()
    }

    /// The current root.
    pub fn root(&self) -> Hash {
        self.range.root()
    }

    /// The root at an earlier size.
    pub fn root_at(&self, size: u64) -> Result<Hash, Error> {
        if size > self.size() {
            return Err(Error::SizeBeyondTree { size, tree_size: self.size() });
        }
        root_from::<H>(self, size)
    }

    /// The leaf hash at `index`.
    pub fn leaf_hash(&self, index: u64) -> Option<Hash> {
        self.node(NodeId::new(0, index))
    }

    /// One stored node.
    pub fn node(&self, id: NodeId) -> Option<Hash> {
        let i = usize::try_from(id.index).ok()?;
        self.levels.get(usize::from(id.level))?.get(i).copied()
    }
}

impl<H: Hasher> HashReader for MemoryTree<H> {
    fn read_hashes(&self, ids: &[NodeId]) -> Result<Vec<Hash>, Error> {
        ids.iter().map(|id| self.node(*id).ok_or(Error::MissingHash(*id))).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::Sm3;

    #[test]
    fn range_nodes_follow_the_bits_of_the_size() {
        assert_eq!(root_nodes(0), vec![]);
        assert_eq!(root_nodes(1), vec![NodeId::new(0, 0)]);
        assert_eq!(root_nodes(6), vec![NodeId::new(2, 0), NodeId::new(1, 2)]);
        assert_eq!(root_nodes(7), vec![NodeId::new(2, 0), NodeId::new(1, 2), NodeId::new(0, 6)]);
        assert_eq!(range_nodes(8, 13), vec![NodeId::new(2, 2), NodeId::new(0, 12)]);
    }

    #[test]
    fn compact_range_matches_the_recursive_definition() {
        let mut leaves = Vec::new();
        let mut range = CompactRange::<Sm3>::new();
        assert_eq!(range.root(), Sm3::empty_root());
        for i in 0u32..300 {
            let leaf = Sm3::hash_leaf(&i.to_be_bytes());
            leaves.push(leaf);
            range.push(leaf).unwrap();
            assert_eq!(range.root(), mth_of_leaf_hashes::<Sm3>(&leaves), "size {}", i + 1);
            assert_eq!(range.hashes().len(), (i + 1).count_ones() as usize);
        }
    }

    #[test]
    fn append_reports_each_completed_node_once() {
        let mut range = CompactRange::<Sm3>::new();
        let mut seen = Vec::new();
        for i in 0u64..8 {
            range.append(Sm3::hash_leaf(&i.to_be_bytes()), |id, _| seen.push(id)).unwrap();
        }
        assert_eq!(seen.len(), 15);
        assert_eq!(seen.last(), Some(&NodeId::new(3, 0)));
        assert_eq!(seen[..3], [NodeId::new(0, 0), NodeId::new(0, 1), NodeId::new(1, 0)]);
    }

    #[test]
    fn memory_tree_roots_at_every_size() {
        let t = MemoryTree::<Sm3>::from_entries((0u16..100).map(|i| i.to_be_bytes())).unwrap();
        let leaves: Vec<Hash> = (0..100).map(|i| t.leaf_hash(i).unwrap()).collect();
        for n in 0..=100 {
            assert_eq!(t.root_at(n).unwrap(), mth_of_leaf_hashes::<Sm3>(&leaves[..n as usize]));
        }
        assert!(matches!(t.root_at(101), Err(Error::SizeBeyondTree { .. })));
        let rebuilt = CompactRange::<Sm3>::from_reader(&t, 77).unwrap();
        assert_eq!(rebuilt.root(), t.root_at(77).unwrap());
    }
}
