//! The CLI end to end: files in, files out, exit codes 0/1/2/3/4, and OpenSSL reading what the
//! CLI writes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const DISTID: &str = "distid:1234567812345678";

fn yinxin(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_yinxin")).args(args).current_dir(dir).env_remove("YX_PASS").output().unwrap()
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let o = yinxin(dir, args);
    assert_eq!(
        code(&o),
        0,
        "yinxin {}:\n{}{}",
        args.join(" "),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn openssl(dir: &Path, args: &[&str]) -> bool {
    Command::new("openssl").args(args).current_dir(dir).output().unwrap().status.success()
}

fn keys_dev() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../keys-dev")
}

#[test]
fn sm2_sign_verify_and_exit_codes() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    std::fs::write(dir.join("msg.bin"), b"licence bytes").unwrap();
    std::fs::write(dir.join("other.bin"), b"licence bytez").unwrap();
    ok(dir, &["sm2", "keygen", "--out", "k.pem", "--pub", "p.pem"]);
    ok(dir, &["sm2", "sign", "--key", "k.pem", "--in", "msg.bin", "--out", "sig.der"]);
    assert!(ok(dir, &["sm2", "verify", "--pub", "p.pem", "--in", "msg.bin", "--sig", "sig.der"]).contains("PASSED"));
    assert_eq!(code(&yinxin(dir, &["sm2", "verify", "--pub", "p.pem", "--in", "other.bin", "--sig", "sig.der"])), 1);
    assert_eq!(
        code(&yinxin(
            dir,
            &["sm2", "verify", "--pub", "p.pem", "--in", "msg.bin", "--sig", "sig.der", "--id", "other"]
        )),
        1
    );
    // OpenSSL verifies the CLI's signature, and the CLI verifies OpenSSL's.
    assert!(openssl(
        dir,
        &[
            "pkeyutl", "-verify", "-rawin", "-digest", "sm3", "-pubin", "-inkey", "p.pem", "-in", "msg.bin",
            "-sigfile", "sig.der", "-pkeyopt", DISTID
        ]
    ));
    assert!(openssl(
        dir,
        &[
            "pkeyutl", "-sign", "-rawin", "-digest", "sm3", "-inkey", "k.pem", "-in", "msg.bin", "-out", "osig.der",
            "-pkeyopt", DISTID
        ]
    ));
    ok(dir, &["sm2", "verify", "--pub", "p.pem", "--in", "msg.bin", "--sig", "osig.der"]);
    // Raw r‖s and a custom ID.
    ok(dir, &["sm2", "sign", "--key", "k.pem", "--in", "msg.bin", "--out", "raw.sig", "--raw", "--id", "alice"]);
    assert_eq!(std::fs::metadata(dir.join("raw.sig")).unwrap().len(), 64);
    ok(dir, &["sm2", "verify", "--pub", "p.pem", "--in", "msg.bin", "--sig", "raw.sig", "--raw", "--id", "alice"]);
    let json =
        ok(dir, &["sm2", "verify", "--pub", "p.pem", "--in", "msg.bin", "--sig", "raw.sig", "--id", "alice", "--json"]);
    assert!(json.contains("\"indication\": \"PASSED\""), "{json}");
    // Usage error: 2. Missing file or garbage: 4.
    assert_eq!(code(&yinxin(dir, &["sm2", "sign", "--key", "k.pem"])), 2);
    assert_eq!(code(&yinxin(dir, &["sm2", "sign", "--key", "missing.pem", "--in", "msg.bin", "--out", "x"])), 4);
    std::fs::write(dir.join("garbage.pem"), b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n").unwrap();
    assert_eq!(code(&yinxin(dir, &["sm2", "sign", "--key", "garbage.pem", "--in", "msg.bin", "--out", "x"])), 4);
    std::fs::write(dir.join("bad.sig"), b"not a signature").unwrap();
    assert_eq!(code(&yinxin(dir, &["sm2", "verify", "--pub", "p.pem", "--in", "msg.bin", "--sig", "bad.sig"])), 1);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(dir.join("k.pem")).unwrap().permissions().mode() & 0o777, 0o600);
    }
}

