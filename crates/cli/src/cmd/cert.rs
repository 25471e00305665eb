//! `yinxin cert issue|show|verify`.

use super::sm2::load_public_key;
use crate::io::{CliError, CliResult, EXIT_OK, PassphraseArgs, load_private_key, parse_at, print_json, write};
use clap::{Args, Subcommand};
use serde::Serialize;
use std::path::PathBuf;
use time::OffsetDateTime;
use yinxin_gm::{UserId, default_provider};
use yinxin_pki::chain::{ChainResult, RevocationPolicy, ValidationOptions};
use yinxin_pki::report::TimeSource;
use yinxin_pki::time::format_instant;
use yinxin_pki::{
    Cert, CertRequest, Crl, DnBuilder, Profile, Purpose, TrustStore, issue_cert, load_certs, validate_chain,
};

#[derive(Subcommand)]
pub enum CertCmd {
    /// Issue a certificate (or a self-signed root).
    Issue(IssueArgs),
    /// Show a certificate.
    Show(ShowArgs),
    /// Validate a certificate's chain to trust anchors.
    Verify(VerifyArgs),
}

fn parse_profile(s: &str) -> Result<Profile, String> {
    Profile::from_name(s).ok_or_else(|| {
        let names: Vec<&str> = Profile::ALL.iter().map(|p| p.name()).collect();
        format!("unknown profile {s:?}; one of: {}", names.join(", "))
    })
}

fn parse_purpose(s: &str) -> Result<Purpose, String> {
    Purpose::from_name(s).ok_or_else(|| {
        let names: Vec<&str> = Purpose::ALL.iter().map(|p| p.name()).collect();
        format!("unknown purpose {s:?}; one of: {}", names.join(", "))
    })
}

#[derive(Args)]
pub struct IssueArgs {
    /// The certificate profile: root-ca, issuing-ca, licence-issuer, seal-maker, seal-holder,
    /// person, time-stamping, status-list-signer.
    #[arg(long, value_parser = parse_profile)]
    profile: Profile,
    /// Subject, most general first: "C=CN,O=某市市场监督管理局,CN=…" (UTF-8).
    #[arg(long)]
    subject: String,
    /// The subject's public key (SPKI) — or give --key for a self-signed root.
    #[arg(long = "pub", conflicts_with = "key")]
    public: Option<PathBuf>,
    /// The subject's private key (required for a self-signed root; its public half is certified).
    #[arg(long)]
    key: Option<PathBuf>,
    /// The issuing CA's certificate (omit for a self-signed root).
    #[arg(long, requires = "issuer_key")]
    issuer_cert: Option<PathBuf>,
    /// The issuing CA's private key.
    #[arg(long, requires = "issuer_cert")]
    issuer_key: Option<PathBuf>,
    /// Validity in days from --not-before.
    #[arg(long, default_value_t = 365)]
    days: u32,
    /// Start of validity (RFC 3339; default now).
    #[arg(long, value_parser = parse_at)]
    not_before: Option<OffsetDateTime>,
    /// Serial number in hex (default: 128 random bits).
    #[arg(long)]
    serial: Option<String>,
    /// pathLenConstraint for a CA.
    #[arg(long)]
    path_len: Option<u8>,
    /// CRL distribution point URL.
    #[arg(long)]
    crl_url: Option<String>,
    /// Certificate file to write (PEM).
    #[arg(long)]
    out: PathBuf,
    /// Passphrase for the issuer's (or, for a root, the subject's) key.
    #[command(flatten)]
    pass: PassphraseArgs,
}

