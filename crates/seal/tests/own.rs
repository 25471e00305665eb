//! Seals and signatures made by yinxin: make → sign → verify, every byte flipped, and each way a
//! seal signature can be wrong. Uses the development PKI in `keys-dev/`.

use std::path::PathBuf;
use time::{Duration, OffsetDateTime};
use yinxin_gm::{Sm2PrivateKey, Sm2Signer, UserId, default_provider};
use yinxin_pki::report::{Indication, Outcome, Report, SubIndication};
use yinxin_pki::tsp::{Imprint, TimeStampAuthority};
use yinxin_pki::{Cert, TrustStore};
use yinxin_seal::der::write::{bits, generalized_time, int, oid, seq, tlv};
use yinxin_seal::make::{CertListForm, SealKind, SealRequest, SignRequest, make_seal, sign};
use yinxin_seal::verify::{At, VerifyOptions, verify_seal, verify_signature};
use yinxin_seal::{Seal, SesSignature};

fn kd(f: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../keys-dev").join(f)
}
fn cert(stem: &str) -> Cert {
    Cert::from_pem_or_der(&std::fs::read(kd(&format!("{stem}.cert.pem"))).unwrap()).unwrap()
}
fn key(stem: &str) -> Sm2PrivateKey {
    Sm2PrivateKey::from_pem(&std::fs::read_to_string(kd(&format!("{stem}.key.pem"))).unwrap(), None).unwrap()
}
fn signer(stem: &str) -> Box<dyn Sm2Signer> {
    default_provider().sm2_signer(&key(stem), UserId::DEFAULT).unwrap()
}

struct World {
    trust: TrustStore,
    chain: Vec<Cert>,
    tsa: TimeStampAuthority,
}

fn world() -> World {
    let tsa = TimeStampAuthority::new(
        cert("tsa"),
        vec![cert("issuing-ca")],
        signer("tsa"),
        yinxin_pki::oid::YINXIN_TSA_POLICY,
    )
    .unwrap();
    World { trust: TrustStore::new(vec![cert("root-ca")]), chain: vec![cert("issuing-ca")], tsa }
}

impl World {
    fn opts(&self) -> VerifyOptions<'_> {
        let mut o = VerifyOptions::new(&self.trust);
        o.intermediates = &self.chain;
        o
    }
}

/// A tiny picture keeps the seal small enough to walk every byte.
fn small_seal(holders: Vec<Cert>, form: CertListForm, start: OffsetDateTime, valid: Duration) -> Seal {
    let req = SealRequest {
        es_id: "53010000000001".into(),
        kind: SealKind::Contract,
        name: "某市市场监督管理局合同专用章".into(),
        holders,
        cert_list_form: form,
        valid_start: start,
        valid_end: start + valid,
        picture_kind: "PNG".into(),
        picture: b"\x89PNG stand-in picture".to_vec(),
        picture_mm: (42, 42),
        vid: "yinxin".into(),
    };
    make_seal(&req, &cert("seal-maker"), signer("seal-maker").as_ref(), OffsetDateTime::now_utc()).unwrap()
}

