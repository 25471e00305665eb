//! The OFD zip package, read whole into memory with limits, so that a hostile file cannot
//! exhaust memory (zip bombs) or name paths outside the package.

use crate::{Error, Result};
use std::collections::BTreeMap;
use std::io::Read;

/// Limits on what a package may hold.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Most entries.
    pub max_entries: usize,
    /// Largest single part, uncompressed.
    pub max_part: u64,
    /// Largest total, uncompressed.
    pub max_total: u64,
    /// Largest ratio of uncompressed to compressed size for a part over 1 MiB.
    pub max_ratio: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self { max_entries: 10_000, max_part: 64 << 20, max_total: 512 << 20, max_ratio: 200 }
    }
}

/// An OFD package: its parts by normalised path (no leading `/`).
#[derive(Debug, Clone, Default)]
pub struct Package {
    parts: BTreeMap<String, Vec<u8>>,
}

impl Package {
    /// Read a package with the default limits.
    pub fn read(bytes: &[u8]) -> Result<Self> {
        Self::read_with(bytes, Limits::default())
    }

    /// Read a package with the given limits.
    pub fn read_with(bytes: &[u8], limits: Limits) -> Result<Self> {
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes))
            .map_err(|e| Error::Package(format!("not a zip archive: {e}")))?;
        if z.len() > limits.max_entries {
            return Err(Error::Package(format!("{} entries exceeds the limit of {}", z.len(), limits.max_entries)));
        }
        // The sizes the central directory declares, summed before anything is inflated: a
        // package that would grow beyond the total is refused without reading a part.
        let mut declared = 0u64;
        for i in 0..z.len() {
            let f = z.by_index_raw(i).map_err(|e| Error::Package(e.to_string()))?;
            declared = declared.saturating_add(f.size());
        }
        if declared > limits.max_total {
            return Err(Error::Package(format!(
                "the package declares {declared} bytes uncompressed: it exceeds the total size limit of {}",
                limits.max_total
            )));
        }
        let mut parts = BTreeMap::new();
        let mut total = 0u64;
        for i in 0..z.len() {
            let mut f = z.by_index(i).map_err(|e| Error::Package(e.to_string()))?;
            if f.is_dir() {
                continue;
            }
            let raw_name = f.name().map_err(|e| Error::Package(format!("entry {i}: {e}")))?.into_owned();
            let name = normalise(&raw_name).ok_or_else(|| Error::Package(format!("unsafe path {raw_name:?}")))?;
            let size = f.size();
            if size > limits.max_part {
                return Err(Error::Package(format!("{name}: {size} bytes exceeds the part limit")));
            }
            if size > (1 << 20) && size / f.compressed_size().max(1) > limits.max_ratio {
                return Err(Error::Package(format!("{name}: compression ratio suggests a zip bomb")));
            }
            total += size;
            if total > limits.max_total {
                return Err(Error::Package("package exceeds the total size limit".into()));
            }
            let mut data = Vec::with_capacity(size as usize);
            // Read at most the declared size plus one byte, so a lying header is caught.
            (&mut f).take(size + 1).read_to_end(&mut data).map_err(|e| Error::Package(format!("{name}: {e}")))?;
            if data.len() as u64 != size {
                return Err(Error::Package(format!("{name}: size does not match its header")));
            }
            if parts.insert(name.clone(), data).is_some() {
                return Err(Error::Package(format!("{name}: appears twice")));
            }
        }
        Ok(Self { parts })
    }

    /// A part by path (absolute `/Doc_0/…` or package-relative).
    pub fn get(&self, path: &str) -> Option<&[u8]> {
        self.parts.get(&normalise(path)?).map(Vec::as_slice)
    }

    /// All part names.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.parts.keys().map(String::as_str)
    }

    /// Resolve `loc` as OFD does: a leading `/` is the package root; otherwise relative to the
    /// directory of `base` (the part that holds the reference).
    pub fn resolve(base: &str, loc: &str) -> Option<String> {
        let loc = loc.trim();
        if let Some(abs) = loc.strip_prefix('/') {
            return normalise(abs);
        }
        let dir = normalise(base)?.rsplit_once('/').map(|(d, _)| d.to_string()).unwrap_or_default();
        normalise(&if dir.is_empty() { loc.to_string() } else { format!("{dir}/{loc}") })
    }
}

/// Normalise a package path: `\` to `/`, no leading `/`, `.` removed, `..` resolved; `None` for a
/// path that escapes the package or is empty.
pub fn normalise(p: &str) -> Option<String> {
    let mut out: Vec<&str> = Vec::new();
    for seg in p.split(['/', '\\']) {
        match seg {
            "" | "." => {}
            ".." => {
                out.pop()?;
            }
            s => out.push(s),
        }
    }
    if out.is_empty() { None } else { Some(out.join("/")) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(normalise("/Doc_0/Signs/Sign_0/Signature.xml").as_deref(), Some("Doc_0/Signs/Sign_0/Signature.xml"));
        assert_eq!(normalise("Doc_0/./a/../b.xml").as_deref(), Some("Doc_0/b.xml"));
        assert_eq!(normalise("../etc/passwd"), None);
        assert_eq!(
            Package::resolve("Doc_0/Signs/Signatures.xml", "Sign_0/Signature.xml").as_deref(),
            Some("Doc_0/Signs/Sign_0/Signature.xml")
        );
        assert_eq!(
            Package::resolve("Doc_0/Signs/Sign_0/Signature.xml", "/Doc_0/Pages/Page_0/Content.xml").as_deref(),
            Some("Doc_0/Pages/Page_0/Content.xml")
        );
    }
}
