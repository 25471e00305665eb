//! Long-term validation of OFD packages (`LTV/`, `yinxin_doc::ofd::ltv`): a sealed OFD extended
//! with validation material and a package time stamp verifies, keeps every other part byte for
//! byte, stays valid 31 years on through renewals by later TSA generations, and any change after
//! a stamp is found. The PKI is made here, with validity periods measured in years from t0.

use std::collections::BTreeMap;
use time::{Duration, OffsetDateTime};
use yinxin_doc::ofd::Package;
use yinxin_doc::ofd::ltv::{self, ManifestEntry};
use yinxin_doc::ofd::sign::{StampPlace, seal};
use yinxin_doc::ofd::verify_ofd;
use yinxin_doc::ofd::write::{DocumentSpec, Item, PackageBuilder, build};

use yinxin_pki::chain::RevocationPolicy;
use yinxin_pki::crl::Revoked;
use yinxin_pki::ltv::Material;
use yinxin_pki::report::{Indication, Outcome, Report, SubIndication};
use yinxin_pki::tsp::TimeStampAuthority;
use yinxin_pki::{Crl, Profile, TrustStore};
use yinxin_seal::Seal;
use yinxin_seal::make::{CertListForm, SealKind, SealRequest, SignRequest, make_seal};
use yinxin_seal::verify::VerifyOptions;
use yinxin_tests::pki::{Party, signer};

/// 2026-01-01T00:00:00Z.
fn t0() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_767_225_600).unwrap()
}

/// t0 plus `y` years (of 365.25 days).
fn year(y: f64) -> OffsetDateTime {
    t0() + Duration::seconds((y * 365.25 * 86_400.0) as i64)
}

/// A certificate for `cn` in the test organisation.
fn issue(profile: Profile, cn: &str, from: OffsetDateTime, to: OffsetDateTime, issuer: Option<&Party>) -> Party {
    yinxin_tests::pki::issue(profile, &format!("C=CN,O=yinxin LTV test,CN={cn}"), from, to, issuer)
}

/// The test PKI:
/// - a root CA valid from year −1 to 60;
/// - an issuing CA (years −1 to 30) for the seal holder (years 0 to 3), the seal maker (−1 to 5)
///   and the first three TSA generations;
/// - a second issuing CA (years 26 to 56) for the fourth TSA generation;
/// - TSA generation g (1–4) valid for ten years from year 9·(g−1), less a day.
struct Pki {
    root: Party,
    ca: Party,
    holder: Party,
    seal: Seal,
    tsas: Vec<TimeStampAuthority>,
}

fn pki() -> Pki {
    let root = issue(Profile::RootCa, "LTV测试根CA", year(-1.0), year(60.0), None);
    let ca = issue(Profile::IssuingCa, "LTV测试签发CA", year(-1.0), year(30.0), Some(&root));
    let ca2 = issue(Profile::IssuingCa, "LTV测试签发CA二", year(26.0), year(56.0), Some(&root));
    let holder = issue(Profile::SealHolder, "某市市场监督管理局", year(0.0) - Duration::days(30), year(3.0), Some(&ca));
    let maker = issue(Profile::SealMaker, "某市制章中心", year(-1.0), year(5.0), Some(&ca));
    let seal = make_seal(
        &SealRequest {
            es_id: "53010000000077".into(),
            kind: SealKind::Official,
            name: "某市市场监督管理局".into(),
            holders: vec![holder.cert.clone()],
            cert_list_form: CertListForm::Certificates,
            valid_start: t0() - Duration::days(1),
            valid_end: year(3.0),
            picture_kind: "PNG".into(),
            picture: b"\x89PNG stand-in picture".to_vec(),
            picture_mm: (42, 42),
            vid: "yinxin".into(),
        },
        &maker.cert,
        signer(&maker.key).as_ref(),
        t0() - Duration::days(1),
    )
    .unwrap();
    let tsas = (1..=4)
        .map(|g: i32| {
            let start = year(9.0 * f64::from(g - 1));
            let issuer = if g < 4 { &ca } else { &ca2 };
            let p = issue(
                Profile::TimeStamping,
                &format!("LTV测试时间戳服务第{g}代"),
                start - Duration::days(1),
                year(9.0 * f64::from(g - 1) + 10.0),
                Some(issuer),
            );
            TimeStampAuthority::new(p.cert, vec![issuer.cert.clone()], signer(&p.key), "1.2.156.112233.1.1").unwrap()
        })
        .collect();
    Pki { root, ca, holder, seal, tsas }
}

