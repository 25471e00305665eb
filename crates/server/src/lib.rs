//! yinxin-server: the running service (`yinxin serve`). An axum API over the domain crates:
//! licences, seals, materials, persons' signatures, verification with signed receipts, holders'
//! consents and the cross-department lookup, all in an SM3 hash-chained audit log with signed
//! checkpoints; SQLite or PostgreSQL through `yinxin-store`; HTTP or HTTPS (rustls), with
//! optional client certificates.
#![forbid(unsafe_code)]

pub mod app;
pub mod archive;
pub mod config;
pub mod envelopes;
pub mod evidence;
pub mod keys;
pub mod metrics;
pub mod pages;
pub mod present;
pub mod problem;
pub mod readiness;
pub mod receipt;
pub mod routes;
pub mod tlog;
mod tls;
pub mod webhooks;

use crate::app::{App, Inner};
use crate::problem::Problem;
use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use routes::{
    admin, archive as archiving, envelopes as envelope_routes, holders, licences, materials, misc,
    present as presentation, seals, signing, verify,
};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use yinxin_store::Db;
use yinxin_store::blob::{BlobStore, LocalBlobs};
use yinxin_store::blob_s3::S3Blobs;

pub use config::Config;

/// Every route: (method, path), as in `api-spec/openapi.yaml`. A test holds the two equal.
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
    ("GET", "/openapi.json"),
    ("GET", "/v1/licence-types"),
    ("GET", "/v1/licence-types/{code}"),
    ("GET", "/v1/trust"),
    ("GET", "/v1/crl/issuing-ca"),
    ("POST", "/v1/licences"),
    ("GET", "/v1/licences"),
    ("GET", "/v1/licences/{id}"),
    ("GET", "/v1/licences/{id}/ofd"),
    ("GET", "/v1/licences/{id}/pdf"),
    ("POST", "/v1/licences/{id}/suspend"),
    ("POST", "/v1/licences/{id}/resume"),
    ("POST", "/v1/licences/{id}/revoke"),
    ("GET", "/v1/licences/{id}/versions"),
    ("POST", "/v1/licences/{id}/reissue"),
    ("POST", "/v1/licences/{id}/annotations"),
    ("GET", "/v1/annotations/{id}/{format}"),
    ("GET", "/v1/status/{id}"),
    ("GET", "/v1/licences/{id}/proof"),
    ("GET", "/tlog/checkpoint"),
    ("GET", "/tlog/tile/{path}"),
    ("POST", "/v1/seals"),
    ("GET", "/v1/seals"),
    ("GET", "/v1/seals/{id}"),
    ("GET", "/v1/seals/{id}/esl"),
    ("POST", "/v1/seals/{id}/{action}"),
    ("POST", "/v1/materials"),
    ("GET", "/v1/materials/{id}"),
    ("GET", "/v1/materials/{id}/file"),
    ("POST", "/v1/signers"),
    ("GET", "/v1/signers"),
    ("GET", "/v1/signers/{id}"),
    ("GET", "/v1/signers/{id}/certificate"),
    ("POST", "/v1/signers/{id}/issue"),
    ("POST", "/v1/signers/{id}/cancel"),
    ("POST", "/v1/signers/{id}/sign"),
    ("POST", "/v1/verify"),
    ("GET", "/v1/verify/licences/{id}"),
    ("GET", "/v1/holder/licences"),
    ("GET", "/v1/holder/usage"),
    ("POST", "/v1/holder/consents"),
    ("GET", "/v1/holder/consents"),
    ("DELETE", "/v1/holder/consents/{id}"),
    ("GET", "/v1/lookup"),
    ("POST", "/v1/admin/clients"),
    ("GET", "/v1/admin/clients"),
    ("DELETE", "/v1/admin/clients/{id}"),
    ("GET", "/v1/audit"),
    ("GET", "/v1/audit/verify"),
    ("GET", "/v1/audit/checkpoints"),
    ("POST", "/v1/audit/checkpoints"),
    ("GET", "/v1/whoami"),
    ("POST", "/v1/holder/licences/{id}/credential"),
    ("GET", "/v1/present/bundle"),
    ("GET", "/v1/status-lists/{issuer}/{list}"),
    ("POST", "/v1/present/verify"),
    ("POST", "/v1/present/readers"),
    ("POST", "/v1/present/records"),
    ("POST", "/v1/present/readers/{serial}/revoke"),
    ("PUT", "/v1/admin/officers/{principal}"),
    ("GET", "/wallet"),
    ("GET", "/verifier"),
    ("GET", "/verifier-sw.js"),
    ("GET", "/verifier.webmanifest"),
    ("GET", "/assets/{name}"),
    ("PUT", "/v1/archive/items/{code}"),
    ("GET", "/v1/archive/items/{code}"),
    ("POST", "/v1/archive/transactions"),
    ("GET", "/v1/archive/transactions"),
    ("GET", "/v1/archive/transactions/{id}"),
    ("GET", "/v1/archive/transactions/{id}/events"),
    ("GET", "/v1/archive/transactions/{id}/package"),
    ("POST", "/v1/archive/transactions/{id}/reuse"),
    ("PUT", "/v1/archive/transactions/{id}/hold"),
    ("DELETE", "/v1/archive/transactions/{id}/hold"),
    ("POST", "/v1/archive/transactions/{id}/dispose"),
    ("GET", "/v1/archive/reusable"),
    ("GET", "/v1/archive/disposal"),
    ("POST", "/v1/archive/patrol"),
    ("GET", "/v1/archive/transactions/{id}/evidence"),
    ("GET", "/v1/archive/evidence/due"),
    ("POST", "/v1/archive/evidence/run"),
    ("POST", "/v1/envelopes"),
    ("GET", "/v1/envelopes/{id}"),
    ("POST", "/v1/envelopes/{id}/send"),
    ("POST", "/v1/envelopes/{id}/remind"),
    ("POST", "/v1/envelopes/{id}/void"),
    ("GET", "/v1/envelopes/{id}/documents/{index}"),
    ("GET", "/v1/envelopes/{id}/report"),
    ("GET", "/v1/outbox"),
    ("POST", "/v1/sign/{token}/code"),
    ("POST", "/v1/sign/{token}/session"),
    ("GET", "/v1/sign/{token}"),
    ("GET", "/v1/sign/{token}/documents/{index}/pages/{page}"),
    ("POST", "/v1/sign/{token}/enrol"),
    ("POST", "/v1/sign/{token}/prepare"),
    ("POST", "/v1/sign/{token}/commit"),
    ("POST", "/v1/sign/{token}/complete"),
    ("POST", "/v1/sign/{token}/decline"),
    ("GET", "/v1/sign/{token}/download"),
    ("GET", "/sign/{token}"),
];

