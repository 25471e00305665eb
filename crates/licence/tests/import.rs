//! 存量证照 conversion: every row gets an outcome, an interrupted run resumes without issuing any
//! licence twice, and a row whose files were written but whose journal entry was lost is
//! recognised rather than signed again.

use std::collections::BTreeMap;
use std::path::PathBuf;
use yinxin_gm::{Sm2PrivateKey, UserId, default_provider};
use yinxin_licence::catalogue::Catalogue;
use yinxin_licence::codes::uscc_check_char;
use yinxin_licence::import::{Import, JOURNAL, Mapping, Status, read_rows};
use yinxin_licence::issue::Sealing;
use yinxin_pki::report::Indication;
use yinxin_pki::tsp::TimeStampAuthority;
use yinxin_pki::{Cert, TrustStore};
use yinxin_seal::Seal;
use yinxin_seal::verify::VerifyOptions;

fn kd(f: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../keys-dev").join(f)
}
fn cert(stem: &str) -> Cert {
    Cert::from_pem_or_der(&std::fs::read(kd(&format!("{stem}.cert.pem"))).unwrap()).unwrap()
}
fn key(stem: &str) -> Sm2PrivateKey {
    Sm2PrivateKey::from_pem(&std::fs::read_to_string(kd(&format!("{stem}.key.pem"))).unwrap(), None).unwrap()
}

fn uscc(i: usize) -> String {
    let first = format!("91530100MA6K0X1{i:02}");
    format!("{first}{}", uscc_check_char(&first).unwrap())
}

const HEADER: [&str; 10] = ["TYSHXYDM", "QYMC", "LX", "FDDBR", "JYFW", "CLRQ", "ZS", "DJJG", "FZRQ", "BZ"];

fn row(i: usize) -> Vec<String> {
    [
        uscc(i),
        format!("云南第{i}科技有限公司"),
        "有限责任公司".into(),
        "张三".into(),
        "软件开发；信息技术咨询服务。".into(),
        "2019-05-20".into(),
        format!("云南省昆明市五华区某某路{i}号"),
        "昆明市五华区市场监督管理局".into(),
        "2019-05-20".into(),
        "存量".into(),
    ]
    .to_vec()
}

