//! `yinxin archive`: the pre-filing archive (预归档) from the command line.
//!
//! - `check`: the per-file 四性检测 checks (format by content, renders, encryption, container
//!   safety, virus scan through clamd when `--clamd` names its socket), nothing stored.
//! - `ingest`, `export`, `reuse`, `patrol`: the service's archive over its data directory (the same
//!   database, document store and keys `yinxin serve` uses, and the same code as the API).
//! - `export --demo --out DIR`: a demonstration transaction made from `keys-dev/` (a sealed
//!   licence, a sealed material, a scanned image), filed through the API and exported.
//! - `verify-package`: a package end to end — the bag, and for yinxin's packages the metadata,
//!   the sealed list and the department's seal (trusting `--trust`).
//!
//! Exit codes: 0 accepted, 1 rejected, 3 accepted with warnings (something could not run),
//! 4 bad input.

use super::cert::load_many;
use crate::io::{CliError, CliResult, EXIT_FAILED, EXIT_INDETERMINATE, EXIT_OK, print_json, read};
use clap::{Args, Subcommand};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use yinxin_archive::check::{CheckResult, Outcome};
use yinxin_archive::inspect::{Verdict, check_file};
use yinxin_archive::model::{MaterialIn, MaterialMeta, TransactionMeta};
use yinxin_archive::service::{Actor, Authority};
use yinxin_archive::unpack::Limits;
use yinxin_archive::virus::Clamd;
use yinxin_pki::chain::{RevocationPolicy, TrustStore};
use yinxin_pki::report::Report;
use yinxin_seal::verify::{At, VerifyOptions};

#[derive(Subcommand)]
pub enum ArchiveCmd {
    /// Check files as the archive does at ingest.
    Check(CheckArgs),
    /// Verify a package: the bag (every SHA-256 and SM3 manifest, Payload-Oxum) and, for
    /// yinxin's packages, the metadata, the sealed list and the seal.
    VerifyPackage(PackageArgs),
    /// File transactions: each directory holds 办件.json and the files it names.
    Ingest(IngestArgs),
    /// Export a transaction as a sealed BagIt package (or `--demo`).
    Export(ExportArgs),
    /// List a holder's reusable materials, or reuse one in another transaction.
    Reuse(ReuseArgs),
    /// The fixity patrol (巡检): re-hash every stored material, check references and the chain.
    Patrol(PatrolArgs),
    /// Evidence records (RFC 4998) in exported packages (`data/证据/evidence.ers`): make them for
    /// a batch (one hash tree, one time stamp), renew them, or list what is due.
    #[command(subcommand)]
    Evidence(EvidenceCmd),
}

#[derive(Subcommand)]
pub enum EvidenceCmd {
    /// Make the records of packages that have none: one hash tree and one time stamp for all.
    Make(EvidenceArgs),
    /// Renew the records of packages, all together: a new archive time stamp, or a new hash
    /// tree when --hash differs from the newest chain's.
    Renew(EvidenceArgs),
    /// What renewing each package's record needs (nothing, a time stamp, a hash tree).
    Due(EvidenceArgs),
}

#[derive(Args)]
pub struct EvidenceArgs {
    /// Package directories.
    #[arg(required = true)]
    dirs: Vec<PathBuf>,
    /// The hash algorithm: sm3 (default) or sha256.
    #[arg(long, default_value = "sm3")]
    hash: String,
    /// A directory laid out like keys-dev/ (the TSA and the validation material).
    #[arg(long, default_value = "keys-dev")]
    key_dir: PathBuf,
    /// More certificates to carry (PEM or DER; repeatable).
    #[arg(long)]
    cert: Vec<PathBuf>,
    /// More CRLs to carry (PEM or DER; repeatable).
    #[arg(long)]
    crl: Vec<PathBuf>,
}

