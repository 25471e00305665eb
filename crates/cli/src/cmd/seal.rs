//! `yinxin seal make|show|sign|picture`.

use super::cert::short_name;
use crate::io::{CliError, CliResult, EXIT_OK, PassphraseArgs, load_private_key, load_tsa, print_json, read, write};
use clap::{Args, Subcommand, ValueEnum};
use std::path::PathBuf;
use time::OffsetDateTime;
use yinxin_gm::{UserId, default_provider};
use yinxin_pki::time::{format_instant, parse_instant};
use yinxin_pki::{Cert, load_certs};
use yinxin_seal::Seal;
use yinxin_seal::make::{CertListForm, SealKind, SealRequest, SignRequest, make_seal, sign};
use yinxin_seal::model::CertList;
use yinxin_seal::picture::{PictureSpec, SealFont, Shape, check_upload, render};

#[derive(Subcommand)]
pub enum SealCmd {
    /// Make a GB/T 38540 seal (as the seal-making body).
    Make(MakeArgs),
    /// Show a seal.
    Show(ShowArgs),
    /// Sign a file with a seal: writes an SES_Signature (time-stamped with --tsa-cert/--tsa-key).
    Sign(SignArgs),
    /// Draw a seal picture (PNG).
    Picture(PictureArgs),
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ShapeArg {
    Round,
    Oval,
    Square,
}

impl From<ShapeArg> for Shape {
    fn from(s: ShapeArg) -> Self {
        match s {
            ShapeArg::Round => Shape::Round,
            ShapeArg::Oval => Shape::Oval,
            ShapeArg::Square => Shape::Square,
        }
    }
}

#[derive(Args)]
pub struct MakeArgs {
    /// The seal maker's certificate.
    #[arg(long)]
    maker_cert: PathBuf,
    /// The seal maker's private key.
    #[arg(long)]
    maker_key: PathBuf,
    /// A certificate that may sign with the seal (file or directory). Repeatable.
    #[arg(long, required = true)]
    holder: Vec<PathBuf>,
    /// The seal's name, e.g. 某市市场监督管理局合同专用章.
    #[arg(long)]
    name: String,
    /// Kind: 法定名称章, 财务专用章, 合同专用章, 发票专用章, 业务专用章, 个人名章 (or 1–6).
    #[arg(long = "type", default_value = "法定名称章")]
    kind: String,
    /// An existing picture (PNG, JPEG or GIF); otherwise one is drawn from --org and the kind.
    #[arg(long)]
    picture: Option<PathBuf>,
    /// The name drawn on the picture (default: the holder certificate's O or CN).
    #[arg(long)]
    org: Option<String>,
    /// Picture size in millimetres.
    #[arg(long, default_value_t = 42.0)]
    size_mm: f32,
    /// List holder certificates by SM3 digest (certListType 2) instead of whole.
    #[arg(long)]
    digests: bool,
    /// Start of validity (default now).
    #[arg(long)]
    valid_from: Option<String>,
    /// Validity in days.
    #[arg(long, default_value_t = 1825)]
    days: u32,
    /// esID (default: 32 random hex digits).
    #[arg(long, default_value = "")]
    es_id: String,
    /// The seal file to write (.esl).
    #[arg(long)]
    out: PathBuf,
    /// Also write the picture here.
    #[arg(long)]
    picture_out: Option<PathBuf>,
    #[command(flatten)]
    pass: PassphraseArgs,
}

#[derive(Args)]
pub struct ShowArgs {
    /// The seal (.esl) or an SES_Signature (its seal is shown).
    seal: PathBuf,
    /// Write the seal's picture here.
    #[arg(long)]
    picture_out: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct SignArgs {
    /// The seal.
    #[arg(long)]
    seal: PathBuf,
    /// The signer's certificate (in the seal's certList).
    #[arg(long)]
    cert: PathBuf,
    /// The signer's private key.
    #[arg(long)]
    key: PathBuf,
    /// The file to sign.
    #[arg(long = "in")]
    input: PathBuf,
    /// The SES_Signature to write.
    #[arg(long)]
    out: PathBuf,
    /// propertyInfo: what is signed (default: the input file name).
    #[arg(long)]
    property_info: Option<String>,
    /// The time-stamp authority's certificate (with --tsa-key): stamp the signature.
    #[arg(long, requires = "tsa_key")]
    tsa_cert: Option<PathBuf>,
    /// The time-stamp authority's key.
    #[arg(long, requires = "tsa_cert")]
    tsa_key: Option<PathBuf>,
    /// CA certificates to include in the time-stamp token.
    #[arg(long)]
    tsa_chain: Vec<PathBuf>,
    #[command(flatten)]
    pass: PassphraseArgs,
}

#[derive(Args)]
pub struct PictureArgs {
    /// The name to draw.
    #[arg(long)]
    name: String,
    /// The purpose along the bottom of a round seal.
    #[arg(long, default_value = "")]
    purpose: String,
    /// Shape.
    #[arg(long, value_enum, default_value = "round")]
    shape: ShapeArg,
    /// Size in millimetres.
    #[arg(long, default_value_t = 42.0)]
    size_mm: f32,
    /// PNG to write.
    #[arg(long)]
    out: PathBuf,
}

pub fn run(cmd: SealCmd) -> CliResult {
    match cmd {
        SealCmd::Make(a) => make(a),
        SealCmd::Show(a) => show(a),
        SealCmd::Sign(a) => sign_cmd(a),
        SealCmd::Picture(a) => {
            let font = SealFont::find()?;
            let png = render(
                &PictureSpec { shape: a.shape.into(), name: &a.name, purpose: &a.purpose, size_mm: a.size_mm },
                &font,
            )?;
            write(&a.out, &png, false)?;
            Ok(EXIT_OK)
        }
    }
}

impl From<yinxin_seal::Error> for CliError {
    fn from(e: yinxin_seal::Error) -> Self {
        CliError::input(e.to_string())
    }
}

fn org_of(c: &Cert) -> String {
    let s = c.subject();
    s.split(", ").find_map(|p| p.strip_prefix("O=")).map(str::to_string).unwrap_or_else(|| short_name(&s).to_string())
}

fn make(a: MakeArgs) -> CliResult {
    let kind =
        SealKind::parse(&a.kind).ok_or_else(|| CliError::usage(format!("--type {}: unknown seal kind", a.kind)))?;
    let maker_cert = Cert::from_pem_or_der(&read(&a.maker_cert)?)?;
    let maker_key = load_private_key(&a.maker_key, &a.pass)?;
    let mut holders = Vec::new();
    for h in &a.holder {
        holders.extend(load_certs(h)?);
    }
    let (picture, picture_kind, picture_mm) = match &a.picture {
        Some(p) => {
            let bytes = read(p)?;
            let info = check_upload(&bytes)?;
            // Millimetres from pixels at 300 dpi, the resolution seal pictures are made at.
            let mm = |px: u32| ((px as f32) / 300.0 * 25.4).round().max(1.0) as i64;
            (bytes, info.format.to_string(), (mm(info.width), mm(info.height)))
        }
        None => {
            let font = SealFont::find()?;
            let org = a.org.clone().unwrap_or_else(|| holders.first().map(org_of).unwrap_or_default());
            let (shape, purpose) = match kind {
                SealKind::Personal => (Shape::Square, ""),
                SealKind::Official => (Shape::Round, ""),
                k => (Shape::Round, k.name_zh()),
            };
            let spec = PictureSpec { shape, name: &org, purpose, size_mm: a.size_mm };
            (render(&spec, &font)?, "PNG".to_string(), spec.size_mm())
        }
    };
    if let Some(p) = &a.picture_out {
        write(p, &picture, false)?;
    }
    let now = OffsetDateTime::now_utc();
    let valid_start = match &a.valid_from {
        Some(t) => parse_instant(t).map_err(|e| CliError::usage(format!("--valid-from: {e}")))?,
        None => now,
    };
    let req = SealRequest {
        es_id: a.es_id,
        kind,
        name: a.name,
        holders,
        cert_list_form: if a.digests { CertListForm::Sm3Digests } else { CertListForm::Certificates },
        valid_start,
        valid_end: valid_start + time::Duration::days(i64::from(a.days)),
        picture_kind,
        picture,
        picture_mm,
        vid: "yinxin".into(),
    };
    let signer = default_provider().sm2_signer(&maker_key, UserId::DEFAULT)?;
    let seal = make_seal(&req, &maker_cert, signer.as_ref(), now)?;
    write(&a.out, &seal.raw, false)?;
    println!("made seal {} ({})", seal.es_id, seal.property.name);
    Ok(EXIT_OK)
}

fn show(a: ShowArgs) -> CliResult {
    let bytes = read(&a.seal)?;
    let seal = match Seal::parse(&bytes) {
        Ok(s) => s,
        Err(e) => match yinxin_seal::SesSignature::parse(&bytes) {
            Ok(sig) => sig.seal,
            Err(_) => return Err(CliError::input(format!("{}: {e}", a.seal.display()))),
        },
    };
    if let Some(p) = &a.picture_out {
        write(p, &seal.picture.data, false)?;
    }
    let certs: Vec<String> = match &seal.property.cert_list {
        CertList::Certs(c) => c
            .iter()
            .map(|d| Cert::from_der(d).map(|c| c.subject()).unwrap_or_else(|e| format!("<unparsable: {e}>")))
            .collect(),
        CertList::Digests(d) => d.iter().map(|(t, v)| format!("{t}:{}", hex::encode(v))).collect(),
        CertList::Malformed(w) => vec![format!("<malformed: {w}>")],
    };
    let v = serde_json::json!({
        "version": yinxin_seal::verify::summary(&seal).version,
        "vid": seal.header.vid,
        "es_id": seal.es_id,
        "name": seal.property.name,
        "type": seal.property.seal_type,
        "cert_list_type": seal.property.cert_list_type,
        "cert_list": certs,
        "create_date": format_instant(seal.property.create_date),
        "valid_start": format_instant(seal.property.valid_start),
        "valid_end": format_instant(seal.property.valid_end),
        "picture": { "type": seal.picture.kind, "bytes": seal.picture.data.len(), "width_mm": seal.picture.width_mm, "height_mm": seal.picture.height_mm },
        "maker": Cert::from_der(&seal.maker_cert).map(|c| c.subject()).ok(),
        "sign_alg": seal.sign_alg,
        "time_stamp": seal.time_stamp.as_ref().map(|t| t.len()),
    });
    if a.json {
        print_json(&v);
    } else if let Some(o) = v.as_object() {
        for (k, val) in o {
            println!(
                "{k:>15}: {}",
                match val {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                }
            );
        }
    }
    Ok(EXIT_OK)
}

fn sign_cmd(a: SignArgs) -> CliResult {
    let seal = Seal::parse(&read(&a.seal)?)?;
    let cert = Cert::from_pem_or_der(&read(&a.cert)?)?;
    let key = load_private_key(&a.key, &a.pass)?;
    let data = read(&a.input)?;
    let p = default_provider();
    let signer = p.sm2_signer(&key, UserId::DEFAULT)?;
    let tsa = match (&a.tsa_cert, &a.tsa_key) {
        (Some(c), Some(k)) => Some(load_tsa(c, k, &a.tsa_chain)?),
        _ => None,
    };
    let name = a
        .property_info
        .clone()
        .unwrap_or_else(|| a.input.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default());
    let property_info: String = name.chars().map(|c| if c.is_ascii() { c } else { '_' }).collect();
    let req = SignRequest {
        seal: &seal,
        signer_cert: &cert,
        signer: signer.as_ref(),
        data: &data,
        property_info: &property_info,
        tsa: tsa.as_ref(),
    };
    let sig = sign(&req, OffsetDateTime::now_utc())?;
    write(&a.out, &sig.raw, false)?;
    Ok(EXIT_OK)
}
