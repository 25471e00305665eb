//! Hostile documents are refused (or verified) in bounded memory and time, with a reason that
//! names the limit: decompression bombs in PDF streams and OFD zips, XML built to exhaust a
//! parser, thousands of incremental updates or signatures, and cross-reference loops. Each test
//! says which limit it guards; without that limit the memory or time bound, or the reason, fails.

#[path = "../../../tests/support/peak.rs"]
mod peak;

#[global_allocator]
static ALLOC: peak::Counting = peak::Counting;

use peak::bounded;
use std::io::Write;
use std::path::PathBuf;
use time::OffsetDateTime;
use yinxin_doc::layout::Item;
use yinxin_doc::ofd::signatures::{MAX_DEPTH, MAX_VALUE, parse_xml};
use yinxin_doc::ofd::verify_ofd;
use yinxin_doc::pdf::render::{PdfSpec, render};
use yinxin_doc::pdf::sign::{Appearance, sign};
use yinxin_doc::pdf::updates::{MAX_UPDATES, last_startxref};
use yinxin_doc::pdf::verify::{MAX_CONTENT_INFLATED, MAX_SIGNATURES, MAX_STREAM_INFLATED};
use yinxin_doc::pdf::verify_pdf;
use yinxin_gm::{Sm2PrivateKey, UserId, default_provider};
use yinxin_pki::report::{Indication, Report};
use yinxin_pki::{Cert, TrustStore};
use yinxin_seal::gmt0010::sign_detached;
use yinxin_seal::verify::VerifyOptions;

const MIB: usize = 1 << 20;

fn kd(f: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../keys-dev").join(f)
}

fn cert(stem: &str) -> Cert {
    Cert::from_pem_or_der(&std::fs::read(kd(&format!("{stem}.cert.pem"))).unwrap()).unwrap()
}

/// Every reason in a report, its parts' included, in English.
fn reasons(r: &Report) -> String {
    let mut s: Vec<String> = r.checks.iter().map(|c| c.reason_en.clone()).collect();
    s.extend(r.parts.iter().map(reasons));
    s.join(" | ")
}

fn verify_pdf_bounded(what: &str, pdf: &[u8]) -> Report {
    let trust = TrustStore::new(vec![cert("root-ca")]);
    bounded(what, || verify_pdf(pdf, &VerifyOptions::new(&trust)))
}

fn verify_ofd_bounded(what: &str, ofd: &[u8]) -> Report {
    let trust = TrustStore::default();
    bounded(what, || verify_ofd(ofd, &VerifyOptions::new(&trust)))
}

/// zlib of `n` zero bytes, made in pieces (the zeros are never held whole).
fn zlib_zeros(n: usize) -> Vec<u8> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let chunk = vec![0u8; MIB];
    let mut left = n;
    while left > 0 {
        let k = left.min(MIB);
        z.write_all(&chunk[..k]).unwrap();
        left -= k;
    }
    z.finish().unwrap()
}

// ---------------------------------------------------------------- PDF

/// A one-page PDF signed by dept-market (no time stamp: the limits come before it matters).
fn signed_pdf() -> Vec<u8> {
    let pdf = render(&PdfSpec {
        title: "limits".into(),
        page_mm: (210.0, 297.0),
        pages: vec![vec![Item::Frame { x: 10.0, y: 10.0, w: 190.0, h: 277.0, line: 0.8 }]],
    })
    .unwrap();
    let key = Sm2PrivateKey::from_pem(&std::fs::read_to_string(kd("dept-market.key.pem")).unwrap(), None).unwrap();
    let signer = default_provider().sm2_signer(&key, UserId::DEFAULT).unwrap();
    let (c, chain, now) = (cert("dept-market"), [cert("issuing-ca")], OffsetDateTime::now_utc());
    let make = |data: &[u8]| {
        sign_detached(data, &c, &chain, signer.as_ref(), now, None)
            .map_err(|e| yinxin_doc::Error::Package(e.to_string()))
    };
    sign(&pdf, &Appearance { page: 0, rect_mm: (20.0, 230.0, 40.0, 40.0), png: None }, "limits", now, &make).unwrap()
}

