//! The transparency log's tables (see `yinxin-tlog` for the rules): entries waiting to be
//! sequenced, sequenced entries, the hash tiles of the Merkle tree, signed checkpoints.
//!
//! - [`enqueue`] writes an entry in the caller's transaction, so an action (a licence issued,
//!   revoked) and its log entry commit together or not at all.
//! - [`sequence`] moves waiting entries into the tree, one transaction a batch: it takes the
//!   head row (so concurrent sequencers on several nodes queue there), reads the partial tiles
//!   the batch extends, lets `yinxin-tlog` compute the new tiles and root, asks the caller to
//!   sign the checkpoint, and writes entries, tiles, checkpoint and head.
//! - Reads for serving: [`tile`] (a hash tile at the width a tree size gives it), [`bundle`]
//!   (an entry bundle), [`latest_checkpoint`], [`entries_for`] (a subject's entries).
//!
//! A tile is kept once per coordinate at its widest: a partial tile is a prefix of the tile it
//! grows into, so every width ever served is a prefix of the stored row.

use crate::objects::ObjectStore;
use crate::{Db, Error, Result, Tx, now_ts};
use sqlx::Row;
use yinxin_tlog::checkpoint::Checkpoint;
use yinxin_tlog::tile::{self, EntryBundle, Tile, TileId, TileSet};
use yinxin_tlog::{Hasher, Sm3};

/// Entries sequenced in one batch, at most.
pub const MAX_BATCH: i64 = 1024;

/// Entries a single INSERT statement writes (4 parameters each: within SQLite's and
/// PostgreSQL's parameter limits).
const INSERT_ROWS: usize = 256;

/// An entry waiting to be sequenced.
#[derive(Debug, Clone)]
pub struct NewEntry {
    /// What it is about (a licence identifier, a seal code), for lookups.
    pub subject: String,
    /// The entry's kind code (`yinxin_tlog::entry::EntryKind`).
    pub kind: u8,
    /// The canonical encoding.
    pub bytes: Vec<u8>,
}

/// A sequenced entry.
#[derive(Debug, Clone)]
pub struct Sequenced {
    /// Its index in the log.
    pub index: u64,
    /// Its kind code.
    pub kind: u8,
    /// The canonical encoding.
    pub bytes: Vec<u8>,
}

/// What one batch did.
#[derive(Debug, Clone)]
pub struct Batch {
    /// The tree size before.
    pub old_size: u64,
    /// The tree size after.
    pub size: u64,
    /// The signed checkpoint of the new size (note bytes).
    pub checkpoint: Vec<u8>,
}

/// A signed checkpoint as stored.
#[derive(Debug, Clone)]
pub struct StoredCheckpoint {
    /// The tree size.
    pub size: u64,
    /// The signed note.
    pub note: String,
    /// When it was signed (Unix seconds).
    pub at: i64,
}

fn log_err(e: yinxin_tlog::Error) -> Error {
    Error::Config(format!("transparency log: {e}"))
}

fn u64_of(v: i64) -> Result<u64> {
    u64::try_from(v).map_err(|_| Error::Config("transparency log: a negative index in the database".into()))
}

fn i64_of(v: u64) -> Result<i64> {
    i64::try_from(v).map_err(|_| Error::Config("transparency log: an index beyond 2^63".into()))
}

