//! Two-party SM2 signing (`yinxin_sign::cosign`), as issue 18 asks:
//! - 10,000 signatures through the protocol, each verified by the RustCrypto `sm2` backend (not
//!   the `sm2p256` code the protocol runs on) and a sample by `openssl pkeyutl` with the standard
//!   user ID, a check that uses no yinxin code;
//! - the service alone, with every message it has seen and its own nonces, tries the attacks a
//!   dishonest service would, and none gives a valid signature — while the same attacks do
//!   recover the key from a device that reuses its nonce, which shows they are real attacks;
//! - a dishonest service's answers make the device refuse, without releasing s;
//! - replayed and altered messages are refused and change nothing.

use std::path::Path;
use yinxin_gm::sm2::{Sm2PublicKey, Sm2Signature};
use yinxin_gm::sm2p256::group::{Point, Scalar};
use yinxin_gm::sm3::Sm3Digest;
use yinxin_gm::{Provider, UserId};
use yinxin_sign::Error;
use yinxin_sign::cosign::{Answer, DeviceEnrolment, DeviceShare, ServiceShare, SessionState, SignSession, digest_for};

fn enrol() -> (DeviceShare, ServiceShare) {
    let id = b"enrolment-0001";
    let (pending, request) = DeviceEnrolment::start(id).unwrap();
    let (service, response) = ServiceShare::enrol(id, &request).unwrap();
    let device = pending.finish(&response).unwrap();
    assert_eq!(device.public_key().unwrap(), service.public_key().unwrap());
    (device, service)
}

/// One whole signature; returns it with the session and the answer the service sent.
fn sign(device: &DeviceShare, service: &ServiceShare, message: &[u8]) -> (Sm2Signature, SignSession, Answer) {
    let e = digest_for(&service.public_key().unwrap(), message);
    let mut session = SignSession::new(e).unwrap();
    let (nonce, commitment) = device.commit(&session.id, &e).unwrap();
    let answer = service.answer(&mut session, &commitment).unwrap();
    let (sig, completion) = nonce.finish(device, &answer).unwrap();
    assert_eq!(service.accept(&mut session, &completion).unwrap(), sig);
    (sig, session, answer)
}

fn code(e: Error) -> &'static str {
    match e {
        Error::Protocol { code, .. } => code,
        other => panic!("not a protocol refusal: {other}"),
    }
}

fn openssl_verifies(dir: &Path, public: &Sm2PublicKey, message: &[u8], sig: &Sm2Signature) -> bool {
    std::fs::write(dir.join("pub.der"), public.to_spki_der()).unwrap();
    std::fs::write(dir.join("msg"), message).unwrap();
    std::fs::write(dir.join("sig"), sig.to_der()).unwrap();
    yinxin_tests::openssl(
        dir,
        &[
            "pkeyutl",
            "-verify",
            "-pubin",
            "-inkey",
            "pub.der",
            "-keyform",
            "DER",
            "-rawin",
            "-in",
            "msg",
            "-sigfile",
            "sig",
            "-digest",
            "sm3",
            "-pkeyopt",
            "distid:1234567812345678",
        ],
    )
    .status
    .success()
}

#[test]
fn ten_thousand_signatures_verify_and_openssl_agrees_on_a_sample() {
    let (device, service) = enrol();
    let public = service.public_key().unwrap();
    // The RustCrypto backend, independent of the sm2p256 code the protocol runs on.
    let rustcrypto = yinxin_gm::software::SOFTWARE.sm2_verifier(&public, UserId::DEFAULT).unwrap();
    let dir = yinxin_tests::scratch();
    let mut rs = std::collections::HashSet::new();
    for i in 0..10_000u32 {
        let message = format!("contract {i}: 甲方 乙方 签署页").into_bytes();
        let (sig, _, _) = sign(&device, &service, &message);
        rustcrypto.verify(&message, &sig).unwrap_or_else(|e| panic!("signature {i}: {e}"));
        assert!(rs.insert(*sig.r()), "r repeated at {i}: a nonce was reused");
        if i % 500 == 0 {
            assert!(openssl_verifies(dir.path(), &public, &message, &sig), "OpenSSL refuses signature {i}");
            let mut other = message.clone();
            other.push(b'!');
            assert!(
                !openssl_verifies(dir.path(), &public, &other, &sig),
                "OpenSSL accepts signature {i} on another message"
            );
        }
    }
}

/// d from a candidate w = (1 + d)⁻¹, if it is the key.
fn key_from_w(w: &Scalar, public: &Point) -> Option<Scalar> {
    let d = w.invert()?.sub(&Scalar::ONE);
    (Point::mul_base(&d) == Some(*public)).then_some(d)
}

