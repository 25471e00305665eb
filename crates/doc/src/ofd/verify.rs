//! Verifying a signed OFD (GB/T 38540 §8 / GM/T 0099 as implemented by the producers in
//! `docs/standards.md` §4): for each entry of Signatures.xml, every Reference's hash over the
//! stored part, the seal file against the seal in the signature, and the signature itself over the
//! stored bytes of Signature.xml — an SES_Signature for `Type="Seal"`, GM/T 0010 signed data for
//! `Type="Sign"`.
//!
//! A package with an `LTV/` folder ([`super::ltv`]) is also judged by its package time stamps:
//! every part a manifest lists must be there with the SM3 it lists (`ofd.ltv_manifest`), each
//! stamp must list the previous stamp's two files and everything that stamp listed
//! (`ofd.ltv_chain`), the stamps are judged as a chain ([`yinxin_pki::ltv::verify_chain`]: one
//! `ofd-package-time-stamp` part each, `ltv.stamp` and `ltv.order` checks), and each signature is
//! verified with the package's certificates and CRLs added to the caller's and with the proof of
//! existence of the oldest stamp that lists its SignedValue file (`ofd.poe`). The `LTV/` files the
//! stamps cover are not named by `ofd.unreferenced_parts`. Without `LTV/`, none of this applies.

use super::ltv::{self, Ltv};
use super::package::Package;
use super::signatures::{SignatureFile, parse_signature, parse_signatures};
use std::collections::{BTreeSet, HashMap};
use yinxin_pki::ltv::{ChainVerdict, ChainedStamp, Material, verify_chain};
use yinxin_pki::memo::Memo;
use yinxin_pki::report::{Check, Poe, Report, SubIndication, TimeSource};
use yinxin_pki::{Cert, Crl};
use yinxin_seal::verify::{VerifyOptions, format_failure, verify_signature};
use yinxin_seal::{SesSignature, gmt0010};

/// SM3 spelled as OFD producers do: the OID, or the name.
fn is_sm3(method: &str) -> bool {
    method == yinxin_pki::oid::SM3 || method.eq_ignore_ascii_case("sm3") || method == "1.2.156.10197.1.401.1"
}

/// Verify every signature of an OFD package.
pub fn verify_ofd(bytes: &[u8], opts: &VerifyOptions<'_>) -> Report {
    let mut report = Report::new("ofd");
    let pkg = match Package::read(bytes) {
        Ok(p) => p,
        Err(e) => return format_failure("ofd", &e.to_string()),
    };
    let Some(ofd_xml) = pkg.get("OFD.xml") else {
        return format_failure("ofd", "no OFD.xml");
    };
    let root = match super::signatures::parse_xml("OFD.xml", ofd_xml) {
        Ok(r) => r,
        Err(e) => return format_failure("ofd", &e.to_string()),
    };
    let mut sig_lists = Vec::new();
    let mut coverage = Coverage::default();
    for body in root.all("DocBody") {
        if let Some(s) = body.child("Signatures") {
            match Package::resolve("OFD.xml", &s.text) {
                Some(p) => sig_lists.push(p),
                None => report.checks.push(Check::fail(
                    "ofd.structure",
                    SubIndication::FormatFailure,
                    "Signatures路径不安全",
                    "unsafe Signatures path",
                )),
            }
        }
    }
    let ltv = ltv::present(&pkg).then(|| LtvState::judge(&pkg, opts));
    if sig_lists.is_empty() {
        report.checks.push(Check::indeterminate(
            "ofd.signatures",
            SubIndication::SignedDataNotFound,
            "文档没有签名",
            "the document has no signatures",
        ));
    }
    for list in sig_lists {
        let Some(xml) = pkg.get(&list) else {
            report.checks.push(Check::fail(
                "ofd.structure",
                SubIndication::FormatFailure,
                format!("缺少{list}"),
                format!("{list} is missing"),
            ));
            continue;
        };
        match parse_signatures(&list, xml) {
            Err(e) => report.checks.push(Check::fail(
                "ofd.structure",
                SubIndication::FormatFailure,
                e.to_string(),
                e.to_string(),
            )),
            Ok(entries) => {
                for entry in entries {
                    report.parts.push(verify_entry(&pkg, &entry.path, &entry.kind, opts, &mut coverage, ltv.as_ref()));
                }
            }
        }
        coverage.own.insert(list);
    }
    if !report.parts.is_empty() {
        if let Some(l) = &ltv {
            coverage.own.extend(l.covered.iter().cloned());
        }
        report.checks.push(coverage.check(&pkg));
    }
    if let Some(l) = ltv {
        report.checks.extend(l.checks);
        report.parts.extend(l.stamps);
    }
    report.conclude();
    report
}

