//! Rendering PDF pages to PNG for the signing page, where a signer on a phone sees each page of
//! the contract as a picture the service made itself: no viewer in the browser, no system library
//! on the server. The rasterizer is hayro (pure Rust, `forbid(unsafe_code)`), drawing with
//! vello_cpu on one thread.
//!
//! What is drawn: the page's content (inside its crop box, rotated by `/Rotate` as a viewer shows
//! it) and the normal appearances of its annotations, so a signature widget shows its seal
//! picture; on white. Embedded fonts are used as they are (yinxin's own PDFs embed a subset of the
//! document face); the 14 standard fonts, never embedded, get hayro's built-in substitutes; a
//! Chinese font left out of the file (Adobe-GB1 or -CNS1, such as iText's `STSong-Light`) gets
//! yinxin's CJK face ([`yinxin_seal::font::CjkFont::find`]), so its text is not lost.
//!
//! What it does not do: open a PDF encrypted with a user password; keep anything between calls
//! (each call parses the file again); extract text; judge signatures (that is
//! [`super::verify`]). hayro 0.9 draws most files but lacks knockout groups and some blend and
//! isolation details, so a page can differ from Acrobat's in those.
//!
//! Hostile files. What a caller controls is bounded: the file's size ([`MAX_PDF_BYTES`]), the
//! width asked for ([`MIN_WIDTH_PX`]..=[`MAX_WIDTH_PX`]) and the picture's area
//! ([`MAX_PIXELS`]). hayro itself inflates streams and allocates images with no limit, so before
//! drawing, every stream the page reaches is measured: an image may declare at most
//! [`MAX_IMAGE_PIXELS`], any other stream may inflate to at most
//! [`super::verify::MAX_STREAM_INFLATED`] (Flate is counted by inflating it into a small buffer;
//! other filters by their worst ratio). Still unbounded here, and left to the caller's process
//! and time limits: object streams (hayro inflates them while resolving objects, before they can
//! be measured), inline images, streams of encrypted files (measured encrypted), and the time a
//! page costs when forms draw forms many times over (hayro stops nesting at 50 levels but not the
//! fan-out). A panic in hayro, whose decoders still hold `unwrap`s a crafted file can reach, is
//! caught and becomes an [`Error`]; the process's panic hook still prints it. A stack overflow or
//! an allocation failure aborts the process and cannot be caught.

use super::verify::MAX_STREAM_INFLATED;
use crate::{Error, Result};
use hayro::hayro_interpret::font::{FontData, FontQuery};
use hayro::hayro_interpret::hayro_cmap::CidFamily;
use hayro::hayro_interpret::util::TransformExt;
use hayro::hayro_interpret::{FontResolverFn, InterpreterSettings};
use hayro::hayro_syntax::object::{Dict, MaybeRef, Name, Object, ObjectIdentifier, Stream};
use hayro::hayro_syntax::page::Page;
use hayro::hayro_syntax::{Filter, Pdf};
use hayro::kurbo::Affine;
use hayro::vello_cpu::color::palette::css::WHITE;
use hayro::vello_cpu::peniko::ImageAlphaType;
use hayro::vello_cpu::{Pixels, Pixmap, RasterizerSettings, RenderContext, Resources, TargetInit};
use hayro::{RenderCache, RenderSettings, render_into};
use std::collections::HashSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

/// Largest PDF rendered. The service takes request bodies of 16 MiB by default; a contract with
/// scanned annexes stays well under 64 MiB, and the file is copied once for the parser.
pub const MAX_PDF_BYTES: usize = 64 << 20;

/// Narrowest picture: smaller is useless on any screen.
pub const MIN_WIDTH_PX: u32 = 64;

/// Widest picture: a phone's screen at 3× density, or a desktop zoomed in.
pub const MAX_WIDTH_PX: u32 = 2400;

/// Most pixels in one picture (an A4 page at the widest width is 2400 × 3394): about 33 MB of
/// RGBA while drawing, whatever shape the page has.
pub const MAX_PIXELS: u64 = 2400 * 3400;

/// Most pixels one image of the file may declare. An A4 page scanned at 600 dpi has 35 million;
/// hayro decodes an image whole before scaling it, so a few bytes of JPEG header claiming
/// 65535 × 65535 would otherwise ask for 13 GB.
pub const MAX_IMAGE_PIXELS: u64 = 36_000_000;

