//! E-seals along their lifecycle: a department applies, the seal authority makes (or rejects),
//! the filing authority (the operator here) files, the holder activates, suspends, resumes,
//! cancels. The rules are `yinxin_seal::lifecycle`'s.

use crate::app::{App, Caller, Idem, JsonBody, Page, PageQuery, Path, Query, audit_in, random_hex, role};
use crate::problem::{ApiResult, Problem};
use crate::routes::licences::file_response;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use std::sync::OnceLock;
use yinxin_seal::lifecycle::{Action, Role, SealState, transition};
use yinxin_seal::make::{CertListForm, SealKind, SealRequest, make_seal};
use yinxin_store::now_ts;
use yinxin_store::repo::{self, SealRecord};

const STATES: [(SealState, &str); 7] = [
    (SealState::Applied, "applied"),
    (SealState::Made, "made"),
    (SealState::Filed, "filed"),
    (SealState::InUse, "in_use"),
    (SealState::Suspended, "suspended"),
    (SealState::Cancelled, "cancelled"),
    (SealState::Rejected, "rejected"),
];

fn state_of(s: &str) -> ApiResult<SealState> {
    STATES
        .iter()
        .find(|(_, n)| *n == s)
        .map(|(st, _)| *st)
        .ok_or_else(|| Problem::internal(format!("unknown seal state {s}")))
}

fn state_name(s: SealState) -> &'static str {
    STATES.iter().find(|(st, _)| *st == s).map(|(_, n)| *n).unwrap_or("unknown")
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplyBody {
    name: String,
    kind: String,
}

const KINDS: [(&str, SealKind); 5] = [
    ("official", SealKind::Official),
    ("finance", SealKind::Finance),
    ("contract", SealKind::Contract),
    ("invoice", SealKind::Invoice),
    ("business", SealKind::Business),
];

/// POST /v1/seals: a department applies for a seal.
pub async fn apply(
    State(app): State<App>,
    caller: Caller,
    headers: HeaderMap,
    JsonBody(body, raw): JsonBody<ApplyBody>,
) -> ApiResult<Response> {
    caller.require(&[role::DEPARTMENT])?;
    let name = body.name.trim();
    let mut errors = Vec::new();
    if name.is_empty() || name.chars().count() > 60 {
        errors.push("name: 1–60 characters".to_string());
    }
    if !KINDS.iter().any(|(k, _)| *k == body.kind) {
        errors.push(format!("kind: one of {}", KINDS.map(|k| k.0).join(", ")));
    }
    if !errors.is_empty() {
        return Err(Problem::invalid("seal.invalid", "the application does not validate", errors));
    }
    let (idem, replay) = Idem::begin(&app, &caller, &headers, "POST /v1/seals", &raw).await?;
    if let Some(r) = replay {
        return Ok(r);
    }
    let now = now_ts();
    let s = SealRecord {
        id: format!("seal-{}", random_hex(12)),
        owner_code: caller.principal().to_string(),
        name: name.to_string(),
        kind: body.kind,
        state: "applied".into(),
        esl: None,
        es_id: None,
        reason: None,
        created: now,
        updated: now,
        activated: None,
    };
    let mut tx = app.db.begin().await?;
    repo::insert_seal(&mut tx, &s).await?;
    audit_in(&mut tx, &caller, "seal.apply", &s.id, None, json!({"name": s.name, "kind": s.kind})).await?;
    idem.finish(&app, tx, StatusCode::CREATED, &s).await
}

/// GET /v1/seals: a department's own; all for the seal authority and the operator.
pub async fn list(State(app): State<App>, caller: Caller, Query(q): Query<PageQuery>) -> ApiResult<Response> {
    caller.require(&[role::DEPARTMENT, role::SEAL_AUTHORITY, role::ADMIN])?;
    let limit = q.limit(&app)?;
    let owner = caller.is(role::DEPARTMENT).then(|| caller.principal());
    let items = repo::seals(&app.db, owner, q.cursor(), limit).await?;
    Ok(axum::Json(Page::of(items, limit, |s| s.id.clone())).into_response())
}

fn may_see(caller: &Caller, s: &SealRecord) -> bool {
    !caller.is(role::DEPARTMENT) || caller.principal() == s.owner_code
}

async fn visible(app: &App, caller: &Caller, id: &str) -> ApiResult<SealRecord> {
    caller.require(&[role::DEPARTMENT, role::SEAL_AUTHORITY, role::ADMIN])?;
    match repo::seal_by_id(&app.db, id).await? {
        Some(s) if may_see(caller, &s) => Ok(s),
        _ => Err(Problem::not_found(format!("seal {id} not found"))),
    }
}

/// GET /v1/seals/{id}
pub async fn get(State(app): State<App>, caller: Caller, Path(id): Path<String>) -> ApiResult<Response> {
    Ok(axum::Json(visible(&app, &caller, &id).await?).into_response())
}

