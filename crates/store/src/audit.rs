//! The audit log: every issue, revocation, seal action, lookup and verification, append-only and
//! hash-chained with SM3. Entry n's hash is SM3(hash of entry n−1 ‖ the entry's canonical JSON);
//! the head (last sequence number and hash) is one row that every append updates inside the
//! caller's transaction, so an action and its entry commit together or not at all, and
//! concurrent appends (many nodes on PostgreSQL) queue on that row.

use crate::{Result, Tx};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use yinxin_gm::sm3::Sm3Hasher;

/// The hash before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What is recorded.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Entry {
    /// Position in the chain, from 1.
    pub seq: i64,
    /// When (Unix seconds).
    pub at: i64,
    /// The client (its id) or `system`.
    pub actor: String,
    /// The client's role.
    pub role: String,
    /// What was done (`licence.issue`, `licence.revoke`, `lookup`, `verify`, …).
    pub action: String,
    /// What it was done to (an identifier, a seal id, a digest).
    pub subject: String,
    /// Whose licence it concerns, so that the holder can see it (用证记录).
    pub holder_code: Option<String>,
    /// Details (a JSON object as text: use-cause, reason, outcome).
    pub detail: String,
}

/// An entry with its place in the chain.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Chained {
    /// The entry.
    #[serde(flatten)]
    pub entry: Entry,
    /// The previous entry's hash.
    pub prev_hash: String,
    /// This entry's hash.
    pub hash: String,
}

/// The hash of `entry` after `prev`.
pub fn chain_hash(prev: &str, entry: &Entry) -> String {
    let json = serde_json::to_vec(entry).unwrap_or_default();
    let mut h = Sm3Hasher::new();
    h.update(prev.as_bytes()).update(b"\n").update(&json);
    h.finalize().to_hex()
}

/// Append an entry (its `seq` is assigned here) in the caller's transaction. Returns the entry
/// as chained.
pub async fn append(tx: &mut Tx, entry: Entry) -> Result<Chained> {
    let mut chained = append_many(tx, vec![entry]).await?;
    Ok(chained.pop().expect("one entry in, one out"))
}

/// Rows per INSERT statement: 10 bound values a row keeps a statement well inside SQLite's and
/// PostgreSQL's limits on parameters, and few distinct statement shapes reach the cache.
const ROWS_PER_INSERT: usize = 32;

/// Append entries, in order, in the caller's transaction: the head is read and advanced once, the
/// rows go in multi-row INSERTs, so a group commit of n entries costs a handful of statements, not
/// 4n. Returns the entries as chained.
pub async fn append_many(tx: &mut Tx, entries: Vec<Entry>) -> Result<Vec<Chained>> {
    if entries.is_empty() {
        return Ok(Vec::new());
    }
    let n = entries.len() as i64;
    // Advancing the sequence first takes the head row's lock (PostgreSQL) or the write lock
    // (SQLite) before the previous hash is read, so concurrent appenders queue here.
    let row = sqlx::query("UPDATE audit_head SET seq = seq + $1 WHERE id = 1 RETURNING seq, hash")
        .bind(n)
        .fetch_one(tx.conn())
        .await?;
    let last: i64 = row.try_get("seq")?;
    let mut prev: String = row.try_get("hash")?;
    let mut chained = Vec::with_capacity(entries.len());
    for (i, mut entry) in entries.into_iter().enumerate() {
        entry.seq = last - n + 1 + i as i64;
        let hash = chain_hash(&prev, &entry);
        chained.push(Chained { entry, prev_hash: std::mem::replace(&mut prev, hash.clone()), hash });
    }
    for rows in chained.chunks(ROWS_PER_INSERT) {
        let values = (0..rows.len())
            .map(|r| {
                let b = r * 10;
                format!(
                    "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})",
                    b + 1,
                    b + 2,
                    b + 3,
                    b + 4,
                    b + 5,
                    b + 6,
                    b + 7,
                    b + 8,
                    b + 9,
                    b + 10
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!("INSERT INTO audit_log ({COLS}) VALUES {values}");
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for c in rows {
            let e = &c.entry;
            q = q
                .bind(e.seq)
                .bind(e.at)
                .bind(&e.actor)
                .bind(&e.role)
                .bind(&e.action)
                .bind(&e.subject)
                .bind(&e.holder_code)
                .bind(&e.detail)
                .bind(&c.prev_hash)
                .bind(&c.hash);
        }
        q.execute(tx.conn()).await?;
    }
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1").bind(&prev).execute(tx.conn()).await?;
    Ok(chained)
}

fn from_row(r: &sqlx::any::AnyRow) -> Result<Chained> {
    Ok(Chained {
        entry: Entry {
            seq: r.try_get("seq")?,
            at: r.try_get("at")?,
            actor: r.try_get("actor")?,
            role: r.try_get("role")?,
            action: r.try_get("action")?,
            subject: r.try_get("subject")?,
            holder_code: r.try_get("holder_code")?,
            detail: r.try_get("detail")?,
        },
        prev_hash: r.try_get("prev_hash")?,
        hash: r.try_get("hash")?,
    })
}

const COLS: &str = "seq, at, actor, role, action, subject, holder_code, detail, prev_hash, hash";

/// Every entry about `subject` (a transaction, a licence), in chain order.
pub async fn for_subject(db: &crate::Db, subject: &str) -> Result<Vec<Chained>> {
    let rows =
        sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLS} FROM audit_log WHERE subject = $1 ORDER BY seq")))
            .bind(subject)
            .fetch_all(db.pool())
            .await?;
    rows.iter().map(from_row).collect()
}

/// Entries after `after`, at most `limit`, optionally only those concerning `holder`.
pub async fn list(db: &crate::Db, after: i64, limit: i64, holder: Option<&str>) -> Result<Vec<Chained>> {
    let rows = match holder {
        Some(h) => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {COLS} FROM audit_log WHERE seq > $1 AND holder_code = $2 ORDER BY seq LIMIT $3"
            )))
            .bind(after)
            .bind(h)
            .bind(limit)
            .fetch_all(db.pool())
            .await?
        }
        None => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {COLS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2"
            )))
            .bind(after)
            .bind(limit)
            .fetch_all(db.pool())
            .await?
        }
    };
    rows.iter().map(from_row).collect()
}