impl Pki {
    fn trust(&self) -> TrustStore {
        TrustStore::new(vec![self.root.cert.clone()])
    }

    /// A CRL of `issuer` made at `at`, valid 30 days, revoking `revoked`.
    fn crl(&self, issuer: &Party, at: OffsetDateTime, revoked: Vec<Revoked>) -> Crl {
        yinxin_tests::pki::crl(issuer, at, 30, revoked)
    }

    /// Fresh CRLs at `at` for the issuing CA's subjects and for the root's.
    fn crls_at(&self, at: OffsetDateTime) -> Vec<Crl> {
        vec![self.crl(&self.ca, at, Vec::new()), self.crl(&self.root, at, Vec::new())]
    }

    /// A one-page document sealed at t0, with the signature time-stamped by TSA generation 1.
    fn sealed_ofd(&self) -> Vec<u8> {
        let mut b = build(&spec()).unwrap();
        let key = signer(&self.holder.key);
        let req = SignRequest {
            seal: &self.seal,
            signer_cert: &self.holder.cert,
            signer: key.as_ref(),
            data: b"",
            property_info: "",
            tsa: Some(&self.tsas[0]),
        };
        seal(&mut b, &req, StampPlace { page: 0, x: 120.0, y: 230.0, w: 42.0, h: 42.0 }, t0()).unwrap();
        b.to_zip().unwrap()
    }

    /// Sealed, then extended an hour later with the issuing CA and fresh CRLs.
    fn extended_once(&self) -> (Vec<u8>, Vec<u8>) {
        let sealed = self.sealed_ofd();
        let at = t0() + Duration::hours(1);
        let material = Material { certs: vec![self.ca.cert.clone()], crls: self.crls_at(at) };
        let once = ltv::extend(&sealed, &material, &self.tsas[0], at).unwrap();
        (sealed, once)
    }

    /// Renewed at year `at` by TSA generation `g` (1-based), with fresh CRLs for the previous
    /// generation's chain.
    fn renew(&self, ofd: &[u8], at: f64, g: usize) -> Vec<u8> {
        let when = year(at);
        let material = Material { certs: Vec::new(), crls: self.crls_at(when) };
        ltv::extend(ofd, &material, &self.tsas[g - 1], when).unwrap()
    }

    /// Verify at `now`, trusting the root only; `crls` from the caller.
    fn verify_with(&self, ofd: &[u8], now: OffsetDateTime, crls: &[Crl], revocation: RevocationPolicy) -> Report {
        let trust = self.trust();
        let mut opts = VerifyOptions::new(&trust);
        opts.now = now;
        opts.crls = crls;
        opts.revocation = revocation;
        verify_ofd(ofd, &opts)
    }

    fn verify(&self, ofd: &[u8], now: OffsetDateTime) -> Report {
        self.verify_with(ofd, now, &[], RevocationPolicy::IfAvailable)
    }
}

fn spec() -> DocumentSpec {
    DocumentSpec {
        title: "食品经营许可证".into(),
        page_mm: (210.0, 297.0),
        pages: vec![vec![
            Item::Frame { x: 10.0, y: 10.0, w: 190.0, h: 277.0, line: 0.8 },
            Item::Text { x: 60.0, y: 40.0, size: 10.0, text: "食品经营许可证".into(), bold: true },
            Item::Text {
                x: 25.0, y: 70.0, size: 4.5, text: "经营者名称：某某餐饮有限公司".into(), bold: false
            },
        ]],
        custom: BTreeMap::new(),
        doc_id: "0123456789abcdef0123456789abcdef".into(),
        creation_date: "2026-01-01".into(),
    }
}

fn parts(zip: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let p = Package::read(zip).unwrap();
    p.names().map(|n| (n.to_string(), p.get(n).unwrap().to_vec())).collect()
}

/// Change one part of a package.
fn with_part(zip: &[u8], path: &str, f: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut b = PackageBuilder::from_package(&Package::read(zip).unwrap());
    let mut bytes = b.get(path).unwrap_or_else(|| panic!("no {path}")).to_vec();
    f(&mut bytes);
    b.put(path, bytes);
    b.to_zip().unwrap()
}