/// Most bytes an image stream may inflate to: [`MAX_IMAGE_PIXELS`] at 16-bit CMYK.
const MAX_IMAGE_INFLATED: u64 = MAX_IMAGE_PIXELS * 8;

/// A page's size as a viewer shows it: the crop box (within the media box), turned by `/Rotate`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PageInfo {
    /// Width in points (1/72 inch).
    pub width_pt: f32,
    /// Height in points.
    pub height_pt: f32,
}

fn err(s: impl Into<String>) -> Error {
    Error::Package(s.into())
}

/// Run `f` on the parsed file, a panic in hayro becoming an error.
fn with_pdf<T>(pdf: &[u8], f: impl FnOnce(&Pdf) -> Result<T>) -> Result<T> {
    if pdf.len() > MAX_PDF_BYTES {
        return Err(err(format!("the PDF has {} bytes, more than the {MAX_PDF_BYTES} rendered", pdf.len())));
    }
    let bytes = pdf.to_vec();
    // Nothing that outlives the closure is touched inside it, so a panic leaves no state behind.
    catch_unwind(AssertUnwindSafe(move || {
        let parsed = Pdf::new(bytes).map_err(|e| err(format!("PDF does not parse: {e:?}")))?;
        f(&parsed)
    }))
    .unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Err(err(format!("the PDF rasterizer failed on this file: {what}")))
    })
}

/// The size of every page, in order, as a viewer shows it (see [`PageInfo`]).
pub fn page_sizes(pdf: &[u8]) -> Result<Vec<PageInfo>> {
    with_pdf(pdf, |p| {
        Ok(p.pages()
            .iter()
            .map(|page| {
                let (width_pt, height_pt) = page.render_dimensions();
                PageInfo { width_pt, height_pt }
            })
            .collect())
    })
}

/// Render page `page` (0-based) `width_px` pixels wide, its height following the page's aspect
/// ratio, on white, as an 8-bit RGB PNG. Refused: a file past [`MAX_PDF_BYTES`], a width outside
/// [`MIN_WIDTH_PX`]..=[`MAX_WIDTH_PX`], a picture past [`MAX_PIXELS`], a page that does not
/// exist, a file that does not parse, a stream past the bounds in the module's documentation,
/// and a panic inside hayro (caught with [`std::panic::catch_unwind`]).
pub fn render_page_png(pdf: &[u8], page: usize, width_px: u32) -> Result<Vec<u8>> {
    if !(MIN_WIDTH_PX..=MAX_WIDTH_PX).contains(&width_px) {
        return Err(err(format!("a width of {width_px} px is outside {MIN_WIDTH_PX}..={MAX_WIDTH_PX}")));
    }
    let pixmap = with_pdf(pdf, |p| {
        let pages = p.pages();
        let pg = pages
            .get(page)
            .ok_or_else(|| err(format!("no page {} (the file has {})", page.saturating_add(1), pages.len())))?;
        let (w_pt, h_pt) = pg.render_dimensions();
        let height_px = (f64::from(width_px) * f64::from(h_pt) / f64::from(w_pt)).round().max(1.0);
        // vello_cpu counts pixels in u16.
        if height_px > f64::from(u16::MAX) || u64::from(width_px) * height_px as u64 > MAX_PIXELS {
            return Err(err(format!(
                "a {w_pt} × {h_pt} pt page at {width_px} px wide is {height_px} px high: more than \
                 {MAX_PIXELS} pixels"
            )));
        }
        check_streams(pg)?;
        Ok(draw(pg, width_px as u16, height_px as u16))
    })?;
    encode_png(pixmap)
}

/// Draw the page into a picture of exactly `width` × `height` (`hayro::render` truncates a
/// scaled size, which can lose the last column).
fn draw(page: &Page<'_>, width: u16, height: u16) -> Pixmap {
    let (w_pt, h_pt) = page.render_dimensions();
    let scale = Affine::scale_non_uniform(f64::from(width) / f64::from(w_pt), f64::from(height) / f64::from(h_pt));
    let transform = scale * page.initial_transform(true).to_kurbo();
    let settings = InterpreterSettings { font_resolver: font_resolver(), ..Default::default() };
    let cache = RenderCache::new();
    let mut ctx = RenderContext::new(width, height);
    render_into(page, &cache, &settings, &RenderSettings::default(), &mut ctx, transform);
    ctx.flush();
    let mut pixmap = Pixmap::new(width, height);
    ctx.render_with(
        &mut pixmap,
        &mut Resources::default(),
        RasterizerSettings { target_init: TargetInit::Clear(WHITE), ..Default::default() },
    );
    pixmap
}

