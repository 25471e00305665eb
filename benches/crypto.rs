//! SM2, SM3 and SM4 through the provider, as the rest of yinxin calls them. `peers.sh` runs
//! this beside `openssl speed` and prints the ratios.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use yinxin_gm::UserId;
use yinxin_gm::sm4::Sm4Key;

fn sm2(c: &mut Criterion) {
    let backends: [&dyn yinxin_gm::Provider; 2] = [&yinxin_gm::sm2p256::SM2P256, &yinxin_gm::software::SOFTWARE];
    let msg = vec![0x5au8; 1024];
    for p in backends {
        let key = p.generate_sm2().unwrap();
        let signer = p.sm2_signer(&key, UserId::DEFAULT).unwrap();
        let verifier = p.sm2_verifier(key.public_key(), UserId::DEFAULT).unwrap();
        let sig = signer.sign(&msg).unwrap();
        let mut g = c.benchmark_group(format!("sm2-{}", p.name()));
        g.bench_function("keygen", |b| b.iter(|| p.generate_sm2().unwrap()));
        g.bench_function("sign_1KiB", |b| b.iter(|| signer.sign(black_box(&msg)).unwrap()));
        g.bench_function("verify_1KiB", |b| b.iter(|| verifier.verify(black_box(&msg), &sig).unwrap()));
        // The whole path a verifier without a cached key takes: Z, per-key tables, then verify.
        g.bench_function("verify_1KiB_uncached", |b| {
            b.iter(|| p.sm2_verify(key.public_key(), UserId::DEFAULT, black_box(&msg), &sig).unwrap())
        });
        g.finish();
    }
}

fn sm3(c: &mut Criterion) {
    let mut g = c.benchmark_group("sm3");
    for (name, n) in [("1KiB", 1024usize), ("16KiB", 16 << 10), ("1MiB", 1 << 20)] {
        let data = vec![0xa5u8; n];
        g.throughput(Throughput::Bytes(n as u64));
        g.bench_function(name, |b| b.iter(|| yinxin_gm::sm3::sm3(black_box(&data))));
    }
    g.finish();
}

fn sm4(c: &mut Criterion) {
    let key = Sm4Key::from_slice(&[7u8; 16]).unwrap();
    let data = vec![0x3cu8; 1 << 20];
    let mut g = c.benchmark_group("sm4");
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.bench_function("gcm_seal_1MiB", |b| b.iter(|| key.gcm_seal(&[1u8; 12], b"", black_box(&data)).unwrap()));
    g.bench_function("cbc_encrypt_1MiB", |b| b.iter(|| key.cbc_encrypt(&[1u8; 16], black_box(&data)).unwrap()));
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(std::time::Duration::from_secs(3));
    targets = sm2, sm3, sm4
}
criterion_main!(benches);
