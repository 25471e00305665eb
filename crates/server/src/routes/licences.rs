//! Licences: issue, read, download, suspend / resume / revoke, re-issue, versions, 加注件.

use crate::app::{App, Caller, Idem, JsonBody, Page, PageQuery, Path, Query, audit_in, param, role};
use crate::problem::{ApiResult, Problem};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeMap;
use yinxin_licence::issue::{AnnotationRequest, IssueRequest, Issued, Metadata, Sealing};
use yinxin_store::now_ts;
use yinxin_store::repo::{self, Licence, LicenceFilter};

/// A licence as the API shows it.
#[derive(Serialize)]
pub struct LicenceView {
    #[serde(flatten)]
    row: Licence,
    metadata: serde_json::Value,
}

impl LicenceView {
    /// The identifier.
    pub fn identifier(&self) -> &str {
        &self.row.identifier
    }
}

impl From<Licence> for LicenceView {
    fn from(row: Licence) -> Self {
        let metadata = serde_json::from_str(&row.metadata).unwrap_or(serde_json::Value::Null);
        Self { row, metadata }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssueBody {
    type_code: String,
    fields: BTreeMap<String, String>,
    #[serde(default)]
    serial: Option<String>,
}

/// Who may read a licence: its issuer, its holder, an admin.
pub fn may_read(caller: &Caller, l: &Licence) -> bool {
    (caller.is(role::DEPARTMENT) && caller.principal() == l.issuer_code)
        || (caller.is(role::HOLDER) && caller.principal() == l.holder_code)
        || caller.is(role::ADMIN)
}

/// A licence the caller may read, or 404 (a holder does not learn whether others' exist).
pub async fn readable(app: &App, caller: &Caller, id: &str) -> ApiResult<Licence> {
    match repo::licence(&app.db, id).await? {
        Some(l) if may_read(caller, &l) => Ok(l),
        _ => Err(Problem::not_found(format!("licence {id} not found"))),
    }
}

/// Sign with the department's keys and its issuing seal, off the async threads.
async fn with_sealing<T: Send + 'static>(
    app: &App,
    dept_code: &str,
    work: impl FnOnce(&Sealing<'_>) -> Result<T, yinxin_licence::Error> + Send + 'static,
) -> ApiResult<T> {
    let seal = crate::readiness::issuing_seal(app, dept_code).await?.map_err(Problem::issuance_unavailable)?;
    let app2 = app.clone();
    let code = dept_code.to_string();
    app.cpu_work(move || {
        let d = app2.keys.departments.get(&code).ok_or_else(|| {
            Problem::issuance_unavailable(format!("department {code} has no signing key on this service"))
        })?;
        let sealing = Sealing {
            seal: &seal,
            cert: &d.cert,
            chain: &app2.keys.chain,
            signer: d.signer.as_ref(),
            tsa: Some(&app2.keys.tsa),
        };
        work(&sealing).map_err(Problem::from)
    })
    .await?
}

fn verify_url(app: &App) -> String {
    format!("{}/verify", app.cfg.public_url.trim_end_matches('/'))
}

fn department_of<'a>(app: &'a App, caller: &Caller) -> ApiResult<&'a crate::keys::DeptKeys> {
    caller.require(&[role::DEPARTMENT])?;
    app.keys.departments.get(caller.principal()).ok_or_else(|| {
        Problem::issuance_unavailable(format!(
            "department {} has no signing key on this service: it cannot issue",
            caller.principal()
        ))
    })
}

/// The fast lookup key of a document (xxh3-64, hex): finds "a document we issued" without SM3;
/// a hit is always confirmed by comparing bytes.
pub fn fast_key(bytes: &[u8]) -> String {
    format!("{:016x}", xxhash_rust::xxh3::xxh3_64(bytes))
}

/// Stored documents: (OFD SM3, PDF SM3, (OFD fast key, PDF fast key)).
type Stored = (String, String, (String, String));

async fn store_issued(app: &App, lic: &Issued) -> ApiResult<Stored> {
    let ofd = app.blobs.put(&lic.ofd).await?;
    let pdf = app.blobs.put(&lic.pdf).await?;
    app.metrics.signed("licence", 2);
    Ok((ofd, pdf, (fast_key(&lic.ofd), fast_key(&lic.pdf))))
}

