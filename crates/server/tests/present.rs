//! 亮证 through the service, over SQLite and PostgreSQL: a holder's device gets a credential, the
//! trust bundle and status lists are fetched without credentials, tokens verify offline against
//! the bundle and online; revocation, suspension and re-issue reach both; a stale bundle is
//! INDETERMINATE.

mod common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use common::*;
use reqwest::Method;
use serde_json::{Value, json};
use time::OffsetDateTime;
use yinxin_gm::{Sm2PrivateKey, Sm2Signer, UserId, default_provider};
use yinxin_pki::Cert;
use yinxin_pki::report::{Indication, SubIndication};
use yinxin_present::bundle::Bundle;
use yinxin_present::status::{SignedStatusList, Status};
use yinxin_present::verify::Verifier;
use yinxin_present::{MIN_STATUS_ENTRIES, token};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presentation_on_sqlite() {
    let _ = tracing_subscriber::fmt().with_env_filter("error").with_test_writer().try_init();
    let s = start(false).await;
    scenario(&s).await;
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presentation_on_postgres() {
    let s = start(true).await;
    scenario(&s).await;
    s.finish().await;
}

fn device() -> Box<dyn Sm2Signer> {
    default_provider().sm2_signer(&Sm2PrivateKey::generate(default_provider()).unwrap(), UserId::DEFAULT).unwrap()
}

fn request(id: &str, dev: &dyn Sm2Signer) -> Value {
    let key = hex::encode(yinxin_present::compress(dev.public_key()));
    let msg = yinxin_server::routes::present::proof_message(id, &key);
    json!({"device_key": key, "proof": hex::encode(dev.sign(msg.as_bytes()).unwrap().to_raw())})
}

/// A token showing `names` from a credential response.
fn show(cred: &Value, names: &[&str], dev: &dyn Sm2Signer, nonce: Option<&str>) -> String {
    let c = B64.decode(cred["credential"].as_str().unwrap()).unwrap();
    let claims = cred["claims"].as_array().unwrap();
    let ds: Vec<Vec<u8>> = claims.iter().map(|x| B64.decode(x["disclosure"].as_str().unwrap()).unwrap()).collect();
    let shown: Vec<usize> =
        (0..claims.len()).filter(|&i| names.contains(&claims[i]["name"].as_str().unwrap())).collect();
    let refs: Vec<&[u8]> = ds.iter().map(Vec::as_slice).collect();
    let t = OffsetDateTime::now_utc().unix_timestamp();
    token::present(&c, &refs, &shown, t, t + 30, nonce, dev).unwrap()
}

fn root() -> Cert {
    Cert::from_pem_or_der(&std::fs::read(workspace().join("keys-dev/root-ca.cert.pem")).unwrap()).unwrap()
}

async fn offline(s: &Server) -> (Vec<u8>, Verifier) {
    let r = s.get("/v1/present/bundle", None).await;
    assert_eq!(r.status, 200);
    let b = Bundle::open(&r.bytes, Some(&root()), OffsetDateTime::now_utc()).expect("the bundle opens");
    (r.bytes.clone(), Verifier::new(&b, OffsetDateTime::now_utc()))
}

async fn online(s: &Server, officer: &str, token: &str) -> Value {
    s.post("/v1/present/verify", officer, json!({"token": token})).await.ok(200)
}

async fn scenario(s: &Server) {
    let market = s.market();
    let holder = s.token("holder");
    let officer = s.token("officer");
    let issue = |_: ()| s.post("/v1/licences", &market, business(Some(HOLDER)));
    let a = issue(()).await.ok(201)["identifier"].as_str().unwrap().to_string();
    let b = issue(()).await.ok(201)["identifier"].as_str().unwrap().to_string();
    let other =
        s.post("/v1/licences", &market, business(None)).await.ok(201)["identifier"].as_str().unwrap().to_string();

    // The pages and their assets are served locally, with a policy that allows nothing else.
    for p in ["/wallet", "/verifier"] {
        let r = s.get(p, None).await;
        assert_eq!(r.status, 200);
        assert!(r.headers["content-security-policy"].to_str().unwrap().starts_with("default-src 'self'"));
        let html = String::from_utf8(r.bytes.clone()).unwrap();
        for src in html.split("src=\"").skip(1).chain(html.split("href=\"").skip(1)) {
            let src = &src[..src.find('"').unwrap()];
            if src.starts_with("data:") {
                continue;
            }
            assert!(src.starts_with("/assets/") || src == "/verifier.webmanifest", "{p} loads {src}");
            assert_eq!(s.get(src, None).await.status, 200, "{src}");
        }
    }
    // The verifier's service worker (scope `/`) and manifest.
    let sw = s.get("/verifier-sw.js", None).await;
    assert_eq!(sw.status, 200);
    assert_eq!(sw.headers["content-type"].to_str().unwrap(), "text/javascript; charset=utf-8");
    let m: Value = serde_json::from_slice(&s.get("/verifier.webmanifest", None).await.bytes).unwrap();
    assert_eq!(m["start_url"], "/verifier");
    s.get("/assets/../Cargo.toml", None).await.problem(404, "no_route");
    s.get("/assets/nothing.js", None).await.problem(404, "not_found");
    assert_eq!(s.get("/v1/whoami", Some(&holder)).await.ok(200)["role"], "holder");

    // A credential for the holder's device, with a proof of the key.
    let dev = device();
    let path = format!("/v1/holder/licences/{a}/credential");
    let body = request(&a, dev.as_ref());
    let cred =
        s.call(Method::POST, &path, Some(&holder), Some(body.clone()), &[("Idempotency-Key", "cred-1")]).await.ok(201);
    let names: Vec<&str> = cred["claims"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(&names[..3], ["identifier", "uscc", "name"]);
    assert_eq!(cred["claims"][0]["value"], a.as_str());
    assert_eq!(cred["licence"]["type_name"], "营业执照");
    let replay = s.call(Method::POST, &path, Some(&holder), Some(body), &[("Idempotency-Key", "cred-1")]).await;
    assert_eq!(replay.headers["idempotency-replayed"], "true");
    assert_eq!(replay.json()["serial"], cred["serial"]);
    // A second device gets its own credential with the same status entry.
    let dev2 = device();
    let cred2 = s.post(&path, &holder, request(&a, dev2.as_ref())).await.ok(201);
    assert_eq!(cred2["status"], cred["status"]);
    assert_ne!(cred2["serial"], cred["serial"]);

    // Refusals: a proof by another key, a bad key, someone else's licence, other roles.
    let mut forged = request(&a, dev.as_ref());
    forged["proof"] = request(&a, dev2.as_ref())["proof"].clone();
    s.post(&path, &holder, forged).await.problem(422, "credential.invalid");
    s.post(&path, &holder, json!({"device_key": "04zz", "proof": "00"})).await.problem(422, "credential.invalid");
    s.post(&format!("/v1/holder/licences/{other}/credential"), &holder, request(&other, dev.as_ref()))
        .await
        .problem(404, "not_found");
    s.post(&path, &officer, request(&a, dev.as_ref())).await.problem(403, "forbidden");
    s.post(&path, &holder, json!({"device_key": "00", "proof": "00", "extra": 1})).await.problem(422, "invalid_json");

    // Offline: the bundle opens with the pinned root; a token passes with exactly its fields.
    let five = ["uscc", "name", "legal_representative", "address", "term"];
    let tok = show(&cred, &five, dev.as_ref(), None);
    // Issuance does not wait for the log; asking for a proof does: both licences are in it.
    s.get(&format!("/v1/licences/{b}/proof"), Some(&s.market())).await.ok(200);
    let (old_bundle, ver) = offline(s).await;
    // The bundle carries the log's checkpoint: the verifier trusts a log holding both licences.
    let trusted = ver.log_size().expect("the bundle carries a log checkpoint");
    assert!(trusted >= 2, "{trusted}");
    let served = s.get("/tlog/checkpoint", None).await;
    let served = String::from_utf8(served.bytes.clone()).unwrap();
    assert!(served.lines().nth(1).unwrap().parse::<u64>().unwrap() >= trusted);
    assert_eq!(ver.log_checkpoint().unwrap().origin, served.lines().next().unwrap());
    let now = OffsetDateTime::now_utc();
    let v = ver.verify(&tok, now, None);
    assert_eq!(v.indication(), Indication::Passed, "{:#?}", v.report.checks);
    let mut got: Vec<&str> = v.disclosed.iter().map(|f| f.name.as_str()).collect();
    got.sort();
    let mut want = five.to_vec();
    want.sort();
    assert_eq!(got, want);
    // The other device's key does not make tokens for the first credential.
    assert_eq!(ver.verify(&show(&cred, &five, dev2.as_ref(), None), now, None).indication(), Indication::Failed);

    // Online: the same verdict, with labels; the holder sees the check in their usage log.
    let on = online(s, &officer, &tok).await;
    assert_eq!(on["indication"], "PASSED", "{on:#}");
    let labels: Vec<&str> = on["disclosed"].as_array().unwrap().iter().map(|f| f["label"].as_str().unwrap()).collect();
    assert!(labels.contains(&"法定代表人") && labels.len() == 5, "{labels:?}");
    s.post("/v1/present/verify", &holder, json!({"token": tok})).await.problem(403, "forbidden");
    s.post("/v1/present/verify", &officer, json!({"token": ""})).await.problem(422, "bad_token");
    let garbage = online(s, &officer, "YX1:NOT A TOKEN").await;
    assert_eq!(
        (garbage["indication"].as_str(), garbage["sub_indication"].as_str()),
        (Some("FAILED"), Some("FORMAT_FAILURE"))
    );
    let usage = s.get("/v1/holder/usage?limit=500", Some(&holder)).await.ok(200);
    let actions: Vec<(&str, &str)> = usage["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["action"].as_str().unwrap(), e["subject"].as_str().unwrap()))
        .collect();
    assert!(actions.contains(&("credential.issue", a.as_str())));
    assert!(actions.contains(&("presentation.verify", a.as_str())), "{actions:?}");

    // The status list: public, signed by the status-list signer, herd-sized, our entry valid.
    let st = &cred["status"];
    let (list, index) = (st["list"].as_u64().unwrap(), st["index"].as_u64().unwrap() as u32);
    let r = s.get(&format!("/v1/status-lists/11530100MB0123456A/{list}"), None).await;
    assert_eq!(r.headers["content-type"], "application/cbor");
    let sl = SignedStatusList::parse(&r.bytes).unwrap();
    assert!(sl.body.entries >= MIN_STATUS_ENTRIES);
    let signer =
        Cert::from_pem_or_der(&std::fs::read(workspace().join("keys-dev/status-list.cert.pem")).unwrap()).unwrap();
    let vk = default_provider().sm2_verifier(signer.public_key.as_ref().unwrap(), UserId::DEFAULT).unwrap();
    sl.verify_signature(vk.as_ref()).unwrap();
    assert_eq!(sl.bits().unwrap().get(index), Some(Status::Valid));
    // A list past half its lifetime is signed afresh when fetched (the bits are unchanged).
    sqlx::query("UPDATE status_lists SET issued_at = issued_at - 40000").execute(s.app.db.pool()).await.unwrap();
    let r = s.get(&format!("/v1/status-lists/11530100MB0123456A/{list}"), None).await;
    let again = SignedStatusList::parse(&r.bytes).unwrap();
    again.verify_signature(vk.as_ref()).unwrap();
    assert!(again.body.issued_at >= sl.body.issued_at, "re-signed now, not 40,000 s ago");
    assert_eq!(again.bits().unwrap(), sl.bits().unwrap());
    s.get("/v1/status-lists/11530100MB0123456A/99", None).await.problem(404, "not_found");
    s.get("/v1/status-lists/11530100MB0123456A/x", None).await.problem(404, "not_found");

    // Suspension and resumption reach verifiers.
    let dev_b = device();
    let cred_b =
        s.post(&format!("/v1/holder/licences/{b}/credential"), &holder, request(&b, dev_b.as_ref())).await.ok(201);
    let tok_b = |d: &dyn Sm2Signer| show(&cred_b, &["name"], d, None);
    let reason = json!({"reason": "检查"});
    s.post(&format!("/v1/licences/{b}/suspend"), &market, reason.clone()).await.ok(200);
    assert_eq!(online(s, &officer, &tok_b(dev_b.as_ref())).await["indication"], "INDETERMINATE");
    s.post(&format!("/v1/licences/{b}/resume"), &market, reason.clone()).await.ok(200);
    assert_eq!(online(s, &officer, &tok_b(dev_b.as_ref())).await["indication"], "PASSED");
    // Re-issue supersedes: the old version's credential fails.
    s.post(&format!("/v1/licences/{b}/reissue"), &market, json!({"fields": business(Some(HOLDER))["fields"]}))
        .await
        .ok(201);
    let r = online(s, &officer, &tok_b(dev_b.as_ref())).await;
    assert_eq!((r["indication"].as_str(), r["sub_indication"].as_str()), (Some("FAILED"), Some("REVOKED")));

    // Revocation: FAILED as revoked online and with a freshly fetched bundle; the list's bit is set.
    s.post(&format!("/v1/licences/{a}/revoke"), &market, reason.clone()).await.ok(200);
    let r = online(s, &officer, &show(&cred, &five, dev.as_ref(), None)).await;
    assert_eq!((r["indication"].as_str(), r["sub_indication"].as_str()), (Some("FAILED"), Some("REVOKED")));
    let (_, ver) = offline(s).await;
    let v = ver.verify(&show(&cred, &five, dev.as_ref(), None), OffsetDateTime::now_utc(), None);
    assert_eq!((v.indication(), v.report.sub_indication), (Indication::Failed, Some(SubIndication::Revoked)));
    let r = s.get(&format!("/v1/status-lists/11530100MB0123456A/{list}"), None).await;
    assert_eq!(SignedStatusList::parse(&r.bytes).unwrap().bits().unwrap().get(index), Some(Status::Revoked));
    // A verifier still holding the bundle fetched before the revocation cannot know, until the
    // bundle's lists expire; after that it says INDETERMINATE with the age, never "valid".
    let later = OffsetDateTime::now_utc() + time::Duration::hours(13);
    let old = Bundle::open(&old_bundle, Some(&root()), OffsetDateTime::now_utc()).unwrap();
    let stale = Verifier::new(&old, later);
    let t = later.unix_timestamp();
    let c = B64.decode(cred["credential"].as_str().unwrap()).unwrap();
    let all: Vec<Vec<u8>> = cred["claims"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| B64.decode(x["disclosure"].as_str().unwrap()).unwrap())
        .collect();
    let all: Vec<&[u8]> = all.iter().map(Vec::as_slice).collect();
    let late_tok = token::present(&c, &all, &[], t, t + 30, None, dev.as_ref()).unwrap();
    let v = stale.verify(&late_tok, later, None);
    assert_eq!((v.indication(), v.report.sub_indication), (Indication::Indeterminate, Some(SubIndication::TryLater)));
    assert!(v.status.unwrap().age_seconds.unwrap() >= 13 * 3600 - 60);
    // No credential for a licence that is not in force.
    s.post(&path, &holder, request(&a, dev.as_ref())).await.problem(409, "licence_not_valid");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_records_on_sqlite() {
    let s = start(false).await;
    readers_and_records(&s).await;
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_records_on_postgres() {
    let s = start(true).await;
    readers_and_records(&s).await;
    s.finish().await;
}

/// An officer's device gets a reader certificate; checks it made offline are uploaded later,
/// land in the holder's usage log, and a replayed, altered or foreign record is refused.
async fn readers_and_records(s: &Server) {
    use yinxin_present::reader::{ReaderCert, Record};
    let (market, holder, officer, admin) = (s.market(), s.token("holder"), s.token("officer"), s.token("admin"));
    let a = s.post("/v1/licences", &market, business(Some(HOLDER))).await.ok(201)["identifier"]
        .as_str()
        .unwrap()
        .to_string();
    let hdev = device();
    let cred =
        s.post(&format!("/v1/holder/licences/{a}/credential"), &holder, request(&a, hdev.as_ref())).await.ok(201);
    let cred_serial: [u8; 8] = hex::decode(cred["serial"].as_str().unwrap()).unwrap().try_into().unwrap();

    // The reader certificate: the key proved, the profile the administrator set, the service's key.
    let dev = device();
    let key = hex::encode(yinxin_present::compress(dev.public_key()));
    let proof = |d: &dyn Sm2Signer, k: &str| {
        let m = yinxin_server::routes::present::reader_proof_message(k);
        hex::encode(d.sign(m.as_bytes()).unwrap().to_raw())
    };
    let other = device();
    s.post("/v1/present/readers", &officer, json!({"device_key": key, "proof": proof(other.as_ref(), &key)}))
        .await
        .problem(422, "reader.invalid");
    s.post("/v1/present/readers", &holder, json!({"device_key": key, "proof": proof(dev.as_ref(), &key)}))
        .await
        .problem(403, "forbidden");
    let r = s
        .post("/v1/present/readers", &officer, json!({"device_key": key, "proof": proof(dev.as_ref(), &key)}))
        .await
        .ok(201);
    let cert = ReaderCert::parse(&B64.decode(r["certificate"].as_str().unwrap()).unwrap()).unwrap();
    let (b, _) = offline(s).await;
    let bundle = Bundle::open(&b, Some(&root()), OffsetDateTime::now_utc()).unwrap();
    let sv = default_provider().sm2_verifier(bundle.signer.public_key.as_ref().unwrap(), UserId::DEFAULT).unwrap();
    cert.verify(sv.as_ref(), OffsetDateTime::now_utc().unix_timestamp()).expect("signed by the bundle's signer");
    assert_eq!((cert.body.officer_name.as_str(), cert.body.area_code.as_str()), ("王五", "530102"));
    assert!(cert.may_request(&cert.body.entitlements[0].0, &["name".into(), "uscc".into()]));
    assert!(!cert.may_request(&cert.body.entitlements[0].0, &["legal_representative".into()]));

    // An administrator changes what the officer may ask for; the next certificate says so.
    let ents = json!({"营业执照": ["name", "uscc", "address"]});
    let profile = json!({"name": "王五", "department_code": "11530100MB0123456A", "department_name": "某市市场监督管理局",
        "area_code": "530103", "entitlements": ents});
    s.call(Method::PUT, "/v1/admin/officers/officer-001", Some(&officer), Some(profile.clone()), &[])
        .await
        .problem(403, "forbidden");
    s.call(
        Method::PUT,
        "/v1/admin/officers/officer-001",
        Some(&admin),
        Some(json!({"name": "王五", "department_code": "x", "department_name": "y",
        "area_code": "z", "entitlements": {"营业执照": ["no_such_field"]}})),
        &[],
    )
    .await
    .problem(422, "officer.invalid");
    s.call(Method::PUT, "/v1/admin/officers/officer-001", Some(&admin), Some(profile), &[]).await.ok(200);
    let r2 = s
        .post("/v1/present/readers", &officer, json!({"device_key": key, "proof": proof(dev.as_ref(), &key)}))
        .await
        .ok(201);
    let cert2 = ReaderCert::parse(&B64.decode(r2["certificate"].as_str().unwrap()).unwrap()).unwrap();
    assert_eq!(cert2.body.area_code, "530103");
    assert!(cert2.may_request(&cert2.body.entitlements[0].0, &["address".into()]));

    // Two checks made offline, uploaded later.
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let fields = vec!["name".to_string(), "uscc".to_string()];
    let rec = |id: u8, d: &dyn Sm2Signer| {
        B64.encode(
            Record::sign([id; 16], cert.body.serial, now - 600, "530102-菜市场", cred_serial, "PASSED", &fields, d)
                .unwrap(),
        )
    };
    let (one, two) = (rec(1, dev.as_ref()), rec(2, dev.as_ref()));
    let forged = rec(3, other.as_ref());
    let mut altered = B64.decode(rec(4, dev.as_ref())).unwrap();
    let n = altered.len();
    altered[n - 70] ^= 1;
    let out = s
        .post("/v1/present/records", &officer, json!({"records": [one, two, forged, B64.encode(&altered), "!!"]}))
        .await
        .ok(200);
    let st: Vec<&str> = out["results"].as_array().unwrap().iter().map(|r| r["status"].as_str().unwrap()).collect();
    assert_eq!(st, ["accepted", "accepted", "refused", "refused", "refused"], "{out}");
    // A replay is answered `duplicate` and stored once.
    let again = s.post("/v1/present/records", &officer, json!({"records": [one]})).await.ok(200);
    assert_eq!(again["results"][0]["status"], "duplicate");
    s.post("/v1/present/records", &holder, json!({"records": [one]})).await.problem(403, "forbidden");
    s.post("/v1/present/records", &officer, json!({"records": []})).await.problem(422, "bad_records");

    // A lost device: its certificate is revoked (by the officer it names, or an administrator),
    // the bundle lists it, a wallet refuses its requests, and records it signs afterwards are
    // refused while those made before still count.
    let serial = hex::encode(cert.body.serial);
    s.post(&format!("/v1/present/readers/{serial}/revoke"), &holder, json!({})).await.problem(403, "forbidden");
    s.post("/v1/present/readers/00000000000000ff/revoke", &officer, json!({})).await.problem(404, "not_found");
    s.post(&format!("/v1/present/readers/{serial}/revoke"), &officer, json!({})).await.ok(200);
    s.post(&format!("/v1/present/readers/{serial}/revoke"), &admin, json!({})).await.problem(409, "already_revoked");
    let (b, _) = offline(s).await;
    let bundle = Bundle::open(&b, Some(&root()), OffsetDateTime::now_utc()).unwrap();
    assert_eq!(bundle.revoked_readers, vec![serial.clone()]);
    let t = OffsetDateTime::now_utc().unix_timestamp();
    let ask = yinxin_present::reader::request(
        &cert.bytes,
        "1",
        &cert.body.entitlements[0].0,
        &["name".into()],
        t,
        t + 60,
        dev.as_ref(),
    )
    .unwrap();
    let kid = yinxin_present::key_id(bundle.signer.der());
    let refused =
        yinxin_present::reader::check_request(&ask, sv.as_ref(), kid, &bundle.revoked_readers, t).unwrap_err();
    assert_eq!(refused.id, "request.revoked");
    assert!(
        yinxin_present::reader::check_request(&ask, sv.as_ref(), kid, &[], t).is_ok(),
        "only the revocation refuses it"
    );
    let late = B64.encode(
        Record::sign([5; 16], cert.body.serial, t + 1, "", cred_serial, "PASSED", &fields, dev.as_ref()).unwrap(),
    );
    let early = rec(6, dev.as_ref());
    let out = s.post("/v1/present/records", &officer, json!({"records": [late, early]})).await.ok(200);
    assert_eq!(
        (out["results"][0]["status"].as_str(), out["results"][1]["status"].as_str()),
        (Some("refused"), Some("accepted")),
        "{out}"
    );

    // The holder's usage log shows the three, with the officer, the time, the place and the fields.
    let usage = s.get("/v1/holder/usage?limit=100", Some(&holder)).await.json();
    let offline: Vec<&Value> =
        usage["items"].as_array().unwrap().iter().filter(|e| e["action"] == "presentation.offline").collect();
    assert_eq!(offline.len(), 3, "{usage}");
    assert_eq!(offline[0]["subject"], a.as_str());
    assert_eq!(offline[0]["by_role"], "officer");
    assert_eq!(offline[0]["detail"]["place"], "530102-菜市场");
    assert_eq!(offline[0]["detail"]["checked_at"], now - 600);
    assert_eq!(offline[0]["detail"]["fields"], json!(["name", "uscc"]));
}
