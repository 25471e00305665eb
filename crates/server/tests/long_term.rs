//! The long-term task over HTTP (issue 20), on SQLite and PostgreSQL: a licence's long-term
//! copies (PDF with a DSS and a document time stamp, OFD with LTV/) served on request and
//! recognised when verified; evidence records over archived materials made in a batch; what is
//! due listed, and renewed — a time stamp when the TSA certificate nears its end, a hash tree when
//! the configured algorithm changes.

mod common;

use common::*;
use reqwest::Method;
use serde_json::{Value, json};

fn b64(b: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(b)
}

fn transaction(no: &str, holder: &str, files: &[(&str, Vec<u8>)]) -> Value {
    json!({
        "transaction": {
            "txn_no": no, "item_code": "530100-LT-001", "item_name": "营业执照设立登记", "region_code": "530100",
            "applicant": {"name": "云南某某科技有限公司", "kind": "organisation", "id_type": "统一社会信用代码", "id_number": holder},
            "accepted_at": "2026-11-02T09:30:00+08:00", "completed_at": "2026-11-05T16:00:00+08:00", "result": "准予"
        },
        "materials": files.iter().enumerate().map(|(i, (name, c))| json!({
            "metadata": {"title": name, "responsible": "申请人", "date": "2026-11-01", "code": format!("A00{}", i + 1),
                         "class": "application", "file_name": name, "source": "upload", "sharing": "none"},
            "content": b64(c)
        })).collect::<Vec<_>>()
    })
}

fn contains(v: &Value, needle: &str) -> bool {
    v.to_string().contains(needle)
}

