//! Envelopes from the command line and through crashes (issue 18):
//! - `yinxin envelope create|status|download|verify` against a running service, the parties
//!   signing in between with the Rust device of two-party signing;
//! - SIGKILL of the service in the middle of a party's signature: once after the signed
//!   revision is stored but before the database commits it, once right after the commit. After
//!   each restart the envelope is in one consistent state: the signature is recorded exactly once
//!   when the device sends its completion again (it keeps it until it hears back), never lost
//!   and never doubled, and the documents, revisions and party statuses agree.

use reqwest::blocking::Client;
use serde_json::{Value, json};
use std::path::Path;
use yinxin_gm::sm3::Sm3Digest;
use yinxin_sign::cosign::{Answer, Completion, DeviceEnrolment, DeviceShare, EnrolResponse, SessionId};

fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_yinxin"))
}

fn call(http: &Client, method: reqwest::Method, url: &str, token: Option<&str>, body: Option<Value>) -> (u16, Value) {
    let mut r = http.request(method, url);
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    if let Some(b) = body {
        r = r.json(&b);
    }
    match r.send() {
        Ok(res) => {
            let status = res.status().as_u16();
            (status, res.json().unwrap_or(Value::Null))
        }
        Err(_) => (0, Value::Null),
    }
}

fn draft() -> Value {
    let deadline = (time::OffsetDateTime::now_utc() + time::Duration::days(1))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    json!({
        "title": "崩溃测试合同",
        "documents": [{"name": "合同", "media_type": "pdf"}],
        "parties": [
            {"name": "张三", "kind": {"type": "person"}, "role": "sign", "step": 1, "contact": "13900000001",
             "fields": [{"document": 0, "page": 1, "rect": [60.0, 80.0, 150.0, 60.0], "kind": "signature"}]},
            {"name": "李四", "kind": {"type": "person"}, "role": "sign", "step": 2, "contact": "13900000002",
             "fields": [{"document": 0, "page": 1, "rect": [300.0, 80.0, 150.0, 60.0], "kind": "signature"}]}
        ],
        "deadline": deadline
    })
}

fn strokes() -> Value {
    let pts: Vec<Value> = (0..30).map(|i| json!([20 + i * 8, 50 + (i % 5) * 10, i * 20])).collect();
    json!({"width": 320, "height": 160, "strokes": [pts], "pointer": "touch", "device": "crash test"})
}

struct Party {
    url: String,
    access: String,
    share: DeviceShare,
}

fn open(http: &Client, base: &str, link: &str) -> Party {
    let token = link.rsplit('/').next().unwrap();
    let url = format!("{base}/v1/sign/{token}");
    let (_, sent) = call(http, reqwest::Method::POST, &format!("{url}/code"), None, None);
    let (s, sess) =
        call(http, reqwest::Method::POST, &format!("{url}/session"), None, Some(json!({"code": sent["dev_code"]})));
    assert_eq!(s, 200, "{sess}");
    let access = sess["access"].as_str().unwrap().to_string();
    let (_, view) = call(http, reqwest::Method::GET, &url, Some(&access), None);
    let id = hex::decode(view["enrolment_id"].as_str().unwrap()).unwrap();
    let (pending, request) = DeviceEnrolment::start(&id).unwrap();
    let (s, r) =
        call(http, reqwest::Method::POST, &format!("{url}/enrol"), Some(&access), Some(json!({"request": request})));
    assert_eq!(s, 200, "{r}");
    let response: EnrolResponse = serde_json::from_value(r["response"].clone()).unwrap();
    Party { url, access, share: pending.finish(&response).unwrap() }
}

/// Prepare, commit, finish on the device: the completion, not yet sent.
fn signed_on_device(http: &Client, p: &Party) -> Completion {
    let (s, prep) = call(
        http,
        reqwest::Method::POST,
        &format!("{}/prepare", p.url),
        Some(&p.access),
        Some(json!({"handwriting": strokes()})),
    );
    assert_eq!(s, 200, "{prep}");
    let session = SessionId::from_hex(prep["session"].as_str().unwrap()).unwrap();
    let e = Sm3Digest::from_hex(prep["e"].as_str().unwrap()).unwrap();
    let (nonce, commitment) = p.share.commit(&session, &e).unwrap();
    let (s, a) = call(
        http,
        reqwest::Method::POST,
        &format!("{}/commit", p.url),
        Some(&p.access),
        Some(json!({"commitment": commitment})),
    );
    assert_eq!(s, 200, "{a}");
    let answer: Answer = serde_json::from_value(a["answer"].clone()).unwrap();
    nonce.finish(&p.share, &answer).unwrap().1
}

