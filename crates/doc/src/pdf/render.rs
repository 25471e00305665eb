//! Rendering a document as PDF with pdf-writer: CJK text through an embedded subset of the
//! document font (Type0 / CIDFont, Identity-H, with a ToUnicode map so the text can be selected
//! and searched), vector frames and filled rectangles (QR modules), deflated streams.
//!
//! The font is the one seals use ([`yinxin_seal::font::CjkFont::find`]): Noto Serif CJK SC, the
//! built-in subset unless the system or `YINXIN_SEAL_FONT` gives another.
//! Its CFF outlines go in as a bare `CFF ` table (CIDFontType0C); a TrueType font goes in whole
//! (FontFile2) — the two cases subsetter produces.

use crate::layout::Item;
use crate::subset::FontSubset;
use crate::{Error, Result};
use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

/// Millimetres to points.
pub fn pt(mm: f64) -> f32 {
    (mm * 72.0 / 25.4) as f32
}

/// A document to render.
#[derive(Debug, Clone)]
pub struct PdfSpec {
    /// Title (Info dictionary).
    pub title: String,
    /// Page size in mm.
    pub page_mm: (f64, f64),
    /// Items per page.
    pub pages: Vec<Vec<Item>>,
}

/// Deflate a stream.
pub fn deflate(data: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec_zlib(data, 6)
}

fn text_of(it: &Item) -> Option<String> {
    match it {
        Item::Text { text, .. } => Some(text.clone()),
        _ => None,
    }
}

/// Render to PDF bytes, in the document face cut down to the text. Every character must be in
/// the face: one that is not is an error, not an empty box.
pub fn render(spec: &PdfSpec) -> Result<Vec<u8>> {
    render_with(spec, &FontSubset::for_pages(&spec.pages)?)
}

/// Render with a subset already made for the text (the licence makes one for its OFD and PDF).
pub fn render_with(spec: &PdfSpec, subset: &FontSubset) -> Result<Vec<u8>> {
    let font = subset.font();
    let face = ttf_parser::Face::parse(font.data(), font.index()).map_err(|e| Error::Package(format!("font: {e}")))?;
    let upem = f32::from(face.units_per_em());
    for text in spec.pages.iter().flatten().filter_map(text_of) {
        if let Some(c) = text.chars().find(|c| !c.is_control() && subset.gid(*c) == 0) {
            return Err(Error::Package(format!("the font {} has no glyph for {c:?}", font.source())));
        }
    }

    let mut pdf = Pdf::new();
    let mut next = 1;
    let mut alloc = || {
        let r = Ref::new(next);
        next += 1;
        r
    };
    let (catalog, pages_id, info) = (alloc(), alloc(), alloc());
    let (type0, cid, desc, file, cmap) = (alloc(), alloc(), alloc(), alloc(), alloc());
    let page_ids: Vec<(Ref, Ref)> = spec.pages.iter().map(|_| (alloc(), alloc())).collect();

    pdf.catalog(catalog).pages(pages_id);
    pdf.pages(pages_id).kids(page_ids.iter().map(|(p, _)| *p)).count(page_ids.len() as i32);
    pdf.document_info(info)
        .title(TextStr(&spec.title))
        .creator(TextStr("yinxin"))
        .producer(TextStr(concat!("yinxin ", env!("CARGO_PKG_VERSION"))));

    let (w, h) = spec.page_mm;
    for ((page_id, content_id), items) in page_ids.iter().zip(&spec.pages) {
        let mut c = Content::new();
        for item in items {
            match item {
                Item::Text { x, y, size, text, .. } => {
                    let bytes: Vec<u8> = text.chars().flat_map(|ch| subset.gid(ch).to_be_bytes()).collect();
                    c.begin_text();
                    c.set_font(Name(b"F1"), pt(*size));
                    c.next_line(pt(*x), pt(h - y));
                    c.show(Str(&bytes));
                    c.end_text();
                }
                Item::Rects { rects } => {
                    for (x, y, rw, rh) in rects {
                        c.rect(pt(*x), pt(h - y - rh), pt(*rw), pt(*rh));
                    }
                    c.fill_nonzero();
                }
                Item::Frame { x, y, w: fw, h: fh, line } => {
                    c.set_line_width(pt(*line));
                    c.rect(pt(*x), pt(h - y - fh), pt(*fw), pt(*fh));
                    c.stroke();
                }
            }
        }
        pdf.stream(*content_id, &deflate(&c.finish())).filter(Filter::FlateDecode);
        let mut page = pdf.page(*page_id);
        page.media_box(Rect::new(0.0, 0.0, pt(w), pt(h))).parent(pages_id).contents(*content_id);
        page.resources().fonts().pair(Name(b"F1"), type0);
        page.finish();
    }

    // The font: subset, descriptor, widths, ToUnicode.
    let sub = subset.program();
    let is_cff = face.tables().cff.is_some();
    let font_bytes = if is_cff {
        let raw = ttf_parser::RawFace::parse(sub, 0).map_err(|e| Error::Package(format!("subset: {e}")))?;
        raw.table(ttf_parser::Tag::from_bytes(b"CFF "))
            .ok_or_else(|| Error::Package("subset has no CFF table".into()))?
            .to_vec()
    } else {
        sub.to_vec()
    };
    let base = Name(b"YXSUBS+NotoSerifCJKsc");
    let sys = SystemInfo { registry: Str(b"Adobe"), ordering: Str(b"Identity"), supplement: 0 };
    pdf.type0_font(type0)
        .base_font(base)
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid)
        .to_unicode(cmap);
    let mut cf = pdf.cid_font(cid);
    cf.subtype(if is_cff { CidFontType::Type0 } else { CidFontType::Type2 })
        .base_font(base)
        .system_info(sys)
        .font_descriptor(desc)
        .default_width(1000.0);
    if !is_cff {
        cf.cid_to_gid_map_predefined(Name(b"Identity"));
    }
    let mut widths = cf.widths();
    for (new, old) in subset.original_gids().iter().copied().enumerate() {
        let adv = face.glyph_hor_advance(ttf_parser::GlyphId(old)).unwrap_or(0) as f32;
        widths.consecutive(new as u16, [adv * 1000.0 / upem]);
    }
    widths.finish();
    cf.finish();
    let bb = face.global_bounding_box();
    let k = 1000.0 / upem;
    let mut d = pdf.font_descriptor(desc);
    d.name(base)
        .flags(FontFlags::SYMBOLIC)
        .bbox(Rect::new(
            f32::from(bb.x_min) * k,
            f32::from(bb.y_min) * k,
            f32::from(bb.x_max) * k,
            f32::from(bb.y_max) * k,
        ))
        .italic_angle(0.0)
        .ascent(f32::from(face.ascender()) * k)
        .descent(f32::from(face.descender()) * k)
        .cap_height(f32::from(face.capital_height().unwrap_or(face.ascender())) * k)
        .stem_v(80.0);
    if is_cff {
        d.font_file3(file);
    } else {
        d.font_file2(file);
    }
    d.finish();
    let compressed = deflate(&font_bytes);
    let mut st = pdf.stream(file, &compressed);
    st.filter(Filter::FlateDecode);
    if is_cff {
        st.pair(Name(b"Subtype"), Name(b"CIDFontType0C"));
    }
    st.finish();
    let mut uc = UnicodeCmap::new(Name(b"Custom"), sys);
    for (ch, cid) in subset.chars() {
        uc.pair(cid, ch);
    }
    pdf.cmap(cmap, &uc.finish());
    Ok(pdf.finish())
}

