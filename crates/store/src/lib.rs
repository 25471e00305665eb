//! yinxin-store: where the service keeps its state.
//!
//! - [`Db`]: one sqlx pool over SQLite (the embedded default, a file under the data directory)
//!   or PostgreSQL (many stateless nodes), with the migrations of `migrations/` applied on
//!   start. Queries are written once with `$n` placeholders, which both databases accept.
//! - [`blob`]: documents in a content-addressed store (SM3), local directory by default, behind a
//!   trait an S3-compatible store can implement.
//! - [`audit`]: the append-only, hash-chained audit log and its checks.
//! - [`idem`]: idempotency keys.
//! - [`repo`]: the rows of licences, seals, signers, consents, materials and clients.
//! - [`tlog`]: the transparency log: waiting and sequenced entries, hash tiles, checkpoints.
//!
//! It knows nothing of HTTP.
#![forbid(unsafe_code)]

pub mod audit;
pub mod blob;
mod db;
pub mod envelopes;
pub mod idem;
pub mod objects;
pub mod repo;
pub mod tlog;

pub use db::{Backend, Db, Tx, now_ms, now_ts};

/// What can go wrong in storage.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The database.
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    /// Migrations.
    #[error("migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The document store.
    #[error("document store: {0}")]
    Io(#[from] std::io::Error),
    /// Stored bytes no longer match their digest.
    #[error("document {0} is corrupt: its bytes no longer match their SM3 digest")]
    Corrupt(String),
    /// Not found.
    #[error("{0} not found")]
    NotFound(String),
    /// A configuration problem.
    #[error("{0}")]
    Config(String),
    /// A row changed since it was read (optimistic concurrency): read again.
    #[error("conflict: {0}")]
    Conflict(String),
}

/// Storage result.
pub type Result<T> = core::result::Result<T, Error>;

/// Whether an error is a unique-constraint violation (a concurrent create of the same thing).
pub fn is_unique_violation(e: &Error) -> bool {
    match e {
        Error::Db(sqlx::Error::Database(d)) => d.is_unique_violation(),
        _ => false,
    }
}
