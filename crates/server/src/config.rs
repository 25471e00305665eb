//! Configuration: a TOML file, then environment variables (`YINXIN_…`) over it, then the command
//! line over both. Every setting has a default that runs the embedded service on `keys-dev/`.

use serde::Deserialize;
use std::path::PathBuf;

/// The service's configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Where to listen (`127.0.0.1:8080`).
    pub listen: String,
    /// Where the SQLite file, the document store and first-start secrets live.
    pub data_dir: PathBuf,
    /// `sqlite://…` (default: `DATA_DIR/yinxin.db`) or `postgres://…`.
    pub database_url: Option<String>,
    /// Database pool size.
    pub max_connections: u32,
    /// The key directory imported on first start (certificates, keys, seals: the layout of
    /// `keys-dev/`).
    pub key_dir: PathBuf,
    /// The key-encryption key (32 hex digits, SM4) that wraps every signing key at rest. When
    /// absent, one is generated into `DATA_DIR/kek.hex` (0600) and a warning logged: fine for
    /// development, not for production (keep it in a secrets manager or an HSM).
    pub kek: Option<String>,
    /// The URL printed in licence QR codes (`…?id=IDENTIFIER`).
    pub public_url: String,
    /// TLS.
    pub tls: Option<Tls>,
    /// Limits.
    pub limits: Limits,
    /// Departments to import from `key_dir` on first start, with the licence types each may issue.
    pub departments: Vec<DepartmentConfig>,
    /// Unreferenced documents older than this many seconds are removed at start (left by a
    /// crash between writing a document and committing its row).
    pub gc_grace_seconds: u64,
    /// Sign a checkpoint of the audit log this often (seconds; 0: only on request).
    pub checkpoint_seconds: u64,
    /// Create development clients (an admin, each department, a seal authority, an officer, a
    /// holder) on first start and write their tokens to `DATA_DIR/dev-credentials.json`.
    pub dev_clients: bool,
    /// Log as JSON lines instead of text.
    pub log_json: bool,
    /// How long a signed status list (and so an offline verifier's trust bundle) may be relied
    /// on, in seconds. A revocation reaches offline verifiers when they next fetch; this bounds
    /// how long one that cannot fetch keeps saying "valid" before it says "cannot tell".
    pub status_ttl_seconds: u64,
    /// clamd's Unix socket for virus scanning of archive materials (SEC-01). Without it every
    /// material is recorded as "not scanned", which never reads as a pass.
    pub clamd_socket: Option<PathBuf>,
    /// The trust store for verification (`POST /v1/verify`, archive checks): a directory of root
    /// certificates (PEM or DER) besides the service's own root, which is written into it on
    /// start. Default: `DATA_DIR/trust`. A file whose root is in neither is INDETERMINATE /
    /// NO_CERTIFICATE_CHAIN_FOUND, never FAILED.
    pub trust_dir: Option<PathBuf>,
    /// The validation policy (TOML, `crates/pki/policy/default.toml`'s shape); default: the
    /// built-in policy. Every report names the policy and its SM3.
    pub policy: Option<PathBuf>,
    /// Witnesses the transparency log's checkpoints are sent to (C2SP `tlog-witness`
    /// `add-checkpoint`).
    pub witnesses: Vec<WitnessConfig>,
    /// Cosignatures from distinct witnesses a checkpoint needs before `/tlog/checkpoint`
    /// publishes it (0, the default: the log's own signature suffices and nothing is sent).
    pub witness_quorum: usize,
    /// Whether licence, seal and certificate events go into the transparency log (default
    /// true). Off only to measure what the log costs (`benches/tlog-issuance.sh`) or while a
    /// deployment cannot yet run it: nothing is logged, proofs and `/tlog/*` answer 404,
    /// receipts and trust bundles carry no log data.
    pub transparency_log: bool,
    /// A directory the log's tiles, entry bundles and published checkpoint are mirrored into
    /// after every batch, laid out as C2SP `tlog-tiles` (`checkpoint`, `tile/…`): point any
    /// static web server (or an object store's sync) at it to serve the log without yinxin.
    pub tlog_mirror_dir: Option<PathBuf>,
    /// Run the long-term task this often (seconds; 0: only on request, `POST
    /// /v1/archive/evidence/run`): long-term copies of licences (PDF document time stamps, OFD
    /// package time stamps) and evidence records over archived materials, made when missing and
    /// renewed when the newest stamp's TSA certificate nears its end or the hash changes.
    pub evidence_seconds: u64,
    /// The hash algorithm of new evidence-record hash trees: `sm3` (default) or `sha256`. A
    /// change makes every record due for a hash-tree renewal (RFC 4998 §5.2).
    pub evidence_hash: String,
    /// Keep documents in an S3-compatible object store (`[object_store]`: endpoint, bucket,
    /// prefix, region, access_key, secret_key) instead of `DATA_DIR/documents`: what several
    /// nodes share. `YINXIN_S3_ENDPOINT` turns it on from the environment.
    pub object_store: Option<yinxin_store::blob_s3::S3Config>,
}