async fn scenario(s: &Server) {
    let (admin, market) = (s.token("admin"), s.market());
    let lic = s.post("/v1/licences", &market, business(None)).await.ok(201);
    let id = lic["identifier"].as_str().unwrap().to_string();
    let issued = s.get(&format!("/v1/licences/{id}/pdf"), Some(&market)).await;
    assert_eq!(issued.status.as_u16(), 200);

    // What is due: only the admin asks; the new licence and nothing else is missing.
    s.get("/v1/archive/evidence/due", Some(&market)).await.problem(403, "forbidden");
    let due = s.get("/v1/archive/evidence/due", Some(&admin)).await.ok(200);
    assert!(due["missing"]["licence_pdf"].as_u64().unwrap() >= 1, "{due}");
    assert_eq!(due["hash"], "sm3");

    // The long-term PDF, made on request: the issued bytes are its first revision; it verifies,
    // names its proof, and is recognised as the licence.
    let lt = s.get(&format!("/v1/licences/{id}/pdf?form=long-term"), Some(&market)).await;
    assert_eq!(lt.status.as_u16(), 200);
    assert!(lt.bytes.len() > issued.bytes.len() && lt.bytes.starts_with(&issued.bytes));
    let again = s.get(&format!("/v1/licences/{id}/pdf?form=long-term"), Some(&market)).await;
    assert_eq!(again.bytes, lt.bytes, "the copy is kept, not remade");
    s.get(&format!("/v1/licences/{id}/pdf?form=other"), Some(&market)).await.problem(422, "bad_form");
    let r = s.upload("/v1/verify", &market, lt.bytes.clone(), "application/pdf").await.ok(200);
    assert_eq!(r["indication"], "PASSED", "{r}");
    assert_eq!(r["licence"]["identifier"], id.as_str(), "the long-term copy is the licence: {r}");
    assert!(contains(&r["report"], "document time stamp 1 of 1"), "{}", r["report"]);
    let ofd = s.get(&format!("/v1/licences/{id}/ofd?form=long-term"), Some(&market)).await;
    let r = s.upload("/v1/verify", &market, ofd.bytes.clone(), "application/ofd").await.ok(200);
    assert_eq!(r["indication"], "PASSED", "{r}");
    assert!(contains(&r["report"], "package time stamp 1 of 1"), "{}", r["report"]);

    // A transaction filed; the task makes its evidence record (and every missing copy).
    let files =
        [("申请书.pdf", yinxin_tests::corpus::pdf("long term")), ("附件.pdf", yinxin_tests::corpus::pdf("附件"))];
    let holder = fresh_uscc();
    let t = s.post("/v1/archive/transactions", &market, transaction("LT-1", &holder, &files)).await;
    let txn = t.json()["id"].as_str().unwrap().to_string();
    s.get(&format!("/v1/archive/transactions/{txn}/evidence"), Some(&market)).await.problem(404, "not_found");
    s.call(Method::POST, "/v1/archive/evidence/run", Some(&market), None, &[]).await.problem(403, "forbidden");
    let second = s.post("/v1/licences", &market, business(None)).await.ok(201);
    let id2 = second["identifier"].as_str().unwrap().to_string();
    let run = s.call(Method::POST, "/v1/archive/evidence/run", Some(&admin), None, &[]).await.ok(200);
    assert!(contains(&run["made"], &format!("archive-materials {txn}")), "{run}");
    assert!(contains(&run["made"], &format!("licence-pdf {id2}")), "{run}");
    assert!(contains(&run["made"], &format!("licence-ofd {id2}")), "{run}");
    assert!(!contains(&run["made"], &format!("licence-pdf {id}")), "made once, on request: {run}");
    assert_eq!(run["failed"], json!([]), "{run}");
    let due = s.get("/v1/archive/evidence/due", Some(&admin)).await.ok(200);
    assert_eq!(due["missing"], json!({"licence_pdf": 0, "licence_ofd": 0, "archive_materials": 0}), "{due}");
    assert_eq!(due["items"], json!([]), "nothing due while the TSA certificate has years left: {due}");
    let der = s.get(&format!("/v1/archive/transactions/{txn}/evidence"), Some(&market)).await;
    assert_eq!(der.status.as_u16(), 200);
    let record = yinxin_pki::ers::EvidenceRecord::from_der(&der.bytes).unwrap();
    let group: Vec<&[u8]> = files.iter().map(|(_, b)| b.as_slice()).collect();
    yinxin_pki::ers::verify(&record, &group).expect("the record covers the stored materials");
    // Stored detached: the batch's token (with its validation material) once, the record small.
    let stored: i64 = sqlx::query_scalar("SELECT CAST(LENGTH(record) AS BIGINT) FROM long_term WHERE subject = $1")
        .bind(&txn)
        .fetch_one(s.app.db.pool())
        .await
        .unwrap();
    let tokens: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM evidence_tokens").fetch_one(s.app.db.pool()).await.unwrap();
    assert_eq!(tokens, 1);
    assert!((stored as usize) < der.bytes.len() / 2, "{stored} stored, {} whole", der.bytes.len());

    // The TSA certificate nearing its end (the rows say so): a time-stamp renewal of everything.
    sqlx::query("UPDATE long_term SET tsa_not_after = $1")
        .bind(yinxin_store::now_ts() + 86_400)
        .execute(s.app.db.pool())
        .await
        .unwrap();
    let due = s.get("/v1/archive/evidence/due", Some(&admin)).await.ok(200);
    assert!(due["items"].as_array().unwrap().iter().all(|i| i["due"] == "time_stamp"), "{due}");
    let run = s.call(Method::POST, "/v1/archive/evidence/run", Some(&admin), None, &[]).await.ok(200);
    assert!(contains(&run["renewed"], &format!("licence-pdf {id}")), "{run}");
    assert!(contains(&run["renewed"], &format!("archive-materials {txn} (time stamp)")), "{run}");
    let lt2 = s.get(&format!("/v1/licences/{id}/pdf?form=long-term"), Some(&market)).await;
    assert!(lt2.bytes.starts_with(&lt.bytes), "a renewal appends");
    let r = s.upload("/v1/verify", &market, lt2.bytes.clone(), "application/pdf").await.ok(200);
    assert_eq!(r["indication"], "PASSED", "{r}");
    assert!(contains(&r["report"], "document time stamp 1 of 2"), "{}", r["report"]);
    let der = s.get(&format!("/v1/archive/transactions/{txn}/evidence"), Some(&market)).await;
    let record = yinxin_pki::ers::EvidenceRecord::from_der(&der.bytes).unwrap();
    assert_eq!(record.stamp_count(), 2);
    yinxin_pki::ers::verify(&record, &group).unwrap();

    // SHA-256 configured: a hash-tree renewal of the record.
    let run = yinxin_server::evidence::run_with(&s.app, yinxin_pki::tsp::HashAlg::Sha256).await.unwrap();
    assert!(run.renewed.iter().any(|r| r == &format!("archive-materials {txn} (hash tree)")), "{run:?}");
    let der = s.get(&format!("/v1/archive/transactions/{txn}/evidence"), Some(&market)).await;
    let record = yinxin_pki::ers::EvidenceRecord::from_der(&der.bytes).unwrap();
    assert_eq!(record.chains().len(), 2);
    yinxin_pki::ers::verify(&record, &group).unwrap();

    // Every run is in the audit log.
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'evidence.run'")
        .fetch_one(s.app.db.pool())
        .await
        .unwrap();
    assert!(n >= 2, "{n}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_long_term_task_on_sqlite() {
    let s = start(false).await;
    scenario(&s).await;
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_long_term_task_on_postgres() {
    let s = start(true).await;
    scenario(&s).await;
    s.finish().await;
}