fn row_for(m: &Metadata, (ofd, pdf, fast): Stored) -> ApiResult<Licence> {
    Ok(Licence {
        identifier: m.identifier.clone(),
        type_code: m.type_code.clone(),
        issuer_code: m.issuer_code.clone(),
        holder_code: m.holder_code.clone(),
        number: m.number.clone(),
        version: m.version as i64,
        status: "valid".into(),
        status_reason: None,
        status_changed: None,
        supersedes: m.supersedes.clone(),
        superseded_by: None,
        metadata: serde_json::to_string(m).map_err(Problem::internal)?,
        ofd_sm3: ofd,
        pdf_sm3: pdf,
        issued_at: now_ts(),
        fast: Some(fast),
    })
}

/// POST /v1/licences
pub async fn issue(
    State(app): State<App>,
    caller: Caller,
    headers: HeaderMap,
    JsonBody(body, raw): JsonBody<IssueBody>,
) -> ApiResult<Response> {
    let dept = department_of(&app, &caller)?;
    let (idem, replay) = Idem::begin(&app, &caller, &headers, "POST /v1/licences", &raw).await?;
    if let Some(r) = replay {
        return Ok(r);
    }
    let t = app.catalogue.get(&body.type_code).ok_or_else(|| {
        Problem::invalid("unknown_type", format!("licence type {} is not in the catalogue", body.type_code), vec![])
    })?;
    if !dept.types.contains(&t.type_code) {
        return Err(Problem::forbidden(format!(
            "{} is not authorised to issue {} ({})",
            dept.name, t.name, t.type_code
        )));
    }
    if let Some(s) = &body.serial
        && (s.is_empty() || s.len() > 32 || !s.chars().all(|c| c.is_ascii_alphanumeric()))
    {
        return Err(Problem::invalid("bad_serial", "serial must be 1–32 ASCII letters and digits", vec![]));
    }
    let t = t.clone();
    let (name, code, url) = (dept.name.clone(), dept.code.clone(), verify_url(&app));
    let issued = with_sealing(&app, &dept.code, move |s| {
        let req = IssueRequest {
            ltype: &t,
            fields: body.fields,
            issuer: name,
            issuer_code: code,
            serial: body.serial,
            version: 1,
            verify_url: url,
            issued_on: None,
        };
        yinxin_licence::issue::issue(&req, s, time::OffsetDateTime::now_utc())
    })
    .await?;
    let stored = store_issued(&app, &issued).await?;
    let row = row_for(&issued.metadata, stored)?;
    let mut tx = app.db.begin().await?;
    if repo::licence_tx(&mut tx, &row.identifier).await?.is_some() {
        return Err(Problem::conflict(
            "identifier_taken",
            format!("licence {} already exists (the same type, department and licence number)", row.identifier),
        ));
    }
    repo::insert_licence(&mut tx, &row).await?;
    audit_in(
        &mut tx,
        &caller,
        "licence.issue",
        &row.identifier,
        Some(&row.holder_code),
        json!({"type": row.type_code}),
    )
    .await?;
    crate::tlog::enqueue(&app, &mut tx, &crate::tlog::licence_issued(&app, &row, None)?).await?;
    let r = idem.finish(&app, tx, StatusCode::CREATED, &LicenceView::from(row)).await;
    if r.is_ok() {
        crate::tlog::sequence_soon(&app);
    }
    r
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    holder_code: Option<String>,
    type_code: Option<String>,
    limit: Option<i64>,
    cursor: Option<String>,
}

/// GET /v1/licences: a department's own, or all for an admin.
pub async fn list(State(app): State<App>, caller: Caller, Query(q): Query<ListQuery>) -> ApiResult<Response> {
    caller.require(&[role::DEPARTMENT, role::ADMIN])?;
    let page = PageQuery { limit: q.limit, cursor: q.cursor.clone() };
    let limit = page.limit(&app)?;
    let f = LicenceFilter {
        holder_code: param("holder_code", &q.holder_code, 40)?,
        issuer_code: caller.is(role::DEPARTMENT).then(|| caller.principal()),
        type_code: param("type_code", &q.type_code, 40)?,
        number: None,
    };
    let items = repo::licences(&app.db, &f, page.cursor(), limit).await?;
    let items: Vec<LicenceView> = items.into_iter().map(LicenceView::from).collect();
    Ok(axum::Json(Page::of(items, limit, |l| l.row.identifier.clone())).into_response())
}

/// GET /v1/licences/{id}
pub async fn get(State(app): State<App>, caller: Caller, Path(id): Path<String>) -> ApiResult<Response> {
    let l = readable(&app, &caller, &id).await?;
    Ok(axum::Json(LicenceView::from(l)).into_response())
}

