//! The archive (预归档) over the real service: a generated corpus of a few hundred transactions
//! (PDFs, OFDs, images, sealed licences and a sealed material, a broken PDF, a truncated JPEG,
//! EICAR under a private clamd, a zip bomb, a traversal zip, duplicates) with the expected verdict
//! for every check; deduplication; reuse of exactly the valid materials with consent; sealed
//! packages checked by our verifier and by PyPI's `bagit`; retention, hold, disposal and the
//! patrol. Then the HTTP operations and their roles, on SQLite and on PostgreSQL.

mod common;

use common::{HOLDER, Server, business, fresh_uscc, start};
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use yinxin_archive::check::Outcome;
use yinxin_archive::export::verify_package;
use yinxin_archive::inspect::Verdict;
use yinxin_archive::model::*;
use yinxin_archive::service::{Actor, Archive, Error};
use yinxin_server::archive::{ServiceAuthority, archive};
use yinxin_tests::corpus;

const MARKET: &str = "11530100MB0123456A";
const TRANSPORT: &str = "11530100MB0234567M";
const ITEM: &str = "530100-XK-001";

fn dept(code: &str) -> Actor {
    Actor { id: format!("test-{code}"), role: "department".into(), department: code.into() }
}

fn admin() -> Actor {
    Actor { id: "test-admin".into(), role: "admin".into(), department: String::new() }
}

fn item() -> Item {
    let m = |code: &str, name: &str, required, class| ItemMaterial {
        code: code.into(),
        name: name.into(),
        required,
        class,
    };
    Item {
        item_code: ITEM.into(),
        version: "2026.1".into(),
        name: "营业执照设立登记".into(),
        retention: Retention::Years30,
        materials: vec![
            m("A001", "设立登记申请书", true, Class::Application),
            m("A002", "身份证明", true, Class::Application),
            m("A003", "住所证明", false, Class::Application),
            m("P001", "审核意见", false, Class::Process),
            m("R001", "营业执照", false, Class::Result),
        ],
    }
}

fn txn(no: &str, holder: &str, count: usize, bytes: u64) -> TransactionMeta {
    TransactionMeta {
        txn_no: no.into(),
        item_code: ITEM.into(),
        item_name: "营业执照设立登记".into(),
        region_code: "530100".into(),
        applicant: Applicant {
            name: format!("申请人{holder}"),
            kind: "organisation".into(),
            id_type: "统一社会信用代码".into(),
            id_number: holder.into(),
        },
        accepted_at: "2026-11-02T09:30:00+08:00".into(),
        completed_at: Some("2026-11-05T16:00:00+08:00".into()),
        result: "准予".into(),
        licence_no: Some("L-1".into()),
        retention: None,
        declared_count: Some(count as u64),
        declared_bytes: Some(bytes),
        remarks: None,
    }
}

fn mat(code: &str, class: Class, file: &str, sharing: Sharing, content: Vec<u8>) -> MaterialIn {
    MaterialIn {
        meta: MaterialMeta {
            title: format!("{code} {file}"),
            responsible: "申请人".into(),
            date: "2026-11-01".into(),
            doc_number: None,
            code: code.into(),
            class,
            file_name: file.into(),
            declared_format: None,
            declared_sm3: None,
            source: Source::Upload,
            sharing,
            sharing_condition: (sharing == Sharing::Conditional).then(|| "仅限本人办理的登记事项".into()),
            valid_until: Some("2030-12-31".into()),
        },
        content,
    }
}

fn file(mats: Vec<MaterialIn>, no: &str, holder: &str) -> (TransactionMeta, Vec<MaterialIn>) {
    let bytes = mats.iter().map(|m| m.content.len() as u64).sum();
    (txn(no, holder, mats.len(), bytes), mats)
}

/// What one material's checks must say: the verdict and the outcome of the checks that decide it.
#[derive(Clone)]
struct Expect {
    verdict: Verdict,
    checks: Vec<(&'static str, &'static str)>,
}

fn expect(verdict: Verdict, checks: &[(&'static str, &'static str)]) -> Expect {
    Expect { verdict, checks: checks.to_vec() }
}

fn clean_file() -> Vec<(&'static str, &'static str)> {
    vec![
        ("USE-02", "pass"),
        ("USE-03", "pass"),
        ("USE-04", "pass"),
        ("SEC-01", "pass"),
        ("AUT-01", "pass"),
        ("AUT-04", "pass"),
        ("AUT-07", "pass"),
        ("AUT-02", "not_applicable"),
    ]
}

