//! The document store in an S3-compatible object store (AWS S3, MinIO, Ceph RGW, any store that
//! speaks path-style S3 with SigV4): what many stateless nodes share instead of one machine's
//! directory.
//!
//! The layout is [`LocalBlobs`](crate::blob::LocalBlobs)'s: an object `PREFIX/ab/abcdef…` per
//! SM3 digest (hex), its first two hex digits fanning out. Every put is idempotent by
//! construction (the key is the digest) and rewrites the object, which also renews its
//! last-modified time; bodies larger than [`MULTIPART_THRESHOLD`] go up as a multipart upload in
//! parts of [`PART_BYTES`]. Every read is verified against its digest ([`Error::Corrupt`] when the
//! bytes no longer match).
//!
//! Failures keep their meaning: a missing object is [`Error::NotFound`]; a store that cannot be
//! reached, times out or answers 5xx/429 is [`Error::Unavailable`] (transient: the service
//! answers 503 and the request may be made again), within seconds — the client's timeouts and
//! retries are bounded ([`CONNECT_TIMEOUT`], [`REQUEST_TIMEOUT`], [`MAX_RETRIES`],
//! [`RETRY_TIMEOUT`]); refused credentials or a missing bucket are [`Error::Config`]; anything
//! else is [`Error::Io`].
//!
//! A crash between a put and the commit of the row that refers to it leaves an object no row
//! refers to, as with the local directory: the service's garbage collection (`list` with each
//! object's last-modified time, then `delete` past the grace period) removes it.
//!
//! What it does not do: create the bucket (an operator's decision, with its permissions and
//! lifecycle), or abort multipart uploads a crash left unfinished (they are invisible to reads
//! and lists; a bucket lifecycle rule `AbortIncompleteMultipartUpload` removes their parts).

use crate::blob::BlobStore;
use crate::{Error, Result};
use futures_util::StreamExt;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::client::{HttpError, HttpErrorKind};
use object_store::path::Path as Key;
use object_store::{
    BackoffConfig, ClientOptions, ObjectStore, ObjectStoreExt, PutPayload, RetryConfig, WriteMultipart,
};
use serde::Deserialize;
use std::time::{Duration, SystemTime};
use yinxin_gm::sm3::sm3;

/// Bodies larger than this go up as a multipart upload rather than one PUT.
pub const MULTIPART_THRESHOLD: usize = 8 << 20;
/// The size of each part of a multipart upload (the last one may be smaller; S3 needs at least
/// 5 MiB for every other part).
pub const PART_BYTES: usize = 8 << 20;
/// Parts of one upload in flight at once.
const PARTS_IN_FLIGHT: usize = 4;
/// How long connecting to the store may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// How long one request may take, body included.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);
/// Retries of a request that failed on the way (connection refused or reset, timeout, 5xx, 429).
pub const MAX_RETRIES: usize = 2;
/// No retry starts later than this after the first attempt.
pub const RETRY_TIMEOUT: Duration = Duration::from_secs(5);

/// Where the documents are: the `[object_store]` table of the service's configuration.
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct S3Config {
    /// The store's URL (`https://s3.example.cn`, `http://127.0.0.1:9000`); `http://` only on a
    /// network you trust, the credentials' signatures are the only protection.
    pub endpoint: String,
    /// The bucket (it must exist).
    pub bucket: String,
    /// The key prefix of every document (default `documents`; empty: the bucket's root).
    pub prefix: String,
    /// The region the requests are signed for (default `us-east-1`, what most S3-compatible
    /// stores expect).
    pub region: String,
    /// The access key id.
    pub access_key: String,
    /// The secret access key (never printed: `Debug` redacts it).
    pub secret_key: String,
}

impl Default for S3Config {
    fn default() -> Self {
        Self {
            endpoint: String::new(),
            bucket: String::new(),
            prefix: "documents".into(),
            region: "us-east-1".into(),
            access_key: String::new(),
            secret_key: String::new(),
        }
    }
}

impl std::fmt::Debug for S3Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Config")
            .field("endpoint", &self.endpoint)
            .field("bucket", &self.bucket)
            .field("prefix", &self.prefix)
            .field("region", &self.region)
            .field("access_key", &self.access_key)
            .field("secret_key", &"<redacted>")
            .finish()
    }
}

