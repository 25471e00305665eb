//! The corpus of the differential test between this crate's [`Verifier`] and the officer page's
//! JavaScript verifier (`crates/server/assets/present.js`, run in Chromium by
//! `tests/e2e/differential.mjs`): well over a thousand tokens — good ones showing every subset
//! size, every field tampered, expired, from the future, too long-lived, a wrong device key,
//! revoked, suspended and superseded licences, stale, badly signed and missing status lists, an
//! unknown issuer, a type not authorised, an issuer whose certificate has expired, nonces that
//! match and do not, format-1 credentials, byte flips anywhere, and garbage — each with the
//! verdict this crate gives, check by check.
//!
//! Run: `cargo run -p yinxin-present --example differential_corpus -- OUT.json`

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::{Value as Json, json};
use std::path::PathBuf;
use time::OffsetDateTime;
use yinxin_gm::{Sm2PrivateKey, Sm2Signer, UserId, default_provider};
use yinxin_pki::Cert;
use yinxin_pki::issue::{CertRequest, Profile, issue_cert};
use yinxin_present::bundle::{self, Bundle, Content, IssuerEntry};
use yinxin_present::credential::{self, Claim, Commitment, CredentialBody, Issued, StatusRef};
use yinxin_present::status::{self, Bits, ListInfo, Status};
use yinxin_present::verify::Verifier;
use yinxin_present::{MIN_STATUS_ENTRIES, base45, key_id, token};

const BUSINESS: &str = "11530100MB0123456A001";
const MARKET: &str = "11530100MB0123456A";

fn dev(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../keys-dev").join(name)
}
fn cert(name: &str) -> Cert {
    Cert::from_pem_or_der(&std::fs::read(dev(name)).unwrap()).unwrap()
}
fn key(name: &str) -> Sm2PrivateKey {
    Sm2PrivateKey::from_pem(&std::fs::read_to_string(dev(name)).unwrap(), None).unwrap()
}
fn signer_of(k: &Sm2PrivateKey) -> Box<dyn Sm2Signer> {
    default_provider().sm2_signer(k, UserId::DEFAULT).unwrap()
}
fn signer(name: &str) -> Box<dyn Sm2Signer> {
    signer_of(&key(name))
}

/// A small deterministic generator (xorshift), so that the corpus is the same on every run
/// apart from the signatures' randomness.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn claims() -> Vec<Claim> {
    [
        ("identifier", "1.2.156.3005.2.11530100MB0123456A001.91530100MA6N8X2K3B.001.Y"),
        ("uscc", "91530100MA6N8X2K3B"),
        ("name", "昆明滇池云茶科技有限公司"),
        ("entity_type", "有限责任公司（自然人投资或控股）"),
        ("legal_representative", "李四"),
        ("business_scope", "茶叶种植；茶叶制品销售；技术服务、技术开发、技术咨询"),
        ("registered_capital", "伍佰万元整"),
        ("established", "2019-03-18"),
        ("term", "2019-03-18至长期"),
        ("address", "云南省昆明市五华区某某路88号"),
        ("registration_authority", "某市市场监督管理局"),
        ("x_custom_note", "未登记的字段名以文本传送"),
    ]
    .iter()
    .map(|(n, v)| Claim { name: n.to_string(), value: v.to_string() })
    .collect()
}

struct Holder {
    device: Box<dyn Sm2Signer>,
    issued: Issued,
}

#[allow(clippy::too_many_arguments)]
fn issue(
    format: u8,
    issuer: &dyn Sm2Signer,
    issuer_cert: &Cert,
    index: u32,
    list: u32,
    valid: (i64, Option<i64>),
    device: Box<dyn Sm2Signer>,
) -> Holder {
    let body = CredentialBody {
        format,
        issuer_kid: key_id(issuer_cert.der()),
        serial: [format, 2, 3, 4, 5, 6, 7, (index & 0xff) as u8],
        type_code: BUSINESS.into(),
        type_name: (format == 1).then(|| "营业执照".into()),
        issued_at: (format == 1).then_some(valid.0),
        valid_from: valid.0,
        valid_until: valid.1,
        status: StatusRef { list, index },
        device_key: device.public_key().clone(),
        claims: if format == 1 { Commitment::Digests(vec![]) } else { Commitment::Tree { leaves: 0, root: [0; 16] } },
    };
    let issued = credential::issue(default_provider(), issuer, body, &claims()).unwrap();
    Holder { device, issued }
}

