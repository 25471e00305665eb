//! Verification: an uploaded file, or a licence by identifier → the shared report with the
//! licence's live status folded in, and a receipt signed by the service (SM2) that the caller
//! can keep as evidence.

use crate::app::{App, Caller, Path, Query, Upload, random_hex, safe_name};
use crate::problem::{ApiResult, Problem};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};
use serde_json::json;
use yinxin_gm::sm3::sm3;
use yinxin_pki::Indication;
use yinxin_pki::chain::RevocationPolicy;
use yinxin_pki::report::{Check, Report, SubIndication};
use yinxin_seal::verify::{At, VerifyOptions};
use yinxin_store::repo;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct VerifyQuery {
    name: Option<String>,
    /// SM3 (64 hex digits) of a detached signature's data, so a detached SES signature or GM/T
    /// 0010 signed data can be checked without uploading the data.
    data_sm3: Option<String>,
}

/// A signed receipt (the form is [`crate::receipt`]'s).
#[derive(Serialize)]
pub struct Receipt {
    /// The signed text (base64 of UTF-8 JSON): what was verified, when, the verdict and the
    /// report's SM3.
    payload: String,
    /// SM2 signature (DER, base64) over the payload bytes, user ID 1234567812345678.
    signature: String,
    /// The service's certificate (PEM).
    certificate: String,
}

fn indication_name(i: Indication) -> &'static str {
    match i {
        Indication::Passed => "PASSED",
        Indication::Failed => "FAILED",
        Indication::Indeterminate => "INDETERMINATE",
    }
}

/// Fold the licence's live status (and a 加注件's expiry) into the report.
fn status_check(l: &repo::Licence) -> Check {
    let reason = l.status_reason.clone().unwrap_or_default();
    match l.status.as_str() {
        "valid" => Check::pass(
            "licence.status",
            format!("证照 {} 状态有效", l.identifier),
            format!("licence {} is valid", l.identifier),
        ),
        "revoked" => Check::fail(
            "licence.status",
            SubIndication::Revoked,
            format!("证照 {} 已撤销：{reason}", l.identifier),
            format!("licence {} was revoked: {reason}", l.identifier),
        ),
        "suspended" => Check::indeterminate(
            "licence.status",
            SubIndication::TryLater,
            format!("证照 {} 已暂停使用：{reason}", l.identifier),
            format!("licence {} is suspended: {reason}", l.identifier),
        ),
        other => Check::fail_by(
            "licence.status",
            SubIndication::SigConstraintsFailure,
            "the issuing service's licence register: a superseded version is no longer in force",
            format!("证照 {} 已被新版本替代（{}）", l.identifier, l.superseded_by.clone().unwrap_or_default()),
            format!("licence {} is {other}: replaced by {}", l.identifier, l.superseded_by.clone().unwrap_or_default()),
        ),
    }
}

fn annotation_check(a: &repo::Annotation) -> Check {
    let today = time::OffsetDateTime::now_utc().date();
    match yinxin_licence::catalogue::parse_date(&a.expires) {
        Some(d) if d >= today => Check::pass(
            "licence.annotation",
            format!("加注件：仅供{}用于{}，{}前有效", a.user_name, a.use_cause, a.expires),
            format!("annotated copy for {} ({}), usable until {}", a.user_name, a.use_cause, a.expires),
        ),
        _ => Check::fail(
            "licence.annotation",
            SubIndication::Expired,
            format!("加注件已于{}过期", a.expires),
            format!("the annotated copy expired on {}", a.expires),
        ),
    }
}

/// Files up to this size are verified on the async worker that received them (a few hundred
/// microseconds); larger ones on the blocking pool, so a large upload never holds a worker. The
/// hop to the blocking pool and back cost more than it saved for a licence-sized file
/// (benches/load.sh, `POST /v1/verify` at 32 connections: about 2,700 → 3,000/s on 2 cores).
pub const INLINE_VERIFY_MAX: usize = 256 * 1024;

/// A verification started by [`start_verify`]: done already, or running on the blocking pool.
pub enum Verifying {
    /// Verified on the worker (a small file).
    Done(Option<Box<Report>>),
    /// Verifying on the blocking pool (a large file).
    Running(tokio::task::JoinHandle<Option<Report>>),
}

