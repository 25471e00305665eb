//! The monitor: follows a log from checkpoint to checkpoint through its tiles, checks that
//! every tile and entry bundle it reads is the one the checkpoint commits to and that each new
//! checkpoint extends the last one it trusted, and picks out the entries of a department (by
//! issuer code) or of a holder (by [`HolderTag`]).
//!
//! No I/O here: the caller fetches the checkpoint, then the tiles [`Monitor::tiles_needed`]
//! names (and any others it wants to read entries from), then hands them over. Anything wrong
//! is an error, and the trusted state does not move: a fork ([`Error::Fork`]), a rollback
//! ([`Error::Rollback`]), a log that rewrote its past ([`Error::OldRootMismatch`] from the
//! consistency check), a tile that does not hash to the root ([`Error::RootMismatch`],
//! [`Error::TileMismatch`]), a bundle that does not match its tile ([`Error::InvalidBundle`]).

use crate::Error;
use crate::checkpoint::{CheckpointPolicy, SignedCheckpoint};
use crate::entry::{Entry, HolderTag};
use crate::hash::Hasher;
use crate::proof::{consistency_nodes, consistency_proof, verify_consistency};
use crate::tile::{BundleId, EntryBundle, TileId, TileSet, tiles_for, with_ancestors};
use crate::tree::root_nodes;
use crate::witness::TreeHead;
use core::marker::PhantomData;
use core::ops::Range;

/// Which entries a monitor reports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EntryFilter {
    /// Only entries by this department or seal authority code.
    pub issuer: Option<String>,
    /// Only entries of this holder.
    pub holder: Option<HolderTag>,
}

impl EntryFilter {
    /// Whether `e` passes.
    pub fn matches(&self, e: &Entry) -> bool {
        self.issuer.as_ref().is_none_or(|i| *i == e.issuer) && self.holder.is_none_or(|h| h == e.holder)
    }
}

/// A monitor of one log.
#[derive(Debug)]
pub struct Monitor<H: Hasher> {
    policy: CheckpointPolicy,
    trusted: Option<TreeHead>,
    _h: PhantomData<H>,
}

impl<H: Hasher> Monitor<H> {
    /// A monitor trusting checkpoints by `policy`, starting from `trusted` (the last tree head
    /// it verified, from its own storage; None to start from the first checkpoint it sees).
    pub fn new(policy: CheckpointPolicy, trusted: Option<TreeHead>) -> Self {
        Self { policy, trusted, _h: PhantomData }
    }

    /// The last tree head verified.
    pub fn trusted(&self) -> Option<TreeHead> {
        self.trusted
    }

    /// The tiles needed to check a checkpoint of `size` against the trusted state: those of the
    /// root and of the consistency proof, and the tiles above them that authenticate them.
    pub fn tiles_needed(&self, size: u64) -> Result<Vec<TileId>, Error> {
        let mut nodes = root_nodes(size);
        if let Some(t) = self.trusted.filter(|t| t.size <= size) {
            nodes.extend_from_slice(consistency_nodes(t.size, size)?.ids());
        }
        Ok(with_ancestors(&tiles_for(&nodes, size)?, size))
    }

    /// Check a new checkpoint (bytes as served) with the tiles of its size, and move the
    /// trusted state to it. Returns the indexes of the entries that are new since the last
    /// trusted state.
    pub fn advance(&mut self, checkpoint: &[u8], tiles: &TileSet<H>) -> Result<Range<u64>, Error> {
        let cp = self.policy.open(checkpoint)?;
        self.advance_opened(&cp, tiles)
    }

    /// [`Monitor::advance`] for a checkpoint already opened with this monitor's policy.
    pub fn advance_opened(&mut self, cp: &SignedCheckpoint, tiles: &TileSet<H>) -> Result<Range<u64>, Error> {
        self.policy.check(cp)?;
        let head = TreeHead { size: cp.checkpoint().size, root: cp.checkpoint().root };
        if tiles.size() != head.size {
            return Err(Error::InvalidTile("the tiles are for another tree size"));
        }
        tiles.verify(&head.root)?;
        let from = match self.trusted {
            None => 0,
            Some(t) if head.size < t.size => return Err(Error::Rollback { trusted: t.size, got: head.size }),
            Some(t) if head.size == t.size && head.root != t.root => return Err(Error::Fork { size: head.size }),
            Some(t) => {
                let proof = consistency_proof::<H>(tiles, t.size, head.size)?;
                verify_consistency::<H>(t.size, head.size, &t.root, &head.root, &proof)?;
                t.size
            }
        };
        self.trusted = Some(head);
        Ok(from..head.size)
    }

