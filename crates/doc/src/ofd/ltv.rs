//! Long-term validation data for OFD packages: validation material and package time stamps kept
//! inside the package, so that its seal signatures can still be verified after every certificate
//! in them has expired or been revoked.
//!
//! GB/T 38540 and GB/T 33190 define no place for validation material, so yinxin defines one (the
//! namespace `urn:yinxin:ofd-ltv:1`), in a root folder of its own:
//!
//! ```text
//! LTV/Certs/<sm3 hex of DER>.cer      validation certificates (CA and TSA chains), DER
//! LTV/CRLs/<sm3 hex of DER>.crl       CRLs, DER
//! LTV/Stamp_<n>/Manifest.xml          n = 1, 2, …: every part of the package present when stamp n
//!                                     was made (path, SM3), except stamp n's own two files,
//!                                     sorted by path
//! LTV/Stamp_<n>/TimeStamp.tsr         RFC 3161 token (DER ContentInfo) whose message imprint is
//!                                     SM3(Manifest.xml bytes)
//! ```
//!
//! `Manifest.xml`:
//!
//! ```xml
//! <?xml version="1.0" encoding="UTF-8"?>
//! <ltv:Manifest xmlns:ltv="urn:yinxin:ofd-ltv:1" Algorithm="1.2.156.10197.1.401" Created="2026-11-26T08:00:00Z"><ltv:Part Path="/Doc_0/Signs/Sign_0/SignedValue.dat" SM3="…64 hex digits…"/>…</ltv:Manifest>
//! ```
//!
//! Paths are absolute from the package root, as OFD writes them; file names (lower-case hex) are
//! the SM3 of the file's bytes, so the same certificate or CRL is stored once.
//!
//! [`extend`] adds the material and the next stamp. The first call gives the package its long-term
//! form; each later call is a renewal: a new stamp whose manifest covers everything, earlier
//! stamps and material included, made before the previous TSA certificate expires. Chains of such
//! stamps are judged by [`yinxin_pki::ltv::verify_chain`]: the newest now, each older one at the
//! genTime of the next valid one. What the oldest valid stamp that lists a signature's
//! `SignedValue.dat` covers is proven to exist at that stamp's genTime, and the signature's own
//! time stamp is judged then ([`super::verify`]).
//!
//! Every part outside `LTV/` is left byte for byte as it was, `OFD.xml` included. An OFD reader
//! reaches the parts of a package only from `OFD.xml` (GB/T 33190-2016 §7: `DocBody` → `DocRoot`,
//! `Signatures`, and what those reference), so a root folder nothing references is not read:
//! other vendors' readers see the same document and the same signatures. (A verifier that names
//! parts no signature protects, as [`super::verify`] does, names `LTV/` files that no package time
//! stamp covers.)
//!
//! A package is sealed first and extended after: a seal added later rewrites `Signatures.xml`,
//! which the stamps list, and verification then reports that part changed after the stamps.

use super::package::{Limits, Package};
use super::signatures::parse_xml;
use super::write::{PackageBuilder, xml_escape};
use crate::{Error, Result};
use std::collections::{BTreeMap, BTreeSet};
use time::OffsetDateTime;
use yinxin_pki::ltv::Material;
use yinxin_pki::tsp::{Imprint, TimeStampAuthority};
use yinxin_pki::{Cert, Crl};

/// The namespace of `Manifest.xml`.
pub const NS: &str = "urn:yinxin:ofd-ltv:1";
/// The root folder.
pub const DIR: &str = "LTV";
/// The digest algorithm of manifests: SM3.
pub const ALGORITHM: &str = "1.2.156.10197.1.401";
/// Most package time stamps read or made.
pub const MAX_STAMPS: usize = 64;
/// Most certificates under `LTV/Certs`.
pub const MAX_CERTS: usize = 256;
/// Most CRLs under `LTV/CRLs`.
pub const MAX_CRLS: usize = 256;

/// One `Part` of a manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestEntry {
    /// The part's path, normalised as [`Package`] names parts (no leading `/`).
    pub path: String,
    /// Its SM3.
    pub sm3: [u8; 32],
}

/// One package time stamp (`LTV/Stamp_<n>/`).
#[derive(Debug, Clone)]
pub struct PackageStamp {
    /// n, from 1.
    pub number: usize,
    /// Where its manifest is.
    pub manifest_path: String,
    /// Where its token is.
    pub token_path: String,
    /// The manifest's bytes as stored (what the token's imprint is the SM3 of).
    pub manifest: Vec<u8>,
    /// The manifest's `Created` attribute as written.
    pub created: String,
    /// The parts it lists, in the order written.
    pub entries: Vec<ManifestEntry>,
    /// The token (DER `ContentInfo`).
    pub token: Vec<u8>,
}

