//! Licence pages read right: for each shipped type, with the example fields and with every text
//! field at its catalogue maximum, poppler's `pdftotext -bbox-layout` puts every word inside the
//! frame and every field word inside its column, `pdffonts` shows every font embedded, and the
//! OFD and PDF still verify. Page 1 of each is rendered to PNG (`pdftoppm -r 60`) into
//! `test-artifacts/licences/` for a person to look at. Characters the typeface lacks are refused.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use time::OffsetDateTime;
use yinxin_gm::{Sm2PrivateKey, UserId, default_provider};
use yinxin_licence::catalogue::{Catalogue, FieldKind, LicenceType};
use yinxin_licence::issue::{IssueRequest, Issued, Sealing, issue};
use yinxin_licence::{Error, Unprintable};
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

fn issue_with(t: &LicenceType, fields: BTreeMap<String, String>) -> Result<Issued, Error> {
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
    let req = IssueRequest {
        ltype: t,
        fields,
        issuer: "昆明市五华区市场监督管理局".into(),
        issuer_code: "11530100MB0123456A".into(),
        serial: None,
        version: 1,
        verify_url: "https://yinxin.example.gov.cn/verify".into(),
        issued_on: None,
    };
    issue(&req, &sealing, OffsetDateTime::now_utc())
}

fn example(t: &LicenceType) -> BTreeMap<String, String> {
    serde_json::from_str(&std::fs::read_to_string(root().join(format!("examples/{}.json", t.name))).unwrap()).unwrap()
}

/// Every free-text field without a pattern filled to its maximum with text that exercises the
/// line breaker: CJK, both kinds of brackets, stops and commas, Latin words and numbers.
fn at_maximum(t: &LicenceType) -> BTreeMap<String, String> {
    let filler: Vec<char> =
        "一般项目：软件开发；信息技术咨询服务（除依法须经批准的项目外），凭营业执照依法自主开展经营活动。\
                             「食品销售」《许可证》Room 1203 Tower B，电话0871-12345678。"
            .chars()
            .collect();
    let mut fields = example(t);
    for f in &t.fields {
        if let (FieldKind::Text, Some(max), None, false) = (f.kind, f.max_len, &f.pattern, f.number) {
            fields.insert(f.key.clone(), filler.iter().cycle().take(max).collect());
        }
    }
    fields
}

fn verifies(lic: &Issued) {
    let trust = TrustStore::new(vec![cert("root-ca")]);
    let intermediates = [cert("issuing-ca")];
    let mut opts = VerifyOptions::new(&trust);
    opts.intermediates = &intermediates;
    assert_eq!(yinxin_doc::ofd::verify_ofd(&lic.ofd, &opts).indication, Indication::Passed);
    assert_eq!(yinxin_doc::pdf::verify_pdf(&lic.pdf, &opts).indication, Indication::Passed);
}

fn mm(pt: f64) -> f64 {
    pt * 25.4 / 72.0
}

/// (page, xMin, yMin, xMax, yMax in mm, text) of every word poppler finds.
fn word_boxes(pdf: &Path) -> Vec<(usize, f64, f64, f64, f64, String)> {
    let out = Command::new("pdftotext").arg("-bbox-layout").arg(pdf).arg("-").output().expect("poppler-utils");
    assert!(out.status.success());
    let html = String::from_utf8(out.stdout).unwrap();
    let attr = |s: &str, name: &str| -> f64 {
        let i = s.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        s[i..i + s[i..].find('"').unwrap()].parse().unwrap()
    };
    let mut words = Vec::new();
    for (p, page) in html.split("<page ").skip(1).enumerate() {
        for w in page.split("<word ").skip(1) {
            let text = &w[w.find('>').unwrap() + 1..w.find("</word>").unwrap()];
            let (x0, y0, x1, y1) = (attr(w, "xMin"), attr(w, "yMin"), attr(w, "xMax"), attr(w, "yMax"));
            words.push((p, mm(x0), mm(y0), mm(x1), mm(y1), text.to_string()));
        }
    }
    words
}

