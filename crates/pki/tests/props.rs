//! The PKI parsers never panic, on arbitrary bytes or on valid structures with random damage.

use proptest::prelude::*;
use std::sync::OnceLock;
use time::OffsetDateTime;
use yinxin_gm::{UserId, default_provider};
use yinxin_pki::crl::{CrlRequest, issue_crl};
use yinxin_pki::tsp::{
    Imprint, TimeStampAuthority, TimeStampRequest, TokenExpectations, token_from_response, verify_token,
};
use yinxin_pki::{Cert, CertRequest, Crl, DnBuilder, Profile, TrustStore, issue_cert};

struct Samples {
    cert: Vec<u8>,
    crl: Vec<u8>,
    token: Vec<u8>,
    trust: TrustStore,
}

fn samples() -> &'static Samples {
    static S: OnceLock<Samples> = OnceLock::new();
    S.get_or_init(|| {
        let p = default_provider();
        let key = p.generate_sm2().unwrap();
        let signer = p.sm2_signer(&key, UserId::DEFAULT).unwrap();
        let now = OffsetDateTime::now_utc();
        let base = CertRequest {
            profile: Profile::RootCa,
            subject_der: DnBuilder::parse("C=CN,CN=根").unwrap().to_der().unwrap(),
            public_key: key.public_key().clone(),
            not_before: now - time::Duration::days(1),
            not_after: now + time::Duration::days(100),
            serial: None,
            path_len: None,
            crl_url: None,
        };
        let root = issue_cert(&base, None, signer.as_ref()).unwrap();
        let tsa_key = p.generate_sm2().unwrap();
        let tsa_cert = issue_cert(
            &CertRequest {
                profile: Profile::TimeStamping,
                subject_der: DnBuilder::parse("C=CN,CN=TSA").unwrap().to_der().unwrap(),
                public_key: tsa_key.public_key().clone(),
                not_after: now + time::Duration::days(50),
                ..base
            },
            Some(&root),
            signer.as_ref(),
        )
        .unwrap();
        let crl = issue_crl(
            &CrlRequest { this_update: now, next_update: now + time::Duration::days(1), number: 1, revoked: vec![] },
            &root,
            signer.as_ref(),
        )
        .unwrap();
        let tsa = TimeStampAuthority::new(
            tsa_cert.clone(),
            vec![],
            p.sm2_signer(&tsa_key, UserId::DEFAULT).unwrap(),
            "1.2.3.4",
        )
        .unwrap();
        let token = tsa.stamp(&Imprint::sm3_of(b"x"), Some(&[5]), true, now).unwrap();
        Samples { cert: tsa_cert.der().to_vec(), crl: crl.der().to_vec(), token, trust: TrustStore::new(vec![root]) }
    })
}

fn damage(mut v: Vec<u8>, edits: &[(usize, u8)], cut: Option<usize>) -> Vec<u8> {
    for (i, b) in edits {
        if !v.is_empty() {
            let n = v.len();
            v[i % n] = *b;
        }
    }
    if let Some(c) = cut {
        let n = v.len();
        v.truncate(c % (n + 1));
    }
    v
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let s = samples();
        let _ = Cert::from_der(&bytes);
        let _ = Cert::from_pem_or_der(&bytes);
        let _ = Crl::from_der(&bytes);
        let _ = TimeStampRequest::from_der(&bytes);
        let _ = token_from_response(&bytes);
        let _ = verify_token(&bytes, &TokenExpectations::default(), &s.trust, OffsetDateTime::now_utc());
        let _ = yinxin_pki::name::display_name(&bytes);
        if let Ok(t) = std::str::from_utf8(&bytes) {
            let _ = DnBuilder::parse(t);
            let _ = yinxin_pki::time::parse_instant(t);
        }
    }

    #[test]
    fn damaged_structures(edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..4), cut in proptest::option::of(any::<usize>())) {
        let s = samples();
        let now = OffsetDateTime::now_utc();
        let _ = Cert::from_der(&damage(s.cert.clone(), &edits, cut));
        let _ = Crl::from_der(&damage(s.crl.clone(), &edits, cut));
        let t = damage(s.token.clone(), &edits, cut);
        let r = verify_token(&t, &TokenExpectations::default(), &s.trust, now);
        if t != s.token {
            // Damage may hit only bytes that change nothing checkable; it must never crash.
            let _ = r.indication;
        } else {
            prop_assert_eq!(r.indication, yinxin_pki::Indication::Passed);
        }
    }
}
