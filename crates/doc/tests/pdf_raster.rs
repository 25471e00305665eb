//! Pages to pictures for the signing page: yinxin's own licence (embedded CJK subset), the same
//! licence signed with a visible seal, a file that leaves its Chinese font out, page sizes with
//! `/Rotate`, a truncated file (rebuilt, as viewers do), and what is refused: bad widths, a
//! missing page, garbage, a deflate bomb and an image that claims billions of pixels.

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str};
use std::path::PathBuf;
use std::time::Instant;
use time::{Duration, OffsetDateTime};
use yinxin_doc::layout::Item;
use yinxin_doc::pdf::raster::{MAX_PDF_BYTES, page_sizes, render_page_png};
use yinxin_doc::pdf::render::{PdfSpec, deflate, render};
use yinxin_doc::pdf::sign::{Appearance, sign};
use yinxin_pki::Profile;
use yinxin_seal::gmt0010::sign_detached;
use yinxin_tests::pki::issue;

/// Points per millimetre.
const PT_PER_MM: f64 = 72.0 / 25.4;

/// The licence of the other PDF tests: a frame 10 mm in from the edges (0.8 mm line) and the
/// title, 12 mm high, its baseline 40 mm from the top starting 60 mm from the left.
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

/// A seal picture: a red disc on transparency, 64 × 64.
fn red_disc_png() -> Vec<u8> {
    let mut rgba = Vec::with_capacity(64 * 64 * 4);
    for y in 0..64i32 {
        for x in 0..64i32 {
            let inside = (x - 32).pow(2) + (y - 32).pow(2) <= 30 * 30;
            rgba.extend_from_slice(if inside { &[220, 20, 30, 255] } else { &[0, 0, 0, 0] });
        }
    }
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, 64, 64);
    enc.set_color(png::ColorType::Rgba);
    enc.set_depth(png::BitDepth::Eight);
    let mut w = enc.write_header().unwrap();
    w.write_image_data(&rgba).unwrap();
    w.finish().unwrap();
    out
}

/// The licence signed (no time stamp) with the red disc in a 40 mm square whose top-left corner
/// is 140 mm from the left and 230 mm from the top.
fn signed_licence() -> Vec<u8> {
    let now = OffsetDateTime::now_utc();
    let (from, to) = (now - Duration::days(1), now + Duration::days(30));
    let root = issue(Profile::RootCa, "C=CN,O=yinxin test,CN=渲染根CA", from, to + Duration::days(1), None);
    let signer = issue(Profile::LicenceIssuer, "C=CN,O=某市市场监督管理局,CN=许可签发", from, to, Some(&root));
    let make = |data: &[u8]| {
        sign_detached(data, &signer.cert, std::slice::from_ref(&root.cert), signer.signer().as_ref(), now, None)
            .map_err(|e| yinxin_doc::Error::Package(e.to_string()))
    };
    let ap = Appearance { page: 0, rect_mm: (140.0, 230.0, 40.0, 40.0), png: Some(red_disc_png()) };
    sign(&licence_pdf(), &ap, "许可签发", now, &make).unwrap()
}

/// A decoded picture, with lookups in page millimetres (from the top-left corner).
struct Picture {
    width: u32,
    height: u32,
    rgb: Vec<u8>,
    px_per_mm: f64,
}

impl Picture {
    fn decode(png_bytes: &[u8], page_width_mm: f64) -> Self {
        let mut r = png::Decoder::new(std::io::Cursor::new(png_bytes)).read_info().unwrap();
        let mut rgb = vec![0; r.output_buffer_size().unwrap()];
        let info = r.next_frame(&mut rgb).unwrap();
        assert_eq!((info.color_type, info.bit_depth), (png::ColorType::Rgb, png::BitDepth::Eight));
        Picture { width: info.width, height: info.height, rgb, px_per_mm: f64::from(info.width) / page_width_mm }
    }

    fn at_px(&self, x: u32, y: u32) -> [u8; 3] {
        let i = ((y * self.width + x) * 3) as usize;
        [self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]]
    }

    fn at_mm(&self, x: f64, y: f64) -> [u8; 3] {
        self.at_px((x * self.px_per_mm) as u32, (y * self.px_per_mm) as u32)
    }

    /// Dark pixels in a box given in mm: (left, top, right, bottom).
    fn dark_in(&self, (l, t, r, b): (f64, f64, f64, f64)) -> usize {
        let k = self.px_per_mm;
        let mut n = 0;
        for y in (t * k) as u32..(b * k) as u32 {
            for x in (l * k) as u32..(r * k) as u32 {
                n += usize::from(is_dark(self.at_px(x, y)));
            }
        }
        n
    }

    fn corners_white(&self) -> bool {
        let (w, h) = (self.width - 1, self.height - 1);
        [(0, 0), (w, 0), (0, h), (w, h)].iter().all(|&(x, y)| self.at_px(x, y) == [255, 255, 255])
    }
}