impl S3Config {
    /// Check that every setting is there and well formed, saying which one is not.
    pub fn validate(&self) -> Result<()> {
        let bad = |what: &str| Err(Error::Config(format!("object store: {what}")));
        if !(self.endpoint.starts_with("https://") || self.endpoint.starts_with("http://")) {
            return bad(&format!("endpoint {:?} is not an http:// or https:// URL", self.endpoint));
        }
        if self.bucket.is_empty() {
            return bad("no bucket");
        }
        if self.region.is_empty() {
            return bad("no region");
        }
        if self.access_key.is_empty() || self.secret_key.is_empty() {
            return bad("no access key or no secret key");
        }
        if let Err(e) = Key::parse(self.prefix.trim_matches('/')) {
            return bad(&format!("prefix {:?}: {e}", self.prefix));
        }
        Ok(())
    }

    /// `ENDPOINT/BUCKET/PREFIX`, to name the store in logs and errors (no credentials).
    pub fn display_name(&self) -> String {
        let prefix = self.prefix.trim_matches('/');
        let sep = if prefix.is_empty() { "" } else { "/" };
        format!("{}/{}{sep}{prefix}", self.endpoint.trim_end_matches('/'), self.bucket)
    }
}

/// Documents in an S3-compatible object store (see the module documentation).
#[derive(Debug)]
pub struct S3Blobs {
    store: AmazonS3,
    /// The key prefix (`None`: the bucket's root).
    prefix: Option<Key>,
    /// `object store ENDPOINT/BUCKET/PREFIX`, for errors.
    name: String,
}

fn valid_digest(d: &str) -> bool {
    d.len() == 64 && d.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// What a failed request says about the store.
#[derive(Debug, PartialEq, Eq)]
enum Failure {
    /// 404.
    NotFound,
    /// 401 or 403: the credentials or the permissions.
    Refused,
    /// Not reached, timed out, reset, 5xx, 429, 408: the store is down or overloaded for now.
    Unreachable,
    /// Anything else (a 400, an answer that does not parse).
    Other,
}

fn classify(e: &object_store::Error) -> Failure {
    match e {
        object_store::Error::NotFound { .. } => return Failure::NotFound,
        object_store::Error::PermissionDenied { .. } | object_store::Error::Unauthenticated { .. } => {
            return Failure::Refused;
        }
        _ => {}
    }
    // The transport's own verdict, wherever it sits in the chain of sources.
    let mut text = String::new();
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(h) = err.downcast_ref::<HttpError>()
            && matches!(
                h.kind(),
                HttpErrorKind::Connect | HttpErrorKind::Request | HttpErrorKind::Timeout | HttpErrorKind::Interrupted
            )
        {
            return Failure::Unreachable;
        }
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind::*;
            if matches!(
                io.kind(),
                ConnectionRefused
                    | ConnectionReset
                    | ConnectionAborted
                    | NotConnected
                    | TimedOut
                    | BrokenPipe
                    | UnexpectedEof
            ) {
                return Failure::Unreachable;
            }
        }
        text.push_str(&err.to_string());
        text.push('\n');
        cur = err.source();
    }
    // An HTTP status is only in the text: object_store keeps its status-bearing error private.
    // It writes "status code: 503 Service Unavailable", and "error response" for a 200 whose
    // body is S3's InternalError or SlowDown.
    let status = text.split("status code: ").skip(1).find_map(|s| s.get(..3).and_then(|c| c.parse::<u16>().ok()));
    match status {
        Some(401 | 403) => Failure::Refused,
        Some(404) => Failure::NotFound,
        Some(s) if s >= 500 || s == 429 || s == 408 => Failure::Unreachable,
        _ if text.contains("Server returned error response") => Failure::Unreachable,
        _ => Failure::Other,
    }
}

