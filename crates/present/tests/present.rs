//! The 亮证 acceptance cases, offline: a credential from a keys-dev department, tokens from a
//! device key, a bundle signed by the status-list signer, and the verifier's verdicts.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use std::path::PathBuf;
use time::OffsetDateTime;
use yinxin_gm::{Sm2PrivateKey, Sm2Signer, UserId, default_provider};
use yinxin_pki::Cert;
use yinxin_pki::report::{Indication, SubIndication};
use yinxin_present::bundle::{self, Bundle, Content, IssuerEntry};
use yinxin_present::credential::{self, Claim, CredentialBody, Issued, StatusRef};
use yinxin_present::status::{self, Bits, ListInfo, Status};
use yinxin_present::verify::Verifier;
use yinxin_present::{MIN_STATUS_ENTRIES, key_id, token};

const BUSINESS: &str = "11530100MB0123456A001";
const INDEX: u32 = 70_001;

fn dev(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../keys-dev").join(name)
}
fn cert(name: &str) -> Cert {
    Cert::from_pem_or_der(&std::fs::read(dev(name)).unwrap()).unwrap()
}
fn signer(name: &str) -> Box<dyn Sm2Signer> {
    let k = Sm2PrivateKey::from_pem(&std::fs::read_to_string(dev(name)).unwrap(), None).unwrap();
    default_provider().sm2_signer(&k, UserId::DEFAULT).unwrap()
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
    ]
    .iter()
    .map(|(n, v)| Claim { name: n.to_string(), value: v.to_string() })
    .collect()
}

struct World {
    now: OffsetDateTime,
    device: Box<dyn Sm2Signer>,
    issued: Issued,
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

fn issue_with(issuer_key: &str, issuer_cert: &str, device: &dyn Sm2Signer) -> Issued {
    let c = cert(issuer_cert);
    let t = now().unix_timestamp();
    let body = CredentialBody {
        issuer_kid: key_id(c.der()),
        serial: *b"\x01\x02\x03\x04\x05\x06\x07\x08",
        type_code: BUSINESS.into(),
        format: credential::FORMAT,
        type_name: None,
        issued_at: None,
        valid_from: t - 86_400,
        valid_until: None,
        status: StatusRef { list: 0, index: INDEX },
        device_key: device.public_key().clone(),
        claims: credential::Commitment::Tree { leaves: 0, root: [0; 16] },
    };
    credential::issue(default_provider(), signer(issuer_key).as_ref(), body, &claims()).unwrap()
}

fn world() -> World {
    let dk = Sm2PrivateKey::generate(default_provider()).unwrap();
    let device = default_provider().sm2_signer(&dk, UserId::DEFAULT).unwrap();
    let issued = issue_with("dept-market.key.pem", "dept-market.cert.pem", device.as_ref());
    World { now: now(), device, issued }
}

/// A bundle with dept-market as the only issuer and one status list (`bits`, made at `made`,
/// expiring at `expires`).
fn bundle_with(bits: &Bits, made: i64, expires: i64) -> Vec<u8> {
    bundle_with_log(bits, made, expires, None)
}

fn bundle_with_log(bits: &Bits, made: i64, expires: i64, log_checkpoint: Option<String>) -> Vec<u8> {
    let market = cert("dept-market.cert.pem");
    let sl = cert("status-list.cert.pem");
    let info = ListInfo {
        issuer_kid: key_id(market.der()),
        issuer_code: "11530100MB0123456A",
        list: 0,
        issued_at: made,
        expires_at: expires,
    };
    let list = status::sign(bits, &info, signer("status-list.key.pem").as_ref(), key_id(sl.der())).unwrap();
    let content = Content {
        format: bundle::FORMAT.into(),
        issued_at: made,
        expires_at: expires,
        roots: vec![B64.encode(cert("root-ca.cert.pem").der())],
        intermediates: vec![B64.encode(cert("issuing-ca.cert.pem").der())],
        crls: vec![],
        issuers: vec![IssuerEntry {
            code: "11530100MB0123456A".into(),
            name: "某市市场监督管理局".into(),
            types: vec![BUSINESS.into()],
            cert: B64.encode(market.der()),
        }],
        status_signer: B64.encode(sl.der()),
        status_lists: vec![B64.encode(&list.bytes)],
        log_checkpoint,
        type_names: [(BUSINESS.to_string(), "营业执照".to_string())].into(),
        revoked_readers: vec![],
    };
    serde_json::to_vec(&bundle::sign(&content, signer("status-list.key.pem").as_ref(), &sl).unwrap()).unwrap()
}

fn verifier_with(bits: &Bits, made: i64, expires: i64) -> Verifier {
    let b = Bundle::open(&bundle_with(bits, made, expires), Some(&cert("root-ca.cert.pem")), now()).unwrap();
    Verifier::new(&b, now())
}

fn fresh_verifier() -> Verifier {
    let t = now().unix_timestamp();
    verifier_with(&Bits::new(MIN_STATUS_ENTRIES), t - 60, t + 3_600)
}

fn show(w: &World, names: &[&str], nonce: Option<&str>) -> String {
    let t = w.now.unix_timestamp();
    make(
        &w.issued.credential.bytes,
        &w.issued.disclosures,
        |d| names.contains(&d.name.as_str()),
        t,
        t + 30,
        nonce,
        w.device.as_ref(),
    )
}

/// A token of `cred` showing the disclosures `pick` chooses among all of `ds`.
fn make(
    cred: &[u8],
    ds: &[credential::Disclosure],
    pick: impl Fn(&credential::Disclosure) -> bool,
    iat: i64,
    exp: i64,
    nonce: Option<&str>,
    device: &dyn Sm2Signer,
) -> String {
    let all: Vec<&[u8]> = ds.iter().map(|d| d.bytes.as_slice()).collect();
    let shown: Vec<usize> = (0..ds.len()).filter(|&i| pick(&ds[i])).collect();
    token::present(cred, &all, &shown, iat, exp, nonce, device).unwrap()
}

const FIVE: [&str; 5] = ["uscc", "name", "legal_representative", "address", "term"];

fn failing(v: &yinxin_present::verify::Verdict) -> Vec<&'static str> {
    v.report
        .checks
        .iter()
        .filter(|c| {
            c.outcome != yinxin_pki::report::Outcome::Passed && c.outcome != yinxin_pki::report::Outcome::NotApplicable
        })
        .map(|c| c.id)
        .collect()
}

