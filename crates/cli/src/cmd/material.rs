//! `yinxin material seal`: seal PDF and OFD materials a department hands in — one file, or a
//! whole directory with a progress bar. PDFs get GB/T 35275 SM2 signed data with the seal picture
//! as a visible widget (an incremental update); OFDs get a GB/T 38540 seal signature (Sign_N).
//! Both are time-stamped when a TSA is given.

use crate::io::{CliError, CliResult, EXIT_FAILED, EXIT_OK, PassphraseArgs, load_private_key, load_tsa, read, write};
use clap::{Args, Subcommand};
use std::path::{Path, PathBuf};
use time::OffsetDateTime;
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
    page: usize,
    at: (f64, f64),
    keyword: Option<String>,
}

impl Sealer {
    fn seal_bytes(&self, name: &str, bytes: &[u8]) -> CliResult<Vec<u8>> {
        let now = OffsetDateTime::now_utc();
        let (w, h) = (self.seal.picture.width_mm as f64, self.seal.picture.height_mm as f64);
        let (page, at) = match &self.keyword {
            None => (self.page - 1, self.at),
            Some(k) => {
                let found = if bytes.starts_with(b"%PDF") {
                    yinxin_doc::find::find_in_pdf(bytes, k)
                } else {
                    yinxin_doc::ofd::Package::read(bytes).and_then(|p| yinxin_doc::find::find_in_ofd(&p, k))
                }
                .map_err(|e| CliError::input(format!("{name}: {e}")))?
                .ok_or_else(|| CliError::input(format!("{name}: the keyword {k:?} is not in the document")))?;
                (found.page, ((found.x - w / 2.0).max(0.0), (found.y - h / 2.0).max(0.0)))
            }
        };
        if bytes.starts_with(b"%PDF") {
            let png = (self.seal.picture.kind.eq_ignore_ascii_case("png")).then(|| self.seal.picture.data.clone());
            let make = |data: &[u8]| {
                yinxin_seal::gmt0010::sign_detached(
                    data,
                    &self.cert,
                    &self.chain,
                    self.signer.as_ref(),
                    now,
                    self.tsa.as_ref(),
                )
                .map_err(|e| yinxin_doc::Error::Package(e.to_string()))
            };
            let ap = yinxin_doc::pdf::sign::Appearance { page, rect_mm: (at.0, at.1, w, h), png };
            yinxin_doc::pdf::sign::sign(bytes, &ap, &self.seal.property.name, now, &make)
                .map_err(|e| CliError::input(format!("{name}: {e}")))
        } else if bytes.starts_with(b"PK\x03\x04") {
            let mut b = yinxin_doc::ofd::sign::open(bytes).map_err(|e| CliError::input(format!("{name}: {e}")))?;
            let req = yinxin_seal::make::SignRequest {
                seal: &self.seal,
                signer_cert: &self.cert,
                signer: self.signer.as_ref(),
                data: b"",
                property_info: "",
                tsa: self.tsa.as_ref(),
            };
            let place = yinxin_doc::ofd::sign::StampPlace { page, x: at.0, y: at.1, w, h };
            yinxin_doc::ofd::sign::seal(&mut b, &req, place, now)
                .map_err(|e| CliError::input(format!("{name}: {e}")))?;
            b.to_zip().map_err(|e| CliError::input(format!("{name}: {e}")))
        } else {
            Err(CliError::input(format!("{name}: neither a PDF nor an OFD")))
        }
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
        page: a.page,
        at: (*x, *y),
        keyword: a.keyword.clone(),
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
