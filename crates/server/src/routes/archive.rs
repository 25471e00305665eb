//! The archive (预归档): item catalogues, ingest of a transaction with its 四性检测, its events,
//! its sealed package, reuse with the holder's consent, legal hold, disposal and the patrol.

use crate::app::{App, Caller, JsonBody, Page, PageQuery, Path, Query, audit_in, param, random_hex, role};
use crate::archive::{ServiceAuthority, archive};
use crate::problem::{ApiResult, Problem};
use crate::routes::licences::file_response;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;
use yinxin_archive::model::{Item, MaterialIn, MaterialMeta, TransactionMeta};
use yinxin_archive::service::{Actor, Error, TransactionRow};
use yinxin_store::now_ts;

impl From<Error> for Problem {
    fn from(e: Error) -> Self {
        match e {
            Error::Invalid(list) => Problem::invalid("archive.invalid", "the request does not validate", list),
            Error::Conflict(m) => Problem::conflict("archive.conflict", m),
            Error::NotFound(m) => Problem::not_found(format!("{m} not found")),
            Error::Forbidden(m) => Problem::forbidden(m),
            Error::Store(e) => e.into(),
            Error::Other(m) => Problem::internal(m),
        }
    }
}

fn actor(caller: &Caller) -> Actor {
    Actor { id: caller.0.id.clone(), role: caller.role().to_string(), department: caller.principal().to_string() }
}

fn code_param(what: &str, v: &str) -> ApiResult<()> {
    if !yinxin_archive::model::plain_code(v, 64) {
        return Err(Problem::bad_request("bad_path", format!("{what}: 1–64 letters, digits, '-', '_' or '.'")));
    }
    Ok(())
}

/// PUT /v1/archive/items/{code}: an item's material catalogue (admin).
pub async fn put_item(
    State(app): State<App>,
    caller: Caller,
    Path(code): Path<String>,
    JsonBody(item, _): JsonBody<Item>,
) -> ApiResult<Response> {
    caller.require(&[role::ADMIN])?;
    code_param("code", &code)?;
    if item.item_code != code {
        return Err(Problem::invalid("archive.invalid", "item_code differs from the path", vec![]));
    }
    archive(&app).put_item(&actor(&caller), &item).await?;
    Ok((StatusCode::OK, axum::Json(item)).into_response())
}

