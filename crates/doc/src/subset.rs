//! The document face cut down to the characters a document uses, made once per document and
//! used by both carriers:
//!
//! - the PDF embeds the subset's outlines (a bare `CFF ` table as CIDFontType0C, or the TrueType
//!   program as CIDFontType2) and addresses glyphs by their new ids (CIDs), with its own
//!   ToUnicode map (`pdf::render`);
//! - the OFD embeds a whole OpenType program (GB/T 33190-2016 §11.1, `CT_Font` with a `FontFile`).
//!   `TextCode` holds Unicode text, so unlike the PDF's CID font that program must carry a `cmap`:
//!   subsetter (made for PDF) drops it and renumbers the glyphs, so the cmap (format 4 for the
//!   BMP, format 12 beyond it, platform 3 = Windows/Unicode) is rebuilt here from the glyph
//!   remapping, and the face's `OS/2` table is carried over (Windows and some OFD readers refuse a
//!   font without one). The sfnt is then reassembled with its checksums (OpenType §5).

use crate::layout::Item;
use crate::{Error, Result};
use std::collections::BTreeMap;
use yinxin_seal::font::CjkFont;

/// A face cut down to a document's characters.
#[derive(Debug, Clone)]
pub struct FontSubset {
    font: CjkFont,
    /// subsetter's program: the tables a PDF needs, no cmap.
    program: Vec<u8>,
    /// Each character's glyph id in the subset.
    gids: BTreeMap<char, u16>,
    /// The face's glyph id of each subset glyph, by subset id.
    original: Vec<u16>,
}

impl FontSubset {
    /// The subset of `font` for `text`. Characters the face lacks are refused (they would render
    /// as boxes).
    pub fn new(font: &CjkFont, text: &str) -> Result<Self> {
        let missing = font.missing(text);
        if !missing.is_empty() {
            return Err(Error::Package(format!(
                "the font {} has no glyph for {:?}",
                font.source(),
                missing.iter().collect::<String>()
            )));
        }
        let face =
            ttf_parser::Face::parse(font.data(), font.index()).map_err(|e| Error::Package(format!("font: {e}")))?;
        let mut remapper = subsetter::GlyphRemapper::new();
        let mut gids = BTreeMap::new();
        let mut chars: Vec<char> = text.chars().filter(|c| !c.is_control()).collect();
        chars.sort_unstable();
        chars.dedup();
        for c in chars {
            if let Some(g) = face.glyph_index(c) {
                gids.insert(c, remapper.remap(g.0));
            }
        }
        let program = subsetter::subset(font.data(), font.index(), &remapper)
            .map_err(|e| Error::Package(format!("font subset: {e:?}")))?;
        Ok(Self { font: font.clone(), program, gids, original: remapper.remapped_gids().collect() })
    }

    /// The subset of the document face ([`CjkFont::find`]) for the text of `pages`.
    pub fn for_pages(pages: &[Vec<Item>]) -> Result<Self> {
        let font = CjkFont::find().map_err(|e| Error::Package(e.to_string()))?;
        let text: String = pages
            .iter()
            .flatten()
            .filter_map(|it| match it {
                Item::Text { text, .. } => Some(text.as_str()),
                _ => None,
            })
            .collect();
        Self::new(&font, &text)
    }

    /// The face it was cut from.
    pub fn font(&self) -> &CjkFont {
        &self.font
    }

    /// The glyph id of `c` in the subset (0, .notdef, for a character not in it).
    pub fn gid(&self, c: char) -> u16 {
        self.gids.get(&c).copied().unwrap_or(0)
    }

