//! Holders (持证主体): my licences, my usage log (用证记录), my consents (用证授权); and the
//! cross-department lookup (用证) that those consents allow.

use crate::app::{App, Caller, Idem, JsonBody, Page, PageQuery, Path, Query, audit_in, param, random_hex, role};
use crate::problem::{ApiResult, Problem};
use crate::routes::licences::LicenceView;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use yinxin_store::repo::{self, Consent, LicenceFilter};
use yinxin_store::{audit, now_ts};

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct HolderLicencesQuery {
    type_code: Option<String>,
    limit: Option<i64>,
    cursor: Option<String>,
}

/// GET /v1/holder/licences
pub async fn licences(
    State(app): State<App>,
    caller: Caller,
    Query(q): Query<HolderLicencesQuery>,
) -> ApiResult<Response> {
    caller.require(&[role::HOLDER])?;
    let page = PageQuery { limit: q.limit, cursor: q.cursor.clone() };
    let limit = page.limit(&app)?;
    let f = LicenceFilter {
        holder_code: Some(caller.principal()),
        type_code: param("type_code", &q.type_code, 40)?,
        ..Default::default()
    };
    let items: Vec<LicenceView> =
        repo::licences(&app.db, &f, page.cursor(), limit).await?.into_iter().map(LicenceView::from).collect();
    Ok(axum::Json(Page::of(items, limit, |l| l.identifier().to_string())).into_response())
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct UsageQuery {
    limit: Option<i64>,
    cursor: Option<String>,
}

/// GET /v1/holder/usage: every logged action on my licences (issue, status changes, lookups,
/// verifications), from the audit log.
pub async fn usage(State(app): State<App>, caller: Caller, Query(q): Query<UsageQuery>) -> ApiResult<Response> {
    caller.require(&[role::HOLDER])?;
    let page = PageQuery { limit: q.limit, cursor: q.cursor.clone() };
    let limit = page.limit(&app)?;
    // The cursor is a sequence number (1–18 digits), or absent for the first page.
    let after: i64 = match q.cursor.as_deref() {
        None => 0,
        Some(c) => c
            .parse()
            .ok()
            .filter(|_| (1..=18).contains(&c.len()) && c.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| Problem::bad_request("bad_cursor", "cursor is a sequence number (1–18 digits)"))?,
    };
    let items = audit::list(&app.db, after, limit, Some(caller.principal())).await?;
    let items: Vec<serde_json::Value> = items
        .into_iter()
        .map(|c| {
            let detail: serde_json::Value = serde_json::from_str(&c.entry.detail).unwrap_or(json!({}));
            json!({"seq": c.entry.seq, "at": c.entry.at, "action": c.entry.action, "subject": c.entry.subject, "by_role": c.entry.role, "by": c.entry.actor, "detail": detail})
        })
        .collect();
    Ok(axum::Json(Page::of(items, limit, |v| v["seq"].to_string())).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentBody {
    department_code: String,
    type_code: String,
    use_cause: String,
    until: String,
}

/// POST /v1/holder/consents
pub async fn consent(
    State(app): State<App>,
    caller: Caller,
    headers: HeaderMap,
    JsonBody(body, raw): JsonBody<ConsentBody>,
) -> ApiResult<Response> {
    caller.require(&[role::HOLDER])?;
    let mut errors = Vec::new();
    if !app.keys.departments.contains_key(&body.department_code)
        && yinxin_licence::codes::validate_uscc(&body.department_code).is_err()
    {
        errors.push("department_code: not a valid unified social credit code".to_string());
    }
    // A licence type, or the code of an archived material (材料编码) an item lists: consent to
    // reuse that material (材料复用).
    let material = app.catalogue.get(&body.type_code).is_none()
        && crate::archive::archive(&app).material_code_known(&body.type_code).await?;
    if app.catalogue.get(&body.type_code).is_none() && !material {
        errors.push(format!("type_code: {} is neither a licence type nor a material code of an item", body.type_code));
    }
    let cause = body.use_cause.trim();
    if cause.is_empty() || cause.chars().count() > 200 {
        errors.push("use_cause: 1–200 characters".to_string());
    }
    let until = match yinxin_licence::catalogue::parse_date(&body.until) {
        Some(d) if d > time::OffsetDateTime::now_utc().date() => d.midnight().assume_utc().unix_timestamp() + 86_400,
        _ => {
            errors.push("until: a date (YYYY-MM-DD) after today".to_string());
            0
        }
    };
    if !errors.is_empty() {
        return Err(Problem::invalid("consent.invalid", "the consent does not validate", errors));
    }
    let (idem, replay) = Idem::begin(&app, &caller, &headers, "POST /v1/holder/consents", &raw).await?;
    if let Some(r) = replay {
        return Ok(r);
    }
    let c = Consent {
        id: format!("con-{}", random_hex(12)),
        holder_code: caller.principal().to_string(),
        department_code: body.department_code,
        type_code: app.catalogue.get(&body.type_code).map(|t| t.type_code.clone()).unwrap_or(body.type_code.clone()),
        use_cause: cause.to_string(),
        until_ts: until,
        created: now_ts(),
        revoked: None,
    };
    let mut tx = app.db.begin().await?;
    repo::insert_consent(&mut tx, &c).await?;
    audit_in(
        &mut tx,
        &caller,
        "consent.give",
        &c.id,
        Some(&c.holder_code),
        json!({"department": c.department_code, "type": c.type_code, "use_cause": c.use_cause, "until": c.until_ts}),
    )
    .await?;
    idem.finish(&app, tx, StatusCode::CREATED, &c).await
}

/// GET /v1/holder/consents
pub async fn consents(State(app): State<App>, caller: Caller, Query(q): Query<PageQuery>) -> ApiResult<Response> {
    caller.require(&[role::HOLDER])?;
    let limit = q.limit(&app)?;
    let items = repo::consents(&app.db, caller.principal(), q.cursor(), limit).await?;
    Ok(axum::Json(Page::of(items, limit, |c| c.id.clone())).into_response())
}

/// DELETE /v1/holder/consents/{id}
pub async fn revoke_consent(State(app): State<App>, caller: Caller, Path(id): Path<String>) -> ApiResult<Response> {
    caller.require(&[role::HOLDER])?;
    let mut tx = app.db.begin().await?;
    if !repo::revoke_consent(&mut tx, caller.principal(), &id, now_ts()).await? {
        return Err(Problem::not_found(format!("live consent {id} not found")));
    }
    audit_in(&mut tx, &caller, "consent.revoke", &id, Some(caller.principal()), json!({})).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct LookupQuery {
    identifier: Option<String>,
    holder_code: Option<String>,
    type_code: Option<String>,
    use_cause: Option<String>,
    legal_basis: Option<String>,
}

/// GET /v1/lookup: 用证. A department finds a holder's licence by identifier, or by holder code
/// and type, only with a live consent from the holder (or a declared legal basis), always with a
/// use-cause; the access is logged where the holder sees it before anything is served.
pub async fn lookup(State(app): State<App>, caller: Caller, Query(q): Query<LookupQuery>) -> ApiResult<Response> {
    caller.require(&[role::DEPARTMENT])?;
    let Some(cause) = q.use_cause.as_deref().map(str::trim) else {
        return Err(Problem::bad_request("use_cause_required", "a use-cause (用证事由, 1–200 characters) is required"));
    };
    if cause.is_empty() || cause.chars().count() > 200 {
        // Present but blank or too long: the query is well-formed, the rule is ours.
        return Err(Problem::invalid(
            "use_cause_required",
            "a use-cause (用证事由) is 1–200 characters, not blank",
            vec![],
        ));
    }
    let basis = q.legal_basis.as_deref().map(str::trim).filter(|b| !b.is_empty());
    if let Some(b) = basis
        && b.chars().count() > 200
    {
        return Err(Problem::bad_request("bad_legal_basis", "legal_basis: at most 200 characters"));
    }
    param("identifier", &q.identifier, 200)?;
    param("holder_code", &q.holder_code, 40)?;
    param("type_code", &q.type_code, 40)?;
    let licence = match (&q.identifier, &q.holder_code, &q.type_code) {
        (Some(id), None, None) => repo::licence(&app.db, id).await?,
        (None, Some(h), Some(t)) => {
            let t = app.catalogue.get(t).map(|t| t.type_code.clone()).unwrap_or_else(|| t.clone());
            let f = LicenceFilter { holder_code: Some(h), type_code: Some(&t), ..Default::default() };
            let all = repo::licences(&app.db, &f, "", 1000).await?;
            all.into_iter()
                .filter(|l| l.status != "superseded")
                .max_by_key(|l| (l.status == "valid", l.issued_at, l.version))
        }
        _ => return Err(Problem::invalid("bad_lookup", "give identifier, or holder_code and type_code", vec![])),
    };
    let Some(l) = licence else {
        // Nothing to log against a holder; the refusal is logged as the caller's.
        app.audit_now(&caller, "lookup.miss", q.identifier.as_deref().unwrap_or(""), None, json!({"use_cause": cause}))
            .await?;
        return Err(Problem::not_found("no such licence"));
    };
    let consent = repo::live_consent(&app.db, caller.principal(), &l.holder_code, &l.type_code, now_ts()).await?;
    if consent.is_none() && basis.is_none() {
        app.audit_now(
            &caller,
            "lookup.refused",
            &l.identifier,
            Some(&l.holder_code),
            json!({"use_cause": cause, "why": "no consent"}),
        )
        .await?;
        return Err(Problem::forbidden(
            "no live consent from the holder for this department and type, and no legal basis declared",
        ));
    }
    app.audit_now(
        &caller,
        "lookup",
        &l.identifier,
        Some(&l.holder_code),
        json!({"use_cause": cause, "consent": consent.as_ref().map(|c| c.id.clone()), "legal_basis": basis}),
    )
    .await?;
    Ok(axum::Json(json!({
        "licence": LicenceView::from(l),
        "authorised_by": match &consent { Some(c) => json!({"consent": c.id}), None => json!({"legal_basis": basis}) },
    }))
    .into_response())
}
