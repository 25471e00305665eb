//! Signing a PDF (ISO 32000-1 §12.8) as an incremental update: the original bytes stay as they
//! are; appended are a signature dictionary whose /Contents holds GB/T 35275 SM2 signed data
//! (made by the caller's closure over the /ByteRange bytes — the whole file but the /Contents
//! hole), a signature field with a visible widget showing the seal picture, and new versions of
//! the page (with the widget in /Annots) and of the catalog (with /AcroForm). A second signature
//! appends another update, leaving the first one's bytes — and so its validity — untouched.

use super::render::{deflate, pt};
use crate::{Error, Result};
use lopdf::{Dictionary, Object, ObjectId};
use std::io::Write;
use std::sync::{Arc, Mutex};

/// Bytes reserved for the signed data in /Contents (hex doubles it).
pub const CONTENTS_RESERVED: usize = 16 * 1024;

/// Where the visible signature goes and what it shows.
#[derive(Debug, Clone)]
pub struct Appearance {
    /// Page (0-based).
    pub page: usize,
    /// Left, top, width, height in mm from the page's top-left corner.
    pub rect_mm: (f64, f64, f64, f64),
    /// The seal picture (PNG with transparency), or none for an invisible widget.
    pub png: Option<Vec<u8>>,
}

/// A seal picture as PDF image streams: the colour and the alpha (soft mask), each deflated.
struct SealImage {
    width: u32,
    height: u32,
    rgb_z: Vec<u8>,
    alpha_z: Vec<u8>,
}

/// Decode the seal's PNG and deflate its planes, remembering the last few pictures: a department
/// seals thousands of documents with the same seal, and compressing its picture was most of the
/// time a PDF signature took.
fn seal_image(png_bytes: &[u8]) -> Result<Arc<SealImage>> {
    const KEEP: usize = 32;
    static CACHE: Mutex<Vec<([u8; 32], Arc<SealImage>)>> = Mutex::new(Vec::new());
    let key = yinxin_gm::sm3::sm3(png_bytes).0;
    if let Some((_, img)) = CACHE.lock().unwrap_or_else(|p| p.into_inner()).iter().find(|(k, _)| *k == key) {
        return Ok(img.clone());
    }
    let mut r = png::Decoder::new(std::io::Cursor::new(png_bytes))
        .read_info()
        .map_err(|e| err(format!("seal picture: {e}")))?;
    let mut buf = vec![0; r.output_buffer_size().ok_or_else(|| err("seal picture too large"))?];
    let info = r.next_frame(&mut buf).map_err(|e| err(format!("seal picture: {e}")))?;
    if info.color_type != png::ColorType::Rgba || info.bit_depth != png::BitDepth::Eight {
        return Err(err("seal picture must be 8-bit RGBA PNG"));
    }
    let rgb: Vec<u8> = buf.chunks(4).flat_map(|p| [p[0], p[1], p[2]]).collect();
    let alpha: Vec<u8> = buf.chunks(4).map(|p| p[3]).collect();
    let img =
        Arc::new(SealImage { width: info.width, height: info.height, rgb_z: deflate(&rgb), alpha_z: deflate(&alpha) });
    let mut cache = CACHE.lock().unwrap_or_else(|p| p.into_inner());
    if cache.len() >= KEEP {
        cache.remove(0);
    }
    cache.push((key, img.clone()));
    Ok(img)
}

fn err(s: impl Into<String>) -> Error {
    Error::Package(s.into())
}

