//! The clock test (issue 20): a licence issued and a transaction filed and exported today; its
//! PDF, its OFD and its package made long-term (validation material and a time stamp), renewed at
//! year 9 by a second TSA generation and at year 18 by a third (the package's hash tree moving from
//! SM3 to SHA-256 then); the issuing CA revoked at year 20; at year 31 — when the department's
//! certificate, its seal, the issuing CA, the seal maker and the first two TSA generations have
//! all expired — all three verify PASSED from their own bytes (no network, no service), each
//! report naming the proof it relied on. Without the renewals the same check is INDETERMINATE,
//! never PASSED.
//!
//! The newest stamp has to be checked against a TSA certificate that is valid at the time of
//! checking: nothing else tells a genuine stamp from one made later with a retired key. So the
//! third generation's certificate (years 18 to 33) is the one certificate still valid at year 31;
//! keeping one valid is exactly what renewal does.

use std::path::Path;
use std::sync::Arc;
use time::{Duration, OffsetDateTime};
use yinxin_archive::check::Outcome;
use yinxin_archive::inspect::Verdict;
use yinxin_archive::model::{MaterialIn, TransactionMeta};
use yinxin_archive::service::{Actor, Archive, Authority};
use yinxin_pki::chain::RevocationPolicy;
use yinxin_pki::crl::Revoked;
use yinxin_pki::ltv::Material;
use yinxin_pki::report::{Indication, Report};
use yinxin_pki::tsp::{HashAlg, TimeStampAuthority};
use yinxin_pki::{Crl, Profile, TrustStore};
use yinxin_seal::Seal;
use yinxin_seal::make::{CertListForm, SealKind, SealRequest, make_seal};
use yinxin_seal::verify::{At, VerifyOptions};
use yinxin_tests::pki::{Party, crl, issue, signer, years};

fn t0() -> OffsetDateTime {
    static T0: std::sync::OnceLock<OffsetDateTime> = std::sync::OnceLock::new();
    *T0.get_or_init(|| OffsetDateTime::now_utc().replace_nanosecond(0).unwrap_or(OffsetDateTime::now_utc()))
}

/// t0 plus `y` years of 365.25 days.
fn year(y: f64) -> OffsetDateTime {
    years(t0(), y)
}

