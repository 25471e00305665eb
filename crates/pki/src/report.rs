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
//!
//! # Which sub-indication goes with which indication
//!
//! ETSI EN 319 102-1 (V1.3.1) §5.1.3, Table 5 ("Validation report structure and semantics"), fixes
//! the pairs. yinxin follows it, in this one place ([`SubIndication::conclusions`]):
//!
//! | sub-indication | TOTAL-FAILED | INDETERMINATE |
//! |---|---|---|
//! | FORMAT_FAILURE | yes (the signature is not conformant) | yes (a time stamp or other proof that does not parse proves nothing) |
//! | HASH_FAILURE | yes | — |
//! | SIG_CRYPTO_FAILURE | yes | — |
//! | REVOKED | yes | — |
//! | EXPIRED | yes (expired before the proven or claimed signing time) | yes (expired at the validation time; no proof of existence) |
//! | NOT_YET_VALID | yes (not yet valid at the proven or claimed signing time) | yes |
//! | SIG_CONSTRAINTS_FAILURE | only where a national rule makes it final (below) | yes |
//! | CHAIN_CONSTRAINTS_FAILURE | — | yes |
//! | CERTIFICATE_CHAIN_GENERAL_FAILURE | — | yes |
//! | CRYPTO_CONSTRAINTS_FAILURE | — | yes |
//! | NO_SIGNING_CERTIFICATE_FOUND | — | yes |
//! | NO_CERTIFICATE_CHAIN_FOUND | — | yes ("we cannot tell" is never "forged") |
//! | TRY_LATER | — | yes |
//! | TIMESTAMP_ORDER_FAILURE | — | yes |
//! | REVOKED_NO_POE | — | yes |
//! | OUT_OF_BOUNDS_NO_POE | — | yes |
//! | SIGNED_DATA_NOT_FOUND | — | yes |
//!
//! A check made with [`Check::fail`] whose sub-indication ETSI puts under INDETERMINATE only comes
//! out INDETERMINATE: the class of mistake where "cannot tell" read as "forged" cannot be written.
//! A failure is FAILED outside the table only when a rule says so and the check names it
//! ([`Check::fail_by`]): GB/T 38540-2020 §7.3 makes a signer who is not in the seal's certList a
//! final failure (SIG_CONSTRAINTS_FAILURE); a validation policy constraint at level `fail` does
//! the same and names the policy. Every check also carries the clause behind it
//! ([`Check::clause`], filled from [`clause_for`] when the verifier gave none).

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

impl std::fmt::Display for Indication {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Indication::Passed => "PASSED",
            Indication::Failed => "FAILED",
            Indication::Indeterminate => "INDETERMINATE",
        })
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

impl SubIndication {
    /// Every sub-indication yinxin emits.
    pub const ALL: [SubIndication; 17] = [
        SubIndication::FormatFailure,
        SubIndication::HashFailure,
        SubIndication::SigCryptoFailure,
        SubIndication::Revoked,
        SubIndication::SigConstraintsFailure,
        SubIndication::ChainConstraintsFailure,
        SubIndication::CertificateChainGeneralFailure,
        SubIndication::CryptoConstraintsFailure,
        SubIndication::Expired,
        SubIndication::NotYetValid,
        SubIndication::NoSigningCertificateFound,
        SubIndication::NoCertificateChainFound,
        SubIndication::TryLater,
        SubIndication::TimestampOrderFailure,
        SubIndication::RevokedNoPoe,
        SubIndication::OutOfBoundsNoPoe,
        SubIndication::SignedDataNotFound,
    ];