/// `yinxin sm3` prints what `openssl dgst -sm3` prints, for an empty file, one of a block and a
/// byte, and one larger than the CLI's 1 MiB read buffer; a missing file is exit code 4 (input).
#[test]
fn sm3_digests_match_openssl_dgst() {
    let d = tempfile::tempdir().unwrap();
    let big: Vec<u8> = (0..(1u32 << 20) + 4099).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    std::fs::write(d.path().join("empty"), b"").unwrap();
    std::fs::write(d.path().join("abc65"), [b"abc".repeat(21).as_slice(), b"ab"].concat()).unwrap();
    std::fs::write(d.path().join("big"), &big).unwrap();
    let ours = ok(d.path(), &["sm3", "empty", "abc65", "big"]);
    let o =
        Command::new("openssl").args(["dgst", "-sm3", "empty", "abc65", "big"]).current_dir(d.path()).output().unwrap();
    assert!(o.status.success());
    assert_eq!(ours, String::from_utf8_lossy(&o.stdout));
    assert!(
        ours.starts_with("SM3(empty)= 1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b\n"),
        "{ours}"
    );
    assert_eq!(code(&yinxin(d.path(), &["sm3", "missing"])), 4);
}

#[test]
fn encrypted_keys_need_their_passphrase() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    std::fs::write(dir.join("pass.txt"), "s3cret passphrase\n").unwrap();
    std::fs::write(dir.join("msg.bin"), b"m").unwrap();
    ok(dir, &["sm2", "keygen", "--out", "enc.pem", "--passphrase-file", "pass.txt"]);
    assert!(std::fs::read_to_string(dir.join("enc.pem")).unwrap().starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
    let o = yinxin(dir, &["sm2", "sign", "--key", "enc.pem", "--in", "msg.bin", "--out", "s"]);
    assert_eq!(code(&o), 4);
    assert!(String::from_utf8_lossy(&o.stderr).contains("passphrase"));
    ok(dir, &["sm2", "sign", "--key", "enc.pem", "--in", "msg.bin", "--out", "s", "--passphrase-file", "pass.txt"]);
    assert!(openssl(dir, &["pkey", "-in", "enc.pem", "-passin", "pass:s3cret passphrase", "-noout"]));
    let o = Command::new(env!("CARGO_BIN_EXE_yinxin"))
        .args(["sm2", "pub", "--key", "enc.pem", "--out", "p.pem", "--passphrase-env", "YX_PASS"])
        .env("YX_PASS", "wrong")
        .current_dir(dir)
        .output()
        .unwrap();
    assert_eq!(code(&o), 4);
}

#[test]
fn cert_crl_lifecycle_with_exit_codes() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    for k in ["root", "ca", "leaf"] {
        ok(dir, &["sm2", "keygen", "--out", &format!("{k}.key"), "--pub", &format!("{k}.pub")]);
    }
    ok(
        dir,
        &[
            "cert",
            "issue",
            "--profile",
            "root-ca",
            "--subject",
            "C=CN,O=测试,CN=命令行根CA",
            "--key",
            "root.key",
            "--days",
            "3650",
            "--out",
            "root.pem",
        ],
    );
    ok(
        dir,
        &[
            "cert",
            "issue",
            "--profile",
            "issuing-ca",
            "--subject",
            "C=CN,O=测试,CN=命令行CA",
            "--pub",
            "ca.pub",
            "--issuer-cert",
            "root.pem",
            "--issuer-key",
            "root.key",
            "--days",
            "1000",
            "--out",
            "ca.pem",
        ],
    );
    ok(
        dir,
        &[
            "cert",
            "issue",
            "--profile",
            "seal-holder",
            "--subject",
            "C=CN,O=某单位,CN=某单位",
            "--pub",
            "leaf.pub",
            "--issuer-cert",
            "ca.pem",
            "--issuer-key",
            "ca.key",
            "--days",
            "365",
            "--out",
            "leaf.pem",
        ],
    );
    let show = ok(dir, &["cert", "show", "leaf.pem", "--json"]);
    assert!(show.contains("某单位") && show.contains("1.3.6.1.5.5.7.3.36"), "{show}");
    let verify = |extra: &[&str]| {
        let mut args = vec![
            "cert",
            "verify",
            "leaf.pem",
            "--trust",
            "root.pem",
            "--chain",
            "ca.pem",
            "--purpose",
            "document-signing",
        ];
        args.extend_from_slice(extra);
        yinxin(dir, &args)
    };
    assert_eq!(code(&verify(&[])), 0);
    let o = verify(&["--json"]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("\"indication\": \"PASSED\""));
    assert_eq!(code(&verify(&["--at", "2099-01-01T00:00:00Z"])), 1, "expired");
    assert_eq!(code(&verify(&["--require-revocation"])), 3, "no CRL: indeterminate");
    // No chain to the anchor: "cannot tell" (EN 319 102-1: INDETERMINATE), never "forged".
    assert_eq!(code(&yinxin(dir, &["cert", "verify", "leaf.pem", "--trust", "root.pem"])), 3, "no chain");
    assert_eq!(
        code(&yinxin(
            dir,
            &["cert", "verify", "leaf.pem", "--trust", "root.pem", "--chain", "ca.pem", "--purpose", "time-stamping"]
        )),
        3,
        "a certificate not fit for the purpose: SIG_CONSTRAINTS_FAILURE, INDETERMINATE in EN 319 102-1"
    );
    // Revoke the leaf: FAILED. An empty root CRL and a CA CRL without it: PASSED with revocation required.
    ok(dir, &["crl", "issue", "--issuer-cert", "root.pem", "--issuer-key", "root.key", "--out", "root.crl"]);
    ok(dir, &["crl", "issue", "--issuer-cert", "ca.pem", "--issuer-key", "ca.key", "--out", "ca-empty.crl"]);
    assert_eq!(code(&verify(&["--require-revocation", "--crl", "root.crl", "--crl", "ca-empty.crl"])), 0);
    ok(
        dir,
        &[
            "crl",
            "issue",
            "--issuer-cert",
            "ca.pem",
            "--issuer-key",
            "ca.key",
            "--revoke-cert",
            "leaf.pem",
            "--number",
            "2",
            "--this-update",
            "2026-01-01T00:00:00Z",
            "--next-update-days",
            "3650",
            "--out",
            "ca.crl",
        ],
    );
    let o = verify(&["--crl", "root.crl", "--crl", "ca.crl", "--json"]);
    assert_eq!(code(&o), 1);
    assert!(String::from_utf8_lossy(&o.stdout).contains("REVOKED"));
    assert!(ok(dir, &["crl", "show", "ca.crl"]).contains("revoked:     1"));
    // A trust directory works like a file.
    std::fs::create_dir(dir.join("anchors")).unwrap();
    std::fs::copy(dir.join("root.pem"), dir.join("anchors/root.pem")).unwrap();
    assert_eq!(code(&yinxin(dir, &["cert", "verify", "leaf.pem", "--trust", "anchors", "--chain", "ca.pem"])), 0);
    assert_eq!(code(&yinxin(dir, &["cert", "verify", "leaf.pem", "--trust", "missing-dir"])), 4);
}

