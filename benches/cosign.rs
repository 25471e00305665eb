//! Two-party SM2 signing (`yinxin_sign::cosign`) on the service's side, beside plain `sm2p256`
//! signing in the same run (issue 18). The service's work per signature is answering the
//! device's commitment (check its proof, k₃·Q₁ + k₂·G in constant time, two multiplications
//! mod n) and accepting the result (one SM2 verification). The device's work (in the browser,
//! JavaScript) is measured by `tests/e2e/cosign.test.mjs`, not here.
//!
//! Run: `cargo bench -p yinxin-benches --bench cosign`.

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use yinxin_gm::sm2p256::SM2P256;
use yinxin_gm::{Provider, Sm2PrivateKey, UserId};
use yinxin_sign::cosign::{DeviceEnrolment, ServiceShare, SignSession, digest_for};

fn cosign(c: &mut Criterion) {
    let (pending, request) = DeviceEnrolment::start(b"bench").expect("enrol");
    let (service, response) = ServiceShare::enrol(b"bench", &request).expect("enrol");
    let device = pending.finish(&response).expect("enrol");
    let public = service.public_key().expect("key");
    let e = digest_for(&public, b"a contract of ordinary length, signed attributes");

    let key = Sm2PrivateKey::generate(&SM2P256).expect("key");
    let signer = SM2P256.sm2_signer(&key, UserId::DEFAULT).expect("signer");

    let mut g = c.benchmark_group("cosign");
    g.bench_function("plain sm2p256 sign (peer)", |b| b.iter(|| signer.sign_digest(black_box(&e)).expect("sign")));
    // Fresh sessions and commitments are made outside the timing: they are the device's work.
    let fresh = || {
        let session = SignSession::new(e).expect("session");
        let (nonce, commitment) = device.commit(&session.id, &e).expect("commit");
        (session, nonce, commitment)
    };
    g.bench_function("service: answer a commitment", |b| {
        b.iter_batched(
            fresh,
            |(mut session, _nonce, commitment)| service.answer(&mut session, black_box(&commitment)).expect("answer"),
            BatchSize::SmallInput,
        )
    });
    g.bench_function("service: answer + accept (per signature)", |b| {
        b.iter_batched(
            || {
                let (mut session, nonce, commitment) = fresh();
                let mut probe = session.clone();
                let answer = service.answer(&mut probe, &commitment).expect("answer");
                let (_, completion) = nonce.finish(&device, &answer).expect("finish");
                // The timed part answers again on an unanswered copy, then accepts the
                // completion for the copy that answered (same cost as accepting its own).
                session.state = yinxin_sign::cosign::SessionState::Open;
                (session, probe, commitment, completion)
            },
            |(mut session, mut answered, commitment, completion)| {
                service.answer(&mut session, black_box(&commitment)).expect("answer");
                service.accept(&mut answered, black_box(&completion)).expect("accept")
            },
            BatchSize::SmallInput,
        )
    });
    g.bench_function("whole protocol, device in Rust too", |b| {
        b.iter(|| {
            let mut session = SignSession::new(e).expect("session");
            let (nonce, commitment) = device.commit(&session.id, &e).expect("commit");
            let answer = service.answer(&mut session, &commitment).expect("answer");
            let (_, completion) = nonce.finish(&device, &answer).expect("finish");
            service.accept(&mut session, &completion).expect("accept")
        })
    });
    g.finish();
}

criterion_group!(benches, cosign);
criterion_main!(benches);
