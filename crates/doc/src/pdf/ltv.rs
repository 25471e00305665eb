//! Long-term validation for PDFs: PAdES B-LT and B-LTA (ETSI EN 319 142-1 §5.4 and §5.5).
//!
//! - **Validation data** (ISO 32000-2 §12.8.4.3): an incremental update that adds, or extends,
//!   the catalog's document security store `/DSS` — `/Certs` and `/CRLs`, arrays of streams
//!   holding DER certificates and CRLs (each stored once, by content), and `/VRI`, one entry
//!   per signature and document time stamp then in the file, keyed by the uppercase hex SHA-1 of
//!   its `/Contents` DER (without the zero padding), naming the streams that serve it (all of
//!   them: a licence has one signer and a handful of TSAs) and when the entry was made (`/TU`).
//!   Earlier entries are kept.
//! - **Document time stamps** (ISO 32000-2 §12.8.5): an incremental update with a signature
//!   dictionary `/Type /DocTimeStamp /SubFilter /ETSI.RFC3161` whose `/Contents` is an RFC 3161
//!   token (SM3 imprint) over the bytes its `/ByteRange` covers — everything before it, the
//!   signatures, the DSS and earlier time stamps included — on an invisible field (`/Rect [0 0
//!   0 0]`) of the first page.
//! - [`extend`] = validation data for the newest time stamp's TSA, then a new document time
//!   stamp: the first call turns a signed licence into B-LTA; each later one, made before the
//!   last TSA certificate expires, renews it.
//!
//! Reading: [`read_dss`] / [`dss_of`] (every certificate and CRL, the ones that do not parse
//! named, every count and size bounded) and [`is_document_time_stamp`]. The verifier
//! ([`super::verify`]) judges document time stamps as a chain with
//! [`yinxin_pki::ltv::verify_chain`] and tells updates that only add validation data or document
//! time stamps apart from other changes after signing ([`classify_update`]).

use super::sign::{Appender, SigDict, Widget, append_signature, hex_upper, pdf_date};
use super::verify::{der_len, load, signatures};
use crate::{Error, Result};
use lopdf::{Dictionary, Document, Object, ObjectId};
use std::collections::{HashMap, HashSet};
use time::OffsetDateTime;
use yinxin_pki::ltv::Material;
use yinxin_pki::tsp::{Imprint, TimeStampAuthority};
use yinxin_pki::{Cert, Crl};

/// Bytes reserved for a document time stamp's token in `/Contents` (hex doubles it). A yinxin
/// token with its TSA certificate and chain is 2–3 KB.
pub const TIME_STAMP_RESERVED: usize = 12 * 1024;

/// Most certificates a DSS may hold. A licence needs its signer's chain and one chain per TSA
/// generation, a few dozen over decades of renewal.
pub const MAX_DSS_CERTS: usize = 256;

/// Most CRLs a DSS may hold (a handful per renewal).
pub const MAX_DSS_CRLS: usize = 256;

/// Most OCSP responses a DSS may hold (yinxin neither writes nor uses them; counted and bounded).
pub const MAX_DSS_OCSPS: usize = 256;

/// Most `/VRI` entries a DSS may hold (one per signature and document time stamp).
pub const MAX_VRI_ENTRIES: usize = 1024;

/// Most bytes the certificates and CRLs of a DSS may decode to, together. A CA's CRL of many
/// revocations is a few hundred kilobytes; 16 MiB is far beyond what a licence carries, while an
/// unbounded DSS would let a small file make the verifier parse gigabytes.
pub const MAX_DSS_BYTES: usize = 16 << 20;

fn err(s: impl Into<String>) -> Error {
    Error::Package(s.into())
}

/// What a PDF's document security store holds.
#[derive(Debug, Clone, Default)]
pub struct Dss {
    /// Whether the catalog has a `/DSS` at all.
    pub present: bool,
    /// Every certificate and CRL that parsed (byte-identical duplicates once).
    pub material: Material,
    /// The entries that did not parse, each named (`certificate 3 (12 0 R): …`).
    pub unparsable: Vec<String>,
    /// How many OCSP responses `/OCSPs` lists (not used by yinxin).
    pub ocsps: usize,
    /// The `/VRI` keys, as stored.
    pub vri: Vec<String>,
}

/// Read the DSS of a PDF (loaded with the verifier's bounds).
pub fn read_dss(pdf: &[u8]) -> Result<Dss> {
    let doc = load(pdf).map_err(|e| err(format!("PDF does not parse: {e}")))?;
    dss_of(&doc).map_err(|e| err(format!("DSS: {e}")))
}