fn check<'a>(r: &'a Report, id: &str) -> &'a yinxin_pki::Check {
    r.checks.iter().find(|c| c.id == id).unwrap_or_else(|| panic!("no {id}: {:#?}", r.checks))
}

fn signature(r: &Report) -> &Report {
    r.parts.iter().find(|p| p.kind == "ses-signature").unwrap_or_else(|| panic!("no signature part: {r:#?}"))
}

fn stamps(r: &Report) -> Vec<&Report> {
    r.parts.iter().filter(|p| p.kind == "ofd-package-time-stamp").collect()
}

/// Every check that did not pass, anywhere in the report, for assertion messages.
fn problems(r: &Report) -> Vec<String> {
    let mut out: Vec<String> = r
        .checks
        .iter()
        .filter(|c| !matches!(c.outcome, Outcome::Passed | Outcome::NotApplicable))
        .map(|c| format!("{} [{}] {:?}: {}", r.location.as_deref().unwrap_or(r.kind), c.id, c.outcome, c.reason_en))
        .collect();
    for p in &r.parts {
        out.extend(problems(p));
    }
    out
}

#[test]
fn extended_once_verifies_and_keeps_every_other_part() {
    let pki = pki();
    let (sealed, once) = pki.extended_once();
    let before = parts(&sealed);
    let after = parts(&once);
    for (name, bytes) in &before {
        assert_eq!(after.get(name), Some(bytes), "{name} changed");
    }
    assert_eq!(after["OFD.xml"], before["OFD.xml"]);
    let added: Vec<&String> = after.keys().filter(|k| !before.contains_key(*k)).collect();
    assert!(added.iter().all(|k| k.starts_with("LTV/")), "{added:?}");
    assert!(added.contains(&&"LTV/Stamp_1/Manifest.xml".to_string()));
    assert!(added.contains(&&"LTV/Stamp_1/TimeStamp.tsr".to_string()));
    assert_eq!(added.iter().filter(|k| k.starts_with("LTV/CRLs/")).count(), 2);
    assert_eq!(added.iter().filter(|k| k.starts_with("LTV/Certs/")).count(), 1);
    // Our reader opens it as before, and a builder takes it up again.
    let pkg = Package::read(&once).unwrap();
    assert!(yinxin_doc::ofd::sign::open(&once).unwrap().get("Doc_0/Document.xml").is_some());

    // The manifest: sorted, absolute paths, every part but the stamp's own two files.
    let l = ltv::read(&pkg).unwrap();
    assert!(l.problems.is_empty(), "{:?}", l.problems);
    assert_eq!((l.stamps.len(), l.material.certs.len(), l.material.crls.len()), (1, 1, 2));
    let s = &l.stamps[0];
    let listed: Vec<&str> = s.entries.iter().map(|e| e.path.as_str()).collect();
    let expected: Vec<&str> = after.keys().map(String::as_str).filter(|k| !k.starts_with("LTV/Stamp_1/")).collect();
    assert_eq!(listed, expected);
    let text = String::from_utf8(s.manifest.clone()).unwrap();
    assert!(text.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ltv:Manifest xmlns:ltv=\"urn:yinxin:ofd-ltv:1\" Algorithm=\"1.2.156.10197.1.401\" Created=\""), "{text}");
    assert!(text.contains("<ltv:Part Path=\"/Doc_0/Signs/Sign_0/SignedValue.dat\" SM3=\""), "{text}");

    let r = pki.verify(&once, t0() + Duration::hours(2));
    assert_eq!(r.indication, Indication::Passed, "{:#?}", problems(&r));
    let sig = signature(&r);
    let poe = sig.poe.as_ref().expect("the signature's poe");
    assert!(poe.by.starts_with("package time stamp 1 of 1"), "{}", poe.by);
    assert_eq!(check(sig, "ofd.poe").outcome, Outcome::Passed);
    assert!(check(sig, "ofd.poe").reason_en.contains("package time stamp 1 of 1"));
    let st = stamps(&r);
    assert_eq!(st.len(), 1);
    assert_eq!(st[0].location.as_deref(), Some("LTV/Stamp_1/TimeStamp.tsr"));
    assert_eq!(check(st[0], "ofd.ltv_manifest").outcome, Outcome::Passed);
    assert_eq!(check(&r, "ofd.ltv").outcome, Outcome::Passed);
    // Every LTV part is covered by the stamp: nothing is named as unprotected.
    assert_eq!(
        check(&r, "ofd.unreferenced_parts").outcome,
        Outcome::Passed,
        "{:?}",
        check(&r, "ofd.unreferenced_parts")
    );

    // The same package without LTV/ verifies as before (given the issuing CA, which it does not
    // carry), with no LTV checks.
    let trust = pki.trust();
    let chain = [pki.ca.cert.clone()];
    let mut opts = VerifyOptions::new(&trust);
    opts.now = t0() + Duration::hours(2);
    opts.intermediates = &chain;
    let r = verify_ofd(&sealed, &opts);
    assert_eq!(r.indication, Indication::Passed, "{:#?}", problems(&r));
    assert!(stamps(&r).is_empty());
    assert!(r.checks.iter().chain(&signature(&r).checks).all(|c| !c.id.starts_with("ofd.ltv") && c.id != "ofd.poe"));
    assert!(signature(&r).poe.is_none());
}

