//! Proof that lasts: the long-term task and what it keeps (issue 20).
//!
//! - **Licences.** For every licence a long-term copy of its PDF (PAdES B-LTA: the validation
//!   material in a DSS and a document time stamp, `yinxin_doc::pdf::ltv`) and of its OFD (the
//!   material and a package time stamp under `LTV/`, `yinxin_doc::ofd::ltv`), kept in the
//!   document store. `GET /v1/licences/{id}/pdf?form=long-term` serves it (made on the spot when
//!   the task has not reached the licence yet); the issued bytes stay what they were, so a
//!   holder's copy and the transparency log are unchanged. An uploaded long-term copy is
//!   recognised as the licence it extends.
//! - **Archived materials.** For every transaction an RFC 4998 evidence record over its stored
//!   materials (one data-object group per transaction, in material order), built in batches: one
//!   hash tree and one time stamp for every transaction the run reaches. The batch's token (with
//!   the validation material it carries) is stored once (`evidence_tokens`); each record is
//!   stored detached, a 49-byte reference in place of each token, and made whole when read.
//! - **Renewal.** A copy or record is due when its newest stamp's TSA certificate ends within
//!   [`yinxin_archive::evidence::RENEW_BEFORE`] (so a new TSA generation — new keys in the key
//!   directory — takes over before the old one ends), and a record when `evidence_hash` names
//!   another algorithm than its newest chain's (a hash-tree renewal). `GET
//!   /v1/archive/evidence/due` lists what is due; the task (every `evidence_seconds`, or `POST
//!   /v1/archive/evidence/run`) makes what is missing and renews what is due, renewing every
//!   record of a batch together so that none is left behind.
//!
//! Each run's work is one audit entry (`evidence.run`) naming every subject it touched.

use crate::app::{App, Caller, role};
use crate::problem::{ApiResult, Problem};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::json;
use sqlx::Row;
use time::OffsetDateTime;
use yinxin_archive::evidence::{RENEW_BEFORE, stamper};
use yinxin_pki::ers::{self, EvidenceRecord};
use yinxin_pki::ltv::Material;
use yinxin_pki::tsp::HashAlg;

/// A licence's long-term PDF.
pub const LICENCE_PDF: &str = "licence-pdf";
/// A licence's long-term OFD.
pub const LICENCE_OFD: &str = "licence-ofd";
/// An archived transaction's evidence record.
pub const ARCHIVE: &str = "archive-materials";

/// Most subjects one run makes or renews, per kind.
pub const BATCH: i64 = 1000;

/// The configured hash algorithm of evidence records.
pub fn configured_alg(app: &App) -> Result<HashAlg, String> {
    match app.cfg.evidence_hash.to_ascii_lowercase().as_str() {
        "sm3" => Ok(HashAlg::Sm3),
        "sha256" | "sha-256" => Ok(HashAlg::Sha256),
        other => Err(format!("evidence_hash = {other:?}: sm3 or sha256")),
    }
}

fn alg_name(a: HashAlg) -> &'static str {
    match a {
        HashAlg::Sm3 => "sm3",
        HashAlg::Sha256 => "sha256",
    }
}

/// The validation material the service adds: its CA chain, the TSA's certificate and chain, the
/// trust anchors, and the current CRLs.
pub async fn material(app: &App) -> ApiResult<Material> {
    let mut m = Material::default();
    let mut certs = app.keys.chain.clone();
    certs.push(app.keys.tsa.cert().clone());
    certs.extend(app.keys.trust.anchors().iter().cloned());
    m.extend(certs, app.crls().await?.iter().cloned());
    Ok(m)
}

fn ts(t: OffsetDateTime) -> i64 {
    t.unix_timestamp()
}

/// Add an evidence record (RFC 4998) to an exported package, carrying the validation material,
/// so that the package verifies from its own bytes after every certificate in it has expired.
pub async fn add_to_package(app: &App, dir: &std::path::Path) -> ApiResult<()> {
    let material = material(app).await?;
    let alg = configured_alg(app).map_err(Problem::internal)?;
    let (d, a) = (dir.to_path_buf(), app.clone());
    tokio::task::spawn_blocking(move || {
        yinxin_archive::evidence::make(&[&d], alg, &a.keys.tsa, &material, OffsetDateTime::now_utc())
    })
    .await
    .map_err(Problem::internal)?
    .map_err(Problem::internal)?;
    Ok(())
}