fn evidence(cmd: EvidenceCmd) -> CliResult {
    use yinxin_pki::tsp::HashAlg;
    let (kind, a) = match cmd {
        EvidenceCmd::Make(a) => ("make", a),
        EvidenceCmd::Renew(a) => ("renew", a),
        EvidenceCmd::Due(a) => ("due", a),
    };
    let alg = match a.hash.to_ascii_lowercase().as_str() {
        "sm3" => HashAlg::Sm3,
        "sha256" | "sha-256" => HashAlg::Sha256,
        other => return Err(CliError::input(format!("--hash {other}: sm3 or sha256"))),
    };
    let dirs: Vec<&Path> = a.dirs.iter().map(PathBuf::as_path).collect();
    let now = time::OffsetDateTime::now_utc();
    let fail = |e: yinxin_archive::evidence::Error| CliError::input(e.to_string());
    match kind {
        "due" => {
            for d in &dirs {
                let due = match yinxin_archive::evidence::read(d).map_err(fail)? {
                    None => json!("no record"),
                    Some(r) => json!(yinxin_archive::evidence::due(&r, alg, now).map_err(fail)?),
                };
                println!("{}: {}", d.display(), due);
            }
            let gaps = yinxin_archive::evidence::gaps(&dirs).map_err(fail)?;
            for g in &gaps {
                println!(
                    "{}: LEFT OUT of the latest renewal (its newest archive time stamp is older than the others')",
                    g.display()
                );
            }
            Ok(if gaps.is_empty() { EXIT_OK } else { EXIT_FAILED })
        }
        _ => {
            let (tsa, material) = crate::io::long_term_kit(&a.key_dir, &a.cert, &a.crl)?;
            if kind == "make" {
                yinxin_archive::evidence::make(&dirs, alg, &tsa, &material, now).map_err(fail)?;
            } else {
                yinxin_archive::evidence::renew(&dirs, alg, &tsa, &material, now).map_err(fail)?;
            }
            println!("{} package(s): evidence record {}", dirs.len(), if kind == "make" { "made" } else { "renewed" });
            Ok(EXIT_OK)
        }
    }
}

/// Where the service's data is (as for `yinxin serve`).
#[derive(Args)]
pub struct ServiceArgs {
    #[command(flatten)]
    data: super::DataArgs,
    /// The key directory imported on first start (default keys-dev).
    #[arg(long)]
    key_dir: Option<PathBuf>,
    /// clamd's Unix socket (overrides the configuration).
    #[arg(long)]
    clamd: Option<PathBuf>,
}

#[derive(Args)]
pub struct IngestArgs {
    /// Transaction directories, each with 办件.json.
    #[arg(required = true)]
    dirs: Vec<PathBuf>,
    /// The filing department's code (USCC).
    #[arg(long)]
    department: String,
    #[command(flatten)]
    service: ServiceArgs,
    /// Print the results as JSON lines.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct ExportArgs {
    /// The transaction (电子文件号).
    #[arg(required_unless_present = "demo")]
    id: Option<String>,
    /// The package directory to write (must not exist).
    #[arg(long)]
    out: PathBuf,
    /// Build a demonstration transaction from the key directory and export it.
    #[arg(long)]
    demo: bool,
    #[command(flatten)]
    service: ServiceArgs,
}

#[derive(Args)]
pub struct ReuseArgs {
    /// List the reusable materials of this holder.
    #[arg(long, required_unless_present = "material")]
    holder: Option<String>,
    /// Only this material code.
    #[arg(long)]
    code: Option<String>,
    /// Reuse this material…
    #[arg(long, requires_all = ["into", "department"])]
    material: Option<String>,
    /// …in this transaction…
    #[arg(long)]
    into: Option<String>,
    /// …for this department (which needs the holder's consent).
    #[arg(long)]
    department: Option<String>,
    #[command(flatten)]
    service: ServiceArgs,
    /// JSON output.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct PatrolArgs {
    #[command(flatten)]
    service: ServiceArgs,
    /// JSON output.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct CheckArgs {
    /// The files.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// clamd's Unix socket; without it the virus check is reported as not run.
    #[arg(long)]
    clamd: Option<PathBuf>,
    /// Print the results as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct PackageArgs {
    /// The package directory.
    dir: PathBuf,
    /// Trust anchors for the seal's certificates, the trust store, the validation policy. Without
    /// an anchor the bag's integrity is still checked and the seal's trust is INDETERMINATE
    /// ("accepted with warnings" at best).
    #[command(flatten)]
    trust: super::trust::TrustArgs,
    /// Intermediate CA certificates (PEM).
    #[arg(long)]
    chain: Vec<PathBuf>,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
}

