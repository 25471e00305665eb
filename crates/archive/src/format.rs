//! Format identification by parsing (FMT-01) and the usability checks that follow (USE-02 the
//! whitelist, USE-03 the file parses or decodes whole, USE-04 no encryption). A file's name is
//! never consulted: a text file called `x.pdf` is text.

use crate::check::{CheckResult, Family, Outcome};
use serde::Serialize;
use std::io::Read;

/// What a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// PDF.
    Pdf,
    /// OFD (GB/T 33190).
    Ofd,
    /// JPEG.
    Jpeg,
    /// PNG.
    Png,
    /// TIFF.
    Tiff,
    /// XML.
    Xml,
    /// A zip that is not an OFD.
    Zip,
    /// UTF-8 text.
    Text,
    /// Nothing recognised.
    Unknown,
    /// Zero bytes.
    Empty,
}

impl Kind {
    /// Its media type.
    pub fn mime(self) -> &'static str {
        match self {
            Kind::Pdf => "application/pdf",
            Kind::Ofd => "application/ofd",
            Kind::Jpeg => "image/jpeg",
            Kind::Png => "image/png",
            Kind::Tiff => "image/tiff",
            Kind::Xml => "application/xml",
            Kind::Zip => "application/zip",
            Kind::Text => "text/plain",
            Kind::Unknown | Kind::Empty => "application/octet-stream",
        }
    }

    /// On the archival whitelist (GB/T 18894, GB/T 33190): PDF, OFD, JPEG, PNG, TIFF, XML.
    pub fn archival(self) -> bool {
        matches!(self, Kind::Pdf | Kind::Ofd | Kind::Jpeg | Kind::Png | Kind::Tiff | Kind::Xml)
    }
}

/// The identification of one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Identified {
    /// The kind.
    pub kind: Kind,
    /// Its version when the format states one (`1.7` for `%PDF-1.7`).
    pub version: Option<String>,
}

fn zip_has(bytes: &[u8], name: &str) -> bool {
    zip::ZipArchive::new(std::io::Cursor::new(bytes)).is_ok_and(|z| z.index_for_name(name).is_some())
}

/// Identify by content.
pub fn identify(bytes: &[u8]) -> Identified {
    let id = |kind| Identified { kind, version: None };
    if bytes.is_empty() {
        return id(Kind::Empty);
    }
    let head = &bytes[..bytes.len().min(1024)];
    if let Some(p) = head.windows(5).position(|w| w == b"%PDF-") {
        let v: String = head[p + 5..].iter().take(3).map(|&b| b as char).collect();
        return Identified { kind: Kind::Pdf, version: Some(v).filter(|v| v.len() == 3 && v.as_bytes()[1] == b'.') };
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return id(if zip_has(bytes, "OFD.xml") { Kind::Ofd } else { Kind::Zip });
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return id(Kind::Jpeg);
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return id(Kind::Png);
    }
    if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        return id(Kind::Tiff);
    }
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(s) = std::str::from_utf8(text) {
        let t = s.trim_start();
        if t.starts_with("<?xml") || (t.starts_with('<') && xml_problem(text).is_none()) {
            return id(Kind::Xml);
        }
        if !s.chars().any(|c| c.is_control() && !c.is_whitespace()) {
            return id(Kind::Text);
        }
    }
    id(Kind::Unknown)
}

/// Most bytes one PDF stream may inflate to while the file is parsed for USE-03 (lopdf decodes
/// object and cross-reference streams as it loads). lopdf's default is 256 MiB a stream; real
/// object streams hold kilobytes, and the check runs on every file a department uploads.
pub const MAX_PDF_STREAM_INFLATED: usize = 32 << 20;

/// Most bytes an image may decode to for USE-03. The image crate's default is 512 MiB; an A3
/// page scanned at 600 dpi in colour decodes to 209 MB, and past 256 MiB a file of a few hundred
/// kilobytes (a PNG of one colour, declared 20,000 pixels square) would take that much memory on
/// every upload.
pub const MAX_IMAGE_DECODED: u64 = 256 << 20;

/// Deepest element nesting an archived XML file may have. Archival XML (DA/T 46 metadata, an
/// OFD part, an e-invoice) nests a dozen levels; a file nested thousands deep is kept only to
/// overflow the stack of a recursive reader when someone opens it later.
pub const MAX_XML_DEPTH: usize = 256;

fn xml_problem(bytes: &[u8]) -> Option<String> {
    // Borrowed events: the input is never copied; the check is streaming and linear in its size.
    let mut r = quick_xml::Reader::from_reader(bytes);
    let mut depth = 0usize;
    let mut elements = 0usize;
    loop {
        match r.read_event() {
            Ok(quick_xml::events::Event::Start(_)) => {
                depth += 1;
                elements += 1;
                if depth > MAX_XML_DEPTH {
                    return Some(format!("elements nested more than {MAX_XML_DEPTH} deep"));
                }
            }
            // Entities a DTD declares are refused, not expanded: an expanding reader would make
            // a few hundred bytes into gigabytes (the "billion laughs").
            Ok(quick_xml::events::Event::DocType(d)) if d.contains("<!ENTITY") => {
                return Some("the DTD declares entities (<!ENTITY>), which archived XML may not".into());
            }
            Ok(quick_xml::events::Event::Empty(_)) => elements += 1,
            Ok(quick_xml::events::Event::End(_)) => depth = depth.saturating_sub(1),
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => return Some(format!("not well-formed XML at byte {}: {e}", r.error_position())),
        }
    }
    if depth != 0 {
        return Some("XML ends inside an element".into());
    }
    if elements == 0 {
        return Some("XML without a root element".into());
    }
    None
}

