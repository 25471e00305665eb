//! Writing OFD packages (GB/T 33190-2016): a document of fixed-layout pages with text, vector
//! paths (the licence's frame and QR code) and custom metadata, packaged as a zip.
//!
//! Layout follows GB/T 33190 §7 (OFD.xml → Document.xml → pages; PublicRes.xml for fonts).
//! The document face ([`yinxin_seal::font`]) is embedded (§11.1 `FontFile`), cut down to the
//! characters the text uses ([`crate::subset`]), so a reader with no CJK font installed draws the
//! same glyphs; every `TextCode` carries its `DeltaX` advances from that face, so a reader that
//! substitutes a face of its own still puts each character where ours does. Text is set in one
//! face: `Item::Text`'s `bold` is not drawn (nor is it in the PDF).
//! Coordinates are millimetres, origin top left, as OFD has them.

use super::package::Package;
use crate::layout::text_width;
use crate::subset::FontSubset;
use crate::{Error, Result};
use std::collections::BTreeMap;
use std::io::Write;
use yinxin_seal::font::CjkFont;

/// The OFD namespace.
pub const NS: &str = "http://www.ofdspec.org/2016";

/// Escape text for XML content and attributes.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

pub use crate::layout::Item;

/// A document to write.
#[derive(Debug, Clone, Default)]
pub struct DocumentSpec {
    /// Title (DocInfo).
    pub title: String,
    /// Page size in mm.
    pub page_mm: (f64, f64),
    /// Pages and what is on each.
    pub pages: Vec<Vec<Item>>,
    /// Custom metadata (name → value), DocInfo/CustomDatas: GB/T 36903 licence metadata goes here.
    pub custom: BTreeMap<String, String>,
    /// DocID (32 hex digits).
    pub doc_id: String,
    /// Creation date `YYYY-MM-DD`.
    pub creation_date: String,
}

/// A package being built or changed: part path → bytes.
#[derive(Debug, Clone, Default)]
pub struct PackageBuilder {
    parts: BTreeMap<String, Vec<u8>>,
}

impl PackageBuilder {
    /// Start from an existing package's parts.
    pub fn from_package(p: &Package) -> Self {
        Self { parts: p.names().map(|n| (n.to_string(), p.get(n).unwrap_or_default().to_vec())).collect() }
    }
    /// Put a part.
    pub fn put(&mut self, path: &str, bytes: Vec<u8>) {
        self.parts.insert(path.trim_start_matches('/').to_string(), bytes);
    }
    /// A part.
    pub fn get(&self, path: &str) -> Option<&[u8]> {
        self.parts.get(path.trim_start_matches('/')).map(Vec::as_slice)
    }
    /// All parts.
    pub fn parts(&self) -> &BTreeMap<String, Vec<u8>> {
        &self.parts
    }
    /// The zip (XML deflated, already-compressed parts stored; OFD.xml first, as readers expect).
    pub fn to_zip(&self) -> Result<Vec<u8>> {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let deflated = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
        let mut names: Vec<&String> = self.parts.keys().collect();
        names.sort_by_key(|n| (n.as_str() != "OFD.xml", n.as_str()));
        for name in names {
            // Pictures, seals and signed values (which carry the seal's picture) are already
            // compressed: deflating them again costs time and saves nothing. Font subsets (CFF
            // is compact) shrink by a sixth for as much time as the rest of the package.
            let lower = name.to_ascii_lowercase();
            let incompressible =
                [".png", ".jpg", ".jpeg", ".esl", ".dat", ".ofd", ".otf", ".ttf"].iter().any(|e| lower.ends_with(e));
            let opts = if incompressible { stored } else { deflated };
            w.start_file(name.as_str(), opts).map_err(|e| Error::Package(e.to_string()))?;
            w.write_all(&self.parts[name]).map_err(|e| Error::Package(e.to_string()))?;
        }
        Ok(w.finish().map_err(|e| Error::Package(e.to_string()))?.into_inner())
    }
}

