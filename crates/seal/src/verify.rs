//! Verifying seals and SES_Signatures after GB/T 38540 (see `docs/standards.md` §3):
//!
//! Seal (§3.1): format → maker's signature (v4/v5 over the stored `SES_SealInfo`, v1 over
//! `SEQUENCE { sealInfo, cert, alg }`) → maker certificate chain to a trusted seal authority →
//! seal validity at the validation time → (v5) the seal's time stamp.
//!
//! Signature (§3.2): format → signer's SM2 signature over the stored `TBS_Sign` → signer in the
//! seal's certList (certificate or digest) → the seal as above → signer chain → data hash → time
//! stamp over the signature value, which, when valid, fixes the validation time (proof of
//! existence); its genTime must lie inside every validity window, which the checks at that time
//! establish.
//!
//! Every outcome is a [`Check`] with a stable id; nothing here returns "valid" for what it
//! could not check.

use crate::model::{CertList, Seal, SealVersion, SesSignature, TimeInfo};
use time::OffsetDateTime;
use yinxin_gm::Sm2Signature;
use yinxin_pki::chain::{RevocationPolicy, ValidationOptions, validate_chain};
use yinxin_pki::memo::Memo;
use yinxin_pki::report::{Check, Party, Report, SealSummary, SubIndication, TimeSource};
use yinxin_pki::time::format_instant;
use yinxin_pki::tsp::{TokenExpectations, verify_token};
use yinxin_pki::{Cert, Crl, Policy, Purpose, TrustStore, oid};

/// When validity is judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum At {
    /// Now, unless a valid time stamp proves an earlier time.
    Now,
    /// A time the caller gives (overrides time stamps).
    Given(OffsetDateTime),
    /// The claimed signing time (timeInfo; a seal's createDate), unless a valid time stamp proves
    /// one. The report says the time is only claimed.
    SigningTime,
}

/// What verification trusts and knows.
#[derive(Debug, Clone)]
pub struct VerifyOptions<'a> {
    /// Trust anchors for signer certificates and time-stamp authorities.
    pub trust: &'a TrustStore,
    /// Trust anchors for seal makers (制章机构); `None` means the same as `trust`.
    pub seal_authorities: Option<&'a TrustStore>,
    /// Intermediate certificates.
    pub intermediates: &'a [Cert],
    /// CRLs.
    pub crls: &'a [Crl],
    /// Revocation policy.
    pub revocation: RevocationPolicy,
    /// When to judge validity.
    pub at: At,
    /// The current time.
    pub now: OffsetDateTime,
    /// The validation policy.
    pub policy: &'a Policy,
    /// The SM3 digest of a detached signature's data, when only the digest is at hand (the
    /// service's `POST /v1/verify?data_sm3=`); data given to a verifier takes precedence.
    pub data_sm3: Option<[u8; 32]>,
    /// A proof of existence from outside the object (a later time stamp or evidence record that
    /// covers it): the object's time stamps are judged at its time instead of now, so a TSA
    /// certificate that has expired since still counts (EN 319 102-1 §5.6), and the report names
    /// the proof.
    pub poe: Option<yinxin_pki::report::Poe>,
}

impl<'a> VerifyOptions<'a> {
    /// Judge now, with these anchors, revocation when CRLs are given.
    pub fn new(trust: &'a TrustStore) -> Self {
        Self {
            trust,
            seal_authorities: None,
            intermediates: &[],
            crls: &[],
            revocation: RevocationPolicy::IfAvailable,
            at: At::Now,
            now: OffsetDateTime::now_utc(),
            policy: yinxin_pki::policy::default_policy(),
            data_sm3: None,
            poe: None,
        }
    }
}

const SIG_OIDS: [&str; 2] = [oid::SM2_WITH_SM3, oid::SM2_SIGN];

