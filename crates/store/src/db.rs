use crate::{Error, Result};
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{Any, AnyPool, Transaction};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, OwnedMutexGuard};

/// Which database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite: one file, one machine.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// The database: a pool and, for SQLite, the lock that keeps one writer at a time (SQLite allows
/// one; taking turns in the process avoids SQLITE_BUSY on lock upgrades).
#[derive(Clone)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    writer: Arc<Mutex<()>>,
}

/// A write transaction. For SQLite it holds the writer lock until dropped.
pub struct Tx {
    /// The transaction.
    pub tx: Transaction<'static, Any>,
    _writer: Option<OwnedMutexGuard<()>>,
}

impl Tx {
    /// Commit.
    pub async fn commit(self) -> Result<()> {
        self.tx.commit().await?;
        Ok(())
    }
    /// The connection, for queries.
    pub fn conn(&mut self) -> &mut sqlx::AnyConnection {
        &mut self.tx
    }
}

/// Seconds since the Unix epoch.
pub fn now_ts() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

impl Db {
    /// Connect to `url` (`sqlite://PATH` or `postgres://…`), creating a SQLite file when missing,
    /// and apply the migrations.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self> {
        install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(Error::Config(format!("database URL {url:?}: expected sqlite://PATH or postgres://…")));
        };
        let url = if backend == Backend::Sqlite && !url.contains("mode=") {
            format!("{url}{}mode=rwc", if url.contains('?') { '&' } else { '?' })
        } else {
            url.to_string()
        };
        let mut opts =
            AnyPoolOptions::new().max_connections(max_connections.max(1)).acquire_timeout(Duration::from_secs(30));
        if backend == Backend::Sqlite {
            // A SQLite connection is a file handle in this process: it cannot go stale the way a
            // network connection can, so the ping before each use (a round trip to the
            // connection's worker thread) buys nothing.
            opts = opts.test_before_acquire(false).after_connect(|conn, _| {
                Box::pin(async move {
                    use sqlx::Executor;
                    conn.execute("PRAGMA journal_mode = WAL").await?;
                    conn.execute("PRAGMA synchronous = FULL").await?;
                    conn.execute("PRAGMA busy_timeout = 10000").await?;
                    conn.execute("PRAGMA foreign_keys = ON").await?;
                    Ok(())
                })
            });
        }
        let pool = opts.connect(&url).await?;
        let db = Self { pool, backend, writer: Arc::new(Mutex::new(())) };
        db.migrate().await?;
        Ok(db)
    }

    async fn migrate(&self) -> Result<()> {
        match self.backend {
            Backend::Sqlite => sqlx::migrate!("../../migrations/sqlite").run(&self.pool).await?,
            Backend::Postgres => sqlx::migrate!("../../migrations/postgres").run(&self.pool).await?,
        }
        Ok(())
    }

    /// The pool, for reads.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Which database.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Begin a write transaction.
    pub async fn begin(&self) -> Result<Tx> {
        let (guard, tx) = match self.backend {
            // IMMEDIATE: the write lock is taken at BEGIN, where the busy timeout waits for it.
            // A deferred transaction that reads first and writes later fails at once ("database
            // is locked", SQLITE_BUSY_SNAPSHOT) when another connection committed in between:
            // the in-process mutex does not cover a connection still rolling back a transaction
            // dropped by a cancelled request, nor another process on the same file.
            Backend::Sqlite => {
                let g = self.writer.clone().lock_owned().await;
                (Some(g), self.pool.begin_with("BEGIN IMMEDIATE").await?)
            }
            Backend::Postgres => (None, self.pool.begin().await?),
        };
        Ok(Tx { tx, _writer: guard })
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }

    /// Close the pool.
    pub async fn close(&self) {
        self.pool.close().await
    }
}
