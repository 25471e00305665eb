//! Evidence records (RFC 4998) for exported packages: proof that a package existed, unchanged, at
//! a time, renewed for as long as the package is kept (永久 is in the archive's vocabulary).
//!
//! ```text
//! <package>/data/证据/evidence.ers    the package's evidence record (DER)
//! ```
//!
//! - **What is covered.** The data-object group of a package is every payload file under `data/`
//!   except the record itself, each file one data object (its bytes), in path order. The paths
//!   are bound by the sealed list (`证据/清单.txt`, itself one of the files) and the bag's
//!   manifests. One flipped byte in any file breaks the record's first hash tree.
//! - **Batches.** [`make`] builds one hash tree over many packages and asks the TSA for one
//!   token; each package keeps its reduced hash tree (RFC 4998 §4.2).
//! - **Validation material** rides in the time-stamp tokens: the certificates and CRLs given when a
//!   record is made or renewed (for the package seal's signer chain, and for every TSA chain in
//!   use) are added to the new token's SignedData `certificates` and `crls` fields
//!   ([`yinxin_pki::tsp::with_validation_data`]), so the record alone carries what a verifier
//!   needs decades later. Those fields are outside the TSA's signature; each renewal's hash covers
//!   the previous token with them.
//! - **Renewal** ([`renew`]): a time-stamp renewal (RFC 4998 §5.2: a new archive time stamp over
//!   the previous one) when the newest token's TSA certificate nears its end, and a hash-tree
//!   renewal (a new chain under the configured algorithm over the files and the whole sequence)
//!   when the configured algorithm is not the newest chain's. [`due`] says which is due.
//! - **Verification** ([`check`]): every hash against the files, then the chain of archive time
//!   stamps judged newest first ([`yinxin_pki::ltv::verify_chain`]): the newest now, each older one
//!   at the genTime of the next. The oldest valid stamp is the proof of existence the package
//!   seal is then judged at (EN 319 102-1 §5.6).

use crate::bagit;
use crate::check::{CheckResult, Family, Outcome};
use std::path::Path;
use time::OffsetDateTime;
use yinxin_pki::ers::{self, EvidenceRecord};
use yinxin_pki::ltv::{ChainedStamp, Material, verify_chain};
use yinxin_pki::report::{Indication, Poe};
use yinxin_pki::tsp::{HashAlg, TimeStampAuthority, with_validation_data};
use yinxin_pki::{Crl, TrustStore};

/// Where a package's evidence record is, under `data/`.
pub const RECORD: &str = "证据/evidence.ers";

/// How long before the newest token's TSA certificate ends a time-stamp renewal is due.
pub const RENEW_BEFORE: time::Duration = time::Duration::days(180);

/// Errors of making or renewing records.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading or writing a package.
    #[error("{0}")]
    Io(String),
    /// The evidence record.
    #[error("evidence record: {0}")]
    Ers(#[from] ers::ErsError),
}

fn io(dir: &Path, e: impl std::fmt::Display) -> Error {
    Error::Io(format!("{}: {e}", dir.display()))
}

/// The files a package's record covers: every payload file but the record, in path order
/// (bytes of the UTF-8 path), as (path under `data/`, bytes).
pub fn group(dir: &Path) -> Result<Vec<(String, Vec<u8>)>, Error> {
    let mut paths = Vec::new();
    bagit::walk(dir, "data", &mut paths).map_err(|e| io(dir, e))?;
    let record = format!("data/{RECORD}");
    paths.retain(|p| *p != record);
    paths.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    paths
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(dir.join(&p)).map_err(|e| io(dir, format!("{p}: {e}")))?;
            Ok((p.trim_start_matches("data/").to_string(), bytes))
        })
        .collect()
}

/// The package's record, if it has one.
pub fn read(dir: &Path) -> Result<Option<EvidenceRecord>, Error> {
    match std::fs::read(dir.join("data").join(RECORD)) {
        Ok(b) => Ok(Some(EvidenceRecord::from_der(&b)?)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io(dir, e)),
    }
}

/// What asks `tsa` for the tokens of a batch at `now`, each carrying `material`
/// ([`with_validation_data`]): the `stamp` argument of [`ers::build_batch`] and the renewals.
pub fn stamper<'a>(
    tsa: &'a TimeStampAuthority,
    material: &'a Material,
    now: OffsetDateTime,
) -> impl FnMut(&yinxin_pki::tsp::Imprint) -> yinxin_pki::Result<Vec<u8>> + 'a {
    move |imprint| {
        let token = tsa.stamp(imprint, None, true, now)?;
        with_validation_data(&token, &material.certs, &material.crls)
    }
}

fn write_record(dir: &Path, record: &EvidenceRecord) -> Result<(), Error> {
    bagit::put_payload(dir, RECORD, &record.to_der()?).map_err(|e| io(dir, e))
}

