//! `yinxin verify FILE`: one command for every signed object yinxin knows. It recognises the file
//! by its content: an OFD package (zip), an SES_Signature, GM/T 0010 signed data, or a seal.

use super::cert::{load_crls, load_many, load_trust, short_name};
use crate::io::{CliError, CliResult, exit_for, print_json, read};
use clap::Args;
use std::path::PathBuf;
use time::OffsetDateTime;
use yinxin_pki::chain::RevocationPolicy;
use yinxin_pki::report::Report;
use yinxin_pki::time::parse_instant;
use yinxin_seal::verify::{At, VerifyOptions};

#[derive(Args)]
pub struct VerifyArgs {
    /// The file: .ofd, .pdf, SES_Signature (.dat), GM/T 0010 signed data, or a seal (.esl).
    file: PathBuf,
    /// The signed data, for a detached signature.
    #[arg(long)]
    data: Option<PathBuf>,
    #[command(flatten)]
    trust: super::trust::TrustArgs,
    /// Trust anchors for seal makers (制章机构); default: the --trust anchors.
    #[arg(long)]
    seal_authority: Vec<PathBuf>,
    /// Intermediate certificates. Repeatable.
    #[arg(long)]
    chain: Vec<PathBuf>,
    /// CRLs. Repeatable.
    #[arg(long)]
    crl: Vec<PathBuf>,
    /// Require a fresh CRL for every certificate (else INDETERMINATE).
    #[arg(long)]
    require_revocation: bool,
    /// When to judge validity: an RFC 3339 time, `now` (default), or `signing-time` (the
    /// signer's claimed time, used only when no time stamp proves one).
    #[arg(long, default_value = "now")]
    at: String,
    /// Print the report as JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

pub fn run(a: VerifyArgs) -> CliResult {
    let report = report(&a)?;
    if a.json {
        print_json(&report);
    } else {
        print_report(&report, 0);
    }
    Ok(exit_for(report.indication))
}

/// The report on the file `a` names, with the trust and options `a` gives.
pub fn report(a: &VerifyArgs) -> CliResult<Report> {
    let bytes = read(&a.file)?;
    let trust = a.trust.store()?;
    let policy = a.trust.policy()?;
    let authorities = if a.seal_authority.is_empty() { None } else { Some(load_trust(&a.seal_authority)?) };
    let intermediates = load_many(&a.chain)?;
    let crls = load_crls(&a.crl)?;
    let data = a.data.as_deref().map(read).transpose()?;
    let at = match a.at.as_str() {
        "now" => At::Now,
        "signing-time" => At::SigningTime,
        t => At::Given(parse_instant(t).map_err(|e| CliError::usage(format!("--at: {e}")))?),
    };
    let opts = VerifyOptions {
        trust: &trust,
        seal_authorities: authorities.as_ref(),
        intermediates: &intermediates,
        crls: &crls,
        revocation: if a.require_revocation { RevocationPolicy::Require } else { RevocationPolicy::IfAvailable },
        at,
        now: OffsetDateTime::now_utc(),
        policy: &policy,
        data_sm3: None,
        poe: None,
    };
    if trust.is_empty() {
        eprintln!(
            "yinxin: no trust anchors (give --trust, or add roots with `yinxin trust add`): every check runs, \
             the chains end INDETERMINATE"
        );
    }
    let mut report = yinxin_doc::stamp::verify_any(&bytes, data.as_deref(), &opts).ok_or_else(|| {
        CliError::input(format!("{}: not an OFD, PDF, SES signature, GM/T 0010 signed data or seal", a.file.display()))
    })?;
    report.location.get_or_insert_with(|| a.file.display().to_string());
    Ok(report)
}

/// Print a report for people: the verdict first, then the facts, then every check.
pub fn print_report(r: &Report, depth: usize) {
    let pad = "  ".repeat(depth);
    let sub = r.sub_indication.map(|s| format!(" / {}", serde_name(&s))).unwrap_or_default();
    println!("{pad}{} {}{sub}  [{}]", r.kind, serde_name(&r.indication), r.location.as_deref().unwrap_or(""));
    if let (Some(t), Some(s)) = (&r.validation_time, &r.time_source) {
        println!("{pad}  judged at {t} ({})", serde_name(s));
    }
    if let Some(t) = &r.claimed_signing_time {
        println!("{pad}  claimed signing time {t}");
    }
    if let Some(s) = &r.signer {
        println!("{pad}  signer  {}", short_name(&s.subject));
    }
    if let Some(s) = &r.seal {
        println!(
            "{pad}  seal    {} ({}, {}, type {}, {} to {})",
            s.name, s.es_id, s.version, s.seal_type, s.valid_start, s.valid_end
        );
    }
    if let Some(p) = &r.policy
        && depth == 0
    {
        println!("{pad}  policy  {} (SM3 {}…)", p.name, &p.sm3[..16.min(p.sm3.len())]);
    }
    if let Some(t) = &r.time_stamp {
        println!("{pad}  time stamp {} by {}", t.gen_time, t.tsa.as_deref().map(short_name).unwrap_or("?"));
    }
    for c in &r.checks {
        println!("{pad}  {}", super::cert::check_line(c));
    }
    for p in &r.parts {
        print_report(p, depth + 1);
    }
}

fn serde_name<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}