/// A document download.
pub fn file_response(bytes: Vec<u8>, mime: &'static str, name: &str) -> Response {
    let ascii: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '-' { c } else { '_' }).collect();
    (
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{ascii}\"")),
        ],
        bytes,
    )
        .into_response()
}

/// Which copy of a licence document.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct FormQuery {
    /// `issued` (default): the bytes as issued; `long-term`: with validation material and a
    /// document (PDF) or package (OFD) time stamp, renewed by the long-term task.
    form: Option<String>,
}

/// GET /v1/licences/{id}/ofd
pub async fn download_ofd(
    state: State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Query(q): Query<FormQuery>,
) -> ApiResult<Response> {
    download(state, caller, id, "ofd", q).await
}

/// GET /v1/licences/{id}/pdf
pub async fn download_pdf(
    state: State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Query(q): Query<FormQuery>,
) -> ApiResult<Response> {
    download(state, caller, id, "pdf", q).await
}

async fn download(
    State(app): State<App>,
    caller: Caller,
    id: String,
    format: &str,
    q: FormQuery,
) -> ApiResult<Response> {
    let l = readable(&app, &caller, &id).await?;
    let (digest, mime, kind) = if format == "ofd" {
        (&l.ofd_sm3, "application/ofd", crate::evidence::LICENCE_OFD)
    } else {
        (&l.pdf_sm3, "application/pdf", crate::evidence::LICENCE_PDF)
    };
    let bytes = match q.form.as_deref() {
        None | Some("issued") => app.blobs.get(digest).await?,
        Some("long-term") => crate::evidence::long_term_copy(&app, &id, kind, digest).await?,
        Some(other) => {
            return Err(Problem::invalid("bad_form", format!("form {other:?}: issued or long-term"), vec![]));
        }
    };
    Ok(file_response(bytes, mime, &format!("{id}.{format}")))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    reason: String,
}

/// POST /v1/licences/{id}/suspend
pub async fn suspend(
    state: State<App>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: JsonBody<ReasonBody>,
) -> ApiResult<Response> {
    change_status(state, caller, headers, id, "suspend", body).await
}

/// POST /v1/licences/{id}/resume
pub async fn resume(
    state: State<App>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: JsonBody<ReasonBody>,
) -> ApiResult<Response> {
    change_status(state, caller, headers, id, "resume", body).await
}

/// POST /v1/licences/{id}/revoke
pub async fn revoke(
    state: State<App>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: JsonBody<ReasonBody>,
) -> ApiResult<Response> {
    change_status(state, caller, headers, id, "revoke", body).await
}