fn is_dark([r, g, b]: [u8; 3]) -> bool {
    u32::from(r) + u32::from(g) + u32::from(b) < 3 * 100
}

fn artefact(name: &str, bytes: &[u8]) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../test-artifacts/pdf");
    let _ = std::fs::create_dir_all(&dir);
    let _ = std::fs::write(dir.join(name), bytes);
}

#[test]
fn the_licence_renders_with_its_frame_and_chinese_title() {
    let pdf = licence_pdf();
    let t = Instant::now();
    let png_bytes = render_page_png(&pdf, 0, 1080).unwrap();
    eprintln!("A4 licence at 1080 px: {:?}, {} bytes of PNG", t.elapsed(), png_bytes.len());
    artefact("raster-licence.png", &png_bytes);
    let p = Picture::decode(&png_bytes, 210.0);
    assert_eq!(p.width, 1080);
    assert!(p.height.abs_diff((1080.0_f64 * 297.0 / 210.0).round() as u32) <= 1, "height {}", p.height);
    assert!(p.corners_white());

    // The frame: its 0.8 mm line (4 px) centred 10 mm in, on all four sides, and nothing
    // between it and the page's edge.
    for (x, y) in [(10.0, 150.0), (200.0, 150.0), (105.0, 10.0), (105.0, 287.0)] {
        assert!(is_dark(p.at_mm(x, y)), "no frame line at ({x}, {y}) mm: {:?}", p.at_mm(x, y));
    }
    assert_eq!(p.dark_in((0.0, 0.0, 9.0, 297.0)), 0, "ink left of the frame");
    assert_eq!(p.dark_in((0.0, 0.0, 210.0, 9.0)), 0, "ink above the frame");

    // The title: seven 12 mm glyphs from 60 mm, baseline at 40 mm. Ink inside its box, in each
    // glyph's cell, and none in the empty band below it.
    let title = p.dark_in((60.0, 28.0, 144.0, 42.0));
    assert!(title > 2000, "only {title} dark pixels where the title is");
    for i in 0..7 {
        let x = 60.0 + 12.0 * f64::from(i);
        assert!(p.dark_in((x, 28.0, x + 12.0, 42.0)) > 150, "glyph {i} is missing");
    }
    assert_eq!(p.dark_in((20.0, 45.0, 190.0, 280.0)), 0, "ink below the title");
}

#[test]
fn a_signed_licence_shows_its_seal_where_the_widget_is() {
    let pdf = signed_licence();
    let png_bytes = render_page_png(&pdf, 0, 800).unwrap();
    artefact("raster-signed-licence.png", &png_bytes);
    let p = Picture::decode(&png_bytes, 210.0);
    assert!(p.corners_white());
    // The disc fills the middle of the 40 mm square; its transparent corners (the soft mask)
    // leave the page white; beside the square the page is white.
    let [r, g, b] = p.at_mm(160.0, 250.0);
    assert!(r > 180 && g < 80 && b < 80, "not red at the widget's centre: {:?}", [r, g, b]);
    assert_eq!(p.at_mm(141.5, 231.5), [255, 255, 255], "the picture's transparent corner is not white");
    assert_eq!(p.at_mm(120.0, 250.0), [255, 255, 255]);
    // The unsigned licence has no red there: the seal comes from the widget.
    let unsigned = Picture::decode(&render_page_png(&licence_pdf(), 0, 800).unwrap(), 210.0);
    assert_eq!(unsigned.at_mm(160.0, 250.0), [255, 255, 255]);
}

#[test]
fn page_sizes_are_what_a_viewer_shows() {
    let sizes = page_sizes(&licence_pdf()).unwrap();
    assert_eq!(sizes.len(), 1);
    assert!((sizes[0].width_pt - 595.3).abs() < 0.5 && (sizes[0].height_pt - 841.9).abs() < 0.5, "{sizes:?}");
    // The second page of the hand-made file is turned a quarter: landscape.
    let sizes = page_sizes(&without_embedded_font()).unwrap();
    assert_eq!(sizes.len(), 2);
    assert_eq!((sizes[0].width_pt, sizes[0].height_pt), (595.0, 842.0));
    assert_eq!((sizes[1].width_pt, sizes[1].height_pt), (842.0, 595.0));
    let p = Picture::decode(&render_page_png(&without_embedded_font(), 1, 842).unwrap(), 842.0 / PT_PER_MM);
    assert_eq!((p.width, p.height), (842, 595));
}