/// The trailer's /Root and /Size, and the first page's content stream.
fn pdf_facts(pdf: &[u8]) -> (u32, u32, u32) {
    let doc = lopdf::Document::load_mem(pdf).unwrap();
    let root = doc.trailer.get(b"Root").unwrap().as_reference().unwrap().0;
    let page = *doc.get_pages().get(&1).unwrap();
    (root, doc.max_id + 1, doc.get_page_contents(page)[0].0)
}

/// Append one well-formed incremental update (ISO 32000-1 §7.5.6) that defines `objects` (number
/// and the bytes between `obj` and `endobj`), with `/Prev` naming the previous section unless
/// `prev` says otherwise.
fn append_update(pdf: &mut Vec<u8>, root: u32, size: u32, objects: &[(u32, &[u8])], prev: Option<u64>) {
    let prev = prev.unwrap_or_else(|| last_startxref(pdf).unwrap());
    let mut table = String::from("xref\n0 1\n0000000000 65535 f \n");
    for (n, body) in objects {
        table.push_str(&format!("{n} 1\n{:010} 00000 n \n", pdf.len()));
        pdf.extend_from_slice(format!("{n} 0 obj\n").as_bytes());
        pdf.extend_from_slice(body);
        pdf.extend_from_slice(b"\nendobj\n");
    }
    let xref = pdf.len();
    pdf.extend_from_slice(table.as_bytes());
    pdf.extend_from_slice(
        format!("trailer\n<</Size {size} /Root {root} 0 R /Prev {prev}>>\nstartxref\n{xref}\n%%EOF\n").as_bytes(),
    );
}

fn stream(dict: &str, data: &[u8]) -> Vec<u8> {
    let mut v = format!("<<{dict} /Length {}>>\nstream\n", data.len()).into_bytes();
    v.extend_from_slice(data);
    v.extend_from_slice(b"\nendstream");
    v
}

/// Guards MAX_CONTENT_INFLATED (`pdf/verify.rs`): after signing, the page's content is replaced by
/// a FlateDecode stream that inflates to 320 MiB. Comparing the revisions must stop at the bound
/// and say so (INDETERMINATE: the change cannot be judged), not inflate the bomb.
#[test]
fn a_page_content_bomb_after_signing_is_not_inflated() {
    let mut pdf = signed_pdf();
    let (root, size, contents) = pdf_facts(&pdf);
    let bomb = stream(" /Filter /FlateDecode", &zlib_zeros(320 * MIB));
    append_update(&mut pdf, root, size, &[(contents, &bomb)], None);
    let r = verify_pdf_bounded("page content bomb", &pdf);
    assert_eq!(r.indication, Indication::Indeterminate, "{}", reasons(&r));
    assert!(reasons(&r).contains(&format!("inflate to more than {MAX_CONTENT_INFLATED} bytes")), "{}", reasons(&r));
}

/// Guards MAX_STREAM_INFLATED (`pdf/verify.rs`, passed to lopdf's LoadOptions): an object stream
/// that inflates to 320 MiB is decoded while the file loads; lopdf's own default (256 MiB) would
/// let it take that much memory.
#[test]
fn an_object_stream_bomb_is_refused_while_loading() {
    let mut pdf = signed_pdf();
    let (root, size, _) = pdf_facts(&pdf);
    let bomb = stream(" /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode", &zlib_zeros(320 * MIB));
    append_update(&mut pdf, root, size + 1, &[(size, &bomb)], None);
    let r = verify_pdf_bounded("object stream bomb", &pdf);
    assert_eq!(r.indication, Indication::Failed, "{}", reasons(&r));
    // lopdf names the failure "couldn't decompress stream"; the memory bound proves which limit.
    assert!(reasons(&r).contains("decompress"), "{}", reasons(&r));
    let _ = MAX_STREAM_INFLATED;
}