/// Queue an entry in the caller's transaction.
pub async fn enqueue(tx: &mut Tx, e: &NewEntry) -> Result<()> {
    sqlx::query("INSERT INTO tlog_pending (subject, kind, entry) VALUES ($1, $2, $3)")
        .bind(&e.subject)
        .bind(i64::from(e.kind))
        .bind(&e.bytes)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Whether entries are waiting.
pub async fn pending(db: &Db) -> Result<i64> {
    let r = sqlx::query("SELECT COUNT(*) AS n FROM tlog_pending").fetch_one(db.pool()).await?;
    Ok(r.try_get("n")?)
}

/// How many entries about `subject` wait to be sequenced.
pub async fn pending_for(db: &Db, subject: &str) -> Result<i64> {
    let r = sqlx::query("SELECT COUNT(*) AS n FROM tlog_pending WHERE subject = $1")
        .bind(subject)
        .fetch_one(db.pool())
        .await?;
    Ok(r.try_get("n")?)
}

/// Sequence up to [`MAX_BATCH`] waiting entries: one transaction with the entries, the tiles
/// they change, the new head and a checkpoint signed by `sign` (which gets the unsigned
/// checkpoint of `origin` and returns the signed note). With nothing waiting, writes only the
/// checkpoint of the empty tree if there is no checkpoint yet; returns None when it wrote
/// nothing.
pub async fn sequence<F>(db: &Db, origin: &str, sign: F) -> Result<Option<Batch>>
where
    F: FnOnce(&Checkpoint) -> core::result::Result<Vec<u8>, String>,
{
    let mut tx = db.begin().await?;
    // Taking the head first locks it (PostgreSQL) before anything is read, so two sequencers
    // never extend the same tree size.
    let row = sqlx::query("UPDATE tlog_head SET size = size WHERE id = 1 RETURNING size").fetch_one(tx.conn()).await?;
    let old_size = u64_of(row.try_get("size")?)?;
    let waiting = sqlx::query("SELECT id, subject, kind, entry FROM tlog_pending ORDER BY id LIMIT $1")
        .bind(MAX_BATCH)
        .fetch_all(tx.conn())
        .await?;
    if waiting.is_empty() {
        let any = sqlx::query("SELECT size FROM tlog_checkpoints WHERE size = $1")
            .bind(i64_of(old_size)?)
            .fetch_optional(tx.conn())
            .await?;
        if any.is_some() {
            return Ok(None);
        }
    }
    // The partial tiles of every level: the right edge the batch extends.
    let mut old = TileSet::<Sm3>::new(old_size);
    for id in tile::tiles_for_append(old_size) {
        let hashes = read_tile(&mut tx, id).await?.ok_or_else(|| Error::Corrupt(format!("log tile {}", id.path())))?;
        old.insert(hashes).map_err(log_err)?;
    }
    let mut entries = Vec::with_capacity(waiting.len());
    let mut leaves = Vec::with_capacity(waiting.len());
    let mut taken = Vec::with_capacity(waiting.len());
    for r in &waiting {
        taken.push(r.try_get::<i64, _>("id")?);
        let subject: String = r.try_get("subject")?;
        let kind: i64 = r.try_get("kind")?;
        let bytes: Vec<u8> = r.try_get("entry")?;
        leaves.push(Sm3::hash_leaf(&bytes));
        entries.push((subject, kind, bytes));
    }
    let batch = tile::tiles_after_append::<Sm3>(&old, old_size, &leaves).map_err(log_err)?;
    let checkpoint = Checkpoint::new(origin, batch.size, batch.root);
    let note = sign(&checkpoint).map_err(|e| Error::Config(format!("signing the log checkpoint: {e}")))?;
    let note_text =
        String::from_utf8(note.clone()).map_err(|_| Error::Config("a checkpoint note is not UTF-8".into()))?;
    // Many rows a statement: one round trip for up to INSERT_ROWS entries.
    for (c, chunk) in entries.chunks(INSERT_ROWS).enumerate() {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| format!("(${}, ${}, ${}, ${})", 4 * i + 1, 4 * i + 2, 4 * i + 3, 4 * i + 4))
            .collect();
        let sql = format!("INSERT INTO tlog_entries (idx, subject, kind, entry) VALUES {}", values.join(", "));
        // Only placeholders are formatted into the statement; the values are bound.
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (i, (subject, kind, bytes)) in chunk.iter().enumerate() {
            q = q.bind(i64_of(old_size + (c * INSERT_ROWS + i) as u64)?).bind(subject).bind(kind).bind(bytes);
        }
        q.execute(tx.conn()).await?;
    }
    for t in &batch.tiles {
        write_tile(&mut tx, t).await?;
    }
    // Delete exactly the rows taken, never a range: on PostgreSQL an action's transaction that
    // got a lower id may commit after the SELECT above; a range would delete its entry unlogged.
    for chunk in taken.chunks(INSERT_ROWS) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!("DELETE FROM tlog_pending WHERE id IN ({})", marks.join(", "));
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in chunk {
            q = q.bind(id);
        }
        q.execute(tx.conn()).await?;
    }
    sqlx::query("UPDATE tlog_head SET size = $1 WHERE id = 1").bind(i64_of(batch.size)?).execute(tx.conn()).await?;
    sqlx::query("INSERT INTO tlog_checkpoints (size, note, at) VALUES ($1, $2, $3)")
        .bind(i64_of(batch.size)?)
        .bind(&note_text)
        .bind(now_ts())
        .execute(tx.conn())
        .await?;
    tx.commit().await?;
    Ok(Some(Batch { old_size, size: batch.size, checkpoint: note }))
}