fn sign_as(
    stem: &str,
    seal: &Seal,
    data: &[u8],
    property_info: &str,
    tsa: Option<&TimeStampAuthority>,
) -> yinxin_seal::Result<SesSignature> {
    let key = signer(stem);
    let c = cert(stem);
    sign(
        &SignRequest { seal, signer_cert: &c, signer: key.as_ref(), data, property_info, tsa },
        OffsetDateTime::now_utc(),
    )
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

fn outcome(r: &Report, id: &str) -> Outcome {
    r.checks.iter().find(|c| c.id == id).map(|c| c.outcome).unwrap_or_else(|| panic!("no {id}: {:#?}", r.checks))
}

#[test]
fn make_sign_verify_passes_with_a_time_stamp() {
    let w = world();
    for form in [CertListForm::Certificates, CertListForm::Sm3Digests] {
        let seal = small_seal(vec![cert("dept-market")], form, now() - Duration::hours(1), Duration::days(365));
        let r = verify_seal(&seal, &w.opts());
        assert_eq!(r.indication, Indication::Passed, "{:#?}", r.checks);
        let data = b"licence 1.2.156.3005.2 ...";
        let sig = sign_as("dept-market", &seal, data, "/Doc_0/Signs/Sign_0/Signature.xml", Some(&w.tsa)).unwrap();
        assert!(sig.time_stamp.is_some());
        let r = verify_signature(&sig, Some(data), &w.opts());
        assert_eq!(r.indication, Indication::Passed, "{:#?}", r.checks);
        assert_eq!(r.time_source, Some(yinxin_pki::report::TimeSource::TimeStamp));
        assert!(r.time_stamp.as_ref().unwrap().tsa.as_ref().unwrap().contains("时间戳"));
        // A round trip through the bytes gives the same verdict.
        let again = SesSignature::parse(&sig.raw).unwrap();
        assert_eq!(verify_signature(&again, Some(data), &w.opts()).indication, Indication::Passed);
    }
}

#[test]
fn every_flipped_byte_is_detected() {
    let w = world();
    let seal = small_seal(
        vec![cert("dept-market")],
        CertListForm::Certificates,
        now() - Duration::hours(1),
        Duration::days(365),
    );
    // The seal: every byte.
    for i in 0..seal.raw.len() {
        let mut b = seal.raw.clone();
        b[i] ^= 0x01;
        if let Ok(s) = Seal::parse(&b) {
            assert_ne!(verify_seal(&s, &w.opts()).indication, Indication::Passed, "seal byte {i}");
        }
    }
    // The signature (without a time stamp, to keep the walk short) and the data: every byte.
    let data = b"a small material".to_vec();
    let sig = sign_as("dept-market", &seal, &data, "material.pdf", None).unwrap();
    assert_eq!(verify_signature(&sig, Some(&data), &w.opts()).indication, Indication::Passed);
    for i in 0..sig.raw.len() {
        let mut b = sig.raw.clone();
        b[i] ^= 0x01;
        if let Ok(s) = SesSignature::parse(&b) {
            assert_ne!(
                verify_signature(&s, Some(&data), &w.opts()).indication,
                Indication::Passed,
                "signature byte {i}"
            );
        }
    }
    for i in 0..data.len() {
        let mut d = data.clone();
        d[i] ^= 0x01;
        let r = verify_signature(&sig, Some(&d), &w.opts());
        assert_eq!(r.sub_indication, Some(SubIndication::HashFailure), "data byte {i}");
    }
}

#[test]
fn a_remembered_maker_signature_stands_only_for_the_same_bytes() {
    let w = world();
    let seal = small_seal(
        vec![cert("dept-market")],
        CertListForm::Certificates,
        now() - Duration::hours(1),
        Duration::days(365),
    );
    // Verified twice: the second time from the memo of maker signatures.
    for _ in 0..2 {
        assert_eq!(outcome(&verify_seal(&seal, &w.opts()), "seal.maker_signature"), Outcome::Passed);
    }
    // Any change to what the signature covers, to its value or to the maker is checked afresh.
    let mut value = seal.clone();
    *value.signed_value.last_mut().unwrap() ^= 0x01;
    let mut signed = seal.clone();
    *signed.maker_signed_bytes.last_mut().unwrap() ^= 0x01;
    let mut maker = seal.clone();
    maker.maker_cert = cert("dept-market").der().to_vec();
    for (what, s) in [("signed value", &value), ("signed bytes", &signed), ("maker", &maker)] {
        let r = verify_seal(s, &w.opts());
        assert_eq!(outcome(&r, "seal.maker_signature"), Outcome::Failed, "{what}: {:#?}", r.checks);
    }
    assert_eq!(outcome(&verify_seal(&seal, &w.opts()), "seal.maker_signature"), Outcome::Passed);
}

#[test]
fn signer_not_in_cert_list() {
    let w = world();
    let seal = small_seal(
        vec![cert("dept-transport")],
        CertListForm::Certificates,
        now() - Duration::hours(1),
        Duration::days(365),
    );
    assert!(sign_as("dept-market", &seal, b"x", "x", None).is_err(), "the signing side refuses");
    // Hand-built, the verifier refuses it too.
    let sig = hand_signed(&seal, "dept-market", b"x", now(), None);
    let r = verify_signature(&sig, Some(b"x"), &w.opts());
    // GB/T 38540-2020 §7.3 makes this final: FAILED, though ETSI pairs the sub-indication with
    // INDETERMINATE; the check names the clause.
    assert_eq!((r.indication, r.sub_indication), (Indication::Failed, Some(SubIndication::SigConstraintsFailure)));
    let c = r.checks.iter().find(|c| c.id == "sig.signer_in_cert_list").unwrap();
    assert_eq!(c.outcome, Outcome::Failed);
    assert!(c.clause.is_some_and(|k| k.contains("GB/T 38540-2020 §7.3")), "{c:?}");
}

/// Build an SES_Signature by hand, bypassing the signing side's checks, to test the verifier.
fn hand_signed(seal: &Seal, stem: &str, data: &[u8], at: OffsetDateTime, token: Option<Vec<u8>>) -> SesSignature {
    let tbs = seq(&[&int(4), &seal.raw, &generalized_time(at), &bits(&yinxin_gm::sm3::sm3(data).0), &tlv(0x16, b"x")]);
    let sig = signer(stem).sign(&tbs).unwrap().to_der();
    let mut parts = vec![tbs, tlv(0x04, cert(stem).der()), oid(yinxin_pki::oid::SM2_WITH_SM3), bits(&sig)];
    if let Some(t) = token {
        parts.push(tlv(0xa0, &bits(&t)));
    }
    let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
    SesSignature::parse(&seq(&refs)).unwrap()
}

#[test]
fn seal_expired_at_signing_time() {
    let w = world();
    // A seal valid for one hour, twenty hours ago; the signature claims a time after it ended
    // (but inside the certificates' validity) and is judged at that time.
    let seal = small_seal(
        vec![cert("dept-market")],
        CertListForm::Certificates,
        now() - Duration::hours(20),
        Duration::hours(1),
    );
    let when = now() - Duration::hours(10);
    let sig = hand_signed(&seal, "dept-market", b"x", when, None);
    let mut o = w.opts();
    o.at = At::SigningTime;
    let r = verify_signature(&sig, Some(b"x"), &o);
    assert_eq!((r.indication, r.sub_indication), (Indication::Failed, Some(SubIndication::Expired)), "{:#?}", r.checks);
    assert_eq!(outcome(&r, "seal.validity"), Outcome::Failed);
}

#[test]
fn maker_not_a_trusted_seal_authority() {
    let w = world();
    let seal = small_seal(
        vec![cert("dept-market")],
        CertListForm::Certificates,
        now() - Duration::hours(1),
        Duration::days(365),
    );
    // Seal authorities: only a root that did not certify the maker.
    let other_key = default_provider().generate_sm2().unwrap();
    let other_root = yinxin_pki::issue_cert(
        &yinxin_pki::CertRequest {
            profile: yinxin_pki::Profile::RootCa,
            subject_der: yinxin_pki::DnBuilder::parse("C=CN,CN=另一个制章根").unwrap().to_der().unwrap(),
            public_key: other_key.public_key().clone(),
            not_before: now() - Duration::days(1),
            not_after: now() + Duration::days(10),
            serial: None,
            path_len: None,
            crl_url: None,
        },
        None,
        default_provider().sm2_signer(&other_key, UserId::DEFAULT).unwrap().as_ref(),
    )
    .unwrap();
    let authorities = TrustStore::new(vec![other_root]);
    let mut o = w.opts();
    o.seal_authorities = Some(&authorities);
    let r = verify_seal(&seal, &o);
    // An unknown seal authority is "cannot tell" (EN 319 102-1: INDETERMINATE), not "forged".
    assert_eq!(
        (r.indication, r.sub_indication),
        (Indication::Indeterminate, Some(SubIndication::NoCertificateChainFound))
    );
    assert_eq!(outcome(&r, "seal.maker_chain"), Outcome::Indeterminate);
}

#[test]
fn wrong_data_and_time_stamp_over_other_bytes() {
    let w = world();
    let seal = small_seal(
        vec![cert("dept-market")],
        CertListForm::Certificates,
        now() - Duration::hours(1),
        Duration::days(365),
    );
    let sig = sign_as("dept-market", &seal, b"data", "x", Some(&w.tsa)).unwrap();
    let r = verify_signature(&sig, Some(b"other data"), &w.opts());
    assert_eq!((r.indication, r.sub_indication), (Indication::Failed, Some(SubIndication::HashFailure)));
    assert_eq!(outcome(&r, "sig.data_hash"), Outcome::Failed);
    // No data given: INDETERMINATE, never PASSED.
    assert_eq!(verify_signature(&sig, None, &w.opts()).indication, Indication::Indeterminate);

    // A genuine token, but over other bytes than the signature value.
    let token = w.tsa.stamp(&Imprint::sm3_of(b"not the signature"), None, true, now()).unwrap();
    let forged = hand_signed(&seal, "dept-market", b"data", now(), Some(token));
    let r = verify_signature(&forged, Some(b"data"), &w.opts());
    assert_eq!(
        (r.indication, r.sub_indication),
        (Indication::Failed, Some(SubIndication::HashFailure)),
        "{:#?}",
        r.checks
    );
    assert_eq!(outcome(&r, "sig.time_stamp"), Outcome::Failed);
    // Garbage where the token goes: INDETERMINATE for the time stamp, not valid.
    let junk = hand_signed(&seal, "dept-market", b"data", now(), Some(vec![1, 2, 3]));
    let r = verify_signature(&junk, Some(b"data"), &w.opts());
    assert_eq!(outcome(&r, "sig.time_stamp"), Outcome::Indeterminate);
    assert_eq!(r.indication, Indication::Indeterminate);
}

#[test]
fn truncated_and_garbage_inputs_are_format_failures() {
    let w = world();
    let seal = small_seal(
        vec![cert("dept-market")],
        CertListForm::Certificates,
        now() - Duration::hours(1),
        Duration::days(365),
    );
    let sig = sign_as("dept-market", &seal, b"d", "x", Some(&w.tsa)).unwrap();
    for n in (0..sig.raw.len()).step_by(7) {
        let r = yinxin_seal::verify::verify_signature_bytes(&sig.raw[..n], Some(b"d"), &w.opts());
        assert_eq!(
            (r.indication, r.sub_indication),
            (Indication::Failed, Some(SubIndication::FormatFailure)),
            "cut at {n}"
        );
    }
    for bytes in [&b""[..], b"garbage", b"\x30\x80\x00\x00", b"\x30\x03\x02\x01\x04"] {
        assert_eq!(
            yinxin_seal::verify::verify_seal_bytes(bytes, &w.opts()).sub_indication,
            Some(SubIndication::FormatFailure)
        );
    }
}

#[test]
fn openssl_reads_and_verifies_what_we_make() {
    let w = world();
    let seal = small_seal(
        vec![cert("dept-market")],
        CertListForm::Certificates,
        now() - Duration::hours(1),
        Duration::days(365),
    );
    let sig = sign_as("dept-market", &seal, b"d", "x", Some(&w.tsa)).unwrap();
    let dir = std::env::temp_dir().join(format!("yinxin-seal-openssl-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let run = |args: &[&str]| {
        let o = std::process::Command::new("openssl").args(args).current_dir(&dir).output().unwrap();
        assert!(o.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    std::fs::write(dir.join("seal.esl"), &seal.raw).unwrap();
    std::fs::write(dir.join("sig.dat"), &sig.raw).unwrap();
    assert!(run(&["asn1parse", "-inform", "DER", "-in", "seal.esl", "-i"]).contains("SM2-with-SM3"));
    let text = run(&["asn1parse", "-inform", "DER", "-in", "sig.dat", "-i"]);
    assert!(text.contains("GENERALIZEDTIME") && text.contains("cont [ 0 ]"), "{text}");
    // The maker's and the signer's SM2 signatures over the stored bytes.
    for (signed, value, pubkey) in [
        (seal.maker_signed_bytes.clone(), seal.signed_value.clone(), cert("seal-maker").public_key.unwrap()),
        (sig.tbs_raw.clone(), sig.signature.clone(), cert("dept-market").public_key.unwrap()),
    ] {
        std::fs::write(dir.join("signed.bin"), signed).unwrap();
        std::fs::write(dir.join("sig.der"), value).unwrap();
        std::fs::write(dir.join("pub.pem"), pubkey.to_spki_pem()).unwrap();
        run(&[
            "pkeyutl",
            "-verify",
            "-rawin",
            "-digest",
            "sm3",
            "-pubin",
            "-inkey",
            "pub.pem",
            "-in",
            "signed.bin",
            "-sigfile",
            "sig.der",
            "-pkeyopt",
            "distid:1234567812345678",
        ]);
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_person_signs_with_a_personal_seal() {
    use yinxin_seal::picture::{PictureSpec, SealFont, Shape, render};
    let w = world();
    let font = SealFont::find().unwrap();
    let spec = PictureSpec { shape: Shape::Square, name: "张三", purpose: "", size_mm: 20.0 };
    let req = SealRequest {
        es_id: String::new(),
        kind: SealKind::Personal,
        name: "张三".into(),
        holders: vec![cert("person-zhangsan")],
        cert_list_form: CertListForm::Sm3Digests,
        valid_start: now() - Duration::hours(1),
        valid_end: now() + Duration::days(30),
        picture_kind: "PNG".into(),
        picture: render(&spec, &font).unwrap(),
        picture_mm: spec.size_mm(),
        vid: "yinxin".into(),
    };
    let seal = make_seal(&req, &cert("seal-maker"), signer("seal-maker").as_ref(), now()).unwrap();
    assert_eq!(seal.property.seal_type, SealKind::Personal.code());
    assert_eq!(seal.es_id.len(), 32);
    let sig = sign_as("person-zhangsan", &seal, b"consent form", "consent.pdf", Some(&w.tsa)).unwrap();
    let r = verify_signature(&sig, Some(b"consent form"), &w.opts());
    assert_eq!(r.indication, Indication::Passed, "{:#?}", r.checks);
    assert!(r.signer.as_ref().unwrap().subject.contains("张三"));
    // Another person's certificate is not admitted by the digest list.
    assert!(sign_as("dept-market", &seal, b"x", "x", None).is_err());
}
