//! Materials: a department seals an uploaded PDF or OFD with its seal; a person signs a material
//! with their signing certificate (电子签名). Signers: apply, issue, use, cancel (注销).

use crate::app::{
    App, Caller, Idem, JsonBody, Page, PageQuery, Path, Query, Upload, audit_in, random_hex, role, safe_name,
};
use crate::problem::{ApiResult, Problem};
use crate::routes::licences::file_response;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use yinxin_doc::stamp::{Format, Placement, Stamper, format_of};
use yinxin_gm::sm3::sm3;
use yinxin_gm::{UserId, default_provider};
use yinxin_pki::{CertRequest, DnBuilder, Profile};
use yinxin_store::now_ts;
use yinxin_store::repo::{self, Material, Signer};

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct SealQuery {
    name: Option<String>,
    keyword: Option<String>,
    page: Option<usize>,
    x: Option<f64>,
    y: Option<f64>,
}

fn placement(q: &SealQuery) -> ApiResult<Placement> {
    if let Some(k) = &q.keyword {
        if k.is_empty() || k.chars().count() > 50 {
            return Err(Problem::bad_request("bad_keyword", "keyword: 1–50 characters"));
        }
        return Ok(Placement::Keyword(k.clone()));
    }
    let page = q.page.unwrap_or(1);
    let (x, y) = (q.x.unwrap_or(140.0), q.y.unwrap_or(230.0));
    if page == 0 || page > 10_000 || !(0.0..=2000.0).contains(&x) || !(0.0..=2000.0).contains(&y) {
        return Err(Problem::bad_request("bad_position", "page counts from 1; x and y are millimetres (0–2000)"));
    }
    Ok(Placement::At { page: page - 1, x, y })
}

/// A sealed or signed material about to be stored.
struct Made<'a> {
    name: String,
    format: &'a str,
    source: &'a [u8],
    out: Vec<u8>,
    signed_by: String,
    action: &'a str,
}

async fn save_material(app: &App, caller: &Caller, idem: Idem, made: Made<'_>) -> ApiResult<Response> {
    let Made { name, format, source, out, signed_by, action } = made;
    let digest = app.blobs.put(&out).await?;
    let m = Material {
        id: format!("mat-{}", random_hex(12)),
        owner: caller.0.id.clone(),
        name,
        format: format.to_string(),
        sm3: digest,
        source_sm3: sm3(source).to_hex(),
        signed_by,
        created: now_ts(),
    };
    let mut tx = app.db.begin().await?;
    repo::insert_material(&mut tx, &m).await?;
    let holder = caller.is(role::HOLDER).then(|| caller.principal());
    audit_in(&mut tx, caller, action, &m.id, holder, json!({"sm3": m.sm3, "signed_by": m.signed_by, "name": m.name}))
        .await?;
    idem.finish(app, tx, StatusCode::CREATED, &m).await
}

/// POST /v1/materials: seal an uploaded PDF or OFD with the department's seal.
pub async fn seal(
    State(app): State<App>,
    caller: Caller,
    headers: HeaderMap,
    Query(q): Query<SealQuery>,
    Upload(bytes): Upload,
) -> ApiResult<Response> {
    caller.require(&[role::DEPARTMENT])?;
    let name = safe_name(q.name.as_deref(), "material")?;
    let place = placement(&q)?;
    let format = format_of(&bytes)
        .ok_or_else(|| Problem::invalid("unrecognised_file", "the material is neither a PDF nor an OFD", vec![]))?;
    let (idem, replay) =
        Idem::begin(&app, &caller, &headers, &format!("POST /v1/materials?{}", headers_query(&q)), &bytes).await?;
    if let Some(r) = replay {
        return Ok(r);
    }
    let seal_row = repo::issuing_seal(&app.db, caller.principal())
        .await?
        .filter(|s| s.state == "in_use")
        .ok_or_else(|| Problem::conflict("seal_unavailable", "the department has no official seal in use"))?;
    let seal = yinxin_seal::Seal::parse(seal_row.esl.as_deref().unwrap_or_default()).map_err(Problem::internal)?;
    let app2 = app.clone();
    let code = caller.principal().to_string();
    let input = bytes.clone();
    let out = app
        .cpu_work(move || {
            let d = app2
                .keys
                .departments
                .get(&code)
                .ok_or_else(|| Problem::forbidden("no signing key for this department"))?;
            let st = Stamper {
                seal: &seal,
                cert: &d.cert,
                chain: &app2.keys.chain,
                signer: d.signer.as_ref(),
                tsa: Some(&app2.keys.tsa),
            };
            st.seal(&input, &place, time::OffsetDateTime::now_utc()).map_err(|e| {
                Problem::invalid("material.unsealable", format!("the material cannot be sealed: {e}"), vec![])
            })
        })
        .await??;
    app.metrics.signed("material", 1);
    let f = if format == Format::Pdf { "pdf" } else { "ofd" };
    let made = Made { name, format: f, source: &bytes, out, signed_by: seal_row.id, action: "material.seal" };
    save_material(&app, &caller, idem, made).await
}