#[test]
fn bulk_conversion_reports_every_row_and_resumes() {
    let d = tempfile::tempdir().unwrap();
    let export = d.path().join("export.csv");
    let mut w = csv::Writer::from_path(&export).unwrap();
    w.write_record(HEADER).unwrap();
    for i in 0..8 {
        w.write_record(row(i)).unwrap();
    }
    let mut bad_check = row(8);
    bad_check[0].pop();
    bad_check[0].push(if uscc(8).ends_with('0') { '1' } else { '0' });
    w.write_record(&bad_check).unwrap();
    let mut no_name = row(9);
    no_name[1] = String::new();
    w.write_record(&no_name).unwrap();
    w.write_record(row(0)).unwrap(); // a duplicate of the first row
    let mut bad_date = row(10);
    bad_date[8] = "2019年5月20日".into();
    w.write_record(&bad_date).unwrap();
    w.flush().unwrap();
    drop(w);

    let cat = Catalogue::built_in().unwrap();
    let mapping_path = d.path().join("mapping.json");
    std::fs::write(
        &mapping_path,
        r#"{"type": "营业执照",
            "columns": {"uscc": "TYSHXYDM", "name": "QYMC", "entity_type": "LX", "legal_representative": "FDDBR",
                        "business_scope": "JYFW", "established": "CLRQ", "address": "ZS",
                        "registration_authority": "DJJG"},
            "constants": {"term": "长期"},
            "issued_column": "FZRQ"}"#,
    )
    .unwrap();
    let mapping = Mapping::load(&mapping_path, &cat).unwrap();
    let out = d.path().join("out");
    let imp = Import {
        ltype: mapping.licence_type(&cat).unwrap(),
        mapping: &mapping,
        issuer: "昆明市五华区市场监督管理局".into(),
        issuer_code: "11530100MB0123456A".into(),
        verify_url: "https://127.0.0.1/v".into(),
        out: out.clone(),
    };
    let p = default_provider();
    let seal = Seal::parse(&std::fs::read(kd("seals/dept-market.esl")).unwrap()).unwrap();
    let c = cert("dept-market");
    let chain = [cert("issuing-ca")];
    let signer = p.sm2_signer(&key("dept-market"), UserId::DEFAULT).unwrap();
    let tsa = TimeStampAuthority::new(
        cert("tsa"),
        chain.to_vec(),
        p.sm2_signer(&key("tsa"), UserId::DEFAULT).unwrap(),
        yinxin_pki::oid::YINXIN_TSA_POLICY,
    )
    .unwrap();
    let sealing = Sealing { seal: &seal, cert: &c, chain: &chain, signer: signer.as_ref(), tsa: Some(&tsa) };
    let rows = read_rows(&export).unwrap();
    assert_eq!(rows.len(), 12);

    // Interrupted after five rows.
    let s1 = imp.run(&rows[..5], &sealing, |_, _| {}).unwrap();
    assert_eq!((s1.issued, s1.already_done), (5, 0));
    // Resumed over the whole export.
    let mut seen = 0;
    let s2 = imp.run(&rows, &sealing, |_, _| seen += 1).unwrap();
    assert_eq!(seen, 12, "progress is reported for every row");
    assert_eq!((s2.already_done, s2.issued, s2.rejected, s2.duplicate, s2.recovered), (5, 3, 3, 1, 0), "{s2:?}");

    let journal = imp.journal().unwrap();
    assert_eq!(journal.len(), 12);
    let by_line: BTreeMap<usize, _> = journal.iter().map(|o| (o.line, o)).collect();
    assert_eq!(by_line.len(), 12, "one outcome per row");
    let bad = by_line[&10];
    assert_eq!(bad.status, Status::Rejected);
    assert!(bad.reasons.iter().any(|r| r.contains("check")), "{:?}", bad.reasons);
    assert!(by_line[&11].reasons.iter().any(|r| r.contains("name")), "{:?}", by_line[&11].reasons);
    assert_eq!(by_line[&12].status, Status::Duplicate);
    assert!(by_line[&12].reasons[0].contains("line 2"));
    assert!(by_line[&13].reasons[0].contains("not YYYY-MM-DD"), "{:?}", by_line[&13].reasons);
    let ids: Vec<&String> = journal.iter().filter_map(|o| o.identifier.as_ref()).collect();
    let unique: std::collections::BTreeSet<_> = ids.iter().collect();
    assert_eq!((ids.len(), unique.len()), (8, 8));
    let ofds = std::fs::read_dir(&out).unwrap().filter(|e| e.as_ref().unwrap().path().extension().unwrap() == "ofd");
    assert_eq!(ofds.count(), 8, "no licence issued twice");

    // Every licence verifies and keeps its original issue date.
    let trust = TrustStore::new(vec![cert("root-ca")]);
    let mut opts = VerifyOptions::new(&trust);
    opts.intermediates = &chain;
    for id in &ids {
        let ofd = std::fs::read(out.join(format!("{id}.ofd"))).unwrap();
        assert_eq!(yinxin_doc::ofd::verify_ofd(&ofd, &opts).indication, Indication::Passed);
        let m: yinxin_licence::issue::Metadata =
            serde_json::from_str(&std::fs::read_to_string(out.join(format!("{id}.json"))).unwrap()).unwrap();
        assert_eq!(m.issued, "2019-05-20");
    }

    // A crash after a licence's files were written but before its journal line: the line is
    // lost and the next one torn. The rerun recognises the licence instead of signing it again.
    let text = std::fs::read_to_string(out.join(JOURNAL)).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let issued_line = lines.iter().rposition(|l| l.contains("\"issued\"")).unwrap();
    let lost: yinxin_licence::import::Outcome = serde_json::from_str(lines[issued_line]).unwrap();
    let kept: Vec<&str> = lines.iter().enumerate().filter(|(i, _)| *i != issued_line).map(|(_, l)| *l).collect();
    let torn = format!("{}\n{{\"line\": 99, \"key\": \"ab", kept.join("\n"));
    std::fs::write(out.join(JOURNAL), torn).unwrap();
    let lost_id = lost.identifier.clone().unwrap();
    let before = std::fs::read(out.join(format!("{lost_id}.ofd"))).unwrap();
    let s3 = imp.run(&rows, &sealing, |_, _| {}).unwrap();
    assert_eq!((s3.recovered, s3.issued, s3.already_done), (1, 0, 11), "{s3:?}");
    assert_eq!(std::fs::read(out.join(format!("{lost_id}.ofd"))).unwrap(), before, "not signed again");
    let journal = imp.journal().unwrap();
    assert_eq!(journal.len(), 12);
    assert!(journal.iter().any(|o| o.identifier.as_deref() == Some(lost_id.as_str())));
    assert!(std::fs::read_to_string(out.join(JOURNAL)).unwrap().ends_with('\n'));
}

