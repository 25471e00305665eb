//! The transparency log end to end, on SQLite and PostgreSQL: issued licences are in the log
//! when issuance answers; each licence's inclusion proof, rebuilt from tiles fetched over HTTP
//! and checked with yinxin-tlog's verifier, leads to the signed checkpoint; a verification
//! receipt carries the entry's proof; a revocation adds an entry, and the new checkpoint is
//! consistent with the old one (consistency proof from tiles).

mod common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use common::*;
use serde_json::json;
use yinxin_tlog::checkpoint::{CheckpointPolicy, SignedCheckpoint};
use yinxin_tlog::entry::{Entry, EntryKind};
use yinxin_tlog::note::NoteVerifier;
use yinxin_tlog::proof::{
    consistency_nodes, consistency_proof, inclusion_nodes, inclusion_proof, verify_consistency, verify_inclusion,
};
use yinxin_tlog::signature::Sm2NoteVerifier;
use yinxin_tlog::tile::{BundleId, EntryBundle, TileSet, tiles_for, with_ancestors};
use yinxin_tlog::tlog_proof::TlogProof;
use yinxin_tlog::tree::root_nodes;
use yinxin_tlog::{Hasher, Sm3};

/// The checkpoint served now, verified with the log's key.
async fn checkpoint(s: &Server, verifier: &Sm2NoteVerifier) -> SignedCheckpoint {
    let r = s.get("/tlog/checkpoint", None).await;
    assert_eq!(r.status.as_u16(), 200);
    let (cp, _) = SignedCheckpoint::open(&r.bytes, &[verifier as &dyn NoteVerifier]).unwrap();
    cp
}

/// The tiles that hold `nodes` in a tree of `size`, with the tiles above them, fetched over HTTP.
async fn tiles(s: &Server, size: u64, nodes: &[yinxin_tlog::tree::NodeId]) -> TileSet<Sm3> {
    let mut set = TileSet::<Sm3>::new(size);
    for id in with_ancestors(&tiles_for(nodes, size).unwrap(), size) {
        let r = s.get(&format!("/tlog/{}", id.path()), None).await;
        assert_eq!(r.status.as_u16(), 200, "{}", id.path());
        let cache = r.headers.get("cache-control").unwrap().to_str().unwrap();
        assert_eq!(cache.contains("immutable"), id.is_full(), "{}: {cache}", id.path());
        set.insert_bytes(id, &r.bytes).unwrap();
    }
    set
}

