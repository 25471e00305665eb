//! Rows and the queries on them. Every write takes the caller's [`Tx`] so that the row, its
//! audit entry and its idempotency record commit together.

use crate::{Db, Result, Tx};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

macro_rules! get {
    ($r:expr, $c:literal) => {
        $r.try_get($c)?
    };
}

/// An API client.
#[derive(Debug, Clone, Serialize)]
pub struct Client {
    /// Its id.
    pub id: String,
    /// `department`, `seal_authority`, `officer`, `holder`, `admin`.
    pub role: String,
    /// A display name.
    pub name: String,
    /// Whom it acts for: a department's USCC, a holder's code, an officer's number.
    pub principal: String,
    /// Created (Unix seconds).
    pub created: i64,
    /// Disabled.
    pub disabled: bool,
    /// SHA-256 (hex) of its TLS client certificate, when it authenticates with one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cert_sha256: Option<String>,
}

fn client(r: &AnyRow) -> Result<Client> {
    Ok(Client {
        id: get!(r, "id"),
        role: get!(r, "role"),
        name: get!(r, "name"),
        principal: get!(r, "principal"),
        created: get!(r, "created"),
        disabled: r.try_get::<i64, _>("disabled")? != 0,
        cert_sha256: get!(r, "cert_sha256"),
    })
}

const CLIENT_COLS: &str = "id, role, name, principal, created, disabled, cert_sha256";

/// Insert a client with the SM3 of its token.
pub async fn insert_client(tx: &mut Tx, c: &Client, token_sm3: Option<&str>) -> Result<()> {
    sqlx::query(
        "INSERT INTO clients (id, role, name, principal, token_sm3, cert_sha256, created, disabled) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 0)",
    )
    .bind(&c.id)
    .bind(&c.role)
    .bind(&c.name)
    .bind(&c.principal)
    .bind(token_sm3)
    .bind(&c.cert_sha256)
    .bind(c.created)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// The live client whose token has this SM3 digest.
pub async fn client_by_token(db: &Db, token_sm3: &str) -> Result<Option<Client>> {
    let r = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {CLIENT_COLS} FROM clients WHERE token_sm3 = $1 AND disabled = 0"
    )))
    .bind(token_sm3)
    .fetch_optional(db.pool())
    .await?;
    r.as_ref().map(client).transpose()
}

/// The live client whose TLS certificate has this SHA-256 digest.
pub async fn client_by_cert(db: &Db, cert_sha256: &str) -> Result<Option<Client>> {
    let r = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {CLIENT_COLS} FROM clients WHERE cert_sha256 = $1 AND disabled = 0"
    )))
    .bind(cert_sha256)
    .fetch_optional(db.pool())
    .await?;
    r.as_ref().map(client).transpose()
}

/// Clients after `after` (by id).
pub async fn list_clients(db: &Db, after: &str, limit: i64) -> Result<Vec<Client>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {CLIENT_COLS} FROM clients WHERE id > $1 ORDER BY id LIMIT $2"
    )))
    .bind(after)
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(client).collect()
}

/// Disable a client; false when there is none.
pub async fn disable_client(tx: &mut Tx, id: &str) -> Result<bool> {
    let r = sqlx::query("UPDATE clients SET disabled = 1 WHERE id = $1").bind(id).execute(tx.conn()).await?;
    Ok(r.rows_affected() > 0)
}

/// Whether any admin client exists.
pub async fn has_admin(db: &Db) -> Result<bool> {
    Ok(sqlx::query("SELECT id FROM clients WHERE role = 'admin' AND disabled = 0 LIMIT 1")
        .fetch_optional(db.pool())
        .await?
        .is_some())
}

/// An issuing department.
#[derive(Debug, Clone)]
pub struct Department {
    /// USCC.
    pub code: String,
    /// Name.
    pub name: String,
    /// Its signing certificate (DER).
    pub cert: Vec<u8>,
    /// Its key, wrapped under the key-encryption key.
    pub key_wrapped: Vec<u8>,
    /// The licence type codes it may issue.
    pub types: Vec<String>,
}

fn department(r: &AnyRow) -> Result<Department> {
    let types: String = get!(r, "types");
    Ok(Department {
        code: get!(r, "code"),
        name: get!(r, "name"),
        cert: get!(r, "cert"),
        key_wrapped: get!(r, "key_wrapped"),
        types: serde_json::from_str(&types).unwrap_or_default(),
    })
}

/// Insert or update a department.
pub async fn put_department(tx: &mut Tx, d: &Department) -> Result<()> {
    let types = serde_json::to_string(&d.types).unwrap_or_else(|_| "[]".into());
    sqlx::query("DELETE FROM departments WHERE code = $1").bind(&d.code).execute(tx.conn()).await?;
    sqlx::query("INSERT INTO departments (code, name, cert, key_wrapped, types) VALUES ($1, $2, $3, $4, $5)")
        .bind(&d.code)
        .bind(&d.name)
        .bind(&d.cert)
        .bind(&d.key_wrapped)
        .bind(types)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Every department.
pub async fn departments(db: &Db) -> Result<Vec<Department>> {
    let rows = sqlx::query("SELECT code, name, cert, key_wrapped, types FROM departments ORDER BY code")
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(department).collect()
}

/// Where a key wrapped under the key-encryption key is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WrappedIn {
    /// `service_keys` (by name).
    ServiceKeys,
    /// `departments` (by code).
    Departments,
    /// `signers` (by id; only those that hold a key).
    Signers,
}

/// A key wrapped under the key-encryption key, as stored.
#[derive(Debug, Clone)]
pub struct WrappedKey {
    /// Its table.
    pub table: WrappedIn,
    /// Its row (name, code or id).
    pub id: String,
    /// The wrapped bytes.
    pub wrapped: Vec<u8>,
}

