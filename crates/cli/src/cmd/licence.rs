//! `yinxin licence issue|reissue|annotate|import|types|extend`: licences as sealed OFD and signed PDF,
//! and their long-term form.

use crate::io::{
    CliError, CliResult, EXIT_FAILED, EXIT_OK, PassphraseArgs, load_private_key, load_tsa, print_json, read, write,
};
use clap::{Args, Subcommand};
use std::collections::BTreeMap;
use std::path::PathBuf;
use time::OffsetDateTime;
use yinxin_gm::{UserId, default_provider};
use yinxin_licence::catalogue::Catalogue;
use yinxin_licence::issue::{AnnotationRequest, IssueRequest, Issued, Metadata, Sealing, annotate, issue, reissue};
use yinxin_pki::Cert;
use yinxin_pki::tsp::TimeStampAuthority;
use yinxin_seal::Seal;

#[derive(Subcommand)]
pub enum LicenceCmd {
    /// Issue a licence: OFD and PDF, sealed by the department and time-stamped.
    Issue(Box<IssueArgs>),
    /// Re-issue a licence: version + 1 with new field values, superseding the previous version.
    Reissue(Box<ReissueArgs>),
    /// Make a 加注件: a copy annotated with a use-cause, a user and an expiry, sealed again.
    Annotate(Box<AnnotateArgs>),
    /// List the licence types in the catalogue.
    Types(TypesArgs),
    /// 存量证照 conversion: issue licences in bulk from a CSV or JSON-lines export, mapped to a
    /// catalogue type by a mapping file. Resumable: run the same command again after an
    /// interruption. Every row's outcome goes to OUT/import-journal.jsonl.
    Import(Box<ImportArgs>),
    /// Long-term validation: add the validation material (certificates, CRLs) and a new document
    /// time stamp (PDF: PAdES B-LTA, ISO 32000-2 §12.8.4.3 DSS) or package time stamp (OFD:
    /// `LTV/`). Run it again before the last stamp's TSA certificate ends to renew the proof.
    Extend(ExtendArgs),
}

#[derive(Args)]
pub struct ExtendArgs {
    /// The licence: a signed PDF or a sealed OFD.
    file: PathBuf,
    /// Where to write the extended file (default: FILE, replaced).
    #[arg(long)]
    out: Option<PathBuf>,
    /// A directory laid out like keys-dev/: tsa.cert.pem, tsa.key.pem, issuing-ca.cert.pem,
    /// root-ca.cert.pem, crl/*.pem.
    #[arg(long, default_value = "keys-dev")]
    key_dir: PathBuf,
    /// More certificates to embed (PEM or DER; repeatable).
    #[arg(long)]
    cert: Vec<PathBuf>,
    /// More CRLs to embed (PEM or DER; repeatable).
    #[arg(long)]
    crl: Vec<PathBuf>,
}

fn extend_cmd(a: ExtendArgs) -> CliResult {
    let bytes = read(&a.file)?;
    let (tsa, material) = crate::io::long_term_kit(&a.key_dir, &a.cert, &a.crl)?;
    let now = OffsetDateTime::now_utc();
    let out = match yinxin_doc::stamp::format_of(&bytes) {
        Some(yinxin_doc::stamp::Format::Pdf) => yinxin_doc::pdf::ltv::extend(&bytes, &material, &tsa, now)
            .map_err(|e| crate::io::CliError::input(e.to_string()))?,
        Some(yinxin_doc::stamp::Format::Ofd) => yinxin_doc::ofd::ltv::extend(&bytes, &material, &tsa, now)
            .map_err(|e| crate::io::CliError::input(e.to_string()))?,
        None => return Err(crate::io::CliError::input(format!("{}: neither a PDF nor an OFD", a.file.display()))),
    };
    let target = a.out.unwrap_or(a.file);
    write(&target, &out, false)?;
    println!(
        "{}: extended ({} certificates, {} CRLs, a time stamp by {} valid until {})",
        target.display(),
        material.certs.len(),
        material.crls.len(),
        tsa.cert().subject(),
        yinxin_pki::time::format_instant(tsa.cert().not_after)
    );
    Ok(EXIT_OK)
}

#[derive(Args)]
pub struct ImportArgs {
    /// The export: .csv (with a header row) or .jsonl.
    #[arg(long = "in")]
    input: PathBuf,
    /// The mapping file (type, field → column, constants, serial and issue-date columns).
    #[arg(long)]
    mapping: PathBuf,
    /// Output directory: the licences and the journal.
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    by: IssuerArgs,
}

#[derive(Args)]
pub struct ReissueArgs {
    /// The previous version's metadata (<identifier>.json as issue wrote it).
    #[arg(long)]
    previous: PathBuf,
    /// The new surface fields as a JSON object.
    #[arg(long)]
    data: PathBuf,
    /// Output directory: <new identifier>.ofd, .pdf and .json.
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    by: IssuerArgs,
}