/// Make the records of a batch of packages: one hash tree, one token (carrying `material`), a
/// record written into each package (whose bag manifests are brought up to date). A package that
/// has a record already is refused: renew it instead.
pub fn make(
    dirs: &[&Path],
    alg: HashAlg,
    tsa: &TimeStampAuthority,
    material: &Material,
    now: OffsetDateTime,
) -> Result<Vec<EvidenceRecord>, Error> {
    let mut groups = Vec::with_capacity(dirs.len());
    for d in dirs {
        if read(d)?.is_some() {
            return Err(io(d, "the package has an evidence record already: renew it"));
        }
        groups.push(group(d)?.into_iter().map(|(_, b)| b).collect::<Vec<_>>());
    }
    let records = ers::build_batch(&groups, alg, stamper(tsa, material, now))?;
    for (d, r) in dirs.iter().zip(&records) {
        write_record(d, r)?;
    }
    Ok(records)
}

/// What renewing a package's record needs, if anything.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "renewal")]
pub enum Due {
    /// A new archive time stamp: the newest token's TSA certificate ends at `tsa_not_after`.
    TimeStamp {
        /// When the newest token's TSA certificate ends (RFC 3339).
        tsa_not_after: String,
    },
    /// A new hash tree under the configured algorithm.
    HashTree {
        /// The newest chain's algorithm.
        from: HashAlg,
        /// The configured one.
        to: HashAlg,
    },
}

/// Whether `record` needs renewing at `now` when `alg` is the configured algorithm: a hash-tree
/// renewal when the newest chain is under another algorithm, else a time-stamp renewal when the
/// newest token's TSA certificate ends within [`RENEW_BEFORE`] (or cannot be found in the token).
pub fn due(record: &EvidenceRecord, alg: HashAlg, now: OffsetDateTime) -> Result<Option<Due>, Error> {
    let newest = record.newest().ok_or_else(|| Error::Io("the record has no archive time stamp".into()))?;
    let from = newest.hash_alg()?;
    if from != alg {
        return Ok(Some(Due::HashTree { from, to: alg }));
    }
    match yinxin_pki::tsp::signer_certificate(newest.time_stamp()) {
        Some(c) if c.not_after - RENEW_BEFORE > now => Ok(None),
        Some(c) => Ok(Some(Due::TimeStamp { tsa_not_after: yinxin_pki::time::format_instant(c.not_after) })),
        None => Ok(Some(Due::TimeStamp { tsa_not_after: "unknown".into() })),
    }
}

/// The packages among `dirs` left out of the latest renewal: those whose newest archive time stamp
/// is older than the newest among them ([`ers::renewal_gaps`]). Give every package an archive
/// renews together; a package named here will age out of its TSA certificate with nothing after.
pub fn gaps<'a>(dirs: &[&'a Path]) -> Result<Vec<&'a Path>, Error> {
    let mut records = Vec::new();
    let mut with = Vec::new();
    for d in dirs {
        if let Some(r) = read(d)? {
            records.push(r);
            with.push(*d);
        }
    }
    Ok(ers::renewal_gaps(&records, None)?.into_iter().filter_map(|i| with.get(i).copied()).collect())
}

/// Renew the records of a batch of packages with `tsa` (the current generation), carrying
/// `material` (fresh CRLs for every TSA chain in the records, and their certificates) in the new
/// token: a hash-tree renewal for those whose newest chain is not under `alg`, a time-stamp
/// renewal for the others. Every package of the batch is renewed, due or not, so none is left
/// behind ([`ers::renewal_gaps`]).
pub fn renew(
    dirs: &[&Path],
    alg: HashAlg,
    tsa: &TimeStampAuthority,
    material: &Material,
    now: OffsetDateTime,
) -> Result<(), Error> {
    let mut same = Vec::new();
    let mut other = Vec::new();
    for d in dirs {
        let r = read(d)?.ok_or_else(|| io(d, "the package has no evidence record: make one first"))?;
        let newest = r.newest().ok_or_else(|| io(d, "the record has no archive time stamp"))?.hash_alg()?;
        if newest == alg { same.push((*d, r)) } else { other.push((*d, r)) }
    }
    if !same.is_empty() {
        let mut records: Vec<EvidenceRecord> = same.iter().map(|(_, r)| r.clone()).collect();
        ers::renew_time_stamps(&mut records, stamper(tsa, material, now))?;
        for ((d, _), r) in same.iter().zip(&records) {
            write_record(d, r)?;
        }
    }
    if !other.is_empty() {
        let mut records: Vec<EvidenceRecord> = other.iter().map(|(_, r)| r.clone()).collect();
        let mut groups = Vec::new();
        for (d, _) in &other {
            groups.push(group(d)?.into_iter().map(|(_, b)| b).collect::<Vec<_>>());
        }
        ers::renew_hash_trees(&mut records, &groups, alg, stamper(tsa, material, now))?;
        for ((d, _), r) in other.iter().zip(&records) {
            write_record(d, r)?;
        }
    }
    Ok(())
}

