//! Malformed and wrong inputs: each gets its own error, and nothing panics.

use hex_literal::hex;
use yinxin_gm::sm2::ORDER_N;
use yinxin_gm::{Error, Sm2PrivateKey, Sm2PublicKey, Sm2Signature, UserId, default_provider};

fn signed() -> (Sm2PrivateKey, Vec<u8>, Sm2Signature) {
    let p = default_provider();
    let key = p.generate_sm2().unwrap();
    let msg = b"e-licence 1.2.156.3005.2.11100000000013338W.11530100MB0123456A.001.1".to_vec();
    let sig = p.sm2_signer(&key, UserId::DEFAULT).unwrap().sign(&msg).unwrap();
    (key, msg, sig)
}

#[test]
fn wrong_id_message_or_signature_bit() {
    let (key, msg, sig) = signed();
    let p = default_provider();
    let pk = key.public_key();
    p.sm2_verify(pk, UserId::DEFAULT, &msg, &sig).unwrap();
    assert_eq!(p.sm2_verify(pk, UserId::new(b"1234567812345679").unwrap(), &msg, &sig), Err(Error::SignatureMismatch));
    for i in 0..msg.len() {
        for bit in 0..8 {
            let mut m = msg.clone();
            m[i] ^= 1 << bit;
            assert_eq!(p.sm2_verify(pk, UserId::DEFAULT, &m, &sig), Err(Error::SignatureMismatch));
        }
    }
    let der = sig.to_der();
    for i in 0..der.len() {
        for bit in 0..8 {
            let mut d = der.clone();
            d[i] ^= 1 << bit;
            let r = Sm2Signature::from_bytes(&d).and_then(|s| p.sm2_verify(pk, UserId::DEFAULT, &msg, &s));
            assert!(r.is_err(), "bit {bit} of byte {i} flipped still verifies");
        }
    }
    // Another key.
    let other = p.generate_sm2().unwrap();
    assert_eq!(p.sm2_verify(other.public_key(), UserId::DEFAULT, &msg, &sig), Err(Error::SignatureMismatch));
}

fn der_sig(r: &[u8], s: &[u8]) -> Vec<u8> {
    let int = |v: &[u8]| {
        let mut o = vec![0x02, v.len() as u8];
        o.extend_from_slice(v);
        o
    };
    let body = [int(r), int(s)].concat();
    [vec![0x30, body.len() as u8], body].concat()
}

#[test]
fn r_and_s_out_of_range() {
    let one = [1u8];
    let mut n = vec![0u8];
    n.extend_from_slice(&ORDER_N);
    let mut n_minus_1 = n.clone();
    *n_minus_1.last_mut().unwrap() -= 1;
    assert_eq!(Sm2Signature::from_der(&der_sig(&[0], &one)), Err(Error::SignatureROutOfRange));
    assert_eq!(Sm2Signature::from_der(&der_sig(&one, &[0])), Err(Error::SignatureSOutOfRange));
    assert_eq!(Sm2Signature::from_der(&der_sig(&n, &one)), Err(Error::SignatureROutOfRange));
    assert_eq!(Sm2Signature::from_der(&der_sig(&one, &n)), Err(Error::SignatureSOutOfRange));
    assert!(Sm2Signature::from_der(&der_sig(&n_minus_1, &n_minus_1)).is_ok());
    // 33 bytes of magnitude: far above n.
    let big = [vec![0u8], vec![0xffu8; 33]].concat();
    assert_eq!(
        Sm2Signature::from_der(&der_sig(&big[1..], &one)),
        Err(Error::SignatureNotCanonical("negative INTEGER"))
    );
    assert_eq!(Sm2Signature::from_der(&der_sig(&big, &one)), Err(Error::SignatureROutOfRange));
    // Raw form: all zeros, all ones.
    assert_eq!(Sm2Signature::from_raw(&[0u8; 64]), Err(Error::SignatureROutOfRange));
    assert_eq!(Sm2Signature::from_raw(&[0xffu8; 64]), Err(Error::SignatureROutOfRange));
    let mut raw = [0x11u8; 64];
    raw[32..].copy_from_slice(&ORDER_N);
    assert_eq!(Sm2Signature::from_raw(&raw), Err(Error::SignatureSOutOfRange));
}

#[test]
fn non_canonical_and_truncated_der() {
    let (_, _, sig) = signed();
    let der = sig.to_der();
    // Every truncation is refused (and none panics).
    for n in 0..der.len() {
        assert!(Sm2Signature::from_der(&der[..n]).is_err(), "truncated to {n} bytes");
    }
    let cases: &[(&[u8], Error)] = &[
        (&hex!("3006020101020101 00"), Error::SignatureNotCanonical("bytes after the SEQUENCE")),
        (&hex!("3008020101020101 0500"), Error::SignatureNotCanonical("extra elements in the SEQUENCE")),
        (&hex!("308106020101020101"), Error::SignatureNotCanonical("long-form length where the short form fits")),
        (&hex!("3080020101020101 0000"), Error::SignatureNotCanonical("indefinite length")),
        (&hex!("300702020001020101"), Error::SignatureNotCanonical("INTEGER with a superfluous leading zero")),
        (&hex!("3006020181020101"), Error::SignatureNotCanonical("negative INTEGER")),
        (&hex!("30050200020101"), Error::SignatureNotCanonical("empty INTEGER")),
        (&hex!("3106020101020101"), Error::SignatureNotCanonical("expected a SEQUENCE")),
        (&hex!("3006040101020101"), Error::SignatureNotCanonical("expected an INTEGER")),
        (&hex!("300602010102"), Error::SignatureTruncated),
    ];
    for (bytes, want) in cases {
        assert_eq!(&Sm2Signature::from_der(bytes).unwrap_err(), want, "{}", hex::encode(bytes));
    }
    assert_eq!(Sm2Signature::from_bytes(b"garbage"), Err(Error::SignatureEncoding(7)));
    assert_eq!(Sm2Signature::from_bytes(&[]), Err(Error::SignatureTruncated));
}

