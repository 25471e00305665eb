//! The operator: API clients, the audit log and its checkpoints.

use crate::app::{App, Caller, Idem, JsonBody, Page, PageQuery, Path, Query, audit_in, random_hex, role, token_digest};
use crate::problem::{ApiResult, Problem};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::Deserialize;
use serde_json::json;
use yinxin_store::audit::{self, Checkpoint};
use yinxin_store::repo::{self, Client};
use yinxin_store::{Db, now_ts};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientBody {
    role: String,
    name: String,
    principal: String,
    #[serde(default)]
    cert_sha256: Option<String>,
}

/// Create a client and its token (shown once).
pub async fn create_client_row(
    db: &Db,
    role: &str,
    name: &str,
    principal: &str,
    cert: Option<String>,
) -> yinxin_store::Result<(Client, String)> {
    let token = format!("yx_{}", random_hex(32));
    let c = Client {
        id: format!("cli-{}", random_hex(8)),
        role: role.into(),
        name: name.into(),
        principal: principal.into(),
        created: now_ts(),
        disabled: false,
        cert_sha256: cert,
    };
    let mut tx = db.begin().await?;
    repo::insert_client(&mut tx, &c, Some(&token_digest(&token))).await?;
    audit::append(
        &mut tx,
        audit::Entry {
            seq: 0,
            at: now_ts(),
            actor: "system".into(),
            role: "system".into(),
            action: "client.create".into(),
            subject: c.id.clone(),
            holder_code: None,
            detail: json!({"role": role, "principal": principal}).to_string(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok((c, token))
}

/// POST /v1/admin/clients
pub async fn create_client(
    State(app): State<App>,
    caller: Caller,
    headers: HeaderMap,
    JsonBody(b, raw): JsonBody<ClientBody>,
) -> ApiResult<Response> {
    caller.require(&[role::ADMIN])?;
    let mut errors = Vec::new();
    if !role::ALL.contains(&b.role.as_str()) {
        errors.push(format!("role: one of {}", role::ALL.join(", ")));
    }
    if b.name.trim().is_empty() || b.name.chars().count() > 100 {
        errors.push("name: 1–100 characters".into());
    }
    let principal = b.principal.trim();
    match b.role.as_str() {
        role::DEPARTMENT if yinxin_licence::codes::validate_uscc(principal).is_err() => {
            errors.push("principal: a department is its unified social credit code".into())
        }
        role::HOLDER
            if yinxin_licence::codes::validate_uscc(principal).is_err()
                && yinxin_licence::codes::validate_citizen_id(principal).is_err() =>
        {
            errors.push("principal: a holder is a unified social credit code or a citizen ID number".into())
        }
        _ if principal.is_empty() || principal.chars().count() > 100 => {
            errors.push("principal: 1–100 characters".into())
        }
        _ => {}
    }
    if let Some(fp) = &b.cert_sha256
        && (fp.len() != 64 || !fp.bytes().all(|c| c.is_ascii_hexdigit()))
    {
        errors.push("cert_sha256: 64 hex digits".into());
    }
    if !errors.is_empty() {
        return Err(Problem::invalid("client.invalid", "the client does not validate", errors));
    }
    let (idem, replay) = Idem::begin(&app, &caller, &headers, "POST /v1/admin/clients", &raw).await?;
    if let Some(r) = replay {
        return Ok(r);
    }
    let token = format!("yx_{}", random_hex(32));
    let c = Client {
        id: format!("cli-{}", random_hex(8)),
        role: b.role.clone(),
        name: b.name.trim().into(),
        principal: principal.into(),
        created: now_ts(),
        disabled: false,
        cert_sha256: b.cert_sha256.map(|s| s.to_ascii_lowercase()),
    };
    let mut tx = app.db.begin().await?;
    if let Err(e) = repo::insert_client(&mut tx, &c, Some(&token_digest(&token))).await {
        if yinxin_store::is_unique_violation(&e) {
            return Err(Problem::conflict("certificate_taken", "that client certificate belongs to another client"));
        }
        return Err(e.into());
    }
    audit_in(&mut tx, &caller, "client.create", &c.id, None, json!({"role": c.role, "principal": c.principal})).await?;
    idem.finish(&app, tx, StatusCode::CREATED, &json!({"client": c, "token": token})).await
}

/// GET /v1/admin/clients
pub async fn list_clients(State(app): State<App>, caller: Caller, Query(q): Query<PageQuery>) -> ApiResult<Response> {
    caller.require(&[role::ADMIN])?;
    let limit = q.limit(&app)?;
    let items = repo::list_clients(&app.db, q.cursor(), limit).await?;
    Ok(axum::Json(Page::of(items, limit, |c| c.id.clone())).into_response())
}

/// DELETE /v1/admin/clients/{id}
pub async fn disable_client(State(app): State<App>, caller: Caller, Path(id): Path<String>) -> ApiResult<Response> {
    caller.require(&[role::ADMIN])?;
    if id == caller.0.id {
        return Err(Problem::conflict("self_disable", "an admin cannot disable their own credentials"));
    }
    let mut tx = app.db.begin().await?;
    if !repo::disable_client(&mut tx, &id).await? {
        return Err(Problem::not_found(format!("client {id} not found")));
    }
    audit_in(&mut tx, &caller, "client.disable", &id, None, json!({})).await?;
    tx.commit().await?;
    app.clients_changed();
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    after: Option<i64>,
    limit: Option<i64>,
}

/// GET /v1/audit
pub async fn audit_log(State(app): State<App>, caller: Caller, Query(q): Query<AuditQuery>) -> ApiResult<Response> {
    caller.require(&[role::ADMIN])?;
    let limit = PageQuery { limit: q.limit, cursor: None }.limit(&app)?;
    let after = q.after.unwrap_or(0);
    if after < 0 {
        return Err(Problem::bad_request("bad_query", "after: a sequence number (0 or more)"));
    }
    let items = audit::list(&app.db, after, limit, None).await?;
    let next = (items.len() as i64 == limit).then(|| items.last().map(|c| c.entry.seq)).flatten();
    Ok(axum::Json(json!({"items": items, "next_after": next})).into_response())
}

/// Sign a checkpoint of the head now (and time-stamp it).
pub async fn make_checkpoint(app: &App) -> ApiResult<Option<Checkpoint>> {
    let (seq, hash) = audit::head(&app.db).await?;
    if seq == 0 {
        return Ok(None);
    }
    let at = now_ts();
    let payload = json!({"log": "yinxin-audit", "seq": seq, "hash": hash, "at": at}).to_string();
    let (_, signer) = &app.keys.service;
    let sig = signer.sign(payload.as_bytes()).map_err(Problem::internal)?;
    let imprint = yinxin_pki::tsp::Imprint::sm3_of(payload.as_bytes());
    let token = app.keys.tsa.stamp(&imprint, None, true, time::OffsetDateTime::now_utc()).map_err(Problem::internal)?;
    app.metrics.signed("checkpoint", 2);
    let c =
        Checkpoint { seq, hash, at, payload, signature: B64.encode(sig.to_der()), time_stamp: Some(B64.encode(token)) };
    audit::save_checkpoint(&app.db, &c).await?;
    Ok(Some(c))
}

/// POST /v1/audit/checkpoints
pub async fn checkpoint_now(State(app): State<App>, caller: Caller) -> ApiResult<Response> {
    caller.require(&[role::ADMIN])?;
    match make_checkpoint(&app).await? {
        Some(c) => Ok((StatusCode::CREATED, axum::Json(c)).into_response()),
        None => Err(Problem::conflict("empty_log", "the audit log is empty: nothing to checkpoint")),
    }
}

/// GET /v1/audit/checkpoints
pub async fn checkpoints(State(app): State<App>, caller: Caller, Query(q): Query<PageQuery>) -> ApiResult<Response> {
    caller.require(&[role::ADMIN])?;
    let limit = q.limit(&app)?;
    Ok(axum::Json(json!({"items": audit::checkpoints(&app.db, limit).await?})).into_response())
}

/// GET /v1/audit/verify: recompute the chain, and check every checkpoint's signature and that
/// it matches the chain.
pub async fn verify(State(app): State<App>, caller: Caller) -> ApiResult<Response> {
    caller.require(&[role::ADMIN])?;
    let chain = audit::verify_chain(&app.db).await?;
    let (cert, _) = &app.keys.service;
    let pk = cert.public_key.as_ref().map_err(|e| Problem::internal(e.clone()))?;
    let mut problems = Vec::new();
    let cps = audit::checkpoints(&app.db, 100_000).await?;
    for c in &cps {
        let sig_ok =
            B64.decode(&c.signature).ok().and_then(|d| yinxin_gm::Sm2Signature::from_der(&d).ok()).is_some_and(|s| {
                yinxin_gm::provider::verify(pk, yinxin_gm::UserId::DEFAULT, c.payload.as_bytes(), &s).is_ok()
            });
        if !sig_ok {
            problems.push(format!("checkpoint {}: the signature does not verify", c.seq));
        }
        let payload: serde_json::Value = serde_json::from_str(&c.payload).unwrap_or_default();
        if payload["hash"] != json!(c.hash) || payload["seq"] != json!(c.seq) {
            problems.push(format!("checkpoint {}: the signed text does not match the record", c.seq));
        }
        match audit::hash_at(&app.db, c.seq).await? {
            Some(h) if h == c.hash => {}
            _ => problems.push(format!("checkpoint {}: the chain no longer has that hash at that entry", c.seq)),
        }
    }
    let ok = chain.ok && problems.is_empty();
    Ok(axum::Json(json!({"ok": ok, "chain": chain, "checkpoints": cps.len(), "checkpoint_problems": problems}))
        .into_response())
}