fn headers_query(q: &SealQuery) -> String {
    format!("{:?}|{:?}|{:?}|{:?}|{:?}", q.name, q.keyword, q.page, q.x, q.y)
}

/// Who may read a material: the client that made it, or an admin.
async fn material_of(app: &App, caller: &Caller, id: &str) -> ApiResult<Material> {
    match repo::material_by_id(&app.db, id).await? {
        Some(m) if m.owner == caller.0.id || caller.is(role::ADMIN) => Ok(m),
        _ => Err(Problem::not_found(format!("material {id} not found"))),
    }
}

/// GET /v1/materials/{id}
pub async fn get(State(app): State<App>, caller: Caller, Path(id): Path<String>) -> ApiResult<Response> {
    Ok(axum::Json(material_of(&app, &caller, &id).await?).into_response())
}

/// GET /v1/materials/{id}/file
pub async fn file(State(app): State<App>, caller: Caller, Path(id): Path<String>) -> ApiResult<Response> {
    let m = material_of(&app, &caller, &id).await?;
    let bytes = app.blobs.get(&m.sm3).await?;
    let mime = match m.format.as_str() {
        "pdf" => "application/pdf",
        "ofd" => "application/ofd",
        _ => "application/pkcs7-signature",
    };
    Ok(file_response(bytes, mime, &m.name))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplyBody {
    name: String,
}

/// POST /v1/signers: a person (holder) applies for a signing certificate.
pub async fn apply(
    State(app): State<App>,
    caller: Caller,
    headers: HeaderMap,
    JsonBody(body, raw): JsonBody<ApplyBody>,
) -> ApiResult<Response> {
    caller.require(&[role::HOLDER])?;
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > 50 {
        return Err(Problem::invalid("signer.invalid", "name: 1–50 characters", vec![]));
    }
    if yinxin_licence::codes::validate_citizen_id(caller.principal()).is_err() {
        return Err(Problem::forbidden(
            "personal signing certificates are for persons (a holder identified by a citizen ID number)",
        ));
    }
    let (idem, replay) = Idem::begin(&app, &caller, &headers, "POST /v1/signers", &raw).await?;
    if let Some(r) = replay {
        return Ok(r);
    }
    let s = Signer {
        id: format!("sig-{}", random_hex(12)),
        holder_code: caller.principal().to_string(),
        name: name.to_string(),
        state: "applied".into(),
        cert: None,
        key_wrapped: None,
        serial: None,
        created: now_ts(),
        cancelled: None,
    };
    let mut tx = app.db.begin().await?;
    repo::insert_signer(&mut tx, &s).await?;
    audit_in(&mut tx, &caller, "signer.apply", &s.id, Some(&s.holder_code), json!({"name": s.name})).await?;
    idem.finish(&app, tx, StatusCode::CREATED, &s).await
}

/// GET /v1/signers: a holder's own, or all for an admin.
pub async fn list(State(app): State<App>, caller: Caller, Query(q): Query<PageQuery>) -> ApiResult<Response> {
    caller.require(&[role::HOLDER, role::ADMIN])?;
    let limit = q.limit(&app)?;
    let holder = caller.is(role::HOLDER).then(|| caller.principal());
    let items = repo::signers(&app.db, holder, q.cursor(), limit).await?;
    Ok(axum::Json(Page::of(items, limit, |s| s.id.clone())).into_response())
}

async fn signer_of(app: &App, caller: &Caller, id: &str) -> ApiResult<Signer> {
    match repo::signer_by_id(&app.db, id).await? {
        Some(s) if caller.is(role::ADMIN) || (caller.is(role::HOLDER) && caller.principal() == s.holder_code) => Ok(s),
        _ => Err(Problem::not_found(format!("signer {id} not found"))),
    }
}

/// GET /v1/signers/{id}
pub async fn get_signer(State(app): State<App>, caller: Caller, Path(id): Path<String>) -> ApiResult<Response> {
    caller.require(&[role::HOLDER, role::ADMIN])?;
    Ok(axum::Json(signer_of(&app, &caller, &id).await?).into_response())
}

/// GET /v1/signers/{id}/certificate (PEM)
pub async fn certificate(State(app): State<App>, caller: Caller, Path(id): Path<String>) -> ApiResult<Response> {
    caller.require(&[role::HOLDER, role::ADMIN])?;
    let s = signer_of(&app, &caller, &id).await?;
    let der = s.cert.ok_or_else(|| Problem::conflict("not_issued", "the certificate has not been issued"))?;
    let cert = yinxin_pki::Cert::from_der(&der).map_err(Problem::internal)?;
    Ok(([(axum::http::header::CONTENT_TYPE, "application/x-pem-file")], cert.to_pem()).into_response())
}

/// A body that must be the empty object (`Empty` in the document): any field is refused.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoFields {}

/// POST /v1/signers/{id}/issue: the operator (as registration authority) issues the certificate;
/// the key is generated here and kept wrapped under the KEK (a 云签名 key).
pub async fn issue(
    State(app): State<App>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
    JsonBody(_body, raw): JsonBody<NoFields>,
) -> ApiResult<Response> {
    caller.require(&[role::ADMIN])?;
    let (idem, replay) = Idem::begin(&app, &caller, &headers, &format!("POST /v1/signers/{id}/issue"), &raw).await?;
    if let Some(r) = replay {
        return Ok(r);
    }
    let mut tx = app.db.begin().await?;
    let mut s =
        repo::signer_tx(&mut tx, &id).await?.ok_or_else(|| Problem::not_found(format!("signer {id} not found")))?;
    if s.state != "applied" {
        return Err(Problem::conflict(
            "bad_state",
            format!("the signer is {}: only an application can be issued", s.state),
        ));
    }
    let p = default_provider();
    let key = p.generate_sm2().map_err(Problem::internal)?;
    let now = time::OffsetDateTime::now_utc();
    let subject = DnBuilder::new()
        .c("CN")
        .and_then(|b| b.o("个人"))
        .and_then(|b| b.cn(&s.name))
        .and_then(|b| b.add("serialNumber", &s.holder_code))
        .and_then(|b| b.to_der())
        .map_err(|e| Problem::invalid("signer.invalid", e.to_string(), vec![]))?;
    let cert = issue_person_cert(&app, subject, key.public_key().clone(), now)?;
    app.metrics.signed("certificate", 1);
    s.serial = Some(cert.serial_hex());
    s.cert = Some(cert.der().to_vec());
    s.key_wrapped = Some(
        crate::keys::Kek::wrap(app.require_kek()?, &crate::keys::signer_key_name(&s.id), &key)
            .map_err(Problem::internal)?,
    );
    s.state = "issued".into();
    repo::update_signer(&mut tx, &s).await?;
    audit_in(&mut tx, &caller, "signer.issue", &id, Some(&s.holder_code), json!({"serial": s.serial})).await?;
    let entry = crate::tlog::person_cert(&app, &s, yinxin_tlog::entry::EntryKind::PersonCertIssued)?;
    crate::tlog::enqueue(&app, &mut tx, &entry).await?;
    let r = idem.finish(&app, tx, StatusCode::OK, &s).await;
    if r.is_ok() {
        crate::tlog::sequenced(&app).await;
    }
    r
}

/// A person's signing certificate (profile Person, two years or the CA's end) from the issuing CA,
/// for a key the service holds (signers) or holds a share of (envelope parties).
pub(crate) fn issue_person_cert(
    app: &App,
    subject_der: Vec<u8>,
    public_key: yinxin_gm::Sm2PublicKey,
    now: time::OffsetDateTime,
) -> ApiResult<yinxin_pki::Cert> {
    let (ca, ca_signer) = &app.keys.issuing_ca;
    let req = CertRequest {
        profile: Profile::Person,
        subject_der,
        public_key,
        not_before: now - time::Duration::minutes(5),
        not_after: (now + time::Duration::days(2 * 365)).min(ca.not_after),
        serial: None,
        path_len: None,
        crl_url: Some(format!("{}/v1/crl/issuing-ca", app.cfg.public_url.trim_end_matches('/'))),
    };
    yinxin_pki::issue_cert(&req, Some(ca), ca_signer.as_ref()).map_err(Problem::internal)
}

/// POST /v1/signers/{id}/cancel: 注销. The certificate goes on the CRL; it signs nothing more,
/// and what it signed earlier stays verifiable through the time stamps.
pub async fn cancel(
    State(app): State<App>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
    JsonBody(_body, raw): JsonBody<NoFields>,
) -> ApiResult<Response> {
    caller.require(&[role::HOLDER, role::ADMIN])?;
    let (idem, replay) = Idem::begin(&app, &caller, &headers, &format!("POST /v1/signers/{id}/cancel"), &raw).await?;
    if let Some(r) = replay {
        return Ok(r);
    }
    signer_of(&app, &caller, &id).await?;
    let mut tx = app.db.begin().await?;
    let mut s =
        repo::signer_tx(&mut tx, &id).await?.ok_or_else(|| Problem::not_found(format!("signer {id} not found")))?;
    if s.state == "cancelled" {
        return Err(Problem::conflict("bad_state", "the signer is already cancelled"));
    }
    s.state = "cancelled".into();
    s.cancelled = Some(now_ts());
    s.key_wrapped = None;
    repo::update_signer(&mut tx, &s).await?;
    audit_in(&mut tx, &caller, "signer.cancel", &id, Some(&s.holder_code), json!({"serial": s.serial})).await?;
    // A cancelled application never had a certificate: nothing was logged, nothing to log.
    let entry = match s.cert {
        Some(_) => Some(crate::tlog::person_cert(&app, &s, yinxin_tlog::entry::EntryKind::PersonCertCancelled)?),
        None => None,
    };
    if let Some(e) = &entry {
        crate::tlog::enqueue(&app, &mut tx, e).await?;
    }
    let r = idem.finish(&app, tx, StatusCode::OK, &s).await;
    app.crl_changed();
    if r.is_ok() && entry.is_some() {
        crate::tlog::sequenced(&app).await;
    }
    r
}

/// POST /v1/signers/{id}/sign: the person signs a material: a PDF gets an SM2 signature (GB/T
/// 35275 in the PDF, time-stamped); any other file a detached GM/T 0010 signature (.p7s).
pub async fn sign(
    State(app): State<App>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<SealQuery>,
    Upload(bytes): Upload,
) -> ApiResult<Response> {
    caller.require(&[role::HOLDER])?;
    let name = safe_name(q.name.as_deref(), "material")?;
    let s = signer_of(&app, &caller, &id).await?;
    if s.state != "issued" {
        return Err(Problem::conflict("signer_unavailable", format!("the signer is {}: it cannot sign", s.state)));
    }
    let (idem, replay) =
        Idem::begin(&app, &caller, &headers, &format!("POST /v1/signers/{id}/sign?{}", headers_query(&q)), &bytes)
            .await?;
    if let Some(r) = replay {
        return Ok(r);
    }
    let cert = yinxin_pki::Cert::from_der(s.cert.as_deref().unwrap_or_default()).map_err(Problem::internal)?;
    let key = app
        .require_kek()?
        .unwrap(&crate::keys::signer_key_name(&s.id), s.key_wrapped.as_deref().unwrap_or_default())
        .map_err(Problem::internal)?;
    let app2 = app.clone();
    let input = bytes.clone();
    let (format, out) = app
        .cpu_work(move || -> ApiResult<(&'static str, Vec<u8>)> {
            let signer = default_provider().sm2_signer(&key, UserId::DEFAULT).map_err(Problem::internal)?;
            let now = time::OffsetDateTime::now_utc();
            let make = |data: &[u8]| {
                yinxin_seal::gmt0010::sign_detached(
                    data,
                    &cert,
                    &app2.keys.chain,
                    signer.as_ref(),
                    now,
                    Some(&app2.keys.tsa),
                )
            };
            if format_of(&input) == Some(Format::Pdf) {
                let ap = yinxin_doc::pdf::sign::Appearance { page: 0, rect_mm: (0.0, 0.0, 0.0, 0.0), png: None };
                let cms = |d: &[u8]| make(d).map_err(|e| yinxin_doc::Error::Package(e.to_string()));
                let out = yinxin_doc::pdf::sign::sign(&input, &ap, &cert.subject(), now, &cms).map_err(|e| {
                    Problem::invalid("material.unsignable", format!("the PDF cannot be signed: {e}"), vec![])
                })?;
                Ok(("pdf", out))
            } else {
                Ok(("p7s", make(&input).map_err(Problem::internal)?))
            }
        })
        .await??;
    app.metrics.signed("person", 1);
    let made = Made { name, format, source: &bytes, out, signed_by: id, action: "signer.sign" };
    save_material(&app, &caller, idem, made).await
}
