//! The sm2p256 backend against RustCrypto `sm2` (through the software backend) and the standard.

use hex_literal::hex;
use yinxin_gm::sm2::{ORDER_N, UserId, compute_z, message_digest};
use yinxin_gm::sm2p256::{SM2P256, mul_base, sign_with_nonce};
use yinxin_gm::software::SOFTWARE;
use yinxin_gm::{Provider, Sm2PrivateKey, Sm2Signature};

fn rng_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    SOFTWARE.fill_random(&mut b).unwrap();
    b
}

fn rustcrypto_mul_base(k: &[u8; 32]) -> Option<[u8; 65]> {
    use sm2::elliptic_curve::sec1::ToSec1Point;
    use sm2::elliptic_curve::{Group, PrimeField};
    let s = Option::<sm2::Scalar>::from(sm2::Scalar::from_repr((*k).into()))?;
    let p = sm2::ProjectivePoint::mul_by_generator(&s).to_affine();
    let enc = p.to_sec1_point(false);
    enc.as_bytes().try_into().ok()
}

#[test]
fn base_point_multiplication_matches_rustcrypto() {
    let mut n_minus_1 = ORDER_N;
    n_minus_1[31] -= 1;
    let mut one = [0u8; 32];
    one[31] = 1;
    let mut two = [0u8; 32];
    two[31] = 2;
    for k in [one, two, n_minus_1, [0x7f; 32], [0xfe; 32]] {
        assert_eq!(mul_base(&k), rustcrypto_mul_base(&k), "k = {}", hex::encode(k));
    }
    assert_eq!(mul_base(&[0; 32]), None, "0·G is the point at infinity");
    assert_eq!(mul_base(&ORDER_N), None, "n·G is the point at infinity");
    for _ in 0..2000 {
        let mut k = rng_bytes::<32>();
        k[0] &= 0xfe; // below n
        assert_eq!(mul_base(&k), rustcrypto_mul_base(&k), "k = {}", hex::encode(k));
    }
    // Scalars with long runs of zero and one bits exercise every Booth digit.
    for i in 0..256 {
        let mut k = [0u8; 32];
        k[31 - i / 8] = 1 << (i % 8);
        if k < ORDER_N {
            assert_eq!(mul_base(&k), rustcrypto_mul_base(&k), "2^{i}");
        }
        let mut m = [0u8; 32];
        for (j, b) in m.iter_mut().enumerate() {
            *b = if j * 8 < 256 - i { 0xff } else { 0 };
        }
        m[0] &= 0xfe;
        assert_eq!(mul_base(&m), rustcrypto_mul_base(&m), "ones {i}");
    }
}

#[test]
fn standard_example() {
    let key =
        Sm2PrivateKey::from_bytes(&hex!("3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8")).unwrap();
    let e = message_digest(&compute_z(UserId::DEFAULT, key.public_key()), b"message digest");
    let sig =
        sign_with_nonce(&key, &e, &hex!("59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21")).unwrap();
    assert_eq!(sig.r(), &hex!("F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3"));
    assert_eq!(sig.s(), &hex!("B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA"));
    SM2P256.sm2_verify(key.public_key(), UserId::DEFAULT, b"message digest", &sig).unwrap();
    assert!(sign_with_nonce(&key, &e, &[0; 32]).is_err());
    assert!(sign_with_nonce(&key, &e, &ORDER_N).is_err());
}

/// Random cases across both backends; `YINXIN_DIFF_CASES` sets how many (1,000,000 once in
/// release mode: `YINXIN_DIFF_CASES=1000000 cargo test --release -p yinxin-gm --test sm2p256 -- --ignored`).
fn differential(cases: usize) {
    let backends: [&dyn Provider; 2] = [&SOFTWARE, &SM2P256];
    let mut failures = 0;
    for i in 0..cases {
        let key = SOFTWARE.generate_sm2().unwrap();
        let len = (rng_bytes::<2>()[0] as usize) * 4;
        let mut msg = vec![0u8; len];
        SOFTWARE.fill_random(&mut msg).unwrap();
        let id_bytes = if i % 3 == 0 { b"1234567812345678".to_vec() } else { rng_bytes::<12>().to_vec() };
        let id = UserId::new(&id_bytes).unwrap();
        let signer = backends[i % 2].sm2_signer(&key, id).unwrap();
        let sig = signer.sign(&msg).unwrap();
        for v in backends {
            if v.sm2_verify(key.public_key(), id, &msg, &sig).is_err() {
                failures += 1;
            }
            // A changed message or a changed s must fail on both.
            let mut bad = msg.clone();
            bad.push(1);
            assert!(v.sm2_verify(key.public_key(), id, &bad, &sig).is_err());
            let mut s = *sig.s();
            s[31] ^= 1;
            if let Ok(tampered) = Sm2Signature::from_scalars(*sig.r(), s) {
                assert!(v.sm2_verify(key.public_key(), id, &msg, &tampered).is_err());
            }
        }
    }
    assert_eq!(failures, 0, "{failures} of {cases} cases disagreed");
}

