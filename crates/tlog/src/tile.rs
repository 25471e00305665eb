//! Tiles (C2SP `tlog-tiles`): the tree served as static, immutable, cacheable files.
//!
//! A tile at level `L`, index `N` holds 256 consecutive hashes of tree level `8·L`: at level 0
//! leaf hashes, above that the roots of full tiles of the level below. Its path is
//! `tile/<L>/<N>`, `N` written in 3-digit groups, every group but the last prefixed `x`
//! (1234067 → `x001/x234/067`). The rightmost tile of a level is usually *partial*, `W` < 256
//! hashes, at `tile/<L>/<N>.p/<W>`; a partial tile is a prefix of the full tile it becomes and
//! is never hashed into the level above. Entries are served the same way as *entry bundles*,
//! `tile/entries/<N>[.p/<W>]`: each entry as a big-endian u16 length and the bytes, so an
//! entry is at most 65,535 bytes.
//!
//! The spec fixes SHA-256; yinxin's logs use the same layout over SM3 (the tree hash is the
//! log's, [`crate::Hasher`]), and say so in their documentation.
//!
//! What is here: coordinates and paths ([`TileId`], [`BundleId`], [`TilePath`]); which tiles a
//! proof or a root needs ([`tiles_for`]); a [`TileSet`] that serves as a
//! [`HashReader`] for proofs and checks every tile it holds against a checkpoint's root; and
//! [`tiles_after_append`] / [`bundles_after_append`], which give the tiles and bundles a batch
//! of new leaves creates or changes. Fetching and storing is the caller's.

use crate::Error;
use crate::hash::{HASH_SIZE, Hash, Hasher};
use crate::tree::{CompactRange, HashReader, NodeId, mth_of_leaf_hashes, root_from};
use std::collections::BTreeMap;
use std::marker::PhantomData;

/// The height of a tile: 8 tree levels.
pub const TILE_HEIGHT: u32 = 8;
/// The number of hashes (or entries) in a full tile (or bundle).
pub const TILE_WIDTH: u64 = 256;
/// The largest tile level the spec allows.
pub const MAX_TILE_LEVEL: u8 = 63;
/// The largest entry an entry bundle can carry.
pub const MAX_ENTRY_SIZE: usize = u16::MAX as usize;

/// A tile of hashes: level (of tiles, not of the tree), index, width (1..=256).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileId {
    /// Tile level: the tile holds hashes of tree level `8 · level`.
    pub level: u8,
    /// Index within the level.
    pub index: u64,
    /// Number of hashes, 256 for a full tile.
    pub width: u16,
}

/// An entry bundle: index and width (1..=256).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BundleId {
    /// Index: the bundle holds entries `[256 · index, 256 · index + width)`.
    pub index: u64,
    /// Number of entries, 256 for a full bundle.
    pub width: u16,
}

/// A path under `tile/`, parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TilePath {
    /// `tile/<L>/<N>[.p/<W>]`.
    Hashes(TileId),
    /// `tile/entries/<N>[.p/<W>]`.
    Entries(BundleId),
}

/// The number of hashes at tile level `level` in a tree of `size` leaves.
fn hashes_at(level: u8, size: u64) -> u64 {
    let shift = TILE_HEIGHT * u32::from(level);
    if shift >= 64 { 0 } else { size >> shift }
}

/// The width tile (`level`, `index`) has in a tree of `size` leaves, if it exists there.
pub fn tile_width(level: u8, index: u64, size: u64) -> Option<u16> {
    let count = hashes_at(level, size);
    let full = count / TILE_WIDTH;
    if index < full {
        Some(TILE_WIDTH as u16)
    } else if index == full && !count.is_multiple_of(TILE_WIDTH) {
        Some((count % TILE_WIDTH) as u16)
    } else {
        None
    }
}

impl TileId {
    /// The tile (`level`, `index`) as it is in a tree of `size` leaves.
    pub fn in_tree(level: u8, index: u64, size: u64) -> Option<Self> {
        Some(Self { level, index, width: tile_width(level, index, size)? })
    }

    /// Whether the tile is full.
    pub fn is_full(&self) -> bool {
        u64::from(self.width) == TILE_WIDTH
    }

    /// The path under the log's prefix: `tile/<L>/<N>[.p/<W>]`.
    pub fn path(&self) -> String {
        format!("tile/{}/{}", self.level, index_path(self.index, self.width))
    }