/// Every wrapped key, in the caller's transaction (for rewrapping under a new KEK).
pub async fn wrapped_keys(tx: &mut Tx) -> Result<Vec<WrappedKey>> {
    let mut out = Vec::new();
    for (table, sql) in [
        // A row with no wrapped bytes holds a certificate only (the trust root).
        (
            WrappedIn::ServiceKeys,
            "SELECT name AS id, key_wrapped FROM service_keys WHERE LENGTH(key_wrapped) > 0 ORDER BY name",
        ),
        (WrappedIn::Departments, "SELECT code AS id, key_wrapped FROM departments ORDER BY code"),
        (WrappedIn::Signers, "SELECT id, key_wrapped FROM signers WHERE key_wrapped IS NOT NULL ORDER BY id"),
    ] {
        for r in sqlx::query(sql).fetch_all(tx.conn()).await? {
            out.push(WrappedKey { table, id: get!(r, "id"), wrapped: get!(r, "key_wrapped") });
        }
    }
    Ok(out)
}

/// Replace a wrapped key's bytes.
pub async fn set_wrapped_key(tx: &mut Tx, k: &WrappedKey, wrapped: &[u8]) -> Result<()> {
    let sql = match k.table {
        WrappedIn::ServiceKeys => "UPDATE service_keys SET key_wrapped = $1 WHERE name = $2",
        WrappedIn::Departments => "UPDATE departments SET key_wrapped = $1 WHERE code = $2",
        WrappedIn::Signers => "UPDATE signers SET key_wrapped = $1 WHERE id = $2",
    };
    let r = sqlx::query(sql).bind(wrapped).bind(&k.id).execute(tx.conn()).await?;
    if r.rows_affected() != 1 {
        return Err(crate::Error::NotFound(format!("wrapped key {}", k.id)));
    }
    Ok(())
}

/// A key of the service itself (wrapped).
pub async fn service_key(db: &Db, name: &str) -> Result<Option<(Option<Vec<u8>>, Vec<u8>)>> {
    let r = sqlx::query("SELECT cert, key_wrapped FROM service_keys WHERE name = $1")
        .bind(name)
        .fetch_optional(db.pool())
        .await?;
    Ok(match r {
        Some(r) => Some((get!(r, "cert"), get!(r, "key_wrapped"))),
        None => None,
    })
}

/// Store a key of the service (replacing one of the same name).
pub async fn put_service_key(tx: &mut Tx, name: &str, cert: Option<&[u8]>, key_wrapped: &[u8]) -> Result<()> {
    sqlx::query("DELETE FROM service_keys WHERE name = $1").bind(name).execute(tx.conn()).await?;
    sqlx::query("INSERT INTO service_keys (name, cert, key_wrapped) VALUES ($1, $2, $3)")
        .bind(name)
        .bind(cert.map(<[u8]>::to_vec))
        .bind(key_wrapped)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// A licence as stored.
#[derive(Debug, Clone, Serialize)]
pub struct Licence {
    /// 证照标识.
    pub identifier: String,
    /// Type code.
    pub type_code: String,
    /// Issuing department's USCC.
    pub issuer_code: String,
    /// 持证主体代码.
    pub holder_code: String,
    /// 证照编号.
    pub number: String,
    /// Version.
    pub version: i64,
    /// `valid`, `suspended`, `revoked`, `superseded`.
    pub status: String,
    /// Why the status last changed.
    pub status_reason: Option<String>,
    /// When (Unix seconds).
    pub status_changed: Option<i64>,
    /// The version this one replaces.
    pub supersedes: Option<String>,
    /// The version that replaced this one.
    pub superseded_by: Option<String>,
    /// The GB/T 36903 metadata (JSON).
    #[serde(skip)]
    pub metadata: String,
    /// SM3 of the sealed OFD.
    pub ofd_sm3: String,
    /// SM3 of the signed PDF.
    pub pdf_sm3: String,
    /// Issued (Unix seconds).
    pub issued_at: i64,
    /// Fast lookup keys (xxh3-64 hex) of the OFD and the PDF.
    #[serde(skip)]
    pub fast: Option<(String, String)>,
}

const LICENCE_COLS: &str = "identifier, type_code, issuer_code, holder_code, number, version, status, status_reason, \
     status_changed, supersedes, superseded_by, metadata, ofd_sm3, pdf_sm3, issued_at, ofd_fast, pdf_fast";

fn licence_row(r: &AnyRow) -> Result<Licence> {
    Ok(Licence {
        identifier: get!(r, "identifier"),
        type_code: get!(r, "type_code"),
        issuer_code: get!(r, "issuer_code"),
        holder_code: get!(r, "holder_code"),
        number: get!(r, "number"),
        version: get!(r, "version"),
        status: get!(r, "status"),
        status_reason: get!(r, "status_reason"),
        status_changed: get!(r, "status_changed"),
        supersedes: get!(r, "supersedes"),
        superseded_by: get!(r, "superseded_by"),
        metadata: get!(r, "metadata"),
        ofd_sm3: get!(r, "ofd_sm3"),
        pdf_sm3: get!(r, "pdf_sm3"),
        issued_at: get!(r, "issued_at"),
        fast: fast_pair(r)?,
    })
}

fn fast_pair(r: &AnyRow) -> Result<Option<(String, String)>> {
    let o: Option<String> = r.try_get("ofd_fast")?;
    let p: Option<String> = r.try_get("pdf_fast")?;
    Ok(o.zip(p))
}

/// Insert a licence.
pub async fn insert_licence(tx: &mut Tx, l: &Licence) -> Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO licences ({LICENCE_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)"
    )))
    .bind(&l.identifier)
    .bind(&l.type_code)
    .bind(&l.issuer_code)
    .bind(&l.holder_code)
    .bind(&l.number)
    .bind(l.version)
    .bind(&l.status)
    .bind(&l.status_reason)
    .bind(l.status_changed)
    .bind(&l.supersedes)
    .bind(&l.superseded_by)
    .bind(&l.metadata)
    .bind(&l.ofd_sm3)
    .bind(&l.pdf_sm3)
    .bind(l.issued_at)
    .bind(l.fast.as_ref().map(|f| f.0.clone()))
    .bind(l.fast.as_ref().map(|f| f.1.clone()))
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// A licence by identifier.
pub async fn licence(db: &Db, id: &str) -> Result<Option<Licence>> {
    let r = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {LICENCE_COLS} FROM licences WHERE identifier = $1")))
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    r.as_ref().map(licence_row).transpose()
}

