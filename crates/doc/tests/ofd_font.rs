//! The OFD embeds its font: PublicRes names a `FontFile` in the package, every `TextObject` uses
//! it, and the program (a subset of the document face with a rebuilt cmap) maps every character
//! of the text to the same outline as the face itself — read by ttf-parser and, when fontconfig
//! is installed, by FreeType (`fc-scan`), which another reader would use.

use yinxin_doc::ofd::Package;
use yinxin_doc::ofd::write::{DocumentSpec, Item, build};
use yinxin_seal::font::CjkFont;

const TEXT: [&str; 3] = [
    "营业执照（副本）",
    "经营范围：一般项目：软件开发；「信息技术」咨询服务。",
    "Room 1203 Tower B，电话0871-12345678 ℃ ㎡",
];

fn spec() -> DocumentSpec {
    let mut pages = vec![Item::Frame { x: 10.0, y: 10.0, w: 190.0, h: 277.0, line: 0.8 }];
    for (i, t) in TEXT.iter().enumerate() {
        pages.push(Item::Text { x: 20.0, y: 30.0 + 10.0 * i as f64, size: 4.2, text: t.to_string(), bold: i == 0 });
    }
    DocumentSpec {
        title: "t".into(),
        page_mm: (210.0, 297.0),
        pages: vec![pages],
        custom: Default::default(),
        doc_id: "0123456789abcdef0123456789abcdef".into(),
        creation_date: "2026-12-06".into(),
    }
}

fn attr<'a>(xml: &'a str, at: usize, name: &str) -> &'a str {
    let s = &xml[at..];
    let i = s.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
    &s[i..i + s[i..].find('"').unwrap()]
}

#[test]
fn every_text_object_uses_the_embedded_font() {
    let zip = build(&spec()).unwrap().to_zip().unwrap();
    let pkg = Package::read(&zip).unwrap();
    let res = std::str::from_utf8(pkg.get("Doc_0/PublicRes.xml").unwrap()).unwrap();
    assert!(res.contains("<ofd:FontFile>font_1.otf</ofd:FontFile>"), "{res}");
    assert_eq!(res.matches("<ofd:Font ").count(), 1, "{res}");
    let program = pkg.get("Doc_0/Res/font_1.otf").expect("the font program is in the package").to_vec();
    let page = std::str::from_utf8(pkg.get("Doc_0/Pages/Page_0/Content.xml").unwrap()).unwrap();
    let objects: Vec<usize> = page.match_indices("<ofd:TextObject ").map(|(i, _)| i).collect();
    assert_eq!(objects.len(), TEXT.len());
    for at in objects {
        assert_eq!(attr(page, at, "Font"), "1");
    }

    let sub = ttf_parser::Face::parse(&program, 0).expect("the embedded program parses");
    let face = CjkFont::find().unwrap();
    let full = ttf_parser::Face::parse(face.data(), face.index()).unwrap();
    assert!(sub.tables().cff.is_some() || sub.tables().glyf.is_some());
    assert!(sub.tables().os2.is_some(), "OS/2 carried over");
    struct Outline(String);
    impl ttf_parser::OutlineBuilder for Outline {
        fn move_to(&mut self, x: f32, y: f32) {
            self.0 += &format!("M{x} {y}");
        }
        fn line_to(&mut self, x: f32, y: f32) {
            self.0 += &format!("L{x} {y}");
        }
        fn quad_to(&mut self, a: f32, b: f32, x: f32, y: f32) {
            self.0 += &format!("Q{a} {b} {x} {y}");
        }
        fn curve_to(&mut self, a: f32, b: f32, c: f32, d: f32, x: f32, y: f32) {
            self.0 += &format!("C{a} {b} {c} {d} {x} {y}");
        }
        fn close(&mut self) {
            self.0 += "Z";
        }
    }
    let outline = |f: &ttf_parser::Face, c: char| {
        let g = f.glyph_index(c).unwrap_or_else(|| panic!("{c:?} has no glyph"));
        let mut o = Outline(String::new());
        f.outline_glyph(g, &mut o);
        (o.0, f.glyph_hor_advance(g))
    };
    let mut n = 0;
    for c in TEXT.concat().chars().filter(|c| !c.is_whitespace()) {
        assert_eq!(outline(&sub, c), outline(&full, c), "{c:?}");
        n += 1;
    }
    assert!(n > 50);
    // Small: only what the text uses.
    assert!(program.len() < 40_000, "{} bytes", program.len());

    // FreeType (through fontconfig) reads the program and finds every character in its cmap.
    if let Ok(out) = std::process::Command::new("fc-scan").arg("--version").output()
        && out.status.success()
    {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("font_1.otf");
        std::fs::write(&path, &program).unwrap();
        let out = std::process::Command::new("fc-scan").args(["--format", "%{charset}"]).arg(&path).output().unwrap();
        let charset = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(out.status.success() && !charset.is_empty(), "fc-scan: {charset}");
        // fc-scan prints ranges of hex code points, e.g. "20 28-29 4e00 …".
        let mut covered = std::collections::BTreeSet::new();
        for r in charset.split_whitespace() {
            let (a, b) = r.split_once('-').unwrap_or((r, r));
            let (a, b) = (u32::from_str_radix(a, 16).unwrap(), u32::from_str_radix(b, 16).unwrap());
            covered.extend(a..=b);
        }
        for c in TEXT.concat().chars().filter(|c| !c.is_whitespace()) {
            assert!(covered.contains(&u32::from(c)), "FreeType finds no {c:?} in the cmap: {charset}");
        }
    }
}
