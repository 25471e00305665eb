//! The whole flow with nothing but this crate and a map standing in for the object store: a
//! sequencer appends batches and writes tiles and bundles, signs checkpoints, gets them
//! cosigned by a witness from a consistency proof it reads from the stored tiles, publishes
//! only with the quorum; a monitor follows from the files alone; a receipt proves an entry
//! offline. Then the attacks: a forked checkpoint shown to the witness, an entry changed under
//! a receipt.

use std::collections::BTreeMap;
use yinxin_gm::{Sm2PrivateKey, UserId, default_provider};
use yinxin_tlog::checkpoint::{Checkpoint, CheckpointPolicy};
use yinxin_tlog::entry::{DigestKind, Entry, EntryKind, HolderKey};
use yinxin_tlog::monitor::{EntryFilter, Monitor};
use yinxin_tlog::note::NoteSigner;
use yinxin_tlog::proof::{consistency_proof, inclusion_proof};
use yinxin_tlog::signature::{Sm2Kind, Sm2NoteSigner, Sm2NoteVerifier};
use yinxin_tlog::tile::{
    BundleId, EntryBundle, Tile, TilePath, TileSet, bundles_after_append, tiles_after_append, tiles_for_append,
};
use yinxin_tlog::tlog_proof::TlogProof;
use yinxin_tlog::witness::{AddCheckpoint, Witness, WitnessError};
use yinxin_tlog::{Error, Hash, Hasher, Sm3};

const ORIGIN: &str = "yinxin.example/log";

fn signer(name: &str, kind: Sm2Kind, byte: u8) -> Sm2NoteSigner {
    let key = Sm2PrivateKey::from_bytes(&[byte; 32]).unwrap();
    Sm2NoteSigner::new(name, kind, default_provider().sm2_signer(&key, UserId::DEFAULT).unwrap()).unwrap()
}

/// Files by path, as a static server or object store holds them.
#[derive(Default)]
struct Store(BTreeMap<String, Vec<u8>>);

impl Store {
    fn tiles(&self, size: u64, ids: impl IntoIterator<Item = yinxin_tlog::tile::TileId>) -> TileSet<Sm3> {
        let mut set = TileSet::new(size);
        for id in ids {
            set.insert_bytes(id, &self.0[&id.path()]).unwrap();
        }
        set
    }

    /// Every hash tile of a tree size, found by listing the store like a mirror would.
    fn all_tiles(&self, size: u64) -> TileSet<Sm3> {
        let ids = self.0.keys().filter_map(|p| match TilePath::parse(p) {
            Ok(TilePath::Hashes(id)) if yinxin_tlog::tile::TileId::in_tree(id.level, id.index, size) == Some(id) => {
                Some(id)
            }
            _ => None,
        });
        self.tiles(size, ids.collect::<Vec<_>>())
    }
}

struct Log {
    store: Store,
    size: u64,
    key: Sm2NoteSigner,
    partial_bundle: Option<EntryBundle>,
}

impl Log {
    /// One batch: one tree update, the tiles and bundles written, a checkpoint signed.
    fn append(&mut self, entries: &[Vec<u8>]) -> Vec<u8> {
        let old = self.store.tiles(self.size, tiles_for_append(self.size));
        let leaves: Vec<Hash> = entries.iter().map(|e| Sm3::hash_leaf(e)).collect();
        let batch = tiles_after_append::<Sm3>(&old, self.size, &leaves).unwrap();
        for (id, b) in bundles_after_append(self.size, self.partial_bundle.as_ref(), entries).unwrap() {
            self.store.0.insert(id.path(), b.to_bytes());
            self.partial_bundle = (u64::from(id.width) < 256).then_some(b);
        }
        for t in &batch.tiles {
            self.store.0.insert(t.id().path(), t.to_bytes());
        }
        self.size = batch.size;
        Checkpoint::new(ORIGIN, batch.size, batch.root).sign(&self.key).unwrap().to_bytes()
    }
}

fn entry(i: u64, holder: &HolderKey) -> Vec<u8> {
    Entry {
        kind: if i % 10 == 9 { EntryKind::LicenceRevoked } else { EntryKind::LicenceIssued },
        time: 1_765_000_000 + i,
        issuer: format!("dept-{}", i % 4),
        subject: format!("3301002025{i:08}"),
        subject_type: "营业执照".into(),
        holder: holder.tag(&format!("91330100MA{:08}", i % 50)).unwrap(),
        digests: if i % 10 == 9 { vec![] } else { vec![(DigestKind::Ofd, yinxin_gm::sm3::sm3(&i.to_be_bytes()))] },
        replaces: String::new(),
        reason: if i % 10 == 9 { "吊销".into() } else { String::new() },
    }
    .encode()
    .unwrap()
}

