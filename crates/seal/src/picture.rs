//! Seal pictures: rendering the red seals yinxin makes, and checking pictures that are uploaded.
//!
//! Shapes, after the practice for official seals (国务院关于国家行政机关和企业事业单位社会团体印章
//! 管理的规定; GA 241 describes the physical seals): a **round** seal for organisations — a red ring,
//! the organisation's name set along the upper arc, a five-pointed star in the centre, the seal's
//! purpose (e.g. 合同专用章) along the bottom; an **oval** or **square** seal for persons. Text is
//! set in a Song (宋体) face, as the rules ask: Noto Serif CJK SC (SIL OFL 1.1), compiled in or
//! from the system, or another face `YINXIN_SEAL_FONT` chooses ([`crate::font`]). Glyphs are drawn as vector outlines (so rotated characters stay sharp) into a
//! transparent RGBA PNG of about 42 mm at 300 dpi, with the pHYs chunk saying so.

use crate::{Error, Result};
use ab_glyph::OutlineCurve;
use tiny_skia::{Color, FillRule, Paint, PathBuilder, Pixmap, Stroke, Transform};

/// Seal red (朱红), as sRGB.
pub const SEAL_RED: (u8, u8, u8) = (0xE6, 0x00, 0x12);
/// Dots per inch of rendered pictures.
pub const DPI: f32 = 300.0;

/// The face seal text is set in: the document face ([`crate::font::CjkFont`]).
pub use crate::font::CjkFont as SealFont;

fn require(font: &SealFont, text: &str) -> Result<()> {
    let m = font.missing(text);
    if m.is_empty() {
        Ok(())
    } else {
        Err(Error::Picture(format!("font {} has no glyph for {:?}", font.source(), m.iter().collect::<String>())))
    }
}

/// The glyph's outline as a path in font units (y up), and its advance.
fn glyph(font: &SealFont, c: char) -> (Option<tiny_skia::Path>, f32) {
    let f = font.font();
    let id = f.glyph_id(c);
    let adv = f.h_advance_unscaled(id);
    let Some(outline) = f.outline(id) else { return (None, adv) };
    let mut pb = PathBuilder::new();
    let mut last: Option<ab_glyph::Point> = None;
    for curve in &outline.curves {
        let (start, end) = match curve {
            OutlineCurve::Line(a, b) | OutlineCurve::Quad(a, _, b) | OutlineCurve::Cubic(a, _, _, b) => (*a, *b),
        };
        if last.is_none_or(|l| l != start) {
            if last.is_some() {
                pb.close();
            }
            pb.move_to(start.x, start.y);
        }
        match curve {
            OutlineCurve::Line(_, b) => pb.line_to(b.x, b.y),
            OutlineCurve::Quad(_, c, b) => pb.quad_to(c.x, c.y, b.x, b.y),
            OutlineCurve::Cubic(_, c1, c2, b) => pb.cubic_to(c1.x, c1.y, c2.x, c2.y, b.x, b.y),
        }
        last = Some(end);
    }
    pb.close();
    (pb.finish(), adv)
}

/// The shape of a seal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Organisations: ring, name on the arc, star, purpose at the bottom.
    Round,
    /// Persons: an oval with the name across.
    Oval,
    /// Persons: a square with the name in two columns, read right to left.
    Square,
}

/// What to draw.
#[derive(Debug, Clone)]
pub struct PictureSpec<'a> {
    /// The shape.
    pub shape: Shape,
    /// The organisation's or person's name.
    pub name: &'a str,
    /// The purpose along the bottom (round seals), e.g. 合同专用章; empty for none.
    pub purpose: &'a str,
    /// Diameter (round) or width (oval, square) in millimetres.
    pub size_mm: f32,
}

impl PictureSpec<'_> {
    /// The picture's size in millimetres (width, height), for `SES_ESPictrueInfo`.
    pub fn size_mm(&self) -> (i64, i64) {
        let w = self.size_mm.round() as i64;
        match self.shape {
            Shape::Oval => (w, (self.size_mm * 0.66).round() as i64),
            _ => (w, w),
        }
    }
}

fn paint() -> Paint<'static> {
    let mut p = Paint::default();
    p.set_color(Color::from_rgba8(SEAL_RED.0, SEAL_RED.1, SEAL_RED.2, 255));
    p.anti_alias = true;
    p
}

fn mm_to_px(mm: f32) -> u32 {
    (mm / 25.4 * DPI).round() as u32
}