    /// The tree node whose hash the tile's hashes combine to, when the tile is full.
    pub fn node(&self) -> NodeId {
        NodeId::new(((u32::from(self.level) + 1) * TILE_HEIGHT).min(63) as u8, self.index)
    }
}

impl BundleId {
    /// The bundle `index` as it is in a tree of `size` leaves.
    pub fn in_tree(index: u64, size: u64) -> Option<Self> {
        Some(Self { index, width: tile_width(0, index, size)? })
    }

    /// The path under the log's prefix: `tile/entries/<N>[.p/<W>]`.
    pub fn path(&self) -> String {
        format!("tile/entries/{}", index_path(self.index, self.width))
    }

    /// The index of the bundle's first entry.
    pub fn first_entry(&self) -> u64 {
        self.index * TILE_WIDTH
    }
}

/// `N` in 3-digit groups, `x` before all but the last, then `.p/<W>` for a partial width.
fn index_path(index: u64, width: u16) -> String {
    let mut groups = Vec::new();
    let mut n = index;
    loop {
        groups.push(n % 1000);
        n /= 1000;
        if n == 0 {
            break;
        }
    }
    let mut s = String::new();
    for (i, g) in groups.iter().rev().enumerate() {
        if i + 1 < groups.len() {
            s.push_str(&format!("x{g:03}/"));
        } else {
            s.push_str(&format!("{g:03}"));
        }
    }
    if u64::from(width) != TILE_WIDTH {
        s.push_str(&format!(".p/{width}"));
    }
    s
}

impl TilePath {
    /// Parse a path under the prefix (`tile/…`), strictly: the one spelling `path()` writes.
    pub fn parse(path: &str) -> Result<Self, Error> {
        let rest = path.strip_prefix("tile/").ok_or(Error::InvalidTile("path does not start with tile/"))?;
        let (head, rest) = rest.split_once('/').ok_or(Error::InvalidTile("no index"))?;
        let (index, width) = parse_index(rest)?;
        if head == "entries" {
            return Ok(Self::Entries(BundleId { index, width }));
        }
        let level = parse_decimal(head, 2).ok_or(Error::InvalidTile("level is not a decimal 0..=63"))?;
        if level > u64::from(MAX_TILE_LEVEL) {
            return Err(Error::InvalidTile("level is not a decimal 0..=63"));
        }
        Ok(Self::Hashes(TileId { level: level as u8, index, width }))
    }
}

/// A decimal of at most `max_digits` digits without leading zeros.
fn parse_decimal(s: &str, max_digits: usize) -> Option<u64> {
    if s.is_empty()
        || s.len() > max_digits
        || !s.bytes().all(|b| b.is_ascii_digit())
        || (s.len() > 1 && s.starts_with('0'))
    {
        return None;
    }
    s.parse().ok()
}

fn parse_index(s: &str) -> Result<(u64, u16), Error> {
    let (groups, width) = match s.split_once(".p/") {
        Some((g, w)) => {
            let w = parse_decimal(w, 3).filter(|w| (1..TILE_WIDTH).contains(w));
            (g, w.ok_or(Error::InvalidTile("partial width is not 1..=255"))? as u16)
        }
        None => (s, TILE_WIDTH as u16),
    };
    let parts: Vec<&str> = groups.split('/').collect();
    if parts.len() > 7 {
        return Err(Error::InvalidTile("index too long"));
    }
    let mut index: u64 = 0;
    for (i, p) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        let digits = if last { *p } else { p.strip_prefix('x').ok_or(Error::InvalidTile("index group lacks x"))? };
        if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::InvalidTile("index group is not 3 digits"));
        }
        if i == 0 && !last && digits == "000" {
            return Err(Error::InvalidTile("index has a leading zero group"));
        }
        let g: u64 = digits.parse().map_err(|_| Error::InvalidTile("index group"))?;
        index = index
            .checked_mul(1000)
            .and_then(|v| v.checked_add(g))
            .ok_or(Error::InvalidTile("index does not fit in 64 bits"))?;
    }
    Ok((index, width))
}

/// A tile's hashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tile {
    id: TileId,
    hashes: Vec<Hash>,
}

impl Tile {
    /// A tile from its hashes (1..=256 of them).
    pub fn new(level: u8, index: u64, hashes: Vec<Hash>) -> Result<Self, Error> {
        if hashes.is_empty() || hashes.len() as u64 > TILE_WIDTH || level > MAX_TILE_LEVEL {
            return Err(Error::InvalidTile("a tile holds 1..=256 hashes"));
        }
        Ok(Self { id: TileId { level, index, width: hashes.len() as u16 }, hashes })
    }

