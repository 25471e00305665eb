//! Envelopes for organisers (a department): create with the documents, send to the parties,
//! follow, remind, void, download the documents and the signing report.

use crate::app::{App, Caller, Idem, JsonBody, Path, audit_in, random_hex, role};
use crate::envelopes::{self as env, party_views, state_name};
use crate::problem::{ApiResult, Problem};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::json;
use yinxin_sign::envelope::{ActionRequest, Actor, DocumentKind, Envelope, EnvelopeDraft};
use yinxin_store::envelopes::{self as rows, EnvelopeRow, PartyRow, Revision};
use yinxin_store::now_ts;

/// Most bytes of one document.
pub const MAX_DOCUMENT: usize = 10 << 20;

/// POST /v1/envelopes body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateBody {
    /// The envelope.
    pub draft: EnvelopeDraft,
    /// The documents, base64, in the order of `draft.documents`.
    pub documents: Vec<String>,
    /// Where to post the envelope's state changes.
    #[serde(default)]
    pub webhook: Option<WebhookSpec>,
}

/// A webhook receiver.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookSpec {
    /// An http(s) URL.
    pub url: String,
    /// A secret for HMAC-SM3 (`Yinxin-Hmac-Sm3`), for receivers that cannot check SM2.
    #[serde(default)]
    pub hmac_secret: Option<String>,
}

/// What organisers see of an envelope.
#[derive(Serialize)]
pub struct EnvelopeView {
    id: String,
    title: String,
    state: &'static str,
    deadline: String,
    current_step: Option<u32>,
    parties: Vec<env::PartyView>,
    documents: Vec<DocumentView>,
    created_at: i64,
    updated_at: i64,
}

#[derive(Serialize)]
struct DocumentView {
    index: usize,
    name: String,
    revisions: usize,
    sm3: String,
}

