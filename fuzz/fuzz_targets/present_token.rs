//! A presentation token (QR text: prefix, Base45, CBOR, the credential inside) from arbitrary
//! bytes, decoded and verified offline against a trust bundle made from keys-dev: a verdict,
//! never a panic.
#![no_main]

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use time::OffsetDateTime;
use yinxin_gm::{Sm2PrivateKey, Sm2Signer, UserId, default_provider};
use yinxin_pki::Cert;
use yinxin_present::bundle::{self, Bundle, Content, IssuerEntry};
use yinxin_present::status::{self, Bits, ListInfo};
use yinxin_present::verify::Verifier;
use yinxin_present::{MIN_STATUS_ENTRIES, base45, key_id, token};


fn kd(f: &str) -> Vec<u8> {
    std::fs::read(format!("{}/../keys-dev/{f}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}
fn cert(f: &str) -> Cert {
    Cert::from_pem_or_der(&kd(f)).unwrap()
}
fn signer(f: &str) -> Box<dyn Sm2Signer> {
    let k = Sm2PrivateKey::from_pem(&String::from_utf8(kd(f)).unwrap(), None).unwrap();
    default_provider().sm2_signer(&k, UserId::DEFAULT).unwrap()
}

/// The verifier, and the instant it judges at: ten days into keys-dev's validity, the instant
/// the seed tokens (seeds/present_token) were shown at, so that they pass every check.
fn world() -> &'static (Verifier, OffsetDateTime) {
    static V: OnceLock<(Verifier, OffsetDateTime)> = OnceLock::new();
    V.get_or_init(|| {
        let (market, sl) = (cert("dept-market.cert.pem"), cert("status-list.cert.pem"));
        let now = market.not_before + time::Duration::days(10);
        let t = now.unix_timestamp();
        let info = ListInfo {
            issuer_kid: key_id(market.der()),
            issuer_code: "11530100MB0123456A",
            list: 0,
            issued_at: t - 60,
            expires_at: t + 3_600,
        };
        let s = signer("status-list.key.pem");
        let list = status::sign(&Bits::new(MIN_STATUS_ENTRIES), &info, s.as_ref(), key_id(sl.der())).unwrap();
        let content = Content {
            format: bundle::FORMAT.into(),
            issued_at: t - 60,
            expires_at: t + 3_600,
            roots: vec![B64.encode(cert("root-ca.cert.pem").der())],
            intermediates: vec![B64.encode(cert("issuing-ca.cert.pem").der())],
            crls: vec![],
            issuers: vec![IssuerEntry {
                code: "11530100MB0123456A".into(),
                name: "某市市场监督管理局".into(),
                types: vec!["11530100MB0123456A001".into()],
                cert: B64.encode(market.der()),
            }],
            status_signer: B64.encode(sl.der()),
            log_checkpoint: None,
            type_names: Default::default(),
            revoked_readers: vec![],
            status_lists: vec![B64.encode(&list.bytes)],
        };
        let json = serde_json::to_vec(&bundle::sign(&content, s.as_ref(), &sl).unwrap()).unwrap();
        (Verifier::new(&Bundle::open(&json, Some(&cert("root-ca.cert.pem")), now).unwrap(), now), now)
    })
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = base45::decode(&text);
    let _ = token::decode(&text);
    let (verifier, now) = world();
    let _ = verifier.verify(&text, *now, None);
    let _ = verifier.verify(&text, *now, Some("123456"));
});
