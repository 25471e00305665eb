//! RFC 3161: request → TSA → response → token verification, and the ways a token can be wrong.

use time::{Duration, OffsetDateTime};
use yinxin_gm::{UserId, default_provider};
use yinxin_pki::report::{Indication, SubIndication};
use yinxin_pki::tsp::{
    Imprint, TimeStampAuthority, TimeStampRequest, TokenExpectations, request_for, token_from_response, verify_token,
};
use yinxin_pki::{Cert, CertRequest, DnBuilder, Profile, TrustStore, issue_cert};

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

struct Tsa {
    root: Cert,
    ca: Cert,
    tsa: TimeStampAuthority,
}

fn setup(profile: Profile) -> Tsa {
    let p = default_provider();
    let root_key = p.generate_sm2().unwrap();
    let root_signer = p.sm2_signer(&root_key, UserId::DEFAULT).unwrap();
    let base = CertRequest {
        profile: Profile::RootCa,
        subject_der: DnBuilder::parse("C=CN,O=yinxin test,CN=测试根CA").unwrap().to_der().unwrap(),
        public_key: root_key.public_key().clone(),
        not_before: now() - Duration::days(10),
        not_after: now() + Duration::days(3650),
        serial: None,
        path_len: None,
        crl_url: None,
    };
    let root = issue_cert(&base, None, root_signer.as_ref()).unwrap();
    let ca_key = p.generate_sm2().unwrap();
    let ca = issue_cert(
        &CertRequest {
            profile: Profile::IssuingCa,
            subject_der: DnBuilder::parse("C=CN,O=yinxin test,CN=测试CA").unwrap().to_der().unwrap(),
            public_key: ca_key.public_key().clone(),
            not_after: now() + Duration::days(1800),
            ..base.clone()
        },
        Some(&root),
        root_signer.as_ref(),
    )
    .unwrap();
    let ca_signer = p.sm2_signer(&ca_key, UserId::DEFAULT).unwrap();
    let tsa_key = p.generate_sm2().unwrap();
    let tsa_cert = issue_cert(
        &CertRequest {
            profile,
            subject_der: DnBuilder::parse("C=CN,O=yinxin test,CN=测试时间戳服务").unwrap().to_der().unwrap(),
            public_key: tsa_key.public_key().clone(),
            not_after: now() + Duration::days(700),
            ..base
        },
        Some(&ca),
        ca_signer.as_ref(),
    )
    .unwrap();
    let tsa_signer = p.sm2_signer(&tsa_key, UserId::DEFAULT).unwrap();
    let tsa = TimeStampAuthority::new(tsa_cert, vec![ca.clone()], tsa_signer, "1.2.156.112233.1.1").unwrap();
    Tsa { root, ca, tsa }
}

#[test]
fn request_response_verify() {
    let t = setup(Profile::TimeStamping);
    let data = b"SES_Signature signature value";
    let digest = yinxin_gm::sm3::sm3(data);
    let req = request_for(&digest.0, Some(vec![0x12, 0x34, 0x56]), true);
    let req_der = req.to_der().unwrap();
    assert_eq!(TimeStampRequest::from_der(&req_der).unwrap(), req);
    let resp = t.tsa.respond(&req_der, now()).unwrap();
    let token = token_from_response(&resp).unwrap();

    let trust = TrustStore::new(vec![t.root.clone()]);
    let ok = verify_token(
        &token,
        &TokenExpectations { data: Some(data), nonce: Some(&[0x12, 0x34, 0x56]), ..Default::default() },
        &trust,
        now(),
    );
    assert_eq!(ok.indication, Indication::Passed, "{:#?}", ok.checks);
    let info = ok.info.as_ref().unwrap();
    assert_eq!(info.imprint, Imprint::sm3_of(data));
    assert!(info.tsa.as_ref().unwrap().contains("测试时间戳服务"));
    // A whole response verifies the same way.
    assert_eq!(
        verify_token(&resp, &TokenExpectations { data: Some(data), ..Default::default() }, &trust, now()).indication,
        Indication::Passed
    );

    // Other data: the imprint fails.
    let r =
        verify_token(&token, &TokenExpectations { data: Some(b"other bytes"), ..Default::default() }, &trust, now());
    assert_eq!((r.indication, r.sub_indication), (Indication::Failed, Some(SubIndication::HashFailure)));
    // Another nonce.
    let r = verify_token(&token, &TokenExpectations { nonce: Some(&[9]), ..Default::default() }, &trust, now());
    assert_eq!(r.indication, Indication::Failed);
    // Untrusted TSA.
    let r = verify_token(&token, &TokenExpectations::default(), &TrustStore::default(), now());
    assert_eq!(
        (r.indication, r.sub_indication),
        (Indication::Indeterminate, Some(SubIndication::NoCertificateChainFound))
    );
    // Checked after the TSA certificate expired, genTime is still inside its validity: PASSED.
    let r = verify_token(&token, &TokenExpectations::default(), &trust, now() + Duration::days(1000));
    assert_eq!(r.indication, Indication::Passed, "{:#?}", r.checks);
}