/// A licence by identifier, read inside a transaction.
pub async fn licence_tx(tx: &mut Tx, id: &str) -> Result<Option<Licence>> {
    let r = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {LICENCE_COLS} FROM licences WHERE identifier = $1")))
        .bind(id)
        .fetch_optional(tx.conn())
        .await?;
    r.as_ref().map(licence_row).transpose()
}

/// A licence read for a change, its row locked until the transaction ends: a concurrent change
/// of the same licence (on this node or another) waits here and then reads what the first one
/// committed, so two revocations cannot both find it valid. (PostgreSQL locks the row the
/// UPDATE touches; SQLite's write transaction already excludes every other writer.)
pub async fn lock_licence(tx: &mut Tx, id: &str) -> Result<Option<Licence>> {
    let r = sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE licences SET status = status WHERE identifier = $1 RETURNING {LICENCE_COLS}"
    )))
    .bind(id)
    .fetch_optional(tx.conn())
    .await?;
    r.as_ref().map(licence_row).transpose()
}

/// Which licences to list.
#[derive(Debug, Clone, Default)]
pub struct LicenceFilter<'a> {
    /// Only this holder's.
    pub holder_code: Option<&'a str>,
    /// Only this issuer's.
    pub issuer_code: Option<&'a str>,
    /// Only this type.
    pub type_code: Option<&'a str>,
    /// Only these with this licence number.
    pub number: Option<&'a str>,
}

/// Licences matching `f`, by identifier after `after`.
pub async fn licences(db: &Db, f: &LicenceFilter<'_>, after: &str, limit: i64) -> Result<Vec<Licence>> {
    let mut sql = format!("SELECT {LICENCE_COLS} FROM licences WHERE identifier > $1");
    let mut binds: Vec<&str> = vec![after];
    for (col, v) in [
        ("holder_code", f.holder_code),
        ("issuer_code", f.issuer_code),
        ("type_code", f.type_code),
        ("number", f.number),
    ] {
        if let Some(v) = v {
            binds.push(v);
            sql.push_str(&format!(" AND {col} = ${}", binds.len()));
        }
    }
    sql.push_str(&format!(" ORDER BY identifier LIMIT ${}", binds.len() + 1));
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for b in binds {
        q = q.bind(b);
    }
    let rows = q.bind(limit).fetch_all(db.pool()).await?;
    rows.iter().map(licence_row).collect()
}

/// Set a licence's status.
pub async fn set_licence_status(tx: &mut Tx, id: &str, status: &str, reason: Option<&str>, at: i64) -> Result<()> {
    sqlx::query("UPDATE licences SET status = $1, status_reason = $2, status_changed = $3 WHERE identifier = $4")
        .bind(status)
        .bind(reason)
        .bind(at)
        .bind(id)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Mark a licence superseded by a newer version.
pub async fn set_superseded(tx: &mut Tx, id: &str, by: &str, at: i64) -> Result<()> {
    sqlx::query(
        "UPDATE licences SET status = 'superseded', superseded_by = $1, status_reason = $2, status_changed = $3 \
         WHERE identifier = $4",
    )
    .bind(by)
    .bind(format!("re-issued as {by}"))
    .bind(at)
    .bind(id)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// The licence whose OFD or PDF, as issued or in its long-term copy, has this digest.
pub async fn licence_by_digest(db: &Db, sm3: &str) -> Result<Option<Licence>> {
    let r = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {LICENCE_COLS} FROM licences WHERE ofd_sm3 = $1 OR pdf_sm3 = $1 \
         OR identifier IN (SELECT subject FROM long_term WHERE blob_sm3 = $1) LIMIT 1"
    )))
    .bind(sm3)
    .fetch_optional(db.pool())
    .await?;
    r.as_ref().map(licence_row).transpose()
}

/// Licences whose OFD or PDF has this fast key (candidates, to be confirmed by comparing bytes).
pub async fn licences_by_fast(db: &Db, fast: &str) -> Result<Vec<Licence>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {LICENCE_COLS} FROM licences WHERE ofd_fast = $1 OR pdf_fast = $1 LIMIT 8"
    )))
    .bind(fast)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(licence_row).collect()
}

/// A 加注件.
#[derive(Debug, Clone, Serialize)]
pub struct Annotation {
    /// Its id.
    pub id: String,
    /// The licence.
    pub identifier: String,
    /// 用证事由.
    pub use_cause: String,
    /// 用证方.
    pub user_name: String,
    /// Last day of use (YYYY-MM-DD).
    pub expires: String,
    /// Metadata JSON.
    #[serde(skip)]
    pub metadata: String,
    /// SM3 of the OFD.
    pub ofd_sm3: String,
    /// SM3 of the PDF.
    pub pdf_sm3: String,
    /// Made (Unix seconds).
    pub created: i64,
    /// Fast lookup keys (xxh3-64 hex) of the OFD and the PDF.
    #[serde(skip)]
    pub fast: Option<(String, String)>,
}

