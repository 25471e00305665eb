//! `yinxin archive` end to end: the demonstration package; ingest of transaction directories;
//! SIGKILL in the middle of a long ingest, then a restart: no partial transaction, no dangling
//! reference, the event chain verifies, every transaction filed exactly once; reuse and the patrol.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use yinxin_tests::corpus;

const MARKET: &str = "11530100MB0123456A";

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_yinxin"));
    c.env("RUST_LOG", "warn").env_remove("YINXIN_DATA_DIR").env_remove("YINXIN_DATABASE_URL");
    c
}

fn keys_dev() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../keys-dev")
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().unwrap()
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr)
}

/// Transaction directories: each with its own application form (PDF), its holder's ID scan
/// (JPEG, the same bytes for every transaction of that holder) and a process record (XML).
fn transactions(root: &Path, n: usize) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    for i in 0..n {
        let d = root.join(format!("t{i:04}"));
        std::fs::create_dir_all(&d).unwrap();
        let files: [(&str, &str, &str, Vec<u8>); 3] = [
            ("A001", "application", "申请书.pdf", corpus::pdf(&format!("申请书 {i}"))),
            ("A002", "application", "身份证明.jpg", corpus::image(image::ImageFormat::Jpeg, (i % 7) as u8)),
            ("P001", "process", "审核记录.xml", format!("<?xml version=\"1.0\"?><审核 n=\"{i}\"/>").into_bytes()),
        ];
        let mut mats = Vec::new();
        for (code, class, name, bytes) in &files {
            std::fs::write(d.join(name), bytes).unwrap();
            mats.push(json!({"metadata": {"title": name, "responsible": "申请人", "date": "2026-11-01", "code": code,
                "class": class, "file_name": name, "source": "upload", "sharing": "unconditional"}, "file": name}));
        }
        let holder = format!("91530100MA6K0X{:04}", i % 7);
        let t = json!({"transaction": {"txn_no": format!("CRASH-{i:04}"), "item_code": "530100-XK-001",
            "item_name": "营业执照设立登记", "region_code": "530100",
            "applicant": {"name": "某公司", "kind": "organisation", "id_type": "统一社会信用代码", "id_number": holder},
            "accepted_at": "2026-11-02T09:30:00+08:00", "completed_at": "2026-11-05T16:00:00+08:00",
            "result": "准予", "declared_count": 3, "declared_bytes": files.iter().map(|f| f.3.len()).sum::<usize>()},
            "materials": mats});
        std::fs::write(d.join("办件.json"), serde_json::to_vec_pretty(&t).unwrap()).unwrap();
        dirs.push(d);
    }
    dirs
}

