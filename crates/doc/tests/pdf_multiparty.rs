//! A contract signed by several parties in turn, as the signing flows make it: each signature
//! prepared first and filled later (two steps, as two-party signing needs), a handwritten
//! signature bound into the first, the last one locking the document. The verifier lists every
//! signature in order with the revision it covers, passes later signatures as permitted changes,
//! reports the lock, and fails a signature added after the lock, a changed byte in any revision,
//! and strokes that are not the ones the signature binds. poppler's pdfsig reads the result.

use time::{Duration, OffsetDateTime};
use yinxin_doc::layout::Item;
use yinxin_doc::pdf::ltv::add_validation_data;
use yinxin_doc::pdf::render::{PdfSpec, render};
use yinxin_doc::pdf::sign::{Appearance, Prepared, SignatureOptions, prepare};
use yinxin_doc::pdf::verify_pdf;
use yinxin_gm::sm3::sm3;
use yinxin_pki::ltv::Material;
use yinxin_pki::report::{Indication, Outcome, Report};
use yinxin_pki::{Profile, TrustStore};
use yinxin_seal::gmt0010::SignedAttributes;
use yinxin_seal::verify::VerifyOptions;
use yinxin_tests::pki::{Party, issue};

struct Pki {
    root: Party,
    ca: Party,
    firm_a: Party,
    firm_b: Party,
    department: Party,
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

fn pki() -> Pki {
    let t0 = now();
    let (from, to) = (t0 - Duration::days(1), t0 + Duration::days(365));
    let root = issue(Profile::RootCa, "C=CN,O=yinxin test,CN=签署根CA", from, to + Duration::days(2), None);
    let ca = issue(Profile::IssuingCa, "C=CN,O=yinxin test,CN=签署CA", from, to + Duration::days(1), Some(&root));
    let firm_a = issue(Profile::Person, "C=CN,O=甲方科技有限公司,CN=张三", from, to, Some(&ca));
    let firm_b = issue(Profile::SealHolder, "C=CN,O=乙方建设有限公司,CN=乙方建设有限公司", from, to, Some(&ca));
    let department = issue(Profile::SealHolder, "C=CN,O=某区行政审批局,CN=某区行政审批局", from, to, Some(&ca));
    Pki { root, ca, firm_a, firm_b, department }
}

fn contract() -> Vec<u8> {
    render(&PdfSpec {
        title: "采购合同".into(),
        page_mm: (210.0, 297.0),
        pages: vec![vec![
            Item::Frame { x: 10.0, y: 10.0, w: 190.0, h: 277.0, line: 0.8 },
            Item::Text { x: 80.0, y: 40.0, size: 14.0, text: "采购合同".into(), bold: true },
        ]],
    })
    .unwrap()
}

/// Strokes as the signing page would send them, in their canonical bytes (any bytes will do
/// here: the PDF layer binds them by SM3 and does not read them).
const STROKES: &[u8] = b"YXHW\x01 strokes of a handwritten signature";

/// One signature in two steps: prepare, store, reopen, then sign the attributes and fill.
fn sign_step(
    pki: &Pki,
    pdf: &[u8],
    who: &Party,
    name: &str,
    options: SignatureOptions<'_>,
    bound: Option<&[u8]>,
) -> Vec<u8> {
    let at = now();
    let ap = Appearance { page: 0, rect_mm: (20.0, 200.0, 40.0, 20.0), png: None };
    let prepared = prepare(pdf, &ap, name, at, &options).unwrap();
    let stored = prepared.bytes().to_vec();
    let prepared = Prepared::reopen(stored).unwrap();
    let attrs = SignedAttributes::new(&prepared.covered_sm3().0, at, bound.map(|b| sm3(b).0).as_ref());
    let signature = who.signer().sign(&attrs.to_be_signed()).unwrap();
    let cms = attrs.assemble(&signature, &who.cert, std::slice::from_ref(&pki.ca.cert), at, None).unwrap();
    prepared.fill(&cms).unwrap()
}

fn verify(pki: &Pki, pdf: &[u8]) -> Report {
    let trust = TrustStore::new(vec![pki.root.cert.clone()]);
    let inter = [pki.ca.cert.clone()];
    verify_pdf(pdf, &VerifyOptions { intermediates: &inter, ..VerifyOptions::new(&trust) })
}

fn check<'a>(r: &'a Report, id: &str) -> &'a yinxin_pki::Check {
    r.checks.iter().find(|c| c.id == id).unwrap_or_else(|| panic!("no {id} in {}", dump(r)))
}

