//! The shared state of a running service and the helpers every handler uses: who is calling
//! (tokens or TLS client certificates, roles, rate limits), request bodies with limits, the
//! audit log, idempotent creates, the revocation list and the verification options.

use crate::config::Config;
use crate::keys::Keys;
use crate::metrics::Metrics;
use crate::problem::{ApiResult, Problem};
use axum::body::Bytes;
use axum::extract::{FromRef, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;
use yinxin_gm::sm3::sm3;
use yinxin_licence::catalogue::Catalogue;
use yinxin_pki::Crl;
use yinxin_store::audit::{self, Entry};
use yinxin_store::blob::BlobStore;
use yinxin_store::repo::Client;
use yinxin_store::{Db, Tx, idem, now_ts};

/// The service's state.
#[derive(Clone)]
pub struct App(pub Arc<Inner>);

/// What the state holds.
pub struct Inner {
    /// Configuration.
    pub cfg: Config,
    /// The database.
    pub db: Db,
    /// The document store.
    pub blobs: Arc<dyn BlobStore>,
    /// The licence catalogue.
    pub catalogue: Catalogue,
    /// Keys and trust.
    pub keys: Keys,
    /// What verification trusts: the service's root and the trust store's (`trust_dir`).
    pub verify_trust: yinxin_pki::TrustStore,
    /// The validation policy.
    pub policy: yinxin_pki::Policy,
    /// The key-encryption key (wraps persons' keys as they are issued).
    pub kek: Option<crate::keys::Kek>,
    /// Metrics.
    pub metrics: Metrics,
    /// Token buckets per client.
    pub buckets: Mutex<HashMap<String, (f64, Instant)>>,
    /// The CRLs verification uses, cached.
    pub crl: RwLock<Option<CrlCache>>,
    /// Clients by token digest, cached for a few seconds.
    pub clients: Mutex<HashMap<String, (Client, Instant)>>,
    /// Group-committed audit appends (verifications, lookups).
    pub audit_tx: tokio::sync::mpsc::Sender<(Entry, tokio::sync::oneshot::Sender<AuditResult>)>,
    /// The transparency log.
    pub tlog: crate::tlog::Log,
    /// Set when shutting down: `/readyz` fails so load balancers drain the node.
    pub draining: std::sync::atomic::AtomicBool,
    /// The 亮证 bundle and verifier, cached.
    pub present: crate::present::PresentCache,
}

impl std::ops::Deref for App {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

/// Roles.
pub mod role {
    /// An issuing or using department.
    pub const DEPARTMENT: &str = "department";
    /// A seal-making body (制章机构).
    pub const SEAL_AUTHORITY: &str = "seal_authority";
    /// An enforcement officer.
    pub const OFFICER: &str = "officer";
    /// A licence holder (citizen or firm).
    pub const HOLDER: &str = "holder";
    /// The operator.
    pub const ADMIN: &str = "admin";
    /// Every role.
    pub const ALL: [&str; 5] = [DEPARTMENT, SEAL_AUTHORITY, OFFICER, HOLDER, ADMIN];
}

/// The TLS client certificate of the connection, when mutual TLS presented one (SHA-256, hex).
#[derive(Clone, Debug)]
pub struct PeerCert(pub Option<String>);

/// An authenticated caller.
#[derive(Clone, Debug)]
pub struct Caller(pub Client);

impl Caller {
    /// Refuse unless the caller has one of `roles`.
    pub fn require(&self, roles: &[&str]) -> ApiResult<()> {
        if roles.contains(&self.0.role.as_str()) {
            Ok(())
        } else {
            Err(Problem::forbidden(format!("this operation is for {}; you are {}", roles.join(" or "), self.0.role)))
        }
    }
    /// The caller's role.
    pub fn role(&self) -> &str {
        &self.0.role
    }
    /// Whom the caller acts for.
    pub fn principal(&self) -> &str {
        &self.0.principal
    }
    /// Whether the caller is `role`.
    pub fn is(&self, role: &str) -> bool {
        self.0.role == role
    }
}

impl<S> FromRequestParts<S> for Caller
where
    App: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        let app = App::from_ref(state);
        let client = if let Some(h) = parts.headers.get(header::AUTHORIZATION) {
            let v = h.to_str().map_err(|_| Problem::unauthenticated("the Authorization header is not text"))?;
            let token = v
                .strip_prefix("Bearer ")
                .map(str::trim)
                .filter(|t| !t.is_empty() && t.len() <= 200)
                .ok_or_else(|| Problem::unauthenticated("use Authorization: Bearer TOKEN"))?;
            app.client_for_token(token).await?
        } else if let Some(PeerCert(Some(fp))) = parts.extensions.get::<PeerCert>() {
            yinxin_store::repo::client_by_cert(&app.db, fp).await?
        } else {
            return Err(Problem::unauthenticated(
                "no credentials: send Authorization: Bearer TOKEN or a client certificate",
            ));
        };
        let client = client.ok_or_else(|| Problem::unauthenticated("unknown or disabled credentials"))?;
        app.take_token(&client.id)?;
        parts.extensions.insert(Caller(client.clone()));
        Ok(Caller(client))
    }
}