    /// Check an entry bundle against the (verified) tiles and return its entries that pass
    /// `filter`, with their indexes. An entry that does not decode is an error: the log wrote
    /// something that is not a yinxin entry.
    pub fn scan(
        &self,
        tiles: &TileSet<H>,
        id: BundleId,
        bundle: &EntryBundle,
        filter: &EntryFilter,
    ) -> Result<Vec<(u64, Entry)>, Error> {
        tiles.verify_bundle(id, bundle)?;
        let mut out = Vec::new();
        for (i, bytes) in bundle.entries().iter().enumerate() {
            let e = Entry::decode(bytes)?;
            if filter.matches(&e) {
                out.push((id.first_entry() + i as u64, e));
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkpoint::Checkpoint;
    use crate::entry::{DigestKind, EntryKind, HolderKey};
    use crate::hash::{Hash, Sm3};
    use crate::signature::Sm2Kind;
    use crate::signature::tests::test_signer;
    use crate::tile::{TILE_WIDTH, Tile, bundles_after_append, tiles_after_append};
    use crate::tree::MemoryTree;

    const ORIGIN: &str = "yinxin.example/log";

    fn entry(i: u64) -> Entry {
        let key = HolderKey::from_bytes([0x5a; 32]);
        Entry {
            kind: EntryKind::LicenceIssued,
            time: 1_760_000_000 + i,
            issuer: if i.is_multiple_of(3) { "dept-A".into() } else { "dept-B".into() },
            subject: format!("licence-{i}"),
            subject_type: "11100000000000127W001".into(),
            holder: key.tag(&format!("3301021990010{:05}", i % 7)).unwrap(),
            digests: vec![(DigestKind::Ofd, yinxin_gm::Sm3Digest([i as u8; 32]))],
            replaces: String::new(),
            reason: String::new(),
        }
    }

    /// A served log: its entries' tiles and bundles at one size, and its signed checkpoint.
    struct Served {
        tiles: TileSet<Sm3>,
        bundles: Vec<(BundleId, EntryBundle)>,
        checkpoint: Vec<u8>,
    }

    fn serve(entries: &[Vec<u8>]) -> Served {
        let log = test_signer(ORIGIN, Sm2Kind::Note, 0x11);
        let leaves: Vec<Hash> = entries.iter().map(|e| Sm3::hash_leaf(e)).collect();
        let batch = tiles_after_append::<Sm3>(&MemoryTree::<Sm3>::new(), 0, &leaves).unwrap();
        let mut tiles = TileSet::new(batch.size);
        for t in batch.tiles {
            tiles.insert(t).unwrap();
        }
        let bundles = bundles_after_append(0, None, entries).unwrap();
        let checkpoint = Checkpoint::new(ORIGIN, batch.size, batch.root).sign(&log).unwrap().to_bytes();
        Served { tiles, bundles, checkpoint }
    }

    fn monitor() -> Monitor<Sm3> {
        let log = test_signer(ORIGIN, Sm2Kind::Note, 0x11);
        let policy = CheckpointPolicy {
            origin: ORIGIN.into(),
            log_keys: vec![Box::new(log.verifier())],
            witnesses: vec![],
            quorum: 0,
        };
        Monitor::new(policy, None)
    }

    fn encoded(range: Range<u64>) -> Vec<Vec<u8>> {
        range.map(|i| entry(i).encode().unwrap()).collect()
    }

    #[test]
    fn follows_a_growing_log_and_lists_a_departments_entries() {
        let mut m = monitor();
        let first = serve(&encoded(0..300));
        assert_eq!(m.advance(&first.checkpoint, &first.tiles).unwrap(), 0..300);
        let all = encoded(0..700);
        let second = serve(&all);
        let needed = m.tiles_needed(700).unwrap();
        assert!(needed.iter().all(|id| second.tiles.get(id.level, id.index).is_some()));
        assert_eq!(m.advance(&second.checkpoint, &second.tiles).unwrap(), 300..700);
        assert_eq!(m.trusted().unwrap().size, 700);
        let filter = EntryFilter { issuer: Some("dept-A".into()), holder: None };
        let mut found = Vec::new();
        for (id, b) in &second.bundles {
            found.extend(m.scan(&second.tiles, *id, b, &filter).unwrap().into_iter().map(|(i, _)| i));
        }
        assert_eq!(found, (0..700u64).filter(|i| i.is_multiple_of(3)).collect::<Vec<_>>());
        let holder = HolderKey::from_bytes([0x5a; 32]).tag("330102199001000004").unwrap();
        let filter = EntryFilter { issuer: None, holder: Some(holder) };
        let (id, b) = &second.bundles[1];
        let mine: Vec<u64> = m.scan(&second.tiles, *id, b, &filter).unwrap().into_iter().map(|(i, _)| i).collect();
        assert_eq!(mine, (256..512).filter(|i| i % 7 == 4).collect::<Vec<_>>());
    }

    #[test]
    fn the_tiles_it_names_are_enough_across_tile_levels() {
        let mut m = monitor();
        let first = serve(&encoded(0..300));
        m.advance(&first.checkpoint, &first.tiles).unwrap();
        let big = serve(&encoded(0..70_000));
        let mut few = TileSet::new(70_000);
        for id in m.tiles_needed(70_000).unwrap() {
            few.insert(big.tiles.get(id.level, id.index).unwrap().clone()).unwrap();
        }
        assert!(few.tiles().count() < 10);
        assert_eq!(m.advance(&big.checkpoint, &few).unwrap(), 300..70_000);
    }

    #[test]
    fn a_log_rewritten_to_drop_one_licence_is_reported() {
        let mut m = monitor();
        let first = serve(&encoded(0..300));
        m.advance(&first.checkpoint, &first.tiles).unwrap();
        // The same log without licence 150, then grown past the old size.
        let mut rewritten = encoded(0..301);
        rewritten.remove(150);
        let later = serve(&[rewritten, encoded(301..400)].concat());
        assert_eq!(m.advance(&later.checkpoint, &later.tiles), Err(Error::OldRootMismatch));
        // The same size with the licence dropped: a fork.
        let same = serve(&rewritten_at(300));
        assert_eq!(m.advance(&same.checkpoint, &same.tiles), Err(Error::Fork { size: 300 }));
        // A smaller checkpoint: a rollback.
        let smaller = serve(&encoded(0..200));
        assert_eq!(m.advance(&smaller.checkpoint, &smaller.tiles), Err(Error::Rollback { trusted: 300, got: 200 }));
        assert_eq!(m.trusted().unwrap().size, 300);
    }

    fn rewritten_at(size: u64) -> Vec<Vec<u8>> {
        let mut v = encoded(0..size + 1);
        v.remove(150);
        v
    }

    #[test]
    fn tiles_or_bundles_that_do_not_match_the_checkpoint_are_refused() {
        let mut m = monitor();
        let good = serve(&encoded(0..600));
        // A level-0 tile with one hash changed.
        let mut tiles = good.tiles.clone();
        let t = tiles.get(0, 1).unwrap();
        let mut hashes = t.hashes().to_vec();
        hashes[10].0[0] ^= 1;
        tiles.insert(Tile::new(0, 1, hashes).unwrap()).unwrap();
        assert_eq!(m.advance(&good.checkpoint, &tiles), Err(Error::TileMismatch { level: 0, index: 1 }));
        assert_eq!(m.trusted(), None);
        m.advance(&good.checkpoint, &good.tiles).unwrap();
        // A bundle with one entry changed (a receipt's entry altered after the fact).
        let (id, b) = &good.bundles[0];
        let mut entries = b.entries().to_vec();
        let mut e = entry(5);
        e.subject = "licence-5-altered".into();
        entries[5] = e.encode().unwrap();
        let altered = EntryBundle::new(entries).unwrap();
        assert!(matches!(m.scan(&good.tiles, *id, &altered, &EntryFilter::default()), Err(Error::InvalidBundle(_))));
        assert_eq!(m.scan(&good.tiles, *id, b, &EntryFilter::default()).unwrap().len(), TILE_WIDTH as usize);
    }
}