#[test]
fn bad_public_keys() {
    let (key, _, _) = signed();
    let mut p = key.public_key().to_sec1();
    p[64] ^= 1; // y changed: off the curve
    assert_eq!(Sm2PublicKey::from_sec1(&p), Err(Error::PointNotOnCurve));
    assert_eq!(Sm2PublicKey::from_sec1(&[0]), Err(Error::PointAtInfinity));
    assert!(matches!(Sm2PublicKey::from_sec1(&p[..64]), Err(Error::PublicKeyEncoding(_))));
    assert!(matches!(Sm2PublicKey::from_sec1(&[]), Err(Error::PublicKeyEncoding(_))));
    let mut big = [0xffu8; 65];
    big[0] = 4;
    assert_eq!(Sm2PublicKey::from_sec1(&big), Err(Error::PublicKeyEncoding("coordinate not below p")));
    let mut q = key.public_key().to_sec1();
    q[0] = 7;
    assert!(matches!(Sm2PublicKey::from_sec1(&q), Err(Error::PublicKeyEncoding(_))));
    // Compressed form round-trips to the same key.
    let (x, y) = key.public_key().coordinates();
    let mut c = vec![2 + (y[31] & 1)];
    c.extend_from_slice(&x);
    assert_eq!(&Sm2PublicKey::from_sec1(&c).unwrap(), key.public_key());
    // An off-curve SPKI is refused the same way.
    let mut spki = key.public_key().to_spki_der();
    let n = spki.len();
    spki[n - 1] ^= 1;
    assert_eq!(Sm2PublicKey::from_spki_der(&spki), Err(Error::PointNotOnCurve));
}

#[test]
fn bad_private_keys() {
    assert_eq!(Sm2PrivateKey::from_bytes(&[0u8; 32]).unwrap_err(), Error::PrivateKeyOutOfRange);
    assert_eq!(Sm2PrivateKey::from_bytes(&ORDER_N).unwrap_err(), Error::PrivateKeyOutOfRange);
    let mut n1 = ORDER_N;
    n1[31] -= 1;
    assert_eq!(
        Sm2PrivateKey::from_bytes(&n1).unwrap_err(),
        Error::PrivateKeyOutOfRange,
        "n-1 makes 1+d non-invertible"
    );
    n1[31] -= 1;
    assert!(Sm2PrivateKey::from_bytes(&n1).is_ok(), "n-2 is the largest allowed");
    assert!(matches!(Sm2PrivateKey::from_pem("not a key", None), Err(Error::KeyFormat { .. })));
    assert!(matches!(Sm2PrivateKey::from_der(b"\x30\x03\x02\x01\x00", None), Err(Error::KeyFormat { .. })));
    // A PKCS#8 whose embedded public key belongs to another private key.
    let (key, _, _) = signed();
    let other = default_provider().generate_sm2().unwrap();
    let mut der = key.to_pkcs8_der().unwrap().to_vec();
    let pk = key.public_key().to_sec1();
    if let Some(pos) = der.windows(65).position(|w| w == pk) {
        der[pos..pos + 65].copy_from_slice(&other.public_key().to_sec1());
        assert!(matches!(Sm2PrivateKey::from_pkcs8_der(&der), Err(Error::KeyFormat { .. })));
    }
}

#[test]
fn bad_ciphertexts_and_ids() {
    use yinxin_gm::sm2::encrypt::{CiphertextFormat, decrypt, encrypt};
    let (key, _, _) = signed();
    let p = default_provider();
    let ct = encrypt(p, key.public_key(), b"wrapped key", CiphertextFormat::C1C3C2).unwrap();
    for i in 0..ct.len() {
        let mut c = ct.clone();
        c[i] ^= 0x01;
        assert!(decrypt(&key, &c).is_err(), "byte {i}");
    }
    assert!(matches!(decrypt(&key, &ct[..90]), Err(Error::CiphertextMalformed(_))));
    assert!(matches!(decrypt(&key, b""), Err(Error::CiphertextMalformed(_))));
    assert_eq!(encrypt(p, key.public_key(), b"", CiphertextFormat::Der).unwrap_err(), Error::EmptyPlaintext);
    assert_eq!(UserId::new(&vec![b'a'; 8192]).unwrap_err(), Error::UserIdTooLong(8192));
    assert!(UserId::new(&vec![b'a'; 8191]).is_ok());
}