/// Render a seal picture as PNG.
pub fn render(spec: &PictureSpec<'_>, font: &SealFont) -> Result<Vec<u8>> {
    if spec.name.trim().is_empty() {
        return Err(Error::Picture("the seal needs a name to draw".into()));
    }
    if !(10.0..=80.0).contains(&spec.size_mm) {
        return Err(Error::Picture(format!("{} mm is outside 10–80 mm", spec.size_mm)));
    }
    require(font, spec.name)?;
    require(font, spec.purpose)?;
    let (wmm, hmm) = spec.size_mm();
    let (w, h) = (mm_to_px(wmm as f32), mm_to_px(hmm as f32));
    let mut pm = Pixmap::new(w, h).ok_or_else(|| Error::Picture("picture size".into()))?;
    match spec.shape {
        Shape::Round => draw_round(&mut pm, spec, font),
        Shape::Oval => draw_oval(&mut pm, spec, font),
        Shape::Square => draw_square(&mut pm, spec, font),
    }
    encode_png(&pm)
}

/// Draw `c` with its baseline centre at the origin of `t`, `px` high (em size), squeezed in x by
/// `squeeze` as seal lettering is.
fn draw_char(pm: &mut Pixmap, font: &SealFont, c: char, px: f32, squeeze: f32, t: Transform) {
    let (path, adv) = glyph(font, c);
    let s = px / font.units_per_em();
    if let Some(path) = path {
        let t = t.pre_scale(s * squeeze, -s).pre_translate(-adv / 2.0, 0.0);
        pm.fill_path(&path, &paint(), FillRule::Winding, t, None);
    }
}

fn draw_round(pm: &mut Pixmap, spec: &PictureSpec<'_>, font: &SealFont) {
    let size = pm.width() as f32;
    let c = size / 2.0;
    let ring = size * 0.035;
    let r = size / 2.0 - ring / 2.0 - size * 0.01;
    if let Some(circle) = PathBuilder::from_circle(c, c, r) {
        pm.stroke_path(&circle, &paint(), &Stroke { width: ring, ..Stroke::default() }, Transform::identity(), None);
    }
    // The star.
    let star_r = size * 0.155;
    let mut pb = PathBuilder::new();
    for i in 0..10 {
        let rr = if i % 2 == 0 { star_r } else { star_r * 0.382 };
        let a = -std::f32::consts::FRAC_PI_2 + i as f32 * std::f32::consts::PI / 5.0;
        let (x, y) = (c + rr * a.cos(), c + rr * a.sin());
        if i == 0 { pb.move_to(x, y) } else { pb.line_to(x, y) }
    }
    pb.close();
    if let Some(star) = pb.finish() {
        pm.fill_path(&star, &paint(), FillRule::Winding, Transform::identity(), None);
    }
    // The name along the upper arc, glyphs upright towards the centre, spread over at most 250°.
    let chars: Vec<char> = spec.name.chars().filter(|c| !c.is_whitespace()).collect();
    let n = chars.len() as f32;
    let mut px = size * 0.15;
    let max_span = 250f32.to_radians();
    let text_r = |px: f32| r - ring / 2.0 - size * 0.025 - px * 0.88;
    // Shrink the type until the characters fit the arc with a little space between them.
    while px > size * 0.06 && n * px * 1.02 > max_span * text_r(px) {
        px *= 0.95;
    }
    let rt = text_r(px);
    let pitch = ((px * 1.08) / rt).min(if n > 1.0 { max_span / (n - 1.0) } else { 0.0 });
    let start = -pitch * (n - 1.0) / 2.0;
    for (i, ch) in chars.iter().enumerate() {
        let a = start + pitch * i as f32;
        let t = Transform::from_translate(c, c).pre_rotate(a.to_degrees()).pre_translate(0.0, -rt);
        draw_char(pm, font, *ch, px, 0.82, t);
    }
    // The purpose along the bottom.
    let purpose: Vec<char> = spec.purpose.chars().filter(|c| !c.is_whitespace()).collect();
    if !purpose.is_empty() {
        let ppx = (size * 0.09).min(size * 0.58 / purpose.len() as f32);
        let y = c + size * 0.30;
        let step = ppx * 0.95;
        let x0 = c - step * (purpose.len() as f32 - 1.0) / 2.0;
        for (i, ch) in purpose.iter().enumerate() {
            draw_char(pm, font, *ch, ppx, 0.9, Transform::from_translate(x0 + step * i as f32, y));
        }
    }
}