#[test]
fn differential_against_rustcrypto() {
    differential(3000);
}

#[test]
#[ignore = "one million cases: run once in release mode"]
fn differential_million() {
    let n = std::env::var("YINXIN_DIFF_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    differential(n);
    eprintln!("differential: {n} cases agreed");
}

#[test]
fn verify_edge_cases() {
    let key = SOFTWARE.generate_sm2().unwrap();
    let v = SM2P256.sm2_verifier(key.public_key(), UserId::DEFAULT).unwrap();
    let sig = SM2P256.sm2_signer(&key, UserId::DEFAULT).unwrap().sign(b"m").unwrap();
    v.verify(b"m", &sig).unwrap();
    // r + s = n makes t = 0: rejected (B5), not a crash.
    let r = *sig.r();
    let mut s = [0u8; 32];
    let (mut borrow, n) = (0i16, ORDER_N);
    for i in (0..32).rev() {
        let d = n[i] as i16 - r[i] as i16 - borrow;
        s[i] = d.rem_euclid(256) as u8;
        borrow = (d < 0) as i16;
    }
    let t_zero = Sm2Signature::from_scalars(r, s).unwrap();
    assert!(v.verify(b"m", &t_zero).is_err());
    // s = 1, s = n − 1, r = 1, r = n − 1: well-formed, wrong, refused.
    let mut n1 = ORDER_N;
    n1[31] -= 1;
    let mut one = [0u8; 32];
    one[31] = 1;
    for (r, s) in [(one, one), (n1, n1), (one, n1), (n1, one), (*sig.r(), one)] {
        assert!(v.verify(b"m", &Sm2Signature::from_scalars(r, s).unwrap()).is_err());
    }
    // The signer refuses no valid key, including d = n − 2 (the largest allowed).
    let mut d = ORDER_N;
    d[31] -= 2;
    let big = Sm2PrivateKey::from_bytes(&d).unwrap();
    let sig = SM2P256.sm2_signer(&big, UserId::DEFAULT).unwrap().sign(b"x").unwrap();
    SOFTWARE.sm2_verify(big.public_key(), UserId::DEFAULT, b"x", &sig).unwrap();
    let mut one_key = [0u8; 32];
    one_key[31] = 1;
    let small = Sm2PrivateKey::from_bytes(&one_key).unwrap();
    let sig = SM2P256.sm2_signer(&small, UserId::DEFAULT).unwrap().sign(b"x").unwrap();
    SOFTWARE.sm2_verify(small.public_key(), UserId::DEFAULT, b"x", &sig).unwrap();
}

#[test]
fn generated_keys_have_the_right_public_key() {
    for _ in 0..200 {
        let key = SM2P256.generate_sm2().unwrap();
        let again = Sm2PrivateKey::from_bytes(key.expose_scalar().as_ref()).unwrap();
        assert_eq!(again.public_key(), key.public_key());
    }
}

/// A verifier kept for one key switches to its split table on the second verification; from
/// then on it must agree with RustCrypto on valid, altered and foreign signatures alike.
#[test]
fn a_reused_verifier_agrees_with_rustcrypto() {
    for _ in 0..4 {
        let key = SOFTWARE.generate_sm2().unwrap();
        let other = SOFTWARE.generate_sm2().unwrap();
        let ours = SM2P256.sm2_verifier(key.public_key(), UserId::DEFAULT).unwrap();
        let theirs = SOFTWARE.sm2_verifier(key.public_key(), UserId::DEFAULT).unwrap();
        let signer = SOFTWARE.sm2_signer(&key, UserId::DEFAULT).unwrap();
        let stranger = SOFTWARE.sm2_signer(&other, UserId::DEFAULT).unwrap();
        for i in 0..150u32 {
            let msg = i.to_be_bytes().repeat(i as usize % 40);
            let sig = if i % 5 == 4 { stranger.sign(&msg).unwrap() } else { signer.sign(&msg).unwrap() };
            let mut s = *sig.s();
            s[(i % 32) as usize] ^= 1 << (i % 8);
            let mut r = *sig.r();
            r[31 - (i % 32) as usize] ^= 0x80 >> (i % 8);
            let mut cases = vec![(msg.clone(), sig), ([msg.as_slice(), b"!"].concat(), sig)];
            let tampered = [Sm2Signature::from_scalars(*sig.r(), s), Sm2Signature::from_scalars(r, *sig.s())];
            cases.extend(tampered.into_iter().flatten().map(|t| (msg.clone(), t)));
            for (m, sg) in cases {
                let want = theirs.verify(&m, &sg).is_ok();
                assert_eq!(ours.verify(&m, &sg).is_ok(), want, "case {i}");
            }
            assert_eq!(ours.verify(&msg, &sig).is_ok(), i % 5 != 4, "case {i}");
        }
    }
}
