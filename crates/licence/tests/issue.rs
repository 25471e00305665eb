//! Issuing each shipped licence type from `examples/`: OFD and PDF both verify, the metadata and
//! identifier agree, and the QR code read back from the rendered page links to verification.

use std::collections::BTreeMap;
use std::path::PathBuf;
use time::OffsetDateTime;
use yinxin_gm::{Sm2PrivateKey, UserId, default_provider};
use yinxin_licence::LicenceId;
use yinxin_licence::catalogue::Catalogue;
use yinxin_licence::issue::{IssueRequest, Sealing, issue};
use yinxin_pki::report::Indication;
use yinxin_pki::tsp::TimeStampAuthority;
use yinxin_pki::{Cert, TrustStore};
use yinxin_seal::Seal;
use yinxin_seal::verify::VerifyOptions;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}
fn kd(f: &str) -> PathBuf {
    root().join("keys-dev").join(f)
}
fn cert(stem: &str) -> Cert {
    Cert::from_pem_or_der(&std::fs::read(kd(&format!("{stem}.cert.pem"))).unwrap()).unwrap()
}
fn key(stem: &str) -> Sm2PrivateKey {
    Sm2PrivateKey::from_pem(&std::fs::read_to_string(kd(&format!("{stem}.key.pem"))).unwrap(), None).unwrap()
}

#[test]
fn every_shipped_type_issues_and_verifies() {
    let cat = Catalogue::built_in().unwrap();
    let p = default_provider();
    let tsa = TimeStampAuthority::new(
        cert("tsa"),
        vec![cert("issuing-ca")],
        p.sm2_signer(&key("tsa"), UserId::DEFAULT).unwrap(),
        yinxin_pki::oid::YINXIN_TSA_POLICY,
    )
    .unwrap();
    let seal = Seal::parse(&std::fs::read(kd("seals/dept-market.esl")).unwrap()).unwrap();
    let c = cert("dept-market");
    let chain = [cert("issuing-ca")];
    let signer = p.sm2_signer(&key("dept-market"), UserId::DEFAULT).unwrap();
    let sealing = Sealing { seal: &seal, cert: &c, chain: &chain, signer: signer.as_ref(), tsa: Some(&tsa) };
    let trust = TrustStore::new(vec![cert("root-ca")]);
    // SES signatures carry only the signer's certificate: verifiers are configured with the
    // intermediate CAs (the PDF's signed data embeds them as well).
    let intermediates = [cert("issuing-ca")];
    let mut opts = VerifyOptions::new(&trust);
    opts.intermediates = &intermediates;
    for t in cat.types() {
        let fields: BTreeMap<String, String> =
            serde_json::from_str(&std::fs::read_to_string(root().join(format!("examples/{}.json", t.name))).unwrap())
                .unwrap();
        let req = IssueRequest {
            ltype: t,
            fields,
            issuer: "某市市场监督管理局".into(),
            issuer_code: "11530100MB0123456A".into(),
            serial: None,
            version: 1,
            verify_url: "https://127.0.0.1/v".into(),
        };
        let lic = issue(&req, &sealing, OffsetDateTime::now_utc()).unwrap_or_else(|e| panic!("{}: {e}", t.name));
        assert_eq!(LicenceId::parse(&lic.metadata.identifier).unwrap(), lic.id);
        assert_eq!(lic.id.type_code(), t.type_code);
        let r = yinxin_doc::ofd::verify_ofd(&lic.ofd, &opts);
        assert_eq!(r.indication, Indication::Passed, "{} OFD: {:#?}", t.name, r.parts.first().map(|p| &p.checks));
        let r = yinxin_doc::pdf::verify_pdf(&lic.pdf, &opts);
        assert_eq!(r.indication, Indication::Passed, "{} PDF: {:#?}", t.name, r.parts.first().map(|p| &p.checks));
        // The OFD carries the metadata.
        let pkg = yinxin_doc::ofd::Package::read(&lic.ofd).unwrap();
        let ofd_xml = String::from_utf8(pkg.get("OFD.xml").unwrap().to_vec()).unwrap();
        assert!(ofd_xml.contains(&lic.metadata.identifier) && ofd_xml.contains(&lic.metadata.holder));
        if t.name == "食品经营许可证" {
            qr_reads_back(&lic.pdf, &format!("https://127.0.0.1/v?id={}", lic.metadata.identifier));
        }
    }
}

/// Render the PDF with poppler, find the QR code in the picture, decode it.
fn qr_reads_back(pdf: &[u8], want: &str) {
    let dir = std::env::temp_dir().join(format!("yinxin-licence-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("l.pdf"), pdf).unwrap();
    let ok = std::process::Command::new("pdftoppm")
        .args(["-r", "150", "-gray", "-png", "l.pdf", "page"])
        .current_dir(&dir)
        .status()
        .unwrap()
        .success();
    assert!(ok);
    let png_bytes = std::fs::read(dir.join("page-1.png")).unwrap();
    let art = root().join("test-artifacts/licence");
    std::fs::create_dir_all(&art).unwrap();
    std::fs::write(art.join("food-business-licence.png"), &png_bytes).unwrap();
    let mut r = png::Decoder::new(std::io::Cursor::new(&png_bytes)).read_info().unwrap();
    let mut buf = vec![0; r.output_buffer_size().unwrap()];
    let info = r.next_frame(&mut buf).unwrap();
    let (w, h) = (info.width as usize, info.height as usize);
    let step = buf.len() / (w * h);
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| buf[(y * w + x) * step]);
    let grids = img.detect_grids();
    assert!(!grids.is_empty(), "no QR code found on the rendered page");
    let (_, content) = grids[0].decode().unwrap();
    assert_eq!(content, want);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn bad_fields_are_refused_before_anything_is_signed() {
    let cat = Catalogue::built_in().unwrap();
    let t = cat.get("营业执照").unwrap();
    let p = default_provider();
    let seal = Seal::parse(&std::fs::read(kd("seals/dept-market.esl")).unwrap()).unwrap();
    let c = cert("dept-market");
    let signer = p.sm2_signer(&key("dept-market"), UserId::DEFAULT).unwrap();
    let sealing = Sealing { seal: &seal, cert: &c, chain: &[], signer: signer.as_ref(), tsa: None };
    let mut fields = BTreeMap::new();
    fields.insert("name".to_string(), "只有名称".to_string());
    let req = IssueRequest {
        ltype: t,
        fields,
        issuer: "x".into(),
        issuer_code: "11530100MB0123456A".into(),
        serial: None,
        version: 1,
        verify_url: "https://127.0.0.1/v".into(),
    };
    let e = issue(&req, &sealing, OffsetDateTime::now_utc()).unwrap_err().to_string();
    assert!(e.contains("uscc") && e.contains("required"), "{e}");
}
