//! 电子签名 envelopes over HTTP, on SQLite and PostgreSQL, with the device side of two-party
//! signing played by `yinxin_sign::cosign` in Rust (the browser's `cosign.js` plays it in
//! `tests/e2e/sign.mjs`): a three-party contract signed in order, each with a handwritten
//! signature, closed and locked by the organiser's seal; the final PDF verifies with every
//! signature PASSED in order and the lock reported. Refused along the way: a party out of turn,
//! a replayed commitment and completion (answered once, recorded once), a wrong code, a party
//! of a declined envelope.

mod common;

use common::*;
use reqwest::Method;
use serde_json::{Value, json};
use yinxin_gm::sm3::Sm3Digest;
use yinxin_sign::cosign::{Answer, DeviceEnrolment, DeviceShare, EnrolResponse, SessionId};

fn b64(b: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(b)
}

fn draft(contacts: [&str; 3]) -> Value {
    let deadline = (time::OffsetDateTime::now_utc() + time::Duration::days(1))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    json!({
        "title": "采购合同 2026-001",
        "documents": [{"name": "采购合同", "media_type": "pdf"}],
        "parties": [
            {"name": "张三", "kind": {"type": "person"}, "role": "sign", "step": 1, "contact": contacts[0],
             "fields": [{"document": 0, "page": 1, "rect": [60.0, 80.0, 150.0, 60.0], "kind": "signature"}]},
            {"name": "乙方建设有限公司", "kind": {"type": "organisation"}, "role": "seal", "step": 2, "contact": contacts[1],
             "fields": [{"document": 0, "page": 1, "rect": [230.0, 80.0, 120.0, 120.0], "kind": "seal"}]},
            {"name": "某区行政审批局", "kind": {"type": "organisation"}, "role": "approve", "step": 3, "contact": contacts[2],
             "fields": [{"document": 0, "page": 1, "rect": [400.0, 80.0, 120.0, 120.0], "kind": "seal"}]}
        ],
        "deadline": deadline,
        "message": "请于明日前签署"
    })
}

fn strokes() -> Value {
    let pts: Vec<Value> = (0..40).map(|i| json!([20 + i * 6, 60 + (i % 7) * 8, i * 16])).collect();
    json!({"width": 320, "height": 160, "strokes": [pts], "pointer": "mouse", "device": "integration test"})
}

/// A party's phone: its link, access token and two-party share.
struct Phone {
    link: String,
    access: String,
    share: Option<DeviceShare>,
}

impl Phone {
    fn path(&self, rest: &str) -> String {
        format!("/v1/sign/{}{rest}", self.link)
    }
    async fn post(&self, s: &Server, rest: &str, body: Value) -> Resp {
        s.call(Method::POST, &self.path(rest), Some(&self.access), Some(body), &[]).await
    }
}

async fn open(s: &Server, url: &str) -> Phone {
    let link = url.rsplit('/').next().unwrap().to_string();
    let p = format!("/v1/sign/{link}");
    let sent = s.call(Method::POST, &format!("{p}/code"), None, None, &[]).await.ok(200);
    let code = sent["dev_code"].as_str().unwrap().to_string();
    s.call(Method::POST, &format!("{p}/session"), None, Some(json!({"code": "000000x"})), &[])
        .await
        .problem(401, "unauthenticated");
    let sess = s.call(Method::POST, &format!("{p}/session"), None, Some(json!({"code": code})), &[]).await.ok(200);
    Phone { link, access: sess["access"].as_str().unwrap().to_string(), share: None }
}

async fn enrol(s: &Server, phone: &mut Phone) {
    let view = s.get(&phone.path(""), Some(&phone.access)).await.ok(200);
    let id = hex::decode(view["enrolment_id"].as_str().unwrap()).unwrap();
    let (pending, request) = DeviceEnrolment::start(&id).unwrap();
    let r = phone.post(s, "/enrol", json!({"request": request}));
    let r = r.await.ok(200);
    let response: EnrolResponse = serde_json::from_value(r["response"].clone()).unwrap();
    assert!(r["certificate_pem"].as_str().unwrap().contains("BEGIN CERTIFICATE"));
    phone.share = Some(pending.finish(&response).unwrap());
}