/// GET /v1/archive/items/{code}
pub async fn get_item(State(app): State<App>, caller: Caller, Path(code): Path<String>) -> ApiResult<Response> {
    caller.require(&[role::ADMIN, role::DEPARTMENT])?;
    code_param("code", &code)?;
    let item = archive(&app).item(&code).await?.ok_or_else(|| Problem::not_found(format!("item {code} not found")))?;
    Ok(axum::Json(item).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaterialBody {
    metadata: MaterialMeta,
    /// Base64 of the file.
    content: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IngestBody {
    transaction: TransactionMeta,
    materials: Vec<MaterialBody>,
}

/// POST /v1/archive/transactions: file a transaction (department). 201 with the verdict and every
/// check; the identical request again answers 200 with the first result.
pub async fn ingest(
    State(app): State<App>,
    caller: Caller,
    JsonBody(body, _): JsonBody<IngestBody>,
) -> ApiResult<Response> {
    caller.require(&[role::DEPARTMENT])?;
    let mut materials = Vec::with_capacity(body.materials.len());
    let mut errors = Vec::new();
    for (i, m) in body.materials.into_iter().enumerate() {
        match B64.decode(m.content.as_bytes()) {
            Ok(content) => materials.push(MaterialIn { meta: m.metadata, content }),
            Err(_) => errors.push(format!("materials[{i}].content: not base64")),
        }
    }
    if !errors.is_empty() {
        return Err(Problem::invalid("archive.invalid", "the request does not validate", errors));
    }
    let auth = Arc::new(ServiceAuthority::new(&app, None).await.map_err(Problem::internal)?);
    let out = archive(&app).ingest(&actor(&caller), body.transaction, materials, auth).await?;
    let status = if out.replayed { StatusCode::OK } else { StatusCode::CREATED };
    Ok((status, axum::Json(out)).into_response())
}

pub(crate) async fn visible(app: &App, caller: &Caller, id: &str) -> ApiResult<TransactionRow> {
    if id.is_empty() || id.len() > 120 {
        return Err(Problem::not_found(format!("transaction {id} not found")));
    }
    let t = archive(app).transaction(id).await?;
    if caller.is(role::ADMIN) || (caller.is(role::DEPARTMENT) && t.department_code == caller.principal()) {
        Ok(t)
    } else {
        Err(Problem::not_found(format!("transaction {id} not found")))
    }
}

/// GET /v1/archive/transactions: the department's own (an admin sees all).
pub async fn list(State(app): State<App>, caller: Caller, Query(q): Query<PageQuery>) -> ApiResult<Response> {
    caller.require(&[role::ADMIN, role::DEPARTMENT])?;
    let limit = q.limit(&app)?;
    q.check_cursor()?;
    let dept = caller.is(role::DEPARTMENT).then(|| caller.principal());
    let items = archive(&app).transactions(dept, q.cursor(), limit).await?;
    Ok(axum::Json(Page::of(items, limit, |t| t.id.clone())).into_response())
}

/// GET /v1/archive/transactions/{id}: the transaction and its materials.
pub async fn get(State(app): State<App>, caller: Caller, Path(id): Path<String>) -> ApiResult<Response> {
    caller.require(&[role::ADMIN, role::DEPARTMENT])?;
    let t = visible(&app, &caller, &id).await?;
    let materials = archive(&app).materials(&id).await?;
    Ok(axum::Json(json!({"transaction": t, "materials": materials})).into_response())
}

/// GET /v1/archive/transactions/{id}/events: its PREMIS events, each with its place in the chain.
pub async fn events(State(app): State<App>, caller: Caller, Path(id): Path<String>) -> ApiResult<Response> {
    caller.require(&[role::ADMIN, role::DEPARTMENT])?;
    visible(&app, &caller, &id).await?;
    let items = archive(&app).events(&id).await?;
    Ok(axum::Json(json!({"items": items})).into_response())
}

/// GET /v1/archive/transactions/{id}/package: the sealed BagIt package as a zip, with its evidence
/// record (`data/证据/evidence.ers`).
pub async fn package(State(app): State<App>, caller: Caller, Path(id): Path<String>) -> ApiResult<Response> {
    caller.require(&[role::ADMIN, role::DEPARTMENT])?;
    let t = visible(&app, &caller, &id).await?;
    let auth = ServiceAuthority::new(&app, Some(&t.department_code)).await.map_err(Problem::internal)?;
    let work = app.cfg.data_dir.join("tmp").join(format!("export-{}", random_hex(8)));
    std::fs::create_dir_all(&work).map_err(Problem::internal)?;
    let bag = work.join(&t.id);
    let result = async {
        archive(&app).export(&actor(&caller), &id, &bag, &auth, now_ts()).await?;
        // The package's evidence record (RFC 4998), carrying the validation material, so that it
        // verifies from its own bytes after every certificate in it has expired.
        crate::evidence::add_to_package(&app, &bag).await?;
        let b = bag.clone();
        tokio::task::spawn_blocking(move || yinxin_archive::export::zip_dir(&b))
            .await
            .map_err(Problem::internal)?
            .map_err(Problem::internal)
    }
    .await;
    let _ = std::fs::remove_dir_all(&work);
    Ok(file_response(result?, "application/zip", &format!("{}.zip", t.id)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReuseBody {
    material_id: String,
}

/// POST /v1/archive/transactions/{id}/reuse: reuse a filed material in this transaction.
pub async fn reuse(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(body, _): JsonBody<ReuseBody>,
) -> ApiResult<Response> {
    caller.require(&[role::DEPARTMENT])?;
    visible(&app, &caller, &id).await?;
    if body.material_id.is_empty() || body.material_id.len() > 120 {
        return Err(Problem::not_found(format!("material {} not found", body.material_id)));
    }
    let m = archive(&app).reuse(&actor(&caller), &body.material_id, &id).await?;
    Ok((StatusCode::CREATED, axum::Json(m)).into_response())
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ReusableQuery {
    holder_code: Option<String>,
    material_code: Option<String>,
}

/// GET /v1/archive/reusable: materials that may be reused. A holder sees their own; a department
/// sees only those the holder consented to, and the query is logged where the holder sees it.
pub async fn reusable(State(app): State<App>, caller: Caller, Query(q): Query<ReusableQuery>) -> ApiResult<Response> {
    caller.require(&[role::DEPARTMENT, role::HOLDER])?;
    let code = param("material_code", &q.material_code, 40)?;
    // Checked for every caller, though a holder's own code is used whatever it says.
    let asked = param("holder_code", &q.holder_code, 40)?;
    let holder = if caller.is(role::HOLDER) {
        caller.principal().to_string()
    } else {
        asked.ok_or_else(|| Problem::invalid("archive.invalid", "holder_code is required", vec![]))?.to_string()
    };
    let a = archive(&app);
    let now = now_ts();
    let mut items = Vec::new();
    for r in a.reusable(&holder, code, now).await? {
        if caller.is(role::HOLDER) || a.consent_for(caller.principal(), &r.material, now).await?.is_some() {
            items.push(r);
        }
    }
    if caller.is(role::DEPARTMENT) {
        let mut tx = app.db.begin().await?;
        audit_in(
            &mut tx,
            &caller,
            "archive.reuse query",
            &holder,
            Some(&holder),
            json!({"material_code": code, "offered": items.len()}),
        )
        .await?;
        tx.commit().await?;
    }
    Ok(axum::Json(json!({"items": items})).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HoldBody {
    reason: String,
}

/// PUT /v1/archive/transactions/{id}/hold: legal hold (admin).
pub async fn hold(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(body, _): JsonBody<HoldBody>,
) -> ApiResult<Response> {
    caller.require(&[role::ADMIN])?;
    let reason = super::reason_text(&body.reason, true, "archive.invalid")?;
    visible(&app, &caller, &id).await?;
    Ok(axum::Json(archive(&app).set_hold(&actor(&caller), &id, Some(reason)).await?).into_response())
}

/// DELETE /v1/archive/transactions/{id}/hold: lift the hold (admin).
pub async fn release(State(app): State<App>, caller: Caller, Path(id): Path<String>) -> ApiResult<Response> {
    caller.require(&[role::ADMIN])?;
    visible(&app, &caller, &id).await?;
    Ok(axum::Json(archive(&app).set_hold(&actor(&caller), &id, None).await?).into_response())
}

/// GET /v1/archive/disposal: transactions due for disposal (admin).
pub async fn disposal(State(app): State<App>, caller: Caller, Query(q): Query<PageQuery>) -> ApiResult<Response> {
    caller.require(&[role::ADMIN])?;
    let limit = q.limit(&app)?;
    Ok(axum::Json(json!({"items": archive(&app).disposal_list(now_ts(), limit).await?})).into_response())
}

/// POST /v1/archive/transactions/{id}/dispose (admin).
pub async fn dispose(State(app): State<App>, caller: Caller, Path(id): Path<String>) -> ApiResult<Response> {
    caller.require(&[role::ADMIN])?;
    visible(&app, &caller, &id).await?;
    let deleted = archive(&app).dispose(&actor(&caller), &id, now_ts()).await?;
    Ok(axum::Json(json!({"id": id, "blobs_deleted": deleted})).into_response())
}

/// POST /v1/archive/patrol: re-hash everything, check references and the event chain (admin).
pub async fn patrol(State(app): State<App>, caller: Caller) -> ApiResult<Response> {
    caller.require(&[role::ADMIN])?;
    let r = archive(&app).patrol(&actor(&caller), &|_| {}).await?;
    Ok(axum::Json(r).into_response())
}