/// GET /v1/seals/{id}/esl
pub async fn esl(State(app): State<App>, caller: Caller, Path(id): Path<String>) -> ApiResult<Response> {
    let s = visible(&app, &caller, &id).await?;
    let bytes = s.esl.ok_or_else(|| Problem::conflict("not_made", "the seal has not been made yet"))?;
    Ok(file_response(bytes, "application/octet-stream", &format!("{id}.esl")))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ActionBody {
    #[serde(default)]
    reason: Option<String>,
}

fn seal_font() -> ApiResult<&'static yinxin_seal::picture::SealFont> {
    static FONT: OnceLock<Result<yinxin_seal::picture::SealFont, String>> = OnceLock::new();
    FONT.get_or_init(|| yinxin_seal::picture::SealFont::find().map_err(|e| e.to_string())).as_ref().map_err(|e| {
        Problem::new(StatusCode::SERVICE_UNAVAILABLE, "font_missing", format!("no CJK font to draw the seal: {e}"))
    })
}

/// POST /v1/seals/{id}/{action}: make, reject, file, activate, suspend, resume, cancel.
pub async fn act(
    State(app): State<App>,
    caller: Caller,
    headers: HeaderMap,
    Path((id, action)): Path<(String, String)>,
    JsonBody(body, raw): JsonBody<ActionBody>,
) -> ApiResult<Response> {
    let action_kind = match action.as_str() {
        "make" => Action::Make,
        "reject" => Action::Reject,
        "file" => Action::File,
        "activate" => Action::Activate,
        "suspend" => Action::Suspend,
        "resume" => Action::Resume,
        "cancel" => Action::Cancel,
        _ => return Err(Problem::not_found("no such action")),
    };
    let reason =
        body.reason.as_deref().map(|r| super::reason_text(r, false, "bad_reason").map(str::to_owned)).transpose()?;
    let (idem, replay) = Idem::begin(&app, &caller, &headers, &format!("POST /v1/seals/{id}/{action}"), &raw).await?;
    if let Some(r) = replay {
        return Ok(r);
    }
    let mut tx = app.db.begin().await?;
    let mut s = repo::seal_tx(&mut tx, &id).await?.ok_or_else(|| Problem::not_found(format!("seal {id} not found")))?;
    let lifecycle_role = match caller.role() {
        role::DEPARTMENT if caller.principal() == s.owner_code => Role::Holder,
        role::DEPARTMENT => return Err(Problem::not_found(format!("seal {id} not found"))),
        role::SEAL_AUTHORITY => Role::SealAuthority,
        role::ADMIN => Role::FilingAuthority,
        _ => {
            return Err(Problem::forbidden(
                "seal actions are for departments, the seal authority and the filing authority",
            ));
        }
    };
    let next = transition(state_of(&s.state)?, action_kind, lifecycle_role).map_err(|e| {
        if matches!(lifecycle_role, Role::Holder | Role::SealAuthority | Role::FilingAuthority)
            && yinxin_seal::lifecycle::allowed_actions(state_of(&s.state).unwrap_or(SealState::Cancelled))
                .iter()
                .any(|(a, roles)| *a == action_kind && !roles.contains(&lifecycle_role))
        {
            Problem::forbidden(e.to_string())
        } else {
            Problem::conflict("bad_state", e.to_string())
        }
    })?;
    if action_kind == Action::Make {
        let dept = app.keys.departments.get(&s.owner_code).ok_or_else(|| {
            Problem::conflict("no_holder_certificate", "the owning department has no signing certificate here")
        })?;
        let font = seal_font()?;
        let kind = KINDS.iter().find(|(k, _)| *k == s.kind).map(|(_, k)| *k).unwrap_or(SealKind::Official);
        let spec = yinxin_seal::picture::PictureSpec {
            shape: yinxin_seal::picture::Shape::Round,
            name: &dept.name,
            purpose: if kind == SealKind::Official { "" } else { kind.name_zh() },
            size_mm: 42.0,
        };
        let png = yinxin_seal::picture::render(&spec, font)
            .map_err(|e| Problem::invalid("seal.picture", e.to_string(), vec![]))?;
        let now = time::OffsetDateTime::now_utc();
        let req = SealRequest {
            es_id: String::new(),
            kind,
            name: s.name.clone(),
            holders: vec![dept.cert.clone()],
            cert_list_form: CertListForm::Certificates,
            valid_start: now,
            valid_end: dept.cert.not_after.min(now + time::Duration::days(3 * 365)),
            picture_kind: "PNG".into(),
            picture: png,
            picture_mm: spec.size_mm(),
            vid: "yinxin".into(),
        };
        let (maker_cert, maker) = &app.keys.seal_maker;
        let seal = make_seal(&req, maker_cert, maker.as_ref(), now)
            .map_err(|e| Problem::invalid("seal.make", e.to_string(), vec![]))?;
        app.metrics.signed("seal", 1);
        s.es_id = Some(seal.es_id.clone());
        s.esl = Some(seal.raw.clone());
    }
    if action_kind == Action::Activate {
        s.activated = Some(yinxin_store::now_ms());
    }
    s.state = state_name(next).to_string();
    s.reason = reason.clone();
    s.updated = now_ts();
    repo::update_seal(&mut tx, &s).await?;
    audit_in(&mut tx, &caller, &format!("seal.{action}"), &id, None, json!({"state": s.state, "reason": reason}))
        .await?;
    let entry = crate::tlog::seal_action(&app, &s, action_kind, reason.as_deref().unwrap_or(""))?;
    if let Some(e) = &entry {
        crate::tlog::enqueue(&app, &mut tx, e).await?;
    }
    let r = idem.finish(&app, tx, StatusCode::OK, &s).await;
    if r.is_ok() && entry.is_some() {
        crate::tlog::sequenced(&app).await;
    }
    r
}
