//! The archive over the service's database and document store: ingest of a transaction with
//! every check recorded as an event, reuse by reference, retention with legal hold and disposal,
//! and the fixity patrol.
//!
//! Events go to the service's audit log (`yinxin_store::audit`): one SM3 hash chain with signed,
//! time-stamped checkpoints for everything the service does. An archive event's action is
//! `archive.<PREMIS event type>`, its subject the transaction's 电子文件号, its detail the PREMIS
//! fields (check id, outcome, tool and version, the object). A transaction, its materials, their
//! reference counts and its events commit in one database transaction: a crash leaves all or
//! nothing. Bytes are written to the content-addressed store first; a crash between leaves bytes
//! no row refers to, which the store's garbage collection removes.

use crate::check::{CheckResult, Family, Outcome};
use crate::inspect::{Verdict, check_file};
use crate::model::{Item, MaterialIn, MaterialMeta, Retention, Sharing, TransactionMeta, request_problems};
use crate::unpack::Limits;
use crate::virus::Clamd;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::Digest;
use sqlx::Row;
use std::collections::BTreeMap;
use std::sync::Arc;
use yinxin_gm::sm3::{Sm3Hasher, sm3};
use yinxin_pki::report::Report;
use yinxin_store::audit::{self, Entry};
use yinxin_store::blob::BlobStore;
use yinxin_store::{Db, Tx, repo};

/// What can go wrong.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request is malformed (refused whole; nothing stored, nothing logged).
    #[error("invalid request: {}", .0.join("; "))]
    Invalid(Vec<String>),
    /// A different request under an existing transaction number, or a state that forbids it.
    #[error("{0}")]
    Conflict(String),
    /// Not found (or not the caller's).
    #[error("{0} not found")]
    NotFound(String),
    /// The caller may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// Storage.
    #[error(transparent)]
    Store(#[from] yinxin_store::Error),
    /// Anything else (a failed signature, a worker that died).
    #[error("{0}")]
    Other(String),
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        Error::Store(e.into())
    }
}

/// Result.
pub type Result<T> = core::result::Result<T, Error>;

/// A unique-key violation (two writers racing for the same row) as a conflict the caller can
/// retry; anything else as a storage error.
fn concurrent(e: sqlx::Error, what: &str) -> Error {
    let e: yinxin_store::Error = e.into();
    if yinxin_store::is_unique_violation(&e) { Error::Conflict(what.to_string()) } else { Error::Store(e) }
}

/// The signatures the archive needs from the trust service: verifying what it ingests (AUT-02),
/// and sealing what it exports with the department's seal and a time stamp.
pub trait Authority: Send + Sync {
    /// Verify a signed or sealed object (OFD, PDF, SES signature, seal); `None` when the bytes
    /// carry none.
    fn verify(&self, bytes: &[u8]) -> Option<Report>;
    /// Seal `data` for `department`: a GB/T 38540 SES signature (DER) with a time stamp.
    fn seal(&self, department: &str, data: &[u8]) -> core::result::Result<Vec<u8>, String>;
    /// Verify a detached SES signature over `data`.
    fn verify_seal(&self, signature: &[u8], data: &[u8]) -> Report;
    /// The verifier's name and version, recorded as the tool of AUT-02.
    fn tool(&self) -> String;
    /// Verify a detached SES signature over `data` with more validation material (carried in an
    /// evidence record) and the proof of existence the record gives it, so that its time stamp
    /// is judged at that time rather than now (EN 319 102-1 §5.6). The default ignores both.
    fn verify_seal_proven(
        &self,
        signature: &[u8],
        data: &[u8],
        material: &yinxin_pki::ltv::Material,
        poe: Option<&yinxin_pki::report::Poe>,
    ) -> Report {
        let _ = (material, poe);
        self.verify_seal(signature, data)
    }
    /// The trust anchors and the current time evidence records are judged with; `None` when this
    /// authority does not check them (AUT-03 is then not run).
    fn evidence_trust(&self) -> Option<(&yinxin_pki::TrustStore, time::OffsetDateTime)> {
        None
    }
}

/// Who acts.
#[derive(Debug, Clone)]
pub struct Actor {
    /// The client id (or `cli`, `system`).
    pub id: String,
    /// Its role.
    pub role: String,
    /// The department it acts for (its USCC), when it is one.
    pub department: String,
}

/// One material as ingested.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MaterialOut {
    /// Material-instance id.
    pub id: String,
    /// 文档序号 within the transaction (from 1).
    pub seq: i64,
    /// 材料编码.
    pub code: String,
    /// What the bytes are.
    pub kind: String,
    /// Bytes.
    pub size: u64,
    /// SM3 (hex): the content address.
    pub sm3: String,
    /// SHA-256 (hex).
    pub sha256: String,
    /// Its verdict.
    pub verdict: Verdict,
    /// Its checks.
    pub checks: Vec<CheckResult>,
    /// The licence these bytes are, when they are one of the service's licences.
    pub licence_id: Option<String>,
    /// Whether this department filed the same bytes before (stored once, referenced again). Never
    /// said of another department's filings.
    pub deduplicated: bool,
}

/// The outcome of an ingest.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Ingested {
    /// 电子文件号.
    pub id: String,
    /// 办件编号.
    pub txn_no: String,
    /// The verdict over every check.
    pub verdict: Verdict,
    /// The transaction-level checks.
    pub checks: Vec<CheckResult>,
    /// The materials and their checks.
    pub materials: Vec<MaterialOut>,
    /// The retention and when the transaction may be disposed of (Unix seconds; none: permanent).
    pub retention: Retention,
    /// Disposal date.
    pub dispose_after: Option<i64>,
    /// True when this answer replays an earlier identical ingest.
    #[serde(default)]
    pub replayed: bool,
}

/// The archive.
#[derive(Clone)]
pub struct Archive {
    /// The database (shared with the service).
    pub db: Db,
    /// The document store (shared with the service: a sealed licence filed here is stored once).
    pub blobs: Arc<dyn BlobStore>,
    /// Container limits.
    pub limits: Limits,
    /// clamd, when configured.
    pub clamd: Option<Clamd>,
}

/// PREMIS event type of a check.
pub fn premis_type(check: &str) -> &'static str {
    match check {
        "FMT-01" | "USE-02" => "format identification",
        "AUT-01" => "fixity check",
        "SEC-01" => "virus check",
        "SEC-02" => "unpacking",
        _ => "validation",
    }
}

/// Seconds of a date-time (RFC 3339).
fn rfc3339(s: &str) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
}

/// Seconds of a date (YYYY-MM-DD), at its start in China time.
pub fn date_ts(s: &str) -> Option<i64> {
    let f = time::macros::format_description!("[year]-[month]-[day]");
    let d = time::Date::parse(s, &f).ok()?;
    Some(d.midnight().assume_offset(time::macros::offset!(+8)).unix_timestamp())
}

fn china_year(ts: i64) -> i32 {
    time::OffsetDateTime::from_unix_timestamp(ts).map(|t| t.to_offset(time::macros::offset!(+8)).year()).unwrap_or(1970)
}

