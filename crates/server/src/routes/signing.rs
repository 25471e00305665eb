//! The party's side of an envelope, behind its one-time link (`/sign/{token}`): a one-time code,
//! a short access session, the documents as page images, enrolment of a two-party key, and
//! signing with a handwritten signature in three messages (prepare, commit, complete).
//!
//! Authentication: the link alone shows nothing; a code sent to the party's contact (SMS in
//! production; in development the response and the outbox carry it) opens a 30-minute access
//! token, sent as `Authorization: Bearer`. Real identity providers are out of scope.

use crate::app::{App, JsonBody, Path, Query, random_hex};
use crate::envelopes::{
    self as env, ACCESS_SECONDS, CODE_ATTEMPTS, CODE_SECONDS, CODE_WINDOW, CODES_PER_WINDOW, SESSION_SECONDS,
    party_views, state_name,
};
use crate::problem::{ApiResult, Problem};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde::Deserialize;
use serde_json::json;
use yinxin_gm::sm3::sm3;
use yinxin_pki::DnBuilder;
use yinxin_sign::cosign::{Commitment, Completion, EnrolRequest, ServiceShare, SessionState, SignSession, digest_for};
use yinxin_sign::envelope::{ActionRequest, Actor, Envelope, EnvelopeState, FieldKind, PartyKind};
use yinxin_sign::handwriting::Handwriting;
use yinxin_store::envelopes::{self as rows, EnvelopeRow, PartyRow, Revision, SessionRow};
use yinxin_store::now_ts;

fn link_digest(token: &str) -> ApiResult<String> {
    if token.len() != 48 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Problem::not_found("no such signing link"));
    }
    Ok(sm3(token.as_bytes()).to_hex())
}

async fn party_of(app: &App, token: &str) -> ApiResult<(PartyRow, EnvelopeRow, Envelope)> {
    let p = rows::party_by_link(&app.db, &link_digest(token)?)
        .await?
        .ok_or_else(|| Problem::not_found("no such signing link"))?;
    let (row, e) = env::load(app, &p.envelope_id).await?;
    Ok((p, row, e))
}

/// The access token a party's request carries (`Authorization: Bearer`). Extracted before the
/// body, so that a request without one is 401 whatever its body; checked against the link by
/// [`authed`].
pub struct PartyBearer(String);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for PartyBearer {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Problem> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty() && t.len() <= 200)
            .ok_or_else(|| Problem::unauthenticated("enter the code first: Authorization: Bearer ACCESS"))?;
        Ok(PartyBearer(token.to_string()))
    }
}

/// The party behind the link, with a valid access token.
async fn authed(app: &App, bearer: &PartyBearer, token: &str) -> ApiResult<(PartyRow, EnvelopeRow, Envelope)> {
    let (p, row, e) = party_of(app, token).await?;
    let ok = p.access_sm3.as_deref() == Some(sm3(bearer.0.as_bytes()).to_hex().as_str())
        && p.access_expires.is_some_and(|t| t > now_ts());
    if !ok {
        return Err(Problem::unauthenticated("the access has expired or is not this link's: enter a new code"));
    }
    Ok((p, row, e))
}

fn mask(contact: &str) -> String {
    let chars: Vec<char> = contact.chars().collect();
    if chars.len() <= 4 {
        return "****".into();
    }
    let keep = 3.min(chars.len() / 3);
    chars.iter().enumerate().map(|(i, c)| if i < keep || i + 4 >= chars.len() { *c } else { '*' }).collect()
}

/// POST /v1/sign/{token}/code: send a one-time code to the party's contact.
pub async fn code(State(app): State<App>, Path(token): Path<String>) -> ApiResult<Response> {
    let (p, row, e) = party_of(&app, &token).await?;
    let party = &e.parties()[p.party as usize];
    let mut b = [0u8; 4];
    yinxin_gm::Provider::fill_random(yinxin_gm::default_provider(), &mut b).map_err(Problem::internal)?;
    let code = format!("{:06}", u32::from_be_bytes(b) % 1_000_000);
    let to = party.spec.contact.clone().unwrap_or_else(|| format!("party:{}/{}", row.id, p.party));
    let mut tx = app.db.begin().await?;
    let code_sm3 = sm3(format!("{}:{code}", p.link_sm3).as_bytes()).to_hex();
    let now = now_ts();
    if !rows::set_code(&mut tx, &p.link_sm3, &code_sm3, now + CODE_SECONDS, now, CODE_WINDOW, CODES_PER_WINDOW).await? {
        return Err(Problem::new(
            StatusCode::TOO_MANY_REQUESTS,
            "code.too_many",
            format!("{CODES_PER_WINDOW} codes were sent for this link in the last hour: try again later"),
        ));
    }
    env::message(
        &mut tx,
        &to,
        "签署验证码".into(),
        format!("您正在签署《{}》，验证码 {code}，{} 分钟内有效。", e.title(), CODE_SECONDS / 60),
    )
    .await?;
    tx.commit().await?;
    let mut out = json!({"sent_to": mask(&to), "name": party.spec.name, "title": e.title()});
    if app.cfg.dev_clients {
        out["dev_code"] = json!(code);
    }
    Ok(axum::Json(out).into_response())
}