fn device() -> Box<dyn Sm2Signer> {
    signer_of(&Sm2PrivateKey::generate(default_provider()).unwrap())
}

fn show(h: &Holder, shown: &[usize], iat: i64, exp: i64, nonce: Option<&str>, by: Option<&dyn Sm2Signer>) -> String {
    show_with(&h.issued, by.unwrap_or(h.device.as_ref()), shown, iat, exp, nonce)
}

fn show_with(
    issued: &Issued,
    device: &dyn Sm2Signer,
    shown: &[usize],
    iat: i64,
    exp: i64,
    nonce: Option<&str>,
) -> String {
    let all: Vec<&[u8]> = issued.disclosures.iter().map(|d| d.bytes.as_slice()).collect();
    token::present(&issued.credential.bytes, &all, shown, iat, exp, nonce, device).unwrap()
}

struct BundleSpec {
    bits: Bits,
    made: i64,
    expires: i64,
    list_signer: &'static str,
    types: Vec<String>,
    issuer_cert: Cert,
    list_no: u32,
    crls: bool,
    /// CRLs (DER) in place of keys-dev's, when given.
    crl_der: Option<Vec<Vec<u8>>>,
}

fn make_bundle(s: &BundleSpec) -> String {
    let sl = cert("status-list.cert.pem");
    let info = ListInfo {
        issuer_kid: key_id(s.issuer_cert.der()),
        issuer_code: MARKET,
        list: s.list_no,
        issued_at: s.made,
        expires_at: s.expires,
    };
    let list = status::sign(&s.bits, &info, signer(s.list_signer).as_ref(), key_id(sl.der())).unwrap();
    let crls = if let Some(ders) = &s.crl_der {
        ders.iter().map(|d| B64.encode(d)).collect()
    } else if s.crls {
        ["crl/issuing-ca.crl.pem", "crl/root-ca.crl.pem"]
            .iter()
            .map(|f| B64.encode(yinxin_pki::Crl::from_pem_or_der(&std::fs::read(dev(f)).unwrap()).unwrap().der()))
            .collect()
    } else {
        vec![]
    };
    let content = Content {
        format: bundle::FORMAT.into(),
        issued_at: s.made,
        expires_at: s.expires,
        roots: vec![B64.encode(cert("root-ca.cert.pem").der())],
        intermediates: vec![B64.encode(cert("issuing-ca.cert.pem").der())],
        crls,
        issuers: vec![IssuerEntry {
            code: MARKET.into(),
            name: "某市市场监督管理局".into(),
            types: s.types.clone(),
            cert: B64.encode(s.issuer_cert.der()),
        }],
        status_signer: B64.encode(sl.der()),
        status_lists: vec![B64.encode(&list.bytes)],
        log_checkpoint: None,
        type_names: [(BUSINESS.to_string(), "营业执照".to_string())].into(),
        revoked_readers: vec![],
    };
    serde_json::to_string(&bundle::sign(&content, signer("status-list.key.pem").as_ref(), &sl).unwrap()).unwrap()
}

fn at(t: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(t).unwrap()
}

fn expected(bundle: &str, root: Option<&Cert>, bundle_now: i64, now: i64, nonce: Option<&str>, tok: &str) -> Json {
    let b = match Bundle::open(bundle.as_bytes(), root, at(bundle_now)) {
        Ok(b) => b,
        Err(e) => return json!({"error": e.to_string()}),
    };
    let v = Verifier::new(&b, at(bundle_now)).verify(tok, at(now), nonce);
    json!({
        "indication": v.report.indication,
        "sub_indication": v.report.sub_indication,
        "checks": v.report.checks.iter().map(|c| json!([c.id, c.outcome, c.sub_indication])).collect::<Vec<_>>(),
        "disclosed": v.disclosed.iter().map(|f| json!([f.name, f.value])).collect::<Vec<_>>(),
    })
}

