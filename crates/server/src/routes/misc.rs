//! Catalogue, trust material, the CRL, health, readiness, metrics, the OpenAPI document.

use crate::app::{App, Path};
use crate::problem::{ApiResult, Problem};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::sync::atomic::Ordering;

/// GET /v1/licence-types
pub async fn types(State(app): State<App>) -> Response {
    axum::Json(json!({"items": app.catalogue.types()})).into_response()
}

/// GET /v1/licence-types/{code}
pub async fn licence_type(State(app): State<App>, Path(code): Path<String>) -> ApiResult<Response> {
    let t = app.catalogue.get(&code).ok_or_else(|| Problem::not_found(format!("licence type {code} not found")))?;
    Ok(axum::Json(t).into_response())
}

/// GET /v1/trust: the trust anchors, intermediates and the service's certificate (PEM).
pub async fn trust(State(app): State<App>) -> Response {
    let anchors: Vec<String> = app.keys.trust.anchors().iter().map(|c| c.to_pem()).collect();
    let chain: Vec<String> = app.keys.chain.iter().map(|c| c.to_pem()).collect();
    axum::Json(json!({
        "anchors": anchors,
        "intermediates": chain,
        "service_certificate": app.keys.service.0.to_pem(),
        "tsa_certificate": app.keys.tsa.cert().to_pem(),
    }))
    .into_response()
}

/// GET /v1/crl/issuing-ca (DER)
pub async fn crl(State(app): State<App>) -> ApiResult<Response> {
    let crl = app.issuing_crl().await?;
    let crl = &crl;
    Ok(([(header::CONTENT_TYPE, "application/pkix-crl")], crl.der().to_vec()).into_response())
}

/// GET /v1/whoami: the calling client (pages use it to check a token at sign-in).
pub async fn whoami(caller: crate::app::Caller) -> Response {
    axum::Json(
        json!({"id": caller.0.id, "role": caller.0.role, "name": caller.0.name, "principal": caller.0.principal}),
    )
    .into_response()
}

/// GET /healthz: the process answers.
pub async fn healthz() -> Response {
    axum::Json(json!({"status": "ok"})).into_response()
}

/// GET /readyz: the database answers, the node is not draining, and issuing has its typeface.
/// What issuing lacks is listed under `missing` (see [`crate::readiness`]): a department without
/// a seal in use leaves the node ready ("degraded"), a typeface that cannot be loaded does not.
pub async fn readyz(State(app): State<App>) -> Response {
    if app.draining.load(Ordering::Relaxed) {
        return (StatusCode::SERVICE_UNAVAILABLE, axum::Json(json!({"status": "draining"}))).into_response();
    }
    if !app.db.ping().await {
        return (StatusCode::SERVICE_UNAVAILABLE, axum::Json(json!({"status": "database unavailable"})))
            .into_response();
    }
    let lacks = match crate::readiness::lacks(&app).await {
        Ok(l) => l,
        Err(_) => {
            return (StatusCode::SERVICE_UNAVAILABLE, axum::Json(json!({"status": "database unavailable"})))
                .into_response();
        }
    };
    if lacks.is_empty() {
        return axum::Json(json!({"status": "ready"})).into_response();
    }
    let fatal = lacks.iter().any(|l| l.part == "font");
    let status = if fatal { StatusCode::SERVICE_UNAVAILABLE } else { StatusCode::OK };
    let word = if fatal { "issuance unavailable" } else { "degraded" };
    (status, axum::Json(json!({"status": word, "missing": lacks}))).into_response()
}

/// GET /metrics
pub async fn metrics(State(app): State<App>) -> Response {
    ([(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], app.metrics.render())
        .into_response()
}

/// The OpenAPI document (api-spec/openapi.yaml) as JSON.
pub fn openapi_json() -> &'static serde_json::Value {
    static DOC: std::sync::OnceLock<serde_json::Value> = std::sync::OnceLock::new();
    DOC.get_or_init(|| {
        serde_norway::from_str(include_str!("../../../../api-spec/openapi.yaml"))
            .expect("api-spec/openapi.yaml does not parse")
    })
}

/// GET /openapi.json
pub async fn openapi() -> Response {
    axum::Json(openapi_json()).into_response()
}