/// Guards MAX_UPDATES (`pdf/updates.rs`): 3,000 incremental updates after the signature. The
/// updates past the limit are reported as not read (FAILED / FORMAT_FAILURE), in bounded time.
#[test]
fn thousands_of_incremental_updates_are_not_all_read() {
    let mut pdf = signed_pdf();
    let (root, size, _) = pdf_facts(&pdf);
    for i in 0..3_000u32 {
        append_update(&mut pdf, root, size + 1, &[(size, format!("<< /N {i} >>").as_bytes())], None);
    }
    let r = verify_pdf_bounded("3,000 updates", &pdf);
    assert_eq!(r.indication, Indication::Failed, "{}", reasons(&r));
    assert!(reasons(&r).contains(&format!("more than {MAX_UPDATES} incremental updates")), "{}", reasons(&r));
}

/// Guards MAX_SIGNATURES (`pdf/verify.rs`): a hundred copies of the real signature dictionary,
/// each of which would cost a full verification and a load of its revision.
#[test]
fn too_many_signature_dictionaries_are_refused() {
    let mut pdf = signed_pdf();
    let (root, size, _) = pdf_facts(&pdf);
    let doc = lopdf::Document::load_mem(&pdf).unwrap();
    let sig = doc
        .objects
        .values()
        .filter_map(|o| o.as_dict().ok())
        .find(|d| d.has(b"ByteRange"))
        .map(|d| {
            let br: Vec<String> = d
                .get(b"ByteRange")
                .unwrap()
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o.as_i64().unwrap().to_string())
                .collect();
            let hex: String =
                d.get(b"Contents").unwrap().as_str().unwrap().iter().map(|b| format!("{b:02X}")).collect();
            format!("<< /Type /Sig /ByteRange [{}] /Contents <{hex}> >>", br.join(" "))
        })
        .unwrap();
    let n = MAX_SIGNATURES as u32 + 36;
    let objects: Vec<(u32, &[u8])> = (0..n).map(|i| (size + i, sig.as_bytes())).collect();
    append_update(&mut pdf, root, size + n, &objects, None);
    let r = verify_pdf_bounded("many signatures", &pdf);
    assert_eq!(r.indication, Indication::Failed, "{}", reasons(&r));
    assert!(reasons(&r).contains(&format!("exceed the limit of {MAX_SIGNATURES}")), "{}", reasons(&r));
}

/// Guards the `/Prev` check of `pdf/updates.rs` and lopdf's visited-offset set (reader.rs): an
/// update whose `/Prev` names its own cross-reference section. Neither walk may loop; the
/// update is reported as not a well-formed one.
#[test]
fn a_cross_reference_loop_ends() {
    let mut pdf = signed_pdf();
    let (root, size, _) = pdf_facts(&pdf);
    // The section will start right after the object: predict its offset.
    let body = b"<< /Loop true >>";
    let own = (pdf.len() + format!("{size} 0 obj\n").len() + body.len() + b"\nendobj\n".len()) as u64;
    append_update(&mut pdf, root, size + 1, &[(size, body)], Some(own));
    assert_eq!(last_startxref(&pdf), Some(own));
    let r = verify_pdf_bounded("/Prev loop after a signature", &pdf);
    assert_eq!(r.indication, Indication::Failed, "{}", reasons(&r));
    assert!(reasons(&r).contains("/Prev"), "{}", reasons(&r));

    // A file whose only section names itself, and two sections that name each other.
    let head = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n";
    let mut one = head.to_vec();
    let x = one.len();
    one.extend_from_slice(
        format!("xref\n0 3\n0000000000 65535 f \n0000000009 00000 n \n0000000058 00000 n \ntrailer\n<< /Size 3 /Root 1 0 R /Prev {x} >>\nstartxref\n{x}\n%%EOF\n").as_bytes(),
    );
    let r = verify_pdf_bounded("self-referencing /Prev", &one);
    assert_ne!(r.indication, Indication::Passed);
    let mut two = one.clone();
    append_update(&mut two, 1, 3, &[(2, b"<< /Type /Pages /Kids [] /Count 0 >>")], None);
    let second = last_startxref(&two).unwrap();
    let patched = String::from_utf8_lossy(&two).replacen(&format!("/Prev {x} >>"), &format!("/Prev {second} >>"), 1);
    let r = verify_pdf_bounded("two sections naming each other", patched.as_bytes());
    assert_ne!(r.indication, Indication::Passed);
}