/// The clause behind the `ofd.ltv*` and `ofd.poe` checks (yinxin's own layout: no national
/// standard defines one).
const LTV_CLAUSE: &str = "yinxin OFD long-term validation layout (urn:yinxin:ofd-ltv:1); EN 319 102-1 §5.6 (proof of existence, past signature validation)";

/// What the `LTV/` folder establishes, judged once for the whole package.
struct LtvState {
    /// The caller's intermediates, the package's certificates and those inside the stamps.
    certs: Vec<Cert>,
    /// The caller's CRLs and the package's.
    crls: Vec<Crl>,
    /// The parts each stamp lists, oldest stamp first.
    listed: Vec<BTreeSet<String>>,
    /// The chain's verdict (`None` when the folder could not be read).
    verdict: Option<ChainVerdict>,
    /// Labels of the stamps, oldest first.
    labels: Vec<String>,
    /// `LTV/` parts the stamps cover, left out of the unreferenced-parts rule.
    covered: BTreeSet<String>,
    /// Checks on the folder and on the chain as a whole.
    checks: Vec<Check>,
    /// One report per stamp.
    stamps: Vec<Report>,
    /// Why nothing could be read, when so.
    unreadable: Option<String>,
}

impl LtvState {
    fn judge(pkg: &Package, opts: &VerifyOptions<'_>) -> Self {
        let mut st = LtvState {
            certs: opts.intermediates.to_vec(),
            crls: opts.crls.to_vec(),
            listed: Vec::new(),
            verdict: None,
            labels: Vec::new(),
            covered: BTreeSet::new(),
            checks: Vec::new(),
            stamps: Vec::new(),
            unreadable: None,
        };
        let l = match ltv::read(pkg) {
            Ok(l) => l,
            Err(e) => {
                st.checks.push(
                    Check::fail(
                        "ofd.ltv",
                        SubIndication::FormatFailure,
                        format!("LTV目录无法读取：{e}"),
                        format!("the LTV folder cannot be read: {e}"),
                    )
                    .clause(LTV_CLAUSE),
                );
                st.unreadable = Some(e.to_string());
                return st;
            }
        };
        st.checks.push(material_check(&l));
        let n = l.stamps.len();
        let mut digests: HashMap<String, [u8; 32]> = HashMap::new();
        let mut material = Material::default();
        material.extend(l.material.certs.iter().cloned(), l.material.crls.iter().cloned());
        for s in &l.stamps {
            material.extend(yinxin_pki::tsp::embedded_certs(&s.token), []);
        }
        st.certs.extend(material.certs.iter().filter(|c| !opts.intermediates.contains(c)).cloned());
        st.crls.extend(material.crls.iter().filter(|c| !opts.crls.iter().any(|x| x.der() == c.der())).cloned());
        // The stamps' TSA chains are judged with the caller's material too (a CRL the caller
        // holds may revoke a TSA).
        let mut chain_material = Material::default();
        chain_material.extend(st.certs.iter().cloned(), st.crls.iter().cloned());
        st.labels = (1..=n).map(|k| format!("package time stamp {k} of {n}")).collect();
        let chained: Vec<ChainedStamp<'_>> = l
            .stamps
            .iter()
            .zip(&st.labels)
            .map(|(s, label)| ChainedStamp { token: &s.token, data: Some(&s.manifest), label: label.clone() })
            .collect();
        let verdict = verify_chain(&chained, &chain_material, opts.trust, opts.now);
        st.checks.extend(verdict.checks.iter().cloned());
        for (k, s) in l.stamps.iter().enumerate() {
            let manifest = manifest_check(pkg, s, &mut digests);
            if manifest.outcome == yinxin_pki::Outcome::Passed {
                st.covered.extend(s.entries.iter().filter(|e| e.path.starts_with("LTV/")).map(|e| e.path.clone()));
            }
            let mut r = Report::new("ofd-package-time-stamp");
            r.location = Some(s.token_path.clone());
            r.checks.push(manifest);
            if k > 0 {
                r.checks.push(chain_check(&l, k));
            }
            if let Some(v) = verdict.stamps.get(k) {
                r.checks.extend(v.report.checks.iter().cloned());
                r.time_stamp = v.report.info.clone();
                r.poe = v.poe.clone();
                r.validation_time =
                    Some(v.control.clone().unwrap_or_else(|| yinxin_pki::time::format_instant(opts.now)));
                r.time_source = Some(if v.control.is_some() { TimeSource::TimeStamp } else { TimeSource::Now });
            }
            r.conclude();
            st.stamps.push(r);
        }
        if let Some(newest) = l.stamps.last() {
            st.covered.insert(newest.manifest_path.clone());
            st.covered.insert(newest.token_path.clone());
        }
        st.listed = l.stamps.iter().map(|s| s.entries.iter().map(|e| e.path.clone()).collect()).collect();
        st.verdict = Some(verdict);
        st
    }