/// Serialise a PDF object (dictionaries, arrays and scalars; streams are not rewritten here).
pub fn write_object(o: &Object, out: &mut Vec<u8>) {
    match o {
        Object::Null => out.extend_from_slice(b"null"),
        Object::Boolean(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Object::Integer(i) => out.extend_from_slice(i.to_string().as_bytes()),
        Object::Real(r) => out.extend_from_slice(format!("{r}").as_bytes()),
        Object::Name(n) => {
            out.push(b'/');
            for b in n {
                if b.is_ascii_alphanumeric() || b"-_.+".contains(b) {
                    out.push(*b);
                } else {
                    out.extend_from_slice(format!("#{b:02X}").as_bytes());
                }
            }
        }
        Object::String(s, _) => {
            out.push(b'<');
            out.extend_from_slice(hex_upper(s).as_bytes());
            out.push(b'>');
        }
        Object::Array(a) => {
            out.push(b'[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(b' ');
                }
                write_object(x, out);
            }
            out.push(b']');
        }
        Object::Dictionary(d) => write_dict(d, out),
        Object::Stream(s) => write_dict(&s.dict, out),
        Object::Reference((n, g)) => out.extend_from_slice(format!("{n} {g} R").as_bytes()),
    }
}

pub(crate) fn write_dict(d: &Dictionary, out: &mut Vec<u8>) {
    out.extend_from_slice(b"<<");
    for (k, v) in d.iter() {
        write_object(&Object::Name(k.clone()), out);
        out.push(b' ');
        write_object(v, out);
        out.push(b' ');
    }
    out.extend_from_slice(b">>");
}

pub(crate) fn hex_upper(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02X}")).collect()
}

/// The offset after the last `startxref`.
pub fn last_startxref(pdf: &[u8]) -> Result<usize> {
    let tail = &pdf[pdf.len().saturating_sub(2048)..];
    let pos = tail.windows(9).rposition(|w| w == b"startxref").ok_or_else(|| err("no startxref"))?;
    let num: String = tail[pos + 9..]
        .iter()
        .map(|b| *b as char)
        .skip_while(|c| c.is_whitespace())
        .take_while(|c| c.is_ascii_digit())
        .collect();
    num.parse().map_err(|_| err("startxref is not a number"))
}

/// An incremental update being written (ISO 32000-1 §7.5.6): the original bytes, then new
/// objects and new versions of changed ones, then a classic cross-reference section for them and
/// a trailer whose `/Prev` names the previous section. Shared by signing, validation data and
/// document time stamps.
pub(crate) struct Appender {
    /// The file so far.
    pub out: Vec<u8>,
    offsets: Vec<(ObjectId, usize)>,
    next: u32,
    prev: usize,
    /// The catalog.
    pub root: ObjectId,
    info: Option<ObjectId>,
}

impl Appender {
    /// Start an update of `pdf`, whose parsed form is `doc`.
    pub fn start(pdf: &[u8], doc: &lopdf::Document) -> Result<Self> {
        let prev = last_startxref(pdf)?;
        let root: ObjectId =
            doc.trailer.get(b"Root").and_then(Object::as_reference).map_err(|_| err("trailer has no /Root"))?;
        let info = doc.trailer.get(b"Info").and_then(Object::as_reference).ok();
        let mut out = pdf.to_vec();
        if !out.ends_with(b"\n") {
            out.push(b'\n');
        }
        Ok(Self { out, offsets: Vec::new(), next: doc.max_id + 1, prev, root, info })
    }

    /// A fresh object number.
    pub fn alloc(&mut self) -> ObjectId {
        let id = (self.next, 0u16);
        self.next += 1;
        id
    }

    /// Write object `id` with `body` (a dictionary, an array, or a stream's dictionary and data).
    pub fn put(&mut self, id: ObjectId, body: &[u8]) {
        self.offsets.push((id, self.out.len()));
        let _ = writeln!(self.out, "{} {} obj", id.0, id.1);
        self.out.extend_from_slice(body);
        self.out.extend_from_slice(b"\nendobj\n");
    }

    /// Write object `id` as a PDF object.
    pub fn put_object(&mut self, id: ObjectId, o: &Object) {
        let mut body = Vec::new();
        write_object(o, &mut body);
        self.put(id, &body);
    }

    /// Write a stream object holding `data` as is (no filter).
    pub fn put_stream(&mut self, id: ObjectId, data: &[u8]) {
        let mut body = format!("<</Length {}>>\nstream\n", data.len()).into_bytes();
        body.extend_from_slice(data);
        body.extend_from_slice(b"\nendstream");
        self.put(id, &body);
    }