impl S3Blobs {
    /// A client of the store `config` names. Nothing is sent yet: a store that is down shows at
    /// the first call (as [`Error::Unavailable`]); see [`S3Blobs::probe`].
    pub fn from_config(config: &S3Config) -> Result<Self> {
        config.validate()?;
        // TLS to the store goes through rustls with ring; a process that already chose a
        // provider keeps it.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let name = format!("object store {}", config.display_name());
        let options = ClientOptions::new()
            .with_allow_http(config.endpoint.starts_with("http://"))
            .with_connect_timeout(CONNECT_TIMEOUT)
            .with_timeout(REQUEST_TIMEOUT);
        let retry = RetryConfig {
            backoff: BackoffConfig {
                init_backoff: Duration::from_millis(100),
                max_backoff: Duration::from_secs(1),
                base: 2.0,
            },
            max_retries: MAX_RETRIES,
            retry_timeout: RETRY_TIMEOUT,
        };
        let store = AmazonS3Builder::new()
            .with_endpoint(&config.endpoint)
            .with_bucket_name(&config.bucket)
            .with_region(&config.region)
            .with_access_key_id(&config.access_key)
            .with_secret_access_key(&config.secret_key)
            .with_virtual_hosted_style_request(false)
            .with_client_options(options)
            .with_retry(retry)
            .build()
            .map_err(|e| Error::Config(format!("{name}: {e}")))?;
        let prefix = config.prefix.trim_matches('/');
        let prefix = if prefix.is_empty() {
            None
        } else {
            Some(Key::parse(prefix).map_err(|e| Error::Config(format!("{name}: prefix: {e}")))?)
        };
        Ok(Self { store, prefix, name })
    }

    /// `object store ENDPOINT/BUCKET/PREFIX`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether the store answers and accepts the credentials, at the cost of one HEAD of a key
    /// no document ever has (`PREFIX/probe`): its absence is the healthy answer. A HEAD has no
    /// body to tell a missing bucket from a missing key: that shows at the first list or put.
    pub async fn probe(&self) -> Result<()> {
        let key = match &self.prefix {
            Some(p) => p.clone().join("probe"),
            None => Key::from("probe"),
        };
        match self.store.head(&key).await {
            Ok(_) => Ok(()),
            Err(e) if classify(&e) == Failure::NotFound => Ok(()),
            Err(e) => Err(self.error("a health check", None, e)),
        }
    }

    fn key(&self, digest: &str) -> Result<Key> {
        if !valid_digest(digest) {
            return Err(Error::NotFound(format!("document {digest:?}")));
        }
        let fan = &digest[..2];
        Ok(match &self.prefix {
            Some(p) => p.clone().join(fan).join(digest),
            None => Key::from_iter([fan, digest]),
        })
    }

    /// The storage error for `e`, met while `doing` something to `digest` (when it concerns one
    /// document: then a 404 is that document missing, otherwise the bucket).
    fn error(&self, doing: &str, digest: Option<&str>, e: object_store::Error) -> Error {
        match classify(&e) {
            Failure::NotFound => match digest {
                Some(d) => Error::NotFound(format!("document {d}")),
                None => Error::Config(format!("{}: {doing}: the bucket does not exist ({e})", self.name)),
            },
            Failure::Refused => Error::Config(format!(
                "{}: {doing}: the store refuses the access key (a wrong secret key, or the key lacks permission on \
                 the bucket): {e}",
                self.name
            )),
            Failure::Unreachable => Error::Unavailable(format!("{} cannot be reached ({doing}): {e}", self.name)),
            Failure::Other => Error::Io(std::io::Error::other(format!("{}: {doing}: {e}", self.name))),
        }
    }

    /// Upload `bytes` under `key`: one PUT, or a multipart upload past the threshold (aborted
    /// when a part fails, so no parts are left behind when the store is still there to ask).
    async fn upload(&self, digest: &str, key: &Key, bytes: Vec<u8>) -> Result<()> {
        // A 404 on a put can only be the bucket's.
        let fail = |e| self.error(&format!("put {digest}"), None, e);
        if bytes.len() <= MULTIPART_THRESHOLD {
            self.store.put(key, PutPayload::from(bytes)).await.map_err(fail)?;
            return Ok(());
        }
        let upload = self.store.put_multipart(key).await.map_err(fail)?;
        let mut parts = WriteMultipart::new_with_chunk_size(upload, PART_BYTES);
        for chunk in bytes.chunks(PART_BYTES) {
            if let Err(e) = parts.wait_for_capacity(PARTS_IN_FLIGHT).await {
                // The part's error is the one to report; a failed abort leaves parts a lifecycle
                // rule removes.
                let _ = parts.abort().await;
                return Err(fail(e));
            }
            parts.write(chunk);
        }
        parts.finish().await.map_err(fail)?;
        Ok(())
    }
}

