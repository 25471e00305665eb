//! `yinxin trust list|add|remove`: the trust store a user keeps — a directory of root
//! certificates (PEM or DER) that `yinxin verify` and `yinxin archive verify-package` use when no
//! `--trust` is given. Where it is: `--trust-dir`, else `YINXIN_TRUST_DIR`, else
//! `$XDG_CONFIG_HOME/yinxin/trust` (`~/.config/yinxin/trust`). Without any anchor, verification
//! still runs every cryptographic and structural check; the chain ends INDETERMINATE /
//! NO_CERTIFICATE_CHAIN_FOUND, naming the issuer it could not find.
//!
//! Also the validation policy a command judges under (`--policy FILE`, default the built-in one).

use super::cert::short_name;
use crate::io::{CliError, CliResult, EXIT_OK, print_json, read, write};
use clap::{Args, Subcommand};
use serde::Serialize;
use std::path::{Path, PathBuf};
use yinxin_pki::{Cert, Policy, TrustStore, load_certs};

/// Where trust anchors come from, for commands that verify.
#[derive(Args, Debug, Clone, Default)]
pub struct TrustArgs {
    /// Trust anchors for signers and time-stamp authorities (file or directory). Repeatable.
    /// Without it, the trust store (`--trust-dir`) is used.
    #[arg(long)]
    pub trust: Vec<PathBuf>,
    /// The trust store directory (default: YINXIN_TRUST_DIR, else ~/.config/yinxin/trust).
    #[arg(long)]
    pub trust_dir: Option<PathBuf>,
    /// The validation policy (TOML; default: the built-in policy).
    #[arg(long)]
    pub policy: Option<PathBuf>,
}

impl TrustArgs {
    /// The anchors: every `--trust` file, and the trust store when `--trust-dir` is given or no
    /// `--trust` is. An empty store is allowed: chains then end INDETERMINATE.
    pub fn store(&self) -> CliResult<TrustStore> {
        let mut t = TrustStore::default();
        for p in &self.trust {
            let certs = load_certs(p)?;
            if certs.is_empty() {
                return Err(CliError::input(format!("{}: no certificates", p.display())));
            }
            for c in certs {
                t.add(c);
            }
        }
        let dir = match (&self.trust_dir, self.trust.is_empty()) {
            (Some(d), _) => Some(d.clone()),
            (None, true) => default_trust_dir(),
            (None, false) => None,
        };
        if let Some(d) = dir.filter(|d| d.is_dir()) {
            for c in load_certs(&d)? {
                t.add(c);
            }
        }
        Ok(t)
    }

    /// The validation policy.
    pub fn policy(&self) -> CliResult<Policy> {
        match &self.policy {
            Some(p) => Policy::load(p).map_err(|e| CliError::input(e.to_string())),
            None => Ok(yinxin_pki::policy::default_policy().clone()),
        }
    }
}

/// The trust store directory when none is given.
pub fn default_trust_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("YINXIN_TRUST_DIR").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d));
    }
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(config.join("yinxin").join("trust"))
}

#[derive(Subcommand)]
pub enum TrustCmd {
    /// List the trust store's anchors.
    List(DirArgs),
    /// Add the certificates of FILE (PEM or DER, one or several) to the trust store.
    Add {
        file: PathBuf,
        #[command(flatten)]
        dir: DirArgs,
    },
    /// Remove an anchor by its SM3 fingerprint (a unique prefix of at least 8 hex digits).
    Remove {
        fingerprint: String,
        #[command(flatten)]
        dir: DirArgs,
    },
}