#[test]
fn a_good_token_passes_and_shows_exactly_the_chosen_fields() {
    let w = world();
    let v = fresh_verifier().verify(&show(&w, &FIVE, None), w.now, None);
    assert_eq!(v.indication(), Indication::Passed, "{:#?}", v.report.checks);
    let mut names: Vec<_> = v.disclosed.iter().map(|f| f.name.as_str()).collect();
    names.sort();
    let mut want = FIVE.to_vec();
    want.sort();
    assert_eq!(names, want);
    assert_eq!(v.disclosed.iter().find(|f| f.name == "name").unwrap().value, "昆明滇池云茶科技有限公司");
    let lic = v.licence.unwrap();
    assert_eq!((lic.type_name.as_str(), lic.issuer_code.as_str()), ("营业执照", "11530100MB0123456A"));
    assert_eq!(v.status.unwrap().status, Some(Status::Valid));
}

#[test]
fn an_expired_token_fails_as_a_replayed_screenshot() {
    let w = world();
    let text = show(&w, &FIVE, None);
    let ver = fresh_verifier();
    // Within its 30 s and the clock tolerance: fine. After: a replay.
    assert_eq!(ver.verify(&text, w.now + time::Duration::seconds(35), None).indication(), Indication::Passed);
    let v = ver.verify(&text, w.now + time::Duration::seconds(45), None);
    assert_eq!(v.indication(), Indication::Failed);
    assert_eq!(v.report.sub_indication, Some(SubIndication::Expired));
    assert_eq!(failing(&v), ["token.freshness"]);
    assert!(v.disclosed.is_empty(), "a failed token shows no fields");
    assert!(v.report.checks.iter().any(|c| c.reason_zh.contains("截图")));
}

