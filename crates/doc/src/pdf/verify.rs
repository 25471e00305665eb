//! Verifying signed PDFs: for each signature dictionary, the /ByteRange (well formed, starting at
//! 0, its hole exactly the /Contents string), the signed data over those bytes (GB/T 35275 SM2,
//! through [`yinxin_seal::gmt0010::verify`]: digest, signature, signer chain, time stamp), and
//! what changed after it: a signature that does not reach the end of the file is followed by
//! incremental updates, which are compared with the signed revision — new signatures and
//! annotations are allowed, changed page content or a changed page count is not.
//!
//! Long-term validation (PAdES B-LT / B-LTA, see [`super::ltv`]): the certificates and CRLs of
//! the document security store are added to the caller's intermediates and CRLs. Document time
//! stamps are not signatures: they are judged together, oldest first, as a chain
//! ([`yinxin_pki::ltv::verify_chain`]: the newest now, each older one at the time the next valid
//! one proves), each a part of kind `pdf-document-time-stamp`; a signature that a document time
//! stamp covers has its own time stamp judged at the proof of existence the chain gives it
//! (`pdf.poe`), so a TSA certificate that expired since still counts. Updates after a signature
//! that only add validation data and document time stamps, pages unchanged, pass
//! `pdf.modifications`; other updates stay a warning (the policy's `coverage.later_updates`).
//!
//! Every cost an outside file controls is bounded: how far a stream inflates while the file loads
//! ([`MAX_STREAM_INFLATED`]), how far the page contents inflate when revisions are compared
//! ([`MAX_CONTENT_INFLATED`]), how many signatures are verified ([`MAX_SIGNATURES`]), how many
//! incremental updates are read ([`super::updates::MAX_UPDATES`]) and examined for what they add
//! ([`MAX_CLASSIFIED_UPDATES`]), what the DSS holds ([`super::ltv::MAX_DSS_CERTS`], …), and how
//! many bytes the document time stamps cover together ([`MAX_TIME_STAMPED_BYTES`]).

use super::ltv::{Dss, LtvUpdate, classify_update, dss_of, is_document_time_stamp};
use super::updates::Update;
use crate::{Error, Result};
use lopdf::Object;
use std::cell::{OnceCell, RefCell};
use yinxin_gm::sm3::{Sm3Digest, sm3};
use yinxin_pki::ltv::{ChainVerdict, ChainedStamp, Material, verify_chain};
use yinxin_pki::report::{Check, Poe, Report, SubIndication, TimeSource};
use yinxin_pki::time::format_instant;
use yinxin_pki::{Cert, Crl};
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

/// Most incremental updates examined for whether they only add long-term validation data (each
/// costs a load of the revisions before and after it). A licence renewed every nine years for a
/// century carries two dozen; updates past the limit are named, not examined, and stay a
/// warning.
pub const MAX_CLASSIFIED_UPDATES: usize = 48;

/// Most bytes the document time stamps cover, all together. Their chain is judged at once, each
/// with a copy of what it covers (its /ByteRange without the hole): a licence renewed for a
/// century holds a dozen copies of a file of a few hundred kilobytes, while 64 time stamps over a
/// file of hundreds of megabytes would hold gigabytes.
pub const MAX_TIME_STAMPED_BYTES: usize = 256 << 20;

/// The clause behind the long-term validation checks.
const LTV_CLAUSE: &str = "ISO 32000-2 §12.8.4.3 (DSS) and §12.8.5 (document time stamps); ETSI EN 319 142-1 §5.4–5.5 \
     (PAdES B-LT, B-LTA); EN 319 102-1 §5.6 (past signature validation)";

/// The clause behind a further signature being a permitted change.
const MDP_CLAUSE: &str = "ISO 32000-1 §12.8.2.2.2 (signing is a permitted change) and §7.5.6 (incremental updates)";