/// The checks of `cert`'s chain to `anchors` at `at`, for document signing, with the chain's
/// "chain.build" check renamed to `build_id` so the report says whose chain it was.
pub(crate) fn chain_checks(
    cert: &Cert,
    pool: &[Cert],
    anchors: &TrustStore,
    opts: &VerifyOptions<'_>,
    at: OffsetDateTime,
    source: TimeSource,
    build_id: &'static str,
) -> Vec<Check> {
    let vo = ValidationOptions {
        at,
        time_source: source,
        now: opts.now,
        purpose: Purpose::DocumentSigning,
        crls: opts.crls,
        revocation: opts.revocation,
        crl_max_age: opts.policy.crl_max_age(),
    };
    validate_chain(cert, pool, anchors, &vo)
        .checks
        .into_iter()
        .map(|mut c| {
            if c.id == "chain.build" {
                c.id = build_id;
            }
            c
        })
        .collect()
}

/// The summary of a seal for reports.
pub fn summary(seal: &Seal) -> SealSummary {
    let version = serde_json_name(seal.version);
    SealSummary {
        version,
        es_id: seal.es_id.clone(),
        name: seal.property.name.clone(),
        seal_type: seal.property.seal_type,
        vid: seal.header.vid.clone(),
        valid_start: format_instant(seal.property.valid_start),
        valid_end: format_instant(seal.property.valid_end),
        maker: Cert::from_der(&seal.maker_cert).ok().map(|c| Party::of(&c)),
    }
}

fn serde_json_name(v: SealVersion) -> String {
    match v {
        SealVersion::V1 => "GM/T 0031-2014",
        SealVersion::V4 => "GB/T 38540-2020",
        SealVersion::V5 => "GM/T 0031-2025",
    }
    .to_string()
}

/// Verify a stand-alone seal.
pub fn verify_seal(seal: &Seal, opts: &VerifyOptions<'_>) -> Report {
    let mut r = Report::new("seal");
    r.seal = Some(summary(seal));
    let (at, source) = match opts.at {
        At::Given(t) => (t, TimeSource::Caller),
        At::SigningTime => (seal.property.create_date, TimeSource::SignerClaimed),
        At::Now => (opts.now, TimeSource::Now),
    };
    r.validation_time = Some(format_instant(at));
    r.time_source = Some(source);
    r.checks = seal_checks(seal, opts, at, source);
    opts.policy.apply(&mut r);
    r
}

/// Verify a parse result, turning a parse failure into a FAILED report.
pub fn verify_seal_bytes(bytes: &[u8], opts: &VerifyOptions<'_>) -> Report {
    match Seal::parse(bytes) {
        Ok(s) => verify_seal(&s, opts),
        Err(e) => format_failure("seal", &e.to_string()),
    }
}

/// A FAILED report for something that did not parse.
pub fn format_failure(kind: &'static str, msg: &str) -> Report {
    let mut r = Report::new(kind);
    r.checks.push(Check::fail(
        "format",
        SubIndication::FormatFailure,
        format!("结构无法解析：{msg}"),
        format!("does not parse: {msg}"),
    ));
    r.conclude();
    r
}