    /// The indications ETSI EN 319 102-1 Table 5 pairs this sub-indication with (see the module
    /// docs). A national rule or a validation policy may add FAILED, naming itself.
    pub fn conclusions(self) -> &'static [Indication] {
        use Indication::{Failed, Indeterminate};
        match self {
            SubIndication::FormatFailure | SubIndication::Expired | SubIndication::NotYetValid => {
                &[Failed, Indeterminate]
            }
            SubIndication::HashFailure | SubIndication::SigCryptoFailure | SubIndication::Revoked => &[Failed],
            SubIndication::SigConstraintsFailure
            | SubIndication::ChainConstraintsFailure
            | SubIndication::CertificateChainGeneralFailure
            | SubIndication::CryptoConstraintsFailure
            | SubIndication::NoSigningCertificateFound
            | SubIndication::NoCertificateChainFound
            | SubIndication::TryLater
            | SubIndication::TimestampOrderFailure
            | SubIndication::RevokedNoPoe
            | SubIndication::OutOfBoundsNoPoe
            | SubIndication::SignedDataNotFound => &[Indeterminate],
        }
    }

    /// The name as reports spell it (`NO_CERTIFICATE_CHAIN_FOUND`).
    pub fn as_str(self) -> &'static str {
        match self {
            SubIndication::FormatFailure => "FORMAT_FAILURE",
            SubIndication::HashFailure => "HASH_FAILURE",
            SubIndication::SigCryptoFailure => "SIG_CRYPTO_FAILURE",
            SubIndication::Revoked => "REVOKED",
            SubIndication::SigConstraintsFailure => "SIG_CONSTRAINTS_FAILURE",
            SubIndication::ChainConstraintsFailure => "CHAIN_CONSTRAINTS_FAILURE",
            SubIndication::CertificateChainGeneralFailure => "CERTIFICATE_CHAIN_GENERAL_FAILURE",
            SubIndication::CryptoConstraintsFailure => "CRYPTO_CONSTRAINTS_FAILURE",
            SubIndication::Expired => "EXPIRED",
            SubIndication::NotYetValid => "NOT_YET_VALID",
            SubIndication::NoSigningCertificateFound => "NO_SIGNING_CERTIFICATE_FOUND",
            SubIndication::NoCertificateChainFound => "NO_CERTIFICATE_CHAIN_FOUND",
            SubIndication::TryLater => "TRY_LATER",
            SubIndication::TimestampOrderFailure => "TIMESTAMP_ORDER_FAILURE",
            SubIndication::RevokedNoPoe => "REVOKED_NO_POE",
            SubIndication::OutOfBoundsNoPoe => "OUT_OF_BOUNDS_NO_POE",
            SubIndication::SignedDataNotFound => "SIGNED_DATA_NOT_FOUND",
        }
    }

    /// Whether ETSI allows TOTAL-FAILED with this sub-indication.
    pub fn may_fail(self) -> bool {
        self.conclusions().contains(&Indication::Failed)
    }
}

impl std::fmt::Display for SubIndication {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
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
    /// The check found something a person should know that does not change the verdict under the
    /// validation policy (a later incremental update, a part no signature covers).
    Warning,
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
    /// The clause of the standard (or the validation policy constraint) behind the check.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clause: Option<&'static str>,
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
            clause: None,
        }
    }
    /// A failed check. When ETSI EN 319 102-1 pairs `sub` with INDETERMINATE only (see the module
    /// docs), the check is INDETERMINATE: only a named rule ([`Check::fail_by`]) makes it final.
    pub fn fail(id: &'static str, sub: SubIndication, zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            id,
            outcome: if sub.may_fail() { Outcome::Failed } else { Outcome::Indeterminate },
            sub_indication: Some(sub),
            subject: None,
            reason_zh: zh.into(),
            reason_en: en.into(),
            clause: None,
        }
    }
    /// A failure that a named rule makes final whatever ETSI's table says of `sub`: a clause of a
    /// national standard (GB/T 38540-2020 §7.3 for a signer outside the seal's certList) or a
    /// validation policy constraint at level `fail`.
    pub fn fail_by(
        id: &'static str,
        sub: SubIndication,
        clause: &'static str,
        zh: impl Into<String>,
        en: impl Into<String>,
    ) -> Self {
        let mut c = Self::fail(id, sub, zh, en);
        c.outcome = Outcome::Failed;
        c.clause = Some(clause);
        c
    }
    /// An indeterminate check. A sub-indication ETSI allows only with TOTAL-FAILED (a hash, a
    /// signature value, a revocation) is not given to an INDETERMINATE check: it is dropped, and
    /// debug builds stop, so the pair never reaches a report.
    pub fn indeterminate(id: &'static str, sub: SubIndication, zh: impl Into<String>, en: impl Into<String>) -> Self {
        debug_assert!(
            sub.conclusions().contains(&Indication::Indeterminate),
            "{id}: {sub:?} is not an INDETERMINATE sub-indication"
        );
        Self {
            id,
            outcome: Outcome::Indeterminate,
            sub_indication: sub.conclusions().contains(&Indication::Indeterminate).then_some(sub),
            subject: None,
            reason_zh: zh.into(),
            reason_en: en.into(),
            clause: None,
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
            clause: None,
        }
    }
    /// A warning: reported, the verdict unchanged.
    pub fn warning(id: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self { outcome: Outcome::Warning, ..Self::pass(id, zh, en) }
    }
    /// Name the clause behind the check.
    pub fn clause(mut self, clause: &'static str) -> Self {
        self.clause = Some(clause);
        self
    }
    /// Name what the check was about.
    pub fn about(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject.into());
        self
    }
}

