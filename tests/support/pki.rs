//! A test PKI with validity periods chosen by the test: keys, certificates and CRLs made with
//! yinxin's own issuer (`rcgen` cannot make SM2 certificates), for tests that move the clock.

use time::{Duration, OffsetDateTime};
use yinxin_gm::{Sm2PrivateKey, Sm2Signer, UserId, default_provider};
use yinxin_pki::crl::{CrlRequest, Revoked, issue_crl};
use yinxin_pki::{Cert, CertRequest, Crl, DnBuilder, Profile, issue_cert};

/// A key and its certificate.
pub struct Party {
    /// The private key.
    pub key: Sm2PrivateKey,
    /// The certificate.
    pub cert: Cert,
}

impl Party {
    /// A signer with the key (default SM2 user ID).
    pub fn signer(&self) -> Box<dyn Sm2Signer> {
        signer(&self.key)
    }
}

/// A signer with `key` (default SM2 user ID).
pub fn signer(key: &Sm2PrivateKey) -> Box<dyn Sm2Signer> {
    default_provider().sm2_signer(key, UserId::DEFAULT).expect("an SM2 signer")
}

/// A fresh key and a certificate for `dn` (`C=CN,O=…,CN=…`) valid from `from` to `to`, issued by
/// `issuer` (self-signed when `None`).
pub fn issue(profile: Profile, dn: &str, from: OffsetDateTime, to: OffsetDateTime, issuer: Option<&Party>) -> Party {
    let key = default_provider().generate_sm2().expect("an SM2 key");
    let req = CertRequest {
        profile,
        subject_der: DnBuilder::parse(dn).expect("a DN").to_der().expect("DER"),
        public_key: key.public_key().clone(),
        not_before: from,
        not_after: to,
        serial: None,
        path_len: None,
        crl_url: None,
    };
    let cert = match issuer {
        Some(i) => issue_cert(&req, Some(&i.cert), i.signer().as_ref()),
        None => issue_cert(&req, None, signer(&key).as_ref()),
    }
    .expect("a certificate");
    Party { key, cert }
}

/// A CRL of `issuer` made at `at`, valid `days` days, listing `revoked`.
pub fn crl(issuer: &Party, at: OffsetDateTime, days: i64, revoked: Vec<Revoked>) -> Crl {
    let req = CrlRequest {
        this_update: at,
        next_update: at + Duration::days(days),
        number: at.unix_timestamp().unsigned_abs(),
        revoked,
    };
    issue_crl(&req, &issuer.cert, issuer.signer().as_ref()).expect("a CRL")
}

/// `y` years of 365.25 days after `t0`.
pub fn years(t0: OffsetDateTime, y: f64) -> OffsetDateTime {
    t0 + Duration::seconds((y * 365.25 * 86_400.0) as i64)
}