/// The head: last sequence number and hash.
pub async fn head(db: &crate::Db) -> Result<(i64, String)> {
    let row = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1").fetch_one(db.pool()).await?;
    Ok((row.try_get("seq")?, row.try_get("hash")?))
}

/// The result of checking the chain.
#[derive(Debug, Clone, Serialize)]
pub struct ChainCheck {
    /// Whether every entry links and hashes correctly and the head matches.
    pub ok: bool,
    /// Entries checked.
    pub entries: i64,
    /// The head's sequence number and hash.
    pub head_seq: i64,
    /// The head's hash.
    pub head_hash: String,
    /// The first problem found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

/// Recompute the whole chain from the first entry.
pub async fn verify_chain(db: &crate::Db) -> Result<ChainCheck> {
    let (head_seq, head_hash) = head(db).await?;
    let mut prev = GENESIS.to_string();
    let mut expected_seq = 1i64;
    let mut problem = None;
    let mut after = 0i64;
    'outer: loop {
        let batch = list(db, after, 1000, None).await?;
        if batch.is_empty() {
            break;
        }
        for c in &batch {
            if c.entry.seq != expected_seq {
                problem = Some(format!("entry {} is missing (found {} next)", expected_seq, c.entry.seq));
                break 'outer;
            }
            if c.prev_hash != prev {
                problem = Some(format!("entry {} does not link to entry {}", c.entry.seq, c.entry.seq - 1));
                break 'outer;
            }
            if chain_hash(&prev, &c.entry) != c.hash {
                problem = Some(format!("entry {} was altered: its hash does not match its content", c.entry.seq));
                break 'outer;
            }
            prev = c.hash.clone();
            expected_seq += 1;
            after = c.entry.seq;
        }
    }
    if problem.is_none() && (expected_seq - 1 != head_seq || prev != head_hash) {
        problem = Some(format!(
            "the head (entry {head_seq}) does not match the last entry ({}): entries were removed or added",
            expected_seq - 1
        ));
    }
    Ok(ChainCheck { ok: problem.is_none(), entries: expected_seq - 1, head_seq, head_hash, problem })
}

/// A signed checkpoint of the head.
#[derive(Debug, Clone, Serialize)]
pub struct Checkpoint {
    /// The head's sequence number.
    pub seq: i64,
    /// Its hash.
    pub hash: String,
    /// When signed.
    pub at: i64,
    /// The signed text.
    pub payload: String,
    /// SM2 signature over the payload (DER, base64).
    pub signature: String,
    /// An RFC 3161 time-stamp token over the payload (DER, base64).
    pub time_stamp: Option<String>,
}

/// Store a checkpoint (ignored when one exists for that sequence number).
pub async fn save_checkpoint(db: &crate::Db, c: &Checkpoint) -> Result<()> {
    let mut tx = db.begin().await?;
    let exists = sqlx::query("SELECT seq FROM audit_checkpoints WHERE seq = $1")
        .bind(c.seq)
        .fetch_optional(tx.conn())
        .await?
        .is_some();
    if !exists {
        sqlx::query(
            "INSERT INTO audit_checkpoints (seq, hash, at, payload, signature, time_stamp) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(c.seq)
        .bind(&c.hash)
        .bind(c.at)
        .bind(&c.payload)
        .bind(&c.signature)
        .bind(&c.time_stamp)
        .execute(tx.conn())
        .await?;
    }
    tx.commit().await
}

/// Checkpoints, newest first.
pub async fn checkpoints(db: &crate::Db, limit: i64) -> Result<Vec<Checkpoint>> {
    let rows = sqlx::query(
        "SELECT seq, hash, at, payload, signature, time_stamp FROM audit_checkpoints ORDER BY seq DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Checkpoint {
                seq: r.try_get("seq")?,
                hash: r.try_get("hash")?,
                at: r.try_get("at")?,
                payload: r.try_get("payload")?,
                signature: r.try_get("signature")?,
                time_stamp: r.try_get("time_stamp")?,
            })
        })
        .collect()
}

/// The hash of entry `seq` (for checking a checkpoint against the chain).
pub async fn hash_at(db: &crate::Db, seq: i64) -> Result<Option<String>> {
    let row = sqlx::query("SELECT hash FROM audit_log WHERE seq = $1").bind(seq).fetch_optional(db.pool()).await?;
    Ok(match row {
        Some(r) => Some(r.try_get("hash")?),
        None => None,
    })
}