#[test]
fn log_witness_monitor_and_receipt() {
    let holder_key = HolderKey::from_bytes([7; 32]);
    let mut log =
        Log { store: Store::default(), size: 0, key: signer(ORIGIN, Sm2Kind::Note, 0x11), partial_bundle: None };
    let wkey = signer("witness.example/w1", Sm2Kind::Cosignature, 0x21);
    let wvkey = wkey.vkey();
    let mut witness = Witness::<Sm3>::new(wkey);
    witness.follow(ORIGIN, vec![Box::new(Sm2NoteVerifier::from_vkey(&log.key.vkey()).unwrap())], None);
    let log_vkey = log.key.vkey();
    let policy = || CheckpointPolicy {
        origin: ORIGIN.into(),
        log_keys: vec![Box::new(Sm2NoteVerifier::from_vkey(&log_vkey).unwrap())],
        witnesses: vec![Box::new(Sm2NoteVerifier::from_vkey(&wvkey).unwrap())],
        quorum: 1,
    };
    let mut monitor = Monitor::<Sm3>::new(policy(), None);

    let mut all = Vec::new();
    let mut published = Vec::new();
    let mut witnessed = 0u64;
    for batch in [1u64, 40, 300, 1, 2_000, 600] {
        let entries: Vec<Vec<u8>> =
            (all.len() as u64..all.len() as u64 + batch).map(|i| entry(i, &holder_key)).collect();
        all.extend(entries.iter().cloned());
        let cp = log.append(&entries);
        // The consistency proof, from the stored tiles only.
        let tiles = log.store.all_tiles(log.size);
        let proof = consistency_proof::<Sm3>(&tiles, witnessed, log.size).unwrap();
        let req = AddCheckpoint { old_size: witnessed, proof, checkpoint: cp.clone() };
        let cosigned = witness.add_checkpoint(&req.to_bytes(), 1_765_000_000).unwrap();
        witnessed = log.size;
        let mut with_cosig = cp;
        with_cosig.extend_from_slice(cosigned.response_body().as_bytes());
        // Published only with the quorum.
        assert_eq!(policy().open(&req.checkpoint), Err(Error::TooFewCosignatures { got: 0, need: 1 }));
        policy().open(&with_cosig).unwrap();
        log.store.0.insert("checkpoint".into(), with_cosig.clone());
        published.push(with_cosig);

        // The monitor reads only what it fetches.
        let needed = monitor.tiles_needed(log.size).unwrap();
        let few = log.store.tiles(log.size, needed);
        let fresh = monitor.advance(&log.store.0["checkpoint"], &few).unwrap();
        assert_eq!(fresh.end, log.size);
    }
    assert_eq!(log.size, 2_942);

    // The monitor lists dept-1's entries from every bundle, checked against every tile.
    let tiles = log.store.all_tiles(log.size);
    tiles.verify(&monitor.trusted().unwrap().root).unwrap();
    let filter = EntryFilter { issuer: Some("dept-1".into()), holder: None };
    let mut found = Vec::new();
    for index in 0..log.size.div_ceil(256) {
        let id = BundleId::in_tree(index, log.size).unwrap();
        let bundle = EntryBundle::parse(&log.store.0[&id.path()]).unwrap();
        found.extend(monitor.scan(&tiles, id, &bundle, &filter).unwrap().into_iter().map(|(i, _)| i));
    }
    assert_eq!(found, (0..log.size).filter(|i| i % 4 == 1).collect::<Vec<_>>());

    // A receipt for entry 1234 against the published checkpoint, checked offline.
    let receipt = TlogProof {
        extra: None,
        index: 1234,
        proof: inclusion_proof::<Sm3>(&tiles, 1234, log.size).unwrap(),
        checkpoint: published.last().unwrap().clone(),
    };
    let text = receipt.to_bytes();
    TlogProof::parse(&text).unwrap().verify::<Sm3>(&all[1234], &policy()).unwrap();
    // Attack: the entry changed under the receipt.
    let mut changed = Entry::decode(&all[1234]).unwrap();
    changed.issuer = "dept-9".into();
    assert_eq!(
        TlogProof::parse(&text).unwrap().verify::<Sm3>(&changed.encode().unwrap(), &policy()),
        Err(Error::RootMismatch)
    );

    // Attack: the log shows the witness a fork of the size it cosigned.
    let mut forked = all.clone();
    forked[100] = entry(100_000, &holder_key);
    let fork_tree = yinxin_tlog::tree::MemoryTree::<Sm3>::from_entries(&forked).unwrap();
    let fork_cp = Checkpoint::new(ORIGIN, log.size, fork_tree.root()).sign(&log.key).unwrap().to_bytes();
    let req = AddCheckpoint { old_size: log.size, proof: vec![], checkpoint: fork_cp.clone() };
    let err = witness.add_checkpoint(&req.to_bytes(), 1_765_000_100).unwrap_err();
    assert!(matches!(err, WitnessError::Fork { .. }) && err.is_misbehaviour());
    // And a grown fork, with its own (honest-looking) consistency proof from the forked tree.
    forked.push(entry(5_000, &holder_key));
    let fork_tree = yinxin_tlog::tree::MemoryTree::<Sm3>::from_entries(&forked).unwrap();
    let grown = Checkpoint::new(ORIGIN, log.size + 1, fork_tree.root()).sign(&log.key).unwrap().to_bytes();
    let proof = consistency_proof::<Sm3>(&fork_tree, log.size, log.size + 1).unwrap();
    let req = AddCheckpoint { old_size: log.size, proof, checkpoint: grown };
    assert!(matches!(witness.add_checkpoint(&req.to_bytes(), 1_765_000_100), Err(WitnessError::InconsistentProof(_))));
    assert_eq!(witness.state(ORIGIN).unwrap().size, log.size);

    // The stored tiles are the tiles of a tree built in one go.
    let one_go = yinxin_tlog::tree::MemoryTree::<Sm3>::from_entries(&all).unwrap();
    assert_eq!(one_go.root(), monitor.trusted().unwrap().root);
    let t = Tile::from_bytes(yinxin_tlog::tile::TileId { level: 0, index: 3, width: 256 }, &log.store.0["tile/0/003"])
        .unwrap();
    assert_eq!(t.hashes()[5], one_go.leaf_hash(3 * 256 + 5).unwrap());
    assert_eq!(log.key.name(), ORIGIN);
}