/// Read the DSS of a loaded PDF. An error means the DSS breaks a bound ([`MAX_DSS_CERTS`],
/// [`MAX_DSS_CRLS`], [`MAX_DSS_OCSPS`], [`MAX_VRI_ENTRIES`], [`MAX_DSS_BYTES`]) or is not a
/// dictionary; entries that do not parse are listed in [`Dss::unparsable`].
pub fn dss_of(doc: &Document) -> core::result::Result<Dss, String> {
    let raw = RawDss::read(doc)?;
    let mut dss = Dss { present: raw.present, ocsps: raw.ocsps.len(), ..Default::default() };
    dss.vri = raw.vri.iter().map(|(k, _, _)| String::from_utf8_lossy(k).into_owned()).collect();
    for (i, (stored, data)) in raw.certs.iter().enumerate() {
        match data.as_ref().map_err(String::clone).and_then(|d| Cert::from_der(d).map_err(|e| e.to_string())) {
            Ok(c) => dss.material.extend([c], []),
            Err(e) => dss.unparsable.push(format!("certificate {} ({}): {e}", i + 1, describe(stored))),
        }
    }
    for (i, (stored, data)) in raw.crls.iter().enumerate() {
        match data.as_ref().map_err(String::clone).and_then(|d| Crl::from_der(d).map_err(|e| e.to_string())) {
            Ok(c) => dss.material.extend([], [c]),
            Err(e) => dss.unparsable.push(format!("CRL {} ({}): {e}", i + 1, describe(stored))),
        }
    }
    Ok(dss)
}

/// Whether a signature dictionary is a document time stamp (ISO 32000-2 §12.8.5): `/Type
/// /DocTimeStamp` or `/SubFilter /ETSI.RFC3161`.
pub fn is_document_time_stamp(d: &Dictionary) -> bool {
    d.get(b"Type").and_then(Object::as_name).ok() == Some(b"DocTimeStamp")
        || d.get(b"SubFilter").and_then(Object::as_name).ok() == Some(b"ETSI.RFC3161")
}

/// The `/VRI` key of a signature or document time stamp: the uppercase hex SHA-1 of its
/// `/Contents` DER, without the zero padding (ETSI EN 319 142-1 §5.4.2.2).
pub fn vri_key(contents_der: &[u8]) -> String {
    use sha1::Digest;
    hex_upper(&sha1::Sha1::digest(contents_der)[..])
}

fn describe(o: &Object) -> String {
    match o {
        Object::Reference((n, g)) => format!("{n} {g} R"),
        _ => "a direct object".into(),
    }
}

fn deref<'a>(doc: &'a Document, o: &'a Object) -> core::result::Result<&'a Object, String> {
    doc.dereference(o).map(|(_, o)| o).map_err(|e| e.to_string())
}

/// A DSS as stored: what writing keeps and reading parses.
#[derive(Default)]
struct RawDss {
    present: bool,
    /// The DSS's object number, when it is an indirect object.
    id: Option<ObjectId>,
    dict: Dictionary,
    /// `/Certs` entries as stored, with their decoded data (or why there is none).
    certs: Vec<(Object, core::result::Result<Vec<u8>, String>)>,
    crls: Vec<(Object, core::result::Result<Vec<u8>, String>)>,
    ocsps: Vec<Object>,
    /// Key, value as stored, and the value's dictionary when it is one.
    vri: Vec<(Vec<u8>, Object, Option<Dictionary>)>,
}