/// What the service knows of one finished signature.
struct Seen {
    r: Scalar,
    s: Scalar,
    s2: Scalar,
    s3: Scalar,
    q1: [u8; 65],
}

/// One signature, returning what the service saw of it (Q₁ from its stored state between the
/// messages). `k1`: a chosen device nonce, only for the nonce-reuse control.
fn sign_seen(device: &DeviceShare, service: &ServiceShare, message: &[u8], k1: Option<Scalar>) -> (Sm2Signature, Seen) {
    let e = digest_for(&service.public_key().unwrap(), message);
    let mut session = SignSession::new(e).unwrap();
    let (nonce, commitment) = match k1 {
        Some(k1) => device.commit_with_nonce(&session.id, &e, k1).unwrap(),
        None => device.commit(&session.id, &e).unwrap(),
    };
    let answer = service.answer(&mut session, &commitment).unwrap();
    let SessionState::Answered { q1, .. } = session.state else { panic!("not answered") };
    let (sig, completion) = nonce.finish(device, &answer).unwrap();
    service.accept(&mut session, &completion).unwrap();
    let scalar = |h: &str| Scalar::from_be_bytes(&hex::decode(h).unwrap().try_into().unwrap()).unwrap();
    let seen = Seen {
        r: Scalar::from_be_bytes(sig.r()).unwrap(),
        s: Scalar::from_be_bytes(sig.s()).unwrap(),
        s2: scalar(&answer.s2),
        s3: scalar(&answer.s3),
        q1,
    };
    (sig, seen)
}

/// Every attack the service can mount from what it has seen: returns the key if one works.
/// - one signature: w = (s + r)/(k₂ + r), right if the device's k₁ had not contributed (k₃ = 0);
/// - two signatures with the same Q₁: s + r = w·k₁·(s₂/d₂) + w·(s₃/d₂) twice, solved for w.
fn attack(seen: &[Seen], d2: &Scalar, public: &Point) -> Option<Scalar> {
    let d2_inv = d2.invert()?;
    for a in seen {
        // s₃ = d₂(r + k₂) ⇒ k₂ + r = s₃/d₂; a w from this signature alone.
        let w = a.s.add(&a.r).mul(&a.s3.mul(&d2_inv).invert()?);
        if let Some(d) = key_from_w(&w, public) {
            return Some(d);
        }
    }
    for (i, a) in seen.iter().enumerate() {
        for b in &seen[i + 1..] {
            if a.q1 != b.q1 {
                continue;
            }
            // With u = w·k₁ and kᵢ₃ = sᵢ₂/d₂, (kᵢ₂ + rᵢ) = sᵢ₃/d₂:
            //   sₐ + rₐ = u·kₐ₃ + w·(kₐ₂ + rₐ),  s_b + r_b = u·k_b₃ + w·(k_b₂ + r_b).
            let (ka3, kb3) = (a.s2.mul(&d2_inv), b.s2.mul(&d2_inv));
            let (ca, cb) = (a.s3.mul(&d2_inv), b.s3.mul(&d2_inv));
            let (ya, yb) = (a.s.add(&a.r), b.s.add(&b.r));
            // Eliminate u: ya·kb3 − yb·ka3 = w·(ca·kb3 − cb·ka3).
            let det = ca.mul(&kb3).sub(&cb.mul(&ka3));
            let w = ya.mul(&kb3).sub(&yb.mul(&ka3)).mul(&det.invert()?);
            if let Some(d) = key_from_w(&w, public) {
                return Some(d);
            }
        }
    }
    None
}