fn dump(r: &Report) -> String {
    let mut s = format!("{:?} {:?}\n", r.indication, r.sub_indication);
    for p in &r.parts {
        s.push_str(&format!("  {} {:?}\n", p.location.as_deref().unwrap_or(p.kind), p.indication));
        for c in &p.checks {
            s.push_str(&format!("    [{:?}] {} {}\n", c.outcome, c.id, c.reason_en));
        }
    }
    s
}

/// Firm A signs by hand, firm B seals, the department approves, seals and locks.
fn three_party(pki: &Pki) -> Vec<u8> {
    let a = SignatureOptions { handwriting: Some(STROKES), reason: Some("甲方签署"), ..Default::default() };
    let pdf = sign_step(pki, &contract(), &pki.firm_a, "甲方 张三", a, Some(STROKES));
    let b = SignatureOptions { reason: Some("乙方盖章"), ..Default::default() };
    let pdf = sign_step(pki, &pdf, &pki.firm_b, "乙方建设有限公司", b, None);
    let c = SignatureOptions { reason: Some("审批并锁定"), lock: true, ..Default::default() };
    sign_step(pki, &pdf, &pki.department, "某区行政审批局", c, None)
}

#[test]
fn every_signature_in_order_with_its_revision_and_the_lock() {
    let pki = pki();
    let pdf = three_party(&pki);
    let r = verify(&pki, &pdf);
    assert_eq!(r.indication, Indication::Passed, "{}", dump(&r));
    let names: Vec<&str> = r.parts.iter().map(|p| p.location.as_deref().unwrap()).collect();
    assert_eq!(names, ["signature 1 (甲方 张三)", "signature 2 (乙方建设有限公司)", "signature 3 (某区行政审批局)"]);
    for (i, p) in r.parts.iter().enumerate() {
        assert_eq!(p.indication, Indication::Passed, "{}", dump(&r));
        let rev = check(p, "pdf.revision");
        assert!(rev.reason_en.contains(&format!("revision {} of 4", i + 2)), "{}", rev.reason_en);
        assert!(
            p.checks.iter().all(|c| c.outcome == Outcome::Passed || c.outcome == Outcome::NotApplicable),
            "{}",
            dump(&r)
        );
    }
    // Later signatures are permitted changes, each named.
    let m = check(&r.parts[0], "pdf.modifications");
    assert!(m.reason_en.contains("only further signatures"), "{}", m.reason_en);
    assert_eq!(m.reason_en.matches("1 further signature(s)").count(), 2, "{}", m.reason_en);
    // The handwriting the first signature binds.
    let h = check(&r.parts[0], "pdf.handwriting");
    assert!(h.reason_en.contains(&sm3(STROKES).to_hex()), "{}", h.reason_en);
    assert!(r.parts[1].checks.iter().all(|c| c.id != "pdf.handwriting"));
    // The lock.
    let lock = check(&r.parts[2], "pdf.lock");
    assert_eq!(lock.outcome, Outcome::Passed);
    assert!(lock.reason_en.contains("locked the document"), "{}", lock.reason_en);
    assert!(lock.clause.unwrap_or("").contains("12.8.2.4"));

    // poppler reads the three signatures.
    let path = std::env::temp_dir().join(format!("yinxin-multiparty-{}.pdf", std::process::id()));
    std::fs::write(&path, &pdf).unwrap();
    let (_, out) = yinxin_tests::tool("pdfsig", &[path.to_str().unwrap()]);
    let _ = std::fs::remove_file(&path);
    assert!(out.contains("Signature #3"), "{out}");
    assert!(!out.contains("Signature #4"), "{out}");
}

#[test]
fn validation_data_after_the_lock_is_permitted_and_a_fourth_signature_is_not() {
    let pki = pki();
    let pdf = three_party(&pki);
    let mut m = Material::default();
    m.extend([pki.root.cert.clone(), pki.ca.cert.clone()], []);
    let with_ltv = add_validation_data(&pdf, &m).unwrap();
    let r = verify(&pki, &with_ltv);
    assert_eq!(r.indication, Indication::Passed, "{}", dump(&r));
    let lock = check(&r.parts[2], "pdf.lock");
    assert!(lock.reason_en.contains("only validation data"), "{}", lock.reason_en);

    let after = sign_step(&pki, &pdf, &pki.firm_b, "乙方建设有限公司", SignatureOptions::default(), None);
    let r = verify(&pki, &after);
    // EN 319 102-1 and EU DSS: a change the signer's constraints forbid is
    // INDETERMINATE/SIG_CONSTRAINTS_FAILURE; never PASSED.
    assert_eq!(r.indication, Indication::Indeterminate, "{}", dump(&r));
    assert_eq!(r.parts[2].indication, Indication::Indeterminate);
    assert_eq!(r.parts[2].sub_indication, Some(yinxin_pki::report::SubIndication::SigConstraintsFailure));
    let lock = check(&r.parts[2], "pdf.lock");
    assert_eq!(lock.outcome, Outcome::Indeterminate);
    assert!(lock.reason_en.contains("yet it was changed after"), "{}", lock.reason_en);
    // The signatures before the lock stay valid: a further signature is a permitted change for them.
    assert_eq!(r.parts[0].indication, Indication::Passed, "{}", dump(&r));
}