impl RawDss {
    fn read(doc: &Document) -> core::result::Result<Self, String> {
        let root = doc.trailer.get(b"Root").map_err(|_| "the trailer has no /Root".to_string())?;
        let catalog = deref(doc, root)?.as_dict().map_err(|_| "the catalog is not a dictionary".to_string())?;
        let Ok(stored) = catalog.get(b"DSS") else {
            return Ok(Self::default());
        };
        let id = stored.as_reference().ok();
        let dict = deref(doc, stored)?.as_dict().map_err(|_| "/DSS is not a dictionary".to_string())?.clone();
        let mut budget = MAX_DSS_BYTES;
        let mut streams = |key: &[u8], max: usize, what: &str| -> core::result::Result<Vec<_>, String> {
            let items = array(doc, &dict, key)?;
            if items.len() > max {
                return Err(format!("/{what} lists {} entries, more than the {max} accepted", items.len()));
            }
            let mut out = Vec::new();
            for item in items {
                let data = match deref(doc, &item).map(Object::as_stream) {
                    Ok(Ok(s)) => match s.get_plain_content_with_limit(budget) {
                        Ok(d) => {
                            budget -= d.len().min(budget);
                            Ok(d)
                        }
                        Err(lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded { .. })) => {
                            return Err(format!("the DSS streams decode to more than {MAX_DSS_BYTES} bytes"));
                        }
                        Err(e) => Err(format!("the stream does not decode: {e}")),
                    },
                    Ok(Err(_)) => Err("not a stream".to_string()),
                    Err(e) => Err(e),
                };
                out.push((item, data));
            }
            Ok(out)
        };
        let certs = streams(b"Certs", MAX_DSS_CERTS, "Certs")?;
        let crls = streams(b"CRLs", MAX_DSS_CRLS, "CRLs")?;
        let ocsps = array(doc, &dict, b"OCSPs")?;
        if ocsps.len() > MAX_DSS_OCSPS {
            return Err(format!("/OCSPs lists {} entries, more than the {MAX_DSS_OCSPS} accepted", ocsps.len()));
        }
        let mut vri = Vec::new();
        if let Ok(v) = dict.get(b"VRI") {
            let v = deref(doc, v)?.as_dict().map_err(|_| "/VRI is not a dictionary".to_string())?;
            if v.len() > MAX_VRI_ENTRIES {
                return Err(format!("/VRI has {} entries, more than the {MAX_VRI_ENTRIES} accepted", v.len()));
            }
            for (k, stored) in v.iter() {
                let d = deref(doc, stored).ok().and_then(|o| o.as_dict().ok()).cloned();
                vri.push((k.clone(), stored.clone(), d));
            }
        }
        Ok(Self { present: true, id, dict, certs, crls, ocsps, vri })
    }
}

/// The entries of an array-valued key (direct or indirect); none when the key is absent.
fn array(doc: &Document, d: &Dictionary, key: &[u8]) -> core::result::Result<Vec<Object>, String> {
    match d.get(key) {
        Err(_) => Ok(Vec::new()),
        Ok(o) => {
            deref(doc, o)?.as_array().cloned().map_err(|_| format!("/{} is not an array", String::from_utf8_lossy(key)))
        }
    }
}

/// Add validation data, with `/TU` the current time: see [`add_validation_data_at`].
pub fn add_validation_data(pdf: &[u8], material: &Material) -> Result<Vec<u8>> {
    add_validation_data_at(pdf, material, OffsetDateTime::now_utc())
}

