//! Certificate path validation for SM2 certificates (after RFC 5280 §6, simplified to what
//! yinxin's trust model needs: no policy or name constraints processing).
//!
//! For each certificate from the leaf up to a trust anchor: the issuer's SM2 signature over the TBS
//! as stored (default user ID), name chaining, validity at the validation time, the public key,
//! unknown critical extensions, CA constraints (basicConstraints, pathLenConstraint, keyCertSign)
//! for every issuer, revocation from CRLs, and the leaf's fitness for the purpose (keyUsage, EKU).
//! Every check is reported (see [`crate::report`]); the overall result follows from them.
//!
//! Trust anchors are trusted by configuration: their own signature is not checked, but their
//! validity and CA constraints are.

use crate::cert::{Cert, key_usage as ku};
use crate::crl::Crl;
use crate::memo::Memo;
use crate::oid;
use crate::report::{Check, Indication, SubIndication, TimeSource, conclude};
use crate::time::format_instant;
use serde::Serialize;
use time::OffsetDateTime;
use yinxin_gm::{Sm2Signature, Sm3Digest};

/// Longest chain followed (leaf included).
pub const MAX_CHAIN_LEN: usize = 8;

/// Certificates tried as the issuer of one certificate, at most (anchors first). A signed
/// file can carry thousands of certificates naming the same issuer, each costing a signature
/// verification at every step of the path: without a bound, one upload buys seconds of CPU.
pub const MAX_ISSUER_CANDIDATES: usize = 16;

/// What the leaf certificate must be fit for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Purpose {
    /// No purpose check.
    Any,
    /// Signing documents, seals, licences and status lists: keyUsage, if present, has
    /// digitalSignature or nonRepudiation; an EKU, if present, is not reserved to another special
    /// purpose (time stamping, OCSP).
    DocumentSigning,
    /// RFC 3161 §2.3: extKeyUsage present, critical, and only id-kp-timeStamping.
    TimeStamping,
    /// Issuing certificates: a CA with keyCertSign.
    CertSigning,
}

impl Purpose {
    /// Every purpose.
    pub const ALL: [Purpose; 4] = [Purpose::Any, Purpose::DocumentSigning, Purpose::TimeStamping, Purpose::CertSigning];

    /// The kebab-case name (`document-signing`, …).
    pub fn name(self) -> &'static str {
        match self {
            Purpose::Any => "any",
            Purpose::DocumentSigning => "document-signing",
            Purpose::TimeStamping => "time-stamping",
            Purpose::CertSigning => "cert-signing",
        }
    }

    /// Parse a kebab-case name.
    pub fn from_name(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.name() == s)
    }
}

/// How revocation is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RevocationPolicy {
    /// Every non-anchor certificate needs a fresh CRL from its issuer; without one the result is
    /// INDETERMINATE.
    Require,
    /// Use CRLs that are given; a certificate with none is not checked (and the report says so).
    IfAvailable,
}

/// The trust anchors.
#[derive(Debug, Clone, Default)]
pub struct TrustStore {
    anchors: Vec<Cert>,
}

impl TrustStore {
    /// A store of the given anchors.
    pub fn new(anchors: Vec<Cert>) -> Self {
        Self { anchors }
    }
    /// Add an anchor.
    pub fn add(&mut self, c: Cert) {
        if !self.anchors.contains(&c) {
            self.anchors.push(c);
        }
    }
    /// The anchors.
    pub fn anchors(&self) -> &[Cert] {
        &self.anchors
    }
    /// Whether `c` is an anchor (byte-identical).
    pub fn contains(&self, c: &Cert) -> bool {
        self.anchors.iter().any(|a| a == c)
    }
    /// Whether the store is empty.
    pub fn is_empty(&self) -> bool {
        self.anchors.is_empty()
    }
}