/// The text of the first element with this local name (namespace prefix ignored).
fn first_text(xml: &[u8], local: &str) -> Option<String> {
    let mut r = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut inside = false;
    loop {
        match r.read_event_into(&mut buf).ok()? {
            quick_xml::events::Event::Start(e) if e.local_name().as_ref() == local => inside = true,
            quick_xml::events::Event::Text(t) if inside => {
                let text: &str = t.as_ref();
                return Some(text.to_string()).filter(|s| !s.trim().is_empty());
            }
            quick_xml::events::Event::End(_) if inside => return None,
            quick_xml::events::Event::Eof => return None,
            _ => {}
        }
        buf.clear();
    }
}

/// Why the file does not parse or decode whole (USE-03), or `None`. PDFs are handled in
/// [`usability`], which parses them once for this and for encryption.
fn render_problem(bytes: &[u8], kind: Kind) -> Option<String> {
    match kind {
        Kind::Ofd => ofd_problem(bytes),
        Kind::Jpeg | Kind::Png | Kind::Tiff => {
            let f = match kind {
                Kind::Jpeg => image::ImageFormat::Jpeg,
                Kind::Png => image::ImageFormat::Png,
                _ => image::ImageFormat::Tiff,
            };
            let decode = || {
                let mut reader = image::ImageReader::with_format(std::io::Cursor::new(bytes), f);
                let mut limits = image::Limits::default();
                limits.max_alloc = Some(MAX_IMAGE_DECODED);
                reader.limits(limits);
                reader.decode().err().map(|e| format!("the image does not decode: {e}"))
            };
            // The decoders are other people's code fed hostile bytes: one that panics (zune-jpeg
            // 0.5.15 multiplies a DC prediction into an overflow on a crafted JPEG, a panic where
            // overflow checks are on) makes the file not decodable, never a dead worker.
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(decode))
                .unwrap_or_else(|_| Some("the image decoder failed on this file (it panicked)".into()))
        }
        Kind::Xml => xml_problem(bytes),
        Kind::Empty => Some("the file is empty (0 bytes)".into()),
        Kind::Pdf | Kind::Zip | Kind::Text | Kind::Unknown => None,
    }
}

fn ofd_problem(bytes: &[u8]) -> Option<String> {
    let mut z = match zip::ZipArchive::new(std::io::Cursor::new(bytes)) {
        Ok(z) => z,
        Err(e) => return Some(format!("the OFD package does not open: {e}")),
    };
    let mut main = String::new();
    if let Err(e) = z.by_name("OFD.xml").and_then(|f| f.take(1 << 20).read_to_string(&mut main).map_err(Into::into)) {
        return Some(format!("OFD.xml cannot be read: {e}"));
    }
    if let Some(p) = xml_problem(main.as_bytes()) {
        return Some(format!("OFD.xml: {p}"));
    }
    let Some(root) = first_text(main.as_bytes(), "DocRoot").map(|r| r.trim().trim_start_matches('/').to_string())
    else {
        return Some("OFD.xml names no DocRoot".into());
    };
    if z.index_for_name(&root).is_none() {
        return Some(format!("the DocRoot {root} is not in the package"));
    }
    None
}

/// Whether the file is encrypted (USE-04), with what.
fn encryption(bytes: &[u8], kind: Kind) -> Option<String> {
    match kind {
        Kind::Ofd | Kind::Zip => {
            let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).ok()?;
            (0..z.len())
                .find(|&i| z.by_index_raw(i).is_ok_and(|f| f.encrypted()))
                .map(|i| format!("zip entry {i} is encrypted"))
        }
        _ => None,
    }
}

/// The usability checks of one file: USE-02, USE-03, USE-04.
pub fn usability(bytes: &[u8], ident: &Identified) -> Vec<CheckResult> {
    let k = ident.kind;
    let mut out = Vec::new();
    out.push(CheckResult::ours(
        "USE-02",
        Family::Usability,
        if k.archival() { Outcome::Pass } else { Outcome::Fail },
        format!("identified as {} by its content", k.mime()),
    ));
    let (render, encrypted) = match k {
        Kind::Pdf => match lopdf::Document::load_mem_with_options(
            bytes,
            lopdf::LoadOptions { max_decompressed_size: Some(MAX_PDF_STREAM_INFLATED), ..Default::default() },
        ) {
            Err(e) => (Some(format!("the PDF does not parse: {e}")), None),
            Ok(d) => (
                d.get_pages().is_empty().then(|| "the PDF has no pages".to_string()),
                d.is_encrypted().then(|| "the PDF is encrypted (/Encrypt)".to_string()),
            ),
        },
        _ => (render_problem(bytes, k), encryption(bytes, k)),
    };
    out.push(match render {
        Some(p) => CheckResult::ours("USE-03", Family::Usability, Outcome::Fail, p),
        None if k.archival() => {
            CheckResult::ours("USE-03", Family::Usability, Outcome::Pass, "parses and decodes whole")
        }
        None => CheckResult::ours("USE-03", Family::Usability, Outcome::NotApplicable, "no renderer for this format"),
    });
    out.push(match encrypted {
        Some(p) => CheckResult::ours("USE-04", Family::Usability, Outcome::Fail, p),
        None => CheckResult::ours("USE-04", Family::Usability, Outcome::Pass, "not encrypted"),
    });
    out
}