#[test]
fn a_token_that_claims_a_long_life_fails() {
    let w = world();
    let t = w.now.unix_timestamp();
    let d1 = w.issued.disclosures[1].name.clone();
    let text = make(
        &w.issued.credential.bytes,
        &w.issued.disclosures,
        |d| d.name == d1,
        t,
        t + 3_600,
        None,
        w.device.as_ref(),
    );
    let v = fresh_verifier().verify(&text, w.now, None);
    assert_eq!(failing(&v), ["token.freshness"]);
}

#[test]
fn a_tampered_field_fails() {
    let w = world();
    let ver = fresh_verifier();
    // The holder rewrites a disclosure (same salt, another value) and signs with their own key.
    let mut forged = w.issued.disclosures.clone();
    let i = forged.iter().position(|d| d.name == "name").unwrap();
    let salt: [u8; 16] = forged[i].salt.clone().try_into().unwrap();
    forged[i] = credential::Disclosure::new(salt, "name", "另一家公司");
    let t = w.now.unix_timestamp();
    let text = make(
        &w.issued.credential.bytes,
        &forged,
        |d| FIVE.contains(&d.name.as_str()),
        t,
        t + 30,
        None,
        w.device.as_ref(),
    );
    let v = ver.verify(&text, w.now, None);
    assert_eq!(v.indication(), Indication::Failed);
    assert_eq!(failing(&v), ["disclosure.digest"]);
    assert_eq!(v.report.sub_indication, Some(SubIndication::HashFailure));
    assert!(v.disclosed.is_empty());

    // Any changed byte in the QR text is caught too (format, device signature or digest).
    let good = show(&w, &FIVE, None);
    for pos in (4..good.len()).step_by(37) {
        let mut b = good.clone().into_bytes();
        b[pos] = if b[pos] == b'A' { b'B' } else { b'A' };
        let v = ver.verify(std::str::from_utf8(&b).unwrap(), w.now, None);
        assert_ne!(v.indication(), Indication::Passed, "byte {pos} changed and still PASSED");
    }
}

#[test]
fn a_revoked_licence_fails_as_revoked_and_a_suspended_one_is_indeterminate() {
    let w = world();
    let t = w.now.unix_timestamp();
    let text = show(&w, &FIVE, None);
    let mut bits = Bits::new(MIN_STATUS_ENTRIES);
    bits.set(INDEX, Status::Revoked);
    let v = verifier_with(&bits, t - 10, t + 3_600).verify(&text, w.now, None);
    assert_eq!(v.indication(), Indication::Failed);
    assert_eq!(v.report.sub_indication, Some(SubIndication::Revoked));
    assert_eq!(failing(&v), ["status"]);
    bits.set(INDEX, Status::Suspended);
    let v = verifier_with(&bits, t - 10, t + 3_600).verify(&text, w.now, None);
    assert_eq!(v.indication(), Indication::Indeterminate);
    bits.set(INDEX, Status::Superseded);
    assert_eq!(verifier_with(&bits, t - 10, t + 3_600).verify(&text, w.now, None).indication(), Indication::Failed);
    // Neighbours do not matter.
    let mut bits = Bits::new(MIN_STATUS_ENTRIES);
    bits.set(INDEX - 1, Status::Revoked);
    bits.set(INDEX + 1, Status::Revoked);
    assert_eq!(verifier_with(&bits, t - 10, t + 3_600).verify(&text, w.now, None).indication(), Indication::Passed);
}

#[test]
fn a_stale_status_list_is_indeterminate_with_its_age_never_valid_nor_revoked() {
    let w = world();
    let t = w.now.unix_timestamp();
    let text = show(&w, &FIVE, None);
    for s in [Status::Valid, Status::Revoked] {
        let mut bits = Bits::new(MIN_STATUS_ENTRIES);
        bits.set(INDEX, s);
        // Made two days ago, expired yesterday.
        let v = verifier_with(&bits, t - 2 * 86_400, t - 86_400).verify(&text, w.now, None);
        assert_eq!(v.indication(), Indication::Indeterminate, "{s:?}");
        assert_eq!(v.report.sub_indication, Some(SubIndication::TryLater));
        let st = v.status.as_ref().unwrap();
        assert!(st.stale && st.status.is_none());
        assert_eq!(st.age_seconds, Some(2 * 86_400));
        let c = v.report.checks.iter().find(|c| c.id == "status.freshness").unwrap();
        assert!(c.reason_zh.contains("2天") && c.reason_en.contains("2 days"), "{c:?}");
    }
}