fn seal_checks(seal: &Seal, opts: &VerifyOptions<'_>, at: OffsetDateTime, source: TimeSource) -> Vec<Check> {
    let mut checks = Vec::new();
    let about = format!("{} ({})", seal.property.name, seal.es_id);

    // 1. Format.
    let mut problems = Vec::new();
    if seal.header.id != "ES" {
        problems.push(format!("header id {:?} is not \"ES\"", seal.header.id));
    }
    match (seal.version, seal.header.version) {
        (SealVersion::V4, 4) | (SealVersion::V5, 5) | (SealVersion::V1, _) => {}
        (v, h) => problems.push(format!("header version {h} does not fit the {v:?} layout")),
    }
    if seal.picture.data.is_empty() {
        problems.push("empty picture".into());
    }
    checks.push(
        if problems.is_empty() {
            Check::pass(
                "seal.format",
                format!("印章结构完整（{}）", serde_json_name(seal.version)),
                format!("seal well formed ({})", serde_json_name(seal.version)),
            )
        } else {
            Check::fail(
                "seal.format",
                SubIndication::FormatFailure,
                format!("印章格式错误：{}", problems.join("; ")),
                format!("seal format: {}", problems.join("; ")),
            )
        }
        .about(&about),
    );

    // 2. The maker's signature.
    let maker = Cert::from_der(&seal.maker_cert);
    checks.push(
        match &maker {
            Err(e) => Check::fail(
                "seal.maker_signature",
                SubIndication::FormatFailure,
                format!("制章者证书无法解析：{e}"),
                format!("maker certificate does not parse: {e}"),
            ),
            Ok(c) => sm2_check(
                "seal.maker_signature",
                &seal.sign_alg,
                c,
                &seal.maker_signed_bytes,
                &seal.signed_value,
                Some(&MAKER_SIGNATURES),
                ("制章者签名", "maker's signature"),
            ),
        }
        .about(&about),
    );

    // 3. The maker's chain, to a trusted seal authority.
    if let Ok(maker) = &maker {
        let anchors = opts.seal_authorities.unwrap_or(opts.trust);
        checks.extend(chain_checks(maker, opts.intermediates, anchors, opts, at, source, "seal.maker_chain"));
    }

    // 4. Validity of the seal itself.
    let (vs, ve, t) =
        (format_instant(seal.property.valid_start), format_instant(seal.property.valid_end), format_instant(at));
    checks.push(
        if at < seal.property.valid_start {
            Check::fail(
                "seal.validity",
                SubIndication::NotYetValid,
                format!("印章在{t}尚未生效（{vs}起）"),
                format!("seal not yet valid at {t} (from {vs})"),
            )
        } else if at > seal.property.valid_end && source == TimeSource::Now {
            // Expired now, perhaps valid when it was used: cannot tell without proof of existence.
            Check::indeterminate(
                "seal.validity",
                SubIndication::OutOfBoundsNoPoe,
                format!("印章在{t}已过期（{ve}止），且无时间证明签章早于到期"),
                format!("seal expired at {t} (valid until {ve}), and no proof of existence before that"),
            )
        } else if at > seal.property.valid_end {
            Check::fail(
                "seal.validity",
                SubIndication::Expired,
                format!("印章在{t}已过期（{ve}止）"),
                format!("seal expired at {t} (valid until {ve})"),
            )
        } else {
            Check::pass(
                "seal.validity",
                format!("印章在{t}有效（{vs}至{ve}）"),
                format!("seal valid at {t} ({vs} to {ve})"),
            )
        }
        .about(&about),
    );

    // 5. v5: the seal's own time stamp over the maker's signature.
    if let Some(token) = &seal.time_stamp {
        let expect = TokenExpectations {
            data: Some(&seal.signed_value),
            nonce: None,
            extra_certs: opts.intermediates,
            crls: opts.crls,
            control: opts.poe.as_ref().map(|p| p.time),
        };
        let tr = verify_token(token, &expect, opts.trust, opts.now);
        let c = match tr.indication {
            yinxin_pki::Indication::Passed => {
                let gt = tr.gen_time.unwrap_or(at);
                if seal.property.create_date > gt + yinxin_pki::tsp::CLOCK_SKEW {
                    Check::fail(
                        "seal.time_stamp",
                        SubIndication::TimestampOrderFailure,
                        "制章时间晚于印章时间戳",
                        "createDate is later than the seal's time stamp",
                    )
                } else {
                    Check::pass("seal.time_stamp", "印章时间戳有效", "the seal's time stamp is valid")
                }
            }
            _ if tr.checks.iter().any(|c| c.id == "tst.format" && c.outcome == yinxin_pki::Outcome::Failed) => {
                Check::indeterminate(
                    "seal.time_stamp",
                    SubIndication::FormatFailure,
                    format!("印章时间戳无法解析（{} 字节），不能作为时间证明", token.len()),
                    format!("the seal's time stamp ({} bytes) does not parse: no proof of time", token.len()),
                )
            }
            ind => Check::indeterminate(
                "seal.time_stamp",
                tr.sub_indication.unwrap_or(SubIndication::TryLater),
                format!("印章时间戳未通过验证（{ind:?}）"),
                format!("the seal's time stamp did not verify ({ind:?})"),
            ),
        };
        checks.push(c.about(&about));
    }
    checks
}

