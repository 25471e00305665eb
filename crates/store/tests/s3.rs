//! The S3 document store against a real S3 server: `s3s-fs` (crates.io), which checks SigV4 and
//! keeps each object as a plain file, so a test can corrupt one on disk and stop the server to
//! see what the service sees when its store is down. `tests/run.sh` installs it.

use std::path::PathBuf;
use yinxin_gm::sm3::sm3;
use yinxin_store::Error;
use yinxin_store::blob::BlobStore;
use yinxin_store::blob_s3::testing::{BUCKET, S3sFs};
use yinxin_store::blob_s3::{MULTIPART_THRESHOLD, S3Blobs, S3Config};

fn store(s3: &S3sFs) -> S3Blobs {
    S3Blobs::from_config(&s3.config()).unwrap()
}

/// Where s3s-fs keeps the object of `digest` (prefix `documents`).
fn object_file(s3: &S3sFs, digest: &str) -> PathBuf {
    s3.root().join(BUCKET).join("documents").join(&digest[..2]).join(digest)
}

/// Bytes that do not repeat in any short period (a multipart upload that put a part in the wrong
/// place would not read back the same).
fn pattern(len: usize) -> Vec<u8> {
    let mut x: u32 = 0x9e37_79b9;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

#[tokio::test]
async fn stores_once_reads_back_and_deletes() {
    let s3 = S3sFs::start();
    let s = store(&s3);
    let a = s.put(b"hello").await.unwrap();
    assert_eq!(a, sm3(b"hello").to_hex());
    assert_eq!(s.get(&a).await.unwrap(), b"hello");
    assert_eq!(std::fs::read(object_file(&s3, &a)).unwrap(), b"hello", "the key fans out under the prefix");
    // Idempotent: the same bytes again are the same object.
    assert_eq!(s.put(b"hello").await.unwrap(), a);
    let b = s.put(b"world").await.unwrap();
    let mut listed: Vec<String> = s.list().await.unwrap().into_iter().map(|(d, _)| d).collect();
    listed.sort();
    let mut want = vec![a.clone(), b.clone()];
    want.sort();
    assert_eq!(listed, want);
    for (_, modified) in s.list().await.unwrap() {
        let age = std::time::SystemTime::now().duration_since(modified).unwrap_or_default();
        assert!(age.as_secs() < 300, "last-modified is the put's time, not {modified:?}");
    }

    assert!(s.same_bytes(&a, b"hello").await.unwrap());
    assert!(!s.same_bytes(&a, b"hellO").await.unwrap(), "same size, other bytes");
    assert!(!s.same_bytes(&a, b"hello!").await.unwrap(), "another size");
    assert!(!s.same_bytes(&sm3(b"absent").to_hex(), b"absent").await.unwrap());

    s.delete(&a).await.unwrap();
    assert!(matches!(s.get(&a).await, Err(Error::NotFound(_))));
    s.delete(&a).await.unwrap();
    assert_eq!(s.list().await.unwrap().len(), 1);
    assert!(matches!(s.get("../../etc/passwd").await, Err(Error::NotFound(_))));
}

#[tokio::test]
async fn a_wrong_digest_is_refused_and_nothing_is_stored() {
    let s3 = S3sFs::start();
    let s = store(&s3);
    let wrong = sm3(b"other bytes").to_hex();
    assert!(matches!(s.put_digested(&wrong, b"these bytes").await, Err(Error::Corrupt(_))));
    assert!(s.list().await.unwrap().is_empty());
    let right = sm3(b"these bytes").to_hex();
    s.put_digested(&right, b"these bytes").await.unwrap();
    assert_eq!(s.get(&right).await.unwrap(), b"these bytes");
    // Staged bytes (kept in memory by the default) are placed under their digest.
    let staged = s.stage(b"staged".to_vec()).await.unwrap();
    s.place(staged, &sm3(b"staged").to_hex()).await.unwrap();
    assert_eq!(s.list().await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_large_document_goes_up_in_parts_and_reads_back() {
    let s3 = S3sFs::start();
    let s = store(&s3);
    let big = pattern(20 << 20);
    assert!(big.len() > MULTIPART_THRESHOLD);
    let d = s.put(&big).await.unwrap();
    assert_eq!(d, sm3(&big).to_hex());
    let back = s.get(&d).await.unwrap();
    assert!(back == big, "20 MiB read back differ");
    // It went up in three parts: s3s-fs gives a completed multipart upload S3's ETag, the MD5 of
    // the parts' MD5s suffixed `-3`, kept beside the object; no part is left over.
    assert_eq!(std::fs::metadata(object_file(&s3, &d)).unwrap().len(), big.len() as u64);
    let beside: Vec<(String, String)> = std::fs::read_dir(s3.root())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read_to_string(&p).unwrap()))
        .collect();
    assert!(beside.iter().any(|(n, text)| n.ends_with(".internal.json") && text.contains("-3\"")), "{beside:?}");
    assert!(!beside.iter().any(|(n, _)| n.starts_with(".upload_id-")), "{beside:?}");
    assert!(s.same_bytes(&d, &big).await.unwrap());
    // The same large bytes again: still one object.
    s.put(&big).await.unwrap();
    assert_eq!(s.list().await.unwrap().len(), 1);
}

#[tokio::test]
async fn bytes_corrupted_in_the_store_are_reported() {
    let s3 = S3sFs::start();
    let s = store(&s3);
    let d = s.put(b"a licence's bytes").await.unwrap();
    std::fs::write(object_file(&s3, &d), b"a licence's bytez").unwrap();
    assert!(matches!(s.get(&d).await, Err(Error::Corrupt(x)) if x == d));
}

#[tokio::test]
async fn a_store_that_is_down_is_unavailable_then_comes_back_with_everything() {
    let mut s3 = S3sFs::start();
    let s = store(&s3);
    let mut kept = Vec::new();
    for i in 0..5 {
        kept.push(s.put(format!("document {i}").as_bytes()).await.unwrap());
    }
    s.probe().await.unwrap();

    s3.stop();
    // The bounded timeouts and retries make this seconds, not minutes; a hang would fail the
    // test by its harness' timeout.
    let put = s.put(b"written while the store is down").await;
    assert!(matches!(&put, Err(Error::Unavailable(m)) if m.contains("127.0.0.1")), "{put:?}");
    assert!(put.unwrap_err().is_transient());
    let get = s.get(&kept[0]).await;
    assert!(matches!(&get, Err(Error::Unavailable(_))), "{get:?}");
    assert!(get.unwrap_err().is_transient());
    assert!(matches!(s.list().await, Err(Error::Unavailable(_))));
    assert!(matches!(s.same_bytes(&kept[0], b"document 0").await, Err(Error::Unavailable(_))));
    assert!(matches!(s.delete(&kept[0]).await, Err(Error::Unavailable(_))));
    assert!(matches!(s.probe().await, Err(Error::Unavailable(_))));

    s3.restart();
    s.probe().await.unwrap();
    for (i, d) in kept.iter().enumerate() {
        assert_eq!(s.get(d).await.unwrap(), format!("document {i}").as_bytes());
    }
    assert_eq!(s.list().await.unwrap().len(), kept.len(), "nothing was written while it was down");
}

#[tokio::test]
async fn a_store_that_accepts_but_never_answers_is_unavailable_not_a_hang() {
    // A listener that takes connections (the kernel completes them) and never reads or writes.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", silent.local_addr().unwrap());
    let config = S3Config {
        endpoint,
        bucket: "b".into(),
        access_key: "a".into(),
        secret_key: "s".into(),
        ..S3Config::default()
    };
    let s = S3Blobs::from_config(&config).unwrap();
    let put = s.put(b"hello").await;
    assert!(matches!(&put, Err(Error::Unavailable(_))), "{put:?}");
    drop(silent);
}

#[tokio::test]
async fn a_wrong_secret_key_is_a_configuration_error_not_a_transient_one() {
    let s3 = S3sFs::start();
    let wrong = S3Config { secret_key: "not-the-secret-key".into(), ..s3.config() };
    let s = S3Blobs::from_config(&wrong).unwrap();
    let put = s.put(b"hello").await;
    assert!(matches!(&put, Err(Error::Config(m)) if m.contains("refuses the access key")), "{put:?}");
    assert!(!put.unwrap_err().is_transient());
    let e = s.probe().await.unwrap_err();
    assert!(!e.is_transient(), "{e:?}");
    assert!(store(&s3).list().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_missing_bucket_is_a_configuration_error() {
    let s3 = S3sFs::start();
    let s = S3Blobs::from_config(&S3Config { bucket: "no-such-bucket".into(), ..s3.config() }).unwrap();
    // (s3s-fs, unlike S3, makes the bucket's directory on a put: a list is asked first.)
    let list = s.list().await;
    assert!(matches!(&list, Err(Error::Config(m)) if m.contains("bucket does not exist")), "{list:?}");
}
