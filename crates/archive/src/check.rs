//! One check's result, as recorded in the event log and the package's check report.

use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// The four properties of DA/T 70, plus support checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    /// 真实性.
    Authenticity,
    /// 完整性.
    Integrity,
    /// 可用性.
    Usability,
    /// 安全性.
    Security,
}

/// A check's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state", content = "why")]
pub enum Outcome {
    /// Ran and passed.
    Pass,
    /// Ran and failed.
    Fail,
    /// Ran; acceptable with a warning.
    Warn,
    /// Does not apply to this object.
    NotApplicable,
    /// Could not run (the reason says why): never to be read as a pass.
    NotRun(String),
}

impl From<yinxin_pki::Indication> for Outcome {
    /// A signature verifier's indication as a check outcome: INDETERMINATE (not provable either
    /// way, such as an unknown signer) warns; it neither passes nor rejects.
    fn from(i: yinxin_pki::Indication) -> Self {
        match i {
            yinxin_pki::Indication::Passed => Outcome::Pass,
            yinxin_pki::Indication::Failed => Outcome::Fail,
            yinxin_pki::Indication::Indeterminate => Outcome::Warn,
        }
    }
}

/// One check's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckResult {
    /// The catalogue id (`USE-03`, `SEC-02`, …).
    pub id: Cow<'static, str>,
    /// Its family.
    pub family: Family,
    /// The outcome.
    pub outcome: Outcome,
    /// What was found, in words.
    pub detail: String,
    /// The tool that ran it.
    pub tool: String,
}

impl CheckResult {
    /// A result from this crate's own code.
    pub fn ours(id: &'static str, family: Family, outcome: Outcome, detail: impl Into<String>) -> Self {
        Self {
            id: Cow::Borrowed(id),
            family,
            outcome,
            detail: detail.into(),
            tool: format!("yinxin-archive {}", crate::TOOL_VERSION),
        }
    }

    /// Whether it blocks acceptance.
    pub fn is_fail(&self) -> bool {
        self.outcome == Outcome::Fail
    }
}

impl Outcome {
    /// The state's name as recorded (`pass`, `fail`, `warn`, `not_applicable`, `not_run`).
    pub fn name(&self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::Warn => "warn",
            Outcome::NotApplicable => "not_applicable",
            Outcome::NotRun(_) => "not_run",
        }
    }
}

impl Family {
    /// Its name in DA/T 70.
    pub fn zh(self) -> &'static str {
        match self {
            Family::Authenticity => "真实性",
            Family::Integrity => "完整性",
            Family::Usability => "可用性",
            Family::Security => "安全性",
        }
    }
}
