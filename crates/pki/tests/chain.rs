//! Certificate issuance, chain validation, CRLs and their negative cases.

use time::{Duration, OffsetDateTime};
use yinxin_gm::{Sm2PrivateKey, Sm2Signer, UserId, default_provider};
use yinxin_pki::chain::{RevocationPolicy, ValidationOptions};
use yinxin_pki::crl::{CrlRequest, Revoked, issue_crl};
use yinxin_pki::report::{Indication, Outcome, SubIndication, TimeSource};
use yinxin_pki::{Cert, CertRequest, DnBuilder, Profile, Purpose, TrustStore, issue_cert, validate_chain};

struct Party {
    key: Sm2PrivateKey,
    cert: Cert,
}

impl Party {
    fn signer(&self) -> Box<dyn Sm2Signer> {
        default_provider().sm2_signer(&self.key, UserId::DEFAULT).unwrap()
    }
}

fn t0() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_780_000_000).unwrap() // 2026-05-28
}

fn make(profile: Profile, cn: &str, issuer: Option<&Party>, days: i64, path_len: Option<u8>) -> Party {
    let key = default_provider().generate_sm2().unwrap();
    let subject = DnBuilder::new().c("CN").unwrap().o("云南省测试单位").unwrap().cn(cn).unwrap().to_der().unwrap();
    let req = CertRequest {
        profile,
        subject_der: subject,
        public_key: key.public_key().clone(),
        not_before: t0()
            + Duration::days(match profile {
                Profile::RootCa => 0,
                Profile::IssuingCa => 1,
                _ => 2,
            }),
        not_after: t0() + Duration::days(days),
        serial: None,
        path_len,
        crl_url: Some("http://127.0.0.1/crl/test.crl".into()),
    };
    let cert = match issuer {
        None => {
            let s = default_provider().sm2_signer(&key, UserId::DEFAULT).unwrap();
            issue_cert(&req, None, s.as_ref()).unwrap()
        }
        Some(i) => issue_cert(&req, Some(&i.cert), i.signer().as_ref()).unwrap(),
    };
    Party { key, cert }
}

fn opts(at: OffsetDateTime, purpose: Purpose) -> ValidationOptions<'static> {
    ValidationOptions {
        at,
        time_source: TimeSource::Caller,
        now: at,
        purpose,
        crls: &[],
        revocation: RevocationPolicy::IfAvailable,
        crl_max_age: None,
    }
}

fn hierarchy() -> (Party, Party, Party) {
    let root = make(Profile::RootCa, "测试根CA", None, 3650, None);
    let ca = make(Profile::IssuingCa, "测试签发CA", Some(&root), 1800, None);
    let leaf = make(Profile::SealHolder, "某市市场监督管理局", Some(&ca), 700, None);
    (root, ca, leaf)
}

fn at() -> OffsetDateTime {
    t0() + Duration::days(30)
}

#[test]
fn good_chain_passes_with_every_check_reported() {
    let (root, ca, leaf) = hierarchy();
    let trust = TrustStore::new(vec![root.cert.clone()]);
    let r = validate_chain(&leaf.cert, std::slice::from_ref(&ca.cert), &trust, &opts(at(), Purpose::DocumentSigning));
    assert_eq!(r.indication, Indication::Passed, "{:#?}", r.checks);
    assert_eq!(r.chain.len(), 3);
    for id in ["chain.build", "cert.signature", "cert.validity", "ca.constraints", "cert.purpose", "cert.revocation"] {
        assert!(r.checks.iter().any(|c| c.id == id), "missing check {id}");
    }
    assert!(leaf.cert.subject().contains("某市市场监督管理局"));
    // The UTF8String subject survives as written.
    let der = &leaf.cert.subject_der;
    assert!(der.windows("某市市场监督管理局".len()).any(|w| w == "某市市场监督管理局".as_bytes()));
}

#[test]
fn expired_and_not_yet_valid() {
    let (root, ca, leaf) = hierarchy();
    let trust = TrustStore::new(vec![root.cert.clone()]);
    let late = validate_chain(
        &leaf.cert,
        std::slice::from_ref(&ca.cert),
        &trust,
        &opts(t0() + Duration::days(800), Purpose::DocumentSigning),
    );
    assert_eq!((late.indication, late.sub_indication), (Indication::Failed, Some(SubIndication::Expired)));
    let early = validate_chain(
        &leaf.cert,
        std::slice::from_ref(&ca.cert),
        &trust,
        &opts(t0() + Duration::hours(36), Purpose::DocumentSigning),
    );
    assert_eq!((early.indication, early.sub_indication), (Indication::Failed, Some(SubIndication::NotYetValid)));
}

