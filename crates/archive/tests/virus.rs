//! SEC-01 against a real clamd (Debian's clamav-daemon, which `tests/run.sh` installs) started
//! here with a one-line EICAR signature database on a private Unix socket.

use yinxin_archive::check::Outcome;
use yinxin_archive::virus::{self, Clamd};
use yinxin_tests::corpus::eicar;

fn start() -> (yinxin_tests::corpus::Clamd, Clamd) {
    let d = yinxin_tests::corpus::Clamd::start();
    let c = Clamd::new(d.socket());
    (d, c)
}

#[test]
fn clean_infected_and_unscannable_are_three_different_answers() {
    let (_d, clamd) = start();
    let clean = clamd.scan("营业执照申请书".as_bytes());
    assert_eq!(clean.outcome, Outcome::Pass, "{clean:?}");
    assert!(clean.tool.starts_with("ClamAV "), "the event names the engine: {}", clean.tool);

    let bad = clamd.scan(&eicar());
    assert_eq!(bad.outcome, Outcome::Fail);
    assert!(bad.detail.contains("Eicar-Test-Signature"), "{bad:?}");

    // Inside a zip too.
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    w.start_file("readme.txt", zip::write::SimpleFileOptions::default()).unwrap();
    std::io::Write::write_all(&mut w, &eicar()).unwrap();
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
