//! OFD documents written and sealed by yinxin: the parts GB/T 33190 requires, well-formed XML,
//! verification PASSED, a second seal keeping the first valid, and tampering detected.

use std::path::PathBuf;
use time::OffsetDateTime;
use yinxin_doc::ofd::sign::{StampPlace, open, seal};
use yinxin_doc::ofd::verify_ofd;
use yinxin_doc::ofd::write::{DocumentSpec, Item, build};
use yinxin_gm::{Sm2PrivateKey, UserId, default_provider};
use yinxin_pki::report::{Indication, Outcome, Report, SubIndication};
use yinxin_pki::tsp::TimeStampAuthority;
use yinxin_pki::{Cert, TrustStore};
use yinxin_seal::Seal;
use yinxin_seal::make::SignRequest;
use yinxin_seal::verify::VerifyOptions;

fn kd(f: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../keys-dev").join(f)
}
fn cert(stem: &str) -> Cert {
    Cert::from_pem_or_der(&std::fs::read(kd(&format!("{stem}.cert.pem"))).unwrap()).unwrap()
}
fn key(stem: &str) -> Sm2PrivateKey {
    Sm2PrivateKey::from_pem(&std::fs::read_to_string(kd(&format!("{stem}.key.pem"))).unwrap(), None).unwrap()
}

fn spec() -> DocumentSpec {
    let mut custom = std::collections::BTreeMap::new();
    custom.insert("证照名称".to_string(), "食品经营许可证".to_string());
    custom.insert("持证主体".to_string(), "某某餐饮有限公司 & <测试>".to_string());
    DocumentSpec {
        title: "食品经营许可证".into(),
        page_mm: (210.0, 297.0),
        pages: vec![vec![
            Item::Frame { x: 10.0, y: 10.0, w: 190.0, h: 277.0, line: 0.8 },
            Item::Text { x: 60.0, y: 40.0, size: 10.0, text: "食品经营许可证".into(), bold: true },
            Item::Text {
                x: 25.0, y: 70.0, size: 4.5, text: "经营者名称：某某餐饮有限公司".into(), bold: false
            },
            Item::Rects { rects: vec![(160.0, 240.0, 1.0, 1.0), (161.0, 241.0, 1.0, 1.0)] },
        ]],
        custom,
        doc_id: "0123456789abcdef0123456789abcdef".into(),
        creation_date: "2026-11-26".into(),
    }
}

struct Signing {
    seal: Seal,
    cert: Cert,
    key: Sm2PrivateKey,
    tsa: TimeStampAuthority,
}

fn dept(stem: &str) -> Signing {
    let tsa = TimeStampAuthority::new(
        cert("tsa"),
        vec![cert("issuing-ca")],
        default_provider().sm2_signer(&key("tsa"), UserId::DEFAULT).unwrap(),
        yinxin_pki::oid::YINXIN_TSA_POLICY,
    )
    .unwrap();
    Signing {
        seal: Seal::parse(&std::fs::read(kd(&format!("seals/{stem}.esl"))).unwrap()).unwrap(),
        cert: cert(stem),
        key: key(stem),
        tsa,
    }
}

fn sealed(b: &mut yinxin_doc::ofd::write::PackageBuilder, s: &Signing, x: f64) {
    let signer = default_provider().sm2_signer(&s.key, UserId::DEFAULT).unwrap();
    let req = SignRequest {
        seal: &s.seal,
        signer_cert: &s.cert,
        signer: signer.as_ref(),
        data: b"",
        property_info: "",
        tsa: Some(&s.tsa),
    };
    seal(b, &req, StampPlace { page: 0, x, y: 230.0, w: 42.0, h: 42.0 }, OffsetDateTime::now_utc()).unwrap();
}

fn verify(bytes: &[u8]) -> Report {
    let trust = TrustStore::new(vec![cert("root-ca")]);
    let chain = vec![cert("issuing-ca")];
    let mut opts = VerifyOptions::new(&trust);
    opts.intermediates = &chain;
    verify_ofd(bytes, &opts)
}

fn outcome(r: &Report, id: &str) -> Outcome {
    r.checks.iter().find(|c| c.id == id).map(|c| c.outcome).unwrap_or_else(|| panic!("no {id}"))
}

