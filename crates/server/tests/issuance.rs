//! Issuance that cannot proceed says why: a character the typeface lacks is a 422 naming it; a
//! department without a seal in use, or without a signing key, gets `issuance-unavailable` with
//! the reason, and `/readyz` lists what is missing. Never a 500.

mod common;

use common::*;
use serde_json::json;
use std::path::Path;

#[tokio::test]
async fn a_character_the_face_lacks_is_a_422_naming_it() {
    let s = start(false).await;
    let mut body = business(None);
    body["fields"]["name"] = json!("云南\u{E000}科技有限公司");
    let r = s.post("/v1/licences", &s.market(), body).await;
    r.problem(422, "licence.unprintable");
    let errors = r.json()["errors"].clone();
    assert_eq!(errors.as_array().unwrap().len(), 1, "{errors}");
    let e = errors[0].as_str().unwrap();
    assert!(e.starts_with("name:") && e.contains("U+E000"), "{e}");
    // Nothing was issued.
    let listed = s.get("/v1/licences", Some(&s.market())).await.ok(200);
    assert!(listed["items"].as_array().unwrap().is_empty(), "{listed}");
    s.finish().await;
}

fn copy_dir(from: &Path, to: &Path, skip: &str) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let (src, dst) = (e.path(), to.join(e.file_name()));
        if src.is_dir() {
            copy_dir(&src, &dst, skip);
        } else if !src.ends_with(skip) {
            std::fs::copy(&src, &dst).unwrap();
        }
    }
}

#[tokio::test]
async fn each_missing_prerequisite_gets_issuance_unavailable() {
    // The development keys without the market department's seal.
    let keys = tempfile::tempdir().unwrap();
    copy_dir(&workspace().join("keys-dev"), keys.path(), "seals/dept-market.esl");
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path(), None);
    cfg.key_dir = keys.path().to_path_buf();
    let s = start_with(cfg, dir, None).await;
    let market_code = "11530100MB0123456A";

    // No seal: 503 issuance-unavailable naming the department; the node stays ready (degraded).
    let r = s.post("/v1/licences", &s.market(), business(None)).await;
    r.problem(503, "issuance-unavailable");
    let detail = r.json()["detail"].as_str().unwrap().to_string();
    assert!(detail.contains(market_code) && detail.contains("no official seal"), "{detail}");
    let ready = s.get("/readyz", None).await.ok(200);
    assert_eq!(ready["status"], "degraded", "{ready}");
    assert_eq!(ready["missing"], json!([{"part": "seal", "department": market_code, "reason": detail}]), "{ready}");
    // Another department still issues.
    let mut road: serde_json::Value =
        serde_json::from_slice(&std::fs::read(workspace().join("examples/道路运输经营许可证.json")).unwrap()).unwrap();
    road["uscc"] = json!(fresh_uscc());
    s.post("/v1/licences", &s.transport(), json!({"type_code": "道路运输经营许可证", "fields": road})).await.ok(201);

    // A department client with no signing key on this service.
    let admin = s.token("admin");
    let made = s
        .post("/v1/admin/clients", &admin, json!({"role": "department", "name": "某县某局", "principal": fresh_uscc()}))
        .await
        .ok(201);
    let keyless = made["token"].as_str().unwrap().to_string();
    let r = s.post("/v1/licences", &keyless, business(None)).await;
    r.problem(503, "issuance-unavailable");
    assert!(r.json()["detail"].as_str().unwrap().contains("no signing key"), "{}", r.json());
    s.finish().await;
}
