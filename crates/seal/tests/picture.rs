//! Seal pictures: three organisations and a person, checked for size, transparency, colour and
//! glyph coverage. The PNGs are kept in `test-artifacts/seal-pictures/` for a person to look at.

use yinxin_seal::picture::{PictureSpec, SEAL_RED, SealFont, Shape, check_upload, render};

fn artifacts() -> std::path::PathBuf {
    let d = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test-artifacts/seal-pictures");
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn decode(png_bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let mut r = png::Decoder::new(std::io::Cursor::new(png_bytes)).read_info().unwrap();
    let mut buf = vec![0; r.output_buffer_size().unwrap()];
    let info = r.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgba);
    (info.width, info.height, buf)
}

#[test]
fn three_organisations_and_a_person() {
    let font = SealFont::find().expect("the built-in face at least");
    let cases = [
        ("market", Shape::Round, "某市市场监督管理局", "合同专用章"),
        ("transport", Shape::Round, "云南省某某市交通运输局", "业务专用章"),
        ("housing", Shape::Round, "某市住房和城乡建设局", ""),
        ("person-square", Shape::Square, "张三", ""),
        ("person-oval", Shape::Oval, "李四", ""),
    ];
    for (file, shape, name, purpose) in cases {
        assert!(font.missing(name).is_empty() && font.missing(purpose).is_empty(), "{name}: boxes");
        let spec = PictureSpec { shape, name, purpose, size_mm: 42.0 };
        let png_bytes = render(&spec, &font).unwrap();
        std::fs::write(artifacts().join(format!("{file}.png")), &png_bytes).unwrap();
        let info = check_upload(&png_bytes).unwrap();
        let (w, h, px) = decode(&png_bytes);
        assert_eq!((info.width, info.height), (w, h));
        // 42 mm at 300 dpi is 496 px.
        assert_eq!(w, 496, "{file}");
        if shape != Shape::Oval {
            assert_eq!(h, 496, "{file}");
        }
        // Corners transparent; drawn pixels red; enough ink to be a seal and not a smudge.
        for (x, y) in [(0, 0), (w - 1, 0), (0, h - 1), (w - 1, h - 1)] {
            assert_eq!(px[((y * w + x) * 4 + 3) as usize], 0, "{file}: corner ({x},{y}) not transparent");
        }
        let mut opaque = 0;
        for p in px.chunks(4).filter(|p| p[3] > 200) {
            opaque += 1;
            // Straight alpha from premultiplied storage rounds by a unit or two.
            let near = |a: u8, b: u8| a.abs_diff(b) <= 3;
            assert!(
                near(p[0], SEAL_RED.0) && near(p[1], SEAL_RED.1) && near(p[2], SEAL_RED.2),
                "{file}: non-red opaque pixel {p:?}"
            );
        }
        let share = opaque as f32 / (w * h) as f32;
        assert!((0.05..0.45).contains(&share), "{file}: {share:.3} of pixels inked");
        if shape == Shape::Round {
            // The centre (the star) is inked, and so is the top of the arc where the name runs.
            let at = |x: u32, y: u32| px[((y * w + x) * 4 + 3) as usize];
            assert!(at(w / 2, h / 2) > 200, "{file}: no star");
            let top_band =
                (40..120).flat_map(|y| (150..346).map(move |x| (x, y))).filter(|(x, y)| at(*x, *y) > 200).count();
            assert!(top_band > 800, "{file}: no text along the top ({top_band})");
        }
    }
}

#[test]
fn bad_requests_and_uploads() {
    let font = SealFont::find().unwrap();
    assert!(render(&PictureSpec { shape: Shape::Round, name: "", purpose: "", size_mm: 42.0 }, &font).is_err());
    assert!(render(&PictureSpec { shape: Shape::Round, name: "某局", purpose: "", size_mm: 500.0 }, &font).is_err());
    // A character no CJK font has (a private-use code point) is refused rather than drawn as a box.
    assert!(
        render(&PictureSpec { shape: Shape::Round, name: "某局\u{e000}", purpose: "", size_mm: 42.0 }, &font).is_err()
    );
    let good = render(&PictureSpec { shape: Shape::Round, name: "某局", purpose: "", size_mm: 42.0 }, &font).unwrap();
    assert!(check_upload(&good[..good.len() / 2]).is_err(), "truncated PNG");
    assert!(check_upload(b"GIF89a\x10\x00\x10\x00").is_err());
    assert!(check_upload(b"<svg/>").is_err());
    assert!(check_upload(&vec![0u8; 3 << 20]).is_err());
    // A tiny JPEG header claiming 8×8 px: too small.
    let jpeg =
        [&[0xff, 0xd8, 0xff, 0xc0, 0x00, 0x11, 0x08, 0x00, 0x08, 0x00, 0x08][..], &[0u8; 14], &[0xff, 0xd9]].concat();
    assert!(check_upload(&jpeg).unwrap_err().to_string().contains("8×8"));
}