fn mark(o: &Outcome) -> String {
    match o {
        Outcome::Pass => "pass".into(),
        Outcome::Fail => "FAIL".into(),
        Outcome::Warn => "warn".into(),
        Outcome::NotApplicable => "n/a".into(),
        Outcome::NotRun(why) => format!("NOT RUN ({why})"),
    }
}

pub fn run(c: ArchiveCmd) -> CliResult {
    match c {
        ArchiveCmd::Check(a) => check(a),
        ArchiveCmd::VerifyPackage(a) => verify_package(a),
        ArchiveCmd::Ingest(a) => ingest(a),
        ArchiveCmd::Export(a) => export(a),
        ArchiveCmd::Reuse(a) => reuse(a),
        ArchiveCmd::Patrol(a) => patrol(a),
        ArchiveCmd::Evidence(c) => evidence(c),
    }
}

fn check(a: CheckArgs) -> CliResult {
    let clamd = a.clamd.map(Clamd::new);
    let limits = Limits::default();
    let mut worst = Verdict::Accepted;
    let mut all = Vec::new();
    for f in &a.files {
        let bytes = read(f)?;
        let (id, results) = check_file(&bytes, clamd.as_ref(), &limits);
        let verdict = Verdict::of(&results);
        worst = worst.max(verdict);
        if a.json {
            all.push(serde_json::json!({"file": f.display().to_string(), "format": id, "verdict": verdict, "checks": results}));
        } else {
            println!("{}: {} — {verdict:?}", f.display(), id.kind.mime());
            for r in &results {
                println!("  {:<6} {}  {}  [{}]", r.id, mark(&r.outcome), r.detail, r.tool);
            }
        }
    }
    if a.json {
        print_json(&all);
    }
    Ok(match worst {
        Verdict::Accepted => EXIT_OK,
        Verdict::AcceptedWithWarnings => EXIT_INDETERMINATE,
        Verdict::Rejected => EXIT_FAILED,
    })
}

fn verify_package(a: PackageArgs) -> CliResult {
    if !a.dir.join("bagit.txt").is_file() {
        return Err(CliError::input(format!("{}: not a BagIt package (no bagit.txt)", a.dir.display())));
    }
    if a.dir.join("data/证据/清单.txt").is_file() {
        let auth = TrustAuthority { trust: a.trust.store()?, chain: load_many(&a.chain)?, policy: a.trust.policy()? };
        let (verdict, checks) = yinxin_archive::export::verify_package(&a.dir, &auth);
        return Ok(report(&a.dir.display().to_string(), verdict, &checks, a.json));
    }
    let problems = yinxin_archive::bagit::verify(&a.dir);
    if a.json {
        print_json(
            &serde_json::json!({"package": a.dir.display().to_string(), "valid": problems.is_empty(), "problems": problems}),
        );
    } else if problems.is_empty() {
        println!("{}: valid (every SHA-256 and SM3 manifest matches)", a.dir.display());
    } else {
        println!("{}: INVALID", a.dir.display());
        for p in &problems {
            println!("  {p}");
        }
    }
    Ok(if problems.is_empty() { EXIT_OK } else { EXIT_FAILED })
}

fn exit_of(v: Verdict) -> u8 {
    match v {
        Verdict::Accepted => EXIT_OK,
        Verdict::AcceptedWithWarnings => EXIT_INDETERMINATE,
        Verdict::Rejected => EXIT_FAILED,
    }
}