/// Options for [`validate_chain`].
#[derive(Debug, Clone)]
pub struct ValidationOptions<'a> {
    /// The time validity is judged at.
    pub at: OffsetDateTime,
    /// Where `at` came from (reported).
    pub time_source: TimeSource,
    /// The current time, for CRL freshness.
    pub now: OffsetDateTime,
    /// The leaf's purpose.
    pub purpose: Purpose,
    /// CRLs to use.
    pub crls: &'a [Crl],
    /// Revocation policy.
    pub revocation: RevocationPolicy,
    /// The oldest CRL accepted (by thisUpdate, before `now`), besides its own nextUpdate.
    pub crl_max_age: Option<time::Duration>,
}

impl ValidationOptions<'_> {
    /// Validate now, for `purpose`, using CRLs when given.
    pub fn now(purpose: Purpose) -> Self {
        let now = OffsetDateTime::now_utc();
        ValidationOptions {
            at: now,
            time_source: TimeSource::Now,
            now,
            purpose,
            crls: &[],
            revocation: RevocationPolicy::IfAvailable,
            crl_max_age: None,
        }
    }
}

/// A certificate in the built chain, for reports.
#[derive(Debug, Clone, Serialize)]
pub struct ChainEntry {
    /// Subject.
    pub subject: String,
    /// Issuer.
    pub issuer: String,
    /// Serial (hex).
    pub serial: String,
    /// Validity start.
    pub not_before: String,
    /// Validity end.
    pub not_after: String,
    /// Whether it is a trust anchor.
    pub trust_anchor: bool,
}

/// The result of [`validate_chain`].
#[derive(Debug, Clone, Serialize)]
pub struct ChainResult {
    /// Overall indication.
    pub indication: Indication,
    /// Why, when not PASSED.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub_indication: Option<SubIndication>,
    /// The time validity was judged at.
    pub validation_time: String,
    /// Where that time came from.
    pub time_source: TimeSource,
    /// The chain, leaf first.
    pub chain: Vec<ChainEntry>,
    /// Every check.
    pub checks: Vec<Check>,
}

/// Validate `leaf` up to an anchor in `trust`, using `intermediates` to build the path.
pub fn validate_chain(
    leaf: &Cert,
    intermediates: &[Cert],
    trust: &TrustStore,
    opts: &ValidationOptions<'_>,
) -> ChainResult {
    let mut checks = Vec::new();
    let (path, anchored) = build_path(leaf, intermediates, trust, &mut checks);

    for (i, cert) in path.iter().enumerate() {
        let who = cert.subject();
        let is_anchor = anchored && i == path.len() - 1;
        let issuer = path.get(i + 1);

        if let Err(e) = &cert.public_key {
            checks.push(
                Check::fail(
                    "cert.public_key",
                    SubIndication::CryptoConstraintsFailure,
                    format!("公钥不是SM2公钥：{e}"),
                    format!("public key is not an SM2 key: {e}"),
                )
                .about(&who),
            );
        }

        if is_anchor {
            checks.push(
                Check::not_applicable("cert.signature", "信任锚，依配置信任", "trust anchor, trusted by configuration")
                    .about(&who),
            );
        } else if let Some(issuer) = issuer {
            checks.push(link_signature(cert, issuer).about(&who));
        }

        checks.push(validity(cert, opts.at, opts.time_source).about(&who));

        if !cert.unknown_critical.is_empty() {
            let list = cert.unknown_critical.join(", ");
            checks.push(
                Check::fail(
                    "cert.critical_extensions",
                    SubIndication::ChainConstraintsFailure,
                    format!("含无法处理的关键扩展：{list}"),
                    format!("unrecognised critical extensions: {list}"),
                )
                .about(&who),
            );
        }

        if i > 0 {
            // `cert` issued path[i-1]: it must be a CA allowed to do so, within its path length.
            let below = path[1..i].iter().filter(|c| !c.is_self_issued()).count();
            checks.push(ca_constraints(cert, below).about(&who));
        }

        if let Some(issuer) = issuer.filter(|_| !is_anchor) {
            checks.push(revocation(cert, issuer, opts).about(&who));
        }
    }

    if let Some(leaf) = path.first() {
        checks.push(purpose(leaf, opts.purpose).about(leaf.subject()));
    }

    let (indication, sub_indication) = conclude(&checks);
    ChainResult {
        indication,
        sub_indication,
        validation_time: format_instant(opts.at),
        time_source: opts.time_source,
        chain: path
            .iter()
            .enumerate()
            .map(|(i, c)| ChainEntry {
                subject: c.subject(),
                issuer: c.issuer(),
                serial: c.serial_hex(),
                not_before: format_instant(c.not_before),
                not_after: format_instant(c.not_after),
                trust_anchor: anchored && i == path.len() - 1,
            })
            .collect(),
        checks,
    }
}