async fn view(app: &App, row: &EnvelopeRow, e: &Envelope) -> ApiResult<EnvelopeView> {
    let revisions = rows::revisions(&app.db, &row.id).await?;
    Ok(EnvelopeView {
        id: row.id.clone(),
        title: e.title().to_string(),
        state: state_name(e.state()),
        deadline: e.deadline().format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
        current_step: e.current_step(),
        parties: party_views(e),
        documents: e
            .documents()
            .iter()
            .enumerate()
            .map(|(i, d)| DocumentView {
                index: i,
                name: d.name.clone(),
                revisions: revisions.iter().filter(|r| r.document == i as i64).count(),
                sm3: env::latest_of(&revisions, i as i64).map(|r| r.sm3.clone()).unwrap_or_default(),
            })
            .collect(),
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// The envelope, if the caller organised it.
async fn own(app: &App, caller: &Caller, id: &str) -> ApiResult<(EnvelopeRow, Envelope)> {
    caller.require(&[role::DEPARTMENT])?;
    let (row, e) = env::load(app, id).await?;
    if row.organiser != caller.0.id {
        return Err(Problem::not_found(format!("envelope {id}")));
    }
    Ok((row, e))
}

/// POST /v1/envelopes: create a draft with its documents (PDF; each gets a blank last page for
/// the signing report).
pub async fn create(
    State(app): State<App>,
    caller: Caller,
    headers: HeaderMap,
    JsonBody(body, raw): JsonBody<CreateBody>,
) -> ApiResult<Response> {
    caller.require(&[role::DEPARTMENT])?;
    let (idem, replay) = Idem::begin(&app, &caller, &headers, "POST /v1/envelopes", &raw).await?;
    if let Some(r) = replay {
        return Ok(r);
    }
    if !app.keys.departments.contains_key(caller.principal()) {
        return Err(Problem::forbidden("the department has no signing key: it cannot close an envelope"));
    }
    let now = time::OffsetDateTime::now_utc();
    let e = Envelope::new(body.draft, now).map_err(env::refusal)?;
    if body.documents.len() != e.documents().len() {
        return Err(Problem::invalid(
            "envelope.documents",
            format!("{} documents are described and {} given", e.documents().len(), body.documents.len()),
            vec![],
        ));
    }
    let mut originals = Vec::new();
    for (i, (spec, b64)) in e.documents().iter().zip(&body.documents).enumerate() {
        if spec.media_type != DocumentKind::Pdf {
            return Err(Problem::invalid(
                "envelope.documents",
                format!("document {i}: only PDF documents can be signed in envelopes so far"),
                vec![],
            ));
        }
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map_err(|e| Problem::invalid("envelope.documents", format!("document {i}: not base64: {e}"), vec![]))?;
        if bytes.len() > MAX_DOCUMENT || !bytes.starts_with(b"%PDF-") {
            return Err(Problem::invalid(
                "envelope.documents",
                format!("document {i}: a PDF of at most {MAX_DOCUMENT} bytes is expected"),
                vec![],
            ));
        }
        let pages = yinxin_doc::pdf::raster::page_sizes(&bytes)
            .map_err(|e| Problem::invalid("envelope.documents", format!("document {i}: {e}"), vec![]))?;
        for (j, p) in e.parties().iter().enumerate() {
            for f in p.spec.fields.iter().filter(|f| f.document == i) {
                let Some(size) = pages.get(f.page as usize - 1) else {
                    return Err(Problem::invalid(
                        "envelope.fields",
                        format!("party {j}: document {i} has {} pages, not {}", pages.len(), f.page),
                        vec![],
                    ));
                };
                let [x, y, w, h] = f.rect;
                if x + w > size.width_pt + 0.5 || y + h > size.height_pt + 0.5 {
                    return Err(Problem::invalid(
                        "envelope.fields",
                        format!("party {j}: a field leaves page {} of document {i}", f.page),
                        vec![],
                    ));
                }
            }
        }
        let with_page = yinxin_doc::pdf::render::append_blank_page(&bytes)
            .map_err(|e| Problem::invalid("envelope.documents", format!("document {i}: {e}"), vec![]))?;
        originals.push(with_page);
    }
    if let Some(w) = &body.webhook {
        let ok = (w.url.starts_with("https://") || w.url.starts_with("http://"))
            && w.url.len() <= 2000
            && reqwest::Url::parse(&w.url).is_ok();
        if !ok {
            return Err(Problem::invalid("envelope.webhook", "the webhook URL is not an http(s) URL", vec![]));
        }
        if w.hmac_secret.as_ref().is_some_and(|s| s.len() < 16 || s.len() > 256) {
            return Err(Problem::invalid("envelope.webhook", "an HMAC secret has 16 to 256 bytes", vec![]));
        }
    }
    let id = format!("env-{}", random_hex(12));
    let mut revisions = Vec::new();
    for (i, pdf) in originals.iter().enumerate() {
        let sm3 = app.blobs.put(pdf).await?;
        revisions.push(Revision {
            document: i as i64,
            seq: 0,
            sm3,
            party: None,
            action: "original".into(),
            detail: json!({"report_page": true}),
            at: now_ts(),
        });
    }
    let row = EnvelopeRow {
        id: id.clone(),
        organiser: caller.0.id.clone(),
        department: caller.principal().to_string(),
        state: state_name(e.state()).into(),
        body: serde_json::to_string(&e).map_err(Problem::internal)?,
        version: 1,
        created_at: now_ts(),
        updated_at: now_ts(),
    };
    let mut tx = app.db.begin().await?;
    rows::insert_envelope(&mut tx, &row).await?;
    if let Some(w) = &body.webhook {
        let secret_wrapped = match &w.hmac_secret {
            Some(secret) => {
                let kek = app.kek.as_ref().ok_or_else(|| Problem::internal("no key-encryption key"))?;
                Some(
                    kek.wrap_secret(&crate::webhooks::secret_name(&id), secret.as_bytes())
                        .map_err(Problem::internal)?,
                )
            }
            None => None,
        };
        rows::set_webhook(&mut tx, &id, &rows::Webhook { url: w.url.clone(), secret_wrapped }).await?;
    }
    for r in &revisions {
        rows::insert_revision(&mut tx, &id, r).await?;
    }
    audit_in(&mut tx, &caller, "envelope.create", &id, None, json!({"title": e.title(), "documents": revisions.len()}))
        .await?;
    let v = view_rows(&row, &e, &revisions);
    idem.finish(&app, tx, StatusCode::CREATED, &v).await
}

fn view_rows(row: &EnvelopeRow, e: &Envelope, revisions: &[Revision]) -> serde_json::Value {
    json!({
        "id": row.id,
        "title": e.title(),
        "state": state_name(e.state()),
        "parties": party_views(e),
        "documents": revisions.iter().map(|r| json!({"index": r.document, "sm3": r.sm3})).collect::<Vec<_>>(),
    })
}

/// GET /v1/envelopes/{id}
pub async fn status(State(app): State<App>, caller: Caller, Path(id): Path<String>) -> ApiResult<Response> {
    let (row, e) = own(&app, &caller, &id).await?;
    let mut v = serde_json::to_value(view(&app, &row, &e).await?).map_err(Problem::internal)?;
    if let Some(w) = rows::webhook(&app.db, &id).await? {
        let deliveries: Vec<_> = rows::deliveries(&app.db, &id)
            .await?
            .into_iter()
            .map(|d| json!({"id": d.id, "event": d.event, "attempts": d.attempts, "delivered_at": d.delivered_at, "last_error": d.last_error}))
            .collect();
        v["webhook"] = json!({"url": w.url, "hmac": w.secret_wrapped.is_some(), "deliveries": deliveries});
    }
    Ok(axum::Json(v).into_response())
}

/// A link as the organiser receives it when sending.
#[derive(Serialize)]
struct Link {
    party: usize,
    name: String,
    url: String,
}

/// POST /v1/envelopes/{id}/send: the parties get their one-time links (by message; returned
/// once to the organiser too, to hand over another way).
pub async fn send(State(app): State<App>, caller: Caller, Path(id): Path<String>) -> ApiResult<Response> {
    let (row, mut e) = own(&app, &caller, &id).await?;
    let events = env::apply(&mut e, Actor::Organiser, ActionRequest::Send)?;
    let mut tx = app.db.begin().await?;
    let mut links = Vec::new();
    for (i, p) in e.parties().iter().enumerate() {
        let (token, link_sm3) = env::new_link();
        rows::insert_party(
            &mut tx,
            &PartyRow {
                envelope_id: id.clone(),
                party: i as i64,
                link_sm3,
                enrolment_id: random_hex(16),
                ..Default::default()
            },
        )
        .await?;
        let url = format!("{}/sign/{token}", app.cfg.public_url.trim_end_matches('/'));
        if let Some(to) = &p.spec.contact {
            env::message(
                &mut tx,
                to,
                format!("请签署：{}", e.title()),
                format!("{}邀请您签署《{}》：{url}", row.department, e.title()),
            )
            .await?;
        }
        links.push(Link { party: i, name: p.spec.name.clone(), url });
    }
    env::save(&mut tx, &row, &e).await?;
    crate::webhooks::queue(&mut tx, &id, state_name(e.state()), &events).await?;
    audit_in(&mut tx, &caller, "envelope.send", &id, None, json!({"parties": links.len(), "events": events.len()}))
        .await?;
    tx.commit().await?;
    Ok((StatusCode::OK, axum::Json(json!({"id": id, "state": state_name(e.state()), "links": links}))).into_response())
}

/// POST /v1/envelopes/{id}/remind
pub async fn remind(State(app): State<App>, caller: Caller, Path(id): Path<String>) -> ApiResult<Response> {
    let (row, mut e) = own(&app, &caller, &id).await?;
    env::apply(&mut e, Actor::Organiser, ActionRequest::Remind)?;
    let mut tx = app.db.begin().await?;
    let mut reminded = Vec::new();
    for i in e.parties_in_turn() {
        let p = &e.parties()[i];
        if let Some(to) = &p.spec.contact {
            env::message(
                &mut tx,
                to,
                format!("提醒：请签署《{}》", e.title()),
                format!("《{}》正等待您签署。", e.title()),
            )
            .await?;
        }
        reminded.push(p.spec.name.clone());
    }
    env::save(&mut tx, &row, &e).await?;
    audit_in(&mut tx, &caller, "envelope.remind", &id, None, json!({"reminded": reminded})).await?;
    tx.commit().await?;
    Ok(axum::Json(json!({"reminded": reminded})).into_response())
}

/// POST /v1/envelopes/{id}/void body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VoidBody {
    reason: String,
}

/// POST /v1/envelopes/{id}/void
pub async fn void(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(body, _): JsonBody<VoidBody>,
) -> ApiResult<Response> {
    let (row, mut e) = own(&app, &caller, &id).await?;
    let events = env::apply(&mut e, Actor::Organiser, ActionRequest::Void { reason: body.reason.clone() })?;
    let mut tx = app.db.begin().await?;
    env::save(&mut tx, &row, &e).await?;
    crate::webhooks::queue(&mut tx, &id, state_name(e.state()), &events).await?;
    audit_in(&mut tx, &caller, "envelope.void", &id, None, json!({"reason": body.reason})).await?;
    tx.commit().await?;
    Ok(axum::Json(json!({"id": id, "state": state_name(e.state())})).into_response())
}

/// GET /v1/envelopes/{id}/documents/{index}: the latest revision.
pub async fn download(
    State(app): State<App>,
    caller: Caller,
    Path((id, index)): Path<(String, usize)>,
) -> ApiResult<Response> {
    let (row, e) = own(&app, &caller, &id).await?;
    env::document_file(&app, &row, &e, index).await
}

/// GET /v1/envelopes/{id}/report: the signing report, signed by the service (SM2 over the
/// report's JSON bytes, as the verification receipts are).
pub async fn report(State(app): State<App>, caller: Caller, Path(id): Path<String>) -> ApiResult<Response> {
    let (row, e) = own(&app, &caller, &id).await?;
    let revisions = rows::revisions(&app.db, &row.id).await?;
    let report = env::report(&app, &row, &e, &revisions);
    let bytes = serde_json::to_vec(&report).map_err(Problem::internal)?;
    let sig = app.keys.service.1.sign(&bytes).map_err(Problem::internal)?;
    Ok(axum::Json(json!({
        "report": report,
        "report_b64": base64::engine::general_purpose::STANDARD.encode(&bytes),
        "signature": hex::encode(sig.to_der()),
        "signature_alg": "SM2-with-SM3, user ID 1234567812345678, DER, over the bytes of report_b64",
        "certificate": app.keys.service_pem,
    }))
    .into_response())
}

/// GET /v1/outbox?recipient=…: the messages the service would have sent (development: no SMS
/// gateway; administrators and the tests read codes and links here).
pub async fn outbox(
    State(app): State<App>,
    caller: Caller,
    crate::app::Query(q): crate::app::Query<OutboxQuery>,
) -> ApiResult<Response> {
    caller.require(&[role::ADMIN])?;
    if !app.cfg.dev_clients {
        return Err(Problem::forbidden("the outbox is kept only in development (dev_clients)"));
    }
    let msgs = rows::outbox(&app.db, &q.recipient, 50).await?;
    Ok(axum::Json(json!({"messages": msgs})).into_response())
}

/// GET /v1/outbox query.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutboxQuery {
    recipient: String,
}
