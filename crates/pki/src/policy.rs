//! The validation policy: what a verifier reports as FAILED, INDETERMINATE, a warning, or ignores.
//!
//! After EU DSS's `constraint.xml`, in TOML. One file decides, for every constraint, the level a
//! violation gets; the report names the policy and the SM3 of its bytes, so a verdict can be
//! reproduced years later with the same rules. The default policy ships in the repository
//! (`crates/pki/policy/default.toml`, compiled in) and is what the CLI and the service use unless
//! told otherwise (`--policy FILE`; `policy = "FILE"` in the service's configuration).
//!
//! Verifiers consult the policy for the parameters they need (the clock tolerance, the maximum age
//! of revocation data) and emit each check at its natural level; [`Policy::apply`] then sets the
//! level of every check a constraint governs. Levels never make a verdict more lenient than the
//! cryptography: a signature value, a digest or a revocation that fails stays FAILED whatever the
//! policy says.

use crate::report::{Check, Outcome, PolicyRef, Report, SubIndication};
use serde::Deserialize;
use std::collections::BTreeMap;

/// The level a violated constraint gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// The verdict is FAILED (named as decided by the policy).
    Fail,
    /// The verdict is INDETERMINATE.
    Indeterminate,
    /// Reported as a warning; the verdict is unchanged.
    Warn,
    /// Not reported as a problem (the check says it was ignored by the policy).
    Ignore,
}

/// Time-stamp constraints.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeStampRules {
    /// A signature without a time stamp.
    pub required: Level,
}

/// Revocation constraints.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevocationRules {
    /// A certificate whose revocation status was not checked (no CRL from its issuer).
    pub required: Level,
    /// The oldest revocation data accepted (CRL thisUpdate before the current time), in hours;
    /// older data is stale (INDETERMINATE / TRY_LATER). Absent: nextUpdate alone decides.
    pub max_age_hours: Option<u64>,
}

/// Algorithm constraints.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlgorithmRules {
    /// Accepted signature and digest algorithms: `SM2`, `SM3`, `SHA-256`, `RSA`, `ECDSA`.
    /// yinxin verifies SM2 signatures over SM3 only; a file signed with another algorithm is
    /// INDETERMINATE (unsupported) whatever this list says.
    pub accepted: Vec<String>,
    /// Minimum key sizes in bits, by algorithm (`SM2 = 256`, `RSA = 2048`, …).
    pub min_key_bits: BTreeMap<String, u32>,
    /// The level of a signature or digest made with an algorithm the policy does not accept.
    pub level: Level,
}

/// E-seal constraints.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealRules {
    /// Accepted seal types (GB/T 38540 `type`: 1 法定名称章, 2 财务专用章, …); empty: any.
    pub accepted_types: Vec<i64>,
    /// The level of a seal whose type is not accepted.
    pub type_level: Level,
    /// A seal whose maker certificate does not chain to a trusted seal authority.
    pub maker_chain: Level,
}

/// Time constraints.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeRules {
    /// Clocks disagree by this much without it being a finding (seconds).
    pub clock_tolerance_seconds: u64,
    /// A claimed signing time outside the seal's or the signer certificate's validity
    /// (GB/T 38540-2020 §7.3).
    pub signing_time_outside_validity: Level,
    /// A claimed signing time later than the validation time.
    pub claimed_after_validation: Level,
    /// A time stamp earlier than the signing time it is meant to prove.
    pub time_stamp_order: Level,
}

/// Coverage constraints: what no signature protects.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoverageRules {
    /// Bytes after a PDF's signed revisions that are not a well-formed incremental update.
    pub uncovered_bytes: Level,
    /// A well-formed incremental update after a signature that leaves every page unchanged.
    pub later_updates: Level,
    /// A part of an OFD package that no signature's References cover.
    pub unreferenced_parts: Level,
}

/// A validation policy.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// The policy's name, printed in every report.
    pub name: String,
    /// Time stamps.
    pub time_stamp: TimeStampRules,
    /// Revocation.
    pub revocation: RevocationRules,
    /// Algorithms.
    pub algorithms: AlgorithmRules,
    /// Seals.
    pub seals: SealRules,
    /// Times.
    pub time: TimeRules,
    /// Coverage.
    pub coverage: CoverageRules,
    /// SM3 of the source bytes (hex), set when parsed.
    #[serde(skip)]
    pub sm3: String,
}

/// The default policy's text.
pub const DEFAULT_POLICY: &str = include_str!("../policy/default.toml");

impl Default for Policy {
    fn default() -> Self {
        // The default policy is compiled in and parsed by a test; it cannot fail here.
        #[allow(clippy::expect_used)]
        Policy::from_toml(DEFAULT_POLICY).expect("the built-in default policy parses")
    }
}

/// The default policy, parsed once.
pub fn default_policy() -> &'static Policy {
    static DEFAULT: std::sync::LazyLock<Policy> = std::sync::LazyLock::new(Policy::default);
    &DEFAULT
}