/// A round red stamp, as the PDF widget wants it (8-bit RGBA PNG).
fn picture() -> Vec<u8> {
    let img = image::RgbaImage::from_fn(96, 96, |x, y| {
        let (dx, dy) = (x as f64 - 47.5, y as f64 - 47.5);
        let r = (dx * dx + dy * dy).sqrt();
        if (40.0..46.0).contains(&r) || r < 8.0 { image::Rgba([200, 16, 16, 255]) } else { image::Rgba([0, 0, 0, 0]) }
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// The PKI: a root (years −1 to 60); an issuing CA (−1 to 30, revoked at year 20) for the
/// department (0 to 3), the seal maker (−1 to 5) and the first two TSA generations (0 to 10,
/// 9 to 19); a second CA (17 to 47) for the third (18 to 33); the department's seal (0 to 3).
struct Pki {
    root: Party,
    ca: Party,
    ca2: Party,
    dept: Party,
    seal: Seal,
    tsas: Vec<TimeStampAuthority>,
}

const DEPT: &str = "C=CN,O=某市市场监督管理局,organizationIdentifier=11530100MB0123456A,CN=某市市场监督管理局";

fn pki() -> Pki {
    let root = issue(Profile::RootCa, "C=CN,O=yinxin clock test,CN=时钟测试根CA", year(-1.0), year(60.0), None);
    let ca =
        issue(Profile::IssuingCa, "C=CN,O=yinxin clock test,CN=时钟测试签发CA", year(-1.0), year(30.0), Some(&root));
    let dept = issue(Profile::SealHolder, DEPT, year(0.0) - Duration::days(2), year(3.0), Some(&ca));
    let maker = issue(Profile::SealMaker, "C=CN,O=yinxin clock test,CN=某市制章中心", year(-1.0), year(5.0), Some(&ca));
    let seal = make_seal(
        &SealRequest {
            es_id: "53010000000042".into(),
            kind: SealKind::Official,
            name: "某市市场监督管理局".into(),
            holders: vec![dept.cert.clone()],
            cert_list_form: CertListForm::Certificates,
            valid_start: year(0.0) - Duration::days(1),
            valid_end: year(3.0),
            picture_kind: "PNG".into(),
            picture: picture(),
            picture_mm: (40, 40),
            vid: "yinxin".into(),
        },
        &maker.cert,
        signer(&maker.key).as_ref(),
        year(0.0) - Duration::days(1),
    )
    .unwrap();
    // The third generation comes from a CA made at year 17, as the first CA nears its end.
    let ca2 =
        issue(Profile::IssuingCa, "C=CN,O=yinxin clock test,CN=时钟测试签发CA二", year(17.0), year(47.0), Some(&root));
    let spans = [(0.0, 10.0), (9.0, 19.0), (18.0, 33.0)];
    let tsas = spans
        .iter()
        .enumerate()
        .map(|(g, (from, to))| {
            let issuer = if g < 2 { &ca } else { &ca2 };
            let p = issue(
                Profile::TimeStamping,
                &format!("C=CN,O=yinxin clock test,CN=时钟测试时间戳服务第{}代", g + 1),
                year(*from) - Duration::days(1),
                year(*to),
                Some(issuer),
            );
            TimeStampAuthority::new(p.cert, vec![issuer.cert.clone()], signer(&p.key), "1.2.156.112233.1.1").unwrap()
        })
        .collect();
    Pki { root, ca, ca2, dept, seal, tsas }
}

impl Pki {
    fn crl(&self, issuer: &Party, at: OffsetDateTime, revoked: Vec<Revoked>) -> Crl {
        crl(issuer, at, 7, revoked)
    }

    /// What a renewal at `at` carries: the CA chain, every TSA generation's certificate so far,
    /// and CRLs of that day from the root and the issuing CA.
    fn material(&self, at: OffsetDateTime) -> Material {
        let mut m = Material::default();
        let mut certs = vec![self.root.cert.clone(), self.ca.cert.clone()];
        let mut crls = vec![self.crl(&self.root, at, vec![]), self.crl(&self.ca, at, vec![])];
        if at >= self.ca2.cert.not_before {
            certs.push(self.ca2.cert.clone());
            crls.push(self.crl(&self.ca2, at, vec![]));
        }
        certs.extend(self.tsas.iter().map(|t| t.cert().clone()));
        m.extend(certs, crls);
        m
    }

    /// The root's CRL of year 20, on which the issuing CA is revoked (key compromise).
    fn ca_revoked(&self) -> Crl {
        let r = Revoked { serial: self.ca.cert.serial.clone(), date: year(20.0), reason: Some(1) };
        self.crl(&self.root, year(20.0) + Duration::days(1), vec![r])
    }
}

/// Verification with only the root trusted, at `now`, with `crls` given by the caller; it seals
/// (the package's list) with the department's key and TSA generation 1.
struct Verifier {
    pki: Arc<Pki>,
    trust: TrustStore,
    crls: Vec<Crl>,
    now: OffsetDateTime,
}

impl Verifier {
    fn new(pki: &Arc<Pki>, now: OffsetDateTime, crls: Vec<Crl>) -> Self {
        Verifier { pki: pki.clone(), trust: TrustStore::new(vec![pki.root.cert.clone()]), crls, now }
    }
    fn opts(&self) -> VerifyOptions<'_> {
        VerifyOptions {
            crls: &self.crls,
            revocation: RevocationPolicy::IfAvailable,
            at: At::Now,
            now: self.now,
            ..VerifyOptions::new(&self.trust)
        }
    }
}

impl Authority for Verifier {
    fn verify(&self, bytes: &[u8]) -> Option<Report> {
        yinxin_doc::stamp::verify_any(bytes, None, &self.opts())
    }
    fn seal(&self, _department: &str, data: &[u8]) -> Result<Vec<u8>, String> {
        let sig = yinxin_seal::make::sign(
            &yinxin_seal::make::SignRequest {
                seal: &self.pki.seal,
                signer_cert: &self.pki.dept.cert,
                signer: signer(&self.pki.dept.key).as_ref(),
                data,
                property_info: "archive/list",
                tsa: Some(&self.pki.tsas[0]),
            },
            self.now,
        )
        .map_err(|e| e.to_string())?;
        Ok(sig.raw)
    }
    fn verify_seal(&self, signature: &[u8], data: &[u8]) -> Report {
        yinxin_seal::verify::verify_signature_bytes(signature, Some(data), &self.opts())
    }
    fn verify_seal_proven(
        &self,
        signature: &[u8],
        data: &[u8],
        material: &Material,
        poe: Option<&yinxin_pki::report::Poe>,
    ) -> Report {
        let mut crls = self.crls.clone();
        crls.extend(material.crls.iter().cloned());
        let opts = VerifyOptions { intermediates: &material.certs, crls: &crls, poe: poe.cloned(), ..self.opts() };
        yinxin_seal::verify::verify_signature_bytes(signature, Some(data), &opts)
    }
    fn evidence_trust(&self) -> Option<(&TrustStore, OffsetDateTime)> {
        Some((&self.trust, self.now))
    }
    fn tool(&self) -> String {
        "clock test".into()
    }
}

/// A business licence issued today by the department, sealed and time-stamped by generation 1.
fn licence(pki: &Pki) -> yinxin_licence::issue::Issued {
    let cat = yinxin_licence::catalogue::Catalogue::built_in().unwrap();
    let t = cat.get("营业执照").unwrap();
    let fields: std::collections::BTreeMap<String, String> = serde_json::from_str(
        &std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/营业执照.json")).unwrap(),
    )
    .unwrap();
    let req = yinxin_licence::issue::IssueRequest {
        ltype: t,
        fields,
        issuer: "某市市场监督管理局".into(),
        issuer_code: "11530100MB0123456A".into(),
        serial: None,
        version: 1,
        verify_url: "https://127.0.0.1:8443/verify".into(),
        issued_on: None,
    };
    let s = signer(&pki.dept.key);
    let chain = [pki.ca.cert.clone()];
    let sealing = yinxin_licence::issue::Sealing {
        seal: &pki.seal,
        cert: &pki.dept.cert,
        chain: &chain,
        signer: s.as_ref(),
        tsa: Some(&pki.tsas[0]),
    };
    yinxin_licence::issue::issue(&req, &sealing, year(0.0)).unwrap()
}

/// File the licence as the result of a transaction and export the package into `dir`.
async fn package(pki: &Arc<Pki>, licence_pdf: &[u8], work: &Path) -> std::path::PathBuf {
    let db = yinxin_store::Db::connect(&format!("sqlite://{}", work.join("db.sqlite").display()), 2).await.unwrap();
    let blobs = Arc::new(yinxin_store::blob::LocalBlobs::open(&work.join("blobs")).unwrap());
    let archive = Archive { db, blobs, limits: yinxin_archive::unpack::Limits::default(), clamd: None };
    let actor = Actor { id: "clock".into(), role: "department".into(), department: "11530100MB0123456A".into() };
    let day = year(0.0).date().to_string();
    let rfc = |t: OffsetDateTime| t.format(&time::format_description::well_known::Rfc3339).unwrap();
    let meta: TransactionMeta = serde_json::from_value(serde_json::json!({
        "txn_no": "CLOCK-1", "item_code": "530100-CLOCK-001", "item_name": "公司设立登记", "region_code": "530100",
        "applicant": {"name": "某某科技有限公司", "kind": "organisation", "id_type": "统一社会信用代码", "id_number": "91530100MA6N1XYZ2K"},
        "accepted_at": rfc(year(0.0) - Duration::hours(3)), "completed_at": rfc(year(0.0) - Duration::hours(1)),
        "result": "准予"}))
    .unwrap();
    let mat: MaterialIn = MaterialIn {
        meta: serde_json::from_value(serde_json::json!({
            "title": "营业执照", "responsible": "某市市场监督管理局", "date": day, "code": "R001", "class": "result",
            "file_name": "营业执照.pdf", "source": "licence_library", "sharing": "none"}))
        .unwrap(),
        content: licence_pdf.to_vec(),
    };
    let today = Arc::new(Verifier::new(pki, OffsetDateTime::now_utc(), vec![]));
    let filed = archive.ingest(&actor, meta, vec![mat], today.clone()).await.unwrap();
    let dir = work.join("package");
    archive.export(&actor, &filed.id, &dir, today.as_ref(), yinxin_store::now_ts()).await.unwrap();
    dir
}

fn part<'r>(r: &'r Report, kind: &str) -> &'r Report {
    r.parts.iter().find(|p| p.kind == kind).unwrap_or_else(|| panic!("no {kind} part: {r:#?}"))
}