#[test]
fn time_stamps_with_the_dev_tsa() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let k = keys_dev();
    let kd = |f: &str| k.join(f).to_string_lossy().into_owned();
    std::fs::write(dir.join("data.bin"), b"signature value").unwrap();
    std::fs::write(dir.join("other.bin"), b"something else").unwrap();
    ok(
        dir,
        &[
            "ts",
            "stamp",
            "--tsa-cert",
            &kd("tsa.cert.pem"),
            "--tsa-key",
            &kd("tsa.key.pem"),
            "--tsa-chain",
            &kd("issuing-ca.cert.pem"),
            "--in",
            "data.bin",
            "--out",
            "t.tst",
        ],
    );
    let out = ok(dir, &["ts", "verify", "t.tst", "--trust", &kd("root-ca.cert.pem"), "--data", "data.bin"]);
    assert!(out.starts_with("Passed"), "{out}");
    assert_eq!(
        code(&yinxin(dir, &["ts", "verify", "t.tst", "--trust", &kd("root-ca.cert.pem"), "--data", "other.bin"])),
        1
    );
    // Request → response, with a nonce.
    let req = ok(dir, &["ts", "request", "--in", "data.bin", "--out", "r.tsq", "--nonce", "--cert-req"]);
    let nonce = req.trim().strip_prefix("nonce: ").unwrap().to_string();
    ok(
        dir,
        &[
            "ts",
            "stamp",
            "--tsa-cert",
            &kd("tsa.cert.pem"),
            "--tsa-key",
            &kd("tsa.key.pem"),
            "--tsa-chain",
            &kd("issuing-ca.cert.pem"),
            "--request",
            "r.tsq",
            "--out",
            "r.tsr",
        ],
    );
    let json = ok(
        dir,
        &[
            "ts",
            "verify",
            "r.tsr",
            "--trust",
            &kd("root-ca.cert.pem"),
            "--data",
            "data.bin",
            "--nonce",
            &nonce,
            "--json",
        ],
    );
    assert!(json.contains("\"indication\": \"PASSED\""), "{json}");
    assert_eq!(code(&yinxin(dir, &["ts", "verify", "r.tsr", "--trust", &kd("root-ca.cert.pem"), "--nonce", "01"])), 1);
    // Not a time-stamping certificate: refused.
    assert_eq!(
        code(&yinxin(
            dir,
            &[
                "ts",
                "stamp",
                "--tsa-cert",
                &kd("dept-market.cert.pem"),
                "--tsa-key",
                &kd("dept-market.key.pem"),
                "--in",
                "data.bin",
                "--out",
                "x"
            ]
        )),
        4
    );
}