#[derive(Args)]
pub struct AnnotateArgs {
    /// The licence's metadata (<identifier>.json as issue wrote it).
    #[arg(long)]
    licence: PathBuf,
    /// 用证事由 (at most 200 characters).
    #[arg(long)]
    use_cause: String,
    /// 用证方: who will use the copy.
    #[arg(long)]
    user: String,
    /// The last day the copy may be used (YYYY-MM-DD).
    #[arg(long)]
    expires: String,
    /// Output directory: <identifier>.加注.<expires>.ofd, .pdf and .json.
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    by: IssuerArgs,
}

/// Who issues, and how: shared by `issue`, `reissue`, `annotate` and `import`.
#[derive(Args)]
pub struct IssuerArgs {
    /// A directory laid out like keys-dev/: <issuer>.cert.pem, <issuer>.key.pem, seals/<issuer>.esl,
    /// tsa.*, issuing-ca.cert.pem.
    #[arg(long)]
    key_dir: PathBuf,
    /// The issuing department's file stem in --key-dir.
    #[arg(long, default_value = "dept-market")]
    issuer: String,
    /// A directory of catalogue JSON files instead of the built-in catalogue.
    #[arg(long)]
    catalogue: Option<PathBuf>,
    /// The verification address the QR codes link to.
    #[arg(long, default_value = "https://127.0.0.1:8443/verify")]
    verify_url: String,
    #[command(flatten)]
    pass: PassphraseArgs,
}

#[derive(Args)]
pub struct IssueArgs {
    /// The licence type: its code or its Chinese name (e.g. 营业执照).
    #[arg(long = "type")]
    ltype: String,
    /// The surface fields as a JSON object (see examples/).
    #[arg(long)]
    data: PathBuf,
    /// The serial (流水号); default: the licence number, or a time-based one.
    #[arg(long)]
    serial: Option<String>,
    /// Output directory: <identifier>.ofd, .pdf and .json.
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    by: IssuerArgs,
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
        LicenceCmd::Import(a) => import_cmd(*a),
        LicenceCmd::Reissue(a) => reissue_cmd(*a),
        LicenceCmd::Annotate(a) => annotate_cmd(*a),
        LicenceCmd::Extend(a) => extend_cmd(a),
    }
}

fn issue_cmd(a: IssueArgs) -> CliResult {
    let cat = catalogue(&a.by.catalogue)?;
    let t = cat
        .get(&a.ltype)
        .ok_or_else(|| CliError::usage(format!("--type {}: not in the catalogue (yinxin licence types)", a.ltype)))?;
    let fields: BTreeMap<String, String> =
        serde_json::from_slice(&read(&a.data)?).map_err(|e| CliError::input(format!("{}: {e}", a.data.display())))?;
    let d = Department::load(&a.by.key_dir, &a.by.issuer, &a.by.pass)?;
    let signer = default_provider().sm2_signer(&d.key, UserId::DEFAULT)?;
    let sealing = d.sealing(signer.as_ref());
    let (issuer, issuer_code) = (d.name.clone(), d.code.clone());
    let req = IssueRequest {
        ltype: t,
        fields,
        issuer,
        issuer_code,
        serial: a.serial,
        version: 1,
        verify_url: a.by.verify_url,
        issued_on: None,
    };
    let lic = issue(&req, &sealing, OffsetDateTime::now_utc())?;
    let id = lic.metadata.identifier.clone();
    save(&a.out, &id, &lic)
}

/// Write <stem>.ofd, .pdf and .json and print the stem.
fn save(out: &std::path::Path, stem: &str, lic: &Issued) -> CliResult {
    write(&out.join(format!("{stem}.ofd")), &lic.ofd, false)?;
    write(&out.join(format!("{stem}.pdf")), &lic.pdf, false)?;
    let json = serde_json::to_vec_pretty(&lic.metadata).map_err(|e| CliError::input(e.to_string()))?;
    write(&out.join(format!("{stem}.json")), &json, false)?;
    println!("{stem}");
    Ok(EXIT_OK)
}

fn load_metadata(path: &std::path::Path) -> CliResult<Metadata> {
    serde_json::from_slice(&read(path)?).map_err(|e| CliError::input(format!("{}: {e}", path.display())))
}

/// Only the department that issued a licence re-issues or annotates it.
fn same_issuer(m: &Metadata, d: &Department) -> CliResult<()> {
    if m.issuer_code != d.code {
        return Err(CliError::input(format!(
            "{} was issued by {} ({}); --issuer is {} ({})",
            m.identifier, m.issuer, m.issuer_code, d.name, d.code
        )));
    }
    Ok(())
}

fn reissue_cmd(a: ReissueArgs) -> CliResult {
    let cat = catalogue(&a.by.catalogue)?;
    let previous = load_metadata(&a.previous)?;
    let t = cat.get(&previous.type_code).ok_or_else(|| {
        CliError::input(format!("{}: type {} is not in the catalogue", a.previous.display(), previous.type_code))
    })?;
    let fields: BTreeMap<String, String> =
        serde_json::from_slice(&read(&a.data)?).map_err(|e| CliError::input(format!("{}: {e}", a.data.display())))?;
    let d = Department::load(&a.by.key_dir, &a.by.issuer, &a.by.pass)?;
    same_issuer(&previous, &d)?;
    let signer = default_provider().sm2_signer(&d.key, UserId::DEFAULT)?;
    let lic = reissue(&previous, t, fields, &a.by.verify_url, &d.sealing(signer.as_ref()), OffsetDateTime::now_utc())?;
    let id = lic.metadata.identifier.clone();
    save(&a.out, &id, &lic)
}