/// Append an incremental update that adds `material` to the catalog's `/DSS` (created when
/// absent): certificates and CRLs not already stored (by content) as new streams, and a `/VRI`
/// entry for every signature and document time stamp in the file that has none, made at `now`.
/// Every earlier entry is kept; existing `/VRI` entries are made to name every stream too.
/// Refused when the DSS would exceed what the verifier reads ([`MAX_DSS_CERTS`], …).
pub fn add_validation_data_at(pdf: &[u8], material: &Material, now: OffsetDateTime) -> Result<Vec<u8>> {
    let doc = load(pdf).map_err(|e| err(format!("PDF does not parse: {e}")))?;
    let raw = RawDss::read(&doc).map_err(|e| err(format!("the existing DSS cannot be extended: {e}")))?;
    let mut w = Appender::start(pdf, &doc)?;
    let root = w.root;

    let mut stored_bytes: usize =
        raw.certs.iter().chain(&raw.crls).filter_map(|(_, d)| d.as_ref().ok()).map(Vec::len).sum();
    let mut add = |existing: &[(Object, core::result::Result<Vec<u8>, String>)],
                   new: Vec<&[u8]>,
                   max: usize,
                   what: &str|
     -> Result<Vec<Object>> {
        let mut refs: Vec<Object> = existing.iter().map(|(o, _)| o.clone()).collect();
        let mut have: Vec<&[u8]> = existing.iter().filter_map(|(_, d)| d.as_deref().ok()).collect();
        for der in new {
            if have.contains(&der) {
                continue;
            }
            let id = w.alloc();
            w.put_stream(id, der);
            refs.push(Object::Reference(id));
            have.push(der);
            stored_bytes += der.len();
        }
        if refs.len() > max {
            return Err(err(format!("the DSS would hold {} {what}, more than the {max} a verifier reads", refs.len())));
        }
        if stored_bytes > MAX_DSS_BYTES {
            return Err(err(format!("the DSS would hold more than the {MAX_DSS_BYTES} bytes a verifier reads")));
        }
        Ok(refs)
    };
    let certs = add(&raw.certs, material.certs.iter().map(Cert::der).collect(), MAX_DSS_CERTS, "certificates")?;
    let crls = add(&raw.crls, material.crls.iter().map(Crl::der).collect(), MAX_DSS_CRLS, "CRLs")?;

    // /VRI: the earlier entries (naming every stream now), then one for each signature without.
    let mut vri = Dictionary::new();
    for (key, stored, d) in &raw.vri {
        match d {
            Some(d) => {
                let mut d = d.clone();
                d.set("Cert", Object::Array(certs.clone()));
                d.set("CRL", Object::Array(crls.clone()));
                vri.set(key.clone(), Object::Dictionary(d));
            }
            None => vri.set(key.clone(), stored.clone()),
        }
    }
    for f in signatures(&doc) {
        let Some(n) = der_len(&f.contents) else { continue };
        let key = vri_key(&f.contents[..n]);
        if vri.has(key.as_bytes()) {
            continue;
        }
        let mut entry = Dictionary::new();
        entry.set("Cert", Object::Array(certs.clone()));
        entry.set("CRL", Object::Array(crls.clone()));
        entry.set("TU", Object::String(pdf_date(now).into_bytes(), lopdf::StringFormat::Literal));
        vri.set(key, Object::Dictionary(entry));
    }
    if vri.len() > MAX_VRI_ENTRIES {
        return Err(err(format!(
            "the DSS would hold {} /VRI entries, more than the {MAX_VRI_ENTRIES} accepted",
            vri.len()
        )));
    }

    let mut dss = raw.dict.clone();
    if !dss.has(b"Type") && !raw.present {
        dss.set("Type", Object::Name(b"DSS".to_vec()));
    }
    dss.set("Certs", Object::Array(certs));
    dss.set("CRLs", Object::Array(crls));
    dss.set("VRI", Object::Dictionary(vri));
    let dss_id = match raw.id {
        Some(id) => id,
        None => w.alloc(),
    };
    w.put_object(dss_id, &Object::Dictionary(dss));
    if raw.id.is_none() {
        let mut catalog = doc.get_dictionary(root).map_err(|e| err(format!("the catalog: {e}")))?.clone();
        catalog.set("DSS", Object::Reference(dss_id));
        w.put_object(root, &Object::Dictionary(catalog));
    }
    Ok(w.finish())
}

/// Append a document time stamp made by `tsa` at `now`: see [`add_document_time_stamp_with`].
pub fn add_document_time_stamp(pdf: &[u8], tsa: &TimeStampAuthority, now: OffsetDateTime) -> Result<Vec<u8>> {
    add_document_time_stamp_with(pdf, &|covered| {
        tsa.stamp(&Imprint::sm3_of(covered), None, true, now)
            .map_err(|e| err(format!("the time-stamp authority did not stamp the document: {e}")))
    })
}

/// Append a document time stamp (ISO 32000-2 §12.8.5): a signature dictionary `/Type
/// /DocTimeStamp /Filter /Adobe.PPKLite /SubFilter /ETSI.RFC3161` on an invisible field of the
/// first page, whose `/Contents` is the DER token (`ContentInfo`) `make_token` returns for the
/// bytes the `/ByteRange` covers (ask a TSA for the SM3 imprint of them). Refused when the token
/// is larger than [`TIME_STAMP_RESERVED`].
pub fn add_document_time_stamp_with(pdf: &[u8], make_token: &dyn Fn(&[u8]) -> Result<Vec<u8>>) -> Result<Vec<u8>> {
    let dict = SigDict {
        head: b"/Type /DocTimeStamp /Filter /Adobe.PPKLite /SubFilter /ETSI.RFC3161",
        tail: Vec::new(),
        reserved: TIME_STAMP_RESERVED,
        what: "the time-stamp token",
        field_prefix: "Signature",
        handwriting: None,
        lock: false,
    };
    append_signature(pdf, &dict, Widget::Invisible { page: 0 }, make_token)
}

/// Make a signed PDF long-term verifiable, or renew it: add `material` (the certificates and
/// fresh CRLs for the newest time stamp's TSA, and for the signers on the first call) as
/// validation data, then a document time stamp by `tsa` at `now` over everything. Call it again
/// before the last time stamp's TSA certificate expires.
pub fn extend(pdf: &[u8], material: &Material, tsa: &TimeStampAuthority, now: OffsetDateTime) -> Result<Vec<u8>> {
    let with_data = add_validation_data_at(pdf, material, now)?;
    add_document_time_stamp(&with_data, tsa, now)
}