#[test]
fn keys_dev_is_complete_and_valid() {
    let k = keys_dev();
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let kd = |f: &str| k.join(f).to_string_lossy().into_owned();
    for (f, purpose) in [
        ("dept-market.cert.pem", "document-signing"),
        ("dept-transport.cert.pem", "document-signing"),
        ("dept-housing.cert.pem", "document-signing"),
        ("seal-maker.cert.pem", "document-signing"),
        ("person-zhangsan.cert.pem", "document-signing"),
        ("status-list.cert.pem", "document-signing"),
        ("tsa.cert.pem", "time-stamping"),
        ("issuing-ca.cert.pem", "cert-signing"),
    ] {
        let o = yinxin(
            dir,
            &[
                "cert",
                "verify",
                &kd(f),
                "--trust",
                &kd("root-ca.cert.pem"),
                "--chain",
                &kd("chain.pem"),
                "--crl",
                &kd("crl/root-ca.crl.pem"),
                "--crl",
                &kd("crl/issuing-ca.crl.pem"),
                "--require-revocation",
                "--purpose",
                purpose,
            ],
        );
        assert_eq!(code(&o), 0, "{f}: {}", String::from_utf8_lossy(&o.stdout));
    }
    // Every key matches its certificate.
    for stem in [
        "root-ca",
        "issuing-ca",
        "dept-market",
        "dept-transport",
        "dept-housing",
        "seal-maker",
        "tsa",
        "person-zhangsan",
        "status-list",
    ] {
        ok(dir, &["sm2", "pub", "--key", &kd(&format!("{stem}.key.pem")), "--out", "p.pem"]);
        std::fs::write(dir.join("m"), stem).unwrap();
        ok(dir, &["sm2", "sign", "--key", &kd(&format!("{stem}.key.pem")), "--in", "m", "--out", "s"]);
        ok(dir, &["sm2", "verify", "--pub", &kd(&format!("{stem}.cert.pem")), "--in", "m", "--sig", "s"]);
    }
    // dev-keys refuses to overwrite without --force, and writes a complete set.
    ok(dir, &["dev-keys", "--out", "kd"]);
    assert_eq!(code(&yinxin(dir, &["dev-keys", "--out", "kd"])), 4);
    ok(dir, &["dev-keys", "--out", "kd", "--force"]);
    let manifest = std::fs::read_to_string(dir.join("kd/manifest.json")).unwrap();
    assert_eq!(manifest.matches("\"profile\"").count(), 9);
}

#[test]
fn seal_make_sign_verify_through_the_cli() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let k = keys_dev();
    let kd = |f: &str| k.join(f).to_string_lossy().into_owned();
    std::fs::write(dir.join("material.pdf"), b"%PDF-1.7 a material").unwrap();
    ok(
        dir,
        &[
            "seal",
            "make",
            "--maker-cert",
            &kd("seal-maker.cert.pem"),
            "--maker-key",
            &kd("seal-maker.key.pem"),
            "--holder",
            &kd("dept-market.cert.pem"),
            "--name",
            "某市市场监督管理局合同专用章",
            "--type",
            "合同专用章",
            "--out",
            "s.esl",
            "--picture-out",
            "s.png",
        ],
    );
    let png = std::fs::read(dir.join("s.png")).unwrap();
    assert!(png.starts_with(b"\x89PNG"));
    let show = ok(dir, &["seal", "show", "s.esl", "--json"]);
    assert!(show.contains("合同专用章") && show.contains("\"type\": 3"), "{show}");
    ok(
        dir,
        &[
            "seal",
            "sign",
            "--seal",
            "s.esl",
            "--cert",
            &kd("dept-market.cert.pem"),
            "--key",
            &kd("dept-market.key.pem"),
            "--in",
            "material.pdf",
            "--out",
            "sig.dat",
            "--tsa-cert",
            &kd("tsa.cert.pem"),
            "--tsa-key",
            &kd("tsa.key.pem"),
            "--tsa-chain",
            &kd("issuing-ca.cert.pem"),
        ],
    );
    let trust = ["--trust", &kd("root-ca.cert.pem"), "--chain", &kd("chain.pem")];
    let v = |extra: &[&str]| {
        let mut args = vec!["verify", "sig.dat"];
        args.extend_from_slice(&trust);
        args.extend_from_slice(extra);
        yinxin(dir, &args)
    };
    let o = v(&["--data", "material.pdf"]);
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stdout));
    assert!(String::from_utf8_lossy(&o.stdout).contains("(time_stamp)"), "judged at the time-stamped time");
    let o = v(&["--data", "material.pdf", "--json"]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("\"kind\": \"ses-signature\""));
    std::fs::write(dir.join("other.pdf"), b"%PDF-1.7 another").unwrap();
    assert_eq!(code(&v(&["--data", "other.pdf"])), 1, "other data: FAILED");
    assert_eq!(code(&v(&[])), 3, "no data: INDETERMINATE");
    // The seal alone, and a signer not in the seal's certList.
    let mut args = vec!["verify", "s.esl"];
    args.extend_from_slice(&trust);
    assert_eq!(code(&yinxin(dir, &args)), 0);
    let o = yinxin(
        dir,
        &[
            "seal",
            "sign",
            "--seal",
            "s.esl",
            "--cert",
            &kd("dept-housing.cert.pem"),
            "--key",
            &kd("dept-housing.key.pem"),
            "--in",
            "material.pdf",
            "--out",
            "x.dat",
        ],
    );
    assert_eq!(code(&o), 4);
    assert!(String::from_utf8_lossy(&o.stderr).contains("certList"));
    // Not a signed object: 4. A picture drawn on its own.
    std::fs::write(dir.join("junk.bin"), b"junk").unwrap();
    let mut args = vec!["verify", "junk.bin"];
    args.extend_from_slice(&trust);
    assert_eq!(code(&yinxin(dir, &args)), 4);
    ok(dir, &["seal", "picture", "--name", "张三", "--shape", "oval", "--out", "p.png"]);
}