    /// A tile from its served bytes, which must be exactly `id.width` hashes.
    pub fn from_bytes(id: TileId, bytes: &[u8]) -> Result<Self, Error> {
        let expected = usize::from(id.width) * HASH_SIZE;
        if id.width == 0 || u64::from(id.width) > TILE_WIDTH || bytes.len() != expected {
            return Err(Error::TileLength { expected, got: bytes.len() });
        }
        let hashes = bytes.chunks_exact(HASH_SIZE).filter_map(Hash::from_slice).collect();
        Self::new(id.level, id.index, hashes)
    }

    /// The bytes to serve.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.hashes.iter().flat_map(|h| h.0).collect()
    }

    /// Its coordinates.
    pub fn id(&self) -> TileId {
        self.id
    }

    /// Its hashes.
    pub fn hashes(&self) -> &[Hash] {
        &self.hashes
    }

    /// The partial tile of `width` this tile extends (a full tile stands in for the partial
    /// one a smaller tree needs, since partial tiles are prefixes).
    pub fn prefix(&self, width: u16) -> Result<Self, Error> {
        if width == 0 || width > self.id.width {
            return Err(Error::InvalidTile("prefix wider than the tile"));
        }
        Self::new(self.id.level, self.id.index, self.hashes[..usize::from(width)].to_vec())
    }
}

/// The tiles of a tree of `size` leaves that hold the stored hashes `nodes` need, sorted and
/// without repeats, each with the width it has at that size. A node outside the tree is an
/// error ([`Error::MissingHash`]).
pub fn tiles_for(nodes: &[NodeId], size: u64) -> Result<Vec<TileId>, Error> {
    let mut out = Vec::new();
    for node in nodes {
        let (id, _, _) = locate(*node, size)?;
        out.push(id);
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// `ids` and the tiles above each full tile among them, up to the partial tiles: the set
/// [`TileSet::verify`] needs to authenticate `ids` against a root.
pub fn with_ancestors(ids: &[TileId], size: u64) -> Vec<TileId> {
    let mut out: Vec<TileId> = ids.to_vec();
    let mut i = 0;
    while i < out.len() {
        let id = out[i];
        if id.is_full()
            && let Some(up) = TileId::in_tree(id.level + 1, id.index / TILE_WIDTH, size)
            && !out.contains(&up)
        {
            out.push(up);
        }
        i += 1;
    }
    out.sort();
    out.dedup();
    out
}

/// Where a node's hash comes from: the tile, the first hash in it, and how many (2^r) to fold.
fn locate(node: NodeId, size: u64) -> Result<(TileId, usize, usize), Error> {
    let level = (u32::from(node.level) / TILE_HEIGHT) as u8;
    let r = u32::from(node.level) % TILE_HEIGHT;
    let first = node.index.checked_shl(r).filter(|f| f >> r == node.index).ok_or(Error::MissingHash(node))?;
    let id = TileId::in_tree(level, first / TILE_WIDTH, size).ok_or(Error::MissingHash(node))?;
    let start = (first % TILE_WIDTH) as usize;
    let count = 1usize << r;
    if start + count > usize::from(id.width) {
        return Err(Error::MissingHash(node));
    }
    Ok((id, start, count))
}

/// Tiles of one tree size, fetched by a witness, monitor or verifier: a [`HashReader`] for
/// proofs at that size, and a check of every tile against the checkpoint's root.
#[derive(Clone, PartialEq, Eq)]
pub struct TileSet<H: Hasher> {
    size: u64,
    tiles: BTreeMap<(u8, u64), Tile>,
    _h: PhantomData<H>,
}

impl<H: Hasher> core::fmt::Debug for TileSet<H> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TileSet").field("size", &self.size).field("tiles", &self.tiles.len()).finish()
    }
}

impl<H: Hasher> TileSet<H> {
    /// An empty set for the tree of `size` leaves.
    pub fn new(size: u64) -> Self {
        Self { size, tiles: BTreeMap::new(), _h: PhantomData }
    }