    /// The proof of existence for a signature whose SignedValue file is `signed_value`: that of
    /// the oldest stamp listing it; and the `ofd.poe` check saying so.
    fn poe_for(&self, signed_value: &str) -> (Option<Poe>, Check) {
        const ID: &str = "ofd.poe";
        if let Some(why) = &self.unreadable {
            let c = Check::not_applicable(
                ID,
                format!("LTV目录无法读取，无包时间戳证明：{why}"),
                format!("the LTV folder cannot be read, so no package time stamp proves anything: {why}"),
            );
            return (None, c.clause(LTV_CLAUSE));
        }
        let Some(k) = self.listed.iter().position(|l| l.contains(signed_value)) else {
            let c = Check::not_applicable(
                ID,
                format!("没有包时间戳覆盖{signed_value}"),
                format!("no package time stamp lists {signed_value}"),
            );
            return (None, c.clause(LTV_CLAUSE));
        };
        let label = self.labels.get(k).cloned().unwrap_or_default();
        match self.verdict.as_ref().and_then(|v| v.poe_of(k)) {
            Some(p) => {
                let t = yinxin_pki::time::format_instant(p.time);
                let c = Check::pass(
                    ID,
                    format!("{label}列出{signed_value}：签名于{t}前已存在（{}）", p.by),
                    format!("{label} lists {signed_value}: the signature existed by {t} ({})", p.by),
                );
                (Some(p.clone()), c.clause(LTV_CLAUSE))
            }
            None => {
                let c = Check::not_applicable(
                    ID,
                    format!("{label}列出{signed_value}，但此后没有有效的包时间戳，无法证明存在时间"),
                    format!(
                        "{label} lists {signed_value}, but no valid package time stamp from there on proves when it existed"
                    ),
                );
                (None, c.clause(LTV_CLAUSE))
            }
        }
    }
}

/// `ofd.ltv`: the material under `LTV/Certs` and `LTV/CRLs` parses and is named by its SM3.
fn material_check(l: &Ltv) -> Check {
    const ID: &str = "ofd.ltv";
    if l.problems.is_empty() {
        Check::pass(
            ID,
            format!(
                "LTV目录：{}个包时间戳，{}张证书，{}个CRL",
                l.stamps.len(),
                l.material.certs.len(),
                l.material.crls.len()
            ),
            format!(
                "LTV folder: {} package time stamp(s), {} certificate(s), {} CRL(s)",
                l.stamps.len(),
                l.material.certs.len(),
                l.material.crls.len()
            ),
        )
        .clause(LTV_CLAUSE)
    } else {
        // As a PDF's DSS entry that does not parse: named, not used. A part a stamp lists and that
        // changed since is FAILED by ofd.ltv_manifest.
        let list: Vec<String> = l.problems.iter().map(|p| format!("{}: {}", p.path, p.detail)).collect();
        Check::warning(
            ID,
            format!("LTV验证材料有误，未使用：{}", list.join("; ")),
            format!("LTV validation material that cannot be used (ignored): {}", list.join("; ")),
        )
        .clause(LTV_CLAUSE)
    }
}