/// Load a PDF with yinxin's bound on stream inflation.
pub(crate) fn load(pdf: &[u8]) -> core::result::Result<lopdf::Document, lopdf::Error> {
    let opts = lopdf::LoadOptions { max_decompressed_size: Some(MAX_STREAM_INFLATED), ..Default::default() };
    lopdf::Document::load_mem_with_options(pdf, opts)
}

/// A signature dictionary (or a document time stamp's).
pub(crate) struct Found {
    pub byte_range: Vec<i64>,
    pub contents: Vec<u8>,
    /// Whether it is a document time stamp ([`is_document_time_stamp`]).
    pub doc_ts: bool,
    /// /Name, decoded.
    pub name: Option<String>,
    /// The handwritten signature's stream (`/YinxinHandwriting`), decoded, or why it cannot be.
    pub handwriting: Option<core::result::Result<Vec<u8>, String>>,
    /// Whether it locks the document ([`super::mdp::locks`]).
    pub locks: bool,
}

/// The signature dictionaries of a document, in file order (by the end of their /ByteRange).
pub(crate) fn signatures(doc: &lopdf::Document) -> Vec<Found> {
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
            let name = d.get(b"Name").and_then(Object::as_str).ok().map(super::facts::decode_text_string);
            let handwriting = d.get(b"YinxinHandwriting").ok().map(|o| {
                let id = o.as_reference().map_err(|_| "/YinxinHandwriting is not a reference".to_owned())?;
                let stream = doc
                    .get_object(id)
                    .and_then(Object::as_stream)
                    .map_err(|e| format!("/YinxinHandwriting {} {} R is not a stream: {e}", id.0, id.1))?;
                stream.decompressed_content().or_else(|_| Ok(stream.content.clone()))
            });
            Some(Found {
                byte_range: br,
                contents,
                doc_ts: is_document_time_stamp(d),
                name,
                handwriting,
                locks: super::mdp::locks(doc, d),
            })
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

/// What every part's verification shares: the file, its final pages, and what its updates add.
struct Ctx<'a> {
    pdf: &'a [u8],
    final_pages: Pages<'a>,
    updates: Classifier<'a>,
}

