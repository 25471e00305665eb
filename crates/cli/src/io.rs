//! Reading inputs and writing outputs with errors that name the file, and the exit codes.

use std::path::Path;
use yinxin_gm::Sm2PrivateKey;

/// Success, PASSED.
pub const EXIT_OK: u8 = 0;
/// FAILED.
pub const EXIT_FAILED: u8 = 1;
/// Usage error (also clap's own code).
pub const EXIT_USAGE: u8 = 2;
/// INDETERMINATE.
pub const EXIT_INDETERMINATE: u8 = 3;
/// Bad input or I/O error.
pub const EXIT_INPUT: u8 = 4;

/// An error that ends the command with a message and an exit code.
#[derive(Debug)]
pub struct CliError {
    pub code: u8,
    pub message: String,
}

impl CliError {
    /// Bad input or I/O (exit 4).
    pub fn input(message: impl Into<String>) -> Self {
        Self { code: EXIT_INPUT, message: message.into() }
    }
    /// Usage (exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Self { code: EXIT_USAGE, message: message.into() }
    }
}

impl From<yinxin_gm::Error> for CliError {
    fn from(e: yinxin_gm::Error) -> Self {
        Self::input(e.to_string())
    }
}

impl From<yinxin_pki::Error> for CliError {
    fn from(e: yinxin_pki::Error) -> Self {
        Self::input(e.to_string())
    }
}

pub type CliResult<T = u8> = Result<T, CliError>;

/// Largest input file read whole into memory.
pub const MAX_INPUT: u64 = 1 << 30;

/// Read a file whole.
pub fn read(path: &Path) -> CliResult<Vec<u8>> {
    let meta = std::fs::metadata(path).map_err(|e| CliError::input(format!("{}: {e}", path.display())))?;
    if meta.len() > MAX_INPUT {
        return Err(CliError::input(format!("{}: larger than {} bytes", path.display(), MAX_INPUT)));
    }
    std::fs::read(path).map_err(|e| CliError::input(format!("{}: {e}", path.display())))
}

/// Read a text file.
pub fn read_text(path: &Path) -> CliResult<String> {
    String::from_utf8(read(path)?).map_err(|_| CliError::input(format!("{}: not UTF-8 text", path.display())))
}

/// Write a file, creating parent directories; `private` files get mode 0600 on Unix.
pub fn write(path: &Path, bytes: &[u8], private: bool) -> CliResult<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| CliError::input(format!("{}: {e}", dir.display())))?;
    }
    let tmp = path.with_extension("tmp-yinxin");
    {
        use std::io::Write;
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        if private {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        #[cfg(not(unix))]
        let _ = private;
        let mut f = opts.open(&tmp).map_err(|e| CliError::input(format!("{}: {e}", tmp.display())))?;
        f.write_all(bytes)
            .and_then(|_| f.sync_all())
            .map_err(|e| CliError::input(format!("{}: {e}", tmp.display())))?;
    }
    std::fs::rename(&tmp, path).map_err(|e| CliError::input(format!("{}: {e}", path.display())))
}

/// Where a passphrase comes from: never the command line itself.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct PassphraseArgs {
    /// Read the key passphrase from this environment variable.
    #[arg(long, value_name = "VAR")]
    pub passphrase_env: Option<String>,
    /// Read the key passphrase from the first line of this file.
    #[arg(long, value_name = "FILE", conflicts_with = "passphrase_env")]
    pub passphrase_file: Option<std::path::PathBuf>,
}

impl PassphraseArgs {
    pub fn get(&self) -> CliResult<Option<zeroize::Zeroizing<Vec<u8>>>> {
        if let Some(var) = &self.passphrase_env {
            let v =
                std::env::var(var).map_err(|_| CliError::input(format!("environment variable {var} is not set")))?;
            return Ok(Some(zeroize::Zeroizing::new(v.into_bytes())));
        }
        if let Some(f) = &self.passphrase_file {
            let text = zeroize::Zeroizing::new(read_text(f)?);
            let line = text.lines().next().unwrap_or("").to_string();
            return Ok(Some(zeroize::Zeroizing::new(line.into_bytes())));
        }
        Ok(None)
    }
}