/// Where each constraint's level applies: the check id, the constraint key, and the
/// sub-indication a raised check gets when it has none that fits.
const FAIL_CLAUSES: &[(&str, &str)] = &[
    ("time_stamp.required", "validation policy: time_stamp.required"),
    ("revocation.required", "validation policy: revocation.required"),
    ("algorithms.accepted", "validation policy: algorithms.accepted"),
    ("seals.type_level", "validation policy: seals.accepted_types"),
    ("seals.maker_chain", "validation policy: seals.maker_chain"),
    (
        "time.signing_time_outside_validity",
        "GB/T 38540-2020 §7.3; validation policy: time.signing_time_outside_validity",
    ),
    ("time.claimed_after_validation", "validation policy: time.claimed_after_validation"),
    ("time.time_stamp_order", "validation policy: time.time_stamp_order"),
    ("coverage.uncovered_bytes", "validation policy: coverage.uncovered_bytes"),
    ("coverage.later_updates", "validation policy: coverage.later_updates"),
    ("coverage.unreferenced_parts", "validation policy: coverage.unreferenced_parts"),
];

fn clause_of(key: &str) -> &'static str {
    FAIL_CLAUSES.iter().find(|(k, _)| *k == key).map(|(_, c)| *c).unwrap_or("validation policy")
}

impl Policy {
    /// Parse a policy file.
    pub fn from_toml(text: &str) -> crate::Result<Self> {
        let mut p: Policy =
            toml::from_str(text).map_err(|e| crate::Error::Policy(format!("validation policy: {e}")))?;
        p.sm3 = yinxin_gm::sm3::sm3(text.as_bytes()).to_hex();
        Ok(p)
    }

    /// Read a policy file.
    pub fn load(path: &std::path::Path) -> crate::Result<Self> {
        let text =
            std::fs::read_to_string(path).map_err(|e| crate::Error::Policy(format!("{}: {e}", path.display())))?;
        Self::from_toml(&text).map_err(|e| crate::Error::Policy(format!("{}: {e}", path.display())))
    }

    /// The name and SM3 a report carries.
    pub fn reference(&self) -> PolicyRef {
        PolicyRef { name: self.name.clone(), sm3: self.sm3.clone() }
    }

    /// The clock tolerance.
    pub fn tolerance(&self) -> time::Duration {
        time::Duration::seconds(self.time.clock_tolerance_seconds.min(86_400) as i64)
    }

    /// The oldest revocation data accepted, if limited.
    pub fn crl_max_age(&self) -> Option<time::Duration> {
        self.revocation.max_age_hours.map(|h| time::Duration::hours(h.min(24 * 365 * 100) as i64))
    }

    /// Whether an algorithm (by the names of [`AlgorithmRules::accepted`]) is accepted.
    pub fn accepts(&self, alg: &str) -> bool {
        self.algorithms.accepted.iter().any(|a| a.eq_ignore_ascii_case(alg))
            && self.algorithms.min_key_bits.get(alg).is_none_or(|min| key_bits(alg).is_some_and(|b| b >= *min))
    }

    /// Set the level of every check a constraint governs, in `report` and its parts, name the
    /// policy, and conclude again.
    pub fn apply(&self, report: &mut Report) {
        for part in &mut report.parts {
            self.apply(part);
        }
        let seal_type = report.seal.as_ref().map(|s| s.seal_type);
        let mut extra = Vec::new();
        for c in &mut report.checks {
            self.apply_check(c);
        }
        if let Some(t) = seal_type
            && !self.seals.accepted_types.is_empty()
            && !report.checks.iter().any(|c| c.id == "seal.type")
        {
            let c = if self.seals.accepted_types.contains(&t) {
                Check::pass(
                    "seal.type",
                    format!("印章类型{t}为策略所接受"),
                    format!("seal type {t} is accepted by the policy"),
                )
            } else {
                let c = Check::fail(
                    "seal.type",
                    SubIndication::SigConstraintsFailure,
                    format!("印章类型{t}不在策略接受的类型中"),
                    format!("seal type {t} is not among the types the policy accepts"),
                );
                level(c, self.seals.type_level, "seals.type_level", SubIndication::SigConstraintsFailure)
            };
            extra.push(c);
        }
        report.checks.extend(extra);
        report.policy = Some(self.reference());
        report.conclude();
    }