/// Seal makers' signatures that verified, keyed by everything [`sm2_check`] reads for one: the
/// maker certificate, the algorithm, the signed bytes and the signature value, compared in full
/// (length-prefixed, so no two inputs share a key). A seal is made once and then used on every
/// document its holder seals, so its maker's signature (over the seal with its picture) is
/// checked once, not once per document. Only successes are kept; 256 seals, at most 32 MiB.
static MAKER_SIGNATURES: Memo<Vec<u8>, ()> = Memo::new(256, 32 << 20);

/// SM2 over `signed` with the certificate's key (default user ID), accepting the encodings found
/// in the wild and saying so. With `memo`, a signature that verified once over the same bytes
/// passes without the arithmetic. `what` names the signature in Chinese and English.
fn sm2_check(
    id: &'static str,
    alg: &str,
    cert: &Cert,
    signed: &[u8],
    sig: &[u8],
    memo: Option<&Memo<Vec<u8>, ()>>,
    (zh, en): (&str, &str),
) -> Check {
    if !SIG_OIDS.contains(&alg) {
        return Check::fail(
            id,
            SubIndication::CryptoConstraintsFailure,
            format!("{zh}算法{alg}不是SM2"),
            format!("{en} algorithm {alg} is not SM2-with-SM3"),
        );
    }
    if cert.public_key.is_err() {
        return Check::fail(
            id,
            SubIndication::CryptoConstraintsFailure,
            "证书公钥不是SM2公钥",
            "certificate key is not SM2",
        );
    }
    match Sm2Signature::from_bytes_lenient(sig) {
        Err(e) => Check::fail(
            id,
            SubIndication::FormatFailure,
            format!("{zh}值格式错误：{e}"),
            format!("{en} value malformed: {e}"),
        ),
        Ok((s, quirk)) => match verify_remembered(cert, alg, signed, sig, &s, memo) {
            Ok(()) => {
                let note = quirk.map(|q| format!(" (accepted: {q})")).unwrap_or_default();
                Check::pass(id, format!("{zh}有效{note}"), format!("{en} is valid{note}"))
            }
            Err(e) => Check::fail(
                id,
                SubIndication::SigCryptoFailure,
                format!("{zh}无效：{e}"),
                format!("{en} is invalid: {e}"),
            ),
        },
    }
}

/// `cert`'s SM2 verification of `parsed` (the value `sig` as read) over `signed`, looked up in
/// and remembered by `memo` when one is given.
fn verify_remembered(
    cert: &Cert,
    alg: &str,
    signed: &[u8],
    sig: &[u8],
    parsed: &Sm2Signature,
    memo: Option<&Memo<Vec<u8>, ()>>,
) -> yinxin_gm::Result<()> {
    let Some(memo) = memo else {
        return cert.verify_sm2(signed, parsed);
    };
    let mut key = Vec::with_capacity(cert.der().len() + alg.len() + signed.len() + sig.len() + 32);
    for part in [cert.der(), alg.as_bytes(), signed, sig] {
        key.extend_from_slice(&(part.len() as u64).to_be_bytes());
        key.extend_from_slice(part);
    }
    if memo.get(&key).is_some() {
        return Ok(());
    }
    cert.verify_sm2(signed, parsed)?;
    let n = key.len();
    memo.insert(key, (), n);
    Ok(())
}