fn draw_oval(pm: &mut Pixmap, spec: &PictureSpec<'_>, font: &SealFont) {
    let (w, h) = (pm.width() as f32, pm.height() as f32);
    let ring = h * 0.045;
    if let Some(oval) =
        tiny_skia::Rect::from_xywh(ring, ring, w - 2.0 * ring, h - 2.0 * ring).and_then(PathBuilder::from_oval)
    {
        pm.stroke_path(&oval, &paint(), &Stroke { width: ring, ..Stroke::default() }, Transform::identity(), None);
    }
    let chars: Vec<char> = spec.name.chars().filter(|c| !c.is_whitespace()).collect();
    let px = (h * 0.42).min(w * 0.7 / chars.len() as f32);
    let step = px * 0.95;
    let x0 = w / 2.0 - step * (chars.len() as f32 - 1.0) / 2.0;
    for (i, ch) in chars.iter().enumerate() {
        draw_char(pm, font, *ch, px, 0.9, Transform::from_translate(x0 + step * i as f32, h / 2.0 + px * 0.36));
    }
}

fn draw_square(pm: &mut Pixmap, spec: &PictureSpec<'_>, font: &SealFont) {
    let s = pm.width() as f32;
    let ring = s * 0.05;
    if let Some(rect) = tiny_skia::Rect::from_xywh(ring, ring, s - 2.0 * ring, s - 2.0 * ring) {
        let path = PathBuilder::from_rect(rect);
        pm.stroke_path(&path, &paint(), &Stroke { width: ring, ..Stroke::default() }, Transform::identity(), None);
    }
    // Two columns read right to left, top to bottom (a three-character name gets 印 added, as
    // personal seals do: 张三之印 style is the holder's choice, so only pad with 印 when odd).
    let mut chars: Vec<char> = spec.name.chars().filter(|c| !c.is_whitespace()).collect();
    if chars.len() % 2 == 1 && font.missing("印").is_empty() {
        chars.push('印');
    }
    let rows = chars.len().div_ceil(2).max(1) as f32;
    let inner = s - 4.0 * ring;
    let cell_h = inner / rows;
    let px = (cell_h * 0.95).min(inner / 2.0 * 0.95);
    for (i, ch) in chars.iter().enumerate() {
        let col = i as f32 / rows; // 0 for the right column, 1 for the left
        let col = col.floor();
        let row = (i as f32) % rows;
        let x = s / 2.0 + if col == 0.0 { inner / 4.0 } else { -inner / 4.0 };
        let y = 2.0 * ring + cell_h * row + cell_h * 0.5 + px * 0.36;
        draw_char(pm, font, *ch, px, 0.9, Transform::from_translate(x, y));
    }
}

/// PNG with 300 dpi recorded in pHYs, RGBA, straight alpha.
fn encode_png(pm: &Pixmap) -> Result<Vec<u8>> {
    let mut rgba = Vec::with_capacity(pm.data().len());
    for p in pm.pixels() {
        let c = p.demultiply();
        rgba.extend_from_slice(&[c.red(), c.green(), c.blue(), c.alpha()]);
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, pm.width(), pm.height());
        enc.set_color(png::ColorType::Rgba);
        enc.set_depth(png::BitDepth::Eight);
        let ppm = (DPI / 0.0254).round() as u32;
        enc.set_pixel_dims(Some(png::PixelDimensions { xppu: ppm, yppu: ppm, unit: png::Unit::Meter }));
        let mut w = enc.write_header().map_err(|e| Error::Picture(e.to_string()))?;
        w.write_image_data(&rgba).map_err(|e| Error::Picture(e.to_string()))?;
    }
    Ok(out)
}

/// What an uploaded picture is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PictureInfo {
    /// Format name for `SES_ESPictrueInfo.type`.
    pub format: &'static str,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// Largest uploaded picture.
pub const MAX_UPLOAD: usize = 2 << 20;

