//! Verifying signed PDFs: for each signature dictionary, the /ByteRange (well formed, starting at
//! 0, its hole exactly the /Contents string), the signed data over those bytes (GB/T 35275 SM2,
//! through [`yinxin_seal::gmt0010::verify`]: digest, signature, signer chain, time stamp), and
//! what changed after it: a signature that does not reach the end of the file is followed by
//! incremental updates, which are compared with the signed revision — new signatures and
//! annotations are allowed, changed page content or a changed page count is not.
//!
//! Every cost an outside file controls is bounded: how far a stream inflates while the file loads
//! ([`MAX_STREAM_INFLATED`]), how far the page contents inflate when revisions are compared
//! ([`MAX_CONTENT_INFLATED`]), how many signatures are verified ([`MAX_SIGNATURES`]), and how
//! many incremental updates are read ([`super::updates::MAX_UPDATES`]).

use crate::{Error, Result};
use lopdf::Object;
use std::cell::OnceCell;
use yinxin_gm::sm3::{Sm3Digest, sm3};
use yinxin_pki::report::{Check, Report, SubIndication};
use yinxin_seal::verify::{VerifyOptions, format_failure};

/// Most bytes one stream may inflate to while a PDF loads (lopdf decodes object and
/// cross-reference streams eagerly). lopdf's own default is 256 MiB a stream; the object streams
/// of a licence or a sealed material hold kilobytes, and even a scanned book's stay far below
/// 32 MiB, while a few such bombs at lopdf's default would take a gigabyte.
pub const MAX_STREAM_INFLATED: usize = 32 << 20;

/// Most bytes the page contents of one revision may inflate to, all pages together, when the
/// signed revision is compared with the final one. Page content streams hold drawing operators
/// (images live in XObjects, which are not decoded), a few hundred kilobytes for a dense page, so
/// 64 MiB is ample for a thousand-page file; without a bound one small stream, referenced by every
/// page, inflates to gigabytes.
pub const MAX_CONTENT_INFLATED: usize = 64 << 20;

/// Most signature dictionaries verified in one PDF. Each costs a load of its signed revision and a
/// read of what follows it; a document signed by more parties than this is not one we issue or
/// receive, while thousands of dictionaries would make verification quadratic in the file.
pub const MAX_SIGNATURES: usize = 64;

/// Load a PDF with yinxin's bound on stream inflation.
fn load(pdf: &[u8]) -> core::result::Result<lopdf::Document, lopdf::Error> {
    let opts = lopdf::LoadOptions { max_decompressed_size: Some(MAX_STREAM_INFLATED), ..Default::default() };
    lopdf::Document::load_mem_with_options(pdf, opts)
}

struct Found {
    byte_range: Vec<i64>,
    contents: Vec<u8>,
}

fn signatures(doc: &lopdf::Document) -> Vec<Found> {
    let mut out: Vec<Found> = doc
        .objects
        .values()
        .filter_map(|o| o.as_dict().ok())
        .filter(|d| {
            d.get(b"Type").and_then(Object::as_name).ok() == Some(b"Sig") || (d.has(b"ByteRange") && d.has(b"Contents"))
        })
        .filter_map(|d| {
            let br =
                d.get(b"ByteRange").and_then(Object::as_array).ok()?.iter().filter_map(|o| o.as_i64().ok()).collect();
            let contents = d.get(b"Contents").and_then(Object::as_str).ok()?.to_vec();
            Some(Found { byte_range: br, contents })
        })
        .collect();
    out.sort_by_key(|f| f.byte_range.get(2).copied().unwrap_or(0));
    out
}

/// The SM3 of each page's decoded contents, in page order; refused past [`MAX_CONTENT_INFLATED`].
fn page_digests(doc: &lopdf::Document) -> core::result::Result<Vec<Sm3Digest>, String> {
    let mut budget = MAX_CONTENT_INFLATED;
    let mut out = Vec::new();
    for (n, id) in doc.get_pages() {
        let content = doc.get_page_content_with_limit(id, budget).map_err(|e| match e {
            lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded { .. }) => {
                format!("the page contents inflate to more than {MAX_CONTENT_INFLATED} bytes (page {n})")
            }
            e => format!("the contents of page {n} cannot be read: {e}"),
        })?;
        budget = budget.saturating_sub(content.len());
        out.push(sm3(&content));
    }
    Ok(out)
}

