//! 亮证 on the command line, offline: `yinxin present verify TOKEN|IMAGE --bundle FILE` checks a
//! presentation QR (its text, or a photo or screenshot of it) against a trust bundle fetched ahead
//! with `yinxin bundle fetch --url URL`.

use super::verify::print_report;
use crate::io::{CliError, CliResult, exit_for, parse_at, print_json, read, write};
use clap::{Args, Subcommand};
use std::path::{Path, PathBuf};
use time::OffsetDateTime;
use yinxin_pki::Cert;
use yinxin_present::bundle::Bundle;
use yinxin_present::verify::Verifier;
use yinxin_present::{QR_PREFIX, qr};

#[derive(Subcommand)]
pub enum PresentCmd {
    /// Verify a presentation (亮证码) offline against a trust bundle.
    Verify(VerifyArgs),
}

#[derive(Args)]
pub struct VerifyArgs {
    /// The QR text (`YX1:…`), or a file: a PNG or JPEG photo or screenshot of the QR code, or a
    /// text file holding the QR text.
    input: String,
    /// The trust bundle (from `yinxin bundle fetch`).
    #[arg(long)]
    bundle: PathBuf,
    /// Pin the bundle to this root certificate (PEM or DER): the bundle must be signed under it.
    #[arg(long)]
    root: Option<PathBuf>,
    /// The nonce (核验码) this verifier asked the holder to include.
    #[arg(long)]
    nonce: Option<String>,
    /// Judge at this time (RFC 3339) instead of now.
    #[arg(long)]
    at: Option<String>,
    /// Print the verdict as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand)]
pub enum BundleCmd {
    /// Fetch the trust bundle from a yinxin service and keep it for offline checks.
    Fetch(FetchArgs),
}

#[derive(Args)]
pub struct FetchArgs {
    /// The service's base URL (`https://…`), or the bundle's own URL.
    #[arg(long)]
    url: String,
    /// Where to write it.
    #[arg(long, default_value = "trust-bundle.json")]
    out: PathBuf,
    /// Pin the bundle to this root certificate (PEM or DER).
    #[arg(long)]
    root: Option<PathBuf>,
    /// Print a summary as JSON.
    #[arg(long)]
    json: bool,
}

fn load_root(p: &Option<PathBuf>) -> CliResult<Option<Cert>> {
    p.as_ref()
        .map(|p| Cert::from_pem_or_der(&read(p)?).map_err(|e| CliError::input(format!("{}: {e}", p.display()))))
        .transpose()
}

/// The QR text from the argument: the text itself, or an image or text file.
fn token_text(input: &str) -> CliResult<String> {
    if input.trim_start().starts_with(QR_PREFIX) {
        return Ok(input.trim().to_string());
    }
    let path = Path::new(input);
    let bytes = read(path)?;
    if let Ok(text) = std::str::from_utf8(&bytes)
        && text.trim_start().starts_with(QR_PREFIX)
    {
        return Ok(text.trim().to_string());
    }
    let img = image::load_from_memory(&bytes)
        .map_err(|e| CliError::input(format!("{input}: neither QR text nor a readable image ({e})")))?
        .into_luma8();
    let (w, h) = (img.width() as usize, img.height() as usize);
    let texts = qr::decode_luma(w, h, img.as_raw()).map_err(|e| CliError::input(e.to_string()))?;
    texts
        .into_iter()
        .find(|t| t.starts_with(QR_PREFIX))
        .ok_or_else(|| CliError::input(format!("{input}: no yinxin presentation QR code found in the image")))
}

pub fn run(c: PresentCmd) -> CliResult {
    let PresentCmd::Verify(a) = c;
    let text = token_text(&a.input)?;
    let now = match &a.at {
        Some(t) => parse_at(t).map_err(|e| CliError::usage(format!("--at: {e}")))?,
        None => OffsetDateTime::now_utc(),
    };
    let root = load_root(&a.root)?;
    let bundle = Bundle::open(&read(&a.bundle)?, root.as_ref(), now)
        .map_err(|e| CliError::input(format!("{}: {e}", a.bundle.display())))?;
    let v = Verifier::new(&bundle, now).verify(&text, now, a.nonce.as_deref());
    if a.json {
        print_json(&v);
    } else {
        print_report(&v.report, 0);
        if let Some(l) = &v.licence {
            println!(
                "  licence {} by {} ({}), valid from {} to {}",
                l.type_name,
                l.issuer_name,
                l.issuer_code,
                l.valid_from,
                l.valid_until.as_deref().unwrap_or("长期")
            );
        }
        for f in &v.disclosed {
            println!("  shown   {} = {}", f.name, f.value);
        }
    }
    Ok(exit_for(v.indication()))
}

pub fn run_bundle(c: BundleCmd) -> CliResult {
    let BundleCmd::Fetch(a) = c;
    let url = if a.url.contains("/v1/present/bundle") {
        a.url.clone()
    } else {
        format!("{}/v1/present/bundle", a.url.trim_end_matches('/'))
    };
    let res = reqwest::blocking::Client::builder()
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .and_then(|c| c.get(&url).send())
        .map_err(|e| CliError::input(format!("{url}: {e}")))?;
    if !res.status().is_success() {
        return Err(CliError::input(format!("{url}: HTTP {}", res.status())));
    }
    let bytes = res.bytes().map_err(|e| CliError::input(format!("{url}: {e}")))?;
    let root = load_root(&a.root)?;
    if root.is_none() {
        eprintln!("yinxin: warning: no --root given; the bundle is checked against the roots it carries itself");
    }
    let b = Bundle::open(&bytes, root.as_ref(), OffsetDateTime::now_utc())
        .map_err(|e| CliError::input(format!("{url}: {e}")))?;
    write(&a.out, &bytes, false)?;
    let expires = OffsetDateTime::from_unix_timestamp(b.expires_at)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_default();
    let summary = serde_json::json!({
        "file": a.out.display().to_string(),
        "bytes": bytes.len(),
        "issuers": b.issuers.iter().map(|i| &i.entry.name).collect::<Vec<_>>(),
        "status_lists": b.status_lists.len(),
        "expires_at": expires,
    });
    if a.json {
        print_json(&summary);
    } else {
        println!(
            "wrote {} ({} bytes): {} issuers, {} status lists; fetch again before {expires}",
            a.out.display(),
            bytes.len(),
            b.issuers.len(),
            b.status_lists.len()
        );
    }
    Ok(0)
}
