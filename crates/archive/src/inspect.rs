//! All the per-file checks at once, and the verdict they add up to.

use crate::check::{CheckResult, Outcome};
use crate::format::{Kind, identify, usability};
use crate::unpack::{Limits, read_zip};
use crate::virus::{self, Clamd};
use serde::{Deserialize, Serialize};

/// What the checks add up to.
/// Ordered from best to worst, so that the worst of several is their maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Every check passed or did not apply.
    Accepted,
    /// Nothing failed, but something warned or could not run (an unscanned file is never simply
    /// accepted).
    AcceptedWithWarnings,
    /// A check failed.
    Rejected,
}

impl Verdict {
    /// The verdict of a set of results.
    pub fn of(results: &[CheckResult]) -> Self {
        if results.iter().any(|r| r.outcome == Outcome::Fail) {
            Verdict::Rejected
        } else if results.iter().any(|r| matches!(r.outcome, Outcome::Warn | Outcome::NotRun(_))) {
            Verdict::AcceptedWithWarnings
        } else {
            Verdict::Accepted
        }
    }
}

/// One file's checks: its format and usability (FMT-01, USE-02/03/04), the safety of a container
/// (SEC-02, USE-04 — OFDs and zips are opened with `limits`), and a virus scan (SEC-01) when a
/// clamd is given.
pub fn check_file(
    bytes: &[u8],
    clamd: Option<&Clamd>,
    limits: &Limits,
) -> (crate::format::Identified, Vec<CheckResult>) {
    let id = identify(bytes);
    let mut out = usability(bytes, &id);
    if matches!(id.kind, Kind::Ofd | Kind::Zip) {
        let (_, unpack) = read_zip(bytes, limits);
        for r in unpack {
            // USE-04 is reported once: the container's own finding (a bomb, an encrypted entry)
            // replaces the plain encryption check; its pass adds nothing.
            if r.id == "USE-04" {
                if r.outcome != Outcome::Pass {
                    out.retain(|x| x.id != "USE-04");
                    out.push(r);
                }
            } else {
                out.push(r);
            }
        }
    }
    out.push(virus::scan(clamd, bytes));
    (id, out)
}