/// The clause behind each check id, for checks whose verifier named none. One table, so an
/// auditor reads in one place which rule every verdict rests on.
pub const CLAUSES: &[(&str, &str)] = &[
    (
        "format",
        "the structure's own standard (GB/T 38540-2020 §6, GM/T 0010-2023 §8, ISO 32000-1 §7, GB/T 33190-2016 §7)",
    ),
    ("chain.build", "RFC 5280 §6.1 (path to a trust anchor); EN 319 102-1 §5.2.6"),
    ("cert.signature", "RFC 5280 §6.1.3 (a)(1); GB/T 20518-2018 §5"),
    ("cert.validity", "RFC 5280 §6.1.3 (a)(2); EN 319 102-1 §5.2.6 and §5.6.2.1 (past signature validation)"),
    ("cert.public_key", "GB/T 20518-2018 §5 (SM2 subject public key)"),
    ("cert.critical_extensions", "RFC 5280 §6.1.4 (o)"),
    ("ca.constraints", "RFC 5280 §6.1.4 (k)–(n)"),
    ("cert.revocation", "RFC 5280 §6.3 (CRL processing); EN 319 102-1 §5.2.5"),
    ("cert.purpose", "RFC 5280 §4.2.1.3 and §4.2.1.12"),
    ("seal.format", "GB/T 38540-2020 §6.1 (SESeal); GM/T 0031-2014 §5"),
    ("seal.maker_signature", "GB/T 38540-2020 §7.2 (the seal's signature by its maker)"),
    ("seal.maker_chain", "GB/T 38540-2020 §7.2 (the maker's certificate: chain, validity, revocation)"),
    ("seal.validity", "GB/T 38540-2020 §7.2 (validStart ≤ t ≤ validEnd)"),
    ("seal.type", "validation policy: seals.accepted_types"),
    ("seal.time_stamp", "GM/T 0031-2025 (the seal's time stamp); RFC 3161 §2.4.2"),
    ("sig.format", "GB/T 38540-2020 §6.2 (SES_Signature); GM/T 0010-2023 §8 (SignedData)"),
    ("sig.signature", "GB/T 38540-2020 §7.3 (the signature over TBS_Sign); GM/T 0010-2023 §8.1; GB/T 32918.2-2016"),
    ("sig.signer_in_cert_list", "GB/T 38540-2020 §7.3 (the signer's certificate matches the seal's certList)"),
    ("sig.signer_chain", "GB/T 38540-2020 §7.3 (the signer's certificate: chain, validity, revocation); RFC 5280 §6"),
    ("sig.data_hash", "GB/T 38540-2020 §7.3 (dataHash over the protected data); RFC 5652 §5.4 (messageDigest)"),
    (
        "sig.signing_time",
        "GB/T 38540-2020 §7.3 (the seal and the signer's certificate valid at the signing time); EN 319 102-1 §5.6.2.1",
    ),
    (
        "sig.time_plausible",
        "EN 319 102-1 §5.6.2.3 (times in a possible order): a claimed signing time after the validation time",
    ),
    ("sig.time_stamp", "RFC 3161 §2.4.2; GB/T 38540-2020 §6.2 (timeStamp over the signature value); EN 319 102-1 §5.4"),
    ("sig.time_order", "EN 319 102-1 §5.6.2.3 (the time stamp follows the signing time it proves)"),
    ("tst.format", "RFC 3161 §2.4.2"),
    ("tst.imprint", "RFC 3161 §2.4.2 (messageImprint)"),
    ("tst.signature", "RFC 3161 §2.4.2; RFC 5652 §5.6"),
    ("tst.signer_certificate", "RFC 3161 §2.4.1; RFC 5035 (ESS signingCertificateV2)"),
    ("tst.time", "RFC 3161 §2.4.2 (genTime)"),
    (
        "tst.tsa_validity",
        "EN 319 102-1 §5.4 and §5.6.2.1 (the TSA certificate valid at the control time); RFC 3161 §4 (TSA key lifetime)",
    ),
    (
        "ltv.stamp",
        "EN 319 102-1 §5.6.2 (past signature validation: each stamp judged at the time the next proves); ETSI EN 319 142-1 §5.5 (PAdES-LTA); RFC 4998 §5.3",
    ),
    ("ltv.order", "EN 319 102-1 §5.6.2.3 (a later stamp cannot be older than what it covers); RFC 4998 §5.3"),
    ("pdf.dss", "ISO 32000-2 §12.8.4.3 (Document Security Store); ETSI EN 319 142-1 §5.4 (PAdES B-LT)"),
    (
        "pdf.poe",
        "ISO 32000-2 §12.8.5 (document time stamps); ETSI EN 319 142-1 §5.5; EN 319 102-1 §5.6.2.1 (proof of existence)",
    ),
    ("ofd.ltv", "yinxin OFD long-term layout (LTV/, crates/doc/src/ofd/ltv.rs): GB/T 33190 and GB/T 38540 define none"),
    ("ofd.ltv_manifest", "yinxin OFD long-term layout: every part a package time stamp lists is unchanged"),
    ("ofd.ltv_chain", "yinxin OFD long-term layout: each stamp lists the one before it (cf. RFC 4998 §5.2)"),
    ("ofd.poe", "EN 319 102-1 §5.6.2.1 (proof of existence from a package time stamp)"),
    ("ofd.structure", "GB/T 33190-2016 §7 (package structure)"),
    ("ofd.signatures", "GB/T 33190-2016 §18 (Signatures.xml)"),
    ("ofd.references", "GB/T 33190-2016 §18.2 (Reference CheckValue); GB/T 38540-2020 §8"),
    ("ofd.seal_file", "GB/T 33190-2016 §18.2 (Seal BaseLoc)"),
    ("ofd.property_info", "GB/T 38540-2020 §6.2 (propertyInfo)"),
    (
        "ofd.unreferenced_parts",
        "GB/T 33190-2016 §18.2 (what a signature protects); validation policy: coverage.unreferenced_parts",
    ),
    ("pdf.signatures", "ISO 32000-1 §12.8"),
    ("pdf.byte_range", "ISO 32000-1 §12.8.1 (ByteRange, Contents)"),
    (
        "pdf.coverage",
        "ISO 32000-1 §7.5.6 (incremental updates) and §12.8.1; validation policy: coverage.uncovered_bytes",
    ),
    (
        "pdf.modifications",
        "ISO 32000-1 §7.5.6 and §12.8.2.2 (changes after signing); validation policy: coverage.later_updates",
    ),
    ("pdf.revision", "ISO 32000-1 §7.5.6 (incremental updates) and §12.8.1 (ByteRange)"),
    (
        "pdf.lock",
        "ISO 32000-2 §12.8.2.4 (FieldMDP, /P 1: no changes permitted) and §12.7.5.5 (signature field lock); \
         validation data and document time stamps stay permitted (§12.8.4.3, §12.8.5)",
    ),
    (
        "pdf.handwriting",
        "yinxin handwritten-signature binding: signed attribute 2.25.316798894134225311477669925098520254153 holds \
         the SM3 (GB/T 32905) of the strokes the revision carries; RFC 5652 §5.3, §5.4 (signed attributes)",
    ),
    ("policy.algorithm", "validation policy: algorithms.accepted (GM/T 0054-2018 for SM2/SM3)"),
];