/// Start of 1 January of `year` in China time.
fn year_start(year: i32) -> i64 {
    time::Date::from_calendar_date(year, time::Month::January, 1)
        .map(|d| d.midnight().assume_offset(time::macros::offset!(+8)).unix_timestamp())
        .unwrap_or(i64::MAX)
}

fn has_control(s: &str) -> bool {
    s.chars().any(|c| c.is_control() && c != '\n' && c != '\t')
}

/// The 电子文件号 of a transaction: 行政区划-部门-年度-保管期限-序号, the last part derived from
/// the department and transaction number so that a retried ingest gets the same one.
pub fn file_number(region: &str, department: &str, year: i32, retention: Retention, txn_no: &str) -> String {
    let h = sm3(format!("{department}\n{txn_no}").as_bytes()).to_hex();
    // A region code that is not six digits fails AUT-04; it never shapes the number.
    let region = if region.len() == 6 && region.bytes().all(|b| b.is_ascii_digit()) { region } else { "000000" };
    format!("{region}-{department}-{year}-{}-{}", retention.code(), h[..12].to_uppercase())
}

/// SM3 and SHA-256 of `bytes` in one pass (chunks sized for the caches).
pub fn digests(bytes: &[u8]) -> (String, String) {
    let mut a = Sm3Hasher::new();
    let mut b = sha2::Sha256::new();
    for c in bytes.chunks(256 << 10) {
        a.update(c);
        b.update(c);
    }
    (a.finalize().to_hex(), hex::encode(b.finalize()))
}

fn ours(id: &'static str, family: Family, outcome: Outcome, detail: impl Into<String>) -> CheckResult {
    CheckResult::ours(id, family, outcome, detail)
}

/// AUT-02: the signatures and seals a file carries, verified by the trust service; the verifier's
/// report is the validation material kept with it. A file that carries none (a plain PDF has no
/// signature dictionary) is "not applicable", never a pass.
pub(crate) fn authenticity(auth: &dyn Authority, bytes: &[u8]) -> (CheckResult, Option<Value>) {
    let na = |tool| CheckResult {
        id: "AUT-02".into(),
        family: Family::Authenticity,
        outcome: Outcome::NotApplicable,
        detail: "carries no signature or seal".into(),
        tool,
    };
    // A PDF signature is a /Sig dictionary with a /ByteRange: a PDF with neither marker anywhere
    // carries none, and is not parsed a second time to find that out.
    if bytes.starts_with(b"%PDF-")
        && memchr::memmem::find(bytes, b"/Sig").is_none()
        && memchr::memmem::find(bytes, b"/ByteRange").is_none()
    {
        return (na(auth.tool()), None);
    }
    let Some(r) = auth.verify(bytes) else { return (na(auth.tool()), None) };
    if r.sub_indication == Some(yinxin_pki::report::SubIndication::SignedDataNotFound) {
        return (na(auth.tool()), None);
    }
    let outcome = Outcome::from(r.indication);
    let why: Vec<String> = r
        .checks
        .iter()
        .filter(|c| c.outcome != yinxin_pki::report::Outcome::Passed)
        .filter(|c| c.outcome != yinxin_pki::report::Outcome::NotApplicable)
        .map(|c| format!("{}: {}", c.id, c.reason_en))
        .collect();
    let detail = format!(
        "{} {}{}{}",
        r.kind,
        r.indication,
        r.sub_indication.map(|s| format!("/{s}")).unwrap_or_default(),
        if why.is_empty() { String::new() } else { format!(": {}", why.join("; ")) }
    );
    let evidence = serde_json::to_value(&r).ok();
    (CheckResult { id: "AUT-02".into(), family: Family::Authenticity, outcome, detail, tool: auth.tool() }, evidence)
}

/// Per-material checks that need no database: FMT/USE/SEC (inspect), AUT-01 fixity against the
/// declared digest, AUT-07 declared format, AUT-04 metadata plausibility, AUT-02 signatures.
struct Checked {
    meta: MaterialMeta,
    content: Vec<u8>,
    sm3: String,
    sha256: String,
    kind: crate::format::Kind,
    checks: Vec<CheckResult>,
    evidence: Option<Value>,
}

/// Files from this size hash SM3 on a second thread.
const PARALLEL_HASH_BYTES: usize = 1 << 20;

fn check_material(
    m: MaterialIn,
    clamd: Option<&Clamd>,
    limits: &Limits,
    auth: &dyn Authority,
    accepted_at: Option<i64>,
) -> Checked {
    // The digests are the slowest passes over the bytes: for a large file they run on a second
    // thread while the format, container, virus and signature checks run on this one.
    let content = &m.content;
    let (sm3_hex, sha, (ident, mut checks), (aut02, evidence)) = if content.len() >= PARALLEL_HASH_BYTES {
        std::thread::scope(|s| {
            let h = s.spawn(|| (sm3(content).to_hex(), hex::encode(sha2::Sha256::digest(content))));
            let file = check_file(content, clamd, limits);
            let aut = authenticity(auth, content);
            let (a, b) = h.join().unwrap_or_else(|_| digests(content));
            (a, b, file, aut)
        })
    } else {
        let (a, b) = digests(content);
        (a, b, check_file(content, clamd, limits), authenticity(auth, content))
    };
    checks.push(match &m.meta.declared_sm3 {
        Some(d) if d.eq_ignore_ascii_case(&sm3_hex) => {
            ours("AUT-01", Family::Authenticity, Outcome::Pass, format!("SM3 {sm3_hex} equals the sender's"))
        }
        Some(d) => ours(
            "AUT-01",
            Family::Authenticity,
            Outcome::Fail,
            format!("the sender's SM3 {d} differs from the bytes received ({sm3_hex})"),
        ),
        None => ours(
            "AUT-01",
            Family::Authenticity,
            Outcome::Pass,
            format!("fixed at capture: SM3 {sm3_hex}, SHA-256 {sha} (the sender gave no digest to compare)"),
        ),
    });
    let declared = m.meta.declared_format.as_deref().map(|f| f.trim().to_ascii_lowercase());
    let ext = m.meta.file_name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    let ext_kind = match ext.as_str() {
        "pdf" => Some(crate::format::Kind::Pdf),
        "ofd" => Some(crate::format::Kind::Ofd),
        "jpg" | "jpeg" => Some(crate::format::Kind::Jpeg),
        "png" => Some(crate::format::Kind::Png),
        "tif" | "tiff" => Some(crate::format::Kind::Tiff),
        "xml" => Some(crate::format::Kind::Xml),
        "zip" => Some(crate::format::Kind::Zip),
        "txt" => Some(crate::format::Kind::Text),
        _ => None,
    };
    checks.push(match (&declared, ext_kind) {
        (Some(d), _) if d != ident.kind.mime() => ours(
            "AUT-07",
            Family::Authenticity,
            Outcome::Fail,
            format!("declared {d}, but the bytes are {}", ident.kind.mime()),
        ),
        (_, Some(k)) if k != ident.kind => ours(
            "AUT-07",
            Family::Authenticity,
            Outcome::Warn,
            format!("the name {} says .{ext}, but the bytes are {}", m.meta.file_name, ident.kind.mime()),
        ),
        _ => ours(
            "AUT-07",
            Family::Authenticity,
            Outcome::Pass,
            format!("{} bytes of {}, as declared", m.content.len(), ident.kind.mime()),
        ),
    });
    let mut meta_problems = Vec::new();
    let date = date_ts(&m.meta.date);
    match date {
        None => meta_problems.push(format!("形成日期 {:?} is not a date (YYYY-MM-DD)", m.meta.date)),
        Some(d) if accepted_at.is_some_and(|a| d > a + 86_400) && m.meta.class == crate::model::Class::Application => {
            meta_problems.push(format!("形成日期 {} is after the transaction was accepted", m.meta.date))
        }
        _ => {}
    }
    if let Some(v) = &m.meta.valid_until {
        match date_ts(v) {
            None => meta_problems.push(format!("valid_until {v:?} is not a date")),
            Some(u) if date.is_some_and(|d| u < d) => meta_problems.push(format!("valid_until {v} is before 形成日期")),
            _ => {}
        }
    }
    if m.meta.sharing == Sharing::Conditional && m.meta.sharing_condition.as_deref().unwrap_or("").trim().is_empty() {
        meta_problems.push("conditional sharing without a 共享条件".into());
    }
    for (n, v) in [("题名", &m.meta.title), ("责任者", &m.meta.responsible), ("计算机文件名", &m.meta.file_name)]
    {
        if has_control(v) {
            meta_problems.push(format!("{n} holds control characters"));
        }
    }
    if crate::unpack::name_problem(&m.meta.file_name, 255).is_some() || m.meta.file_name.contains('/') {
        meta_problems.push(format!("计算机文件名 {:?} is not a plain file name", m.meta.file_name));
    }
    checks.push(if meta_problems.is_empty() {
        ours("AUT-04", Family::Authenticity, Outcome::Pass, "material metadata present and plausible")
    } else {
        ours("AUT-04", Family::Authenticity, Outcome::Fail, meta_problems.join("; "))
    });
    checks.push(aut02);
    Checked { meta: m.meta, content: m.content, sm3: sm3_hex, sha256: sha, kind: ident.kind, checks, evidence }
}

