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
    /// The signing time the signer claims (timeInfo, signingTime): not proof, used when the
    /// caller asks to judge "at signing time" and no time stamp exists.
    SignerClaimed,
}

/// A party named in a report (signer, seal maker).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Party {
    /// Certificate subject.
    pub subject: String,
    /// Certificate issuer.
    pub issuer: String,
    /// Serial number (hex).
    pub serial: String,
}

impl Party {
    /// From a certificate.
    pub fn of(c: &crate::Cert) -> Self {
        Self { subject: c.subject(), issuer: c.issuer(), serial: c.serial_hex() }
    }
}

/// What a report says about an e-seal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SealSummary {
    /// Standard followed (`GB/T 38540-2020`, …).
    pub version: String,
    /// esID.
    pub es_id: String,
    /// Seal name.
    pub name: String,
    /// Seal type code.
    pub seal_type: i64,
    /// Vendor id.
    pub vid: String,
    /// Validity start.
    pub valid_start: String,
    /// Validity end.
    pub valid_end: String,
    /// The maker, when its certificate parsed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maker: Option<Party>,
}

/// The verification report every yinxin verifier returns: for one object (a seal, a signature, a
/// document) the overall indication, the facts established, every check, and the reports of the
/// parts it contains (each signature of a document).
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// What was verified: `seal`, `ses-signature`, `gmt0010-signature`, `ofd`, `pdf`, ….
    pub kind: &'static str,
    /// Where it is (a file name, a path inside a package).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Overall result, including the parts.
    pub indication: Indication,
    /// Why, when not PASSED.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub_indication: Option<SubIndication>,
    /// The time validity was judged at.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validation_time: Option<String>,
    /// Where that time came from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_source: Option<TimeSource>,
    /// The signing time the signer claims (not proof).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claimed_signing_time: Option<String>,
    /// The signer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signer: Option<Party>,
    /// The seal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seal: Option<SealSummary>,
    /// The time stamp, when one verified far enough to be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_stamp: Option<crate::tsp::TstSummary>,
    /// Every check.
    pub checks: Vec<Check>,
    /// Reports of contained objects.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<Report>,
}

impl Report {
    /// An empty report for `kind`.
    pub fn new(kind: &'static str) -> Self {
        Self {
            kind,
            location: None,
            indication: Indication::Indeterminate,
            sub_indication: None,
            validation_time: None,
            time_source: None,
            claimed_signing_time: None,
            signer: None,
            seal: None,
            time_stamp: None,
            checks: Vec::new(),
            parts: Vec::new(),
        }
    }

    /// Set the indication from the checks and the parts: any FAILED makes it FAILED, then any
    /// INDETERMINATE; a report with neither checks nor parts is INDETERMINATE.
    pub fn conclude(&mut self) {
        let (mut ind, mut sub) = conclude(&self.checks);
        for p in &self.parts {
            let worse = match (ind, p.indication) {
                (Indication::Failed, _) => false,
                (_, Indication::Failed) => true,
                (Indication::Passed, Indication::Indeterminate) => true,
                _ => false,
            };
            if worse {
                ind = p.indication;
                sub = p.sub_indication;
            }
        }
        if self.checks.is_empty() && self.parts.is_empty() {
            ind = Indication::Indeterminate;
        }
        self.indication = ind;
        self.sub_indication = sub;
    }
}
