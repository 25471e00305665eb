//! `yinxin licence extend` and `yinxin archive evidence`: a licence issued from keys-dev made
//! long-term and renewed, in PDF and OFD; a demonstration package's evidence record listed as not
//! due, renewed under SHA-256, checked by `verify-package` and by the independent Python checker;
//! a package left out of a renewal named.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn yinxin(args: &[&std::ffi::OsStr], trust_dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_yinxin"))
        .args(args)
        .current_dir(workspace())
        .env("YINXIN_TRUST_DIR", trust_dir)
        .output()
        .unwrap()
}

fn ok(o: &Output) -> String {
    assert!(o.status.success(), "{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn os(s: &str) -> &std::ffi::OsStr {
    s.as_ref()
}

#[test]
fn licences_are_extended_and_renewed_from_the_command_line() {
    let d = tempfile::tempdir().unwrap();
    let trust = d.path().join("trust");
    let out = d.path().join("out");
    ok(&yinxin(
        &[os("licence"), os("issue"), os("--type"), os("营业执照"), os("--data"), os("examples/营业执照.json")]
            .into_iter()
            .chain([os("--out"), out.as_os_str(), os("--key-dir"), os("keys-dev")])
            .collect::<Vec<_>>(),
        &trust,
    ));
    for ext in ["pdf", "ofd"] {
        let issued = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|e| e == ext))
            .unwrap();
        let lt = d.path().join(format!("long-term.{ext}"));
        let said = ok(&yinxin(&[os("licence"), os("extend"), issued.as_os_str(), os("--out"), lt.as_os_str()], &trust));
        assert!(said.contains("extended"), "{said}");
        // Renewed in place.
        ok(&yinxin(&[os("licence"), os("extend"), lt.as_os_str()], &trust));
        let r = ok(&yinxin(
            &[os("verify"), lt.as_os_str(), os("--trust"), os("keys-dev/root-ca.cert.pem"), os("--json")],
            &trust,
        ));
        let v: serde_json::Value = serde_json::from_str(&r).unwrap();
        assert_eq!(v["indication"], "PASSED", "{ext}: {v:#}");
        let stamp = if ext == "pdf" { "document time stamp 1 of 2" } else { "package time stamp 1 of 2" };
        assert!(r.contains(stamp), "{ext}: {r}");
        assert!(std::fs::read(&lt).unwrap().len() > std::fs::read(&issued).unwrap().len());
    }
    let junk = d.path().join("junk.txt");
    std::fs::write(&junk, b"not a licence").unwrap();
    let o = yinxin(&[os("licence"), os("extend"), junk.as_os_str()], &trust);
    assert!(!o.status.success() && String::from_utf8_lossy(&o.stderr).contains("neither a PDF nor an OFD"));
}

#[test]
fn package_evidence_from_the_command_line() {
    let d = tempfile::tempdir().unwrap();
    let service_trust = d.path().join("service-trust");
    let pkg = d.path().join("demo");
    ok(&yinxin(&[os("archive"), os("export"), os("--demo"), os("--out"), pkg.as_os_str()], &service_trust));
    let record = pkg.join("data/证据/evidence.ers");
    assert!(record.is_file(), "an exported package carries its evidence record");
    let second = d.path().join("demo-2");
    yinxin_tests::copy_dir(&pkg, &second);

    let due =
        ok(&yinxin(&[os("archive"), os("evidence"), os("due"), pkg.as_os_str(), second.as_os_str()], &service_trust));
    assert_eq!(due.matches(": null").count(), 2, "nothing due: {due}");
    // A hash-tree renewal of the first package only: the second is named as left out. (Time
    // stamps count whole seconds: the renewal must come at least a second after the export.)
    std::thread::sleep(std::time::Duration::from_millis(2100));
    ok(&yinxin(
        &[os("archive"), os("evidence"), os("renew"), pkg.as_os_str(), os("--hash"), os("sha256")],
        &service_trust,
    ));
    let o = yinxin(
        &[os("archive"), os("evidence"), os("due"), pkg.as_os_str(), second.as_os_str(), os("--hash"), os("sha256")],
        &service_trust,
    );
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(o.status.code(), Some(1), "{text}");
    assert!(text.contains(&format!("{}: null", pkg.display())), "renewed: nothing due: {text}");
    let second_line = text.lines().find(|l| l.starts_with(&format!("{}: {{", second.display()))).unwrap_or_default();
    assert!(second_line.contains("\"renewal\":\"hash_tree\""), "{text}");
    assert!(text.contains(&format!("{}: LEFT OUT", second.display())), "{text}");
    // The renewed package verifies end to end, its record included.
    let v = ok(&yinxin(
        &[
            os("archive"),
            os("verify-package"),
            pkg.as_os_str(),
            os("--trust"),
            os("keys-dev/root-ca.cert.pem"),
            os("--json"),
        ],
        &d.path().join("empty"),
    ));
    let v: serde_json::Value = serde_json::from_str(&v).unwrap();
    assert_eq!(v["verdict"], "accepted", "{v:#}");
    let aut03 = v["checks"].as_array().unwrap().iter().find(|c| c["id"] == "AUT-03").unwrap();
    assert!(aut03["detail"].as_str().unwrap().contains("2 chain(s)"), "{aut03}");
    // The independent checker agrees.
    let mut files = yinxin_tests::files_under(&pkg.join("data"));
    files.retain(|f| !f.ends_with("evidence.ers"));
    let o = Command::new("python3")
        .arg(workspace().join("tests/ers/check_ers.py"))
        .arg(&record)
        .args(&files)
        .output()
        .unwrap();
    ok(&o);
    // Making a record again is refused: a package's record is renewed, never replaced.
    let o = yinxin(&[os("archive"), os("evidence"), os("make"), pkg.as_os_str()], &service_trust);
    assert!(!o.status.success() && String::from_utf8_lossy(&o.stderr).contains("renew it"));
}
