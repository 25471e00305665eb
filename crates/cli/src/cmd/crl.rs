//! `yinxin crl issue|show`.

use super::cert::load_many;
use crate::io::{CliError, CliResult, EXIT_OK, PassphraseArgs, load_private_key, parse_at, print_json, read, write};
use clap::{Args, Subcommand};
use std::path::PathBuf;
use time::OffsetDateTime;
use yinxin_gm::{UserId, default_provider};
use yinxin_pki::crl::{CrlRequest, Reason, Revoked, issue_crl};
use yinxin_pki::time::format_instant;
use yinxin_pki::{Cert, Crl};

#[derive(Subcommand)]
pub enum CrlCmd {
    /// Issue a CRL.
    Issue(IssueArgs),
    /// Show a CRL.
    Show(ShowArgs),
}

#[derive(Args)]
pub struct IssueArgs {
    /// The CA certificate.
    #[arg(long)]
    issuer_cert: PathBuf,
    /// The CA's private key.
    #[arg(long)]
    issuer_key: PathBuf,
    /// Revoke a serial number: HEX[:REASON[:TIME]] (REASON as in RFC 5280, e.g. keyCompromise;
    /// TIME RFC 3339, default now). Repeatable.
    #[arg(long)]
    revoke: Vec<String>,
    /// Revoke the certificate in this file (reason unspecified, now). Repeatable.
    #[arg(long)]
    revoke_cert: Vec<PathBuf>,
    /// cRLNumber.
    #[arg(long, default_value_t = 1)]
    number: u64,
    /// thisUpdate (default now).
    #[arg(long, value_parser = parse_at)]
    this_update: Option<OffsetDateTime>,
    /// Days until nextUpdate.
    #[arg(long, default_value_t = 7)]
    next_update_days: u32,
    /// CRL file to write (PEM).
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    pass: PassphraseArgs,
}

#[derive(Args)]
pub struct ShowArgs {
    /// The CRL.
    crl: PathBuf,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(cmd: CrlCmd) -> CliResult {
    match cmd {
        CrlCmd::Issue(a) => issue(a),
        CrlCmd::Show(a) => show(a),
    }
}

fn issue(a: IssueArgs) -> CliResult {
    let ca = Cert::from_pem_or_der(&read(&a.issuer_cert)?)?;
    let key = load_private_key(&a.issuer_key, &a.pass)?;
    let now = OffsetDateTime::now_utc();
    let this_update = a.this_update.unwrap_or(now);
    let mut revoked = Vec::new();
    for r in &a.revoke {
        let mut parts = r.splitn(3, ':');
        let serial = hex::decode(parts.next().unwrap_or(""))
            .map_err(|e| CliError::usage(format!("--revoke {r}: serial: {e}")))?;
        let reason = match parts.next() {
            None | Some("") => None,
            Some(n) => {
                Some(Reason::from_name(n).ok_or_else(|| CliError::usage(format!("--revoke {r}: unknown reason {n}")))?
                    as u8)
            }
        };
        let date = match parts.next() {
            None => now,
            Some(t) => parse_at(t).map_err(CliError::usage)?,
        };
        revoked.push(Revoked { serial, date, reason });
    }
    for c in load_many(&a.revoke_cert)? {
        revoked.push(Revoked { serial: c.serial.clone(), date: now, reason: None });
    }
    let req = CrlRequest {
        this_update,
        next_update: this_update + time::Duration::days(i64::from(a.next_update_days)),
        number: a.number,
        revoked,
    };
    let crl = issue_crl(&req, &ca, default_provider().sm2_signer(&key, UserId::DEFAULT)?.as_ref())?;
    write(&a.out, crl.to_pem().as_bytes(), false)?;
    Ok(EXIT_OK)
}

fn show(a: ShowArgs) -> CliResult {
    let crl = Crl::from_pem_or_der(&read(&a.crl)?)?;
    let v = serde_json::json!({
        "issuer": crl.issuer(),
        "this_update": format_instant(crl.this_update),
        "next_update": crl.next_update.map(format_instant),
        "crl_number": crl.crl_number.as_ref().map(hex::encode),
        "revoked": crl.revoked.iter().map(|r| serde_json::json!({"serial": hex::encode(&r.serial), "date": format_instant(r.date), "reason": r.reason})).collect::<Vec<_>>(),
    });
    if a.json {
        print_json(&v);
    } else {
        println!("issuer:      {}", crl.issuer());
        println!("thisUpdate:  {}", format_instant(crl.this_update));
        println!("nextUpdate:  {}", crl.next_update.map(format_instant).unwrap_or_else(|| "-".into()));
        println!("revoked:     {}", crl.revoked.len());
        for r in &crl.revoked {
            println!("  {} at {} reason {:?}", hex::encode(&r.serial), format_instant(r.date), r.reason);
        }
    }
    Ok(EXIT_OK)
}
