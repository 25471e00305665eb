//! `yinxin ts request|stamp|verify`: RFC 3161 time stamps.

use super::cert::{load_crls, load_many, load_trust};
use crate::io::{CliError, CliResult, EXIT_OK, PassphraseArgs, load_private_key, print_json, read, write};
use clap::{Args, Subcommand};
use std::path::PathBuf;
use time::OffsetDateTime;
use yinxin_gm::{UserId, default_provider};
use yinxin_pki::Cert;
use yinxin_pki::tsp::{Imprint, TimeStampAuthority, TimeStampRequest, TokenExpectations, request_for, verify_token};

#[derive(Subcommand)]
pub enum TsCmd {
    /// Write a time-stamp request (DER .tsq) for a file's SM3 digest.
    Request(RequestArgs),
    /// Act as the time-stamp authority: stamp a file (writes a token) or answer a request
    /// (writes a response).
    Stamp(StampArgs),
    /// Verify a token or response.
    Verify(VerifyArgs),
}

#[derive(Args)]
pub struct RequestArgs {
    /// The file to be time-stamped.
    #[arg(long = "in")]
    input: PathBuf,
    /// Request file to write.
    #[arg(long)]
    out: PathBuf,
    /// Include a random 64-bit nonce (printed in hex).
    #[arg(long)]
    nonce: bool,
    /// Ask the TSA to include its certificate.
    #[arg(long)]
    cert_req: bool,
}

#[derive(Args)]
pub struct StampArgs {
    /// The TSA certificate (critical id-kp-timeStamping).
    #[arg(long)]
    tsa_cert: PathBuf,
    /// The TSA private key.
    #[arg(long)]
    tsa_key: PathBuf,
    /// CA certificates to include in tokens. Repeatable.
    #[arg(long)]
    tsa_chain: Vec<PathBuf>,
    /// The TSA policy OID.
    #[arg(long, default_value = yinxin_pki::oid::YINXIN_TSA_POLICY)]
    policy: String,
    /// Stamp this file's SM3 digest and write a token (DER ContentInfo).
    #[arg(long = "in", conflicts_with = "request", required_unless_present = "request")]
    input: Option<PathBuf>,
    /// Answer this DER request and write a DER TimeStampResp.
    #[arg(long)]
    request: Option<PathBuf>,
    /// Output file.
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    pass: PassphraseArgs,
}

#[derive(Args)]
pub struct VerifyArgs {
    /// The token (ContentInfo) or a whole TimeStampResp, DER.
    token: PathBuf,
    /// Trust anchors (files or directories). Repeatable.
    #[arg(long, required = true)]
    trust: Vec<PathBuf>,
    /// The time-stamped data, to compare with the imprint.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Extra certificates (the TSA certificate if the token lacks it, intermediates).
    #[arg(long)]
    chain: Vec<PathBuf>,
    /// CRLs for the TSA chain.
    #[arg(long)]
    crl: Vec<PathBuf>,
    /// The request's nonce, hex.
    #[arg(long)]
    nonce: Option<String>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(cmd: TsCmd) -> CliResult {
    match cmd {
        TsCmd::Request(a) => {
            let data = read(&a.input)?;
            let nonce = if a.nonce {
                let mut n = vec![0u8; 8];
                default_provider().fill_random(&mut n)?;
                n[0] |= 0x01;
                n[0] &= 0x7f;
                println!("nonce: {}", hex::encode(&n));
                Some(n)
            } else {
                None
            };
            let req = request_for(&yinxin_gm::sm3::sm3(&data).0, nonce, a.cert_req);
            write(&a.out, &req.to_der()?, false)?;
            Ok(EXIT_OK)
        }
        TsCmd::Stamp(a) => stamp(a),
        TsCmd::Verify(a) => verify(a),
    }
}

fn stamp(a: StampArgs) -> CliResult {
    let cert = Cert::from_pem_or_der(&read(&a.tsa_cert)?)?;
    let key = load_private_key(&a.tsa_key, &a.pass)?;
    let chain = load_many(&a.tsa_chain)?;
    let tsa = TimeStampAuthority::new(cert, chain, default_provider().sm2_signer(&key, UserId::DEFAULT)?, &a.policy)?;
    let now = OffsetDateTime::now_utc();
    let out = match (&a.input, &a.request) {
        (Some(f), _) => tsa.stamp(&Imprint::sm3_of(&read(f)?), None, true, now)?,
        (None, Some(r)) => {
            let der = read(r)?;
            // Show what was asked for; a malformed request still gets a rejection response.
            if let Ok(req) = TimeStampRequest::from_der(&der) {
                eprintln!("request: {:?} imprint {}", req.imprint.alg, hex::encode(&req.imprint.digest));
            }
            tsa.respond(&der, now)?
        }
        (None, None) => return Err(CliError::usage("give --in FILE or --request REQ")),
    };
    write(&a.out, &out, false)?;
    Ok(EXIT_OK)
}

fn verify(a: VerifyArgs) -> CliResult {
    let token = read(&a.token)?;
    let trust = load_trust(&a.trust)?;
    let extra = load_many(&a.chain)?;
    let crls = load_crls(&a.crl)?;
    let data = a.data.as_deref().map(read).transpose()?;
    let nonce =
        a.nonce.as_deref().map(hex::decode).transpose().map_err(|e| CliError::usage(format!("--nonce: {e}")))?;
    let expect = TokenExpectations {
        data: data.as_deref(),
        nonce: nonce.as_deref(),
        extra_certs: &extra,
        crls: &crls,
        control: None,
    };
    let r = verify_token(&token, &expect, &trust, OffsetDateTime::now_utc());
    if a.json {
        print_json(&r);
    } else {
        println!("{:?}{}", r.indication, r.sub_indication.map(|s| format!(" / {s:?}")).unwrap_or_default());
        if let Some(i) = &r.info {
            println!("  genTime {}  serial {}  policy {}", i.gen_time, i.serial, i.policy);
            println!("  imprint {:?} {}", i.imprint.alg, hex::encode(&i.imprint.digest));
            if let Some(t) = &i.tsa {
                println!("  TSA     {t}");
            }
        }
        for c in &r.checks {
            println!("  {}", super::cert::check_line(c));
        }
    }
    Ok(crate::io::exit_for(r.indication))
}
