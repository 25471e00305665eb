//! The transparency log at scale, through the service's own storage path: N entries (default
//! 10 million) queued in batches of 1,024 (one transaction each, as the service's issuance
//! queues them) and sequenced (`yinxin_store::tlog::sequence`: entries, tiles, head and a signed
//! checkpoint in one transaction a batch) into SQLite or PostgreSQL. Then:
//!
//! - entries per second (queueing and sequencing apart, and together), with a line every
//!   million entries, so a slowdown as the tree grows shows;
//! - bytes per entry on disk (the SQLite file and its WAL; PostgreSQL: the tables' total
//!   relation size), beside the entries' own bytes and the tiles';
//! - the size of an inclusion proof and a consistency proof at N, raw and as a C2SP
//!   `tlog-proof` text with the checkpoint;
//! - the time to build an inclusion proof from the stored tiles (what `GET
//!   /v1/licences/{id}/proof` does) and to verify one (the hashing alone, and with the
//!   checkpoint's SM2 signature, as an offline verifier does);
//! - a cross-check: the checkpoint's root equals the root of the same entries folded in memory.
//!
//! Usage: `cargo run --release -p yinxin-benches --example tlog_scale -- [N] [DATABASE_URL]`
//! (default: a SQLite file in a temporary directory, removed at the end). A benchmark to run by
//! hand: 10^7 entries take about ten minutes on this 2-core machine.

use std::time::{Duration, Instant};
use yinxin_gm::{UserId, default_provider};
use yinxin_store::Db;
use yinxin_store::tlog::{self as store, NewEntry};
use yinxin_tlog::checkpoint::{CheckpointPolicy, SignedCheckpoint};
use yinxin_tlog::entry::{DigestKind, Entry, EntryKind, HolderKey};
use yinxin_tlog::note::NoteSigner;
use yinxin_tlog::proof::{consistency_proof, inclusion_nodes, inclusion_proof, verify_inclusion};
use yinxin_tlog::signature::{Sm2Kind, Sm2NoteSigner};
use yinxin_tlog::tile::tiles_for;
use yinxin_tlog::tlog_proof::TlogProof;
use yinxin_tlog::tree::CompactRange;
use yinxin_tlog::{Hasher, Sm3};

const ORIGIN: &str = "bench.yinxin.test/log";
const BATCH: u64 = 1024;

/// The entry at `i`: a licence issuance as the service writes it (both document digests).
fn entry(i: u64, holder: &HolderKey) -> Vec<u8> {
    let d = |k: u8| {
        let mut b = [0u8; 32];
        b[..8].copy_from_slice(&i.to_be_bytes());
        b[8] = k;
        yinxin_gm::sm3::sm3(&b)
    };
    Entry {
        kind: EntryKind::LicenceIssued,
        time: 1_790_000_000 + i / 100,
        issuer: format!("11530100MB0{:06}A", i % 200),
        subject: format!("1153010011530100MB0123456A001{:012}", i),
        subject_type: "11530100MB0123456A001".into(),
        holder: holder.tag(&format!("91530100MA6{:07}X", i % 5_000_000)).expect("holder tag"),
        digests: vec![(DigestKind::Ofd, d(1)), (DigestKind::Pdf, d(2))],
        replaces: String::new(),
        reason: String::new(),
    }
    .encode()
    .expect("entry encodes")
}