    /// Each character and its glyph id.
    pub fn chars(&self) -> impl Iterator<Item = (char, u16)> + '_ {
        self.gids.iter().map(|(c, g)| (*c, *g))
    }

    /// The face's glyph id of each subset glyph, by subset id.
    pub fn original_gids(&self) -> &[u16] {
        &self.original
    }

    /// subsetter's program (no cmap): what a PDF embeds.
    pub fn program(&self) -> &[u8] {
        &self.program
    }

    /// The program as a complete OpenType font for an OFD: with a cmap and OS/2.
    pub fn opentype(&self) -> Result<Vec<u8>> {
        let mut map: BTreeMap<u32, u16> = BTreeMap::new();
        for (c, g) in &self.gids {
            map.insert(u32::from(*c), *g);
        }
        let mut tables = read_tables(&self.program)?;
        tables.insert(*b"cmap", cmap(&map));
        let raw = ttf_parser::RawFace::parse(self.font.data(), self.font.index())
            .map_err(|e| Error::Package(format!("font: {e}")))?;
        if let Some(os2) = raw.table(ttf_parser::Tag::from_bytes(b"OS/2")) {
            tables.insert(*b"OS/2", os2.to_vec());
        }
        let version: [u8; 4] = self.program.get(0..4).and_then(|v| v.try_into().ok()).unwrap_or(*b"OTTO");
        Ok(write_sfnt(version, &tables))
    }
}

/// The face's family name (name ID 1, a Unicode record), for `CT_Font`'s FontName.
pub fn family_name(font: &CjkFont) -> String {
    ttf_parser::Face::parse(font.data(), font.index())
        .ok()
        .and_then(|f| {
            f.names()
                .into_iter()
                .filter(|n| n.name_id == ttf_parser::name_id::FAMILY && n.is_unicode())
                .find_map(|n| n.to_string())
        })
        .unwrap_or_else(|| "宋体".to_string())
}

fn be16(b: &[u8], i: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(i..i + 2)?.try_into().ok()?))
}

fn be32(b: &[u8], i: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(i..i + 4)?.try_into().ok()?))
}

/// The tables of a single-font sfnt.
fn read_tables(sfnt: &[u8]) -> Result<BTreeMap<[u8; 4], Vec<u8>>> {
    let bad = || Error::Package("font subset: malformed table directory".into());
    let n = be16(sfnt, 4).ok_or_else(bad)? as usize;
    let mut out = BTreeMap::new();
    for i in 0..n {
        let rec = 12 + 16 * i;
        let tag: [u8; 4] = sfnt.get(rec..rec + 4).and_then(|t| t.try_into().ok()).ok_or_else(bad)?;
        let off = be32(sfnt, rec + 8).ok_or_else(bad)? as usize;
        let len = be32(sfnt, rec + 12).ok_or_else(bad)? as usize;
        out.insert(tag, sfnt.get(off..off + len).ok_or_else(bad)?.to_vec());
    }
    Ok(out)
}

fn checksum(data: &[u8]) -> u32 {
    data.chunks(4).fold(0u32, |sum, c| {
        let mut w = [0u8; 4];
        w[..c.len()].copy_from_slice(c);
        sum.wrapping_add(u32::from_be_bytes(w))
    })
}

/// An sfnt from its tables, sorted by tag, 4-byte aligned, with `head.checkSumAdjustment` set.
fn write_sfnt(version: [u8; 4], tables: &BTreeMap<[u8; 4], Vec<u8>>) -> Vec<u8> {
    let n = tables.len() as u16;
    let sel = 15 - n.max(1).leading_zeros() as u16; // floor(log2 n)
    let range = (1u16 << sel) * 16;
    let mut out = Vec::new();
    out.extend_from_slice(&version);
    for v in [n, range, sel, n * 16 - range] {
        out.extend_from_slice(&v.to_be_bytes());
    }
    let mut offset = 12 + 16 * tables.len();
    let mut head_at = None;
    let mut body = Vec::new();
    for (tag, data) in tables {
        let mut data = data.clone();
        if tag == b"head" && data.len() >= 12 {
            data[8..12].fill(0);
            head_at = Some(offset + 8);
        }
        out.extend_from_slice(tag);
        out.extend_from_slice(&checksum(&data).to_be_bytes());
        out.extend_from_slice(&(offset as u32).to_be_bytes());
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let padded = data.len().div_ceil(4) * 4;
        data.resize(padded, 0);
        offset += padded;
        body.extend_from_slice(&data);
    }
    out.extend_from_slice(&body);
    if let Some(at) = head_at {
        let adj = 0xB1B0_AFBAu32.wrapping_sub(checksum(&out));
        out[at..at + 4].copy_from_slice(&adj.to_be_bytes());
    }
    out
}

