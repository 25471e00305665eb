//! The test PKI of the time-stamp tests: a root CA, an issuing CA, and a TSA under it.
#![allow(dead_code)]

use time::{Duration, OffsetDateTime};
use yinxin_gm::{UserId, default_provider};
use yinxin_pki::tsp::TimeStampAuthority;
use yinxin_pki::{Cert, CertRequest, DnBuilder, Profile, issue_cert};

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

pub struct Tsa {
    pub root: Cert,
    pub ca: Cert,
    pub tsa: TimeStampAuthority,
    pub ca_signer: Box<dyn yinxin_gm::Sm2Signer>,
}

/// The PKI, the TSA's certificate made with `profile`.
pub fn setup(profile: Profile) -> Tsa {
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
    Tsa { root, ca, tsa, ca_signer }
}