impl Verifying {
    /// The report (None: not a file this service can verify).
    pub async fn report(self) -> ApiResult<Option<Report>> {
        match self {
            Verifying::Done(r) => Ok(r.map(|r| *r)),
            Verifying::Running(h) => h.await.map_err(Problem::internal),
        }
    }
}

/// Start verifying bytes with the service's trust, intermediates and current CRLs (on the
/// blocking pool when larger than [`INLINE_VERIFY_MAX`]); the caller can look the bytes up
/// meanwhile and then await the report.
pub async fn start_verify(app: &App, bytes: axum::body::Bytes, data_sm3: Option<[u8; 32]>) -> ApiResult<Verifying> {
    let crls = app.crls().await?;
    let app2 = app.clone();
    let small = bytes.len() <= INLINE_VERIFY_MAX;
    let verify = move || {
        let opts = VerifyOptions {
            trust: &app2.verify_trust,
            seal_authorities: None,
            intermediates: &app2.keys.chain,
            crls: &crls,
            revocation: RevocationPolicy::IfAvailable,
            at: At::Now,
            now: time::OffsetDateTime::now_utc(),
            policy: &app2.policy,
            data_sm3,
            poe: None,
        };
        yinxin_doc::stamp::verify_any(&bytes, None, &opts)
    };
    Ok(if small { Verifying::Done(verify().map(Box::new)) } else { Verifying::Running(app.cpu_task(verify)) })
}

/// Verify bytes with the service's trust, intermediates and current CRLs.
pub async fn verify_bytes(app: &App, bytes: axum::body::Bytes) -> ApiResult<Option<Report>> {
    start_verify(app, bytes, None).await?.report().await
}