/// SM3 (hex) of `bytes`, on the blocking pool (milliseconds for a large document: too long for
/// an async worker), handing the bytes back.
async fn digest_of(bytes: Vec<u8>) -> Result<(String, Vec<u8>)> {
    tokio::task::spawn_blocking(move || (sm3(&bytes).to_hex(), bytes))
        .await
        .map_err(|e| Error::Io(std::io::Error::other(e)))
}

#[async_trait::async_trait]
impl BlobStore for S3Blobs {
    async fn put(&self, bytes: &[u8]) -> Result<String> {
        let (digest, bytes) = digest_of(bytes.to_vec()).await?;
        self.upload(&digest, &self.key(&digest)?, bytes).await?;
        Ok(digest)
    }

    /// Unlike the local directory, the bytes are hashed again: the object store is shared by
    /// every node, and one SM3 costs little beside the upload.
    async fn put_digested(&self, digest: &str, bytes: &[u8]) -> Result<()> {
        let key = self.key(digest)?;
        let (actual, bytes) = digest_of(bytes.to_vec()).await?;
        if actual != digest {
            return Err(Error::Corrupt(format!("{digest} (the bytes given hash to {actual})")));
        }
        self.upload(digest, &key, bytes).await
    }

    async fn get(&self, digest: &str) -> Result<Vec<u8>> {
        let key = self.key(digest)?;
        let found = self.store.get(&key).await.map_err(|e| self.error("get", Some(digest), e))?;
        let bytes = Vec::from(found.bytes().await.map_err(|e| self.error("get", Some(digest), e))?);
        let (actual, bytes) = digest_of(bytes).await?;
        if actual != digest {
            return Err(Error::Corrupt(digest.to_string()));
        }
        Ok(bytes)
    }

    async fn same_bytes(&self, digest: &str, bytes: &[u8]) -> Result<bool> {
        let key = self.key(digest)?;
        let found = match self.store.get(&key).await {
            Ok(f) => f,
            Err(e) => {
                return match self.error("get", Some(digest), e) {
                    Error::NotFound(_) => Ok(false),
                    e => Err(e),
                };
            }
        };
        // The size is in the answer's headers: a different size needs no body.
        if found.meta.size != bytes.len() as u64 {
            return Ok(false);
        }
        let stored = found.bytes().await.map_err(|e| self.error("get", Some(digest), e))?;
        Ok(stored.as_ref() == bytes)
    }

    async fn delete(&self, digest: &str) -> Result<()> {
        let key = self.key(digest)?;
        match self.store.delete(&key).await {
            Ok(()) => Ok(()),
            Err(e) => match self.error("delete", Some(digest), e) {
                Error::NotFound(_) => Ok(()),
                e => Err(e),
            },
        }
    }

    async fn list(&self) -> Result<Vec<(String, SystemTime)>> {
        let mut objects = self.store.list(self.prefix.as_ref());
        let mut out = Vec::new();
        while let Some(meta) = objects.next().await {
            let meta = meta.map_err(|e| self.error("list", None, e))?;
            let Some(name) = meta.location.filename() else { continue };
            // Only keys of the store's own layout: other objects under the prefix are not ours.
            if valid_digest(name) && self.key(name).is_ok_and(|k| k == meta.location) {
                out.push((name.to_string(), SystemTime::from(meta.last_modified)));
            }
        }
        Ok(out)
    }
}

