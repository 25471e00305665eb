//! The audit chain's group append (`append_many`) on SQLite and PostgreSQL: it yields exactly
//! the chain that one-by-one appends of the same entries yield, across multi-row INSERT
//! boundaries, under concurrent committers, and a rolled-back batch leaves no trace.

use sqlx::Connection;
use yinxin_store::Db;
use yinxin_store::audit::{self, Entry};

fn entry(i: usize) -> Entry {
    Entry {
        seq: 0,
        at: 1_790_000_000 + i as i64,
        actor: format!("client-{}", i % 3),
        role: "officer".into(),
        action: "verify".into(),
        subject: format!("sm3:{i:064x}"),
        holder_code: i.is_multiple_of(2).then(|| format!("91530100MA6K0X{i:04}")),
        detail: format!("{{\"n\":{i},\"quote\":\"'; DROP TABLE audit_log; --\"}}"),
    }
}

async fn sqlite(dir: &tempfile::TempDir, name: &str) -> Db {
    Db::connect(&format!("sqlite://{}", dir.path().join(name).display()), 4).await.unwrap()
}

/// A fresh PostgreSQL database (dropped by [`drop_pg`]).
async fn create_pg() -> (String, Db) {
    let name = format!("yinxin_store_test_{}_{}", std::process::id(), yinxin_store::now_ms());
    let mut c = sqlx::PgConnection::connect("postgres://postgres@127.0.0.1:5432/postgres")
        .await
        .expect("PostgreSQL on 127.0.0.1:5432 (start it with pg_ctlcluster)");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut c).await.unwrap();
    let db = Db::connect(&format!("postgres://postgres@127.0.0.1:5432/{name}"), 8).await.unwrap();
    (name, db)
}

async fn drop_pg(name: &str, db: Db) {
    db.close().await;
    let mut c = sqlx::PgConnection::connect("postgres://postgres@127.0.0.1:5432/postgres").await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
        .execute(&mut c)
        .await
        .unwrap();
}

/// Entries 0..n: one by one into `single`, in batches of the given sizes into `grouped`.
async fn same_chain_either_way(single: &Db, grouped: &Db, sizes: &[usize]) {
    let n: usize = sizes.iter().sum();
    for i in 0..n {
        let mut tx = single.begin().await.unwrap();
        let c = audit::append(&mut tx, entry(i)).await.unwrap();
        assert_eq!(c.entry.seq, i as i64 + 1);
        tx.commit().await.unwrap();
    }
    let mut start = 0;
    for &size in sizes {
        let mut tx = grouped.begin().await.unwrap();
        let chained = audit::append_many(&mut tx, (start..start + size).map(entry).collect()).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(chained.len(), size);
        for (k, c) in chained.iter().enumerate() {
            assert_eq!(c.entry.seq, (start + k) as i64 + 1, "sequence numbers follow submission order");
            assert_eq!(c.entry.subject, entry(start + k).subject);
        }
        start += size;
    }
    let a = audit::list(single, 0, 1000, None).await.unwrap();
    let b = audit::list(grouped, 0, 1000, None).await.unwrap();
    assert_eq!(a.len(), n);
    assert_eq!(b.len(), n);
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.entry, y.entry);
        assert_eq!((&x.prev_hash, &x.hash), (&y.prev_hash, &y.hash), "entry {}", x.entry.seq);
    }
    assert_eq!(audit::head(single).await.unwrap(), audit::head(grouped).await.unwrap());
    for db in [single, grouped] {
        let check = audit::verify_chain(db).await.unwrap();
        assert!(check.ok, "{:?}", check.problem);
        assert_eq!(check.entries, n as i64);
    }
}

/// Batches of 0 (nothing happens), 1, one short of, at and past the rows-per-INSERT boundary,
/// and several statements' worth.
const SIZES: &[usize] = &[0, 1, 31, 32, 33, 70, 5, 0, 130];

#[tokio::test]
async fn grouped_appends_make_the_same_chain_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let (single, grouped) = (sqlite(&dir, "single.db").await, sqlite(&dir, "grouped.db").await);
    same_chain_either_way(&single, &grouped, SIZES).await;
}

#[tokio::test]
async fn grouped_appends_make_the_same_chain_on_postgres() {
    let (a, single) = create_pg().await;
    let (b, grouped) = create_pg().await;
    same_chain_either_way(&single, &grouped, SIZES).await;
    drop_pg(&a, single).await;
    drop_pg(&b, grouped).await;
}

/// Committers on many connections at once: every entry lands once, the chain has no gap or fork.
async fn concurrent_batches(db: &Db) {
    let tasks: Vec<_> = (0..8)
        .map(|t| {
            let db = db.clone();
            tokio::spawn(async move {
                for round in 0..12 {
                    let size = 1 + (t * 7 + round * 5) % 40;
                    let mut tx = db.begin().await.unwrap();
                    audit::append_many(&mut tx, (0..size).map(|k| entry(t * 10_000 + round * 100 + k)).collect())
                        .await
                        .unwrap();
                    tx.commit().await.unwrap();
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let want: i64 = (0..8).flat_map(|t| (0..12).map(move |r| 1 + (t * 7 + r * 5) % 40)).sum::<usize>() as i64;
    let check = audit::verify_chain(db).await.unwrap();
    assert!(check.ok, "{:?}", check.problem);
    assert_eq!(check.entries, want);
    // A rolled-back batch takes no sequence numbers and leaves the head as it was.
    let head = audit::head(db).await.unwrap();
    let mut tx = db.begin().await.unwrap();
    audit::append_many(&mut tx, (0..50).map(entry).collect()).await.unwrap();
    drop(tx);
    assert_eq!(audit::head(db).await.unwrap(), head);
    let mut tx = db.begin().await.unwrap();
    assert_eq!(audit::append(&mut tx, entry(1)).await.unwrap().entry.seq, want + 1);
    tx.commit().await.unwrap();
    assert!(audit::verify_chain(db).await.unwrap().ok);
}

#[tokio::test]
async fn concurrent_grouped_appends_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    concurrent_batches(&sqlite(&dir, "c.db").await).await;
}

#[tokio::test]
async fn concurrent_grouped_appends_on_postgres() {
    let (name, db) = create_pg().await;
    concurrent_batches(&db).await;
    drop_pg(&name, db).await;
}