/// A witness of the transparency log.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WitnessConfig {
    /// Its name (the cosignature key's name).
    pub name: String,
    /// Its cosignature verifier key (`<name>+<key id>+<base64>`).
    pub vkey: String,
    /// Its URL prefix; requests go to `<url>/add-checkpoint`.
    pub url: String,
}

/// TLS settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tls {
    /// Server certificate chain (PEM).
    pub cert: PathBuf,
    /// Server key (PEM).
    pub key: PathBuf,
    /// CA certificates for client certificates (mutual TLS). Clients without a certificate may
    /// still use tokens.
    pub client_ca: Option<PathBuf>,
}

/// Limits.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Largest request body in bytes.
    pub body_bytes: usize,
    /// Requests per second each client may make, sustained.
    pub rate_per_second: f64,
    /// Burst above that.
    pub burst: f64,
    /// Largest page.
    pub page_max: i64,
    /// Seconds a client has to send a request's headers (HTTP/1), from the connection's first
    /// byte or the end of the previous request: slow-loris connections are closed after it.
    pub header_read_timeout_seconds: u64,
    /// Seconds a request has from its headers to its answer, body upload included: a body
    /// trickled in slower than that gets 408 and the connection closes.
    pub request_timeout_seconds: u64,
    /// Largest request head (request line and headers) in bytes; larger gets 431. At least
    /// 8,192 (HTTP/1's read buffer cannot be smaller).
    pub header_bytes: usize,
    /// Most header fields in one request; more gets 431.
    pub headers: usize,
}

/// A department imported on first start.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DepartmentConfig {
    /// The file stem in the key directory (`dept-market` → `dept-market.cert.pem`, `.key.pem`,
    /// `seals/dept-market.esl`).
    pub stem: String,
    /// Licence type codes it may issue.
    pub types: Vec<String>,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            body_bytes: 16 << 20,
            rate_per_second: 200.0,
            burst: 400.0,
            page_max: 500,
            header_read_timeout_seconds: 10,
            request_timeout_seconds: 120,
            header_bytes: 32 << 10,
            headers: 64,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("yinxin-data"),
            database_url: None,
            max_connections: 8,
            key_dir: PathBuf::from("keys-dev"),
            kek: None,
            public_url: "http://127.0.0.1:8080".into(),
            tls: None,
            limits: Limits::default(),
            departments: vec![
                DepartmentConfig {
                    stem: "dept-market".into(),
                    types: vec![
                        "11530100MB0123456A001".into(),
                        "11530100MB0123456A002".into(),
                        "11530100MB0123456A003".into(),
                    ],
                },
                DepartmentConfig { stem: "dept-transport".into(), types: vec!["11530100MB0234567M001".into()] },
                DepartmentConfig { stem: "dept-housing".into(), types: vec!["11530100MB03456781001".into()] },
            ],
            gc_grace_seconds: 600,
            checkpoint_seconds: 300,
            dev_clients: true,
            log_json: false,
            status_ttl_seconds: 12 * 3600,
            clamd_socket: None,
            trust_dir: None,
            policy: None,
            witnesses: Vec::new(),
            witness_quorum: 0,
            transparency_log: true,
            tlog_mirror_dir: None,
            evidence_seconds: 3600,
            evidence_hash: "sm3".into(),
            object_store: None,
        }
    }
}

