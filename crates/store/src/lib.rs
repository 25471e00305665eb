//! yinxin-store: where the service keeps its state.
//!
//! - [`Db`]: one sqlx pool over SQLite (the embedded default, a file under the data directory)
//!   or PostgreSQL (many stateless nodes), with the migrations of `migrations/` applied on
//!   start. Queries are written once with `$n` placeholders, which both databases accept.
//! - [`blob`]: documents in a content-addressed store (SM3), local directory by default, behind a
//!   trait; [`blob_s3`] implements it over an S3-compatible object store.
//! - [`audit`]: the append-only, hash-chained audit log and its checks.
//! - [`idem`]: idempotency keys.
//! - [`repo`]: the rows of licences, seals, signers, consents, materials and clients.
//! - [`tlog`]: the transparency log: waiting and sequenced entries, hash tiles, checkpoints.
//!
//! It knows nothing of HTTP.
#![forbid(unsafe_code)]

pub mod audit;
pub mod blob;
pub mod blob_s3;
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
    /// A dependency (the object store) cannot be reached or refuses for now: nothing was
    /// written; the same request can be made again later.
    #[error("temporarily unavailable: {0}")]
    Unavailable(String),
}

/// Storage result.
pub type Result<T> = core::result::Result<T, Error>;

impl Error {
    /// Whether the error says a dependency is down for now (the database cannot be reached, its
    /// pool timed out, it is shutting down or restarting; the object store refuses), rather than
    /// that the request or the stored data is wrong: such a request may be retried later.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Unavailable(_) => true,
            Error::Db(e) => db_is_transient(e),
            _ => false,
        }
    }
}

/// Whether a database error is the database being unreachable or restarting (connection refused
/// or reset, pool timed out or closed; PostgreSQL's class 08 connection exceptions and 57P0x
/// shutdown codes), not a query or constraint error.
pub fn db_is_transient(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Tls(_) => true,
        sqlx::Error::Database(d) => {
            d.code().is_some_and(|c| c.starts_with("08") || matches!(c.as_ref(), "57P01" | "57P02" | "57P03"))
        }
        _ => false,
    }
}

/// Whether an error is a unique-constraint violation (a concurrent create of the same thing).
pub fn is_unique_violation(e: &Error) -> bool {
    match e {
        Error::Db(sqlx::Error::Database(d)) => d.is_unique_violation(),
        _ => false,
    }
}
