//! `yinxin sm3 FILE…`: SM3 digests of files (GB/T 32905), printed as `openssl dgst -sm3` prints
//! them (`SM3(FILE)= hex`), read in 1 MiB pieces so a file of any size takes constant memory.
//! With no file, or `-`, standard input.

use crate::io::{CliError, CliResult, EXIT_OK};
use clap::Args;
use std::io::Read;
use std::path::PathBuf;

#[derive(Args)]
pub struct Sm3Args {
    /// The files (`-` or none: standard input).
    files: Vec<PathBuf>,
}

fn digest(mut r: impl Read) -> std::io::Result<yinxin_gm::sm3::Sm3Digest> {
    let mut h = yinxin_gm::sm3::Sm3Hasher::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        match r.read(&mut buf) {
            Ok(0) => return Ok(h.finalize()),
            Ok(n) => {
                h.update(&buf[..n]);
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

pub fn run(a: Sm3Args) -> CliResult {
    let files = if a.files.is_empty() { vec![PathBuf::from("-")] } else { a.files };
    for f in files {
        let d = if f.as_os_str() == "-" {
            digest(std::io::stdin().lock())
        } else {
            std::fs::File::open(&f).and_then(digest)
        }
        .map_err(|e| CliError::input(format!("{}: {e}", f.display())))?;
        println!("SM3({})= {}", f.display(), d.to_hex());
    }
    Ok(EXIT_OK)
}