/// The transaction-level checks: AUT-04 (dates in order, region code, no control characters),
/// INT-02 (the elements its result requires), INT-01 (count and bytes as declared), INT-05 (the
/// item's required materials present, nothing out of its catalogue).
fn check_transaction(t: &TransactionMeta, item: Option<&Item>, mats: &[Checked], now: i64) -> Vec<CheckResult> {
    let mut out = Vec::new();
    let mut p = Vec::new();
    let accepted = rfc3339(&t.accepted_at);
    let completed = t.completed_at.as_deref().map(rfc3339);
    if accepted.is_none() {
        p.push(format!("受理时间 {:?} is not an RFC 3339 time", t.accepted_at));
    }
    match (accepted, completed) {
        (_, Some(None)) => p.push("办结时间 is not an RFC 3339 time".to_string()),
        (Some(a), Some(Some(c))) if c < a => p.push("办结时间 is before 受理时间".into()),
        _ => {}
    }
    if accepted.is_some_and(|a| a.unix_timestamp() > now + 300)
        || matches!(completed, Some(Some(c)) if c.unix_timestamp() > now + 300)
    {
        p.push("a time lies in the future (受理 ≤ 办结 ≤ 归档)".into());
    }
    if t.region_code.len() != 6 || !t.region_code.bytes().all(|b| b.is_ascii_digit()) {
        p.push(format!("行政区划编码 {:?} is not six digits", t.region_code));
    }
    if [&t.item_name, &t.applicant.name, &t.result].iter().any(|v| has_control(v)) {
        p.push("a field holds control characters".into());
    }
    out.push(if p.is_empty() {
        ours("AUT-04", Family::Authenticity, Outcome::Pass, "transaction metadata plausible: 受理 ≤ 办结 ≤ 归档")
    } else {
        ours("AUT-04", Family::Authenticity, Outcome::Fail, p.join("; "))
    });
    let mut missing = Vec::new();
    let done = !matches!(t.result.as_str(), "在办" | "受理" | "pending");
    if done && t.completed_at.is_none() {
        missing.push("办结时间 (the result is given)");
    }
    if mats.iter().any(|m| m.meta.class == crate::model::Class::Result && m.meta.source == crate::model::Source::System)
        && t.licence_no.is_none()
        && t.result == "准予"
    {
        missing.push("结果证照编号");
    }
    out.push(if missing.is_empty() {
        ours("INT-02", Family::Integrity, Outcome::Pass, "mandatory elements present")
    } else {
        ours("INT-02", Family::Integrity, Outcome::Fail, format!("missing: {}", missing.join(", ")))
    });
    let count = mats.len() as u64;
    let bytes: u64 = mats.iter().map(|m| m.content.len() as u64).sum();
    let mut d = Vec::new();
    if let Some(c) = t.declared_count.filter(|c| *c != count) {
        d.push(format!("declared {c} materials, received {count}"));
    }
    if let Some(b) = t.declared_bytes.filter(|b| *b != bytes) {
        d.push(format!("declared {b} bytes, received {bytes}"));
    }
    out.push(if !d.is_empty() {
        ours("INT-01", Family::Integrity, Outcome::Fail, d.join("; "))
    } else if t.declared_count.is_none() && t.declared_bytes.is_none() {
        ours(
            "INT-01",
            Family::Integrity,
            Outcome::Warn,
            format!("{count} materials, {bytes} bytes; no count was declared"),
        )
    } else {
        ours("INT-01", Family::Integrity, Outcome::Pass, format!("{count} materials, {bytes} bytes, as declared"))
    });
    out.push(match item {
        None => ours(
            "INT-05",
            Family::Integrity,
            Outcome::NotRun(format!("no material catalogue is configured for item {}", t.item_code)),
            "",
        ),
        Some(item) => {
            let have: std::collections::BTreeSet<&str> = mats.iter().map(|m| m.meta.code.as_str()).collect();
            let missing: Vec<String> = item
                .materials
                .iter()
                .filter(|m| m.required && !have.contains(m.code.as_str()))
                .map(|m| format!("{} {}", m.code, m.name))
                .collect();
            let known: std::collections::BTreeSet<&str> = item.materials.iter().map(|m| m.code.as_str()).collect();
            let extra: Vec<&str> = have.iter().filter(|c| !known.contains(**c)).copied().collect();
            if !missing.is_empty() {
                ours(
                    "INT-05",
                    Family::Integrity,
                    Outcome::Fail,
                    format!("required material missing (catalogue {}): {}", item.version, missing.join(", ")),
                )
            } else if !extra.is_empty() {
                ours(
                    "INT-05",
                    Family::Integrity,
                    Outcome::Warn,
                    format!("outside the catalogue {}: {}", item.version, extra.join(", ")),
                )
            } else {
                ours(
                    "INT-05",
                    Family::Integrity,
                    Outcome::Pass,
                    format!("every required material of catalogue {} present", item.version),
                )
            }
        }
    });
    out
}

/// The digest identifying a request: its metadata and its materials' bytes.
fn request_digest(t: &TransactionMeta, mats: &[(MaterialMeta, String)]) -> String {
    let v = json!({"transaction": t, "materials": mats});
    sm3(v.to_string().as_bytes()).to_hex()
}