/// How tokens are stored: their SM3 digest (tokens are 256-bit random, so no salt is needed).
pub fn token_digest(token: &str) -> String {
    sm3(token.as_bytes()).to_hex()
}

/// A fresh random token or id.
pub fn random_hex(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    yinxin_gm::default_provider().fill_random(&mut b).expect("the system random source failed");
    hex::encode(b)
}

impl App {
    /// Take one request from the client's bucket, or refuse with 429.
    pub fn take_token(&self, client: &str) -> ApiResult<()> {
        let (rate, burst) = (self.cfg.limits.rate_per_second, self.cfg.limits.burst.max(1.0));
        let mut b = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        let (tokens, last) = b.entry(client.to_string()).or_insert((burst, now));
        *tokens = (*tokens + now.duration_since(*last).as_secs_f64() * rate).min(burst);
        *last = now;
        if *tokens < 1.0 {
            let wait = ((1.0 - *tokens) / rate.max(0.001)).ceil() as u64;
            let mut p = Problem::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!("more than {rate} requests per second; retry after {wait} s"),
            );
            p.retry_after = Some(wait.max(1));
            return Err(p);
        }
        *tokens -= 1.0;
        Ok(())
    }

    /// Append an audit entry through the group committer and wait until it is durable.
    pub async fn audit_now(
        &self,
        caller: &Caller,
        action: &str,
        subject: &str,
        holder: Option<&str>,
        detail: serde_json::Value,
    ) -> ApiResult<()> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.audit_tx
            .send((entry(caller, action, subject, holder, detail), tx))
            .await
            .map_err(|_| Problem::internal("the audit writer has stopped"))?;
        rx.await.map_err(|_| Problem::internal("the audit writer has stopped"))?.map_err(|(transient, e)| {
            if transient {
                Problem::unavailable(format!("audit: {e}"))
            } else {
                Problem::internal(format!("audit: {e}"))
            }
        })
    }

    /// The CRLs verification uses: the root's (from the key directory) and the issuing CA's,
    /// made here from the cancelled (注销) signing certificates. The database is asked at most
    /// every 15 s (a cancellation on this node clears the cache at once); the CRL is remade when
    /// the list changes, and hourly.
    pub async fn crls(&self) -> ApiResult<Arc<Vec<Crl>>> {
        if let Some(c) = self.crl.read().unwrap_or_else(|p| p.into_inner()).as_ref()
            && c.checked.elapsed() < std::time::Duration::from_secs(15)
        {
            return Ok(c.crls.clone());
        }
        let cancelled = yinxin_store::repo::cancelled_serials(&self.db).await?;
        {
            let mut guard = self.crl.write().unwrap_or_else(|p| p.into_inner());
            if let Some(c) = guard.as_mut()
                && c.cancelled == cancelled.len()
                && now_ts() - c.made < 3600
            {
                c.checked = Instant::now();
                return Ok(c.crls.clone());
            }
        }
        let now = time::OffsetDateTime::now_utc();
        let revoked = cancelled
            .iter()
            .filter_map(|(serial, at)| {
                Some(yinxin_pki::crl::Revoked {
                    serial: hex::decode(serial).ok()?,
                    date: time::OffsetDateTime::from_unix_timestamp(*at).ok()?,
                    reason: Some(5),
                })
            })
            .collect();
        let req = yinxin_pki::crl::CrlRequest {
            this_update: now - time::Duration::minutes(5),
            next_update: now + time::Duration::days(1),
            number: now.unix_timestamp() as u64,
            revoked,
        };
        let (ca, signer) = &self.keys.issuing_ca;
        let crl = yinxin_pki::crl::issue_crl(&req, ca, signer.as_ref()).map_err(Problem::internal)?;
        let mut all = self.keys.static_crls.clone();
        all.push(crl);
        let crls = Arc::new(all);
        *self.crl.write().unwrap_or_else(|p| p.into_inner()) =
            Some(CrlCache { crls: crls.clone(), cancelled: cancelled.len(), made: now_ts(), checked: Instant::now() });
        Ok(crls)
    }

    /// The issuing CA's current CRL.
    pub async fn issuing_crl(&self) -> ApiResult<Crl> {
        let crls = self.crls().await?;
        crls.last().cloned().ok_or_else(|| Problem::internal("no CRL"))
    }

    /// The key-encryption key, which wraps persons' keys and shares.
    pub fn require_kek(&self) -> ApiResult<&crate::keys::Kek> {
        self.kek.as_ref().ok_or_else(|| Problem::internal("no key-encryption key"))
    }

    /// Run CPU-bound work (signing, verification) on the blocking pool, off the async threads.
    /// (Limiting it to a few jobs per core was measured: slower under load, so it is not done.)
    pub async fn cpu_work<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> ApiResult<T> {
        self.cpu_task(f).await.map_err(Problem::internal)
    }

    /// Start CPU-bound work on the blocking pool and return at once, so that the caller can do
    /// something else (a database lookup) before awaiting the result.
    pub fn cpu_task<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> tokio::task::JoinHandle<T> {
        tokio::task::spawn_blocking(f)
    }

    /// Forget the cached CRLs (a certificate was just cancelled).
    pub fn crl_changed(&self) {
        *self.crl.write().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// The client holding this token, from a 10-second cache or the database.
    pub async fn client_for_token(&self, token: &str) -> ApiResult<Option<Client>> {
        let digest = token_digest(token);
        if let Some((c, at)) = self.clients.lock().unwrap_or_else(|p| p.into_inner()).get(&digest)
            && at.elapsed() < std::time::Duration::from_secs(10)
        {
            return Ok(Some(c.clone()));
        }
        let c = yinxin_store::repo::client_by_token(&self.db, &digest).await?;
        let mut cache = self.clients.lock().unwrap_or_else(|p| p.into_inner());
        if cache.len() > 10_000 {
            cache.clear();
        }
        if let Some(c) = &c {
            cache.insert(digest, (c.clone(), Instant::now()));
        }
        Ok(c)
    }

    /// Forget cached clients (one was disabled).
    pub fn clients_changed(&self) {
        self.clients.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

/// The cached CRLs.
pub struct CrlCache {
    crls: Arc<Vec<Crl>>,
    cancelled: usize,
    made: i64,
    checked: Instant,
}

/// An audit entry for `caller`.
pub fn entry(caller: &Caller, action: &str, subject: &str, holder: Option<&str>, detail: serde_json::Value) -> Entry {
    Entry {
        seq: 0,
        at: now_ts(),
        actor: caller.0.id.clone(),
        role: caller.0.role.clone(),
        action: action.to_string(),
        subject: subject.to_string(),
        holder_code: holder.map(str::to_string),
        detail: detail.to_string(),
    }
}

/// Append to the audit log inside `tx`.
pub async fn audit_in(
    tx: &mut Tx,
    caller: &Caller,
    action: &str,
    subject: &str,
    holder: Option<&str>,
    detail: serde_json::Value,
) -> ApiResult<()> {
    audit::append(tx, entry(caller, action, subject, holder, detail)).await?;
    Ok(())
}

/// What the audit writer answers: done, or why not (true: the database is unreachable for now).
pub type AuditResult = Result<(), (bool, String)>;

/// The audit group committer: takes queued entries in batches of up to 512, appends each batch
/// in one transaction and answers every entry's request with the batch's outcome.
pub async fn audit_writer(
    db: Db,
    mut rx: tokio::sync::mpsc::Receiver<(Entry, tokio::sync::oneshot::Sender<AuditResult>)>,
) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < 512 {
            match rx.try_recv() {
                Ok(e) => batch.push(e),
                Err(_) => break,
            }
        }
        let result = async {
            let mut tx = db.begin().await?;
            audit::append_many(&mut tx, batch.iter().map(|(e, _)| e.clone()).collect()).await?;
            tx.commit().await
        }
        .await
        .map_err(|e: yinxin_store::Error| (e.is_transient(), e.to_string()));
        for (_, ack) in batch {
            let _ = ack.send(result.clone());
        }
    }
}