#[test]
fn the_service_alone_cannot_sign() {
    let (device, service) = enrol();
    let public_key = service.public_key().unwrap();
    let public = Point::from_public_key(&public_key);
    let share = service.to_bytes();
    let d2 = Scalar::from_be_bytes(&share[..32].try_into().unwrap()).unwrap();
    let target = b"a contract the person never signed".as_slice();
    let e_target = digest_for(&public_key, target);
    let verifies = |sig: &Sm2Signature| {
        yinxin_gm::software::SOFTWARE.sm2_verifier(&public_key, UserId::DEFAULT).unwrap().verify(target, sig).is_ok()
    };

    // Fifty honest signatures; the service keeps everything it saw.
    let (signatures, transcript): (Vec<_>, Vec<_>) =
        (0..50).map(|i| sign_seen(&device, &service, format!("document {i}").as_bytes(), None)).unzip();

    // 1. d₂ used as if it were the key, either way round.
    for guess in [d2.clone(), d2.invert().unwrap().sub(&Scalar::ONE)] {
        if let Ok(key) = yinxin_gm::Sm2PrivateKey::from_bytes(&guess.to_be_bytes()) {
            let sig = yinxin_gm::software::SOFTWARE.sm2_signer(&key, UserId::DEFAULT).unwrap().sign(target).unwrap();
            assert!(!verifies(&sig), "d₂ alone signed");
        }
    }
    // 2. Old signatures replayed on the target.
    assert!(signatures.iter().all(|s| !verifies(s)));
    // 3. The algebra over everything seen.
    assert!(attack(&transcript, &d2, &public).is_none(), "the service recovered the key from an honest transcript");
    // 4. An old Q₁ answered again for the target, finished with every w the service can form.
    let q1 = Point::from_sec1(&transcript[0].q1).unwrap();
    let (k2, k3) = (Scalar::random().unwrap(), Scalar::random().unwrap());
    let point = q1.mul(&k3).unwrap().add(&Point::mul_base(&k2).unwrap()).unwrap();
    let r = Scalar::from_be_bytes_reduced(&point.x_bytes()).add(&Scalar::from_be_bytes_reduced(&e_target.0));
    for a in &transcript {
        let w = a.s.add(&a.r).mul(&a.s3.invert().unwrap()).mul(&d2);
        // The service knows neither k₁ nor d₁: the best it can put for d₁·k₁ is w's guess.
        let s = w.mul(&k3).add(&w.mul(&r.add(&k2))).sub(&r);
        if let Ok(sig) = Sm2Signature::from_scalars(r.to_be_bytes(), s.to_be_bytes()) {
            assert!(!verifies(&sig));
        }
    }

    // Control: a device that reuses k₁ hands the service the key through the same attack.
    let k1 = Scalar::random().unwrap();
    let leaked: Vec<Seen> =
        (0..2).map(|i| sign_seen(&device, &service, format!("reused {i}").as_bytes(), Some(k1.clone())).1).collect();
    let d = attack(&leaked, &d2, &public).expect("the attack recovers the key when a nonce is reused");
    let forged_key = yinxin_gm::Sm2PrivateKey::from_bytes(&d.to_be_bytes()).unwrap();
    let forged = yinxin_gm::software::SOFTWARE.sm2_signer(&forged_key, UserId::DEFAULT).unwrap().sign(target).unwrap();
    assert!(verifies(&forged), "with the key recovered, the control forgery verifies");
}

#[test]
fn a_dishonest_answer_makes_the_device_refuse_without_releasing_s() {
    let (device, service) = enrol();
    let public_key = service.public_key().unwrap();
    let d2 = Scalar::from_be_bytes(&service.to_bytes()[..32].try_into().unwrap()).unwrap();
    let e = digest_for(&public_key, b"contract");
    let session = SignSession::new(e).unwrap();
    let hex32 = |s: &Scalar| hex::encode(s.to_be_bytes());
    // k₃ = 0: the service's own nonce k₂ alone; one s would give it (1 + d)⁻¹.
    let k2 = Scalar::random().unwrap();
    let r = Scalar::from_be_bytes_reduced(&Point::mul_base(&k2).unwrap().x_bytes())
        .add(&Scalar::from_be_bytes_reduced(&e.0));
    let forged =
        |s2: String| Answer { session: session.id.to_hex(), r: hex32(&r), s2, s3: hex32(&d2.mul(&r.add(&k2))) };
    let (nonce, _) = device.commit(&session.id, &e).unwrap();
    assert_eq!(code(nonce.finish(&device, &forged(hex32(&Scalar::ZERO))).unwrap_err()), "cosign.malformed");
    // k₃ ≠ 0 but r from k₂·G alone: the result cannot verify, and the device says so.
    let (nonce, _) = device.commit(&session.id, &e).unwrap();
    assert_eq!(
        code(nonce.finish(&device, &forged(hex32(&d2.mul(&Scalar::random().unwrap())))).unwrap_err()),
        "cosign.invalid"
    );
}