fn event(actor: &Actor, action: &str, subject: &str, holder: Option<&str>, detail: Value, at: i64) -> Entry {
    Entry {
        seq: 0,
        at,
        actor: actor.id.clone(),
        role: actor.role.clone(),
        action: format!("archive.{action}"),
        subject: subject.to_string(),
        holder_code: holder.map(str::to_string),
        detail: detail.to_string(),
    }
}

async fn log(tx: &mut Tx, e: Entry) -> Result<()> {
    audit::append(tx, e).await?;
    Ok(())
}

async fn add_ref(tx: &mut Tx, sm3: &str, sha256: &str, size: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO archive_blobs (sm3, sha256, size, refs) VALUES ($1, $2, $3, 1) \
         ON CONFLICT (sm3) DO UPDATE SET refs = archive_blobs.refs + 1",
    )
    .bind(sm3)
    .bind(sha256)
    .bind(size)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Drop one reference; true when none is left (the row is gone).
async fn drop_ref(tx: &mut Tx, sm3: &str) -> Result<bool> {
    sqlx::query("UPDATE archive_blobs SET refs = refs - 1 WHERE sm3 = $1").bind(sm3).execute(tx.conn()).await?;
    let r = sqlx::query("DELETE FROM archive_blobs WHERE sm3 = $1 AND refs <= 0").bind(sm3).execute(tx.conn()).await?;
    Ok(r.rows_affected() > 0)
}

/// A stored transaction.
#[derive(Debug, Clone, Serialize)]
pub struct TransactionRow {
    /// 电子文件号.
    pub id: String,
    /// 办件编号.
    pub txn_no: String,
    /// The department that filed it.
    pub department_code: String,
    /// The applicant's code.
    pub holder_code: String,
    /// 事项编码.
    pub item_code: String,
    /// Its metadata as handed in.
    pub metadata: TransactionMeta,
    /// The verdict.
    pub verdict: String,
    /// Transaction-level checks.
    pub checks: Vec<CheckResult>,
    /// Retention.
    pub retention: String,
    /// Disposal date (Unix seconds).
    pub dispose_after: Option<i64>,
    /// Legal hold reason.
    pub legal_hold: Option<String>,
    /// Filed at.
    pub created: i64,
    /// Disposed of at.
    pub disposed: Option<i64>,
}

/// A stored material.
#[derive(Debug, Clone, Serialize)]
pub struct MaterialRow {
    /// Material-instance id.
    pub id: String,
    /// Its transaction.
    pub txn_id: String,
    /// 文档序号.
    pub seq: i64,
    /// The holder.
    pub holder_code: String,
    /// 材料编码.
    pub material_code: String,
    /// Class.
    pub class: String,
    /// SM3.
    pub sm3: String,
    /// SHA-256.
    pub sha256: String,
    /// Bytes.
    pub size: i64,
    /// Format.
    pub kind: String,
    /// 共享类型.
    pub sharing: String,
    /// Valid until (Unix seconds).
    pub valid_until: Option<i64>,
    /// Licence link.
    pub licence_id: Option<String>,
    /// The material it reuses.
    pub reused_from: Option<String>,
    /// Verdict.
    pub verdict: String,
    /// Metadata.
    pub metadata: MaterialMeta,
    /// Checks.
    pub checks: Vec<CheckResult>,
    /// Validation material of AUT-02 (the verifier's report).
    pub evidence: Option<Value>,
    /// Filed at.
    pub created: i64,
}

const TXN_COLS: &str = "id, txn_no, department_code, holder_code, item_code, metadata, verdict, checks, retention, \
                        dispose_after, legal_hold, created, disposed";
const MAT_COLS: &str = "id, txn_id, seq, holder_code, material_code, class, sm3, sha256, size, kind, sharing, \
                        valid_until, licence_id, reused_from, verdict, metadata, checks, evidence, created";

fn json_col<T: serde::de::DeserializeOwned>(r: &sqlx::any::AnyRow, c: &str) -> Result<T> {
    let s: String = r.try_get(c)?;
    serde_json::from_str(&s).map_err(|e| Error::Other(format!("stored {c} does not parse: {e}")))
}

fn txn_row(r: &sqlx::any::AnyRow) -> Result<TransactionRow> {
    Ok(TransactionRow {
        id: r.try_get("id")?,
        txn_no: r.try_get("txn_no")?,
        department_code: r.try_get("department_code")?,
        holder_code: r.try_get("holder_code")?,
        item_code: r.try_get("item_code")?,
        metadata: json_col(r, "metadata")?,
        verdict: r.try_get("verdict")?,
        checks: json_col(r, "checks")?,
        retention: r.try_get("retention")?,
        dispose_after: r.try_get("dispose_after")?,
        legal_hold: r.try_get("legal_hold")?,
        created: r.try_get("created")?,
        disposed: r.try_get("disposed")?,
    })
}

fn mat_row(r: &sqlx::any::AnyRow) -> Result<MaterialRow> {
    let evidence: Option<String> = r.try_get("evidence")?;
    Ok(MaterialRow {
        id: r.try_get("id")?,
        txn_id: r.try_get("txn_id")?,
        seq: r.try_get("seq")?,
        holder_code: r.try_get("holder_code")?,
        material_code: r.try_get("material_code")?,
        class: r.try_get("class")?,
        sm3: r.try_get("sm3")?,
        sha256: r.try_get("sha256")?,
        size: r.try_get("size")?,
        kind: r.try_get("kind")?,
        sharing: r.try_get("sharing")?,
        valid_until: r.try_get("valid_until")?,
        licence_id: r.try_get("licence_id")?,
        reused_from: r.try_get("reused_from")?,
        verdict: r.try_get("verdict")?,
        metadata: json_col(r, "metadata")?,
        checks: json_col(r, "checks")?,
        evidence: evidence.and_then(|e| serde_json::from_str(&e).ok()),
        created: r.try_get("created")?,
    })
}

/// A material offered for reuse.
#[derive(Debug, Clone, Serialize)]
pub struct Reusable {
    /// The material (its original filing).
    pub material: MaterialRow,
    /// The licence's status when the material is a licence.
    pub licence_status: Option<String>,
}

/// What the patrol found.
#[derive(Debug, Clone, Serialize)]
pub struct PatrolReport {
    /// Blobs re-hashed.
    pub blobs: u64,
    /// Bytes re-hashed.
    pub bytes: u64,
    /// Problems: missing or corrupt blobs, reference counts that drifted, a broken event chain.
    pub problems: Vec<String>,
    /// Entries in the event chain, all re-hashed.
    pub chain_entries: i64,
    /// Whether the chain verified.
    pub chain_ok: bool,
}

