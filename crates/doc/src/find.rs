//! Finding a keyword on a page, so a seal can be placed on it (盖章位置按关键字): the seal's
//! centre goes on the keyword's centre, as a clerk stamps over the department's name or the date.
//!
//! - OFD: the pages listed in `Document.xml`, their `TextObject`s: Boundary, Size, the
//!   `TextCode` X/Y and DeltaX advances (GB/T 33190 §11). CTM on text objects is not applied.
//! - PDF: the page content's text operators (BT/ET, Tf, Td, TD, Tm, T*, TL, Tj, TJ, ', ") under
//!   the graphics state's `cm` (q/Q), strings decoded through each font's encoding or ToUnicode
//!   CMap (lopdf). Advances are estimated (CJK full width, others half width); a seal is 40 mm
//!   wide, so the estimate is close enough for placement but not for text layout.
//!
//! Positions are millimetres from the page's top-left corner, as the stamp places take them.

use crate::ofd::Package;
use crate::ofd::signatures::{Element, parse_xml};
use crate::{Error, Result};

/// Where a keyword was found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Found {
    /// Page index (from 0).
    pub page: usize,
    /// The keyword's centre, millimetres from the left edge.
    pub x: f64,
    /// The keyword's centre, millimetres from the top edge.
    pub y: f64,
}

const PT_MM: f64 = 25.4 / 72.0;

fn advance(c: char) -> f64 {
    if c.is_ascii() { 0.5 } else { 1.0 }
}

/// A run of text: its characters with each one's left x and the baseline y (top-origin mm), and
/// the font size in mm.
struct Run {
    chars: Vec<(char, f64)>,
    end: f64,
    y: f64,
    size: f64,
}

/// Search runs for the keyword; the last occurrence wins (the signature block is at the end).
fn search(page: usize, runs: &[Run], keyword: &str) -> Option<Found> {
    let kw: Vec<char> = keyword.chars().filter(|c| !c.is_whitespace()).collect();
    if kw.is_empty() {
        return None;
    }
    let mut found = None;
    for r in runs {
        let text: Vec<char> = r.chars.iter().map(|(c, _)| *c).collect();
        for start in 0..text.len().saturating_sub(kw.len() - 1) {
            if text[start..start + kw.len()] == kw[..] {
                let left = r.chars[start].1;
                let right = r.chars.get(start + kw.len()).map_or(r.end, |(_, x)| *x);
                found = Some(Found { page, x: (left + right) / 2.0, y: r.y - r.size * 0.35 });
            }
        }
    }
    found
}

/// Find `keyword` in an OFD package (the last occurrence on the last page that has it).
pub fn find_in_ofd(pkg: &Package, keyword: &str) -> Result<Option<Found>> {
    let ofd = parse_xml("OFD.xml", pkg.get("OFD.xml").ok_or_else(|| Error::Package("no OFD.xml".into()))?)?;
    let root_loc = ofd
        .child("DocBody")
        .and_then(|b| b.child("DocRoot"))
        .map(|r| r.text.trim().to_string())
        .ok_or_else(|| Error::Package("OFD.xml has no DocRoot".into()))?;
    let doc_path = Package::resolve("OFD.xml", &root_loc).ok_or_else(|| Error::Package("bad DocRoot".into()))?;
    let doc = parse_xml(&doc_path, pkg.get(&doc_path).ok_or_else(|| Error::Package(format!("no {doc_path}")))?)?;
    let pages: Vec<String> = doc
        .child("Pages")
        .map(|p| {
            p.all("Page").filter_map(|pg| pg.attr("BaseLoc").and_then(|l| Package::resolve(&doc_path, l))).collect()
        })
        .unwrap_or_default();
    let mut found = None;
    for (i, page) in pages.iter().enumerate() {
        let Some(bytes) = pkg.get(page) else { continue };
        let content = parse_xml(page, bytes)?;
        let mut runs = Vec::new();
        collect_ofd(&content, &mut runs);
        if let Some(f) = search(i, &runs, keyword) {
            found = Some(f);
        }
    }
    Ok(found)
}

fn nums(s: &str) -> Vec<f64> {
    s.split_whitespace().filter_map(|v| v.parse().ok()).collect()
}

/// DeltaX may use the `g N v` shorthand (repeat v N times).
fn deltas(s: &str) -> Vec<f64> {
    let mut out = Vec::new();
    let mut it = s.split_whitespace();
    while let Some(t) = it.next() {
        if t == "g" {
            let n: usize = it.next().and_then(|v| v.parse().ok()).unwrap_or(0).min(10_000);
            let v: f64 = it.next().and_then(|v| v.parse().ok()).unwrap_or(0.0);
            out.extend(std::iter::repeat_n(v, n));
        } else if let Ok(v) = t.parse() {
            out.push(v);
        }
    }
    out
}