/// Where each signature's signed range ends and its /Contents hole lies, from the /ByteRange
/// text of the file.
fn ranges(pdf: &[u8]) -> Vec<(usize, usize, usize)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = pdf[from..].windows(12).position(|w| w == b"/ByteRange [").map(|p| p + from + 12) {
        let close = at + pdf[at..].iter().position(|b| *b == b']').unwrap();
        let n: Vec<usize> =
            std::str::from_utf8(&pdf[at..close]).unwrap().split_whitespace().map(|x| x.parse().unwrap()).collect();
        out.push((n[1], n[2], n[2] + n[3]));
        from = close;
    }
    out
}

#[test]
fn a_changed_byte_in_any_revision_is_reported() {
    let pki = pki();
    let pdf = three_party(&pki);
    let ranges = ranges(&pdf);
    assert_eq!(ranges.len(), 3);
    // Twenty bytes spread over each revision — the original and the three the signatures add —
    // each changed in turn, including bytes of the earlier signatures' /Contents (which the
    // later signatures cover).
    let mut starts = vec![0];
    starts.extend(ranges.iter().map(|r| r.2));
    for k in 0..3 {
        let (from, to) = (starts[k], starts[k + 1]);
        for j in 0..20 {
            let at = from + (to - from) * j / 20 + 7;
            let mut bad = pdf.clone();
            bad[at] ^= 0x01;
            let r = verify(&pki, &bad);
            assert_ne!(r.indication, Indication::Passed, "revision {} changed at byte {at}: {}", k + 1, dump(&r));
        }
    }
    // The last signature's /Contents is covered by none: a changed byte of its DER breaks it, a
    // changed byte of its zero padding is reported as data hidden there.
    let (hole_start, hole_end, _) = ranges[2];
    for at in [hole_start + 5, hole_end - 10] {
        let mut bad = pdf.clone();
        bad[at] = if bad[at] == b'7' { b'8' } else { b'7' };
        let r = verify(&pki, &bad);
        assert_ne!(r.indication, Indication::Passed, "/Contents byte {at}: {}", dump(&r));
    }
}

#[test]
fn strokes_that_are_not_the_bound_ones_fail() {
    let pki = pki();
    let a = SignatureOptions { handwriting: Some(STROKES), ..Default::default() };
    let pdf = sign_step(&pki, &contract(), &pki.firm_a, "甲方 张三", a, Some(b"other strokes"));
    let r = verify(&pki, &pdf);
    assert_eq!(r.indication, Indication::Failed, "{}", dump(&r));
    let h = check(&r.parts[0], "pdf.handwriting");
    assert_eq!(h.outcome, Outcome::Failed);
    // Strokes the signature does not bind at all: a warning, the picture may come from elsewhere.
    let pdf = sign_step(&pki, &contract(), &pki.firm_a, "甲方 张三", a, None);
    let r = verify(&pki, &pdf);
    assert_eq!(check(&r.parts[0], "pdf.handwriting").outcome, Outcome::Warning, "{}", dump(&r));
    // A signature that binds strokes the document lacks.
    // That cannot be judged: INDETERMINATE, as a signature whose signed data is missing.
    let pdf = sign_step(&pki, &contract(), &pki.firm_a, "甲方 张三", SignatureOptions::default(), Some(STROKES));
    let r = verify(&pki, &pdf);
    assert_eq!(check(&r.parts[0], "pdf.handwriting").outcome, Outcome::Indeterminate, "{}", dump(&r));
}

#[test]
fn a_prepared_pdf_is_reopened_only_when_it_is_one() {
    let ap = Appearance { page: 0, rect_mm: (20.0, 200.0, 40.0, 20.0), png: None };
    let p = prepare(&contract(), &ap, "x", now(), &SignatureOptions::default()).unwrap();
    assert!(Prepared::reopen(p.bytes().to_vec()).is_ok());
    assert!(Prepared::reopen(contract()).is_err());
    let mut filled = p.clone().fill(&[0x30, 0x03, 0x02, 0x01, 0x01]).unwrap();
    assert!(Prepared::reopen(filled.clone()).is_err(), "a filled one is no longer open");
    filled.extend_from_slice(b"\n");
    assert!(Prepared::reopen(filled).is_err());
    assert!(p.fill(&vec![0u8; 20_000]).is_err(), "more than /Contents holds");
}
