//! PAdES B-LT / B-LTA for yinxin's PDFs: validation data (DSS) and document time stamps, checked
//! with qpdf and OpenSSL, judged decades later with successive TSA generations, and tampered
//! with.

use time::{Duration, OffsetDateTime};
use yinxin_doc::layout::Item;
use yinxin_doc::pdf::ltv::{Dss, MAX_DSS_CERTS, add_validation_data, extend, read_dss, vri_key};
use yinxin_doc::pdf::render::{PdfSpec, render};
use yinxin_doc::pdf::sign::{Appearance, sign, write_object};
use yinxin_doc::pdf::verify_pdf;
use yinxin_pki::crl::Revoked;
use yinxin_pki::ltv::Material;
use yinxin_pki::report::{Indication, Outcome, Report, SubIndication};
use yinxin_pki::tsp::TimeStampAuthority;
use yinxin_pki::{Crl, Profile, TrustStore};
use yinxin_seal::gmt0010::sign_detached;
use yinxin_seal::verify::VerifyOptions;
use yinxin_tests::pki::{Party, issue};
use yinxin_tests::tool;

const POLICY: &str = "1.2.156.112233.1.1";

/// 2026-03-01T00:00:00Z: year 0 of every test.
fn base() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_772_323_200).unwrap()
}

/// `y` years (of 365 days) after year 0.
fn year(y: f64) -> OffsetDateTime {
    base() + Duration::seconds((y * 365.0 * 86_400.0) as i64)
}

/// A test PKI: a root valid 60 years, the signer's issuing CA (valid 25 years; revoked in year
/// 20), a CA for time-stamp authorities (50 years), and a licence issuer (3 years).
struct Pki {
    root: Party,
    ca: Party,
    tsa_ca: Party,
    signer: Party,
}

fn pki() -> Pki {
    let from = year(0.0) - Duration::days(1);
    let root = issue(Profile::RootCa, "C=CN,O=yinxin test,CN=LTV根CA", from, year(60.0), None);
    let ca = issue(Profile::IssuingCa, "C=CN,O=yinxin test,CN=LTV签发CA", from, year(25.0), Some(&root));
    let tsa_ca = issue(Profile::IssuingCa, "C=CN,O=yinxin test,CN=LTV时间戳CA", from, year(50.0), Some(&root));
    let signer = issue(Profile::LicenceIssuer, "C=CN,O=某市市场监督管理局,CN=许可签发", from, year(3.0), Some(&ca));
    Pki { root, ca, tsa_ca, signer }
}

/// A TSA of the generation that starts in year `y`: its certificate is valid ten years.
fn tsa(pki: &Pki, y: f64) -> TimeStampAuthority {
    let t = issue(
        Profile::TimeStamping,
        &format!("C=CN,O=yinxin test,CN=LTV时间戳服务{y}"),
        year(y) - Duration::days(1),
        year(y + 10.0),
        Some(&pki.tsa_ca),
    );
    TimeStampAuthority::new(t.cert.clone(), vec![pki.tsa_ca.cert.clone()], t.signer(), POLICY).unwrap()
}

fn crl(issuer: &Party, at: OffsetDateTime, revoked: Vec<Revoked>) -> Crl {
    yinxin_tests::pki::crl(issuer, at, 30, revoked)
}

/// The root's CRL at `at`: the signer's issuing CA is revoked from year 20.
fn root_crl(pki: &Pki, at: OffsetDateTime) -> Crl {
    let revoked = if at >= year(20.0) {
        vec![Revoked { serial: pki.ca.cert.serial.clone(), date: year(20.0), reason: Some(5) }]
    } else {
        vec![]
    };
    crl(&pki.root, at, revoked)
}

/// What a renewal at `at` adds: the chains, and fresh CRLs of every CA still issuing them.
fn material(pki: &Pki, at: OffsetDateTime, tsa: &TimeStampAuthority) -> Material {
    let mut m = Material::default();
    let certs = [&pki.root.cert, &pki.ca.cert, &pki.tsa_ca.cert, &pki.signer.cert, tsa.cert()];
    let mut crls = vec![root_crl(pki, at), crl(&pki.tsa_ca, at, vec![])];
    if at < year(20.0) {
        crls.push(crl(&pki.ca, at, vec![]));
    }
    m.extend(certs.into_iter().cloned(), crls);
    m
}