fn status(http: &Client, base: &str, token: &str, id: &str) -> Value {
    call(http, reqwest::Method::GET, &format!("{base}/v1/envelopes/{id}"), Some(token), None).1
}

fn crash_and_recover(point: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let http = Client::new();
    let crash_env = [("YINXIN_CRASH_AT", std::ffi::OsStr::new(point))];
    let mut served = yinxin_tests::serve(bin(), &data, &[], &crash_env);
    let creds: Value = serde_json::from_slice(&std::fs::read(data.join("dev-credentials.json")).unwrap()).unwrap();
    let market = creds["department:11530100MB0123456A"]["token"].as_str().unwrap().to_string();
    let base = served.base.clone();
    use base64::Engine;
    let pdf = base64::engine::general_purpose::STANDARD.encode(yinxin_tests::corpus::pdf("崩溃测试"));
    let (s, created) = call(
        &http,
        reqwest::Method::POST,
        &format!("{base}/v1/envelopes"),
        Some(&market),
        Some(json!({"draft": draft(), "documents": [pdf]})),
    );
    assert_eq!(s, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_string();
    let (_, sent) =
        call(&http, reqwest::Method::POST, &format!("{base}/v1/envelopes/{id}/send"), Some(&market), Some(json!({})));
    let a = open(&http, &base, sent["links"][0]["url"].as_str().unwrap());
    let completion = signed_on_device(&http, &a);

    // The completion reaches the service, which dies at the crash point.
    let (s, _) = call(
        &http,
        reqwest::Method::POST,
        &format!("{}/complete", a.url),
        Some(&a.access),
        Some(json!({"completion": completion})),
    );
    assert_eq!(s, 0, "the service answered instead of dying at {point}");
    let exit = served.child.wait().unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(exit.signal(), Some(9), "killed by SIGKILL: {exit:?}");
    }
    drop(served);

    // Restarted without the crash point, on the same data.
    let served = yinxin_tests::serve(bin(), &data, &[], &[]);
    let base = served.base.clone();
    let a = Party { url: a.url.replace(&a.url[..a.url.find("/v1/").unwrap()], &base), ..a };
    let st = status(&http, &base, &market, &id);
    let revisions = st["documents"][0]["revisions"].as_u64().unwrap();
    let signed = st["parties"][0]["status"].as_str().unwrap().to_string();
    match point {
        // Nothing was committed: the signature is not there, the party still waits.
        "envelope.complete:before_commit" => assert_eq!((revisions, signed.as_str()), (1, "waiting"), "{st}"),
        // Committed: the signature is there once.
        _ => assert_eq!((revisions, signed.as_str()), (2, "signed"), "{st}"),
    }
    assert_eq!(st["state"], if signed == "signed" { "in_progress" } else { "sent" }, "{st}");

    // The device sends its completion again: recorded once, answered the same way twice.
    for _ in 0..2 {
        let (s, r) = call(
            &http,
            reqwest::Method::POST,
            &format!("{}/complete", a.url),
            Some(&a.access),
            Some(json!({"completion": completion})),
        );
        assert_eq!(s, 200, "{r}");
        assert_eq!(r["party_status"]["status"], "signed", "{r}");
    }
    let st = status(&http, &base, &market, &id);
    assert_eq!(st["documents"][0]["revisions"], 2, "exactly one signature: {st}");
    assert_eq!(st["parties"][0]["status"], "signed");
    assert_eq!(st["state"], "in_progress");

    // The stored revision verifies, with the one signature.
    let (_, doc) = (
        0,
        http.get(format!("{base}/v1/envelopes/{id}/documents/0")).bearer_auth(&market).send().unwrap().bytes().unwrap(),
    );
    let r = http
        .post(format!("{base}/v1/verify"))
        .bearer_auth(&market)
        .header("content-type", "application/pdf")
        .body(doc.to_vec())
        .send()
        .unwrap()
        .json::<Value>()
        .unwrap();
    assert_eq!(r["indication"], "PASSED", "{r}");
    assert_eq!(r["report"]["parts"].as_array().unwrap().len(), 1, "{r}");
    drop(served);
}