fn annotate_cmd(a: AnnotateArgs) -> CliResult {
    let cat = catalogue(&a.by.catalogue)?;
    let licence = load_metadata(&a.licence)?;
    let t = cat.get(&licence.type_code).ok_or_else(|| {
        CliError::input(format!("{}: type {} is not in the catalogue", a.licence.display(), licence.type_code))
    })?;
    let d = Department::load(&a.by.key_dir, &a.by.issuer, &a.by.pass)?;
    same_issuer(&licence, &d)?;
    let signer = default_provider().sm2_signer(&d.key, UserId::DEFAULT)?;
    let ask = AnnotationRequest { use_cause: &a.use_cause, user: &a.user, expires: &a.expires };
    let copy = annotate(&licence, t, &ask, &a.by.verify_url, &d.sealing(signer.as_ref()), OffsetDateTime::now_utc())?;
    save(&a.out, &format!("{}.加注.{}", licence.identifier, a.expires.trim()), &copy)
}

/// An issuing department's keys, seal and time-stamp authority from a keys-dev-like directory.
struct Department {
    cert: Cert,
    key: yinxin_gm::Sm2PrivateKey,
    seal: Seal,
    chain: Vec<Cert>,
    tsa: TimeStampAuthority,
    name: String,
    code: String,
}

impl Department {
    fn load(key_dir: &std::path::Path, stem: &str, pass: &PassphraseArgs) -> CliResult<Self> {
        let kd = |f: String| key_dir.join(f);
        let cert = Cert::from_pem_or_der(&read(&kd(format!("{stem}.cert.pem")))?)?;
        let key = load_private_key(&kd(format!("{stem}.key.pem")), pass)?;
        let seal = Seal::parse(&read(&kd(format!("seals/{stem}.esl")))?)?;
        let ca = kd("issuing-ca.cert.pem".into());
        let chain = vec![Cert::from_pem_or_der(&read(&ca)?)?];
        let tsa = load_tsa(&kd("tsa.cert.pem".into()), &kd("tsa.key.pem".into()), &[ca])?;
        let name =
            cert.subject_attr("O").ok_or_else(|| CliError::input("the issuer certificate has no O (organisation)"))?;
        let code = cert
            .subject_attr("organizationIdentifier")
            .ok_or_else(|| CliError::input("the issuer certificate has no organizationIdentifier (USCC)"))?;
        Ok(Self { cert, key, seal, chain, tsa, name, code })
    }

    fn sealing<'a>(&'a self, signer: &'a dyn yinxin_gm::Sm2Signer) -> Sealing<'a> {
        Sealing { seal: &self.seal, cert: &self.cert, chain: &self.chain, signer, tsa: Some(&self.tsa) }
    }
}

fn import_cmd(a: ImportArgs) -> CliResult {
    use yinxin_licence::import::{Import, JOURNAL, Mapping, Status, read_rows};
    let cat = catalogue(&a.by.catalogue)?;
    let mapping = Mapping::load(&a.mapping, &cat)?;
    let rows = read_rows(&a.input)?;
    let d = Department::load(&a.by.key_dir, &a.by.issuer, &a.by.pass)?;
    let signer = default_provider().sm2_signer(&d.key, UserId::DEFAULT)?;
    let imp = Import {
        ltype: mapping.licence_type(&cat)?,
        mapping: &mapping,
        issuer: d.name.clone(),
        issuer_code: d.code.clone(),
        verify_url: a.by.verify_url.clone(),
        out: a.out.clone(),
    };
    let bar = indicatif::ProgressBar::new(rows.len() as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {per_sec} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let summary = imp.run(&rows, &d.sealing(signer.as_ref()), |row, o| {
        if o.status == Status::Rejected {
            let msg = format!("line {}: rejected: {}", row.line, o.reasons.join("; "));
            // indicatif draws nothing when stderr is not a terminal (a log, a pipe).
            if bar.is_hidden() {
                eprintln!("{msg}");
            } else {
                bar.println(msg);
            }
        }
        bar.inc(1);
    })?;
    bar.finish_and_clear();
    println!(
        "{} issued, {} recovered, {} rejected, {} duplicate, {} already done (journal: {})",
        summary.issued,
        summary.recovered,
        summary.rejected,
        summary.duplicate,
        summary.already_done,
        a.out.join(JOURNAL).display()
    );
    // The exit status covers the whole export, earlier runs included.
    let rejected = imp.journal()?.iter().filter(|o| o.status == Status::Rejected).count();
    Ok(if rejected == 0 { EXIT_OK } else { EXIT_FAILED })
}