const ANNOTATION_COLS: &str =
    "id, identifier, use_cause, user_name, expires, metadata, ofd_sm3, pdf_sm3, created, ofd_fast, pdf_fast";

fn annotation(r: &AnyRow) -> Result<Annotation> {
    Ok(Annotation {
        id: get!(r, "id"),
        identifier: get!(r, "identifier"),
        use_cause: get!(r, "use_cause"),
        user_name: get!(r, "user_name"),
        expires: get!(r, "expires"),
        metadata: get!(r, "metadata"),
        ofd_sm3: get!(r, "ofd_sm3"),
        pdf_sm3: get!(r, "pdf_sm3"),
        created: get!(r, "created"),
        fast: fast_pair(r)?,
    })
}

/// Insert a 加注件.
pub async fn insert_annotation(tx: &mut Tx, a: &Annotation) -> Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO annotations ({ANNOTATION_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    )))
    .bind(&a.id)
    .bind(&a.identifier)
    .bind(&a.use_cause)
    .bind(&a.user_name)
    .bind(&a.expires)
    .bind(&a.metadata)
    .bind(&a.ofd_sm3)
    .bind(&a.pdf_sm3)
    .bind(a.created)
    .bind(a.fast.as_ref().map(|f| f.0.clone()))
    .bind(a.fast.as_ref().map(|f| f.1.clone()))
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// A 加注件 by id.
pub async fn annotation_by_id(db: &Db, id: &str) -> Result<Option<Annotation>> {
    let r = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {ANNOTATION_COLS} FROM annotations WHERE id = $1")))
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    r.as_ref().map(annotation).transpose()
}

/// The 加注件 whose OFD or PDF has this digest.
pub async fn annotation_by_digest(db: &Db, sm3: &str) -> Result<Option<Annotation>> {
    let r = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {ANNOTATION_COLS} FROM annotations WHERE ofd_sm3 = $1 OR pdf_sm3 = $1 LIMIT 1"
    )))
    .bind(sm3)
    .fetch_optional(db.pool())
    .await?;
    r.as_ref().map(annotation).transpose()
}

/// 加注件 whose OFD or PDF has this fast key (candidates).
pub async fn annotations_by_fast(db: &Db, fast: &str) -> Result<Vec<Annotation>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {ANNOTATION_COLS} FROM annotations WHERE ofd_fast = $1 OR pdf_fast = $1 LIMIT 8"
    )))
    .bind(fast)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(annotation).collect()
}

/// An e-seal record.
#[derive(Debug, Clone, Serialize)]
pub struct SealRecord {
    /// Its id (the application's).
    pub id: String,
    /// The owning department's USCC.
    pub owner_code: String,
    /// The seal's name.
    pub name: String,
    /// The kind (`official`, `contract`, …).
    pub kind: String,
    /// Lifecycle state.
    pub state: String,
    /// The made seal (DER).
    #[serde(skip)]
    pub esl: Option<Vec<u8>>,
    /// Its esID once made.
    pub es_id: Option<String>,
    /// The reason of the last change.
    pub reason: Option<String>,
    /// Applied (Unix seconds).
    pub created: i64,
    /// Last changed.
    pub updated: i64,
    /// When it was put in use (Unix milliseconds).
    #[serde(skip)]
    pub activated: Option<i64>,
}

const SEAL_COLS: &str = "id, owner_code, name, kind, state, esl, es_id, reason, created, updated, activated";

fn seal(r: &AnyRow) -> Result<SealRecord> {
    Ok(SealRecord {
        id: get!(r, "id"),
        owner_code: get!(r, "owner_code"),
        name: get!(r, "name"),
        kind: get!(r, "kind"),
        state: get!(r, "state"),
        esl: get!(r, "esl"),
        es_id: get!(r, "es_id"),
        reason: get!(r, "reason"),
        created: get!(r, "created"),
        updated: get!(r, "updated"),
        activated: get!(r, "activated"),
    })
}

/// Insert a seal record.
pub async fn insert_seal(tx: &mut Tx, s: &SealRecord) -> Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO seals ({SEAL_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    )))
    .bind(&s.id)
    .bind(&s.owner_code)
    .bind(&s.name)
    .bind(&s.kind)
    .bind(&s.state)
    .bind(&s.esl)
    .bind(&s.es_id)
    .bind(&s.reason)
    .bind(s.created)
    .bind(s.updated)
    .bind(s.activated)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Update a seal's state (and its bytes once made).
pub async fn update_seal(tx: &mut Tx, s: &SealRecord) -> Result<()> {
    sqlx::query(
        "UPDATE seals SET state = $1, esl = $2, es_id = $3, reason = $4, updated = $5, activated = $6 WHERE id = $7",
    )
    .bind(&s.state)
    .bind(&s.esl)
    .bind(&s.es_id)
    .bind(&s.reason)
    .bind(s.updated)
    .bind(s.activated)
    .bind(&s.id)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// A seal by id, inside a transaction.
pub async fn seal_tx(tx: &mut Tx, id: &str) -> Result<Option<SealRecord>> {
    let r = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {SEAL_COLS} FROM seals WHERE id = $1")))
        .bind(id)
        .fetch_optional(tx.conn())
        .await?;
    r.as_ref().map(seal).transpose()
}

/// A seal by id.
pub async fn seal_by_id(db: &Db, id: &str) -> Result<Option<SealRecord>> {
    let r = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {SEAL_COLS} FROM seals WHERE id = $1")))
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    r.as_ref().map(seal).transpose()
}

/// Seals, optionally of one owner, by id after `after`.
pub async fn seals(db: &Db, owner: Option<&str>, after: &str, limit: i64) -> Result<Vec<SealRecord>> {
    let rows = match owner {
        Some(o) => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {SEAL_COLS} FROM seals WHERE owner_code = $1 AND id > $2 ORDER BY id LIMIT $3"
            )))
            .bind(o)
            .bind(after)
            .bind(limit)
            .fetch_all(db.pool())
            .await?
        }
        None => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {SEAL_COLS} FROM seals WHERE id > $1 ORDER BY id LIMIT $2"
            )))
            .bind(after)
            .bind(limit)
            .fetch_all(db.pool())
            .await?
        }
    };
    rows.iter().map(seal).collect()
}

