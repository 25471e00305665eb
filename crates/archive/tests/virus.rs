//! SEC-01 against a real clamd (Debian's clamav-daemon, which `tests/run.sh` installs) started
//! here with a one-line EICAR signature database on a private Unix socket.

use std::process::{Child, Command};
use yinxin_archive::check::Outcome;
use yinxin_archive::virus::{self, Clamd};

const EICAR: &[u8] = br"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

struct Daemon(Child, tempfile::TempDir);
impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start() -> (Daemon, Clamd) {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    std::fs::create_dir(p.join("db")).unwrap();
    std::fs::create_dir(p.join("tmp")).unwrap();
    std::fs::write(p.join("db/eicar.ndb"), format!("Eicar-Test-Signature:0:0:{}\n", hex::encode(EICAR))).unwrap();
    let conf = p.join("clamd.conf");
    std::fs::write(
        &conf,
        format!(
            "LocalSocket {0}/clamd.sock\nDatabaseDirectory {0}/db\nTemporaryDirectory {0}/tmp\nPidFile {0}/clamd.pid\nLogFile {0}/clamd.log\nForeground yes\nStreamMaxLength 1M\n",
            p.display()
        ),
    )
    .unwrap();
    let bin = ["/usr/sbin/clamd", "clamd"]
        .into_iter()
        .find(|b| Command::new(b).arg("--version").output().is_ok())
        .expect("clamd is missing: tests/run.sh installs Debian's clamav-daemon");
    let child = Command::new(bin)
        .arg(format!("--config-file={}", conf.display()))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let clamd = Clamd::new(p.join("clamd.sock"));
    let daemon = Daemon(child, d);
    for _ in 0..300 {
        if clamd.ping() {
            return (daemon, clamd);
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("clamd did not come up: {}", std::fs::read_to_string(daemon.1.path().join("clamd.log")).unwrap_or_default());
}

#[test]
fn clean_infected_and_unscannable_are_three_different_answers() {
    let (_d, clamd) = start();
    let clean = clamd.scan("营业执照申请书".as_bytes());
    assert_eq!(clean.outcome, Outcome::Pass, "{clean:?}");
    assert!(clean.tool.starts_with("ClamAV "), "the event names the engine: {}", clean.tool);

    let bad = clamd.scan(EICAR);
    assert_eq!(bad.outcome, Outcome::Fail);
    assert!(bad.detail.contains("Eicar-Test-Signature"), "{bad:?}");

    // Inside a zip too.
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    w.start_file("readme.txt", zip::write::SimpleFileOptions::default()).unwrap();
    std::io::Write::write_all(&mut w, EICAR).unwrap();
    let zipped = w.finish().unwrap().into_inner();
    assert_eq!(clamd.scan(&zipped).outcome, Outcome::Fail);

    // Over clamd's stream limit: not scanned, and never a pass.
    let big = vec![b'a'; 2 << 20];
    assert!(matches!(clamd.scan(&big).outcome, Outcome::NotRun(_)), "{:?}", clamd.scan(&big));

    // A scanner that is down, or none configured: not run, with the reason.
    let gone = Clamd::new("/nonexistent/clamd.sock");
    assert!(matches!(gone.scan(b"x").outcome, Outcome::NotRun(r) if r.contains("did not answer")));
    assert!(matches!(virus::scan(None, b"x").outcome, Outcome::NotRun(r) if r.contains("no virus scanner")));
}