/// Verify every signature and document time stamp of a PDF.
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
    // A signature dictionary whose object does not parse would vanish from the list above (lopdf
    // skips it) and take its verdict with it: count the dictionaries in the bytes as stored too.
    let in_bytes = super::scan::find_iter(pdf, b"/ByteRange")
        .filter(|i| matches!(pdf.get(i + 10), Some(b'[' | b' ' | b'\n' | b'\r' | b'\t' | 0x0c | 0)))
        .count();
    if in_bytes > found.len() {
        report.checks.push(Check::indeterminate(
            "pdf.signatures",
            SubIndication::FormatFailure,
            format!("文件中有{in_bytes}个签名字典，只有{}个可以读取：其余签名无法验证", found.len()),
            format!(
                "the file holds {in_bytes} signature dictionaries but only {} can be read: the others cannot be verified",
                found.len()
            ),
        ));
    }
    if found.is_empty() {
        report.checks.push(Check::indeterminate(
            "pdf.signatures",
            SubIndication::SignedDataNotFound,
            "文档没有签名",
            "the document has no signatures",
        ));
    }

    // The document security store's certificates and CRLs, added to the caller's.
    let dss = match dss_of(&doc) {
        Ok(d) => {
            if d.present {
                report.checks.push(dss_check(&d));
            }
            d
        }
        Err(why) => {
            report.checks.push(
                Check::fail(
                    "pdf.dss",
                    SubIndication::FormatFailure,
                    format!("文档安全存储（DSS）无法读取：{why}"),
                    format!("the document security store (DSS) cannot be read: {why}"),
                )
                .clause(LTV_CLAUSE),
            );
            Default::default()
        }
    };
    let mut intermediates: Vec<Cert> = opts.intermediates.to_vec();
    let mut crls: Vec<Crl> = opts.crls.to_vec();
    for c in &dss.material.certs {
        if !intermediates.contains(c) {
            intermediates.push(c.clone());
        }
    }
    for c in &dss.material.crls {
        if !crls.iter().any(|x| x.der() == c.der()) {
            crls.push(c.clone());
        }
    }
    let base = VerifyOptions { intermediates: &intermediates, crls: &crls, ..opts.clone() };
    let has_ltv = dss.present || found.iter().any(|f| f.doc_ts);
    let ctx = Ctx {
        pdf,
        final_pages: Pages { doc: &doc, digests: OnceCell::new() },
        updates: Classifier {
            pdf,
            enabled: has_ltv,
            cache: RefCell::new(Vec::new()),
            signatures: RefCell::new(Vec::new()),
        },
    };
    let ranged: Vec<core::result::Result<Ranged<'_>, String>> = found.iter().map(|f| byte_range(pdf, f)).collect();

    // The document time stamps, oldest first, judged as a chain.
    let ts_found: Vec<usize> = (0..found.len()).filter(|i| found[*i].doc_ts).collect();
    let n_ts = ts_found.len();
    let stamped: usize = ts_found.iter().filter_map(|i| ranged[*i].as_ref().ok()).map(|r| r.b + (r.end - r.c)).sum();
    if stamped > MAX_TIME_STAMPED_BYTES {
        return format_failure(
            "pdf",
            &format!(
                "the {n_ts} document time stamps cover {stamped} bytes together, more than the limit of \
                 {MAX_TIME_STAMPED_BYTES}"
            ),
        );
    }
    let inputs: Vec<(usize, usize, &Ranged<'_>, Vec<u8>)> = ts_found
        .iter()
        .enumerate()
        .filter_map(|(k, i)| ranged[*i].as_ref().ok().map(|r| (*i, k + 1, r, r.covered(pdf))))
        .collect();
    let chained: Vec<ChainedStamp<'_>> = inputs
        .iter()
        .map(|(_, k, r, covered)| ChainedStamp {
            token: r.der,
            data: Some(covered),
            label: format!("document time stamp {k} of {n_ts}"),
        })
        .collect();
    let verdict = (!chained.is_empty()).then(|| {
        let mut material = Material::default();
        material.extend(intermediates.iter().cloned(), crls.iter().cloned());
        for (_, _, r, _) in &inputs {
            material.extend(yinxin_pki::tsp::embedded_certs(r.der), []);
        }
        verify_chain(&chained, &material, opts.trust, opts.now)
    });

    let mut n_sig = 0;
    for (i, f) in found.iter().enumerate() {
        let part = if f.doc_ts {
            let k = ts_found.iter().position(|x| *x == i).map_or(0, |p| p + 1);
            let j = inputs.iter().position(|x| x.0 == i);
            time_stamp_part(&ctx, &ranged[i], k, verdict.as_ref().zip(j), opts)
        } else {
            n_sig += 1;
            // The proof of existence: the chain's, from the first document time stamp whose signed
            // range takes in this signature's whole range.
            let covering = ranged[i].as_ref().ok().and_then(|r| inputs.iter().position(|x| x.2.b >= r.end));
            let poe = covering.and_then(|j| verdict.as_ref().and_then(|v| v.poe_of(j)).cloned());
            let o = VerifyOptions { poe: poe.clone(), ..base.clone() };
            let label = covering.map(|j| chained[j].label.as_str());
            let poe_check = (n_ts > 0).then(|| poe_check(poe.as_ref(), label));
            let mut part = signature_part(&ctx, &ranged[i], &o, poe_check, f);
            part.location = Some(match &f.name {
                Some(name) => format!("signature {n_sig} ({name})"),
                None => format!("signature {n_sig}"),
            });
            part
        };
        report.parts.push(part);
    }
    report.conclude();
    report
}