async fn disk_bytes(db: &Db, path: Option<&std::path::Path>) -> u64 {
    use sqlx::Row;
    match path {
        Some(p) => ["", "-wal", "-shm"]
            .iter()
            .map(|s| std::fs::metadata(format!("{}{s}", p.display())).map_or(0, |m| m.len()))
            .sum(),
        None => {
            let r = sqlx::query(
                "SELECT CAST(pg_total_relation_size('tlog_entries') + pg_total_relation_size('tlog_tiles') \
                 + pg_total_relation_size('tlog_checkpoints') + pg_total_relation_size('tlog_pending') AS BIGINT) AS n",
            )
            .fetch_one(db.pool())
            .await
            .expect("relation sizes");
            r.try_get::<i64, _>("n").expect("n") as u64
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: u64 = args.get(1).map_or(10_000_000, |a| a.replace('_', "").parse().expect("N: a number"));
    let tmp = tempfile::tempdir().expect("temporary directory");
    let sqlite_path = tmp.path().join("tlog.db");
    let (url, path) = match args.get(2) {
        Some(u) => (u.clone(), None),
        None => (format!("sqlite://{}", sqlite_path.display()), Some(sqlite_path.as_path())),
    };
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    rt.block_on(run(n, &url, path));
}

async fn run(n: u64, url: &str, path: Option<&std::path::Path>) {
    let db = Db::connect(url, 4).await.expect("database (migrated on connect)");
    let p = default_provider();
    let key = p.generate_sm2().expect("key");
    let signer = Sm2NoteSigner::new(ORIGIN, Sm2Kind::Note, p.sm2_signer(&key, UserId::DEFAULT).expect("signer"))
        .expect("note signer");
    let holder = HolderKey::from_bytes([7; 32]);
    let backend = if path.is_some() { "sqlite" } else { "postgres" };
    println!("tlog_scale: {n} entries in batches of {BATCH} into {backend}");

    let (mut t_queue, mut t_seq) = (Duration::ZERO, Duration::ZERO);
    let mut entry_bytes = 0u64;
    let mut at_million = (Instant::now(), 0u64);
    let start = Instant::now();
    let mut done = 0u64;
    while done < n {
        let count = BATCH.min(n - done);
        let entries: Vec<Vec<u8>> = (done..done + count).map(|i| entry(i, &holder)).collect();
        entry_bytes += entries.iter().map(|e| e.len() as u64).sum::<u64>();
        // The lookup key the service stores beside each entry: the licence identifier.
        let t = Instant::now();
        let mut tx = db.begin().await.expect("begin");
        for (i, e) in entries.into_iter().enumerate() {
            let subject = format!("1153010011530100MB0123456A001{:012}", done + i as u64);
            let ne = NewEntry { subject, kind: EntryKind::LicenceIssued as u8, bytes: e };
            store::enqueue(&mut tx, &ne).await.expect("enqueue");
        }
        tx.commit().await.expect("commit");
        t_queue += t.elapsed();
        let t = Instant::now();
        let sign = |cp: &yinxin_tlog::checkpoint::Checkpoint| {
            cp.sign(&signer as &dyn NoteSigner).map(|s| s.to_bytes()).map_err(|e| e.to_string())
        };
        let batch = store::sequence(&db, ORIGIN, sign).await.expect("sequence").expect("a batch");
        assert_eq!(batch.size, done + count);
        t_seq += t.elapsed();
        done += count;
        if done / 1_000_000 > at_million.1 / 1_000_000 || done == n {
            let (t0, d0) = at_million;
            let rate = (done - d0) as f64 / t0.elapsed().as_secs_f64();
            println!("  {done:>10} entries  {rate:>9.0} entries/s over the last {} ", done - d0);
            at_million = (Instant::now(), done);
        }
    }
    let total = start.elapsed();
    println!(
        "append: {:.0} entries/s overall ({:.1} s); queueing {:.0}/s ({:.1} s), sequencing {:.0}/s ({:.1} s)",
        n as f64 / total.as_secs_f64(),
        total.as_secs_f64(),
        n as f64 / t_queue.as_secs_f64(),
        t_queue.as_secs_f64(),
        n as f64 / t_seq.as_secs_f64(),
        t_seq.as_secs_f64()
    );

    // Disk.
    if path.is_some() {
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(db.pool()).await.expect("wal checkpoint");
    }
    let disk = disk_bytes(&db, path).await;
    let tiles: i64 = {
        use sqlx::Row;
        sqlx::query("SELECT CAST(COALESCE(SUM(LENGTH(hashes)), 0) AS BIGINT) AS n FROM tlog_tiles")
            .fetch_one(db.pool())
            .await
            .expect("tile bytes")
            .try_get("n")
            .expect("n")
    };
    println!(
        "disk: {disk} bytes, {:.1} bytes/entry (entries themselves {:.1} bytes/entry, hash tiles {:.1} bytes/entry; \
         the rest is the subject index, row overhead and {} checkpoints)",
        disk as f64 / n as f64,
        entry_bytes as f64 / n as f64,
        tiles as f64 / n as f64,
        n.div_ceil(BATCH)
    );

    // Proofs at N.
    let stored = store::latest_checkpoint(&db).await.expect("checkpoint").expect("a checkpoint");
    let cp = SignedCheckpoint::parse_unverified(stored.note.as_bytes()).expect("checkpoint parses");
    let root = cp.checkpoint().root;
    assert_eq!(cp.checkpoint().size, n);
    let index = (n / 2 + 12_345) % n;
    let t = Instant::now();
    let rounds = 200u32;
    let mut proof = Vec::new();
    for r in 0..rounds {
        let i = (index + u64::from(r) * 7919) % n;
        let nodes = inclusion_nodes(i, n).expect("nodes");
        let ids = tiles_for(nodes.ids(), n).expect("tiles");
        let set = store::tile_set(&db, n, &ids).await.expect("tile set");
        proof = inclusion_proof::<Sm3>(&set, i, n).expect("proof");
    }
    let build = t.elapsed() / rounds;
    let last = (index + u64::from(rounds - 1) * 7919) % n;
    let leaf_entry = entry(last, &holder);
    let leaf = Sm3::hash_leaf(&leaf_entry);
    let t = Instant::now();
    let reps = 10_000u32;
    for _ in 0..reps {
        verify_inclusion::<Sm3>(&leaf, last, n, &proof, &root).expect("the proof verifies");
    }
    let verify = t.elapsed() / reps;
    let text =
        TlogProof { extra: None, index: last, proof: proof.clone(), checkpoint: stored.note.clone().into_bytes() }
            .to_bytes();
    let policy = CheckpointPolicy {
        origin: ORIGIN.into(),
        log_keys: vec![Box::new(signer.verifier())],
        witnesses: vec![],
        quorum: 0,
    };
    let t = Instant::now();
    let reps_sig = 500u32;
    for _ in 0..reps_sig {
        TlogProof::parse(&text).expect("parses").verify::<Sm3>(&leaf_entry, &policy).expect("tlog-proof verifies");
    }
    let verify_full = t.elapsed() / reps_sig;
    let consistency = {
        let old = n / 3;
        let nodes = yinxin_tlog::proof::consistency_nodes(old, n).expect("nodes");
        let ids = tiles_for(nodes.ids(), n).expect("tiles");
        let set = store::tile_set(&db, n, &ids).await.expect("tile set");
        consistency_proof::<Sm3>(&set, old, n).expect("consistency proof")
    };
    println!(
        "proof at {n}: inclusion {} hashes = {} bytes (tlog-proof text with the checkpoint: {} bytes); consistency {} hashes = {} bytes",
        proof.len(),
        proof.len() * 32,
        text.len(),
        consistency.len(),
        consistency.len() * 32
    );
    println!(
        "proof time: build from stored tiles {:.1} µs; verify (hashing) {:.2} µs; verify tlog-proof (parse, SM2 checkpoint signature, hashing) {:.1} µs",
        build.as_secs_f64() * 1e6,
        verify.as_secs_f64() * 1e6,
        verify_full.as_secs_f64() * 1e6
    );

    // Cross-check the stored tree against the same entries folded in memory.
    let t = Instant::now();
    let mut range = CompactRange::<Sm3>::new();
    for i in 0..n {
        range.push(Sm3::hash_leaf(&entry(i, &holder))).expect("push");
    }
    assert_eq!(range.root(), root, "the stored tree's root is the root of the entries");
    println!(
        "cross-check: the checkpoint's root is the in-memory root of the {n} entries ({:.1} s)",
        t.elapsed().as_secs_f64()
    );
}