fn check_pages(name: &str, lic: &Issued, out_dir: &Path) -> usize {
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("l.pdf");
    std::fs::write(&pdf, &lic.pdf).unwrap();
    let words = word_boxes(&pdf);
    assert!(!words.is_empty());
    let eps = 0.3;
    for (p, x0, y0, x1, y1, text) in &words {
        // Inside the frame (12..198 × 12..285 mm).
        assert!(
            *x0 >= 12.0 && *x1 <= 198.0 && *y0 >= 12.0 && *y1 <= 285.0,
            "{name} page {}: {text:?} at ({x0:.1},{y0:.1})–({x1:.1},{y1:.1}) crosses the frame",
            p + 1
        );
        // In the fields' band, inside the label column (24..68) or the value column (70..190).
        let band = if *p == 0 { (42.0, 240.0) } else { (36.0, 270.0) };
        if *y0 >= band.0 && *y1 <= band.1 {
            let in_label = *x0 >= 24.0 - eps && *x1 <= 68.0 + eps;
            let in_value = *x0 >= 70.0 - eps && *x1 <= 190.0 + eps;
            assert!(in_label || in_value, "{name} page {}: {text:?} ({x0:.1}–{x1:.1} mm) leaves its column", p + 1);
        }
    }
    // Every font embedded.
    let fonts = Command::new("pdffonts").arg(&pdf).output().unwrap();
    let listing = String::from_utf8_lossy(&fonts.stdout);
    let rows: Vec<&str> = listing.lines().skip(2).collect();
    assert!(!rows.is_empty(), "{listing}");
    for row in rows {
        let cols: Vec<&str> = row.split_whitespace().collect();
        // name type… encoding emb sub uni object ID: emb is the fifth field from the end.
        assert_eq!(cols[cols.len() - 5], "yes", "{name}: font not embedded: {row}");
    }
    // Page 1 (and a continuation page) for a person to look at.
    let pages = words.iter().map(|w| w.0).max().unwrap_or(0) + 1;
    for (page, suffix) in [(1, ""), (2, "-page2")].into_iter().take(pages.min(2)) {
        let st = Command::new("pdftoppm")
            .args(["-r", "60", "-png", "-f", &page.to_string(), "-l", &page.to_string(), "-singlefile"])
            .arg(&pdf)
            .arg(out_dir.join(format!("{name}{suffix}")))
            .status()
            .unwrap();
        assert!(st.success());
    }
    pages
}

/// Every TextObject of every page uses a font whose program is embedded and maps each of its
/// characters to a glyph.
fn embeds_its_font(name: &str, ofd: &[u8]) {
    let pkg = yinxin_doc::ofd::Package::read(ofd).unwrap();
    let res = std::str::from_utf8(pkg.get("Doc_0/PublicRes.xml").unwrap()).unwrap();
    let mut fonts = BTreeMap::new();
    for (at, _) in res.match_indices("<ofd:Font ") {
        let id = res[at..].split("ID=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
        let file = res[at..].split("<ofd:FontFile>").nth(1).unwrap().split('<').next().unwrap();
        let program = pkg.get(&format!("Doc_0/Res/{file}")).unwrap_or_else(|| panic!("{name}: {file} missing"));
        fonts.insert(id, program.to_vec());
    }
    let mut pages = 0;
    for part in pkg.names().filter(|n| n.ends_with("Content.xml")) {
        pages += 1;
        let page = std::str::from_utf8(pkg.get(part).unwrap()).unwrap();
        for obj in page.split("<ofd:TextObject ").skip(1) {
            let id = obj.split("Font=\"").nth(1).unwrap().split('"').next().unwrap();
            let program = fonts.get(id).unwrap_or_else(|| panic!("{name}: font {id} is not embedded"));
            let face = ttf_parser::Face::parse(program, 0).unwrap();
            let text = obj.split("<ofd:TextCode").nth(1).unwrap().split('>').nth(1).unwrap().split('<').next().unwrap();
            for c in text.chars().filter(|c| !c.is_whitespace() && *c != '&' && *c != ';') {
                assert!(face.glyph_index(c).is_some(), "{name}: {c:?} not in the embedded font");
            }
        }
    }
    assert!(pages >= 1);
}

#[test]
fn every_type_fits_its_frame_with_example_and_maximum_fields() {
    let cat = Catalogue::built_in().unwrap();
    let out = root().join("test-artifacts/licences");
    std::fs::create_dir_all(&out).unwrap();
    for t in cat.types() {
        let lic = issue_with(t, example(t)).unwrap();
        verifies(&lic);
        embeds_its_font(&t.name, &lic.ofd);
        // The files, for other readers to try (not committed).
        std::fs::write(out.join(format!("{}-example.ofd", t.name)), &lic.ofd).unwrap();
        std::fs::write(out.join(format!("{}-example.pdf", t.name)), &lic.pdf).unwrap();
        assert_eq!(check_pages(&format!("{}-example", t.name), &lic, &out), 1, "{}: one page", t.name);
        let lic = issue_with(t, at_maximum(t)).unwrap();
        verifies(&lic);
        embeds_its_font(&t.name, &lic.ofd);
        let pages = check_pages(&format!("{}-maximum", t.name), &lic, &out);
        if t.name == "营业执照" {
            // 2,000 characters of 经营范围 continue on continuation pages.
            assert!(pages >= 2, "营业执照 at its maximum takes {pages} page(s)");
        }
    }
}

#[test]
fn characters_the_face_lacks_are_refused_naming_them() {
    let cat = Catalogue::built_in().unwrap();
    let t = cat.get("营业执照").unwrap();
    let mut fields = example(t);
    // A private-use character and a symbol no CJK face has.
    fields.insert("name".into(), "云南\u{E000}科技有限公司".into());
    fields.insert("address".into(), "昆明市\u{1FB00}路".into());
    match issue_with(t, fields) {
        Err(Error::Unprintable(list)) => {
            assert_eq!(
                list,
                [
                    Unprintable { field: "name".into(), characters: vec!['\u{E000}'] },
                    Unprintable { field: "address".into(), characters: vec!['\u{1FB00}'] },
                ]
            );
            let e = Error::Unprintable(list).to_string();
            assert!(e.contains("U+E000") && e.contains("U+1FB00"), "{e}");
        }
        other => panic!("expected Unprintable, got {:?}", other.map(|l| l.id)),
    }
}