/// Check an uploaded seal picture (PNG, JPEG or GIF) by its content, not its name: format, byte
/// size (≤ 2 MiB) and dimensions (64–4096 px a side).
pub fn check_upload(bytes: &[u8]) -> Result<PictureInfo> {
    if bytes.len() > MAX_UPLOAD {
        return Err(Error::Picture(format!("{} bytes exceeds the {MAX_UPLOAD}-byte limit", bytes.len())));
    }
    let be16 = |b: &[u8], i: usize| b.get(i..i + 2).map(|x| u32::from(u16::from_be_bytes([x[0], x[1]])));
    let info = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        let w = bytes.get(16..20).map(|x| u32::from_be_bytes([x[0], x[1], x[2], x[3]]));
        let h = bytes.get(20..24).map(|x| u32::from_be_bytes([x[0], x[1], x[2], x[3]]));
        if bytes.get(12..16) != Some(b"IHDR") {
            return Err(Error::Picture("PNG without IHDR".into()));
        }
        // Decode fully: a truncated or corrupt PNG is refused here, not in a viewer later.
        let dec = png::Decoder::new(std::io::Cursor::new(bytes));
        let mut reader = dec.read_info().map_err(|e| Error::Picture(format!("PNG: {e}")))?;
        let mut buf = vec![0; reader.output_buffer_size().ok_or_else(|| Error::Picture("PNG too large".into()))?];
        reader.next_frame(&mut buf).map_err(|e| Error::Picture(format!("PNG: {e}")))?;
        PictureInfo { format: "PNG", width: w.unwrap_or(0), height: h.unwrap_or(0) }
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        // Walk the markers to the first SOFn.
        let mut i = 2;
        let mut dims = None;
        while i + 4 <= bytes.len() {
            if bytes[i] != 0xff {
                return Err(Error::Picture("JPEG marker expected".into()));
            }
            let m = bytes[i + 1];
            let len = be16(bytes, i + 2).ok_or_else(|| Error::Picture("truncated JPEG".into()))? as usize;
            if matches!(m, 0xc0..=0xcf) && !matches!(m, 0xc4 | 0xc8 | 0xcc) {
                dims = be16(bytes, i + 7).zip(be16(bytes, i + 5));
                break;
            }
            i += 2 + len;
        }
        let (w, h) = dims.ok_or_else(|| Error::Picture("JPEG without a frame header (truncated?)".into()))?;
        if !bytes.ends_with(&[0xff, 0xd9]) {
            return Err(Error::Picture("JPEG is truncated (no end marker)".into()));
        }
        PictureInfo { format: "JPG", width: w, height: h }
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        let w = bytes.get(6..8).map(|x| u32::from(u16::from_le_bytes([x[0], x[1]]))).unwrap_or(0);
        let h = bytes.get(8..10).map(|x| u32::from(u16::from_le_bytes([x[0], x[1]]))).unwrap_or(0);
        if bytes.last() != Some(&0x3b) {
            return Err(Error::Picture("GIF is truncated (no trailer)".into()));
        }
        PictureInfo { format: "GIF", width: w, height: h }
    } else {
        return Err(Error::Picture("not a PNG, JPEG or GIF image".into()));
    };
    if !(64..=4096).contains(&info.width) || !(64..=4096).contains(&info.height) {
        return Err(Error::Picture(format!("{}×{} px is outside 64–4096 px a side", info.width, info.height)));
    }
    Ok(info)
}

/// A line of a [`text_panel`].
#[derive(Debug, Clone)]
pub struct PanelLine {
    /// The text (characters the face lacks are drawn as nothing; check with
    /// [`SealFont::missing`] first when that matters).
    pub text: String,
    /// Height of the em in pixels.
    pub px: f32,
    /// Bold-ish: drawn twice, offset by a fraction of a pixel.
    pub strong: bool,
}

/// A page of text as a PNG (white background, dark ink): `lines` set from the top-left with a
/// margin, each wrapped at the panel's width, for documents that carry a page as a picture (the
/// signing report an envelope's closing seal shows). Lines past the bottom are cut and the last
/// visible line says so.
pub fn text_panel(lines: &[PanelLine], width: u32, height: u32, font: &SealFont) -> Result<Vec<u8>> {
    if !(64..=4096).contains(&width) || !(64..=6000).contains(&height) {
        return Err(Error::Picture(format!("a text panel of {width}×{height} px is out of bounds")));
    }
    let mut pm = Pixmap::new(width, height).ok_or_else(|| Error::Picture("cannot allocate the panel".into()))?;
    pm.fill(Color::WHITE);
    let margin = width as f32 * 0.06;
    let right = width as f32 - margin;
    let mut y = margin;
    let mut ink = Paint::default();
    ink.set_color_rgba8(0x1a, 0x1a, 0x1a, 0xff);
    ink.anti_alias = true;
    'lines: for line in lines {
        let s = line.px / font.units_per_em();
        let mut x = margin;
        y += line.px * 1.15;
        for c in line.text.chars() {
            let (path, adv) = glyph(font, c);
            let w = adv * s;
            if x + w > right {
                x = margin;
                y += line.px * 1.35;
            }
            if y > height as f32 - margin {
                break 'lines;
            }
            if let Some(path) = &path {
                let t = Transform::from_translate(x, y).pre_scale(s, -s);
                pm.fill_path(path, &ink, FillRule::Winding, t, None);
                if line.strong {
                    pm.fill_path(path, &ink, FillRule::Winding, t.post_translate(line.px * 0.03, 0.0), None);
                }
            }
            x += w;
        }
        y += line.px * 0.45;
    }
    encode_png(&pm)
}
