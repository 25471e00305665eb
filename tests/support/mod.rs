//! Helpers shared by the cross-crate tests: running the OpenSSL 3 CLI as an independent oracle,
//! scratch directories, and the repository's paths.

pub mod corpus;

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

/// Write a file in `dir` and return its name.
pub fn put(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> String {
    std::fs::write(dir.join(name), bytes).expect("write test file");
    name.to_string()
}