/// One row of what is kept.
#[derive(Debug, Clone, Serialize)]
pub struct Kept {
    /// Licence identifier or transaction id.
    pub subject: String,
    /// `licence-pdf`, `licence-ofd` or `archive-materials`.
    pub kind: String,
    /// Hash algorithm of the newest stamp's imprint (records: the newest chain's).
    pub alg: String,
    /// The newest stamp's time (Unix seconds).
    pub newest_at: i64,
    /// When the newest stamp's TSA certificate ends (Unix seconds).
    pub tsa_not_after: i64,
    /// Renewals so far.
    pub renewals: i64,
    /// The long-term copy in the document store (licences).
    #[serde(skip)]
    pub blob_sm3: Option<String>,
    /// What is due, if anything: `time_stamp` or `hash_tree`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due: Option<&'static str>,
}

fn due_of(kind: &str, alg: &str, tsa_not_after: i64, configured: HashAlg, now: OffsetDateTime) -> Option<&'static str> {
    if kind == ARCHIVE && alg != alg_name(configured) {
        Some("hash_tree")
    } else if tsa_not_after - RENEW_BEFORE.whole_seconds() <= ts(now) {
        Some("time_stamp")
    } else {
        None
    }
}

async fn kept_due(app: &App, configured: HashAlg, now: OffsetDateTime, limit: i64) -> ApiResult<Vec<Kept>> {
    let rows = sqlx::query(
        "SELECT subject, kind, alg, newest_at, tsa_not_after, renewals, blob_sm3 FROM long_term \
         WHERE tsa_not_after <= $1 OR (kind = $2 AND alg <> $3) ORDER BY tsa_not_after, subject, kind LIMIT $4",
    )
    .bind(ts(now) + RENEW_BEFORE.whole_seconds())
    .bind(ARCHIVE)
    .bind(alg_name(configured))
    .bind(limit)
    .fetch_all(app.db.pool())
    .await
    .map_err(Problem::internal)?;
    rows.iter()
        .map(|r| {
            let (kind, alg): (String, String) = (r.try_get("kind")?, r.try_get("alg")?);
            let tsa_not_after: i64 = r.try_get("tsa_not_after")?;
            Ok(Kept {
                subject: r.try_get("subject")?,
                due: due_of(&kind, &alg, tsa_not_after, configured, now),
                kind,
                alg,
                newest_at: r.try_get("newest_at")?,
                tsa_not_after,
                renewals: r.try_get("renewals")?,
                blob_sm3: r.try_get("blob_sm3")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()
        .map_err(Problem::internal)
}

async fn missing_licences(app: &App, kind: &str, limit: i64) -> ApiResult<Vec<(String, String)>> {
    let col = if kind == LICENCE_PDF { "pdf_sm3" } else { "ofd_sm3" };
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT identifier, {col} AS d FROM licences l WHERE NOT EXISTS \
         (SELECT 1 FROM long_term k WHERE k.subject = l.identifier AND k.kind = $1) ORDER BY identifier LIMIT $2"
    )))
    .bind(kind)
    .bind(limit)
    .fetch_all(app.db.pool())
    .await
    .map_err(Problem::internal)?;
    rows.iter()
        .map(|r| Ok((r.try_get("identifier")?, r.try_get("d")?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Problem::internal)
}

async fn missing_transactions(app: &App, limit: i64) -> ApiResult<Vec<String>> {
    let rows = sqlx::query(
        "SELECT id FROM archive_transactions t WHERE disposed IS NULL AND verdict <> 'rejected' AND NOT EXISTS \
         (SELECT 1 FROM long_term k WHERE k.subject = t.id AND k.kind = $1) ORDER BY id LIMIT $2",
    )
    .bind(ARCHIVE)
    .bind(limit)
    .fetch_all(app.db.pool())
    .await
    .map_err(Problem::internal)?;
    rows.iter().map(|r| r.try_get("id")).collect::<Result<_, sqlx::Error>>().map_err(Problem::internal)
}

#[allow(clippy::too_many_arguments)]
async fn upsert(
    app: &App,
    subject: &str,
    kind: &str,
    blob: Option<&str>,
    record: Option<&[u8]>,
    alg: HashAlg,
    newest: OffsetDateTime,
    tsa_not_after: OffsetDateTime,
) -> ApiResult<()> {
    sqlx::query(
        "INSERT INTO long_term (subject, kind, blob_sm3, record, alg, newest_at, tsa_not_after, renewals, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8) ON CONFLICT (subject, kind) DO UPDATE SET \
         blob_sm3 = excluded.blob_sm3, record = excluded.record, alg = excluded.alg, newest_at = excluded.newest_at, \
         tsa_not_after = excluded.tsa_not_after, renewals = long_term.renewals + 1, updated_at = excluded.updated_at",
    )
    .bind(subject)
    .bind(kind)
    .bind(blob)
    .bind(record)
    .bind(alg_name(alg))
    .bind(ts(newest))
    .bind(ts(tsa_not_after))
    .bind(yinxin_store::now_ts())
    .execute(app.db.pool())
    .await
    .map_err(Problem::internal)?;
    Ok(())
}

/// Store a transaction's evidence record.
async fn save_record(
    app: &App,
    txn: &str,
    record: &EvidenceRecord,
    alg: HashAlg,
    newest: OffsetDateTime,
    tsa_not_after: OffsetDateTime,
) -> ApiResult<()> {
    for token in record.tokens() {
        sqlx::query("INSERT INTO evidence_tokens (sm3, token) VALUES ($1, $2) ON CONFLICT (sm3) DO NOTHING")
            .bind(yinxin_gm::sm3::sm3(token).to_hex())
            .bind(token)
            .execute(app.db.pool())
            .await
            .map_err(Problem::internal)?;
    }
    let der = record.detached().to_der().map_err(Problem::internal)?;
    upsert(app, txn, ARCHIVE, None, Some(&der), alg, newest, tsa_not_after).await
}

/// Extend a licence document (PDF or OFD) with the current TSA: the validation material, then a
/// new document or package time stamp.
async fn extend_document(app: &App, kind: &str, bytes: Vec<u8>, material: &Material) -> ApiResult<Vec<u8>> {
    let (a, m, kind) = (app.clone(), material.clone(), kind.to_string());
    tokio::task::spawn_blocking(move || {
        let now = OffsetDateTime::now_utc();
        if kind == LICENCE_PDF {
            yinxin_doc::pdf::ltv::extend(&bytes, &m, &a.keys.tsa, now)
        } else {
            yinxin_doc::ofd::ltv::extend(&bytes, &m, &a.keys.tsa, now)
        }
    })
    .await
    .map_err(Problem::internal)?
    .map_err(Problem::internal)
}

/// The long-term copy of a licence document (`licence-pdf` or `licence-ofd`), made now if there
/// is none yet.
pub async fn long_term_copy(app: &App, id: &str, kind: &str, issued_sm3: &str) -> ApiResult<Vec<u8>> {
    let row = sqlx::query("SELECT blob_sm3 FROM long_term WHERE subject = $1 AND kind = $2")
        .bind(id)
        .bind(kind)
        .fetch_optional(app.db.pool())
        .await
        .map_err(Problem::internal)?;
    if let Some(r) = row
        && let Some(d) = r.try_get::<Option<String>, _>("blob_sm3").map_err(Problem::internal)?
    {
        return Ok(app.blobs.get(&d).await?);
    }
    let m = material(app).await?;
    let issued = app.blobs.get(issued_sm3).await?;
    let ext = extend_document(app, kind, issued, &m).await?;
    let d = app.blobs.put(&ext).await?;
    let tsa = app.keys.tsa.cert();
    upsert(app, id, kind, Some(&d), None, HashAlg::Sm3, OffsetDateTime::now_utc(), tsa.not_after).await?;
    Ok(ext)
}

/// What one run did.
#[derive(Debug, Default, Serialize)]
pub struct RunSummary {
    /// Long-term copies and records made.
    pub made: Vec<String>,
    /// Renewed.
    pub renewed: Vec<String>,
    /// Failures, each naming its subject (the rest of the run went on).
    pub failed: Vec<String>,
}

async fn group_of(app: &App, txn: &str) -> ApiResult<Vec<Vec<u8>>> {
    let mats = crate::archive::archive(app).materials(txn).await.map_err(|e| Problem::internal(e.to_string()))?;
    let mut out = Vec::with_capacity(mats.len());
    for m in mats {
        out.push(app.blobs.get(&m.sm3).await?);
    }
    Ok(out)
}

async fn record_of(app: &App, txn: &str) -> ApiResult<Option<EvidenceRecord>> {
    let row = sqlx::query("SELECT record FROM long_term WHERE subject = $1 AND kind = $2")
        .bind(txn)
        .bind(ARCHIVE)
        .fetch_optional(app.db.pool())
        .await
        .map_err(Problem::internal)?;
    match row {
        None => Ok(None),
        Some(r) => {
            let b: Option<Vec<u8>> = r.try_get("record").map_err(Problem::internal)?;
            let Some(b) = b else { return Ok(None) };
            let stored = EvidenceRecord::from_der(&b).map_err(Problem::internal)?;
            let mut tokens = std::collections::HashMap::new();
            for d in stored.tokens().into_iter().filter_map(ers::referenced_token) {
                let row = sqlx::query("SELECT token FROM evidence_tokens WHERE sm3 = $1")
                    .bind(hex::encode(d))
                    .fetch_optional(app.db.pool())
                    .await
                    .map_err(Problem::internal)?;
                if let Some(row) = row {
                    tokens.insert(d, row.try_get::<Vec<u8>, _>("token").map_err(Problem::internal)?);
                }
            }
            stored.attached(|d| tokens.get(d).cloned()).map(Some).map_err(Problem::internal)
        }
    }
}

/// Run the long-term task once: make what is missing, renew what is due, with the configured
/// hash algorithm.
pub async fn run_once(app: &App) -> ApiResult<RunSummary> {
    run_with(app, configured_alg(app).map_err(Problem::internal)?).await
}

/// [`run_once`] with `configured` as the hash algorithm of records (a change of configuration,
/// applied without a restart).
pub async fn run_with(app: &App, configured: HashAlg) -> ApiResult<RunSummary> {
    let m = material(app).await?;
    let now = OffsetDateTime::now_utc();
    let tsa_not_after = app.keys.tsa.cert().not_after;
    let mut s = RunSummary::default();

    // Licence documents without a long-term copy.
    for kind in [LICENCE_PDF, LICENCE_OFD] {
        for (id, digest) in missing_licences(app, kind, BATCH).await? {
            match long_term_copy(app, &id, kind, &digest).await {
                Ok(_) => s.made.push(format!("{kind} {id}")),
                Err(e) => s.failed.push(format!("{kind} {id}: {}", e.detail.unwrap_or_default())),
            }
        }
    }
    // Transactions without an evidence record: one batch, one time stamp.
    let txns = missing_transactions(app, BATCH).await?;
    if !txns.is_empty() {
        let mut groups = Vec::new();
        for t in &txns {
            groups.push(group_of(app, t).await?);
        }
        let records =
            ers::build_batch(&groups, configured, stamper(&app.keys.tsa, &m, now)).map_err(Problem::internal)?;
        for (t, r) in txns.iter().zip(&records) {
            save_record(app, t, r, configured, now, tsa_not_after).await?;
            s.made.push(format!("{ARCHIVE} {t}"));
        }
    }
    // What is due.
    let due = kept_due(app, configured, now, BATCH).await?;
    let mut ts_batch: Vec<(String, EvidenceRecord)> = Vec::new();
    let mut ht_batch: Vec<(String, EvidenceRecord)> = Vec::new();
    for k in due {
        match k.kind.as_str() {
            LICENCE_PDF | LICENCE_OFD => {
                let Some(d) = k.blob_sm3.clone() else { continue };
                let result = async {
                    let bytes = app.blobs.get(&d).await?;
                    let ext = extend_document(app, &k.kind, bytes, &m).await?;
                    let nd = app.blobs.put(&ext).await?;
                    upsert(app, &k.subject, &k.kind, Some(&nd), None, HashAlg::Sm3, now, tsa_not_after).await
                }
                .await;
                match result {
                    Ok(()) => s.renewed.push(format!("{} {}", k.kind, k.subject)),
                    Err(e) => s.failed.push(format!("{} {}: {}", k.kind, k.subject, e.detail.unwrap_or_default())),
                }
            }
            _ => {
                if let Some(r) = record_of(app, &k.subject).await? {
                    if k.due == Some("hash_tree") {
                        ht_batch.push((k.subject.clone(), r));
                    } else {
                        ts_batch.push((k.subject.clone(), r));
                    }
                }
            }
        }
    }
    if !ts_batch.is_empty() {
        let mut records: Vec<EvidenceRecord> = ts_batch.iter().map(|(_, r)| r.clone()).collect();
        ers::renew_time_stamps(&mut records, stamper(&app.keys.tsa, &m, now)).map_err(Problem::internal)?;
        for ((t, _), r) in ts_batch.iter().zip(&records) {
            let alg = r.newest().and_then(|a| a.hash_alg().ok()).unwrap_or(configured);
            save_record(app, t, r, alg, now, tsa_not_after).await?;
            s.renewed.push(format!("{ARCHIVE} {t} (time stamp)"));
        }
    }
    if !ht_batch.is_empty() {
        let mut records: Vec<EvidenceRecord> = ht_batch.iter().map(|(_, r)| r.clone()).collect();
        let mut groups = Vec::new();
        for (t, _) in &ht_batch {
            groups.push(group_of(app, t).await?);
        }
        ers::renew_hash_trees(&mut records, &groups, configured, stamper(&app.keys.tsa, &m, now))
            .map_err(Problem::internal)?;
        for ((t, _), r) in ht_batch.iter().zip(&records) {
            save_record(app, t, r, configured, now, tsa_not_after).await?;
            s.renewed.push(format!("{ARCHIVE} {t} (hash tree)"));
        }
    }
    if !(s.made.is_empty() && s.renewed.is_empty() && s.failed.is_empty()) {
        let system = Caller(yinxin_store::repo::Client {
            id: "system".into(),
            role: "system".into(),
            name: "long-term task".into(),
            principal: String::new(),
            created: yinxin_store::now_ts(),
            disabled: false,
            cert_sha256: None,
        });
        app.audit_now(
            &system,
            "evidence.run",
            "long-term",
            None,
            json!({"made": s.made, "renewed": s.renewed, "failed": s.failed}),
        )
        .await?;
    }
    Ok(s)
}

/// The task, every `evidence_seconds`.
pub async fn task(app: App) {
    if app.cfg.evidence_seconds == 0 {
        return;
    }
    let mut t = tokio::time::interval(std::time::Duration::from_secs(app.cfg.evidence_seconds));
    t.tick().await;
    loop {
        t.tick().await;
        match run_once(&app).await {
            Ok(s) if !s.failed.is_empty() => tracing::warn!(failed = ?s.failed, "long-term task: some subjects failed"),
            Ok(s) => tracing::info!(made = s.made.len(), renewed = s.renewed.len(), "long-term task"),
            Err(e) => tracing::error!(?e, "long-term task failed"),
        }
    }
}

/// GET /v1/archive/evidence/due: what the long-term task will renew, and what it has yet to make.
pub async fn due(State(app): State<App>, caller: Caller) -> ApiResult<Response> {
    caller.require(&[role::ADMIN])?;
    let configured = configured_alg(&app).map_err(Problem::internal)?;
    let now = OffsetDateTime::now_utc();
    let items = kept_due(&app, configured, now, BATCH).await?;
    let pdf = missing_licences(&app, LICENCE_PDF, BATCH).await?.len();
    let ofd = missing_licences(&app, LICENCE_OFD, BATCH).await?.len();
    let txns = missing_transactions(&app, BATCH).await?.len();
    Ok(axum::Json(json!({
        "hash": alg_name(configured),
        "renew_before_days": RENEW_BEFORE.whole_days(),
        "current_tsa_not_after": ts(app.keys.tsa.cert().not_after),
        "items": items,
        "missing": {"licence_pdf": pdf, "licence_ofd": ofd, "archive_materials": txns},
    }))
    .into_response())
}

/// POST /v1/archive/evidence/run: run the long-term task now.
pub async fn run(State(app): State<App>, caller: Caller) -> ApiResult<Response> {
    caller.require(&[role::ADMIN])?;
    let s = run_once(&app).await?;
    Ok(axum::Json(s).into_response())
}

/// GET /v1/archive/transactions/{id}/evidence: the evidence record over its stored materials (DER).
pub async fn record(
    State(app): State<App>,
    caller: Caller,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> ApiResult<Response> {
    caller.require(&[role::ADMIN, role::DEPARTMENT])?;
    crate::routes::archive::visible(&app, &caller, &id).await?;
    let r = record_of(&app, &id)
        .await?
        .ok_or_else(|| Problem::not_found(format!("no evidence record for {id} yet: the long-term task makes it")))?;
    Ok(crate::routes::licences::file_response(
        r.to_der().map_err(Problem::internal)?,
        "application/octet-stream",
        &format!("{id}.ers"),
    ))
}
