//! The format checks (USE-03) refuse hostile files in bounded memory and time, with a reason that
//! names the limit: XML nested to overflow a recursive reader, XML declaring expanding entities,
//! a huge attribute, a PDF whose object stream is a decompression bomb, and a PNG that declares
//! 400 megapixels of one grey. Each test says which
//! limit it guards.

#[path = "../../../tests/support/peak.rs"]
mod peak;

#[global_allocator]
static ALLOC: peak::Counting = peak::Counting;

use peak::bounded;
use std::io::Write;
use yinxin_archive::check::{CheckResult, Outcome};
use yinxin_archive::format::{Kind, MAX_IMAGE_DECODED, MAX_XML_DEPTH, identify, usability};

fn use_03(what: &str, bytes: &[u8]) -> CheckResult {
    let results = bounded(what, || usability(bytes, &identify(bytes)));
    results.into_iter().find(|r| r.id == "USE-03").expect("USE-03 is always reported")
}

/// Guards MAX_XML_DEPTH (`format.rs`): 200,000 nested elements.
#[test]
fn deeply_nested_xml_is_refused() {
    let depth = 200_000;
    let xml = format!("<?xml version=\"1.0\"?>{}{}", "<a>".repeat(depth), "</a>".repeat(depth));
    assert_eq!(identify(xml.as_bytes()).kind, Kind::Xml);
    let r = use_03("deep XML", xml.as_bytes());
    assert_eq!(r.outcome, Outcome::Fail);
    assert!(r.detail.contains(&format!("nested more than {MAX_XML_DEPTH} deep")), "{}", r.detail);
}

/// Guards the refusal of DTD entity declarations (`format.rs`): a billion laughs, which a reader
/// that expands entities would turn into 3 GB.
#[test]
fn xml_declaring_entities_is_refused() {
    let mut xml = String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n");
    for i in 1..=9 {
        let prev = if i == 1 { "lol".to_string() } else { format!("lol{}", i - 1) };
        xml.push_str(&format!("<!ENTITY lol{i} \"{}\">\n", format!("&{prev};").repeat(10)));
    }
    xml.push_str("]>\n<lolz>&lol9;</lolz>");
    let r = use_03("billion laughs", xml.as_bytes());
    assert_eq!(r.outcome, Outcome::Fail);
    assert!(r.detail.contains("declares entities"), "{}", r.detail);
}

/// Guards the streaming, borrowed read of `format.rs` (nothing is copied or kept): a 64 MiB
/// attribute is read in bounded memory and, being well formed, passes.
#[test]
fn a_huge_attribute_is_read_without_copying() {
    let xml = format!("<?xml version=\"1.0\"?><a b=\"{}\"/>", "x".repeat(64 << 20));
    let r = use_03("huge attribute", xml.as_bytes());
    assert_eq!(r.outcome, Outcome::Pass, "{}", r.detail);
}

/// Guards MAX_PDF_STREAM_INFLATED (`format.rs`): an object stream that inflates to 320 MiB; with
/// lopdf's default (256 MiB a stream) the check would hold that much.
#[test]
fn a_pdf_object_stream_bomb_is_refused() {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let chunk = vec![0u8; 1 << 20];
    for _ in 0..320 {
        z.write_all(&chunk).unwrap();
    }
    let bomb = z.finish().unwrap();
    let mut pdf = b"%PDF-1.7\n".to_vec();
    let mut offsets = Vec::new();
    let mut obj = |pdf: &mut Vec<u8>, body: &[u8]| {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n", offsets.len()).as_bytes());
        pdf.extend_from_slice(body);
        pdf.extend_from_slice(b"\nendobj\n");
    };
    obj(&mut pdf, b"<< /Type /Catalog /Pages 2 0 R >>");
    obj(&mut pdf, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
    obj(&mut pdf, b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>");
    let mut stream =
        format!("<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length {} >>\nstream\n", bomb.len()).into_bytes();
    stream.extend_from_slice(&bomb);
    stream.extend_from_slice(b"\nendstream");
    obj(&mut pdf, &stream);
    let xref = pdf.len();
    pdf.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", offsets.len() + 1).as_bytes());
    for o in &offsets {
        pdf.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", offsets.len() + 1).as_bytes(),
    );
    let r = use_03("PDF object stream bomb", &pdf);
    assert_eq!(r.outcome, Outcome::Fail);
    assert!(r.detail.contains("does not parse"), "{}", r.detail);
}

/// Guards MAX_IMAGE_DECODED (`format.rs`): a 20,000 × 20,000 grey PNG (400 MB decoded, about
/// 400 KB stored). Under the image crate's default (512 MiB) it would be decoded whole.
#[test]
fn a_png_bomb_is_refused_before_it_is_decoded() {
    fn chunk(kind: &[u8], data: &[u8]) -> Vec<u8> {
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(data);
        [&(data.len() as u32).to_be_bytes()[..], kind, data, &crc.sum().to_be_bytes()].concat()
    }
    let side = 20_000u32;
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let row = vec![0u8; side as usize + 1]; // filter byte 0, then the row
    for _ in 0..side {
        z.write_all(&row).unwrap();
    }
    let ihdr = [&side.to_be_bytes()[..], &side.to_be_bytes(), &[8, 0, 0, 0, 0]].concat();
    let png = [
        &b"\x89PNG\r\n\x1a\n"[..],
        &chunk(b"IHDR", &ihdr),
        &chunk(b"IDAT", &z.finish().unwrap()),
        &chunk(b"IEND", b""),
    ]
    .concat();
    assert_eq!(identify(&png).kind, Kind::Png);
    assert!(u64::from(side) * u64::from(side) > MAX_IMAGE_DECODED);
    let r = use_03("PNG bomb", &png);
    assert_eq!(r.outcome, Outcome::Fail);
    assert!(r.detail.contains("limit"), "{}", r.detail);
}

/// Found by `fuzz/run.sh` (archive_format): a 337-byte JPEG on which zune-jpeg 0.5.15 overflows
/// an i32 multiplication (DC prediction × quantiser), a panic where overflow checks are on (as in
/// this debug build). The decoder runs under `catch_unwind`: the file is not decodable, with a
/// reason, and the check goes on. Without the guard this test dies with the decoder's panic.
#[test]
fn a_decoder_that_panics_makes_the_file_not_decodable() {
    let bytes = include_bytes!("fixtures/zune-jpeg-dc-overflow.jpg");
    assert_eq!(identify(bytes).kind, Kind::Jpeg);
    // Not under `bounded`: the header declares a frame the decoder may allocate (within
    // MAX_IMAGE_DECODED) before it overflows; the memory limit is the PNG test's business.
    let r = usability(bytes, &identify(bytes)).into_iter().find(|r| r.id == "USE-03").unwrap();
    assert_eq!(r.outcome, Outcome::Fail, "{r:?}");
    assert!(r.detail.contains("decode"), "{r:?}");
}