/// The router.
pub fn router(app: App) -> Router {
    let api = Router::new()
        .route("/healthz", get(misc::healthz))
        .route("/readyz", get(misc::readyz))
        .route("/metrics", get(misc::metrics))
        .route("/openapi.json", get(misc::openapi))
        .route("/v1/licence-types", get(misc::types))
        .route("/v1/licence-types/{code}", get(misc::licence_type))
        .route("/v1/trust", get(misc::trust))
        .route("/v1/crl/issuing-ca", get(misc::crl))
        .route("/v1/licences", post(licences::issue).get(licences::list))
        .route("/v1/licences/{id}", get(licences::get))
        .route("/v1/licences/{id}/versions", get(licences::versions))
        .route("/v1/licences/{id}/reissue", post(licences::reissue))
        .route("/v1/licences/{id}/annotations", post(licences::annotate))
        .route("/v1/licences/{id}/ofd", get(licences::download_ofd))
        .route("/v1/licences/{id}/pdf", get(licences::download_pdf))
        .route("/v1/licences/{id}/suspend", post(licences::suspend))
        .route("/v1/licences/{id}/resume", post(licences::resume))
        .route("/v1/licences/{id}/revoke", post(licences::revoke))
        .route("/v1/annotations/{id}/{format}", get(licences::annotation_download))
        .route("/v1/status/{id}", get(licences::status))
        .route("/v1/licences/{id}/proof", get(routes::tlog::licence_proof))
        .route("/tlog/checkpoint", get(routes::tlog::checkpoint))
        // A tile path has several segments (`0/x001/234.p/7`, `entries/000`).
        .route("/tlog/tile/{*path}", get(routes::tlog::tile))
        .route("/v1/seals", post(seals::apply).get(seals::list))
        .route("/v1/seals/{id}", get(seals::get))
        .route("/v1/seals/{id}/esl", get(seals::esl))
        .route("/v1/seals/{id}/{action}", post(seals::act))
        .route("/v1/materials", post(materials::seal))
        .route("/v1/materials/{id}", get(materials::get))
        .route("/v1/materials/{id}/file", get(materials::file))
        .route("/v1/signers", post(materials::apply).get(materials::list))
        .route("/v1/signers/{id}", get(materials::get_signer))
        .route("/v1/signers/{id}/certificate", get(materials::certificate))
        .route("/v1/signers/{id}/issue", post(materials::issue))
        .route("/v1/signers/{id}/cancel", post(materials::cancel))
        .route("/v1/signers/{id}/sign", post(materials::sign))
        .route("/v1/verify", post(verify::verify_upload))
        .route("/v1/verify/licences/{id}", get(verify::verify_licence))
        .route("/v1/holder/licences", get(holders::licences))
        .route("/v1/holder/usage", get(holders::usage))
        .route("/v1/holder/consents", post(holders::consent).get(holders::consents))
        .route("/v1/holder/consents/{id}", delete(holders::revoke_consent))
        .route("/v1/lookup", get(holders::lookup))
        .route("/v1/admin/clients", post(admin::create_client).get(admin::list_clients))
        .route("/v1/admin/clients/{id}", delete(admin::disable_client))
        .route("/v1/audit", get(admin::audit_log))
        .route("/v1/audit/verify", get(admin::verify))
        .route("/v1/audit/checkpoints", get(admin::checkpoints).post(admin::checkpoint_now))
        .route("/v1/whoami", get(misc::whoami))
        .route("/v1/holder/licences/{id}/credential", post(presentation::credential))
        .route("/v1/present/bundle", get(presentation::bundle))
        .route("/v1/status-lists/{issuer}/{list}", get(presentation::status_list))
        .route("/v1/present/verify", post(presentation::verify))
        .route("/v1/present/readers", post(presentation::reader))
        .route("/v1/present/records", post(presentation::records))
        .route("/v1/present/readers/{serial}/revoke", post(presentation::revoke_reader))
        .route("/v1/admin/officers/{principal}", axum::routing::put(presentation::put_officer))
        .route("/v1/archive/items/{code}", put(archiving::put_item).get(archiving::get_item))
        .route("/v1/archive/transactions", post(archiving::ingest).get(archiving::list))
        .route("/v1/archive/transactions/{id}", get(archiving::get))
        .route("/v1/archive/transactions/{id}/events", get(archiving::events))
        .route("/v1/archive/transactions/{id}/package", get(archiving::package))
        .route("/v1/archive/transactions/{id}/reuse", post(archiving::reuse))
        .route("/v1/archive/transactions/{id}/hold", put(archiving::hold).delete(archiving::release))
        .route("/v1/archive/transactions/{id}/dispose", post(archiving::dispose))
        .route("/v1/archive/reusable", get(archiving::reusable))
        .route("/v1/archive/disposal", get(archiving::disposal))
        .route("/v1/archive/patrol", post(archiving::patrol))
        .route("/v1/archive/evidence/due", get(evidence::due))
        .route("/v1/archive/evidence/run", post(evidence::run))
        .route("/v1/archive/transactions/{id}/evidence", get(evidence::record))
        .route("/wallet", get(pages::wallet))
        .route("/verifier", get(pages::verifier))
        .route("/verifier-sw.js", get(pages::verifier_sw))
        .route("/verifier.webmanifest", get(pages::verifier_manifest))
        .route("/assets/{name}", get(pages::asset))
        .route("/v1/envelopes", post(envelope_routes::create))
        .route("/v1/envelopes/{id}", get(envelope_routes::status))
        .route("/v1/envelopes/{id}/send", post(envelope_routes::send))
        .route("/v1/envelopes/{id}/remind", post(envelope_routes::remind))
        .route("/v1/envelopes/{id}/void", post(envelope_routes::void))
        .route("/v1/envelopes/{id}/documents/{index}", get(envelope_routes::download))
        .route("/v1/envelopes/{id}/report", get(envelope_routes::report))
        .route("/v1/outbox", get(envelope_routes::outbox))
        .route("/v1/sign/{token}/code", post(signing::code))
        .route("/v1/sign/{token}/session", post(signing::session))
        .route("/v1/sign/{token}", get(signing::view))
        .route("/v1/sign/{token}/documents/{index}/pages/{page}", get(signing::page))
        .route("/v1/sign/{token}/enrol", post(signing::enrol))
        .route("/v1/sign/{token}/prepare", post(signing::prepare))
        .route("/v1/sign/{token}/commit", post(signing::commit))
        .route("/v1/sign/{token}/complete", post(signing::complete))
        .route("/v1/sign/{token}/decline", post(signing::decline))
        .route("/v1/sign/{token}/download", get(signing::download))
        .route("/sign/{token}", get(pages::sign))
        .fallback(no_route)
        .method_not_allowed_fallback(no_method);
    let limit = app.cfg.limits.body_bytes;
    api.layer(axum::middleware::from_fn_with_state(app.clone(), observe))
        .layer(axum::extract::DefaultBodyLimit::max(limit))
        .with_state(app)
}