#[test]
fn wrong_purpose_is_refused() {
    let (root, ca, leaf) = hierarchy();
    let tsa = make(Profile::TimeStamping, "测试时间戳服务", Some(&ca), 700, None);
    let trust = TrustStore::new(vec![root.cert.clone()]);
    let r = validate_chain(&leaf.cert, std::slice::from_ref(&ca.cert), &trust, &opts(at(), Purpose::TimeStamping));
    assert_eq!(r.indication, Indication::Indeterminate);
    let p = r.checks.iter().find(|c| c.id == "cert.purpose").unwrap();
    assert_eq!((p.outcome, p.sub_indication), (Outcome::Indeterminate, Some(SubIndication::SigConstraintsFailure)));
    let r = validate_chain(&tsa.cert, std::slice::from_ref(&ca.cert), &trust, &opts(at(), Purpose::DocumentSigning));
    assert_eq!(r.indication, Indication::Indeterminate);
    let p = r.checks.iter().find(|c| c.id == "cert.purpose").unwrap();
    assert_eq!((p.outcome, p.sub_indication), (Outcome::Indeterminate, Some(SubIndication::SigConstraintsFailure)));
    let r = validate_chain(&tsa.cert, std::slice::from_ref(&ca.cert), &trust, &opts(at(), Purpose::TimeStamping));
    assert_eq!(r.indication, Indication::Passed, "{:#?}", r.checks);
    // A seal holder cannot act as a CA (SIG_CONSTRAINTS_FAILURE: INDETERMINATE in EN 319 102-1).
    let r = validate_chain(&leaf.cert, &[], &trust, &opts(at(), Purpose::CertSigning));
    assert_eq!(r.indication, Indication::Indeterminate);
    let p = r.checks.iter().find(|c| c.id == "cert.purpose").unwrap();
    assert_eq!((p.outcome, p.sub_indication), (Outcome::Indeterminate, Some(SubIndication::SigConstraintsFailure)));
}

#[test]
fn end_entity_as_issuer_and_path_too_long() {
    let (root, ca, leaf) = hierarchy();
    let trust = TrustStore::new(vec![root.cert.clone()]);
    // The issuer refuses to sign with a non-CA certificate...
    let key = default_provider().generate_sm2().unwrap();
    let req = CertRequest {
        profile: Profile::Person,
        subject_der: DnBuilder::parse("C=CN,CN=张三").unwrap().to_der().unwrap(),
        public_key: key.public_key().clone(),
        not_before: t0() + Duration::days(3),
        not_after: t0() + Duration::days(100),
        serial: None,
        path_len: None,
        crl_url: None,
    };
    assert!(issue_cert(&req, Some(&leaf.cert), leaf.signer().as_ref()).is_err());

    // ...and the validator refuses a CA whose pathLenConstraint (0) is exceeded.
    let sub_ca = make(Profile::IssuingCa, "二级CA", Some(&ca), 1000, None);
    let deep = make(Profile::SealHolder, "深层单位", Some(&sub_ca), 700, None);
    let r = validate_chain(
        &deep.cert,
        &[ca.cert.clone(), sub_ca.cert.clone()],
        &trust,
        &opts(at(), Purpose::DocumentSigning),
    );
    assert_eq!(
        (r.indication, r.sub_indication),
        (Indication::Indeterminate, Some(SubIndication::ChainConstraintsFailure)),
        "{:#?}",
        r.checks
    );
    let fail = r.checks.iter().find(|c| c.outcome == Outcome::Indeterminate).unwrap();
    assert!(fail.reason_en.contains("path too long"), "{fail:?}");
    // With pathLen 1 on the first CA the same shape passes.
    let ca1 = make(Profile::IssuingCa, "一级CA", Some(&root), 1800, Some(1));
    let sub = make(Profile::IssuingCa, "二级CA", Some(&ca1), 1000, None);
    let ok = make(Profile::SealHolder, "深层单位", Some(&sub), 700, None);
    let r =
        validate_chain(&ok.cert, &[ca1.cert.clone(), sub.cert.clone()], &trust, &opts(at(), Purpose::DocumentSigning));
    assert_eq!(r.indication, Indication::Passed, "{:#?}", r.checks);
}