#[test]
fn renewed_stamps_keep_the_signature_valid_for_decades() {
    let pki = pki();
    let (_, once) = pki.extended_once();
    let y9 = pki.renew(&once, 9.0, 2);
    let y18 = pki.renew(&y9, 18.0, 3);
    let y27 = pki.renew(&y18, 27.0, 4);
    // Each renewal keeps every part, earlier stamps included.
    for (earlier, later) in [(&once, &y9), (&y9, &y18), (&y18, &y27)] {
        let (a, b) = (parts(earlier), parts(later));
        assert!(a.iter().all(|(k, v)| b.get(k) == Some(v)));
    }

    // Year 27.5, after two renewals: PASSED from the package alone, revocation required.
    let r = pki.verify_with(&y18, year(27.5), &[], RevocationPolicy::Require);
    assert_eq!(r.indication, Indication::Passed, "{:#?}", problems(&r));
    // Year 31 after the same two renewals: the third TSA generation expired at year 28 and
    // nothing newer covers its stamp, so nothing is proven any more.
    let r = pki.verify(&y18, year(31.0));
    assert_eq!(r.indication, Indication::Indeterminate, "{:#?}", problems(&r));

    // Year 31 after the third renewal (year 27): PASSED from the package alone.
    let r = pki.verify_with(&y27, year(31.0), &[], RevocationPolicy::Require);
    assert_eq!(r.indication, Indication::Passed, "{:#?}", problems(&r));
    let st = stamps(&r);
    assert_eq!(st.len(), 4);
    for (k, s) in st.iter().enumerate() {
        assert_eq!(s.indication, Indication::Passed, "stamp {}: {:#?}", k + 1, problems(s));
        if k > 0 {
            assert_eq!(check(s, "ofd.ltv_chain").outcome, Outcome::Passed);
        }
    }
    let poe = signature(&r).poe.as_ref().unwrap();
    assert!(poe.by.starts_with("package time stamp 1 of 4"), "{}", poe.by);
    assert!(poe.time < t0() + Duration::hours(2));
    // Stamp 1 was judged at stamp 2's genTime, not now.
    assert_eq!(st[0].validation_time.as_deref(), Some(yinxin_pki::time::format_instant(year(9.0)).as_str()));
    assert_eq!(check(&r, "ofd.unreferenced_parts").outcome, Outcome::Passed);

    // The issuing CA revoked at year 20, on a root CRL the caller gives at year 31: the
    // signature and the first three stamps are proven older than the revocation.
    let revoked = pki.crl(
        &pki.root,
        year(31.0) - Duration::days(1),
        vec![Revoked { serial: pki.ca.cert.serial.clone(), date: year(20.0), reason: Some(1) }],
    );
    let r = pki.verify_with(&y27, year(31.0), std::slice::from_ref(&revoked), RevocationPolicy::Require);
    assert_eq!(r.indication, Indication::Passed, "{:#?}", problems(&r));
    let sig = signature(&r);
    let revocation: Vec<_> = sig.checks.iter().filter(|c| c.id == "cert.revocation").collect();
    assert!(revocation.iter().any(|c| c.reason_en.contains("revoked on")), "{revocation:#?}");
    // Without that proof (no LTV) the same CRL leaves the signature at best undecided.
    let r = pki.verify_with(&pki.sealed_ofd(), year(31.0), std::slice::from_ref(&revoked), RevocationPolicy::Require);
    assert_ne!(r.indication, Indication::Passed);

    // Never renewed: at year 31 the single stamp's TSA expired two decades ago.
    let r = pki.verify(&once, year(31.0));
    assert_eq!(r.indication, Indication::Indeterminate, "{:#?}", problems(&r));
    assert_eq!(check(signature(&r), "ofd.poe").outcome, Outcome::NotApplicable);
    assert_eq!(stamps(&r)[0].indication, Indication::Indeterminate);
}