/// Follow issuer names from the leaf to an anchor. Returns the path and whether it ends at one.
fn build_path(leaf: &Cert, intermediates: &[Cert], trust: &TrustStore, checks: &mut Vec<Check>) -> (Vec<Cert>, bool) {
    let mut path = vec![leaf.clone()];
    loop {
        let cur = path.last().cloned().unwrap_or_else(|| leaf.clone());
        if trust.contains(&cur) {
            checks.push(Check::pass(
                "chain.build",
                format!("证书链到达信任锚：{}", cur.subject()),
                format!("chain reaches trust anchor {}", cur.subject()),
            ));
            return (path, true);
        }
        if path.len() >= MAX_CHAIN_LEN {
            checks.push(Check::fail(
                "chain.build",
                SubIndication::ChainConstraintsFailure,
                format!("证书链超过{MAX_CHAIN_LEN}级"),
                format!("chain longer than {MAX_CHAIN_LEN} certificates"),
            ));
            return (path, false);
        }
        // Candidates named as the issuer: anchors first, then intermediates, not already used.
        let candidates: Vec<&Cert> = trust
            .anchors()
            .iter()
            .chain(intermediates.iter())
            .filter(|c| c.subject_der == cur.issuer_der && !path.contains(c))
            .collect();
        let verified = candidates.iter().take(MAX_ISSUER_CANDIDATES).find(|c| signature_ok(&cur, c));
        if verified.is_none() && candidates.len() > MAX_ISSUER_CANDIDATES {
            checks.push(Check::fail(
                "chain.build",
                SubIndication::NoCertificateChainFound,
                format!(
                    "{}张证书自称签发者“{}”：只尝试了前{MAX_ISSUER_CANDIDATES}张，均未签发该证书",
                    candidates.len(),
                    cur.issuer()
                ),
                format!(
                    "{} certificates name the issuer {}: only the first {MAX_ISSUER_CANDIDATES} were tried, and none of them signed this certificate",
                    candidates.len(),
                    cur.issuer()
                ),
            ));
            return (path, false);
        }
        let next = match (verified, candidates.first()) {
            (Some(c), _) => (*c).clone(),
            (None, Some(c)) if !cur.is_self_issued() => (*c).clone(), // reported by cert.signature
            // The issuer is already in the path: certificates that name each other as issuer.
            // Each certificate is used once, so the walk ends here instead of going round.
            _ if path.iter().any(|c| c.subject_der == cur.issuer_der) && !cur.is_self_issued() => {
                checks.push(Check::fail(
                    "chain.build",
                    SubIndication::NoCertificateChainFound,
                    format!("证书链成环：签发者“{}”已在链中", cur.issuer()),
                    format!("certificate loop: the issuer {} is already in the chain", cur.issuer()),
                ));
                return (path, false);
            }
            _ => {
                let (zh, en) = if cur.is_self_issued() {
                    (
                        format!("自签名证书“{}”不在信任锚中", cur.subject()),
                        format!("self-signed certificate {} is not a trust anchor", cur.subject()),
                    )
                } else {
                    (
                        format!("找不到签发者“{}”的证书", cur.issuer()),
                        format!("no certificate found for issuer {}", cur.issuer()),
                    )
                };
                checks.push(Check::fail("chain.build", SubIndication::NoCertificateChainFound, zh, en));
                return (path, false);
            }
        };
        path.push(next);
    }
}

fn signature_ok(cert: &Cert, issuer: &Cert) -> bool {
    link_signature(cert, issuer).outcome == crate::report::Outcome::Passed
}