#[test]
fn status_lists_that_cannot_be_trusted_are_indeterminate_not_revoked() {
    let w = world();
    let t = w.now.unix_timestamp();
    let text = show(&w, &FIVE, None);
    // Signed by a department instead of the status-list signer.
    let market = cert("dept-market.cert.pem");
    let info = ListInfo {
        issuer_kid: key_id(market.der()),
        issuer_code: "11530100MB0123456A",
        list: 0,
        issued_at: t,
        expires_at: t + 3_600,
    };
    let list = status::sign(
        &Bits::new(MIN_STATUS_ENTRIES),
        &info,
        signer("dept-transport.key.pem").as_ref(),
        key_id(cert("status-list.cert.pem").der()),
    )
    .unwrap();
    let mut b = Bundle::open(&bundle_with(&Bits::new(MIN_STATUS_ENTRIES), t, t + 3_600), None, now()).unwrap();
    b.status_lists = vec![list];
    let v = Verifier::new(&b, now()).verify(&text, w.now, None);
    assert_eq!(v.indication(), Indication::Indeterminate);
    assert_eq!(failing(&v), ["status.signature"]);
    // No list at all.
    b.status_lists.clear();
    let v = Verifier::new(&b, now()).verify(&text, w.now, None);
    assert_eq!((v.indication(), failing(&v)), (Indication::Indeterminate, vec!["status.list"]));
    // Too short for herd privacy: refused when signing.
    assert!(
        status::sign(
            &Bits::new(1_000),
            &ListInfo { issuer_kid: [0; 8], issuer_code: "x", list: 0, issued_at: t, expires_at: t },
            signer("status-list.key.pem").as_ref(),
            [0; 8]
        )
        .is_err()
    );
}

#[test]
fn a_wrong_device_key_fails() {
    let w = world();
    let other =
        default_provider().sm2_signer(&Sm2PrivateKey::generate(default_provider()).unwrap(), UserId::DEFAULT).unwrap();
    let t = w.now.unix_timestamp();
    // Someone copied the credential and the disclosures, but not the device key.
    let text = make(&w.issued.credential.bytes, &w.issued.disclosures, |_| true, t, t + 30, None, other.as_ref());
    let v = fresh_verifier().verify(&text, w.now, None);
    assert_eq!(v.indication(), Indication::Failed);
    assert_eq!(failing(&v), ["token.device_signature"]);
}

#[test]
fn an_issuer_outside_the_trust_bundle_is_indeterminate() {
    let w = world();
    // dept-transport chains to the same root, but the bundle does not list it as an issuer.
    let issued = issue_with("dept-transport.key.pem", "dept-transport.cert.pem", w.device.as_ref());
    let t = w.now.unix_timestamp();
    let three = |d: &credential::Disclosure| ["identifier", "uscc", "name"].contains(&d.name.as_str());
    let text = make(&issued.credential.bytes, &issued.disclosures, three, t, t + 30, None, w.device.as_ref());
    let v = fresh_verifier().verify(&text, w.now, None);
    // An issuer the bundle does not know is "cannot tell" (EN 319 102-1 NO_CERTIFICATE_CHAIN_FOUND
    // is INDETERMINATE), never "forged".
    assert_eq!(v.indication(), Indication::Indeterminate);
    assert_eq!(failing(&v), ["credential.issuer"]);
    // A credential claiming dept-market but signed by another key fails on the signature.
    let mut forged = issued.credential.clone();
    forged.body.issuer_kid = key_id(cert("dept-market.cert.pem").der());
    let forged =
        credential::issue(default_provider(), signer("dept-transport.key.pem").as_ref(), forged.body, &claims())
            .unwrap();
    let text = make(&forged.credential.bytes, &forged.disclosures, three, t, t + 30, None, w.device.as_ref());
    assert_eq!(failing(&fresh_verifier().verify(&text, w.now, None)), ["credential.signature"]);
}