#[test]
fn a_change_after_a_stamp_fails() {
    let pki = pki();
    let (_, once) = pki.extended_once();
    let twice = pki.renew(&once, 1.0, 1);
    let now = year(1.0) + Duration::hours(1);
    assert_eq!(pki.verify(&twice, now).indication, Indication::Passed);
    let flip_last = |b: &mut Vec<u8>| {
        let i = b.len() - 1;
        b[i] ^= 0x01;
    };

    // A page.
    let t = with_part(&twice, "Doc_0/Pages/Page_0/Content.xml", |b| b[100] ^= 0x01);
    let r = pki.verify(&t, now);
    assert_eq!(r.indication, Indication::Failed);
    let m = check(stamps(&r)[0], "ofd.ltv_manifest");
    assert_eq!((m.outcome, m.sub_indication), (Outcome::Failed, Some(SubIndication::HashFailure)));
    assert!(
        m.reason_en.contains("part /Doc_0/Pages/Page_0/Content.xml changed after package time stamp 1"),
        "{}",
        m.reason_en
    );

    // Signatures.xml, which the seal signature does not protect: MaxSignId 1 → 3 still verifies
    // as a signature, but the stamps list the part.
    let t = with_part(&twice, "Doc_0/Signs/Signatures.xml", |b| {
        let i = b.windows(14).position(|w| w == b"MaxSignId>1</o").unwrap() + 10;
        b[i] ^= 0x02;
    });
    let r = pki.verify(&t, now);
    assert_eq!((r.indication, r.sub_indication), (Indication::Failed, Some(SubIndication::HashFailure)));
    assert_eq!(signature(&r).indication, Indication::Passed);
    assert!(check(stamps(&r)[1], "ofd.ltv_manifest").reason_en.contains("Signatures.xml changed"));

    // A CRL under LTV/.
    let pkg = Package::read(&once).unwrap();
    let crl = pkg.names().find(|n| n.starts_with("LTV/CRLs/")).unwrap().to_string();
    let r = pki.verify(&with_part(&twice, &crl, flip_last), now);
    assert_eq!(r.indication, Indication::Failed);
    for s in stamps(&r) {
        let m = check(s, "ofd.ltv_manifest");
        assert!(m.outcome == Outcome::Failed && m.reason_en.contains(&crl), "{:#?}", problems(&r));
    }

    // The first manifest (covered by the second stamp) and the second (the newest).
    for m in ["LTV/Stamp_1/Manifest.xml", "LTV/Stamp_2/Manifest.xml"] {
        let r = pki.verify(
            &with_part(&twice, m, |b| {
                let i = b.len() - 3;
                b[i] ^= 0x01;
            }),
            now,
        );
        assert_eq!(r.indication, Indication::Failed, "{m}: {:#?}", problems(&r));
    }
    // An entry's digest changed and the manifest still parses: the newest token's imprint fails.
    let r = pki.verify(
        &with_part(&twice, "LTV/Stamp_2/Manifest.xml", |b| {
            let i = b.windows(5).position(|w| w == b"SM3=\"").unwrap() + 5;
            b[i] = if b[i] == b'0' { b'1' } else { b'0' };
        }),
        now,
    );
    assert_eq!(r.indication, Indication::Failed);
    assert_eq!(check(stamps(&r)[1], "tst.imprint").outcome, Outcome::Failed);

    // The tokens: the first (covered by the second manifest) anywhere, the newest in its signature.
    let r = pki.verify(&with_part(&twice, "LTV/Stamp_1/TimeStamp.tsr", |b| b[200] ^= 0x01), now);
    assert_eq!(r.indication, Indication::Failed);
    assert!(check(stamps(&r)[1], "ofd.ltv_manifest").reason_en.contains("Stamp_1/TimeStamp.tsr changed"));
    let r = pki.verify(&with_part(&twice, "LTV/Stamp_2/TimeStamp.tsr", flip_last), now);
    assert_eq!(r.indication, Indication::Failed, "{:#?}", problems(&r));

    // A part removed.
    let mut b = PackageBuilder::default();
    let all = parts(&twice);
    let gone = all.keys().find(|k| k.starts_with("LTV/CRLs/")).unwrap().clone();
    for (k, v) in all.iter().filter(|(k, _)| **k != gone) {
        b.put(k, v.clone());
    }
    let r = pki.verify(&b.to_zip().unwrap(), now);
    assert_eq!(r.indication, Indication::Failed);
    assert!(check(stamps(&r)[1], "ofd.ltv_manifest").reason_en.contains(&format!("part /{gone} was removed")));
}

