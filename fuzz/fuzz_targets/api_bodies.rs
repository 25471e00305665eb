//! The HTTP API's bodies from arbitrary bytes: JSON, multipart and raw uploads sent, as every
//! role, to every route that takes a body (and to routes that take none), through the real
//! router over SQLite with the development keys. Never a panic, never a 5xx, and every error a
//! problem document.
//!
//! Input: byte 0 picks the route, byte 1 the caller (low 3 bits) and the content type (next 2
//! bits); the rest is the body. The licence routes name a real licence made at start, so their
//! handlers get past "not found"; the other ids do not exist, and those routes are fuzzed
//! through their body extractors and the checks before the lookup.
#![no_main]

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};
use std::sync::OnceLock;
use tower::ServiceExt;

struct World {
    rt: tokio::runtime::Runtime,
    router: axum::Router,
    tokens: Vec<Option<String>>,
    routes: Vec<(Method, String)>,
}

const MARKET: &str = "department:11530100MB0123456A";

fn world() -> &'static World {
    static W: OnceLock<World> = OnceLock::new();
    W.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let dir = Box::leak(Box::new(tempfile::tempdir().unwrap()));
        let keys = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../keys-dev");
        let mut cfg = yinxin_server::Config {
            data_dir: dir.path().to_path_buf(),
            key_dir: keys,
            ..Default::default()
        };
        cfg.limits.rate_per_second = 1e9;
        cfg.limits.burst = 1e9;
        cfg.checkpoint_seconds = 0;
        let app = rt.block_on(yinxin_server::open(cfg)).expect("the service starts");
        let router = yinxin_server::router(app);
        let creds: Value =
            serde_json::from_slice(&std::fs::read(dir.path().join("dev-credentials.json")).unwrap()).unwrap();
        let token = |who: &str| creds[who]["token"].as_str().map(str::to_string);
        let tokens = vec![
            token(MARKET),
            token("department:11530100MB0234567M"),
            token("admin"),
            token("seal_authority"),
            token("officer"),
            token("holder"),
            token("person"),
            None,
        ];
        // Real resources for the paths.
        let call = |method: Method, path: &str, who: &str, body: Value| {
            let token = token(who);
            let (status, _, bytes) =
                send(&rt, &router, method, path, token.as_deref(), "application/json", body.to_string().into_bytes());
            let v: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
            assert!(status.is_success(), "{path}: {status} {v}");
            v
        };
        let ws = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let fields: Value =
            serde_json::from_slice(&std::fs::read(ws.join("examples/营业执照.json")).unwrap()).unwrap();
        let licence = call(Method::POST, "/v1/licences", MARKET, json!({"type_code": "营业执照", "fields": fields}));
        let lid = licence["identifier"].as_str().map(str::to_string).unwrap_or_default();
        let routes = vec![
            (Method::POST, "/v1/licences".to_string()),
            (Method::POST, format!("/v1/licences/{lid}/suspend")),
            (Method::POST, format!("/v1/licences/{lid}/resume")),
            (Method::POST, format!("/v1/licences/{lid}/revoke")),
            (Method::POST, format!("/v1/licences/{lid}/reissue")),
            (Method::POST, format!("/v1/licences/{lid}/annotations")),
            (Method::POST, "/v1/seals".to_string()),
            (Method::POST, "/v1/seals/1/file".to_string()),
            (Method::POST, "/v1/seals/1/suspend".to_string()),
            (Method::POST, "/v1/materials".to_string()),
            (Method::POST, "/v1/signers".to_string()),
            (Method::POST, "/v1/signers/1/issue".to_string()),
            (Method::POST, "/v1/signers/1/sign".to_string()),
            (Method::POST, "/v1/verify".to_string()),
            (Method::POST, "/v1/holder/consents".to_string()),
            (Method::POST, "/v1/admin/clients".to_string()),
            (Method::POST, "/v1/audit/checkpoints".to_string()),
            (Method::POST, format!("/v1/holder/licences/{lid}/credential")),
            (Method::POST, "/v1/present/verify".to_string()),
            (Method::PUT, "/v1/archive/items/fuzz-item".to_string()),
            (Method::POST, "/v1/archive/transactions".to_string()),
            (Method::POST, "/v1/archive/transactions/1/reuse".to_string()),
            (Method::PUT, "/v1/archive/transactions/1/hold".to_string()),
            (Method::POST, "/v1/archive/transactions/1/dispose".to_string()),
            (Method::POST, "/v1/archive/patrol".to_string()),
            (Method::GET, format!("/v1/verify/licences/{lid}")),
            (Method::GET, "/v1/lookup".to_string()),
        ];
        World { rt, router, tokens, routes }
    })
}

const TYPES: [&str; 4] = [
    "application/json",
    "multipart/form-data; boundary=yinxinfuzz",
    "application/octet-stream",
    "application/pdf",
];

/// One request through the router: (status, content type, body).
fn send(
    rt: &tokio::runtime::Runtime,
    router: &axum::Router,
    method: Method,
    path: &str,
    token: Option<&str>,
    content_type: &str,
    body: Vec<u8>,
) -> (StatusCode, String, axum::body::Bytes) {
    let mut req = Request::builder().method(method).uri(path).header("content-type", content_type);
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let req = req.body(Body::from(body)).unwrap();
    rt.block_on(async {
        let r = router.clone().oneshot(req).await.unwrap();
        let s = r.status();
        let c = r.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        (s, c, axum::body::to_bytes(r.into_body(), 1 << 26).await.unwrap())
    })
}

fuzz_target!(|data: &[u8]| {
    let [route, who, body @ ..] = data else { return };
    let w = world();
    let (method, path) = &w.routes[*route as usize % w.routes.len()];
    let token = w.tokens[(*who & 7) as usize % w.tokens.len()].as_deref();
    let (status, ctype, bytes) =
        send(&w.rt, &w.router, method.clone(), path, token, TYPES[((*who >> 3) & 3) as usize], body.to_vec());
    assert!(
        status < StatusCode::INTERNAL_SERVER_ERROR,
        "{method} {path}: {status}: {}",
        String::from_utf8_lossy(&bytes)
    );
    if status.is_client_error() {
        assert_eq!(ctype, "application/problem+json", "{method} {path}: {status}");
        let p: Value = serde_json::from_slice(&bytes).expect("a problem document is JSON");
        assert_eq!(p["status"], status.as_u16(), "{p}");
    }
});
