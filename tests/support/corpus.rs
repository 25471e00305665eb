//! Files for archive tests, generated at test time (small, licence-free, deterministic), a private
//! clamd with an EICAR-only signature database, and the independent BagIt validator from PyPI.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};

/// A one-page PDF, its content stream carrying `text` (so different texts give different bytes).
pub fn pdf(text: &str) -> Vec<u8> {
    pdf_with(text.as_bytes())
}

/// A one-page PDF whose content stream holds `payload` as a comment (any size: a large scan).
pub fn pdf_with(payload: &[u8]) -> Vec<u8> {
    use lopdf::{Document, Object, Stream, dictionary};
    let mut doc = Document::with_version("1.7");
    let pages_id = doc.new_object_id();
    let mut body = b"BT ET\n%".to_vec();
    body.extend(payload.iter().map(|b| if *b == b'\n' || *b == b'\r' { b' ' } else { *b }));
    let content = doc.add_object(Stream::new(dictionary! {}, body));
    let page = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages_id, "Contents" => content,
        "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {"Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1}),
    );
    let catalog = doc.add_object(dictionary! {"Type" => "Catalog", "Pages" => pages_id});
    doc.trailer.set("Root", catalog);
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("a PDF in memory");
    out
}

/// A zip of these entries (deflated).
pub fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let o = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (n, b) in entries {
        w.start_file(*n, o).expect("zip entry");
        w.write_all(b).expect("zip write");
    }
    w.finish().expect("zip").into_inner()
}

/// An OFD-shaped zip (OFD.xml and its DocRoot), or one whose DocRoot is missing.
pub fn ofd(with_root: bool) -> Vec<u8> {
    let main = br#"<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016" Version="1.0" DocType="OFD"><ofd:DocBody><ofd:DocInfo><ofd:DocID>x</ofd:DocID></ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"#;
    let doc: &[u8] =
        br#"<?xml version="1.0" encoding="UTF-8"?><ofd:Document xmlns:ofd="http://www.ofdspec.org/2016"/>"#;
    if with_root { zip(&[("OFD.xml", main), ("Doc_0/Document.xml", doc)]) } else { zip(&[("OFD.xml", main)]) }
}

/// A 64×48 image in `f`, its pixels shifted by `seed` (different seeds, different bytes).
pub fn image(f: image::ImageFormat, seed: u8) -> Vec<u8> {
    let img = image::RgbImage::from_fn(64, 48, |x, y| {
        image::Rgb([(x * 4) as u8 ^ seed, (y * 5) as u8, 90u8.wrapping_add(seed)])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, f).expect("image encodes");
    out.into_inner()
}

/// A zip bomb: `mib` MiB of zeros deflated to a few KiB.
pub fn zip_bomb(mib: usize) -> Vec<u8> {
    let zeros = vec![0u8; mib << 20];
    zip(&[("zeros.bin", &zeros)])
}

/// The EICAR test string, assembled at run time so that no source file holds it whole (antivirus
/// engines on developers' machines would quarantine the file).
pub fn eicar() -> Vec<u8> {
    [r"X5O!P%@AP[4\PZX54(P^)7CC)7}$", "EICAR-STANDARD-ANTIVIRUS", "-TEST-FILE!$H+H*"].concat().into_bytes()
}

/// A clamd (Debian's clamav-daemon) on a private socket, with a database holding only the EICAR
/// signature and a 1 MiB stream limit; killed when dropped.
pub struct Clamd {
    child: Child,
    dir: tempfile::TempDir,
}

impl Clamd {
    /// Start it and wait until it answers PING.
    pub fn start() -> Self {
        let d = tempfile::tempdir().expect("tempdir");
        let p = d.path();
        std::fs::create_dir(p.join("db")).expect("db dir");
        std::fs::create_dir(p.join("tmp")).expect("tmp dir");
        std::fs::write(p.join("db/eicar.ndb"), format!("Eicar-Test-Signature:0:0:{}\n", hex::encode(eicar())))
            .expect("signature");
        let conf = p.join("clamd.conf");
        std::fs::write(
            &conf,
            format!(
                "LocalSocket {0}/clamd.sock\nDatabaseDirectory {0}/db\nTemporaryDirectory {0}/tmp\nPidFile {0}/clamd.pid\nLogFile {0}/clamd.log\nForeground yes\nStreamMaxLength 1M\n",
                p.display()
            ),
        )
        .expect("config");
        let bin = ["/usr/sbin/clamd", "clamd"]
            .into_iter()
            .find(|b| Command::new(b).arg("--version").output().is_ok())
            .expect("clamd is missing: tests/run.sh installs Debian's clamav-daemon");
        let child = Command::new(bin)
            .arg(format!("--config-file={}", conf.display()))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("clamd starts");
        let me = Self { child, dir: d };
        for _ in 0..300 {
            if let Ok(mut s) = std::os::unix::net::UnixStream::connect(me.socket()) {
                use std::io::Read;
                let mut r = String::new();
                if s.write_all(b"zPING\0").is_ok() && s.read_to_string(&mut r).is_ok() && r.starts_with("PONG") {
                    return me;
                }
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!(
            "clamd did not come up: {}",
            std::fs::read_to_string(me.dir.path().join("clamd.log")).unwrap_or_default()
        );
    }

    /// Its socket.
    pub fn socket(&self) -> PathBuf {
        self.dir.path().join("clamd.sock")
    }
}

impl Drop for Clamd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Validate a bag with PyPI's `bagit` (`python3 -m bagit --validate`): (valid, output).
pub fn python_bagit(dir: &Path) -> (bool, String) {
    let out = Command::new("python3")
        .args(["-m", "bagit", "--validate"])
        .arg(dir)
        .output()
        .expect("python3 runs (tests/run.sh installs `bagit` from PyPI)");
    let text = String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("No module named bagit"), "install bagit from PyPI: {text}");
    (out.status.success(), text)
}