#[test]
fn token_without_certificates_needs_them_given() {
    let t = setup(Profile::TimeStamping);
    let token = t.tsa.stamp(&Imprint::sm3_of(b"x"), None, false, now()).unwrap();
    let trust = TrustStore::new(vec![t.root.clone()]);
    let r = verify_token(&token, &TokenExpectations::default(), &trust, now());
    assert_eq!(
        (r.indication, r.sub_indication),
        (Indication::Indeterminate, Some(SubIndication::NoSigningCertificateFound))
    );
    let extra = [t.tsa.cert().clone(), t.ca.clone()];
    let r = verify_token(&token, &TokenExpectations { extra_certs: &extra, ..Default::default() }, &trust, now());
    assert_eq!(r.indication, Indication::Passed, "{:#?}", r.checks);
}

#[test]
fn tsa_needs_a_time_stamping_certificate() {
    let t = setup(Profile::TimeStamping);
    let p = default_provider();
    let k = p.generate_sm2().unwrap();
    let s = p.sm2_signer(&k, UserId::DEFAULT).unwrap();
    // Key does not match the certificate.
    assert!(TimeStampAuthority::new(t.tsa.cert().clone(), vec![], s, "1.2.3").is_err());
}

#[test]
fn rejections_are_responses_not_errors() {
    let t = setup(Profile::TimeStamping);
    for bad in [&b""[..], b"\x30\x03\x02\x01\x01", b"garbage"] {
        let resp = t.tsa.respond(bad, now()).unwrap();
        let err = token_from_response(&resp).unwrap_err().to_string();
        assert!(err.contains("status 2"), "{err}");
    }
    let mut req = request_for(&[0u8; 32], None, false);
    req.policy = Some("1.2.3.4".into());
    let err = token_from_response(&t.tsa.respond(&req.to_der().unwrap(), now()).unwrap()).unwrap_err().to_string();
    assert!(err.contains("not offered"), "{err}");
}

#[test]
fn every_flipped_byte_of_a_token_is_caught() {
    let t = setup(Profile::TimeStamping);
    let data = b"data";
    let token = t.tsa.stamp(&Imprint::sm3_of(data), Some(&[1, 2, 3]), true, now()).unwrap();
    let trust = TrustStore::new(vec![t.root.clone()]);
    let expect = TokenExpectations { data: Some(data), nonce: Some(&[1, 2, 3]), ..Default::default() };
    assert_eq!(verify_token(&token, &expect, &trust, now()).indication, Indication::Passed);
    let mut survivors = Vec::new();
    for i in 0..token.len() {
        let mut d = token.clone();
        d[i] ^= 0x01;
        if verify_token(&d, &expect, &trust, now()).indication == Indication::Passed {
            survivors.push(i);
        }
    }
    assert!(survivors.is_empty(), "flipping these bytes still PASSED: {survivors:?}");
}