/// `ofd.ltv_manifest`: every part stamp `s` lists is there with the SM3 it lists.
fn manifest_check(pkg: &Package, s: &ltv::PackageStamp, digests: &mut HashMap<String, [u8; 32]>) -> Check {
    const ID: &str = "ofd.ltv_manifest";
    let n = s.number;
    let mut changed = Vec::new();
    let mut missing = Vec::new();
    for e in &s.entries {
        // Each part is hashed once, however many manifests list it.
        let d = match digests.get(&e.path) {
            Some(d) => *d,
            None => {
                let Some(bytes) = pkg.get(&e.path) else {
                    missing.push(format!("/{}", e.path));
                    continue;
                };
                let d = yinxin_gm::sm3::sm3(bytes).0;
                digests.insert(e.path.clone(), d);
                d
            }
        };
        if d != e.sm3 {
            changed.push(format!("/{}", e.path));
        }
    }
    if changed.is_empty() && missing.is_empty() {
        return Check::pass(
            ID,
            format!("包时间戳{n}列出的{}个文件均未改变", s.entries.len()),
            format!("all {} parts package time stamp {n} lists are unchanged", s.entries.len()),
        )
        .clause(LTV_CLAUSE);
    }
    let mut zh = Vec::new();
    let mut en = Vec::new();
    for p in &changed {
        zh.push(format!("{p}在包时间戳{n}之后被修改"));
        en.push(format!("part {p} changed after package time stamp {n}"));
    }
    for p in &missing {
        zh.push(format!("{p}在包时间戳{n}之后被删除"));
        en.push(format!("part {p} was removed after package time stamp {n}"));
    }
    Check::fail(ID, SubIndication::HashFailure, zh.join("; "), en.join("; ")).clause(LTV_CLAUSE)
}

/// `ofd.ltv_chain`: stamp `k` (0-based, k ≥ 1) lists stamp k−1's manifest and token and every
/// part stamp k−1 listed.
fn chain_check(l: &Ltv, k: usize) -> Check {
    const ID: &str = "ofd.ltv_chain";
    let (prev, cur) = (&l.stamps[k - 1], &l.stamps[k]);
    let listed: BTreeSet<&str> = cur.entries.iter().map(|e| e.path.as_str()).collect();
    let mut absent: Vec<String> = [&prev.manifest_path, &prev.token_path]
        .into_iter()
        .chain(prev.entries.iter().map(|e| &e.path))
        .filter(|p| !listed.contains(p.as_str()))
        .map(|p| format!("/{p}"))
        .collect();
    let (a, b) = (prev.number, cur.number);
    if absent.is_empty() {
        return Check::pass(
            ID,
            format!("包时间戳{b}覆盖包时间戳{a}及其覆盖的全部文件"),
            format!("package time stamp {b} covers package time stamp {a} and everything it covers"),
        )
        .clause(LTV_CLAUSE);
    }
    let more = absent.len().saturating_sub(20);
    absent.truncate(20);
    let tail = if more > 0 { format!(" (and {more} more)") } else { String::new() };
    Check::fail(
        ID,
        SubIndication::FormatFailure,
        format!("时间戳链断裂：包时间戳{b}未列出{}{tail}", absent.join(", ")),
        format!("the chain is broken: package time stamp {b} does not list {}{tail}", absent.join(", ")),
    )
    .clause(LTV_CLAUSE)
}

