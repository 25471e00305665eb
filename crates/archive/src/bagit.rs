//! BagIt packages (RFC 8493): writing one per transaction and verifying one end to end.
//!
//! Payload manifests in SHA-256 (what every BagIt tool reads) and SM3 (national cryptography),
//! tag manifests in both, `Payload-Oxum` in `bag-info.txt`. Files are listed in byte order of
//! their paths and every line ends in LF, so the same payload and info give the same bytes.

use crate::check::{CheckResult, Family, Outcome};
use sha2::Digest;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The manifest algorithms, in the order they are written.
pub const ALGORITHMS: [&str; 2] = ["sha256", "sm3"];

fn digest(alg: &str, bytes: &[u8]) -> String {
    match alg {
        "sha256" => hex::encode(sha2::Sha256::digest(bytes)),
        _ => yinxin_gm::sm3::sm3(bytes).to_hex(),
    }
}

/// One payload file: a path under `data/` (forward slashes) and its bytes.
#[derive(Debug, Clone)]
pub struct PayloadFile {
    /// Path relative to `data/`.
    pub path: String,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// Why a payload path cannot go into a bag, or `None`. Manifest lines cannot hold CR, LF or `%`
/// unescaped; we refuse them rather than escape them, as archive file names never need them.
pub fn path_problem(p: &str) -> Option<String> {
    if let Some(e) = crate::unpack::name_problem(p, 255) {
        return Some(e);
    }
    if p.contains(['\r', '\n', '%']) || p.ends_with('/') || p.split('/').any(|s| s.is_empty() || s == ".") {
        return Some(format!("{p:?}: not a plain relative file path"));
    }
    None
}

/// Write a bag into `dir` (created; it must not exist). `info` goes into `bag-info.txt` in the
/// order given, followed by `Payload-Oxum`.
pub fn write(dir: &Path, files: &[PayloadFile], info: &[(&str, String)]) -> std::io::Result<()> {
    let bad = |m: String| std::io::Error::new(std::io::ErrorKind::InvalidInput, m);
    let mut sorted: Vec<&PayloadFile> = files.iter().collect();
    sorted.sort_by(|a, b| a.path.as_bytes().cmp(b.path.as_bytes()));
    let mut seen = BTreeSet::new();
    for f in &sorted {
        if let Some(p) = path_problem(&f.path) {
            return Err(bad(p));
        }
        if !seen.insert(f.path.as_str()) {
            return Err(bad(format!("{} is given twice", f.path)));
        }
    }
    std::fs::create_dir(dir)?;
    let mut tags: Vec<(String, Vec<u8>)> = Vec::new();
    tags.push(("bagit.txt".into(), b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n".to_vec()));
    for f in &sorted {
        let p = dir.join("data").join(&f.path);
        std::fs::create_dir_all(p.parent().expect("under data/"))?;
        std::fs::write(&p, &f.bytes)?;
    }
    let octets: usize = sorted.iter().map(|f| f.bytes.len()).sum();
    let mut bag_info = String::new();
    for (k, v) in info {
        if k.contains([':', '\n']) || v.contains('\n') {
            return Err(bad(format!("bag-info element {k:?} holds a colon or a line break")));
        }
        bag_info.push_str(&format!("{k}: {v}\n"));
    }
    bag_info.push_str(&format!("Payload-Oxum: {octets}.{}\n", sorted.len()));
    tags.push(("bag-info.txt".into(), bag_info.into_bytes()));
    for alg in ALGORITHMS {
        let m: String = sorted.iter().map(|f| format!("{}  data/{}\n", digest(alg, &f.bytes), f.path)).collect();
        tags.push((format!("manifest-{alg}.txt"), m.into_bytes()));
    }
    for (name, bytes) in &tags {
        std::fs::write(dir.join(name), bytes)?;
    }
    for alg in ALGORITHMS {
        let m: String = tags.iter().map(|(n, b)| format!("{}  {n}\n", digest(alg, b))).collect();
        std::fs::write(dir.join(format!("tagmanifest-{alg}.txt")), m)?;
    }
    Ok(())
}

/// Add or replace one payload file of an existing bag (an evidence record, renewed), and bring the
/// payload manifests, `Payload-Oxum` and the tag manifests up to date. Every other payload file
/// keeps its manifest line as it was: a file changed behind the bag's back stays detectable.
pub fn put_payload(dir: &Path, path: &str, bytes: &[u8]) -> std::io::Result<()> {
    let bad = |m: String| std::io::Error::new(std::io::ErrorKind::InvalidInput, m);
    if let Some(p) = path_problem(path) {
        return Err(bad(p));
    }
    let target = dir.join("data").join(path);
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let tmp = target.with_extension("tmp-put");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, &target)?;
    let line_path = format!("data/{path}");
    for alg in ALGORITHMS {
        let name = format!("manifest-{alg}.txt");
        let text = std::fs::read_to_string(dir.join(&name))?;
        let mut lines: Vec<String> = text
            .lines()
            .filter(|l| l.split_once(char::is_whitespace).map(|(_, p)| p.trim_start()) != Some(line_path.as_str()))
            .map(String::from)
            .collect();
        lines.push(format!("{}  {line_path}", digest(alg, bytes)));
        lines.sort_by(|a, b| {
            let key = |l: &str| l.split_once(char::is_whitespace).map(|(_, p)| p.trim_start().to_string());
            key(a).cmp(&key(b))
        });
        std::fs::write(dir.join(&name), lines.iter().map(|l| format!("{l}\n")).collect::<String>())?;
    }
    let mut all = Vec::new();
    walk(dir, "data", &mut all)?;
    let mut octets = 0u64;
    for p in &all {
        octets += std::fs::metadata(dir.join(p))?.len();
    }
    let info = std::fs::read_to_string(dir.join("bag-info.txt"))?;
    let info: String = info
        .lines()
        .map(|l| {
            if l.starts_with("Payload-Oxum:") {
                format!("Payload-Oxum: {octets}.{}\n", all.len())
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    std::fs::write(dir.join("bag-info.txt"), info)?;
    let mut tags = vec!["bagit.txt".to_string(), "bag-info.txt".to_string()];
    tags.extend(ALGORITHMS.iter().map(|a| format!("manifest-{a}.txt")));
    for alg in ALGORITHMS {
        let mut m = String::new();
        for n in &tags {
            m.push_str(&format!("{}  {n}\n", digest(alg, &std::fs::read(dir.join(n))?)));
        }
        std::fs::write(dir.join(format!("tagmanifest-{alg}.txt")), m)?;
    }
    Ok(())
}

/// Every file under `root/rel`, as paths relative to `root`; an entry that is neither a file nor a
/// directory (a link, a device) is an error.
pub(crate) fn walk(root: &Path, rel: &str, out: &mut Vec<String>) -> std::io::Result<()> {
    for e in std::fs::read_dir(root.join(rel))? {
        let e = e?;
        let name = e.file_name().into_string().map_err(|_| std::io::Error::other("a file name is not UTF-8"))?;
        let r = if rel.is_empty() { name } else { format!("{rel}/{name}") };
        let t = e.file_type()?;
        if t.is_dir() {
            walk(root, &r, out)?;
        } else if t.is_file() {
            out.push(r);
        } else {
            return Err(std::io::Error::other(format!("{r} is neither a file nor a directory")));
        }
    }
    Ok(())
}

fn manifest(text: &str, what: &str) -> Result<BTreeMap<String, String>, String> {
    let mut m = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        let (d, p) =
            line.split_once(char::is_whitespace).ok_or_else(|| format!("{what} line {}: not `digest  path`", n + 1))?;
        if m.insert(p.trim_start().to_string(), d.to_ascii_lowercase()).is_some() {
            return Err(format!("{what}: {} is listed twice", p.trim_start()));
        }
    }
    Ok(m)
}

/// Verify a bag end to end: structure, every payload and tag manifest, no file missing or
/// unlisted, `Payload-Oxum`. Every problem found is listed (empty when the bag is valid).
pub fn verify(dir: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    let read = |n: &str| std::fs::read(dir.join(n)).map_err(|e| format!("{n}: {e}"));
    match read("bagit.txt") {
        Ok(b) if String::from_utf8_lossy(&b).lines().next().is_some_and(|l| l.starts_with("BagIt-Version: ")) => {}
        Ok(_) => problems.push("bagit.txt does not declare a BagIt-Version".into()),
        Err(e) => problems.push(e),
    }
    let mut payload = Vec::new();
    if let Err(e) = walk(dir, "data", &mut payload) {
        problems.push(format!("data/: {e}"));
    }
    let payload: BTreeSet<String> =
        payload.into_iter().map(|p| p.strip_prefix("data/").map(str::to_string).unwrap_or(p)).collect();
    let mut manifests = 0;
    for alg in ALGORITHMS {
        for (prefix, is_tag) in [("manifest", false), ("tagmanifest", true)] {
            let name = format!("{prefix}-{alg}.txt");
            let Ok(bytes) = read(&name) else { continue };
            manifests += usize::from(!is_tag);
            let m = match manifest(&String::from_utf8_lossy(&bytes), &name) {
                Ok(m) => m,
                Err(e) => {
                    problems.push(e);
                    continue;
                }
            };
            for (p, want) in &m {
                match read(p) {
                    Ok(b) if &digest(alg, &b) == want => {}
                    Ok(_) => problems.push(format!("{name}: {p} does not match its digest")),
                    Err(e) => problems.push(format!("{name}: {e}")),
                }
            }
            if !is_tag {
                for p in payload.iter().map(|p| format!("data/{p}")) {
                    if !m.contains_key(&p) {
                        problems.push(format!("{name}: {p} is in the bag but not in the manifest"));
                    }
                }
            }
        }
    }
    if manifests == 0 {
        problems.push("no payload manifest".into());
    }
    if let Ok(info) = read("bag-info.txt") {
        let info = String::from_utf8_lossy(&info).into_owned();
        if let Some(oxum) = info.lines().find_map(|l| l.strip_prefix("Payload-Oxum:")) {
            let octets: u64 =
                payload.iter().filter_map(|p| std::fs::metadata(dir.join("data").join(p)).ok()).map(|m| m.len()).sum();
            let have = format!("{octets}.{}", payload.len());
            if oxum.trim() != have {
                problems.push(format!("Payload-Oxum says {}, the payload is {have}", oxum.trim()));
            }
        }
    }
    problems
}

/// The bag check as a result (AUT-09 structure and manifests, INT-01 counts and bytes).
pub fn check(dir: &Path) -> CheckResult {
    let problems = verify(dir);
    if problems.is_empty() {
        CheckResult::ours("AUT-09", Family::Authenticity, Outcome::Pass, "the bag and all its manifests verify")
    } else {
        CheckResult::ours("AUT-09", Family::Authenticity, Outcome::Fail, problems.join("; "))
    }
}