/// POST /v1/sign/{token}/session body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeBody {
    code: String,
}

/// POST /v1/sign/{token}/session: the code opens an access session.
pub async fn session(
    State(app): State<App>,
    Path(token): Path<String>,
    JsonBody(body, _): JsonBody<CodeBody>,
) -> ApiResult<Response> {
    let (p, row, _) = party_of(&app, &token).await?;
    let live = p.code_sm3.is_some() && p.code_expires.is_some_and(|t| t > now_ts());
    if !live || p.code_attempts >= CODE_ATTEMPTS {
        return Err(Problem::unauthenticated("no valid code: ask for a new one"));
    }
    let given = sm3(format!("{}:{}", p.link_sm3, body.code.trim()).as_bytes()).to_hex();
    let mut tx = app.db.begin().await?;
    if Some(given.as_str()) != p.code_sm3.as_deref() {
        rows::code_failed(&mut tx, &p.link_sm3).await?;
        tx.commit().await?;
        return Err(Problem::unauthenticated(format!(
            "the code is wrong ({} attempts left)",
            (CODE_ATTEMPTS - p.code_attempts - 1).max(0)
        )));
    }
    let access = random_hex(24);
    let expires = now_ts() + ACCESS_SECONDS;
    rows::open_access(&mut tx, &p.link_sm3, &sm3(access.as_bytes()).to_hex(), expires).await?;
    yinxin_store::audit::append(
        &mut tx,
        env::party_entry(
            &format!("party:{}/{}", row.id, p.party),
            "envelope.authenticate",
            &row.id,
            json!({"method": "one-time code"}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(axum::Json(json!({"access": access, "expires_at": expires})).into_response())
}

/// GET /v1/sign/{token}: what the party sees.
pub async fn view(State(app): State<App>, bearer: PartyBearer, Path(token): Path<String>) -> ApiResult<Response> {
    let (p, row, e) = authed(&app, &bearer, &token).await?;
    let i = p.party as usize;
    let party = &e.parties()[i];
    let revisions = rows::revisions(&app.db, &row.id).await?;
    let mut documents = Vec::new();
    for last in env::latest(&revisions) {
        let pdf = app.blobs.get(&last.sm3).await?;
        let sizes = yinxin_doc::pdf::raster::page_sizes(&pdf).map_err(Problem::internal)?;
        let name = e.documents().get(last.document as usize).map(|d| d.name.clone()).unwrap_or_default();
        documents.push(json!({
            "index": last.document,
            "name": name,
            "pages": sizes.iter().map(|s| json!({"width_pt": s.width_pt, "height_pt": s.height_pt})).collect::<Vec<_>>(),
        }));
    }
    let status = party_views(&e).into_iter().nth(i).map(|v| v.status).unwrap_or("waiting");
    Ok(axum::Json(json!({
        "envelope": {
            "id": row.id,
            "title": e.title(),
            "organiser": env::organiser_name(&app, &row),
            "state": state_name(e.state()),
            "deadline": e.deadline().format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
            "message": e.message(),
        },
        "party": {
            "index": i,
            "name": party.spec.name,
            "role": party.spec.role,
            "step": party.spec.step,
            "status": status,
        },
        "your_turn": e.parties_in_turn().contains(&i),
        "current_step": e.current_step(),
        "enrolment_id": p.enrolment_id,
        "enrolled": p.share_wrapped.is_some(),
        "documents": documents,
        "fields": party.spec.fields,
        "parties": party_views(&e),
    }))
    .into_response())
}

/// GET page query.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    width: Option<u32>,
}

/// GET /v1/sign/{token}/documents/{index}/pages/{page}: a page of the latest revision as PNG.
pub async fn page(
    State(app): State<App>,
    bearer: PartyBearer,
    Path((token, index, page)): Path<(String, i64, usize)>,
    Query(q): Query<PageQuery>,
) -> ApiResult<Response> {
    let (_, row, _) = authed(&app, &bearer, &token).await?;
    let revisions = rows::revisions(&app.db, &row.id).await?;
    let last = env::latest_of(&revisions, index).ok_or_else(|| Problem::not_found("no such document"))?;
    let pdf = app.blobs.get(&last.sm3).await?;
    let width = q.width.unwrap_or(1080).clamp(64, 2400);
    if page == 0 {
        return Err(Problem::not_found("pages count from 1"));
    }
    let png = app
        .cpu_work(move || yinxin_doc::pdf::raster::render_page_png(&pdf, page - 1, width))
        .await?
        .map_err(|e| Problem::not_found(format!("page {page}: {e}")))?;
    Ok(([(header::CONTENT_TYPE, "image/png"), (header::CACHE_CONTROL, "private, max-age=60")], png).into_response())
}

/// POST /v1/sign/{token}/enrol body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrolBody {
    request: EnrolRequest,
}

fn share_key_name(p: &PartyRow) -> String {
    format!("cosign:{}/{}", p.envelope_id, p.party)
}

/// POST /v1/sign/{token}/enrol: the two-party key, and the certificate over its public key.
/// Allowed again until the party's first signature (a device that lost its share before
/// signing enrols anew).
pub async fn enrol(
    State(app): State<App>,
    bearer: PartyBearer,
    Path(token): Path<String>,
    JsonBody(body, _): JsonBody<EnrolBody>,
) -> ApiResult<Response> {
    let (p, row, e) = authed(&app, &bearer, &token).await?;
    let i = p.party as usize;
    if party_views(&e)[i].status != "waiting" || !matches!(e.state(), EnvelopeState::Sent | EnvelopeState::InProgress) {
        return Err(Problem::conflict("enrol.closed", "the party has acted or the envelope is closed: no new key"));
    }
    let id = hex::decode(&p.enrolment_id).map_err(Problem::internal)?;
    let (share, response) = ServiceShare::enrol(&id, &body.request).map_err(env::refusal)?;
    let party = &e.parties()[i];
    let org = match &party.spec.kind {
        PartyKind::Organisation { .. } => party.spec.name.clone(),
        PartyKind::Person { .. } => "个人".to_string(),
    };
    let subject = DnBuilder::new()
        .c("CN")
        .and_then(|b| b.o(&org))
        .and_then(|b| b.cn(&party.spec.name))
        .and_then(|b| b.add("serialNumber", &format!("{}-{}", row.id, i)))
        .and_then(|b| b.to_der())
        .map_err(|e| Problem::invalid("enrol.invalid", e.to_string(), vec![]))?;
    let now = time::OffsetDateTime::now_utc();
    let public_key = share.public_key().map_err(Problem::internal)?;
    let cert = crate::routes::materials::issue_person_cert(&app, subject, public_key, now)?;
    let wrapped = app.require_kek()?.wrap_secret(&share_key_name(&p), &share.to_bytes()).map_err(Problem::internal)?;
    let mut tx = app.db.begin().await?;
    rows::set_key(&mut tx, &p.link_sm3, &wrapped, cert.der()).await?;
    yinxin_store::audit::append(
        &mut tx,
        env::party_entry(
            &format!("party:{}/{}", row.id, i),
            "envelope.enrol",
            &row.id,
            json!({"serial": cert.serial_hex(), "public_key": response.public_key}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(axum::Json(json!({"response": response, "certificate_pem": cert.to_pem()})).into_response())
}

/// The documents the party has fields in and has not signed yet.
fn unsigned_documents(e: &Envelope, party: usize, revisions: &[Revision]) -> Vec<usize> {
    let mut docs: Vec<usize> = e.parties()[party].spec.fields.iter().map(|f| f.document).collect();
    docs.sort_unstable();
    docs.dedup();
    docs.retain(|d| !revisions.iter().any(|r| r.document == *d as i64 && r.party == Some(party as i64)));
    docs
}

/// The party may sign now: the rules would accept its Sign.
fn may_sign(e: &Envelope, party: usize) -> ApiResult<()> {
    let mut probe = e.clone();
    env::apply(&mut probe, Actor::Party(party), ActionRequest::Sign).map(|_| ())
}

/// POST /v1/sign/{token}/prepare body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrepareBody {
    handwriting: Handwriting,
}

/// POST /v1/sign/{token}/prepare: the next document's signature, prepared with the strokes'
/// appearance and their SM3 among the signed attributes; the digest the parties sign.
pub async fn prepare(
    State(app): State<App>,
    bearer: PartyBearer,
    Path(token): Path<String>,
    JsonBody(body, _): JsonBody<PrepareBody>,
) -> ApiResult<Response> {
    let (p, row, e) = authed(&app, &bearer, &token).await?;
    let i = p.party as usize;
    may_sign(&e, i)?;
    let cert_der =
        p.cert.clone().ok_or_else(|| Problem::conflict("enrol.missing", "enrol a key on this device first"))?;
    let cert = yinxin_pki::Cert::from_der(&cert_der).map_err(Problem::internal)?;
    let public = cert.public_key.clone().map_err(Problem::internal)?;
    let revisions = rows::revisions(&app.db, &row.id).await?;
    let todo = unsigned_documents(&e, i, &revisions);
    let document =
        *todo.first().ok_or_else(|| Problem::conflict("envelope.already_acted", "every document is signed"))?;
    let base =
        env::latest_of(&revisions, document as i64).ok_or_else(|| Problem::internal("a document without revisions"))?;
    let pdf = app.blobs.get(&base.sm3).await?;
    let party = e.parties()[i].spec.clone();
    let field = party
        .fields
        .iter()
        .find(|f| f.document == document && matches!(f.kind, FieldKind::Signature | FieldKind::Seal))
        .cloned()
        .ok_or_else(|| Problem::internal("no signature field"))?;
    let hw = body.handwriting;
    let strokes = hw.canonical_bytes();
    let strokes_kept = strokes.clone();
    let device = hw.device.clone().unwrap_or_default();
    let (prepared, attrs, e_digest, preview) = app
        .cpu_work(move || -> ApiResult<_> {
            let [_, _, w, h] = field.rect;
            let scale = (600.0 / w.max(1.0)).min(4.0);
            let png = hw
                .render_png((w * scale).max(16.0) as u32, (h * scale).max(16.0) as u32)
                .map_err(|e| Problem::invalid("handwriting.invalid", e.to_string(), vec![]))?;
            let rect = yinxin_doc::pdf::sign::rect_mm_from_points(&pdf, field.page as usize - 1, field.rect)
                .map_err(Problem::internal)?;
            let now = time::OffsetDateTime::now_utc();
            let ap = yinxin_doc::pdf::sign::Appearance {
                page: field.page as usize - 1,
                rect_mm: rect,
                png: Some(png.clone()),
            };
            let options = yinxin_doc::pdf::sign::SignatureOptions { handwriting: Some(&strokes), ..Default::default() };
            let prepared =
                yinxin_doc::pdf::sign::prepare(&pdf, &ap, &party.name, now, &options).map_err(Problem::internal)?;
            let attrs =
                yinxin_seal::gmt0010::SignedAttributes::new(&prepared.covered_sm3().0, now, Some(&sm3(&strokes).0));
            let e_digest = digest_for(&public, &attrs.to_be_signed());
            Ok((prepared, attrs, e_digest, png))
        })
        .await??;
    let sign_session = SignSession::new(e_digest).map_err(env::refusal)?;
    let prepared_sm3 = app.blobs.put(prepared.bytes()).await?;
    let session_row = SessionRow {
        id: sign_session.id.to_hex(),
        envelope_id: row.id.clone(),
        party: p.party,
        document: document as i64,
        base_seq: base.seq,
        state: serde_json::to_string(&sign_session).map_err(Problem::internal)?,
        prepared_sm3,
        attrs: attrs.der().to_vec(),
        handwriting: strokes_kept,
        device,
        created_at: now_ts(),
        expires_at: now_ts() + SESSION_SECONDS,
    };
    let mut tx = app.db.begin().await?;
    rows::insert_session(&mut tx, &session_row).await?;
    tx.commit().await?;
    Ok(axum::Json(json!({
        "session": session_row.id,
        "e": e_digest.to_hex(),
        "document": document,
        "remaining": todo.len() - 1,
        "preview_png": base64::engine::general_purpose::STANDARD.encode(&preview),
    }))
    .into_response())
}

/// The session a message names, for this party, not expired.
async fn session_for(app: &App, p: &PartyRow, id: &str) -> ApiResult<(SessionRow, SignSession)> {
    let s = rows::session(&app.db, id).await?.ok_or_else(|| Problem::not_found("no such signing session"))?;
    if s.envelope_id != p.envelope_id || s.party != p.party {
        return Err(Problem::not_found("no such signing session"));
    }
    let state: SignSession = serde_json::from_str(&s.state).map_err(Problem::internal)?;
    Ok((s, state))
}

fn service_share(app: &App, p: &PartyRow) -> ApiResult<ServiceShare> {
    let kek = app.require_kek()?;
    let wrapped = p.share_wrapped.as_deref().ok_or_else(|| Problem::conflict("enrol.missing", "no key enrolled"))?;
    let bytes = kek.unwrap_secret(&share_key_name(p), wrapped).map_err(Problem::internal)?;
    ServiceShare::from_bytes(&bytes).map_err(env::refusal)
}

/// POST /v1/sign/{token}/commit body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommitBody {
    commitment: Commitment,
}

/// POST /v1/sign/{token}/commit: the service's answer to the device's commitment. The
/// session's new state is stored before the answer leaves.
pub async fn commit(
    State(app): State<App>,
    bearer: PartyBearer,
    Path(token): Path<String>,
    JsonBody(body, _): JsonBody<CommitBody>,
) -> ApiResult<Response> {
    let (p, _, e) = authed(&app, &bearer, &token).await?;
    may_sign(&e, p.party as usize)?;
    let (row, mut session) = session_for(&app, &p, &body.commitment.session).await?;
    if row.expires_at <= now_ts() {
        return Err(Problem::conflict("cosign.expired", "the signing session has expired: prepare again"));
    }
    let share = service_share(&app, &p)?;
    let answer = share.answer(&mut session, &body.commitment).map_err(env::refusal)?;
    let mut tx = app.db.begin().await?;
    rows::update_session(&mut tx, &row.id, &row.state, &serde_json::to_string(&session).map_err(Problem::internal)?)
        .await?;
    tx.commit().await?;
    Ok(axum::Json(json!({"answer": answer})).into_response())
}

/// POST /v1/sign/{token}/complete body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompleteBody {
    completion: Completion,
}

/// POST /v1/sign/{token}/complete: the device's signature, checked, put into the prepared
/// revision with a time stamp, and recorded with the party's progress in one transaction. A
/// repeated completion of a session already recorded answers as the first did.
pub async fn complete(
    State(app): State<App>,
    bearer: PartyBearer,
    Path(token): Path<String>,
    JsonBody(body, _): JsonBody<CompleteBody>,
) -> ApiResult<Response> {
    let (p, env_row, e) = authed(&app, &bearer, &token).await?;
    let i = p.party as usize;
    let (row, mut session) = session_for(&app, &p, &body.completion.session).await?;
    if let SessionState::Done { signature } = &session.state {
        let same = body.completion.signature().map(|s| s.to_raw() == *signature).unwrap_or(false);
        if same {
            return progress(&app, &env_row.id, i).await;
        }
    }
    may_sign(&e, i)?;
    let share = service_share(&app, &p)?;
    let signature = share.accept(&mut session, &body.completion).map_err(env::refusal)?;
    let cert = yinxin_pki::Cert::from_der(p.cert.as_deref().unwrap_or_default()).map_err(Problem::internal)?;
    let serial = cert.serial_hex();
    let prepared_bytes = app.blobs.get(&row.prepared_sm3).await?;
    let attrs_der = row.attrs.clone();
    let app2 = app.clone();
    let signed = app
        .cpu_work(move || -> ApiResult<Vec<u8>> {
            let prepared = yinxin_doc::pdf::sign::Prepared::reopen(prepared_bytes).map_err(Problem::internal)?;
            let attrs = yinxin_seal::gmt0010::SignedAttributes::from_der(attrs_der);
            let cms = attrs
                .assemble(&signature, &cert, &app2.keys.chain, time::OffsetDateTime::now_utc(), Some(&app2.keys.tsa))
                .map_err(Problem::internal)?;
            prepared.fill(&cms).map_err(Problem::internal)
        })
        .await??;
    let sm3_hex = app.blobs.put(&signed).await?;
    crate::app::crash_point("envelope.complete:before_commit");
    // The party's progress, re-read inside the transaction: another node may have moved it.
    let mut tx = app.db.begin().await?;
    let fresh = rows::envelope_tx(&mut tx, &env_row.id).await?.ok_or_else(|| Problem::not_found("envelope"))?;
    let mut e = env::parse(&fresh)?;
    rows::update_session(&mut tx, &row.id, &row.state, &serde_json::to_string(&session).map_err(Problem::internal)?)
        .await?;
    rows::insert_revision(
        &mut tx,
        &env_row.id,
        &Revision {
            document: row.document,
            seq: row.base_seq + 1,
            sm3: sm3_hex.clone(),
            party: Some(p.party),
            action: "signed".into(),
            detail: json!({
                "signer": e.parties()[i].spec.name,
                "serial": serial,
                "auth": "one-time code + two-party SM2 (device share, PIN)",
                "device": row.device,
                "session": row.id,
            }),
            at: now_ts(),
        },
    )
    .await
    .map_err(|_| {
        Problem::conflict("envelope.stale", "the document changed since this signature was prepared: prepare again")
    })?;
    let revisions_after = {
        let mut r = rows::revisions(&app.db, &env_row.id).await?;
        r.push(Revision {
            document: row.document,
            seq: row.base_seq + 1,
            sm3: sm3_hex,
            party: Some(p.party),
            action: "signed".into(),
            detail: json!({}),
            at: now_ts(),
        });
        r
    };
    if unsigned_documents(&e, i, &revisions_after).is_empty() {
        let events = env::apply(&mut e, Actor::Party(i), ActionRequest::Sign)?;
        env::save(&mut tx, &fresh, &e).await?;
        crate::webhooks::queue(&mut tx, &env_row.id, state_name(e.state()), &events).await?;
    }
    yinxin_store::audit::append(
        &mut tx,
        env::party_entry(
            &format!("party:{}/{}", env_row.id, i),
            "envelope.sign",
            &env_row.id,
            json!({"document": row.document, "session": row.id}),
        ),
    )
    .await?;
    tx.commit().await?;
    crate::app::crash_point("envelope.complete:after_commit");
    if e.all_signed()
        && let Err(p) = env::close(&app, &env_row.id).await
    {
        tracing::warn!(envelope = %env_row.id, "closing after the last signature failed (the periodic task retries): {:?}", p.detail);
    }
    progress(&app, &env_row.id, i).await
}

/// Where the envelope is, for the party that just acted.
async fn progress(app: &App, id: &str, i: usize) -> ApiResult<Response> {
    let (_, e) = env::load(app, id).await?;
    let revisions = rows::revisions(&app.db, id).await?;
    let views = party_views(&e);
    Ok(axum::Json(json!({
        "state": state_name(e.state()),
        "party_status": views.get(i).map(|v| json!({"status": v.status, "at": v.at})),
        "more": !unsigned_documents(&e, i, &revisions).is_empty() && views.get(i).is_some_and(|v| v.status == "waiting"),
        "next": e.parties_in_turn().iter().map(|j| e.parties()[*j].spec.name.clone()).collect::<Vec<_>>(),
    }))
    .into_response())
}

/// POST /v1/sign/{token}/decline body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeclineBody {
    reason: String,
}

