//! PDF: render, sign (incremental, visible seal), verify; checked with poppler, qpdf and OpenSSL.

use std::path::PathBuf;
use time::OffsetDateTime;
use yinxin_doc::layout::Item;
use yinxin_doc::pdf::render::{PdfSpec, render};
use yinxin_doc::pdf::sign::{Appearance, sign};
use yinxin_doc::pdf::verify_pdf;
use yinxin_gm::{Sm2PrivateKey, UserId, default_provider};
use yinxin_pki::report::{Indication, Outcome, Report, SubIndication};
use yinxin_pki::tsp::TimeStampAuthority;
use yinxin_pki::{Cert, TrustStore};
use yinxin_seal::gmt0010::sign_detached;
use yinxin_seal::verify::VerifyOptions;
use yinxin_tests::tool;

fn kd(f: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../keys-dev").join(f)
}
fn cert(stem: &str) -> Cert {
    Cert::from_pem_or_der(&std::fs::read(kd(&format!("{stem}.cert.pem"))).unwrap()).unwrap()
}
fn key(stem: &str) -> Sm2PrivateKey {
    Sm2PrivateKey::from_pem(&std::fs::read_to_string(kd(&format!("{stem}.key.pem"))).unwrap(), None).unwrap()
}

fn licence_pdf() -> Vec<u8> {
    render(&PdfSpec {
        title: "食品经营许可证".into(),
        page_mm: (210.0, 297.0),
        pages: vec![vec![
            Item::Frame { x: 10.0, y: 10.0, w: 190.0, h: 277.0, line: 0.8 },
            Item::Text { x: 60.0, y: 40.0, size: 12.0, text: "食品经营许可证".into(), bold: true },
            Item::Text {
                x: 25.0, y: 70.0, size: 5.0, text: "经营者名称：某某餐饮有限公司".into(), bold: false
            },
        ]],
    })
    .unwrap()
}

fn signed_by(pdf: &[u8], stem: &str, seal_png: Option<&str>, x: f64) -> Vec<u8> {
    let p = default_provider();
    let tsa = TimeStampAuthority::new(
        cert("tsa"),
        vec![cert("issuing-ca")],
        p.sm2_signer(&key("tsa"), UserId::DEFAULT).unwrap(),
        yinxin_pki::oid::YINXIN_TSA_POLICY,
    )
    .unwrap();
    let signer = p.sm2_signer(&key(stem), UserId::DEFAULT).unwrap();
    let c = cert(stem);
    let chain = [cert("issuing-ca")];
    let now = OffsetDateTime::now_utc();
    let png = seal_png.map(|s| std::fs::read(kd(s)).unwrap());
    let make = |data: &[u8]| {
        sign_detached(data, &c, &chain, signer.as_ref(), now, Some(&tsa))
            .map_err(|e| yinxin_doc::Error::Package(e.to_string()))
    };
    sign(pdf, &Appearance { page: 0, rect_mm: (x, 230.0, 40.0, 40.0), png }, stem, now, &make).unwrap()
}

fn verify(pdf: &[u8]) -> Report {
    let trust = TrustStore::new(vec![cert("root-ca")]);
    verify_pdf(pdf, &VerifyOptions::new(&trust))
}

