//! The verifier: a token against a trust bundle, with no network.

use crate::bundle::{Bundle, Issuer};
use crate::credential::{Commitment, Credential, Disclosure};
use crate::status::{Bits, SignedStatusList, Status};
use crate::{CLOCK_SKEW, MAX_TOKEN_LIFETIME, MIN_STATUS_ENTRIES, key_id, token};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use time::OffsetDateTime;
use yinxin_gm::{Sm2Verifier, UserId, default_provider};
use yinxin_pki::chain::{Purpose, RevocationPolicy, ValidationOptions, validate_chain};
use yinxin_pki::report::{Check, Indication, Outcome, Report, SubIndication, TimeSource};

/// A disclosed field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Field {
    /// Claim name.
    pub name: String,
    /// Value.
    pub value: String,
}

/// What the credential says about the licence (shown with the verdict).
#[derive(Debug, Clone, Serialize)]
pub struct LicenceSummary {
    /// Type code.
    pub type_code: String,
    /// Type name.
    pub type_name: String,
    /// Issuer's USCC (from the bundle).
    pub issuer_code: String,
    /// Issuer's name (from the bundle).
    pub issuer_name: String,
    /// Valid from (RFC 3339, China Standard Time).
    pub valid_from: String,
    /// Valid until (RFC 3339, China Standard Time), absent for 长期.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
    /// Credential serial (hex).
    pub serial: String,
}

/// What the status list said.
#[derive(Debug, Clone, Serialize)]
pub struct StatusSummary {
    /// The entry, when the list could be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// When the list was made (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub list_issued_at: Option<String>,
    /// Its age in seconds at the verification time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub age_seconds: Option<i64>,
    /// Whether it was past its expiry.
    pub stale: bool,
}

/// The verdict on one token.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    /// The report (kind `presentation`).
    pub report: Report,
    /// The fields the holder chose to show — only when the token is PASSED or INDETERMINATE
    /// and its disclosures matched their digests.
    pub disclosed: Vec<Field>,
    /// The licence, when the credential could be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub licence: Option<LicenceSummary>,
    /// The status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<StatusSummary>,
    /// Token issued at and expiry (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_time: Option<(String, String)>,
}

impl Verdict {
    /// The overall indication.
    pub fn indication(&self) -> Indication {
        self.report.indication
    }
}

struct IssuerState {
    issuer: Issuer,
    verifier: Option<Box<dyn Sm2Verifier>>,
    chain_checks: Vec<Check>,
    chain_indication: Indication,
}

struct ListState {
    list: SignedStatusList,
    bits: Result<Bits, Check>,
}

/// A verifier over one bundle. Building one validates the issuers' chains and the status lists'
/// signatures once; each token then costs two SM2 verifications and a few SM3s.
pub struct Verifier {
    issuers: HashMap<[u8; 8], IssuerState>,
    lists: HashMap<([u8; 8], u32), ListState>,
    log: Option<crate::bundle::LogHead>,
    type_names: std::collections::BTreeMap<String, String>,
}

/// A Unix time as RFC 3339 in UTC.
fn rfc3339(t: i64) -> String {
    at_offset(t, time::UtcOffset::UTC)
}

/// A licence date, shown in China Standard Time (the dates printed on the licence).
fn cst(t: i64) -> String {
    at_offset(t, time::macros::offset!(+8))
}

fn at_offset(t: i64, offset: time::UtcOffset) -> String {
    OffsetDateTime::from_unix_timestamp(t)
        .ok()
        // checked: an offset past year 9999 would panic, and these times come from unsigned input.
        .and_then(|t| t.checked_to_offset(offset))
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_else(|| t.to_string())
}

fn age_text(secs: i64) -> (String, String) {
    let (n, zh, en) = if secs >= 86_400 {
        (secs / 86_400, "天", "days")
    } else if secs >= 3_600 {
        (secs / 3_600, "小时", "hours")
    } else if secs >= 60 {
        (secs / 60, "分钟", "minutes")
    } else {
        (secs, "秒", "seconds")
    };
    (format!("{n}{zh}"), format!("{n} {en}"))
}