fn f(v: f64) -> String {
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// `DeltaX` (§11.3): the advance before each character after the first, with runs of three or
/// more equal advances written as `g count advance`.
fn delta_x(font: &CjkFont, text: &str, size: f64) -> String {
    let chars: Vec<char> = text.chars().collect();
    let adv: Vec<String> =
        chars.iter().take(chars.len().saturating_sub(1)).map(|c| f(f64::from(font.advance_em(*c)) * size)).collect();
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < adv.len() {
        let n = adv[i..].iter().take_while(|a| **a == adv[i]).count();
        if n >= 3 {
            out.push(format!("g {n} {}", adv[i]));
        } else {
            out.extend(adv[i..i + n].iter().cloned());
        }
        i += n;
    }
    out.join(" ")
}

/// Build the parts of a document, in the document face cut down to its text.
pub fn build(spec: &DocumentSpec) -> Result<PackageBuilder> {
    build_with(spec, &FontSubset::for_pages(&spec.pages)?)
}

/// Build the parts of a document with a subset already made for its text (the licence makes one
/// for both its OFD and its PDF).
pub fn build_with(spec: &DocumentSpec, subset: &FontSubset) -> Result<PackageBuilder> {
    if spec.pages.is_empty() {
        return Err(Error::Xml { file: "Document.xml".into(), detail: "a document needs at least one page".into() });
    }
    let mut b = PackageBuilder::default();
    let customs: String = spec
        .custom
        .iter()
        .map(|(k, v)| format!("<ofd:CustomData Name=\"{}\">{}</ofd:CustomData>", xml_escape(k), xml_escape(v)))
        .collect();
    b.put(
        "OFD.xml",
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ofd:OFD xmlns:ofd=\"{NS}\" Version=\"1.1\" DocType=\"OFD\"><ofd:DocBody><ofd:DocInfo><ofd:DocID>{}</ofd:DocID><ofd:Title>{}</ofd:Title><ofd:CreationDate>{}</ofd:CreationDate><ofd:Creator>yinxin</ofd:Creator><ofd:CreatorVersion>{}</ofd:CreatorVersion><ofd:CustomDatas>{customs}</ofd:CustomDatas></ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>",
            xml_escape(&spec.doc_id),
            xml_escape(&spec.title),
            xml_escape(&spec.creation_date),
            env!("CARGO_PKG_VERSION")
        )
        .into_bytes(),
    );
    let (w, h) = spec.page_mm;
    let font = subset.font();
    // IDs: 1–2 fonts (2 is no longer used: one face), then pages, layers and objects.
    let mut next_id = 3u32;
    let mut pages_xml = String::new();
    for (i, items) in spec.pages.iter().enumerate() {
        let page_id = next_id;
        next_id += 1;
        pages_xml.push_str(&format!("<ofd:Page ID=\"{page_id}\" BaseLoc=\"Pages/Page_{i}/Content.xml\"/>"));
        let layer_id = next_id;
        next_id += 1;
        let mut objs = String::new();
        for item in items {
            let id = next_id;
            next_id += 1;
            match item {
                Item::Text { x, y, size, text, .. } => {
                    let width = text_width(font, text, *size);
                    let dx = delta_x(font, text, *size);
                    let dx = if dx.is_empty() { String::new() } else { format!(" DeltaX=\"{dx}\"") };
                    objs.push_str(&format!(
                        "<ofd:TextObject ID=\"{id}\" Boundary=\"{} {} {} {}\" Font=\"1\" Size=\"{}\"><ofd:FillColor Value=\"0 0 0\"/><ofd:TextCode X=\"0\" Y=\"{}\"{dx}>{}</ofd:TextCode></ofd:TextObject>",
                        f(*x),
                        f(y - size),
                        f(width.max(0.1)),
                        f(size * 1.3),
                        f(*size),
                        f(*size),
                        xml_escape(text)
                    ));
                }
                Item::Rects { rects } => {
                    if rects.is_empty() {
                        continue;
                    }
                    let minx = rects.iter().map(|r| r.0).fold(f64::MAX, f64::min);
                    let miny = rects.iter().map(|r| r.1).fold(f64::MAX, f64::min);
                    let maxx = rects.iter().map(|r| r.0 + r.2).fold(f64::MIN, f64::max);
                    let maxy = rects.iter().map(|r| r.1 + r.3).fold(f64::MIN, f64::max);
                    let d: String = rects
                        .iter()
                        .map(|(x, y, rw, rh)| {
                            let (x, y) = (x - minx, y - miny);
                            format!(
                                "M {} {} L {} {} L {} {} L {} {} C ",
                                f(x),
                                f(y),
                                f(x + rw),
                                f(y),
                                f(x + rw),
                                f(y + rh),
                                f(x),
                                f(y + rh)
                            )
                        })
                        .collect();
                    objs.push_str(&format!(
                        "<ofd:PathObject ID=\"{id}\" Boundary=\"{} {} {} {}\" Fill=\"true\" Stroke=\"false\"><ofd:FillColor Value=\"0 0 0\"/><ofd:AbbreviatedData>{}</ofd:AbbreviatedData></ofd:PathObject>",
                        f(minx),
                        f(miny),
                        f(maxx - minx),
                        f(maxy - miny),
                        d.trim_end()
                    ));
                }
                Item::Frame { x, y, w: fw, h: fh, line } => {
                    objs.push_str(&format!(
                        "<ofd:PathObject ID=\"{id}\" Boundary=\"{} {} {} {}\" LineWidth=\"{}\" Fill=\"false\" Stroke=\"true\"><ofd:StrokeColor Value=\"0 0 0\"/><ofd:AbbreviatedData>M 0 0 L {} 0 L {} {} L 0 {} C</ofd:AbbreviatedData></ofd:PathObject>",
                        f(*x),
                        f(*y),
                        f(*fw),
                        f(*fh),
                        f(*line),
                        f(*fw),
                        f(*fw),
                        f(*fh),
                        f(*fh)
                    ));
                }
            }
        }
        b.put(
            &format!("Doc_0/Pages/Page_{i}/Content.xml"),
            format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ofd:Page xmlns:ofd=\"{NS}\"><ofd:Content><ofd:Layer ID=\"{layer_id}\">{objs}</ofd:Layer></ofd:Content></ofd:Page>").into_bytes(),
        );
    }
    // The face, cut down to the characters the pages use, embedded as Res/font_1.otf.
    for ch in spec.pages.iter().flatten().filter_map(|it| match it {
        Item::Text { text, .. } => Some(text),
        _ => None,
    }) {
        if let Some(c) = ch.chars().find(|c| !c.is_control() && subset.gid(*c) == 0) {
            return Err(Error::Package(format!("the font subset has no glyph for {c:?}")));
        }
    }
    b.put("Doc_0/Res/font_1.otf", subset.opentype()?);
    let name = xml_escape(&crate::subset::family_name(font));
    b.put(
        "Doc_0/PublicRes.xml",
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ofd:Res xmlns:ofd=\"{NS}\" BaseLoc=\"Res\"><ofd:Fonts><ofd:Font ID=\"1\" FontName=\"{name}\" FamilyName=\"{name}\" Serif=\"true\"><ofd:FontFile>font_1.otf</ofd:FontFile></ofd:Font></ofd:Fonts></ofd:Res>").into_bytes(),
    );
    b.put(
        "Doc_0/Document.xml",
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ofd:Document xmlns:ofd=\"{NS}\"><ofd:CommonData><ofd:MaxUnitID>{}</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 {} {}</ofd:PhysicalBox></ofd:PageArea><ofd:PublicRes>PublicRes.xml</ofd:PublicRes></ofd:CommonData><ofd:Pages>{pages_xml}</ofd:Pages></ofd:Document>",
            next_id - 1,
            f(w),
            f(h)
        )
        .into_bytes(),
    );
    Ok(b)
}