async fn licences_are_logged_and_proven(pg: bool) {
    let s = start(pg).await;
    let market = s.market();
    let mut ids = Vec::new();
    for _ in 0..3 {
        let l = s.post("/v1/licences", &market, business(None)).await.ok(201);
        ids.push(l["identifier"].as_str().unwrap().to_string());
    }
    // The log's key, from a proof response; it checks every checkpoint below.
    let first = s.get(&format!("/v1/licences/{}/proof", ids[2]), Some(&market)).await.ok(200);
    let verifier = Sm2NoteVerifier::from_vkey(first["vkey"].as_str().unwrap()).unwrap();
    let policy = CheckpointPolicy {
        origin: verifier.name().to_string(),
        log_keys: vec![Box::new(verifier.clone())],
        witnesses: vec![],
        quorum: 0,
    };

    // Asking for the last one's proof waited for the batch that holds it and those before.
    let cp = checkpoint(&s, &verifier).await;
    let (size, root) = (cp.checkpoint().size, cp.checkpoint().root);
    assert!(size >= 3, "size {size}");
    let set = tiles(&s, size, &root_nodes(size)).await;
    set.verify(&root).unwrap();

    for id in &ids {
        let p = s.get(&format!("/v1/licences/{id}/proof"), Some(&market)).await.ok(200);
        let e = &p["entries"][0];
        assert_eq!(e["kind"], "licence_issued", "{p}");
        let index = e["index"].as_u64().unwrap();
        let bytes = B64.decode(e["entry"].as_str().unwrap()).unwrap();
        let entry = Entry::decode(&bytes).unwrap();
        assert_eq!(entry.kind, EntryKind::LicenceIssued);
        assert_eq!(&entry.subject, id);
        // The entry is in its bundle, fetched over HTTP.
        let bid = BundleId::in_tree(index / 256, size).unwrap();
        let r = s.get(&format!("/tlog/{}", bid.path()), None).await;
        let bundle = EntryBundle::parse(&r.bytes).unwrap();
        assert_eq!(bundle.entries()[(index % 256) as usize], bytes);
        // An inclusion proof built from tiles fetched over HTTP verifies against the checkpoint.
        let mut nodes = root_nodes(size);
        nodes.extend_from_slice(inclusion_nodes(index, size).unwrap().ids());
        let set = tiles(&s, size, &nodes).await;
        set.verify(&root).unwrap();
        let proof = inclusion_proof::<Sm3>(&set, index, size).unwrap();
        verify_inclusion::<Sm3>(&Sm3::hash_leaf(&bytes), index, size, &proof, &root).unwrap();
        // The served tlog-proof verifies offline, and not for another entry.
        let tp = TlogProof::parse(e["tlog_proof"].as_str().unwrap().as_bytes()).unwrap();
        tp.verify::<Sm3>(&bytes, &policy).unwrap();
        let mut changed = bytes.clone();
        let last = changed.len() - 1;
        changed[last] ^= 1;
        assert!(tp.verify::<Sm3>(&changed, &policy).is_err());
    }

    // A verification receipt carries the licence's entry with a proof that verifies offline.
    let v = s.get(&format!("/v1/verify/licences/{}", ids[0]), Some(&s.token("officer"))).await.ok(200);
    let payload: serde_json::Value =
        serde_json::from_slice(&B64.decode(v["receipt"]["payload"].as_str().unwrap()).unwrap()).unwrap();
    let p = s.get(&format!("/v1/licences/{}/proof", ids[0]), Some(&market)).await.ok(200);
    let bytes = B64.decode(p["entries"][0]["entry"].as_str().unwrap()).unwrap();
    assert_eq!(payload["tlog"]["index"], p["entries"][0]["index"], "{payload}");
    let tp = TlogProof::parse(payload["tlog"]["tlog_proof"].as_str().unwrap().as_bytes()).unwrap();
    tp.verify::<Sm3>(&bytes, &policy).unwrap();

    // A revocation adds an entry; the new checkpoint is consistent with the old one.
    s.post(&format!("/v1/licences/{}/revoke", ids[1]), &market, json!({"reason": "吊销：测试"})).await.ok(200);
    let cp2 = checkpoint(&s, &verifier).await;
    let (size2, root2) = (cp2.checkpoint().size, cp2.checkpoint().root);
    assert!(size2 > size);
    let p = s.get(&format!("/v1/licences/{}/proof", ids[1]), Some(&market)).await.ok(200);
    let kinds: Vec<_> = p["entries"].as_array().unwrap().iter().map(|e| e["kind"].clone()).collect();
    assert_eq!(kinds, vec![json!("licence_issued"), json!("licence_revoked")], "{p}");
    let mut nodes = root_nodes(size2);
    nodes.extend_from_slice(consistency_nodes(size, size2).unwrap().ids());
    let set = tiles(&s, size2, &nodes).await;
    set.verify(&root2).unwrap();
    let proof = consistency_proof::<Sm3>(&set, size, size2).unwrap();
    verify_consistency::<Sm3>(size, size2, &root, &root2, &proof).unwrap();

    // A person's signing certificate, issued then cancelled: two entries naming its serial,
    // with the certificate's SM3, in the entry bundle of the checkpoint that follows each.
    let (person, admin) = (s.token("person"), s.token("admin"));
    let sg = s.post("/v1/signers", &person, json!({"name": "张三"})).await.ok(201);
    let gid = sg["id"].as_str().unwrap().to_string();
    let issued = s.post(&format!("/v1/signers/{gid}/issue"), &admin, json!({})).await.ok(200);
    let serial = issued["serial"].as_str().unwrap().to_string();
    s.post(&format!("/v1/signers/{gid}/cancel"), &person, json!({})).await.ok(200);
    let pem = s.get(&format!("/v1/signers/{gid}/certificate"), Some(&admin)).await;
    let cert = yinxin_pki::Cert::from_pem_or_der(&pem.bytes).unwrap();
    let cp3 = checkpoint(&s, &verifier).await;
    let size3 = cp3.checkpoint().size;
    assert_eq!(size3, size2 + 2);
    let mut logged = Vec::new();
    for index in [size2, size2 + 1] {
        let bid = BundleId::in_tree(index / 256, size3).unwrap();
        let r = s.get(&format!("/tlog/{}", bid.path()), None).await;
        let bundle = EntryBundle::parse(&r.bytes).unwrap();
        let set = tiles(&s, size3, &root_nodes(size3)).await;
        let set = {
            let mut all = set;
            for t in tiles(&s, size3, &[yinxin_tlog::tree::NodeId::new(0, index)]).await.tiles() {
                all.insert(t.clone()).unwrap();
            }
            all
        };
        set.verify_bundle(bid, &bundle).unwrap();
        logged.push(Entry::decode(&bundle.entries()[(index % 256) as usize]).unwrap());
    }
    assert_eq!(
        logged.iter().map(|e| e.kind).collect::<Vec<_>>(),
        vec![EntryKind::PersonCertIssued, EntryKind::PersonCertCancelled]
    );
    for e in &logged {
        assert_eq!(e.subject, serial);
        assert_eq!(e.subject_type, "person-signing-certificate");
        assert_eq!(e.digests, vec![(yinxin_tlog::entry::DigestKind::Certificate, cert.sm3())]);
        assert!(!e.issuer.is_empty());
    }

    // Tile paths that are not tiles, or beyond the tree, are 404s.
    assert_eq!(s.get("/tlog/tile/0/x001", None).await.status.as_u16(), 404);
    assert_eq!(s.get("/tlog/tile/5/000", None).await.status.as_u16(), 404);
    assert_eq!(s.get("/tlog/tile/entries/000.p/200", None).await.status.as_u16(), 404);
    // Somebody else's licence: not found, as for the licence itself.
    s.get(&format!("/v1/licences/{}/proof", ids[0]), Some(&s.transport())).await.problem(404, "not_found");
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn licences_are_logged_and_proven_on_sqlite() {
    licences_are_logged_and_proven(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn licences_are_logged_and_proven_on_postgres() {
    licences_are_logged_and_proven(true).await;
}

/// A proof asked for the moment issuance answers is never missing, while other issuances keep
/// batches committing (a proof read once found neither the pending nor the sequenced entry
/// when a batch committed between its two reads).
async fn a_proof_right_after_issuance_is_never_missing(pg: bool) {
    let s = start(pg).await;
    let market = s.market();
    let done = std::sync::atomic::AtomicBool::new(false);
    let background = async {
        while !done.load(std::sync::atomic::Ordering::Relaxed) {
            s.post("/v1/licences", &market, business(None)).await.ok(201);
        }
    };
    let asking = async {
        for _ in 0..25 {
            let l = s.post("/v1/licences", &market, business(None)).await.ok(201);
            let id = l["identifier"].as_str().unwrap();
            let p = s.get(&format!("/v1/licences/{id}/proof"), Some(&market)).await.ok(200);
            assert_eq!(p["entries"].as_array().unwrap().len(), 1, "{p}");
        }
        done.store(true, std::sync::atomic::Ordering::Relaxed);
    };
    tokio::join!(background, asking);
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proof_right_after_issuance_is_never_missing_on_sqlite() {
    a_proof_right_after_issuance_is_never_missing(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proof_right_after_issuance_is_never_missing_on_postgres() {
    a_proof_right_after_issuance_is_never_missing(true).await;
}

/// `tlog_mirror_dir`: the published log as static files, the same bytes the service serves,
/// verified from the files alone; a mirror of another log is refused at start.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_is_mirrored_as_static_files() {
    let dir = tempfile::tempdir().unwrap();
    let www = tempfile::tempdir().unwrap();
    let mirror = www.path().join("tlog");
    let mut cfg = config(dir.path(), None);
    cfg.tlog_mirror_dir = Some(mirror.clone());
    let s = start_with(cfg, dir, None).await;
    let market = s.market();
    let mut last = String::new();
    for _ in 0..3 {
        last = s.post("/v1/licences", &market, business(None)).await.ok(201)["identifier"].as_str().unwrap().into();
    }
    // Issuance does not wait for its batch; a proof does.
    s.get(&format!("/v1/licences/{last}/proof"), Some(&market)).await.ok(200);
    let served = s.get("/tlog/checkpoint", None).await.bytes;
    let cp = SignedCheckpoint::parse_unverified(&served).unwrap();
    let size = cp.checkpoint().size;
    assert!(size >= 3);
    // The mirror follows the batch that answered issuance.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while std::fs::read(mirror.join("checkpoint")).ok().as_deref() != Some(&served[..]) {
        assert!(std::time::Instant::now() < deadline, "the mirror did not reach size {size}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // Every tile and bundle of the tree is there, byte for byte as served, and the files
    // alone verify against the checkpoint.
    let mut set = TileSet::<Sm3>::new(size);
    for id in yinxin_tlog::tile::tiles_between(0, size) {
        let file = std::fs::read(mirror.join(id.path())).unwrap();
        assert_eq!(file, s.get(&format!("/tlog/{}", id.path()), None).await.bytes, "{}", id.path());
        set.insert_bytes(id, &file).unwrap();
    }
    set.verify(&cp.checkpoint().root).unwrap();
    for id in yinxin_tlog::tile::bundles_between(0, size) {
        let file = std::fs::read(mirror.join(id.path())).unwrap();
        assert_eq!(file, s.get(&format!("/tlog/{}", id.path()), None).await.bytes, "{}", id.path());
        set.verify_bundle(id, &EntryBundle::parse(&file).unwrap()).unwrap();
    }
    let origin = cp.checkpoint().origin.clone();
    let db = s.app.db.clone();
    let objects = std::sync::Arc::new(yinxin_store::objects::LocalDir::open(&mirror).unwrap());
    yinxin_server::tlog::Mirror::open(&db, objects.clone(), &origin).await.expect("its own mirror is taken up");
    match yinxin_server::tlog::Mirror::open(&db, objects, "other.example/log").await {
        Err(e) => assert!(e.contains("not other.example/log"), "{e}"),
        Ok(_) => panic!("another log's mirror was taken"),
    }
    s.finish().await;
}

/// `transparency_log = false`: nothing is logged, and the log's routes say so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_log_off_nothing_is_logged() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path(), None);
    cfg.transparency_log = false;
    let s = start_with(cfg, dir, None).await;
    let market = s.market();
    let l = s.post("/v1/licences", &market, business(None)).await.ok(201);
    let id = l["identifier"].as_str().unwrap();
    let r = s.get(&format!("/v1/licences/{id}/proof"), Some(&market)).await;
    r.problem(404, "not_found");
    assert!(r.json()["detail"].as_str().unwrap().contains("off"), "{}", r.json());
    s.get("/tlog/checkpoint", None).await.problem(404, "not_found");
    let v = s.get(&format!("/v1/verify/licences/{id}"), Some(&s.token("officer"))).await.ok(200);
    let payload: serde_json::Value =
        serde_json::from_slice(&B64.decode(v["receipt"]["payload"].as_str().unwrap()).unwrap()).unwrap();
    assert!(payload.get("tlog").is_none_or(|t| t.is_null()), "{payload}");
    assert_eq!(yinxin_store::tlog::pending(&s.app.db).await.unwrap(), 0);
    s.finish().await;
}