/// The department's official seal put in use last (the one licences are sealed with), also when
/// it is now suspended: then nothing is sealed until it is resumed or another is put in use.
pub async fn issuing_seal(db: &Db, owner: &str) -> Result<Option<SealRecord>> {
    let r = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {SEAL_COLS} FROM seals WHERE owner_code = $1 AND kind = 'official' AND esl IS NOT NULL \
         AND state IN ('in_use', 'suspended') ORDER BY activated DESC, id DESC LIMIT 1"
    )))
    .bind(owner)
    .fetch_optional(db.pool())
    .await?;
    r.as_ref().map(seal).transpose()
}

/// A sealed or signed material.
#[derive(Debug, Clone, Serialize)]
pub struct Material {
    /// Its id.
    pub id: String,
    /// The client that had it sealed or signed.
    pub owner: String,
    /// Its file name.
    pub name: String,
    /// `pdf`, `ofd`, or `p7s` (detached signature).
    pub format: String,
    /// SM3 of the sealed or signed bytes.
    pub sm3: String,
    /// SM3 of the bytes handed in.
    pub source_sm3: String,
    /// The seal or signer used.
    pub signed_by: String,
    /// When.
    pub created: i64,
}

const MATERIAL_COLS: &str = "id, owner, name, format, sm3, source_sm3, signed_by, created";

fn material(r: &AnyRow) -> Result<Material> {
    Ok(Material {
        id: get!(r, "id"),
        owner: get!(r, "owner"),
        name: get!(r, "name"),
        format: get!(r, "format"),
        sm3: get!(r, "sm3"),
        source_sm3: get!(r, "source_sm3"),
        signed_by: get!(r, "signed_by"),
        created: get!(r, "created"),
    })
}

/// Insert a material.
pub async fn insert_material(tx: &mut Tx, m: &Material) -> Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO materials ({MATERIAL_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    )))
    .bind(&m.id)
    .bind(&m.owner)
    .bind(&m.name)
    .bind(&m.format)
    .bind(&m.sm3)
    .bind(&m.source_sm3)
    .bind(&m.signed_by)
    .bind(m.created)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// A material by id.
pub async fn material_by_id(db: &Db, id: &str) -> Result<Option<Material>> {
    let r = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {MATERIAL_COLS} FROM materials WHERE id = $1")))
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    r.as_ref().map(material).transpose()
}

/// A person's signing certificate record.
#[derive(Debug, Clone, Serialize)]
pub struct Signer {
    /// Its id.
    pub id: String,
    /// The person's citizen ID (the holder code).
    pub holder_code: String,
    /// The person's name.
    pub name: String,
    /// `applied`, `issued`, `cancelled`.
    pub state: String,
    /// The certificate (DER) once issued.
    #[serde(skip)]
    pub cert: Option<Vec<u8>>,
    /// The key, wrapped.
    #[serde(skip)]
    pub key_wrapped: Option<Vec<u8>>,
    /// Certificate serial (hex).
    pub serial: Option<String>,
    /// Applied.
    pub created: i64,
    /// Cancelled (注销).
    pub cancelled: Option<i64>,
}

const SIGNER_COLS: &str = "id, holder_code, name, state, cert, key_wrapped, serial, created, cancelled";

fn signer(r: &AnyRow) -> Result<Signer> {
    Ok(Signer {
        id: get!(r, "id"),
        holder_code: get!(r, "holder_code"),
        name: get!(r, "name"),
        state: get!(r, "state"),
        cert: get!(r, "cert"),
        key_wrapped: get!(r, "key_wrapped"),
        serial: get!(r, "serial"),
        created: get!(r, "created"),
        cancelled: get!(r, "cancelled"),
    })
}

/// Insert a signer.
pub async fn insert_signer(tx: &mut Tx, s: &Signer) -> Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO signers ({SIGNER_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    )))
    .bind(&s.id)
    .bind(&s.holder_code)
    .bind(&s.name)
    .bind(&s.state)
    .bind(&s.cert)
    .bind(&s.key_wrapped)
    .bind(&s.serial)
    .bind(s.created)
    .bind(s.cancelled)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Update a signer.
pub async fn update_signer(tx: &mut Tx, s: &Signer) -> Result<()> {
    sqlx::query(
        "UPDATE signers SET state = $1, cert = $2, key_wrapped = $3, serial = $4, cancelled = $5 WHERE id = $6",
    )
    .bind(&s.state)
    .bind(&s.cert)
    .bind(&s.key_wrapped)
    .bind(&s.serial)
    .bind(s.cancelled)
    .bind(&s.id)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// A signer by id, inside a transaction.
pub async fn signer_tx(tx: &mut Tx, id: &str) -> Result<Option<Signer>> {
    let r = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {SIGNER_COLS} FROM signers WHERE id = $1")))
        .bind(id)
        .fetch_optional(tx.conn())
        .await?;
    r.as_ref().map(signer).transpose()
}

/// A signer by id.
pub async fn signer_by_id(db: &Db, id: &str) -> Result<Option<Signer>> {
    let r = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {SIGNER_COLS} FROM signers WHERE id = $1")))
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    r.as_ref().map(signer).transpose()
}

/// Signers, optionally of one holder.
pub async fn signers(db: &Db, holder: Option<&str>, after: &str, limit: i64) -> Result<Vec<Signer>> {
    let rows = match holder {
        Some(h) => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {SIGNER_COLS} FROM signers WHERE holder_code = $1 AND id > $2 ORDER BY id LIMIT $3"
            )))
            .bind(h)
            .bind(after)
            .bind(limit)
            .fetch_all(db.pool())
            .await?
        }
        None => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {SIGNER_COLS} FROM signers WHERE id > $1 ORDER BY id LIMIT $2"
            )))
            .bind(after)
            .bind(limit)
            .fetch_all(db.pool())
            .await?
        }
    };
    rows.iter().map(signer).collect()
}

