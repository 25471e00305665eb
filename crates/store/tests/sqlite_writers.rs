//! SQLite write transactions under a writer they do not serialise with (another process on the
//! same file, or a pooled connection still rolling back a transaction that a cancelled request
//! dropped): a transaction that reads and then writes must wait for the lock, never fail with
//! "database is locked". Found by `benches/tlog-issuance.sh`: about 1 issuance in 170 failed
//! with HTTP 500 under 8 concurrent connections while transactions began DEFERRED.

use std::time::Duration;
use yinxin_store::Db;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transaction_that_reads_then_writes_waits_for_an_outside_writer() {
    let d = tempfile::tempdir().unwrap();
    let db = Db::connect(&format!("sqlite://{}", d.path().join("w.db").display()), 4).await.unwrap();
    sqlx::query("CREATE TABLE w (k BIGINT PRIMARY KEY, v BIGINT NOT NULL)").execute(db.pool()).await.unwrap();
    sqlx::query("INSERT INTO w (k, v) VALUES (0, 0)").execute(db.pool()).await.unwrap();

    // The outside writer: single autocommit updates on the pool, bypassing `Db::begin`.
    let pool = db.pool().clone();
    let outside = tokio::spawn(async move {
        for _ in 0..200 {
            sqlx::query("UPDATE w SET v = v + 1 WHERE k = 0").execute(&pool).await.expect("outside write");
            tokio::time::sleep(Duration::from_micros(300)).await;
        }
    });
    // Transactions that read first, pause (as a handler does between statements), then write.
    for i in 1..=100i64 {
        let mut tx = db.begin().await.unwrap();
        let v: (i64,) = sqlx::query_as("SELECT v FROM w WHERE k = 0").fetch_one(tx.conn()).await.unwrap();
        tokio::time::sleep(Duration::from_millis(1)).await;
        sqlx::query("INSERT INTO w (k, v) VALUES ($1, $2)")
            .bind(i)
            .bind(v.0)
            .execute(tx.conn())
            .await
            .unwrap_or_else(|e| panic!("transaction {i}: {e}"));
        tx.commit().await.unwrap();
    }
    outside.await.unwrap();
    let n: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM w").fetch_one(db.pool()).await.unwrap();
    assert_eq!(n.0, 101);
}
