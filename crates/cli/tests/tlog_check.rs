//! The independent checker (`tests/tlog/check.py`: Python, its own RFC 9162 Merkle code, SM3
//! from `openssl dgst -sm3`, no yinxin code) against a running `yinxin serve`: 150 licences
//! issued with each checkpoint recorded, then the served tiles, every inclusion proof and 100
//! consistency proofs verified. `tests/tlog/run.sh` runs the full 1,000 by hand.

use std::path::PathBuf;
use std::process::Command;

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn the_independent_checker_verifies_the_served_log() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let served = yinxin_tests::serve(std::path::Path::new(env!("CARGO_BIN_EXE_yinxin")), &data, &[], &[]);
    let base = served.base.clone();
    let check = workspace().join("tests/tlog/check.py");
    let creds = data.join("dev-credentials.json");
    let seen = dir.path().join("seen.json");
    let run = |args: &[&std::ffi::OsStr]| Command::new("python3").arg(&check).args(args).output().unwrap();
    let out = run(&["issue".as_ref(), base.as_ref(), creds.as_os_str(), "150".as_ref(), seen.as_os_str()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = run(&["verify".as_ref(), base.as_ref(), creds.as_os_str(), seen.as_os_str()]);
    drop(served);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("inclusion: 150 proofs for 150 licences verify"), "{stdout}");
    assert!(stdout.contains("consistency: 100 proofs"), "{stdout}");
    assert!(stdout.trim_end().ends_with("PASSED"), "{stdout}");
}
