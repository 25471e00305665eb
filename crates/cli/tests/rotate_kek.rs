//! `yinxin keys rotate-kek`: every key the database keeps wrapped (departments', the service's,
//! persons') is rewrapped under a new KEK in one transaction; the service then runs on the new
//! KEK (a department issues, a person signs), refuses to start on the old one, and a rotation
//! attempted with a KEK that does not open the keys changes nothing. No KEK is ever printed.

use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_yinxin");

fn creds(data: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(data.join("dev-credentials.json")).unwrap()).unwrap()
}

fn token(data: &Path, who: &str) -> String {
    creds(data)[who]["token"].as_str().unwrap().to_string()
}

fn issue(http: &reqwest::blocking::Client, base: &str, data: &Path) -> String {
    let fields: Value = serde_json::from_slice(
        &std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/营业执照.json")).unwrap(),
    )
    .unwrap();
    let r = http
        .post(format!("{base}/v1/licences"))
        .bearer_auth(token(data, "department:11530100MB0123456A"))
        .json(&json!({"type_code": "营业执照", "fields": fields}))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    r.json::<Value>().unwrap()["identifier"].as_str().unwrap().to_string()
}

fn rotate(data: &Path, args: &[&std::ffi::OsStr], kek: Option<&str>) -> (i32, String) {
    let mut c = Command::new(BIN);
    c.args(["keys", "rotate-kek", "--data-dir"]).arg(data).args(args).env_remove("YINXIN_KEK");
    if let Some(k) = kek {
        c.env("YINXIN_KEK", k);
    }
    let out = c.output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.code().unwrap(), text)
}

#[test]
fn the_kek_is_rotated_and_the_old_one_no_longer_opens_the_keys() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let http = reqwest::blocking::Client::new();

    // A service with a person's signing key besides the imported keys.
    let signer = {
        let s = yinxin_tests::serve(Path::new(BIN), &data, &[], &[]);
        issue(&http, &s.base, &data);
        let r = http
            .post(format!("{}/v1/signers", s.base))
            .bearer_auth(token(&data, "person"))
            .json(&json!({"name": "张三"}))
            .send()
            .unwrap();
        let id = r.json::<Value>().unwrap()["id"].as_str().unwrap().to_string();
        let r = http
            .post(format!("{}/v1/signers/{id}/issue", s.base))
            .bearer_auth(token(&data, "admin"))
            .json(&json!({}))
            .send()
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
        id
    };
    let old = std::fs::read_to_string(data.join("kek.hex")).unwrap();

    // A KEK that opens nothing: refused, nothing changed.
    let wrong = "00112233445566778899aabbccddeeff";
    let (code, out) = rotate(
        &data,
        &["--new-kek-file".as_ref(), dir.path().join("unused.hex").as_os_str(), "--generate".as_ref()],
        Some(wrong),
    );
    assert_ne!(code, 0, "{out}");
    assert!(out.contains("does not open"), "{out}");
    assert_eq!(std::fs::read_to_string(data.join("kek.hex")).unwrap(), old);

    // The rotation.
    let new_file = dir.path().join("new-kek.hex");
    let (code, out) = rotate(&data, &["--new-kek-file".as_ref(), new_file.as_os_str(), "--generate".as_ref()], None);
    assert_eq!(code, 0, "{out}");
    let new = std::fs::read_to_string(&new_file).unwrap();
    assert_ne!(new.trim(), old.trim());
    assert_eq!(std::fs::read_to_string(data.join("kek.hex")).unwrap().trim(), new.trim());
    let rewrapped: usize =
        out.split("rotated the key-encryption key: ").nth(1).unwrap().split(' ').next().unwrap().parse().unwrap();
    // The service key, the log's holder key, three departments, the person's key, at least.
    assert!(rewrapped >= 6, "{out}");
    assert!(!out.contains(old.trim()) && !out.contains(new.trim()), "a KEK was printed: {out}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&new_file).unwrap().permissions().mode() & 0o077, 0);
    }

    // The old KEK no longer opens the keys: the service refuses to start on it.
    let out = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&data)
        .arg("--key-dir")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../keys-dev"))
        .env("YINXIN_KEK", old.trim())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("does not open with the configured key-encryption key"), "{err}");

    // On the new KEK: a department issues, the person signs with the rewrapped key.
    let s = yinxin_tests::serve(Path::new(BIN), &data, &[], &[]);
    let id = issue(&http, &s.base, &data);
    let pdf = http
        .get(format!("{}/v1/licences/{id}/pdf", s.base))
        .bearer_auth(token(&data, "department:11530100MB0123456A"))
        .send()
        .unwrap()
        .bytes()
        .unwrap();
    let r = http
        .post(format!("{}/v1/signers/{signer}/sign?name=licence.pdf", s.base))
        .bearer_auth(token(&data, "person"))
        .header("content-type", "application/pdf")
        .body(pdf.to_vec())
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 201, "{}", r.text().unwrap());
}
