//! `yinxin serve` as a process: killed with SIGKILL in the middle of a stream of issuance
//! requests, restarted, retried with the same idempotency keys — every licence issued exactly
//! once, documents and rows agree, the audit chain verifies; and SIGTERM drains and exits 0.

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

type Proc = yinxin_tests::Served;

fn start(data: &Path) -> Proc {
    let zero = std::ffi::OsStr::new("0");
    yinxin_tests::serve(Path::new(env!("CARGO_BIN_EXE_yinxin")), data, &[], &[("YINXIN_GC_GRACE_SECONDS", zero)])
}

fn creds(data: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(data.join("dev-credentials.json")).unwrap()).unwrap()
}

fn uscc(i: u32) -> String {
    let first17 = format!("91530100{:09}", 700_000_000 + i);
    format!("{first17}{}", yinxin_licence::codes::uscc_check_char(&first17).unwrap())
}

fn request(i: u32) -> Value {
    let mut f: Value =
        serde_json::from_slice(&std::fs::read(workspace().join("examples/营业执照.json")).unwrap()).unwrap();
    f["uscc"] = json!(uscc(i));
    json!({"type_code": "营业执照", "fields": f})
}

fn issue(http: &reqwest::blocking::Client, base: &str, token: &str, i: u32) -> Option<String> {
    let r = http
        .post(format!("{base}/v1/licences"))
        .bearer_auth(token)
        .header("Idempotency-Key", format!("crash-{i}"))
        .json(&request(i))
        .send()
        .ok()?;
    if r.status().as_u16() != 201 {
        return None;
    }
    r.json::<Value>().ok()?["identifier"].as_str().map(str::to_string)
}

fn count_files(p: &Path) -> usize {
    let mut n = 0;
    for e in std::fs::read_dir(p).into_iter().flatten().flatten() {
        if e.path().is_dir() {
            if e.file_name() != "tmp" {
                n += count_files(&e.path());
            }
        } else {
            n += 1;
        }
    }
    n
}

#[test]
fn killed_mid_stream_then_retried_issues_each_licence_once() {
    const N: u32 = 40;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut p = start(&data);
    let token = creds(&data)["department:11530100MB0123456A"]["token"].as_str().unwrap().to_string();
    let http = reqwest::blocking::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();

    // Two clients stream issuances; the server is killed once some have landed.
    let answered = std::sync::Arc::new(std::sync::Mutex::new(std::collections::BTreeMap::new()));
    let workers: Vec<_> = (0..2)
        .map(|w| {
            let (base, token, answered) = (p.base.clone(), token.clone(), answered.clone());
            std::thread::spawn(move || {
                let http = reqwest::blocking::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
                for i in (w..N).step_by(2) {
                    match issue(&http, &base, &token, i) {
                        Some(id) => {
                            answered.lock().unwrap().insert(i, id);
                        }
                        None => return,
                    }
                }
            })
        })
        .collect();
    let t0 = Instant::now();
    while answered.lock().unwrap().len() < 6 && t0.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(20));
    }
    p.child.kill().unwrap(); // SIGKILL
    p.child.wait().unwrap();
    for w in workers {
        w.join().unwrap();
    }
    let before = answered.lock().unwrap().clone();
    assert!(before.len() >= 6 && (before.len() as u32) < N, "killed mid-stream: {} answered", before.len());

    // Restart and retry everything with the same keys.
    let mut p = start(&data);
    let mut ids = std::collections::BTreeMap::new();
    for i in 0..N {
        let id = issue(&http, &p.base, &token, i).unwrap_or_else(|| panic!("request {i} after the restart"));
        if let Some(first) = before.get(&i) {
            assert_eq!(first, &id, "request {i} answered before the kill must be the same licence after");
        }
        ids.insert(i, id);
    }
    let distinct: std::collections::BTreeSet<&String> = ids.values().collect();
    assert_eq!(distinct.len(), N as usize, "every request is its own licence");

    // Exactly N licences; each row's documents are in the store, and nothing else is.
    let list: Value =
        http.get(format!("{}/v1/licences?limit=500", p.base)).bearer_auth(&token).send().unwrap().json().unwrap();
    let rows = list["items"].as_array().unwrap();
    assert_eq!(rows.len(), N as usize, "each licence issued exactly once");
    let mut digests = std::collections::BTreeSet::new();
    for r in rows {
        assert!(distinct.contains(&r["identifier"].as_str().unwrap().to_string()));
        for k in ["ofd_sm3", "pdf_sm3"] {
            let d = r[k].as_str().unwrap();
            assert!(data.join("documents").join(&d[..2]).join(d).is_file(), "{d} is missing");
            digests.insert(d.to_string());
        }
    }
    assert_eq!(count_files(&data.join("documents")), digests.len(), "no document without its row");

    // The audit chain verifies.
    let admin = creds(&data)["admin"]["token"].as_str().unwrap().to_string();
    let check: Value =
        http.get(format!("{}/v1/audit/verify", p.base)).bearer_auth(&admin).send().unwrap().json().unwrap();
    assert_eq!(check["ok"], true, "{check}");
    let issues =
        http.get(format!("{}/v1/audit?limit=500", p.base)).bearer_auth(&admin).send().unwrap().json::<Value>().unwrap()
            ["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "licence.issue")
            .count();
    assert_eq!(issues, N as usize, "one audit entry per licence");

    // SIGTERM: the node drains and exits cleanly.
    unsafe_free_sigterm(p.child.id());
    let t0 = Instant::now();
    let status = loop {
        if let Some(s) = p.child.try_wait().unwrap() {
            break s;
        }
        assert!(t0.elapsed() < Duration::from_secs(40), "did not stop after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
}

fn unsafe_free_sigterm(pid: u32) {
    let ok = Command::new("kill").args(["-TERM", &pid.to_string()]).status().unwrap().success();
    assert!(ok);
}
