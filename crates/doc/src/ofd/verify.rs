//! Verifying a signed OFD (GB/T 38540 §8 / GM/T 0099 as implemented by the producers in
//! `docs/standards.md` §4): for each entry of Signatures.xml, every Reference's hash over the
//! stored part, the seal file against the seal in the signature, and the signature itself over the
//! stored bytes of Signature.xml — an SES_Signature for `Type="Seal"`, GM/T 0010 signed data for
//! `Type="Sign"`.

use super::package::Package;
use super::signatures::{SignatureFile, parse_signature, parse_signatures};
use yinxin_pki::report::{Check, Report, SubIndication};
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
                    report.parts.push(verify_entry(&pkg, &entry.path, &entry.kind, opts, &mut coverage));
                }
            }
        }
        coverage.own.insert(list);
    }
    if !report.parts.is_empty() {
        report.checks.push(coverage.check(&pkg));
    }
    report.conclude();
    report
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

fn verify_entry(pkg: &Package, path: &str, kind: &str, opts: &VerifyOptions<'_>, coverage: &mut Coverage) -> Report {
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
        match (data, &r.check_value) {
            (None, _) => bad.push(format!("{} is missing", r.file_ref)),
            (_, None) => bad.push(format!("{}: CheckValue is not Base64", r.file_ref)),
            (Some(d), Some(v)) if yinxin_gm::sm3::sm3(d).0.as_slice() == v.as_slice() => {}
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