/// Whether JSON text escapes a NUL character (`\u0000`, the only way one gets into a string: a
/// raw control character is not JSON). No text field takes one, and PostgreSQL's text columns
/// cannot store one (the statement fails), so bodies with one are refused for every route.
pub fn has_nul_escape(json: &[u8]) -> bool {
    let mut backslashes = 0usize;
    for (i, &b) in json.iter().enumerate() {
        if b == b'\\' {
            backslashes += 1;
            continue;
        }
        // An odd run of backslashes escapes this byte; an even one is escaped backslashes.
        if b == b'u' && backslashes % 2 == 1 && json.get(i + 1..i + 5) == Some(b"0000") {
            return true;
        }
        backslashes = 0;
    }
    false
}

/// A JSON request body: `application/json`, within the size limit, every field known.
pub struct JsonBody<T>(pub T, pub Bytes);

impl<S, T> FromRequest<S> for JsonBody<T>
where
    App: FromRef<S>,
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Problem> {
        let app = App::from_ref(state);
        let ct = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
        let mime = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        if mime != "application/json" {
            return Err(Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                format!("send application/json, not {:?}", if ct.is_empty() { "nothing" } else { ct }),
            ));
        }
        let bytes = body_bytes(req, app.cfg.limits.body_bytes).await?;
        if has_nul_escape(&bytes) {
            return Err(Problem::invalid("invalid_json", "a string in the body has a NUL character (\\u0000)", vec![]));
        }
        let v = serde_json::from_slice(&bytes).map_err(|e| {
            Problem::invalid("invalid_json", format!("the JSON body does not match the schema: {e}"), vec![])
        })?;
        Ok(JsonBody(v, bytes))
    }
}