async fn no_route() -> Problem {
    Problem::new(StatusCode::NOT_FOUND, "no_route", "no such route; see /openapi.json")
}

async fn no_method() -> Problem {
    Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this route does not take that method; see /openapi.json",
    )
}

/// Log and count every request.
async fn observe(State(app): State<App>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().to_string();
    let route =
        req.extensions().get::<MatchedPath>().map(|p| p.as_str().to_string()).unwrap_or_else(|| "unmatched".into());
    // An error answer to a request with a body may come before the body was read (a 415, a 413
    // on the header alone, a 401): the connection then closes, and saying so stops the client
    // from sending its next request into a closing connection.
    let has_body = req.version() <= axum::http::Version::HTTP_11
        && (req.headers().get(header::CONTENT_LENGTH).is_some_and(|v| v.as_bytes() != b"0")
            || req.headers().contains_key(header::TRANSFER_ENCODING));
    // A NUL character (%00) in the path or the query names nothing and no parameter takes one;
    // PostgreSQL cannot even compare one (the statement fails). Refused before any handler.
    let uri = req.uri();
    let nul = [uri.path(), uri.query().unwrap_or("")].iter().any(|s| s.as_bytes().windows(3).any(|w| w == b"%00"));
    let timeout = Duration::from_secs(app.cfg.limits.request_timeout_seconds);
    let mut res = if nul {
        Problem::bad_request("bad_url", "the URL has a NUL character (%00)").into_response()
    } else {
        match tokio::time::timeout(timeout, next.run(req)).await {
            Ok(r) => r,
            // Reading the body (or answering) took longer than the limit: a body trickled in to
            // hold the connection (slow POST), or a handler that should not take that long.
            Err(_) => {
                let mut r = Problem::new(
                    StatusCode::REQUEST_TIMEOUT,
                    "request_timeout",
                    format!("the request was not received and answered within {} s", timeout.as_secs()),
                )
                .into_response();
                r.headers_mut().insert(header::CONNECTION, axum::http::HeaderValue::from_static("close"));
                r
            }
        }
    };
    if has_body && res.status().as_u16() >= 400 {
        res.headers_mut().insert(header::CONNECTION, axum::http::HeaderValue::from_static("close"));
    }
    let secs = start.elapsed().as_secs_f64();
    let status = res.status().as_u16();
    app.metrics.request(&method, &route, status, secs);
    let client = res.extensions().get::<app::Caller>().map(|c| c.0.id.clone());
    if status >= 500 {
        tracing::error!(%method, %route, status, ms = secs * 1000.0, "request");
    } else {
        tracing::info!(%method, %route, status, ms = secs * 1000.0, client = client.as_deref().unwrap_or("-"), "request");
    }
    res
}

