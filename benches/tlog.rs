//! The transparency log's hot paths, SM3 beside SHA-256 (the hash of Certificate Transparency,
//! Go's checksum database and Sigstore, the peers) in the same run, same code: appending leaves
//! to the tiles (a batch of 1,024 onto a tree of 2^20), verifying an inclusion proof and a
//! consistency proof in a tree of 2^20 leaves, and verifying a whole C2SP `tlog-proof` as an
//! offline verifier does (parse, SM2 checkpoint signature, hashing). The 10^7-entry run through
//! the database is `examples/tlog_scale.rs`.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;
use yinxin_gm::{UserId, default_provider};
use yinxin_tlog::checkpoint::{Checkpoint, CheckpointPolicy};
use yinxin_tlog::hash::Sha256;
use yinxin_tlog::note::NoteSigner;
use yinxin_tlog::proof::{consistency_proof, inclusion_proof, verify_consistency, verify_inclusion};
use yinxin_tlog::signature::{Sm2Kind, Sm2NoteSigner};
use yinxin_tlog::tile::{TileSet, tiles_after_append, tiles_for_append};
use yinxin_tlog::tlog_proof::TlogProof;
use yinxin_tlog::tree::MemoryTree;
use yinxin_tlog::{Hasher, Sm3};

const SIZE: u64 = 1 << 20;

fn entry(i: u64) -> Vec<u8> {
    let mut e = vec![0u8; 180];
    e[..8].copy_from_slice(&i.to_be_bytes());
    e
}

fn tree<H: Hasher>() -> MemoryTree<H> {
    let mut t = MemoryTree::<H>::new();
    for i in 0..SIZE {
        t.append_entry(&entry(i)).expect("append");
    }
    t
}

fn proofs<H: Hasher>(c: &mut Criterion, name: &str) {
    let t = tree::<H>();
    let root = t.root();
    let index = SIZE / 2 + 12_345;
    let leaf = H::hash_leaf(&entry(index));
    let proof = inclusion_proof::<H>(&t, index, SIZE).expect("proof");
    let old = SIZE / 3;
    let old_root = t.root_at(old).expect("old root");
    let cons = consistency_proof::<H>(&t, old, SIZE).expect("consistency");
    // The tiles a writer reads and the batch it writes.
    let mut edge = TileSet::<H>::new(SIZE);
    for id in tiles_for_append(SIZE) {
        let tile = yinxin_tlog::tile::Tile::new(
            id.level,
            id.index,
            (0..u64::from(id.width))
                .map(|k| {
                    t.node(yinxin_tlog::tree::NodeId::new(
                        (u32::from(id.level) * yinxin_tlog::tile::TILE_HEIGHT) as u8,
                        id.index * 256 + k,
                    ))
                    .expect("node")
                })
                .collect(),
        )
        .expect("tile");
        edge.insert(tile).expect("insert");
    }
    let batch: Vec<_> = (SIZE..SIZE + 1024).map(|i| H::hash_leaf(&entry(i))).collect();

    let mut g = c.benchmark_group("tlog");
    g.measurement_time(Duration::from_secs(4));
    g.throughput(Throughput::Elements(1));
    g.bench_function(BenchmarkId::new("verify_inclusion_2^20", name), |b| {
        b.iter(|| verify_inclusion::<H>(black_box(&leaf), index, SIZE, black_box(&proof), &root).expect("ok"))
    });
    g.bench_function(BenchmarkId::new("verify_consistency_2^20", name), |b| {
        b.iter(|| verify_consistency::<H>(old, SIZE, &old_root, &root, black_box(&cons)).expect("ok"))
    });
    g.bench_function(BenchmarkId::new("leaf_hash_180B", name), |b| b.iter(|| H::hash_leaf(black_box(&entry(7)))));
    g.throughput(Throughput::Elements(1024));
    g.bench_function(BenchmarkId::new("append_1024_tiles_2^20", name), |b| {
        b.iter(|| tiles_after_append::<H>(&edge, SIZE, black_box(&batch)).expect("append"))
    });
    g.finish();
}

fn tlog_proof(c: &mut Criterion) {
    let t = tree::<Sm3>();
    let p = default_provider();
    let key = p.generate_sm2().expect("key");
    let signer =
        Sm2NoteSigner::new("bench.yinxin.test/log", Sm2Kind::Note, p.sm2_signer(&key, UserId::DEFAULT).expect("s"))
            .expect("signer");
    let note = Checkpoint::new("bench.yinxin.test/log", SIZE, t.root())
        .sign(&signer as &dyn NoteSigner)
        .expect("sign")
        .to_bytes();
    let index = 777_777;
    let text =
        TlogProof { extra: None, index, proof: inclusion_proof::<Sm3>(&t, index, SIZE).expect("p"), checkpoint: note }
            .to_bytes();
    let policy = CheckpointPolicy {
        origin: "bench.yinxin.test/log".into(),
        log_keys: vec![Box::new(signer.verifier())],
        witnesses: vec![],
        quorum: 0,
    };
    let e = entry(index);
    let mut g = c.benchmark_group("tlog");
    g.measurement_time(Duration::from_secs(5));
    g.throughput(Throughput::Elements(1));
    g.bench_function("verify_tlog_proof_2^20/sm3+sm2", |b| {
        b.iter(|| TlogProof::parse(black_box(&text)).expect("parse").verify::<Sm3>(&e, &policy).expect("ok"))
    });
    g.finish();
}

fn all(c: &mut Criterion) {
    proofs::<Sm3>(c, "sm3");
    proofs::<Sha256>(c, "sha256");
    tlog_proof(c);
}

criterion_group!(benches, all);
criterion_main!(benches);