/// A second stamp made by hand over `entries` of the once-extended package.
fn renew_by_hand(pki: &Pki, once: &[u8], keep: impl Fn(&str) -> bool) -> Vec<u8> {
    let mut b = PackageBuilder::from_package(&Package::read(once).unwrap());
    let at = t0() + Duration::hours(2);
    let entries: Vec<ManifestEntry> = b
        .parts()
        .iter()
        .filter(|(k, _)| keep(k))
        .map(|(k, v)| ManifestEntry { path: k.clone(), sm3: yinxin_gm::sm3::sm3(v).0 })
        .collect();
    let manifest = ltv::manifest_xml(&entries, at);
    let token = pki.tsas[0].stamp(&yinxin_pki::tsp::Imprint::sm3_of(&manifest), None, true, at).unwrap();
    b.put("LTV/Stamp_2/Manifest.xml", manifest);
    b.put("LTV/Stamp_2/TimeStamp.tsr", token);
    b.to_zip().unwrap()
}

#[test]
fn a_broken_chain_and_loose_files_are_reported() {
    let pki = pki();
    let (_, once) = pki.extended_once();
    let now = t0() + Duration::hours(3);

    // The same made by hand, complete: PASSED (the hand-made renewal is sound).
    let r = pki.verify(&renew_by_hand(&pki, &once, |_| true), now);
    assert_eq!(r.indication, Indication::Passed, "{:#?}", problems(&r));

    // A renewal that leaves out a page the first stamp listed.
    let t = renew_by_hand(&pki, &once, |k| k != "Doc_0/Pages/Page_0/Content.xml");
    let r = pki.verify(&t, now);
    assert_eq!(r.indication, Indication::Failed, "{:#?}", problems(&r));
    let c = check(stamps(&r)[1], "ofd.ltv_chain");
    assert_eq!(c.outcome, Outcome::Failed);
    assert!(c.reason_en.contains("the chain is broken") && c.reason_en.contains("Content.xml"), "{}", c.reason_en);

    // A renewal that leaves out the first stamp's token.
    let t = renew_by_hand(&pki, &once, |k| k != "LTV/Stamp_1/TimeStamp.tsr");
    let r = pki.verify(&t, now);
    assert_eq!(r.indication, Indication::Failed);
    assert!(check(stamps(&r)[1], "ofd.ltv_chain").reason_en.contains("/LTV/Stamp_1/TimeStamp.tsr"));

    // A file under LTV/ no stamp lists: named by the unreferenced-parts rule, verdict unchanged.
    let mut b = PackageBuilder::from_package(&Package::read(&once).unwrap());
    b.put("LTV/notes.txt", b"added later".to_vec());
    let r = pki.verify(&b.to_zip().unwrap(), now);
    assert_eq!(r.indication, Indication::Passed, "{:#?}", problems(&r));
    let c = check(&r, "ofd.unreferenced_parts");
    assert_eq!(c.outcome, Outcome::Warning);
    assert!(c.reason_en.contains("LTV/notes.txt") && !c.reason_en.contains("Stamp_1"), "{}", c.reason_en);

    // A certificate file that does not parse is reported, not dropped; it proves nothing either
    // way, so it warns (as a DSS entry that does not parse does in a PDF).
    let mut b = PackageBuilder::from_package(&Package::read(&once).unwrap());
    b.put("LTV/Certs/00.cer", b"not a certificate".to_vec());
    let bytes = b.to_zip().unwrap();
    let l = ltv::read(&Package::read(&bytes).unwrap()).unwrap();
    assert_eq!(l.problems.len(), 1);
    assert_eq!(l.problems[0].path, "LTV/Certs/00.cer");
    let r = pki.verify(&bytes, now);
    assert_eq!(r.indication, Indication::Passed, "{:#?}", problems(&r));
    let c = check(&r, "ofd.ltv");
    assert_eq!(c.outcome, Outcome::Warning);
    assert!(c.reason_en.contains("LTV/Certs/00.cer"));

    // A gap in the numbering cannot be read.
    let mut b = PackageBuilder::from_package(&Package::read(&once).unwrap());
    b.put("LTV/Stamp_3/Manifest.xml", b"x".to_vec());
    b.put("LTV/Stamp_3/TimeStamp.tsr", b"x".to_vec());
    let bytes = b.to_zip().unwrap();
    assert!(ltv::read(&Package::read(&bytes).unwrap()).is_err());
    let r = pki.verify(&bytes, now);
    assert_eq!(r.indication, Indication::Failed);
    assert_eq!(check(&r, "ofd.ltv").outcome, Outcome::Failed);
}