/// What the DSS holds, as a check: passed, or a warning naming what did not parse.
fn dss_check(d: &Dss) -> Check {
    const ID: &str = "pdf.dss";
    let (n, m) = (d.material.certs.len(), d.material.crls.len());
    let ocsp = if d.ocsps > 0 { format!("; {} OCSP response(s), not used", d.ocsps) } else { String::new() };
    let ocsp_zh = if d.ocsps > 0 { format!("；{}个OCSP响应（未使用）", d.ocsps) } else { String::new() };
    let c = if d.unparsable.is_empty() {
        Check::pass(
            ID,
            format!("文档安全存储（DSS）含{n}张证书、{m}个CRL{ocsp_zh}"),
            format!("the document security store (DSS) holds {n} certificate(s) and {m} CRL(s){ocsp}"),
        )
    } else {
        let list = d.unparsable.join("; ");
        Check::warning(
            ID,
            format!("文档安全存储（DSS）含{n}张证书、{m}个CRL{ocsp_zh}；以下条目无法解析，未使用：{list}"),
            format!(
                "the document security store (DSS) holds {n} certificate(s) and {m} CRL(s){ocsp}; these entries \
                 do not parse and are not used: {list}"
            ),
        )
    };
    c.clause(LTV_CLAUSE)
}

/// `pdf.poe`: what proves the signature existed, from outside it.
fn poe_check(poe: Option<&Poe>, covering: Option<&str>) -> Check {
    const ID: &str = "pdf.poe";
    let c = match (poe, covering) {
        (Some(p), _) => {
            let t = format_instant(p.time);
            Check::pass(
                ID,
                format!("签名于{t}前已存在，由{}证明", p.by),
                format!("existence proven at {t} by {}", p.by),
            )
        }
        (None, Some(label)) => Check::not_applicable(
            ID,
            format!("覆盖本签名的{label}不能证明时间（见其验证结果）"),
            format!("{label} covers this signature but proves no time (see its part)"),
        ),
        (None, None) => {
            Check::not_applicable(ID, "没有文档时间戳覆盖本签名", "no document time stamp covers this signature")
        }
    };
    c.clause(LTV_CLAUSE)
}

/// A signature dictionary whose /ByteRange is well formed and whose hole is exactly its
/// /Contents: the offsets, and the DER inside /Contents without its zero padding.
struct Ranged<'a> {
    /// End of the first covered range (the hole's start).
    b: usize,
    /// Start of the second covered range (after the hole).
    c: usize,
    /// End of the second covered range.
    end: usize,
    der: &'a [u8],
}

impl Ranged<'_> {
    /// The bytes the /ByteRange covers.
    fn covered(&self, pdf: &[u8]) -> Vec<u8> {
        [&pdf[..self.b], &pdf[self.c..self.end]].concat()
    }
}

fn byte_range<'a>(pdf: &[u8], f: &'a Found) -> core::result::Result<Ranged<'a>, String> {
    let len = pdf.len() as i64;
    let br = &f.byte_range;
    let well_formed = br.len() == 4 && br[0] == 0 && br[1] > 0 && br[2] > br[1] && br[3] >= 0 && br[2] + br[3] <= len;
    if !well_formed {
        return Err(format!("malformed /ByteRange {br:?}"));
    }
    let (b, c, end) = (br[1] as usize, br[2] as usize, (br[2] + br[3]) as usize);
    // The hole must be exactly the /Contents hex string: '<' hex '>' and nothing else.
    let hole = &pdf[b..c];
    let is_contents = hole.len() >= 2
        && hole[0] == b'<'
        && hole[hole.len() - 1] == b'>'
        && super::scan::hex_is(&hole[1..hole.len() - 1], &f.contents);
    if !is_contents {
        return Err("the /ByteRange hole is not the signature's /Contents".into());
    }
    // The DER inside /Contents, without the zero padding.
    let what = if f.doc_ts { "an RFC 3161 time-stamp token" } else { "DER signed data" };
    match der_len(&f.contents) {
        // What follows the DER is covered by no signature: it must be the zero padding, or
        // anything could be hidden there. (Or-ed whole, without an early exit, so that the
        // compiler checks many bytes at a time: the padding is tens of kilobytes.)
        Some(n) if f.contents[n..].iter().fold(0, |acc, b| acc | b) != 0 => Err(format!(
            "/Contents holds {} bytes after the {what} that are not zero padding: data no signature covers",
            f.contents.len() - n
        )),
        Some(n) => Ok(Ranged { b, c, end, der: &f.contents[..n] }),
        None => Err(format!("/Contents does not hold {what}")),
    }
}