/// Open the database, the document store and the keys (importing `key_dir` on first start), and
/// build the state.
pub async fn open(mut cfg: Config) -> Result<App, String> {
    std::fs::create_dir_all(&cfg.data_dir).map_err(|e| format!("{}: {e}", cfg.data_dir.display()))?;
    let db = Db::connect(&cfg.database_url(), cfg.max_connections).await.map_err(|e| e.to_string())?;
    let kek = keys::Kek::load_or_create(cfg.kek.as_deref(), &cfg.data_dir)?;
    // The configuration lives as long as the service: it keeps no copy of the KEK's hex.
    if let Some(mut hex) = cfg.kek.take() {
        zeroize::Zeroize::zeroize(&mut hex);
    }
    if keys::bootstrap(&db, &kek, &cfg).await? {
        tracing::info!(key_dir = %cfg.key_dir.display(), "first start: imported departments, seals and service keys");
    }
    let keys = keys::load(&db, &kek, &cfg.key_dir).await?;
    let verify_trust = keys::verify_trust(&cfg.trust_dir(), &keys.trust)?;
    let policy = match &cfg.policy {
        Some(p) => yinxin_pki::Policy::load(p).map_err(|e| e.to_string())?,
        None => yinxin_pki::policy::default_policy().clone(),
    };
    tracing::info!(policy = %policy.name, sm3 = %policy.sm3, anchors = verify_trust.anchors().len(), "verification trust and policy");
    let blobs: Arc<dyn BlobStore> = match &cfg.object_store {
        Some(s3) => {
            let store = S3Blobs::from_config(s3).map_err(|e| e.to_string())?;
            tracing::info!(store = %store.name(), "documents are kept in an S3-compatible object store");
            Arc::new(store)
        }
        None => {
            let dir = cfg.data_dir.join("documents");
            tracing::info!(dir = %dir.display(), "documents are kept in a local directory");
            Arc::new(LocalBlobs::open(&dir).map_err(|e| e.to_string())?)
        }
    };
    let catalogue = yinxin_licence::catalogue::Catalogue::built_in().map_err(|e| e.to_string())?;
    let (audit_tx, audit_rx) = tokio::sync::mpsc::channel(4096);
    tokio::spawn(app::audit_writer(db.clone(), audit_rx));
    let origin = tlog::origin_for(&cfg.public_url);
    let log_signer = yinxin_tlog::signature::Sm2NoteSigner::new(
        &origin,
        yinxin_tlog::signature::Sm2Kind::Note,
        keys::log_signer(&db, &kek).await?,
    )
    .map_err(|e| format!("the log's checkpoint signer: {e}"))?;
    let log_signer = Arc::new(log_signer);
    let (wake, wake_rx) = tokio::sync::mpsc::channel(4096);
    let witnessing = tlog::Witnessing::from_config(&cfg, &origin, &log_signer)?;
    if let Some(w) = &witnessing {
        w.restore(&db).await?;
    }
    if cfg.transparency_log {
        let mirror = match &cfg.tlog_mirror_dir {
            Some(dir) => {
                let objects = Arc::new(yinxin_store::objects::LocalDir::open(dir).map_err(|e| e.to_string())?);
                Some(tlog::Mirror::open(&db, objects, &origin).await?)
            }
            None => None,
        };
        let sequencer = tlog::Sequencer {
            db: db.clone(),
            origin: origin.clone(),
            signer: log_signer.clone(),
            witnessing: witnessing.clone(),
            mirror,
        };
        tokio::spawn(sequencer.run(wake_rx));
    } else {
        tracing::warn!("the transparency log is off: nothing is logged, and no proofs are given");
    }
    let tlog = tlog::Log {
        origin,
        signer: log_signer,
        holder: keys::holder_key(&db, &kek).await?,
        wake,
        witnessing,
        enabled: cfg.transparency_log,
        proofs: Default::default(),
    };
    let app = App(Arc::new(Inner {
        cfg,
        db,
        blobs,
        catalogue,
        keys,
        verify_trust,
        policy,
        kek: Some(kek),
        metrics: metrics::Metrics::new(),
        buckets: Default::default(),
        crl: Default::default(),
        clients: Default::default(),
        audit_tx,
        tlog,
        draining: Default::default(),
        present: Default::default(),
    }));
    collect_garbage(&app).await?;
    if app.cfg.dev_clients {
        dev_clients(&app).await?;
    }
    Ok(app)
}