    /// The tree size.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Add a tile. Its width must be the one the tile has at this size; a full tile given for a
    /// partial slot is cut to its prefix.
    pub fn insert(&mut self, tile: Tile) -> Result<(), Error> {
        let id = tile.id();
        let want = tile_width(id.level, id.index, self.size).ok_or(Error::InvalidTile("tile is outside the tree"))?;
        let tile = if id.width == want {
            tile
        } else if id.width > want {
            tile.prefix(want)?
        } else {
            return Err(Error::InvalidTile("tile is narrower than the tree needs"));
        };
        self.tiles.insert((id.level, id.index), tile);
        Ok(())
    }

    /// Add a tile from its served bytes.
    pub fn insert_bytes(&mut self, id: TileId, bytes: &[u8]) -> Result<(), Error> {
        self.insert(Tile::from_bytes(id, bytes)?)
    }

    /// The tile at (`level`, `index`), if held.
    pub fn get(&self, level: u8, index: u64) -> Option<&Tile> {
        self.tiles.get(&(level, index))
    }

    /// The tiles held.
    pub fn tiles(&self) -> impl Iterator<Item = &Tile> {
        self.tiles.values()
    }

    /// Check every tile held against `root`, the verified checkpoint's root at this size: the
    /// tiles on the right edge give the root, and each full tile hashes to the entry the tile
    /// above holds for it (which must be held too). After this, every hash in the set is
    /// authenticated by the checkpoint.
    pub fn verify(&self, root: &Hash) -> Result<(), Error> {
        if root_from::<H>(self, self.size)? != *root {
            return Err(Error::RootMismatch);
        }
        for tile in self.tiles.values() {
            let id = tile.id();
            if !id.is_full() {
                continue; // Folded into the root above; never hashed into the level above.
            }
            let above = self.read_hashes(&[id.node()])?;
            if mth_of_leaf_hashes::<H>(tile.hashes()) != above[0] {
                return Err(Error::TileMismatch { level: id.level, index: id.index });
            }
        }
        Ok(())
    }

    /// Check an entry bundle against the level-0 tile it belongs to (which should have been
    /// checked with [`TileSet::verify`]): same width, and each entry's leaf hash equal to the
    /// tile's hash at its place.
    pub fn verify_bundle(&self, id: BundleId, bundle: &EntryBundle) -> Result<(), Error> {
        let tile = self.get(0, id.index).ok_or(Error::InvalidBundle("its level-0 tile is not held"))?;
        if usize::from(tile.id().width) != bundle.len() || id.width != tile.id().width {
            return Err(Error::InvalidBundle("width differs from the level-0 tile"));
        }
        for (e, h) in bundle.entries().iter().zip(tile.hashes()) {
            if H::hash_leaf(e) != *h {
                return Err(Error::InvalidBundle("an entry does not hash to its tile's leaf hash"));
            }
        }
        Ok(())
    }
}

impl<H: Hasher> HashReader for TileSet<H> {
    fn read_hashes(&self, ids: &[NodeId]) -> Result<Vec<Hash>, Error> {
        ids.iter()
            .map(|node| {
                let (id, start, count) = locate(*node, self.size)?;
                let tile = self.tiles.get(&(id.level, id.index)).ok_or(Error::MissingHash(*node))?;
                Ok(mth_of_leaf_hashes::<H>(&tile.hashes()[start..start + count]))
            })
            .collect()
    }
}

/// The tiles a batch of leaves changes, and the tree it makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TileBatch {
    /// The size after the batch.
    pub size: u64,
    /// The root after the batch.
    pub root: Hash,
    /// Every tile created or extended (full or partial, at its new width), by level then index.
    pub tiles: Vec<Tile>,
}

/// The tiles a writer must read before appending to a tree of `old_size` leaves: the partial
/// tile of every level (they hold the right edge and are the tiles a batch extends). Put them
/// in a [`TileSet`] of `old_size` and pass it to [`tiles_after_append`].
pub fn tiles_for_append(old_size: u64) -> Vec<TileId> {
    // Tree levels 0..=63 lie in tile levels 0..=7.
    (0..8u8)
        .filter_map(|level| {
            let count = hashes_at(level, old_size);
            TileId::in_tree(level, count / TILE_WIDTH, old_size)
        })
        .collect()
}

