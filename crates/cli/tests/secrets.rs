//! The secrets scan: a service run through a wide flow (issuance, holders, 亮证 credentials,
//! persons' signing, verification, seals, the log, and many refused requests carrying secrets
//! where they do not belong), its log at `debug`, every problem document it answered and
//! `/metrics` are searched for every secret it holds: the KEK, each private key (its scalar in
//! hex, either case, and each line of its PEM), each bearer token, each holder's ID number.
//! One found is named with where it was found (never the secret itself).

use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_yinxin");
const PERSON_ID: &str = "530102199001011231";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

struct Kill(std::process::Child);
impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Every secret, with a name for the report.
fn secrets(data: &Path, creds: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    out.push(("the KEK".into(), std::fs::read_to_string(data.join("kek.hex")).unwrap().trim().to_string()));
    for e in std::fs::read_dir(repo().join("keys-dev")).unwrap().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if !name.ends_with(".key.pem") {
            continue;
        }
        let pem = std::fs::read_to_string(e.path()).unwrap();
        let key = yinxin_gm::Sm2PrivateKey::from_pem(&pem, None).unwrap();
        let scalar = hex::encode(*key.expose_scalar());
        out.push((format!("{name} (scalar)"), scalar.clone()));
        out.push((format!("{name} (scalar, upper case)"), scalar.to_uppercase()));
        for (i, line) in pem.lines().filter(|l| !l.starts_with("-----") && l.len() >= 40).enumerate() {
            out.push((format!("{name} (PEM line {i})"), line.to_string()));
        }
    }
    for (who, c) in creds.as_object().unwrap() {
        out.push((format!("{who}'s token"), c["token"].as_str().unwrap().to_string()));
    }
    out.push(("a person's ID number".into(), PERSON_ID.into()));
    out
}

#[test]
fn no_secret_reaches_the_log_a_problem_document_or_the_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let log_path = dir.path().join("service.log");
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&data)
        .arg("--key-dir")
        .arg(repo().join("keys-dev"))
        .env("YINXIN_RATE_PER_SECOND", "100000")
        .env("RUST_LOG", "debug")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log_path).unwrap())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let _kill = Kill(child);
    let base = line.split_whitespace().find(|w| w.starts_with("http://")).expect(&line).to_string();
    let creds: Value = serde_json::from_slice(&std::fs::read(data.join("dev-credentials.json")).unwrap()).unwrap();
    let tok = |who: &str| creds[who]["token"].as_str().unwrap().to_string();
    let (market, admin, officer, person, holder) =
        (tok("department:11530100MB0123456A"), tok("admin"), tok("officer"), tok("person"), tok("holder"));
    let http = reqwest::blocking::Client::new();
    let mut problems: Vec<(String, String)> = Vec::new();
    let mut call = |method: &str, path: &str, token: Option<&str>, body: Option<Value>| -> (u16, Value) {
        let mut r = http.request(method.parse().unwrap(), format!("{base}{path}"));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        if let Some(b) = body {
            r = r.json(&b);
        }
        let res = r.send().unwrap();
        let status = res.status().as_u16();
        let problem = res.headers().get("content-type").is_some_and(|v| v.to_str().unwrap_or("").contains("problem"));
        let text = res.text().unwrap();
        if problem || status >= 400 {
            problems.push((format!("{method} {path} → {status}"), text.clone()));
        }
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    };

    // The flow: a licence, its proof, its verification, a holder's list.
    let licence = {
        let f: Value = serde_json::from_slice(&std::fs::read(repo().join("examples/营业执照.json")).unwrap()).unwrap();
        let (s, v) = call("POST", "/v1/licences", Some(&market), Some(json!({"type_code": "营业执照", "fields": f})));
        assert_eq!(s, 201, "{v}");
        v["identifier"].as_str().unwrap().to_string()
    };
    call("GET", &format!("/v1/licences/{licence}/proof"), Some(&market), None);
    call("GET", &format!("/v1/verify/licences/{licence}"), Some(&officer), None);
    call("GET", "/v1/licences", Some(&holder), None);
    // A person applies, is issued a key, signs; an admin lists signers.
    let (_, sg) = call("POST", "/v1/signers", Some(&person), Some(json!({"name": "张三"})));
    let sid = sg["id"].as_str().unwrap().to_string();
    call("POST", &format!("/v1/signers/{sid}/issue"), Some(&admin), Some(json!({})));
    call("GET", "/v1/signers", Some(&admin), None);
    call("GET", "/tlog/checkpoint", None, None);

    // Refused requests that carry secrets where they do not belong: they must not be echoed.
    let kek = std::fs::read_to_string(data.join("kek.hex")).unwrap().trim().to_string();
    let mut bad = market.clone();
    bad.pop();
    bad.push('x');
    call("GET", "/v1/licences", Some(&bad), None);
    call("GET", "/v1/licences", Some(&format!("{market}{market}")), None);
    call("GET", &format!("/v1/licences/{PERSON_ID}"), Some(&market), None);
    call("GET", &format!("/v1/licences/{kek}"), Some(&market), None);
    call(
        "POST",
        "/v1/licences",
        Some(&market),
        Some(json!({"type_code": "营业执照", "fields": {"uscc": PERSON_ID, "name": kek}})),
    );
    call("POST", "/v1/licences", Some(&market), Some(json!({"type_code": PERSON_ID, "fields": {}})));
    call("POST", "/v1/signers", Some(&holder), Some(json!({"name": PERSON_ID})));
    call("POST", "/v1/admin/clients", Some(&market), Some(json!({"token": admin, "holder_code": PERSON_ID})));
    call("GET", &format!("/v1/holder/licences?holder_code={PERSON_ID}"), Some(&officer), None);
    call("POST", "/v1/verify", Some(&officer), Some(json!({"token": person})));

    let (s, _) = call("GET", "/metrics", Some(&admin), None);
    let metrics = if s == 200 {
        http.get(format!("{base}/metrics")).bearer_auth(&admin).send().unwrap().text().unwrap()
    } else {
        http.get(format!("{base}/metrics")).send().unwrap().text().unwrap()
    };
    assert!(metrics.contains("yinxin_"), "metrics: {metrics:.200}");
    std::thread::sleep(std::time::Duration::from_millis(300));
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(log.contains("request"), "the log at debug has the requests");
    assert!(problems.len() >= 8, "{problems:?}");

    let mut found = Vec::new();
    for (what, secret) in secrets(&data, &creds) {
        if log.contains(&secret) {
            found.push(format!("{what} in the service's log"));
        }
        if metrics.contains(&secret) {
            found.push(format!("{what} in /metrics"));
        }
        for (req, body) in &problems {
            if body.contains(&secret) {
                found.push(format!("{what} in the problem document of {req}"));
            }
        }
    }
    assert!(found.is_empty(), "secrets leaked:\n{}", found.join("\n"));
}