/// Which parts of the package the signatures protect, and which are their own files.
#[derive(Default)]
struct Coverage {
    /// Parts some signature's References cover.
    covered: std::collections::BTreeSet<String>,
    /// The signatures' own files: the lists, each Signature.xml, SignedValue.dat and seal file.
    own: std::collections::BTreeSet<String>,
}

impl Coverage {
    /// Record what one signature file protects and which files are its own.
    fn signature(&mut self, pkg: &Package, file: &SignatureFile) {
        self.own.insert(file.path.clone());
        self.own.insert(file.signed_value_path.clone());
        self.own.extend(file.seal_path.clone());
        for r in &file.references {
            if let Some(p) = reference_path(pkg, file, &r.file_ref) {
                self.covered.insert(p);
            }
        }
    }

    /// GB/T 33190-2016 §18.2: a signature protects the parts its References list. A part no
    /// signature lists (an attachment, a picture, an annotation added later) is named: a warning
    /// under the default policy (`coverage.unreferenced_parts`).
    fn check(&self, pkg: &Package) -> Check {
        const ID: &str = "ofd.unreferenced_parts";
        let loose: Vec<&str> =
            pkg.names().filter(|n| !n.ends_with('/') && !self.covered.contains(*n) && !self.own.contains(*n)).collect();
        if loose.is_empty() {
            Check::pass(ID, "包内每个文件都受签名保护", "every part of the package is protected by a signature")
        } else {
            Check::warning(
                ID,
                format!("{}个文件不受任何签名保护：{}", loose.len(), loose.join(", ")),
                format!("{} part(s) no signature protects: {}", loose.len(), loose.join(", ")),
            )
        }
    }
}

/// Where a Reference points: relative to the signature file when that part exists, else from
/// the package root (producers write both).
fn reference_path(pkg: &Package, file: &SignatureFile, file_ref: &str) -> Option<String> {
    Package::resolve(&file.path, file_ref).filter(|p| pkg.get(p).is_some()).or_else(|| Package::resolve("", file_ref))
}

fn verify_entry(
    pkg: &Package,
    path: &str,
    kind: &str,
    caller_opts: &VerifyOptions<'_>,
    coverage: &mut Coverage,
    ltv: Option<&LtvState>,
) -> Report {
    coverage.own.insert(path.to_string());
    let Some(sig_xml) = pkg.get(path) else {
        let mut r = format_failure("ofd-signature", &format!("{path} is missing"));
        r.location = Some(path.to_string());
        return r;
    };
    let file = match parse_signature(path, sig_xml) {
        Ok(f) => {
            coverage.signature(pkg, &f);
            f
        }
        Err(e) => {
            let mut r = format_failure("ofd-signature", &e.to_string());
            r.location = Some(path.to_string());
            return r;
        }
    };
    let mut ofd_checks = vec![references(pkg, &file)];
    // With LTV: the package's material beside the caller's, and the proof of existence the
    // package time stamps give this signature.
    let opts_ltv;
    let opts = match ltv {
        None => caller_opts,
        Some(l) => {
            let (poe, check) = l.poe_for(&file.signed_value_path);
            ofd_checks.push(check);
            // A proof the caller holds (an evidence record over the whole file) still counts: the
            // older of the two is the stronger.
            let poe = match (poe, caller_opts.poe.clone()) {
                (Some(a), Some(b)) => Some(if b.time < a.time { b } else { a }),
                (a, b) => a.or(b),
            };
            opts_ltv = VerifyOptions { intermediates: &l.certs, crls: &l.crls, poe, ..caller_opts.clone() };
            &opts_ltv
        }
    };
    let signed_value = pkg.get(&file.signed_value_path);
    let mut inner = match (kind, signed_value) {
        (_, None) => format_failure("ofd-signature", &format!("{} is missing", file.signed_value_path)),
        ("Sign", Some(sv)) => gmt0010::verify(sv, Some(sig_xml), opts),
        (_, Some(sv)) => match SesSignature::parse(sv) {
            Err(e) => format_failure("ses-signature", &e.to_string()),
            Ok(ses) => {
                if let Some(seal_path) = &file.seal_path {
                    ofd_checks.push(match pkg.get(seal_path) {
                        Some(b) if b == ses.seal.raw.as_slice() => Check::pass(
                            "ofd.seal_file",
                            "Seal.esl与签章中的印章一致",
                            "Seal.esl equals the seal inside the signature",
                        ),
                        Some(_) => Check::fail(
                            "ofd.seal_file",
                            SubIndication::HashFailure,
                            "Seal.esl与签章中的印章不一致",
                            "Seal.esl differs from the seal inside the signature",
                        ),
                        None => Check::fail(
                            "ofd.seal_file",
                            SubIndication::FormatFailure,
                            format!("缺少{seal_path}"),
                            format!("{seal_path} is missing"),
                        ),
                    });
                }
                let expected = format!("/{path}");
                let pi = ses.property_info.trim();
                if pi != expected && pi != path {
                    ofd_checks.push(Check::not_applicable(
                        "ofd.property_info",
                        format!("propertyInfo为“{pi}”，不是本签名文件路径"),
                        format!("propertyInfo is {pi:?}, not this Signature.xml's path"),
                    ));
                }
                verify_signature(&ses, Some(sig_xml), opts)
            }
        },
    };
    ofd_checks.append(&mut inner.checks);
    inner.checks = ofd_checks;
    inner.location = Some(path.to_string());
    inner.conclude();
    inner
}

