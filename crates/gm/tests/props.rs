//! Property tests: round trips hold for arbitrary inputs, and parsers never panic on arbitrary
//! bytes.

use proptest::prelude::*;
use yinxin_gm::sm2::encrypt::{CiphertextFormat, decrypt, encrypt};
use yinxin_gm::sm4::Sm4Key;
use yinxin_gm::{Sm2PrivateKey, Sm2PublicKey, Sm2Signature, UserId, default_provider};

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn sign_verify_round_trip(msg in proptest::collection::vec(any::<u8>(), 0..2048), id in proptest::collection::vec(any::<u8>(), 0..64)) {
        let p = default_provider();
        let key = p.generate_sm2().unwrap();
        let id = UserId::new(&id).unwrap();
        let sig = p.sm2_signer(&key, id).unwrap().sign(&msg).unwrap();
        prop_assert!(p.sm2_verify(key.public_key(), id, &msg, &sig).is_ok());
        let mut other = msg.clone();
        other.push(1);
        prop_assert!(p.sm2_verify(key.public_key(), id, &other, &sig).is_err());
    }

    #[test]
    fn der_raw_round_trip(r in any::<[u8; 32]>(), s in any::<[u8; 32]>()) {
        match Sm2Signature::from_scalars(r, s) {
            Ok(sig) => {
                prop_assert_eq!(Sm2Signature::from_der(&sig.to_der()).unwrap(), sig);
                prop_assert_eq!(Sm2Signature::from_raw(&sig.to_raw()).unwrap(), sig);
                prop_assert_eq!(Sm2Signature::from_bytes(&sig.to_der()).unwrap(), sig);
                prop_assert_eq!(Sm2Signature::from_bytes(&sig.to_raw()).unwrap(), sig);
            }
            Err(_) => prop_assert!(Sm2Signature::from_raw(&[r, s].concat()).is_err()),
        }
    }

    #[test]
    fn encryption_round_trip(msg in proptest::collection::vec(any::<u8>(), 1..600), der in any::<bool>()) {
        let p = default_provider();
        let key = p.generate_sm2().unwrap();
        let fmt = if der { CiphertextFormat::Der } else { CiphertextFormat::C1C3C2 };
        let ct = encrypt(p, key.public_key(), &msg, fmt).unwrap();
        prop_assert_eq!(decrypt(&key, &ct).unwrap(), msg);
    }

    #[test]
    fn sm4_round_trip(msg in proptest::collection::vec(any::<u8>(), 0..600), aad in proptest::collection::vec(any::<u8>(), 0..40)) {
        let p = default_provider();
        let key = Sm4Key::generate(p).unwrap();
        prop_assert_eq!(key.open(&aad, &key.seal(p, &aad, &msg).unwrap()).unwrap(), msg.clone());
        prop_assert_eq!(key.cbc_decrypt(&[9; 16], &key.cbc_encrypt(&[9; 16], &msg).unwrap()).unwrap(), msg);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = Sm2Signature::from_bytes(&bytes);
        let _ = Sm2Signature::from_der(&bytes);
        let _ = Sm2PublicKey::from_sec1(&bytes);
        let _ = Sm2PublicKey::from_spki_der(&bytes);
        let _ = Sm2PrivateKey::from_der(&bytes, Some(b"pass"));
        let _ = Sm2PrivateKey::from_sec1_der(&bytes);
        if let Ok(text) = std::str::from_utf8(&bytes) {
            let _ = Sm2PrivateKey::from_pem(text, None);
            let _ = Sm2PublicKey::from_pem(text);
        }
    }

    #[test]
    fn der_shaped_inputs_never_panic(body in proptest::collection::vec(any::<u8>(), 0..80), tag in prop_oneof![Just(0x30u8), any::<u8>()]) {
        let mut bytes = vec![tag, body.len() as u8];
        bytes.extend(&body);
        let _ = Sm2Signature::from_bytes(&bytes);
        let key = Sm2PrivateKey::from_bytes(&[7u8; 32]).unwrap();
        let _ = decrypt(&key, &bytes);
    }
}
