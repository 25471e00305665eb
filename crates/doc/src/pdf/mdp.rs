//! Changes after a signature that are further signatures, and the lock a signature can put on
//! the document.
//!
//! - **A further signature** (ISO 32000-1 §12.8.2.2.2: with DocMDP /P 2 or 3, "filling in forms
//!   … and signing" are permitted changes; with no DocMDP, signing is the change every
//!   multi-party document expects): an incremental update that adds signature dictionaries,
//!   their fields, widgets and appearances, and changes existing objects only by appending to
//!   a page's /Annots, the AcroForm's /Fields (and /SigFlags), and the catalog's /AcroForm.
//!   Any other changed object — a page's /Contents, /Resources or /MediaBox, an existing
//!   annotation, another field's value — makes it something else.
//! - **A lock** (ISO 32000-2 §12.8.2.4: a FieldMDP transform with /Action /All and /P 1; the
//!   field's lock dictionary, §12.7.5.5): the signer permits no change at all after it. Adding
//!   validation data and document time stamps stays permitted (ISO 32000-2 §12.8.4.3, §12.8.5).
//!
//! This reads objects with lopdf, as loaded; it does not resolve object streams' history.

use lopdf::{Dictionary, Document, Object, ObjectId};
use std::collections::HashSet;

/// Whether a signature dictionary locks the document: a /Reference whose transform is FieldMDP
/// (or DocMDP) with /P 1.
pub(crate) fn locks(doc: &Document, sig: &Dictionary) -> bool {
    let Ok(refs) = sig.get(b"Reference").and_then(Object::as_array) else { return false };
    refs.iter().any(|r| {
        let d = match r {
            Object::Dictionary(d) => Some(d),
            Object::Reference(id) => doc.get_dictionary(*id).ok(),
            _ => None,
        };
        let Some(d) = d else { return false };
        let method = d.get(b"TransformMethod").and_then(Object::as_name).ok();
        let p = d
            .get(b"TransformParams")
            .and_then(Object::as_dict)
            .ok()
            .and_then(|t| t.get(b"P").and_then(Object::as_i64).ok());
        matches!(method, Some(b"FieldMDP" | b"DocMDP")) && p == Some(1)
    })
}

/// How many signatures the update between `before` and `after` adds, if that is all it does;
/// else what else it changes.
pub(crate) fn signature_update(
    before: &Document,
    after: &Document,
    objects: &[(u32, u16)],
) -> core::result::Result<usize, String> {
    let root_of = |d: &Document| d.trailer.get(b"Root").and_then(Object::as_reference).ok();
    let root = root_of(after).ok_or("the new revision has no catalog")?;
    if root_of(before) != Some(root) {
        return Err("the catalog was replaced".into());
    }
    let pages: HashSet<ObjectId> = before.get_pages().into_values().collect();
    let new_ids: HashSet<ObjectId> = objects.iter().copied().filter(|id| !before.objects.contains_key(id)).collect();
    let is_sig_widget = |o: &Object| {
        let id = o.as_reference().ok();
        let d = id.and_then(|id| after.get_dictionary(id).ok());
        id.is_some_and(|id| new_ids.contains(&id))
            && d.is_some_and(|d| {
                d.get(b"Subtype").and_then(Object::as_name).ok() == Some(b"Widget")
                    && d.get(b"FT").and_then(Object::as_name).ok() == Some(b"Sig")
            })
    };
    let mut added = 0;
    for id in objects {
        let Ok(new) = after.get_object(*id) else { continue };
        if new_ids.contains(id) {
            if new.as_dict().is_ok_and(|d| d.get(b"Type").and_then(Object::as_name).ok() == Some(b"Sig")) {
                added += 1;
            }
            continue;
        }
        let old = before.get_object(*id).map_err(|e| e.to_string())?;
        if old == new {
            continue;
        }
        let what = format!("object {} {} R", id.0, id.1);
        let ok = match (old, new) {
            (Object::Dictionary(o), Object::Dictionary(n)) if *id == root => same_but(o, n, &[b"AcroForm"]),
            (Object::Dictionary(o), Object::Dictionary(n)) if pages.contains(id) => {
                same_but(o, n, &[b"Annots"]) && appends(o.get(b"Annots").ok(), n.get(b"Annots").ok(), &is_sig_widget)
            }
            (Object::Dictionary(o), Object::Dictionary(n)) if o.has(b"Fields") || n.has(b"Fields") => {
                same_but(o, n, &[b"Fields", b"SigFlags"])
                    && appends(o.get(b"Fields").ok(), n.get(b"Fields").ok(), &is_sig_widget)
            }
            (Object::Array(_), Object::Array(_)) => appends(Some(old), Some(new), &is_sig_widget),
            _ => false,
        };
        if !ok {
            return Err(format!("{what} changed beyond adding a signature field"));
        }
    }
    if added == 0 {
        return Err("no signature dictionary is added".into());
    }
    Ok(added)
}

/// `a` and `b` hold the same entries but for `except`.
fn same_but(a: &Dictionary, b: &Dictionary, except: &[&[u8]]) -> bool {
    let keep = |d: &Dictionary| -> Vec<(Vec<u8>, Object)> {
        let mut v: Vec<_> =
            d.iter().filter(|(k, _)| !except.contains(&k.as_slice())).map(|(k, o)| (k.clone(), o.clone())).collect();
        v.sort_by(|x, y| x.0.cmp(&y.0));
        v
    };
    keep(a) == keep(b)
}

/// `new` is `old` (an array, absent, or the same reference) with signature widgets appended.
fn appends(old: Option<&Object>, new: Option<&Object>, is_sig_widget: &dyn Fn(&Object) -> bool) -> bool {
    match (old, new) {
        (Some(o), Some(n)) if o == n => true,
        (None, Some(Object::Array(n))) => n.iter().all(is_sig_widget),
        (Some(Object::Array(o)), Some(Object::Array(n))) => {
            n.len() > o.len() && n.starts_with(o) && n[o.len()..].iter().all(is_sig_widget)
        }
        _ => false,
    }
}