#[test]
fn jsonl_exports_and_bad_mappings() {
    let d = tempfile::tempdir().unwrap();
    let export = d.path().join("export.jsonl");
    std::fs::write(&export, "{\"a\": \"x\", \"n\": 12, \"z\": null}\n\n{\"a\": \"y\"}\n").unwrap();
    let rows = read_rows(&export).unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!((rows[0].values["n"].as_str(), rows[0].values["z"].as_str(), rows[1].line), ("12", "", 3));
    std::fs::write(d.path().join("x.txt"), "").unwrap();
    assert!(read_rows(&d.path().join("x.txt")).unwrap_err().to_string().contains(".csv or .jsonl"));

    let cat = Catalogue::built_in().unwrap();
    let m = d.path().join("m.json");
    std::fs::write(&m, r#"{"type": "营业执照", "columns": {"no_such_field": "X"}}"#).unwrap();
    assert!(Mapping::load(&m, &cat).unwrap_err().to_string().contains("no_such_field"));
    std::fs::write(&m, r#"{"type": "驾驶证", "columns": {}}"#).unwrap();
    assert!(Mapping::load(&m, &cat).unwrap_err().to_string().contains("not in the catalogue"));
}

#[test]
fn two_rows_with_one_licence_number_do_not_share_an_identifier() {
    let d = tempfile::tempdir().unwrap();
    let base: serde_json::Map<String, serde_json::Value> = serde_json::from_str(
        &std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/食品经营许可证.json"))
            .unwrap(),
    )
    .unwrap();
    let mut other = base.clone();
    other.insert("operator".into(), "另一家餐饮有限公司".into());
    let export = d.path().join("food.jsonl");
    std::fs::write(
        &export,
        format!("{}\n{}\n", serde_json::Value::Object(base.clone()), serde_json::Value::Object(other)),
    )
    .unwrap();
    let cat = Catalogue::built_in().unwrap();
    let columns: BTreeMap<&String, &String> = base.keys().map(|k| (k, k)).collect();
    let mapping_path = d.path().join("m.json");
    std::fs::write(&mapping_path, serde_json::json!({"type": "食品经营许可证", "columns": columns}).to_string())
        .unwrap();
    let mapping = Mapping::load(&mapping_path, &cat).unwrap();
    let imp = Import {
        ltype: mapping.licence_type(&cat).unwrap(),
        mapping: &mapping,
        issuer: "盘龙区市场监督管理局".into(),
        issuer_code: "11530100MB0123456A".into(),
        verify_url: "https://127.0.0.1/v".into(),
        out: d.path().join("out"),
    };
    let p = default_provider();
    let seal = Seal::parse(&std::fs::read(kd("seals/dept-market.esl")).unwrap()).unwrap();
    let c = cert("dept-market");
    let signer = p.sm2_signer(&key("dept-market"), UserId::DEFAULT).unwrap();
    let sealing = Sealing { seal: &seal, cert: &c, chain: &[], signer: signer.as_ref(), tsa: None };
    let s = imp.run(&read_rows(&export).unwrap(), &sealing, |_, _| {}).unwrap();
    assert_eq!((s.issued, s.rejected, s.recovered), (1, 1, 0), "{s:?}");
    let j = imp.journal().unwrap();
    assert_eq!(j[0].status, Status::Issued);
    assert!(j[1].reasons[0].contains("already taken"), "{:?}", j[1]);
    // The identifier comes from the licence number, as issue() makes it.
    assert!(j[0].identifier.as_ref().unwrap().contains(".JY15301020012345."));
}