    /// Where object `id` was written.
    pub fn offset_of(&self, id: ObjectId) -> Option<usize> {
        self.offsets.iter().find(|(i, _)| *i == id).map(|(_, o)| *o)
    }

    /// Write the cross-reference section and the trailer; the finished file.
    pub fn finish(mut self) -> Vec<u8> {
        let xref_at = self.out.len();
        self.offsets.sort();
        self.out.extend_from_slice(b"xref\n");
        for (id, off) in &self.offsets {
            let _ = write!(self.out, "{} 1\n{off:010} {:05} n \n", id.0, id.1);
        }
        let mut trailer = format!("trailer\n<</Size {} /Root {} 0 R /Prev {}", self.next, self.root.0, self.prev);
        if let Some(info) = self.info {
            trailer.push_str(&format!(" /Info {} 0 R", info.0));
        }
        trailer.push_str(&format!(">>\nstartxref\n{xref_at}\n%%EOF\n"));
        self.out.extend_from_slice(trailer.as_bytes());
        self.out
    }
}

/// The signature dictionary a new signature field gets.
pub(crate) struct SigDict<'a> {
    /// Its entries before `/ByteRange` (`/Type /Sig /Filter … /SubFilter …`).
    pub head: &'a [u8],
    /// Its entries after `/Contents` (`/M …`), each preceded by a space.
    pub tail: Vec<u8>,
    /// Bytes reserved for `/Contents` (hex doubles it).
    pub reserved: usize,
    /// What `/Contents` holds, for error messages ("signed data", "time-stamp token").
    pub what: &'a str,
    /// The field name's prefix (`Signature` gives `Signature1`, `Signature2`, …).
    pub field_prefix: &'a str,
    /// A handwritten signature's canonical bytes, embedded as a stream the signature dictionary
    /// names (`/YinxinHandwriting`), inside the revision the signature covers.
    pub handwriting: Option<&'a [u8]>,
    /// Lock the document with this signature (see [`SignatureOptions::lock`]).
    pub lock: bool,
}

/// What a signature carries besides its appearance.
#[derive(Debug, Clone, Copy, Default)]
pub struct SignatureOptions<'a> {
    /// The canonical bytes of a handwritten signature (`yinxin_sign::handwriting`), embedded in
    /// the signed revision; the signer's signed attributes carry their SM3
    /// (`yinxin_pki::oid::YINXIN_ATTR_HANDWRITING`), and the verifier checks one against the
    /// other.
    pub handwriting: Option<&'a [u8]>,
    /// Lock the document: no change is permitted after this signature. The signature dictionary
    /// gets a FieldMDP reference with /Action /All and /P 1, and the field a lock dictionary
    /// (/SigFieldLock, /Action /All, /P 1): ISO 32000-2 §12.8.2.4 and §12.7.5.5. Adding
    /// validation data and document time stamps stays allowed (ISO 32000-2 §12.8.4.3,
    /// §12.8.5).
    pub lock: bool,
    /// Why the document is signed (`/Reason`), e.g. 甲方签署.
    pub reason: Option<&'a str>,
}

/// A signature prepared in a PDF whose `/Contents` is still empty: the incremental update is
/// written and the `/ByteRange` fixed, so what the signature covers is known before the
/// signature exists. For signatures made over several messages (two-party signing); the bytes
/// can be stored between them and reopened with [`Prepared::reopen`].
#[derive(Debug, Clone)]
pub struct Prepared {
    bytes: Vec<u8>,
    /// The `<` of /Contents.
    hole_start: usize,
    /// One past its `>`.
    hole_end: usize,
}

impl Prepared {
    /// The PDF with the empty /Contents (to store between steps).
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The bytes the /ByteRange covers.
    pub fn covered(&self) -> Vec<u8> {
        [&self.bytes[..self.hole_start], &self.bytes[self.hole_end..]].concat()
    }

