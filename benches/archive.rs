//! The archive's ingest throughput beside raw SM3 (and SHA-256) in the same run: one large
//! material (16 MiB, a PDF whose content stream is random bytes, so nothing compresses or
//! repeats) and a transaction of 50 small XML materials; then the fixity patrol over everything
//! stored. The archive is the real one: `yinxin_server::open` on SQLite in a temporary directory
//! with `keys-dev/`, every check and event as in production, no clamd (the virus scan is "not
//! run"; with clamd the scan adds its own time).

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use sha2::Digest;
use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use yinxin_archive::model::*;
use yinxin_archive::service::{Actor, Archive, Authority};

const LARGE: usize = 16 << 20;
const SMALL: usize = 4 << 10;
const SMALL_COUNT: usize = 50;

struct Setup {
    rt: tokio::runtime::Runtime,
    archive: Archive,
    auth: Arc<dyn Authority>,
    _dir: tempfile::TempDir,
}

fn setup() -> Setup {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cfg = yinxin_server::Config {
        data_dir: dir.path().to_path_buf(),
        key_dir: std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../keys-dev"),
        checkpoint_seconds: 0,
        ..Default::default()
    };
    let (archive, auth) = rt.block_on(async {
        let app = yinxin_server::open(cfg).await.unwrap();
        let auth: Arc<dyn Authority> =
            Arc::new(yinxin_server::archive::ServiceAuthority::new(&app, None).await.unwrap());
        (yinxin_server::archive::archive(&app), auth)
    });
    Setup { rt, archive, auth, _dir: dir }
}

fn random(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..n)
        .map(|_| {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 56) as u8
        })
        .collect()
}

fn transaction(no: &str, mats: &[(String, Vec<u8>)]) -> (TransactionMeta, Vec<MaterialIn>) {
    let t = TransactionMeta {
        txn_no: no.into(),
        item_code: "530100-BENCH".into(),
        item_name: "基准".into(),
        region_code: "530100".into(),
        applicant: Applicant {
            name: "某公司".into(),
            kind: "organisation".into(),
            id_type: "统一社会信用代码".into(),
            id_number: "91530100MA6K0X123J".into(),
        },
        accepted_at: "2026-11-02T09:30:00+08:00".into(),
        completed_at: Some("2026-11-05T16:00:00+08:00".into()),
        result: "准予".into(),
        licence_no: None,
        retention: None,
        declared_count: Some(mats.len() as u64),
        declared_bytes: Some(mats.iter().map(|m| m.1.len() as u64).sum()),
        remarks: None,
    };
    let mats = mats
        .iter()
        .map(|(name, b)| MaterialIn {
            meta: MaterialMeta {
                title: name.clone(),
                responsible: "申请人".into(),
                date: "2026-11-01".into(),
                doc_number: None,
                code: "A001".into(),
                class: Class::Application,
                file_name: name.clone(),
                declared_format: None,
                declared_sm3: None,
                source: Source::Upload,
                sharing: Sharing::None,
                sharing_condition: None,
                valid_until: None,
            },
            content: b.clone(),
        })
        .collect();
    (t, mats)
}

fn archive(c: &mut Criterion) {
    let s = setup();
    let actor = Actor { id: "bench".into(), role: "department".into(), department: "11530100MB0123456A".into() };
    let n = AtomicU64::new(0);
    let large = yinxin_tests::corpus::pdf_with(&random(LARGE, 7));
    let mut g = c.benchmark_group("archive/large_16MiB");
    g.sample_size(10).measurement_time(Duration::from_secs(10)).throughput(Throughput::Bytes(large.len() as u64));
    g.bench_function("sm3", |b| b.iter(|| black_box(yinxin_gm::sm3::sm3(black_box(&large)))));
    g.bench_function("sha256", |b| b.iter(|| black_box(sha2::Sha256::digest(black_box(&large)))));
    g.bench_function("ingest", |b| {
        b.iter_batched(
            || {
                // New bytes each time (one byte of the stream changed): nothing deduplicates.
                let i = n.fetch_add(1, Ordering::Relaxed);
                let mut bytes = large.clone();
                let at = bytes.len() / 2;
                bytes[at..at + 8].copy_from_slice(&i.to_le_bytes());
                transaction(&format!("L{i}"), &[("扫描件.pdf".into(), bytes)])
            },
            |(t, m)| {
                let out = s.rt.block_on(s.archive.ingest(&actor, t, m, s.auth.clone())).unwrap();
                assert_ne!(out.verdict, yinxin_archive::inspect::Verdict::Rejected);
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();

    let mut g = c.benchmark_group("archive/small_50x4KiB");
    g.sample_size(10).measurement_time(Duration::from_secs(20)).throughput(Throughput::Elements(SMALL_COUNT as u64));
    let smalls: Vec<Vec<u8>> = (0..SMALL_COUNT)
        .map(|k| {
            let mut x = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><记录 n=\"{k}\">").into_bytes();
            x.extend(std::iter::repeat_n(b'x', SMALL - x.len() - 10));
            x.extend(b"</\xe8\xae\xb0\xe5\xbd\x95>");
            x
        })
        .collect();
    g.bench_function("sm3", |b| {
        b.iter(|| {
            for x in &smalls {
                black_box(yinxin_gm::sm3::sm3(black_box(x)));
            }
        })
    });
    g.bench_function("ingest", |b| {
        b.iter_batched(
            || {
                let i = n.fetch_add(1, Ordering::Relaxed);
                let mats: Vec<(String, Vec<u8>)> = smalls
                    .iter()
                    .enumerate()
                    .map(|(k, x)| {
                        let mut x = x.clone();
                        x[60..68].copy_from_slice(&i.to_le_bytes());
                        (format!("记录{k}.xml"), x)
                    })
                    .collect();
                transaction(&format!("S{i}"), &mats)
            },
            |(t, m)| black_box(s.rt.block_on(s.archive.ingest(&actor, t, m, s.auth.clone())).unwrap()),
            BatchSize::PerIteration,
        )
    });
    g.finish();

    let stored = s.rt.block_on(s.archive.stored_bytes()).unwrap();
    let mut g = c.benchmark_group("archive/patrol");
    g.sample_size(10).measurement_time(Duration::from_secs(10)).throughput(Throughput::Bytes(stored));
    let admin = Actor { id: "bench".into(), role: "admin".into(), department: String::new() };
    g.bench_function("patrol_all", |b| {
        b.iter(|| {
            let r = s.rt.block_on(s.archive.patrol(&admin, &|_| {})).unwrap();
            assert!(r.problems.is_empty());
        })
    });
    g.finish();
    eprintln!(
        "patrol covered {stored} bytes in {} blobs",
        s.rt.block_on(s.archive.patrol(&admin, &|_| {})).unwrap().blobs
    );
}

criterion_group!(benches, archive);
criterion_main!(benches);