/// The verdict on a package's record.
#[derive(Debug, Clone)]
pub struct Checked {
    /// AUT-03: the record's hashes and archive time stamps.
    pub result: CheckResult,
    /// The proof of existence the record gives the package (its oldest valid stamp).
    pub poe: Option<Poe>,
    /// The certificates and CRLs carried in the record's tokens.
    pub material: Material,
}

/// Check a package's record against its files and judge its archive time stamps at `now`
/// against `trust`; `None` when the package has no record.
pub fn check(dir: &Path, trust: &TrustStore, now: OffsetDateTime) -> Option<Checked> {
    let c = |o: Outcome, d: String| CheckResult::ours("AUT-03", Family::Authenticity, o, d);
    let empty = Material::default();
    let record = match read(dir) {
        Ok(Some(r)) => r,
        Ok(None) => return None,
        Err(e) => return Some(Checked { result: c(Outcome::Fail, e.to_string()), poe: None, material: empty }),
    };
    let files = match group(dir) {
        Ok(f) => f,
        Err(e) => return Some(Checked { result: c(Outcome::Fail, e.to_string()), poe: None, material: empty }),
    };
    let data: Vec<&[u8]> = files.iter().map(|(_, b)| b.as_slice()).collect();
    let verified = match ers::verify(&record, &data) {
        Ok(v) => v,
        Err(e) => {
            let d = format!("{RECORD} does not match the package: {e}");
            return Some(Checked { result: c(Outcome::Fail, d), poe: None, material: empty });
        }
    };
    if let Some(e) = verified.first_error() {
        let d = format!("{RECORD} does not match the package: {e}");
        return Some(Checked { result: c(Outcome::Fail, d), poe: None, material: empty });
    }
    let mut material = Material::default();
    for s in &verified.stamps {
        material.extend(yinxin_pki::tsp::embedded_certs(&s.token), yinxin_pki::tsp::embedded_crls(&s.token));
    }
    let n = verified.stamps.len();
    let labels: Vec<String> = verified
        .stamps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            format!("archive time stamp {} of {n} (chain {}, {:?})", i + 1, s.chain + 1, s.alg).to_lowercase()
        })
        .collect();
    let stamps: Vec<ChainedStamp<'_>> = verified
        .stamps
        .iter()
        .zip(&labels)
        .map(|(s, l)| ChainedStamp { token: &s.token, data: None, label: l.clone() })
        .collect();
    let verdict = verify_chain(&stamps, &material, trust, now);
    let poe = verdict.poe_of(0).cloned();
    let worst = verdict
        .stamps
        .iter()
        .map(|s| s.report.indication)
        .max_by_key(|i| match i {
            Indication::Passed => 0,
            Indication::Indeterminate => 1,
            Indication::Failed => 2,
        })
        .unwrap_or(Indication::Indeterminate);
    let problems: Vec<String> = verdict
        .checks
        .iter()
        .filter(|k| k.outcome != yinxin_pki::Outcome::Passed)
        .map(|k| k.reason_en.clone())
        .collect();
    let result = match (worst, &poe) {
        (Indication::Passed, Some(p)) => c(
            Outcome::Pass,
            format!(
                "every file matches {RECORD} ({n} archive time stamp(s), {} chain(s)); the package existed at {} — {}",
                verified.chain_lengths.len(),
                yinxin_pki::time::format_instant(p.time),
                p.by
            ),
        ),
        (Indication::Failed, _) => c(Outcome::Fail, format!("{RECORD}: {}", problems.join("; "))),
        _ => c(
            Outcome::Warn,
            format!(
                "every file matches {RECORD}, but its archive time stamps prove no time (INDETERMINATE): {}",
                problems.join("; ")
            ),
        ),
    };
    Some(Checked { result, poe, material })
}

/// The certificates and CRLs of a set of files (PEM or DER each), for `make` and `renew`.
pub fn load_material(certs: &[std::path::PathBuf], crls: &[std::path::PathBuf]) -> Result<Material, Error> {
    let mut m = Material::default();
    for f in certs {
        let c = yinxin_pki::load_certs(f).map_err(|e| Error::Io(format!("{}: {e}", f.display())))?;
        m.extend(c, []);
    }
    for f in crls {
        let b = std::fs::read(f).map_err(|e| Error::Io(format!("{}: {e}", f.display())))?;
        let c = Crl::from_pem_or_der(&b).map_err(|e| Error::Io(format!("{}: {e}", f.display())))?;
        m.extend([], [c]);
    }
    Ok(m)
}