async fn licence_pdf(s: &Server, holder: &str) -> (String, Vec<u8>) {
    let lic = s.post("/v1/licences", &s.market(), business(Some(holder))).await.ok(201);
    let id = lic["identifier"].as_str().unwrap().to_string();
    let pdf = s.get(&format!("/v1/licences/{id}/pdf"), Some(&s.market())).await;
    assert_eq!(pdf.status, 200);
    (id, pdf.bytes)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corpus_of_transactions_gets_the_expected_verdicts_is_stored_once_and_reused_with_consent() {
    let s = start(false).await;
    let clamd = corpus::Clamd::start();
    let a = Archive { clamd: Some(yinxin_archive::virus::Clamd::new(clamd.socket())), ..archive(&s.app) };
    let auth = Arc::new(ServiceAuthority::new(&s.app, None).await.unwrap());
    a.put_item(&admin(), &item()).await.unwrap();

    // The service's own products: sealed licences for the holder (one revoked later), a sealed
    // material.
    let mut licences = Vec::new();
    for _ in 0..3 {
        licences.push(licence_pdf(&s, HOLDER).await);
    }
    let sealed = s.upload("/v1/materials", &s.market(), corpus::pdf("材料"), "application/pdf").await.ok(201);
    let sealed =
        s.get(&format!("/v1/materials/{}/file", sealed["id"].as_str().unwrap()), Some(&s.market())).await.bytes;

    let holders: Vec<String> = std::iter::once(HOLDER.to_string()).chain((0..19).map(|_| fresh_uscc())).collect();
    let pdf = corpus::pdf("申请书");
    let truncated_jpeg = {
        let j = corpus::image(image::ImageFormat::Jpeg, 7);
        j[..j.len() / 2].to_vec()
    };
    let traversal = corpus::zip(&[("../../etc/passwd", b"x")]);
    let mut plan: Vec<(TransactionMeta, Vec<MaterialIn>, Verdict, Vec<Expect>)> = Vec::new();
    let n = 300;
    for i in 0..n {
        let h = &holders[i % holders.len()];
        let no = format!("BJ2026{i:05}");
        // Every transaction: its own application form, the holder's ID scan (the same bytes for
        // every transaction of a holder: stored once).
        let mut mats = vec![
            mat("A001", Class::Application, "申请书.pdf", Sharing::None, corpus::pdf(&format!("申请书 {no}"))),
            mat(
                "A002",
                Class::Application,
                "身份证明.jpg",
                Sharing::Unconditional,
                corpus::image(image::ImageFormat::Jpeg, (i % holders.len()) as u8),
            ),
        ];
        let mut exp = vec![expect(Verdict::Accepted, &clean_file()), expect(Verdict::Accepted, &clean_file())];
        let mut verdict = Verdict::Accepted;
        match i % 10 {
            1 => {
                mats.push(mat("A003", Class::Application, "住所证明.ofd", Sharing::Conditional, corpus::ofd(true)));
                exp.push(expect(Verdict::Accepted, &clean_file()));
            }
            2 => {
                mats.push(mat(
                    "P001",
                    Class::Process,
                    "现场照片.png",
                    Sharing::None,
                    corpus::image(image::ImageFormat::Png, i as u8),
                ));
                exp.push(expect(Verdict::Accepted, &clean_file()));
            }
            3 => {
                mats.push(mat(
                    "P001",
                    Class::Process,
                    "扫描件.tif",
                    Sharing::None,
                    corpus::image(image::ImageFormat::Tiff, 3),
                ));
                exp.push(expect(Verdict::Accepted, &clean_file()));
            }
            _ => {}
        }
        // Special cases, each once.
        match i {
            5 => {
                mats.push(mat(
                    "A003",
                    Class::Application,
                    "住所证明.pdf",
                    Sharing::None,
                    pdf[..pdf.len() / 2].to_vec(),
                ));
                exp.push(expect(Verdict::Rejected, &[("USE-03", "fail"), ("SEC-01", "pass")]));
                verdict = Verdict::Rejected;
            }
            15 => {
                mats.push(mat("A003", Class::Application, "住所证明.jpg", Sharing::None, truncated_jpeg.clone()));
                exp.push(expect(Verdict::Rejected, &[("USE-03", "fail")]));
                verdict = Verdict::Rejected;
            }
            25 => {
                mats.push(mat("A003", Class::Application, "readme.txt", Sharing::None, corpus::eicar()));
                exp.push(expect(Verdict::Rejected, &[("SEC-01", "fail"), ("USE-02", "fail")]));
                verdict = Verdict::Rejected;
            }
            35 => {
                mats.push(mat("A003", Class::Application, "附件.zip", Sharing::None, corpus::zip_bomb(16)));
                exp.push(expect(Verdict::Rejected, &[("USE-04", "fail")]));
                verdict = Verdict::Rejected;
            }
            45 => {
                mats.push(mat("A003", Class::Application, "附件.zip", Sharing::None, traversal.clone()));
                exp.push(expect(Verdict::Rejected, &[("SEC-02", "fail")]));
                verdict = Verdict::Rejected;
            }
            55 => {
                let mut m =
                    mat("A003", Class::Application, "说明.pdf", Sharing::None, b"plain text, not a PDF".to_vec());
                m.meta.declared_format = Some("application/pdf".into());
                mats.push(m);
                exp.push(expect(Verdict::Rejected, &[("AUT-07", "fail"), ("USE-02", "fail")]));
                verdict = Verdict::Rejected;
            }
            65 => {
                mats[0].meta.declared_sm3 = Some("00".repeat(32));
                exp[0] = expect(Verdict::Rejected, &[("AUT-01", "fail")]);
                verdict = Verdict::Rejected;
            }
            75 => {
                mats.push(mat("P001", Class::Process, "审核意见.pdf", Sharing::None, sealed.clone()));
                exp.push(expect(Verdict::Accepted, &[("AUT-02", "pass"), ("USE-03", "pass")]));
            }
            85 => {
                // A required material missing: the transaction-level INT-05 blocks.
                mats.remove(1);
                exp.remove(1);
                verdict = Verdict::Rejected;
            }
            _ => {}
        }
        if h == HOLDER && (i / holders.len()) < licences.len() {
            // The holder's licences, each filed with the transaction that issued it.
            let (_, bytes) = &licences[i / holders.len()];
            mats.push(mat("R001", Class::Result, "营业执照.pdf", Sharing::Conditional, bytes.clone()));
            exp.push(expect(Verdict::Accepted, &[("AUT-02", "pass"), ("USE-03", "pass"), ("SEC-01", "pass")]));
        }
        let (t, mats) = file(mats, &no, h);
        plan.push((t, mats, verdict, exp));
    }
    // Dates out of order: the transaction-level AUT-04.
    let (mut t, mats) = file(
        vec![
            mat("A001", Class::Application, "申请书.pdf", Sharing::None, corpus::pdf("x")),
            mat("A002", Class::Application, "身份证明.png", Sharing::None, corpus::image(image::ImageFormat::Png, 201)),
        ],
        "BJ2026-dates",
        HOLDER,
    );
    t.completed_at = Some("2026-10-01T00:00:00+08:00".into());
    plan.push((
        t,
        mats,
        Verdict::Rejected,
        vec![expect(Verdict::Accepted, &clean_file()), expect(Verdict::Accepted, &clean_file())],
    ));

    let mut ingested = Vec::new();
    let mut distinct = BTreeSet::new();
    let mut rows = 0usize;
    for (t, mats, verdict, exp) in plan {
        let contents: Vec<Vec<u8>> = mats.iter().map(|m| m.content.clone()).collect();
        let no = t.txn_no.clone();
        let out = a.ingest(&dept(MARKET), t, mats, auth.clone()).await.unwrap();
        assert_eq!(
            out.verdict,
            verdict,
            "{no}: {:#?} {:#?}",
            out.checks,
            out.materials
                .iter()
                .flat_map(|m| &m.checks)
                .filter(|c| !matches!(c.outcome, Outcome::Pass | Outcome::NotApplicable))
                .collect::<Vec<_>>()
        );
        for (m, e) in out.materials.iter().zip(&exp) {
            assert_eq!(m.verdict, e.verdict, "{no} #{}: {:#?}", m.seq, m.checks);
            for (id, want) in &e.checks {
                let got = m.checks.iter().find(|c| c.id == *id).unwrap_or_else(|| panic!("{no} #{}: no {id}", m.seq));
                assert_eq!(got.outcome.name(), *want, "{no} #{} {id}: {got:?}", m.seq);
            }
            // "Not scanned" never reads as a pass: every material names the scanner's answer.
            assert!(m.checks.iter().any(|c| c.id == "SEC-01" && c.tool.starts_with("ClamAV")), "{no}");
        }
        if no == "BJ202600085" {
            let int05 = out.checks.iter().find(|c| c.id == "INT-05").unwrap();
            assert_eq!(int05.outcome, Outcome::Fail);
            assert!(int05.detail.contains("A002"), "names the missing material: {}", int05.detail);
        }
        if no == "BJ2026-dates" {
            assert_eq!(out.checks.iter().find(|c| c.id == "AUT-04").unwrap().outcome, Outcome::Fail);
        }
        if verdict != Verdict::Rejected {
            for c in contents {
                distinct.insert(yinxin_gm::sm3::sm3(&c).to_hex());
                rows += 1;
            }
        }
        ingested.push(out);
    }
    let accepted: Vec<_> = ingested.iter().filter(|o| o.verdict != Verdict::Rejected).collect();
    assert_eq!(ingested.len(), 301);
    assert_eq!(
        accepted.len(),
        301 - 9,
        "nine rejected: eight bad materials or missing ones, and the dates out of order"
    );

    // Stored once: one blob per distinct content, one reference per material row.
    let blobs = blob_rows(&s).await;
    assert_eq!(blobs.len(), distinct.len());
    assert_eq!(blobs.iter().map(|(_, r)| *r as usize).sum::<usize>(), rows);
    assert!(distinct.len() < rows, "the ID scans repeat: {} distinct of {rows}", distinct.len());
    for (d, _) in &blobs {
        assert!(s.dir.path().join("documents").join(&d[..2]).join(d).exists(), "blob {d} on disk");
    }
    // The licences were already in the document store: filing them stored nothing new.
    for (id, bytes) in &licences {
        let d = yinxin_gm::sm3::sm3(bytes).to_hex();
        let m = ingested.iter().flat_map(|o| &o.materials).find(|m| m.sm3 == d).unwrap();
        assert_eq!(m.licence_id.as_deref(), Some(id.as_str()), "linked to its licence");
    }
    // A rejected transaction kept no bytes: the EICAR file is nowhere in the store.
    let eicar = yinxin_gm::sm3::sm3(&corpus::eicar()).to_hex();
    assert!(!blobs.iter().any(|(d, _)| *d == eicar));

    // Reuse: the holder's ID scan (shareable, valid) and their licences; not the application
    // forms (不予共享), and after a revocation not that licence.
    let now = yinxin_store::now_ts();
    let offered = a.reusable(HOLDER, None, now).await.unwrap();
    let codes: BTreeMap<String, usize> = offered.iter().fold(BTreeMap::new(), |mut m, r| {
        *m.entry(r.material.material_code.clone()).or_default() += 1;
        m
    });
    let scan = yinxin_gm::sm3::sm3(&corpus::image(image::ImageFormat::Jpeg, 0)).to_hex();
    assert_eq!(codes.get("A002"), Some(&1), "one ID scan, offered once though filed 15 times: {codes:?}");
    assert_eq!(codes.get("R001"), Some(&3), "{codes:?}");
    assert!(!codes.contains_key("A001"), "不予共享 is never offered");
    assert_eq!(offered.iter().find(|r| r.material.material_code == "A002").unwrap().material.sm3, scan);
    s.post(&format!("/v1/licences/{}/revoke", licences[0].0), &s.market(), json!({"reason": "test"})).await.ok(200);
    let offered = a.reusable(HOLDER, Some("R001"), now).await.unwrap();
    assert_eq!(offered.len(), 2, "the revoked licence is not offered");
    assert!(offered.iter().all(|r| r.material.licence_id.as_deref() != Some(licences[0].0.as_str())));
    assert!(
        a.reusable(HOLDER, Some("R001"), yinxin_archive::service::date_ts("2031-01-01").unwrap())
            .await
            .unwrap()
            .is_empty(),
        "expired materials are not offered"
    );

    // Reuse by another department needs the holder's consent; then it is a reference, not a copy.
    let (t, mats) = file(
        vec![
            mat("A001", Class::Application, "申请书.pdf", Sharing::None, corpus::pdf("运输")),
            // The same bytes as a market filing: stored once, but transport is not told so.
            mat("A002", Class::Application, "身份证明.jpg", Sharing::None, corpus::image(image::ImageFormat::Jpeg, 0)),
        ],
        "YS2026-1",
        HOLDER,
    );
    let mut t = t;
    t.item_code = "530100-YS-009".into();
    let target = a.ingest(&dept(TRANSPORT), t, mats, auth.clone()).await.unwrap();
    assert!(target.materials.iter().all(|m| !m.deduplicated), "no word of another department's filings");
    let again = ingested.iter().find(|o| o.txn_no == "BJ202600020").unwrap();
    assert!(again.materials[1].deduplicated, "the market's own repeat scan is reported as stored once");
    assert_eq!(target.verdict, Verdict::AcceptedWithWarnings, "no catalogue for that item: INT-05 not run");
    let scan_id = offered_id(&a, "A002").await;
    let files_before = blob_rows(&s).await.len();
    match a.reuse(&dept(TRANSPORT), &scan_id, &target.id).await {
        Err(Error::Forbidden(m)) => assert!(m.contains("consent"), "{m}"),
        other => panic!("reuse without consent: {other:?}"),
    }
    let holder = s.token("holder");
    s.post("/v1/holder/consents", &holder, json!({"department_code": TRANSPORT, "type_code": "A002", "use_cause": "道路运输许可申请复用身份证明", "until": "2099-12-31"}))
        .await
        .ok(201);
    let reused = a.reuse(&dept(TRANSPORT), &scan_id, &target.id).await.unwrap();
    assert_eq!(reused.sm3, scan);
    assert_eq!(reused.reused_from.as_deref(), Some(scan_id.as_str()));
    assert_eq!(blob_rows(&s).await.len(), files_before, "no bytes copied");
    let usage = s.get("/v1/holder/usage?limit=500", Some(&holder)).await.ok(200);
    assert!(
        usage["items"].as_array().unwrap().iter().any(|e| e["action"] == "archive.reuse"),
        "the holder sees the reuse"
    );
    // A 不予共享 material cannot be reused even with consent.
    let form = a.materials(&accepted[0].id).await.unwrap().into_iter().find(|m| m.material_code == "A001").unwrap();
    assert!(matches!(
        a.reuse(&dept(TRANSPORT), &form.id, &target.id).await,
        Err(Error::NotFound(_) | Error::Conflict(_))
    ));

    // Export: sealed, valid with ours and with PyPI's bagit; one flipped byte anywhere fails both.
    let tx0 = accepted.iter().find(|o| o.materials.iter().any(|m| m.code == "R001")).unwrap();
    let exp_auth = ServiceAuthority::new(&s.app, Some(MARKET)).await.unwrap();
    let work = tempfile::tempdir().unwrap();
    let bag = work.path().join(&tx0.id);
    let e = a.export(&admin(), &tx0.id, &bag, &exp_auth, now).await.unwrap();
    assert_eq!(e.verdict, Verdict::Accepted);
    let (v, checks) = verify_package(&bag, &exp_auth);
    assert_eq!(v, Verdict::Accepted, "{checks:#?}");
    assert!(
        checks.iter().any(|c| c.id == "AUT-02" && c.outcome == Outcome::Pass && c.detail.contains("time_stamp PASSED")),
        "{checks:#?}"
    );
    assert!(corpus::python_bagit(&bag).0);
    let premis = std::fs::read_to_string(bag.join("data/premis.xml")).unwrap();
    for ty in ["virus check", "format identification", "fixity check", "message digest calculation", "ingestion"] {
        assert!(premis.contains(&format!("<eventType>{ty}</eventType>")), "{ty}");
    }
    let meta = std::fs::read_to_string(bag.join("data/元数据.xml")).unwrap();
    assert!(
        meta.contains("<保管期限>30年</保管期限>") && meta.contains(&format!("<电子文件号>{}</电子文件号>", tx0.id))
    );
    // Deterministic apart from the seal: a second export at the same time differs only there.
    let bag2 = work.path().join("again");
    a.export(&admin(), &tx0.id, &bag2, &exp_auth, now).await.unwrap();
    let mut files = Vec::new();
    walk(&bag, &bag, &mut files);
    for f in &files {
        let (x, y) = (std::fs::read(bag.join(f)).unwrap(), std::fs::read(bag2.join(f)).unwrap());
        if f.ends_with("清单.ses") || f.contains("manifest") || f == "bag-info.txt" {
            continue;
        }
        assert_eq!(x, y, "{f} differs between two exports");
    }
    let strip = |p: &std::path::Path| -> String {
        std::fs::read_to_string(p).unwrap().lines().filter(|l| !l.contains("清单.ses")).collect::<Vec<_>>().join("\n")
    };
    assert_eq!(strip(&bag.join("manifest-sm3.txt")), strip(&bag2.join("manifest-sm3.txt")));
    for f in &files {
        let flipped = work.path().join(format!("flip-{}", f.replace('/', "_")));
        copy_dir(&bag, &flipped);
        let mut b = std::fs::read(flipped.join(f)).unwrap();
        let at = b.len() / 2;
        b[at] ^= 0x01;
        std::fs::write(flipped.join(f), b).unwrap();
        let (v, checks) = verify_package(&flipped, &exp_auth);
        assert_eq!(v, Verdict::Rejected, "ours missed a flipped byte in {f}: {checks:#?}");
        assert!(!corpus::python_bagit(&flipped).0, "bagit missed a flipped byte in {f}");
    }

    // Retention: a 10-year transaction of 2010 is due; a hold stops its disposal.
    let (mut t, mats) = file(
        vec![
            mat("A001", Class::Application, "申请书.pdf", Sharing::None, corpus::pdf("2010")),
            mat(
                "A002",
                Class::Application,
                "身份证明.jpg",
                Sharing::Unconditional,
                corpus::image(image::ImageFormat::Jpeg, 0),
            ),
        ],
        "BJ2010-1",
        HOLDER,
    );
    let mut mats = mats;
    for m in &mut mats {
        m.meta.date = "2010-02-28".into();
    }
    t.accepted_at = "2010-03-01T09:00:00+08:00".into();
    t.completed_at = Some("2010-03-02T09:00:00+08:00".into());
    t.retention = Some(Retention::Years10);
    let old = a.ingest(&dept(MARKET), t, mats, auth.clone()).await.unwrap();
    assert_eq!(old.verdict, Verdict::Accepted, "{:#?}", old.checks);
    assert_eq!(old.dispose_after, yinxin_archive::service::date_ts("2021-01-01"));
    let due = a.disposal_list(now, 100).await.unwrap();
    assert_eq!(due.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(), vec![old.id.as_str()]);
    a.set_hold(&admin(), &old.id, Some("诉讼保全")).await.unwrap();
    assert!(a.disposal_list(now, 100).await.unwrap().is_empty());
    assert!(matches!(a.dispose(&admin(), &old.id, now).await, Err(Error::Conflict(m)) if m.contains("hold")));
    a.set_hold(&admin(), &old.id, None).await.unwrap();
    assert!(matches!(a.dispose(&admin(), &accepted[1].id, now).await, Err(Error::Conflict(_))), "not due");
    let deleted = a.dispose(&admin(), &old.id, now).await.unwrap();
    let form = yinxin_gm::sm3::sm3(&corpus::pdf("2010")).to_hex();
    assert_eq!(deleted, vec![form.clone()], "its own form goes; the shared ID scan stays");
    assert!(!s.dir.path().join("documents").join(&form[..2]).join(&form).exists());
    assert!(s.dir.path().join("documents").join(&scan[..2]).join(&scan).exists());
    assert!(a.events(&old.id).await.unwrap().iter().any(|e| e.entry.action == "archive.deletion"), "a tombstone");

    // The patrol: clean, then one corrupted blob is found; the chain verifies throughout.
    let r = a.patrol(&admin(), &|_| {}).await.unwrap();
    assert!(r.problems.is_empty() && r.chain_ok, "{:?}", r.problems);
    assert_eq!(r.blobs as usize, blob_rows(&s).await.len());
    let victim = s.dir.path().join("documents").join(&scan[..2]).join(&scan);
    let mut b = std::fs::read(&victim).unwrap();
    b[10] ^= 0xff;
    std::fs::write(&victim, b).unwrap();
    let r = a.patrol(&admin(), &|_| {}).await.unwrap();
    assert_eq!(r.problems.len(), 1, "{:?}", r.problems);
    assert!(r.problems[0].contains(&scan) && r.problems[0].contains("corrupt"));
    assert!(r.chain_ok);
    s.finish().await;
}

async fn blob_rows(s: &Server) -> Vec<(String, i64)> {
    use sqlx::Row;
    sqlx::query("SELECT sm3, refs FROM archive_blobs")
        .fetch_all(s.app.db.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get("sm3"), r.get("refs")))
        .collect()
}