/// Remove documents no row refers to, older than the grace period: what a crash between writing
/// a document and committing its row leaves behind.
pub async fn collect_garbage(app: &App) -> Result<usize, String> {
    let live = yinxin_store::repo::referenced_digests(&app.db).await.map_err(|e| e.to_string())?;
    let grace = Duration::from_secs(app.cfg.gc_grace_seconds);
    let now = std::time::SystemTime::now();
    let mut removed = 0;
    for (d, modified) in app.blobs.list().await.map_err(|e| e.to_string())? {
        if !live.contains(&d) && now.duration_since(modified).unwrap_or_default() >= grace {
            app.blobs.delete(&d).await.map_err(|e| e.to_string())?;
            removed += 1;
        }
    }
    if removed > 0 {
        tracing::info!(removed, "removed documents no row refers to");
    }
    Ok(removed)
}

/// Development clients, made once, their tokens written to `DATA_DIR/dev-credentials.json`.
async fn dev_clients(app: &App) -> Result<(), String> {
    if yinxin_store::repo::has_admin(&app.db).await.map_err(|e| e.to_string())? {
        return Ok(());
    }
    let mut out = serde_json::Map::new();
    let mut add = |k: String, v: serde_json::Value| {
        out.insert(k, v);
    };
    let mk = |role: &'static str, name: String, principal: String| {
        let db = app.db.clone();
        async move { routes::admin::create_client_row(&db, role, &name, &principal, None).await.map_err(|e| e.to_string()) }
    };
    let (c, t) = mk(app::role::ADMIN, "开发管理员".into(), "admin".into()).await?;
    add("admin".into(), serde_json::json!({"id": c.id, "token": t}));
    let mut depts: Vec<_> = app.keys.departments.values().collect();
    depts.sort_by(|a, b| a.code.cmp(&b.code));
    for d in depts {
        let (c, t) = mk(app::role::DEPARTMENT, d.name.clone(), d.code.clone()).await?;
        add(
            format!("department:{}", d.code),
            serde_json::json!({"id": c.id, "token": t, "name": d.name, "types": d.types}),
        );
    }
    let (c, t) = mk(app::role::SEAL_AUTHORITY, "某市电子印章制作中心".into(), "12530100MB04567890".into()).await?;
    add("seal_authority".into(), serde_json::json!({"id": c.id, "token": t}));
    let (c, t) = mk(app::role::OFFICER, "执法人员 001".into(), "officer-001".into()).await?;
    add("officer".into(), serde_json::json!({"id": c.id, "token": t}));
    // The development officer inspects markets: a market department's officer who may ask for a
    // business licence's name and USCC only (reader certificates carry this).
    if let Some(d) = app.keys.departments.values().filter(|d| !d.types.is_empty()).min_by(|a, b| a.code.cmp(&b.code)) {
        let profile = yinxin_store::repo::OfficerProfile {
            principal: "officer-001".into(),
            name: "王五".into(),
            department_code: d.code.clone(),
            department_name: d.name.clone(),
            area_code: "530102".into(),
            // Each type's holder name and holder code fields (名称 and 统一社会信用代码 on a business licence).
            entitlements: d
                .types
                .iter()
                .filter_map(|code| app.catalogue.get(code))
                .map(|t| {
                    let f = t.fields.iter().filter(|f| f.holder_name || f.holder_code).map(|f| f.key.clone()).collect();
                    (t.type_code.clone(), f)
                })
                .filter(|(_, f): &(String, Vec<String>)| !f.is_empty())
                .collect(),
        };
        let mut tx = app.db.begin().await.map_err(|e| e.to_string())?;
        yinxin_store::repo::put_officer_profile(&mut tx, &profile, yinxin_store::now_ts())
            .await
            .map_err(|e| e.to_string())?;
        tx.commit().await.map_err(|e| e.to_string())?;
    }
    let (c, t) = mk(app::role::HOLDER, "云南某某科技有限公司".into(), "91530100MA6K0X123J".into()).await?;
    add("holder".into(), serde_json::json!({"id": c.id, "token": t, "holder_code": "91530100MA6K0X123J"}));
    let (c, t) = mk(app::role::HOLDER, "张三".into(), "530102199001011231".into()).await?;
    add("person".into(), serde_json::json!({"id": c.id, "token": t, "holder_code": "530102199001011231"}));
    let file = app.cfg.data_dir.join("dev-credentials.json");
    let text = serde_json::to_string_pretty(&serde_json::Value::Object(out)).map_err(|e| e.to_string())?;
    keys::write_private(&file, text.as_bytes())?;
    tracing::warn!(file = %file.display(), "development clients created; their tokens are in this file (development only)");
    Ok(())
}

