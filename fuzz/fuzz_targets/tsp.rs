//! RFC 3161 from arbitrary bytes: a response or token verified (empty trust store), and a
//! request answered by the keys-dev time-stamp authority, as the service answers a client's:
//! never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use yinxin_gm::{Sm2PrivateKey, UserId, default_provider};
use yinxin_pki::tsp::{TimeStampAuthority, TimeStampRequest, TokenExpectations, token_from_response, verify_token};
use yinxin_pki::{Cert, TrustStore};

fn tsa() -> &'static TimeStampAuthority {
    static TSA: OnceLock<TimeStampAuthority> = OnceLock::new();
    TSA.get_or_init(|| {
        let kd = |f: &str| std::fs::read(format!("{}/../keys-dev/{f}", env!("CARGO_MANIFEST_DIR"))).unwrap();
        let cert = |f: &str| Cert::from_pem_or_der(&kd(f)).unwrap();
        let key = Sm2PrivateKey::from_pem(&String::from_utf8(kd("tsa.key.pem")).unwrap(), None).unwrap();
        let signer = default_provider().sm2_signer(&key, UserId::DEFAULT).unwrap();
        TimeStampAuthority::new(
            cert("tsa.cert.pem"),
            vec![cert("issuing-ca.cert.pem")],
            signer,
            yinxin_pki::oid::YINXIN_TSA_POLICY,
        )
        .unwrap()
    })
}

fuzz_target!(|data: &[u8]| {
    // Ten days into the TSA certificate's validity.
    let now = tsa().cert().not_before + time::Duration::days(10);
    let _ = token_from_response(data);
    let expect = TokenExpectations { data: Some(b"data"), nonce: Some(&[1, 2, 3]), extra_certs: &[], crls: &[] };
    let _ = verify_token(data, &expect, &TrustStore::default(), now);
    if TimeStampRequest::from_der(data).is_ok() {
        let _ = tsa().respond(data, now);
    }
});