fn verify_doc(pki: &Arc<Pki>, bytes: &[u8], now: OffsetDateTime, crls: Vec<Crl>) -> Report {
    let v = Verifier::new(pki, now, crls);
    yinxin_doc::stamp::verify_any(bytes, None, &v.opts()).unwrap()
}

fn check<'c>(checks: &'c [yinxin_archive::check::CheckResult], id: &str) -> &'c yinxin_archive::check::CheckResult {
    checks.iter().find(|c| c.id == id).unwrap_or_else(|| panic!("no {id}: {checks:#?}"))
}

#[tokio::test]
async fn thirty_one_years_on_the_licence_and_the_package_still_verify() {
    let pki = Arc::new(pki());
    let lic = licence(&pki);
    let work = tempfile::tempdir().unwrap();
    let pkg = package(&pki, &lic.pdf, work.path()).await;
    let bare = work.path().join("bare");
    yinxin_tests::copy_dir(&pkg, &bare);

    // Today: long-term form, by generation 1.
    let now = OffsetDateTime::now_utc();
    let m0 = pki.material(now);
    let pdf0 = yinxin_doc::pdf::ltv::extend(&lic.pdf, &m0, &pki.tsas[0], now).unwrap();
    let ofd0 = yinxin_doc::ofd::ltv::extend(&lic.ofd, &m0, &pki.tsas[0], now).unwrap();
    yinxin_archive::evidence::make(&[&pkg], HashAlg::Sm3, &pki.tsas[0], &m0, now).unwrap();
    yinxin_archive::evidence::make(&[&bare], HashAlg::Sm3, &pki.tsas[0], &m0, now).unwrap();
    for (what, r) in [("pdf", verify_doc(&pki, &pdf0, now, vec![])), ("ofd", verify_doc(&pki, &ofd0, now, vec![]))] {
        assert_eq!(r.indication, Indication::Passed, "{what} today: {r:#?}");
    }
    let today = Verifier::new(&pki, now, vec![]);
    let (v, checks) = yinxin_archive::export::verify_package(&pkg, &today);
    assert_eq!(v, Verdict::Accepted, "{checks:#?}");
    // A verifier that trusts nothing passes neither the record nor the seal, whatever the record
    // carries (it carries the root certificate among its validation material).
    let nobody = Verifier { trust: TrustStore::default(), ..Verifier::new(&pki, now, vec![]) };
    let (v, checks) = yinxin_archive::export::verify_package(&pkg, &nobody);
    assert_eq!(check(&checks, "AUT-03").outcome, Outcome::Warn, "{checks:#?}");
    assert_eq!(check(&checks, "AUT-02").outcome, Outcome::Warn, "{checks:#?}");
    assert_eq!(v, Verdict::AcceptedWithWarnings);

    // Year 9: generation 2 renews, a year before generation 1 ends. Year 18: generation 3; the
    // package's record moves to a SHA-256 hash tree (a hash-tree renewal).
    let (y9, y18) = (year(9.0), year(18.0));
    let pdf9 = yinxin_doc::pdf::ltv::extend(&pdf0, &pki.material(y9), &pki.tsas[1], y9).unwrap();
    let ofd9 = yinxin_doc::ofd::ltv::extend(&ofd0, &pki.material(y9), &pki.tsas[1], y9).unwrap();
    yinxin_archive::evidence::renew(&[&pkg], HashAlg::Sm3, &pki.tsas[1], &pki.material(y9), y9).unwrap();
    let pdf18 = yinxin_doc::pdf::ltv::extend(&pdf9, &pki.material(y18), &pki.tsas[2], y18).unwrap();
    let ofd18 = yinxin_doc::ofd::ltv::extend(&ofd9, &pki.material(y18), &pki.tsas[2], y18).unwrap();
    yinxin_archive::evidence::renew(&[&pkg], HashAlg::Sha256, &pki.tsas[2], &pki.material(y18), y18).unwrap();
    let record = yinxin_archive::evidence::read(&pkg).unwrap().unwrap();
    assert_eq!(record.chains().len(), 2, "an SM3 chain of two stamps, then a SHA-256 chain");
    assert_eq!(record.stamp_count(), 3);
    // A package left out of the renewals is named.
    assert_eq!(yinxin_archive::evidence::gaps(&[&pkg, &bare]).unwrap(), vec![bare.as_path()]);
    // The independent checker (no yinxin code) recomputes every hash tree of the real package.
    let files: Vec<std::path::PathBuf> =
        yinxin_archive::evidence::group(&pkg).unwrap().into_iter().map(|(p, _)| pkg.join("data").join(p)).collect();
    let out = std::process::Command::new("python3")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/ers/check_ers.py"))
        .arg(pkg.join("data").join(yinxin_archive::evidence::RECORD))
        .args(&files)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));

    // Year 31, the issuing CA revoked at year 20 (its CRL given), every certificate of the
    // licence and the package expired: PASSED from the files alone, each naming its proof.
    let y31 = year(31.0);
    for crls in [vec![], vec![pki.ca_revoked()]] {
        let r = verify_doc(&pki, &pdf18, y31, crls.clone());
        assert_eq!(r.indication, Indication::Passed, "PDF at year 31: {r:#?}");
        let sig = part(&r, "pdf-signature");
        let poe = sig.poe.as_ref().expect("the signature names its proof");
        assert!(poe.by.contains("document time stamp 1 of 3"), "{poe:?}");
        let r = verify_doc(&pki, &ofd18, y31, crls.clone());
        assert_eq!(r.indication, Indication::Passed, "OFD at year 31: {r:#?}");
        let sig = part(&r, "ses-signature");
        assert!(sig.poe.as_ref().expect("named proof").by.contains("package time stamp 1 of 3"), "{:?}", sig.poe);
        let later = Verifier::new(&pki, y31, crls);
        let (v, checks) = yinxin_archive::export::verify_package(&pkg, &later);
        assert_eq!(v, Verdict::Accepted, "package at year 31: {checks:#?}");
        let aut03 = check(&checks, "AUT-03");
        assert!(aut03.detail.contains("archive time stamp 1 of 3"), "{aut03:?}");
        let aut02 = check(&checks, "AUT-02");
        assert!(
            aut02.detail.contains("PASSED") && aut02.detail.contains("proven by archive time stamp 1 of 3"),
            "{aut02:?}"
        );
    }

    // Without the renewals: INDETERMINATE (no proof of existence), never PASSED.
    let r = verify_doc(&pki, &pdf0, y31, vec![]);
    assert_eq!(r.indication, Indication::Indeterminate, "PDF without renewals: {r:#?}");
    let r = verify_doc(&pki, &ofd0, y31, vec![]);
    assert_eq!(r.indication, Indication::Indeterminate, "OFD without renewals: {r:#?}");
    let later = Verifier::new(&pki, y31, vec![]);
    let (v, checks) = yinxin_archive::export::verify_package(&bare, &later);
    assert_ne!(v, Verdict::Accepted, "{checks:#?}");
    assert_eq!(check(&checks, "AUT-03").outcome, Outcome::Warn, "{checks:#?}");
    let aut02 = check(&checks, "AUT-02");
    assert!(aut02.detail.contains("INDETERMINATE"), "{aut02:?}");

    // One flipped byte anywhere in the package breaks its record (and the bag).
    let files = yinxin_tests::files_under(&pkg.join("data"));
    for f in files.iter().filter(|f| !f.ends_with("evidence.ers")) {
        let flipped = work.path().join("flipped");
        let _ = std::fs::remove_dir_all(&flipped);
        yinxin_tests::copy_dir(&pkg, &flipped);
        let target = flipped.join(f.strip_prefix(&pkg).unwrap());
        let mut b = std::fs::read(&target).unwrap();
        let i = b.len() / 2;
        b[i] ^= 0x01;
        std::fs::write(&target, b).unwrap();
        let (v, checks) = yinxin_archive::export::verify_package(&flipped, &later);
        assert_eq!(v, Verdict::Rejected, "{}", f.display());
        assert_eq!(check(&checks, "AUT-03").outcome, Outcome::Fail, "{}: {checks:#?}", f.display());
    }
}
