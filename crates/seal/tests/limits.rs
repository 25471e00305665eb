//! Hostile seal and signature bytes are refused in bounded memory and time, with a reason: DER
//! nested tens of thousands deep, a length that claims gigabytes, and an input past the size
//! limit. Each test says which limit it guards.

#[path = "../../../tests/support/peak.rs"]
mod peak;

#[global_allocator]
static ALLOC: peak::Counting = peak::Counting;

use peak::bounded;
use yinxin_pki::TrustStore;
use yinxin_pki::report::Indication;
use yinxin_seal::model::MAX_LEN;
use yinxin_seal::verify::{VerifyOptions, verify_signature_bytes};
use yinxin_seal::{Seal, SesSignature, gmt0010};

/// `depth` SEQUENCEs around `inner`, definite lengths, built in one pass.
fn nested(depth: usize, inner: &[u8]) -> Vec<u8> {
    let mut headers = Vec::with_capacity(depth);
    let mut len = inner.len();
    for _ in 0..depth {
        let b = (len as u32).to_be_bytes();
        let skip = b.iter().take_while(|x| **x == 0).count();
        let h = if len < 0x80 {
            vec![0x30, len as u8]
        } else {
            [&[0x30, 0x80 | (4 - skip) as u8][..], &b[skip..]].concat()
        };
        len += h.len();
        headers.push(h);
    }
    let mut out = Vec::with_capacity(len);
    for h in headers.iter().rev() {
        out.extend_from_slice(h);
    }
    out.extend_from_slice(inner);
    out
}

/// Guards the length check of `der.rs` (a length is compared with the bytes present before any
/// slice is taken; indefinite and over-long length forms are refused) and the fixed-depth shape
/// of the SES and GM/T 0010 parsers (each level is read by name, never by recursion): every
/// hostile input is refused with a reason.
#[test]
fn seal_and_signature_parsers_refuse_hostile_der() {
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("nested 200,000 deep", nested(200_000, &[0x05, 0x00])),
        ("indefinite lengths 100,000 deep", [0x30, 0x80].repeat(100_000)),
        ("a length of 2 GiB", [&[0x30, 0x84, 0x7f, 0xff, 0xff, 0xff][..], &[0u8; 16]].concat()),
        ("a length of 4 GiB inside", [&[0x30, 0x06, 0x30, 0x84, 0xff, 0xff, 0xff, 0xff][..]].concat()),
        ("a five-byte length form", vec![0x30, 0x85, 1, 0, 0, 0, 0, 0]),
    ];
    let trust = TrustStore::default();
    let opts = VerifyOptions::new(&trust);
    for (what, der) in cases {
        bounded(what, || {
            assert!(Seal::parse(&der).is_err(), "seal: {what}");
            assert!(SesSignature::parse(&der).is_err(), "SES signature: {what}");
            assert!(gmt0010::SignedData::parse(&der).is_err(), "GM/T 0010: {what}");
            let r = gmt0010::verify(&der, Some(b"data"), &opts);
            assert_eq!(r.indication, Indication::Failed, "GM/T 0010 verify: {what}");
            let r = verify_signature_bytes(&der, Some(b"data"), &opts);
            assert_eq!(r.indication, Indication::Failed, "SES verify: {what}");
        });
    }
}

/// Guards MAX_LEN (`model.rs`): an input one byte past it is refused before it is read.
#[test]
fn an_oversized_seal_is_refused_by_its_size() {
    let big = nested(1, &vec![0u8; MAX_LEN]);
    let e = bounded("oversized seal", || Seal::parse(&big)).map(|_| ()).expect_err("refused").to_string();
    assert!(e.contains(&format!("{MAX_LEN}-byte limit")), "{e}");
    let e = bounded("oversized signature", || SesSignature::parse(&big)).map(|_| ()).expect_err("refused").to_string();
    assert!(e.contains(&format!("{MAX_LEN}-byte limit")), "{e}");
    assert!(gmt0010::SignedData::parse(&big).is_err());
}
