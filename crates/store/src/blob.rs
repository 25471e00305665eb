//! The document store: bytes kept by their SM3 digest, so identical bytes are stored once and a
//! read proves the bytes are those that were stored.

use crate::{Error, Result};
use std::path::{Path, PathBuf};
use std::time::SystemTime;
use yinxin_gm::sm3::sm3;

/// Bytes written aside before their digest is known (see [`BlobStore::stage`]).
#[derive(Debug)]
pub enum Staged {
    /// Kept in memory: placed with an ordinary put.
    Memory(Vec<u8>),
    /// Written durably to this file of the store, renamed into place.
    File(PathBuf),
}

/// A content-addressed store. The local directory is the default; an S3-compatible object store
/// implements the same four calls (put is idempotent by construction: the key is the digest).
#[async_trait::async_trait]
pub trait BlobStore: Send + Sync {
    /// Store bytes; returns their SM3 digest (hex). Storing the same bytes again is a no-op.
    async fn put(&self, bytes: &[u8]) -> Result<String>;
    /// Store bytes whose SM3 (hex) the caller has just computed, without hashing them again.
    /// The default hashes anyway and refuses a wrong digest.
    async fn put_digested(&self, digest: &str, bytes: &[u8]) -> Result<()> {
        let d = self.put(bytes).await?;
        if d != digest {
            return Err(Error::Corrupt(format!("{digest} (the bytes given hash to {d})")));
        }
        Ok(())
    }
    /// Start storing bytes whose digest is still being computed, so that writing them overlaps
    /// the hashing; [`BlobStore::place`] puts them under their digest, [`BlobStore::discard`]
    /// drops them. The default keeps them in memory.
    async fn stage(&self, bytes: Vec<u8>) -> Result<Staged> {
        Ok(Staged::Memory(bytes))
    }
    /// Put staged bytes under `digest` (their SM3, computed by the caller).
    async fn place(&self, staged: Staged, digest: &str) -> Result<()> {
        match staged {
            Staged::Memory(b) => self.put_digested(digest, &b).await,
            Staged::File(p) => Err(Error::Io(std::io::Error::other(format!("{} was not staged here", p.display())))),
        }
    }
    /// Drop staged bytes.
    async fn discard(&self, _staged: Staged) -> Result<()> {
        Ok(())
    }
    /// Read bytes by digest, verifying them.
    async fn get(&self, digest: &str) -> Result<Vec<u8>>;
    /// Whether the stored blob `digest` holds exactly `bytes` (a byte comparison: no hashing).
    async fn same_bytes(&self, digest: &str, bytes: &[u8]) -> Result<bool>;
    /// Delete a blob (absent is fine).
    async fn delete(&self, digest: &str) -> Result<()>;
    /// Every stored digest with its modification time.
    async fn list(&self) -> Result<Vec<(String, SystemTime)>>;
}

/// Blobs in a local directory: `DIR/ab/abcdef…` (the digest's first two hex digits fan out),
/// written to a temporary file, fsynced and renamed into place.
pub struct LocalBlobs {
    dir: PathBuf,
}

fn valid_digest(d: &str) -> bool {
    d.len() == 64 && d.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl LocalBlobs {
    /// A store under `dir` (created). Staged files older than an hour (left by a crash between
    /// staging and placing) are removed.
    pub fn open(dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir.join("tmp"))?;
        let hour = std::time::Duration::from_secs(3600);
        for e in std::fs::read_dir(dir.join("tmp"))?.flatten() {
            let old =
                e.metadata().and_then(|m| m.modified()).ok().and_then(|t| t.elapsed().ok()).is_some_and(|a| a > hour);
            if old && e.file_name().to_string_lossy().starts_with("stage-") {
                let _ = std::fs::remove_file(e.path());
            }
        }
        Ok(Self { dir: dir.to_path_buf() })
    }

    fn path(&self, digest: &str) -> Result<PathBuf> {
        if !valid_digest(digest) {
            return Err(Error::NotFound(format!("document {digest:?}")));
        }
        Ok(self.dir.join(&digest[..2]).join(digest))
    }
}

#[async_trait::async_trait]
impl BlobStore for LocalBlobs {
    async fn put(&self, bytes: &[u8]) -> Result<String> {
        let digest = sm3(bytes).to_hex();
        self.put_digested(&digest, bytes).await?;
        Ok(digest)
    }