fn report(what: &str, verdict: Verdict, checks: &[CheckResult], as_json: bool) -> u8 {
    if as_json {
        print_json(&json!({"package": what, "verdict": verdict, "checks": checks}));
    } else {
        println!("{what}: {verdict:?}");
        for r in checks {
            println!("  {:<6} {}  {}", r.id, mark(&r.outcome), r.detail);
        }
    }
    exit_of(verdict)
}

/// Verification against trust anchors given on the command line (no signing).
struct TrustAuthority {
    trust: TrustStore,
    chain: Vec<yinxin_pki::Cert>,
    policy: yinxin_pki::Policy,
}

impl TrustAuthority {
    fn opts(&self) -> VerifyOptions<'_> {
        VerifyOptions {
            trust: &self.trust,
            seal_authorities: None,
            intermediates: &self.chain,
            crls: &[],
            revocation: RevocationPolicy::IfAvailable,
            at: At::Now,
            now: time::OffsetDateTime::now_utc(),
            policy: &self.policy,
            data_sm3: None,
            poe: None,
        }
    }
}

impl Authority for TrustAuthority {
    fn verify(&self, bytes: &[u8]) -> Option<Report> {
        yinxin_doc::stamp::verify_any(bytes, None, &self.opts())
    }
    fn seal(&self, _: &str, _: &[u8]) -> Result<Vec<u8>, String> {
        Err("this command verifies only".into())
    }
    fn verify_seal(&self, signature: &[u8], data: &[u8]) -> Report {
        yinxin_seal::verify::verify_signature_bytes(signature, Some(data), &self.opts())
    }
    fn verify_seal_proven(
        &self,
        signature: &[u8],
        data: &[u8],
        material: &yinxin_pki::ltv::Material,
        poe: Option<&yinxin_pki::report::Poe>,
    ) -> Report {
        let mut chain = self.chain.clone();
        chain.extend(material.certs.iter().cloned());
        let opts = VerifyOptions { intermediates: &chain, crls: &material.crls, poe: poe.cloned(), ..self.opts() };
        yinxin_seal::verify::verify_signature_bytes(signature, Some(data), &opts)
    }
    fn evidence_trust(&self) -> Option<(&TrustStore, time::OffsetDateTime)> {
        Some((&self.trust, time::OffsetDateTime::now_utc()))
    }
    fn tool(&self) -> String {
        format!("yinxin {}", env!("CARGO_PKG_VERSION"))
    }
}

fn runtime() -> CliResult<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::input(format!("runtime: {e}")))
}

async fn open(s: &ServiceArgs) -> CliResult<yinxin_server::app::App> {
    let mut cfg = s.data.load()?;
    if let Some(k) = &s.key_dir {
        cfg.key_dir = k.clone();
    }
    if let Some(c) = &s.clamd {
        cfg.clamd_socket = Some(c.clone());
    }
    yinxin_server::open(cfg).await.map_err(CliError::input)
}

fn failed(e: impl std::fmt::Display) -> CliError {
    CliError { code: EXIT_FAILED, message: e.to_string() }
}

fn bar(len: u64, bytes: bool, quiet: bool) -> indicatif::ProgressBar {
    if quiet {
        return indicatif::ProgressBar::hidden();
    }
    let b = indicatif::ProgressBar::new(len);
    let t = if bytes {
        "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} ({bytes_per_sec}, {eta})"
    } else {
        "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} ({per_sec}, {eta}) {msg}"
    };
    if let Ok(style) = indicatif::ProgressStyle::with_template(t) {
        b.set_style(style);
    }
    b
}

/// `办件.json`: the transaction and its materials, each naming its file in the same directory.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct TxnFile {
    transaction: TransactionMeta,
    materials: Vec<MaterialFile>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct MaterialFile {
    metadata: MaterialMeta,
    file: String,
}

fn load_txn(dir: &Path) -> CliResult<(TransactionMeta, Vec<MaterialIn>)> {
    let manifest = dir.join("办件.json");
    let t: TxnFile = serde_json::from_slice(&read(&manifest)?)
        .map_err(|e| CliError::input(format!("{}: {e}", manifest.display())))?;
    let mut mats = Vec::with_capacity(t.materials.len());
    for m in t.materials {
        if yinxin_archive::unpack::name_problem(&m.file, 255).is_some() || m.file.contains('/') {
            return Err(CliError::input(format!(
                "{}: {:?} is not a file name in that directory",
                manifest.display(),
                m.file
            )));
        }
        mats.push(MaterialIn { meta: m.metadata, content: read(&dir.join(&m.file))? });
    }
    Ok((t.transaction, mats))
}