#[test]
fn untrusted_or_missing_issuer() {
    let (root, ca, leaf) = hierarchy();
    let other_root = make(Profile::RootCa, "另一个根", None, 3650, None);
    let r = validate_chain(
        &leaf.cert,
        std::slice::from_ref(&ca.cert),
        &TrustStore::new(vec![other_root.cert.clone()]),
        &opts(at(), Purpose::DocumentSigning),
    );
    assert_eq!(
        (r.indication, r.sub_indication),
        (Indication::Indeterminate, Some(SubIndication::NoCertificateChainFound))
    );
    let r = validate_chain(
        &leaf.cert,
        &[],
        &TrustStore::new(vec![root.cert.clone()]),
        &opts(at(), Purpose::DocumentSigning),
    );
    assert_eq!(
        (r.indication, r.sub_indication),
        (Indication::Indeterminate, Some(SubIndication::NoCertificateChainFound))
    );
}

#[test]
fn every_flipped_byte_of_a_certificate_is_caught() {
    let (root, ca, leaf) = hierarchy();
    let trust = TrustStore::new(vec![root.cert.clone()]);
    let der = leaf.cert.der().to_vec();
    let mut caught = 0;
    for i in 0..der.len() {
        let mut d = der.clone();
        d[i] ^= 0x01;
        match Cert::from_der(&d) {
            Err(_) => caught += 1,
            Ok(c) => {
                let r =
                    validate_chain(&c, std::slice::from_ref(&ca.cert), &trust, &opts(at(), Purpose::DocumentSigning));
                assert_ne!(r.indication, Indication::Passed, "byte {i} flipped still PASSED");
                caught += 1;
            }
        }
    }
    assert_eq!(caught, der.len());
}

#[test]
fn crl_revokes_and_freshness_matters() {
    let (root, ca, leaf) = hierarchy();
    let trust = TrustStore::new(vec![root.cert.clone()]);
    let revoked_at = t0() + Duration::days(20);
    let crl = issue_crl(
        &CrlRequest {
            this_update: t0() + Duration::days(25),
            next_update: t0() + Duration::days(32),
            number: 7,
            revoked: vec![Revoked { serial: leaf.cert.serial.clone(), date: revoked_at, reason: Some(1) }],
        },
        &ca.cert,
        ca.signer().as_ref(),
    )
    .unwrap();
    assert_eq!(crl.crl_number.as_deref(), Some(&[7u8][..]));
    crl.verify_issued_by(&ca.cert).unwrap();
    assert!(crl.verify_issued_by(&root.cert).is_err());
    // The check is remembered for this CRL and this issuer certificate only: a CA with the same
    // name and another key is still refused, before and after the CRL verified under the real one.
    let impostor = make(Profile::IssuingCa, "测试签发CA", Some(&root), 1800, None);
    assert_eq!(impostor.cert.subject_der, ca.cert.subject_der);
    for _ in 0..2 {
        assert!(crl.verify_issued_by(&impostor.cert).is_err());
        crl.verify_issued_by(&ca.cert).unwrap();
    }
    // A changed byte in the signed part is a new CRL: checked at once.
    let mut der = crl.der().to_vec();
    let last_serial_byte = der.iter().rposition(|b| *b == 7).unwrap();
    der[last_serial_byte] = 8;
    if let Ok(changed) = yinxin_pki::Crl::from_der(&der) {
        assert!(changed.verify_issued_by(&ca.cert).is_err());
    }
    let root_crl = issue_crl(
        &CrlRequest {
            this_update: t0() + Duration::days(25),
            next_update: t0() + Duration::days(32),
            number: 1,
            revoked: vec![],
        },
        &root.cert,
        root.signer().as_ref(),
    )
    .unwrap();
    let crls = [crl.clone(), root_crl];

    let mut o = opts(at(), Purpose::DocumentSigning);
    o.crls = &crls;
    let r = validate_chain(&leaf.cert, std::slice::from_ref(&ca.cert), &trust, &o);
    assert_eq!((r.indication, r.sub_indication), (Indication::Failed, Some(SubIndication::Revoked)));

    // Judged at a time-stamped moment before the revocation: valid.
    o.at = t0() + Duration::days(10);
    o.time_source = TimeSource::TimeStamp;
    let r = validate_chain(&leaf.cert, std::slice::from_ref(&ca.cert), &trust, &o);
    assert_eq!(r.indication, Indication::Passed, "{:#?}", r.checks);
    // The same time given by the caller without proof: cannot tell.
    o.time_source = TimeSource::Caller;
    let r = validate_chain(&leaf.cert, std::slice::from_ref(&ca.cert), &trust, &o);
    assert_eq!((r.indication, r.sub_indication), (Indication::Indeterminate, Some(SubIndication::RevokedNoPoe)));

    // A certificate that is not listed, with a stale CRL and revocation required: INDETERMINATE.
    let other = make(Profile::SealHolder, "另一单位", Some(&ca), 700, None);
    let mut o = opts(at(), Purpose::DocumentSigning);
    o.crls = &crls;
    o.revocation = RevocationPolicy::Require;
    o.now = t0() + Duration::days(40);
    let r = validate_chain(&other.cert, std::slice::from_ref(&ca.cert), &trust, &o);
    assert_eq!(
        (r.indication, r.sub_indication),
        (Indication::Indeterminate, Some(SubIndication::TryLater)),
        "{:#?}",
        r.checks
    );
    // Fresh: PASSED. Without any CRL and revocation required: INDETERMINATE, never PASSED.
    o.now = at();
    assert_eq!(validate_chain(&other.cert, std::slice::from_ref(&ca.cert), &trust, &o).indication, Indication::Passed);
    o.crls = &[];
    assert_eq!(
        validate_chain(&other.cert, std::slice::from_ref(&ca.cert), &trust, &o).indication,
        Indication::Indeterminate
    );

    // CRL round trip through PEM.
    let back = yinxin_pki::Crl::from_pem_or_der(crl.to_pem().as_bytes()).unwrap();
    assert_eq!(back.der(), crl.der());
    assert!(back.find(&leaf.cert.serial).is_some());
}