/// Links whose signature verified, by (SM3 of the certificate, SM3 of the issuer certificate):
/// the check depends on nothing else. A signature over fixed bytes under a fixed key verifies
/// the same way every time, so a verifier that sees the same chains again (every signature of a
/// department) skips the curve arithmetic; each certificate's SM3 is worked out once
/// ([`Cert::sm3`]), so the lookup costs no hashing. Only successes are kept ([`crate::memo`]).
static VERIFIED_LINKS: Memo<(Sm3Digest, Sm3Digest), ()> = Memo::new(16_384, 16_384 * 64);

fn link_signature(cert: &Cert, issuer: &Cert) -> Check {
    let key = (cert.sm3(), issuer.sm3());
    if VERIFIED_LINKS.get(&key).is_some() {
        return Check::pass(
            "cert.signature",
            format!("由“{}”签发，SM2签名有效", issuer.subject()),
            format!("SM2 signature by {} is valid", issuer.subject()),
        );
    }
    let c = link_signature_uncached(cert, issuer);
    if c.outcome == crate::report::Outcome::Passed {
        VERIFIED_LINKS.insert(key, (), 64);
    }
    c
}

fn link_signature_uncached(cert: &Cert, issuer: &Cert) -> Check {
    const ID: &str = "cert.signature";
    if cert.issuer_der != issuer.subject_der {
        return Check::fail(
            ID,
            SubIndication::CertificateChainGeneralFailure,
            format!("签发者名称“{}”与上级证书主题“{}”不符", cert.issuer(), issuer.subject()),
            format!(
                "issuer name {} does not match the issuing certificate's subject {}",
                cert.issuer(),
                issuer.subject()
            ),
        );
    }
    if cert.signature_algorithm != oid::SM2_WITH_SM3 && cert.signature_algorithm != oid::SM2_SIGN {
        return Check::fail(
            ID,
            SubIndication::CryptoConstraintsFailure,
            format!("签名算法{}不是SM2-with-SM3", cert.signature_algorithm),
            format!("signature algorithm {} is not SM2-with-SM3", cert.signature_algorithm),
        );
    }
    if issuer.public_key.is_err() {
        return Check::fail(
            ID,
            SubIndication::CryptoConstraintsFailure,
            "签发者公钥不是SM2公钥",
            "issuer key is not an SM2 key",
        );
    }
    let result = Sm2Signature::from_bytes(&cert.signature).and_then(|sig| issuer.verify_sm2(cert.tbs_der(), &sig));
    match result {
        Ok(()) => Check::pass(
            ID,
            format!("由“{}”签发，SM2签名有效", issuer.subject()),
            format!("SM2 signature by {} is valid", issuer.subject()),
        ),
        Err(e) => Check::fail(
            ID,
            SubIndication::CertificateChainGeneralFailure,
            format!("签发者SM2签名无效：{e}"),
            format!("issuer's SM2 signature is invalid: {e}"),
        ),
    }
}

/// Validity at `at`. Expired at the current time with no proof of a time when it was valid is
/// "cannot tell" (EN 319 102-1 §5.2.6: INDETERMINATE / OUT_OF_BOUNDS_NO_POE): the signature may
/// well have been made while it was valid. Expired at a proven, claimed or given time is FAILED.
fn validity(cert: &Cert, at: OffsetDateTime, source: TimeSource) -> Check {
    const ID: &str = "cert.validity";
    let (nb, na, t) = (format_instant(cert.not_before), format_instant(cert.not_after), format_instant(at));
    if at > cert.not_after && source == TimeSource::Now {
        return Check::indeterminate(
            ID,
            SubIndication::OutOfBoundsNoPoe,
            format!("{t}时已过期（{na}到期），且无时间证明签名早于到期"),
            format!("expired at {t} (valid until {na}), and no proof of existence before that"),
        );
    }
    if at < cert.not_before {
        Check::fail(
            ID,
            SubIndication::NotYetValid,
            format!("{t}时尚未生效（生效于{nb}）"),
            format!("not yet valid at {t} (valid from {nb})"),
        )
    } else if at > cert.not_after {
        Check::fail(
            ID,
            SubIndication::Expired,
            format!("{t}时已过期（{na}到期）"),
            format!("expired at {t} (valid until {na})"),
        )
    } else {
        Check::pass(ID, format!("{t}时在有效期内（{nb}至{na}）"), format!("valid at {t} ({nb} to {na})"))
    }
}