async fn offered_id(a: &Archive, code: &str) -> String {
    a.reusable(HOLDER, Some(code), yinxin_store::now_ts()).await.unwrap()[0].material.id.clone()
}

fn walk(root: &std::path::Path, dir: &std::path::Path, out: &mut Vec<String>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(root, &p, out);
        } else {
            out.push(p.strip_prefix(root).unwrap().to_string_lossy().into_owned());
        }
    }
    out.sort();
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    let mut files = Vec::new();
    walk(from, from, &mut files);
    for f in files {
        let d = to.join(&f);
        std::fs::create_dir_all(d.parent().unwrap()).unwrap();
        std::fs::copy(from.join(&f), d).unwrap();
    }
}

fn b64(b: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(b)
}

fn body(no: &str, holder: &str, mats: &[(&str, &str, Vec<u8>)]) -> Value {
    let bytes: usize = mats.iter().map(|m| m.2.len()).sum();
    json!({
        "transaction": {
            "txn_no": no, "item_code": ITEM, "item_name": "营业执照设立登记", "region_code": "530100",
            "applicant": {"name": "云南某某科技有限公司", "kind": "organisation", "id_type": "统一社会信用代码", "id_number": holder},
            "accepted_at": "2026-11-02T09:30:00+08:00", "completed_at": "2026-11-05T16:00:00+08:00",
            "result": "准予", "licence_no": "L-1", "declared_count": mats.len(), "declared_bytes": bytes
        },
        "materials": mats.iter().map(|(code, name, c)| json!({
            "metadata": {"title": name, "responsible": "申请人", "date": "2026-11-01", "code": code,
                         "class": "application", "file_name": name, "source": "upload", "sharing": "unconditional"},
            "content": b64(c)
        })).collect::<Vec<_>>()
    })
}