impl Archive {
    /// Store or replace an item's material catalogue.
    pub async fn put_item(&self, actor: &Actor, item: &Item) -> Result<()> {
        let problems = crate::model::item_problems(item);
        if !problems.is_empty() {
            return Err(Error::Invalid(problems));
        }
        let body = serde_json::to_string(item).map_err(|e| Error::Other(e.to_string()))?;
        let now = yinxin_store::now_ts();
        let mut tx = self.db.begin().await?;
        sqlx::query("DELETE FROM archive_items WHERE item_code = $1").bind(&item.item_code).execute(tx.conn()).await?;
        sqlx::query("INSERT INTO archive_items (item_code, version, body, updated) VALUES ($1, $2, $3, $4)")
            .bind(&item.item_code)
            .bind(&item.version)
            .bind(&body)
            .bind(now)
            .execute(tx.conn())
            .await?;
        let detail = json!({"event": "policy assignment", "item": item.item_code, "version": item.version});
        log(&mut tx, event(actor, "policy assignment", &item.item_code, None, detail, now)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Whether some item's catalogue lists this material code.
    pub async fn material_code_known(&self, code: &str) -> Result<bool> {
        for r in sqlx::query("SELECT body FROM archive_items").fetch_all(self.db.pool()).await? {
            let item: Item = json_col(&r, "body")?;
            if item.materials.iter().any(|m| m.code == code) {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// An item's catalogue.
    pub async fn item(&self, code: &str) -> Result<Option<Item>> {
        let r = sqlx::query("SELECT body FROM archive_items WHERE item_code = $1")
            .bind(code)
            .fetch_optional(self.db.pool())
            .await?;
        match r {
            None => Ok(None),
            Some(r) => Ok(Some(json_col(&r, "body")?)),
        }
    }

    /// Ingest one transaction for `actor.department`. Checks run on blocking threads; then the
    /// bytes of an accepted transaction are stored, and the rows, reference counts and events
    /// commit together. A rejected transaction keeps its row, findings and events but no bytes,
    /// and may be submitted again under the same number. Submitting the identical request again
    /// answers the first result.
    pub async fn ingest(
        &self,
        actor: &Actor,
        t: TransactionMeta,
        materials: Vec<MaterialIn>,
        auth: Arc<dyn Authority>,
    ) -> Result<Ingested> {
        let metas: Vec<MaterialMeta> = materials.iter().map(|m| m.meta.clone()).collect();
        let problems = request_problems(&t, &metas);
        if !problems.is_empty() {
            return Err(Error::Invalid(problems));
        }
        let now = yinxin_store::now_ts();
        let dept = actor.department.clone();
        let accepted = rfc3339(&t.accepted_at).map(|a| a.unix_timestamp());
        // The checks run first (on blocking threads): they compute each material's SM3, which
        // the request digest (the replay and conflict test) is made of.
        // Meanwhile the bytes are written aside (durably), so that the write overlaps the
        // hashing; they are placed under their digest only if the transaction is accepted.
        let (clamd, limits) = (self.clamd.clone(), self.limits);
        let auth2 = auth.clone();
        let copies: Vec<Vec<u8>> = materials.iter().map(|m| m.content.clone()).collect();
        let checking = tokio::task::spawn_blocking(move || {
            materials
                .into_iter()
                .map(|m| check_material(m, clamd.as_ref(), &limits, auth2.as_ref(), accepted))
                .collect::<Vec<Checked>>()
        });
        let staging = async {
            let mut out = Vec::with_capacity(copies.len());
            for c in copies {
                // Small files are written when placed: staging them would only add a rename.
                out.push(if c.len() >= PARALLEL_HASH_BYTES {
                    self.blobs.stage(c).await?
                } else {
                    yinxin_store::blob::Staged::Memory(c)
                });
            }
            Ok::<_, yinxin_store::Error>(out)
        };
        let (checked, staged) = tokio::join!(checking, staging);
        let staged = staged?;
        let checked = match checked {
            Ok(c) => c,
            Err(e) => {
                self.discard(staged).await;
                return Err(Error::Other(format!("checks: {e}")));
            }
        };
        let keyed: Vec<(MaterialMeta, String)> = checked.iter().map(|c| (c.meta.clone(), c.sm3.clone())).collect();
        let digest = request_digest(&t, &keyed);
        let existing = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {TXN_COLS}, request_sm3 FROM archive_transactions WHERE department_code = $1 AND txn_no = $2"
        )))
        .bind(&dept)
        .bind(&t.txn_no)
        .fetch_optional(self.db.pool())
        .await?;
        let mut replace = None;
        if let Some(r) = &existing {
            let row = txn_row(r)?;
            let old: String = r.try_get("request_sm3")?;
            if old == digest {
                self.discard(staged).await;
                return self.replay(row).await;
            }
            if row.verdict != "rejected" {
                self.discard(staged).await;
                return Err(Error::Conflict(format!(
                    "transaction {} is already filed as {} with different content",
                    t.txn_no, row.id
                )));
            }
            replace = Some(row.id);
        }
        let item = self.item(&t.item_code).await?;
        let retention = t.retention.or(item.as_ref().map(|i| i.retention)).unwrap_or(Retention::Years30);
        let base = t.completed_at.as_deref().and_then(rfc3339).map(|c| c.unix_timestamp()).or(accepted).unwrap_or(now);
        let year = china_year(base);
        let dispose_after = retention.years().map(|n| year_start(year + 1 + n));
        let id = file_number(&t.region_code, &dept, year, retention, &t.txn_no);

        let mut tchecks = check_transaction(&t, item.as_ref(), &checked, now);
        tchecks.push(ours(
            "AUT-06",
            Family::Authenticity,
            Outcome::Pass,
            format!("办件编号 {} and 电子文件号 {id} unique in the store", t.txn_no),
        ));
        let mut all: Vec<CheckResult> = tchecks.clone();
        for c in &checked {
            all.extend(c.checks.iter().cloned());
        }
        let verdict = Verdict::of(&all);
        let accepted_txn = verdict != Verdict::Rejected;

        // Links to the service's licences, and which bytes are stored already.
        let mut outs = Vec::with_capacity(checked.len());
        for (i, c) in checked.iter().enumerate() {
            let licence = repo::licence_by_digest(&self.db, &c.sm3).await?;
            // Said only of the department's own filings: across departments the answer would
            // tell one that another holds the same file (archive.md §8, privacy).
            let known = sqlx::query(
                "SELECT 1 AS one FROM archive_materials m JOIN archive_transactions t ON t.id = m.txn_id \
                 WHERE m.sm3 = $1 AND t.department_code = $2 LIMIT 1",
            )
            .bind(&c.sm3)
            .bind(&dept)
            .fetch_optional(self.db.pool())
            .await?
            .is_some();
            outs.push(MaterialOut {
                id: format!("{id}-{:03}", i + 1),
                seq: i as i64 + 1,
                code: c.meta.code.clone(),
                kind: format!("{:?}", c.kind).to_lowercase(),
                size: c.content.len() as u64,
                sm3: c.sm3.clone(),
                sha256: c.sha256.clone(),
                verdict: Verdict::of(&c.checks),
                checks: c.checks.clone(),
                licence_id: licence.map(|l| l.identifier),
                deduplicated: known || outs.iter().any(|o: &MaterialOut| o.sm3 == c.sm3),
            });
        }
        if accepted_txn {
            // Placed under their digests (bytes already stored stay as they are).
            for (s, o) in staged.into_iter().zip(&outs) {
                self.blobs.place(s, &o.sm3).await?;
            }
        } else {
            self.discard(staged).await;
        }

        let holder = t.applicant.id_number.clone();
        let mut tx = self.db.begin().await?;
        if let Some(old) = &replace {
            sqlx::query("DELETE FROM archive_transactions WHERE id = $1 AND verdict = 'rejected'")
                .bind(old)
                .execute(tx.conn())
                .await?;
        }
        let verdict_name =
            serde_json::to_value(verdict).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default();
        let meta_json = serde_json::to_string(&t).map_err(|e| Error::Other(e.to_string()))?;
        let mut stored_checks = tchecks.clone();
        if !accepted_txn {
            // A rejected transaction keeps no material rows: its per-material findings stay here.
            for (c, o) in checked.iter().zip(&outs) {
                for r in &c.checks {
                    let mut r = r.clone();
                    r.detail = format!("{} #{} ({}): {}", c.meta.code, o.seq, c.meta.file_name, r.detail);
                    stored_checks.push(r);
                }
            }
        }
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO archive_transactions ({TXN_COLS}, request_sm3) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL, $11, NULL, $12)"
        )))
        .bind(&id)
        .bind(&t.txn_no)
        .bind(&dept)
        .bind(&holder)
        .bind(&t.item_code)
        .bind(&meta_json)
        .bind(&verdict_name)
        .bind(serde_json::to_string(&stored_checks).unwrap_or_default())
        .bind(retention.name())
        .bind(dispose_after)
        .bind(now)
        .bind(&digest)
        .execute(tx.conn())
        .await
        .map_err(|e| concurrent(e, &format!("transaction {} was filed concurrently; send it again", t.txn_no)))?;
        // The events go into the chain together, in this order, when the rows are written.
        let mut events = Vec::new();
        for r in &tchecks {
            let d = json!({"event": premis_type(&r.id), "check": r.id, "family": r.family, "outcome": r.outcome.name(),
                           "why": r.outcome, "detail": r.detail, "tool": r.tool});
            events.push(event(actor, "check", &id, None, d, now));
        }
        for (c, o) in checked.iter().zip(&outs) {
            let d = json!({"event": "message digest calculation", "object": o.id, "file_name": c.meta.file_name,
                           "sm3": o.sm3, "sha256": o.sha256, "size": o.size, "deduplicated": o.deduplicated,
                           "tool": format!("yinxin-archive {}", crate::TOOL_VERSION)});
            events.push(event(actor, "capture", &id, None, d, now));
            for r in &c.checks {
                let d = json!({"event": premis_type(&r.id), "object": o.id, "check": r.id, "family": r.family,
                               "outcome": r.outcome.name(), "why": r.outcome, "detail": r.detail, "tool": r.tool});
                events.push(event(actor, "check", &id, None, d, now));
            }
            if accepted_txn {
                let mv = serde_json::to_value(o.verdict).ok().and_then(|v| v.as_str().map(String::from));
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "INSERT INTO archive_materials ({MAT_COLS}) VALUES \
                     ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, NULL, $14, $15, $16, $17, $18)"
                )))
                .bind(&o.id)
                .bind(&id)
                .bind(o.seq)
                .bind(&holder)
                .bind(&c.meta.code)
                .bind(c.meta.class.zh())
                .bind(&o.sm3)
                .bind(&o.sha256)
                .bind(o.size as i64)
                .bind(&o.kind)
                .bind(c.meta.sharing.name())
                .bind(c.meta.valid_until.as_deref().and_then(date_ts))
                .bind(&o.licence_id)
                .bind(mv.unwrap_or_default())
                .bind(serde_json::to_string(&c.meta).unwrap_or_default())
                .bind(serde_json::to_string(&c.checks).unwrap_or_default())
                .bind(c.evidence.as_ref().map(|e| e.to_string()))
                .bind(now)
                .execute(tx.conn())
                .await?;
                add_ref(&mut tx, &o.sm3, &o.sha256, o.size as i64).await?;
            }
        }
        let d = json!({"event": "ingestion", "txn_no": t.txn_no, "verdict": verdict_name, "materials": outs.len(),
                       "bytes": outs.iter().map(|o| o.size).sum::<u64>(), "retention": retention.name(),
                       "replaces": replace, "item": t.item_code,
                       "catalogue": item.as_ref().map(|i| i.version.clone())});
        events.push(event(actor, "ingestion", &id, Some(&holder), d, now));
        audit::append_many(&mut tx, events).await?;
        tx.commit().await?;
        Ok(Ingested {
            id,
            txn_no: t.txn_no,
            verdict,
            checks: stored_checks,
            materials: outs,
            retention,
            dispose_after,
            replayed: false,
        })
    }

    async fn discard(&self, staged: Vec<yinxin_store::blob::Staged>) {
        for s in staged {
            if let Err(e) = self.blobs.discard(s).await {
                tracing::warn!(error = %e, "a staged file could not be removed");
            }
        }
    }

    async fn replay(&self, row: TransactionRow) -> Result<Ingested> {
        let mats = self.materials(&row.id).await?;
        let verdict: Verdict = serde_json::from_value(Value::String(row.verdict.clone()))
            .map_err(|e| Error::Other(format!("stored verdict: {e}")))?;
        Ok(Ingested {
            id: row.id,
            txn_no: row.txn_no,
            verdict,
            checks: row.checks,
            materials: mats
                .into_iter()
                .filter(|m| m.reused_from.is_none())
                .map(|m| MaterialOut {
                    id: m.id,
                    seq: m.seq,
                    code: m.material_code,
                    kind: m.kind,
                    size: m.size as u64,
                    sm3: m.sm3,
                    sha256: m.sha256,
                    verdict: serde_json::from_value(Value::String(m.verdict)).unwrap_or(Verdict::Rejected),
                    checks: m.checks,
                    licence_id: m.licence_id,
                    deduplicated: false,
                })
                .collect(),
            retention: Retention::parse(&row.retention).unwrap_or(Retention::Permanent),
            dispose_after: row.dispose_after,
            replayed: true,
        })
    }

    /// A transaction.
    pub async fn transaction(&self, id: &str) -> Result<TransactionRow> {
        let r = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {TXN_COLS} FROM archive_transactions WHERE id = $1")))
            .bind(id)
            .fetch_optional(self.db.pool())
            .await?
            .ok_or_else(|| Error::NotFound(format!("transaction {id}")))?;
        txn_row(&r)
    }

    /// Transactions, in id order after `after`.
    pub async fn transactions(&self, department: Option<&str>, after: &str, limit: i64) -> Result<Vec<TransactionRow>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {TXN_COLS} FROM archive_transactions WHERE id > $1 AND ($2 = '' OR department_code = $2) \
             ORDER BY id LIMIT $3"
        )))
        .bind(after)
        .bind(department.unwrap_or(""))
        .bind(limit)
        .fetch_all(self.db.pool())
        .await?;
        rows.iter().map(txn_row).collect()
    }

    /// A transaction's materials, in order.
    pub async fn materials(&self, txn: &str) -> Result<Vec<MaterialRow>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {MAT_COLS} FROM archive_materials WHERE txn_id = $1 ORDER BY seq"
        )))
        .bind(txn)
        .fetch_all(self.db.pool())
        .await?;
        rows.iter().map(mat_row).collect()
    }

    /// A material.
    pub async fn material(&self, id: &str) -> Result<MaterialRow> {
        let r = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {MAT_COLS} FROM archive_materials WHERE id = $1")))
            .bind(id)
            .fetch_optional(self.db.pool())
            .await?
            .ok_or_else(|| Error::NotFound(format!("material {id}")))?;
        mat_row(&r)
    }

    /// A transaction's events, in chain order.
    pub async fn events(&self, txn: &str) -> Result<Vec<audit::Chained>> {
        Ok(audit::for_subject(&self.db, txn).await?)
    }

    /// Whether `department` holds a live consent of `holder` for a material: its 材料编码, or
    /// the licence type when the material is a licence.
    pub async fn consent_for(&self, department: &str, m: &MaterialRow, now: i64) -> Result<Option<String>> {
        if let Some(c) = repo::live_consent(&self.db, department, &m.holder_code, &m.material_code, now).await? {
            return Ok(Some(c.id));
        }
        if let Some(lid) = &m.licence_id
            && let Some(l) = repo::licence(&self.db, lid).await?
            && let Some(c) = repo::live_consent(&self.db, department, &m.holder_code, &l.type_code, now).await?
        {
            return Ok(Some(c.id));
        }
        Ok(None)
    }

    /// Materials of `holder` that may be reused at `now`, optionally of one 材料编码: filed in a
    /// live transaction that was not rejected, shareable (not 不予共享), within their validity,
    /// and — when they are licences — not revoked, suspended or superseded. Originals only (a
    /// reuse is not offered again as a second copy).
    pub async fn reusable(&self, holder: &str, code: Option<&str>, now: i64) -> Result<Vec<Reusable>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {}, l.status AS licence_status FROM archive_materials m \
             JOIN archive_transactions t ON t.id = m.txn_id \
             LEFT JOIN licences l ON l.identifier = m.licence_id \
             WHERE m.holder_code = $1 AND ($2 = '' OR m.material_code = $2) AND m.reused_from IS NULL \
             AND t.disposed IS NULL AND t.verdict <> 'rejected' AND m.verdict <> 'rejected' \
             AND m.sharing <> 'none' AND (m.valid_until IS NULL OR m.valid_until > $3) \
             AND (m.licence_id IS NULL OR l.status = 'valid') \
             ORDER BY m.created DESC, m.id",
            MAT_COLS.split(", ").map(|c| format!("m.{c}")).collect::<Vec<_>>().join(", ")
        )))
        .bind(holder)
        .bind(code.unwrap_or(""))
        .bind(now)
        .fetch_all(self.db.pool())
        .await?;
        let mut out: Vec<Reusable> = Vec::new();
        for r in &rows {
            let m = mat_row(r)?;
            if out.iter().any(|o| o.material.sm3 == m.sm3) {
                continue; // the same bytes filed twice: offered once, the newest filing
            }
            out.push(Reusable { material: m, licence_status: r.try_get("licence_status")? });
        }
        Ok(out)
    }

    /// Reuse a material in another transaction of the same holder: a new material row pointing
    /// at the same bytes (never copied), one more reference, and an event the holder can see.
    /// The caller must be the department of `into`, the material must still be reusable, and the
    /// holder's consent must be live.
    pub async fn reuse(&self, actor: &Actor, material: &str, into: &str) -> Result<MaterialRow> {
        let now = yinxin_store::now_ts();
        let target = self.transaction(into).await?;
        if target.department_code != actor.department {
            return Err(Error::NotFound(format!("transaction {into}")));
        }
        if target.disposed.is_some() || target.verdict == "rejected" {
            return Err(Error::Conflict(format!(
                "transaction {into} is {}",
                if target.disposed.is_some() { "disposed of" } else { "rejected" }
            )));
        }
        let m = self.material(material).await?;
        if m.holder_code != target.holder_code {
            return Err(Error::NotFound(format!("material {material}")));
        }
        let offered = self.reusable(&m.holder_code, Some(&m.material_code), now).await?;
        let original = m.reused_from.clone().unwrap_or_else(|| m.id.clone());
        if !offered.iter().any(|o| o.material.sm3 == m.sm3) {
            return Err(Error::Conflict(format!(
                "material {material} is not reusable now (not shareable, expired, or a licence no longer valid)"
            )));
        }
        let consent = self.consent_for(&actor.department, &m, now).await?.ok_or_else(|| {
            Error::Forbidden(format!(
                "no live consent of the holder for {} to reuse material {} ({})",
                actor.department, m.material_code, m.metadata.title
            ))
        })?;
        let mut tx = self.db.begin().await?;
        let next: i64 = sqlx::query("SELECT COALESCE(MAX(seq), 0) + 1 AS n FROM archive_materials WHERE txn_id = $1")
            .bind(into)
            .fetch_one(tx.conn())
            .await?
            .try_get("n")?;
        let id = format!("{into}-{next:03}");
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO archive_materials ({MAT_COLS}) SELECT $1, $2, $3, holder_code, material_code, class, sm3, \
             sha256, size, kind, sharing, valid_until, licence_id, $4, verdict, metadata, checks, evidence, $5 \
             FROM archive_materials WHERE id = $6"
        )))
        .bind(&id)
        .bind(into)
        .bind(next)
        .bind(&original)
        .bind(now)
        .bind(material)
        .execute(tx.conn())
        .await
        .map_err(|e| concurrent(e, &format!("another material was added to {into} at the same time; try again")))?;
        add_ref(&mut tx, &m.sm3, &m.sha256, m.size).await?;
        let d = json!({"event": "reuse", "object": id, "reused_from": original, "from_transaction": m.txn_id,
                       "material_code": m.material_code, "title": m.metadata.title, "consent": consent,
                       "sharing": m.sharing, "condition": m.metadata.sharing_condition, "sm3": m.sm3});
        log(&mut tx, event(actor, "reuse", into, Some(&m.holder_code), d, now)).await?;
        tx.commit().await?;
        self.material(&id).await
    }

    /// Put a transaction on legal hold (nothing of it can be disposed of) or lift the hold.
    pub async fn set_hold(&self, actor: &Actor, id: &str, reason: Option<&str>) -> Result<TransactionRow> {
        let now = yinxin_store::now_ts();
        let t = self.transaction(id).await?;
        if t.disposed.is_some() {
            return Err(Error::Conflict(format!("transaction {id} is disposed of")));
        }
        let mut tx = self.db.begin().await?;
        sqlx::query("UPDATE archive_transactions SET legal_hold = $1 WHERE id = $2")
            .bind(reason)
            .bind(id)
            .execute(tx.conn())
            .await?;
        let d = json!({"event": "policy assignment", "legal_hold": reason.is_some(), "reason": reason});
        log(&mut tx, event(actor, "legal hold", id, None, d, now)).await?;
        tx.commit().await?;
        self.transaction(id).await
    }

    /// The disposal list: transactions past their retention at `now`, not on hold, not yet
    /// disposed of.
    pub async fn disposal_list(&self, now: i64, limit: i64) -> Result<Vec<TransactionRow>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {TXN_COLS} FROM archive_transactions WHERE dispose_after IS NOT NULL AND dispose_after <= $1 \
             AND legal_hold IS NULL AND disposed IS NULL ORDER BY dispose_after, id LIMIT $2"
        )))
        .bind(now)
        .bind(limit)
        .fetch_all(self.db.pool())
        .await?;
        rows.iter().map(txn_row).collect()
    }

    /// Dispose of a transaction past its retention: its material rows go, each blob loses a
    /// reference and is deleted when none is left and nothing else in the service refers to it;
    /// the transaction row stays as a tombstone with a `deletion` event.
    pub async fn dispose(&self, actor: &Actor, id: &str, now: i64) -> Result<Vec<String>> {
        let t = self.transaction(id).await?;
        if t.disposed.is_some() {
            return Err(Error::Conflict(format!("transaction {id} is already disposed of")));
        }
        if let Some(h) = &t.legal_hold {
            return Err(Error::Conflict(format!("transaction {id} is on legal hold: {h}")));
        }
        match t.dispose_after {
            None => return Err(Error::Conflict(format!("transaction {id} is kept permanently"))),
            Some(d) if d > now => {
                return Err(Error::Conflict(format!("transaction {id} is kept until {d} (Unix seconds)")));
            }
            _ => {}
        }
        let mats = self.materials(id).await?;
        let mut tx = self.db.begin().await?;
        let mut freed = Vec::new();
        for m in &mats {
            sqlx::query("DELETE FROM archive_materials WHERE id = $1").bind(&m.id).execute(tx.conn()).await?;
            if drop_ref(&mut tx, &m.sm3).await? {
                freed.push(m.sm3.clone());
            }
        }
        sqlx::query("UPDATE archive_transactions SET disposed = $1 WHERE id = $2")
            .bind(now)
            .bind(id)
            .execute(tx.conn())
            .await?;
        let d = json!({"event": "deletion", "materials": mats.iter().map(|m| json!({"id": m.id, "sm3": m.sm3})).collect::<Vec<_>>(),
                       "blobs_freed": freed.len(), "retention": t.retention});
        log(&mut tx, event(actor, "deletion", id, None, d, now)).await?;
        tx.commit().await?;
        let live = repo::referenced_digests(&self.db).await?;
        let mut deleted = Vec::new();
        for d in freed {
            if !live.contains(&d) {
                self.blobs.delete(&d).await?;
                deleted.push(d);
            }
        }
        Ok(deleted)
    }

    /// Bytes of every stored material (what a patrol will read).
    pub async fn stored_bytes(&self) -> Result<u64> {
        let r = sqlx::query("SELECT COALESCE(SUM(size), 0) AS n FROM archive_blobs").fetch_one(self.db.pool()).await?;
        Ok(r.try_get::<i64, _>("n")? as u64)
    }

    /// The fixity patrol (巡检): re-hash every stored blob against its SM3 and SHA-256, compare
    /// reference counts with the material rows, find references without bytes, re-verify the
    /// event chain; record the result as an event. `progress` is told the bytes of each blob.
    pub async fn patrol(&self, actor: &Actor, progress: &(dyn Fn(u64) + Sync)) -> Result<PatrolReport> {
        let mut problems = Vec::new();
        let rows = sqlx::query("SELECT sm3, sha256, size, refs FROM archive_blobs ORDER BY sm3")
            .fetch_all(self.db.pool())
            .await?;
        let mut counted: BTreeMap<String, i64> = BTreeMap::new();
        for r in sqlx::query("SELECT sm3, COUNT(*) AS n FROM archive_materials GROUP BY sm3")
            .fetch_all(self.db.pool())
            .await?
        {
            counted.insert(r.try_get("sm3")?, r.try_get("n")?);
        }
        // Two blobs at a time (two cores: each blob's SM3 and SHA-256 run in its own task).
        enum Read {
            Ok(String, usize),
            Corrupt,
            Missing,
        }
        async fn read(blobs: Arc<dyn BlobStore>, d: String) -> yinxin_store::Result<Read> {
            match blobs.get(&d).await {
                Ok(b) => {
                    let n = b.len();
                    let sha = tokio::task::spawn_blocking(move || hex::encode(sha2::Sha256::digest(&b)))
                        .await
                        .map_err(|e| yinxin_store::Error::Io(std::io::Error::other(e)))?;
                    Ok(Read::Ok(sha, n))
                }
                Err(yinxin_store::Error::Corrupt(_)) => Ok(Read::Corrupt),
                Err(yinxin_store::Error::NotFound(_)) => Ok(Read::Missing),
                Err(e) => Err(e),
            }
        }
        let mut records = BTreeMap::new();
        let mut set = tokio::task::JoinSet::new();
        let mut done = Vec::with_capacity(rows.len());
        for r in &rows {
            let (d, sha, size, refs): (String, String, i64, i64) =
                (r.try_get("sm3")?, r.try_get("sha256")?, r.try_get("size")?, r.try_get("refs")?);
            records.insert(d.clone(), (sha, size, refs));
            if set.len() >= 2
                && let Some(x) = set.join_next().await
            {
                done.push(x.map_err(|e| Error::Other(e.to_string()))?);
            }
            let blobs = self.blobs.clone();
            set.spawn(async move {
                let r = read(blobs, d.clone()).await;
                (d, r)
            });
        }
        while let Some(x) = set.join_next().await {
            done.push(x.map_err(|e| Error::Other(e.to_string()))?);
        }
        let (mut blobs, mut bytes) = (0u64, 0u64);
        for (d, got) in done {
            let (sha, size, refs) = records.remove(&d).unwrap_or_default();
            match got? {
                Read::Ok(s, n) => {
                    if s != sha || n as i64 != size {
                        problems.push(format!("blob {d}: its SHA-256 or size differs from the record"));
                    }
                    bytes += n as u64;
                    progress(n as u64);
                }
                Read::Corrupt => problems.push(format!("blob {d}: corrupt (its SM3 no longer matches)")),
                Read::Missing => problems.push(format!("blob {d}: missing from the document store")),
            }
            blobs += 1;
            let n = counted.remove(&d).unwrap_or(0);
            if n != refs {
                problems.push(format!("blob {d}: {refs} references recorded, {n} material rows refer to it"));
            }
        }
        problems.sort();
        for (d, n) in counted {
            problems.push(format!("{n} material rows refer to {d}, which has no stored reference"));
        }
        let chain = audit::verify_chain(&self.db).await?;
        if !chain.ok {
            problems.push(format!("event chain: {}", chain.problem.clone().unwrap_or_default()));
        }
        let now = yinxin_store::now_ts();
        let mut tx = self.db.begin().await?;
        let d = json!({"event": "fixity check", "blobs": blobs, "bytes": bytes, "problems": problems,
                       "chain_entries": chain.entries, "chain_ok": chain.ok,
                       "outcome": if problems.is_empty() { "pass" } else { "fail" },
                       "tool": format!("yinxin-archive {}", crate::TOOL_VERSION)});
        log(&mut tx, event(actor, "fixity check", "archive", None, d, now)).await?;
        tx.commit().await?;
        Ok(PatrolReport { blobs, bytes, problems, chain_entries: chain.entries, chain_ok: chain.ok })
    }
}