fn collect_ofd(el: &Element, runs: &mut Vec<Run>) {
    if el.name == "TextObject" {
        let b = nums(el.attr("Boundary").unwrap_or(""));
        let (bx, by) = (b.first().copied().unwrap_or(0.0), b.get(1).copied().unwrap_or(0.0));
        let size: f64 = el.attr("Size").and_then(|s| s.parse().ok()).unwrap_or(3.5);
        let (mut x, mut y) = (0.0, 0.0);
        for code in el.all("TextCode") {
            x = code.attr("X").and_then(|v| v.parse().ok()).unwrap_or(x);
            y = code.attr("Y").and_then(|v| v.parse().ok()).unwrap_or(y);
            let dx = deltas(code.attr("DeltaX").unwrap_or(""));
            let mut chars = Vec::new();
            let mut cx = bx + x;
            for (i, c) in code.text.chars().enumerate() {
                chars.push((c, cx));
                cx += dx.get(i).copied().unwrap_or(size * advance(c));
            }
            runs.push(Run { chars, end: cx, y: by + y, size });
        }
    }
    for c in &el.children {
        collect_ofd(c, runs);
    }
}

type Matrix = [f64; 6];

fn mul(a: &Matrix, b: &Matrix) -> Matrix {
    [
        a[0] * b[0] + a[1] * b[2],
        a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2],
        a[2] * b[1] + a[3] * b[3],
        a[4] * b[0] + a[5] * b[2] + b[4],
        a[4] * b[1] + a[5] * b[3] + b[5],
    ]
}

const IDENTITY: Matrix = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];