#[test]
fn verify_real_sealed_ofd_files() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/samples");
    let f = samples.join("einvoice-gomain-v4-cq-test.ofd").to_string_lossy().into_owned();
    // Trusting only yinxin's development root, the tax office's chain is unknown: INDETERMINATE
    // (never FAILED), and the report still shows the seal and the checks that passed.
    let k = keys_dev();
    let o = yinxin(
        dir,
        &["verify", &f, "--trust", &k.join("root-ca.cert.pem").to_string_lossy(), "--at", "signing-time", "--json"],
    );
    assert_eq!(code(&o), 3);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("NO_CERTIFICATE_CHAIN_FOUND") && out.contains("测试全国统一发票监制章"), "{out}");
    assert!(out.contains("\"id\": \"ofd.references\",\n") || out.contains("ofd.references"));
}

#[test]
fn dev_seals_verify() {
    let d = tempfile::tempdir().unwrap();
    let k = keys_dev();
    for dept in ["dept-market", "dept-transport", "dept-housing"] {
        let o = yinxin(
            d.path(),
            &[
                "verify",
                &k.join(format!("seals/{dept}.esl")).to_string_lossy(),
                "--trust",
                &k.join("root-ca.cert.pem").to_string_lossy(),
                "--chain",
                &k.join("chain.pem").to_string_lossy(),
            ],
        );
        assert_eq!(code(&o), 0, "{dept}: {}", String::from_utf8_lossy(&o.stdout));
    }
}

#[test]
fn sm2_bench_reports_rates_for_each_backend() {
    let d = tempfile::tempdir().unwrap();
    for backend in ["sm2p256", "software"] {
        let out = ok(d.path(), &["sm2", "bench", "--seconds", "0.2", "--backend", backend, "--json"]);
        assert!(out.contains(&format!("\"backend\": \"{backend}\"")), "{out}");
        for key in ["\"sign_per_s\"", "\"verify_per_s\""] {
            assert!(out.contains(key), "{out}");
        }
    }
    assert_eq!(code(&yinxin(d.path(), &["sm2", "bench", "--backend", "nope"])), 2);
    assert!(ok(d.path(), &["sm2", "bench", "--seconds", "0.1"]).contains("sign/s"));
}

