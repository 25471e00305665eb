//! A fresh machine: `yinxin serve` with fontconfig and `YINXIN_SEAL_FONT` pointed at an empty
//! directory, so no system CJK face is visible, issues every example type through the API (201)
//! with the built-in face, and the PDF and OFD verify. With `YINXIN_SEAL_FONT` naming a file that
//! is not a font (an explicit choice that cannot be honoured), the service starts, says so in its
//! log and `/readyz`, and answers issuance with `issuance-unavailable` — never a 500.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

struct Proc {
    child: Child,
    base: String,
    log: PathBuf,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(data: &Path, font: &Path, fontconfig: &Path) -> Proc {
    let log = data.with_extension("log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_yinxin"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data)
        .arg("--key-dir")
        .arg(workspace().join("keys-dev"))
        .env("YINXIN_SEAL_FONT", font)
        .env("FONTCONFIG_FILE", fontconfig.join("fonts.conf"))
        .env("FONTCONFIG_PATH", fontconfig)
        .env("YINXIN_RATE_PER_SECOND", "100000")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let base = line.split_whitespace().find(|w| w.starts_with("http://")).expect("the address is printed").to_string();
    Proc { child, base, log }
}

fn creds(data: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(data.join("dev-credentials.json")).unwrap()).unwrap()
}

fn uscc(i: u32) -> String {
    let first17 = format!("91530100{:09}", 800_000_000 + i);
    format!("{first17}{}", yinxin_licence::codes::uscc_check_char(&first17).unwrap())
}

#[test]
fn every_example_type_issues_and_verifies_with_no_system_font() {
    let empty = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let p = start(&data, empty.path(), empty.path());
    let http = reqwest::blocking::Client::new();
    let ready: Value = http.get(format!("{}/readyz", p.base)).send().unwrap().json().unwrap();
    assert_eq!(ready, json!({"status": "ready"}));
    let log = std::fs::read_to_string(&p.log).unwrap();
    assert!(log.contains("issuing is ready") && log.contains("built-in Noto Serif CJK SC"), "{log}");

    let c = creds(&data);
    let officer = c["officer"]["token"].as_str().unwrap();
    let types: Value = http.get(format!("{}/v1/licence-types", p.base)).send().unwrap().json().unwrap();
    let types = types["items"].as_array().or(types.as_array()).cloned().unwrap();
    let mut issued = 0;
    for (i, t) in types.iter().enumerate() {
        let (code, name) = (t["type_code"].as_str().unwrap(), t["name"].as_str().unwrap());
        let mut fields: Value =
            serde_json::from_slice(&std::fs::read(workspace().join(format!("examples/{name}.json"))).unwrap()).unwrap();
        if fields.get("uscc").is_some() {
            fields["uscc"] = json!(uscc(i as u32));
        }
        let dept = c
            .as_object()
            .unwrap()
            .iter()
            .find(|(k, v)| k.starts_with("department:") && v["types"].as_array().unwrap().iter().any(|x| x == code))
            .unwrap_or_else(|| panic!("no development department issues {name} ({code})"))
            .1;
        let r = http
            .post(format!("{}/v1/licences", p.base))
            .bearer_auth(dept["token"].as_str().unwrap())
            .json(&json!({"type_code": code, "fields": fields}))
            .send()
            .unwrap();
        let status = r.status().as_u16();
        let body: Value = r.json().unwrap();
        assert_eq!(status, 201, "{name}: {body}");
        let id = body["identifier"].as_str().unwrap();
        for (format, mime) in [("pdf", "application/pdf"), ("ofd", "application/ofd")] {
            let doc = http
                .get(format!("{}/v1/licences/{id}/{format}", p.base))
                .bearer_auth(dept["token"].as_str().unwrap())
                .send()
                .unwrap()
                .bytes()
                .unwrap();
            let v: Value = http
                .post(format!("{}/v1/verify?name=licence.{format}", p.base))
                .bearer_auth(officer)
                .header("content-type", mime)
                .body(doc.to_vec())
                .send()
                .unwrap()
                .json()
                .unwrap();
            assert_eq!(v["indication"], "PASSED", "{name} {format}: {v}");
        }
        issued += 1;
    }
    assert_eq!(issued, 5, "every shipped type");
}

#[test]
fn a_configured_font_that_cannot_be_used_makes_issuance_unavailable() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("not-a-font.ttf");
    std::fs::write(&junk, b"this is not a font").unwrap();
    let data = dir.path().join("data");
    let p = start(&data, &junk, dir.path());
    let http = reqwest::blocking::Client::new();
    let r = http.get(format!("{}/readyz", p.base)).send().unwrap();
    assert_eq!(r.status().as_u16(), 503);
    let ready: Value = r.json().unwrap();
    assert_eq!(ready["missing"][0]["part"], "font", "{ready}");
    assert!(ready["missing"][0]["reason"].as_str().unwrap().contains("YINXIN_SEAL_FONT"), "{ready}");
    let log = std::fs::read_to_string(&p.log).unwrap();
    assert!(log.contains("issuing is unavailable") && log.contains("not-a-font.ttf"), "{log}");

    let c = creds(&data);
    let market = c["department:11530100MB0123456A"]["token"].as_str().unwrap();
    let mut fields: Value =
        serde_json::from_slice(&std::fs::read(workspace().join("examples/营业执照.json")).unwrap()).unwrap();
    fields["uscc"] = json!(uscc(99));
    let r = http
        .post(format!("{}/v1/licences", p.base))
        .bearer_auth(market)
        .json(&json!({"type_code": "营业执照", "fields": fields}))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 503);
    let problem: Value = r.json().unwrap();
    assert_eq!(problem["code"], "issuance-unavailable", "{problem}");
    assert!(problem["detail"].as_str().unwrap().contains("not-a-font.ttf"), "{problem}");
}