/// Certificates cancelled (注销): serial (hex) and when, for the CRL.
pub async fn cancelled_serials(db: &Db) -> Result<Vec<(String, i64)>> {
    let rows = sqlx::query("SELECT serial, cancelled FROM signers WHERE state = 'cancelled' AND serial IS NOT NULL")
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(|r| Ok((get!(r, "serial"), r.try_get::<Option<i64>, _>("cancelled")?.unwrap_or(0)))).collect()
}

/// A consent (用证授权).
#[derive(Debug, Clone, Serialize)]
pub struct Consent {
    /// Its id.
    pub id: String,
    /// The holder.
    pub holder_code: String,
    /// The department allowed.
    pub department_code: String,
    /// The licence type.
    pub type_code: String,
    /// The use-cause.
    pub use_cause: String,
    /// Until (Unix seconds).
    pub until_ts: i64,
    /// Given.
    pub created: i64,
    /// Revoked, when.
    pub revoked: Option<i64>,
}

const CONSENT_COLS: &str = "id, holder_code, department_code, type_code, use_cause, until_ts, created, revoked";

fn consent(r: &AnyRow) -> Result<Consent> {
    Ok(Consent {
        id: get!(r, "id"),
        holder_code: get!(r, "holder_code"),
        department_code: get!(r, "department_code"),
        type_code: get!(r, "type_code"),
        use_cause: get!(r, "use_cause"),
        until_ts: get!(r, "until_ts"),
        created: get!(r, "created"),
        revoked: get!(r, "revoked"),
    })
}

/// Insert a consent.
pub async fn insert_consent(tx: &mut Tx, c: &Consent) -> Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO consents ({CONSENT_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    )))
    .bind(&c.id)
    .bind(&c.holder_code)
    .bind(&c.department_code)
    .bind(&c.type_code)
    .bind(&c.use_cause)
    .bind(c.until_ts)
    .bind(c.created)
    .bind(c.revoked)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// A holder's consents.
pub async fn consents(db: &Db, holder: &str, after: &str, limit: i64) -> Result<Vec<Consent>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {CONSENT_COLS} FROM consents WHERE holder_code = $1 AND id > $2 ORDER BY id LIMIT $3"
    )))
    .bind(holder)
    .bind(after)
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(consent).collect()
}

/// Revoke a holder's consent; false when it is not theirs or already revoked.
pub async fn revoke_consent(tx: &mut Tx, holder: &str, id: &str, at: i64) -> Result<bool> {
    let r = sqlx::query("UPDATE consents SET revoked = $1 WHERE id = $2 AND holder_code = $3 AND revoked IS NULL")
        .bind(at)
        .bind(id)
        .bind(holder)
        .execute(tx.conn())
        .await?;
    Ok(r.rows_affected() > 0)
}

/// A live consent for this department, holder and type at `now`.
pub async fn live_consent(
    db: &Db,
    department: &str,
    holder: &str,
    type_code: &str,
    now: i64,
) -> Result<Option<Consent>> {
    let r = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {CONSENT_COLS} FROM consents WHERE department_code = $1 AND holder_code = $2 AND type_code = $3 \
         AND revoked IS NULL AND until_ts > $4 ORDER BY until_ts DESC LIMIT 1"
    )))
    .bind(department)
    .bind(holder)
    .bind(type_code)
    .bind(now)
    .fetch_optional(db.pool())
    .await?;
    r.as_ref().map(consent).transpose()
}

/// Every document digest a row refers to (the live references of the document store).
pub async fn referenced_digests(db: &Db) -> Result<std::collections::HashSet<String>> {
    let mut out = std::collections::HashSet::new();
    for sql in [
        "SELECT ofd_sm3 AS d FROM licences",
        "SELECT pdf_sm3 AS d FROM licences",
        "SELECT ofd_sm3 AS d FROM annotations",
        "SELECT pdf_sm3 AS d FROM annotations",
        "SELECT sm3 AS d FROM materials",
        "SELECT sm3 AS d FROM archive_blobs",
        "SELECT blob_sm3 AS d FROM long_term WHERE blob_sm3 IS NOT NULL",
        "SELECT blob_sm3 AS d FROM envelope_revisions",
        "SELECT prepared_sm3 AS d FROM sign_sessions",
    ] {
        for r in sqlx::query(sql).fetch_all(db.pool()).await? {
            out.insert(r.try_get::<String, _>("d")?);
        }
    }
    Ok(out)
}

/// A status list as stored.
#[derive(Debug, Clone)]
pub struct StatusListRow {
    /// The issuer's USCC.
    pub issuer_code: String,
    /// The list's number within the issuer.
    pub list_id: i64,
    /// Entries.
    pub entries: i64,
    /// Entries handed out.
    pub used: i64,
    /// Changes to the bits so far.
    pub version: i64,
    /// The uncompressed bits.
    pub bits: Vec<u8>,
    /// The signed, compressed list.
    pub signed: Vec<u8>,
    /// When `signed` was made.
    pub issued_at: i64,
    /// When `signed` expires.
    pub expires_at: i64,
}