/// Verify an SES_Signature over `data` (the protected bytes; `None` when not available).
pub fn verify_signature(sig: &SesSignature, data: Option<&[u8]>, opts: &VerifyOptions<'_>) -> Report {
    let mut r = Report::new("ses-signature");
    r.seal = Some(summary(&sig.seal));
    let claimed = sig.time_info.time();
    r.claimed_signing_time = Some(match &sig.time_info {
        TimeInfo::Time(t) => format_instant(*t),
        TimeInfo::Text(s) => s.clone(),
    });
    let signer = Cert::from_der(&sig.signer_cert);
    if let Ok(c) = &signer {
        r.signer = Some(Party::of(c));
    }
    let mut checks = Vec::new();

    // Format.
    let expected_tbs = match sig.version {
        SealVersion::V1 => None,
        SealVersion::V4 => Some(4),
        SealVersion::V5 => Some(5),
    };
    checks.push(match expected_tbs {
        Some(v) if v != sig.tbs_version => Check::fail(
            "sig.format",
            SubIndication::FormatFailure,
            format!("TBS_Sign版本{}与印章版本不符", sig.tbs_version),
            format!("TBS_Sign version {} does not match the seal's", sig.tbs_version),
        ),
        _ => Check::pass("sig.format", "签章结构完整", "signature well formed"),
    });

    // The signature over TBS_Sign.
    checks.push(match &signer {
        Err(e) => Check::fail(
            "sig.signature",
            SubIndication::NoSigningCertificateFound,
            format!("签章者证书无法解析：{e}"),
            format!("signer certificate does not parse: {e}"),
        ),
        Ok(c) => sm2_check(
            "sig.signature",
            &sig.sign_alg,
            c,
            &sig.tbs_raw,
            &sig.signature,
            None,
            ("签章者签名", "signer's signature"),
        ),
    });

    // The signer is one the seal admits.
    checks.push(signer_in_cert_list(sig));

    // The data.
    checks.push(match data.map(|d| yinxin_gm::sm3::sm3(d).0).or(opts.data_sm3) {
        None => Check::indeterminate(
            "sig.data_hash",
            SubIndication::SignedDataNotFound,
            "未提供原文，无法核对摘要",
            "no signed data given: dataHash not checked",
        ),
        Some(h) => {
            if sig.data_hash == h {
                Check::pass("sig.data_hash", "原文SM3摘要一致", "SM3 of the data matches dataHash")
            } else {
                Check::fail(
                    "sig.data_hash",
                    SubIndication::HashFailure,
                    "原文摘要与dataHash不符",
                    "the data's SM3 does not match dataHash",
                )
            }
        }
    });

    // The time stamp over the signature value fixes the time, when it verifies.
    let mut proven = None;
    if let Some(token) = &sig.time_stamp {
        let expect = TokenExpectations {
            data: Some(&sig.signature),
            nonce: None,
            extra_certs: opts.intermediates,
            crls: opts.crls,
            control: opts.poe.as_ref().map(|p| p.time),
        };
        let tr = verify_token(token, &expect, opts.trust, opts.now);
        r.time_stamp = tr.info.clone();
        r.poe = opts.poe.clone();
        match tr.indication {
            yinxin_pki::Indication::Passed => {
                let gt = tr.gen_time.unwrap_or(opts.now);
                proven = Some(gt);
                checks.push(Check::pass(
                    "sig.time_stamp",
                    format!("时间戳有效，时间{}", format_instant(gt)),
                    format!("time stamp valid, genTime {}", format_instant(gt)),
                ));
            }
            _ => checks.push(time_stamp_unproven(&tr)),
        }
    } else if let Some(p) = &opts.poe {
        // No time stamp of its own, but a later stamp over the document proves it existed then:
        // that is its best signature time (EN 319 102-1 §5.6.2.1).
        proven = Some(p.time);
        r.poe = Some(p.clone());
        checks.push(poe_in_place_of_time_stamp(p));
    } else {
        checks.push(Check::not_applicable(
            "sig.time_stamp",
            "无时间戳：签章时间仅为签章者声称",
            "no time stamp: the signing time is only claimed",
        ));
    }

    let (at, source) = match (opts.at, proven, claimed) {
        (At::Given(t), _, _) => (t, TimeSource::Caller),
        (_, Some(t), _) => (t, TimeSource::TimeStamp),
        (At::SigningTime, None, Some(t)) => (t, TimeSource::SignerClaimed),
        _ => (opts.now, TimeSource::Now),
    };
    r.validation_time = Some(format_instant(at));
    r.time_source = Some(source);

    // The times the signature states, whatever time validity is judged at.
    checks.extend(signing_time_checks(
        claimed,
        proven,
        at,
        source,
        signer.as_ref().ok(),
        Some(&sig.seal),
        opts.policy.tolerance(),
    ));

    // The signer's chain at that time.
    if let Ok(c) = &signer {
        checks.extend(chain_checks(c, opts.intermediates, opts.trust, opts, at, source, "sig.signer_chain"));
    }

    // The seal at that time.
    checks.extend(seal_checks(&sig.seal, opts, at, source));
    r.checks = checks;
    opts.policy.apply(&mut r);
    r
}

