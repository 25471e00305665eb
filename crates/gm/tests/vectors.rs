//! Test vectors from the standards themselves.
//!
//! - SM3: GB/T 32905-2016 Annex A (A.1 "abc", A.2 "abcd" × 16).
//! - SM4: GB/T 32907-2016 Annex A (A.1 one block, A.2 1,000,000 encryptions).
//! - SM2: GB/T 32918.5-2017 (= GM/T 0003.5-2012) Annex A / C worked examples on the recommended
//!   curve: the signature of "message digest" with ID 1234567812345678 and the fixed nonce k, and
//!   the encryption of "encryption standard" with the same k (ciphertext serialised in GM/T 0009 DER
//!   as OpenSSL's test/sm2_internal_test.c has it).

use hex_literal::hex;
use yinxin_gm::sm2::encrypt::{CiphertextFormat, decrypt, encrypt_with_rng};
use yinxin_gm::sm2::{UserId, compute_z, message_digest};
use yinxin_gm::sm3::{Sm3Hasher, hmac_sm3, kdf, sm3};
use yinxin_gm::sm4::Sm4Key;
use yinxin_gm::{Sm2PrivateKey, Sm2PublicKey, Sm2Signature, default_provider, software};

#[test]
fn sm3_abc() {
    assert_eq!(sm3(b"abc").0, hex!("66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"));
}

#[test]
fn sm3_512_bit_example() {
    let m = b"abcd".repeat(16);
    let want = hex!("debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732");
    assert_eq!(sm3(&m).0, want);
    // Streaming in uneven pieces gives the same digest.
    let mut h = Sm3Hasher::new();
    h.update(&m[..7]).update(&m[7..40]).update(&m[40..]);
    assert_eq!(h.finalize().0, want);
}

#[test]
fn hmac_sm3_matches_rfc2104_construction() {
    // HMAC-SM3 checked against the RFC 2104 definition built from SM3 itself, for a short key
    // and for a key longer than the block (which is hashed first).
    for key in [b"key".to_vec(), vec![0x5a; 100]] {
        let msg = b"The quick brown fox jumps over the lazy dog";
        let k0 = if key.len() > 64 { sm3(&key).0.to_vec() } else { key.clone() };
        let mut block = [0u8; 64];
        block[..k0.len()].copy_from_slice(&k0);
        let ipad: Vec<u8> = block.iter().map(|b| b ^ 0x36).collect();
        let opad: Vec<u8> = block.iter().map(|b| b ^ 0x5c).collect();
        let inner = sm3(&[ipad, msg.to_vec()].concat());
        let outer = sm3(&[opad, inner.0.to_vec()].concat());
        assert_eq!(hmac_sm3(&key, msg), outer.0);
    }
}

#[test]
fn kdf_is_counter_mode_sm3() {
    let z = b"shared secret Z";
    let k = kdf(z, 70).unwrap();
    let mut want = Vec::new();
    for ct in 1u32..=3 {
        want.extend(sm3(&[z.as_slice(), &ct.to_be_bytes()].concat()).0);
    }
    assert_eq!(&k[..], &want[..70]);
}

#[test]
fn sm4_one_block() {
    let key = Sm4Key::from_slice(&hex!("0123456789abcdeffedcba9876543210")).unwrap();
    let mut b = hex!("0123456789abcdeffedcba9876543210");
    key.encrypt_block(&mut b);
    assert_eq!(b, hex!("681edf34d206965e86b3e94f536e4246"));
}

/// One million encryptions: about a second in release mode, ~20 s in debug. `.ci/run` runs it
/// with `--ignored` in release mode.
#[test]
#[ignore = "slow in debug builds: .ci/run runs it in release mode"]
fn sm4_one_million_rounds() {
    let key = Sm4Key::from_slice(&hex!("0123456789abcdeffedcba9876543210")).unwrap();
    let mut b = hex!("0123456789abcdeffedcba9876543210");
    for _ in 0..1_000_000 {
        key.encrypt_block(&mut b);
    }
    assert_eq!(b, hex!("595298c7c6fd271f0402f804c33d3f66"));
}

const D: [u8; 32] = hex!("3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8");
const K: [u8; 32] = hex!("59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21");

#[test]
fn sm2_signature_example() {
    let key = Sm2PrivateKey::from_bytes(&D).unwrap();
    let (x, y) = key.public_key().coordinates();
    assert_eq!(x, hex!("09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020"));
    assert_eq!(y, hex!("CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13"));

    let z = compute_z(UserId::DEFAULT, key.public_key());
    assert_eq!(z.0, hex!("B2E14C5C79C6DF5B85F4FE7ED8DB7A262B9DA7E07CCB0EA9F4747B8CCDA8A4F3"));
    let e = message_digest(&z, b"message digest");
    assert_eq!(e.0, hex!("F0B43E94BA45ACCAACE692ED534382EB17E6AB5A19CE7B31F4486FDFC0D28640"));

    let sig = software::sign_with_nonce(&key, &e, &K).unwrap();
    assert_eq!(sig.r(), &hex!("F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3"));
    assert_eq!(sig.s(), &hex!("B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA"));

    // The published signature verifies through the provider, and not for another message or ID.
    let p = default_provider();
    p.sm2_verify(key.public_key(), UserId::DEFAULT, b"message digest", &sig).unwrap();
    assert!(p.sm2_verify(key.public_key(), UserId::DEFAULT, b"message digesT", &sig).is_err());
    let other = UserId::new(b"ALICE123@YAHOO.COM").unwrap();
    assert!(p.sm2_verify(key.public_key(), other, b"message digest", &sig).is_err());
}