impl Verifier {
    /// Prepare a verifier for `bundle`, judging certificate validity at `now`.
    pub fn new(bundle: &Bundle, now: OffsetDateTime) -> Self {
        let opts = ValidationOptions {
            at: now,
            time_source: TimeSource::Now,
            now,
            purpose: Purpose::DocumentSigning,
            crls: &bundle.crls,
            revocation: RevocationPolicy::IfAvailable,
            crl_max_age: None,
        };
        let mut issuers = HashMap::new();
        for i in &bundle.issuers {
            let chain = validate_chain(&i.cert, &bundle.intermediates, &bundle.trust, &opts);
            let verifier =
                i.cert.public_key.as_ref().ok().and_then(|k| default_provider().sm2_verifier(k, UserId::DEFAULT).ok());
            issuers.insert(
                i.kid,
                IssuerState {
                    issuer: i.clone(),
                    verifier,
                    chain_checks: chain.checks,
                    chain_indication: chain.indication,
                },
            );
        }
        let signer_chain = validate_chain(&bundle.status_signer, &bundle.intermediates, &bundle.trust, &opts);
        let signer_kid = key_id(bundle.status_signer.der());
        let signer_key = bundle
            .status_signer
            .public_key
            .as_ref()
            .ok()
            .and_then(|k| default_provider().sm2_verifier(k, UserId::DEFAULT).ok());
        let mut lists = HashMap::new();
        for l in &bundle.status_lists {
            let bits = if signer_chain.indication != Indication::Passed {
                Err(Check::indeterminate(
                    "status.signature",
                    SubIndication::TryLater,
                    "状态列表签名者的证书链未通过验证",
                    "the status-list signer's certificate does not chain to a trusted root",
                ))
            } else if l.signer_kid != signer_kid
                || signer_key.as_ref().is_none_or(|k| l.verify_signature(k.as_ref()).is_err())
            {
                Err(Check::indeterminate(
                    "status.signature",
                    SubIndication::TryLater,
                    "状态列表签名无效，无法确定证照状态",
                    "the status list's signature does not verify, so the licence's status is unknown",
                ))
            } else if l.body.entries < MIN_STATUS_ENTRIES {
                Err(Check::indeterminate(
                    "status.length",
                    SubIndication::TryLater,
                    format!("状态列表只有{}项，少于隐私所需的{MIN_STATUS_ENTRIES}项", l.body.entries),
                    format!(
                        "the status list has {} entries, fewer than the {MIN_STATUS_ENTRIES} privacy needs",
                        l.body.entries
                    ),
                ))
            } else {
                l.bits().map_err(|e| {
                    Check::indeterminate(
                        "status.format",
                        SubIndication::TryLater,
                        format!("状态列表无法读取：{e}"),
                        format!("the status list cannot be read: {e}"),
                    )
                })
            };
            lists.insert((l.body.issuer_kid, l.body.list), ListState { list: l.clone(), bits });
        }
        Self { issuers, lists, log: bundle.log.clone(), type_names: bundle.type_names.clone() }
    }

    /// The transparency-log size this verifier trusts: that of the checkpoint its bundle
    /// carries (None for a bundle without one). Entries at or beyond it are newer than the
    /// bundle, and a proof to a smaller tree is older.
    pub fn log_size(&self) -> Option<u64> {
        self.log.as_ref().map(|l| l.size)
    }

    /// The checkpoint its bundle carries.
    pub fn log_checkpoint(&self) -> Option<&crate::bundle::LogHead> {
        self.log.as_ref()
    }

    /// Verify a token's QR text at `now`; `nonce` is the one this verifier asked the holder to
    /// include, if any.
    pub fn verify(&self, text: &str, now: OffsetDateTime, nonce: Option<&str>) -> Verdict {
        let mut report = Report::new("presentation");
        report.validation_time = Some(rfc3339(now.unix_timestamp()));
        report.time_source = Some(TimeSource::Now);
        let mut v = Verdict { report, disclosed: Vec::new(), licence: None, status: None, token_time: None };
        self.run(text, now.unix_timestamp(), nonce, &mut v);
        v.report.conclude();
        if v.report.indication == Indication::Failed {
            // A failed token's fields are not evidence of anything: show none.
            v.disclosed.clear();
        }
        v
    }