/// One signature through prepare, commit and complete; the completion response.
async fn sign(s: &Server, phone: &Phone) -> Value {
    let prep = phone.post(s, "/prepare", json!({"handwriting": strokes()}));
    let prep = prep.await.ok(200);
    let session = SessionId::from_hex(prep["session"].as_str().unwrap()).unwrap();
    let e = Sm3Digest::from_hex(prep["e"].as_str().unwrap()).unwrap();
    let share = phone.share.as_ref().unwrap();
    let (nonce, commitment) = share.commit(&session, &e).unwrap();
    let c = phone.post(s, "/commit", json!({"commitment": commitment}));
    let answer: Answer = serde_json::from_value(c.await.ok(200)["answer"].clone()).unwrap();
    // The same commitment again: the session has answered; a second answer is refused.
    phone.post(s, "/commit", json!({"commitment": commitment})).await.problem(409, "cosign.replayed");
    let (_, completion) = nonce.finish(share, &answer).unwrap();
    let done = phone.post(s, "/complete", json!({"completion": completion}));
    let done = done.await.ok(200);
    // Completing again answers the same and records nothing more.
    let again = phone.post(s, "/complete", json!({"completion": completion}));
    assert_eq!(again.await.ok(200)["party_status"], done["party_status"]);
    done
}

/// A webhook receiver on loopback: every request's headers and body.
async fn receiver() -> (String, std::sync::Arc<std::sync::Mutex<Vec<(axum::http::HeaderMap, Vec<u8>)>>>) {
    let got = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let g = got.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
            let g = g.clone();
            async move {
                g.lock().unwrap().push((headers, body.to_vec()));
                "ok"
            }
        }),
    );
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", l.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
    (url, got)
}

