//! The verification report shared by every yinxin verifier.
//!
//! Modelled on ETSI EN 319 102-1 §5.1.3 (and EU DSS): an overall [`Indication`] — PASSED, FAILED or
//! INDETERMINATE — with a [`SubIndication`] saying why, and the individual [`Check`]s, each with a
//! stable id, an [`Outcome`] and a reason in Chinese and English. "Cannot tell" (no revocation
//! data, a certificate expired now but valid at the signing time without proof of existence) is
//! INDETERMINATE, never PASSED and never FAILED.
//!
//! Check ids are stable API: tests, dashboards and auditors match on them. They are dotted,
//! subject first: `cert.signature`, `cert.validity`, `crl.freshness`, `tst.imprint`, ….

use serde::Serialize;

/// The overall result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Indication {
    /// Every check passed.
    Passed,
    /// A check proved the object invalid.
    Failed,
    /// The checks that could run passed, but something needed for a verdict was missing.
    Indeterminate,
}

impl Indication {
    /// The CLI exit code for this indication: 0, 1 or 3.
    pub fn exit_code(self) -> i32 {
        match self {
            Indication::Passed => 0,
            Indication::Failed => 1,
            Indication::Indeterminate => 3,
        }
    }
}

/// Why a result is FAILED or INDETERMINATE (names after ETSI EN 319 102-1 Table 5/6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SubIndication {
    /// The object is not well formed.
    FormatFailure,
    /// A digest over the signed data does not match.
    HashFailure,
    /// The cryptographic signature does not verify.
    SigCryptoFailure,
    /// A certificate in the chain is revoked (at or before the validation time).
    Revoked,
    /// The signer's certificate is not fit for the purpose (key usage, EKU).
    SigConstraintsFailure,
    /// A CA in the chain breaks a constraint (basicConstraints, path length, key usage).
    ChainConstraintsFailure,
    /// The chain is broken for another reason (a link's signature, an unsupported algorithm).
    CertificateChainGeneralFailure,
    /// An algorithm that is not accepted.
    CryptoConstraintsFailure,
    /// A certificate had expired at the validation time.
    Expired,
    /// A certificate was not yet valid at the validation time.
    NotYetValid,
    /// No certificate for the signer was found.
    NoSigningCertificateFound,
    /// No chain to a trust anchor could be built.
    NoCertificateChainFound,
    /// Revocation status could not be established (no CRL, or a stale one).
    TryLater,
    /// Time stamps or times are in an impossible order.
    TimestampOrderFailure,
    /// Revoked, but the revocation came after the validation time and there is no proof of
    /// existence before it.
    RevokedNoPoe,
    /// Validity cannot be judged at the requested time without proof of existence.
    OutOfBoundsNoPoe,
    /// The signed data was not found.
    SignedDataNotFound,
}

/// One check's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Outcome {
    /// The check ran and passed.
    Passed,
    /// The check ran and failed.
    Failed,
    /// The check could not decide.
    Indeterminate,
    /// The check does not apply here (and says why).
    NotApplicable,
}

/// One check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// Stable id, e.g. `cert.signature`.
    pub id: &'static str,
    /// The outcome.
    pub outcome: Outcome,
    /// When not passed: the sub-indication it contributes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub_indication: Option<SubIndication>,
    /// What the check was about (a certificate subject, a file name), if not the whole object.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// Reason in Chinese.
    pub reason_zh: String,
    /// Reason in English.
    pub reason_en: String,
}

impl Check {
    /// A passed check.
    pub fn pass(id: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            id,
            outcome: Outcome::Passed,
            sub_indication: None,
            subject: None,
            reason_zh: zh.into(),
            reason_en: en.into(),
        }
    }
    /// A failed check.
    pub fn fail(id: &'static str, sub: SubIndication, zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            id,
            outcome: Outcome::Failed,
            sub_indication: Some(sub),
            subject: None,
            reason_zh: zh.into(),
            reason_en: en.into(),
        }
    }
    /// An indeterminate check.
    pub fn indeterminate(id: &'static str, sub: SubIndication, zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            id,
            outcome: Outcome::Indeterminate,
            sub_indication: Some(sub),
            subject: None,
            reason_zh: zh.into(),
            reason_en: en.into(),
        }
    }
    /// A check that does not apply.
    pub fn not_applicable(id: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            id,
            outcome: Outcome::NotApplicable,
            sub_indication: None,
            subject: None,
            reason_zh: zh.into(),
            reason_en: en.into(),
        }
    }
    /// Name what the check was about.
    pub fn about(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject.into());
        self
    }
}

/// The overall indication of a list of checks: the first FAILED check decides; else the first
/// INDETERMINATE one; else PASSED.
pub fn conclude(checks: &[Check]) -> (Indication, Option<SubIndication>) {
    if let Some(c) = checks.iter().find(|c| c.outcome == Outcome::Failed) {
        return (Indication::Failed, c.sub_indication);
    }
    if let Some(c) = checks.iter().find(|c| c.outcome == Outcome::Indeterminate) {
        return (Indication::Indeterminate, c.sub_indication);
    }
    (Indication::Passed, None)
}

/// Where the time that validity was judged at came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeSource {
    /// The current time.
    Now,
    /// A time the caller gave.
    Caller,
    /// The genTime of a verified time stamp.
    TimeStamp,
}