/// The picture as RGB: the background is opaque, so alpha carries nothing. Should a pixel be
/// left partly transparent, it is put on white. vello does the conversion: its crate is built
/// optimised in every profile, and a per-pixel loop here took 180 ms an A4 page in debug builds.
fn encode_png(mut pixmap: Pixmap) -> Result<Vec<u8>> {
    let (width, height) = (u32::from(pixmap.width()), u32::from(pixmap.height()));
    pixmap.recompute_may_have_transparency();
    let rgb = match pixmap.try_take_rgb8(ImageAlphaType::AlphaPremultiplied) {
        Pixels::Rgb8(rgb) => rgb,
        // Premultiplied, so over white each channel gains what alpha leaves uncovered.
        Pixels::Rgba8(rgba) => rgba
            .chunks_exact(4)
            .flat_map(|p| {
                let under = 255 - p[3];
                [p[0].saturating_add(under), p[1].saturating_add(under), p[2].saturating_add(under)]
            })
            .collect(),
    };
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, width, height);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    // Pages are mostly flat white, which the fast setting already compresses a hundredfold.
    enc.set_compression(png::Compression::Fast);
    let mut w = enc.write_header().map_err(|e| err(format!("PNG: {e}")))?;
    w.write_image_data(&rgb).map_err(|e| err(format!("PNG: {e}")))?;
    w.finish().map_err(|e| err(format!("PNG: {e}")))?;
    Ok(out)
}

/// Fonts a file names but does not carry: hayro's substitutes for the standard 14, yinxin's CJK
/// face for Chinese character collections (hayro maps their codes through Unicode, which the
/// face covers), a standard substitute for the rest.
fn font_resolver() -> FontResolverFn {
    /// The face's bytes without copying them (a system TTC is tens of megabytes).
    struct Face(yinxin_seal::font::CjkFont);
    impl AsRef<[u8]> for Face {
        fn as_ref(&self) -> &[u8] {
            self.0.data()
        }
    }
    Arc::new(|query| match query {
        FontQuery::Standard(s) => Some(s.get_font_data()),
        FontQuery::Fallback(f) => {
            let chinese = f
                .character_collection
                .as_ref()
                .is_some_and(|cc| matches!(cc.family, CidFamily::AdobeGB1 | CidFamily::AdobeCNS1));
            if chinese && let Ok(face) = yinxin_seal::font::CjkFont::find() {
                let index = face.index();
                return Some((Arc::new(Face(face)) as FontData, index));
            }
            Some(f.pick_standard_font().get_font_data())
        }
    })
}

/// Keys not followed when collecting what a page draws: they lead up the page or field tree, or
/// to other pages (link destinations, actions, article beads).
const NOT_DRAWN: &[&[u8]] = &[b"Parent", b"P", b"Dest", b"A", b"AA", b"PA", b"B", b"Prev", b"Next", b"Thumb"];

/// Measure every stream the page reaches: its contents, resources (those inherited from the page
/// tree included) and annotations, each indirect object once, so the walk is linear in the file.
fn check_streams(page: &Page<'_>) -> Result<()> {
    let xref = page.xref();
    let mut seen: HashSet<ObjectIdentifier> = HashSet::new();
    let mut todo: Vec<Object<'_>> = vec![Object::Dict(page.raw().clone())];
    if let Some(id) = page.raw().obj_id() {
        seen.insert(id);
    }
    // Resources inherited from the page tree: followed up a bounded number of levels, since the
    // walk does not go up /Parent.
    let mut up = page.raw().get::<Dict<'_>>(b"Parent");
    for _ in 0..64 {
        let Some(node) = up else { break };
        if let Some(r) = node.get_raw::<Object<'_>>(b"Resources") {
            follow(r, xref, &mut seen, &mut todo);
        }
        up = node.get::<Dict<'_>>(b"Parent");
    }
    while let Some(obj) = todo.pop() {
        let dict = match obj {
            Object::Dict(d) => d,
            Object::Stream(s) => {
                check_stream(&s)?;
                s.dict().clone()
            }
            Object::Array(a) => {
                for item in a.raw_iter() {
                    follow(item, xref, &mut seen, &mut todo);
                }
                continue;
            }
            _ => continue,
        };
        for (key, item) in dict.entries() {
            if !NOT_DRAWN.contains(&key.as_ref()) {
                follow(item, xref, &mut seen, &mut todo);
            }
        }
    }
    Ok(())
}