/// What an incremental update adds, when it only adds long-term validation data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LtvUpdate {
    /// Whether it adds or changes DSS objects.
    pub dss: bool,
    /// How many document time stamps it adds.
    pub time_stamps: usize,
}

impl LtvUpdate {
    /// In words, English and Chinese.
    pub fn describe(&self) -> (String, String) {
        match (self.dss, self.time_stamps) {
            (false, 0) => ("no object changed".into(), "无对象变化".into()),
            (true, 0) => ("validation data (DSS)".into(), "验证数据（DSS）".into()),
            (false, n) => (format!("{n} document time stamp(s)"), format!("{n}个文档时间戳")),
            (true, n) => (
                format!("validation data (DSS) and {n} document time stamp(s)"),
                format!("验证数据（DSS）及{n}个文档时间戳"),
            ),
        }
    }
}

/// The shape of an object, for checking what a DSS entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Dict,
    Array,
    Stream,
}

fn shape(o: &Object) -> Option<Shape> {
    match o {
        Object::Dictionary(_) => Some(Shape::Dict),
        Object::Array(_) => Some(Shape::Array),
        Object::Stream(_) => Some(Shape::Stream),
        _ => None,
    }
}

/// The indirect objects of a revision's DSS, by the shape its structure gives them: the DSS and
/// `/VRI` dictionaries and entries, the arrays, and the streams they list. Only that structure is
/// followed (bounded by the DSS limits), so an object elsewhere cannot pass for DSS data.
fn dss_objects(doc: &Document) -> HashMap<ObjectId, Shape> {
    let mut out = HashMap::new();
    let Some(catalog) = doc.trailer.get(b"Root").ok().and_then(|r| deref(doc, r).ok()).and_then(|c| c.as_dict().ok())
    else {
        return out;
    };
    let mut note = |o: &Object, s: Shape| {
        if let Object::Reference(id) = o {
            out.insert(*id, s);
        }
    };
    let Ok(stored) = catalog.get(b"DSS") else { return out };
    note(stored, Shape::Dict);
    let Some(dss) = deref(doc, stored).ok().and_then(|d| d.as_dict().ok()) else { return out };
    let arrays = |d: &Dictionary, keys: &[&[u8]], note: &mut dyn FnMut(&Object, Shape)| {
        for key in keys {
            if let Ok(a) = d.get(key) {
                note(a, Shape::Array);
                if let Some(items) = deref(doc, a).ok().and_then(|a| a.as_array().ok()) {
                    for item in items.iter().take(MAX_DSS_CERTS.max(MAX_DSS_CRLS).max(MAX_DSS_OCSPS)) {
                        note(item, Shape::Stream);
                    }
                }
            }
        }
    };
    arrays(dss, &[b"Certs", b"CRLs", b"OCSPs"], &mut note);
    if let Ok(v) = dss.get(b"VRI") {
        note(v, Shape::Dict);
        if let Some(v) = deref(doc, v).ok().and_then(|v| v.as_dict().ok()) {
            for (_, entry) in v.iter().take(MAX_VRI_ENTRIES) {
                note(entry, Shape::Dict);
                if let Some(e) = deref(doc, entry).ok().and_then(|e| e.as_dict().ok()) {
                    arrays(e, &[b"Cert", b"CRL", b"OCSP"], &mut note);
                    if let Ok(ts) = e.get(b"TS") {
                        note(ts, Shape::Stream);
                    }
                }
            }
        }
    }
    out
}

/// Whether two objects are the same, however their strings are written (hex or literal).
fn same(a: &Object, b: &Object) -> bool {
    match (a, b) {
        (Object::String(x, _), Object::String(y, _)) => x == y,
        (Object::Array(x), Object::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q)),
        (Object::Dictionary(x), Object::Dictionary(y)) => same_dict(x, y, &[]),
        (Object::Stream(x), Object::Stream(y)) => same_dict(&x.dict, &y.dict, &[]) && x.content == y.content,
        _ => a == b,
    }
}