#[test]
fn undisclosed_fields_cannot_be_recovered_from_a_token() {
    let w = world();
    let text = show(&w, &["name"], None);
    let tok = token::decode(&text).unwrap();
    let raw = yinxin_present::base45::decode(&text[4..]).unwrap();
    for c in claims().iter().filter(|c| c.name != "name") {
        // The value's bytes are nowhere in the token…
        assert!(!raw.windows(c.value.len()).any(|w| w == c.value.as_bytes()), "{} leaked", c.name);
        // …its salt is not either, and without it the digest cannot be matched by guessing: even
        // the right value with every salt the token does carry hashes to no digest in it.
        let d = w.issued.disclosures.iter().find(|d| d.name == c.name).unwrap();
        assert!(!raw.windows(16).any(|win| win == d.salt.as_slice()), "{}'s salt leaked", c.name);
        let cred = credential::Credential::parse(&tok.presentation.credential).unwrap();
        // The token carries the shown leaf and the multiproof's nodes: none of them is a
        // guess's leaf, salted with any salt it carries, or unsalted, or the value's own hash.
        let carried: Vec<[u8; 16]> = tok
            .presentation
            .proof
            .iter()
            .copied()
            .chain(tok.presentation.disclosures.iter().map(|d| yinxin_present::merkle::leaf(d)))
            .collect();
        for shown in &tok.presentation.disclosures {
            let s = credential::Disclosure::parse(shown).unwrap();
            let guess = credential::Disclosure::new(s.salt.clone().try_into().unwrap(), &c.name, &c.value);
            assert!(!carried.contains(&guess.leaf()));
        }
        let unsalted = credential::Disclosure::new([0; 16], &c.name, &c.value);
        assert!(!carried.contains(&unsalted.leaf()));
        assert!(!carried.iter().any(|h| h[..] == yinxin_gm::sm3::sm3(c.value.as_bytes()).as_bytes()[..16]));
        assert!(matches!(cred.body.claims, credential::Commitment::Tree { leaves: 11, .. }));
    }
    // Positions are those of the sorted leaves: which field is which is not in them.
    let leaves = credential::sorted_leaves(w.issued.disclosures.iter().map(|d| d.bytes.as_slice()));
    assert!(leaves.windows(2).all(|p| p[0] < p[1]));
}

#[test]
fn the_nonce_binds_a_token_to_one_check() {
    let w = world();
    let ver = fresh_verifier();
    let text = show(&w, &FIVE, Some("482913"));
    assert_eq!(ver.verify(&text, w.now, Some("482913")).indication(), Indication::Passed);
    assert_eq!(failing(&ver.verify(&text, w.now, Some("000000"))), ["token.nonce"]);
    assert_eq!(failing(&ver.verify(&show(&w, &FIVE, None), w.now, Some("482913"))), ["token.nonce"]);
}

#[test]
fn bundles_are_checked_before_use() {
    let t = now().unix_timestamp();
    let good = bundle_with(&Bits::new(MIN_STATUS_ENTRIES), t, t + 60);
    assert!(Bundle::open(&good, Some(&cert("root-ca.cert.pem")), now()).is_ok());
    // A pinned root the bundle does not hold.
    assert!(Bundle::open(&good, Some(&cert("dept-market.cert.pem")), now()).is_err());
    // A changed payload.
    let mut env: bundle::Envelope = serde_json::from_slice(&good).unwrap();
    let mut payload = B64.decode(&env.payload).unwrap();
    let p = payload.iter().position(|&b| b == b'0').unwrap();
    payload[p] = b'1';
    env.payload = B64.encode(&payload);
    let e = Bundle::open(&serde_json::to_vec(&env).unwrap(), None, now()).unwrap_err();
    // Wherever the byte lands (a field, a certificate's bytes), the signature is checked first.
    assert!(e.to_string().contains("signature"), "{e}");
    assert!(Bundle::open(b"{}", None, now()).is_err());
}