/// The times a signature states, checked whatever time validity is judged at:
/// - GB/T 38540-2020 §7.3: at the claimed signing time (`timeInfo`, `signingTime`) the seal and
///   the signer's certificate are valid (`sig.signing_time`; FAILED / EXPIRED or NOT_YET_VALID:
///   the signer's own statement puts the signature outside them);
/// - EN 319 102-1 §5.6.2.3: a time stamp does not precede the signing time it proves
///   (`sig.time_order`), and a claimed signing time does not lie after the validation time
///   (`sig.time_plausible`); both INDETERMINATE / TIMESTAMP_ORDER_FAILURE.
///
/// Differences up to `tolerance` (the policy's clock tolerance) are not findings.
pub(crate) fn signing_time_checks(
    claimed: Option<OffsetDateTime>,
    proven: Option<OffsetDateTime>,
    at: OffsetDateTime,
    source: TimeSource,
    signer: Option<&Cert>,
    seal: Option<&Seal>,
    tolerance: time::Duration,
) -> Vec<Check> {
    let mut checks = Vec::new();
    let Some(c) = claimed else {
        return checks;
    };
    let ct = format_instant(c);
    if let Some(g) = proven
        && c > g + tolerance
    {
        checks.push(Check::indeterminate(
            "sig.time_order",
            SubIndication::TimestampOrderFailure,
            format!("声称的签名时间{ct}晚于时间戳时间{}", format_instant(g)),
            format!("the claimed signing time {ct} is later than the time stamp's {}", format_instant(g)),
        ));
    }
    let mut windows: Vec<(&str, &str, OffsetDateTime, OffsetDateTime)> = Vec::new();
    if let Some(s) = seal {
        windows.push(("印章", "the seal", s.property.valid_start, s.property.valid_end));
    }
    if let Some(cert) = signer {
        windows.push(("签名者证书", "the signer's certificate", cert.not_before, cert.not_after));
    }
    let outside = windows.iter().find_map(|(zh, en, from, to)| {
        let (f, t) = (format_instant(*from), format_instant(*to));
        if c + tolerance < *from {
            Some(Check::fail(
                "sig.signing_time",
                SubIndication::NotYetValid,
                format!("声称的签名时间{ct}早于{zh}有效期（{f}至{t}）"),
                format!("the claimed signing time {ct} is before {en} was valid ({f} to {t})"),
            ))
        } else if c > *to + tolerance {
            Some(Check::fail(
                "sig.signing_time",
                SubIndication::Expired,
                format!("声称的签名时间{ct}晚于{zh}有效期（{f}至{t}）"),
                format!("the claimed signing time {ct} is after {en} expired ({f} to {t})"),
            ))
        } else {
            None
        }
    });
    checks.push(outside.unwrap_or_else(|| {
        let what_zh: Vec<&str> = windows.iter().map(|w| w.0).collect();
        let what_en: Vec<&str> = windows.iter().map(|w| w.1).collect();
        Check::pass(
            "sig.signing_time",
            format!("声称的签名时间{ct}在{}有效期内", what_zh.join("和")),
            format!("the claimed signing time {ct} lies within the validity of {}", what_en.join(" and ")),
        )
    }));
    if matches!(source, TimeSource::Now | TimeSource::Caller) && c > at + tolerance {
        checks.push(Check::indeterminate(
            "sig.time_plausible",
            SubIndication::TimestampOrderFailure,
            format!("声称的签名时间{ct}晚于验证时间{}", format_instant(at)),
            format!("the claimed signing time {ct} is later than the validation time {}", format_instant(at)),
        ));
    }
    checks
}

/// Parse and verify, turning a parse failure into a FAILED report.
pub fn verify_signature_bytes(bytes: &[u8], data: Option<&[u8]>, opts: &VerifyOptions<'_>) -> Report {
    match SesSignature::parse(bytes) {
        Ok(s) => verify_signature(&s, data, opts),
        Err(e) => format_failure("ses-signature", &e.to_string()),
    }
}

