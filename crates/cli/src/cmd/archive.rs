//! `yinxin archive`: the pre-filing archive's checks from the command line. `check` runs the
//! per-file 四性检测 checks (format by content, renders, encryption, container safety, virus scan
//! through clamd when `--clamd` names its socket); `verify-package` checks a BagIt package end to
//! end. Exit codes: 0 accepted, 1 rejected, 3 accepted with warnings (something could not run),
//! 4 bad input.

use crate::io::{CliError, CliResult, EXIT_FAILED, EXIT_INDETERMINATE, EXIT_OK, print_json, read};
use clap::{Args, Subcommand};
use std::path::PathBuf;
use yinxin_archive::check::Outcome;
use yinxin_archive::inspect::{Verdict, check_file};
use yinxin_archive::unpack::Limits;
use yinxin_archive::virus::Clamd;

#[derive(Subcommand)]
pub enum ArchiveCmd {
    /// Check files as the archive does at ingest.
    Check(CheckArgs),
    /// Verify a BagIt package: structure, every SHA-256 and SM3 manifest, Payload-Oxum.
    VerifyPackage(PackageArgs),
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
        worst = match (worst, verdict) {
            (Verdict::Rejected, _) | (_, Verdict::Rejected) => Verdict::Rejected,
            (Verdict::AcceptedWithWarnings, _) | (_, Verdict::AcceptedWithWarnings) => Verdict::AcceptedWithWarnings,
            _ => Verdict::Accepted,
        };
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