#[test]
fn garbage_is_a_format_failure() {
    let ver = fresh_verifier();
    for t in ["", "YX1:", "YX1:%%%", "hello", "YX1:0000", &"YX1:".repeat(2_000)] {
        let v = ver.verify(t, now(), None);
        assert_eq!(v.report.sub_indication, Some(SubIndication::FormatFailure), "{t:?}");
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
    #[test]
    fn decoding_arbitrary_text_never_panics(s in "YX1:[0-9A-Z $%*+./:-]{0,300}") {
        let _ = token::decode(&s);
    }
}

#[test]
fn an_issuer_outside_its_licence_types_fails() {
    let w = world();
    let t = w.now.unix_timestamp();
    let mut b = Bundle::open(&bundle_with(&Bits::new(MIN_STATUS_ENTRIES), t, t + 3_600), None, now()).unwrap();
    // The trust list lets dept-market issue road-transport licences only.
    b.issuers[0].entry.types = vec!["11530100MB0234567M001".into()];
    let v = Verifier::new(&b, now()).verify(&show(&w, &FIVE, None), w.now, None);
    assert_eq!(v.indication(), Indication::Failed);
    assert_eq!(failing(&v), ["credential.type"]);
}

/// A log checkpoint of `size` signed by the keys-dev key `key` under `origin`.
fn checkpoint(key: &str, size: u64) -> String {
    use yinxin_tlog::checkpoint::Checkpoint;
    use yinxin_tlog::note::NoteSigner;
    use yinxin_tlog::signature::{Sm2Kind, Sm2NoteSigner};
    let s = Sm2NoteSigner::new("yinxin.test/log", Sm2Kind::Note, signer(key)).unwrap();
    let root = yinxin_tlog::Hash::from_slice(&[7u8; 32]).unwrap();
    let cp = Checkpoint::new("yinxin.test/log", size, root).sign(&s as &dyn NoteSigner).unwrap();
    String::from_utf8(cp.to_bytes()).unwrap()
}

#[test]
fn a_bundle_carries_the_log_checkpoint_and_the_verifier_trusts_its_size() {
    let t = now().unix_timestamp();
    let bits = Bits::new(MIN_STATUS_ENTRIES);
    let cp = checkpoint("status-list.key.pem", 1_234);
    let json = bundle_with_log(&bits, t - 60, t + 3_600, Some(cp.clone()));
    let b = Bundle::open(&json, Some(&cert("root-ca.cert.pem")), now()).unwrap();
    let v = Verifier::new(&b, now());
    assert_eq!(v.log_size(), Some(1_234));
    let head = v.log_checkpoint().unwrap();
    assert_eq!((head.origin.as_str(), head.note.as_str(), head.root), ("yinxin.test/log", cp.as_str(), [7u8; 32]));

    // A bundle without one (as every bundle before the log) opens, trusting no log size, and
    // says nothing about the log in its payload.
    let old = bundle_with(&bits, t - 60, t + 3_600);
    let env: bundle::Envelope = serde_json::from_slice(&old).unwrap();
    assert!(!String::from_utf8(B64.decode(env.payload).unwrap()).unwrap().contains("log_checkpoint"));
    assert_eq!(fresh_verifier().log_size(), None);

    // A checkpoint not signed by the bundle's signer is refused.
    let other = checkpoint("dept-market.key.pem", 1_234);
    assert!(Bundle::open(&bundle_with_log(&bits, t - 60, t + 3_600, Some(other)), None, now()).is_err());
    // Nor is a checkpoint whose text was changed after signing.
    let changed = cp.replacen("1234", "1235", 1);
    assert!(Bundle::open(&bundle_with_log(&bits, t - 60, t + 3_600, Some(changed)), None, now()).is_err());
}

#[test]
fn a_format_1_credential_and_presentation_still_verify() {
    // Wallets hold credentials made before format 2; they keep working until renewed.
    let w = world();
    let c = cert("dept-market.cert.pem");
    let t = now().unix_timestamp();
    let body = CredentialBody {
        format: 1,
        issuer_kid: key_id(c.der()),
        serial: [9; 8],
        type_code: BUSINESS.into(),
        type_name: Some("营业执照（旧格式）".into()),
        issued_at: Some(t),
        valid_from: t - 86_400,
        valid_until: None,
        status: StatusRef { list: 0, index: INDEX },
        device_key: w.device.public_key().clone(),
        claims: credential::Commitment::Digests(vec![]),
    };
    let issued =
        credential::issue(default_provider(), signer("dept-market.key.pem").as_ref(), body, &claims()).unwrap();
    let parsed = credential::Credential::parse(&issued.credential.bytes).unwrap();
    assert!(
        matches!(&parsed.body.claims, credential::Commitment::Digests(d) if parsed.body.format == 1 && d.len() == 11)
    );
    // A format-1 presentation, as wallets before format 2 make it.
    let presentation = {
        use ciborium::Value;
        let mut out = Vec::new();
        let ds = issued.disclosures.iter().take(3).map(|d| Value::Bytes(d.bytes.clone())).collect();
        let v = Value::Array(vec![
            Value::Text("yx-vp-1".into()),
            Value::Bytes(issued.credential.bytes.clone()),
            Value::Array(ds),
            Value::Integer(t.into()),
            Value::Integer((t + 30).into()),
            Value::Null,
        ]);
        ciborium::into_writer(&v, &mut out).unwrap();
        out
    };
    let sig = w.device.sign(&presentation).unwrap().to_raw();
    let mut tok = Vec::new();
    ciborium::into_writer(
        &ciborium::Value::Array(vec![ciborium::Value::Bytes(presentation), ciborium::Value::Bytes(sig.to_vec())]),
        &mut tok,
    )
    .unwrap();
    let text = format!("YX1:{}", yinxin_present::base45::encode(&tok));
    let v = fresh_verifier().verify(&text, w.now, None);
    assert_eq!(v.indication(), Indication::Passed, "{:#?}", v.report.checks);
    assert_eq!(v.disclosed.len(), 3);
    assert_eq!(v.licence.unwrap().type_name, "营业执照（旧格式）");
    // Format 2 takes the name from the bundle.
    let v = fresh_verifier().verify(&show(&w, &["name"], None), w.now, None);
    assert_eq!(v.licence.unwrap().type_name, "营业执照");
}

#[test]
fn a_date_at_the_end_of_year_9999_does_not_panic_the_verifier() {
    // In China Standard Time 253402300000 is past 9999-12-31: the summary is built before the
    // issuer's signature is checked, so an unsigned token could name such a date.
    let w = world();
    let c = cert("dept-market.cert.pem");
    let body = CredentialBody {
        format: credential::FORMAT,
        issuer_kid: key_id(c.der()),
        serial: [5; 8],
        type_code: BUSINESS.into(),
        type_name: None,
        issued_at: None,
        valid_from: 253_402_300_000,
        valid_until: Some(253_402_300_700),
        status: StatusRef { list: 0, index: INDEX },
        device_key: w.device.public_key().clone(),
        claims: credential::Commitment::Tree { leaves: 0, root: [0; 16] },
    };
    let issued =
        credential::issue(default_provider(), signer("dept-transport.key.pem").as_ref(), body, &claims()).unwrap();
    let t = w.now.unix_timestamp();
    let text = make(&issued.credential.bytes, &issued.disclosures, |_| true, t, t + 30, None, w.device.as_ref());
    let v = fresh_verifier().verify(&text, w.now, None);
    assert_eq!(failing(&v), ["credential.signature"]);
}

#[test]
fn a_five_field_business_licence_token_fits_qr_version_20_at_level_m() {
    // The example licence's five longest surface fields (benches/examples/present_sizes.rs shows
    // the table): format 1 needed version 25.
    let w = world();
    let five = ["name", "legal_representative", "term", "address", "registration_authority"];
    let text = show(&w, &five, None);
    let (version, _) = yinxin_present::qr::version_for(&text, yinxin_present::qr::EC_LEVEL).unwrap();
    assert!(version <= 20, "version {version} for {} characters", text.len());
    // With a six-digit nonce (a request's answer) too.
    let text = show(&w, &five, Some("654321"));
    assert!(yinxin_present::qr::version_for(&text, yinxin_present::qr::EC_LEVEL).unwrap().0 <= 20);
}