/// Load a private key file (PKCS#8, SEC1 or encrypted PKCS#8; PEM or DER).
pub fn load_private_key(path: &Path, pass: &PassphraseArgs) -> CliResult<Sm2PrivateKey> {
    let bytes = zeroize::Zeroizing::new(read(path)?);
    let passphrase = pass.get()?;
    let p = passphrase.as_ref().map(|z| z.as_slice());
    let key = match std::str::from_utf8(&bytes) {
        Ok(text) if text.contains("-----BEGIN") => Sm2PrivateKey::from_pem(text, p),
        _ => Sm2PrivateKey::from_der(&bytes, p),
    };
    key.map_err(|e| match e {
        yinxin_gm::Error::PassphraseRequired => CliError::input(format!(
            "{}: the key is encrypted: give --passphrase-env or --passphrase-file",
            path.display()
        )),
        e => CliError::input(format!("{}: {e}", path.display())),
    })
}

/// Print JSON.
pub fn print_json(v: &impl serde::Serialize) {
    match serde_json::to_string_pretty(v) {
        Ok(s) => println!("{s}"),
        Err(e) => eprintln!("yinxin: cannot encode JSON: {e}"),
    }
}

/// Parse `--at`.
pub fn parse_at(s: &str) -> Result<time::OffsetDateTime, String> {
    yinxin_pki::time::parse_instant(s).map_err(|e| e.to_string())
}

/// The exit code of a verification result.
pub fn exit_for(i: yinxin_pki::Indication) -> u8 {
    match i {
        yinxin_pki::Indication::Passed => EXIT_OK,
        yinxin_pki::Indication::Failed => EXIT_FAILED,
        yinxin_pki::Indication::Indeterminate => EXIT_INDETERMINATE,
    }
}

/// A time-stamp authority from its certificate, its (unencrypted) key and the CA certificates to
/// put in its tokens, with yinxin's TSA policy.
pub fn load_tsa(
    cert: &Path,
    key: &Path,
    chain: &[std::path::PathBuf],
) -> CliResult<yinxin_pki::tsp::TimeStampAuthority> {
    let mut certs = Vec::new();
    for f in chain {
        certs.extend(yinxin_pki::load_certs(f)?);
    }
    let key = load_private_key(key, &PassphraseArgs::default())?;
    Ok(yinxin_pki::tsp::TimeStampAuthority::new(
        yinxin_pki::Cert::from_pem_or_der(&read(cert)?)?,
        certs,
        yinxin_gm::default_provider().sm2_signer(&key, yinxin_gm::UserId::DEFAULT)?,
        yinxin_pki::oid::YINXIN_TSA_POLICY,
    )?)
}

/// What long-term validation adds, from a keys-dev-like directory: its time-stamp authority
/// (`tsa.cert.pem`, `tsa.key.pem`, chained to `issuing-ca.cert.pem`) and the validation material
/// — the CA certificates and the TSA's, and every CRL under `crl/` — plus `certs` and `crls` given
/// on the command line.
pub fn long_term_kit(
    key_dir: &Path,
    certs: &[std::path::PathBuf],
    crls: &[std::path::PathBuf],
) -> CliResult<(yinxin_pki::tsp::TimeStampAuthority, yinxin_pki::ltv::Material)> {
    let ca = key_dir.join("issuing-ca.cert.pem");
    let tsa = load_tsa(&key_dir.join("tsa.cert.pem"), &key_dir.join("tsa.key.pem"), std::slice::from_ref(&ca))?;
    let mut m = yinxin_pki::ltv::Material::default();
    let mut cert_files: Vec<std::path::PathBuf> =
        ["root-ca.cert.pem", "issuing-ca.cert.pem"].iter().map(|f| key_dir.join(f)).filter(|p| p.is_file()).collect();
    cert_files.extend(certs.iter().cloned());
    for f in &cert_files {
        m.extend(yinxin_pki::load_certs(f)?, []);
    }
    m.extend([tsa.cert().clone()], []);
    let mut crl_files: Vec<std::path::PathBuf> = Vec::new();
    if let Ok(rd) = std::fs::read_dir(key_dir.join("crl")) {
        for e in rd.flatten() {
            crl_files.push(e.path());
        }
    }
    crl_files.sort();
    crl_files.extend(crls.iter().cloned());
    for f in &crl_files {
        m.extend([], [yinxin_pki::Crl::from_pem_or_der(&read(f)?)?]);
    }
    Ok((tsa, m))
}