fn tmp(name: &str, bytes: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!("yinxin-pdf-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p.to_string_lossy().into_owned()
}

#[test]
fn sign_verify_and_check_with_poppler_and_qpdf() {
    let pdf = signed_by(&licence_pdf(), "dept-market", Some("seals/dept-market.png"), 140.0);
    let r = verify(&pdf);
    assert_eq!(r.indication, Indication::Passed, "{:#?}", r.parts.iter().map(|p| &p.checks).collect::<Vec<_>>());
    assert_eq!(r.parts[0].time_source, Some(yinxin_pki::report::TimeSource::TimeStamp));
    let path = tmp("signed.pdf", &pdf);
    let (ok, out) = tool("qpdf", &["--check", &path]);
    assert!(ok && out.contains("No syntax or stream encoding errors"), "{out}");
    let (_, out) = tool("pdfsig", &[&path]);
    assert!(out.contains("Signature #1") && out.contains("adbe.pkcs7.detached"), "{out}");
    assert!(out.contains("Total document signed") || out.contains("Signed Ranges"), "{out}");
    // poppler renders it (the seal picture included) and the text is selectable.
    let (ok, out) = tool("pdftotext", &[&path, "-"]);
    assert!(ok && out.contains("食品经营许可证"), "{out}");
    let png_prefix = path.replace(".pdf", "");
    let (ok, out) = tool("pdftoppm", &["-r", "40", "-png", &path, &png_prefix]);
    assert!(ok, "{out}");
    let _ = std::fs::create_dir_all(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../test-artifacts/pdf"));
    let _ = std::fs::copy(
        format!("{png_prefix}-1.png"),
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../test-artifacts/pdf/signed-licence.png"),
    );
}

#[test]
fn a_second_signature_keeps_the_first_valid() {
    let once = signed_by(&licence_pdf(), "dept-market", Some("seals/dept-market.png"), 140.0);
    let twice = signed_by(&once, "person-zhangsan", None, 30.0);
    let r = verify(&twice);
    assert_eq!(r.parts.len(), 2);
    assert_eq!(r.indication, Indication::Passed, "{:#?}", r.parts.iter().map(|p| &p.checks).collect::<Vec<_>>());
    let first = &r.parts[0];
    // The later update (the second signature) is named, as DSS's modification detection does,
    // and is a permitted change (ISO 32000-1 §12.8.2.2.2: signing).
    let m = first.checks.iter().find(|c| c.id == "pdf.modifications").unwrap();
    assert_eq!(m.outcome, Outcome::Passed, "{}", m.reason_en);
    assert!(m.reason_en.contains("1 further signature(s), nothing else changed"), "{}", m.reason_en);
    let (ok, out) = tool("qpdf", &["--check", &tmp("twice.pdf", &twice)]);
    assert!(ok, "{out}");
}

#[test]
fn tampering_is_detected() {
    let pdf = signed_by(&licence_pdf(), "dept-market", Some("seals/dept-market.png"), 140.0);
    // One byte of covered content.
    let mut t = pdf.clone();
    let pos = t.windows(4).position(|w| w == b"/Pro" || w == b"/Typ").unwrap();
    t[pos + 1] ^= 0x20;
    let r = verify(&t);
    assert_eq!(r.indication, Indication::Failed);
    // An incremental update that replaces the page's content after signing.
    let evil = yinxin_tests::forged_page_update(&pdf);
    let r = verify(&evil);
    assert_eq!(
        (r.indication, r.sub_indication),
        (Indication::Failed, Some(SubIndication::HashFailure)),
        "{:#?}",
        r.parts[0].checks
    );
    assert_eq!(
        r.parts[0].checks.iter().find(|c| c.id == "pdf.modifications").map(|c| c.outcome),
        Some(Outcome::Failed)
    );
    // Unsigned and garbage input.
    assert_eq!(verify(&licence_pdf()).indication, Indication::Indeterminate);
    assert_eq!(verify(b"%PDF-1.7 garbage").sub_indication, Some(SubIndication::FormatFailure));
}

#[test]
fn openssl_checks_the_pdf_signature_independently() {
    let pdf = signed_by(&licence_pdf(), "dept-market", None, 140.0);
    // Find /ByteRange and /Contents with plain byte scanning — no yinxin code.
    let br_at = pdf.windows(12).position(|w| w == b"/ByteRange [").unwrap() + 12;
    let end = br_at + pdf[br_at..].iter().position(|b| *b == b']').unwrap();
    let nums: Vec<usize> =
        String::from_utf8(pdf[br_at..end].to_vec()).unwrap().split_whitespace().map(|n| n.parse().unwrap()).collect();
    let covered = [&pdf[nums[0]..nums[0] + nums[1]], &pdf[nums[2]..nums[2] + nums[3]]].concat();
    let hex = String::from_utf8(pdf[nums[1] + 1..nums[2] - 1].to_vec()).unwrap();
    let der: Vec<u8> = (0..hex.len() / 2).map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap()).collect();
    let der_len = 4 + usize::from(der[2]) * 256 + usize::from(der[3]); // 30 82 LL LL
    let cms = &der[..der_len];
    let cms_path = tmp("cms.der", cms);
    let data_path = tmp("covered.bin", &covered);
    let (ok, parsed) = tool("openssl", &["asn1parse", "-inform", "DER", "-in", &cms_path, "-i"]);
    assert!(ok, "{parsed}");
    // messageDigest = SM3 of the ByteRange bytes.
    let (_, dgst) = tool("openssl", &["dgst", "-sm3", "-r", &data_path]);
    let digest = dgst.split_whitespace().next().unwrap().to_uppercase();
    let md_line = parsed.lines().skip_while(|l| !l.contains(":messageDigest")).nth(2).unwrap();
    assert!(md_line.contains(&digest), "{md_line} vs {digest}");
    // The SM2 signature over the DER SET of the signed attributes. In asn1parse's listing the
    // SignerInfo's fields are at depth 5: signedAttrs is its [0], the signature its last OCTET STRING.
    // Each line reads "offset:d=depth  hl=header l=length ...".
    let field = |line: &str, key: &str| -> usize {
        let at = line.find(key).unwrap() + key.len();
        line[at..].trim_start().split(|c: char| !c.is_ascii_digit()).next().unwrap().parse().unwrap()
    };
    let span = |line: &str| {
        let off: usize = line.split(':').next().unwrap().trim().parse().unwrap();
        (off, field(line, "hl="), field(line, " l="))
    };
    let (off, hl, l) = span(parsed.lines().find(|l| l.contains("d=5") && l.contains("cont [ 0 ]")).unwrap());
    let mut attrs = cms[off..off + hl + l].to_vec();
    attrs[0] = 0x31;
    let (soff, shl, sl) = span(parsed.lines().rfind(|l| l.contains("d=5") && l.contains("OCTET STRING")).unwrap());
    let sig = &cms[soff + shl..soff + shl + sl];
    let attrs_path = tmp("attrs.der", &attrs);
    let sig_path = tmp("sig.der", sig);
    let pub_path = tmp("pub.pem", cert("dept-market").public_key.unwrap().to_spki_pem().as_bytes());
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
            &attrs_path,
            "-sigfile",
            &sig_path,
            "-pkeyopt",
            "distid:1234567812345678",
        ],
    );
    assert!(ok, "{out}");
}