#[derive(Args)]
pub struct ShowArgs {
    /// The certificate (PEM or DER).
    cert: PathBuf,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct VerifyArgs {
    /// The certificate to validate.
    cert: PathBuf,
    /// A trust anchor: a certificate file, or a directory of them. Repeatable.
    #[arg(long, required = true)]
    trust: Vec<PathBuf>,
    /// Intermediate certificates (a file or directory). Repeatable.
    #[arg(long)]
    chain: Vec<PathBuf>,
    /// A CRL (PEM or DER). Repeatable.
    #[arg(long)]
    crl: Vec<PathBuf>,
    /// Judge validity at this time (RFC 3339); default now.
    #[arg(long, value_parser = parse_at)]
    at: Option<OffsetDateTime>,
    /// What the certificate must be fit for: any, document-signing, time-stamping, cert-signing.
    #[arg(long, value_parser = parse_purpose, default_value = "any")]
    purpose: Purpose,
    /// Every certificate needs a fresh CRL from its issuer, else INDETERMINATE.
    #[arg(long)]
    require_revocation: bool,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(cmd: CertCmd) -> CliResult {
    match cmd {
        CertCmd::Issue(a) => issue(a),
        CertCmd::Show(a) => show(a),
        CertCmd::Verify(a) => verify(a),
    }
}

fn issue(a: IssueArgs) -> CliResult {
    let profile = a.profile;
    let subject_der = DnBuilder::parse(&a.subject)?.to_der()?;
    let subject_key = match &a.key {
        Some(k) => Some(load_private_key(k, &a.pass)?),
        None => None,
    };
    let public_key = match (&a.public, &subject_key) {
        (Some(p), _) => load_public_key(p)?,
        (None, Some(k)) => k.public_key().clone(),
        (None, None) => {
            return Err(CliError::usage("give --pub (the subject's public key) or --key"));
        }
    };
    let not_before = a.not_before.unwrap_or_else(OffsetDateTime::now_utc);
    let serial =
        a.serial.as_deref().map(hex::decode).transpose().map_err(|e| CliError::usage(format!("--serial: {e}")))?;
    let req = CertRequest {
        profile,
        subject_der,
        public_key,
        not_before,
        not_after: not_before + time::Duration::days(i64::from(a.days)),
        serial,
        path_len: a.path_len,
        crl_url: a.crl_url,
    };
    let p = default_provider();
    let cert = match (&a.issuer_cert, &a.issuer_key) {
        (Some(c), Some(k)) => {
            let ca = Cert::from_pem_or_der(&crate::io::read(c)?)?;
            let key = load_private_key(k, &a.pass)?;
            issue_cert(&req, Some(&ca), p.sm2_signer(&key, UserId::DEFAULT)?.as_ref())?
        }
        _ => {
            let key = subject_key.ok_or_else(|| {
                CliError::usage(
                    "a self-signed root needs --key; other certificates need --issuer-cert and --issuer-key",
                )
            })?;
            issue_cert(&req, None, p.sm2_signer(&key, UserId::DEFAULT)?.as_ref())?
        }
    };
    write(&a.out, cert.to_pem().as_bytes(), false)?;
    Ok(EXIT_OK)
}

#[derive(Serialize)]
struct CertView {
    subject: String,
    issuer: String,
    serial: String,
    version: u32,
    not_before: String,
    not_after: String,
    signature_algorithm: String,
    public_key_sec1: Option<String>,
    basic_constraints: Option<(bool, Option<u32>)>,
    key_usage: Vec<&'static str>,
    ext_key_usage: Option<Vec<String>>,
    subject_key_id: Option<String>,
    authority_key_id: Option<String>,
    sm3_fingerprint: String,
}

pub fn view(c: &Cert) -> impl Serialize + use<> {
    const KU: [&str; 9] = [
        "digitalSignature",
        "nonRepudiation",
        "keyEncipherment",
        "dataEncipherment",
        "keyAgreement",
        "keyCertSign",
        "cRLSign",
        "encipherOnly",
        "decipherOnly",
    ];
    CertView {
        subject: c.subject(),
        issuer: c.issuer(),
        serial: c.serial_hex(),
        version: c.version,
        not_before: format_instant(c.not_before),
        not_after: format_instant(c.not_after),
        signature_algorithm: c.signature_algorithm.clone(),
        public_key_sec1: c.public_key.as_ref().ok().map(|k| hex::encode(k.to_sec1())),
        basic_constraints: c.basic_constraints,
        key_usage: c
            .key_usage
            .map(|k| KU.iter().enumerate().filter(|(i, _)| k & (1 << i) != 0).map(|(_, n)| *n).collect())
            .unwrap_or_default(),
        ext_key_usage: c.ext_key_usage.clone(),
        subject_key_id: c.subject_key_id.as_ref().map(hex::encode),
        authority_key_id: c.authority_key_id.as_ref().map(hex::encode),
        sm3_fingerprint: c.sm3().to_hex(),
    }
}

fn show(a: ShowArgs) -> CliResult {
    let c = Cert::from_pem_or_der(&crate::io::read(&a.cert)?)?;
    let v = serde_json::to_value(view(&c)).map_err(|e| CliError::input(e.to_string()))?;
    if a.json {
        print_json(&v);
    } else if let Some(obj) = v.as_object() {
        for (k, val) in obj {
            let s = match val {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Null => "-".into(),
                other => other.to_string(),
            };
            println!("{k:>20}: {s}");
        }
    }
    Ok(EXIT_OK)
}

/// Load trust anchors, failing if none were found.
pub fn load_trust(paths: &[PathBuf]) -> CliResult<TrustStore> {
    let mut t = TrustStore::default();
    for p in paths {
        for c in load_certs(p)? {
            t.add(c);
        }
    }
    if t.is_empty() {
        return Err(CliError::input("no trust anchor certificates found in --trust"));
    }
    Ok(t)
}

/// Load certificates from files or directories.
pub fn load_many(paths: &[PathBuf]) -> CliResult<Vec<Cert>> {
    let mut out = Vec::new();
    for p in paths {
        out.extend(load_certs(p)?);
    }
    Ok(out)
}

/// Load CRLs.
pub fn load_crls(paths: &[PathBuf]) -> CliResult<Vec<Crl>> {
    paths
        .iter()
        .map(|p| {
            Crl::from_pem_or_der(&crate::io::read(p)?).map_err(|e| CliError::input(format!("{}: {e}", p.display())))
        })
        .collect()
}

fn verify(a: VerifyArgs) -> CliResult {
    let leaf = Cert::from_pem_or_der(&crate::io::read(&a.cert)?)
        .map_err(|e| CliError::input(format!("{}: {e}", a.cert.display())))?;
    let trust = load_trust(&a.trust)?;
    let chain = load_many(&a.chain)?;
    let crls = load_crls(&a.crl)?;
    let now = OffsetDateTime::now_utc();
    let opts = ValidationOptions {
        at: a.at.unwrap_or(now),
        time_source: if a.at.is_some() { TimeSource::Caller } else { TimeSource::Now },
        now,
        purpose: a.purpose,
        crls: &crls,
        revocation: if a.require_revocation { RevocationPolicy::Require } else { RevocationPolicy::IfAvailable },
        crl_max_age: None,
    };
    let r = validate_chain(&leaf, &chain, &trust, &opts);
    print_chain_result(&r, a.json);
    Ok(crate::io::exit_for(r.indication))
}

/// Print a chain result, human or JSON.
pub fn print_chain_result(r: &ChainResult, json: bool) {
    if json {
        print_json(r);
        return;
    }
    let sub = r
        .sub_indication
        .map(|s| {
            format!(
                " / {}",
                serde_json::to_value(s).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
            )
        })
        .unwrap_or_default();
    println!("{:?}{sub}  (judged at {}, {:?})", r.indication, r.validation_time, r.time_source);
    for (i, c) in r.chain.iter().enumerate() {
        println!("  [{i}] {}{}", c.subject, if c.trust_anchor { "  (trust anchor)" } else { "" });
    }
    for c in &r.checks {
        println!("  {}", check_line(c));
    }
}

/// One line for a check: outcome, id, reason, and the common name it was about.
pub fn check_line(c: &yinxin_pki::Check) -> String {
    let who = c.subject.as_deref().map(|s| format!(" [{}]", short_name(s))).unwrap_or_default();
    format!("{:<14} {:<24} {}{who}", format!("{:?}", c.outcome), c.id, c.reason_en)
}

/// The CN of a displayed name, or the whole name.
pub fn short_name(s: &str) -> &str {
    s.rsplit(", ").find_map(|p| p.strip_prefix("CN=")).unwrap_or(s)
}
