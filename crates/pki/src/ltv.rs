//! Long-term validation: chains of time stamps that keep proving, after every certificate in a
//! document has expired, that its signatures existed while those certificates were good.
//!
//! PAdES-LTA's document time stamps, yinxin's OFD package time stamps and RFC 4998's archive time
//! stamps share one shape: stamps made one after another, each covering everything before it
//! (the signed object, the validation material added for it, and every earlier stamp). Such a
//! chain is judged from the newest stamp back (EN 319 102-1 §5.6, past signature validation):
//!
//! - the newest stamp is judged now: its TSA certificate must still be valid today
//!   ([`crate::tsp`]'s `tst.tsa_validity`), and its chain good at its genTime;
//! - every older stamp is judged at the *control time* the next valid stamp gives it — its
//!   genTime, when the older stamp provably already existed — so an older TSA certificate needs to
//!   have been valid then, not now. That is what renewal (a new stamp before the last one's TSA
//!   certificate expires) buys;
//! - a stamp that does not verify gives no proof, and what it covers is judged at the control time
//!   of the newer valid stamps, which cover it too;
//! - genTimes must not go backwards (a newer stamp covers the older one, so it cannot be older).
//!
//! What the oldest valid stamp covers is proven to exist at that stamp's genTime: the
//! [`crate::report::Poe`] the signature's own checks are then judged at.

use crate::cert::Cert;
use crate::chain::TrustStore;
use crate::crl::Crl;
use crate::report::{Check, Indication, Poe, SubIndication};
use crate::time::format_instant;
use crate::tsp::{TokenExpectations, TokenReport, verify_token};
use time::OffsetDateTime;

/// Validation material carried inside a document or package: the certificates and CRLs a
/// verifier needs when the issuers are long gone.
#[derive(Debug, Clone, Default)]
pub struct Material {
    /// Certificates (CA and TSA chains, signers).
    pub certs: Vec<Cert>,
    /// CRLs.
    pub crls: Vec<Crl>,
}

impl Material {
    /// Add certificates and CRLs, skipping byte-identical duplicates.
    pub fn extend(&mut self, certs: impl IntoIterator<Item = Cert>, crls: impl IntoIterator<Item = Crl>) {
        for c in certs {
            if !self.certs.contains(&c) {
                self.certs.push(c);
            }
        }
        for c in crls {
            if !self.crls.iter().any(|x| x.der() == c.der()) {
                self.crls.push(c);
            }
        }
    }
}

/// One stamp of a chain, oldest first.
#[derive(Debug, Clone)]
pub struct ChainedStamp<'a> {
    /// The token (DER `ContentInfo`).
    pub token: &'a [u8],
    /// The bytes its message imprint is the digest of; `None` when the caller has already checked
    /// the imprint (an evidence record's hash tree).
    pub data: Option<&'a [u8]>,
    /// How the report names it (`document time stamp 2 of 3`).
    pub label: String,
}

/// The verdict on one stamp of a chain.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StampVerdict {
    /// The stamp's label.
    pub label: String,
    /// The control time it was judged at (`None`: now).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub control: Option<String>,
    /// The token's report.
    pub report: TokenReport,
    /// What everything this stamp covers is proven by: the oldest valid stamp from here on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub poe: Option<Poe>,
}

/// The verdict on a chain.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ChainVerdict {
    /// One per stamp, oldest first.
    pub stamps: Vec<StampVerdict>,
    /// Checks on the chain as a whole (the order of genTimes, and one `ltv.stamp` per stamp).
    pub checks: Vec<Check>,
}

impl ChainVerdict {
    /// The proof of existence of what stamp `k` covers (and everything before it).
    pub fn poe_of(&self, k: usize) -> Option<&Poe> {
        self.stamps.get(k).and_then(|s| s.poe.as_ref())
    }
}

/// Judge a chain of stamps, oldest first, with `material` (certificates and CRLs for the TSA
/// chains), against `trust`, at `now`.
pub fn verify_chain(
    stamps: &[ChainedStamp<'_>],
    material: &Material,
    trust: &TrustStore,
    now: OffsetDateTime,
) -> ChainVerdict {
    let n = stamps.len();
    let mut out: Vec<Option<StampVerdict>> = vec![None; n];
    let mut control: Option<OffsetDateTime> = None;
    let mut poe: Option<Poe> = None;
    for k in (0..n).rev() {
        let s = &stamps[k];
        let expect = TokenExpectations {
            data: s.data,
            nonce: None,
            extra_certs: &material.certs,
            crls: &material.crls,
            control,
        };
        let report = verify_token(s.token, &expect, trust, now);
        let judged_at = control.map(format_instant);
        if report.indication == Indication::Passed
            && let Some(g) = report.gen_time
        {
            let tsa = report.info.as_ref().and_then(|i| i.tsa.clone()).unwrap_or_else(|| "an unnamed TSA".into());
            poe = Some(Poe { time: g, by: format!("{} ({tsa}, genTime {})", s.label, format_instant(g)) });
            control = Some(g);
        }
        out[k] = Some(StampVerdict { label: s.label.clone(), control: judged_at, report, poe: poe.clone() });
    }
    let stamps: Vec<StampVerdict> = out.into_iter().flatten().collect();
    let mut checks = Vec::new();
    for s in &stamps {
        let at = s.control.as_deref().map(|c| format!(" at {c}")).unwrap_or_else(|| " now".into());
        let at_zh = s.control.as_deref().map(|c| format!("于{c}")).unwrap_or_else(|| "于当前时间".into());
        let why: Vec<&str> = s
            .report
            .checks
            .iter()
            .filter(|c| !matches!(c.outcome, crate::Outcome::Passed | crate::Outcome::NotApplicable))
            .map(|c| c.reason_en.as_str())
            .collect();
        checks.push(match s.report.indication {
            Indication::Passed => Check::pass(
                "ltv.stamp",
                format!("{}有效（{at_zh}判定）", s.label),
                format!("{} is valid (judged{at})", s.label),
            ),
            Indication::Failed => Check::fail(
                "ltv.stamp",
                s.report.sub_indication.unwrap_or(SubIndication::SigCryptoFailure),
                format!("{}无效：{}", s.label, why.join("; ")),
                format!("{} is invalid: {}", s.label, why.join("; ")),
            ),
            Indication::Indeterminate => Check::indeterminate(
                "ltv.stamp",
                s.report.sub_indication.unwrap_or(SubIndication::TryLater),
                format!("{}不能证明时间（{at_zh}判定）：{}", s.label, why.join("; ")),
                format!("{} proves no time (judged{at}): {}", s.label, why.join("; ")),
            ),
        });
    }
    for w in stamps.windows(2) {
        if let (Some(a), Some(b)) = (w[0].report.gen_time, w[1].report.gen_time)
            && b < a
        {
            checks.push(Check::fail(
                "ltv.order",
                SubIndication::TimestampOrderFailure,
                format!("{}的时间{}早于其覆盖的{}（{}）", w[1].label, format_instant(b), w[0].label, format_instant(a)),
                format!(
                    "{} ({}) is older than {} ({}), which it covers",
                    w[1].label,
                    format_instant(b),
                    w[0].label,
                    format_instant(a)
                ),
            ));
        }
    }
    ChainVerdict { stamps, checks }
}