/// POST /v1/sign/{token}/decline
pub async fn decline(
    State(app): State<App>,
    bearer: PartyBearer,
    Path(token): Path<String>,
    JsonBody(body, _): JsonBody<DeclineBody>,
) -> ApiResult<Response> {
    let (p, row, mut e) = authed(&app, &bearer, &token).await?;
    let i = p.party as usize;
    let events = env::apply(&mut e, Actor::Party(i), ActionRequest::Decline { reason: body.reason.clone() })?;
    let mut tx = app.db.begin().await?;
    env::save(&mut tx, &row, &e).await?;
    crate::webhooks::queue(&mut tx, &row.id, state_name(e.state()), &events).await?;
    yinxin_store::audit::append(
        &mut tx,
        env::party_entry(
            &format!("party:{}/{}", row.id, i),
            "envelope.decline",
            &row.id,
            json!({"reason": body.reason}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::OK, axum::Json(json!({"state": state_name(e.state())}))).into_response())
}

/// GET download query.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DownloadQuery {
    document: Option<usize>,
}

/// GET /v1/sign/{token}/download: the completed document.
pub async fn download(
    State(app): State<App>,
    bearer: PartyBearer,
    Path(token): Path<String>,
    Query(q): Query<DownloadQuery>,
) -> ApiResult<Response> {
    let (_, row, e) = authed(&app, &bearer, &token).await?;
    if e.state() != EnvelopeState::Completed {
        return Err(Problem::conflict(
            "envelope.state",
            "the documents can be downloaded once the envelope is completed",
        ));
    }
    env::document_file(&app, &row, &e, q.document.unwrap_or(0)).await
}