/// A revision's page digests, computed when first needed (only signatures followed by updates
/// need them).
struct Pages<'a> {
    doc: &'a lopdf::Document,
    digests: OnceCell<core::result::Result<Vec<Sm3Digest>, String>>,
}

impl Pages<'_> {
    fn get(&self) -> &core::result::Result<Vec<Sm3Digest>, String> {
        self.digests.get_or_init(|| page_digests(self.doc))
    }
}

/// Verify every signature of a PDF.
pub fn verify_pdf(pdf: &[u8], opts: &VerifyOptions<'_>) -> Report {
    let mut report = Report::new("pdf");
    let doc = match load(pdf) {
        Ok(d) => d,
        Err(e) => return format_failure("pdf", &format!("PDF does not parse: {e}")),
    };
    let found = signatures(&doc);
    if found.len() > MAX_SIGNATURES {
        return format_failure(
            "pdf",
            &format!("{} signature dictionaries exceed the limit of {MAX_SIGNATURES}", found.len()),
        );
    }
    if found.is_empty() {
        report.checks.push(Check::indeterminate(
            "pdf.signatures",
            SubIndication::SignedDataNotFound,
            "文档没有签名",
            "the document has no signatures",
        ));
    }
    let final_pages = Pages { doc: &doc, digests: OnceCell::new() };
    for (i, f) in found.iter().enumerate() {
        let mut part = verify_one(pdf, f, opts, &final_pages);
        part.location = Some(format!("signature {}", i + 1));
        report.parts.push(part);
    }
    report.conclude();
    report
}

fn verify_one(pdf: &[u8], f: &Found, opts: &VerifyOptions<'_>, final_pages: &Pages<'_>) -> Report {
    let len = pdf.len() as i64;
    let br = &f.byte_range;
    let well_formed = br.len() == 4 && br[0] == 0 && br[1] > 0 && br[2] > br[1] && br[3] >= 0 && br[2] + br[3] <= len;
    if !well_formed {
        return format_failure("pdf-signature", &format!("malformed /ByteRange {br:?}"));
    }
    let (b, c, end) = (br[1] as usize, br[2] as usize, (br[2] + br[3]) as usize);
    // The hole must be exactly the /Contents hex string: '<' hex '>' and nothing else.
    let hole = &pdf[b..c];
    let hex_ok = hole.first() == Some(&b'<')
        && hole.last() == Some(&b'>')
        && hole[1..hole.len() - 1].iter().all(u8::is_ascii_hexdigit);
    let decoded = hex_ok.then(|| hex_decode(&hole[1..hole.len() - 1])).flatten();
    let mut checks = Vec::new();
    match decoded {
        Some(d) if d == f.contents => checks.push(Check::pass(
            "pdf.byte_range",
            "ByteRange格式正确，空洞恰为/Contents",
            "ByteRange well formed; its hole is exactly /Contents",
        )),
        _ => return format_failure("pdf-signature", "the /ByteRange hole is not the signature's /Contents"),
    }
    // The DER inside /Contents, without the zero padding.
    let cms = match der_len(&f.contents) {
        Some(n) => &f.contents[..n],
        None => return format_failure("pdf-signature", "/Contents does not hold DER signed data"),
    };
    let covered = [&pdf[..b], &pdf[c..end]].concat();
    let mut inner = yinxin_seal::gmt0010::verify(cms, Some(&covered), opts);
    checks.extend(coverage(pdf, end, final_pages));
    checks.append(&mut inner.checks);
    inner.checks = checks;
    inner.kind = "pdf-signature";
    inner.conclude();
    inner
}

