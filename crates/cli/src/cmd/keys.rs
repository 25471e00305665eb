//! `yinxin keys`: the service's keys at rest. `rotate-kek` rewraps every key the database keeps
//! under the key-encryption key (departments' signing keys, the service's own keys and secrets,
//! persons' signing keys) under a new KEK, in one transaction.

use crate::io::{CliError, CliResult, EXIT_OK};
use clap::{Args, Subcommand};
use std::path::PathBuf;
use yinxin_server::keys::{Kek, write_private};

#[derive(Subcommand)]
pub enum KeysCmd {
    /// Rewrap every stored key under a new key-encryption key, in one transaction. Stop the
    /// service first: a running service keeps the old KEK and would wrap new keys under it.
    /// The old KEK is read as `serve` reads it (`kek` in the configuration, YINXIN_KEK, or
    /// DATA_DIR/kek.hex). The new one is written to (with --generate) or read from --new-kek-file
    /// before anything changes; when the old one came from DATA_DIR/kek.hex, that file is
    /// replaced after the commit. The KEK itself is never printed.
    RotateKek(RotateArgs),
}

#[derive(Args)]
pub struct RotateArgs {
    /// The new KEK: 32 hex digits (16 bytes, SM4). With --generate, a file to create (mode 0600).
    #[arg(long)]
    new_kek_file: PathBuf,
    /// Generate the new KEK into --new-kek-file (which must not exist yet).
    #[arg(long)]
    generate: bool,
    #[command(flatten)]
    data: super::DataArgs,
}

pub fn run(c: KeysCmd) -> CliResult {
    match c {
        KeysCmd::RotateKek(a) => rotate(a),
    }
}

fn rotate(a: RotateArgs) -> CliResult {
    let cfg = a.data.load()?;
    let (old, from_file) = Kek::load(cfg.kek.as_deref(), &cfg.data_dir).map_err(CliError::input)?.ok_or_else(|| {
        CliError::input(format!(
            "no key-encryption key: none configured (kek / YINXIN_KEK) and no {}",
            cfg.data_dir.join("kek.hex").display()
        ))
    })?;
    let new = if a.generate {
        if a.new_kek_file.exists() {
            return Err(CliError::usage(format!("{} exists: --generate makes a new file", a.new_kek_file.display())));
        }
        let k = Kek::generate().map_err(CliError::input)?;
        write_private(&a.new_kek_file, k.to_hex().as_bytes()).map_err(CliError::input)?;
        k
    } else {
        let text = std::fs::read_to_string(&a.new_kek_file)
            .map(zeroize::Zeroizing::new)
            .map_err(|e| CliError::input(format!("{}: {e}", a.new_kek_file.display())))?;
        Kek::from_hex(&text).map_err(CliError::input)?
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::input(format!("cannot start the runtime: {e}")))?;
    let n = rt.block_on(async {
        let db = yinxin_store::Db::connect(&cfg.database_url(), 1).await.map_err(|e| e.to_string())?;
        let n = yinxin_server::keys::rotate_kek(&db, &old, &new).await;
        db.close().await;
        n
    });
    let n = n.map_err(CliError::input)?;
    if from_file {
        let file = cfg.data_dir.join("kek.hex");
        let tmp = cfg.data_dir.join("kek.hex.new");
        write_private(&tmp, new.to_hex().as_bytes()).map_err(CliError::input)?;
        std::fs::rename(&tmp, &file).map_err(|e| CliError::input(format!("{}: {e}", file.display())))?;
        println!("rotated the key-encryption key: {n} keys rewrapped; {} holds the new KEK", file.display());
    } else {
        println!(
            "rotated the key-encryption key: {n} keys rewrapped; set kek / YINXIN_KEK to the contents of {} before starting the service",
            a.new_kek_file.display()
        );
    }
    Ok(EXIT_OK)
}