    /// SM3 of [`Prepared::covered`], without copying it.
    pub fn covered_sm3(&self) -> yinxin_gm::Sm3Digest {
        let mut h = yinxin_gm::sm3::Sm3Hasher::new();
        h.update(&self.bytes[..self.hole_start]).update(&self.bytes[self.hole_end..]);
        h.finalize()
    }

    /// Bytes reserved for the DER in /Contents.
    pub fn reserved(&self) -> usize {
        (self.hole_end - self.hole_start - 2) / 2
    }

    /// A stored prepared PDF again: its last signature dictionary must have a well-formed
    /// /ByteRange whose hole is an all-zero /Contents reaching the end of the file.
    pub fn reopen(bytes: Vec<u8>) -> Result<Prepared> {
        let bad = || err("not a prepared signature: the last /ByteRange and /Contents do not match");
        let at = bytes.windows(12).rposition(|w| w == b"/ByteRange [").ok_or_else(bad)?;
        let close = bytes[at..].iter().position(|b| *b == b']').ok_or_else(bad)? + at;
        let nums: Vec<usize> = std::str::from_utf8(&bytes[at + 12..close])
            .map_err(|_| bad())?
            .split_ascii_whitespace()
            .map(|n| n.parse().map_err(|_| bad()))
            .collect::<Result<_>>()?;
        let [0, b, c, len] = nums[..] else { return Err(bad()) };
        let zeros = bytes.get(b + 1..c.saturating_sub(1)).ok_or_else(bad)?;
        if c + len != bytes.len() || bytes[b] != b'<' || bytes[c - 1] != b'>' || zeros.iter().any(|z| *z != b'0') {
            return Err(bad());
        }
        Ok(Prepared { bytes, hole_start: b, hole_end: c })
    }

    /// Put `contents` (the DER signed data) into /Contents: the signed PDF.
    pub fn fill(mut self, contents: &[u8]) -> Result<Vec<u8>> {
        let reserved = self.reserved();
        if contents.len() > reserved {
            return Err(err(format!(
                "signed data of {} bytes exceeds the {reserved} reserved in /Contents",
                contents.len()
            )));
        }
        let hex = hex_upper(contents);
        self.bytes[self.hole_start + 1..self.hole_start + 1 + hex.len()].copy_from_slice(hex.as_bytes());
        Ok(self.bytes)
    }
}

/// Where a new signature field's widget goes.
pub(crate) enum Widget<'a> {
    /// On a page, showing a picture.
    Visible(&'a Appearance),
    /// Invisible (`/Rect [0 0 0 0]`, no appearance), on the given page (0-based).
    Invisible {
        /// The page.
        page: usize,
    },
}