fn byte_range_check() -> Check {
    Check::pass(
        "pdf.byte_range",
        "ByteRange格式正确，空洞恰为/Contents",
        "ByteRange well formed; its hole is exactly /Contents",
    )
}

fn signature_part(
    ctx: &Ctx<'_>,
    ranged: &core::result::Result<Ranged<'_>, String>,
    opts: &VerifyOptions<'_>,
    poe_check: Option<Check>,
    found: &Found,
) -> Report {
    let r = match ranged {
        Ok(r) => r,
        Err(why) => return format_failure("pdf-signature", why),
    };
    let mut checks = vec![byte_range_check()];
    // Parsed once, for the signature and for the handwriting it binds.
    let parsed = yinxin_seal::gmt0010::SignedData::parse(r.der);
    let mut inner = match &parsed {
        Ok(sd) => yinxin_seal::gmt0010::verify_parsed(sd, Some(&r.covered(ctx.pdf)), opts),
        Err(e) => format_failure("gmt0010-signature", &e.to_string()),
    };
    checks.push(super::facts::revision_check(ctx.pdf, r.end));
    checks.extend(coverage(ctx, r.end, found.locks));
    let bound = parsed.ok().and_then(|sd| sd.handwriting);
    checks.extend(super::facts::handwriting_check(bound, found.handwriting.as_ref()));
    checks.extend(poe_check);
    checks.append(&mut inner.checks);
    inner.checks = checks;
    inner.kind = "pdf-signature";
    inner.conclude();
    inner
}

fn time_stamp_part(
    ctx: &Ctx<'_>,
    ranged: &core::result::Result<Ranged<'_>, String>,
    k: usize,
    judged: Option<(&ChainVerdict, usize)>,
    opts: &VerifyOptions<'_>,
) -> Report {
    const KIND: &str = "pdf-document-time-stamp";
    let r = match ranged {
        Ok(r) => r,
        Err(why) => {
            let mut f = format_failure(KIND, why);
            f.location = Some(format!("document time stamp {k}"));
            return f;
        }
    };
    let mut part = Report::new(KIND);
    part.location = Some(format!("document time stamp {k}"));
    let mut checks = vec![byte_range_check()];
    checks.extend(coverage(ctx, r.end, false));
    if let Some((v, j)) = judged
        && let Some(s) = v.stamps.get(j)
    {
        checks.extend(s.report.checks.iter().cloned());
        checks.extend(v.checks.iter().filter(|c| c.id == "ltv.stamp").nth(j).cloned());
        let newer = format!("{} (", s.label);
        checks.extend(v.checks.iter().filter(|c| c.id == "ltv.order" && c.reason_en.starts_with(&newer)).cloned());
        part.time_stamp = s.report.info.clone();
        part.poe = v.poe_of(j + 1).cloned();
        if let Some(g) = s.report.gen_time {
            part.validation_time = Some(format_instant(g));
            part.time_source = Some(TimeSource::TimeStamp);
        }
    }
    for c in &mut checks {
        if c.clause.is_none() && c.id.starts_with("ltv.") {
            c.clause = Some(LTV_CLAUSE);
        }
    }
    part.checks = checks;
    opts.policy.apply(&mut part);
    part
}

/// What an update adds: only long-term validation data, or why not.
type Classified = core::result::Result<LtvUpdate, String>;
/// How many signatures an update adds, if that is all it does; else what else it changes.
type SignatureUpdate = core::result::Result<usize, String>;

