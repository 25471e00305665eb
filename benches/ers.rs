//! RFC 4998 evidence records at archive scale: 100,000 packages of 5 files each in one batch,
//! the files' SM3 digests computed beforehand (as the archive does while storing them). Measured:
//! the hash tree and its one SM2 time stamp, then the same with every record DER-encoded; and
//! verifying one record against its files. The average record size is printed once, whole and as
//! stored with the batch's token kept once.
//!
//! Goal: under 2 s for the tree and its time stamp, at most 1 KB per package.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;
use time::OffsetDateTime;
use yinxin_benches::{dev_cert, dev_signer};
use yinxin_pki::ers::{build_batch_digests, verify};
use yinxin_pki::tsp::{HashAlg, Imprint, TimeStampAuthority};

const PACKAGES: usize = 100_000;
const FILES: usize = 5;

/// Stand-in bytes of file `f` of package `p`.
fn file(p: usize, f: usize) -> Vec<u8> {
    format!("package {p:06} file {f}").into_bytes()
}

fn ers(c: &mut Criterion) {
    let tsa = TimeStampAuthority::new(
        dev_cert("tsa.cert.pem"),
        vec![dev_cert("issuing-ca.cert.pem")],
        dev_signer("tsa.key.pem"),
        yinxin_pki::oid::YINXIN_TSA_POLICY,
    )
    .expect("TSA");
    let groups: Vec<Vec<Vec<u8>>> =
        (0..PACKAGES).map(|p| (0..FILES).map(|f| HashAlg::Sm3.digest(&file(p, f))).collect()).collect();
    let at = OffsetDateTime::now_utc();
    // Tokens without the TSA's certificates: the archive keeps those once, not in every record.
    let stamp = |i: &Imprint| tsa.stamp(i, None, false, at);

    // Once: the sizes, and a record checked against its files.
    let records = build_batch_digests(&groups, HashAlg::Sm3, stamp).expect("batch");
    let sizes: Vec<usize> = records.iter().map(|r| r.to_der().expect("DER").len()).collect();
    let total: usize = sizes.iter().sum();
    let token = records[0].chains()[0][0].time_stamp().len();
    let token_with_certs =
        tsa.stamp(&Imprint { alg: HashAlg::Sm3, digest: vec![0; 32] }, None, true, at).expect("token").len();
    let depth = records[0].chains()[0][0].reduced_hash_tree().map_or(0, <[_]>::len);
    eprintln!(
        "ers: {PACKAGES} packages × {FILES} files: {:.0} bytes per record on average (min {}, max {}), \
         of which the shared token {token} bytes (with the TSA certificates: {token_with_certs}) and the \
         reduced hash tree ≈{:.0} bytes in {depth} PartialHashtrees; {:.1} MB in all",
        total as f64 / PACKAGES as f64,
        sizes.iter().min().copied().unwrap_or(0),
        sizes.iter().max().copied().unwrap_or(0),
        total as f64 / PACKAGES as f64 - token as f64,
        total as f64 / 1e6,
    );
    // Stored as an archive keeps them: each record with its token replaced by a 49-byte
    // reference, the token kept once for the batch (attached again on export).
    let detached: usize = records.iter().map(|r| r.detached().to_der().expect("DER").len()).sum();
    eprintln!(
        "ers: stored with the batch's token kept once: {:.0} bytes per package ({} bytes of records + {token} of token \
         for {PACKAGES} packages)",
        (detached + token) as f64 / PACKAGES as f64,
        detached
    );
    let k = PACKAGES / 3;
    let files: Vec<Vec<u8>> = (0..FILES).map(|f| file(k, f)).collect();
    verify(&records[k], &files).expect("a record verifies against its files");

    let mut g = c.benchmark_group("ers");
    g.sample_size(10).measurement_time(Duration::from_secs(20)).throughput(Throughput::Elements(PACKAGES as u64));
    g.bench_function("tree_and_stamp_100k_packages", |b| {
        b.iter(|| build_batch_digests(black_box(&groups), HashAlg::Sm3, stamp).expect("batch"))
    });
    g.bench_function("tree_stamp_and_encode_100k_packages", |b| {
        b.iter(|| {
            let records = build_batch_digests(black_box(&groups), HashAlg::Sm3, stamp).expect("batch");
            records.iter().map(|r| r.to_der().expect("DER").len()).sum::<usize>()
        })
    });
    g.throughput(Throughput::Elements(1));
    g.bench_function("verify_one_record_of_100k", |b| b.iter(|| verify(black_box(&records[k]), &files).expect("ok")));
    g.finish();
}

criterion_group!(benches, ers);
criterion_main!(benches);