/// A real S3 server for tests: `s3s-fs` (crates.io; SigV4 checked, objects kept as plain files
/// under a root directory, one directory per bucket), started on a free loopback port.
///
/// For tests only (this crate's, the service's, multi-node ones): it panics on what a test
/// cannot go on without. `tests/run.sh` installs the binary.
#[doc(hidden)]
pub mod testing {
    use super::S3Config;
    use std::io::Read;
    use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
    use std::path::{Path, PathBuf};
    use std::process::{Child, Command, Stdio};
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    /// The access key the server accepts.
    pub const ACCESS_KEY: &str = "yinxin-test";
    /// The secret key the server accepts.
    pub const SECRET_KEY: &str = "yinxin-test-secret-key";
    /// The bucket made at start.
    pub const BUCKET: &str = "yinxin";
    /// Where `tests/run.sh` installs the binary.
    pub const INSTALLED: &str = "/var/tmp/yinxin-tools/bin/s3s-fs";

    /// A running (or stopped) `s3s-fs`; killed when dropped, its files kept while the value
    /// lives (and after, when the root was given to [`S3sFs::start_in`]).
    pub struct S3sFs {
        bin: PathBuf,
        port: u16,
        root: PathBuf,
        _tmp: Option<tempfile::TempDir>,
        child: Option<Child>,
        /// What the server wrote to stderr, for the panic message when it dies.
        log: Arc<Mutex<Vec<u8>>>,
    }

    /// The binary: `$YINXIN_S3S_FS`, else [`INSTALLED`], else `s3s-fs` on the `PATH`.
    pub fn binary() -> PathBuf {
        if let Some(p) = std::env::var_os("YINXIN_S3S_FS").filter(|p| !p.is_empty()) {
            return PathBuf::from(p);
        }
        if Path::new(INSTALLED).is_file() {
            return PathBuf::from(INSTALLED);
        }
        let on_path = std::env::var_os("PATH")
            .into_iter()
            .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
            .map(|d| d.join("s3s-fs"))
            .find(|p| p.is_file());
        on_path.unwrap_or_else(|| {
            panic!(
                "s3s-fs (the S3 server the object-store tests run against) is missing: run tests/run.sh, which \
                 installs it into /var/tmp/yinxin-tools, or set YINXIN_S3S_FS to its path"
            )
        })
    }

    impl S3sFs {
        /// Start a server on a fresh temporary root with the bucket [`BUCKET`].
        pub fn start() -> Self {
            let tmp = tempfile::Builder::new().prefix("yinxin-s3s-").tempdir().expect("a temporary directory");
            let root = tmp.path().to_path_buf();
            Self::launch(root, Some(tmp))
        }

        /// Start a server whose root is `root` (created; kept after the server is dropped), with
        /// the bucket [`BUCKET`]: what a test shares between servers or keeps for inspection.
        pub fn start_in(root: &Path) -> Self {
            Self::launch(root.to_path_buf(), None)
        }

        fn launch(root: PathBuf, tmp: Option<tempfile::TempDir>) -> Self {
            // A bucket is a directory under the root.
            std::fs::create_dir_all(root.join(BUCKET)).expect("the bucket's directory");
            let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
                .and_then(|l| l.local_addr())
                .expect("a free loopback port")
                .port();
            let mut s = Self { bin: binary(), port, root, _tmp: tmp, child: None, log: Default::default() };
            s.spawn();
            s
        }

        /// Run the binary and wait until it accepts connections (it may have to wait for the
        /// port to be free again after [`S3sFs::stop`]).
        fn spawn(&mut self) {
            let deadline = Instant::now() + Duration::from_secs(20);
            loop {
                let mut child = Command::new(&self.bin)
                    .args(["--host", "127.0.0.1", "--port", &self.port.to_string()])
                    .args(["--access-key", ACCESS_KEY, "--secret-key", SECRET_KEY])
                    .arg(&self.root)
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap_or_else(|e| panic!("{}: {e} (run tests/run.sh to install s3s-fs)", self.bin.display()));
                if let Some(mut err) = child.stderr.take() {
                    let log = self.log.clone();
                    std::thread::spawn(move || {
                        let mut buf = [0u8; 4096];
                        while let Ok(n) = err.read(&mut buf) {
                            if n == 0 {
                                break;
                            }
                            log.lock().unwrap_or_else(|p| p.into_inner()).extend_from_slice(&buf[..n]);
                        }
                    });
                }
                let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
                loop {
                    if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                        self.child = Some(child);
                        return;
                    }
                    if let Ok(Some(status)) = child.try_wait() {
                        // Most likely the port is still held: try again until the deadline.
                        if Instant::now() > deadline {
                            panic!("s3s-fs exited ({status}) on port {}: {}", self.port, self.log_text());
                        }
                        std::thread::sleep(Duration::from_millis(200));
                        break;
                    }
                    if Instant::now() > deadline {
                        let _ = child.kill();
                        let _ = child.wait();
                        panic!("s3s-fs did not answer on port {} within 20 s: {}", self.port, self.log_text());
                    }
                    std::thread::sleep(Duration::from_millis(25));
                }
            }
        }