fn main() {
    let out = std::env::args().nth(1).expect("usage: differential_corpus OUT.json");
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let market = cert("dept-market.cert.pem");
    let market_key = signer("dept-market.key.pem");
    let root = cert("root-ca.cert.pem");
    // Ten days into keys-dev's validity: every certificate is valid.
    let t0 = market.not_before.unix_timestamp() + 10 * 86_400;
    const INDEX: u32 = 70_001;
    let base = |bits: Bits| BundleSpec {
        bits,
        made: t0 - 60,
        expires: t0 + 3_600,
        list_signer: "status-list.key.pem",
        types: vec![BUSINESS.into()],
        issuer_cert: market.clone(),
        list_no: 0,
        crls: true,
        crl_der: None,
    };
    let good_bundle = make_bundle(&base(Bits::new(MIN_STATUS_ENTRIES)));
    let mut cases: Vec<Json> = Vec::new();
    let mut push =
        |name: String, bundle: &str, root: Option<&Cert>, bundle_now: i64, now: i64, nonce: Option<&str>, tok: &str| {
            let exp = expected(bundle, root, bundle_now, now, nonce, tok);
            cases.push(json!({
                "name": name, "bundle": bundle, "root": root.map(|r| B64.encode(r.der())),
                "bundle_now": bundle_now, "now": now, "nonce": nonce, "token": tok, "expected": exp,
            }));
        };
    let n_claims = claims().len();
    let holders: Vec<Holder> = (0..4)
        .map(|i| {
            issue(if i == 3 { 1 } else { 2 }, market_key.as_ref(), &market, INDEX, 0, (t0 - 86_400, None), device())
        })
        .collect();

    // Good tokens: every subset size, both formats, with and without the pinned root.
    for i in 0..300 {
        let h = &holders[i % holders.len()];
        let k = i % (n_claims + 1);
        let mut idx: Vec<usize> = (0..n_claims).collect();
        for j in 0..n_claims {
            let r = j + rng.below(n_claims - j);
            idx.swap(j, r);
        }
        let shown = &idx[..k];
        let tok = show(h, shown, t0, t0 + 30, None, None);
        let pin = (i % 2 == 0).then_some(&root);
        push(
            format!("good/{i}/{k}-fields/format-{}", h.issued.credential.body.format),
            &good_bundle,
            pin,
            t0,
            t0 + rng.below(40) as i64,
            None,
            &tok,
        );
    }
    // Byte flips anywhere in the token (then Base45 again): format, signature, hash failures.
    for i in 0..300 {
        let h = &holders[i % holders.len()];
        let tok = show(h, &[1, 2, 4, 8, 9], t0, t0 + 30, None, None);
        let mut raw = base45::decode(&tok[4..]).unwrap();
        let at_ = rng.below(raw.len());
        raw[at_] ^= 1 << rng.below(8);
        let bad = format!("YX1:{}", base45::encode(&raw));
        push(format!("flip/{i}/byte-{at_}"), &good_bundle, Some(&root), t0, t0 + 5, None, &bad);
    }
    // Disclosures rewritten by the holder (same salt, another value), re-signed by the device.
    for (i, h) in holders.iter().enumerate() {
        for j in 0..n_claims {
            let mut forged = h.issued.clone();
            let d = forged.disclosures[j].clone();
            let salt: [u8; 16] = d.salt.clone().try_into().unwrap();
            let fmt = h.issued.credential.body.format;
            forged.disclosures[j] = credential::Disclosure::new_in(fmt, salt, &d.name, "另一个值");
            let tok = show_with(&forged, h.device.as_ref(), &[j, (j + 1) % n_claims], t0, t0 + 30, None);
            push(format!("tampered-field/{i}/{j}"), &good_bundle, Some(&root), t0, t0 + 1, None, &tok);
        }
    }
    // Time: expired (a replayed screenshot), from the future, too long-lived.
    for i in 0..60 {
        let h = &holders[i % holders.len()];
        let tok = show(h, &[2, 3], t0, t0 + 30, None, None);
        let late = t0 + 30 + 11 + (i as i64) * 97;
        push(format!("time/expired/{i}"), &good_bundle, Some(&root), t0, late, None, &tok);
        let fut = show(h, &[2], t0 + 11 + i as i64 * 13, t0 + 41 + i as i64 * 13, None, None);
        push(format!("time/future/{i}"), &good_bundle, Some(&root), t0, t0, None, &fut);
        let long = show(h, &[2], t0, t0 + 61 + i as i64, None, None);
        push(format!("time/long-lived/{i}"), &good_bundle, Some(&root), t0, t0 + 1, None, &long);
    }
    // A wrong device key.
    for i in 0..40 {
        let h = &holders[i % holders.len()];
        let other = device();
        let tok = show(h, &[0, 2], t0, t0 + 30, None, Some(other.as_ref()));
        push(format!("device/wrong-key/{i}"), &good_bundle, Some(&root), t0, t0 + 1, None, &tok);
    }
    // Statuses; stale, badly signed, missing lists; a type not authorised; an expired issuer
    // certificate; no CRLs in the bundle.
    let mut bundles: Vec<(String, String, i64)> = Vec::new();
    for (name, st) in
        [("revoked", Status::Revoked), ("suspended", Status::Suspended), ("superseded", Status::Superseded)]
    {
        let mut bits = Bits::new(MIN_STATUS_ENTRIES);
        bits.set(INDEX, st);
        bundles.push((format!("status/{name}"), make_bundle(&base(bits)), t0));
    }
    let mut stale = base(Bits::new(MIN_STATUS_ENTRIES));
    stale.made = t0 - 50_000;
    stale.expires = t0 - 6_800;
    bundles.push(("list/stale".into(), make_bundle(&stale), t0));
    let mut badly = base(Bits::new(MIN_STATUS_ENTRIES));
    badly.list_signer = "dept-transport.key.pem";
    bundles.push(("list/badly-signed".into(), make_bundle(&badly), t0));
    let mut other_list = base(Bits::new(MIN_STATUS_ENTRIES));
    other_list.list_no = 7;
    bundles.push(("list/missing".into(), make_bundle(&other_list), t0));
    let mut untyped = base(Bits::new(MIN_STATUS_ENTRIES));
    untyped.types = vec!["11530100MB0123456A002".into()];
    bundles.push(("issuer/type-not-authorised".into(), make_bundle(&untyped), t0));
    let mut no_crl = base(Bits::new(MIN_STATUS_ENTRIES));
    no_crl.crls = false;
    bundles.push(("bundle/no-crls".into(), make_bundle(&no_crl), t0));
    // CRLs of the issuing CA made for the check: one revoking the issuer (key compromise two
    // hours before), one whose signature is broken, one past its nextUpdate.
    let ica = cert("issuing-ca.cert.pem");
    let ica_key = signer("issuing-ca.key.pem");
    let crl = |this: i64, next: i64, revoked: Vec<yinxin_pki::crl::Revoked>| {
        yinxin_pki::crl::issue_crl(
            &yinxin_pki::crl::CrlRequest { this_update: at(this), next_update: at(next), number: 7, revoked },
            &ica,
            ica_key.as_ref(),
        )
        .unwrap()
        .der()
        .to_vec()
    };
    let root_crl =
        yinxin_pki::Crl::from_pem_or_der(&std::fs::read(dev("crl/root-ca.crl.pem")).unwrap()).unwrap().der().to_vec();
    let revoked_issuer =
        vec![yinxin_pki::crl::Revoked { serial: market.serial.clone(), date: at(t0 - 7_200), reason: Some(1) }];
    let mut with_crl = |name: &str, ders: Vec<Vec<u8>>| {
        let mut b = base(Bits::new(MIN_STATUS_ENTRIES));
        b.crl_der = Some(ders);
        bundles.push((name.into(), make_bundle(&b), t0));
    };
    with_crl("crl/issuer-revoked", vec![crl(t0 - 3_600, t0 + 86_400, revoked_issuer), root_crl.clone()]);
    let mut broken = crl(t0 - 3_600, t0 + 86_400, vec![]);
    let n = broken.len();
    broken[n - 3] ^= 0x40;
    with_crl("crl/bad-signature", vec![broken, root_crl.clone()]);
    with_crl("crl/stale", vec![crl(t0 - 86_400 * 3, t0 - 86_400, vec![]), root_crl.clone()]);
    // An issuer certificate (same key) that expired a day before the check.
    let short = issue_cert(
        &CertRequest {
            profile: Profile::LicenceIssuer,
            subject_der: market.subject_der.clone(),
            public_key: market.public_key.clone().unwrap(),
            not_before: cert("issuing-ca.cert.pem").not_before + time::Duration::hours(1),
            not_after: at(t0 - 86_400),
            serial: None,
            path_len: None,
            crl_url: None,
        },
        Some(&cert("issuing-ca.cert.pem")),
        signer("issuing-ca.key.pem").as_ref(),
    )
    .unwrap();
    let mut expired_issuer = base(Bits::new(MIN_STATUS_ENTRIES));
    expired_issuer.issuer_cert = short.clone();
    bundles.push(("issuer/certificate-expired".into(), make_bundle(&expired_issuer), t0));
    let short_holder = issue(2, market_key.as_ref(), &short, INDEX, 0, (t0 - 86_400, None), device());
    for (name, b, bn) in &bundles {
        for i in 0..25 {
            let h = if name == "issuer/certificate-expired" { &short_holder } else { &holders[i % holders.len()] };
            let tok = show(h, &[i % n_claims, (i + 3) % n_claims], t0, t0 + 30, None, None);
            push(format!("{name}/{i}"), b, Some(&root), *bn, t0 + 2, None, &tok);
        }
    }
    // An issuer the bundle does not list (dept-transport chains to the same root).
    let transport = cert("dept-transport.cert.pem");
    for i in 0..25 {
        let h =
            issue(2, signer("dept-transport.key.pem").as_ref(), &transport, INDEX, 0, (t0 - 86_400, None), device());
        let tok = show(&h, &[2], t0, t0 + 30, None, None);
        push(format!("issuer/unknown/{i}"), &good_bundle, Some(&root), t0, t0 + 1, None, &tok);
    }
    // Licence validity: not yet in force, expired.
    for i in 0..20 {
        let h = issue(2, market_key.as_ref(), &market, INDEX, 0, (t0 + 86_400, None), device());
        push(
            format!("licence/not-yet/{i}"),
            &good_bundle,
            Some(&root),
            t0,
            t0 + 1,
            None,
            &show(&h, &[2], t0, t0 + 30, None, None),
        );
        let h =
            issue(2, market_key.as_ref(), &market, INDEX, 0, (t0 - 9 * 86_400, Some(t0 - 86_400 - i as i64)), device());
        push(
            format!("licence/expired/{i}"),
            &good_bundle,
            Some(&root),
            t0,
            t0 + 1,
            None,
            &show(&h, &[2], t0, t0 + 30, None, None),
        );
    }
    // Nonces: asked and matching, asked and different, asked and absent, given but not asked.
    for i in 0..40 {
        let h = &holders[i % holders.len()];
        let n = format!("{:06}", rng.below(1_000_000));
        let tok = show(h, &[1, 2], t0, t0 + 30, Some(&n), None);
        push(format!("nonce/match/{i}"), &good_bundle, Some(&root), t0, t0 + 1, Some(&n), &tok);
        push(format!("nonce/mismatch/{i}"), &good_bundle, Some(&root), t0, t0 + 1, Some("000000x"), &tok);
        push(format!("nonce/not-asked/{i}"), &good_bundle, Some(&root), t0, t0 + 1, None, &tok);
        let plain = show(h, &[1, 2], t0, t0 + 30, None, None);
        push(format!("nonce/absent/{i}"), &good_bundle, Some(&root), t0, t0 + 1, Some(&n), &plain);
    }
    // Presentations a device re-signs after changing their structure: the claim tree's
    // positions out of range or given twice, a proof node missing or left over, a claim number
    // nobody registered, a format-1 credential in a format-2 presentation.
    {
        use ciborium::Value;
        let enc = |v: &Value| {
            let mut out = Vec::new();
            ciborium::into_writer(v, &mut out).unwrap();
            out
        };
        let wrap = |p: &Value, dev: &dyn Sm2Signer| {
            let pb = enc(p);
            let sig = dev.sign(&pb).unwrap().to_raw();
            format!("YX1:{}", base45::encode(&enc(&Value::Array(vec![Value::Bytes(pb), Value::Bytes(sig.to_vec())]))))
        };
        let parsed = |h: &Holder, shown: &[usize]| -> Vec<Value> {
            let tok = token::decode(&show(h, shown, t0, t0 + 30, None, None)).unwrap();
            match ciborium::from_reader::<Value, _>(tok.presentation.bytes.as_slice()).unwrap() {
                Value::Array(a) => a,
                _ => unreachable!(),
            }
        };
        let h = &holders[0];
        for i in 0..6 {
            let mut p = parsed(h, &[1, 4, 7]);
            let mut name = "tree";
            if let Value::Array(pos) = &mut p[3] {
                match i {
                    0 => {
                        pos[0] = Value::Integer(200.into());
                        name = "position-out-of-range";
                    }
                    1 => {
                        pos[1] = pos[0].clone();
                        name = "position-twice";
                    }
                    2 => {
                        pos.swap(0, 1);
                        name = "positions-swapped";
                    }
                    _ => {}
                }
            }
            if let Value::Array(nodes) = &mut p[4] {
                match i {
                    3 => {
                        nodes.pop();
                        name = "proof-node-missing";
                    }
                    4 => {
                        nodes.push(Value::Bytes(vec![0; 16]));
                        name = "proof-node-extra";
                    }
                    _ => {}
                }
            }
            if i == 5 {
                let salt = [3u8; 16];
                let d = enc(&Value::Array(vec![
                    Value::Bytes(salt.to_vec()),
                    Value::Integer(200.into()),
                    Value::Text("x".into()),
                ]));
                if let Value::Array(ds) = &mut p[2] {
                    ds.push(Value::Bytes(d));
                }
                if let Value::Array(pos) = &mut p[3] {
                    pos.push(Value::Integer(10.into()));
                }
                name = "claim-number-unregistered";
            }
            push(
                format!("structure/{name}"),
                &good_bundle,
                Some(&root),
                t0,
                t0 + 1,
                None,
                &wrap(&Value::Array(p), h.device.as_ref()),
            );
        }
        // A format-1 credential inside a format-2 presentation.
        let old = &holders[3];
        let d = old.issued.disclosures[2].bytes.clone();
        let p = Value::Array(vec![
            Value::Integer(2.into()),
            Value::Bytes(old.issued.credential.bytes.clone()),
            Value::Array(vec![Value::Bytes(d)]),
            Value::Array(vec![Value::Integer(0.into())]),
            Value::Array(vec![]),
            Value::Integer(t0.into()),
            Value::Integer(30.into()),
            Value::Null,
        ]);
        push(
            "structure/format-1-credential-in-format-2".into(),
            &good_bundle,
            Some(&root),
            t0,
            t0 + 1,
            None,
            &wrap(&p, old.device.as_ref()),
        );
    }

    // Garbage.
    let alphabet = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
    for i in 0..80 {
        let len = rng.below(200);
        let body: String = (0..len).map(|_| alphabet[rng.below(45)] as char).collect();
        let text = match i % 4 {
            0 => format!("YX1:{body}"),
            1 => body.clone(),
            2 => format!("YX1:{}", base45::encode(&(0..len).map(|_| rng.next() as u8).collect::<Vec<_>>())),
            _ => {
                let tok = show(&holders[0], &[2], t0, t0 + 30, None, None);
                tok[..rng.below(tok.len())].to_string()
            }
        };
        push(format!("garbage/{i}"), &good_bundle, Some(&root), t0, t0 + 1, None, &text);
    }
    // Bundles that must not open: a payload altered, a pinned root not in the bundle, opened
    // after its signer's certificate expired.
    let tok = show(&holders[0], &[2], t0, t0 + 30, None, None);
    let mut env: Json = serde_json::from_str(&good_bundle).unwrap();
    let payload = B64.decode(env["payload"].as_str().unwrap()).unwrap();
    let mut altered = payload.clone();
    let p = altered.len() / 2;
    altered[p] ^= 0x01;
    env["payload"] = Json::String(B64.encode(&altered));
    push("bundle/payload-altered".into(), &env.to_string(), Some(&root), t0, t0 + 1, None, &tok);
    let other_root = cert("issuing-ca.cert.pem");
    push("bundle/pinned-root-absent".into(), &good_bundle, Some(&other_root), t0, t0 + 1, None, &tok);
    let late = cert("status-list.cert.pem").not_after.unix_timestamp() + 86_400;
    push("bundle/signer-expired".into(), &good_bundle, Some(&root), late, late + 1, None, &tok);

    // The benchmark case: the five long fields of benches/examples/present_sizes.rs. With
    // `--bench`, this example times the Rust verifier on it (median of 100, one core), beside
    // which differential.mjs prints the page's.
    let five = ["name", "legal_representative", "term", "address", "registration_authority"];
    let shown: Vec<usize> = five.iter().map(|f| claims().iter().position(|c| c.name == *f).unwrap()).collect();
    let bench_tok = show(&holders[0], &shown, t0, t0 + 30, None, None);
    push("bench/5-fields".into(), &good_bundle, Some(&root), t0, t0 + 1, None, &bench_tok);
    if std::env::args().any(|a| a == "--bench") {
        let b = Bundle::open(good_bundle.as_bytes(), Some(&root), at(t0)).unwrap();
        let v = Verifier::new(&b, at(t0));
        let mut ts: Vec<f64> = (0..100)
            .map(|_| {
                let s = std::time::Instant::now();
                let r = v.verify(&bench_tok, at(t0 + 1), None);
                assert_eq!(r.report.indication, yinxin_pki::report::Indication::Passed);
                s.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        ts.sort_by(f64::total_cmp);
        println!(
            "benchmark: the 5-field token of present_sizes verified by the Rust Verifier: median of 100 {:.3} ms",
            ts[50]
        );
    }

    let n = cases.len();
    std::fs::write(&out, serde_json::to_vec(&json!({"cases": cases})).unwrap()).unwrap();
    eprintln!("{n} cases written to {out}");
}