fn ingest(a: IngestArgs) -> CliResult {
    let rt = runtime()?;
    rt.block_on(async {
        let app = open(&a.service).await?;
        if !app.keys.departments.contains_key(&a.department) {
            return Err(CliError::usage(format!("--department {}: not a department of this service", a.department)));
        }
        let archive = yinxin_server::archive::archive(&app);
        let auth: Arc<dyn Authority> = Arc::new(
            yinxin_server::archive::ServiceAuthority::new(&app, None).await.map_err(CliError::input)?,
        );
        let actor = Actor { id: "cli".into(), role: "department".into(), department: a.department.clone() };
        let pb = bar(a.dirs.len() as u64, false, a.json);
        let mut worst = Verdict::Accepted;
        for d in &a.dirs {
            let (t, mats) = load_txn(d)?;
            let out = archive.ingest(&actor, t, mats, auth.clone()).await.map_err(failed)?;
            worst = worst.max(out.verdict);
            if a.json {
                println!("{}", json!({"dir": d.display().to_string(), "id": out.id, "verdict": out.verdict, "replayed": out.replayed}));
            } else {
                pb.println(format!("{}: {} {:?}{}", d.display(), out.id, out.verdict, if out.replayed { " (already filed)" } else { "" }));
                for r in out.checks.iter().chain(out.materials.iter().flat_map(|m| &m.checks)) {
                    if matches!(r.outcome, Outcome::Fail | Outcome::Warn | Outcome::NotRun(_)) {
                        pb.println(format!("  {:<6} {}  {}", r.id, mark(&r.outcome), r.detail));
                    }
                }
            }
            pb.inc(1);
        }
        pb.finish_and_clear();
        Ok(exit_of(worst))
    })
}

fn export(a: ExportArgs) -> CliResult {
    if a.out.exists() {
        return Err(CliError::usage(format!("--out {}: already exists", a.out.display())));
    }
    let rt = runtime()?;
    rt.block_on(async {
        if a.demo {
            return demo(&a).await;
        }
        let app = open(&a.service).await?;
        let archive = yinxin_server::archive::archive(&app);
        let id = a.id.clone().unwrap_or_default();
        let t = archive.transaction(&id).await.map_err(failed)?;
        let auth = yinxin_server::archive::ServiceAuthority::new(&app, Some(&t.department_code))
            .await
            .map_err(CliError::input)?;
        let actor = Actor { id: "cli".into(), role: "admin".into(), department: t.department_code.clone() };
        let e = archive.export(&actor, &id, &a.out, &auth, yinxin_store::now_ts()).await.map_err(failed)?;
        yinxin_server::evidence::add_to_package(&app, &a.out)
            .await
            .map_err(|p| CliError::input(p.detail.unwrap_or_default()))?;
        println!("{}: {} files, {} bytes, {:?}; package SM3 {}", e.dir, e.files, e.bytes, e.verdict, e.package_sm3);
        Ok(exit_of(e.verdict))
    })
}

fn reuse(a: ReuseArgs) -> CliResult {
    let rt = runtime()?;
    rt.block_on(async {
        let app = open(&a.service).await?;
        let archive = yinxin_server::archive::archive(&app);
        if let (Some(m), Some(into), Some(dept)) = (&a.material, &a.into, &a.department) {
            let actor = Actor { id: "cli".into(), role: "department".into(), department: dept.clone() };
            let r = archive.reuse(&actor, m, into).await.map_err(failed)?;
            if a.json {
                print_json(&r);
            } else {
                println!("{} reuses {} ({}) in {into}: SM3 {}", r.id, m, r.metadata.title, r.sm3);
            }
            return Ok(EXIT_OK);
        }
        let holder = a.holder.clone().unwrap_or_default();
        let list = archive.reusable(&holder, a.code.as_deref(), yinxin_store::now_ts()).await.map_err(failed)?;
        if a.json {
            print_json(&list);
        } else {
            for r in &list {
                let m = &r.material;
                println!("{}  {}  {}  {} bytes  {}", m.id, m.material_code, m.metadata.title, m.size, m.sharing);
            }
            println!("{} reusable", list.len());
        }
        Ok(EXIT_OK)
    })
}