/// The memos (parsed certificates and CRLs, verified links and CRL signatures) never hide a new
/// CRL: a verifier that passed a certificate with yesterday's CRL sees today's revocation at the
/// very next verification, everything parsed from bytes each time as a service receives it.
#[test]
fn a_new_crl_is_seen_at_once_after_a_pass_with_the_old_one() {
    let (root, ca, leaf) = hierarchy();
    let trust = TrustStore::new(vec![Cert::from_der(root.cert.der()).unwrap()]);
    let crl = |number: u64, revoked: Vec<Revoked>| {
        let req = CrlRequest {
            this_update: t0() + Duration::days(25),
            next_update: t0() + Duration::days(32),
            number,
            revoked,
        };
        issue_crl(&req, &ca.cert, ca.signer().as_ref()).unwrap().der().to_vec()
    };
    let verify = |crl_der: &[u8]| {
        let crls = [yinxin_pki::Crl::from_der(crl_der).unwrap()];
        let mut o = opts(at(), Purpose::DocumentSigning);
        o.crls = &crls;
        let leaf = Cert::from_der(leaf.cert.der()).unwrap();
        let ca = Cert::from_der(ca.cert.der()).unwrap();
        let r = validate_chain(&leaf, std::slice::from_ref(&ca), &trust, &o);
        (r.indication, r.sub_indication)
    };
    let old = crl(1, vec![]);
    for _ in 0..3 {
        assert_eq!(verify(&old), (Indication::Passed, None));
    }
    let new =
        crl(2, vec![Revoked { serial: leaf.cert.serial.clone(), date: t0() + Duration::days(20), reason: Some(1) }]);
    assert_eq!(verify(&new), (Indication::Failed, Some(SubIndication::Revoked)));
    // The old CRL still says what it said, and the new one is remembered as what it is.
    assert_eq!(verify(&old), (Indication::Passed, None));
    assert_eq!(verify(&new), (Indication::Failed, Some(SubIndication::Revoked)));
}

#[test]
fn issuer_refuses_bad_requests() {
    let (_root, ca, _leaf) = hierarchy();
    let key = default_provider().generate_sm2().unwrap();
    let mut req = CertRequest {
        profile: Profile::Person,
        subject_der: DnBuilder::parse("C=CN,CN=李四").unwrap().to_der().unwrap(),
        public_key: key.public_key().clone(),
        not_before: t0() + Duration::days(3),
        not_after: t0() + Duration::days(100_000),
        serial: None,
        path_len: None,
        crl_url: None,
    };
    assert!(issue_cert(&req, Some(&ca.cert), ca.signer().as_ref()).is_err(), "outlives the issuer");
    req.not_after = t0() + Duration::days(100);
    let wrong_signer = default_provider().sm2_signer(&key, UserId::DEFAULT).unwrap();
    assert!(issue_cert(&req, Some(&ca.cert), wrong_signer.as_ref()).is_err(), "signer is not the issuer");
    assert!(issue_cert(&req, None, wrong_signer.as_ref()).is_err(), "only roots are self-signed");
    assert!(DnBuilder::parse("C=China").is_err());
    assert!(DnBuilder::parse("X=1").is_err());
}