async fn scenario(s: &Server) {
    let market = s.market();
    let pdf = yinxin_tests::corpus::pdf("采购合同 条款");
    let (hook, got) = receiver().await;
    const SECRET: &str = "a shared secret of the receiver";
    let body = json!({
        "draft": draft(["13800000001", "13800000002", "13800000003"]),
        "documents": [b64(&pdf)],
        "webhook": {"url": hook, "hmac_secret": SECRET}
    });
    let created = s.post("/v1/envelopes", &market, body).await.ok(201);
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(created["state"], "draft");
    // Only the organiser sees it.
    s.get(&format!("/v1/envelopes/{id}"), Some(&s.transport())).await.problem(404, "not_found");
    let sent = s.post(&format!("/v1/envelopes/{id}/send"), &market, json!({})).await.ok(200);
    let links: Vec<String> =
        sent["links"].as_array().unwrap().iter().map(|l| l["url"].as_str().unwrap().to_string()).collect();
    assert_eq!(links.len(), 3);
    let outbox = s.get("/v1/outbox?recipient=13800000001", Some(&s.token("admin"))).await.ok(200);
    assert!(outbox.to_string().contains(&links[0]), "{outbox}");

    let mut phones = Vec::new();
    for l in &links {
        phones.push(open(s, l).await);
    }
    // A page of the document, as the phone shows it.
    let png = s.get(&phones[0].path("/documents/0/pages/1?width=400"), Some(&phones[0].access)).await;
    assert_eq!(png.status.as_u16(), 200);
    assert!(png.bytes.starts_with(b"\x89PNG"));
    s.get(&phones[0].path("/documents/0/pages/1"), Some("not-the-access")).await.problem(401, "unauthenticated");

    for p in phones.iter_mut() {
        enrol(s, p).await;
    }
    // Firm B before firm A: out of turn.
    phones[1].post(s, "/prepare", json!({"handwriting": strokes()})).await.problem(409, "envelope.out_of_turn");

    let mut last = Value::Null;
    for p in &phones {
        last = sign(s, p).await;
    }
    assert_eq!(last["state"], "completed", "{last}");
    let status = s.get(&format!("/v1/envelopes/{id}"), Some(&market)).await.ok(200);
    assert_eq!(status["state"], "completed");
    assert_eq!(status["documents"][0]["revisions"], 5, "original, three signatures, the closing seal: {status}");

    // The final PDF: four signatures in order, each PASSED, the first binding its strokes, the
    // last locking the document.
    let doc = s.get(&format!("/v1/envelopes/{id}/documents/0"), Some(&market)).await;
    let r = s.upload("/v1/verify", &market, doc.bytes.clone(), "application/pdf").await.ok(200);
    assert_eq!(r["indication"], "PASSED", "{r}");
    let parts = r["report"]["parts"].as_array().unwrap();
    let names: Vec<&str> = parts.iter().map(|p| p["location"].as_str().unwrap()).collect();
    assert_eq!(names.len(), 4, "{names:?}");
    assert!(names[0].starts_with("signature 1 (张三)") && names[3].starts_with("signature 4 ("), "{names:?}");
    let text = r["report"].to_string();
    assert!(text.contains("pdf.handwriting") && text.contains("locked the document"), "{text}");
    for p in parts {
        assert_eq!(p["indication"], "PASSED", "{p}");
    }

    // The signed report: the service's signature over its bytes.
    let report = s.get(&format!("/v1/envelopes/{id}/report"), Some(&market)).await.ok(200);
    assert_eq!(report["report"]["parties"].as_array().unwrap().len(), 3);
    assert_eq!(report["report"]["documents"][0]["revisions"].as_array().unwrap().len(), 5);

    // The webhook: every change posted once, signed by the service, with the HMAC-SM3 too.
    let n = yinxin_server::webhooks::deliver_due(&s.app).await.unwrap();
    assert!(n >= 5, "{n}");
    assert_eq!(yinxin_server::webhooks::deliver_due(&s.app).await.unwrap(), 0, "nothing twice");
    let got = got.lock().unwrap().clone();
    let events: Vec<String> = got.iter().map(|(h, _)| h["yinxin-event"].to_str().unwrap().to_string()).collect();
    for want in ["envelope.sent", "envelope.signed", "envelope.all_signed", "envelope.completed"] {
        assert!(events.iter().any(|e| e == want), "{want} in {events:?}");
    }
    assert_eq!(events.iter().filter(|e| *e == "envelope.signed").count(), 3, "{events:?}");
    let service = s.app.keys.service.0.public_key.clone().unwrap();
    for (h, body) in &got {
        let sig = h["yinxin-signature"].to_str().unwrap().strip_prefix("sm2-sm3=").unwrap();
        let sig = yinxin_gm::Sm2Signature::from_der(&hex::decode(sig).unwrap()).unwrap();
        yinxin_gm::default_provider().sm2_verify(&service, yinxin_gm::UserId::DEFAULT, body, &sig).unwrap();
        let mac = hex::encode(yinxin_gm::sm3::hmac_sm3(SECRET.as_bytes(), body));
        assert_eq!(h["yinxin-hmac-sm3"].to_str().unwrap(), mac);
        let j: Value = serde_json::from_slice(body).unwrap();
        assert_eq!(j["envelope"], id.as_str());
        assert_eq!(j["delivery"], h["yinxin-delivery"].to_str().unwrap());
    }
    let st = s.get(&format!("/v1/envelopes/{id}"), Some(&market)).await.ok(200);
    assert!(st["webhook"]["deliveries"].as_array().unwrap().iter().all(|d| d["delivered_at"].is_i64()), "{st}");

    // Signing after completion: refused.
    phones[0].post(s, "/prepare", json!({"handwriting": strokes()})).await.problem(409, "envelope.state");

    // A declined envelope: nobody signs.
    let body = json!({
        "draft": draft(["13800000011", "13800000012", "13800000013"]),
        "documents": [b64(&pdf)],
        "webhook": {"url": "http://127.0.0.1:9/nobody-listens"}
    });
    let id2 = s.post("/v1/envelopes", &market, body).await.ok(201)["id"].as_str().unwrap().to_string();
    let sent = s.post(&format!("/v1/envelopes/{id2}/send"), &market, json!({})).await.ok(200);
    let a = open(s, sent["links"][0]["url"].as_str().unwrap()).await;
    a.post(s, "/decline", json!({"reason": ""})).await.problem(409, "envelope.reason_required");
    a.post(s, "/decline", json!({"reason": "价格条款有误"})).await.ok(200);
    a.post(s, "/enrol", json!({"request": {"p1": "00", "proof": "00"}})).await.problem(409, "enrol.closed");
    a.post(s, "/prepare", json!({"handwriting": strokes()})).await.problem(409, "envelope.state");
    let st = s.get(&format!("/v1/envelopes/{id2}"), Some(&market)).await.ok(200);
    assert_eq!(st["state"], "declined");
    // Codes are limited per link: with five guesses each, guessing a code takes asking for many,
    // and each one reaches the party's phone.
    let third = sent["links"][2]["url"].as_str().unwrap().rsplit('/').next().unwrap().to_string();
    for _ in 0..5 {
        s.call(Method::POST, &format!("/v1/sign/{third}/code"), None, None, &[]).await.ok(200);
    }
    s.call(Method::POST, &format!("/v1/sign/{third}/code"), None, None, &[]).await.problem(429, "code.too_many");
    // A receiver that is down: the delivery waits and is tried again later, never dropped.
    yinxin_server::webhooks::deliver_due(&s.app).await.unwrap();
    let st = s.get(&format!("/v1/envelopes/{id2}"), Some(&market)).await.ok(200);
    let d = &st["webhook"]["deliveries"];
    assert!(d.as_array().unwrap().iter().any(|d| d["event"] == "envelope.declined"), "{st}");
    assert!(
        d.as_array()
            .unwrap()
            .iter()
            .all(|d| d["delivered_at"].is_null() && d["attempts"] == 1 && d["last_error"].is_string()),
        "{st}"
    );

    // An expired envelope: nobody signs, and the periodic task closes it as expired.
    let mut d = draft(["13800000021", "13800000022", "13800000023"]);
    let soon = time::OffsetDateTime::now_utc() + time::Duration::seconds(2);
    d["deadline"] = json!(soon.format(&time::format_description::well_known::Rfc3339).unwrap());
    let id3 = s.post("/v1/envelopes", &market, json!({"draft": d, "documents": [b64(&pdf)]})).await.ok(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let sent = s.post(&format!("/v1/envelopes/{id3}/send"), &market, json!({})).await.ok(200);
    let mut late = open(s, sent["links"][0]["url"].as_str().unwrap()).await;
    enrol(s, &mut late).await;
    while time::OffsetDateTime::now_utc() <= soon {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    late.post(s, "/prepare", json!({"handwriting": strokes()})).await.problem(409, "envelope.expired");
    yinxin_server::envelopes::tick(&s.app).await.unwrap();
    let st = s.get(&format!("/v1/envelopes/{id3}"), Some(&market)).await.ok(200);
    assert_eq!(st["state"], "expired", "{st}");
    late.post(s, "/prepare", json!({"handwriting": strokes()})).await.problem(409, "envelope.state");

    // Every step is in the audit log.
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE subject = $1 AND action LIKE 'envelope.%'")
        .bind(&id)
        .fetch_one(s.app.db.pool())
        .await
        .unwrap();
    // create, send, three authentications, enrolments and signatures, the completion.
    assert!(n >= 12, "{n}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn envelopes_on_sqlite() {
    let s = start(false).await;
    scenario(&s).await;
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn envelopes_on_postgres() {
    let s = start(true).await;
    scenario(&s).await;
    s.finish().await;
}