impl Config {
    /// Load: defaults, then `file`, then the environment.
    pub fn load(file: Option<&std::path::Path>) -> Result<Self, String> {
        let mut c = match file {
            Some(f) => {
                let text = std::fs::read_to_string(f).map_err(|e| format!("{}: {e}", f.display()))?;
                toml::from_str(&text).map_err(|e| format!("{}: {e}", f.display()))?
            }
            None => Config::default(),
        };
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        if let Some(v) = env("YINXIN_LISTEN") {
            c.listen = v;
        }
        if let Some(v) = env("YINXIN_DATA_DIR") {
            c.data_dir = v.into();
        }
        if let Some(v) = env("YINXIN_DATABASE_URL") {
            c.database_url = Some(v);
        }
        if let Some(v) = env("YINXIN_KEY_DIR") {
            c.key_dir = v.into();
        }
        if let Some(v) = env("YINXIN_KEK") {
            c.kek = Some(v);
        }
        if let Some(v) = env("YINXIN_PUBLIC_URL") {
            c.public_url = v;
        }
        if let Some(v) = env("YINXIN_GC_GRACE_SECONDS") {
            c.gc_grace_seconds = v.parse().map_err(|_| "YINXIN_GC_GRACE_SECONDS: not a number".to_string())?;
        }
        if let Some(v) = env("YINXIN_RATE_PER_SECOND") {
            c.limits.rate_per_second = v.parse().map_err(|_| "YINXIN_RATE_PER_SECOND: not a number".to_string())?;
            c.limits.burst = c.limits.burst.max(c.limits.rate_per_second * 2.0);
        }
        if let Some(v) = env("YINXIN_STATUS_TTL_SECONDS") {
            c.status_ttl_seconds = v.parse().map_err(|_| "YINXIN_STATUS_TTL_SECONDS: not a number".to_string())?;
        }
        if let Some(v) = env("YINXIN_CLAMD_SOCKET") {
            c.clamd_socket = Some(v.into());
        }
        if let Some(v) = env("YINXIN_TRUST_DIR") {
            c.trust_dir = Some(v.into());
        }
        if let Some(v) = env("YINXIN_POLICY") {
            c.policy = Some(v.into());
        }
        if let Some(v) = env("YINXIN_TRANSPARENCY_LOG") {
            c.transparency_log = match v.as_str() {
                "on" | "true" | "1" => true,
                "off" | "false" | "0" => false,
                _ => return Err("YINXIN_TRANSPARENCY_LOG: on or off".into()),
            };
        }
        if let Some(v) = env("YINXIN_TLOG_MIRROR_DIR") {
            c.tlog_mirror_dir = Some(v.into());
        }
        if let Some(v) = env("YINXIN_S3_ENDPOINT") {
            c.object_store.get_or_insert_with(Default::default).endpoint = v;
        }
        if let Some(s3) = &mut c.object_store {
            if let Some(v) = env("YINXIN_S3_BUCKET") {
                s3.bucket = v;
            }
            if let Some(v) = env("YINXIN_S3_PREFIX") {
                s3.prefix = v;
            }
            if let Some(v) = env("YINXIN_S3_REGION") {
                s3.region = v;
            }
            if let Some(v) = env("YINXIN_S3_ACCESS_KEY") {
                s3.access_key = v;
            }
            if let Some(v) = env("YINXIN_S3_SECRET_KEY") {
                s3.secret_key = v;
            }
            s3.validate().map_err(|e| format!("{e} (the [object_store] table, or YINXIN_S3_* variables)"))?;
        } else if let Some(k) =
            ["YINXIN_S3_BUCKET", "YINXIN_S3_PREFIX", "YINXIN_S3_REGION", "YINXIN_S3_ACCESS_KEY", "YINXIN_S3_SECRET_KEY"]
                .into_iter()
                .find(|k| env(k).is_some())
        {
            return Err(format!("{k} is set but no object store is: set YINXIN_S3_ENDPOINT too"));
        }
        if c.witness_quorum > c.witnesses.len() {
            return Err(format!(
                "witness_quorum {} is more than the {} witnesses configured",
                c.witness_quorum,
                c.witnesses.len()
            ));
        }
        if c.limits.header_bytes < 8192 {
            return Err("limits.header_bytes: at least 8192".into());
        }
        if c.limits.header_read_timeout_seconds == 0 || c.limits.request_timeout_seconds == 0 {
            return Err("limits: timeouts of at least one second".into());
        }
        if c.status_ttl_seconds < 60 {
            return Err("status_ttl_seconds: at least 60".into());
        }
        Ok(c)
    }

    /// The trust store directory.
    pub fn trust_dir(&self) -> PathBuf {
        self.trust_dir.clone().unwrap_or_else(|| self.data_dir.join("trust"))
    }

    /// The database URL.
    pub fn database_url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("yinxin.db").display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_object_store_table_takes_the_defaults_and_never_shows_its_secret() {
        let c: Config = toml::from_str(
            "[object_store]\nendpoint = \"http://127.0.0.1:9000\"\nbucket = \"yinxin\"\naccess_key = \"AK\"\n\
             secret_key = \"the-secret\"\n",
        )
        .unwrap();
        let s3 = c.object_store.as_ref().unwrap();
        assert_eq!((s3.prefix.as_str(), s3.region.as_str()), ("documents", "us-east-1"));
        s3.validate().unwrap();
        assert!(!format!("{c:?}").contains("the-secret"));
        assert!(toml::from_str::<Config>("[object_store]\nendpont = \"x\"\n").is_err(), "a misspelt key is refused");
    }
}
