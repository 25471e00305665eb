//! Helpers shared by the cross-crate tests: running the OpenSSL 3 CLI as an independent oracle,
//! scratch directories, and the repository's paths.

pub mod corpus;
pub mod pki;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The SM2 distinguishing ID option OpenSSL 3.0 needs (its default ID is the empty string).
pub const DISTID: &str = "distid:1234567812345678";

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

/// `../shared/samples` beside the checkout.
pub fn samples() -> PathBuf {
    repo().join("../shared/samples")
}

/// Run `openssl` with `args` in `dir`; returns the output whatever the exit status.
pub fn openssl(dir: &Path, args: &[&str]) -> Output {
    Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the openssl CLI is installed (README test command installs it)")
}

/// Run `openssl` and require success; returns stdout.
pub fn openssl_ok(dir: &Path, args: &[&str]) -> String {
    let out = openssl(dir, args);
    assert!(
        out.status.success(),
        "openssl {} failed:\n{}{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A fresh scratch directory.
pub fn scratch() -> tempfile::TempDir {
    tempfile::tempdir().expect("temporary directory")
}

/// Run a tool installed by tests/run.sh: (whether it succeeded, stdout then stderr).
pub fn tool(name: &str, args: &[&str]) -> (bool, String) {
    let o = Command::new(name).args(args).output().unwrap_or_else(|e| panic!("{name}: {e} (tests/run.sh installs it)"));
    (o.status.success(), format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr)))
}

/// `pdf` with one more incremental update that replaces the first page's content stream with
/// "FORGED": what a verifier must report as a change after signing.
pub fn forged_page_update(pdf: &[u8]) -> Vec<u8> {
    let doc = lopdf::Document::load_mem(pdf).expect("a PDF");
    let page = *doc.get_pages().get(&1).expect("a first page");
    let contents = doc.get_page_contents(page)[0];
    let root = doc.trailer.get(b"Root").and_then(lopdf::Object::as_reference).expect("a /Root");
    let tail = &pdf[pdf.len().saturating_sub(2048)..];
    let at = tail.windows(9).rposition(|w| w == b"startxref").expect("startxref");
    let prev: String = tail[at + 9..]
        .iter()
        .map(|b| *b as char)
        .skip_while(|c| c.is_whitespace())
        .take_while(char::is_ascii_digit)
        .collect();
    let mut evil = pdf.to_vec();
    let body = b"BT /F1 40 Tf 100 400 Td (FORGED) Tj ET";
    let off = evil.len();
    evil.extend_from_slice(format!("{} 0 obj\n<</Length {}>>\nstream\n", contents.0, body.len()).as_bytes());
    evil.extend_from_slice(body);
    evil.extend_from_slice(b"\nendstream\nendobj\n");
    let xref = evil.len();
    evil.extend_from_slice(
        format!(
            "xref\n{} 1\n{off:010} 00000 n \ntrailer\n<</Size {} /Root {} 0 R /Prev {prev}>>\nstartxref\n{xref}\n%%EOF\n",
            contents.0,
            doc.max_id + 1,
            root.0
        )
        .as_bytes(),
    );
    evil
}

/// Every file under `dir`, recursively.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("a directory") {
        let p = e.expect("an entry").path();
        if p.is_dir() { out.extend(files_under(&p)) } else { out.push(p) }
    }
    out
}

/// Copy the directory `from` to `to`, recursively.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("a directory");
    for e in std::fs::read_dir(from).expect("a directory") {
        let p = e.expect("an entry").path();
        let t = to.join(p.file_name().expect("a name"));
        if p.is_dir() {
            copy_dir(&p, &t)
        } else {
            std::fs::copy(&p, &t).expect("a copy");
        }
    }
}

/// Write a file in `dir` and return its name.
pub fn put(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> String {
    std::fs::write(dir.join(name), bytes).expect("write test file");
    name.to_string()
}

/// A `yinxin serve` process started by [`serve`]; killed when dropped (if still running).
pub struct Served {
    /// The process.
    pub child: std::process::Child,
    /// Where it listens (`http://127.0.0.1:PORT`).
    pub base: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Start `bin serve` on a free loopback port with `data` as its data directory and the
/// repository's `keys-dev/`, a high rate limit, quiet logs, the extra arguments `args` (e.g.
/// `--config FILE`) and the extra environment `env`; returns once it has printed the address it
/// listens on.
pub fn serve(bin: &Path, data: &Path, args: &[&std::ffi::OsStr], env: &[(&str, &std::ffi::OsStr)]) -> Served {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(bin)
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data)
        .arg("--key-dir")
        .arg(repo().join("keys-dev"))
        .args(args)
        .env("YINXIN_RATE_PER_SECOND", "100000")
        .env("RUST_LOG", "warn")
        .envs(env.iter().map(|(k, v)| (*k, *v)))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("yinxin serve starts");
    let mut line = String::new();
    if let Some(out) = child.stdout.take() {
        let _ = BufReader::new(out).read_line(&mut line);
    }
    let base = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("yinxin serve printed no address: {line:?}"))
        .to_string();
    Served { child, base }
}