/// Whether two dictionaries are the same but for the keys in `except`.
fn same_dict(x: &Dictionary, y: &Dictionary, except: &[&[u8]]) -> bool {
    let keys = |d: &Dictionary| -> HashSet<Vec<u8>> {
        d.iter().map(|(k, _)| k.clone()).filter(|k| !except.contains(&k.as_slice())).collect()
    };
    keys(x) == keys(y)
        && x.iter().filter(|(k, _)| !except.contains(&k.as_slice())).all(|(k, v)| y.get(k).is_ok_and(|w| same(v, w)))
}

/// The entries of `d`'s array-valued `key` in `doc` (none when absent or not an array).
fn items(doc: &Document, d: Option<&Dictionary>, key: &[u8]) -> Vec<Object> {
    d.and_then(|d| array(doc, d, key).ok()).unwrap_or_default()
}

/// Whether `new` is `old` with entries appended that are all references in `allowed`.
fn appended_only(old: &[Object], new: &[Object], allowed: &HashSet<ObjectId>) -> bool {
    new.len() >= old.len()
        && old.iter().zip(new).all(|(a, b)| same(a, b))
        && new[old.len()..].iter().all(|o| o.as_reference().is_ok_and(|r| allowed.contains(&r)))
}

/// The objects a revision refers to but does not define.
fn dangling(doc: &Document) -> HashSet<ObjectId> {
    fn walk(o: &Object, doc: &Document, out: &mut HashSet<ObjectId>, depth: usize) {
        if depth > 64 {
            return;
        }
        match o {
            Object::Reference(id) if !doc.objects.contains_key(id) => {
                out.insert(*id);
            }
            Object::Array(a) => a.iter().for_each(|x| walk(x, doc, out, depth + 1)),
            Object::Dictionary(d) => d.iter().for_each(|(_, x)| walk(x, doc, out, depth + 1)),
            Object::Stream(s) => s.dict.iter().for_each(|(_, x)| walk(x, doc, out, depth + 1)),
            _ => {}
        }
    }
    let mut out = HashSet::new();
    for o in doc.objects.values() {
        walk(o, doc, &mut out, 0);
    }
    if let Ok(Object::Reference(id)) = doc.trailer.get(b"Info")
        && !doc.objects.contains_key(id)
    {
        out.insert(*id);
    }
    out
}

fn dict_in(d: &Document, id: ObjectId) -> Option<&Dictionary> {
    d.objects.get(&id).and_then(|o| o.as_dict().ok())
}