/// What the signature leaves uncovered: nothing; end-of-line bytes; well-formed incremental updates
/// (each named, then compared page by page with the signed revision); or bytes that are not an
/// update (named by offset and length: FAILED / FORMAT_FAILURE under the default policy).
fn coverage(pdf: &[u8], end: usize, final_pages: &Pages<'_>) -> Vec<Check> {
    const ID: &str = "pdf.coverage";
    if end == pdf.len() {
        return vec![Check::pass(ID, "签名覆盖整个文档", "the signature covers the whole document")];
    }
    let tail = super::updates::analyse(pdf, end);
    let mut checks = Vec::new();
    match &tail.malformed {
        Some(m) => checks.push(Check::fail(
            ID,
            SubIndication::FormatFailure,
            format!("签名范围之后第{}字节起的{}字节不受任何签名保护，且不是合规的增量更新：{}", m.offset, m.len, m.why),
            format!(
                "{} bytes at offset {} after the signed range are covered by no signature and are not a \
                 well-formed incremental update: {}",
                m.len, m.offset, m.why
            ),
        )),
        None if tail.updates.is_empty() => checks.push(Check::pass(
            ID,
            format!("签名覆盖整个文档（其后仅{}字节换行或空白）", tail.trailing_whitespace),
            format!(
                "the signature covers the whole document (only {} end-of-line or white-space bytes follow)",
                tail.trailing_whitespace
            ),
        )),
        None => checks.push(Check::pass(
            ID,
            format!("签名覆盖第0至{end}字节；其后为{}个合规的增量更新", tail.updates.len()),
            format!(
                "the signature covers bytes 0 to {end}; {} well-formed incremental update(s) follow",
                tail.updates.len()
            ),
        )),
    }
    if !tail.updates.is_empty() {
        checks.push(modifications(&pdf[..end], final_pages, &tail.updates));
    }
    checks
}

fn modifications(signed_revision: &[u8], final_pages: &Pages<'_>, updates: &[super::updates::Update]) -> Check {
    const ID: &str = "pdf.modifications";
    let Ok(old) = load(signed_revision) else {
        return Check::indeterminate(
            ID,
            SubIndication::FormatFailure,
            "无法读取签名时的版本",
            "the signed revision cannot be read",
        );
    };
    let unreadable = |why: &str| {
        Check::indeterminate(
            ID,
            SubIndication::FormatFailure,
            format!("无法比较签名前后的页面内容：{why}"),
            format!("the pages cannot be compared with the signed revision: {why}"),
        )
    };
    let before = match page_digests(&old) {
        Ok(b) => b,
        Err(why) => return unreadable(&format!("signed revision: {why}")),
    };
    let final_pages = match final_pages.get() {
        Ok(f) => f,
        Err(why) => return unreadable(&format!("final revision: {why}")),
    };
    if before.len() != final_pages.len() {
        return Check::fail(
            ID,
            SubIndication::HashFailure,
            format!("签名后页数由{}变为{}", before.len(), final_pages.len()),
            format!("pages were added or removed after signing ({} then, {} now)", before.len(), final_pages.len()),
        );
    }
    if let Some(i) = before.iter().zip(final_pages).position(|(a, b)| a != b) {
        return Check::fail(
            ID,
            SubIndication::HashFailure,
            format!("签名后第{}页内容被改变", i + 1),
            format!("the content of page {} changed after signing", i + 1),
        );
    }
    let named: Vec<String> = updates
        .iter()
        .map(|u| {
            let objs: Vec<String> = u
                .objects
                .iter()
                .map(|(n, g)| {
                    let state = if old.objects.contains_key(&(*n, *g)) { "changed" } else { "new" };
                    format!("{n} {g} R ({state})")
                })
                .collect();
            let sig = if u.has_signature { ", a further signature" } else { "" };
            format!(
                "bytes {}–{}: {}{sig}",
                u.start,
                u.end,
                if objs.is_empty() { "no objects".into() } else { objs.join(", ") }
            )
        })
        .collect();
    Check::warning(
        ID,
        format!("签名后有{}个增量更新，页面内容未变：{}", updates.len(), named.join("; ")),
        format!(
            "{} incremental update(s) after signing leave every page unchanged: {}",
            updates.len(),
            named.join("; ")
        ),
    )
}

fn hex_decode(h: &[u8]) -> Option<Vec<u8>> {
    if !h.len().is_multiple_of(2) {
        return None;
    }
    let v = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    h.chunks(2).map(|p| Some(v(p[0])? << 4 | v(p[1])?)).collect()
}

/// The length of the DER TLV at the start of `b`.
fn der_len(b: &[u8]) -> Option<usize> {
    let (t, _) = yinxin_pki::tlv::read(b)?;
    Some(t.raw.len())
}

/// For tools: check a PDF before signing it.
pub fn parse_check(pdf: &[u8]) -> Result<()> {
    load(pdf).map(|_| ()).map_err(|e| Error::Package(format!("PDF does not parse: {e}")))
}
