//! `yinxin envelope`: 电子签名 envelopes through the service's API (create, status, download) and
//! offline (verify: every signature of a signed PDF in order, the revision each covers, the
//! handwriting each binds, and whether the document was locked).

use super::verify::{VerifyArgs, print_report, report};
use crate::io::{CliError, CliResult, EXIT_OK, exit_for, print_json, read, read_text, write};
use base64::Engine;
use clap::{Args, Subcommand};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::Duration;
use yinxin_pki::report::{Outcome, Report};

#[derive(Subcommand)]
pub enum EnvelopeCmd {
    /// Create an envelope from a draft (JSON, as `POST /v1/envelopes` takes it) and its PDFs;
    /// `--send` sends it at once and prints the parties' links.
    Create(CreateArgs),
    /// Where an envelope is: its state, the parties, the revisions.
    Status(IdArgs),
    /// Download a document's latest revision (the signed and locked PDF once completed).
    Download(DownloadArgs),
    /// Verify a signed PDF as an envelope's: every signature in order with the revision it
    /// covers, and the lock.
    Verify(VerifyArgs),
}

#[derive(Args)]
pub struct Api {
    /// The service (default: YINXIN_URL, else http://127.0.0.1:8080).
    #[arg(long, env = "YINXIN_URL", default_value = "http://127.0.0.1:8080")]
    url: String,
    /// The department's API token (default: YINXIN_TOKEN).
    #[arg(long, env = "YINXIN_TOKEN", hide_env_values = true)]
    token: String,
}