async fn change_status(
    State(app): State<App>,
    caller: Caller,
    headers: HeaderMap,
    id: String,
    action: &str,
    JsonBody(body, raw): JsonBody<ReasonBody>,
) -> ApiResult<Response> {
    caller.require(&[role::DEPARTMENT])?;
    let reason = super::reason_text(&body.reason, true, "bad_reason")?;
    let (from, to): (&[&str], &str) = match action {
        "suspend" => (&["valid"], "suspended"),
        "resume" => (&["suspended"], "valid"),
        "revoke" => (&["valid", "suspended"], "revoked"),
        _ => return Err(Problem::not_found("no such action: suspend, resume or revoke")),
    };
    let (idem, replay) =
        Idem::begin(&app, &caller, &headers, &format!("POST /v1/licences/{id}/{action}"), &raw).await?;
    if let Some(r) = replay {
        return Ok(r);
    }
    let mut tx = app.db.begin().await?;
    let l =
        repo::lock_licence(&mut tx, &id).await?.ok_or_else(|| Problem::not_found(format!("licence {id} not found")))?;
    if l.issuer_code != caller.principal() {
        return Err(Problem::forbidden("only the issuing department may change a licence's status"));
    }
    if !from.contains(&l.status.as_str()) {
        // The same request with the same key, sent twice at once (a client's retry through
        // another node): the one that waited for the lock answers as the first did.
        drop(tx);
        if let Some(r) = idem.replay(&app).await? {
            return Ok(r);
        }
        return Err(Problem::conflict("bad_state", format!("the licence is {}: it cannot be {action}d", l.status)));
    }
    let now = now_ts();
    repo::set_licence_status(&mut tx, &id, to, Some(reason), now).await?;
    let listed = crate::present::status_changed(&app, &mut tx, &id, to).await?;
    audit_in(&mut tx, &caller, &format!("licence.{action}"), &id, Some(&l.holder_code), json!({"reason": reason}))
        .await?;
    crate::tlog::enqueue(&app, &mut tx, &crate::tlog::licence_status(&app, &l, action, reason)?).await?;
    let l = repo::licence_tx(&mut tx, &id).await?.ok_or_else(|| Problem::internal("the licence vanished"))?;
    let r = idem.finish(&app, tx, StatusCode::OK, &LicenceView::from(l)).await;
    if listed {
        app.present.changed();
    }
    if r.is_ok() {
        crate::tlog::sequenced(&app).await;
    }
    r
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReissueBody {
    fields: BTreeMap<String, String>,
}

/// POST /v1/licences/{id}/reissue: a new version superseding this one.
pub async fn reissue(
    State(app): State<App>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
    JsonBody(body, raw): JsonBody<ReissueBody>,
) -> ApiResult<Response> {
    let dept = department_of(&app, &caller)?;
    let (idem, replay) = Idem::begin(&app, &caller, &headers, &format!("POST /v1/licences/{id}/reissue"), &raw).await?;
    if let Some(r) = replay {
        return Ok(r);
    }
    let l = repo::licence(&app.db, &id).await?.ok_or_else(|| Problem::not_found(format!("licence {id} not found")))?;
    if l.issuer_code != dept.code {
        return Err(Problem::forbidden("only the issuing department may re-issue a licence"));
    }
    if l.status != "valid" && l.status != "suspended" {
        return Err(Problem::conflict("bad_state", format!("the licence is {}: it cannot be re-issued", l.status)));
    }
    let previous: Metadata = serde_json::from_str(&l.metadata).map_err(Problem::internal)?;
    let t = app.catalogue.get(&l.type_code).ok_or_else(|| Problem::internal("type left the catalogue"))?.clone();
    let url = verify_url(&app);
    let issued = with_sealing(&app, &dept.code, move |s| {
        yinxin_licence::issue::reissue(&previous, &t, body.fields, &url, s, time::OffsetDateTime::now_utc())
    })
    .await?;
    let stored = store_issued(&app, &issued).await?;
    let row = row_for(&issued.metadata, stored)?;
    let mut tx = app.db.begin().await?;
    let current = repo::lock_licence(&mut tx, &id).await?.ok_or_else(|| Problem::internal("the licence vanished"))?;
    if current.superseded_by.is_some() || repo::licence_tx(&mut tx, &row.identifier).await?.is_some() {
        return Err(Problem::conflict("already_reissued", format!("licence {id} has already been re-issued")));
    }
    // Revoked while this version was being made (read above without the lock).
    if current.status != "valid" && current.status != "suspended" {
        return Err(Problem::conflict(
            "bad_state",
            format!("the licence is {}: it cannot be re-issued", current.status),
        ));
    }
    repo::insert_licence(&mut tx, &row).await?;
    repo::set_superseded(&mut tx, &id, &row.identifier, now_ts()).await?;
    let listed = crate::present::status_changed(&app, &mut tx, &id, "superseded").await?;
    audit_in(&mut tx, &caller, "licence.reissue", &row.identifier, Some(&row.holder_code), json!({"supersedes": id}))
        .await?;
    crate::tlog::enqueue(&app, &mut tx, &crate::tlog::licence_issued(&app, &row, Some(&id))?).await?;
    let r = idem.finish(&app, tx, StatusCode::CREATED, &LicenceView::from(row)).await;
    if listed {
        app.present.changed();
    }
    if r.is_ok() {
        crate::tlog::sequenced(&app).await;
    }
    r
}

/// GET /v1/licences/{id}/versions: every version of the licence, oldest first.
pub async fn versions(State(app): State<App>, caller: Caller, Path(id): Path<String>) -> ApiResult<Response> {
    let l = readable(&app, &caller, &id).await?;
    let mut chain = vec![l.clone()];
    let mut cur = l.clone();
    while let Some(prev) = cur.supersedes.clone() {
        match repo::licence(&app.db, &prev).await? {
            Some(p) if chain.len() < 1000 => {
                chain.insert(0, p.clone());
                cur = p;
            }
            _ => break,
        }
    }
    let mut cur = l;
    while let Some(next) = cur.superseded_by.clone() {
        match repo::licence(&app.db, &next).await? {
            Some(n) if chain.len() < 1000 => {
                chain.push(n.clone());
                cur = n;
            }
            _ => break,
        }
    }
    let items: Vec<LicenceView> = chain.into_iter().map(LicenceView::from).collect();
    Ok(axum::Json(json!({ "items": items })).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnnotateBody {
    use_cause: String,
    user: String,
    expires: String,
}

/// POST /v1/licences/{id}/annotations: a 加注件 for one use, asked by the holder or the issuer,
/// sealed by the issuing department.
pub async fn annotate(
    State(app): State<App>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
    JsonBody(body, raw): JsonBody<AnnotateBody>,
) -> ApiResult<Response> {
    caller.require(&[role::DEPARTMENT, role::HOLDER])?;
    let l = readable(&app, &caller, &id).await?;
    if l.status != "valid" {
        return Err(Problem::conflict("bad_state", format!("the licence is {}: no 加注件 can be made", l.status)));
    }
    let (idem, replay) =
        Idem::begin(&app, &caller, &headers, &format!("POST /v1/licences/{id}/annotations"), &raw).await?;
    if let Some(r) = replay {
        return Ok(r);
    }
    let metadata: Metadata = serde_json::from_str(&l.metadata).map_err(Problem::internal)?;
    let t = app.catalogue.get(&l.type_code).ok_or_else(|| Problem::internal("type left the catalogue"))?.clone();
    let url = verify_url(&app);
    let (use_cause, user, expires) = (body.use_cause.clone(), body.user.clone(), body.expires.clone());
    let copy = with_sealing(&app, &l.issuer_code, move |s| {
        let ask = AnnotationRequest { use_cause: &use_cause, user: &user, expires: &expires };
        yinxin_licence::issue::annotate(&metadata, &t, &ask, &url, s, time::OffsetDateTime::now_utc())
    })
    .await?;
    let (ofd, pdf, fast) = store_issued(&app, &copy).await?;
    let a = copy.metadata.annotation.clone().ok_or_else(|| Problem::internal("no annotation"))?;
    let row = repo::Annotation {
        id: format!("ann-{}", crate::app::random_hex(12)),
        identifier: id.clone(),
        use_cause: a.use_cause,
        user_name: a.user,
        expires: a.expires,
        metadata: serde_json::to_string(&copy.metadata).map_err(Problem::internal)?,
        ofd_sm3: ofd,
        pdf_sm3: pdf,
        created: now_ts(),
        fast: Some(fast),
    };
    let mut tx = app.db.begin().await?;
    repo::insert_annotation(&mut tx, &row).await?;
    audit_in(
        &mut tx,
        &caller,
        "licence.annotate",
        &id,
        Some(&l.holder_code),
        json!({"annotation": row.id, "use_cause": row.use_cause, "user": row.user_name}),
    )
    .await?;
    idem.finish(&app, tx, StatusCode::CREATED, &row).await
}

/// GET /v1/annotations/{id}/{ofd|pdf}
pub async fn annotation_download(
    State(app): State<App>,
    caller: Caller,
    Path((aid, format)): Path<(String, String)>,
) -> ApiResult<Response> {
    let a =
        repo::annotation_by_id(&app.db, &aid).await?.ok_or_else(|| Problem::not_found(format!("{aid} not found")))?;
    readable(&app, &caller, &a.identifier).await.map_err(|_| Problem::not_found(format!("{aid} not found")))?;
    let (digest, mime) = match format.as_str() {
        "ofd" => (&a.ofd_sm3, "application/ofd"),
        "pdf" => (&a.pdf_sm3, "application/pdf"),
        _ => return Err(Problem::not_found("no such format: ofd or pdf")),
    };
    let bytes = app.blobs.get(digest).await?;
    Ok(file_response(bytes, mime, &format!("{}.{aid}.{format}", a.identifier)))
}

/// GET /v1/status/{id}: a licence's status now (any authenticated client).
pub async fn status(State(app): State<App>, _caller: Caller, Path(id): Path<String>) -> ApiResult<Response> {
    let l = repo::licence(&app.db, &id).await?.ok_or_else(|| Problem::not_found(format!("licence {id} not found")))?;
    Ok(axum::Json(json!({
        "identifier": l.identifier,
        "status": l.status,
        "reason": l.status_reason,
        "changed": l.status_changed,
        "superseded_by": l.superseded_by,
        "checked_at": now_ts(),
    }))
    .into_response())
}