#[test]
fn replayed_and_altered_messages_are_refused_and_change_nothing() {
    let (device, service) = enrol();
    let public = service.public_key().unwrap();
    let e = digest_for(&public, b"tender bid");
    let mut a = SignSession::new(e).unwrap();
    let mut b = SignSession::new(digest_for(&public, b"another bid")).unwrap();
    let (nonce, commitment) = device.commit(&a.id, &e).unwrap();

    // Altered Q₁ (another valid point), altered proof, garbage.
    let mut altered = commitment.clone();
    altered.q1 = hex::encode(Point::mul_base(&Scalar::random().unwrap()).unwrap().to_sec1());
    assert_eq!(code(service.answer(&mut a, &altered).unwrap_err()), "cosign.proof");
    let mut altered = commitment.clone();
    altered.proof.replace_range(0..2, if &altered.proof[0..2] == "00" { "01" } else { "00" });
    assert_eq!(code(service.answer(&mut a, &altered).unwrap_err()), "cosign.proof");
    let mut altered = commitment.clone();
    altered.q1 = "04zz".into();
    assert_eq!(code(service.answer(&mut a, &altered).unwrap_err()), "cosign.malformed");
    // Moved to another session (its id rewritten): the proof is bound to session and digest.
    let mut moved = commitment.clone();
    moved.session = b.id.to_hex();
    assert_eq!(code(service.answer(&mut b, &moved).unwrap_err()), "cosign.proof");
    assert_eq!(code(service.answer(&mut b, &commitment).unwrap_err()), "cosign.session");
    assert_eq!(a.state, SessionState::Open, "refusals change nothing");
    assert_eq!(b.state, SessionState::Open);

    let answer = service.answer(&mut a, &commitment).unwrap();
    let answered = a.clone();
    // The same commitment again: a second answer would reuse the device's nonce.
    assert_eq!(code(service.answer(&mut a, &commitment).unwrap_err()), "cosign.replayed");
    assert_eq!(a, answered);

    // An altered answer: the device refuses and releases nothing.
    let (nonce2, _) = device.commit(&a.id, &e).unwrap();
    let mut bad = answer.clone();
    bad.s3 = hex::encode(Scalar::random().unwrap().to_be_bytes());
    assert_eq!(code(nonce2.finish(&device, &bad).unwrap_err()), "cosign.invalid");

    let (sig, completion) = nonce.finish(&device, &answer).unwrap();
    // An altered signature, then one for another session.
    let mut bad = completion.clone();
    let s = Scalar::from_be_bytes(sig.s()).unwrap().add(&Scalar::ONE);
    bad.signature = format!("{}{}", hex::encode(sig.r()), hex::encode(s.to_be_bytes()));
    assert_eq!(code(service.accept(&mut a, &bad).unwrap_err()), "cosign.invalid");
    assert_eq!(a, answered);
    assert_eq!(code(service.accept(&mut b, &completion).unwrap_err()), "cosign.session");
    assert_eq!(service.accept(&mut a, &completion).unwrap(), sig);
    // Replayed after completion.
    assert_eq!(code(service.accept(&mut a, &completion).unwrap_err()), "cosign.replayed");
    assert_eq!(code(service.answer(&mut a, &commitment).unwrap_err()), "cosign.replayed");

    // The session state survives storage (the service persists it between messages).
    let json = serde_json::to_string(&a).unwrap();
    assert_eq!(serde_json::from_str::<SignSession>(&json).unwrap(), a);
}

#[test]
fn enrolment_checks_both_ways_and_stored_shares_are_checked() {
    let id = b"enrolment-0002";
    let (pending, request) = DeviceEnrolment::start(id).unwrap();
    // The device's proof, moved to another enrolment or altered.
    assert_eq!(code(ServiceShare::enrol(b"enrolment-0003", &request).unwrap_err()), "cosign.proof");
    let mut bad = request.clone();
    bad.p1 = hex::encode(Point::mul_base(&Scalar::random().unwrap()).unwrap().to_sec1());
    assert_eq!(code(ServiceShare::enrol(id, &bad).unwrap_err()), "cosign.proof");
    // A service that returns a public key not built on the device's share.
    let (_, response) = ServiceShare::enrol(id, &request).unwrap();
    let mut lying = response.clone();
    lying.public_key = hex::encode(Point::mul_base(&Scalar::random().unwrap()).unwrap().to_sec1());
    let (pending2, request2) = DeviceEnrolment::start(id).unwrap();
    let (service2, response2) = ServiceShare::enrol(id, &request2).unwrap();
    assert_eq!(code(pending.finish(&lying).unwrap_err()), "cosign.key");
    let device2 = pending2.finish(&response2).unwrap();

    // Stored shares round trip; a share stored against another person's key is refused.
    let restored = ServiceShare::from_bytes(&service2.to_bytes()).unwrap();
    let dev_restored = DeviceShare::from_bytes(&device2.to_bytes()).unwrap();
    let (sig, _, _) = sign(&dev_restored, &restored, b"after a restart");
    assert!(
        yinxin_gm::software::SOFTWARE
            .sm2_verifier(&service2.public_key().unwrap(), UserId::DEFAULT)
            .unwrap()
            .verify(b"after a restart", &sig)
            .is_ok()
    );
    let mut swapped = service2.to_bytes().to_vec();
    swapped[97..].copy_from_slice(&Point::mul_base(&Scalar::random().unwrap()).unwrap().to_sec1());
    assert_eq!(code(ServiceShare::from_bytes(&swapped).unwrap_err()), "cosign.share");
    let _: Sm3Digest = digest_for(&service2.public_key().unwrap(), b"");
}