/// Find `keyword` in a PDF (the last occurrence on the last page that has it).
pub fn find_in_pdf(pdf: &[u8], keyword: &str) -> Result<Option<Found>> {
    let err = |e: lopdf::Error| Error::Package(format!("PDF: {e}"));
    let doc = lopdf::Document::load_mem(pdf).map_err(err)?;
    let mut found = None;
    for (i, (_, page_id)) in doc.get_pages().into_iter().enumerate() {
        let page = doc.get_dictionary(page_id).map_err(err)?;
        let media = page
            .get(b"MediaBox")
            .and_then(|m| doc.dereference(m).map(|(_, o)| o))
            .and_then(|m| m.as_array())
            .map(|a| a.iter().filter_map(|v| v.as_float().ok().map(f64::from)).collect::<Vec<_>>())
            .unwrap_or_default();
        let height = media.get(3).copied().unwrap_or(842.0);
        let fonts = doc.get_page_fonts(page_id).unwrap_or_default();
        let encodings: std::collections::BTreeMap<Vec<u8>, lopdf::Encoding<'_>> =
            fonts.iter().filter_map(|(name, f)| f.get_font_encoding(&doc).ok().map(|e| (name.clone(), e))).collect();
        let Ok(content) = doc.get_and_decode_page_content(page_id) else { continue };
        let mut runs = Vec::new();
        let (mut ctm, mut stack) = (IDENTITY, Vec::new());
        let (mut tm, mut lm) = (IDENTITY, IDENTITY);
        let (mut size, mut leading, mut font): (f64, f64, Vec<u8>) = (12.0, 0.0, Vec::new());
        let f = |o: &lopdf::Object| o.as_float().map(f64::from).unwrap_or(0.0);
        for op in &content.operations {
            let a = &op.operands;
            match op.operator.as_str() {
                "q" => stack.push(ctm),
                "Q" => ctm = stack.pop().unwrap_or(IDENTITY),
                "cm" if a.len() == 6 => ctm = mul(&[f(&a[0]), f(&a[1]), f(&a[2]), f(&a[3]), f(&a[4]), f(&a[5])], &ctm),
                "BT" => (tm, lm) = (IDENTITY, IDENTITY),
                "Tf" if a.len() == 2 => {
                    font = a[0].as_name().map(<[u8]>::to_vec).unwrap_or_default();
                    size = f(&a[1]);
                }
                "TL" if a.len() == 1 => leading = f(&a[0]),
                "Td" | "TD" if a.len() == 2 => {
                    if op.operator == "TD" {
                        leading = -f(&a[1]);
                    }
                    lm = mul(&[1.0, 0.0, 0.0, 1.0, f(&a[0]), f(&a[1])], &lm);
                    tm = lm;
                }
                "Tm" if a.len() == 6 => {
                    lm = [f(&a[0]), f(&a[1]), f(&a[2]), f(&a[3]), f(&a[4]), f(&a[5])];
                    tm = lm;
                }
                "T*" | "'" | "\"" | "Tj" | "TJ" => {
                    if matches!(op.operator.as_str(), "T*" | "'" | "\"") {
                        lm = mul(&[1.0, 0.0, 0.0, 1.0, 0.0, -leading], &lm);
                        tm = lm;
                    }
                    let mut pieces: Vec<(Option<&[u8]>, f64)> = Vec::new();
                    match op.operator.as_str() {
                        "TJ" => {
                            for item in a.first().and_then(|x| x.as_array().ok()).into_iter().flatten() {
                                match item.as_str() {
                                    Ok(s) => pieces.push((Some(s), 0.0)),
                                    Err(_) => pieces.push((None, f(item))),
                                }
                            }
                        }
                        "T*" => {}
                        _ => {
                            if let Some(s) = a.last().and_then(|x| x.as_str().ok()) {
                                pieces.push((Some(s), 0.0));
                            }
                        }
                    }
                    let mut chars = Vec::new();
                    let m = mul(&tm, &ctm);
                    let scale = (m[0] * m[0] + m[1] * m[1]).sqrt();
                    let mut adv = 0.0; // in text space units
                    for (s, kern) in pieces {
                        match s {
                            Some(bytes) => {
                                let text = encodings
                                    .get(&font)
                                    .and_then(|e| lopdf::Document::decode_text(e, bytes).ok())
                                    .unwrap_or_default();
                                for c in text.chars() {
                                    chars.push((c, (m[4] + adv * scale) * PT_MM));
                                    adv += size * advance(c);
                                }
                            }
                            None => adv -= kern / 1000.0 * size,
                        }
                    }
                    if !chars.is_empty() {
                        let end = (m[4] + adv * scale) * PT_MM;
                        runs.push(Run { chars, end, y: (height - m[5]) * PT_MM, size: size * scale * PT_MM });
                        tm = mul(&[1.0, 0.0, 0.0, 1.0, adv, 0.0], &tm);
                    }
                }
                _ => {}
            }
        }
        if let Some(f) = search(i, &runs, keyword) {
            found = Some(f);
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::Item;

    fn items() -> Vec<Item> {
        vec![
            Item::Text { x: 20.0, y: 40.0, size: 6.0, text: "行政许可决定书".into(), bold: true },
            Item::Text {
                x: 120.0, y: 250.0, size: 4.0, text: "发证机关：某市市场监督管理局".into(), bold: false
            },
        ]
    }

    #[test]
    fn keyword_in_our_pdf_and_ofd() {
        let pdf = crate::pdf::render::render(&crate::pdf::render::PdfSpec {
            title: "t".into(),
            page_mm: (210.0, 297.0),
            pages: vec![vec![], items()],
        })
        .unwrap();
        let f = find_in_pdf(&pdf, "市场监督管理局").unwrap().unwrap();
        // "发证机关：某市" is 7 characters of 4 mm before it; the keyword is 7 wide.
        assert_eq!(f.page, 1);
        assert!((f.x - (120.0 + 4.0 * 7.0 + 4.0 * 3.5)).abs() < 1.0, "{f:?}");
        assert!((f.y - (250.0 - 4.0 * 0.35)).abs() < 1.5, "{f:?}");
        assert!(find_in_pdf(&pdf, "不存在的词").unwrap().is_none());

        let spec = crate::ofd::write::DocumentSpec {
            title: "t".into(),
            page_mm: (210.0, 297.0),
            pages: vec![vec![], items()],
            doc_id: "00".repeat(16),
            creation_date: "2026-11-26".into(),
            ..Default::default()
        };
        let ofd = crate::ofd::write::build(&spec).unwrap().to_zip().unwrap();
        let pkg = Package::read(&ofd).unwrap();
        let g = find_in_ofd(&pkg, "市场监督管理局").unwrap().unwrap();
        assert_eq!(g.page, 1);
        assert!((g.x - f.x).abs() < 1.5 && (g.y - f.y).abs() < 1.5, "OFD {g:?} vs PDF {f:?}");
        assert!(find_in_ofd(&pkg, "不存在的词").unwrap().is_none());
        assert!(find_in_ofd(&pkg, "  ").unwrap().is_none());
    }

    #[test]
    fn delta_x_shorthand() {
        assert_eq!(deltas("1 g 3 2.5 4"), vec![1.0, 2.5, 2.5, 2.5, 4.0]);
    }
}
