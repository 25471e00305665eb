//! `yinxin log monitor` against a running `yinxin serve`: it verifies the checkpoint with the
//! log key given to it and every tile against the root, lists a department's entries (issued,
//! revoked) from `--since` on, nothing for another department, and refuses a wrong log key.

use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::Command;

const MARKET: &str = "11530100MB0123456A";

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn request(i: u32) -> Value {
    let first17 = format!("91530100{:09}", 710_000_000 + i);
    let uscc = format!("{first17}{}", yinxin_licence::codes::uscc_check_char(&first17).unwrap());
    let mut f: Value =
        serde_json::from_slice(&std::fs::read(workspace().join("examples/营业执照.json")).unwrap()).unwrap();
    f["uscc"] = json!(uscc);
    json!({"type_code": "营业执照", "fields": f})
}

fn monitor(base: &str, vkey: &str, extra: &[&str]) -> (i32, Vec<Value>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_yinxin"))
        .args(["log", "monitor", "--url", base, "--vkey", vkey, "--json"])
        .args(extra)
        .output()
        .unwrap();
    let lines = String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    (out.status.code().unwrap(), lines, String::from_utf8_lossy(&out.stderr).into_owned())
}

/// Three licences issued by the market department (numbered from `first`): the client, the
/// department's token, their identifiers.
fn issue_three(base: &str, data: &std::path::Path, first: u32) -> (reqwest::blocking::Client, String, Vec<String>) {
    let creds: Value = serde_json::from_slice(&std::fs::read(data.join("dev-credentials.json")).unwrap()).unwrap();
    let token = creds[format!("department:{MARKET}")]["token"].as_str().unwrap().to_string();
    let http = reqwest::blocking::Client::new();
    let ids = (first..first + 3)
        .map(|i| {
            let r = http.post(format!("{base}/v1/licences")).bearer_auth(&token).json(&request(i)).send().unwrap();
            assert_eq!(r.status().as_u16(), 201);
            r.json::<Value>().unwrap()["identifier"].as_str().unwrap().to_string()
        })
        .collect();
    (http, token, ids)
}

#[test]
fn the_monitor_lists_a_departments_entries_from_verified_tiles() {
    let data = tempfile::tempdir().unwrap();
    let served = yinxin_tests::serve(std::path::Path::new(env!("CARGO_BIN_EXE_yinxin")), data.path(), &[], &[]);
    let base = served.base.clone();
    let (http, token, ids) = issue_three(&base, data.path(), 0);
    let r = http
        .post(format!("{base}/v1/licences/{}/revoke", ids[2]))
        .bearer_auth(&token)
        .json(&json!({"reason": "test"}))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let proof: Value =
        http.get(format!("{base}/v1/licences/{}/proof", ids[0])).bearer_auth(&token).send().unwrap().json().unwrap();
    let vkey = proof["vkey"].as_str().unwrap().to_string();

    let (code, lines, err) = monitor(&base, &vkey, &["--issuer", MARKET]);
    assert_eq!(code, 0, "{err}");
    let seen: Vec<(String, String)> = lines
        .iter()
        .map(|l| (l["kind"].as_str().unwrap().to_string(), l["subject"].as_str().unwrap().to_string()))
        .collect();
    let mut want: Vec<(String, String)> = ids.iter().map(|i| ("LicenceIssued".to_string(), i.clone())).collect();
    want.push(("LicenceRevoked".into(), ids[2].clone()));
    assert_eq!(seen, want);

    // From an index on; another department's filter lists nothing.
    let (code, lines, _) = monitor(&base, &vkey, &["--issuer", MARKET, "--since", "2"]);
    assert_eq!((code, lines.len()), (0, 2));
    let (code, lines, _) = monitor(&base, &vkey, &["--issuer", "11530100MB0234567M"]);
    assert_eq!((code, lines.len()), (0, 0));

    // A key that is not the log's: the checkpoint is refused, nothing listed.
    let other = vkey.replacen('+', "x+", 1);
    let (code, lines, _) = monitor(&base, &other, &[]);
    assert_ne!(code, 0);
    assert!(lines.is_empty());
    drop(served);
}

/// The monitor against a plain static web server (Python's `http.server`) serving the
/// directory the service mirrors its log into (`YINXIN_TLOG_MIRROR_DIR`): no yinxin behind it.
#[test]
fn the_monitor_follows_a_static_mirror_of_the_log() {
    let data = tempfile::tempdir().unwrap();
    let www = tempfile::tempdir().unwrap();
    let mirror = www.path().join("tlog");
    let served = yinxin_tests::serve(
        std::path::Path::new(env!("CARGO_BIN_EXE_yinxin")),
        data.path(),
        &[],
        &[("YINXIN_TLOG_MIRROR_DIR", mirror.as_os_str())],
    );
    let base = served.base.clone();
    let (http, token, ids) = issue_three(&base, data.path(), 10);
    let proof: Value =
        http.get(format!("{base}/v1/licences/{}/proof", ids[2])).bearer_auth(&token).send().unwrap().json().unwrap();
    let vkey = proof["vkey"].as_str().unwrap().to_string();
    let checkpoint = proof["checkpoint"].as_str().unwrap().to_string();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while std::fs::read_to_string(mirror.join("checkpoint")).ok().as_deref() != Some(checkpoint.as_str()) {
        assert!(std::time::Instant::now() < deadline, "the mirror did not catch up");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    drop(served);

    // The service is gone; a static server of the directory is all there is.
    let mut py = Command::new("python3")
        .args(["-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory"])
        .arg(www.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(py.stdout.take().unwrap()), &mut line).unwrap();
    let port = line.split("port ").nth(1).and_then(|r| r.split_whitespace().next()).expect(&line).to_string();
    let (code, lines, err) = monitor(&format!("http://127.0.0.1:{port}"), &vkey, &["--issuer", MARKET]);
    let _ = py.kill();
    let _ = py.wait();
    assert_eq!(code, 0, "{err}");
    let subjects: Vec<&str> = lines.iter().map(|l| l["subject"].as_str().unwrap()).collect();
    assert_eq!(subjects, ids.iter().map(String::as_str).collect::<Vec<_>>());
}