    fn apply_check(&self, c: &mut Check) {
        // A check is copied only when a constraint governs it (most are not).
        let natural: &Check = c;
        let set = |lvl: Level, key: &'static str, sub: SubIndication| level(natural.clone(), lvl, key, sub);
        let new = match (c.id, c.outcome) {
            ("sig.time_stamp", Outcome::NotApplicable) if self.time_stamp.required != Level::Ignore => {
                let c = Check::fail(
                    "sig.time_stamp",
                    SubIndication::SigConstraintsFailure,
                    "验证策略要求时间戳，签名没有时间戳",
                    "the validation policy requires a time stamp; the signature has none",
                );
                level(c, self.time_stamp.required, "time_stamp.required", SubIndication::SigConstraintsFailure)
            }
            ("cert.revocation", Outcome::NotApplicable) if self.revocation.required != Level::Ignore => {
                let c = Check::fail(
                    "cert.revocation",
                    SubIndication::TryLater,
                    format!("验证策略要求吊销信息：{}", natural.reason_zh),
                    format!("the validation policy requires revocation data: {}", natural.reason_en),
                )
                .about(natural.subject.clone().unwrap_or_default());
                level(c, self.revocation.required, "revocation.required", SubIndication::TryLater)
            }
            ("sig.signature" | "seal.maker_signature" | "cert.signature" | "tst.signature", Outcome::Passed)
                if !self.accepts("SM2") =>
            {
                let c = Check::fail(
                    natural.id,
                    SubIndication::CryptoConstraintsFailure,
                    "验证策略不接受SM2签名算法",
                    "the validation policy does not accept the SM2 signature algorithm",
                )
                .about(natural.subject.clone().unwrap_or_default());
                level(c, self.algorithms.level, "algorithms.accepted", SubIndication::CryptoConstraintsFailure)
            }
            ("sig.data_hash" | "ofd.references", Outcome::Passed) if !self.accepts("SM3") => {
                let c = Check::fail(
                    natural.id,
                    SubIndication::CryptoConstraintsFailure,
                    "验证策略不接受SM3摘要算法",
                    "the validation policy does not accept the SM3 digest algorithm",
                );
                level(c, self.algorithms.level, "algorithms.accepted", SubIndication::CryptoConstraintsFailure)
            }
            ("seal.maker_chain", Outcome::Failed | Outcome::Indeterminate) => {
                set(self.seals.maker_chain, "seals.maker_chain", SubIndication::NoCertificateChainFound)
            }
            ("sig.signing_time", Outcome::Failed | Outcome::Indeterminate) => set(
                self.time.signing_time_outside_validity,
                "time.signing_time_outside_validity",
                natural.sub_indication.unwrap_or(SubIndication::Expired),
            ),
            ("sig.time_plausible", Outcome::Failed | Outcome::Indeterminate) => set(
                self.time.claimed_after_validation,
                "time.claimed_after_validation",
                SubIndication::TimestampOrderFailure,
            ),
            ("sig.time_order", Outcome::Failed | Outcome::Indeterminate) => {
                set(self.time.time_stamp_order, "time.time_stamp_order", SubIndication::TimestampOrderFailure)
            }
            ("pdf.coverage", Outcome::Failed | Outcome::Indeterminate | Outcome::Warning) => {
                set(self.coverage.uncovered_bytes, "coverage.uncovered_bytes", SubIndication::FormatFailure)
            }
            ("pdf.modifications", Outcome::Warning) => {
                set(self.coverage.later_updates, "coverage.later_updates", SubIndication::SigConstraintsFailure)
            }
            ("ofd.unreferenced_parts", Outcome::Warning | Outcome::Failed | Outcome::Indeterminate) => set(
                self.coverage.unreferenced_parts,
                "coverage.unreferenced_parts",
                SubIndication::SigConstraintsFailure,
            ),
            _ => return,
        };
        *c = new;
    }
}

/// The key size of the algorithms yinxin verifies.
fn key_bits(alg: &str) -> Option<u32> {
    match alg.to_ascii_uppercase().as_str() {
        "SM2" => Some(256),
        "SM3" | "SHA-256" => Some(256),
        _ => None,
    }
}

/// `c` at `lvl`: FAILED (named by the policy when ETSI's table would not make it final),
/// INDETERMINATE (with `sub` when the check's own sub-indication does not go with it), a warning,
/// or ignored.
fn level(mut c: Check, lvl: Level, key: &'static str, sub: SubIndication) -> Check {
    use crate::report::Indication;
    match lvl {
        Level::Fail => {
            let s = c.sub_indication.unwrap_or(sub);
            c.outcome = Outcome::Failed;
            c.sub_indication = Some(s);
            c.clause = Some(clause_of(key));
        }
        Level::Indeterminate => {
            let s = c.sub_indication.filter(|s| s.conclusions().contains(&Indication::Indeterminate)).unwrap_or(sub);
            c.outcome = Outcome::Indeterminate;
            c.sub_indication = Some(s);
            if c.clause.is_none() {
                c.clause = Some(clause_of(key));
            }
        }
        Level::Warn => {
            c.outcome = Outcome::Warning;
            c.sub_indication = None;
            c.clause = Some(clause_of(key));
        }
        Level::Ignore => {
            c.outcome = Outcome::NotApplicable;
            c.sub_indication = None;
            c.clause = Some(clause_of(key));
            c.reason_zh = format!("依验证策略忽略：{}", c.reason_zh);
            c.reason_en = format!("ignored by the validation policy: {}", c.reason_en);
        }
    }
    c
}