/// Date string `D:YYYYMMDDHHmmSSZ` (ISO 32000-1 §7.9.4), in UTC.
pub(crate) fn pdf_date(now: time::OffsetDateTime) -> String {
    let t = now.to_offset(time::UtcOffset::UTC);
    format!(
        "D:{:04}{:02}{:02}{:02}{:02}{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Append a signature. `make_cms` receives the bytes the /ByteRange covers and returns the DER
/// signed data for /Contents.
pub fn sign(
    pdf: &[u8],
    appearance: &Appearance,
    name: &str,
    now: time::OffsetDateTime,
    make_cms: &dyn Fn(&[u8]) -> Result<Vec<u8>>,
) -> Result<Vec<u8>> {
    let p = prepare(pdf, appearance, name, now, &SignatureOptions::default())?;
    let contents = make_cms(&p.covered())?;
    p.fill(&contents)
}

/// Prepare a signature with `options` and leave its /Contents empty: the first step of a
/// signature made over several messages. [`Prepared::covered_sm3`] is the messageDigest its
/// signed attributes carry; [`Prepared::fill`] finishes it.
pub fn prepare(
    pdf: &[u8],
    appearance: &Appearance,
    name: &str,
    now: time::OffsetDateTime,
    options: &SignatureOptions<'_>,
) -> Result<Prepared> {
    let mut tail = Vec::new();
    tail.extend_from_slice(b" /M ");
    write_object(&Object::String(pdf_date(now).into_bytes(), lopdf::StringFormat::Literal), &mut tail);
    tail.extend_from_slice(b" /Name ");
    write_object(&Object::String(text_string(name), lopdf::StringFormat::Literal), &mut tail);
    if let Some(reason) = options.reason {
        tail.extend_from_slice(b" /Reason ");
        write_object(&Object::String(text_string(reason), lopdf::StringFormat::Literal), &mut tail);
    }
    if options.lock {
        tail.extend_from_slice(
            b" /Reference [<</Type /SigRef /TransformMethod /FieldMDP /TransformParams <</Type /TransformParams \
              /Action /All /P 1 /V /1.2>>>>]",
        );
    }
    let dict = SigDict {
        head: b"/Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached",
        tail,
        reserved: CONTENTS_RESERVED,
        what: "signed data",
        field_prefix: "Signature",
        handwriting: options.handwriting,
        lock: options.lock,
    };
    prepare_signature(pdf, &dict, Widget::Visible(appearance))
}

/// An [`Appearance`] rectangle (mm from the page's top-left corner) from a field given in PDF
/// points from the bottom-left corner of page `page` (0-based), as envelopes state their fields.
pub fn rect_mm_from_points(pdf: &[u8], page: usize, rect_pt: [f32; 4]) -> Result<(f64, f64, f64, f64)> {
    let doc = lopdf::Document::load_mem(pdf).map_err(|e| err(format!("PDF does not parse: {e}")))?;
    let id = *doc.get_pages().get(&(page as u32 + 1)).ok_or_else(|| err(format!("no page {}", page + 1)))?;
    let media = doc
        .get_dictionary(id)
        .and_then(|d| d.get(b"MediaBox"))
        .and_then(Object::as_array)
        .map_err(|_| err("page without a direct /MediaBox"))?;
    let page_h = media.get(3).and_then(|o| o.as_float().ok()).unwrap_or(842.0) as f64;
    let mm = |v: f64| v * 25.4 / 72.0;
    let [x, y, w, h] = rect_pt.map(f64::from);
    Ok((mm(x), mm(page_h - y - h), mm(w), mm(h)))
}

/// A PDF text string (ISO 32000-1 §7.9.2.2): PDFDocEncoding when the text is ASCII, else
/// UTF-16BE with its byte order mark, so Chinese names read right in every viewer.
fn text_string(s: &str) -> Vec<u8> {
    if s.is_ascii() {
        return s.as_bytes().to_vec();
    }
    let mut out = vec![0xfe, 0xff];
    for u in s.encode_utf16() {
        out.extend_from_slice(&u.to_be_bytes());
    }
    out
}

/// Append a signature field: the signature dictionary `dict` with fixed-width placeholders, its
/// field and widget (in the AcroForm's /Fields and the page's /Annots), new versions of the page,
/// the catalog or AcroForm; then patch /ByteRange and fill /Contents with what `make_contents`
/// returns for the bytes the /ByteRange covers.
pub(crate) fn append_signature(
    pdf: &[u8],
    dict: &SigDict<'_>,
    widget: Widget<'_>,
    make_contents: &dyn Fn(&[u8]) -> Result<Vec<u8>>,
) -> Result<Vec<u8>> {
    let p = prepare_signature(pdf, dict, widget)?;
    let contents = make_contents(&p.covered())?;
    if contents.len() > dict.reserved {
        return Err(err(format!(
            "{} of {} bytes exceeds the {} reserved in /Contents",
            dict.what,
            contents.len(),
            dict.reserved
        )));
    }
    p.fill(&contents)
}

/// [`append_signature`] up to the empty /Contents.
fn prepare_signature(pdf: &[u8], dict: &SigDict<'_>, widget: Widget<'_>) -> Result<Prepared> {
    let doc = lopdf::Document::load_mem(pdf).map_err(|e| err(format!("PDF does not parse: {e}")))?;
    let mut w = Appender::start(pdf, &doc)?;
    let root = w.root;
    let page_no = match &widget {
        Widget::Visible(a) => a.page,
        Widget::Invisible { page } => *page,
    };
    let pages = doc.get_pages();
    let page_id = *pages.get(&(page_no as u32 + 1)).ok_or_else(|| err(format!("no page {}", page_no + 1)))?;
    let page_dict = doc.get_dictionary(page_id).map_err(|e| err(e.to_string()))?.clone();

    let (sig_id, widget_id) = (w.alloc(), w.alloc());
    let mut tail = dict.tail.clone();
    if let Some(strokes) = dict.handwriting {
        let hw_id = w.alloc();
        let z = deflate(strokes);
        let mut o =
            format!("<</Type /YinxinHandwriting /Filter /FlateDecode /Length {}>>\nstream\n", z.len()).into_bytes();
        o.extend_from_slice(&z);
        o.extend_from_slice(b"\nendstream");
        w.put(hw_id, &o);
        tail.extend_from_slice(format!(" /YinxinHandwriting {} 0 R", hw_id.0).as_bytes());
    }
    let lock = if dict.lock { " /Lock <</Type /SigFieldLock /Action /All /P 1>>" } else { "" };

    // The signature dictionary, with fixed-width placeholders patched below.
    let mut sig = Vec::new();
    sig.extend_from_slice(b"<<");
    sig.extend_from_slice(dict.head);
    sig.extend_from_slice(b" /ByteRange [0 0000000000 0000000000 0000000000] /Contents <");
    sig.extend(std::iter::repeat_n(b'0', dict.reserved * 2));
    sig.extend_from_slice(b">");
    sig.extend_from_slice(&tail);
    sig.extend_from_slice(b">>");
    w.put(sig_id, &sig);

    // The field and its widget.
    let n_fields = doc
        .objects
        .values()
        .filter(|o| o.as_dict().ok().and_then(|d| d.get(b"FT").ok()).and_then(|f| f.as_name().ok()) == Some(b"Sig"))
        .count();
    let field_name = format!("{}{}", dict.field_prefix, n_fields + 1);
    let widget_body = match widget {
        Widget::Visible(appearance) => {
            let ap_id = w.alloc();
            let media = page_dict
                .get(b"MediaBox")
                .and_then(Object::as_array)
                .map_err(|_| err("page without a direct /MediaBox"))?;
            let page_h = media.get(3).and_then(|o| o.as_float().ok()).unwrap_or(842.0);
            // The appearance: the seal picture as an image with a soft mask.
            let (x, y, wmm, hmm) = appearance.rect_mm;
            let (wpt, hpt) = (pt(wmm), pt(hmm));
            let mut ap_res = String::new();
            let mut ap_content = String::new();
            if let Some(png_bytes) = &appearance.png {
                let (img_id, mask_id) = (w.alloc(), w.alloc());
                let pic = seal_image(png_bytes)?;
                let info = (pic.width, pic.height);
                let img = |cs: &str, z: &[u8], smask: Option<ObjectId>| {
                    let mut o = format!("<</Type /XObject /Subtype /Image /Width {} /Height {} /ColorSpace /{cs} /BitsPerComponent 8 /Filter /FlateDecode /Length {}", info.0, info.1, z.len()).into_bytes();
                    if let Some(s) = smask {
                        o.extend_from_slice(format!(" /SMask {} 0 R", s.0).as_bytes());
                    }
                    o.extend_from_slice(b">>\nstream\n");
                    o.extend_from_slice(z);
                    o.extend_from_slice(b"\nendstream");
                    o
                };
                w.put(mask_id, &img("DeviceGray", &pic.alpha_z, None));
                w.put(img_id, &img("DeviceRGB", &pic.rgb_z, Some(mask_id)));
                ap_res = format!("/Resources <</XObject <</Im1 {} 0 R>>>>", img_id.0);
                ap_content = format!("q {wpt} 0 0 {hpt} 0 0 cm /Im1 Do Q");
            }
            let ap = format!(
                "<</Type /XObject /Subtype /Form /BBox [0 0 {wpt} {hpt}] {ap_res} /Length {}>>\nstream\n{ap_content}\nendstream",
                ap_content.len()
            );
            w.put(ap_id, ap.as_bytes());
            let (x1, y1) = (pt(x), page_h - pt(y + hmm));
            format!(
                "<</Type /Annot /Subtype /Widget /FT /Sig /T ({field_name}) /V {} 0 R /Rect [{x1} {y1} {} {}] /P {} 0 R /F 132 /AP <</N {} 0 R>>{lock}>>",
                sig_id.0,
                x1 + wpt,
                y1 + hpt,
                page_id.0,
                ap_id.0
            )
        }
        Widget::Invisible { .. } => format!(
            "<</Type /Annot /Subtype /Widget /FT /Sig /T ({field_name}) /V {} 0 R /Rect [0 0 0 0] /P {} 0 R /F 132{lock}>>",
            sig_id.0, page_id.0
        ),
    };
    w.put(widget_id, widget_body.as_bytes());

    // New versions of the page and the catalog (and of an indirect /AcroForm or /Annots).
    let mut page = page_dict;
    match page.get(b"Annots") {
        Ok(Object::Array(a)) => {
            let mut a = a.clone();
            a.push(Object::Reference(widget_id));
            page.set("Annots", Object::Array(a));
        }
        Ok(Object::Reference(r)) => {
            let mut a = doc.get_object(*r).and_then(Object::as_array).map_err(|e| err(e.to_string()))?.clone();
            a.push(Object::Reference(widget_id));
            w.put_object(*r, &Object::Array(a));
        }
        _ => page.set("Annots", Object::Array(vec![Object::Reference(widget_id)])),
    }
    let mut body = Vec::new();
    write_dict(&page, &mut body);
    w.put(page_id, &body);

    let mut catalog = doc.get_dictionary(root).map_err(|e| err(e.to_string()))?.clone();
    let acro_ref = catalog.get(b"AcroForm").ok().and_then(|o| o.as_reference().ok());
    let mut acro = match (catalog.get(b"AcroForm"), acro_ref) {
        (_, Some(r)) => doc.get_dictionary(r).map_err(|e| err(e.to_string()))?.clone(),
        (Ok(Object::Dictionary(d)), None) => d.clone(),
        _ => Dictionary::new(),
    };
    let mut fields = acro.get(b"Fields").and_then(Object::as_array).cloned().unwrap_or_default();
    fields.push(Object::Reference(widget_id));
    acro.set("Fields", Object::Array(fields));
    acro.set("SigFlags", Object::Integer(3));
    match acro_ref {
        Some(r) => {
            let mut body = Vec::new();
            write_dict(&acro, &mut body);
            w.put(r, &body);
        }
        None => {
            catalog.set("AcroForm", Object::Dictionary(acro));
            let mut body = Vec::new();
            write_dict(&catalog, &mut body);
            w.put(root, &body);
        }
    }

    // Cross-reference section and trailer.
    let sig_off = w.offset_of(sig_id).ok_or_else(|| err("internal: the signature dictionary was not written"))?;
    let mut out = w.finish();

    // ByteRange: everything but the /Contents hex string, delimiters included in the hole.
    let internal = || err("internal: the signature dictionary's placeholders are missing");
    let rel = out[sig_off..].windows(11).position(|w| w == b"/Contents <").ok_or_else(internal)?;
    let hole_start = sig_off + rel + 10;
    let hole_end = hole_start + 2 + dict.reserved * 2;
    let br = format!("{:<10} {:<10} {:<10}", hole_start, hole_end, out.len() - hole_end);
    let br_at = sig_off + out[sig_off..].windows(13).position(|w| w == b"/ByteRange [0").ok_or_else(internal)? + 14;
    out[br_at..br_at + 32].copy_from_slice(br.as_bytes());
    Ok(Prepared { bytes: out, hole_start, hole_end })
}