/// An uploaded file: the raw request body, one of the accepted types, non-empty, within limits.
pub struct Upload(pub Bytes);

/// Content types accepted for uploads.
pub const UPLOAD_TYPES: [&str; 4] =
    ["application/octet-stream", "application/pdf", "application/ofd", "application/zip"];

impl<S> FromRequest<S> for Upload
where
    App: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Problem> {
        let app = App::from_ref(state);
        let ct = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
        let mime = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        if !UPLOAD_TYPES.contains(&mime.as_str()) {
            return Err(Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                format!("upload the file's bytes as one of {}", UPLOAD_TYPES.join(", ")),
            ));
        }
        let bytes = body_bytes(req, app.cfg.limits.body_bytes).await?;
        if bytes.is_empty() {
            return Err(Problem::bad_request("empty_upload", "the upload is empty"));
        }
        Ok(Upload(bytes))
    }
}

async fn body_bytes(req: Request, limit: usize) -> ApiResult<Bytes> {
    let too_big = || {
        Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!("the request body is larger than {limit} bytes"),
        )
    };
    if let Some(len) = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok())
        && len > limit as u64
    {
        return Err(too_big());
    }
    axum::body::to_bytes(req.into_body(), limit).await.map_err(|e| {
        let mut src: Option<&(dyn std::error::Error + 'static)> = Some(&e);
        while let Some(s) = src {
            if s.to_string().contains("length limit exceeded") {
                return too_big();
            }
            src = s.source();
        }
        Problem::bad_request("bad_body", format!("the request body could not be read: {e}"))
    })
}

