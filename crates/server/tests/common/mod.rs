//! A real server on a loopback port, over SQLite in a temporary directory or over a fresh
//! PostgreSQL database, and a small client.
#![allow(dead_code)]

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::path::PathBuf;

pub fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub struct Server {
    pub base: String,
    pub creds: Value,
    pub dir: tempfile::TempDir,
    pub http: reqwest::Client,
    pub app: yinxin_server::app::App,
    pub pg_db: Option<String>,
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub bytes: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes)
            .unwrap_or_else(|_| panic!("not JSON ({}): {}", self.status, String::from_utf8_lossy(&self.bytes)))
    }
    /// Assert a problem document with this status and code.
    pub fn problem(&self, status: u16, code: &str) {
        assert_eq!(self.status.as_u16(), status, "{}", String::from_utf8_lossy(&self.bytes));
        assert_eq!(
            self.headers.get("content-type").and_then(|v| v.to_str().ok()),
            Some("application/problem+json"),
            "{}",
            String::from_utf8_lossy(&self.bytes)
        );
        let j = self.json();
        assert_eq!(j["code"], code, "{j}");
        assert_eq!(j["status"], status);
    }
    pub fn ok(&self, status: u16) -> Value {
        assert_eq!(self.status.as_u16(), status, "{}", String::from_utf8_lossy(&self.bytes));
        if self.bytes.is_empty() { Value::Null } else { self.json() }
    }
}

/// A fresh PostgreSQL database on this machine, dropped by [`drop_pg`].
pub async fn create_pg() -> (String, String) {
    use sqlx::Connection;
    let name = format!("yinxin_test_{}", yinxin_server::app::random_hex(6));
    let mut c = sqlx::PgConnection::connect("postgres://postgres@127.0.0.1:5432/postgres")
        .await
        .expect("PostgreSQL on 127.0.0.1:5432 (start it with pg_ctlcluster)");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut c).await.unwrap();
    (name.clone(), format!("postgres://postgres@127.0.0.1:5432/{name}"))
}

pub async fn drop_pg(name: &str) {
    use sqlx::Connection;
    if let Ok(mut c) = sqlx::PgConnection::connect("postgres://postgres@127.0.0.1:5432/postgres").await {
        let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
            .execute(&mut c)
            .await;
    }
}

pub fn config(dir: &std::path::Path, database_url: Option<String>) -> yinxin_server::Config {
    let mut cfg = yinxin_server::Config {
        data_dir: dir.to_path_buf(),
        key_dir: workspace().join("keys-dev"),
        database_url,
        ..Default::default()
    };
    cfg.limits.rate_per_second = 100_000.0;
    cfg.limits.burst = 100_000.0;
    cfg.limits.body_bytes = 4 << 20;
    cfg.checkpoint_seconds = 0;
    cfg.gc_grace_seconds = 0;
    cfg
}

pub async fn start_with(cfg: yinxin_server::Config, dir: tempfile::TempDir, pg_db: Option<String>) -> Server {
    let app = yinxin_server::open(cfg).await.expect("the service starts");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = yinxin_server::router(app.clone());
    tokio::spawn(async move { axum::serve(listener, router).await });
    let creds: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("dev-credentials.json")).unwrap()).unwrap();
    Server { base: format!("http://{addr}"), creds, dir, http: reqwest::Client::new(), app, pg_db }
}

pub async fn start(pg: bool) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let (name, url) = if pg {
        let (n, u) = create_pg().await;
        (Some(n), Some(u))
    } else {
        (None, None)
    };
    start_with(config(dir.path(), url), dir, name).await
}

impl Server {
    pub fn token(&self, who: &str) -> String {
        self.creds[who]["token"].as_str().unwrap_or_else(|| panic!("no dev client {who}")).to_string()
    }
    pub fn market(&self) -> String {
        self.token("department:11530100MB0123456A")
    }
    pub fn transport(&self) -> String {
        self.token("department:11530100MB0234567M")
    }
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let mut r = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        if let Some(b) = body {
            r = r.json(&b);
        }
        for (k, v) in headers {
            r = r.header(*k, *v);
        }
        let res = r.send().await.unwrap();
        Resp { status: res.status(), headers: res.headers().clone(), bytes: res.bytes().await.unwrap().to_vec() }
    }
    pub async fn get(&self, path: &str, token: Option<&str>) -> Resp {
        self.call(Method::GET, path, token, None, &[]).await
    }
    pub async fn post(&self, path: &str, token: &str, body: Value) -> Resp {
        self.call(Method::POST, path, Some(token), Some(body), &[]).await
    }
    pub async fn upload(&self, path: &str, token: &str, bytes: Vec<u8>, mime: &str) -> Resp {
        let res = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(token)
            .header("content-type", mime)
            .body(bytes)
            .send()
            .await
            .unwrap();
        Resp { status: res.status(), headers: res.headers().clone(), bytes: res.bytes().await.unwrap().to_vec() }
    }
    /// Documents in the store.
    pub fn documents(&self) -> usize {
        walk(&self.dir.path().join("documents"))
    }
    pub async fn finish(self) {
        if let Some(n) = &self.pg_db {
            self.app.db.close().await;
            drop_pg(n).await;
        }
    }
}

fn walk(p: &std::path::Path) -> usize {
    let mut n = 0;
    for e in std::fs::read_dir(p).into_iter().flatten().flatten() {
        let path = e.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|f| f != "tmp") {
                n += walk(&path);
            }
        } else {
            n += 1;
        }
    }
    n
}

/// A business-licence request for a firm with a fresh valid USCC (or the given one).
pub fn business(uscc: Option<&str>) -> Value {
    let uscc = uscc.map(str::to_string).unwrap_or_else(fresh_uscc);
    let mut f: Value =
        serde_json::from_slice(&std::fs::read(workspace().join("examples/营业执照.json")).unwrap()).unwrap();
    f["uscc"] = json!(uscc);
    json!({"type_code": "营业执照", "fields": f})
}

pub fn fresh_uscc() -> String {
    let n: u64 = u64::from_str_radix(&yinxin_server::app::random_hex(4), 16).unwrap() % 1_000_000_000;
    let first17 = format!("91530100{n:09}");
    let c = yinxin_licence::codes::uscc_check_char(&first17).unwrap();
    format!("{first17}{c}")
}

/// The dev holder firm's USCC.
pub const HOLDER: &str = "91530100MA6K0X123J";