#[test]
fn material_seal_batch_and_verify() {
    use yinxin_doc::layout::Item;
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let k = keys_dev();
    let kd = |f: &str| k.join(f).to_string_lossy().into_owned();
    std::fs::create_dir(dir.join("in")).unwrap();
    let items = vec![Item::Text { x: 20.0, y: 40.0, size: 6.0, text: "行政许可决定书".into(), bold: false }];
    let pdf = yinxin_doc::pdf::render::render(&yinxin_doc::pdf::render::PdfSpec {
        title: "决定书".into(),
        page_mm: (210.0, 297.0),
        pages: vec![items.clone()],
    })
    .unwrap();
    std::fs::write(dir.join("in/decision.pdf"), &pdf).unwrap();
    let spec = yinxin_doc::ofd::write::DocumentSpec {
        title: "决定书".into(),
        page_mm: (210.0, 297.0),
        pages: vec![items],
        doc_id: "00".repeat(16),
        creation_date: "2026-11-26".into(),
        ..Default::default()
    };
    std::fs::write(dir.join("in/decision.ofd"), yinxin_doc::ofd::write::build(&spec).unwrap().to_zip().unwrap())
        .unwrap();
    let common = [
        "--seal",
        &kd("seals/dept-market.esl"),
        "--cert",
        &kd("dept-market.cert.pem"),
        "--key",
        &kd("dept-market.key.pem"),
        "--chain",
        &kd("issuing-ca.cert.pem"),
        "--tsa-cert",
        &kd("tsa.cert.pem"),
        "--tsa-key",
        &kd("tsa.key.pem"),
        "--tsa-chain",
        &kd("issuing-ca.cert.pem"),
    ];
    let mut args = vec!["material", "seal", "--in", "in", "--out", "out"];
    args.extend_from_slice(&common);
    ok(dir, &args);
    for f in ["out/decision.pdf", "out/decision.ofd"] {
        let o = yinxin(dir, &["verify", f, "--trust", &kd("root-ca.cert.pem"), "--chain", &kd("chain.pem")]);
        assert_eq!(code(&o), 0, "{f}: {}", String::from_utf8_lossy(&o.stdout));
    }
    // Sealing a sealed PDF again (a second department) keeps both valid.
    let mut args = vec!["material", "seal", "--in", "out/decision.pdf", "--out", "twice.pdf", "--at", "40,230"];
    let housing = [
        "--seal",
        &kd("seals/dept-housing.esl"),
        "--cert",
        &kd("dept-housing.cert.pem"),
        "--key",
        &kd("dept-housing.key.pem"),
    ];
    args.extend_from_slice(&housing);
    ok(dir, &args);
    let out = ok(dir, &["verify", "twice.pdf", "--trust", &kd("root-ca.cert.pem"), "--chain", &kd("chain.pem")]);
    assert_eq!(out.matches("pdf-signature PASSED").count(), 2, "{out}");
    // Placed by keyword, in both formats; a document without the keyword is refused.
    for f in ["decision.pdf", "decision.ofd"] {
        let mut args = vec!["material", "seal", "--keyword", "许可决定"];
        let (input, output) = (format!("in/{f}"), format!("kw-{f}"));
        args.extend_from_slice(&["--in", &input, "--out", &output]);
        args.extend_from_slice(&common);
        ok(dir, &args);
        let o = yinxin(dir, &["verify", &output, "--trust", &kd("root-ca.cert.pem"), "--chain", &kd("chain.pem")]);
        assert_eq!(code(&o), 0, "{f}: {}", String::from_utf8_lossy(&o.stdout));
        let mut args = vec!["material", "seal", "--keyword", "不在文中", "--in", &input, "--out", "none"];
        args.extend_from_slice(&common);
        let o = yinxin(dir, &args);
        assert_eq!(code(&o), 4);
        assert!(String::from_utf8_lossy(&o.stderr).contains("not in the document"));
    }
    // A file that is neither: 4 alone, counted as failed (exit 1) in a batch.
    std::fs::write(dir.join("in/notes.pdf"), b"not a pdf").unwrap();
    let mut args = vec!["material", "seal", "--in", "in/notes.pdf", "--out", "x.pdf"];
    args.extend_from_slice(&common);
    assert_eq!(code(&yinxin(dir, &args)), 4);
    let mut args = vec!["material", "seal", "--in", "in", "--out", "out2"];
    args.extend_from_slice(&common);
    assert_eq!(code(&yinxin(dir, &args)), 1);
}

