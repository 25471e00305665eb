//! Reading zip containers (an uploaded batch, an OFD) without being hurt by them: SEC-02 (no
//! `..`, absolute paths, drive letters, backslashes, NUL, links or device entries; bounded entry
//! count and name length) and USE-04 (bounded total size and compression ratio, measured by
//! reading, not trusted from the headers).

use crate::check::{CheckResult, Family, Outcome};
use std::io::Read;

/// Limits.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Most entries.
    pub entries: usize,
    /// Longest entry name, in bytes.
    pub name_bytes: usize,
    /// Most bytes once inflated, all entries together.
    pub total_bytes: u64,
    /// Highest inflated:compressed ratio of the whole container.
    pub ratio: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self { entries: 10_000, name_bytes: 255, total_bytes: 2 << 30, ratio: 100 }
    }
}

/// One entry read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Its name (a safe relative path).
    pub name: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// Why an entry name is unsafe, or `None`.
pub fn name_problem(name: &str, limit: usize) -> Option<String> {
    if name.len() > limit {
        return Some(format!("name longer than {limit} bytes"));
    }
    if name.is_empty() || name.contains('\0') {
        return Some("empty name or NUL in the name".into());
    }
    if name.starts_with('/') || name.starts_with('\\') || name.contains('\\') {
        return Some(format!("{name:?}: absolute path or backslash"));
    }
    if name.len() >= 2 && name.as_bytes()[1] == b':' {
        return Some(format!("{name:?}: drive letter"));
    }
    if name.split('/').any(|part| part == "..") {
        return Some(format!("{name:?}: climbs out of the container (..)"));
    }
    None
}

/// Read every file entry of a zip, or the checks it failed. The results always hold SEC-02 and
/// USE-04.
pub fn read_zip(bytes: &[u8], limits: &Limits) -> (Option<Vec<Entry>>, Vec<CheckResult>) {
    let sec = |o, d: String| CheckResult::ours("SEC-02", Family::Security, o, d);
    let use4 = |o, d: String| CheckResult::ours("USE-04", Family::Usability, o, d);
    let mut z = match zip::ZipArchive::new(std::io::Cursor::new(bytes)) {
        Ok(z) => z,
        Err(e) => {
            return (
                None,
                vec![
                    sec(Outcome::NotRun(format!("the container does not open: {e}")), String::new()),
                    use4(Outcome::Fail, format!("the container cannot be unpacked: {e}")),
                ],
            );
        }
    };
    if z.len() > limits.entries {
        return (None, vec![sec(Outcome::Fail, format!("{} entries; the limit is {}", z.len(), limits.entries))]);
    }
    // Names and types first: nothing is inflated from a container that tries to escape.
    for i in 0..z.len() {
        let f = match z.by_index_raw(i) {
            Ok(f) => f,
            Err(e) => return (None, vec![sec(Outcome::Fail, format!("entry {i} is unreadable: {e}"))]),
        };
        let name = String::from_utf8_lossy(f.name_raw()).into_owned();
        if let Some(p) = name_problem(&name, limits.name_bytes) {
            return (None, vec![sec(Outcome::Fail, format!("entry {i}: {p}"))]);
        }
        let kind = f.unix_mode().map(|m| m & 0o170000);
        if let Some(k) = kind.filter(|&k| k != 0 && k != 0o100000 && k != 0o040000) {
            return (
                None,
                vec![sec(Outcome::Fail, format!("entry {name:?} is not a plain file (mode {k:o}): a link or device"))],
            );
        }
        if f.encrypted() {
            return (None, vec![use4(Outcome::Fail, format!("entry {name:?} is encrypted"))]);
        }
    }
    let budget = limits.total_bytes.min((bytes.len() as u64).saturating_mul(limits.ratio));
    let mut total = 0u64;
    let mut out = Vec::new();
    for i in 0..z.len() {
        let mut f = match z.by_index(i) {
            Ok(f) => f,
            Err(e) => return (None, vec![use4(Outcome::Fail, format!("entry {i} does not inflate: {e}"))]),
        };
        if f.is_dir() {
            continue;
        }
        let name = String::from_utf8_lossy(f.name_raw()).into_owned();
        let mut buf = Vec::new();
        let left = budget - total;
        if let Err(e) = (&mut f).take(left + 1).read_to_end(&mut buf) {
            return (None, vec![use4(Outcome::Fail, format!("entry {name:?} does not inflate: {e}"))]);
        }
        total += buf.len() as u64;
        if total > budget {
            return (
                None,
                vec![
                    sec(Outcome::Pass, "entry names and types are safe".into()),
                    use4(
                        Outcome::Fail,
                        format!(
                            "inflates beyond {budget} bytes ({}:1 of {} compressed bytes, or the {}-byte limit): a decompression bomb",
                            limits.ratio,
                            bytes.len(),
                            limits.total_bytes
                        ),
                    ),
                ],
            );
        }
        out.push(Entry { name, bytes: buf });
    }
    let checks = vec![
        sec(Outcome::Pass, format!("{} entries, names and types safe", z.len())),
        use4(Outcome::Pass, format!("{total} bytes inflated from {}; not encrypted", bytes.len())),
    ];
    (Some(out), checks)
}