/// GB/T 38540-2020 §7.3 makes a signer outside the seal's certList a final failure: the seal
/// admits only the certificates it lists.
const CERT_LIST_CLAUSE: &str =
    "GB/T 38540-2020 §7.3 (the signer's certificate must match the seal's certList): a final failure";

fn signer_in_cert_list(sig: &SesSignature) -> Check {
    const ID: &str = "sig.signer_in_cert_list";
    match &sig.seal.property.cert_list {
        CertList::Certs(certs) => {
            if certs.contains(&sig.signer_cert) {
                Check::pass(ID, "签章者证书在印章的证书列表中", "the signer certificate is in the seal's certList")
            } else {
                Check::fail_by(
                    ID,
                    SubIndication::SigConstraintsFailure,
                    CERT_LIST_CLAUSE,
                    "签章者证书不在印章的证书列表中",
                    "the signer certificate is not in the seal's certList",
                )
            }
        }
        CertList::Digests(digests) => {
            let found = digests.iter().any(|(kind, value)| {
                let k = kind.to_ascii_lowercase();
                let d = if k.contains("sm3") || k == oid::SM3 {
                    Some(yinxin_gm::sm3::sm3(&sig.signer_cert).0.to_vec())
                } else if k.contains("sha256") || k.contains("sha-256") || k == oid::SHA256 {
                    Some(yinxin_pki::tsp::HashAlg::Sha256.digest(&sig.signer_cert))
                } else {
                    None
                };
                d.as_deref() == Some(value.as_slice())
            });
            if found {
                Check::pass(
                    ID,
                    "签章者证书摘要在印章的证书摘要列表中",
                    "the signer certificate's digest is in the seal's certDigestList",
                )
            } else {
                Check::fail_by(
                    ID,
                    SubIndication::SigConstraintsFailure,
                    CERT_LIST_CLAUSE,
                    "签章者证书摘要不在印章的证书摘要列表中",
                    "the signer certificate's digest is not in the seal's certDigestList",
                )
            }
        }
        CertList::Malformed(why) => Check::fail_by(
            ID,
            SubIndication::SigConstraintsFailure,
            CERT_LIST_CLAUSE,
            format!("印章证书列表无法解析：{why}"),
            format!("the seal's certList is malformed: {why}"),
        ),
    }
}

/// The check for a time-stamp token that did not pass: FAILED when the token was read and is
/// wrong, INDETERMINATE when it could not be read or its validity cannot be decided yet. Shared
/// by SES signatures and GM/T 0010 signed data.
/// The `sig.time_stamp` check of a signature with no time stamp of its own whose existence a
/// later proof (a document or package time stamp, an evidence record) establishes.
pub(crate) fn poe_in_place_of_time_stamp(p: &yinxin_pki::report::Poe) -> Check {
    let t = format_instant(p.time);
    Check::pass(
        "sig.time_stamp",
        format!("签名本身无时间戳；{}证明其在{t}前已存在", p.by),
        format!("no time stamp of its own; {} proves it existed by {t}", p.by),
    )
}

pub(crate) fn time_stamp_unproven(tr: &yinxin_pki::tsp::TokenReport) -> Check {
    let parsed = !tr.checks.iter().any(|c| c.id == "tst.format" && c.outcome == yinxin_pki::Outcome::Failed);
    let sub = if parsed { tr.sub_indication.unwrap_or(SubIndication::TryLater) } else { SubIndication::FormatFailure };
    let why: Vec<String> = tr
        .checks
        .iter()
        .filter(|c| c.outcome != yinxin_pki::Outcome::Passed && c.outcome != yinxin_pki::Outcome::NotApplicable)
        .map(|c| c.reason_en.clone())
        .collect();
    let why = why.join("; ");
    if tr.indication == yinxin_pki::Indication::Failed && parsed {
        Check::fail("sig.time_stamp", sub, format!("时间戳无效：{why}"), format!("time stamp invalid: {why}"))
    } else {
        Check::indeterminate(
            "sig.time_stamp",
            sub,
            format!("时间戳不能证明时间：{why}"),
            format!("time stamp proves no time: {why}"),
        )
    }
}