/// A part under `LTV/Certs` or `LTV/CRLs` that is not what its place says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaterialProblem {
    /// The part.
    pub path: String,
    /// What is wrong with it.
    pub detail: String,
}

/// The long-term validation data of a package.
#[derive(Debug, Clone, Default)]
pub struct Ltv {
    /// The certificates and CRLs that parsed.
    pub material: Material,
    /// The parts under `LTV/Certs` and `LTV/CRLs` that were read, whether or not they parsed.
    pub material_parts: Vec<String>,
    /// Parts under `LTV/Certs` or `LTV/CRLs` that do not parse, or whose name is not the SM3 of
    /// their bytes.
    pub problems: Vec<MaterialProblem>,
    /// The stamps, oldest first (`stamps[k]` is `LTV/Stamp_<k+1>`).
    pub stamps: Vec<PackageStamp>,
}

/// Whether the package has an `LTV/` folder.
pub fn present(pkg: &Package) -> bool {
    pkg.names().any(|n| n.starts_with("LTV/"))
}

/// The path of stamp `n`'s manifest.
pub fn manifest_path(n: usize) -> String {
    format!("{DIR}/Stamp_{n}/Manifest.xml")
}

/// The path of stamp `n`'s token.
pub fn token_path(n: usize) -> String {
    format!("{DIR}/Stamp_{n}/TimeStamp.tsr")
}

/// Where a certificate is kept.
pub fn cert_path(c: &Cert) -> String {
    format!("{DIR}/Certs/{}.cer", hex(&yinxin_gm::sm3::sm3(c.der()).0))
}

/// Where a CRL is kept.
pub fn crl_path(c: &Crl) -> String {
    format!("{DIR}/CRLs/{}.crl", hex(&yinxin_gm::sm3::sm3(c.der()).0))
}

fn hex(b: &[u8]) -> String {
    const D: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        s.push(char::from(D[usize::from(x >> 4)]));
        s.push(char::from(D[usize::from(x & 15)]));
    }
    s
}

fn unhex32(s: &str) -> Option<[u8; 32]> {
    let b = s.as_bytes();
    if b.len() != 64 {
        return None;
    }
    let nib = |c: u8| char::from(c).to_digit(16).and_then(|d| u8::try_from(d).ok());
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        *o = (nib(b[2 * i])? << 4) | nib(b[2 * i + 1])?;
    }
    Some(out)
}

/// The stamp number of a path `LTV/Stamp_<n>/<file>` (decimal, no leading zero), and the file.
fn stamp_of(path: &str) -> Option<(usize, &str)> {
    let rest = path.strip_prefix("LTV/Stamp_")?;
    let (num, file) = rest.split_once('/')?;
    if num.is_empty() || num.starts_with('0') || !num.bytes().all(|b| b.is_ascii_digit()) || num.len() > 6 {
        return None;
    }
    Some((num.parse().ok()?, file))
}

/// The manifest's bytes for `entries` (already sorted by path), created at `created`.
pub fn manifest_xml(entries: &[ManifestEntry], created: OffsetDateTime) -> Vec<u8> {
    let mut s = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ltv:Manifest xmlns:ltv=\"{NS}\" Algorithm=\"{ALGORITHM}\" Created=\"{}\">",
        yinxin_pki::time::format_instant(created)
    );
    for e in entries {
        s.push_str(&format!("<ltv:Part Path=\"/{}\" SM3=\"{}\"/>", xml_escape(&e.path), hex(&e.sm3)));
    }
    s.push_str("</ltv:Manifest>");
    s.into_bytes()
}

/// Parse a manifest at `path`: its `Created` attribute and its entries. At most as many entries
/// as a package may hold parts ([`Limits::max_entries`]); no path twice; every path inside the
/// package.
pub fn parse_manifest(path: &str, bytes: &[u8]) -> Result<(String, Vec<ManifestEntry>)> {
    let err = |d: String| Error::Xml { file: path.to_string(), detail: d };
    let root = parse_xml(path, bytes)?;
    if root.name != "Manifest" || !root.attrs.iter().any(|(_, v)| v == NS) {
        return Err(err(format!("the root element is not a Manifest in the namespace {NS}")));
    }
    match root.attr("Algorithm") {
        Some(ALGORITHM) => {}
        other => return Err(err(format!("Algorithm is {other:?}, not SM3 ({ALGORITHM})"))),
    }
    let created = root.attr("Created").ok_or_else(|| err("no Created attribute".into()))?.to_string();
    let max = Limits::default().max_entries;
    let parts: Vec<_> = root.all("Part").collect();
    if parts.len() > max {
        return Err(err(format!("{} parts listed: more than a package may hold ({max})", parts.len())));
    }
    let mut seen = BTreeSet::new();
    let mut entries = Vec::with_capacity(parts.len());
    for p in parts {
        let raw = p.attr("Path").ok_or_else(|| err("a Part without Path".into()))?;
        let norm = raw
            .strip_prefix('/')
            .and_then(super::package::normalise)
            .ok_or_else(|| err(format!("Path {raw:?} is not an absolute path inside the package")))?;
        let sm3 = p
            .attr("SM3")
            .and_then(unhex32)
            .ok_or_else(|| err(format!("the SM3 of {raw} is not 64 hexadecimal digits")))?;
        if !seen.insert(norm.clone()) {
            return Err(err(format!("{raw} is listed twice")));
        }
        entries.push(ManifestEntry { path: norm, sm3 });
    }
    Ok((created, entries))
}

