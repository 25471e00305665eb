//! The transparency log's parsers, which witnesses and monitors run on bytes from a log they do
//! not trust: signed notes and checkpoints (opened under a fixed log key), signature lines,
//! `add-checkpoint` bodies (through a witness following that log, with state), tile paths, hash
//! tiles, entry bundles, log entries and `tlog-proof` receipts: never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::{Mutex, OnceLock};
use yinxin_gm::{UserId, default_provider};
use yinxin_tlog::Sm3;
use yinxin_tlog::checkpoint::{CheckpointPolicy, SignedCheckpoint};
use yinxin_tlog::entry::Entry;
use yinxin_tlog::note::{Note, NoteSignature, NoteVerifier};
use yinxin_tlog::signature::{Sm2Kind, Sm2NoteSigner};
use yinxin_tlog::tile::{EntryBundle, Tile, TileId, TilePath};
use yinxin_tlog::tlog_proof::TlogProof;
use yinxin_tlog::witness::{AddCheckpoint, TreeHead, Witness};

const ORIGIN: &str = "fuzz.yinxin.test/log";

fn signer(name: &str, kind: Sm2Kind, byte: u8) -> Sm2NoteSigner {
    let p = default_provider();
    let key = yinxin_gm::Sm2PrivateKey::from_bytes(&[byte; 32]).unwrap();
    Sm2NoteSigner::new(name, kind, p.sm2_signer(&key, UserId::DEFAULT).unwrap()).unwrap()
}

fn log() -> &'static Sm2NoteSigner {
    static L: OnceLock<Sm2NoteSigner> = OnceLock::new();
    L.get_or_init(|| signer(ORIGIN, Sm2Kind::Note, 7))
}

fn witness() -> &'static Mutex<Witness<Sm3>> {
    static W: OnceLock<Mutex<Witness<Sm3>>> = OnceLock::new();
    W.get_or_init(|| {
        let mut w = Witness::new(signer("witness.fuzz", Sm2Kind::Cosignature, 9));
        let state = TreeHead { size: 5, root: yinxin_tlog::Hash::from_slice(&[1; 32]).unwrap() };
        w.follow(ORIGIN, vec![Box::new(log().verifier())], Some(state));
        Mutex::new(w)
    })
}

fuzz_target!(|data: &[u8]| {
    let policy = CheckpointPolicy {
        origin: ORIGIN.into(),
        log_keys: vec![Box::new(log().verifier())],
        witnesses: vec![],
        quorum: 0,
    };
    let _ = Note::parse(data);
    if let Ok(cp) = SignedCheckpoint::parse_unverified(data) {
        let _ = policy.check(&cp);
    }
    let _ = SignedCheckpoint::open(data, &[&log().verifier() as &dyn NoteVerifier]);
    let _ = policy.open(data);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = NoteSignature::parse_line(text);
        let _ = TilePath::parse(text);
    }
    let _ = AddCheckpoint::parse(data);
    if let Ok(w) = witness().lock() {
        if let Ok(c) = w.evaluate(&AddCheckpoint::parse(data).unwrap_or(AddCheckpoint {
            old_size: 5,
            proof: vec![],
            checkpoint: data.to_vec(),
        }), 1_765_000_000)
        {
            // Never commit: the witness keeps its state, so every input meets the same one.
            let _ = c.response_body();
        }
    }
    let width = (data.len() / 32).clamp(1, 256) as u16;
    let _ = Tile::from_bytes(TileId { level: (data.first().copied().unwrap_or(0) % 8), index: 0, width }, data);
    let _ = EntryBundle::parse(data);
    if let Ok(e) = Entry::decode(data) {
        let again = e.encode().expect("a decoded entry encodes");
        assert_eq!(again, data, "the encoding is canonical: decode then encode gives the same bytes");
    }
    if let Ok(p) = TlogProof::parse(data) {
        let _ = p.verify::<Sm3>(b"an entry", &policy);
    }
});