fn ca_constraints(ca: &Cert, certs_below: usize) -> Check {
    const ID: &str = "ca.constraints";
    let sub = SubIndication::ChainConstraintsFailure;
    match ca.basic_constraints {
        None => {
            return Check::fail(
                ID,
                sub,
                "签发者证书缺少basicConstraints扩展，不能作为CA",
                "issuer lacks basicConstraints and cannot act as a CA",
            );
        }
        Some((false, _)) => {
            return Check::fail(
                ID,
                sub,
                "签发者证书的basicConstraints不是CA",
                "issuer's basicConstraints says it is not a CA",
            );
        }
        Some((true, Some(max))) if certs_below > max as usize => {
            return Check::fail(
                ID,
                sub,
                format!("路径长度超限：其下有{certs_below}级中间CA，pathLenConstraint为{max}"),
                format!("path too long: {certs_below} intermediate CA(s) below, pathLenConstraint {max}"),
            );
        }
        Some(_) => {}
    }
    if ca.key_usage.is_some_and(|k| k & ku::KEY_CERT_SIGN == 0) {
        return Check::fail(ID, sub, "签发者证书keyUsage不含keyCertSign", "issuer's keyUsage lacks keyCertSign");
    }
    Check::pass(ID, "CA约束满足", "CA constraints satisfied")
}

fn revocation(cert: &Cert, issuer: &Cert, opts: &ValidationOptions<'_>) -> Check {
    const ID: &str = "cert.revocation";
    let candidates: Vec<&Crl> = opts.crls.iter().filter(|c| c.issuer_der == issuer.subject_der).collect();
    let mut problems = Vec::new();
    let mut usable = None;
    for crl in candidates {
        match crl.verify_issued_by(issuer) {
            Err(e) => problems.push(format!("CRL rejected: {e}")),
            Ok(()) => {
                // Prefer the newest good CRL.
                if usable.is_none_or(|u: &Crl| crl.this_update > u.this_update) {
                    usable = Some(crl);
                }
            }
        }
    }
    let Some(crl) = usable else {
        let detail = if problems.is_empty() { String::new() } else { format!(" ({})", problems.join("; ")) };
        return match opts.revocation {
            RevocationPolicy::Require => Check::indeterminate(
                ID,
                SubIndication::TryLater,
                format!("没有签发者的可用CRL，无法确定是否已吊销{detail}"),
                format!("no usable CRL from the issuer: revocation status unknown{detail}"),
            ),
            RevocationPolicy::IfAvailable => Check::not_applicable(
                ID,
                format!("未提供CRL，未检查吊销状态{detail}"),
                format!("no CRL given: revocation not checked{detail}"),
            ),
        };
    };
    if let Some(entry) = crl.find(&cert.serial) {
        let when = format_instant(entry.date);
        if entry.date <= opts.at {
            return Check::fail(
                ID,
                SubIndication::Revoked,
                format!("证书已于{when}吊销"),
                format!("revoked on {when}"),
            );
        }
        return if opts.time_source == TimeSource::TimeStamp {
            Check::pass(
                ID,
                format!("证书于{when}吊销，晚于时间戳证明的时间"),
                format!("revoked on {when}, after the time-stamped validation time"),
            )
        } else {
            Check::indeterminate(
                ID,
                SubIndication::RevokedNoPoe,
                format!("证书于{when}吊销；无时间戳证明此前已存在"),
                format!("revoked on {when}; no proof of existence before that"),
            )
        };
    }
    // The time the status must be known for: a proven (time-stamped) signing time when there is
    // one, else now. A CRL issued after a proven time, or current at it, shows the status then;
    // a revocation after it does not undo a signature proven earlier (EN 319 102-1 §5.6.2.4).
    let status_at = if opts.time_source == TimeSource::TimeStamp { opts.at.min(opts.now) } else { opts.now };
    if crl.next_update.is_some_and(|n| n < status_at) {
        let next = crl.next_update.map(format_instant).unwrap_or_default();
        return Check::indeterminate(
            ID,
            SubIndication::TryLater,
            format!("CRL已过期（下次更新{next}，早于需确认状态的时间{}）", format_instant(status_at)),
            format!(
                "CRL is stale (nextUpdate {next}, before {}, when the status must be known)",
                format_instant(status_at)
            ),
        );
    }
    if let Some(max) = opts.crl_max_age
        && crl.this_update + max < status_at
    {
        let this = format_instant(crl.this_update);
        return Check::indeterminate(
            ID,
            SubIndication::TryLater,
            format!("CRL发布于{this}，早于验证策略允许的最长时间"),
            format!("CRL of {this} is older than the validation policy allows"),
        );
    }
    if crl.this_update > opts.now {
        return Check::indeterminate(
            ID,
            SubIndication::TryLater,
            "CRL的thisUpdate在未来",
            "CRL thisUpdate is in the future",
        );
    }
    Check::pass(
        ID,
        format!("未列入CRL（{}发布）", format_instant(crl.this_update)),
        format!("not on the CRL of {}", format_instant(crl.this_update)),
    )
}