fn patrol(a: PatrolArgs) -> CliResult {
    let rt = runtime()?;
    rt.block_on(async {
        let app = open(&a.service).await?;
        let archive = yinxin_server::archive::archive(&app);
        let total = archive.stored_bytes().await.map_err(failed)?;
        let pb = bar(total, true, a.json);
        let start = std::time::Instant::now();
        let r = archive
            .patrol(&Actor { id: "cli".into(), role: "admin".into(), department: String::new() }, &|n| pb.inc(n))
            .await
            .map_err(failed)?;
        pb.finish_and_clear();
        let secs = start.elapsed().as_secs_f64();
        if a.json {
            print_json(&json!({"report": r, "seconds": secs}));
        } else {
            println!(
                "{} materials, {} bytes re-hashed in {secs:.1} s ({:.1} MB/s); event chain {} ({} entries)",
                r.blobs,
                r.bytes,
                r.bytes as f64 / secs.max(1e-9) / 1e6,
                if r.chain_ok { "verifies" } else { "BROKEN" },
                r.chain_entries
            );
            for p in &r.problems {
                println!("  DRIFT  {p}");
            }
        }
        Ok(if r.problems.is_empty() { EXIT_OK } else { EXIT_FAILED })
    })
}

/// A request to the throwaway demo service: (status, body).
async fn demo_call(
    http: &reqwest::Client,
    base: &str,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Option<(&str, Vec<u8>)>,
) -> CliResult<(u16, Vec<u8>)> {
    let mut r = http.request(method, format!("{base}{path}")).bearer_auth(token);
    if let Some((mime, b)) = body {
        r = r.header("content-type", mime).body(b);
    }
    let res = r.send().await.map_err(|e| CliError::input(format!("{path}: {e}")))?;
    let status = res.status().as_u16();
    let bytes = res.bytes().await.map_err(|e| CliError::input(format!("{path}: {e}")))?.to_vec();
    if status >= 400 {
        return Err(CliError::input(format!("{path}: {status} {}", String::from_utf8_lossy(&bytes))));
    }
    Ok((status, bytes))
}

