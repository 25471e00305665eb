//! Issuing each shipped licence type from `examples/`: OFD and PDF both verify, the metadata and
//! identifier agree, and the QR code read back from the rendered page links to verification.

use std::collections::BTreeMap;
use std::path::PathBuf;
use time::OffsetDateTime;
use yinxin_gm::{Sm2PrivateKey, UserId, default_provider};
use yinxin_licence::LicenceId;
use yinxin_licence::catalogue::Catalogue;
use yinxin_licence::issue::{AnnotationRequest, IssueRequest, Sealing, annotate, issue, reissue};
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
            issued_on: None,
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
        pdf_tools_accept(&lic.pdf);
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
        issued_on: None,
    };
    let e = issue(&req, &sealing, OffsetDateTime::now_utc()).unwrap_err().to_string();
    assert!(e.contains("uscc") && e.contains("required"), "{e}");
}

/// The development seal, certificate, chain, signer and TSA of 市场监管.
struct Dept {
    seal: Seal,
    cert: Cert,
    chain: Vec<Cert>,
    signer: Box<dyn yinxin_gm::Sm2Signer>,
    tsa: TimeStampAuthority,
}

impl Dept {
    fn market() -> Self {
        let p = default_provider();
        Dept {
            seal: Seal::parse(&std::fs::read(kd("seals/dept-market.esl")).unwrap()).unwrap(),
            cert: cert("dept-market"),
            chain: vec![cert("issuing-ca")],
            signer: p.sm2_signer(&key("dept-market"), UserId::DEFAULT).unwrap(),
            tsa: TimeStampAuthority::new(
                cert("tsa"),
                vec![cert("issuing-ca")],
                p.sm2_signer(&key("tsa"), UserId::DEFAULT).unwrap(),
                yinxin_pki::oid::YINXIN_TSA_POLICY,
            )
            .unwrap(),
        }
    }
    fn sealing(&self) -> Sealing<'_> {
        Sealing {
            seal: &self.seal,
            cert: &self.cert,
            chain: &self.chain,
            signer: self.signer.as_ref(),
            tsa: Some(&self.tsa),
        }
    }
}

fn passes(lic: &yinxin_licence::issue::Issued) {
    let trust = TrustStore::new(vec![cert("root-ca")]);
    let intermediates = [cert("issuing-ca")];
    let mut opts = VerifyOptions::new(&trust);
    opts.intermediates = &intermediates;
    assert_eq!(yinxin_doc::ofd::verify_ofd(&lic.ofd, &opts).indication, Indication::Passed);
    assert_eq!(yinxin_doc::pdf::verify_pdf(&lic.pdf, &opts).indication, Indication::Passed);
}

fn business_licence(d: &Dept) -> yinxin_licence::issue::Issued {
    let cat = Catalogue::built_in().unwrap();
    let fields =
        serde_json::from_str(&std::fs::read_to_string(root().join("examples/营业执照.json")).unwrap()).unwrap();
    let req = IssueRequest {
        ltype: cat.get("营业执照").unwrap(),
        fields,
        issuer: "某市市场监督管理局".into(),
        issuer_code: "11530100MB0123456A".into(),
        serial: None,
        version: 1,
        verify_url: "https://127.0.0.1/v".into(),
        issued_on: None,
    };
    issue(&req, &d.sealing(), OffsetDateTime::now_utc()).unwrap()
}

fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile_dir();
    std::fs::write(dir.join("t.pdf"), pdf).unwrap();
    let out = std::process::Command::new("pdftotext").args(["t.pdf", "-"]).current_dir(&dir).output().unwrap();
    assert!(out.status.success());
    std::fs::remove_dir_all(&dir).ok();
    String::from_utf8(out.stdout).unwrap()
}

fn tempfile_dir() -> PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let d =
        std::env::temp_dir().join(format!("yinxin-lic-{}-{}", std::process::id(), N.fetch_add(1, Ordering::SeqCst)));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn reissue_supersedes_the_previous_version() {
    let d = Dept::market();
    let cat = Catalogue::built_in().unwrap();
    let t = cat.get("营业执照").unwrap();
    let v1 = business_licence(&d);
    let mut fields = v1.metadata.fields.clone();
    fields.insert("address".into(), "云南省昆明市盘龙区新址路1号".into());
    let v2 = reissue(&v1.metadata, t, fields.clone(), "https://127.0.0.1/v", &d.sealing(), OffsetDateTime::now_utc())
        .unwrap();
    assert_eq!(v2.id.version(), 2);
    assert_eq!(v2.id.serial(), v1.id.serial());
    assert_eq!(v2.id, v1.id.next_version().unwrap());
    assert_eq!(v2.metadata.supersedes.as_deref(), Some(v1.metadata.identifier.as_str()));
    assert_eq!(v2.metadata.fields["address"], "云南省昆明市盘龙区新址路1号");
    passes(&v2);
    let pkg = yinxin_doc::ofd::Package::read(&v2.ofd).unwrap();
    let ofd_xml = String::from_utf8(pkg.get("OFD.xml").unwrap().to_vec()).unwrap();
    assert!(ofd_xml.contains("替代证照标识") && ofd_xml.contains(&v1.metadata.identifier), "{ofd_xml}");
    assert!(pdf_text(&v2.pdf).contains("新址路"));
    // And again: version 3 supersedes version 2.
    let v3 = reissue(&v2.metadata, t, fields.clone(), "https://127.0.0.1/v", &d.sealing(), OffsetDateTime::now_utc())
        .unwrap();
    assert_eq!((v3.id.version(), v3.metadata.supersedes.as_deref()), (3, Some(v2.metadata.identifier.as_str())));

    // A different holder is a new licence, not a new version.
    let mut other = fields.clone();
    other.insert("uscc".into(), "91350100M000100Y43".into());
    let e = reissue(&v1.metadata, t, other, "https://127.0.0.1/v", &d.sealing(), OffsetDateTime::now_utc())
        .unwrap_err()
        .to_string();
    assert!(e.contains("different holder"), "{e}");
    // Another type's licence cannot be re-issued as this type.
    let food = cat.get("食品经营许可证").unwrap();
    let e = reissue(&v1.metadata, food, fields, "https://127.0.0.1/v", &d.sealing(), OffsetDateTime::now_utc())
        .unwrap_err()
        .to_string();
    assert!(e.contains("not 食品经营许可证"), "{e}");
}