async fn read_tile(tx: &mut Tx, id: TileId) -> Result<Option<Tile>> {
    let r = sqlx::query("SELECT width, hashes FROM tlog_tiles WHERE level = $1 AND idx = $2")
        .bind(i64::from(id.level))
        .bind(i64_of(id.index)?)
        .fetch_optional(tx.conn())
        .await?;
    r.map(|r| tile_at(id, &r)).transpose().map(Option::flatten)
}

/// The stored row cut to the width `id` asks for; None when the row is narrower.
fn tile_at(id: TileId, r: &sqlx::any::AnyRow) -> Result<Option<Tile>> {
    let width: i64 = r.try_get("width")?;
    let hashes: Vec<u8> = r.try_get("hashes")?;
    if width < i64::from(id.width) {
        return Ok(None);
    }
    let full = TileId { width: width as u16, ..id };
    let t = Tile::from_bytes(full, &hashes).map_err(log_err)?;
    Ok(Some(t.prefix(id.width).map_err(log_err)?))
}

async fn write_tile(tx: &mut Tx, t: &Tile) -> Result<()> {
    let id = t.id();
    sqlx::query("DELETE FROM tlog_tiles WHERE level = $1 AND idx = $2")
        .bind(i64::from(id.level))
        .bind(i64_of(id.index)?)
        .execute(tx.conn())
        .await?;
    sqlx::query("INSERT INTO tlog_tiles (level, idx, width, hashes) VALUES ($1, $2, $3, $4)")
        .bind(i64::from(id.level))
        .bind(i64_of(id.index)?)
        .bind(i64::from(id.width))
        .bind(t.to_bytes())
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// The hash tile `id` (its width as asked): None when the log has not grown that far.
pub async fn tile(db: &Db, id: TileId) -> Result<Option<Tile>> {
    let r = sqlx::query("SELECT width, hashes FROM tlog_tiles WHERE level = $1 AND idx = $2")
        .bind(i64::from(id.level))
        .bind(i64_of(id.index)?)
        .fetch_optional(db.pool())
        .await?;
    r.map(|r| tile_at(id, &r)).transpose().map(Option::flatten)
}

/// The tiles of a tree of `size` leaves that `ids` name, as a set to read proofs from.
pub async fn tile_set(db: &Db, size: u64, ids: &[TileId]) -> Result<TileSet<Sm3>> {
    let mut set = TileSet::<Sm3>::new(size);
    for id in ids {
        let t = tile(db, *id).await?.ok_or_else(|| Error::NotFound(format!("log tile {}", id.path())))?;
        set.insert(t).map_err(log_err)?;
    }
    Ok(set)
}

/// The entry bundle `index` with `width` entries: None when the log has not grown that far.
pub async fn bundle(db: &Db, index: u64, width: u16) -> Result<Option<EntryBundle>> {
    let first = index.checked_mul(tile::TILE_WIDTH).ok_or_else(|| Error::NotFound("log bundle".into()))?;
    let rows = sqlx::query("SELECT entry FROM tlog_entries WHERE idx >= $1 AND idx < $2 ORDER BY idx")
        .bind(i64_of(first)?)
        .bind(i64_of(first + u64::from(width))?)
        .fetch_all(db.pool())
        .await?;
    if rows.len() != usize::from(width) {
        return Ok(None);
    }
    let entries = rows.iter().map(|r| r.try_get::<Vec<u8>, _>("entry")).collect::<core::result::Result<_, _>>()?;
    Ok(Some(EntryBundle::new(entries).map_err(log_err)?))
}

fn stored_checkpoint(r: &sqlx::any::AnyRow) -> Result<StoredCheckpoint> {
    Ok(StoredCheckpoint { size: u64_of(r.try_get("size")?)?, note: r.try_get("note")?, at: r.try_get("at")? })
}

/// The newest signed checkpoint.
pub async fn latest_checkpoint(db: &Db) -> Result<Option<StoredCheckpoint>> {
    let r = sqlx::query("SELECT size, note, at FROM tlog_checkpoints ORDER BY size DESC LIMIT 1")
        .fetch_optional(db.pool())
        .await?;
    r.as_ref().map(stored_checkpoint).transpose()
}

/// Every sequenced entry about `subject`, in log order.
pub async fn entries_for(db: &Db, subject: &str) -> Result<Vec<Sequenced>> {
    let rows = sqlx::query("SELECT idx, kind, entry FROM tlog_entries WHERE subject = $1 ORDER BY idx")
        .bind(subject)
        .fetch_all(db.pool())
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Sequenced {
                index: u64_of(r.try_get("idx")?)?,
                kind: u8::try_from(r.try_get::<i64, _>("kind")?).unwrap_or(0),
                bytes: r.try_get("entry")?,
            })
        })
        .collect()
}

