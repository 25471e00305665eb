//! The transparency log's tables on SQLite and PostgreSQL: batches of every shape (empty, one
//! entry, across tile boundaries, more than a batch waiting) give the tree that an in-memory
//! tree of the same entries gives; stored tiles serve inclusion proofs at every size a
//! checkpoint was signed for; entry bundles read back as written.

use sqlx::Connection;
use yinxin_store::Db;
use yinxin_store::tlog::{self, NewEntry};
use yinxin_tlog::checkpoint::Checkpoint;
use yinxin_tlog::proof::{inclusion_nodes, inclusion_proof, verify_inclusion};
use yinxin_tlog::tile::{tiles_for, with_ancestors};
use yinxin_tlog::tree::{MemoryTree, root_nodes};
use yinxin_tlog::{Hasher, Sm3};

fn entry(i: usize) -> NewEntry {
    NewEntry { subject: format!("lic-{}", i % 7), kind: 1, bytes: format!("entry {i}").into_bytes() }
}

/// A stand-in signer: the checkpoint's text (the store does not verify notes).
fn unsigned(cp: &Checkpoint) -> Result<Vec<u8>, String> {
    cp.to_text().map(String::into_bytes).map_err(|e| e.to_string())
}

async fn create_pg() -> (String, Db) {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = format!("yinxin_tlog_test_{}_{}_{n}", std::process::id(), yinxin_store::now_ms());
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

async fn batches_make_the_memory_tree(db: &Db) {
    // Nothing waiting on a new log: the empty tree's checkpoint, once.
    let b = tlog::sequence(db, "yinxin.test/log", unsigned).await.unwrap().expect("the empty checkpoint");
    assert_eq!((b.old_size, b.size), (0, 0));
    assert!(tlog::sequence(db, "yinxin.test/log", unsigned).await.unwrap().is_none());

    let mut memory = MemoryTree::<Sm3>::new();
    let mut next = 0usize;
    for size in [1usize, 2, 253, 1, 300, 1100] {
        let mut tx = db.begin().await.unwrap();
        for i in next..next + size {
            tlog::enqueue(&mut tx, &entry(i)).await.unwrap();
            memory.append_entry(&entry(i).bytes).unwrap();
        }
        tx.commit().await.unwrap();
        next += size;
        // More than a batch waiting takes several batches.
        while tlog::pending(db).await.unwrap() > 0 {
            tlog::sequence(db, "yinxin.test/log", unsigned).await.unwrap().unwrap();
        }
        let cp = tlog::latest_checkpoint(db).await.unwrap().unwrap();
        assert_eq!(cp.size, next as u64);
        let parsed = Checkpoint::parse_text(&cp.note).unwrap();
        assert_eq!(parsed.root, memory.root(), "root at size {next}");

        // The root and an inclusion proof for a few leaves, from stored tiles only.
        let n = next as u64;
        for index in [0, n / 2, n - 1] {
            let mut nodes = root_nodes(n);
            nodes.extend_from_slice(inclusion_nodes(index, n).unwrap().ids());
            let ids = with_ancestors(&tiles_for(&nodes, n).unwrap(), n);
            let set = tlog::tile_set(db, n, &ids).await.unwrap();
            set.verify(&parsed.root).unwrap();
            let proof = inclusion_proof::<Sm3>(&set, index, n).unwrap();
            let leaf = Sm3::hash_leaf(&entry(index as usize).bytes);
            verify_inclusion::<Sm3>(&leaf, index, n, &proof, &parsed.root).unwrap();
        }
    }
    // Bundles: a full one and the partial last one.
    let full = tlog::bundle(db, 0, 256).await.unwrap().unwrap();
    assert_eq!(full.entries()[255], entry(255).bytes);
    let last = next as u64 / 256;
    let width = (next % 256) as u16;
    let partial = tlog::bundle(db, last, width).await.unwrap().unwrap();
    assert_eq!(partial.entries().last().unwrap(), &entry(next - 1).bytes);
    assert!(tlog::bundle(db, last, width + 1).await.unwrap().is_none());
    // Lookups by subject, in log order.
    let mine = tlog::entries_for(db, "lic-3").await.unwrap();
    assert_eq!(mine.first().unwrap().index, 3);
    assert!(mine.windows(2).all(|w| w[0].index + 7 == w[1].index));
}

#[tokio::test]
async fn batches_make_the_memory_tree_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::connect(&format!("sqlite://{}", dir.path().join("t.db").display()), 4).await.unwrap();
    batches_make_the_memory_tree(&db).await;
    published_only_grows(&db).await;
}

#[tokio::test]
async fn batches_make_the_memory_tree_on_postgres() {
    let (name, db) = create_pg().await;
    batches_make_the_memory_tree(&db).await;
    published_only_grows(&db).await;
    drop_pg(&name, db).await;
}

/// The published checkpoint is recorded, replaced by a larger one, never by a smaller one.
async fn published_only_grows(db: &Db) {
    assert!(tlog::published(db).await.unwrap().is_none());
    tlog::set_published(db, 5, "five").await.unwrap();
    tlog::set_published(db, 3, "three").await.unwrap();
    assert_eq!(tlog::published(db).await.unwrap().map(|p| (p.size, p.note)), Some((5, "five".into())));
    tlog::set_published(db, 7, "seven").await.unwrap();
    assert_eq!(tlog::published(db).await.unwrap().map(|p| (p.size, p.note)), Some((7, "seven".into())));
}

/// PostgreSQL: an action's transaction that drew a lower queue id commits while a batch is
/// being made (between its read of the queue and its delete). Its entry stays queued and goes
/// into the next batch; a batch deletes only the rows it took.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_entry_committed_during_a_batch_is_not_lost_on_postgres() {
    let (name, db) = create_pg().await;
    let url = format!("postgres://postgres@127.0.0.1:5432/{name}");
    sqlx::query("SELECT setval('tlog_pending_id_seq', 100)").execute(db.pool()).await.unwrap();
    let mut tx = db.begin().await.unwrap();
    tlog::enqueue(&mut tx, &entry(0)).await.unwrap();
    tx.commit().await.unwrap();
    // The late commit, made from the signing step (which runs after the queue was read and
    // before the taken rows are deleted), on a connection of its own.
    let late = |cp: &Checkpoint| {
        std::thread::scope(|s| {
            s.spawn(|| {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                rt.block_on(async {
                    let mut c = sqlx::PgConnection::connect(&url).await.unwrap();
                    sqlx::query("INSERT INTO tlog_pending (id, subject, kind, entry) VALUES (50, 'late', 1, $1)")
                        .bind(b"late entry".to_vec())
                        .execute(&mut c)
                        .await
                        .unwrap();
                });
            })
            .join()
            .unwrap()
        });
        unsigned(cp)
    };
    let b = tlog::sequence(&db, "yinxin.test/log", late).await.unwrap().unwrap();
    assert_eq!((b.old_size, b.size), (0, 1));
    assert_eq!(tlog::pending(&db).await.unwrap(), 1, "the late entry is still queued");
    let b = tlog::sequence(&db, "yinxin.test/log", unsigned).await.unwrap().unwrap();
    assert_eq!((b.old_size, b.size), (1, 2));
    assert_eq!(tlog::entries_for(&db, "late").await.unwrap().len(), 1);
    assert_eq!(tlog::pending(&db).await.unwrap(), 0);
    drop_pg(&name, db).await;
}
