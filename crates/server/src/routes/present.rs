//! 亮证 endpoints: a holder's device gets a credential; verifiers fetch status lists and the
//! trust bundle (public, cacheable: fetching one reveals nothing about which licence is checked);
//! officers verify a presentation online. The pages themselves are in [`crate::pages`].

use crate::app::{App, Caller, Idem, JsonBody, Path, audit_in, role};
use crate::problem::{ApiResult, Problem};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::Deserialize;
use serde_json::json;
use yinxin_gm::{Sm2PublicKey, Sm2Signature, UserId, default_provider};
use yinxin_licence::issue::Metadata;
use yinxin_present::credential::{self, Claim, CredentialBody, StatusRef};
use yinxin_present::key_id;
use yinxin_store::{now_ts, repo};

/// What the device signs to show it holds the key it names.
pub fn proof_message(licence_id: &str, device_key_hex: &str) -> String {
    format!("yinxin-credential-request:{licence_id}:{}", device_key_hex.to_ascii_lowercase())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialRequest {
    /// The device's SM2 public key, SEC1 hex (compressed or not).
    device_key: String,
    /// The device's SM2 signature (r‖s hex) over [`proof_message`].
    proof: String,
}

/// A date of the licence (`YYYY-MM-DD`) as Unix seconds: its start, or its end when `end`, in
/// China Standard Time.
fn day(s: &str, end: bool) -> Option<i64> {
    let d = yinxin_licence::catalogue::parse_date(s)?;
    let start = d.midnight().assume_offset(time::macros::offset!(+8)).unix_timestamp();
    Some(if end { start + 86_399 } else { start })
}

/// POST /v1/holder/licences/{id}/credential
pub async fn credential(
    State(app): State<App>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
    JsonBody(body, raw): JsonBody<CredentialRequest>,
) -> ApiResult<Response> {
    caller.require(&[role::HOLDER])?;
    let l = match repo::licence(&app.db, &id).await? {
        Some(l) if l.holder_code == caller.principal() => l,
        _ => return Err(Problem::not_found(format!("licence {id} not found"))),
    };
    let mut errors = Vec::new();
    let key = match hex::decode(body.device_key.trim()).ok().and_then(|b| Sm2PublicKey::from_sec1(&b).ok()) {
        Some(k) => Some(k),
        None => {
            errors.push("device_key: an SM2 public key, SEC1 in hex (33 or 65 bytes)".to_string());
            None
        }
    };
    if let Some(k) = &key {
        let ok =
            hex::decode(body.proof.trim()).ok().and_then(|b| Sm2Signature::from_bytes(&b).ok()).is_some_and(|sig| {
                default_provider()
                    .sm2_verify(k, UserId::DEFAULT, proof_message(&id, body.device_key.trim()).as_bytes(), &sig)
                    .is_ok()
            });
        if !ok {
            errors.push("proof: not the device key's signature over the request message".to_string());
        }
    }
    let Some(device_key) = key.filter(|_| errors.is_empty()) else {
        return Err(Problem::invalid("credential.invalid", "the credential request does not validate", errors));
    };
    if l.status != "valid" {
        return Err(Problem::conflict(
            "licence_not_valid",
            format!("the licence is {}: no credential is made for it", l.status),
        ));
    }
    let (idem, replay) =
        Idem::begin(&app, &caller, &headers, &format!("POST /v1/holder/licences/{id}/credential"), &raw).await?;
    if let Some(r) = replay {
        return Ok(r);
    }
    let meta: Metadata = serde_json::from_str(&l.metadata).map_err(Problem::internal)?;
    let t = app.catalogue.get(&l.type_code).ok_or_else(|| Problem::internal("type left the catalogue"))?;
    let dept = app
        .keys
        .departments
        .get(&l.issuer_code)
        .ok_or_else(|| Problem::internal("the licence's issuer has no keys here"))?;
    let mut claims = vec![(Claim { name: "identifier".into(), value: l.identifier.clone() }, "证照标识".to_string())];
    for f in &t.fields {
        if let Some(v) = meta.fields.get(&f.key).filter(|v| !v.is_empty()) {
            claims.push((Claim { name: f.key.clone(), value: v.clone() }, f.label.clone()));
        }
    }
    let mut tx = app.db.begin().await?;
    let (list, index) = crate::present::entry_for(&app, &mut tx, &l).await?;
    let mut serial = [0u8; 8];
    default_provider().fill_random(&mut serial).map_err(Problem::internal)?;
    let now = now_ts();
    let cbody = CredentialBody {
        issuer_kid: key_id(dept.cert.der()),
        serial,
        type_code: l.type_code.clone(),
        format: credential::FORMAT,
        type_name: None,
        issued_at: None,
        valid_from: day(&meta.valid_from, false).unwrap_or(l.issued_at),
        valid_until: day(&meta.valid_until, true),
        status: StatusRef { list, index },
        device_key: device_key.clone(),
        claims: credential::Commitment::Tree { leaves: 0, root: [0; 16] },
    };
    let only: Vec<Claim> = claims.iter().map(|(c, _)| c.clone()).collect();
    let issued =
        credential::issue(default_provider(), dept.signer.as_ref(), cbody, &only).map_err(Problem::internal)?;
    app.metrics.signed("credential", 1);
    let serial_hex = hex::encode(serial);
    let key_hex = hex::encode(yinxin_present::compress(&device_key));
    repo::insert_credential(&mut tx, &serial_hex, &l.identifier, &l.holder_code, &key_hex, now).await?;
    audit_in(
        &mut tx,
        &caller,
        "credential.issue",
        &l.identifier,
        Some(&l.holder_code),
        json!({"serial": serial_hex, "device_key": key_hex}),
    )
    .await?;
    let out = json!({
        "serial": serial_hex,
        "credential": B64.encode(&issued.credential.bytes),
        "licence": {
            "identifier": l.identifier,
            "type_code": l.type_code,
            "type_name": t.name,
            "issuer_code": dept.code,
            "issuer_name": dept.name,
            "valid_from": meta.valid_from,
            "valid_until": meta.valid_until,
        },
        "status": {"list": list, "index": index},
        "claims": claims.iter().zip(&issued.disclosures).map(|((c, label), d)| json!({
            "name": c.name, "label": label, "value": c.value, "disclosure": B64.encode(&d.bytes),
        })).collect::<Vec<_>>(),
        "issuer_certificate": dept.cert.to_pem(),
        "chain": app.keys.chain.iter().map(|c| c.to_pem()).collect::<Vec<_>>(),
    });
    idem.finish(&app, tx, StatusCode::CREATED, &out).await
}

/// GET /v1/present/bundle: the signed trust bundle for offline verifiers.
pub async fn bundle(State(app): State<App>) -> ApiResult<Response> {
    let b = crate::present::current(&app).await?;
    Ok((
        [(header::CONTENT_TYPE, "application/json"), (header::CACHE_CONTROL, "public, max-age=60")],
        b.bundle.as_ref().clone(),
    )
        .into_response())
}

/// GET /v1/status-lists/{issuer}/{list}: one signed status list (CBOR).
pub async fn status_list(State(app): State<App>, Path((issuer, list)): Path<(String, String)>) -> ApiResult<Response> {
    let list: i64 = list
        .parse()
        .ok()
        .filter(|n| (0..=u32::MAX as i64).contains(n))
        .ok_or_else(|| Problem::not_found("no such status list"))?;
    if issuer.len() > 40 {
        return Err(Problem::not_found("no such status list"));
    }
    let row = crate::present::fresh_list(&app, &issuer, list)
        .await?
        .ok_or_else(|| Problem::not_found("no such status list"))?;
    let max_age = (row.expires_at - now_ts()).clamp(0, 300);
    Ok((
        [
            (header::CONTENT_TYPE, "application/cbor".to_string()),
            (header::CACHE_CONTROL, format!("public, max-age={max_age}")),
        ],
        row.signed,
    )
        .into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    /// The QR text.
    token: String,
    /// The nonce this verifier asked for, if any.
    nonce: Option<String>,
}

/// POST /v1/present/verify: verify a presentation online, against the current status.
pub async fn verify(
    State(app): State<App>,
    caller: Caller,
    JsonBody(body, _): JsonBody<VerifyRequest>,
) -> ApiResult<Response> {
    caller.require(&[role::OFFICER, role::DEPARTMENT, role::ADMIN, role::SEAL_AUTHORITY])?;
    let token = body.token.trim().to_string();
    if token.is_empty() || token.len() > yinxin_present::token::MAX_TEXT {
        return Err(Problem::invalid(
            "bad_token",
            format!("token: 1–{} characters of QR text", yinxin_present::token::MAX_TEXT),
            vec![],
        ));
    }
    let nonce = body.nonce.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
    if nonce.as_ref().is_some_and(|n| n.len() > 64) {
        return Err(Problem::invalid("bad_nonce", "nonce: at most 64 characters", vec![]));
    }
    let built = crate::present::current(&app).await?;
    let verifier = built.verifier.clone();
    let v = app.cpu_work(move || verifier.verify(&token, time::OffsetDateTime::now_utc(), nonce.as_deref())).await?;
    let indication = serde_json::to_value(v.report.indication).map_err(Problem::internal)?;
    app.metrics.verification("presentation", indication.as_str().unwrap_or(""));
    let owner = match &v.licence {
        Some(s) => repo::credential_owner(&app.db, &s.serial).await?,
        None => None,
    };
    let names: Vec<&str> = v.disclosed.iter().map(|f| f.name.as_str()).collect();
    app.audit_now(
        &caller,
        "presentation.verify",
        owner.as_ref().map(|o| o.0.as_str()).unwrap_or(""),
        owner.as_ref().map(|o| o.1.as_str()),
        json!({"indication": indication, "fields": names}),
    )
    .await?;
    let t = v.licence.as_ref().and_then(|l| app.catalogue.get(&l.type_code));
    let label = |name: &str| -> String {
        if name == "identifier" {
            return "证照标识".into();
        }
        t.and_then(|t| t.fields.iter().find(|f| f.key == name)).map(|f| f.label.clone()).unwrap_or_else(|| name.into())
    };
    Ok(axum::Json(json!({
        "indication": v.report.indication,
        "sub_indication": v.report.sub_indication,
        "disclosed": v.disclosed.iter().map(|f| json!({"name": f.name, "label": label(&f.name), "value": f.value})).collect::<Vec<_>>(),
        "licence": v.licence,
        "status": v.status,
        "token_time": v.token_time.as_ref().map(|(i, e)| json!({"issued_at": i, "expires_at": e})),
        "checks": v.report.checks,
    }))
    .into_response())
}

/// How long a reader certificate lives (days): an officer's device renews it online.
pub const READER_CERT_DAYS: i64 = 30;

/// What an officer's device signs to show it holds the key it names.
pub fn reader_proof_message(device_key_hex: &str) -> String {
    format!("yinxin-reader-request:{}", device_key_hex.to_ascii_lowercase())
}

/// PUT /v1/admin/officers/{principal}: an officer's profile (whom reader certificates name and
/// what they may request).
pub async fn put_officer(
    State(app): State<App>,
    caller: Caller,
    Path(principal): Path<String>,
    JsonBody(body, _): JsonBody<OfficerBody>,
) -> ApiResult<Response> {
    caller.require(&[role::ADMIN])?;
    let mut errors = Vec::new();
    let text_ok = |s: &str| !s.is_empty() && s.chars().count() <= 64 && !s.chars().any(char::is_control);
    for (name, v) in [
        ("principal", &principal),
        ("name", &body.name),
        ("department_code", &body.department_code),
        ("department_name", &body.department_name),
        ("area_code", &body.area_code),
    ] {
        if !text_ok(v) {
            errors.push(format!("{name}: 1–64 characters, no control characters"));
        }
    }
    if body.entitlements.is_empty() || body.entitlements.len() > 32 {
        errors.push("entitlements: 1–32 licence types".into());
    }
    for (type_code, fields) in &body.entitlements {
        match app.catalogue.get(type_code) {
            None => errors.push(format!("entitlements: no licence type {type_code}")),
            Some(t) => {
                for f in fields {
                    if f != "identifier" && !t.fields.iter().any(|x| &x.key == f) {
                        errors.push(format!("entitlements: {type_code} has no field {f}"));
                    }
                }
                if fields.is_empty() {
                    errors.push(format!("entitlements: no field for {type_code}"));
                }
            }
        }
    }
    if !errors.is_empty() {
        return Err(Problem::invalid("officer.invalid", "the officer's profile does not validate", errors));
    }
    // Entitlements are kept under the type's code, whatever name the request used.
    let entitlements = body
        .entitlements
        .iter()
        .map(|(t, f)| (app.catalogue.get(t).map(|t| t.type_code.clone()).unwrap_or_else(|| t.clone()), f.clone()))
        .collect();
    let p = repo::OfficerProfile {
        principal: principal.clone(),
        name: body.name,
        department_code: body.department_code,
        department_name: body.department_name,
        area_code: body.area_code,
        entitlements,
    };
    let mut tx = app.db.begin().await?;
    repo::put_officer_profile(&mut tx, &p, now_ts()).await?;
    audit_in(&mut tx, &caller, "officer.profile", &principal, None, json!({"profile": p})).await?;
    tx.commit().await?;
    Ok(axum::Json(p).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfficerBody {
    name: String,
    department_code: String,
    department_name: String,
    area_code: String,
    entitlements: std::collections::BTreeMap<String, Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReaderRequest {
    /// The device's SM2 public key, SEC1 hex.
    device_key: String,
    /// The device's signature (r‖s hex) over [`reader_proof_message`].
    proof: String,
    /// A shorter life than [`READER_CERT_DAYS`] (seconds, at least 1), e.g. one shift.
    valid_seconds: Option<i64>,
}

/// POST /v1/present/readers: a reader certificate for an officer's device key.
pub async fn reader(
    State(app): State<App>,
    caller: Caller,
    JsonBody(body, _): JsonBody<ReaderRequest>,
) -> ApiResult<Response> {
    caller.require(&[role::OFFICER])?;
    let key = hex::decode(body.device_key.trim()).ok().and_then(|b| Sm2PublicKey::from_sec1(&b).ok());
    let Some(key) = key else {
        return Err(Problem::invalid(
            "reader.invalid",
            "the reader request does not validate",
            vec!["device_key: an SM2 public key, SEC1 in hex (33 or 65 bytes)".into()],
        ));
    };
    let ok = hex::decode(body.proof.trim()).ok().and_then(|b| Sm2Signature::from_bytes(&b).ok()).is_some_and(|sig| {
        default_provider()
            .sm2_verify(&key, UserId::DEFAULT, reader_proof_message(body.device_key.trim()).as_bytes(), &sig)
            .is_ok()
    });
    if !ok {
        return Err(Problem::invalid(
            "reader.invalid",
            "the reader request does not validate",
            vec!["proof: not the device key's signature over the request message".into()],
        ));
    }
    let max_life = READER_CERT_DAYS * 86_400;
    let life = match body.valid_seconds {
        None => max_life,
        Some(s) if (1..=max_life).contains(&s) => s,
        Some(_) => {
            return Err(Problem::invalid(
                "reader.invalid",
                "the reader request does not validate",
                vec![format!("valid_seconds: 1 to {max_life}")],
            ));
        }
    };
    let Some(p) = repo::officer_profile(&app.db, caller.principal()).await? else {
        return Err(Problem::conflict(
            "no_officer_profile",
            "this officer has no profile yet: an administrator sets it (PUT /v1/admin/officers/{principal})",
        ));
    };
    let mut serial = [0u8; 8];
    default_provider().fill_random(&mut serial).map_err(Problem::internal)?;
    let now = now_ts();
    let body = yinxin_present::reader::ReaderBody {
        serial,
        device_key: key.clone(),
        officer_id: p.principal.clone(),
        officer_name: p.name.clone(),
        department_code: p.department_code.clone(),
        department_name: p.department_name.clone(),
        area_code: p.area_code.clone(),
        entitlements: p.entitlements.iter().map(|(t, f)| (t.clone(), f.clone())).collect(),
        not_before: now - 60,
        not_after: now + life,
    };
    let cert = yinxin_present::reader::issue(&body, app.keys.service.1.as_ref(), key_id(app.keys.service.0.der()))
        .map_err(Problem::internal)?;
    app.metrics.signed("reader-certificate", 1);
    let row = repo::ReaderRow {
        serial: hex::encode(serial),
        principal: p.principal.clone(),
        device_key: hex::encode(yinxin_present::compress(&key)),
        not_after: body.not_after,
        revoked_at: None,
    };
    let mut tx = app.db.begin().await?;
    repo::insert_reader(&mut tx, &row, &cert.bytes, now).await?;
    audit_in(
        &mut tx,
        &caller,
        "reader.issue",
        &row.serial,
        None,
        json!({"device_key": row.device_key, "not_after": row.not_after}),
    )
    .await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(json!({
            "certificate": B64.encode(&cert.bytes),
            "serial": row.serial,
            "not_after": row.not_after,
            "officer": {
                "id": p.principal, "name": p.name, "department_code": p.department_code,
                "department_name": p.department_name, "area_code": p.area_code, "entitlements": p.entitlements,
            },
        })),
    )
        .into_response())
}

/// POST /v1/present/readers/{serial}/revoke: a lost or replaced officer device. The trust bundle
/// lists the serial until the certificate would have expired, so wallets refuse its requests;
/// records it signs from now on are refused. An administrator, or the officer it names.
pub async fn revoke_reader(State(app): State<App>, caller: Caller, Path(serial): Path<String>) -> ApiResult<Response> {
    caller.require(&[role::ADMIN, role::OFFICER])?;
    let reader = match repo::reader(&app.db, &serial).await? {
        Some(r) if caller.is(role::ADMIN) || r.principal == caller.principal() => r,
        _ => return Err(Problem::not_found(format!("no reader certificate {serial}"))),
    };
    let now = now_ts();
    let mut tx = app.db.begin().await?;
    if !repo::revoke_reader(&mut tx, &reader.serial, now).await? {
        return Err(Problem::conflict("already_revoked", "this reader certificate is revoked already"));
    }
    audit_in(&mut tx, &caller, "reader.revoke", &reader.serial, None, json!({"officer": reader.principal})).await?;
    tx.commit().await?;
    app.present.changed();
    Ok(axum::Json(json!({"serial": reader.serial, "revoked_at": now})).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordsBody {
    /// Base64 records.
    records: Vec<String>,
}

/// POST /v1/present/records: checks an officer's device made offline, uploaded when the network
/// is back. Each goes into the audit log against its licence, so the holder's usage log shows
/// it; a replayed record (its id already stored) is answered `duplicate`, an altered one, one
/// signed by another device, or one of another officer's device `refused`.
pub async fn records(
    State(app): State<App>,
    caller: Caller,
    JsonBody(body, _): JsonBody<RecordsBody>,
) -> ApiResult<Response> {
    use yinxin_present::reader::{MAX_RECORDS, Record};
    caller.require(&[role::OFFICER])?;
    // A record's Base64 is at most 4 * ceil(MAX_RECORD / 3) characters.
    let max_text = yinxin_present::reader::MAX_RECORD.div_ceil(3) * 4;
    if body.records.is_empty() || body.records.len() > MAX_RECORDS || body.records.iter().any(|r| r.len() > max_text) {
        return Err(Problem::invalid(
            "bad_records",
            format!("records: 1–{MAX_RECORDS} records of at most {max_text} Base64 characters"),
            vec![],
        ));
    }
    let now = now_ts();
    let mut results = Vec::with_capacity(body.records.len());
    let mut readers: std::collections::HashMap<String, Option<repo::ReaderRow>> = std::collections::HashMap::new();
    for text in &body.records {
        let refused = |id: String, why: String| json!({"id": id, "status": "refused", "reason": why});
        let rec = match B64.decode(text.trim()).map_err(|_| "not Base64".to_string()).and_then(|b| {
            if b.len() > yinxin_present::reader::MAX_RECORD {
                return Err("too long".into());
            }
            Record::parse(&b).map_err(|e| e.to_string())
        }) {
            Ok(r) => r,
            Err(e) => {
                results.push(refused(String::new(), e));
                continue;
            }
        };
        let id = hex::encode(rec.id);
        let reader_serial = hex::encode(rec.reader_serial);
        // An upload is one device's queue: its reader is looked up once.
        if !readers.contains_key(&reader_serial) {
            readers.insert(reader_serial.clone(), repo::reader(&app.db, &reader_serial).await?);
        }
        let reader = match readers[&reader_serial].clone() {
            Some(r) if r.principal == caller.principal() => r,
            _ => {
                results.push(refused(id, "no reader certificate of this officer has that serial".into()));
                continue;
            }
        };
        let key = hex::decode(&reader.device_key).ok().and_then(|b| Sm2PublicKey::from_sec1(&b).ok());
        if key.is_none_or(|k| rec.verify(&k).is_err()) {
            results.push(refused(id, "the record's signature does not verify with the device's key".into()));
            continue;
        }
        if reader.revoked_at.is_some_and(|at| rec.checked_at >= at) {
            results.push(refused(id, "the record was made after its reader certificate was revoked".into()));
            continue;
        }
        if rec.checked_at > now + 300 || rec.checked_at > reader.not_after {
            results.push(refused(id, "the record's time is in the future or after its certificate expired".into()));
            continue;
        }
        let serial = hex::encode(rec.credential_serial);
        let mut tx = app.db.begin().await?;
        if !repo::insert_present_record(&mut tx, &id, &reader_serial, &serial, rec.checked_at, now).await? {
            drop(tx);
            results.push(json!({"id": id, "status": "duplicate", "reason": "already received"}));
            continue;
        }
        let owner = repo::credential_owner_tx(&mut tx, &serial).await?;
        audit_in(
            &mut tx,
            &caller,
            "presentation.offline",
            owner.as_ref().map(|o| o.0.as_str()).unwrap_or(""),
            owner.as_ref().map(|o| o.1.as_str()),
            json!({
                "record": id, "reader": reader_serial, "checked_at": rec.checked_at, "place": rec.place,
                "indication": rec.indication, "fields": rec.fields, "credential": serial,
            }),
        )
        .await?;
        tx.commit().await?;
        results.push(json!({"id": id, "status": "accepted"}));
    }
    Ok(axum::Json(json!({"results": results})).into_response())
}