        fn log_text(&self) -> String {
            String::from_utf8_lossy(&self.log.lock().unwrap_or_else(|p| p.into_inner())).into_owned()
        }

        /// The store's configuration: this server, [`BUCKET`], prefix `documents`.
        pub fn config(&self) -> S3Config {
            S3Config {
                endpoint: self.endpoint(),
                bucket: BUCKET.into(),
                access_key: ACCESS_KEY.into(),
                secret_key: SECRET_KEY.into(),
                ..S3Config::default()
            }
        }

        /// `http://127.0.0.1:PORT`.
        pub fn endpoint(&self) -> String {
            format!("http://127.0.0.1:{}", self.port)
        }

        /// The root directory: the bucket is `root()/BUCKET`, an object `root()/BUCKET/KEY`.
        pub fn root(&self) -> &Path {
            &self.root
        }

        /// Kill the server, keeping its files (a store that is down).
        pub fn stop(&mut self) {
            if let Some(mut c) = self.child.take() {
                let _ = c.kill();
                let _ = c.wait();
            }
        }

        /// Start the server again on the same port and root (a stopped store coming back).
        pub fn restart(&mut self) {
            self.stop();
            self.spawn();
        }
    }

    impl Drop for S3sFs {
        fn drop(&mut self) {
            self.stop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secret_key_is_never_printed() {
        let c = S3Config { secret_key: "hunter2-secret".into(), access_key: "AK".into(), ..S3Config::default() };
        let shown = format!("{c:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("AK"), "{shown}");
    }

    #[test]
    fn a_configuration_missing_a_setting_is_refused_by_name() {
        let ok = S3Config {
            endpoint: "http://127.0.0.1:9000".into(),
            bucket: "b".into(),
            access_key: "a".into(),
            secret_key: "s".into(),
            ..S3Config::default()
        };
        ok.validate().unwrap();
        let no_bucket = S3Config { bucket: String::new(), ..ok.clone() };
        assert!(matches!(no_bucket.validate(), Err(Error::Config(m)) if m.contains("bucket")));
        let ftp = S3Config { endpoint: "ftp://x".into(), ..ok.clone() };
        assert!(matches!(ftp.validate(), Err(Error::Config(m)) if m.contains("endpoint")));
        let bad_prefix = S3Config { prefix: "a/../b".into(), ..ok.clone() };
        assert!(matches!(bad_prefix.validate(), Err(Error::Config(m)) if m.contains("prefix")));
        assert_eq!(ok.display_name(), "http://127.0.0.1:9000/b/documents");
    }

    #[test]
    fn keys_fan_out_under_the_prefix() {
        let c = S3Config {
            endpoint: "http://127.0.0.1:9000".into(),
            bucket: "b".into(),
            prefix: "/yinxin/documents/".into(),
            access_key: "a".into(),
            secret_key: "s".into(),
            ..S3Config::default()
        };
        let s = S3Blobs::from_config(&c).unwrap();
        let d = sm3(b"x").to_hex();
        assert_eq!(s.key(&d).unwrap().as_ref(), format!("yinxin/documents/{}/{d}", &d[..2]));
        assert!(matches!(s.key("../../etc/passwd"), Err(Error::NotFound(_))));
        let root = S3Blobs::from_config(&S3Config { prefix: String::new(), ..c }).unwrap();
        assert_eq!(root.key(&d).unwrap().as_ref(), format!("{}/{d}", &d[..2]));
    }
}