#[derive(Args)]
pub struct DirArgs {
    /// The trust store directory (default: YINXIN_TRUST_DIR, else ~/.config/yinxin/trust).
    #[arg(long)]
    trust_dir: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

impl DirArgs {
    fn dir(&self) -> CliResult<PathBuf> {
        self.trust_dir
            .clone()
            .or_else(default_trust_dir)
            .ok_or_else(|| CliError::usage("no trust store: give --trust-dir or set YINXIN_TRUST_DIR"))
    }
}

/// One anchor, as listed.
#[derive(Serialize)]
struct Anchor {
    fingerprint_sm3: String,
    subject: String,
    not_before: String,
    not_after: String,
    file: String,
}

fn fingerprint(c: &Cert) -> String {
    c.sm3().to_hex()
}

/// Every certificate in the directory with the file that holds it.
fn anchors(dir: &Path) -> CliResult<Vec<(PathBuf, Cert)>> {
    let mut out = Vec::new();
    if !dir.is_dir() {
        return Ok(out);
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| CliError::input(format!("{}: {e}", dir.display())))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    for f in files {
        if let Ok(certs) = load_certs(&f) {
            out.extend(certs.into_iter().map(|c| (f.clone(), c)));
        }
    }
    Ok(out)
}

pub fn run(cmd: TrustCmd) -> CliResult {
    match cmd {
        TrustCmd::List(d) => {
            let dir = d.dir()?;
            let list: Vec<Anchor> = anchors(&dir)?
                .into_iter()
                .map(|(f, c)| Anchor {
                    fingerprint_sm3: fingerprint(&c),
                    subject: c.subject(),
                    not_before: yinxin_pki::time::format_instant(c.not_before),
                    not_after: yinxin_pki::time::format_instant(c.not_after),
                    file: f.display().to_string(),
                })
                .collect();
            if d.json {
                print_json(&list);
            } else {
                println!("trust store {} ({} anchors)", dir.display(), list.len());
                for a in &list {
                    println!(
                        "  {}  {}  {} to {}",
                        &a.fingerprint_sm3[..16],
                        short_name(&a.subject),
                        a.not_before,
                        a.not_after
                    );
                }
            }
            Ok(EXIT_OK)
        }
        TrustCmd::Add { file, dir: d } => {
            let dir = d.dir()?;
            let certs = yinxin_pki::cert::parse_many(&read(&file)?)
                .map_err(|e| CliError::input(format!("{}: {e}", file.display())))?;
            let present: Vec<String> = anchors(&dir)?.iter().map(|(_, c)| fingerprint(c)).collect();
            let mut added = Vec::new();
            for c in certs {
                if !c.is_ca() {
                    return Err(CliError::input(format!(
                        "{}: {} is not a CA certificate: only roots and CAs are trust anchors",
                        file.display(),
                        c.subject()
                    )));
                }
                let fp = fingerprint(&c);
                if present.contains(&fp) {
                    continue;
                }
                let pem = c.to_pem();
                write(&dir.join(format!("{}.pem", &fp[..16])), pem.as_bytes(), false)?;
                added.push(Anchor {
                    fingerprint_sm3: fp,
                    subject: c.subject(),
                    not_before: yinxin_pki::time::format_instant(c.not_before),
                    not_after: yinxin_pki::time::format_instant(c.not_after),
                    file: dir.display().to_string(),
                });
            }
            if d.json {
                print_json(&added);
            } else if added.is_empty() {
                println!("already in the trust store {}", dir.display());
            } else {
                for a in &added {
                    println!("added {}  {}", &a.fingerprint_sm3[..16], short_name(&a.subject));
                }
            }
            Ok(EXIT_OK)
        }
        TrustCmd::Remove { fingerprint: prefix, dir: d } => {
            let dir = d.dir()?;
            let prefix = prefix.to_ascii_lowercase();
            if prefix.len() < 8 || !prefix.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(CliError::usage("give at least 8 hex digits of the SM3 fingerprint"));
            }
            let all = anchors(&dir)?;
            let hits: Vec<&(PathBuf, Cert)> = all.iter().filter(|(_, c)| fingerprint(c).starts_with(&prefix)).collect();
            let (file, cert) = match hits.as_slice() {
                [one] => *one,
                [] => return Err(CliError::input(format!("no anchor {prefix} in {}", dir.display()))),
                _ => return Err(CliError::usage(format!("{prefix} matches {} anchors: give more digits", hits.len()))),
            };
            // A file holding several certificates is rewritten without this one.
            let rest: Vec<&Cert> = all.iter().filter(|(f, c)| f == file && c != cert).map(|(_, c)| c).collect();
            if rest.is_empty() {
                std::fs::remove_file(file).map_err(|e| CliError::input(format!("{}: {e}", file.display())))?;
            } else {
                let pem: String = rest.iter().map(|c| c.to_pem()).collect();
                write(file, pem.as_bytes(), false)?;
            }
            if d.json {
                print_json(&serde_json::json!({"removed": fingerprint(cert), "subject": cert.subject()}));
            } else {
                println!("removed {}  {}", &fingerprint(cert)[..16], short_name(&cert.subject()));
            }
            Ok(EXIT_OK)
        }
    }
}