/// The checkpoint last published with its witnesses' cosignatures.
pub async fn published(db: &Db) -> Result<Option<StoredCheckpoint>> {
    let r = sqlx::query("SELECT size, note, at FROM tlog_published WHERE id = 1").fetch_optional(db.pool()).await?;
    r.as_ref().map(stored_checkpoint).transpose()
}

/// Record `note` (a checkpoint of `size` with its cosignatures) as the one published. A
/// smaller size than the one recorded is ignored: what was published stays published.
pub async fn set_published(db: &Db, size: u64, note: &str) -> Result<()> {
    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO tlog_published (id, size, note, at) VALUES (1, $1, $2, $3) \
         ON CONFLICT (id) DO UPDATE SET size = excluded.size, note = excluded.note, at = excluded.at \
         WHERE tlog_published.size <= excluded.size",
    )
    .bind(i64_of(size)?)
    .bind(note)
    .bind(now_ts())
    .execute(tx.conn())
    .await?;
    tx.commit().await
}

/// Copy the log from size `from` to the tree of `checkpoint` (of `size` leaves, which must be
/// sequenced here) into `objects`, laid out as C2SP `tlog-tiles` under the log's prefix:
/// `tile/<L>/<N>[.p/<W>]`, `tile/entries/<N>[.p/<W>]`, then `checkpoint` last, so a reader
/// of the mirror never finds a checkpoint whose tiles are missing. Full tiles never change
/// (a static server may cache them for ever); partial tiles are written at their new width
/// beside the narrower ones, which stay valid for the smaller trees.
pub async fn mirror(db: &Db, objects: &dyn ObjectStore, from: u64, size: u64, checkpoint: &[u8]) -> Result<()> {
    for id in tile::tiles_between(from, size) {
        let t = tile(db, id).await?.ok_or_else(|| Error::NotFound(format!("log tile {}", id.path())))?;
        objects.put(&id.path(), &t.to_bytes()).await?;
    }
    for id in tile::bundles_between(from, size) {
        let b = bundle(db, id.index, id.width).await?.ok_or_else(|| Error::NotFound(format!("log {}", id.path())))?;
        objects.put(&id.path(), &b.to_bytes()).await?;
    }
    objects.put("checkpoint", checkpoint).await
}