/// Read the long-term validation data of a package. Parts under `LTV/Certs` and `LTV/CRLs` that
/// do not parse are listed in [`Ltv::problems`]; an `LTV/` folder whose stamps cannot be read
/// (a gap in the numbering, a stamp without its manifest or token, a manifest that does not
/// parse, more than [`MAX_STAMPS`] stamps, [`MAX_CERTS`] certificates or [`MAX_CRLS`] CRLs) is an
/// error. Files elsewhere under `LTV/` are not read (the verifier names them).
pub fn read(pkg: &Package) -> Result<Ltv> {
    let mut ltv = Ltv::default();
    let mut cert_names = Vec::new();
    let mut crl_names = Vec::new();
    let mut stamp_files: BTreeMap<usize, (Option<&str>, Option<&str>)> = BTreeMap::new();
    for name in pkg.names() {
        if let Some(file) = name.strip_prefix("LTV/Certs/") {
            if !file.contains('/') && file.ends_with(".cer") {
                cert_names.push(name);
            }
        } else if let Some(file) = name.strip_prefix("LTV/CRLs/") {
            if !file.contains('/') && file.ends_with(".crl") {
                crl_names.push(name);
            }
        } else if let Some((n, file)) = stamp_of(name) {
            let slot = stamp_files.entry(n).or_default();
            match file {
                "Manifest.xml" => slot.0 = Some(name),
                "TimeStamp.tsr" => slot.1 = Some(name),
                _ => {}
            }
        }
    }
    if cert_names.len() > MAX_CERTS {
        return Err(Error::Package(format!(
            "LTV/Certs holds {} certificates: more than {MAX_CERTS}",
            cert_names.len()
        )));
    }
    if crl_names.len() > MAX_CRLS {
        return Err(Error::Package(format!("LTV/CRLs holds {} CRLs: more than {MAX_CRLS}", crl_names.len())));
    }
    if stamp_files.len() > MAX_STAMPS || stamp_files.keys().next_back().is_some_and(|n| *n > MAX_STAMPS) {
        return Err(Error::Package(format!("LTV holds more than {MAX_STAMPS} package time stamps")));
    }
    let named = |name: &str, bytes: &[u8], ext: &str| -> Option<String> {
        let expected = format!("{}{ext}", hex(&yinxin_gm::sm3::sm3(bytes).0));
        let file = name.rsplit('/').next().unwrap_or(name);
        (file != expected).then(|| format!("its name is not the SM3 of its bytes ({expected})"))
    };
    let mut certs = Vec::new();
    for name in cert_names {
        let bytes = pkg.get(name).unwrap_or_default();
        ltv.material_parts.push(name.to_string());
        match Cert::from_der(bytes) {
            Ok(c) => {
                if let Some(d) = named(name, bytes, ".cer") {
                    ltv.problems.push(MaterialProblem { path: name.to_string(), detail: d });
                }
                certs.push(c);
            }
            Err(e) => ltv
                .problems
                .push(MaterialProblem { path: name.to_string(), detail: format!("not a DER certificate: {e}") }),
        }
    }
    let mut crls = Vec::new();
    for name in crl_names {
        let bytes = pkg.get(name).unwrap_or_default();
        ltv.material_parts.push(name.to_string());
        match Crl::from_der(bytes) {
            Ok(c) => {
                if let Some(d) = named(name, bytes, ".crl") {
                    ltv.problems.push(MaterialProblem { path: name.to_string(), detail: d });
                }
                crls.push(c);
            }
            Err(e) => {
                ltv.problems.push(MaterialProblem { path: name.to_string(), detail: format!("not a DER CRL: {e}") })
            }
        }
    }
    ltv.material.extend(certs, crls);
    for (i, (n, files)) in stamp_files.into_iter().enumerate() {
        if n != i + 1 {
            return Err(Error::Package(format!("LTV/Stamp_{} is missing (the stamps are numbered from 1)", i + 1)));
        }
        let (Some(m), Some(t)) = files else {
            let missing = if files.0.is_none() { manifest_path(n) } else { token_path(n) };
            return Err(Error::Package(format!("package time stamp {n} has no {missing}")));
        };
        let manifest = pkg.get(m).unwrap_or_default().to_vec();
        let (created, entries) = parse_manifest(m, &manifest)?;
        if let Some(e) = entries.iter().find(|e| stamp_of(&e.path).is_some_and(|(k, _)| k >= n)) {
            return Err(Error::Xml {
                file: m.to_string(),
                detail: format!("lists /{}, which cannot have existed when stamp {n} was made", e.path),
            });
        }
        ltv.stamps.push(PackageStamp {
            number: n,
            manifest_path: m.to_string(),
            token_path: t.to_string(),
            manifest,
            created,
            entries,
            token: pkg.get(t).unwrap_or_default().to_vec(),
        });
    }
    Ok(ltv)
}