/// Run until SIGINT or SIGTERM, then drain: stop accepting, finish requests in flight (up to 30 s).
pub async fn serve(cfg: Config) -> Result<(), String> {
    let app = open(cfg).await?;
    readiness::log_at_start(&app).await;
    let addr: std::net::SocketAddr = app.cfg.listen.parse().map_err(|e| format!("listen {}: {e}", app.cfg.listen))?;
    if app.cfg.checkpoint_seconds > 0 {
        let a = app.clone();
        tokio::spawn(async move {
            let mut t = tokio::time::interval(Duration::from_secs(a.cfg.checkpoint_seconds));
            t.tick().await;
            loop {
                t.tick().await;
                if let Err(e) = routes::admin::make_checkpoint(&a).await {
                    tracing::error!(?e, "audit checkpoint failed");
                }
            }
        });
    }
    tokio::spawn(evidence::task(app.clone()));
    {
        // Envelopes: close those whose parties have all signed (after a crash between the last
        // signature and its closing) and expire those past their deadline.
        let a = app.clone();
        tokio::spawn(async move {
            let mut t = tokio::time::interval(Duration::from_secs(15));
            loop {
                t.tick().await;
                if let Err(e) = crate::envelopes::tick(&a).await {
                    tracing::warn!("envelope task: {:?}", e.detail);
                }
            }
        });
    }
    let handle = axum_server::Handle::new();
    {
        let (h, a) = (handle.clone(), app.clone());
        tokio::spawn(async move {
            shutdown_signal().await;
            tracing::info!("shutting down: draining requests in flight");
            a.draining.store(true, Ordering::Relaxed);
            h.graceful_shutdown(Some(Duration::from_secs(30)));
        });
    }
    let scheme = if app.cfg.tls.is_some() { "https" } else { "http" };
    let router = router(app.clone());
    let tls = app.cfg.tls.clone();
    let bind = tokio::net::TcpListener::bind(addr).await.map_err(|e| format!("listen {addr}: {e}"))?;
    let local = bind.local_addr().map_err(|e| e.to_string())?;
    let listener = bind.into_std().map_err(|e| e.to_string())?;
    tracing::info!(address = %format!("{scheme}://{local}"), database = %redact(&app.cfg.database_url()), "yinxin is serving");
    println!("yinxin serving on {scheme}://{local}  (API: {scheme}://{local}/openapi.json)");
    let mut server = axum_server::from_tcp(listener).map_err(|e| e.to_string())?;
    limit_connections(&mut server, &app.cfg.limits);
    let result = match tls {
        None => server.handle(handle).serve(router.into_make_service()).await,
        Some(t) => {
            let acceptor = tls::acceptor(&t)?;
            server.acceptor(acceptor).handle(handle).serve(router.into_make_service()).await
        }
    };
    result.map_err(|e| e.to_string())?;
    app.db.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// The connection-level limits: time to send the headers (slow loris), size and count of the
/// headers (431 beyond), and the same time for the first request of a connection.
fn limit_connections<A: axum_server::Address>(server: &mut axum_server::Server<A>, limits: &config::Limits) {
    let headers = Duration::from_secs(limits.header_read_timeout_seconds);
    let b = server.http_builder();
    b.http1().header_read_timeout(headers).max_buf_size(limits.header_bytes).max_headers(limits.headers);
    b.http2().max_header_list_size(u32::try_from(limits.header_bytes).unwrap_or(u32::MAX));
}

fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://***{}", &url[..s], &url[at..]),
        _ => url.to_string(),
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
