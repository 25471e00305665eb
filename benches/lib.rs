//! Benchmarks live in this package's `[[bench]]` targets; this library holds the fixtures more
//! than one of them uses.

use std::path::PathBuf;
use yinxin_gm::{Sm2PrivateKey, Sm2Signer, UserId, default_provider};
use yinxin_pki::Cert;

/// A file in `keys-dev/`.
pub fn dev_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../keys-dev").join(name)
}

/// A certificate from `keys-dev/`.
pub fn dev_cert(name: &str) -> Cert {
    Cert::from_pem_or_der(&std::fs::read(dev_path(name)).expect("keys-dev file")).expect("certificate")
}

/// A signer over a key from `keys-dev/`.
pub fn dev_signer(name: &str) -> Box<dyn Sm2Signer> {
    let k =
        Sm2PrivateKey::from_pem(&std::fs::read_to_string(dev_path(name)).expect("keys-dev file"), None).expect("key");
    default_provider().sm2_signer(&k, UserId::DEFAULT).expect("signer")
}

/// 亮证 fixtures: a business licence's claims (the identifier and the example's surface fields),
/// a credential for a fresh device from dept-market, and a bundle the status-list signer signed.
pub mod present {
    use super::{dev_cert, dev_signer};
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD as B64;
    use yinxin_gm::{Sm2PrivateKey, Sm2Signer, UserId, default_provider};
    use yinxin_present::bundle::{self, Bundle, Content, IssuerEntry};
    use yinxin_present::credential::{self, Claim, CredentialBody, Issued, StatusRef};
    use yinxin_present::status::{self, Bits, ListInfo};
    use yinxin_present::{MIN_STATUS_ENTRIES, key_id};

    /// The business-licence type code.
    pub const BUSINESS: &str = "11530100MB0123456A001";

    /// Claims: the identifier, then `examples/营业执照.json` in catalogue order.
    pub fn claims() -> Vec<Claim> {
        let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/营业执照.json");
        let fields: serde_json::Map<String, serde_json::Value> =
            serde_json::from_slice(&std::fs::read(path).expect("example")).expect("json");
        let cat = yinxin_licence::catalogue::Catalogue::built_in().expect("catalogue");
        let t = cat.get(BUSINESS).expect("business licence");
        let mut out = vec![Claim {
            name: "identifier".into(),
            value: "1.2.156.3005.2.11530100MB0123456A001.11530100MB0123456A.2026810618733.001.E".into(),
        }];
        for f in &t.fields {
            if let Some(v) = fields.get(&f.key).and_then(|v| v.as_str()) {
                out.push(Claim { name: f.key.clone(), value: v.to_string() });
            }
        }
        out
    }

    /// A device key.
    pub fn device() -> Box<dyn Sm2Signer> {
        let k = Sm2PrivateKey::generate(default_provider()).expect("key");
        default_provider().sm2_signer(&k, UserId::DEFAULT).expect("signer")
    }

    /// A credential for `device` from dept-market, status entry (0, 4242).
    pub fn issue(device: &dyn Sm2Signer, now: i64) -> Issued {
        let body = CredentialBody {
            issuer_kid: key_id(dev_cert("dept-market.cert.pem").der()),
            serial: [7; 8],
            type_code: BUSINESS.into(),
            format: credential::FORMAT,
            type_name: None,
            issued_at: None,
            valid_from: now - 86_400,
            valid_until: None,
            status: StatusRef { list: 0, index: 4242 },
            device_key: device.public_key().clone(),
            claims: credential::Commitment::Tree { leaves: 0, root: [0; 16] },
        };
        credential::issue(default_provider(), dev_signer("dept-market.key.pem").as_ref(), body, &claims())
            .expect("credential")
    }

    /// A bundle with dept-market as issuer and one all-valid status list, opened.
    pub fn bundle(now: i64) -> Bundle {
        let market = dev_cert("dept-market.cert.pem");
        let sl = dev_cert("status-list.cert.pem");
        let signer = dev_signer("status-list.key.pem");
        let info = ListInfo {
            issuer_kid: key_id(market.der()),
            issuer_code: "11530100MB0123456A",
            list: 0,
            issued_at: now,
            expires_at: now + 43_200,
        };
        let list = status::sign(&Bits::new(MIN_STATUS_ENTRIES), &info, signer.as_ref(), key_id(sl.der()))
            .expect("status list");
        let content = Content {
            format: bundle::FORMAT.into(),
            issued_at: now,
            expires_at: now + 43_200,
            roots: vec![B64.encode(dev_cert("root-ca.cert.pem").der())],
            intermediates: vec![B64.encode(dev_cert("issuing-ca.cert.pem").der())],
            crls: vec![],
            issuers: vec![IssuerEntry {
                code: "11530100MB0123456A".into(),
                name: "某市市场监督管理局".into(),
                types: vec![BUSINESS.into()],
                cert: B64.encode(market.der()),
            }],
            status_signer: B64.encode(sl.der()),
            log_checkpoint: None,
            type_names: [(BUSINESS.to_string(), "营业执照".to_string())].into(),
            revoked_readers: vec![],
            status_lists: vec![B64.encode(&list.bytes)],
        };
        let env = bundle::sign(&content, signer.as_ref(), &sl).expect("bundle");
        let json = serde_json::to_vec(&env).expect("json");
        Bundle::open(&json, None, time::OffsetDateTime::now_utc()).expect("bundle opens")
    }

    /// A token showing the claims named.
    pub fn token(issued: &Issued, names: &[&str], device: &dyn Sm2Signer, now: i64) -> String {
        let all: Vec<&[u8]> = issued.disclosures.iter().map(|d| d.bytes.as_slice()).collect();
        let shown: Vec<usize> =
            (0..issued.disclosures.len()).filter(|&i| names.contains(&issued.disclosures[i].name.as_str())).collect();
        yinxin_present::token::present(&issued.credential.bytes, &all, &shown, now, now + 30, None, device)
            .expect("token")
    }
}