#[test]
fn material_is_stored_once_by_its_sm3() {
    let pki = pki();
    let (_, once) = pki.extended_once();
    let at = t0() + Duration::hours(3);
    let l = ltv::read(&Package::read(&once).unwrap()).unwrap();
    // The same CA certificate again, one CRL already there and one new.
    let material = Material {
        certs: vec![pki.ca.cert.clone(), pki.ca.cert.clone()],
        crls: vec![l.material.crls[0].clone(), pki.crl(&pki.root, at, Vec::new())],
    };
    let twice = ltv::extend(&once, &material, &pki.tsas[0], at).unwrap();
    let names: Vec<String> = parts(&twice).into_keys().collect();
    assert_eq!(names.iter().filter(|n| n.starts_with("LTV/Certs/")).count(), 1);
    assert_eq!(names.iter().filter(|n| n.starts_with("LTV/CRLs/")).count(), 3);
    assert_eq!(
        ltv::cert_path(&pki.ca.cert),
        format!("LTV/Certs/{}.cer", hex(&yinxin_gm::sm3::sm3(pki.ca.cert.der()).0))
    );
    assert!(names.contains(&ltv::cert_path(&pki.ca.cert)));
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// `openssl ts -reply -token_in -in TimeStamp.tsr -text` reads every token, and the imprint it
/// prints is `openssl dgst -sm3` of the stamp's Manifest.xml.
#[test]
fn openssl_reads_the_tokens_and_agrees_on_the_imprint() {
    let pki = pki();
    let (_, once) = pki.extended_once();
    let twice = pki.renew(&once, 9.0, 2);
    let dir = tempfile::tempdir().unwrap();
    let all = parts(&twice);
    for n in 1..=2 {
        let m = dir.path().join(format!("Manifest_{n}.xml"));
        let t = dir.path().join(format!("TimeStamp_{n}.tsr"));
        std::fs::write(&m, &all[&ltv::manifest_path(n)]).unwrap();
        std::fs::write(&t, &all[&ltv::token_path(n)]).unwrap();
        let out = std::process::Command::new("openssl")
            .args(["ts", "-reply", "-token_in", "-in"])
            .arg(&t)
            .arg("-text")
            .output()
            .expect("openssl runs");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "openssl ts: {}{}", text, String::from_utf8_lossy(&out.stderr));
        assert!(text.contains("TST info:") && text.contains("Hash Algorithm: sm3"), "{text}");
        // "Message data:" then lines "    0000 - 66 c7 f0 f4 62 ee ed d9-d1 f2 … "
        let imprint: String = text
            .lines()
            .skip_while(|l| !l.starts_with("Message data:"))
            .skip(1)
            .take_while(|l| {
                l.trim_start()
                    .split(' ')
                    .next()
                    .is_some_and(|o| o.len() == 4 && o.chars().all(|c| c.is_ascii_hexdigit()))
            })
            .map(|l| {
                let hexpart = l.split(" - ").nth(1).unwrap_or("");
                hexpart.split("   ").next().unwrap_or("").replace(['-', ' '], "")
            })
            .collect();
        let dgst = std::process::Command::new("openssl").args(["dgst", "-sm3", "-r"]).arg(&m).output().unwrap();
        assert!(dgst.status.success(), "{}", String::from_utf8_lossy(&dgst.stderr));
        let digest = String::from_utf8_lossy(&dgst.stdout).split_whitespace().next().unwrap_or("").to_string();
        assert_eq!(digest.len(), 64, "{digest}");
        assert_eq!(imprint, digest, "stamp {n}: {text}");
    }
}