/// Whether an update that defines `objects`, turning revision `before` into `after`, only adds
/// long-term validation data: DSS objects (new, or DSS objects already), document time stamp
/// signature dictionaries, their invisible widgets (zero-area `/Rect`, no actions), the widgets'
/// entries appended to a page's `/Annots` and the AcroForm's `/Fields`, and the catalog with
/// only `/DSS` and `/AcroForm` changed. Objects written again unchanged are allowed too. The
/// error names the first object that is something else.
pub fn classify_update(
    before: &Document,
    after: &Document,
    objects: &[(u32, u16)],
) -> core::result::Result<LtvUpdate, String> {
    let root_of = |d: &Document| d.trailer.get(b"Root").and_then(Object::as_reference).ok();
    let root = root_of(after).ok_or("the new revision has no catalog")?;
    if root_of(before) != Some(root) {
        return Err("the catalog was replaced".into());
    }
    let new_ids: HashSet<ObjectId> = objects.iter().copied().filter(|id| !before.objects.contains_key(id)).collect();
    // A "new" object the earlier revision already referred to (a dangling reference there) would
    // change what that revision shows — an image or a font given at last — whatever it claims to
    // be.
    if let Some(id) = dangling(before).into_iter().find(|id| new_ids.contains(id)) {
        return Err(format!("{} {} R was referred to before it was defined", id.0, id.1));
    }

    // Document time stamps, their widgets and the widgets' appearance streams.
    let stamps: HashSet<ObjectId> =
        new_ids.iter().copied().filter(|id| dict_in(after, *id).is_some_and(is_document_time_stamp)).collect();
    let mut appearances = HashSet::new();
    let widgets: HashSet<ObjectId> = new_ids
        .iter()
        .copied()
        .filter(|id| {
            let Some(w) = dict_in(after, *id) else { return false };
            const KEYS: &[&[u8]] = &[b"Type", b"Subtype", b"FT", b"T", b"TU", b"V", b"Rect", b"P", b"F", b"Ff", b"AP"];
            let zero_area = w.get(b"Rect").and_then(Object::as_array).is_ok_and(|r| {
                let v: Vec<f32> = r.iter().filter_map(|x| x.as_float().ok()).collect();
                v.len() == 4 && (v[0] == v[2] || v[1] == v[3])
            });
            let ok = w.get(b"Subtype").and_then(Object::as_name).ok() == Some(b"Widget")
                && w.get(b"FT").and_then(Object::as_name).ok() == Some(b"Sig")
                && w.get(b"V").and_then(Object::as_reference).is_ok_and(|v| stamps.contains(&v))
                && zero_area
                && w.iter().all(|(k, _)| KEYS.contains(&k.as_slice()));
            if ok && let Ok(ap) = w.get(b"AP").and_then(Object::as_dict) {
                for (_, v) in ap.iter() {
                    match v.as_reference() {
                        Ok(r) if new_ids.contains(&r) => {
                            appearances.insert(r);
                        }
                        _ => return false,
                    }
                }
            }
            ok
        })
        .collect();

    let dss_before = dss_objects(before);
    let dss_after = dss_objects(after);
    let catalog = dict_in(after, root).ok_or("the catalog is not a dictionary")?;
    let old_catalog = dict_in(before, root);
    let acro_of = |d: &Document, c: Option<&Dictionary>| -> Option<Dictionary> {
        c.and_then(|c| c.get(b"AcroForm").ok()).and_then(|a| deref(d, a).ok()).and_then(|a| a.as_dict().ok()).cloned()
    };
    let acroform_ok = |new: &Dictionary| {
        let old = acro_of(before, old_catalog).unwrap_or_default();
        same_dict(&old, new, &[b"Fields", b"SigFlags"])
            && appended_only(&items(before, Some(&old), b"Fields"), &items(after, Some(new), b"Fields"), &widgets)
    };
    let acro_id = catalog.get(b"AcroForm").and_then(Object::as_reference).ok();
    let pages: HashSet<ObjectId> = after.get_pages().into_values().collect();
    let annots_ids: HashSet<ObjectId> = pages
        .iter()
        .filter_map(|p| dict_in(after, *p))
        .filter_map(|d| d.get(b"Annots").and_then(Object::as_reference).ok())
        .collect();

    let mut found = LtvUpdate::default();
    for id in objects {
        let new = after.objects.get(id).ok_or_else(|| format!("{} {} R is not in the new revision", id.0, id.1))?;
        let old = before.objects.get(id);
        let ok = if old.is_some_and(|o| same(o, new)) {
            true
        } else if let Some(s) = dss_after.get(id)
            && shape(new) == Some(*s)
            && (old.is_none() || dss_before.contains_key(id))
        {
            found.dss = true;
            true
        } else if stamps.contains(id) {
            found.time_stamps += 1;
            true
        } else if widgets.contains(id) {
            true
        } else if appearances.contains(id) {
            matches!(new, Object::Stream(_))
        } else if *id == root {
            let old = old_catalog.cloned().unwrap_or_default();
            let acro_ok = match catalog.get(b"AcroForm") {
                Ok(Object::Dictionary(a)) => acroform_ok(a),
                _ => true, // an indirect AcroForm is judged as its own object
            };
            let dss_changed = match (old.get(b"DSS").ok(), catalog.get(b"DSS").ok()) {
                (Some(a), Some(b)) => !same(a, b),
                (None, None) => false,
                _ => true,
            };
            found.dss |= dss_changed;
            same_dict(&old, catalog, &[b"DSS", b"AcroForm"]) && acro_ok
        } else if Some(*id) == acro_id {
            new.as_dict().is_ok_and(acroform_ok)
        } else if pages.contains(id) {
            let old_page = old.and_then(|o| o.as_dict().ok());
            let new_page = new.as_dict().ok();
            match (old_page, new_page) {
                (Some(o), Some(n)) => {
                    // The same indirect /Annots array is judged as its own object.
                    let same_array = matches!(
                        (o.get(b"Annots"), n.get(b"Annots")),
                        (Ok(Object::Reference(a)), Ok(Object::Reference(b))) if a == b
                    );
                    let annots_ok = same_array
                        || appended_only(
                            &items(before, Some(o), b"Annots"),
                            &items(after, Some(n), b"Annots"),
                            &widgets,
                        );
                    same_dict(o, n, &[b"Annots"]) && annots_ok
                }
                _ => false,
            }
        } else if annots_ids.contains(id) {
            match (old.and_then(|o| o.as_array().ok()), new.as_array().ok()) {
                (Some(o), Some(n)) => appended_only(o, n, &widgets),
                _ => false,
            }
        } else {
            new.as_stream().is_ok_and(|s| s.dict.get(b"Type").and_then(Object::as_name).ok() == Some(b"XRef"))
                && old.is_none()
        };
        if !ok {
            return Err(format!("{} {} R is neither validation data nor part of a document time stamp", id.0, id.1));
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use lopdf::{Stream, dictionary};

    /// A revision with a catalog (1 0 R) holding `catalog_extra`, and `objects`.
    fn revision(catalog_extra: Dictionary, objects: Vec<(ObjectId, Object)>) -> Document {
        let mut d = Document::with_version("1.7");
        let mut catalog = dictionary! { "Type" => "Catalog" };
        for (k, v) in catalog_extra.iter() {
            catalog.set(k.clone(), v.clone());
        }
        d.objects.insert((1, 0), Object::Dictionary(catalog));
        for (id, o) in objects {
            d.objects.insert(id, o);
        }
        d.trailer.set("Root", Object::Reference((1, 0)));
        d
    }

    fn cert_stream() -> Object {
        Object::Stream(Stream::new(Dictionary::new(), vec![0x30, 0x00]))
    }

    #[test]
    fn a_dss_update_is_validation_data() {
        let before = revision(Dictionary::new(), vec![]);
        let after = revision(
            dictionary! { "DSS" => Object::Reference((3, 0)) },
            vec![
                ((2, 0), cert_stream()),
                ((3, 0), Object::Dictionary(dictionary! { "Certs" => vec![Object::Reference((2, 0))] })),
            ],
        );
        let r = classify_update(&before, &after, &[(2, 0), (3, 0), (1, 0)]);
        assert_eq!(r, Ok(LtvUpdate { dss: true, time_stamps: 0 }));
        // The catalog changing anything else is not.
        let mut other = after.clone();
        other.objects.get_mut(&(1, 0)).unwrap().as_dict_mut().unwrap().set("OpenAction", Object::Reference((2, 0)));
        assert!(classify_update(&before, &other, &[(2, 0), (3, 0), (1, 0)]).is_err());
    }

    #[test]
    fn an_object_referred_to_before_it_existed_is_not_validation_data() {
        // The signed revision names 2 0 R (an image, say) without defining it.
        let before = revision(dictionary! { "Thumb" => Object::Reference((2, 0)) }, vec![]);
        let after = revision(
            dictionary! { "Thumb" => Object::Reference((2, 0)), "DSS" => Object::Reference((3, 0)) },
            vec![
                ((2, 0), cert_stream()),
                ((3, 0), Object::Dictionary(dictionary! { "Certs" => vec![Object::Reference((2, 0))] })),
            ],
        );
        let r = classify_update(&before, &after, &[(2, 0), (3, 0), (1, 0)]);
        assert!(r.as_ref().is_err_and(|e| e.contains("referred to before")), "{r:?}");
    }

    #[test]
    fn only_invisible_widgets_of_document_time_stamps_count() {
        let before = revision(Dictionary::new(), vec![]);
        let stamp = dictionary! { "Type" => "DocTimeStamp", "SubFilter" => "ETSI.RFC3161" };
        let widget = |rect: Vec<Object>| {
            dictionary! { "Type" => "Annot", "Subtype" => "Widget", "FT" => "Sig", "V" => Object::Reference((2, 0)), "Rect" => rect }
        };
        let with = |w: Dictionary| {
            revision(
                dictionary! { "AcroForm" => dictionary! { "Fields" => vec![Object::Reference((3, 0))], "SigFlags" => 3 } },
                vec![((2, 0), Object::Dictionary(stamp.clone())), ((3, 0), Object::Dictionary(w))],
            )
        };
        let zero = vec![0.into(), 0.into(), 0.into(), 0.into()];
        let r = classify_update(&before, &with(widget(zero)), &[(2, 0), (3, 0), (1, 0)]);
        assert_eq!(r, Ok(LtvUpdate { dss: false, time_stamps: 1 }));
        // A visible widget could paint over the page.
        let visible = vec![0.into(), 0.into(), 100.into(), 100.into()];
        assert!(classify_update(&before, &with(widget(visible)), &[(2, 0), (3, 0), (1, 0)]).is_err());
        // So could one with an action.
        let mut acting = widget(vec![0.into(), 0.into(), 0.into(), 0.into()]);
        acting.set("A", dictionary! { "S" => "JavaScript" });
        assert!(classify_update(&before, &with(acting), &[(2, 0), (3, 0), (1, 0)]).is_err());
    }
}