/// The demonstration: a throwaway service on the key directory (SQLite in a temporary
/// directory, on a loopback port), through its API: a licence issued and sealed, an application
/// form sealed as a material, a scanned image; the three filed as one transaction; the
/// transaction exported as a sealed package into `--out`.
async fn demo(a: &ExportArgs) -> CliResult {
    let work = std::env::temp_dir().join(format!("yinxin-demo-{}-{}", std::process::id(), yinxin_store::now_ms()));
    let mut cfg = yinxin_server::Config::load(a.service.data.config.as_deref()).map_err(CliError::usage)?;
    cfg.data_dir = work.clone();
    cfg.database_url = None;
    cfg.dev_clients = true;
    cfg.checkpoint_seconds = 0;
    if let Some(k) = &a.service.key_dir {
        cfg.key_dir = k.clone();
    }
    if let Some(c) = &a.service.clamd {
        cfg.clamd_socket = Some(c.clone());
    }
    let result = async {
        let app = yinxin_server::open(cfg).await.map_err(CliError::input)?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(|e| CliError::input(e.to_string()))?;
        let base = format!("http://{}", listener.local_addr().map_err(|e| CliError::input(e.to_string()))?);
        let router = yinxin_server::router(app.clone());
        let server = tokio::spawn(async move { axum_serve(listener, router).await });
        let creds: serde_json::Value = serde_json::from_slice(&read(&work.join("dev-credentials.json"))?)
            .map_err(|e| CliError::input(e.to_string()))?;
        let token = |k: &str| creds[k]["token"].as_str().unwrap_or_default().to_string();
        let (admin, holder_code) = (token("admin"), creds["holder"]["holder_code"].as_str().unwrap_or_default().to_string());
        let (dept, market) = creds
            .as_object()
            .and_then(|o| o.iter().find(|(k, v)| k.starts_with("department:") && v["types"].to_string().contains("A001")))
            .map(|(k, v)| (k.trim_start_matches("department:").to_string(), v["token"].as_str().unwrap_or_default().to_string()))
            .ok_or_else(|| CliError::input("the key directory has no department issuing business licences"))?;
        let http = reqwest::Client::new();
        use reqwest::Method;
        let call = |m: Method, p: String, t: String, b: Option<(&'static str, Vec<u8>)>| {
            let (http, base) = (http.clone(), base.clone());
            async move { demo_call(&http, &base, m, &p, &t, b).await }
        };
        // A business licence for the demo holder, issued and sealed by the service.
        let mut fields: serde_json::Value = serde_json::from_str(include_str!("../../../../examples/营业执照.json"))
            .map_err(|e| CliError::input(e.to_string()))?;
        fields["uscc"] = json!(holder_code);
        let req = json!({"type_code": "营业执照", "fields": fields}).to_string().into_bytes();
        let (_, lic) = call(Method::POST, "/v1/licences".into(), market.clone(), Some(("application/json", req))).await?;
        let lic: serde_json::Value = serde_json::from_slice(&lic).map_err(|e| CliError::input(e.to_string()))?;
        let lid = lic["identifier"].as_str().unwrap_or_default().to_string();
        let (_, licence_pdf) = call(Method::GET, format!("/v1/licences/{lid}/pdf"), market.clone(), None).await?;
        // The application form, rendered and sealed as a material.
        let form = yinxin_doc::pdf::render::render(&yinxin_doc::pdf::render::PdfSpec {
            title: "设立登记申请书".into(),
            page_mm: (210.0, 297.0),
            pages: vec![vec![
                yinxin_doc::layout::Item::Text { x: 30.0, y: 40.0, size: 8.0, text: "公司设立登记申请书".into(), bold: true },
                yinxin_doc::layout::Item::Text { x: 30.0, y: 60.0, size: 4.5, text: format!("申请人：{}", fields["name"].as_str().unwrap_or("")), bold: false },
                yinxin_doc::layout::Item::Text { x: 30.0, y: 70.0, size: 4.5, text: format!("统一社会信用代码：{holder_code}"), bold: false },
                yinxin_doc::layout::Item::Text { x: 30.0, y: 80.0, size: 4.5, text: "本申请书由 yinxin 演示生成".into(), bold: false },
            ]],
        })
        .map_err(|e| CliError::input(e.to_string()))?;
        let (_, m) = call(Method::POST, "/v1/materials?name=application.pdf".into(), market.clone(), Some(("application/pdf", form))).await?;
        let m: serde_json::Value = serde_json::from_slice(&m).map_err(|e| CliError::input(e.to_string()))?;
        let (_, sealed_form) =
            call(Method::GET, format!("/v1/materials/{}/file", m["id"].as_str().unwrap_or_default()), market.clone(), None).await?;
        // A "scanned" identity document: a greyscale page with a little structure, as JPEG.
        let scan = image::GrayImage::from_fn(850, 540, |x, y| {
            let frame = x < 12 || y < 12 || x > 837 || y > 527;
            let lines = (y / 40) % 2 == 0 && x > 300 && x < 780 && y % 40 < 10;
            image::Luma([if frame || lines { 40 } else { 235 - ((x + y) % 17) as u8 }])
        });
        let mut jpeg = std::io::Cursor::new(Vec::new());
        scan.write_to(&mut jpeg, image::ImageFormat::Jpeg).map_err(|e| CliError::input(e.to_string()))?;
        let scan = jpeg.into_inner();
        // The item's catalogue, then the transaction through the API.
        let item = json!({"item_code": "530100-DEMO-001", "version": "2026.1", "name": "公司设立登记（演示）", "retention": "30y",
            "materials": [
                {"code": "A001", "name": "设立登记申请书", "required": true, "class": "application"},
                {"code": "A002", "name": "身份证明", "required": true, "class": "application"},
                {"code": "R001", "name": "营业执照", "required": true, "class": "result"}]});
        call(Method::PUT, "/v1/archive/items/530100-DEMO-001".into(), admin, Some(("application/json", item.to_string().into_bytes()))).await?;
        let now = time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+8));
        let rfc = |t: time::OffsetDateTime| t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
        let day = now.date().to_string();
        let b64 = |b: &[u8]| {
            use base64::Engine;
            base64::engine::general_purpose::STANDARD.encode(b)
        };
        let mat = |code: &str, title: &str, class: &str, file: &str, source: &str, sharing: &str, b: &[u8]| {
            json!({"metadata": {"title": title, "responsible": fields["name"], "date": day, "code": code, "class": class,
                                "file_name": file, "source": source, "sharing": sharing,
                                "sharing_condition": (sharing == "conditional").then_some("仅用于本人办理的登记事项"),
                                "declared_sm3": yinxin_gm::sm3::sm3(b).to_hex()},
                   "content": b64(b)})
        };
        let mats = [
            mat("A001", "公司设立登记申请书", "application", "设立登记申请书.pdf", "upload", "none", &sealed_form),
            mat("A002", "法定代表人身份证明", "application", "身份证明.jpg", "scan", "unconditional", &scan),
            mat("R001", "营业执照", "result", "营业执照.pdf", "licence_library", "conditional", &licence_pdf),
        ];
        let count = mats.len();
        let total: usize = [&sealed_form, &scan, &licence_pdf].iter().map(|b| b.len()).sum();
        let body = json!({
            "transaction": {"txn_no": format!("DEMO-{}", now.unix_timestamp()), "item_code": "530100-DEMO-001",
                "item_name": "公司设立登记（演示）", "region_code": "530100",
                "applicant": {"name": fields["name"], "kind": "organisation", "id_type": "统一社会信用代码", "id_number": holder_code},
                "accepted_at": rfc(now - time::Duration::hours(2)), "completed_at": rfc(now - time::Duration::minutes(5)),
                "result": "准予", "licence_no": lid, "declared_count": count, "declared_bytes": total},
            "materials": mats});
        let (_, filed) = call(Method::POST, "/v1/archive/transactions".into(), market, Some(("application/json", body.to_string().into_bytes()))).await?;
        let filed: serde_json::Value = serde_json::from_slice(&filed).map_err(|e| CliError::input(e.to_string()))?;
        let id = filed["id"].as_str().unwrap_or_default().to_string();
        println!("filed {id}: {}", filed["verdict"].as_str().unwrap_or(""));
        let archive = yinxin_server::archive::archive(&app);
        let auth = yinxin_server::archive::ServiceAuthority::new(&app, Some(&dept)).await.map_err(CliError::input)?;
        let actor = Actor { id: "cli-demo".into(), role: "admin".into(), department: dept.clone() };
        let e = archive.export(&actor, &id, &a.out, &auth, yinxin_store::now_ts()).await.map_err(failed)?;
        yinxin_server::evidence::add_to_package(&app, &a.out)
            .await
            .map_err(|p| CliError::input(p.detail.unwrap_or_default()))?;
        let (v, checks) = yinxin_archive::export::verify_package(&a.out, &auth);
        server.abort();
        app.db.close().await;
        println!("exported {}: {} files, {} bytes; package SM3 {}", e.dir, e.files, e.bytes, e.package_sm3);
        Ok(report(&e.dir, v, &checks, false))
    }
    .await;
    let _ = std::fs::remove_dir_all(&work);
    result
}

async fn axum_serve(listener: tokio::net::TcpListener, router: axum::Router) -> std::io::Result<()> {
    axum::serve(listener, router).await
}