/// Whether each incremental update only adds long-term validation data, worked out once per
/// update (and for at most [`MAX_CLASSIFIED_UPDATES`]), only in files that carry a DSS or a
/// document time stamp.
struct Classifier<'a> {
    pdf: &'a [u8],
    enabled: bool,
    cache: RefCell<Vec<((usize, usize), Classified)>>,
    signatures: RefCell<Vec<((usize, usize), SignatureUpdate)>>,
}

impl Classifier<'_> {
    fn classify(&self, u: &Update) -> Option<Classified> {
        if !self.enabled {
            return None;
        }
        let key = (u.start, u.end);
        if let Some((_, r)) = self.cache.borrow().iter().find(|(k, _)| *k == key) {
            return Some(r.clone());
        }
        if self.cache.borrow().len() >= MAX_CLASSIFIED_UPDATES {
            return Some(Err(format!("not examined: more than {MAX_CLASSIFIED_UPDATES} updates")));
        }
        let r = (|| {
            let rev = |end: usize| {
                load(&self.pdf[..end]).map_err(|e| format!("the revision ending at byte {end} cannot be read: {e}"))
            };
            let (before, after) = (rev(u.start)?, rev(u.end)?);
            classify_update(&before, &after, &u.objects)
        })();
        self.cache.borrow_mut().push((key, r.clone()));
        Some(r)
    }

    /// Whether the update only adds signatures ([`super::mdp::signature_update`]).
    fn classify_signature(&self, u: &Update) -> SignatureUpdate {
        let key = (u.start, u.end);
        if let Some((_, r)) = self.signatures.borrow().iter().find(|(k, _)| *k == key) {
            return r.clone();
        }
        if self.signatures.borrow().len() >= MAX_CLASSIFIED_UPDATES {
            return Err(format!("not examined: more than {MAX_CLASSIFIED_UPDATES} updates"));
        }
        let rev = |end: usize| {
            load(&self.pdf[..end]).map_err(|e| format!("the revision ending at byte {end} cannot be read: {e}"))
        };
        let r = rev(u.start).and_then(|before| super::mdp::signature_update(&before, &rev(u.end)?, &u.objects));
        self.signatures.borrow_mut().push((key, r.clone()));
        r
    }
}

/// What the signature leaves uncovered: nothing; end-of-line bytes; well-formed incremental updates
/// (each named, then compared page by page with the signed revision); or bytes that are not an
/// update (named by offset and length: FAILED / FORMAT_FAILURE under the default policy).
fn coverage(ctx: &Ctx<'_>, end: usize, locks: bool) -> Vec<Check> {
    const ID: &str = "pdf.coverage";
    let pdf = ctx.pdf;
    if end == pdf.len() {
        let mut checks = vec![Check::pass(ID, "签名覆盖整个文档", "the signature covers the whole document")];
        if locks {
            checks.push(Check::pass(
                "pdf.lock",
                "本签名锁定了文档（FieldMDP /P 1），其后文档未被改动",
                "this signature locked the document (FieldMDP /P 1), and nothing changed after it",
            ));
        }
        return checks;
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
        checks.push(modifications(ctx, end, &tail.updates, locks));
    } else if locks && tail.malformed.is_none() {
        checks.push(Check::pass(
            "pdf.lock",
            "本签名锁定了文档（FieldMDP /P 1），其后文档未被改动",
            "this signature locked the document (FieldMDP /P 1), and nothing changed after it",
        ));
    }
    checks
}