// ---------------------------------------------------------------- OFD

/// A zip of `(name, bytes)`, stored (the XML cases compress far past the package's ratio limit).
fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let o = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, bytes) in entries {
        w.start_file(*name, o).unwrap();
        w.write_all(bytes).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// A zip with one entry of `n` zeros, written in pieces.
fn zip_of_zeros(name: &str, n: usize) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let o = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(9));
    w.start_file(name, o).unwrap();
    let chunk = vec![0u8; MIB];
    let mut left = n;
    while left > 0 {
        let k = left.min(MIB);
        w.write_all(&chunk[..k]).unwrap();
        left -= k;
    }
    w.finish().unwrap().into_inner()
}

/// Guards Limits::max_part (`ofd/package.rs`): a part whose header says 320 MiB.
#[test]
fn an_oversized_ofd_part_is_refused_from_its_header() {
    let r = verify_ofd_bounded("320 MiB part", &zip_of_zeros("Doc_0/Res/big.bin", 320 * MIB));
    assert_eq!(r.indication, Indication::Failed);
    assert!(reasons(&r).contains("exceeds the part limit"), "{}", reasons(&r));
}

/// Guards Limits::max_ratio (`ofd/package.rs`): 8 MiB of zeros deflated about 1,000:1.
#[test]
fn an_ofd_part_compressed_like_a_bomb_is_refused() {
    let r = verify_ofd_bounded("1000:1 part", &zip_of_zeros("Doc_0/Res/z.bin", 8 * MIB));
    assert!(reasons(&r).contains("compression ratio suggests a zip bomb"), "{}", reasons(&r));
}

/// Guards the read of at most the declared size (`ofd/package.rs` reads size + 1 bytes; the zip
/// crate also stops at the declared size, so either alone holds this test): the headers say
/// 1,000 bytes, the data inflates to 320 MiB.
#[test]
fn an_ofd_part_that_lies_about_its_size_is_not_inflated() {
    let mut z = zip_of_zeros("Doc_0/Res/liar.bin", 320 * MIB);
    let real = (320 * MIB as u32).to_le_bytes();
    // The uncompressed size in the local header (offset 22) and the central directory entry (24).
    assert_eq!(z[22..26], real);
    z[22..26].copy_from_slice(&1000u32.to_le_bytes());
    let cd = z.windows(4).rposition(|w| w == b"PK\x01\x02").unwrap();
    assert_eq!(z[cd + 24..cd + 28], real);
    z[cd + 24..cd + 28].copy_from_slice(&1000u32.to_le_bytes());
    let r = verify_ofd_bounded("lying size", &z);
    assert_eq!(r.indication, Indication::Failed);
    let why = reasons(&r);
    assert!(why.contains("Doc_0/Res/liar.bin") && why.contains("size"), "{why}");
}

/// Guards the declared-total pre-pass of Limits::max_total (`ofd/package.rs`): nine parts of
/// 300 KiB of incompressible bytes, stored, whose central directory declares 60 MiB each (under
/// the part limit, and at a ratio of 200:1, not a bomb by ratio): 540 MiB in all, beyond 512 MiB.
/// Refused from the directory, before a part is read (read first, the first part would fail on
/// its size instead).
#[test]
fn an_ofd_whose_parts_add_up_beyond_the_total_is_refused_before_reading() {
    let mut x = 0x2545_F491_4F6C_DD1Du64;
    let noise: Vec<u8> = (0..300 * 1024)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    let names: Vec<String> = (0..9).map(|i| format!("Doc_0/Res/{i}.bin")).collect();
    let entries: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), noise.as_slice())).collect();
    let mut z = zip_of(&entries);
    // Each central directory entry's uncompressed size (offset 24) becomes 60 MiB.
    let mut patched = 0;
    let mut at = 0;
    while let Some(p) = z[at..].windows(4).position(|w| w == b"PK\x01\x02") {
        let cd = at + p;
        z[cd + 24..cd + 28].copy_from_slice(&(60 * MIB as u32).to_le_bytes());
        patched += 1;
        at = cd + 4;
    }
    assert_eq!(patched, 9);
    let r = verify_ofd_bounded("540 MiB declared", &z);
    assert_eq!(r.indication, Indication::Failed);
    let why = reasons(&r);
    assert!(why.contains("declares") && why.contains("exceeds the total size limit"), "{why}");
}