fn licence_pdf() -> Vec<u8> {
    render(&PdfSpec {
        title: "食品经营许可证".into(),
        page_mm: (210.0, 297.0),
        pages: vec![vec![
            Item::Frame { x: 10.0, y: 10.0, w: 190.0, h: 277.0, line: 0.8 },
            Item::Text { x: 60.0, y: 40.0, size: 12.0, text: "食品经营许可证".into(), bold: true },
        ]],
    })
    .unwrap()
}

/// The licence signed in year 0, its signature time-stamped by `tsa`.
fn signed(pki: &Pki, tsa: &TimeStampAuthority) -> Vec<u8> {
    let now = year(0.0);
    let make = |data: &[u8]| {
        sign_detached(
            data,
            &pki.signer.cert,
            std::slice::from_ref(&pki.ca.cert),
            pki.signer.signer().as_ref(),
            now,
            Some(tsa),
        )
        .map_err(|e| yinxin_doc::Error::Package(e.to_string()))
    };
    let ap = Appearance { page: 0, rect_mm: (140.0, 230.0, 40.0, 40.0), png: None };
    sign(&licence_pdf(), &ap, "许可签发", now, &make).unwrap()
}

fn verify_at(pki: &Pki, pdf: &[u8], now: OffsetDateTime, crls: &[Crl]) -> Report {
    let trust = TrustStore::new(vec![pki.root.cert.clone()]);
    verify_pdf(pdf, &VerifyOptions { now, crls, ..VerifyOptions::new(&trust) })
}

/// Every check of a report and its parts, one a line, for assertion messages.
fn dump(r: &Report) -> String {
    fn walk(r: &Report, depth: usize, out: &mut String) {
        let pad = "  ".repeat(depth);
        out.push_str(&format!(
            "{pad}{} {:?} {:?} {:?}\n",
            r.location.as_deref().unwrap_or(r.kind),
            r.indication,
            r.sub_indication,
            r.poe
        ));
        for c in &r.checks {
            if c.outcome != Outcome::Passed {
                out.push_str(&format!("{pad}  [{:?}] {} {}\n", c.outcome, c.id, c.reason_en));
            }
        }
        for p in &r.parts {
            walk(p, depth + 1, out);
        }
    }
    let mut s = String::new();
    walk(r, 0, &mut s);
    s
}

fn check<'a>(r: &'a Report, id: &str) -> &'a yinxin_pki::Check {
    r.checks.iter().find(|c| c.id == id).unwrap_or_else(|| panic!("no {id} in {}", dump(r)))
}

