//! RFC 3161: request → TSA → response → token verification, and the ways a token can be wrong.

use time::{Duration, OffsetDateTime};
use yinxin_gm::{UserId, default_provider};
use yinxin_pki::report::{Indication, SubIndication};
use yinxin_pki::tsp::{
    Imprint, TimeStampAuthority, TimeStampRequest, TokenExpectations, request_for, token_from_response, verify_token,
};
use yinxin_pki::{Profile, TrustStore};

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

mod common;
use common::setup;

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
    // Checked after the TSA certificate expired, with nothing later covering the token: its genTime
    // is inside the validity, but whoever holds the expired key could have written any genTime.
    let r = verify_token(&token, &TokenExpectations::default(), &trust, now() + Duration::days(1000));
    assert_eq!(
        (r.indication, r.sub_indication),
        (Indication::Indeterminate, Some(SubIndication::OutOfBoundsNoPoe)),
        "{:#?}",
        r.checks
    );
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

fn check<'a>(r: &'a yinxin_pki::tsp::TokenReport, id: &str) -> &'a yinxin_pki::Check {
    r.checks.iter().find(|c| c.id == id).unwrap_or_else(|| panic!("no check {id}: {:#?}", r.checks))
}

/// A token proves its genTime only while its TSA certificate is good: judged after the expiry,
/// with nothing later covering it, it is INDETERMINATE / OUT_OF_BOUNDS_NO_POE; judged at a control
/// time before the expiry (a later time stamp shows it existed then) it is PASSED.
#[test]
fn a_token_is_judged_at_its_control_time() {
    let t = setup(Profile::TimeStamping);
    let data = b"signature value";
    let token = t.tsa.stamp(&Imprint::sm3_of(data), None, true, now()).unwrap();
    let trust = TrustStore::new(vec![t.root.clone()]);
    let expect = TokenExpectations { data: Some(data), ..Default::default() };
    let later = now() + Duration::days(800); // the TSA certificate ends after 700 days
    let r = verify_token(&token, &expect, &trust, later);
    assert_eq!(r.indication, Indication::Indeterminate, "{:#?}", r.checks);
    assert_eq!(r.sub_indication, Some(SubIndication::OutOfBoundsNoPoe));
    assert_eq!(check(&r, "tst.tsa_validity").outcome, yinxin_pki::Outcome::Indeterminate);

    let controlled = TokenExpectations { control: Some(now() + Duration::days(100)), ..expect.clone() };
    let r = verify_token(&token, &controlled, &trust, later);
    assert_eq!(r.indication, Indication::Passed, "{:#?}", r.checks);
    assert_eq!(check(&r, "tst.tsa_validity").outcome, yinxin_pki::Outcome::Passed);

    // A control time after the expiry proves nothing either.
    let too_late = TokenExpectations { control: Some(now() + Duration::days(701)), ..expect };
    assert_eq!(verify_token(&token, &too_late, &trust, later).indication, Indication::Indeterminate);
}

/// CRLs and certificates added to a token's SignedData leave the TSA's signature intact, are used
/// for its chain, parse with OpenSSL, and are not added twice.
#[test]
fn validation_data_rides_in_the_token() {
    use yinxin_pki::crl::{CrlRequest, Revoked, issue_crl};
    let t = setup(Profile::TimeStamping);
    let data = b"archive time stamp root";
    let token = t.tsa.stamp(&Imprint::sm3_of(data), None, true, now()).unwrap();
    let crl = issue_crl(
        &CrlRequest { this_update: now(), next_update: now() + Duration::days(7), number: 1, revoked: vec![] },
        &t.ca,
        t.ca_signer.as_ref(),
    )
    .unwrap();
    let with = yinxin_pki::tsp::with_validation_data(&token, std::slice::from_ref(&t.root), std::slice::from_ref(&crl))
        .unwrap();
    assert_ne!(with, token);
    assert_eq!(
        yinxin_pki::tsp::with_validation_data(&with, std::slice::from_ref(&t.root), std::slice::from_ref(&crl))
            .unwrap(),
        with,
        "adding the same data twice changes nothing"
    );
    assert_eq!(yinxin_pki::tsp::embedded_crls(&with).len(), 1);
    let trust = TrustStore::new(vec![t.root.clone()]);
    let expect = TokenExpectations { data: Some(data), ..Default::default() };
    let r = verify_token(&with, &expect, &trust, now());
    assert_eq!(r.indication, Indication::Passed, "{:#?}", r.checks);
    let revocation = r
        .checks
        .iter()
        .find(|c| c.id == "cert.revocation" && c.subject.as_deref().is_some_and(|s| s.contains("时间戳")))
        .unwrap();
    assert_eq!(revocation.outcome, yinxin_pki::Outcome::Passed, "the embedded CRL was used: {revocation:#?}");

    // Months later, the CRL is long past its nextUpdate, but it was current when the token was
    // made: the status at genTime is known.
    let r = verify_token(&with, &expect, &trust, now() + Duration::days(200));
    assert_eq!(r.indication, Indication::Passed, "{:#?}", r.checks);

    // The TSA revoked before genTime, on an embedded CRL: FAILED.
    let revoked = issue_crl(
        &CrlRequest {
            this_update: now(),
            next_update: now() + Duration::days(7),
            number: 2,
            revoked: vec![Revoked {
                serial: t.tsa.cert().serial.clone(),
                date: now() - Duration::days(1),
                reason: Some(1),
            }],
        },
        &t.ca,
        t.ca_signer.as_ref(),
    )
    .unwrap();
    let bad = yinxin_pki::tsp::with_validation_data(&token, &[], &[revoked]).unwrap();
    let r = verify_token(&bad, &expect, &trust, now());
    assert_eq!(r.indication, Indication::Failed, "{:#?}", r.checks);
    assert_eq!(r.sub_indication, Some(SubIndication::Revoked));

    // OpenSSL reads the token with its new fields.
    let dir = std::env::temp_dir().join(format!("yinxin-tsp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("token.der");
    std::fs::write(&f, &with).unwrap();
    let out = std::process::Command::new("openssl")
        .args(["cms", "-cmsout", "-print", "-inform", "DER", "-in"])
        .arg(&f)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("crls:") && text.contains("nextUpdate"), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}