async fn http_scenario(s: &Server) {
    let (admin, market, transport, holder, officer) =
        (s.token("admin"), s.market(), s.transport(), s.token("holder"), s.token("officer"));
    let item_json = serde_json::to_value(item()).unwrap();
    let path = format!("/v1/archive/items/{ITEM}");
    s.call(Method::PUT, &path, Some(&market), Some(item_json.clone()), &[]).await.problem(403, "forbidden");
    s.call(Method::PUT, &path, Some(&admin), Some(item_json.clone()), &[]).await.ok(200);
    assert_eq!(s.get(&path, Some(&market)).await.ok(200)["version"], "2026.1");
    s.get(&path, Some(&holder)).await.problem(403, "forbidden");
    s.get("/v1/archive/items/none", Some(&market)).await.problem(404, "not_found");

    // Ingest; the same again replays; other content under the same number conflicts.
    let mats = vec![
        ("A001", "申请书.pdf", corpus::pdf("http")),
        ("A002", "身份证明.png", corpus::image(image::ImageFormat::Png, 42)),
    ];
    let b = body("HTTP-1", HOLDER, &mats);
    let first = s.post("/v1/archive/transactions", &market, b.clone()).await.ok(201);
    assert_eq!(first["verdict"], "accepted_with_warnings", "no clamd configured: SEC-01 not run: {first}");
    let sec01 =
        &first["materials"][0]["checks"].as_array().unwrap().iter().find(|c| c["id"] == "SEC-01").unwrap()["outcome"];
    assert_eq!(sec01["state"], "not_run");
    let id = first["id"].as_str().unwrap().to_string();
    let again = s.post("/v1/archive/transactions", &market, b.clone()).await.ok(200);
    assert_eq!(again["id"], id.as_str());
    assert_eq!(again["replayed"], true);
    let other = body("HTTP-1", HOLDER, &mats[..1]);
    s.post("/v1/archive/transactions", &market, other).await.problem(409, "archive.conflict");
    // Refusals: roles, malformed bodies; nothing stored.
    s.post("/v1/archive/transactions", &holder, b.clone()).await.problem(403, "forbidden");
    s.post("/v1/archive/transactions", &officer, b.clone()).await.problem(403, "forbidden");
    let mut bad = b.clone();
    bad["materials"][0]["content"] = json!("%%%not base64");
    bad["transaction"]["txn_no"] = json!("HTTP-2");
    s.post("/v1/archive/transactions", &market, bad).await.problem(422, "archive.invalid");
    let mut bad = b.clone();
    bad["transaction"]["txn_no"] = json!("../../etc");
    s.post("/v1/archive/transactions", &market, bad).await.problem(422, "archive.invalid");
    let mut bad = b.clone();
    bad["transaction"]["surprise"] = json!(1);
    s.post("/v1/archive/transactions", &market, bad).await.problem(422, "invalid_json");
    s.upload("/v1/archive/transactions", &market, b"x".to_vec(), "application/pdf")
        .await
        .problem(415, "unsupported_media_type");
    let listed = s.get("/v1/archive/transactions", Some(&market)).await.ok(200);
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);

    // Reads: the owner and an admin; another department sees nothing.
    let t = s.get(&format!("/v1/archive/transactions/{id}"), Some(&market)).await.ok(200);
    assert_eq!(t["materials"].as_array().unwrap().len(), 2);
    s.get(&format!("/v1/archive/transactions/{id}"), Some(&transport)).await.problem(404, "not_found");
    s.get(&format!("/v1/archive/transactions/{id}"), Some(&admin)).await.ok(200);
    assert!(s.get("/v1/archive/transactions", Some(&transport)).await.ok(200)["items"].as_array().unwrap().is_empty());
    let ev = s.get(&format!("/v1/archive/transactions/{id}/events"), Some(&market)).await.ok(200);
    assert!(ev["items"].as_array().unwrap().len() > 10);

    // The package, as a zip: unpack it and verify it end to end.
    let pkg = s.get(&format!("/v1/archive/transactions/{id}/package"), Some(&market)).await;
    assert_eq!(pkg.status, 200);
    assert_eq!(pkg.headers["content-type"], "application/zip");
    let dir = tempfile::tempdir().unwrap();
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(pkg.bytes.clone())).unwrap();
    z.extract(dir.path()).unwrap();
    let bag = dir.path().join(&id);
    let auth = ServiceAuthority::new(&s.app, None).await.unwrap();
    let (v, checks) = verify_package(&bag, &auth);
    assert_ne!(v, Verdict::Rejected, "{checks:#?}");
    assert!(corpus::python_bagit(&bag).0);
    s.get(&format!("/v1/archive/transactions/{id}/package"), Some(&transport)).await.problem(404, "not_found");

    // Reuse: the holder sees their own; a department only with consent, and the query is logged.
    let mine = s.get("/v1/archive/reusable", Some(&holder)).await.ok(200);
    // A holder's holder_code is ignored, but an empty one is still refused (schemathesis).
    s.get("/v1/archive/reusable?holder_code=", Some(&holder)).await.problem(400, "bad_query");
    assert_eq!(mine["items"].as_array().unwrap().len(), 2);
    let seen = s.get(&format!("/v1/archive/reusable?holder_code={HOLDER}"), Some(&transport)).await.ok(200);
    assert!(seen["items"].as_array().unwrap().is_empty(), "no consent, nothing served");
    s.get("/v1/archive/reusable", Some(&transport)).await.problem(422, "archive.invalid");
    let mut ys = body("YS-1", HOLDER, &[("A001", "申请书.pdf", corpus::pdf("ys"))]);
    ys["transaction"]["item_code"] = json!("530100-YS-009");
    let into = s.post("/v1/archive/transactions", &transport, ys).await.ok(201);
    let into = into["id"].as_str().unwrap();
    let scan = t["materials"][1]["id"].as_str().unwrap();
    let reuse = format!("/v1/archive/transactions/{into}/reuse");
    s.post(&reuse, &transport, json!({"material_id": scan})).await.problem(403, "forbidden");
    s.post(
        "/v1/holder/consents",
        &holder,
        json!({"department_code": TRANSPORT, "type_code": "A002", "use_cause": "复用身份证明", "until": "2099-12-31"}),
    )
    .await
    .ok(201);
    s.post(
        "/v1/holder/consents",
        &holder,
        json!({"department_code": TRANSPORT, "type_code": "Z999", "use_cause": "x", "until": "2099-12-31"}),
    )
    .await
    .problem(422, "consent.invalid");
    let seen =
        s.get(&format!("/v1/archive/reusable?holder_code={HOLDER}&material_code=A002"), Some(&transport)).await.ok(200);
    assert_eq!(seen["items"].as_array().unwrap().len(), 1);
    let r = s.post(&reuse, &transport, json!({"material_id": scan})).await.ok(201);
    assert_eq!(r["reused_from"], scan);
    s.post(&reuse, &market, json!({"material_id": scan})).await.problem(404, "not_found");
    let usage = s.get("/v1/holder/usage?limit=500", Some(&holder)).await.ok(200);
    let actions: Vec<&str> = usage["items"].as_array().unwrap().iter().filter_map(|e| e["action"].as_str()).collect();
    assert!(actions.contains(&"archive.reuse query") && actions.contains(&"archive.reuse"), "{actions:?}");

    // Hold, disposal list, dispose, patrol: admin only.
    let hold = format!("/v1/archive/transactions/{id}/hold");
    s.call(Method::PUT, &hold, Some(&market), Some(json!({"reason": "x"})), &[]).await.problem(403, "forbidden");
    assert_eq!(
        s.call(Method::PUT, &hold, Some(&admin), Some(json!({"reason": "审计"})), &[]).await.ok(200)["legal_hold"],
        "审计"
    );
    s.call(Method::PUT, &hold, Some(&admin), Some(json!({"reason": " "})), &[]).await.problem(422, "archive.invalid");
    s.post(&format!("/v1/archive/transactions/{id}/dispose"), &admin, json!({})).await.problem(409, "archive.conflict");
    assert!(s.call(Method::DELETE, &hold, Some(&admin), None, &[]).await.ok(200)["legal_hold"].is_null());
    s.post(&format!("/v1/archive/transactions/{id}/dispose"), &admin, json!({})).await.problem(409, "archive.conflict");
    assert!(s.get("/v1/archive/disposal", Some(&admin)).await.ok(200)["items"].as_array().unwrap().is_empty());
    s.get("/v1/archive/disposal", Some(&market)).await.problem(403, "forbidden");
    s.post("/v1/archive/patrol", &market, json!({})).await.problem(403, "forbidden");
    let p = s.post("/v1/archive/patrol", &admin, json!({})).await.ok(200);
    assert_eq!(p["problems"], json!([]));
    assert_eq!(p["chain_ok"], true);
    s.get("/v1/archive/transactions/nope", Some(&admin)).await.problem(404, "not_found");
    assert_eq!(s.get("/v1/audit/verify", Some(&admin)).await.ok(200)["ok"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn archive_over_http_on_sqlite() {
    let s = start(false).await;
    http_scenario(&s).await;
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn archive_over_http_on_postgres() {
    let s = start(true).await;
    http_scenario(&s).await;
    s.finish().await;
}