fn tmp(name: &str, bytes: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!("yinxin-pdf-ltv-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p.to_string_lossy().into_owned()
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The `/ByteRange` after byte `from` (plain scanning, no yinxin code), the bytes it covers and
/// the DER in its hole (zero padding stripped by the DER length).
fn byte_range_after(pdf: &[u8], from: usize) -> ([usize; 4], Vec<u8>, Vec<u8>) {
    let at = from + find(&pdf[from..], b"/ByteRange [").unwrap() + 12;
    let end = at + pdf[at..].iter().position(|b| *b == b']').unwrap();
    let n: Vec<usize> =
        String::from_utf8(pdf[at..end].to_vec()).unwrap().split_whitespace().map(|n| n.parse().unwrap()).collect();
    let covered = [&pdf[n[0]..n[0] + n[1]], &pdf[n[2]..n[2] + n[3]]].concat();
    let hex = String::from_utf8(pdf[n[1] + 1..n[2] - 1].to_vec()).unwrap();
    let der: Vec<u8> = (0..hex.len() / 2).map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap()).collect();
    assert_eq!(der[1], 0x82, "a token of 256 bytes to 64 KiB");
    let len = 4 + usize::from(der[2]) * 256 + usize::from(der[3]);
    (n.try_into().unwrap(), covered, der[..len].to_vec())
}

#[test]
fn a_signed_licence_extended_once_is_b_lta() {
    let pki = pki();
    let tsa0 = tsa(&pki, 0.0);
    let pdf = signed(&pki, &tsa0);
    let at = year(0.0) + Duration::hours(1);
    let lta = extend(&pdf, &material(&pki, at, &tsa0), &tsa0, at).unwrap();
    assert!(lta.starts_with(&pdf), "an incremental update keeps the signed bytes");

    let r = verify_at(&pki, &lta, at + Duration::hours(1), &[]);
    assert_eq!(r.indication, Indication::Passed, "{}", dump(&r));
    assert_eq!(r.parts.len(), 2, "{}", dump(&r));
    let (sig, ts) = (&r.parts[0], &r.parts[1]);
    assert_eq!((sig.kind, sig.location.as_deref()), ("pdf-signature", Some("signature 1 (许可签发)")));
    assert_eq!((ts.kind, ts.location.as_deref()), ("pdf-document-time-stamp", Some("document time stamp 1")));
    let poe = sig.poe.as_ref().unwrap_or_else(|| panic!("no poe: {}", dump(&r)));
    assert!(poe.by.contains("document time stamp 1 of 1"), "{}", poe.by);
    assert_eq!(check(sig, "pdf.poe").outcome, Outcome::Passed);
    // The updates after the signature are validation data and a document time stamp.
    let m = check(sig, "pdf.modifications");
    assert_eq!(m.outcome, Outcome::Passed, "{}", m.reason_en);
    assert!(m.reason_en.contains("PAdES-LTA") && m.reason_en.contains("validation data (DSS)"), "{}", m.reason_en);
    assert!(m.reason_en.contains("1 document time stamp"), "{}", m.reason_en);
    assert_eq!(check(ts, "ltv.stamp").outcome, Outcome::Passed);
    assert_eq!(check(ts, "tst.imprint").outcome, Outcome::Passed);
    assert_eq!(check(&r, "pdf.dss").outcome, Outcome::Passed);

    // The DSS: every certificate and CRL, and a VRI entry for the signature.
    let Dss { material: m, unparsable, vri, present, .. } = read_dss(&lta).unwrap();
    assert!(present && unparsable.is_empty());
    for c in [&pki.root.cert, &pki.ca.cert, &pki.tsa_ca.cert, &pki.signer.cert, tsa0.cert()] {
        assert!(m.certs.contains(c), "{} missing", c.subject());
    }
    assert_eq!((m.certs.len(), m.crls.len()), (5, 3));
    let (_, _, cms) = byte_range_after(&lta, 0);
    assert_eq!(vri, vec![vri_key(&cms)]);
    // An independent SHA-1 of the signature's DER gives the same key.
    let (ok, out) = tool("openssl", &["dgst", "-sha1", "-r", &tmp("cms.der", &cms)]);
    assert!(ok, "{out}");
    assert_eq!(out.split_whitespace().next().unwrap().to_uppercase(), vri[0]);

    // Adding the same material again stores nothing twice.
    let again = add_validation_data(&lta, &material(&pki, at, &tsa0)).unwrap();
    let d = read_dss(&again).unwrap();
    assert_eq!((d.material.certs.len(), d.vri.len()), (5, 2), "{:?}", d.vri);
    let raw = lopdf::Document::load_mem(&again).unwrap();
    let dss = raw.get_dictionary(raw.catalog().unwrap().get(b"DSS").unwrap().as_reference().unwrap()).unwrap();
    assert_eq!(dss.get(b"Certs").unwrap().as_array().unwrap().len(), 5);
}

#[test]
fn qpdf_and_openssl_read_the_dss_and_the_document_time_stamp() {
    let pki = pki();
    let tsa0 = tsa(&pki, 0.0);
    let at = year(0.0) + Duration::hours(1);
    let lta = extend(&signed(&pki, &tsa0), &material(&pki, at, &tsa0), &tsa0, at).unwrap();
    let path = tmp("lta.pdf", &lta);
    let (ok, out) = tool("qpdf", &["--check", &path]);
    assert!(ok && out.contains("No syntax or stream encoding errors"), "{out}");
    let (ok, json) = tool("qpdf", &["--json", &path]);
    assert!(ok, "{json}");
    for key in ["\"/DSS\"", "\"/Certs\"", "\"/CRLs\"", "\"/VRI\"", "\"/TU\""] {
        assert!(json.contains(key), "qpdf --json shows no {key}");
    }
    // The document time stamp's dictionary, as qpdf reads it.
    let at_ts = json.find("\"/Type\": \"/DocTimeStamp\"").expect("a /DocTimeStamp dictionary");
    let obj_start = json[..at_ts].rfind("\"obj:").unwrap();
    let obj_end = at_ts + json[at_ts..].find("\"obj:").unwrap_or(json.len() - at_ts);
    let obj = &json[obj_start..obj_end];
    assert!(obj.contains("\"/SubFilter\": \"/ETSI.RFC3161\""), "{obj}");
    assert!(obj.contains("\"/ByteRange\"") && obj.contains("\"/Contents\""), "{obj}");
    let (_, out) = tool("pdfsig", &[&path]);
    assert!(out.contains("Signature #1") && out.contains("Signature #2"), "{out}");

    // The token in /Contents, found by plain byte scanning.
    let ts_at = find(&lta, b"/SubFilter /ETSI.RFC3161").unwrap();
    let (_, covered, token) = byte_range_after(&lta, ts_at);
    let token_path = tmp("token.der", &token);
    let (ok, out) = tool("openssl", &["cms", "-cmsout", "-print", "-inform", "DER", "-in", &token_path]);
    assert!(ok && out.contains("id-smime-ct-TSTInfo"), "{out}");
    let (ok, text) = tool("openssl", &["ts", "-reply", "-token_in", "-in", &token_path, "-text"]);
    assert!(ok, "{text}");
    assert!(text.contains(&format!("Policy OID: {POLICY}")), "{text}");
    assert!(text.contains("Hash Algorithm: sm3"), "{text}");
    assert!(text.contains("Time stamp: Mar  1 01:00:00 2026 GMT"), "{text}");
    // The imprint OpenSSL reads equals OpenSSL's SM3 of the ByteRange bytes.
    let (ok, dgst) = tool("openssl", &["dgst", "-sm3", "-r", &tmp("covered.bin", &covered)]);
    assert!(ok, "{dgst}");
    let want = dgst.split_whitespace().next().unwrap().to_lowercase();
    let imprint: String = text
        .lines()
        .skip_while(|l| !l.starts_with("Message data:"))
        .skip(1)
        .take_while(|l| l.contains(" - "))
        .flat_map(|l| {
            let hex: String = l.split(" - ").nth(1).unwrap().chars().take(48).collect();
            hex.replace('-', " ").split_whitespace().map(str::to_string).collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(imprint, want, "{text}");
    // OpenSSL checks the TSA's SM2 signature over the DER SET of the signed attributes. In
    // asn1parse's listing the SignerInfo's fields are at depth 5: signedAttrs is its [0], the
    // signature its last OCTET STRING (the TSTInfo's OCTET STRING, also at depth 5, comes first).
    let (ok, parsed) = tool("openssl", &["asn1parse", "-inform", "DER", "-in", &token_path, "-i"]);
    assert!(ok, "{parsed}");
    let field = |line: &str, key: &str| -> usize {
        let at = line.find(key).unwrap() + key.len();
        line[at..].trim_start().split(|c: char| !c.is_ascii_digit()).next().unwrap().parse().unwrap()
    };
    let span = |line: &str| {
        let off: usize = line.split(':').next().unwrap().trim().parse().unwrap();
        (off, field(line, "hl="), field(line, " l="))
    };
    let (off, hl, l) = span(parsed.lines().find(|l| l.contains("d=5") && l.contains("cont [ 0 ]")).unwrap());
    let mut attrs = token[off..off + hl + l].to_vec();
    attrs[0] = 0x31;
    let (soff, shl, sl) = span(parsed.lines().rfind(|l| l.contains("d=5") && l.contains("OCTET STRING")).unwrap());
    let pub_path = tmp("tsa-pub.pem", tsa0.cert().public_key.as_ref().unwrap().to_spki_pem().as_bytes());
    let (ok, out) = tool(
        "openssl",
        &[
            "pkeyutl",
            "-verify",
            "-rawin",
            "-digest",
            "sm3",
            "-pubin",
            "-inkey",
            &pub_path,
            "-in",
            &tmp("tsa-attrs.der", &attrs),
            "-sigfile",
            &tmp("tsa-sig.der", &token[soff + shl..soff + shl + sl]),
            "-pkeyopt",
            "distid:1234567812345678",
        ],
    );
    assert!(ok, "{out}");
}

#[test]
fn renewed_every_nine_years_it_verifies_from_the_file_alone_decades_later() {
    let pki = pki();
    let tsas: Vec<TimeStampAuthority> = [0.0, 9.0, 18.0, 27.0].iter().map(|y| tsa(&pki, *y)).collect();
    let mut files = vec![signed(&pki, &tsas[0])];
    for (i, y) in [0.0, 9.0, 18.0, 27.0].iter().enumerate() {
        let at = year(*y) + Duration::hours(1);
        // Validation data for the newest time stamp's TSA (the signature's own at first), then a
        // document time stamp by the current TSA.
        let newest = &tsas[i.saturating_sub(1)];
        let mut m = material(&pki, at, newest);
        m.extend([tsas[i].cert().clone()], []);
        let next = extend(files.last().unwrap(), &m, &tsas[i], at).unwrap();
        files.push(next);
    }
    let (e0, e18, e27) = (&files[1], &files[3], &files[4]);
    let revoked_ca = [root_crl(&pki, year(20.0) + Duration::days(1))];

    // Year 31: the signer's certificate expired in year 3, its CA was revoked in year 20, the
    // first three TSA certificates have expired. Each stamp is judged at the time the next one
    // proves, the newest now: PASSED, with or without the root's CRL naming the revoked CA.
    for crls in [&[][..], &revoked_ca[..]] {
        let r = verify_at(&pki, e27, year(31.0), crls);
        assert_eq!(r.indication, Indication::Passed, "{}", dump(&r));
        assert_eq!(r.parts.len(), 5);
        let sig = &r.parts[0];
        assert!(sig.poe.as_ref().is_some_and(|p| p.by.contains("document time stamp 1 of 4")), "{}", dump(&r));
        assert_eq!(check(sig, "pdf.modifications").outcome, Outcome::Passed, "{}", dump(&r));
        for (k, p) in r.parts[1..].iter().enumerate() {
            assert_eq!(p.location.as_deref(), Some(format!("document time stamp {}", k + 1).as_str()));
            assert_eq!(check(p, "ltv.stamp").outcome, Outcome::Passed, "{}", dump(&r));
        }
    }
    let r = verify_at(&pki, e27, year(31.0), &revoked_ca);
    assert!(
        r.parts[0].checks.iter().any(|c| c.id == "cert.revocation"
            && c.outcome == Outcome::Passed
            && c.reason_en.contains("after the time-stamped validation time")),
        "{}",
        dump(&r)
    );

    // Without the renewals, the year-0 file in year 31: its TSA certificate expired in year 10
    // and nothing proves the stamps are older: INDETERMINATE, never PASSED. (With the root's CRL
    // the signature is then judged now, after its CA's revocation: yinxin-pki's chain makes that
    // FAILED / REVOKED.)
    let r = verify_at(&pki, e0, year(31.0), &revoked_ca);
    assert_ne!(r.indication, Indication::Passed, "{}", dump(&r));
    let r = verify_at(&pki, e0, year(31.0), &[]);
    assert_eq!(r.indication, Indication::Indeterminate, "{}", dump(&r));
    assert_eq!(r.parts[1].sub_indication, Some(SubIndication::OutOfBoundsNoPoe), "{}", dump(&r));
    // The signed file with no LTV at all: INDETERMINATE too.
    assert_eq!(verify_at(&pki, &files[0], year(31.0), &[]).indication, Indication::Indeterminate);
    // Renewed at 9 and 18 only: good until the year-18 TSA certificate expires (year 28).
    assert_eq!(verify_at(&pki, e18, year(27.5), &revoked_ca).indication, Indication::Passed);
    assert_eq!(verify_at(&pki, e18, year(31.0), &[]).indication, Indication::Indeterminate);
    assert_ne!(verify_at(&pki, e18, year(31.0), &revoked_ca).indication, Indication::Passed);

    let (ok, out) = tool("qpdf", &["--check", &tmp("renewed.pdf", e27)]);
    assert!(ok && out.contains("No syntax or stream encoding errors"), "{out}");

    // Every renewal kept what came before: 4 TSA certificates and a VRI entry per signature and
    // earlier time stamp.
    let d = read_dss(e27).unwrap();
    for t in &tsas {
        assert!(d.material.certs.contains(t.cert()));
    }
    assert_eq!(d.vri.len(), 4, "{:?}", d.vri);
    assert_eq!(d.material.crls.len(), 4 * 2 + 3, "root and TSA CA at each renewal; the issuing CA until year 20");
}

/// Flip one byte at `at`, to another hex digit when it is one.
fn flipped(pdf: &[u8], at: usize) -> Vec<u8> {
    let mut t = pdf.to_vec();
    t[at] = match t[at] {
        b'0' => b'1',
        b'A'..=b'F' | b'1'..=b'9' => b'0',
        b => b ^ 0x01,
    };
    t
}

#[test]
fn tampering_with_any_revision_fails() {
    let pki = pki();
    let (t0, t9) = (tsa(&pki, 0.0), tsa(&pki, 9.0));
    let a0 = year(0.0) + Duration::hours(1);
    let e0 = extend(&signed(&pki, &t0), &material(&pki, a0, &t0), &t0, a0).unwrap();
    let a9 = year(9.0);
    let mut m = material(&pki, a9, &t0);
    m.extend([t9.cert().clone()], []);
    let e9 = extend(&e0, &m, &t9, a9).unwrap();
    let now = year(9.0) + Duration::days(1);
    assert_eq!(verify_at(&pki, &e9, now, &[]).indication, Indication::Passed);

    // In the signed revision (the catalog's /Type).
    let at = find(&e9, b"/Type /Catalog").unwrap() + 7;
    let r = verify_at(&pki, &flipped(&e9, at), now, &[]);
    assert_eq!(r.indication, Indication::Failed, "{}", dump(&r));
    // Inside a DSS stream: the TSA CA certificate's DER, stored once.
    let der = pki.tsa_ca.cert.der();
    let at = find(&e9, der).unwrap() + der.len() - 10;
    let r = verify_at(&pki, &flipped(&e9, at), now, &[]);
    assert_eq!(r.indication, Indication::Failed, "{}", dump(&r));
    assert_eq!(r.parts[1].sub_indication, Some(SubIndication::HashFailure), "{}", dump(&r));
    // Inside the first document time stamp's token: its imprint.
    let ts_at = find(&e9, b"/SubFilter /ETSI.RFC3161").unwrap();
    let (br, covered, _) = byte_range_after(&e9, ts_at);
    let imprint: String = yinxin_gm::sm3::sm3(&covered).0.iter().map(|b| format!("{b:02X}")).collect();
    let at = br[1] + find(&e9[br[1]..br[2]], imprint.as_bytes()).unwrap() + 7;
    let r = verify_at(&pki, &flipped(&e9, at), now, &[]);
    assert_eq!(r.indication, Indication::Failed, "{}", dump(&r));
    assert_eq!(r.parts[1].indication, Indication::Failed, "{}", dump(&r));
    // Inside the second (last) document time stamp's token.
    let ts2 = ts_at + 10 + find(&e9[ts_at + 10..], b"/SubFilter /ETSI.RFC3161").unwrap();
    let (br, covered, _) = byte_range_after(&e9, ts2);
    let imprint: String = yinxin_gm::sm3::sm3(&covered).0.iter().map(|b| format!("{b:02X}")).collect();
    let at = br[1] + find(&e9[br[1]..br[2]], imprint.as_bytes()).unwrap() + 3;
    let r = verify_at(&pki, &flipped(&e9, at), now, &[]);
    assert_eq!(r.indication, Indication::Failed, "{}", dump(&r));
    assert_eq!(r.parts[2].indication, Indication::Failed, "{}", dump(&r));

    // An update after the last stamp that replaces the page's content: FAILED, as before.
    let evil = yinxin_tests::forged_page_update(&e9);
    let r = verify_at(&pki, &evil, now, &[]);
    assert_eq!(
        (r.indication, r.sub_indication),
        (Indication::Failed, Some(SubIndication::HashFailure)),
        "{}",
        dump(&r)
    );
    for p in &r.parts {
        assert_eq!(check(p, "pdf.modifications").outcome, Outcome::Failed, "{}", dump(&r));
    }

    // An update after the last stamp that adds something else: pages unchanged, so a warning
    // naming it (not taken for validation data).
    let doc = lopdf::Document::load_mem(&e9).unwrap();
    let prev = yinxin_doc::pdf::sign::last_startxref(&e9).unwrap();
    let root = doc.trailer.get(b"Root").unwrap().as_reference().unwrap();
    let mut other = e9.clone();
    let id = doc.max_id + 1;
    let off = other.len();
    other.extend_from_slice(format!("{id} 0 obj\n<< /Whatever true >>\nendobj\n").as_bytes());
    let xref = other.len();
    other.extend_from_slice(format!("xref\n{id} 1\n{off:010} 00000 n \ntrailer\n<</Size {} /Root {} 0 R /Prev {prev}>>\nstartxref\n{xref}\n%%EOF\n", id + 1, root.0).as_bytes());
    let r = verify_at(&pki, &other, now, &[]);
    assert_eq!(r.indication, Indication::Passed, "{}", dump(&r));
    let m = check(&r.parts[0], "pdf.modifications");
    assert_eq!(m.outcome, Outcome::Warning, "{}", m.reason_en);
    assert!(m.reason_en.contains("not only validation data"), "{}", m.reason_en);
}

#[test]
fn an_oversized_dss_is_a_format_failure() {
    let pki = pki();
    let t0 = tsa(&pki, 0.0);
    let at = year(0.0) + Duration::hours(1);
    let lta = extend(&signed(&pki, &t0), &material(&pki, at, &t0), &t0, at).unwrap();
    // An update whose DSS lists one stream MAX_DSS_CERTS + 1 times.
    let doc = lopdf::Document::load_mem(&lta).unwrap();
    let root = doc.trailer.get(b"Root").unwrap().as_reference().unwrap();
    let mut catalog = doc.get_dictionary(root).unwrap().clone();
    let (stream, dss) = (doc.max_id + 1, doc.max_id + 2);
    catalog.set("DSS", lopdf::Object::Reference((dss, 0)));
    let mut cat = Vec::new();
    write_object(&lopdf::Object::Dictionary(catalog), &mut cat);
    let refs = vec![format!("{stream} 0 R"); MAX_DSS_CERTS + 1].join(" ");
    let prev = yinxin_doc::pdf::sign::last_startxref(&lta).unwrap();
    let mut big = lta.clone();
    let der = pki.root.cert.der();
    let o1 = big.len();
    big.extend_from_slice(format!("{stream} 0 obj\n<</Length {}>>\nstream\n", der.len()).as_bytes());
    big.extend_from_slice(der);
    big.extend_from_slice(b"\nendstream\nendobj\n");
    let o2 = big.len();
    big.extend_from_slice(format!("{dss} 0 obj\n<< /Certs [{refs}] >>\nendobj\n").as_bytes());
    let o3 = big.len();
    big.extend_from_slice(format!("{} 0 obj\n", root.0).as_bytes());
    big.extend_from_slice(&cat);
    big.extend_from_slice(b"\nendobj\n");
    let xref = big.len();
    big.extend_from_slice(
        format!(
            "xref\n{} 1\n{o3:010} 00000 n \n{stream} 2\n{o1:010} 00000 n \n{o2:010} 00000 n \ntrailer\n<</Size {} /Root {} 0 R /Prev {prev}>>\nstartxref\n{xref}\n%%EOF\n",
            root.0,
            dss + 1,
            root.0
        )
        .as_bytes(),
    );
    let r = verify_at(&pki, &big, at + Duration::hours(1), &[]);
    assert_eq!(
        (r.indication, r.sub_indication),
        (Indication::Failed, Some(SubIndication::FormatFailure)),
        "{}",
        dump(&r)
    );
    assert!(check(&r, "pdf.dss").reason_en.contains("more than the 256 accepted"), "{}", dump(&r));
    assert!(read_dss(&big).is_err());
    // Adding validation data to it is refused too, rather than writing a DSS no verifier reads.
    assert!(add_validation_data(&big, &Material::default()).is_err());
}
