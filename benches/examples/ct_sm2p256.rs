//! dudect-style timing test of sm2p256 signing (Reparaz, Balasch, Verbauwhede 2017): two classes
//! of inputs, one fixed and one random, timed interleaved; Welch's t statistic over the timings
//! says whether the classes can be told apart. |t| < 5 is the usual pass mark (10 on a noisy VM).
//!
//! Run: `cargo run --release -p yinxin-benches --example ct_sm2p256`. dudect-bencher prints
//! `max t = …` per test and always exits 0; `benches/ct.sh` runs it and checks the values.
//! All inputs are generated before measuring (generating inside the loop causes false alarms).

use dudect_bencher::rand::RngExt;
use dudect_bencher::{BenchRng, Class, CtRunner, ctbench_main};
use std::hint::black_box;
use yinxin_gm::sm2p256::{mul_base, prepare, sign_prepared};

const N: usize = 100_000;

fn below_n(mut b: [u8; 32]) -> [u8; 32] {
    b[0] &= 0x7f; // < n, and never zero in practice
    b[31] |= 1;
    b
}

fn random32(rng: &mut BenchRng) -> [u8; 32] {
    let mut b = [0u8; 32];
    rng.fill(&mut b[..]);
    below_n(b)
}

/// A nonce with almost every Booth digit zero: the case a table-index or skip leak would show.
fn sparse() -> [u8; 32] {
    let mut k = [0u8; 32];
    k[31] = 1;
    k[4] = 0x10;
    k
}

/// Fixed sparse nonce versus random nonces, same key and message.
fn sign_nonce(runner: &mut CtRunner, rng: &mut BenchRng) {
    let key = prepare(&random32(rng));
    let e = random32(rng);
    let inputs: Vec<(Class, [u8; 32])> = (0..N)
        .map(|_| if rng.random::<bool>() { (Class::Left, sparse()) } else { (Class::Right, random32(rng)) })
        .collect();
    for (class, k) in inputs {
        runner.run_one(class, || sign_prepared(black_box(&key), black_box(&e), black_box(&k)));
    }
}

/// A fixed small key versus random keys, random nonces for both. Both classes read their key
/// from the same vector, so memory layout does not differ between them.
fn sign_key(runner: &mut CtRunner, rng: &mut BenchRng) {
    let mut two = [0u8; 32];
    two[31] = 2;
    let e = random32(rng);
    let inputs: Vec<(Class, yinxin_gm::sm2p256::PreparedKey, [u8; 32])> = (0..N / 4)
        .map(|_| {
            let k = random32(rng);
            if rng.random::<bool>() {
                (Class::Left, prepare(&two), k)
            } else {
                (Class::Right, prepare(&random32(rng)), k)
            }
        })
        .collect();
    for (class, key, k) in &inputs {
        runner.run_one(*class, || sign_prepared(black_box(key), black_box(&e), black_box(k)));
    }
}

/// The fixed-base multiplication alone: sparse versus random scalars.
fn base_mul(runner: &mut CtRunner, rng: &mut BenchRng) {
    let inputs: Vec<(Class, [u8; 32])> = (0..N)
        .map(|_| if rng.random::<bool>() { (Class::Left, sparse()) } else { (Class::Right, random32(rng)) })
        .collect();
    for (class, k) in inputs {
        runner.run_one(class, || mul_base(black_box(&k)));
    }
}

/// The variable-base multiplication of two-party signing (k₃·Q₁ on the service), `group::Point::mul`:
/// sparse versus random scalars, the same public point.
fn var_mul(runner: &mut CtRunner, rng: &mut BenchRng) {
    use yinxin_gm::sm2p256::group::{Point, Scalar};
    let p = Point::mul_base(&Scalar::from_be_bytes(&random32(rng)).expect("below n")).expect("a point");
    let inputs: Vec<(Class, Scalar)> = (0..N / 4)
        .map(|_| {
            let k = if rng.random::<bool>() { (Class::Left, sparse()) } else { (Class::Right, random32(rng)) };
            (k.0, Scalar::from_be_bytes(&k.1).expect("below n"))
        })
        .collect();
    for (class, k) in &inputs {
        runner.run_one(*class, || black_box(&p).mul(black_box(k)));
    }
}

ctbench_main!(sign_nonce, sign_key, base_mul, var_mul);