fn follow<'a>(
    item: MaybeRef<Object<'a>>,
    xref: &'a hayro::hayro_syntax::xref::XRef,
    seen: &mut HashSet<ObjectIdentifier>,
    todo: &mut Vec<Object<'a>>,
) {
    match item {
        MaybeRef::Ref(r) => {
            let id = ObjectIdentifier::from(r);
            if seen.insert(id)
                && let Some(o) = xref.get::<Object<'_>>(id)
            {
                todo.push(o);
            }
        }
        MaybeRef::NotRef(o) => todo.push(o),
    }
}

/// Refuse a stream that would make hayro allocate past the bounds: an image declaring more than
/// [`MAX_IMAGE_PIXELS`], or data inflating past its limit.
fn check_stream(s: &Stream<'_>) -> Result<()> {
    let d = s.dict();
    let image = d.get::<Name<'_>>(b"Subtype").as_deref() == Some(&b"Image"[..]);
    let limit = if image {
        let w = u64::from(d.get::<u32>(b"Width").unwrap_or(0));
        let h = u64::from(d.get::<u32>(b"Height").unwrap_or(0));
        if w * h > MAX_IMAGE_PIXELS {
            return Err(err(format!("an image of {w} × {h} pixels is more than the {MAX_IMAGE_PIXELS} drawn")));
        }
        MAX_IMAGE_INFLATED
    } else {
        MAX_STREAM_INFLATED as u64
    };
    let raw = s.raw_data();
    let mut size = raw.len() as u64;
    for (i, filter) in s.filters().iter().enumerate() {
        size = match filter {
            Filter::Crypt => size,
            // The first decoding step reads the stored bytes, which can be inflated here exactly.
            Filter::FlateDecode if i == 0 => inflated_len(&raw, limit),
            // Worst expansions: deflate 1032:1; LZW a 4096-byte string per 9-bit code; run
            // length 128 bytes per 2; ASCII85 four zero bytes per `z`.
            Filter::FlateDecode => size.saturating_mul(1032),
            Filter::LzwDecode => size.saturating_mul(3641),
            Filter::RunLengthDecode => size.saturating_mul(64),
            Filter::Ascii85Decode => size.saturating_mul(4),
            Filter::AsciiHexDecode => size / 2 + 1,
            // Image codecs: their output is the image's declared size, checked above.
            Filter::DctDecode | Filter::JpxDecode | Filter::Jbig2Decode | Filter::CcittFaxDecode => 0,
        };
        if size > limit {
            return Err(err(format!("a stream decodes to more than {limit} bytes")));
        }
    }
    Ok(())
}

/// How many bytes `data` inflates to, counting past `limit` only far enough to know. Mirrors
/// hayro's reading: a zlib header is skipped when it is valid, the checksum is not required, and
/// whatever inflates before an error counts.
fn inflated_len(data: &[u8], limit: u64) -> u64 {
    use miniz_oxide::inflate::stream::{InflateState, inflate};
    use miniz_oxide::{DataFormat, MZFlush, MZStatus};
    let body = match data {
        [cmf, flg, rest @ ..]
            if cmf & 0x0f == 8 && (u16::from(*cmf) << 8 | u16::from(*flg)) % 31 == 0 && flg & 0x20 == 0 =>
        {
            rest
        }
        _ => data,
    };
    let mut state = InflateState::new_boxed(DataFormat::Raw);
    let mut out = vec![0; 64 << 10];
    let mut input = body;
    let mut total = 0u64;
    loop {
        let r = inflate(&mut state, input, &mut out, MZFlush::None);
        input = input.get(r.bytes_consumed..).unwrap_or_default();
        total += r.bytes_written as u64;
        let progress = r.bytes_consumed > 0 || r.bytes_written > 0;
        if total > limit || !progress || !matches!(r.status, Ok(MZStatus::Ok)) {
            return total;
        }
    }
}