/// A `cmap` table: (3,1) format 4 for the BMP, and (3,10) format 12 when a character lies beyond.
fn cmap(map: &BTreeMap<u32, u16>) -> Vec<u8> {
    // Runs where both the code and the glyph go up by one share a segment / group.
    let mut runs: Vec<(u32, u32, u16)> = Vec::new(); // (first code, last code, first glyph)
    for (&c, &g) in map {
        match runs.last_mut() {
            Some((first, last, g0)) if c == *last + 1 && u32::from(g) == u32::from(*g0) + (c - *first) => *last = c,
            _ => runs.push((c, c, g)),
        }
    }
    let bmp: Vec<(u32, u32, u16)> = runs.iter().copied().filter(|r| r.1 <= 0xFFFF).collect();
    let mut f4 = Vec::new();
    let seg = bmp.len() + 1; // and the final 0xFFFF segment
    let sel = 15 - (seg as u16).leading_zeros() as u16;
    let range = (1u16 << sel) * 2;
    let len = 16 + 8 * seg;
    for v in [4u16, len as u16, 0, (seg * 2) as u16, range, sel, (seg * 2) as u16 - range] {
        f4.extend_from_slice(&v.to_be_bytes());
    }
    for r in &bmp {
        f4.extend_from_slice(&(r.1 as u16).to_be_bytes());
    }
    f4.extend_from_slice(&0xFFFFu16.to_be_bytes());
    f4.extend_from_slice(&0u16.to_be_bytes()); // reservedPad
    for r in &bmp {
        f4.extend_from_slice(&(r.0 as u16).to_be_bytes());
    }
    f4.extend_from_slice(&0xFFFFu16.to_be_bytes());
    for r in &bmp {
        f4.extend_from_slice(&r.2.wrapping_sub(r.0 as u16).to_be_bytes()); // idDelta, modulo 65536
    }
    f4.extend_from_slice(&1u16.to_be_bytes());
    for _ in 0..seg {
        f4.extend_from_slice(&0u16.to_be_bytes()); // idRangeOffset
    }
    let f12 = (runs.len() > bmp.len()).then(|| {
        let mut t = Vec::new();
        t.extend_from_slice(&12u16.to_be_bytes());
        t.extend_from_slice(&0u16.to_be_bytes());
        t.extend_from_slice(&((16 + 12 * runs.len()) as u32).to_be_bytes());
        t.extend_from_slice(&0u32.to_be_bytes());
        t.extend_from_slice(&(runs.len() as u32).to_be_bytes());
        for r in &runs {
            for v in [r.0, r.1, u32::from(r.2)] {
                t.extend_from_slice(&v.to_be_bytes());
            }
        }
        t
    });
    let subtables: Vec<(u16, Vec<u8>)> = std::iter::once((1, f4)).chain(f12.map(|t| (10, t))).collect();
    let mut out = Vec::new();
    out.extend_from_slice(&0u16.to_be_bytes());
    out.extend_from_slice(&(subtables.len() as u16).to_be_bytes());
    let mut offset = 4 + 8 * subtables.len();
    for (encoding, t) in &subtables {
        out.extend_from_slice(&3u16.to_be_bytes());
        out.extend_from_slice(&encoding.to_be_bytes());
        out.extend_from_slice(&(offset as u32).to_be_bytes());
        offset += t.len();
    }
    for (_, t) in subtables {
        out.extend_from_slice(&t);
    }
    out
}
