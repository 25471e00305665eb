//! The CJK face: the built-in subset covers what a licence prints, the lookup order holds
//! (`YINXIN_SEAL_FONT` file, then system faces, then the built-in one), and seal pictures drawn
//! with the built-in face are the pictures the full system face draws.

use yinxin_seal::font::{CjkFont, EMBEDDED, FontOrigin, SYSTEM_CANDIDATES};
use yinxin_seal::picture::{PictureSpec, Shape, render};

#[test]
fn built_in_face_covers_gb2312_and_what_licences_print() {
    let f = CjkFont::embedded();
    assert_eq!(f.origin(), &FontOrigin::Embedded);
    // The subset holds exactly GB 2312's 6,763 hanzi of the CJK Unified Ideographs block (the
    // script checks them one by one against Python's gb2312 codec).
    let uro = (0x4E00..=0x9FFF).filter_map(char::from_u32).filter(|c| f.has(*c)).count();
    assert_eq!(uro, 6763);
    let licence_text = "营业执照统一社会信用代码91530100MA6K0X123J有限责任公司（自然人投资或控股）一般项目：软件开发；\
                        信息技术咨询服务。「」『』《》【】〔〕、，！？…—·～％℃㎡№0123456789ABCXYZabcxyz-_/.:@()";
    assert!(f.missing(licence_text).is_empty(), "{:?}", f.missing(licence_text));
    for c in (0x21u8..0x7F).map(char::from).chain((0xFF01..0xFF5F).filter_map(char::from_u32)) {
        assert!(f.has(c), "{c:?} missing");
    }
    // Outside GB 2312: rare name characters and supplementary-plane hanzi are reported missing.
    assert_eq!(f.missing("张喆𠀀"), ['喆', '𠀀']);
    // About 2 MiB of CFF: small enough to carry, measured in crates/seal/fonts/README.md.
    assert!(EMBEDDED.len() < 5 << 20, "{} bytes", EMBEDDED.len());
    assert!(f.advance_em('中') > 0.9 && f.advance_em('a') < 0.7);
}

#[test]
fn lookup_order_and_explicit_choices() {
    let empty = tempfile::tempdir().unwrap();
    // A font directory with nothing in it: the built-in face.
    let f = CjkFont::locate(Some(empty.path().to_str().unwrap())).unwrap();
    assert_eq!(f.origin(), &FontOrigin::Embedded);
    // A named file that is missing, or not a font, is an error naming the setting: an explicit
    // choice is never silently replaced.
    let missing = empty.path().join("nope.ttf");
    let e = CjkFont::locate(Some(missing.to_str().unwrap())).unwrap_err().to_string();
    assert!(e.contains("YINXIN_SEAL_FONT") && e.contains("nope.ttf"), "{e}");
    let junk = empty.path().join("junk.otf");
    std::fs::write(&junk, b"not a font at all").unwrap();
    let e = CjkFont::locate(Some(junk.to_str().unwrap())).unwrap_err().to_string();
    assert!(e.contains("not a usable font"), "{e}");
    // The built-in file named explicitly (path:index) is a configured face.
    let ours = empty.path().join("ours.otf");
    std::fs::write(&ours, EMBEDDED).unwrap();
    let f = CjkFont::locate(Some(&format!("{}:0", ours.display()))).unwrap();
    assert_eq!(f.origin(), &FontOrigin::Configured(ours.clone()));
    assert!(f.has('营'));
    // A directory laid out as /usr/share/fonts is searched like it.
    let (rel, _) = SYSTEM_CANDIDATES[0];
    let placed = empty.path().join(rel);
    std::fs::create_dir_all(placed.parent().unwrap()).unwrap();
    std::fs::write(&placed, b"broken").unwrap();
    // A broken system file is passed over.
    assert_eq!(CjkFont::locate(Some(empty.path().to_str().unwrap())).unwrap().origin(), &FontOrigin::Embedded);
}

/// The seal pictures of tests/picture.rs, drawn with the built-in face, are pixel for pixel those
/// of the full Noto Serif CJK SC when the system has it (the subset keeps the outlines as they are).
#[test]
fn seal_pictures_with_the_built_in_face() {
    let built_in = CjkFont::embedded();
    let system = std::path::Path::new("/usr/share/fonts").join(SYSTEM_CANDIDATES[0].0);
    let full = system.is_file().then(|| CjkFont::load(&system, SYSTEM_CANDIDATES[0].1).unwrap());
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test-artifacts/seal-pictures");
    std::fs::create_dir_all(&dir).unwrap();
    for (file, shape, name, purpose) in [
        ("market", Shape::Round, "某市市场监督管理局", "合同专用章"),
        ("person-square", Shape::Square, "张三", ""),
        ("person-oval", Shape::Oval, "李四", ""),
    ] {
        let spec = PictureSpec { shape, name, purpose, size_mm: 42.0 };
        let png = render(&spec, &built_in).unwrap();
        std::fs::write(dir.join(format!("{file}-built-in-font.png")), &png).unwrap();
        let pixels = |png: &[u8]| {
            let mut r = png::Decoder::new(std::io::Cursor::new(png)).read_info().unwrap();
            let mut buf = vec![0; r.output_buffer_size().unwrap()];
            r.next_frame(&mut buf).unwrap();
            buf
        };
        let ours = pixels(&png);
        let inked = ours.chunks(4).filter(|p| p[3] > 200).count() as f64 / (ours.len() / 4) as f64;
        assert!((0.05..0.45).contains(&inked), "{file}: {inked:.3} inked");
        if let Some(full) = &full {
            assert_eq!(ours, pixels(&render(&spec, full).unwrap()), "{file}: differs from the full face's");
        }
    }
}