    async fn put_digested(&self, digest: &str, bytes: &[u8]) -> Result<()> {
        let path = self.path(digest)?;
        if tokio::fs::try_exists(&path).await? {
            return Ok(());
        }
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let tmp = self.dir.join("tmp").join(format!("{digest}.{}", std::process::id()));
        let bytes = bytes.to_vec();
        tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            use std::io::Write;
            std::fs::create_dir_all(&dir)?;
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(&bytes)?;
            f.sync_all()?;
            std::fs::rename(&tmp, &path)?;
            std::fs::File::open(&dir)?.sync_all()
        })
        .await
        .map_err(|e| Error::Io(std::io::Error::other(e)))??;
        Ok(())
    }

    async fn stage(&self, bytes: Vec<u8>) -> Result<Staged> {
        let mut r = [0u8; 12];
        yinxin_gm::default_provider()
            .fill_random(&mut r)
            .map_err(|e| Error::Io(std::io::Error::other(e.to_string())))?;
        let tmp = self.dir.join("tmp").join(format!("stage-{}", hex::encode(r)));
        let t = tmp.clone();
        tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            use std::io::Write;
            let mut f = std::fs::File::create(&t)?;
            f.write_all(&bytes)?;
            f.sync_all()
        })
        .await
        .map_err(|e| Error::Io(std::io::Error::other(e)))??;
        Ok(Staged::File(tmp))
    }

    async fn place(&self, staged: Staged, digest: &str) -> Result<()> {
        let tmp = match staged {
            Staged::Memory(b) => return self.put_digested(digest, &b).await,
            Staged::File(p) => p,
        };
        let path = self.path(digest)?;
        if tokio::fs::try_exists(&path).await? {
            let _ = tokio::fs::remove_file(&tmp).await;
            return Ok(());
        }
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            std::fs::create_dir_all(&dir)?;
            std::fs::rename(&tmp, &path)?;
            std::fs::File::open(&dir)?.sync_all()
        })
        .await
        .map_err(|e| Error::Io(std::io::Error::other(e)))??;
        Ok(())
    }

    async fn discard(&self, staged: Staged) -> Result<()> {
        if let Staged::File(p) = staged {
            let _ = tokio::fs::remove_file(p).await;
        }
        Ok(())
    }

    async fn get(&self, digest: &str) -> Result<Vec<u8>> {
        let path = self.path(digest)?;
        let want = digest.to_string();
        // The read and its digest check in one trip to the blocking pool (SM3 of a large
        // document is milliseconds, too long for an async worker).
        let read = tokio::task::spawn_blocking(move || -> std::io::Result<(Vec<u8>, bool)> {
            let bytes = std::fs::read(&path)?;
            let intact = sm3(&bytes).to_hex() == want;
            Ok((bytes, intact))
        })
        .await
        .map_err(std::io::Error::other)?;
        match read {
            Ok((bytes, true)) => Ok(bytes),
            Ok((_, false)) => Err(Error::Corrupt(digest.to_string())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Error::NotFound(format!("document {digest}"))),
            Err(e) => Err(e.into()),
        }
    }

    async fn same_bytes(&self, digest: &str, bytes: &[u8]) -> Result<bool> {
        let path = self.path(digest)?;
        let len = bytes.len() as u64;
        // Size first, then the stored bytes, in one trip to the blocking pool.
        let stored = tokio::task::spawn_blocking(move || -> std::io::Result<Option<Vec<u8>>> {
            match std::fs::metadata(&path) {
                Ok(m) if m.len() == len => std::fs::read(&path).map(Some),
                Ok(_) => Ok(None),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(e),
            }
        })
        .await
        .map_err(std::io::Error::other)??;
        Ok(stored.is_some_and(|s| s == bytes))
    }

    async fn delete(&self, digest: &str) -> Result<()> {
        match tokio::fs::remove_file(self.path(digest)?).await {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
            _ => Ok(()),
        }
    }

    async fn list(&self) -> Result<Vec<(String, SystemTime)>> {
        let dir = self.dir.clone();
        tokio::task::spawn_blocking(move || -> std::io::Result<Vec<(String, SystemTime)>> {
            let mut out = Vec::new();
            for fan in std::fs::read_dir(&dir)? {
                let fan = fan?;
                if fan.file_name() == "tmp" || !fan.file_type()?.is_dir() {
                    continue;
                }
                for f in std::fs::read_dir(fan.path())? {
                    let f = f?;
                    let name = f.file_name().to_string_lossy().into_owned();
                    if valid_digest(&name) {
                        out.push((name, f.metadata()?.modified()?));
                    }
                }
            }
            Ok(out)
        })
        .await
        .map_err(|e| Error::Io(std::io::Error::other(e)))?
        .map_err(Error::Io)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn stores_once_and_verifies_reads() {
        let d = tempfile::tempdir().unwrap();
        let s = LocalBlobs::open(d.path()).unwrap();
        let a = s.put(b"hello").await.unwrap();
        assert_eq!(a, s.put(b"hello").await.unwrap());
        assert_eq!(s.list().await.unwrap().len(), 1);
        assert_eq!(s.get(&a).await.unwrap(), b"hello");
        assert!(s.same_bytes(&a, b"hello").await.unwrap());
        assert!(!s.same_bytes(&a, b"hellO").await.unwrap());
        std::fs::write(d.path().join(&a[..2]).join(&a), b"hellO").unwrap();
        assert!(matches!(s.get(&a).await, Err(Error::Corrupt(_))));
        assert!(matches!(s.get("../../etc/passwd").await, Err(Error::NotFound(_))));
        s.delete(&a).await.unwrap();
        assert!(matches!(s.get(&a).await, Err(Error::NotFound(_))));
    }

    #[tokio::test]
    async fn staged_bytes_are_placed_under_their_digest_or_discarded() {
        let d = tempfile::tempdir().unwrap();
        let s = LocalBlobs::open(d.path()).unwrap();
        let staged = s.stage(b"staged".to_vec()).await.unwrap();
        let digest = sm3(b"staged").to_hex();
        assert!(s.list().await.unwrap().is_empty(), "staged bytes are not in the store yet");
        s.place(staged, &digest).await.unwrap();
        assert_eq!(s.get(&digest).await.unwrap(), b"staged");
        // Placing the same bytes again keeps the stored ones and leaves nothing aside.
        let again = s.stage(b"staged".to_vec()).await.unwrap();
        s.place(again, &digest).await.unwrap();
        let gone = s.stage(b"rejected".to_vec()).await.unwrap();
        s.discard(gone).await.unwrap();
        assert_eq!(s.list().await.unwrap().len(), 1);
        assert_eq!(std::fs::read_dir(d.path().join("tmp")).unwrap().count(), 0, "nothing left aside");
    }
}