/// A "random" source that returns the standard's k, so encryption reproduces Annex C exactly.
struct FixedK(Vec<u8>);
impl rand_core::TryRng for FixedK {
    type Error = core::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        unreachable!()
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        unreachable!()
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        let n = dst.len();
        dst.copy_from_slice(&self.0[..n]);
        self.0.drain(..n);
        Ok(())
    }
}
impl rand_core::TryCryptoRng for FixedK {}

#[test]
fn sm2_encryption_example() {
    let key = Sm2PrivateKey::from_bytes(&D).unwrap();
    let want = hex!(
        "307C022004EBFC718E8D1798620432268E77FEB6415E2EDE0E073C0F4F640ECD2E149A73"
        "022100E858F9D81E5430A57B36DAAB8F950A3C64E6EE6A63094D99283AFF767E124DF0"
        "042059983C18F809E262923C53AEC295D30383B54E39D609D160AFCB1908D0BD8766"
        "041321886CA989CA9C7D58087307CA93092D651EFA"
    );
    let got =
        encrypt_with_rng(&mut FixedK(K.to_vec()), key.public_key(), b"encryption standard", CiphertextFormat::Der)
            .unwrap();
    assert_eq!(got, want);
    assert_eq!(decrypt(&key, &want).unwrap(), b"encryption standard");

    // The same ciphertext as C1 ‖ C3 ‖ C2.
    let raw = [
        &hex!("04")[..],
        &hex!("04EBFC718E8D1798620432268E77FEB6415E2EDE0E073C0F4F640ECD2E149A73"),
        &hex!("E858F9D81E5430A57B36DAAB8F950A3C64E6EE6A63094D99283AFF767E124DF0"),
        &hex!("59983C18F809E262923C53AEC295D30383B54E39D609D160AFCB1908D0BD8766"),
        &hex!("21886CA989CA9C7D58087307CA93092D651EFA"),
    ]
    .concat();
    let got =
        encrypt_with_rng(&mut FixedK(K.to_vec()), key.public_key(), b"encryption standard", CiphertextFormat::C1C3C2)
            .unwrap();
    assert_eq!(got, raw);
    assert_eq!(decrypt(&key, &raw).unwrap(), b"encryption standard");
}

#[test]
fn sm4_gcm_and_cbc_round_trip_and_reject_tampering() {
    let p = default_provider();
    let key = Sm4Key::generate(p).unwrap();
    let sealed = key.seal(p, b"aad", b"licence key material").unwrap();
    assert_eq!(key.open(b"aad", &sealed).unwrap(), b"licence key material");
    for i in 0..sealed.len() {
        let mut t = sealed.clone();
        t[i] ^= 1;
        assert_eq!(key.open(b"aad", &t), Err(yinxin_gm::Error::AeadAuthentication), "byte {i}");
    }
    assert_eq!(key.open(b"other aad", &sealed), Err(yinxin_gm::Error::AeadAuthentication));

    let iv = [7u8; 16];
    for len in [0usize, 1, 15, 16, 17, 1000] {
        let m = vec![0xa5u8; len];
        let c = key.cbc_encrypt(&iv, &m).unwrap();
        assert_eq!(c.len(), (len / 16 + 1) * 16);
        assert_eq!(key.cbc_decrypt(&iv, &c).unwrap(), m);
    }
    assert_eq!(key.cbc_decrypt(&iv, &[0u8; 15]), Err(yinxin_gm::Error::CbcPadding));
}

#[test]
fn sm4_gcm_known_answer() {
    // SM4-GCM test vector of RFC 8998 Appendix A.1.
    let key = Sm4Key::from_slice(&hex!("0123456789ABCDEFFEDCBA9876543210")).unwrap();
    let iv = hex!("00001234567800000000ABCD");
    let aad = hex!("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2");
    let pt = hex!(
        "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD"
        "EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA"
    );
    let ct = hex!(
        "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735"
        "D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D"
    );
    let tag = hex!("83DE3541E4C2B58177E065A9BF7B62EC");
    let sealed = key.gcm_seal(&iv, &aad, &pt).unwrap();
    assert_eq!(&sealed[..64], &ct[..]);
    assert_eq!(&sealed[64..], &tag[..]);
    assert_eq!(key.gcm_open(&iv, &aad, &sealed).unwrap(), pt);
}

#[test]
fn sign_and_verify_round_trip_through_provider() {
    let p = default_provider();
    let key = p.generate_sm2().unwrap();
    let signer = p.sm2_signer(&key, UserId::DEFAULT).unwrap();
    let sig = signer.sign(b"hello").unwrap();
    let der = sig.to_der();
    assert_eq!(Sm2Signature::from_bytes(&der).unwrap(), sig);
    assert_eq!(Sm2Signature::from_bytes(&sig.to_raw()).unwrap(), sig);
    let v = p.sm2_verifier(key.public_key(), UserId::DEFAULT).unwrap();
    v.verify(b"hello", &sig).unwrap();
    assert_eq!(v.verify(b"hellp", &sig), Err(yinxin_gm::Error::SignatureMismatch));
    // Secrets stay out of Debug output.
    let dbg = format!("{key:?} {signer:?}");
    let d_hex = hex::encode(key.expose_scalar().as_ref());
    assert!(!dbg.to_lowercase().contains(&d_hex));
    let _ = Sm2PublicKey::from_sec1(&key.public_key().to_sec1()).unwrap();
}
