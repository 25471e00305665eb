//! The service end to end: a real server on loopback, over SQLite and over the PostgreSQL on this
//! machine, every operation and role, the authorisation matrix, bad input, the audit chain.

mod common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use common::*;
use reqwest::Method;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn everything_on_sqlite() {
    let s = start(false).await;
    scenario(&s).await;
    nul_characters(&s).await;
    tamper_with_the_audit_log(&s).await;
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn everything_on_postgres() {
    let s = start(true).await;
    scenario(&s).await;
    nul_characters(&s).await;
    s.finish().await;
}

async fn scenario(s: &Server) {
    let market = s.market();
    let transport = s.transport();
    let holder = s.token("holder");
    let person = s.token("person");
    let officer = s.token("officer");
    let admin = s.token("admin");
    let authority = s.token("seal_authority");

    // Operations and catalogue, without credentials.
    assert_eq!(s.get("/healthz", None).await.ok(200)["status"], "ok");
    assert_eq!(s.get("/readyz", None).await.ok(200)["status"], "ready");
    let types = s.get("/v1/licence-types", None).await.ok(200);
    assert_eq!(types["items"].as_array().unwrap().len(), 5);
    assert_eq!(s.get("/v1/licence-types/营业执照", None).await.ok(200)["type_code"], "11530100MB0123456A001");
    s.get("/v1/licence-types/nothing", None).await.problem(404, "not_found");
    assert!(s.get("/v1/trust", None).await.ok(200)["anchors"][0].as_str().unwrap().contains("BEGIN CERTIFICATE"));
    s.get("/v1/licences", None).await.problem(401, "unauthenticated");
    s.get("/v1/licences", Some("yx_not-a-token")).await.problem(401, "unauthenticated");

    // Issue, with an idempotency key; the retry replays; the key with another body is refused.
    let req = business(Some(HOLDER));
    let first =
        s.call(Method::POST, "/v1/licences", Some(&market), Some(req.clone()), &[("Idempotency-Key", "issue-1")]).await;
    let lic = first.ok(201);
    let id = lic["identifier"].as_str().unwrap().to_string();
    assert_eq!(lic["status"], "valid");
    assert_eq!(lic["holder_code"], HOLDER);
    assert_eq!(lic["metadata"]["name"], "营业执照");
    let again =
        s.call(Method::POST, "/v1/licences", Some(&market), Some(req.clone()), &[("Idempotency-Key", "issue-1")]).await;
    assert_eq!(again.ok(201)["identifier"], id.as_str());
    assert_eq!(again.headers.get("idempotency-replayed").unwrap(), "true");
    s.call(Method::POST, "/v1/licences", Some(&market), Some(business(None)), &[("Idempotency-Key", "issue-1")])
        .await
        .problem(422, "idempotency_key_reused");

    // Authorisation: types a department may not issue; roles that may not issue.
    let road: Value =
        serde_json::from_slice(&std::fs::read(workspace().join("examples/道路运输经营许可证.json")).unwrap()).unwrap();
    s.post("/v1/licences", &market, json!({"type_code": "道路运输经营许可证", "fields": road}))
        .await
        .problem(403, "forbidden");
    s.post("/v1/licences", &transport, business(None)).await.problem(403, "forbidden");
    for t in [&holder, &officer, &admin, &authority] {
        s.post("/v1/licences", t, business(None)).await.problem(403, "forbidden");
    }
    let r = s.post("/v1/licences", &transport, json!({"type_code": "道路运输经营许可证", "fields": road})).await;
    let road_id = r.ok(201)["identifier"].as_str().unwrap().to_string();
    // Field validation lists every problem.
    let mut bad = business(None);
    bad["fields"]["uscc"] = json!("91530100MA6K0X1230");
    bad["fields"]["established"] = json!("2021-13-45");
    let p = s.post("/v1/licences", &market, bad).await;
    p.problem(422, "licence.fields");
    assert!(p.json()["errors"].as_array().unwrap().len() >= 2, "{}", p.json());
    s.post("/v1/licences", &market, json!({"type_code": "no such type", "fields": {}}))
        .await
        .problem(422, "unknown_type");

    // Reading: the issuer and the holder, not others (a holder learns nothing of others').
    s.get(&format!("/v1/licences/{id}"), Some(&market)).await.ok(200);
    s.get(&format!("/v1/licences/{id}"), Some(&holder)).await.ok(200);
    s.get(&format!("/v1/licences/{id}"), Some(&person)).await.problem(404, "not_found");
    s.get(&format!("/v1/licences/{id}"), Some(&transport)).await.problem(404, "not_found");
    s.get(&format!("/v1/licences/{road_id}"), Some(&holder)).await.problem(404, "not_found");
    let mine = s.get("/v1/holder/licences", Some(&holder)).await.ok(200);
    assert!(mine["items"].as_array().unwrap().iter().all(|l| l["holder_code"] == HOLDER));
    assert!(mine["items"].as_array().unwrap().iter().any(|l| l["identifier"] == id.as_str()));
    assert!(s.get("/v1/holder/licences", Some(&person)).await.ok(200)["items"].as_array().unwrap().is_empty());
    s.get("/v1/holder/licences", Some(&market)).await.problem(403, "forbidden");
    let own = s.get("/v1/licences?limit=500", Some(&transport)).await.ok(200);
    assert!(own["items"].as_array().unwrap().iter().all(|l| l["issuer_code"] == "11530100MB0234567M"));
    // Pagination.
    for _ in 0..2 {
        s.post("/v1/licences", &market, business(None)).await.ok(201);
    }
    let p1 = s.get("/v1/licences?limit=2", Some(&market)).await.ok(200);
    assert_eq!(p1["items"].as_array().unwrap().len(), 2);
    let cursor = p1["next_cursor"].as_str().unwrap().to_string();
    let p2 = s.get(&format!("/v1/licences?limit=2&cursor={cursor}"), Some(&market)).await.ok(200);
    assert!(p2["items"][0]["identifier"].as_str().unwrap() > cursor.as_str());
    s.get("/v1/licences?limit=0", Some(&market)).await.problem(400, "bad_limit");

    // Downloads and verification, with the receipt checked by OpenSSL.
    let pdf = s.get(&format!("/v1/licences/{id}/pdf"), Some(&holder)).await;
    assert_eq!(pdf.headers["content-type"], "application/pdf");
    let ofd = s.get(&format!("/v1/licences/{id}/ofd"), Some(&market)).await;
    assert_eq!(ofd.headers["content-type"], "application/ofd");
    let answer = s.upload("/v1/verify?name=licence.pdf", &officer, pdf.bytes.clone(), "application/pdf").await;
    let v = answer.json();
    assert_eq!(answer.status, 200, "{v}");
    assert_eq!(v["indication"], "PASSED", "{}", brief(&v));
    assert_eq!(v["licence"]["status"], "valid");
    check_receipt(&answer.bytes);
    let v = s.get(&format!("/v1/verify/licences/{id}"), Some(&officer)).await.ok(200);
    assert_eq!(v["indication"], "PASSED", "{}", brief(&v));
    assert_eq!(v["report"]["kind"], "ofd");
    let v = s.get(&format!("/v1/verify/licences/{id}?format=pdf"), Some(&market)).await.ok(200);
    assert_eq!(v["report"]["kind"], "pdf");
    assert_eq!(s.get(&format!("/v1/status/{id}"), Some(&officer)).await.ok(200)["status"], "valid");

    // Status changes: only the issuing department, with a reason, along the allowed states.
    let reason = json!({"reason": "经营异常核查"});
    s.post(&format!("/v1/licences/{id}/revoke"), &transport, reason.clone()).await.problem(403, "forbidden");
    s.post(&format!("/v1/licences/{id}/suspend"), &holder, reason.clone()).await.problem(403, "forbidden");
    s.post(&format!("/v1/licences/{id}/suspend"), &market, json!({"reason": "  "})).await.problem(422, "bad_reason");
    // A control character (found by schemathesis: the log entry refused it, a 500) is 422.
    s.post(&format!("/v1/licences/{id}/suspend"), &market, json!({"reason": "Z\u{8b}/\u{11}-"}))
        .await
        .problem(422, "bad_reason");
    s.post(&format!("/v1/licences/{id}/resume"), &market, reason.clone()).await.problem(409, "bad_state");
    assert_eq!(
        s.post(&format!("/v1/licences/{id}/suspend"), &market, reason.clone()).await.ok(200)["status"],
        "suspended"
    );
    let v = s.upload("/v1/verify", &officer, pdf.bytes.clone(), "application/pdf").await.ok(200);
    assert_eq!(v["indication"], "INDETERMINATE", "{}", brief(&v));
    assert_eq!(
        s.post(&format!("/v1/licences/{id}/resume"), &market, json!({"reason": "核查完毕"})).await.ok(200)["status"],
        "valid"
    );

    // 加注件: asked by the holder, sealed by the issuer; its use and expiry checked on verification.
    let ann = s
        .post(
            &format!("/v1/licences/{id}/annotations"),
            &holder,
            json!({"use_cause": "申请招投标资格", "user": "某市公共资源交易中心", "expires": "2099-01-01"}),
        )
        .await;
    // The expiry may not pass the licence's own: 营业执照 with 长期 term has none, so 2099 is fine.
    let ann = ann.ok(201);
    let ann_pdf = s.get(&format!("/v1/annotations/{}/pdf", ann["id"].as_str().unwrap()), Some(&holder)).await;
    assert_eq!(ann_pdf.status.as_u16(), 200);
    s.get(&format!("/v1/annotations/{}/pdf", ann["id"].as_str().unwrap()), Some(&person))
        .await
        .problem(404, "not_found");
    let v = s.upload("/v1/verify", &officer, ann_pdf.bytes.clone(), "application/pdf").await.ok(200);
    assert_eq!(v["indication"], "PASSED", "{}", brief(&v));
    assert!(v["report"]["checks"].as_array().unwrap().iter().any(|c| c["id"] == "licence.annotation"));
    s.post(
        &format!("/v1/licences/{id}/annotations"),
        &holder,
        json!({"use_cause": "x", "user": "y", "expires": "2001-01-01"}),
    )
    .await
    .problem(422, "licence.fields");

    // Re-issue: a new version; the old one is superseded and fails verification.
    let mut fields = req["fields"].clone();
    fields["address"] = json!("云南省昆明市五华区某某路99号");
    s.post(&format!("/v1/licences/{id}/reissue"), &transport, json!({"fields": fields}))
        .await
        .problem(403, "forbidden");
    let v2 = s.post(&format!("/v1/licences/{id}/reissue"), &market, json!({"fields": fields})).await.ok(201);
    let id2 = v2["identifier"].as_str().unwrap().to_string();
    assert_eq!(v2["version"], 2);
    assert_eq!(v2["supersedes"], id.as_str());
    let versions = s.get(&format!("/v1/licences/{id2}/versions"), Some(&holder)).await.ok(200);
    assert_eq!(versions["items"].as_array().unwrap().len(), 2);
    assert_eq!(versions["items"][0]["status"], "superseded");
    let v = s.upload("/v1/verify", &officer, pdf.bytes.clone(), "application/pdf").await.ok(200);
    assert_eq!(v["indication"], "FAILED", "{}", brief(&v));
    s.post(&format!("/v1/licences/{id}/reissue"), &market, json!({"fields": fields})).await.problem(409, "bad_state");
    // Revocation: FAILED / REVOKED.
    s.post(&format!("/v1/licences/{id2}/revoke"), &market, json!({"reason": "吊销营业执照"})).await.ok(200);
    let v = s.get(&format!("/v1/verify/licences/{id2}"), Some(&officer)).await.ok(200);
    assert_eq!(v["indication"], "FAILED");
    assert_eq!(v["report"]["sub_indication"], "REVOKED");
    s.post(&format!("/v1/licences/{id2}/resume"), &market, reason.clone()).await.problem(409, "bad_state");

    // Consents and the cross-department lookup (用证).
    let fresh = s.post("/v1/licences", &market, business(Some(HOLDER))).await.ok(201);
    let fresh_id = fresh["identifier"].as_str().unwrap().to_string();
    let q = format!("/v1/lookup?holder_code={HOLDER}&type_code=11530100MB0123456A001");
    s.get(&q, Some(&transport)).await.problem(400, "use_cause_required");
    s.get(
        &format!("{q}&use_cause=%E5%8A%9E%E7%90%86%E9%81%93%E8%B7%AF%E8%BF%90%E8%BE%93%E8%AE%B8%E5%8F%AF"),
        Some(&transport),
    )
    .await
    .problem(403, "forbidden");
    s.get(&format!("{q}&use_cause=x"), Some(&holder)).await.problem(403, "forbidden");
    s.get(&format!("{q}&use_cause=x"), Some(&officer)).await.problem(403, "forbidden");
    let c = s
        .post("/v1/holder/consents", &holder, json!({"department_code": "11530100MB0234567M", "type_code": "营业执照", "use_cause": "办理道路运输许可", "until": "2099-12-31"}))
        .await
        .ok(201);
    s.post("/v1/holder/consents", &market, json!({"department_code": "11530100MB0234567M", "type_code": "营业执照", "use_cause": "x", "until": "2099-12-31"}))
        .await
        .problem(403, "forbidden");
    s.post(
        "/v1/holder/consents",
        &holder,
        json!({"department_code": "123", "type_code": "营业执照", "use_cause": "", "until": "2000-01-01"}),
    )
    .await
    .problem(422, "consent.invalid");
    let found = s.get(&format!("{q}&use_cause=%E5%8A%9E%E7%90%86"), Some(&transport)).await.ok(200);
    assert_eq!(found["licence"]["identifier"], fresh_id.as_str());
    assert_eq!(found["authorised_by"]["consent"], c["id"]);
    let by_id = s.get(&format!("/v1/lookup?identifier={fresh_id}&use_cause=check"), Some(&transport)).await.ok(200);
    assert_eq!(by_id["licence"]["holder_code"], HOLDER);
    // The holder sees every access, with its use-cause.
    // Empty or non-numeric cursors are refused, not read as the first page (schemathesis).
    s.get("/v1/holder/usage?cursor=", Some(&holder)).await.problem(400, "bad_cursor");
    s.get("/v1/holder/usage?cursor=1x", Some(&holder)).await.problem(400, "bad_cursor");
    let usage = s.get("/v1/holder/usage?limit=500", Some(&holder)).await.ok(200);
    let items = usage["items"].as_array().unwrap();
    assert!(items.iter().any(|e| e["action"] == "lookup" && e["detail"]["use_cause"] == "办理"), "{usage}");
    assert!(items.iter().any(|e| e["action"] == "lookup.refused"));
    assert!(items.iter().all(|e| e["action"] != "client.create"));
    let consents = s.get("/v1/holder/consents", Some(&holder)).await.ok(200);
    assert_eq!(consents["items"].as_array().unwrap().len(), 1);
    assert!(s.get("/v1/holder/consents", Some(&person)).await.ok(200)["items"].as_array().unwrap().is_empty());
    s.call(Method::DELETE, &format!("/v1/holder/consents/{}", c["id"].as_str().unwrap()), Some(&person), None, &[])
        .await
        .problem(404, "not_found");
    assert_eq!(
        s.call(Method::DELETE, &format!("/v1/holder/consents/{}", c["id"].as_str().unwrap()), Some(&holder), None, &[])
            .await
            .status,
        204
    );
    s.get(&format!("{q}&use_cause=again"), Some(&transport)).await.problem(403, "forbidden");
    let by_law = s
        .get(
            &format!("{q}&use_cause=inspect&legal_basis=%E8%A1%8C%E6%94%BF%E8%AE%B8%E5%8F%AF%E6%B3%95"),
            Some(&transport),
        )
        .await
        .ok(200);
    assert!(by_law["authorised_by"]["legal_basis"].is_string());

    // Seals along their lifecycle.
    let seal = s.post("/v1/seals", &market, json!({"name": "某市市场监督管理局", "kind": "official"})).await.ok(201);
    let sid = seal["id"].as_str().unwrap().to_string();
    assert_eq!(seal["state"], "applied");
    s.post("/v1/seals", &officer, json!({"name": "x", "kind": "official"})).await.problem(403, "forbidden");
    s.post("/v1/seals", &market, json!({"name": "", "kind": "round"})).await.problem(422, "seal.invalid");
    s.post(&format!("/v1/seals/{sid}/make"), &market, json!({})).await.problem(403, "forbidden");
    s.post(&format!("/v1/seals/{sid}/make"), &transport, json!({})).await.problem(404, "not_found");
    assert_eq!(s.post(&format!("/v1/seals/{sid}/make"), &authority, json!({})).await.ok(200)["state"], "made");
    s.post(&format!("/v1/seals/{sid}/file"), &market, json!({})).await.problem(403, "forbidden");
    assert_eq!(s.post(&format!("/v1/seals/{sid}/file"), &admin, json!({})).await.ok(200)["state"], "filed");
    assert_eq!(s.post(&format!("/v1/seals/{sid}/activate"), &market, json!({})).await.ok(200)["state"], "in_use");
    s.get(&format!("/v1/seals/{sid}"), Some(&transport)).await.problem(404, "not_found");
    s.get(&format!("/v1/seals/{sid}"), Some(&holder)).await.problem(403, "forbidden");
    let esl = s.get(&format!("/v1/seals/{sid}/esl"), Some(&market)).await;
    let v = s.upload("/v1/verify", &officer, esl.bytes.clone(), "application/octet-stream").await.ok(200);
    assert_eq!(v["report"]["kind"], "seal");
    assert_eq!(v["indication"], "PASSED", "{}", brief(&v));
    assert!(
        s.get("/v1/seals", Some(&market)).await.ok(200)["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["owner_code"] == "11530100MB0123456A")
    );
    assert!(!s.get("/v1/seals", Some(&authority)).await.ok(200)["items"].as_array().unwrap().is_empty());
    // The newest official seal in use seals licences; suspended, it seals nothing.
    let with_new = s.post("/v1/licences", &market, business(None)).await.ok(201);
    let v = s
        .get(&format!("/v1/verify/licences/{}", with_new["identifier"].as_str().unwrap()), Some(&officer))
        .await
        .ok(200);
    assert_eq!(v["indication"], "PASSED", "{}", brief(&v));
    s.post(&format!("/v1/seals/{sid}/suspend"), &market, json!({"reason": "保管人\u{7}变更"}))
        .await
        .problem(422, "bad_reason");
    assert_eq!(
        s.post(&format!("/v1/seals/{sid}/suspend"), &market, json!({"reason": "印章保管人变更"})).await.ok(200)["state"],
        "suspended"
    );
    s.post("/v1/licences", &market, business(None)).await.problem(503, "issuance-unavailable");
    s.post(&format!("/v1/seals/{sid}/resume"), &market, json!({})).await.ok(200);
    s.post("/v1/licences", &market, business(None)).await.ok(201);
    // The seal's make, file and suspension are in the transparency log (activate and resume
    // are not logged), under its ES ID, with the ESL's SM3 on the make.
    let es_id = s.get(&format!("/v1/seals/{sid}"), Some(&market)).await.ok(200)["es_id"].as_str().unwrap().to_string();
    let logged = yinxin_store::tlog::entries_for(&s.app.db, &es_id).await.unwrap();
    let kinds: Vec<_> = logged
        .iter()
        .map(|e| yinxin_tlog::entry::Entry::decode(&e.bytes).unwrap())
        .map(|e| (e.kind, e.issuer, e.reason))
        .collect();
    use yinxin_tlog::entry::EntryKind as K;
    let market_code = "11530100MB0123456A".to_string();
    assert_eq!(
        kinds,
        vec![
            (K::SealMade, market_code.clone(), String::new()),
            (K::SealFiled, market_code.clone(), String::new()),
            (K::SealSuspended, market_code, "印章保管人变更".to_string()),
        ]
    );
    let made = yinxin_tlog::entry::Entry::decode(&logged[0].bytes).unwrap();
    assert_eq!(made.digests, vec![(yinxin_tlog::entry::DigestKind::Seal, yinxin_gm::sm3::sm3(&esl.bytes))]);

    // Materials: the department seals an upload (PDF and OFD); the maker only reads it back.
    let docs = s.documents();
    let m = s
        .upload("/v1/materials?name=application.pdf&page=1&x=120&y=200", &market, pdf.bytes.clone(), "application/pdf")
        .await
        .ok(201);
    assert_eq!(m["format"], "pdf");
    assert_eq!(s.documents(), docs + 1);
    let mf = s.get(&format!("/v1/materials/{}/file", m["id"].as_str().unwrap()), Some(&market)).await;
    let v = s.upload("/v1/verify", &officer, mf.bytes.clone(), "application/pdf").await.ok(200);
    assert_eq!(v["indication"], "PASSED", "a new sealed material, not the licence itself: {}", brief(&v));
    assert!(v["licence"].is_null());
    let fresh_pdf = s.get(&format!("/v1/licences/{fresh_id}/pdf"), Some(&holder)).await;
    let m = s.upload("/v1/materials?name=form.pdf", &market, fresh_pdf.bytes.clone(), "application/pdf").await.ok(201);
    let mf = s.get(&format!("/v1/materials/{}/file", m["id"].as_str().unwrap()), Some(&market)).await;
    let v = s.upload("/v1/verify", &officer, mf.bytes.clone(), "application/pdf").await.ok(200);
    assert_eq!(v["indication"], "PASSED", "{}", brief(&v));
    let m = s
        .upload(
            "/v1/materials?name=form.ofd&keyword=%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7",
            &market,
            ofd.bytes.clone(),
            "application/ofd",
        )
        .await
        .ok(201);
    assert_eq!(m["format"], "ofd");
    s.get(&format!("/v1/materials/{}", m["id"].as_str().unwrap()), Some(&transport)).await.problem(404, "not_found");
    s.get(&format!("/v1/materials/{}", m["id"].as_str().unwrap()), Some(&market)).await.ok(200);
    s.upload("/v1/materials", &holder, pdf.bytes.clone(), "application/pdf").await.problem(403, "forbidden");

    // Persons' e-signatures: apply, issue, sign, cancel (注销); earlier signatures still verify.
    s.post("/v1/signers", &holder, json!({"name": "云南某某科技有限公司"})).await.problem(403, "forbidden");
    let sg = s.post("/v1/signers", &person, json!({"name": "张三"})).await.ok(201);
    let gid = sg["id"].as_str().unwrap().to_string();
    s.post(&format!("/v1/signers/{gid}/sign"), &person, json!({})).await.problem(415, "unsupported_media_type");
    s.upload(&format!("/v1/signers/{gid}/sign"), &person, fresh_pdf.bytes.clone(), "application/pdf")
        .await
        .problem(409, "signer_unavailable");
    s.post(&format!("/v1/signers/{gid}/issue"), &person, json!({})).await.problem(403, "forbidden");
    // The body is the empty object: a field in it is refused (schemathesis sent {"": null}).
    s.post(&format!("/v1/signers/{gid}/issue"), &admin, json!({"": null})).await.problem(422, "invalid_json");
    s.post(&format!("/v1/signers/{gid}/cancel"), &person, json!({"x": 1})).await.problem(422, "invalid_json");
    let issued = s.post(&format!("/v1/signers/{gid}/issue"), &admin, json!({})).await.ok(200);
    assert_eq!(issued["state"], "issued");
    let pem = s.get(&format!("/v1/signers/{gid}/certificate"), Some(&person)).await;
    assert!(String::from_utf8_lossy(&pem.bytes).contains("BEGIN CERTIFICATE"));
    s.get(&format!("/v1/signers/{gid}"), Some(&holder)).await.problem(404, "not_found");
    let signed = s
        .upload(
            &format!("/v1/signers/{gid}/sign?name=contract.pdf"),
            &person,
            fresh_pdf.bytes.clone(),
            "application/pdf",
        )
        .await
        .ok(201);
    let signed_pdf = s.get(&format!("/v1/materials/{}/file", signed["id"].as_str().unwrap()), Some(&person)).await;
    let v = s.upload("/v1/verify", &officer, signed_pdf.bytes.clone(), "application/pdf").await.ok(200);
    assert_eq!(v["indication"], "PASSED", "{}", brief(&v));
    let p7s = s
        .upload(
            &format!("/v1/signers/{gid}/sign?name=note.txt"),
            &person,
            b"hello".to_vec(),
            "application/octet-stream",
        )
        .await
        .ok(201);
    assert_eq!(p7s["format"], "p7s");
    s.post(&format!("/v1/signers/{gid}/cancel"), &holder, json!({})).await.problem(404, "not_found");
    // Time stamps and CRLs count in whole seconds: a cancellation in the very second of a
    // signature cannot be proven to come after it (and is judged revoked). Cancel a second later.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(s.post(&format!("/v1/signers/{gid}/cancel"), &person, json!({})).await.ok(200)["state"], "cancelled");
    s.upload(&format!("/v1/signers/{gid}/sign"), &person, fresh_pdf.bytes.clone(), "application/pdf")
        .await
        .problem(409, "signer_unavailable");
    let crl = s.get("/v1/crl/issuing-ca", None).await;
    let crl = yinxin_pki::Crl::from_pem_or_der(&crl.bytes).unwrap();
    let serial = hex::decode(issued["serial"].as_str().unwrap()).unwrap();
    assert!(crl.find(&serial).is_some(), "the cancelled certificate is on the CRL");
    let v = s.upload("/v1/verify", &officer, signed_pdf.bytes.clone(), "application/pdf").await.ok(200);
    assert_eq!(v["indication"], "PASSED", "signed before the cancellation, time-stamped: {}", brief(&v));
    assert_eq!(s.get("/v1/signers", Some(&person)).await.ok(200)["items"].as_array().unwrap().len(), 1);

    // Admin: clients.
    s.post("/v1/admin/clients", &market, json!({"role": "officer", "name": "x", "principal": "o-2"}))
        .await
        .problem(403, "forbidden");
    s.post("/v1/admin/clients", &admin, json!({"role": "department", "name": "x", "principal": "not-a-uscc"}))
        .await
        .problem(422, "client.invalid");
    let made = s
        .post(
            "/v1/admin/clients",
            &admin,
            json!({"role": "officer", "name": "执法人员 002", "principal": "officer-002"}),
        )
        .await
        .ok(201);
    let t2 = made["token"].as_str().unwrap().to_string();
    s.get(&format!("/v1/status/{fresh_id}"), Some(&t2)).await.ok(200);
    assert!(s.get("/v1/admin/clients?limit=100", Some(&admin)).await.ok(200)["items"].as_array().unwrap().len() >= 8);
    assert_eq!(
        s.call(
            Method::DELETE,
            &format!("/v1/admin/clients/{}", made["client"]["id"].as_str().unwrap()),
            Some(&admin),
            None,
            &[]
        )
        .await
        .status,
        204
    );
    s.get(&format!("/v1/status/{fresh_id}"), Some(&t2)).await.problem(401, "unauthenticated");

    // Bad input: a clear problem each, nothing stored.
    let docs = s.documents();
    let head = yinxin_store::audit::head(&s.app.db).await.unwrap();
    let (status, body) = declare_oversize(s, &market).await;
    assert_eq!(status, 413, "{body}");
    assert!(body.contains("\"code\":\"too_large\""), "{body}");
    s.upload("/v1/materials", &market, fresh_pdf.bytes[..fresh_pdf.bytes.len() / 2].to_vec(), "application/pdf")
        .await
        .problem(422, "material.unsealable");
    s.upload("/v1/materials", &market, b"\x00\x01garbage".to_vec(), "application/pdf")
        .await
        .problem(422, "unrecognised_file");
    s.upload("/v1/materials", &market, Vec::new(), "application/pdf").await.problem(400, "empty_upload");
    let r = s.upload("/v1/materials", &market, fresh_pdf.bytes.clone(), "text/plain").await;
    r.problem(415, "unsupported_media_type");
    // Answered before the body was read: the connection closes, and the answer says so, so the
    // client does not send its next request into it.
    assert_eq!(r.headers["connection"], "close");
    s.upload("/v1/materials?name=..%2F..%2Fetc%2Fpasswd", &market, fresh_pdf.bytes.clone(), "application/pdf")
        .await
        .problem(400, "bad_name");
    // A NUL is refused for the whole URL, before the handler (and with the connection closed,
    // the upload unread).
    let r = s.upload("/v1/materials?name=a%00b", &market, fresh_pdf.bytes.clone(), "application/pdf").await;
    r.problem(400, "bad_url");
    assert_eq!(r.headers["connection"], "close");
    s.upload("/v1/materials?page=0", &market, fresh_pdf.bytes.clone(), "application/pdf")
        .await
        .problem(400, "bad_position");
    s.upload("/v1/materials?page=abc", &market, fresh_pdf.bytes.clone(), "application/pdf")
        .await
        .problem(400, "bad_query");
    s.upload("/v1/verify", &officer, b"garbage".to_vec(), "application/octet-stream")
        .await
        .problem(422, "unrecognised_file");
    s.upload("/v1/licences", &market, b"{}".to_vec(), "text/plain").await.problem(415, "unsupported_media_type");
    s.upload("/v1/licences", &market, b"{\"type_code\": ".to_vec(), "application/json")
        .await
        .problem(422, "invalid_json");
    s.upload(
        "/v1/licences",
        &market,
        b"{\"type_code\": \"x\", \"fields\": {}, \"extra\": 1}".to_vec(),
        "application/json",
    )
    .await
    .problem(422, "invalid_json");
    let mut inj = business(None);
    inj["type_code"] = json!("营业执照'; DROP TABLE licences; --");
    s.post("/v1/licences", &market, inj).await.problem(422, "unknown_type");
    s.get("/v1/lookup?identifier=%27%20OR%201%3D1%20--&use_cause=x", Some(&transport)).await.problem(404, "not_found");
    s.get("/v1/licences/..%2F..%2Fetc%2Fpasswd", Some(&market)).await.problem(404, "not_found");
    s.call(
        Method::POST,
        "/v1/licences",
        Some(&market),
        Some(business(None)),
        &[("Idempotency-Key", "bad key with spaces")],
    )
    .await
    .problem(400, "bad_idempotency_key");
    s.get("/v1/nothing", Some(&market)).await.problem(404, "no_route");
    s.call(Method::PUT, "/v1/licences", Some(&market), None, &[]).await.problem(405, "method_not_allowed");
    assert_eq!(s.documents(), docs, "nothing stored");
    let after = yinxin_store::audit::head(&s.app.db).await.unwrap();
    // Only the verification of garbage and the failed lookup are logged (as accesses).
    assert!(after.0 <= head.0 + 2, "{head:?} → {after:?}");
    // A truncated PDF handed to the verifier is an answer, not an error: never PASSED.
    let v = s.upload("/v1/verify", &officer, fresh_pdf.bytes[..1000].to_vec(), "application/pdf").await.ok(200);
    assert_ne!(v["indication"], "PASSED", "{}", brief(&v));

    // Audit: readable and checkable by the admin only; the chain verifies; checkpoints are signed.
    s.get("/v1/audit", Some(&market)).await.problem(403, "forbidden");
    let log = s.get("/v1/audit?limit=500", Some(&admin)).await.ok(200);
    let actions: Vec<&str> = log["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    for a in [
        "licence.issue",
        "licence.suspend",
        "licence.resume",
        "licence.revoke",
        "licence.reissue",
        "licence.annotate",
        "verify",
        "lookup",
        "consent.give",
        "consent.revoke",
        "seal.make",
        "seal.file",
        "material.seal",
        "signer.issue",
        "signer.sign",
        "signer.cancel",
        "client.create",
        "client.disable",
    ] {
        assert!(actions.contains(&a), "{a} is not logged: {actions:?}");
    }
    let cp = s.call(Method::POST, "/v1/audit/checkpoints", Some(&admin), None, &[]).await.ok(201);
    assert!(cp["time_stamp"].is_string());
    let check = s.get("/v1/audit/verify", Some(&admin)).await.ok(200);
    assert_eq!(check["ok"], true, "{check}");
    assert_eq!(check["checkpoints"], 1);
    assert_eq!(s.get("/v1/audit/checkpoints", Some(&admin)).await.ok(200)["items"].as_array().unwrap().len(), 1);

    // Metrics.
    let m = String::from_utf8(s.get("/metrics", None).await.bytes).unwrap();
    assert!(m.contains("yinxin_http_requests_total"), "{m}");
    assert!(m.contains("yinxin_verifications_total{kind=\"pdf\",indication=\"PASSED\"}"), "{m}");
    assert!(m.contains("yinxin_signatures_total{purpose=\"licence\"}"), "{m}");
}

/// The receipt (version 2): its signature checked by OpenSSL against the service certificate
/// and by `receipt::check`, which also ties it to the answer's report by SM3; a changed report
/// or payload is refused. A version 1 receipt (the whole report in the payload) still checks.
fn check_receipt(answer: &[u8]) {
    use yinxin_server::receipt;
    let v: Value = serde_json::from_slice(answer).unwrap();
    let checked = receipt::check(answer).unwrap();
    assert_eq!(checked.version, 2);
    let d = tempfile::tempdir().unwrap();
    let payload = B64.decode(v["receipt"]["payload"].as_str().unwrap()).unwrap();
    let p: Value = serde_json::from_slice(&payload).unwrap();
    assert_eq!(p["indication"], v["indication"]);
    assert!(p.get("report").is_none(), "the report is signed by its SM3, not copied");
    let report = receipt::report_text(answer).unwrap();
    assert_eq!(serde_json::from_slice::<Value>(report).unwrap(), v["report"]);
    assert_eq!(p["report_sm3"].as_str().unwrap(), yinxin_gm::sm3::sm3(report).to_hex());
    std::fs::write(d.path().join("sig"), B64.decode(v["receipt"]["signature"].as_str().unwrap()).unwrap()).unwrap();
    std::fs::write(d.path().join("cert.pem"), v["receipt"]["certificate"].as_str().unwrap()).unwrap();
    let openssl =
        |args: &[&str]| std::process::Command::new("openssl").args(args).current_dir(d.path()).output().unwrap();
    let o = openssl(&["x509", "-in", "cert.pem", "-pubkey", "-noout", "-out", "pub.pem"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let verify = |data: &[u8]| {
        std::fs::write(d.path().join("payload"), data).unwrap();
        let sm2 = ["-rawin", "-digest", "sm3", "-pkeyopt", "distid:1234567812345678"];
        let io = ["-pubin", "-inkey", "pub.pem", "-in", "payload", "-sigfile", "sig"];
        openssl(&[&["pkeyutl", "-verify"][..], &io, &sm2].concat()).status.success()
    };
    assert!(verify(&payload), "OpenSSL verifies the receipt");
    // One changed byte and OpenSSL refuses.
    let mut bad = payload.clone();
    bad[10] ^= 1;
    assert!(!verify(&bad));
    // A report changed after signing is refused: PASSED → FAILED inside the report.
    let text = String::from_utf8(answer.to_vec()).unwrap();
    let at = text.rfind("\"PASSED\"").unwrap();
    assert!(at > text.find(",\"report\":").unwrap(), "the last PASSED is inside the report");
    let changed = format!("{}\"FAILED\"{}", &text[..at], &text[at + 8..]);
    assert!(receipt::check(changed.as_bytes()).unwrap_err().contains("hashes to"));

    // A version 1 receipt (before report_sm3): the payload held the whole report.
    let kd = yinxin_tests::repo().join("keys-dev");
    let key =
        yinxin_gm::Sm2PrivateKey::from_pem(&std::fs::read_to_string(kd.join("dept-market.key.pem")).unwrap(), None)
            .unwrap();
    let old =
        serde_json::json!({"receipt_id": "rcpt-old", "indication": v["indication"], "report": v["report"]}).to_string();
    let sig = yinxin_gm::provider::default_provider()
        .sm2_signer(&key, yinxin_gm::UserId::DEFAULT)
        .unwrap()
        .sign(old.as_bytes())
        .unwrap();
    let cert = std::fs::read_to_string(kd.join("dept-market.cert.pem")).unwrap();
    let v1 = serde_json::json!({"indication": v["indication"], "licence": v["licence"],
        "receipt": {"payload": B64.encode(old.as_bytes()), "signature": B64.encode(sig.to_der()), "certificate": cert},
        "report": v["report"]});
    assert_eq!(receipt::check(v1.to_string().as_bytes()).unwrap().version, 1);
}

/// An altered audit row is found by the chain check (SQLite: edit the file underneath).
/// NUL characters, in the URL or escaped in a JSON string, are refused with a problem on either
/// database (PostgreSQL's text cannot hold one: schemathesis found a 500 on a cursor with one).
async fn nul_characters(s: &Server) {
    let market = s.market();
    s.get("/v1/licences?cursor=a%00b", Some(&market)).await.problem(400, "bad_url");
    s.get("/v1/licences?holder_code=%00", Some(&market)).await.problem(400, "bad_url");
    s.get("/v1/licences/x%00y", Some(&market)).await.problem(400, "bad_url");
    let mut body = business(None);
    body["fields"]["name"] = json!("云南\u{0}科技");
    s.post("/v1/licences", &market, body).await.problem(422, "invalid_json");
    s.post("/v1/seals", &market, json!({"name": "a\u{0}", "kind": "official"})).await.problem(422, "invalid_json");
    // An escaped backslash before "u0000" is not a NUL: the body goes on to its own checks.
    let r = s.post("/v1/seals", &market, json!({"name": "a\\u0000", "kind": "official"})).await;
    assert_eq!(r.status.as_u16(), 201, "{}", String::from_utf8_lossy(&r.bytes));
}

async fn tamper_with_the_audit_log(s: &Server) {
    let admin = s.token("admin");
    sqlx::query("UPDATE audit_log SET detail = '{\"use_cause\":\"edited\"}' WHERE seq = 3")
        .execute(s.app.db.pool())
        .await
        .unwrap();
    let check = s.get("/v1/audit/verify", Some(&admin)).await.ok(200);
    assert_eq!(check["ok"], false);
    assert!(check["chain"]["problem"].as_str().unwrap().contains("entry 3 was altered"), "{check}");
    assert!(!check["checkpoint_problems"].as_array().unwrap().is_empty() || check["chain"]["ok"] == false);
}

/// The routes the server answers and the paths of the OpenAPI document are the same, and every
/// one of them is routed (never the "no such route" fallback).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routes_match_the_openapi_document() {
    let s = start(false).await;
    let doc = s.get("/openapi.json", None).await.ok(200);
    assert_eq!(doc["openapi"], "3.1.0");
    let mut in_doc = std::collections::BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for m in item.as_object().unwrap().keys() {
            in_doc.insert((m.to_uppercase(), path.clone()));
        }
    }
    let in_code: std::collections::BTreeSet<(String, String)> =
        yinxin_server::ROUTES.iter().map(|(m, p)| (m.to_string(), p.to_string())).collect();
    assert_eq!(in_doc, in_code, "api-spec/openapi.yaml and yinxin_server::ROUTES differ");
    // Every schema reference resolves.
    let text = doc.to_string();
    for cap in text.split("\"$ref\":\"#/components/").skip(1) {
        let r = &cap[..cap.find('"').unwrap()];
        let mut node = &doc["components"];
        for part in r.split('/') {
            node = &node[part];
        }
        assert!(!node.is_null(), "dangling $ref {r}");
    }
    let admin = s.token("admin");
    for (m, p) in yinxin_server::ROUTES {
        let path = p.replace("{id}", "x").replace("{code}", "x");
        let method = Method::from_bytes(m.as_bytes()).unwrap();
        let r = s.call(method, &path, Some(&admin), None, &[]).await;
        if r.status.as_u16() == 404 {
            assert_ne!(r.json()["code"], "no_route", "{m} {p} is not routed");
        }
    }
    s.finish().await;
}

/// A client over its rate is told to wait (429 with Retry-After).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_per_client() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path(), None);
    cfg.limits.rate_per_second = 2.0;
    cfg.limits.burst = 5.0;
    let s = start_with(cfg, dir, None).await;
    let officer = s.token("officer");
    let mut limited = None;
    for _ in 0..20 {
        let r = s.get("/v1/licence-types/营业执照", None).await;
        assert_eq!(r.status.as_u16(), 200, "public reads are not per-client limited");
        let r = s.get("/v1/status/none", Some(&officer)).await;
        if r.status.as_u16() == 429 {
            limited = Some(r);
            break;
        }
    }
    let r = limited.expect("the 6th request within a second is refused");
    r.problem(429, "rate_limited");
    assert!(r.headers.get("retry-after").is_some());
    // Another client is not affected.
    s.get("/v1/status/none", Some(&s.token("holder"))).await.problem(404, "not_found");
    s.finish().await;
}

/// A report in one line: the verdict and the checks that did not pass.
fn brief(v: &Value) -> String {
    let mut out = format!("{} {}", v["indication"], v["report"]["sub_indication"]);
    fn walk(r: &Value, out: &mut String) {
        for c in r["checks"].as_array().into_iter().flatten() {
            if c["outcome"] != "PASSED" && c["outcome"] != "NOT_APPLICABLE" {
                out.push_str(&format!(" | {} {}: {}", c["id"], c["outcome"], c["reason_en"]));
            }
        }
        for p in r["parts"].as_array().into_iter().flatten() {
            walk(p, out);
        }
    }
    walk(&v["report"], &mut out);
    out
}

/// Announce a 5 MiB upload (over the 4 MiB limit) and read the answer without sending the body,
/// as a client using `Expect: 100-continue` would: the server refuses on the header alone.
async fn declare_oversize(s: &Server, token: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = s.base.trim_start_matches("http://");
    let mut c = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /v1/materials HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/pdf\r\nContent-Length: {}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n",
        5 << 20
    );
    c.write_all(head.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    let _ = c.read_to_end(&mut out).await;
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, text)
}