/// Append `leaf_hashes` to the tree of `old_size` leaves whose stored hashes `old` reads (for
/// example a [`TileSet`] of the tiles [`tiles_for_append`] names) and return the tiles to write: each new full
/// tile and each partial tile at its new width, in the order a writer should store them (lower
/// levels first, so that a reader never finds a tile above whose tiles below are missing).
pub fn tiles_after_append<H: Hasher>(
    old: &impl HashReader,
    old_size: u64,
    leaf_hashes: &[Hash],
) -> Result<TileBatch, Error> {
    let mut range = CompactRange::<H>::from_reader(old, old_size)?;
    // New hashes at tree levels 0, 8, 16, …: exactly those with index in
    // [old_size >> 8t, new_size >> 8t), produced in index order.
    let mut fresh: BTreeMap<u8, Vec<Hash>> = BTreeMap::new();
    for leaf in leaf_hashes {
        range.append(*leaf, |id, h| {
            if u32::from(id.level) % TILE_HEIGHT == 0 {
                fresh.entry((u32::from(id.level) / TILE_HEIGHT) as u8).or_default().push(*h);
            }
        })?;
    }
    let new_size = range.size();
    let mut tiles = Vec::new();
    for (level, hashes) in fresh {
        let old_count = hashes_at(level, old_size);
        let new_count = hashes_at(level, new_size);
        debug_assert_eq!(new_count - old_count, hashes.len() as u64);
        let first_tile = old_count / TILE_WIDTH;
        let last_tile = (new_count - 1) / TILE_WIDTH;
        for t in first_tile..=last_tile {
            let begin = t * TILE_WIDTH;
            let end = new_count.min(begin + TILE_WIDTH);
            let mut content = Vec::with_capacity((end - begin) as usize);
            if begin < old_count {
                let tree_level = (u32::from(level) * TILE_HEIGHT) as u8;
                let ids: Vec<NodeId> = (begin..old_count).map(|i| NodeId::new(tree_level, i)).collect();
                content.extend(old.read_hashes(&ids)?);
            }
            let from = begin.max(old_count) - old_count;
            content.extend_from_slice(&hashes[from as usize..(end - old_count) as usize]);
            tiles.push(Tile::new(level, t, content)?);
        }
    }
    Ok(TileBatch { size: new_size, root: range.root(), tiles })
}

/// The hash tiles a tree of `new` leaves has that a tree of `old` leaves lacks or holds
/// narrower: what a mirror of the tiles at `old` must write to serve `new`, lower levels first
/// (so a reader never finds a tile whose tiles below are missing). Empty when `new <= old`.
pub fn tiles_between(old: u64, new: u64) -> Vec<TileId> {
    let mut out = Vec::new();
    if new <= old {
        return out;
    }
    for level in 0..8u8 {
        let (c_old, c_new) = (hashes_at(level, old), hashes_at(level, new));
        if c_new == c_old {
            continue;
        }
        for index in c_old / TILE_WIDTH..=(c_new - 1) / TILE_WIDTH {
            out.extend(TileId::in_tree(level, index, new));
        }
    }
    out
}

/// The entry bundles a log of `new` entries has that one of `old` entries lacks or holds
/// narrower (see [`tiles_between`]). Empty when `new <= old`.
pub fn bundles_between(old: u64, new: u64) -> Vec<BundleId> {
    if new <= old {
        return Vec::new();
    }
    (old / TILE_WIDTH..=(new - 1) / TILE_WIDTH).filter_map(|i| BundleId::in_tree(i, new)).collect()
}

/// An entry bundle: up to 256 entries, each at most 65,535 bytes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EntryBundle {
    entries: Vec<Vec<u8>>,
}

impl EntryBundle {
    /// A bundle of `entries`.
    pub fn new(entries: Vec<Vec<u8>>) -> Result<Self, Error> {
        if entries.len() as u64 > TILE_WIDTH {
            return Err(Error::InvalidBundle("more than 256 entries"));
        }
        if entries.iter().any(|e| e.len() > MAX_ENTRY_SIZE) {
            return Err(Error::InvalidBundle("an entry is longer than 65,535 bytes"));
        }
        Ok(Self { entries })
    }

    /// Parse served bytes: u16-length-prefixed entries to the end, 1..=256 of them.
    pub fn parse(bytes: &[u8]) -> Result<Self, Error> {
        let mut entries = Vec::new();
        let mut rest = bytes;
        while !rest.is_empty() {
            if entries.len() as u64 == TILE_WIDTH {
                return Err(Error::InvalidBundle("more than 256 entries"));
            }
            let [a, b, tail @ ..] = rest else { return Err(Error::InvalidBundle("truncated length")) };
            let n = usize::from(u16::from_be_bytes([*a, *b]));
            if tail.len() < n {
                return Err(Error::InvalidBundle("truncated entry"));
            }
            entries.push(tail[..n].to_vec());
            rest = &tail[n..];
        }
        if entries.is_empty() {
            return Err(Error::InvalidBundle("empty bundle"));
        }
        Ok(Self { entries })
    }