#[test]
fn licence_types_and_issue_every_example() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let k = keys_dev();
    let kd = |f: &str| k.join(f).to_string_lossy().into_owned();
    let types = ok(dir, &["licence", "types"]);
    assert!(types.contains("营业执照"), "{types}");
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut issued = 0;
    for e in std::fs::read_dir(&examples).unwrap() {
        let path = e.unwrap().path();
        if path.extension().is_none_or(|x| x != "json") {
            continue;
        }
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if name.ends_with("-mapping") {
            continue; // the bulk-conversion example's mapping, not a field file
        }
        let out = dir.join(&name);
        let id = ok(
            dir,
            &["licence", "issue", "--type", &name, "--data", &path.to_string_lossy(), "--key-dir", &kd(""), "--out"]
                .into_iter()
                .chain([out.to_str().unwrap()])
                .collect::<Vec<_>>(),
        );
        let id = id.trim();
        for ext in ["ofd", "pdf"] {
            let f = out.join(format!("{id}.{ext}"));
            let o = yinxin(
                dir,
                &["verify", f.to_str().unwrap(), "--trust", &kd("root-ca.cert.pem"), "--chain", &kd("chain.pem")],
            );
            assert_eq!(code(&o), 0, "{name} {ext}: {}", String::from_utf8_lossy(&o.stdout));
        }
        let meta: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join(format!("{id}.json"))).unwrap()).unwrap();
        assert_eq!(meta["identifier"], id);
        issued += 1;
    }
    assert_eq!(issued, 5);
    // A missing required field is an input error (4) naming the field; nothing is written.
    std::fs::write(dir.join("bad.json"), br#"{"name": "x"}"#).unwrap();
    let o = yinxin(
        dir,
        &["licence", "issue", "--type", "营业执照", "--data", "bad.json", "--key-dir", &kd(""), "--out", "bad"],
    );
    assert_eq!(code(&o), 4, "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!dir.join("bad").exists());
    // An unknown type is a usage error (2).
    let o = yinxin(
        dir,
        &["licence", "issue", "--type", "驾驶证", "--data", "bad.json", "--key-dir", &kd(""), "--out", "x"],
    );
    assert_eq!(code(&o), 2);
}

#[test]
fn licence_import_survives_being_killed() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let k = keys_dev();
    let kd = |f: &str| k.join(f).to_string_lossy().into_owned();
    const ROWS: usize = 100;
    let mut csv = String::from("TYSHXYDM,QYMC,FDDBR,ZS,FZRQ\n");
    for i in 0..ROWS {
        let first = format!("9153010{i:02}MA6K0X12");
        let uscc = format!("{first}{}", yinxin_licence::codes::uscc_check_char(&first).unwrap());
        csv.push_str(&format!("{uscc},云南第{i}科技有限公司,李四,昆明市五华区某某路{i}号,2020-01-0{}\n", 1 + i % 9));
    }
    csv.push_str("91530100MA6K0X1230,坏的代码,王五,某路,2020-01-01\n");
    std::fs::write(dir.join("export.csv"), csv).unwrap();
    std::fs::write(
        dir.join("mapping.json"),
        r#"{"type": "营业执照", "issued_column": "FZRQ",
            "columns": {"uscc": "TYSHXYDM", "name": "QYMC", "legal_representative": "FDDBR", "address": "ZS"},
            "constants": {"entity_type": "有限责任公司", "business_scope": "软件开发。", "established": "2020-01-01",
                          "registration_authority": "昆明市五华区市场监督管理局"}}"#,
    )
    .unwrap();
    let args =
        ["licence", "import", "--in", "export.csv", "--mapping", "mapping.json", "--key-dir", &kd(""), "--out", "out"];
    // Start, and kill it (SIGKILL: no clean-up) once a few rows are in the journal.
    let mut child = Command::new(env!("CARGO_BIN_EXE_yinxin"))
        .args(args)
        .current_dir(dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let journal = dir.join("out/import-journal.jsonl");
    let lines = || std::fs::read_to_string(&journal).map(|t| t.lines().count()).unwrap_or(0);
    while lines() < 3 {
        assert!(child.try_wait().unwrap().is_none(), "finished before it could be interrupted");
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let at_kill = lines();
    assert!(at_kill < ROWS + 1, "the run was interrupted");
    // Run the same command again: it finishes the rest; the bad row makes the exit status 1.
    let o = yinxin(dir, &args);
    assert_eq!(code(&o), 1, "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("1 rejected"), "{out}");
    let text = std::fs::read_to_string(&journal).unwrap();
    let outcomes: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(outcomes.len(), ROWS + 1);
    let ids: std::collections::BTreeSet<&str> = outcomes.iter().filter_map(|o| o["identifier"].as_str()).collect();
    assert_eq!(ids.len(), ROWS);
    let ofds = std::fs::read_dir(dir.join("out"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "ofd"))
        .count();
    assert_eq!(ofds, ROWS, "every row issued exactly once");
    let leftovers = std::fs::read_dir(dir.join("out"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().ends_with(".part"))
        .count();
    assert_eq!(leftovers, 0, "the rerun rewrote the killed row's temporary files under the same names");
    let first = ids.iter().next().unwrap();
    let o = yinxin(
        dir,
        &["verify", &format!("out/{first}.pdf"), "--trust", &kd("root-ca.cert.pem"), "--chain", &kd("chain.pem")],
    );
    assert_eq!(code(&o), 0);
    // A third run has nothing left to do.
    let o = yinxin(dir, &args);
    assert!(String::from_utf8_lossy(&o.stdout).contains(&format!("{} already done", ROWS + 1)));
}

#[test]
fn licence_reissue_and_annotate_through_the_cli() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let k = keys_dev();
    let kd = |f: &str| k.join(f).to_string_lossy().into_owned();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/营业执照.json");
    let key_dir = kd("");
    let with_keys = |args: &[&str]| {
        let mut v: Vec<&str> = args.to_vec();
        v.extend_from_slice(&["--key-dir", &key_dir]);
        ok(dir, &v).trim().to_string()
    };
    let v1 = with_keys(&["licence", "issue", "--type", "营业执照", "--data", example.to_str().unwrap(), "--out", "v1"]);
    let mut fields: serde_json::Value = serde_json::from_slice(&std::fs::read(&example).unwrap()).unwrap();
    fields["address"] = "云南省昆明市官渡区新址路2号".into();
    std::fs::write(dir.join("new.json"), fields.to_string()).unwrap();
    let prev = format!("v1/{v1}.json");
    let v2 = with_keys(&["licence", "reissue", "--previous", &prev, "--data", "new.json", "--out", "v2"]);
    assert!(v2.ends_with(&format!(".002.{}", v2.chars().last().unwrap())), "{v2}");
    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join(format!("v2/{v2}.json"))).unwrap()).unwrap();
    assert_eq!(meta["supersedes"], v1.as_str());
    let expires = format!("{}", (time::OffsetDateTime::now_utc() + time::Duration::days(30)).date());
    let cur = format!("v2/{v2}.json");
    let copy = with_keys(&[
        "licence",
        "annotate",
        "--licence",
        &cur,
        "--use-cause",
        "办理银行开户",
        "--user",
        "某银行昆明分行",
        "--expires",
        &expires,
        "--out",
        "copies",
    ]);
    assert_eq!(copy, format!("{v2}.加注.{expires}"));
    for f in [format!("v2/{v2}.ofd"), format!("copies/{copy}.pdf"), format!("copies/{copy}.ofd")] {
        let o = yinxin(dir, &["verify", &f, "--trust", &kd("root-ca.cert.pem"), "--chain", &kd("chain.pem")]);
        assert_eq!(code(&o), 0, "{f}: {}", String::from_utf8_lossy(&o.stdout));
    }
    // Another department cannot re-issue or annotate it (exit 4, naming the issuer).
    let o = yinxin(
        dir,
        &["licence", "reissue", "--previous", &cur, "--data", "new.json", "--out", "x"]
            .into_iter()
            .chain(["--key-dir", &key_dir, "--issuer", "dept-transport"])
            .collect::<Vec<_>>(),
    );
    assert_eq!(code(&o), 4);
    assert!(String::from_utf8_lossy(&o.stderr).contains("was issued by"), "{}", String::from_utf8_lossy(&o.stderr));
    // A past expiry is refused.
    let o = yinxin(
        dir,
        &["licence", "annotate", "--licence", &cur, "--use-cause", "x", "--user", "y", "--expires", "2020-01-01"]
            .into_iter()
            .chain(["--out", "x", "--key-dir", &key_dir])
            .collect::<Vec<_>>(),
    );
    assert_eq!(code(&o), 4);
}

