//! `yinxin licence issue|types`: issue a licence as a sealed OFD and a signed PDF.

use crate::io::{CliError, CliResult, EXIT_OK, PassphraseArgs, load_private_key, print_json, read, write};
use clap::{Args, Subcommand};
use std::collections::BTreeMap;
use std::path::PathBuf;
use time::OffsetDateTime;
use yinxin_gm::{UserId, default_provider};
use yinxin_licence::catalogue::Catalogue;
use yinxin_licence::issue::{IssueRequest, Sealing, issue};
use yinxin_pki::Cert;
use yinxin_pki::tsp::TimeStampAuthority;
use yinxin_seal::Seal;

#[derive(Subcommand)]
pub enum LicenceCmd {
    /// Issue a licence: OFD and PDF, sealed by the department and time-stamped.
    Issue(Box<IssueArgs>),
    /// List the licence types in the catalogue.
    Types(TypesArgs),
}

#[derive(Args)]
pub struct IssueArgs {
    /// The licence type: its code or its Chinese name (e.g. 营业执照).
    #[arg(long = "type")]
    ltype: String,
    /// The surface fields as a JSON object (see examples/).
    #[arg(long)]
    data: PathBuf,
    /// A directory laid out like keys-dev/: <issuer>.cert.pem, <issuer>.key.pem, seals/<issuer>.esl,
    /// tsa.*, issuing-ca.cert.pem.
    #[arg(long)]
    key_dir: PathBuf,
    /// The issuing department's file stem in --key-dir.
    #[arg(long, default_value = "dept-market")]
    issuer: String,
    /// The serial (流水号); default: the licence number, or a time-based one.
    #[arg(long)]
    serial: Option<String>,
    /// A directory of catalogue JSON files instead of the built-in catalogue.
    #[arg(long)]
    catalogue: Option<PathBuf>,
    /// The verification address the QR code links to.
    #[arg(long, default_value = "https://127.0.0.1:8443/verify")]
    verify_url: String,
    /// Output directory: <identifier>.ofd, .pdf and .json.
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    pass: PassphraseArgs,
}

#[derive(Args)]
pub struct TypesArgs {
    /// A directory of catalogue JSON files instead of the built-in catalogue.
    #[arg(long)]
    catalogue: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

impl From<yinxin_licence::Error> for CliError {
    fn from(e: yinxin_licence::Error) -> Self {
        CliError::input(e.to_string())
    }
}

fn catalogue(dir: &Option<PathBuf>) -> CliResult<Catalogue> {
    Ok(match dir {
        Some(d) => Catalogue::load_dir(d)?,
        None => Catalogue::built_in()?,
    })
}

pub fn run(cmd: LicenceCmd) -> CliResult {
    match cmd {
        LicenceCmd::Types(a) => {
            let c = catalogue(&a.catalogue)?;
            if a.json {
                print_json(&c.types());
            } else {
                for t in c.types() {
                    println!("{}  {}  ({}; {} fields)", t.type_code, t.name, t.defining_authority, t.fields.len());
                }
            }
            Ok(EXIT_OK)
        }
        LicenceCmd::Issue(a) => issue_cmd(*a),
    }
}

fn attr(subject: &str, key: &str) -> Option<String> {
    subject.split(", ").find_map(|p| p.strip_prefix(key)).map(str::to_string)
}

fn issue_cmd(a: IssueArgs) -> CliResult {
    let cat = catalogue(&a.catalogue)?;
    let t = cat
        .get(&a.ltype)
        .ok_or_else(|| CliError::usage(format!("--type {}: not in the catalogue (yinxin licence types)", a.ltype)))?;
    let fields: BTreeMap<String, String> =
        serde_json::from_slice(&read(&a.data)?).map_err(|e| CliError::input(format!("{}: {e}", a.data.display())))?;
    let kd = |f: String| a.key_dir.join(f);
    let cert = Cert::from_pem_or_der(&read(&kd(format!("{}.cert.pem", a.issuer)))?)?;
    let key = load_private_key(&kd(format!("{}.key.pem", a.issuer)), &a.pass)?;
    let seal = Seal::parse(&read(&kd(format!("seals/{}.esl", a.issuer)))?)?;
    let chain = vec![Cert::from_pem_or_der(&read(&kd("issuing-ca.cert.pem".into()))?)?];
    let p = default_provider();
    let tsa_key = load_private_key(&kd("tsa.key.pem".into()), &PassphraseArgs::default())?;
    let tsa = TimeStampAuthority::new(
        Cert::from_pem_or_der(&read(&kd("tsa.cert.pem".into()))?)?,
        chain.clone(),
        p.sm2_signer(&tsa_key, UserId::DEFAULT)?,
        yinxin_pki::oid::YINXIN_TSA_POLICY,
    )?;
    let subject = cert.subject();
    let issuer =
        attr(&subject, "O=").ok_or_else(|| CliError::input("the issuer certificate has no O (organisation)"))?;
    let issuer_code = attr(&subject, "organizationIdentifier=")
        .ok_or_else(|| CliError::input("the issuer certificate has no organizationIdentifier (USCC)"))?;
    let signer = p.sm2_signer(&key, UserId::DEFAULT)?;
    let sealing = Sealing { seal: &seal, cert: &cert, chain: &chain, signer: signer.as_ref(), tsa: Some(&tsa) };
    let req =
        IssueRequest { ltype: t, fields, issuer, issuer_code, serial: a.serial, version: 1, verify_url: a.verify_url };
    let lic = issue(&req, &sealing, OffsetDateTime::now_utc())?;
    let id = lic.metadata.identifier.clone();
    write(&a.out.join(format!("{id}.ofd")), &lic.ofd, false)?;
    write(&a.out.join(format!("{id}.pdf")), &lic.pdf, false)?;
    let json = serde_json::to_vec_pretty(&lic.metadata).map_err(|e| CliError::input(e.to_string()))?;
    write(&a.out.join(format!("{id}.json")), &json, false)?;
    println!("{id}");
    Ok(EXIT_OK)
}
