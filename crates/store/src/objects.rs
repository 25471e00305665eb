//! Objects by name: what a static web server or an object store (S3 and the like) serves as
//! files. The transparency log mirrors its tiles, entry bundles and checkpoint here
//! ([`crate::tlog::mirror`]), so that anyone can serve them without running yinxin.
//!
//! The local directory is the implementation here; an S3-compatible store implements the
//! same two calls (a PUT and a GET of a key). Keys are relative paths of ASCII letters,
//! digits, `.`, `_`, `-` and `/`; no empty segment, no `.` or `..` segment.

use crate::{Error, Result};
use std::path::{Path, PathBuf};

/// A store of objects by key.
#[async_trait::async_trait]
pub trait ObjectStore: Send + Sync {
    /// Write `bytes` under `key`, replacing what was there. A reader sees the old object or
    /// the new one, never a part.
    async fn put(&self, key: &str, bytes: &[u8]) -> Result<()>;
    /// The object under `key`, None when there is none.
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>>;
    /// Where the objects are, for messages.
    fn describe(&self) -> String;
}

/// Whether `key` is a key this module accepts (see the module docs).
pub fn valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 1024
        && key.split('/').all(|seg| {
            !seg.is_empty()
                && seg != "."
                && seg != ".."
                && seg.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        })
}

/// Objects as files under a directory (`DIR/<key>`), each written to a temporary file in
/// the same directory, flushed and renamed into place.
pub struct LocalDir {
    dir: PathBuf,
}

impl LocalDir {
    /// The store under `dir` (created).
    pub fn open(dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir)?;
        Ok(Self { dir: dir.to_path_buf() })
    }

    fn path(&self, key: &str) -> Result<PathBuf> {
        if !valid_key(key) {
            return Err(Error::Config(format!("object key {key:?}: not a relative path of plain segments")));
        }
        Ok(self.dir.join(key))
    }
}

#[async_trait::async_trait]
impl ObjectStore for LocalDir {
    async fn put(&self, key: &str, bytes: &[u8]) -> Result<()> {
        let path = self.path(key)?;
        let bytes = bytes.to_vec();
        tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            use std::io::Write;
            let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
            std::fs::create_dir_all(&dir)?;
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(&bytes)?;
            f.sync_all()?;
            std::fs::rename(&tmp, &path)
        })
        .await
        .map_err(|e| Error::Io(std::io::Error::other(e)))??;
        Ok(())
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        match tokio::fs::read(self.path(key)?).await {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    fn describe(&self) -> String {
        self.dir.display().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_plain_relative_paths() {
        for ok in ["checkpoint", "tile/0/x001/234", "tile/entries/000.p/17"] {
            assert!(valid_key(ok), "{ok}");
        }
        for bad in ["", "/etc/passwd", "../x", "a/../b", "a//b", "a/./b", "a/", "tile/0 1", "a\\b", "é"] {
            assert!(!valid_key(bad), "{bad}");
        }
    }

    #[tokio::test]
    async fn a_put_replaces_and_a_get_reads() {
        let d = tempfile::tempdir().unwrap();
        let s = LocalDir::open(d.path()).unwrap();
        assert_eq!(s.get("tile/0/000.p/3").await.unwrap(), None);
        s.put("tile/0/000.p/3", b"one").await.unwrap();
        s.put("tile/0/000.p/3", b"two").await.unwrap();
        assert_eq!(s.get("tile/0/000.p/3").await.unwrap().as_deref(), Some(&b"two"[..]));
        assert!(s.put("../escape", b"x").await.is_err());
        // No temporary file is left beside the object.
        let names: Vec<_> = std::fs::read_dir(d.path().join("tile/0/000.p")).unwrap().flatten().collect();
        assert_eq!(names.len(), 1);
    }
}