fn modifications(ctx: &Ctx<'_>, end: usize, updates: &[Update], locks: bool) -> Check {
    const ID: &str = "pdf.modifications";
    let Ok(old) = load(&ctx.pdf[..end]) else {
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
    let final_pages = match ctx.final_pages.get() {
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
    // What each update adds: long-term validation data only, or something else (examined in
    // order up to the first that is something else).
    let mut all_ltv = true;
    let mut signatures = 0;
    let mut others = 0;
    let mut named_en = Vec::new();
    let mut named_zh = Vec::new();
    for u in updates {
        let kind = if all_ltv { ctx.updates.classify(u) } else { None };
        let signed = match &kind {
            Some(Ok(_)) => None,
            _ if u.has_signature => Some(ctx.updates.classify_signature(u)),
            _ => None,
        };
        match (kind, signed) {
            (Some(Ok(l)), _) => {
                let (en, zh) = l.describe();
                named_en.push(format!("bytes {}–{}: {en}", u.start, u.end));
                named_zh.push(format!("第{}至{}字节：{zh}", u.start, u.end));
            }
            (_, Some(Ok(n))) => {
                signatures += n;
                named_en.push(format!("bytes {}–{}: {n} further signature(s), nothing else changed", u.start, u.end));
                named_zh.push(format!("第{}至{}字节：新增{n}个签名，其他未变", u.start, u.end));
            }
            (other, signed) => {
                all_ltv = false;
                others += 1;
                let other = match signed {
                    Some(Err(why)) => Some(Err(why)),
                    _ => other,
                };
                let objs: Vec<String> = u
                    .objects
                    .iter()
                    .map(|(n, g)| {
                        let state = if old.objects.contains_key(&(*n, *g)) { "changed" } else { "new" };
                        format!("{n} {g} R ({state})")
                    })
                    .collect();
                let sig = if u.has_signature { ", a further signature" } else { "" };
                let why = match other {
                    Some(Err(why)) => format!(" — not only validation data: {why}"),
                    _ => String::new(),
                };
                let text = format!(
                    "bytes {}–{}: {}{sig}{why}",
                    u.start,
                    u.end,
                    if objs.is_empty() { "no objects".into() } else { objs.join(", ") }
                );
                named_zh.push(text.clone());
                named_en.push(text);
            }
        }
    }
    if locks && (signatures > 0 || others > 0) {
        return Check::fail(
            "pdf.lock",
            SubIndication::SigConstraintsFailure,
            format!("本签名锁定了文档（FieldMDP /P 1），其后却有改动：{}", named_zh.join("；")),
            format!(
                "this signature locked the document (FieldMDP /P 1), yet it was changed after: {}",
                named_en.join("; ")
            ),
        );
    }
    if others == 0 && signatures > 0 {
        return Check::pass(
            ID,
            format!("签名后仅添加了其他签名和验证数据，页面内容未变：{}", named_zh.join("；")),
            format!(
                "only further signatures and validation data were added after signing; pages unchanged: {}",
                named_en.join("; ")
            ),
        )
        .clause(MDP_CLAUSE);
    }
    if all_ltv {
        if locks {
            return Check::pass(
                "pdf.lock",
                format!("本签名锁定了文档（FieldMDP /P 1），其后仅添加了验证数据：{}", named_zh.join("；")),
                format!(
                    "this signature locked the document (FieldMDP /P 1); only validation data was added after it: {}",
                    named_en.join("; ")
                ),
            );
        }
        return Check::pass(
            ID,
            format!("签名后仅添加了验证数据和文档时间戳（PAdES-LTA），页面内容未变：{}", named_zh.join("；")),
            format!(
                "validation data and document time stamps added after signing (PAdES-LTA); pages unchanged: {}",
                named_en.join("; ")
            ),
        )
        .clause(LTV_CLAUSE);
    }
    Check::warning(
        ID,
        format!("签名后有{}个增量更新，页面内容未变：{}", updates.len(), named_zh.join("; ")),
        format!(
            "{} incremental update(s) after signing leave every page unchanged: {}",
            updates.len(),
            named_en.join("; ")
        ),
    )
}

/// The length of the DER TLV at the start of `b`.
pub(crate) fn der_len(b: &[u8]) -> Option<usize> {
    let (t, _) = yinxin_pki::tlv::read(b)?;
    Some(t.raw.len())
}

/// For tools: check a PDF before signing it.
pub fn parse_check(pdf: &[u8]) -> Result<()> {
    load(pdf).map(|_| ()).map_err(|e| Error::Package(format!("PDF does not parse: {e}")))
}