/// `pdf` with one more page at the end, blank, the size of the last page: the page a document's
/// signing report is drawn on when its envelope closes. The file is written anew (not as an
/// incremental update), so it is refused when the PDF already carries a signature, whose bytes
/// would change.
pub fn append_blank_page(pdf: &[u8]) -> Result<Vec<u8>> {
    use lopdf::{Dictionary, Object, Stream};
    let bad = |e: String| Error::Package(format!("a page cannot be added: {e}"));
    if pdf.windows(10).any(|w| w == b"/ByteRange") {
        return Err(bad("the PDF is already signed, and rewriting it would break the signature".into()));
    }
    let mut doc = lopdf::Document::load_mem(pdf).map_err(|e| bad(e.to_string()))?;
    let pages = doc.get_pages();
    let (_, last) = pages.iter().next_back().ok_or_else(|| bad("the PDF has no pages".into()))?;
    let media = doc
        .get_dictionary(*last)
        .and_then(|d| d.get(b"MediaBox"))
        .cloned()
        .unwrap_or_else(|_| Object::Array(vec![0.into(), 0.into(), 595.28.into(), 841.89.into()]));
    let root =
        doc.catalog().and_then(|c| c.get(b"Pages")).and_then(Object::as_reference).map_err(|e| bad(e.to_string()))?;
    let content = doc.add_object(Stream::new(Dictionary::new(), Vec::new()));
    let mut page = Dictionary::new();
    page.set("Type", Object::Name(b"Page".to_vec()));
    page.set("Parent", Object::Reference(root));
    page.set("MediaBox", media);
    page.set("Resources", Object::Dictionary(Dictionary::new()));
    page.set("Contents", Object::Reference(content));
    let page_id = doc.add_object(page);
    let node = doc.get_dictionary_mut(root).map_err(|e| bad(e.to_string()))?;
    let mut kids = node.get(b"Kids").and_then(Object::as_array).cloned().map_err(|e| bad(e.to_string()))?;
    kids.push(Object::Reference(page_id));
    let count = node.get(b"Count").and_then(Object::as_i64).unwrap_or(0) + 1;
    node.set("Kids", Object::Array(kids));
    node.set("Count", Object::Integer(count));
    let mut out = Vec::new();
    doc.save_to(&mut out).map_err(|e| bad(e.to_string()))?;
    Ok(out)
}