const STATUS_COLS: &str = "issuer_code, list_id, entries, used, version, bits, signed, issued_at, expires_at";

fn status_row(r: &AnyRow) -> Result<StatusListRow> {
    Ok(StatusListRow {
        issuer_code: get!(r, "issuer_code"),
        list_id: get!(r, "list_id"),
        entries: get!(r, "entries"),
        used: get!(r, "used"),
        version: get!(r, "version"),
        bits: get!(r, "bits"),
        signed: get!(r, "signed"),
        issued_at: get!(r, "issued_at"),
        expires_at: get!(r, "expires_at"),
    })
}

/// A licence's status entry: (issuer, list, index).
pub async fn status_entry_tx(tx: &mut Tx, licence_id: &str) -> Result<Option<(String, i64, i64)>> {
    let r = sqlx::query("SELECT issuer_code, list_id, idx FROM status_entries WHERE licence_id = $1")
        .bind(licence_id)
        .fetch_optional(tx.conn())
        .await?;
    Ok(match r {
        Some(r) => Some((get!(r, "issuer_code"), get!(r, "list_id"), get!(r, "idx"))),
        None => None,
    })
}

/// The issuer's newest list, locked for this transaction (its version is bumped, which takes the
/// row lock on PostgreSQL; SQLite has one writer anyway).
pub async fn lock_newest_status_list(tx: &mut Tx, issuer: &str) -> Result<Option<StatusListRow>> {
    let r = sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE status_lists SET version = version + 1 WHERE issuer_code = $1 AND list_id = \
         (SELECT MAX(list_id) FROM status_lists WHERE issuer_code = $1) RETURNING {STATUS_COLS}"
    )))
    .bind(issuer)
    .fetch_optional(tx.conn())
    .await?;
    r.as_ref().map(status_row).transpose()
}

/// One list, locked for this transaction (see [`lock_newest_status_list`]).
pub async fn lock_status_list(tx: &mut Tx, issuer: &str, list: i64) -> Result<Option<StatusListRow>> {
    let r = sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE status_lists SET version = version + 1 WHERE issuer_code = $1 AND list_id = $2 RETURNING {STATUS_COLS}"
    )))
    .bind(issuer)
    .bind(list)
    .fetch_optional(tx.conn())
    .await?;
    r.as_ref().map(status_row).transpose()
}

/// Insert a new list.
pub async fn insert_status_list(tx: &mut Tx, l: &StatusListRow) -> Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO status_lists ({STATUS_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    )))
    .bind(&l.issuer_code)
    .bind(l.list_id)
    .bind(l.entries)
    .bind(l.used)
    .bind(l.version)
    .bind(&l.bits)
    .bind(&l.signed)
    .bind(l.issued_at)
    .bind(l.expires_at)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Write a locked list's bits, signed form and count back.
pub async fn update_status_list(tx: &mut Tx, l: &StatusListRow) -> Result<()> {
    sqlx::query(
        "UPDATE status_lists SET used = $3, bits = $4, signed = $5, issued_at = $6, expires_at = $7 \
         WHERE issuer_code = $1 AND list_id = $2",
    )
    .bind(&l.issuer_code)
    .bind(l.list_id)
    .bind(l.used)
    .bind(&l.bits)
    .bind(&l.signed)
    .bind(l.issued_at)
    .bind(l.expires_at)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Replace a list's signed form (a periodic re-signing) unless its bits changed since `version`
/// was read; false when they did.
pub async fn resign_status_list(db: &Db, l: &StatusListRow) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE status_lists SET signed = $4, issued_at = $5, expires_at = $6 \
         WHERE issuer_code = $1 AND list_id = $2 AND version = $3",
    )
    .bind(&l.issuer_code)
    .bind(l.list_id)
    .bind(l.version)
    .bind(&l.signed)
    .bind(l.issued_at)
    .bind(l.expires_at)
    .execute(db.pool())
    .await?;
    Ok(r.rows_affected() > 0)
}

/// Claim entry `idx` of a list for a licence; false when the entry (or the licence) is taken.
pub async fn insert_status_entry(tx: &mut Tx, issuer: &str, list: i64, idx: i64, licence_id: &str) -> Result<bool> {
    let r = sqlx::query(
        "INSERT INTO status_entries (issuer_code, list_id, idx, licence_id) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
    )
    .bind(issuer)
    .bind(list)
    .bind(idx)
    .bind(licence_id)
    .execute(tx.conn())
    .await?;
    Ok(r.rows_affected() > 0)
}

/// Every status list.
pub async fn status_lists(db: &Db) -> Result<Vec<StatusListRow>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {STATUS_COLS} FROM status_lists ORDER BY issuer_code, list_id"
    )))
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(status_row).collect()
}

/// One status list.
pub async fn status_list(db: &Db, issuer: &str, list: i64) -> Result<Option<StatusListRow>> {
    let r = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {STATUS_COLS} FROM status_lists WHERE issuer_code = $1 AND list_id = $2"
    )))
    .bind(issuer)
    .bind(list)
    .fetch_optional(db.pool())
    .await?;
    r.as_ref().map(status_row).transpose()
}