#[test]
fn killed_before_the_commit_the_signature_is_recorded_once_on_retry() {
    crash_and_recover("envelope.complete:before_commit");
}

#[test]
fn killed_after_the_commit_the_retry_records_nothing_more() {
    crash_and_recover("envelope.complete:after_commit");
}

fn yinxin(args: &[&str]) -> (i32, String) {
    let o = std::process::Command::new(bin()).args(args).output().unwrap();
    (
        o.status.code().unwrap_or(-1),
        format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr)),
    )
}

#[test]
fn the_envelope_commands() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let http = Client::new();
    let served = yinxin_tests::serve(bin(), &data, &[], &[]);
    let creds: Value = serde_json::from_slice(&std::fs::read(data.join("dev-credentials.json")).unwrap()).unwrap();
    let market = creds["department:11530100MB0123456A"]["token"].as_str().unwrap().to_string();
    let base = served.base.clone();
    let dir = tmp.path();
    std::fs::write(dir.join("draft.json"), draft().to_string()).unwrap();
    std::fs::write(dir.join("contract.pdf"), yinxin_tests::corpus::pdf("命令行合同")).unwrap();
    let p = |n: &str| dir.join(n).to_string_lossy().into_owned();
    let api = ["--url", base.as_str(), "--token", market.as_str()];

    let (code, out) = yinxin(
        &[
            &["envelope", "create"][..],
            &api,
            &["--draft", &p("draft.json"), "--document", &p("contract.pdf"), "--send", "--json"],
        ]
        .concat(),
    );
    assert_eq!(code, 0, "{out}");
    let created: Value = serde_json::from_str(&out).unwrap();
    let id = created["envelope"]["id"].as_str().unwrap().to_string();
    let links: Vec<String> =
        created["sent"]["links"].as_array().unwrap().iter().map(|l| l["url"].as_str().unwrap().to_string()).collect();
    assert_eq!(links.len(), 2);

    // A bad draft: the service's refusal, with its code, and exit 4.
    std::fs::write(dir.join("bad.json"), json!({"title": "x"}).to_string()).unwrap();
    let (code, out) = yinxin(
        &[&["envelope", "create"][..], &api, &["--draft", &p("bad.json"), "--document", &p("contract.pdf")]].concat(),
    );
    assert_eq!(code, 4, "{out}");
    assert!(out.contains("HTTP 422"), "{out}");

    for l in &links {
        let party = open(&http, &base, l);
        let completion = signed_on_device(&http, &party);
        let (s, r) = call(
            &http,
            reqwest::Method::POST,
            &format!("{}/complete", party.url),
            Some(&party.access),
            Some(json!({"completion": completion})),
        );
        assert_eq!(s, 200, "{r}");
    }
    let (code, out) = yinxin(&[&["envelope", "status"][..], &api, &[&id]].concat());
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("completed") && out.contains("张三") && out.contains("4 revision(s)"), "{out}");

    let (code, out) = yinxin(&[&["envelope", "download"][..], &api, &[&id, "--out", &p("signed.pdf")]].concat());
    assert_eq!(code, 0, "{out}");
    let root = yinxin_tests::repo().join("keys-dev/root-ca.cert.pem");
    let (code, out) = yinxin(&["envelope", "verify", &p("signed.pdf"), "--trust", root.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("PASSED"), "{out}");
    let first = out.lines().find(|l| l.contains("signature 1 (张三)")).unwrap_or_default();
    assert!(
        first.contains("PASSED") && first.contains("revision 2 of 4") && first.contains("handwriting bound"),
        "{out}"
    );
    assert!(out.contains("signature 3 (") && out.contains("locked the document"), "{out}");
    assert!(out.contains("the document is locked by signature 3"), "{out}");

    // A byte changed after the lock: no longer PASSED, and the exit code says so.
    let mut bytes = std::fs::read(dir.join("signed.pdf")).unwrap();
    let at = bytes.windows(7).position(|w| w == b"/Annots").unwrap() + 2;
    bytes[at] ^= 0x20;
    std::fs::write(dir.join("changed.pdf"), &bytes).unwrap();
    let (code, out) = yinxin(&["envelope", "verify", &p("changed.pdf"), "--trust", root.to_str().unwrap()]);
    assert_ne!(code, 0, "{out}");
    assert!(!out.starts_with("PASSED"), "{out}");
    drop(served);
}