    fn run(&self, text: &str, now: i64, nonce: Option<&str>, v: &mut Verdict) {
        let checks = &mut v.report.checks;
        let fail_format = |checks: &mut Vec<Check>, e: &dyn std::fmt::Display| {
            checks.push(Check::fail(
                "token.format",
                SubIndication::FormatFailure,
                format!("出示码无法读取：{e}"),
                format!("the presentation cannot be read: {e}"),
            ))
        };
        let tok = match token::decode(text) {
            Ok(t) => t,
            Err(e) => return fail_format(checks, &e),
        };
        let cred = match Credential::parse(&tok.presentation.credential) {
            Ok(c) if c.body.format != tok.presentation.format => {
                let e = format!(
                    "a format-{} credential in a format-{} presentation",
                    c.body.format, tok.presentation.format
                );
                return fail_format(checks, &e);
            }
            Ok(c) => c,
            Err(e) => return fail_format(checks, &e),
        };
        checks.push(Check::pass("token.format", "出示码格式正确", "the presentation is well formed"));
        let p = &tok.presentation;
        v.token_time = Some((rfc3339(p.iat), rfc3339(p.exp)));

        // The issuer: in the bundle, with a valid chain, authorised for the type.
        let Some(issuer) = self.issuers.get(&cred.body.issuer_kid) else {
            checks.push(Check::fail(
                "credential.issuer",
                SubIndication::NoCertificateChainFound,
                "签发机关不在信任包中",
                "the issuing department is not in the trust bundle",
            ));
            return;
        };
        let e = &issuer.issuer.entry;
        // Format 1 carries the type's name; format 2 leaves it to the bundle.
        let type_name = cred
            .body
            .type_name
            .clone()
            .or_else(|| self.type_names.get(&cred.body.type_code).cloned())
            .unwrap_or_else(|| cred.body.type_code.clone());
        v.licence = Some(LicenceSummary {
            type_code: cred.body.type_code.clone(),
            type_name: type_name.clone(),
            issuer_code: e.code.clone(),
            issuer_name: e.name.clone(),
            valid_from: cst(cred.body.valid_from),
            valid_until: cred.body.valid_until.map(cst),
            serial: hex::encode(cred.body.serial),
        });
        checks.push(
            Check::pass("credential.issuer", "签发机关在信任包中", "the issuing department is in the trust bundle")
                .about(&e.name),
        );
        if issuer.chain_indication == Indication::Passed {
            checks.push(
                Check::pass("credential.chain", "签发机关证书链有效", "the issuer's certificate chain is valid")
                    .about(&e.name),
            );
        } else {
            let worst = issuer
                .chain_checks
                .iter()
                .find(|c| c.outcome == Outcome::Failed)
                .or_else(|| issuer.chain_checks.iter().find(|c| c.outcome == Outcome::Indeterminate));
            let (zh, en, sub) =
                worst.map(|c| (c.reason_zh.clone(), c.reason_en.clone(), c.sub_indication)).unwrap_or_default();
            let sub = sub.unwrap_or(SubIndication::CertificateChainGeneralFailure);
            checks.push(if issuer.chain_indication == Indication::Failed {
                Check::fail(
                    "credential.chain",
                    sub,
                    format!("签发机关证书链无效：{zh}"),
                    format!("the issuer's chain is not valid: {en}"),
                )
            } else {
                Check::indeterminate(
                    "credential.chain",
                    sub,
                    format!("签发机关证书链无法确认：{zh}"),
                    format!("the issuer's chain cannot be confirmed: {en}"),
                )
            });
        }
        if !e.types.iter().any(|t| t == &cred.body.type_code) {
            checks.push(Check::fail_by(
                "credential.type",
                SubIndication::SigConstraintsFailure,
                "the trust bundle's issuer list: a department issues only the licence types it is authorised for",
                format!("信任包未授权该机关签发{type_name}"),
                format!("the trust bundle does not authorise this department to issue {}", cred.body.type_code),
            ));
        }
        match issuer.verifier.as_ref().map(|k| cred.verify_signature(k.as_ref())) {
            Some(Ok(())) => {
                checks.push(Check::pass("credential.signature", "签发机关签名有效", "the issuer's signature is valid"))
            }
            _ => {
                checks.push(Check::fail(
                    "credential.signature",
                    SubIndication::SigCryptoFailure,
                    "签发机关签名无效：凭证被改动或伪造",
                    "the issuer's signature does not verify: the credential was altered or forged",
                ));
                return;
            }
        }
        if now < cred.body.valid_from {
            checks.push(Check::fail(
                "credential.validity",
                SubIndication::NotYetValid,
                "证照尚未生效",
                "the licence is not yet in force",
            ));
        } else if cred.body.valid_until.is_some_and(|u| now > u) {
            checks.push(Check::fail(
                "credential.validity",
                SubIndication::Expired,
                "证照已过有效期",
                "the licence has expired",
            ));
        } else {
            checks.push(Check::pass("credential.validity", "证照在有效期内", "the licence is within its validity"));
        }

        // The device: its signature binds the presentation to the key the credential names.
        let device_ok = tok
            .signature()
            .ok()
            .and_then(|sig| default_provider().sm2_verify(&cred.body.device_key, UserId::DEFAULT, &p.bytes, &sig).ok())
            .is_some();
        if device_ok {
            checks.push(Check::pass(
                "token.device_signature",
                "持证设备签名有效",
                "the holder device's signature is valid",
            ));
        } else {
            checks.push(Check::fail(
                "token.device_signature",
                SubIndication::SigCryptoFailure,
                "持证设备签名无效：出示码不是由凭证绑定的设备生成的",
                "the device signature does not verify: the code was not made by the device the credential is bound to",
            ));
            return;
        }

        // Freshness: a screenshot or a recording replays an expired code.
        if p.exp - p.iat > MAX_TOKEN_LIFETIME || p.exp < p.iat {
            checks.push(Check::fail_by(
                "token.freshness",
                SubIndication::TimestampOrderFailure,
                "亮证 presentation format (crates/present): a code lives at most MAX_TOKEN_LIFETIME seconds",
                format!("出示码有效期为{}秒，超过允许的{MAX_TOKEN_LIFETIME}秒", p.exp - p.iat),
                format!("the code claims to live {} s, longer than the {MAX_TOKEN_LIFETIME} s allowed", p.exp - p.iat),
            ));
        } else if p.iat > now + CLOCK_SKEW {
            checks.push(Check::fail(
                "token.freshness",
                SubIndication::NotYetValid,
                "出示码的生成时间在未来：请核对手机时间",
                "the code was made in the future: check the phone's clock",
            ));
        } else if now > p.exp + CLOCK_SKEW {
            let (zh, en) = age_text(now - p.exp);
            checks.push(Check::fail(
                "token.freshness",
                SubIndication::Expired,
                format!("出示码已过期{zh}：可能是截图或录屏，请持证人现场刷新"),
                format!("the code expired {en} ago: possibly a screenshot or recording; ask the holder to refresh it"),
            ));
        } else {
            checks.push(Check::pass("token.freshness", "出示码在有效时间内", "the code is fresh"));
        }
        match (nonce, p.nonce.as_deref()) {
            (None, _) => checks.push(Check::not_applicable(
                "token.nonce",
                "核验方未要求核验码，仅以有效时间防重放",
                "the verifier asked for no nonce; replay is limited by the expiry only",
            )),
            (Some(want), Some(got)) if want == got => {
                checks.push(Check::pass("token.nonce", "核验码一致", "the nonce matches"))
            }
            (Some(_), _) => checks.push(Check::fail_by(
                "token.nonce",
                SubIndication::SigConstraintsFailure,
                "亮证 presentation format: a code requested with a nonce carries it, signed by the device (ISO/IEC 18013-5 reader binding)",
                "核验码不一致：出示码不是为本次核验生成的",
                "the nonce does not match: the code was not made for this check",
            )),
        }

        // Disclosures: each committed to by the credential (one of its digests in format 1, a
        // leaf of its claim tree in format 2), each name once.
        let mut names = HashSet::new();
        let mut fields = Vec::new();
        let mut bad = None;
        let mut leaves = Vec::new();
        for (i, d) in p.disclosures.iter().enumerate() {
            match Disclosure::parse(d) {
                Ok(d) if !names.insert(d.name.clone()) => {
                    bad = Some(format!("{} (twice)", d.name));
                    break;
                }
                Ok(d) => {
                    match &cred.body.claims {
                        Commitment::Digests(digests) if !digests.contains(&d.digest()) => {
                            bad = Some(d.name.clone());
                            break;
                        }
                        Commitment::Digests(_) => {}
                        Commitment::Tree { .. } => leaves.push((p.positions[i], d.leaf())),
                    }
                    fields.push(Field { name: d.name, value: d.value });
                }
                Err(e) => {
                    bad = Some(e.to_string());
                    break;
                }
            }
        }
        if bad.is_none()
            && let Commitment::Tree { leaves: n, root } = &cred.body.claims
        {
            match crate::merkle::verify(*n, &leaves, &p.proof) {
                Ok(r) if r == *root => {}
                Ok(_) => bad = Some("claim tree".into()),
                Err(e) => bad = Some(e.to_string()),
            }
        }
        if let Some(which) = bad {
            checks.push(Check::fail(
                "disclosure.digest",
                SubIndication::HashFailure,
                format!("出示的信息与凭证不符（{which}）：内容被改动"),
                format!("a shown field does not match the credential ({which}): it was altered"),
            ));
            return;
        }
        checks.push(Check::pass(
            "disclosure.digest",
            format!("出示的{}项信息与凭证一致", fields.len()),
            format!("the {} shown fields match the credential", fields.len()),
        ));
        v.disclosed = fields;

        // Status.
        let st = cred.body.status;
        let Some(list) = self.lists.get(&(cred.body.issuer_kid, st.list)) else {
            v.status = Some(StatusSummary { status: None, list_issued_at: None, age_seconds: None, stale: false });
            checks.push(Check::indeterminate(
                "status.list",
                SubIndication::TryLater,
                "信任包中没有该证照的状态列表，无法确定是否被吊销：请更新信任包",
                "the trust bundle has no status list for this licence, so revocation cannot be ruled out: update the bundle",
            ));
            return;
        };
        let age = now - list.list.body.issued_at;
        let stale = now > list.list.body.expires_at;
        let mut summary = StatusSummary {
            status: None,
            list_issued_at: Some(rfc3339(list.list.body.issued_at)),
            age_seconds: Some(age),
            stale,
        };
        let bits = match &list.bits {
            Ok(b) => b,
            Err(c) => {
                checks.push(c.clone());
                v.status = Some(summary);
                return;
            }
        };
        if stale {
            let (zh, en) = age_text(age);
            let (ezh, een) = age_text(now - list.list.body.expires_at);
            checks.push(Check::indeterminate(
                "status.freshness",
                SubIndication::TryLater,
                format!("状态列表已过期（生成于{zh}前，过期{ezh}），无法确认证照当前状态：请联网更新信任包"),
                format!("the status list is stale (made {en} ago, expired {een} ago): the licence's current status is unknown; update the bundle"),
            ));
            v.status = Some(summary);
            return;
        }
        let Some(s) = bits.get(st.index) else {
            checks.push(Check::indeterminate(
                "status.index",
                SubIndication::TryLater,
                "凭证的状态序号超出状态列表范围",
                "the credential's status index is beyond the status list",
            ));
            v.status = Some(summary);
            return;
        };
        summary.status = Some(s);
        v.status = Some(summary);
        let (zh_age, en_age) = age_text(age.max(0));
        match s {
            Status::Valid => checks.push(Check::pass(
                "status",
                format!("证照状态正常（状态列表生成于{zh_age}前）"),
                format!("the licence is in force (status list made {en_age} ago)"),
            )),
            Status::Revoked => checks.push(Check::fail(
                "status",
                SubIndication::Revoked,
                "证照已被吊销或注销",
                "the licence has been revoked",
            )),
            Status::Superseded => checks.push(Check::fail(
                "status",
                SubIndication::Revoked,
                "证照已换发新版本，本版本失效",
                "the licence was replaced by a newer version; this one is no longer in force",
            )),
            Status::Suspended => checks.push(Check::indeterminate(
                "status",
                SubIndication::TryLater,
                "证照已被暂扣（暂停使用）",
                "the licence is suspended",
            )),
        }
    }
}