/// Record a credential made for a holder's device.
pub async fn insert_credential(
    tx: &mut Tx,
    serial: &str,
    licence_id: &str,
    holder_code: &str,
    device_key: &str,
    created: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO credentials (serial, licence_id, holder_code, device_key, created) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(serial)
    .bind(licence_id)
    .bind(holder_code)
    .bind(device_key)
    .bind(created)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// The licence and holder of a credential.
pub async fn credential_owner(db: &Db, serial: &str) -> Result<Option<(String, String)>> {
    let r = sqlx::query("SELECT licence_id, holder_code FROM credentials WHERE serial = $1")
        .bind(serial)
        .fetch_optional(db.pool())
        .await?;
    Ok(match r {
        Some(r) => Some((get!(r, "licence_id"), get!(r, "holder_code"))),
        None => None,
    })
}

/// An officer's profile: whom a reader certificate names and what it may request.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct OfficerProfile {
    /// The officer client's principal.
    pub principal: String,
    /// The officer's name.
    pub name: String,
    /// The department's USCC.
    pub department_code: String,
    /// The department's name.
    pub department_name: String,
    /// The enforcement area (an administrative division code).
    pub area_code: String,
    /// Licence type code → the fields the officer may request.
    pub entitlements: std::collections::BTreeMap<String, Vec<String>>,
}

/// Set an officer's profile.
pub async fn put_officer_profile(tx: &mut Tx, p: &OfficerProfile, now: i64) -> Result<()> {
    let ents = serde_json::to_string(&p.entitlements).map_err(|e| crate::Error::Corrupt(e.to_string()))?;
    sqlx::query("DELETE FROM officer_profiles WHERE principal = $1").bind(&p.principal).execute(tx.conn()).await?;
    sqlx::query(
        "INSERT INTO officer_profiles (principal, name, department_code, department_name, area_code, entitlements, updated) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&p.principal)
    .bind(&p.name)
    .bind(&p.department_code)
    .bind(&p.department_name)
    .bind(&p.area_code)
    .bind(ents)
    .bind(now)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// An officer's profile.
pub async fn officer_profile(db: &Db, principal: &str) -> Result<Option<OfficerProfile>> {
    let r = sqlx::query(
        "SELECT principal, name, department_code, department_name, area_code, entitlements FROM officer_profiles \
         WHERE principal = $1",
    )
    .bind(principal)
    .fetch_optional(db.pool())
    .await?;
    let Some(r) = r else { return Ok(None) };
    let ents: String = get!(r, "entitlements");
    Ok(Some(OfficerProfile {
        principal: get!(r, "principal"),
        name: get!(r, "name"),
        department_code: get!(r, "department_code"),
        department_name: get!(r, "department_name"),
        area_code: get!(r, "area_code"),
        entitlements: serde_json::from_str(&ents).map_err(|e| crate::Error::Corrupt(e.to_string()))?,
    }))
}

/// A reader certificate given to an officer's device key.
#[derive(Debug, Clone)]
pub struct ReaderRow {
    /// Serial (hex).
    pub serial: String,
    /// The officer's principal.
    pub principal: String,
    /// The device key (hex, compressed SEC1).
    pub device_key: String,
    /// Valid until (Unix seconds).
    pub not_after: i64,
    /// Revoked at (Unix seconds).
    pub revoked_at: Option<i64>,
}

/// Revoke a reader certificate; false when there is none by that serial or it was revoked already.
pub async fn revoke_reader(tx: &mut Tx, serial: &str, now: i64) -> Result<bool> {
    let n = sqlx::query("UPDATE readers SET revoked_at = $1 WHERE serial = $2 AND revoked_at IS NULL")
        .bind(now)
        .bind(serial)
        .execute(tx.conn())
        .await?
        .rows_affected();
    Ok(n == 1)
}

/// The serials of revoked reader certificates that have not expired yet (at `now`), sorted.
pub async fn revoked_readers(db: &Db, now: i64) -> Result<Vec<String>> {
    let rows =
        sqlx::query("SELECT serial FROM readers WHERE revoked_at IS NOT NULL AND not_after >= $1 ORDER BY serial")
            .bind(now)
            .fetch_all(db.pool())
            .await?;
    rows.iter().map(|r| Ok(get!(r, "serial"))).collect()
}

/// Record a reader certificate.
pub async fn insert_reader(tx: &mut Tx, r: &ReaderRow, certificate: &[u8], now: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO readers (serial, principal, device_key, certificate, not_after, created) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&r.serial)
    .bind(&r.principal)
    .bind(&r.device_key)
    .bind(certificate)
    .bind(r.not_after)
    .bind(now)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// A reader certificate by serial.
pub async fn reader(db: &Db, serial: &str) -> Result<Option<ReaderRow>> {
    let r = sqlx::query("SELECT serial, principal, device_key, not_after, revoked_at FROM readers WHERE serial = $1")
        .bind(serial)
        .fetch_optional(db.pool())
        .await?;
    Ok(match r {
        Some(r) => Some(ReaderRow {
            serial: get!(r, "serial"),
            principal: get!(r, "principal"),
            device_key: get!(r, "device_key"),
            not_after: get!(r, "not_after"),
            revoked_at: get!(r, "revoked_at"),
        }),
        None => None,
    })
}

/// Store an offline check record; false when its id is already stored (a replay).
pub async fn insert_present_record(
    tx: &mut Tx,
    id: &str,
    reader_serial: &str,
    credential_serial: &str,
    checked_at: i64,
    now: i64,
) -> Result<bool> {
    let n = sqlx::query(
        "INSERT INTO present_records (id, reader_serial, credential_serial, checked_at, received) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING",
    )
    .bind(id)
    .bind(reader_serial)
    .bind(credential_serial)
    .bind(checked_at)
    .bind(now)
    .execute(tx.conn())
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// The credential's licence and holder (in a transaction).
pub async fn credential_owner_tx(tx: &mut Tx, serial: &str) -> Result<Option<(String, String)>> {
    let r = sqlx::query("SELECT licence_id, holder_code FROM credentials WHERE serial = $1")
        .bind(serial)
        .fetch_optional(tx.conn())
        .await?;
    Ok(match r {
        Some(r) => Some((get!(r, "licence_id"), get!(r, "holder_code"))),
        None => None,
    })
}