/// Guards Limits::max_entries (`ofd/package.rs`): 10,001 entries.
#[test]
fn an_ofd_with_too_many_entries_is_refused() {
    let names: Vec<String> = (0..10_001).map(|i| format!("Doc_0/Res/{i}.txt")).collect();
    let entries: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b""[..])).collect();
    let r = verify_ofd_bounded("10,001 entries", &zip_of(&entries));
    assert!(reasons(&r).contains("entries exceeds the limit of 10000"), "{}", reasons(&r));
}

fn ofd_with_main(xml: &[u8]) -> Vec<u8> {
    zip_of(&[("OFD.xml", xml)])
}

/// Guards MAX_DEPTH (`ofd/signatures.rs`): OFD.xml nested 200,000 deep.
#[test]
fn deeply_nested_ofd_xml_is_refused() {
    let depth = 200_000;
    let mut xml = "<a>".repeat(depth);
    xml.push_str(&"</a>".repeat(depth));
    let r = verify_ofd_bounded("deep XML", &ofd_with_main(xml.as_bytes()));
    assert_eq!(r.indication, Indication::Failed);
    assert!(reasons(&r).contains(&format!("nested more than {MAX_DEPTH} deep")), "{}", reasons(&r));
}

/// Guards the entity rule of `ofd/signatures.rs` parse_xml (only the five predefined entities
/// and character references are resolved; a DTD's entities never are): a billion laughs.
#[test]
fn entity_expansion_in_ofd_xml_is_refused() {
    let mut dtd = String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE OFD [\n<!ENTITY lol \"lol\">\n");
    for i in 1..=9 {
        let prev = if i == 1 { "lol".to_string() } else { format!("lol{}", i - 1) };
        dtd.push_str(&format!("<!ENTITY lol{i} \"{}\">\n", format!("&{prev};").repeat(10)));
    }
    dtd.push_str("]>\n");
    let in_text = format!("{dtd}<OFD><DocBody><Signatures>&lol9;</Signatures></DocBody></OFD>");
    let r = verify_ofd_bounded("billion laughs in text", &ofd_with_main(in_text.as_bytes()));
    assert!(reasons(&r).contains("unknown entity &lol9;"), "{}", reasons(&r));
    let in_attr = format!("{dtd}<OFD Version=\"&lol9;\"><DocBody/></OFD>");
    let r = verify_ofd_bounded("billion laughs in an attribute", &ofd_with_main(in_attr.as_bytes()));
    assert_eq!(r.indication, Indication::Failed, "{}", reasons(&r));
}

/// Guards MAX_VALUE (`ofd/signatures.rs`): a 16 MiB attribute, 16 MiB of element text, and
/// 8 MiB of text written as entity references.
#[test]
fn a_huge_attribute_or_text_in_ofd_xml_is_refused() {
    let refused = |what: &str, xml: &str| match bounded(what, || parse_xml("OFD.xml", xml.as_bytes())) {
        Ok(_) => panic!("{what}: accepted"),
        Err(e) => assert!(e.to_string().contains(&format!("longer than {MAX_VALUE} bytes")), "{what}: {e}"),
    };
    let attr = format!("<OFD Version=\"{}\"/>", "&amp;".repeat(16 * MIB / 5));
    refused("huge attribute", &attr);
    refused("huge text", &format!("<OFD>{}</OFD>", "x".repeat(16 * MIB)));
    refused("huge text of references", &format!("<OFD>{}</OFD>", "&#65;".repeat(8 * MIB)));
    // And end to end, through the package.
    let r = verify_ofd_bounded("huge attribute in a package", &ofd_with_main(attr.as_bytes()));
    assert!(reasons(&r).contains(&format!("longer than {MAX_VALUE} bytes")), "{}", reasons(&r));
}