fn purpose(leaf: &Cert, p: Purpose) -> Check {
    const ID: &str = "cert.purpose";
    let sub = SubIndication::SigConstraintsFailure;
    let has_ku = |bits: u16| leaf.key_usage.is_none_or(|k| k & bits != 0);
    let eku = leaf.ext_key_usage.as_deref();
    match p {
        Purpose::Any => Check::not_applicable(ID, "未要求特定用途", "no purpose required"),
        Purpose::DocumentSigning => {
            if !has_ku(ku::DIGITAL_SIGNATURE | ku::NON_REPUDIATION) {
                return Check::fail(
                    ID,
                    sub,
                    "keyUsage不含digitalSignature或nonRepudiation",
                    "keyUsage has neither digitalSignature nor nonRepudiation",
                );
            }
            if let Some(e) = eku {
                let special = [oid::KP_TIME_STAMPING, "1.3.6.1.5.5.7.3.9"];
                if !e.is_empty() && e.iter().all(|o| special.contains(&o.as_str())) {
                    return Check::fail(
                        ID,
                        sub,
                        format!("extKeyUsage仅限{}，不能签署文档", e.join(",")),
                        format!("extKeyUsage is reserved to {}: not for documents", e.join(",")),
                    );
                }
            }
            Check::pass(ID, "证书可用于签署文档", "certificate fit for document signing")
        }
        Purpose::TimeStamping => {
            match eku {
                Some(e) if e.len() == 1 && e[0] == oid::KP_TIME_STAMPING && leaf.ext_key_usage_critical => {}
                Some(e) if e.iter().any(|o| o == oid::KP_TIME_STAMPING) => {
                    return Check::fail(
                        ID,
                        sub,
                        "时间戳证书的extKeyUsage必须为关键扩展且只含timeStamping",
                        "a TSA certificate's extKeyUsage must be critical and contain only timeStamping",
                    );
                }
                _ => {
                    return Check::fail(
                        ID,
                        sub,
                        "证书extKeyUsage不含timeStamping",
                        "certificate extKeyUsage lacks timeStamping",
                    );
                }
            }
            if !has_ku(ku::DIGITAL_SIGNATURE | ku::NON_REPUDIATION) {
                return Check::fail(
                    ID,
                    sub,
                    "keyUsage不含digitalSignature或nonRepudiation",
                    "keyUsage has neither digitalSignature nor nonRepudiation",
                );
            }
            Check::pass(ID, "证书可用于时间戳", "certificate fit for time stamping")
        }
        Purpose::CertSigning => {
            if leaf.is_ca() && has_ku(ku::KEY_CERT_SIGN) {
                Check::pass(ID, "证书可签发证书", "certificate may issue certificates")
            } else {
                Check::fail(ID, sub, "证书不是可签发证书的CA", "certificate is not a CA allowed to issue certificates")
            }
        }
    }
}