/// Rows of the archive as SQLite holds them (through Python's sqlite3, independent of our code).
fn sql(db: &Path, query: &str) -> Value {
    let o = Command::new("python3")
        .args([
            "-c",
            "import sqlite3,sys,json;c=sqlite3.connect(sys.argv[1]);print(json.dumps(c.execute(sys.argv[2]).fetchall()))",
        ])
        .arg(db)
        .arg(query)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn consistent(data: &Path, n_dirs: usize) -> usize {
    let db = data.join("yinxin.db");
    // No partial transaction: every filed transaction holds all three materials.
    let partial = sql(
        &db,
        "SELECT t.id, COUNT(m.id) FROM archive_transactions t LEFT JOIN archive_materials m ON m.txn_id = t.id \
         GROUP BY t.id HAVING COUNT(m.id) <> 3",
    );
    assert_eq!(partial, json!([]), "partial transactions");
    // No dangling reference: every referenced blob is on disk, and counts match the rows.
    for row in sql(&db, "SELECT sm3 FROM archive_blobs").as_array().unwrap() {
        let d = row[0].as_str().unwrap();
        assert!(data.join("documents").join(&d[..2]).join(d).exists(), "blob {d} is referenced but missing");
    }
    let drift = sql(
        &db,
        "SELECT b.sm3 FROM archive_blobs b WHERE b.refs <> (SELECT COUNT(*) FROM archive_materials m WHERE m.sm3 = b.sm3)",
    );
    assert_eq!(drift, json!([]));
    let filed = sql(&db, "SELECT COUNT(*) FROM archive_transactions")[0][0].as_u64().unwrap() as usize;
    assert!(filed <= n_dirs);
    filed
}

#[test]
fn a_killed_ingest_leaves_no_partial_transaction_and_a_restart_files_each_exactly_once() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let dirs = transactions(&tmp.path().join("in"), 150);
    let key_dir = keys_dev();
    let mut args: Vec<String> =
        ["archive", "ingest", "--json", "--department", MARKET, "--data-dir"].iter().map(|s| s.to_string()).collect();
    args.push(data.display().to_string());
    args.push("--key-dir".into());
    args.push(key_dir.display().to_string());
    args.extend(dirs.iter().map(|d| d.display().to_string()));

    // Start, let some transactions commit, then SIGKILL in the middle of the stream.
    let mut child = bin().args(&args).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = 0;
    while seen < 40 {
        match lines.next() {
            Some(Ok(_)) => seen += 1,
            _ => break,
        }
    }
    child.kill().unwrap(); // SIGKILL on Unix
    let status = child.wait().unwrap();
    assert!(!status.success(), "killed before the end ({seen} lines seen)");
    let before = consistent(&data, dirs.len());
    assert!(before >= 40 && before < dirs.len(), "killed mid-way: {before} of {} filed", dirs.len());

    // The patrol after the crash: no drift, the chain verifies.
    let p = run(&["archive", "patrol", "--json", "--data-dir", &data.display().to_string()]);
    assert!(p.status.success(), "{}", text(&p));
    let report: Value = serde_json::from_slice(&p.stdout).unwrap();
    assert_eq!(report["report"]["problems"], json!([]));
    assert_eq!(report["report"]["chain_ok"], true);

    // Restart with the same command: the filed ones replay, the rest are filed; once each.
    let o = bin().args(&args).output().unwrap();
    assert_eq!(o.status.code(), Some(3), "accepted with warnings (no clamd): {}", text(&o));
    let out: Vec<Value> =
        String::from_utf8_lossy(&o.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(out.len(), dirs.len());
    let replayed = out.iter().filter(|v| v["replayed"] == true).count();
    assert!(replayed >= before, "{replayed} replayed, {before} were filed before the crash");
    assert_eq!(consistent(&data, dirs.len()), dirs.len());
    let ids: std::collections::BTreeSet<&str> = out.iter().map(|v| v["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), dirs.len(), "one 电子文件号 per transaction");
    // Stored once: 150 forms, 7 scans, 150 records.
    let blobs = sql(&data.join("yinxin.db"), "SELECT COUNT(*), SUM(refs) FROM archive_blobs");
    assert_eq!(blobs, json!([[150 + 7 + 150, 450]]));
    let p = run(&["archive", "patrol", "--data-dir", &data.display().to_string()]);
    assert!(p.status.success(), "{}", text(&p));
    assert!(text(&p).contains("event chain verifies"), "{}", text(&p));

    // Reuse from the command line: the holder's reusable materials, and reuse needs consent.
    let holder = "91530100MA6K0X0003";
    let o = run(&["archive", "reuse", "--json", "--holder", holder, "--data-dir", &data.display().to_string()]);
    assert!(o.status.success(), "{}", text(&o));
    let list: Value = serde_json::from_slice(&o.stdout).unwrap();
    let codes: Vec<&str> =
        list.as_array().unwrap().iter().map(|r| r["material"]["material_code"].as_str().unwrap()).collect();
    assert_eq!(codes.iter().filter(|c| **c == "A002").count(), 1, "the repeated scan is offered once: {codes:?}");
    let first = out[3]["id"].as_str().unwrap();
    let scan = list.as_array().unwrap().iter().find(|r| r["material"]["material_code"] == "A002").unwrap();
    let o = run(&[
        "archive",
        "reuse",
        "--material",
        scan["material"]["id"].as_str().unwrap(),
        "--into",
        first,
        "--department",
        MARKET,
        "--data-dir",
        &data.display().to_string(),
    ]);
    assert_eq!(o.status.code(), Some(1), "no consent of the holder: {}", text(&o));
    assert!(text(&o).contains("consent"), "{}", text(&o));

    // Export one and verify it with the dev trust anchors.
    let pkg = tmp.path().join("pkg");
    let o = run(&[
        "archive",
        "export",
        first,
        "--out",
        &pkg.display().to_string(),
        "--data-dir",
        &data.display().to_string(),
    ]);
    assert_eq!(o.status.code(), Some(3), "exported; its ingest ran without a virus scanner: {}", text(&o));
    let (root, chain) = (key_dir.join("root-ca.cert.pem"), key_dir.join("chain.pem"));
    let v = |p: &Path| {
        run(&[
            "archive",
            "verify-package",
            &p.display().to_string(),
            "--trust",
            &root.display().to_string(),
            "--chain",
            &chain.display().to_string(),
        ])
    };
    assert_eq!(v(&pkg).status.code(), Some(0), "{}", text(&v(&pkg)));
    assert!(corpus::python_bagit(&pkg).0);
    let xml = pkg.join("data/过程文件/P001-003-审核记录.xml");
    let mut b = std::fs::read(&xml).unwrap();
    b[5] ^= 1;
    std::fs::write(&xml, b).unwrap();
    assert_eq!(v(&pkg).status.code(), Some(1));
}

#[test]
fn the_demonstration_builds_a_sealed_package_from_keys_dev() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("demo");
    let key_dir = keys_dev();
    let o = run(&[
        "archive",
        "export",
        "--demo",
        "--out",
        &out.display().to_string(),
        "--key-dir",
        &key_dir.display().to_string(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let t = text(&o);
    assert!(t.contains("AUT-02 pass") && t.contains("sig.time_stamp PASSED"), "{t}");
    for f in ["data/元数据.xml", "data/premis.xml", "data/检测报告.xml", "data/证据/清单.ses", "manifest-sm3.txt"]
    {
        assert!(out.join(f).is_file(), "{f}");
    }
    let mut files = Vec::new();
    for folder in ["申报文件", "结果文件"] {
        for e in std::fs::read_dir(out.join("data").join(folder)).unwrap() {
            files.push(e.unwrap().file_name().to_string_lossy().into_owned());
        }
    }
    files.sort();
    assert_eq!(files, ["A001-001-设立登记申请书.pdf", "A002-002-身份证明.jpg", "R001-003-营业执照.pdf"]);
    assert!(corpus::python_bagit(&out).0);
    assert_eq!(
        run(&["archive", "export", "--demo", "--out", &out.display().to_string()]).status.code(),
        Some(2),
        "--out exists"
    );
}