/// An optional query parameter: when present, 1..=max characters.
pub fn param<'a>(name: &str, v: &'a Option<String>, max: usize) -> ApiResult<Option<&'a str>> {
    match v.as_deref() {
        None => Ok(None),
        Some(x) if !x.is_empty() && x.chars().count() <= max => Ok(Some(x)),
        Some(_) => Err(Problem::bad_request("bad_query", format!("{name}: 1–{max} characters"))),
    }
}

/// A file name given by a client: a plain name, no paths, no control characters.
pub fn safe_name(name: Option<&str>, default: &str) -> ApiResult<String> {
    let Some(n) = name else { return Ok(default.to_string()) };
    let bad = n.is_empty()
        || n.chars().count() > 200
        || n == "."
        || n == ".."
        || n.contains(['/', '\\', '\0'])
        || n.chars().any(char::is_control);
    if bad {
        return Err(Problem::bad_request(
            "bad_name",
            "the file name must be a plain name (1–200 characters, no slashes, no control characters)",
        ));
    }
    Ok(n.to_string())
}

/// An idempotent create: the `Idempotency-Key` header and the request's digest.
pub struct Idem {
    key: Option<String>,
    request: String,
    client: String,
}

impl Idem {
    /// Read the key; when a response is stored for it, that response (replayed).
    pub async fn begin(
        app: &App,
        caller: &Caller,
        headers: &HeaderMap,
        what: &str,
        body: &[u8],
    ) -> ApiResult<(Self, Option<Response>)> {
        let key = match headers.get("idempotency-key") {
            None => None,
            Some(v) => {
                let k =
                    v.to_str().ok().filter(|k| (1..=200).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()));
                Some(
                    k.ok_or_else(|| {
                        Problem::bad_request(
                            "bad_idempotency_key",
                            "Idempotency-Key must be 1–200 visible ASCII characters",
                        )
                    })?
                    .to_string(),
                )
            }
        };
        let mut d = yinxin_gm::sm3::Sm3Hasher::new();
        d.update(what.as_bytes()).update(b"\n").update(body);
        let me = Self { key, request: d.finalize().to_hex(), client: caller.0.id.clone() };
        let replay = me.replay(app).await?;
        Ok((me, replay))
    }

    /// The response stored for this key, replayed (None without a key or a stored response).
    pub async fn replay(&self, app: &App) -> ApiResult<Option<Response>> {
        let Some(key) = &self.key else { return Ok(None) };
        let Some(stored) = idem::find(&app.db, &self.client, key).await? else { return Ok(None) };
        if stored.request_sm3 != self.request {
            return Err(Problem::invalid(
                "idempotency_key_reused",
                "this Idempotency-Key was used for a different request",
                vec![],
            ));
        }
        let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
        let mut r = (status, stored.body).into_response();
        r.headers_mut().insert(header::CONTENT_TYPE, header::HeaderValue::from_static("application/json"));
        r.headers_mut().insert("idempotency-replayed", header::HeaderValue::from_static("true"));
        Ok(Some(r))
    }

    /// Record the response with the key in `tx`, commit, and answer. When a concurrent request
    /// with the same key committed first, its response is answered instead.
    pub async fn finish<T: Serialize>(
        self,
        app: &App,
        mut tx: Tx,
        status: StatusCode,
        value: &T,
    ) -> ApiResult<Response> {
        let body = serde_json::to_string(value).map_err(Problem::internal)?;
        if let Some(key) = &self.key
            && let Err(e) = idem::record(&mut tx, &self.client, key, &self.request, status.as_u16(), &body).await
        {
            drop(tx);
            if yinxin_store::is_unique_violation(&e)
                && let Some(r) = self.replay(app).await?
            {
                return Ok(r);
            }
            return Err(e.into());
        }
        tx.commit().await?;
        let mut r = (status, body).into_response();
        r.headers_mut().insert(header::CONTENT_TYPE, header::HeaderValue::from_static("application/json"));
        Ok(r)
    }
}