/// The clause behind a check id (exact match).
pub fn clause_for(id: &str) -> Option<&'static str> {
    CLAUSES.iter().find(|(k, _)| *k == id).map(|(_, c)| *c)
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

/// A proof of existence from outside a signed object: a later time stamp (a PDF document time
/// stamp, an OFD package time stamp) or an evidence record (RFC 4998) that covers it. The
/// object's own time stamps are then judged at this time rather than now (EN 319 102-1 §5.6:
/// past signature validation), and the report names the proof.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Poe {
    /// When the object is proven to have existed.
    #[serde(serialize_with = "crate::time::serialize_instant")]
    pub time: time::OffsetDateTime,
    /// What proves it (for example `document time stamp 1 of 3 (CN=TSA, genTime …)`).
    pub by: String,
}

/// The validation policy a report was judged under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyRef {
    /// The policy's name.
    pub name: String,
    /// SM3 of the policy file's bytes (hex).
    pub sm3: String,
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
    /// The proof of existence from outside the object that its validation relied on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub poe: Option<Poe>,
    /// The validation policy the verdict was judged under (its name and SM3).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<PolicyRef>,
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
            poe: None,
            policy: None,
            checks: Vec::new(),
            parts: Vec::new(),
        }
    }

    /// Set the indication from the checks and the parts: any FAILED makes it FAILED, then any
    /// INDETERMINATE; a report with neither checks nor parts is INDETERMINATE.
    pub fn conclude(&mut self) {
        for c in &mut self.checks {
            if c.clause.is_none() {
                c.clause = clause_for(c.id);
            }
        }
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