/// Two A4 pages made with pdf-writer as iText makes Chinese text without embedding a font:
/// `STSong-Light`, Adobe-GB1, `UniGB-UCS2-H`. Page one shows 合同 at 48 pt, baseline 700 pt up
/// from 72 pt left; page two is empty and has `/Rotate 90`.
fn without_embedded_font() -> Vec<u8> {
    let mut pdf = Pdf::new();
    let (catalog, pages, p1, p2, c1, c2) =
        (Ref::new(1), Ref::new(2), Ref::new(3), Ref::new(4), Ref::new(5), Ref::new(6));
    let (type0, cid, desc) = (Ref::new(7), Ref::new(8), Ref::new(9));
    pdf.catalog(catalog).pages(pages);
    pdf.pages(pages).kids([p1, p2]).count(2);
    let a4 = Rect::new(0.0, 0.0, 595.0, 842.0);
    let mut page = pdf.page(p1);
    page.media_box(a4).parent(pages).contents(c1);
    page.resources().fonts().pair(Name(b"F1"), type0);
    page.finish();
    pdf.page(p2).media_box(a4).parent(pages).contents(c2).rotate(90);
    let mut c = Content::new();
    c.begin_text();
    c.set_font(Name(b"F1"), 48.0);
    c.next_line(72.0, 700.0);
    c.show(Str(&[0x54, 0x08, 0x54, 0x0C]));
    c.end_text();
    pdf.stream(c1, &c.finish());
    pdf.stream(c2, b"");
    let base = Name(b"STSong-Light");
    pdf.type0_font(type0).base_font(base).encoding_predefined(Name(b"UniGB-UCS2-H")).descendant_font(cid);
    pdf.cid_font(cid)
        .subtype(CidFontType::Type0)
        .base_font(base)
        .system_info(SystemInfo { registry: Str(b"Adobe"), ordering: Str(b"GB1"), supplement: 2 })
        .font_descriptor(desc)
        .default_width(1000.0);
    pdf.font_descriptor(desc)
        .name(base)
        .flags(FontFlags::SYMBOLIC)
        .bbox(Rect::new(-25.0, -254.0, 1000.0, 880.0))
        .italic_angle(0.0)
        .ascent(880.0)
        .descent(-120.0)
        .cap_height(880.0)
        .stem_v(93.0);
    pdf.finish()
}

#[test]
fn a_chinese_font_the_file_leaves_out_is_drawn_with_yinxins_face() {
    let png_bytes = render_page_png(&without_embedded_font(), 0, 595).unwrap();
    artefact("raster-stsong-light.png", &png_bytes);
    // One pixel a point: the two glyphs sit in x 72..168, y (from the top) 142-48..142+10.
    let p = Picture::decode(&png_bytes, 595.0 / PT_PER_MM);
    let mm = |pt: f64| pt / PT_PER_MM;
    for x in [72.0, 120.0] {
        let ink = p.dark_in((mm(x), mm(90.0), mm(x + 48.0), mm(152.0)));
        assert!(ink > 150, "only {ink} dark pixels for the glyph at {x} pt");
    }
    assert_eq!(p.dark_in((0.0, mm(160.0), mm(595.0), mm(842.0))), 0);
}