#[test]
fn archive_check_and_verify_package_with_exit_codes() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    std::fs::write(p.join("form.xml"), "<?xml version=\"1.0\"?><申请><名称>某公司</名称></申请>").unwrap();
    std::fs::write(p.join("fake.pdf"), "这不是PDF").unwrap();
    std::fs::write(p.join("empty.ofd"), b"").unwrap();
    // Well-formed, but no virus scanner was given: accepted with warnings (exit 3), never plain "accepted".
    let o = yinxin(p, &["archive", "check", "form.xml", "--json"]);
    assert_eq!(code(&o), 3, "{}", String::from_utf8_lossy(&o.stdout));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v[0]["verdict"], "accepted_with_warnings");
    assert_eq!(v[0]["format"]["kind"], "xml");
    let sec01 = v[0]["checks"].as_array().unwrap().iter().find(|c| c["id"] == "SEC-01").unwrap();
    assert_eq!(sec01["outcome"]["state"], "not_run");
    // Named .pdf but text; an empty file: rejected (exit 1), each for its reason.
    let o = yinxin(p, &["archive", "check", "form.xml", "fake.pdf", "empty.ofd"]);
    assert_eq!(code(&o), 1);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("fake.pdf: text/plain — Rejected"), "{text}");
    assert!(text.contains("empty (0 bytes)"), "{text}");
    assert_eq!(code(&yinxin(p, &["archive", "check", "missing.pdf"])), 4);

    // A package: valid, then one flipped payload byte.
    let bag = p.join("bag");
    let files = vec![yinxin_archive::bagit::PayloadFile { path: "元数据.xml".into(), bytes: b"<a/>".to_vec() }];
    yinxin_archive::bagit::write(&bag, &files, &[("Bagging-Date", "2026-11-26".into())]).unwrap();
    assert_eq!(code(&yinxin(p, &["archive", "verify-package", "bag"])), 0);
    std::fs::write(bag.join("data/元数据.xml"), b"<b/>").unwrap();
    let o = yinxin(p, &["archive", "verify-package", "bag", "--json"]);
    assert_eq!(code(&o), 1);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["valid"], false);
    assert_eq!(code(&yinxin(p, &["archive", "verify-package", "."])), 4);
}
