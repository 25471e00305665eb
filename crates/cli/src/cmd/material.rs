//! `yinxin material seal`: seal PDF and OFD materials a department hands in — one file, or a
//! whole directory with a progress bar. PDFs get GB/T 35275 SM2 signed data with the seal picture
//! as a visible widget (an incremental update); OFDs get a GB/T 38540 seal signature (Sign_N).
//! Both are time-stamped when a TSA is given.

use crate::io::{CliError, CliResult, EXIT_FAILED, EXIT_OK, PassphraseArgs, load_private_key, load_tsa, read, write};
use clap::{Args, Subcommand};
use std::path::{Path, PathBuf};
use time::OffsetDateTime;
use yinxin_doc::stamp::{Placement, Stamper};
use yinxin_gm::{UserId, default_provider};
use yinxin_pki::tsp::TimeStampAuthority;
use yinxin_pki::{Cert, load_certs};
use yinxin_seal::Seal;

#[derive(Subcommand)]
pub enum MaterialCmd {
    /// Seal a PDF or OFD file, or every PDF and OFD in a directory.
    Seal(SealArgs),
}

#[derive(Args)]
pub struct SealArgs {
    /// A PDF or OFD file, or a directory of them.
    #[arg(long = "in")]
    input: PathBuf,
    /// The output file (for one input) or directory (for a directory).
    #[arg(long)]
    out: PathBuf,
    /// The seal (.esl); its picture is the visible stamp.
    #[arg(long)]
    seal: PathBuf,
    /// The signer's certificate (in the seal's certList).
    #[arg(long)]
    cert: PathBuf,
    /// The signer's private key.
    #[arg(long)]
    key: PathBuf,
    /// CA certificates to embed with the signer's (PDF).
    #[arg(long)]
    chain: Vec<PathBuf>,
    /// Page for the stamp (1-based).
    #[arg(long, default_value_t = 1)]
    page: usize,
    /// Stamp position: left,top in millimetres from the page's top-left corner.
    #[arg(long, default_value = "140,230", conflicts_with = "keyword")]
    at: String,
    /// Place the stamp's centre on this text instead (its last occurrence, on the last page that
    /// has it: where a signature block is). A file without it fails.
    #[arg(long)]
    keyword: Option<String>,
    /// The time-stamp authority's certificate (with --tsa-key).
    #[arg(long, requires = "tsa_key")]
    tsa_cert: Option<PathBuf>,
    /// The time-stamp authority's key.
    #[arg(long, requires = "tsa_cert")]
    tsa_key: Option<PathBuf>,
    /// CA certificates for time-stamp tokens.
    #[arg(long)]
    tsa_chain: Vec<PathBuf>,
    #[command(flatten)]
    pass: PassphraseArgs,
}

pub fn run(cmd: MaterialCmd) -> CliResult {
    match cmd {
        MaterialCmd::Seal(a) => seal_cmd(a),
    }
}

struct Sealer {
    seal: Seal,
    cert: Cert,
    chain: Vec<Cert>,
    signer: Box<dyn yinxin_gm::Sm2Signer>,
    tsa: Option<TimeStampAuthority>,
    place: Placement,
}

impl Sealer {
    fn seal_bytes(&self, name: &str, bytes: &[u8]) -> CliResult<Vec<u8>> {
        let stamper = Stamper {
            seal: &self.seal,
            cert: &self.cert,
            chain: &self.chain,
            signer: self.signer.as_ref(),
            tsa: self.tsa.as_ref(),
        };
        stamper.seal(bytes, &self.place, OffsetDateTime::now_utc()).map_err(|e| CliError::input(format!("{name}: {e}")))
    }
}

fn seal_cmd(a: SealArgs) -> CliResult {
    if a.page == 0 {
        return Err(CliError::usage("--page counts from 1"));
    }
    let at: Vec<f64> =
        a.at.split(',')
            .map(|v| v.trim().parse::<f64>())
            .collect::<Result<_, _>>()
            .map_err(|_| CliError::usage("--at is left,top in mm, e.g. 140,230"))?;
    let [x, y] = at.as_slice() else { return Err(CliError::usage("--at is left,top in mm, e.g. 140,230")) };
    let p = default_provider();
    let key = load_private_key(&a.key, &a.pass)?;
    let mut chain = Vec::new();
    for c in &a.chain {
        chain.extend(load_certs(c)?);
    }
    let tsa = match (&a.tsa_cert, &a.tsa_key) {
        (Some(c), Some(k)) => Some(load_tsa(c, k, &a.tsa_chain)?),
        _ => None,
    };
    let sealer = Sealer {
        seal: Seal::parse(&read(&a.seal)?)?,
        cert: Cert::from_pem_or_der(&read(&a.cert)?)?,
        chain,
        signer: p.sm2_signer(&key, UserId::DEFAULT)?,
        tsa,
        place: match &a.keyword {
            Some(k) => Placement::Keyword(k.clone()),
            None => Placement::At { page: a.page - 1, x: *x, y: *y },
        },
    };
    if !a.input.is_dir() {
        let out = sealer.seal_bytes(&a.input.display().to_string(), &read(&a.input)?)?;
        write(&a.out, &out, false)?;
        return Ok(EXIT_OK);
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(&a.input)
        .map_err(|e| CliError::input(format!("{}: {e}", a.input.display())))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && matches!(ext(p).as_str(), "pdf" | "ofd"))
        .collect();
    files.sort();
    let bar = indicatif::ProgressBar::new(files.len() as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let mut failed = 0;
    for f in &files {
        bar.set_message(f.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default());
        let result = read(f)
            .and_then(|b| sealer.seal_bytes(&f.display().to_string(), &b))
            .and_then(|out| write(&a.out.join(f.file_name().unwrap_or_default()), &out, false));
        if let Err(e) = result {
            failed += 1;
            let msg = format!("failed: {}: {}", f.display(), e.message);
            // indicatif draws nothing when stderr is not a terminal (a log, a pipe).
            if bar.is_hidden() {
                eprintln!("{msg}");
            } else {
                bar.println(msg);
            }
        }
        bar.inc(1);
    }
    bar.finish_with_message(format!("{} sealed, {failed} failed", files.len() - failed));
    Ok(if failed == 0 { EXIT_OK } else { EXIT_FAILED })
}

fn ext(p: &Path) -> String {
    p.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default()
}