#[test]
fn bad_requests_and_broken_files_are_refused_without_a_panic() {
    let pdf = licence_pdf();
    assert!(render_page_png(&pdf, 1, 800).unwrap_err().to_string().contains("no page 2"));
    assert!(render_page_png(&pdf, usize::MAX, 800).is_err());
    for width in [0, 10, 63, 2401, 5000] {
        assert!(render_page_png(&pdf, 0, width).is_err(), "width {width}");
    }
    assert!(render_page_png(&pdf, 0, 64).is_ok());
    assert!(render_page_png(&pdf, 0, 2400).is_ok());
    let garbage: Vec<u8> = (0..20_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    assert!(render_page_png(&garbage, 0, 800).is_err());
    assert!(page_sizes(&garbage).is_err());
    assert!(render_page_png(b"", 0, 800).is_err());
    assert!(render_page_png(b"%PDF-1.7\n", 0, 800).is_err());
    let too_big = vec![b' '; MAX_PDF_BYTES + 1];
    assert!(render_page_png(&too_big, 0, 800).unwrap_err().to_string().contains("more than"));
}

#[test]
fn a_truncated_file_is_drawn_as_far_as_it_survives() {
    // The first half of the licence holds its page and content but not the font program, its
    // ToUnicode map, nor the cross-reference table: viewers rebuild the page and draw what
    // survives, and so does hayro, so the frame must show. (The title then comes out as Latin
    // punctuation: hayro puts a standard font in place of the lost CID font. Not asserted.)
    let pdf = licence_pdf();
    let png_bytes = render_page_png(&pdf[..pdf.len() / 2], 0, 600).unwrap();
    artefact("raster-truncated-licence.png", &png_bytes);
    let p = Picture::decode(&png_bytes, 210.0);
    assert!(is_dark(p.at_mm(10.0, 150.0)), "the frame is lost");
    // Cut inside the first object: nothing is left to draw.
    assert!(render_page_png(&pdf[..40], 0, 600).is_err());
}

/// A one-page A4 file whose page draws `content` with `resources` (raw dictionary body) and
/// carries the extra objects given.
fn one_page(content: &[u8], content_filter: Option<Filter>, xobject: Option<(&[u8], &[u8])>) -> Vec<u8> {
    let mut pdf = Pdf::new();
    let (catalog, pages, page_id, c, img) = (Ref::new(1), Ref::new(2), Ref::new(3), Ref::new(4), Ref::new(5));
    pdf.catalog(catalog).pages(pages);
    pdf.pages(pages).kids([page_id]).count(1);
    let mut page = pdf.page(page_id);
    page.media_box(Rect::new(0.0, 0.0, 595.0, 842.0)).parent(pages).contents(c);
    if xobject.is_some() {
        page.resources().x_objects().pair(Name(b"Im1"), img);
    }
    page.finish();
    let mut s = pdf.stream(c, content);
    if let Some(f) = content_filter {
        s.filter(f);
    }
    s.finish();
    if let Some((dict_extra, data)) = xobject {
        let mut s = pdf.stream(img, data);
        s.pair(Name(b"Type"), Name(b"XObject")).pair(Name(b"Subtype"), Name(b"Image"));
        // The rest of the image dictionary as the test wants it, wrong or not.
        for pair in dict_extra.split(|b| *b == b';') {
            let mut kv = pair.splitn(2, |b| *b == b'=');
            let (k, v) = (kv.next().unwrap(), kv.next().unwrap());
            match std::str::from_utf8(v).unwrap().parse::<i32>() {
                Ok(n) => s.pair(Name(k), n),
                Err(_) => s.pair(Name(k), Name(v)),
            };
        }
        s.finish();
    }
    pdf.finish()
}

#[test]
fn bombs_are_refused_before_hayro_inflates_them() {
    // 40 MiB of spaces deflate to some 40 KB.
    let bomb = one_page(&deflate(&vec![b' '; 40 << 20]), Some(Filter::FlateDecode), None);
    assert!(bomb.len() < 200_000);
    let e = render_page_png(&bomb, 0, 600).unwrap_err().to_string();
    assert!(e.contains("decodes to more than"), "{e}");
    // The same page with 1 MiB of spaces is drawn.
    let fine = one_page(&deflate(&vec![b' '; 1 << 20]), Some(Filter::FlateDecode), None);
    assert!(render_page_png(&fine, 0, 600).is_ok());

    // A JPEG header claiming 60000 × 60000 pixels, in an image whose dictionary says the same.
    let jpeg_head = [
        0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0xEA, 0x60, 0xEA, 0x60, 0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01,
        0x03, 0x11, 0x01, 0xFF, 0xD9,
    ];
    let huge = one_page(
        b"q 500 0 0 500 50 50 cm /Im1 Do Q",
        None,
        Some((b"Width=60000;Height=60000;BitsPerComponent=8;ColorSpace=DeviceRGB;Filter=DCTDecode", &jpeg_head)),
    );
    let e = render_page_png(&huge, 0, 600).unwrap_err().to_string();
    assert!(e.contains("60000 × 60000"), "{e}");
}

/// PDFs made by other producers: any in `../shared/samples` (none there when this was written:
/// the samples are OFD files and seals), and any listed in `YINXIN_RASTER_PDFS` (paths separated
/// by `:`), so a file on hand can be tried without adding it to the repository.
#[test]
fn other_producers_pdfs_render_their_first_page() {
    let samples = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/samples");
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(&samples).map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect()).unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("pdf")));
    if let Ok(extra) = std::env::var("YINXIN_RASTER_PDFS") {
        files.extend(extra.split(':').filter(|s| !s.is_empty()).map(PathBuf::from));
    }
    eprintln!("{} PDF(s) from other producers", files.len());
    for f in files {
        let pdf = std::fs::read(&f).unwrap();
        let t = Instant::now();
        let png_bytes = render_page_png(&pdf, 0, 1080).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        eprintln!("{}: first page in {:?}", f.display(), t.elapsed());
        let name = f.file_stem().unwrap().to_string_lossy();
        artefact(&format!("raster-sample-{name}.png"), &png_bytes);
        let p = Picture::decode(&png_bytes, 1080.0);
        let dark = p.rgb.chunks(3).filter(|c| is_dark([c[0], c[1], c[2]])).count();
        assert!(dark > 500, "{}: the first page is blank ({dark} dark pixels)", f.display());
    }
}