#[derive(Args)]
pub struct CreateArgs {
    #[command(flatten)]
    api: Api,
    /// The draft: title, documents, parties (role, step, fields), deadline.
    #[arg(long)]
    draft: PathBuf,
    /// A PDF, in the order of the draft's documents. Repeatable.
    #[arg(long = "document", required = true)]
    documents: Vec<PathBuf>,
    /// Send it to the parties at once.
    #[arg(long)]
    send: bool,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct IdArgs {
    #[command(flatten)]
    api: Api,
    /// The envelope (`env-…`).
    id: String,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct DownloadArgs {
    #[command(flatten)]
    api: Api,
    /// The envelope.
    id: String,
    /// The document's index.
    #[arg(long, default_value_t = 0)]
    document: usize,
    /// Where to write it.
    #[arg(long, short)]
    out: PathBuf,
}

pub fn run(c: EnvelopeCmd) -> CliResult {
    match c {
        EnvelopeCmd::Create(a) => create(&a),
        EnvelopeCmd::Status(a) => status(&a),
        EnvelopeCmd::Download(a) => download(&a),
        EnvelopeCmd::Verify(a) => verify(&a),
    }
}

fn client() -> CliResult<reqwest::blocking::Client> {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()
        .map_err(|e| CliError::input(e.to_string()))
}

/// A call to the service: the body of a 2xx answer, else the problem's detail as the error.
fn call(api: &Api, method: reqwest::Method, path: &str, body: Option<&Value>) -> CliResult<Vec<u8>> {
    let url = format!("{}{path}", api.url.trim_end_matches('/'));
    let mut r = client()?.request(method, &url).bearer_auth(&api.token);
    if let Some(b) = body {
        r = r.json(b);
    }
    let res = r.send().map_err(|e| CliError::input(format!("{url}: {e}")))?;
    let status = res.status();
    let bytes = res.bytes().map_err(|e| CliError::input(format!("{url}: {e}")))?.to_vec();
    if !status.is_success() {
        let detail = serde_json::from_slice::<Value>(&bytes)
            .ok()
            .and_then(|v| Some(format!("{} ({})", v["detail"].as_str()?, v["code"].as_str().unwrap_or(""))))
            .unwrap_or_else(|| String::from_utf8_lossy(&bytes).into_owned());
        return Err(CliError::input(format!("{url}: HTTP {}: {detail}", status.as_u16())));
    }
    Ok(bytes)
}

fn json_of(bytes: &[u8]) -> CliResult<Value> {
    serde_json::from_slice(bytes).map_err(|e| CliError::input(format!("the service's answer is not JSON: {e}")))
}

fn create(a: &CreateArgs) -> CliResult {
    let draft: Value = serde_json::from_str(&read_text(&a.draft)?)
        .map_err(|e| CliError::input(format!("{}: not JSON: {e}", a.draft.display())))?;
    let mut documents = Vec::new();
    for d in &a.documents {
        documents.push(base64::engine::general_purpose::STANDARD.encode(read(d)?));
    }
    let created = json_of(&call(
        &a.api,
        reqwest::Method::POST,
        "/v1/envelopes",
        Some(&json!({"draft": draft, "documents": documents})),
    )?)?;
    let id = created["id"].as_str().unwrap_or_default().to_string();
    let sent = if a.send {
        Some(json_of(&call(&a.api, reqwest::Method::POST, &format!("/v1/envelopes/{id}/send"), Some(&json!({})))?)?)
    } else {
        None
    };
    if a.json {
        print_json(&json!({"envelope": created, "sent": sent}));
    } else {
        println!("{id}  {}  ({})", created["title"].as_str().unwrap_or(""), created["state"].as_str().unwrap_or(""));
        for l in sent.as_ref().and_then(|s| s["links"].as_array()).into_iter().flatten() {
            println!("  {}  {}", l["name"].as_str().unwrap_or(""), l["url"].as_str().unwrap_or(""));
        }
    }
    Ok(EXIT_OK)
}

fn status(a: &IdArgs) -> CliResult {
    let v = json_of(&call(&a.api, reqwest::Method::GET, &format!("/v1/envelopes/{}", a.id), None)?)?;
    if a.json {
        print_json(&v);
        return Ok(EXIT_OK);
    }
    println!("{}  {}  {}", a.id, v["title"].as_str().unwrap_or(""), v["state"].as_str().unwrap_or(""));
    for p in v["parties"].as_array().into_iter().flatten() {
        println!(
            "  step {}  {:<8} {:<20} {}{}",
            p["step"],
            p["role"].as_str().unwrap_or(""),
            p["name"].as_str().unwrap_or(""),
            p["status"].as_str().unwrap_or(""),
            p["at"].as_str().map(|t| format!(" at {t}")).unwrap_or_default()
        );
    }
    for d in v["documents"].as_array().into_iter().flatten() {
        println!(
            "  document {}  {}  {} revision(s), latest SM3 {}",
            d["index"],
            d["name"].as_str().unwrap_or(""),
            d["revisions"],
            d["sm3"].as_str().unwrap_or("")
        );
    }
    Ok(EXIT_OK)
}

fn download(a: &DownloadArgs) -> CliResult {
    let bytes = call(&a.api, reqwest::Method::GET, &format!("/v1/envelopes/{}/documents/{}", a.id, a.document), None)?;
    write(&a.out, &bytes, false)?;
    println!("{} bytes to {}", bytes.len(), a.out.display());
    Ok(EXIT_OK)
}

/// The outcome of a check in a part, if the part has it.
fn outcome(p: &Report, id: &str) -> Option<Outcome> {
    p.checks.iter().find(|c| c.id == id).map(|c| c.outcome)
}

fn verify(a: &VerifyArgs) -> CliResult {
    let r = report(a)?;
    if a.json {
        print_json(&r);
        return Ok(exit_for(r.indication));
    }
    println!("{}  {}", serde_label(&r.indication), r.location.as_deref().unwrap_or(""));
    let mut locked_by = None;
    for p in r.parts.iter().filter(|p| p.kind == "pdf-signature") {
        let revision = p.checks.iter().find(|c| c.id == "pdf.revision").map(|c| c.reason_en.as_str()).unwrap_or("");
        let mut notes = Vec::new();
        match outcome(p, "pdf.handwriting") {
            Some(Outcome::Passed) => notes.push("handwriting bound"),
            Some(_) => notes.push("HANDWRITING NOT BOUND"),
            None => {}
        }
        match outcome(p, "pdf.lock") {
            Some(Outcome::Passed) => {
                notes.push("locked the document");
                locked_by = p.location.clone();
            }
            Some(_) => notes.push("LOCKED, YET CHANGED AFTER"),
            None => {}
        }
        println!(
            "  {:<40} {:<13} {}{}",
            p.location.as_deref().unwrap_or(""),
            serde_label(&p.indication),
            revision.trim_start_matches("the signature covers "),
            if notes.is_empty() { String::new() } else { format!("; {}", notes.join(", ")) }
        );
    }
    match locked_by {
        Some(by) => println!("  the document is locked by {by}: nothing but validation data was added after it"),
        None => println!("  the document is not locked: further signatures may be added"),
    }
    println!();
    print_report(&r, 0);
    Ok(exit_for(r.indication))
}

fn serde_label<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}