#[test]
fn annotated_copy_carries_its_use_and_is_sealed_again() {
    let d = Dept::market();
    let cat = Catalogue::built_in().unwrap();
    let t = cat.get("营业执照").unwrap();
    let lic = business_licence(&d);
    let now = OffsetDateTime::now_utc();
    let expires = format!("{}", (now + time::Duration::days(30)).date());
    let ask = AnnotationRequest {
        use_cause: "办理不动产转移登记", user: "某市不动产登记中心", expires: &expires
    };
    let copy = annotate(&lic.metadata, t, &ask, "https://127.0.0.1/v", &d.sealing(), now).unwrap();
    assert_eq!(copy.id, lic.id, "a 加注件 is a copy of the same licence");
    let a = copy.metadata.annotation.as_ref().unwrap();
    assert_eq!((a.use_cause.as_str(), a.user.as_str(), a.expires.as_str()), (ask.use_cause, ask.user, ask.expires));
    passes(&copy);
    let text = pdf_text(&copy.pdf);
    assert!(text.contains("加注") && text.contains("办理不动产转移登记"), "{text}");
    let pkg = yinxin_doc::ofd::Package::read(&copy.ofd).unwrap();
    let ofd_xml = String::from_utf8(pkg.get("OFD.xml").unwrap().to_vec()).unwrap();
    assert!(ofd_xml.contains("加注事由") && ofd_xml.contains(&expires), "{ofd_xml}");

    // Changing the use-cause on the sealed copy is detected: the page content is protected.
    let mut b = yinxin_doc::ofd::write::PackageBuilder::default();
    for name in pkg.names() {
        b.put(name, pkg.get(name).unwrap().to_vec());
    }
    let page = "Doc_0/Pages/Page_0/Content.xml";
    let content = String::from_utf8(pkg.get(page).unwrap().to_vec()).unwrap();
    assert!(content.contains("不动产转移登记"));
    b.put(page, content.replace("不动产转移登记", "贷款抵押登记").into_bytes());
    let trust = TrustStore::new(vec![cert("root-ca")]);
    let intermediates = [cert("issuing-ca")];
    let mut opts = VerifyOptions::new(&trust);
    opts.intermediates = &intermediates;
    assert_eq!(yinxin_doc::ofd::verify_ofd(&b.to_zip().unwrap(), &opts).indication, Indication::Failed);

    // Refused: no use-cause, an over-long one, an expiry in the past or past the licence's own,
    // and annotating an annotated copy.
    let bad = |use_cause: &str, user: &str, expires: &str, m: &yinxin_licence::issue::Metadata| {
        let ask = AnnotationRequest { use_cause, user, expires };
        annotate(m, t, &ask, "https://127.0.0.1/v", &d.sealing(), now).unwrap_err().to_string()
    };
    assert!(bad(" ", "某中心", &expires, &lic.metadata).contains("use-cause"));
    assert!(bad(&"因".repeat(201), "某中心", &expires, &lic.metadata).contains("200"));
    assert!(bad("事由", "", &expires, &lic.metadata).contains("用证方"));
    assert!(bad("事由", "某中心", "2020-01-01", &lic.metadata).contains("not after today"));
    assert!(bad("事由", "某中心", "明天", &lic.metadata).contains("not a date"));
    let mut dated = lic.metadata.clone();
    dated.valid_until = format!("{}", (now + time::Duration::days(10)).date());
    assert!(bad("事由", "某中心", &expires, &dated).contains("after the licence's own"));
    assert!(bad("事由", "某中心", &expires, &copy.metadata).contains("annotated copy"));
}

/// qpdf finds no errors and poppler's pdfsig sees one signature covering the whole file.
fn pdf_tools_accept(pdf: &[u8]) {
    let dir = tempfile_dir();
    std::fs::write(dir.join("l.pdf"), pdf).unwrap();
    let run = |tool: &str, args: &[&str]| {
        let o = std::process::Command::new(tool).args(args).current_dir(&dir).output().unwrap();
        (o.status.success(), format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr)))
    };
    let (ok, out) = run("qpdf", &["--check", "l.pdf"]);
    assert!(ok && out.contains("No syntax or stream encoding errors"), "{out}");
    let (_, out) = run("pdfsig", &["l.pdf"]);
    assert!(out.contains("Signature #1") && !out.contains("Signature #2"), "{out}");
    assert!(out.contains("Total document signed"), "{out}");
    std::fs::remove_dir_all(&dir).ok();
}