/// SM3 of seal files (Seal.esl) by their bytes, compared in full. A seal file is the same in every
/// document its holder seals, and with its picture it is tens of kilobytes: its digest was a
/// sizeable part of checking the References. Other parts differ from document to document and
/// are hashed each time. 64 seals, at most 8 MiB ([`yinxin_pki::memo`]).
static SEAL_FILE_SM3: Memo<Box<[u8]>, [u8; 32]> = Memo::new(64, 8 << 20);

/// SM3 of a referenced part; a seal file's from [`SEAL_FILE_SM3`].
fn part_sm3(bytes: &[u8], is_seal: bool) -> [u8; 32] {
    if !is_seal {
        return yinxin_gm::sm3::sm3(bytes).0;
    }
    if let Some(d) = SEAL_FILE_SM3.get(bytes) {
        return d;
    }
    let d = yinxin_gm::sm3::sm3(bytes).0;
    SEAL_FILE_SM3.insert(bytes.into(), d, bytes.len());
    d
}

fn references(pkg: &Package, file: &SignatureFile) -> Check {
    const ID: &str = "ofd.references";
    let method = file.check_method.as_deref().unwrap_or(yinxin_pki::oid::SM3);
    if file.references.is_empty() {
        return Check::fail(
            ID,
            SubIndication::SignedDataNotFound,
            "签名未保护任何文件",
            "the signature protects no file",
        );
    }
    if !is_sm3(method) {
        return Check::indeterminate(
            ID,
            SubIndication::CryptoConstraintsFailure,
            format!("校验方法{method}无法复核（仅支持SM3）"),
            format!("check method {method} cannot be reproduced (SM3 only)"),
        );
    }
    let mut bad = Vec::new();
    for r in &file.references {
        let path = reference_path(pkg, file, &r.file_ref);
        let data = path.as_deref().and_then(|p| pkg.get(p));
        let is_seal = path.is_some() && path == file.seal_path;
        match (data, &r.check_value) {
            (None, _) => bad.push(format!("{} is missing", r.file_ref)),
            (_, None) => bad.push(format!("{}: CheckValue is not Base64", r.file_ref)),
            (Some(d), Some(v)) if part_sm3(d, is_seal).as_slice() == v.as_slice() => {}
            (Some(_), Some(_)) => bad.push(format!("{} was changed", r.file_ref)),
        }
    }
    if bad.is_empty() {
        Check::pass(
            ID,
            format!("{}个受保护文件的SM3均一致", file.references.len()),
            format!("SM3 of all {} protected files matches", file.references.len()),
        )
    } else {
        Check::fail(
            ID,
            SubIndication::HashFailure,
            format!("受保护文件不一致：{}", bad.join("; ")),
            format!("protected files do not match: {}", bad.join("; ")),
        )
    }
}