    /// The bytes to serve.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for e in &self.entries {
            out.extend_from_slice(&(e.len() as u16).to_be_bytes());
            out.extend_from_slice(e);
        }
        out
    }

    /// The entries.
    pub fn entries(&self) -> &[Vec<u8>] {
        &self.entries
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether it holds no entry.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// The entry bundles to write when `entries` are appended to a log of `old_size` entries whose
/// last, partial bundle is `old_partial` (required when `old_size` is not a multiple of 256).
pub fn bundles_after_append(
    old_size: u64,
    old_partial: Option<&EntryBundle>,
    entries: &[Vec<u8>],
) -> Result<Vec<(BundleId, EntryBundle)>, Error> {
    let carried = (old_size % TILE_WIDTH) as usize;
    let mut current: Vec<Vec<u8>> = match (carried, old_partial) {
        (0, _) => Vec::new(),
        (n, Some(b)) if b.len() == n => b.entries().to_vec(),
        _ => return Err(Error::InvalidBundle("the old partial bundle does not match the old size")),
    };
    let mut index = old_size / TILE_WIDTH;
    let mut out = Vec::new();
    for e in entries {
        if e.len() > MAX_ENTRY_SIZE {
            return Err(Error::InvalidBundle("an entry is longer than 65,535 bytes"));
        }
        current.push(e.clone());
        if current.len() as u64 == TILE_WIDTH {
            out.push((BundleId { index, width: TILE_WIDTH as u16 }, EntryBundle::new(core::mem::take(&mut current))?));
            index += 1;
        }
    }
    if !entries.is_empty() && !current.is_empty() {
        let width = current.len() as u16;
        out.push((BundleId { index, width }, EntryBundle::new(current)?));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::Sm3;
    use crate::proof::{consistency_proof, inclusion_nodes, inclusion_proof, verify_consistency, verify_inclusion};
    use crate::tree::{MemoryTree, root_nodes};

    #[test]
    fn tiles_between_are_the_tiles_an_append_writes() {
        for (old, new) in [(0u64, 1u64), (0, 256), (255, 257), (256, 512), (1000, 70_000), (65_535, 65_536), (7, 7)] {
            let mut tree = MemoryTree::<Sm3>::new();
            for i in 0..old {
                tree.append_entry(&i.to_be_bytes()).unwrap();
            }
            let leaves: Vec<Hash> = (old..new).map(|i| Sm3::hash_leaf(&i.to_be_bytes())).collect();
            let ids: Vec<TileId> = if new > old {
                tiles_after_append::<Sm3>(&tree, old, &leaves).unwrap().tiles.iter().map(|t| t.id()).collect()
            } else {
                Vec::new()
            };
            assert_eq!(tiles_between(old, new), ids, "{old} → {new}");
            let bundles = bundles_between(old, new);
            let entries: Vec<Vec<u8>> = (old..new).map(|i| i.to_be_bytes().to_vec()).collect();
            let partial = (old % TILE_WIDTH != 0).then(|| {
                EntryBundle::new((old / TILE_WIDTH * TILE_WIDTH..old).map(|i| i.to_be_bytes().to_vec()).collect())
                    .unwrap()
            });
            let want: Vec<BundleId> =
                bundles_after_append(old, partial.as_ref(), &entries).unwrap().into_iter().map(|(id, _)| id).collect();
            assert_eq!(bundles, want, "{old} → {new}");
        }
    }

    #[test]
    fn paths_follow_the_spec() {
        let t = |level, index, width| TileId { level, index, width };
        assert_eq!(t(0, 1234067, 256).path(), "tile/0/x001/x234/067");
        assert_eq!(t(1, 0, 256).path(), "tile/1/000");
        assert_eq!(t(2, 999, 17).path(), "tile/2/999.p/17");
        assert_eq!(t(0, 1000, 256).path(), "tile/0/x001/000");
        assert_eq!(BundleId { index: 1234067, width: 112 }.path(), "tile/entries/x001/x234/067.p/112");
        assert_eq!(t(3, u64::MAX, 256).path(), "tile/3/x018/x446/x744/x073/x709/x551/615");
        for id in [t(0, 1234067, 256), t(2, 999, 17), t(63, u64::MAX, 1), t(0, 0, 255)] {
            assert_eq!(TilePath::parse(&id.path()).unwrap(), TilePath::Hashes(id));
        }
        let b = BundleId { index: 5, width: 3 };
        assert_eq!(TilePath::parse(&b.path()).unwrap(), TilePath::Entries(b));
    }

    #[test]
    fn bad_paths_are_refused() {
        for bad in [
            "tile/0/1",
            "tile/0/001/002",
            "tile/0/x001",
            "tile/00/001",
            "tile/64/001",
            "tile/0/x000/001",
            "tile/0/001.p/0",
            "tile/0/001.p/256",
            "tile/0/001.p/07",
            "tile/0/x018/x446/x744/x073/x709/x551/616",
            "tile/0/x001/x002/x003/x004/x005/x006/x007/008",
            "tiles/0/001",
            "tile/entries/01",
            "tile/0/abc",
        ] {
            assert!(TilePath::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn widths_match_the_specs_example_of_size_70000() {
        // 273 full level-0 tiles and one of 112; one full level-1 tile and one of 17; one level-2 of 1.
        assert_eq!(tile_width(0, 272, 70_000), Some(256));
        assert_eq!(tile_width(0, 273, 70_000), Some(112));
        assert_eq!(tile_width(0, 274, 70_000), None);
        assert_eq!(tile_width(1, 0, 70_000), Some(256));
        assert_eq!(tile_width(1, 1, 70_000), Some(17));
        assert_eq!(tile_width(2, 0, 70_000), Some(1));
        assert_eq!(tile_width(3, 0, 70_000), None);
        // Size 256: one full level-0 tile and a level-1 tile of width 1.
        assert_eq!(tile_width(0, 0, 256), Some(256));
        assert_eq!(tile_width(0, 1, 256), None);
        assert_eq!(tile_width(1, 0, 256), Some(1));
    }

    /// All tiles of a tree of `size` built from a memory tree.
    fn all_tiles(tree: &MemoryTree<Sm3>, size: u64) -> TileSet<Sm3> {
        let mut set = TileSet::new(size);
        for level in 0..8u8 {
            let count = hashes_at(level, size);
            for index in 0..count.div_ceil(TILE_WIDTH) {
                let begin = index * TILE_WIDTH;
                let end = count.min(begin + TILE_WIDTH);
                let hashes = (begin..end).map(|i| tree.node(NodeId::new(level * 8, i)).unwrap()).collect();
                set.insert(Tile::new(level, index, hashes).unwrap()).unwrap();
            }
        }
        set
    }

    fn entry(i: u64) -> Vec<u8> {
        format!("entry {i}").into_bytes()
    }

    #[test]
    fn proofs_from_tiles_equal_proofs_from_the_tree() {
        let tree = MemoryTree::<Sm3>::from_entries((0..70_000).map(entry)).unwrap();
        for size in [1u64, 255, 256, 257, 65_536, 65_537, 70_000] {
            let set = all_tiles(&tree, size);
            let root = tree.root_at(size).unwrap();
            set.verify(&root).unwrap();
            for index in [0, size / 3, size - 1] {
                let p = inclusion_proof::<Sm3>(&set, index, size).unwrap();
                assert_eq!(p, inclusion_proof::<Sm3>(&tree, index, size).unwrap());
                verify_inclusion::<Sm3>(&tree.leaf_hash(index).unwrap(), index, size, &p, &root).unwrap();
                // Only the tiles the proof names are needed; with those above them they verify.
                let mut few = TileSet::<Sm3>::new(size);
                let ids = tiles_for(inclusion_nodes(index, size).unwrap().ids(), size).unwrap();
                for id in &ids {
                    few.insert(set.get(id.level, id.index).unwrap().clone()).unwrap();
                }
                assert_eq!(inclusion_proof::<Sm3>(&few, index, size).unwrap(), p);
                let mut checked = TileSet::<Sm3>::new(size);
                for id in with_ancestors(&ids, size).into_iter().chain(tiles_for(&root_nodes(size), size).unwrap()) {
                    checked.insert(set.get(id.level, id.index).unwrap().clone()).unwrap();
                }
                checked.verify(&root).unwrap();
            }
            for old in [0, 1, size / 2, size - 1, size] {
                let p = consistency_proof::<Sm3>(&set, old, size).unwrap();
                verify_consistency::<Sm3>(old, size, &tree.root_at(old).unwrap(), &root, &p).unwrap();
            }
        }
    }

    #[test]
    fn a_changed_hash_in_any_tile_is_caught() {
        let tree = MemoryTree::<Sm3>::from_entries((0..70_000).map(entry)).unwrap();
        let root = tree.root();
        let set = all_tiles(&tree, 70_000);
        for (level, index, pos) in [(0u8, 0u64, 0usize), (0, 100, 255), (0, 273, 111), (1, 0, 7), (1, 1, 16), (2, 0, 0)]
        {
            let mut bad = set.clone();
            let t = bad.get(level, index).unwrap();
            let mut hashes = t.hashes().to_vec();
            hashes[pos].0[31] ^= 1;
            bad.insert(Tile::new(level, index, hashes).unwrap()).unwrap();
            assert!(bad.verify(&root).is_err(), "{level}/{index}/{pos}");
        }
        // A full tile whose tile above is absent cannot be verified.
        let mut partial = TileSet::<Sm3>::new(70_000);
        partial.insert(set.get(0, 5).unwrap().clone()).unwrap();
        assert!(matches!(partial.verify(&root), Err(Error::MissingHash(_))));
    }

    #[test]
    fn batches_write_the_tiles_a_fresh_build_has() {
        let mut tree = MemoryTree::<Sm3>::new();
        let mut stored = TileSet::<Sm3>::new(0);
        let mut bundle: Option<EntryBundle> = None;
        let mut bundles = BTreeMap::new();
        let mut next = 0u64;
        for batch in [1u64, 254, 1, 1, 300, 65_000, 13, 4_430] {
            let old_size = tree.size();
            let entries: Vec<Vec<u8>> = (next..next + batch).map(entry).collect();
            next += batch;
            let leaves: Vec<Hash> = entries.iter().map(|e| Sm3::hash_leaf(e)).collect();
            let out = tiles_after_append::<Sm3>(&stored, old_size, &leaves).unwrap();
            for e in &entries {
                tree.append_entry(e).unwrap();
            }
            assert_eq!(out.size, tree.size());
            assert_eq!(out.root, tree.root());
            // The tiles written, over the old ones still in the tree (full tiles, and partial
            // tiles no new hash reached), are exactly the fresh build's tiles.
            let mut merged = TileSet::<Sm3>::new(out.size);
            let still = |t: &&Tile| TileId::in_tree(t.id().level, t.id().index, out.size) == Some(t.id());
            for t in stored.tiles().filter(still) {
                merged.insert(t.clone()).unwrap();
            }
            for t in &out.tiles {
                assert_eq!(Some(t.id()), TileId::in_tree(t.id().level, t.id().index, out.size));
                // Only new tiles or wider ones: nothing already written is written again.
                assert!(stored.get(t.id().level, t.id().index).is_none_or(|old| old.id().width < t.id().width));
                merged.insert(t.clone()).unwrap();
            }
            assert_eq!(merged, all_tiles(&tree, out.size), "after {} leaves", out.size);
            merged.verify(&out.root).unwrap();
            stored = merged;
            // Bundles: the new ones replace partials, and each matches its level-0 tile.
            let written = bundles_after_append(old_size, bundle.as_ref(), &entries).unwrap();
            for (id, b) in &written {
                assert_eq!(Some(*id), BundleId::in_tree(id.index, out.size));
                assert_eq!(EntryBundle::parse(&b.to_bytes()).unwrap(), *b);
                bundles.insert(id.index, (*id, b.clone()));
            }
            bundle = bundles.values().last().filter(|(id, _)| u64::from(id.width) < TILE_WIDTH).map(|(_, b)| b.clone());
            for (id, b) in bundles.values() {
                stored.verify_bundle(*id, b).unwrap();
            }
        }
    }

    #[test]
    fn bundles_are_parsed_strictly() {
        let b = EntryBundle::new(vec![b"a".to_vec(), vec![], vec![7; 300]]).unwrap();
        let bytes = b.to_bytes();
        assert_eq!(&bytes[..3], &[0, 1, b'a']);
        assert_eq!(EntryBundle::parse(&bytes).unwrap(), b);
        assert!(EntryBundle::parse(&bytes[..bytes.len() - 1]).is_err());
        assert!(EntryBundle::parse(&[0]).is_err());
        assert!(EntryBundle::parse(&[]).is_err());
        assert!(EntryBundle::parse(&[0, 0].repeat(257)).is_err());
        assert!(EntryBundle::new(vec![vec![0; 65_536]]).is_err());
        assert!(bundles_after_append(5, None, &[b"x".to_vec()]).is_err());
    }
}