async fn answer(
    app: &App,
    caller: &Caller,
    subject: &str,
    subject_sm3: Option<String>,
    mut report: Report,
    licence: Option<&repo::Licence>,
) -> ApiResult<Response> {
    report.conclude();
    let indication = indication_name(report.indication);
    app.metrics.verification(report.kind, indication);
    let receipt_id = format!("rcpt-{}", random_hex(12));
    let verified_at = yinxin_pki::time::format_instant(time::OffsetDateTime::now_utc());
    let licence_json = licence.map(|l| {
        json!({"identifier": l.identifier, "status": l.status, "reason": l.status_reason, "superseded_by": l.superseded_by})
    });
    // The report is serialised once: its bytes are the answer's last member, and the receipt
    // signs their SM3 (crate::receipt).
    let report_json = serde_json::to_string(&report).map_err(Problem::internal)?;
    // The licence's latest log entry (its issuance or last status change) with an inclusion
    // proof, so the receipt shows offline that what it reports is in the log.
    let tlog = match licence {
        Some(l) => crate::routes::tlog::proofs_for(app, &l.identifier)
            .await?
            .and_then(|(_, mut entries)| entries.pop())
            .map(|e| json!({"index": e.index, "kind": e.kind, "tlog_proof": e.tlog_proof})),
        None => None,
    };
    let payload = json!({
        "v": crate::receipt::VERSION,
        "receipt_id": receipt_id,
        "verified_at": verified_at,
        "subject": subject,
        "subject_sm3": subject_sm3,
        "indication": indication,
        "licence": licence_json,
        "tlog": tlog,
        "report_sm3": sm3(report_json.as_bytes()).to_hex(),
    })
    .to_string();
    let (_, signer) = &app.keys.service;
    let sig = signer.sign(payload.as_bytes()).map_err(Problem::internal)?;
    app.metrics.signed("receipt", 1);
    app.audit_now(
        caller,
        "verify",
        subject,
        licence.map(|l| l.holder_code.as_str()),
        json!({"indication": indication, "receipt": receipt_id, "kind": report.kind}),
    )
    .await?;
    let receipt = serde_json::to_string(&Receipt {
        payload: B64.encode(payload.as_bytes()),
        signature: B64.encode(sig.to_der()),
        certificate: app.keys.service_pem.clone(),
    })
    .map_err(Problem::internal)?;
    let body = format!(
        "{{\"indication\":\"{indication}\",\"licence\":{},\"receipt\":{receipt},\"report\":{report_json}}}",
        licence_json.map(|v| v.to_string()).unwrap_or_else(|| "null".into())
    );
    Ok(([(axum::http::header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// POST /v1/verify: the file as the body.
pub async fn verify_upload(
    State(app): State<App>,
    caller: Caller,
    Query(q): Query<VerifyQuery>,
    Upload(bytes): Upload,
) -> ApiResult<Response> {
    let name = safe_name(q.name.as_deref(), "upload")?;
    let data_sm3 =
        match q.data_sm3.as_deref() {
            None => None,
            Some(h) => Some(hex::decode(h).ok().and_then(|v| <[u8; 32]>::try_from(v).ok()).ok_or_else(|| {
                Problem::invalid("invalid_data_sm3", "data_sm3: 64 hex digits (an SM3 digest)", vec![])
            })?),
        };
    // The verification runs on the blocking pool while the database is asked whether this
    // service issued these bytes, so the lookup adds no latency.
    let verifying = start_verify(&app, bytes.clone(), data_sm3).await?;
    let found = find_issued(&app, &bytes).await;
    let report = verifying.report().await?;
    let found = found?;
    let mut report = report.ok_or_else(|| {
        Problem::invalid("unrecognised_file", "not an OFD, PDF, SES signature, GM/T 0010 signed data or seal", vec![])
    })?;
    report.location = Some(name);
    // A licence or 加注件 this service issued: fold in its live status.
    if let Some(a) = &found.annotation {
        report.checks.push(annotation_check(a));
    }
    if let Some(l) = &found.licence {
        report.checks.push(status_check(l));
    }
    let digest = found.digest;
    answer(&app, &caller, &format!("sm3:{digest}"), Some(digest.clone()), report, found.licence.as_ref()).await
}

/// What the service knows of an uploaded file.
struct Found {
    /// The licence whose document (or 加注件) it is.
    licence: Option<repo::Licence>,
    /// The 加注件 it is.
    annotation: Option<repo::Annotation>,
    /// The file's SM3.
    digest: String,
}

/// The licence (and 加注件) whose document is exactly `bytes`, with the upload's SM3. Found by
/// the fast key and confirmed byte for byte (then the stored SM3 is the upload's); otherwise by
/// SM3.
async fn find_issued(app: &App, bytes: &axum::body::Bytes) -> ApiResult<Found> {
    let fast = crate::routes::licences::fast_key(bytes);
    for l in repo::licences_by_fast(&app.db, &fast).await? {
        for d in [l.pdf_sm3.clone(), l.ofd_sm3.clone()] {
            if app.blobs.same_bytes(&d, bytes).await? {
                return Ok(Found { licence: Some(l), annotation: None, digest: d });
            }
        }
    }
    for a in repo::annotations_by_fast(&app.db, &fast).await? {
        for d in [a.pdf_sm3.clone(), a.ofd_sm3.clone()] {
            if app.blobs.same_bytes(&d, bytes).await? {
                let licence = repo::licence(&app.db, &a.identifier).await?;
                return Ok(Found { licence, annotation: Some(a), digest: d });
            }
        }
    }
    let b = bytes.clone();
    let digest = app.cpu_work(move || sm3(&b).to_hex()).await?;
    if let Some(l) = repo::licence_by_digest(&app.db, &digest).await? {
        return Ok(Found { licence: Some(l), annotation: None, digest });
    }
    if let Some(a) = repo::annotation_by_digest(&app.db, &digest).await? {
        let licence = repo::licence(&app.db, &a.identifier).await?;
        return Ok(Found { licence, annotation: Some(a), digest });
    }
    Ok(Found { licence: None, annotation: None, digest })
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ByIdQuery {
    format: Option<String>,
}

/// GET /v1/verify/licences/{id}: verify the stored licence (OFD by default) and its status.
pub async fn verify_licence(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Query(q): Query<ByIdQuery>,
) -> ApiResult<Response> {
    let l = repo::licence(&app.db, &id).await?.ok_or_else(|| Problem::not_found(format!("licence {id} not found")))?;
    let digest = match q.format.as_deref().unwrap_or("ofd") {
        "ofd" => &l.ofd_sm3,
        "pdf" => &l.pdf_sm3,
        _ => return Err(Problem::bad_request("bad_format", "format is ofd or pdf")),
    };
    let bytes = app.blobs.get(digest).await?;
    let mut report =
        verify_bytes(&app, bytes.into()).await?.ok_or_else(|| Problem::internal("stored licence unrecognised"))?;
    report.location = Some(id.clone());
    report.checks.push(status_check(&l));
    answer(&app, &caller, &id, Some(digest.clone()), report, Some(&l)).await
}