/// Pagination: `?limit=&cursor=`.
#[derive(Debug, serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// Page size (1..=page_max, default 50).
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A page of items.
#[derive(Debug, Serialize)]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// The cursor for the next page, when there may be one.
    pub next_cursor: Option<String>,
}

impl PageQuery {
    /// The limit, checked (and the cursor's length).
    pub fn limit(&self, app: &App) -> ApiResult<i64> {
        self.check_cursor()?;
        let l = self.limit.unwrap_or(50);
        if !(1..=app.cfg.limits.page_max).contains(&l) {
            return Err(Problem::bad_request("bad_limit", format!("limit must be 1–{}", app.cfg.limits.page_max)));
        }
        Ok(l)
    }
    /// The cursor ("" for the first page).
    pub fn cursor(&self) -> &str {
        self.cursor.as_deref().filter(|c| c.len() <= 200).unwrap_or("")
    }

    /// Check the cursor's length (part of [`PageQuery::limit`]'s checks for lists).
    pub fn check_cursor(&self) -> ApiResult<()> {
        if self.cursor.as_ref().is_some_and(|c| c.len() > 200) {
            return Err(Problem::bad_request("bad_cursor", "cursor: at most 200 characters"));
        }
        Ok(())
    }
}

impl<T> Page<T> {
    /// A page; `key` gives an item's cursor.
    pub fn of(items: Vec<T>, limit: i64, key: impl Fn(&T) -> String) -> Self {
        let next_cursor = (items.len() as i64 == limit).then(|| items.last().map(&key)).flatten();
        Self { items, next_cursor }
    }
}

/// Query strings parsed with a problem document on failure.
pub struct Query<T>(pub T);

impl<S, T> FromRequestParts<S> for Query<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = Problem;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Problem> {
        let q = parts.uri.query().unwrap_or("");
        serde_urlencoded_from(q).map(Query)
    }
}

fn serde_urlencoded_from<T: DeserializeOwned>(q: &str) -> ApiResult<T> {
    axum::extract::Query::<T>::try_from_uri(
        &format!("/?{q}").parse().map_err(|_| Problem::bad_request("bad_query", "the query string is malformed"))?,
    )
    .map(|axum::extract::Query(v)| v)
    .map_err(|e| Problem::bad_request("bad_query", e.body_text()))
}

/// Path parameters parsed with a problem document on failure.
pub struct Path<T>(pub T);

impl<S, T> FromRequestParts<S> for Path<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = Problem;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(v)| Path(v))
            .map_err(|e| Problem::bad_request("bad_path", e.body_text()))
    }
}

/// A crash point for the crash tests: when the environment variable `YINXIN_CRASH_AT` names
/// `point`, the process kills itself with SIGKILL there (no destructors, no commit, no flush), as
/// a power cut or an OOM kill would. Unset in production, where this is one comparison.
pub fn crash_point(point: &str) {
    static AT: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    if AT.get_or_init(|| std::env::var("YINXIN_CRASH_AT").ok()).as_deref() == Some(point) {
        tracing::error!(point, "YINXIN_CRASH_AT: killing the process");
        let _ = std::process::Command::new("kill").args(["-KILL", &std::process::id().to_string()]).status();
        std::process::abort();
    }
}

#[cfg(test)]
mod tests {
    use super::has_nul_escape;

    #[test]
    fn nul_escapes_are_found_and_escaped_backslashes_are_not() {
        assert!(has_nul_escape(br#"{"a":"\u0000"}"#));
        assert!(has_nul_escape(br#"{"a":"x\\\u0000"}"#));
        assert!(!has_nul_escape(br#"{"a":"\\u0000"}"#));
        assert!(!has_nul_escape(br#"{"a":"\u00001"}"#[..9].as_ref()));
        assert!(!has_nul_escape(br#"{"a":"\u0001 u0000"}"#));
        assert!(has_nul_escape(br#"{"\u0000":1}"#));
    }
}