/// Add `material` (certificates and CRLs, each stored once by the SM3 of its bytes) and the next
/// package time stamp to an OFD: a manifest of every part then present, stamped by `tsa` at `now`.
/// The first call gives the package its long-term form; each later one renews it, and must come
/// before the previous stamp's TSA certificate expires. Every other part is kept byte for byte.
///
/// The package is not verified first: verify it before extending. `material` should hold what a
/// verifier will lack later: the CA certificates of the signers' and the TSAs' chains, and CRLs
/// current at `now` for every CA in them — for the previous TSA's chain on a renewal, and for
/// the new stamp's chain too when the package already holds an older CRL of the same issuer (a
/// CRL past its nextUpdate at a stamp's genTime, with no fresher one beside it, leaves that stamp
/// undecided).
pub fn extend(ofd: &[u8], material: &Material, tsa: &TimeStampAuthority, now: OffsetDateTime) -> Result<Vec<u8>> {
    let pkg = Package::read(ofd)?;
    if pkg.get("OFD.xml").is_none() {
        return Err(Error::Missing("OFD.xml".into()));
    }
    let tsa_cert = tsa.cert();
    if now < tsa_cert.not_before || now > tsa_cert.not_after {
        return Err(Error::Package(format!(
            "the TSA certificate {} is not valid at {}: a stamp it made would prove nothing",
            tsa_cert.subject(),
            yinxin_pki::time::format_instant(now)
        )));
    }
    let existing = read(&pkg)?;
    let n = existing.stamps.len() + 1;
    if n > MAX_STAMPS {
        return Err(Error::Package(format!("the package already holds {MAX_STAMPS} package time stamps")));
    }
    if let Some(bad) = pkg.names().find(|p| p.chars().any(char::is_control)) {
        return Err(Error::Package(format!("the part name {bad:?} holds a control character and cannot be listed")));
    }
    let mut b = PackageBuilder::from_package(&pkg);
    let mut certs = existing.material_parts.iter().filter(|p| p.starts_with("LTV/Certs/")).count();
    let mut crls = existing.material_parts.len() - certs;
    for c in &material.certs {
        let p = cert_path(c);
        if b.get(&p).is_none() {
            certs += 1;
            if certs > MAX_CERTS {
                return Err(Error::Package(format!("more than {MAX_CERTS} certificates under LTV/Certs")));
            }
            b.put(&p, c.der().to_vec());
        }
    }
    for c in &material.crls {
        let p = crl_path(c);
        if b.get(&p).is_none() {
            crls += 1;
            if crls > MAX_CRLS {
                return Err(Error::Package(format!("more than {MAX_CRLS} CRLs under LTV/CRLs")));
            }
            b.put(&p, c.der().to_vec());
        }
    }
    let (m, t) = (manifest_path(n), token_path(n));
    if b.get(&m).is_some() || b.get(&t).is_some() {
        return Err(Error::Package(format!("LTV/Stamp_{n} already holds files")));
    }
    let entries: Vec<ManifestEntry> = b
        .parts()
        .iter()
        .map(|(path, bytes)| ManifestEntry { path: path.clone(), sm3: yinxin_gm::sm3::sm3(bytes).0 })
        .collect();
    let manifest = manifest_xml(&entries, now);
    let token = tsa
        .stamp(&Imprint::sm3_of(&manifest), None, true, now)
        .map_err(|e| Error::Package(format!("the time-stamp authority did not stamp the manifest: {e}")))?;
    b.put(&m, manifest);
    b.put(&t, token);
    b.to_zip()
}