#[test]
fn written_package_has_the_required_parts_and_well_formed_xml() {
    let mut b = build(&spec()).unwrap();
    sealed(&mut b, &dept("dept-market"), 120.0);
    let zip = b.to_zip().unwrap();
    let pkg = yinxin_doc::ofd::Package::read(&zip).unwrap();
    for part in [
        "OFD.xml",
        "Doc_0/Document.xml",
        "Doc_0/PublicRes.xml",
        "Doc_0/Pages/Page_0/Content.xml",
        "Doc_0/Signs/Signatures.xml",
        "Doc_0/Signs/Sign_0/Signature.xml",
        "Doc_0/Signs/Sign_0/SignedValue.dat",
        "Doc_0/Signs/Sign_0/Seal.esl",
    ] {
        assert!(pkg.get(part).is_some(), "{part} missing");
    }
    for name in pkg.names().filter(|n| n.ends_with(".xml")) {
        let root = yinxin_doc::ofd::signatures::parse_xml(name, pkg.get(name).unwrap())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(!root.name.is_empty());
    }
    // The custom metadata survives escaping.
    let ofd = yinxin_doc::ofd::signatures::parse_xml("OFD.xml", pkg.get("OFD.xml").unwrap()).unwrap();
    let datas = ofd.child("DocBody").unwrap().child("DocInfo").unwrap().child("CustomDatas").unwrap();
    assert!(datas.all("CustomData").any(|c| c.text == "某某餐饮有限公司 & <测试>"));
    assert_eq!(ofd.child("DocBody").unwrap().child("Signatures").unwrap().text, "Doc_0/Signs/Signatures.xml");
}

#[test]
fn sealed_ofd_verifies_and_a_second_seal_keeps_the_first_valid() {
    let mut b = build(&spec()).unwrap();
    sealed(&mut b, &dept("dept-market"), 120.0);
    let once = b.to_zip().unwrap();
    let r = verify(&once);
    assert_eq!(r.indication, Indication::Passed, "{:#?}", r.parts.iter().map(|p| &p.checks).collect::<Vec<_>>());
    assert_eq!(r.parts.len(), 1);
    assert_eq!(r.parts[0].time_source, Some(yinxin_pki::report::TimeSource::TimeStamp));

    let mut b2 = open(&once).unwrap();
    sealed(&mut b2, &dept("dept-housing"), 60.0);
    let twice = b2.to_zip().unwrap();
    let r = verify(&twice);
    assert_eq!(r.parts.len(), 2);
    assert_eq!(r.indication, Indication::Passed, "{:#?}", r.parts.iter().map(|p| &p.checks).collect::<Vec<_>>());
}

#[test]
fn tampering_is_detected_with_a_reason() {
    let mut b = build(&spec()).unwrap();
    sealed(&mut b, &dept("dept-market"), 120.0);
    let good = b.clone();

    // A file inside the package edited.
    let mut t = good.clone();
    let mut content = t.get("Doc_0/Pages/Page_0/Content.xml").unwrap().to_vec();
    let pos = content.windows(6).position(|w| w == "某某".as_bytes()).unwrap();
    content[pos..pos + 6].copy_from_slice("另外".as_bytes());
    t.put("Doc_0/Pages/Page_0/Content.xml", content);
    let r = verify(&t.to_zip().unwrap());
    assert_eq!((r.indication, r.sub_indication), (Indication::Failed, Some(SubIndication::HashFailure)));
    assert_eq!(outcome(&r.parts[0], "ofd.references"), Outcome::Failed);
    assert!(r.parts[0].checks[0].reason_en.contains("Content.xml was changed"), "{:?}", r.parts[0].checks[0]);

    // The seal picture swapped: another department's seal put in as Seal.esl.
    let mut t = good.clone();
    t.put("Doc_0/Signs/Sign_0/Seal.esl", std::fs::read(kd("seals/dept-transport.esl")).unwrap());
    let r = verify(&t.to_zip().unwrap());
    assert_eq!(r.indication, Indication::Failed);
    assert_eq!(outcome(&r.parts[0], "ofd.seal_file"), Outcome::Failed);
    assert_eq!(outcome(&r.parts[0], "ofd.references"), Outcome::Failed, "Seal.esl is protected too");

    // Signature.xml edited (a reference dropped): the dataHash no longer matches.
    let mut t = good.clone();
    let xml = String::from_utf8(t.get("Doc_0/Signs/Sign_0/Signature.xml").unwrap().to_vec()).unwrap();
    let start = xml.find("<ofd:Reference ").unwrap();
    let end = xml[start..].find("</ofd:Reference>").unwrap() + start + "</ofd:Reference>".len();
    t.put("Doc_0/Signs/Sign_0/Signature.xml", format!("{}{}", &xml[..start], &xml[end..]).into_bytes());
    let r = verify(&t.to_zip().unwrap());
    assert_eq!(r.indication, Indication::Failed);
    assert_eq!(outcome(&r.parts[0], "sig.data_hash"), Outcome::Failed);

    // A part added after signing is not protected, but changes nothing that is; a removed
    // protected part is reported missing.
    let mut t = good.clone();
    t.put("Doc_0/Pages/Page_0/Content.xml", Vec::new());
    let r = verify(&t.to_zip().unwrap());
    assert_eq!(r.indication, Indication::Failed);
}
