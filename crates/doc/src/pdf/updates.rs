//! What follows a signed revision of a PDF: a sequence of well-formed incremental updates
//! (ISO 32000-1 §7.5.6), or bytes that are not one.
//!
//! An update is a body of objects, a cross-reference section (a table with its trailer, or a
//! cross-reference stream) whose `/Prev` names the previous section, `startxref` pointing at it,
//! and `%%EOF`. Anything else after a signature's `/ByteRange` — text appended after the last
//! `%%EOF`, an update whose `startxref` points elsewhere, a `/Prev` that skips a revision — is
//! reported by offset and length, never taken for an update. This reads the bytes as stored; it
//! does not parse objects (lopdf does, for the page comparison).

use super::scan::find;

/// Most incremental updates read after a signed revision. A document signed by each of its
/// parties in turn carries one update a signature (and perhaps one for validation data); a
/// thousand is far beyond that, and past it the report would name every update for every
/// signature. The updates after the limit are reported as not read, never taken as harmless.
pub const MAX_UPDATES: usize = 1000;

/// One incremental update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Update {
    /// Offset of its first byte (after the previous `%%EOF` and its end-of-line).
    pub start: usize,
    /// Offset after its `%%EOF`.
    pub end: usize,
    /// Objects it defines (number, generation), in order.
    pub objects: Vec<(u32, u16)>,
    /// Whether its cross-reference section is a stream (else a table).
    pub xref_stream: bool,
    /// Whether it holds a signature dictionary (`/ByteRange`).
    pub has_signature: bool,
}

/// Bytes after the signed revision that are not a well-formed update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    /// Where they start.
    pub offset: usize,
    /// How many.
    pub len: usize,
    /// Why they are not an update.
    pub why: String,
}

/// The bytes after a signed revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tail {
    /// The well-formed updates, in order.
    pub updates: Vec<Update>,
    /// Bytes after them that are not an update, if any.
    pub malformed: Option<Malformed>,
    /// End-of-line or white-space bytes after the last `%%EOF` (harmless; named).
    pub trailing_whitespace: usize,
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\r' | b'\n' | b'\t' | b'\x0c' | b'\0')
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

/// The unsigned integer at `pos` after white space, and the offset after it.
fn int_at(b: &[u8], mut pos: usize) -> Option<(u64, usize)> {
    while pos < b.len() && is_ws(b[pos]) {
        pos += 1;
    }
    let start = pos;
    while pos < b.len() && b[pos].is_ascii_digit() && pos - start < 19 {
        pos += 1;
    }
    if pos == start {
        return None;
    }
    std::str::from_utf8(&b[start..pos]).ok()?.parse().ok().map(|v| (v, pos))
}

/// The value of the `startxref` that ends `revision`.
pub fn last_startxref(revision: &[u8]) -> Option<u64> {
    let at = rfind(revision, b"startxref")?;
    int_at(revision, at + 9).map(|(v, _)| v)
}

/// Which revision `revision` (a prefix of a PDF ending at a `%%EOF`) is: 1 for the original, 2
/// after one incremental update, and so on, by following the `/Prev` chain of its
/// cross-reference sections (at most [`MAX_UPDATES`] + 1 of them). A linearised original has
/// two sections and counts as two. `None` when a section cannot be found.
pub fn revision_number(revision: &[u8]) -> Option<usize> {
    let mut at = usize::try_from(last_startxref(revision)?).ok()?;
    for n in 1..=MAX_UPDATES + 1 {
        let section = revision.get(at..)?;
        // The trailer up to its startxref, or the stream's dictionary: never the revisions after.
        let dict = if section.starts_with(b"xref") {
            let t = find(section, b"trailer", 0)?;
            &section[t..find(section, b"startxref", t)?]
        } else {
            &section[..find(section, b"stream", 0)?]
        };
        match prev_in(dict) {
            Some(prev) if (prev as usize) < at => at = prev as usize,
            Some(_) => return None,
            None => return Some(n),
        }
    }
    None
}

/// The value of `/Prev` in a dictionary's text.
fn prev_in(dict: &[u8]) -> Option<u64> {
    let at = find(dict, b"/Prev", 0)?;
    int_at(dict, at + 5).map(|(v, _)| v)
}

/// The objects `n g obj` defined in `body`: each `obj` keyword preceded by two integers.
fn objects_in(body: &[u8]) -> Vec<(u32, u16)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = find(body, b"obj", from) {
        from = at + 3;
        let after_ok = body.get(at + 3).is_none_or(|b| is_ws(*b) || matches!(b, b'<' | b'[' | b'/' | b'('));
        if at == 0 || !is_ws(body[at - 1]) || !after_ok {
            continue;
        }
        // Walk back over "<num> <gen> ".
        let mut p = at;
        let mut nums = Vec::new();
        for _ in 0..2 {
            while p > 0 && is_ws(body[p - 1]) {
                p -= 1;
            }
            let end = p;
            while p > 0 && body[p - 1].is_ascii_digit() {
                p -= 1;
            }
            if p == end {
                break;
            }
            nums.push(std::str::from_utf8(&body[p..end]).ok().and_then(|s| s.parse::<u64>().ok()));
        }
        if let [Some(g), Some(n)] = nums[..]
            && (p == 0 || is_ws(body[p - 1]))
            && let (Ok(n), Ok(g)) = (u32::try_from(n), u16::try_from(g))
        {
            out.push((n, g));
        }
    }
    out
}

/// Read what follows the signed revision `pdf[..signed_end]`.
pub fn analyse(pdf: &[u8], signed_end: usize) -> Tail {
    let mut updates = Vec::new();
    let mut prev = last_startxref(&pdf[..signed_end.min(pdf.len())]);
    let mut pos = signed_end.min(pdf.len());
    loop {
        let mut p = pos;
        while p < pdf.len() && is_ws(pdf[p]) {
            p += 1;
        }
        if p == pdf.len() {
            return Tail { updates, malformed: None, trailing_whitespace: pdf.len() - pos };
        }
        let bad = |why: String| Tail {
            updates: updates.clone(),
            malformed: Some(Malformed { offset: p, len: pdf.len() - p, why }),
            trailing_whitespace: 0,
        };
        if updates.len() >= MAX_UPDATES {
            return bad(format!("more than {MAX_UPDATES} incremental updates follow the signature: not read further"));
        }
        let Some(eof) = find(pdf, b"%%EOF", p) else {
            return bad("no %%EOF follows: not an incremental update".into());
        };
        let seg_end = eof + 5;
        let seg = &pdf[p..seg_end];
        let Some(sx) = rfind(seg, b"startxref") else {
            return bad("no startxref before %%EOF: not an incremental update".into());
        };
        let Some((xref_at, after)) = int_at(seg, sx + 9) else {
            return bad("startxref is not followed by an offset".into());
        };
        if seg[after..].iter().take_while(|b| is_ws(**b)).count() + after != seg.len() - 5 {
            return bad("bytes between the startxref offset and %%EOF".into());
        }
        let xref_at = xref_at as usize;
        if xref_at < p || xref_at >= p + sx {
            return bad(format!(
                "startxref {xref_at} does not point into the update (bytes {p}–{}): not an incremental update",
                p + sx
            ));
        }
        let body = &pdf[p..xref_at];
        // The body: objects only (white space and comments between them are allowed).
        let first_non_ws = body.iter().position(|b| !is_ws(*b));
        if let Some(i) = first_non_ws
            && !body[i].is_ascii_digit()
            && body[i] != b'%'
        {
            return bad(format!("bytes at {} are neither an object nor a cross-reference section", p + i));
        }
        let section = &pdf[xref_at..p + sx];
        let (xref_stream, dict) = if section.starts_with(b"xref") {
            let Some(t) = find(section, b"trailer", 0) else {
                return bad("cross-reference table without a trailer".into());
            };
            if !xref_table_ok(&section[4..t]) {
                return bad(format!("the cross-reference table at {xref_at} is malformed"));
            }
            (false, &section[t..])
        } else {
            let is_obj = !objects_in(&pdf[xref_at.saturating_sub(1)..(xref_at + 40).min(p + sx)]).is_empty();
            let dict_end = find(section, b"stream", 0).unwrap_or(section.len());
            let dict = &section[..dict_end];
            if !is_obj || (find(dict, b"/XRef", 0).is_none()) {
                return bad(format!("startxref {xref_at} points at neither a cross-reference table nor stream"));
            }
            (true, dict)
        };
        match (prev, prev_in(dict)) {
            (Some(want), Some(got)) if want != got => {
                return bad(format!("/Prev {got} does not name the previous cross-reference section ({want})"));
            }
            (Some(_), None) => return bad("the update's trailer has no /Prev".into()),
            _ => {}
        }
        let objects = objects_in(body);
        let objects = if xref_stream {
            // The cross-reference stream object itself is part of the update too.
            let mut o = objects;
            o.extend(objects_in(&pdf[xref_at.saturating_sub(1)..(xref_at + 40).min(seg_end)]).into_iter().take(1));
            o
        } else {
            objects
        };
        updates.push(Update {
            start: pos,
            end: seg_end,
            objects,
            xref_stream,
            has_signature: find(body, b"/ByteRange", 0).is_some(),
        });
        prev = Some(xref_at as u64);
        pos = seg_end;
    }
}

/// A classic cross-reference table's subsections: `first count` then `count` 20-byte entries.
fn xref_table_ok(mut t: &[u8]) -> bool {
    let mut any = false;
    loop {
        let skip = t.iter().take_while(|b| is_ws(**b)).count();
        t = &t[skip..];
        if t.is_empty() {
            return any;
        }
        let Some((_, p)) = int_at(t, 0) else { return false };
        let Some((count, p)) = int_at(t, p) else { return false };
        let mut q = p;
        while q < t.len() && is_ws(t[q]) {
            q += 1;
        }
        t = &t[q..];
        for _ in 0..count {
            if t.len() < 18 {
                return false;
            }
            let e = &t[..18];
            let ok = e[..10].iter().all(u8::is_ascii_digit)
                && e[10] == b' '
                && e[11..16].iter().all(u8::is_ascii_digit)
                && e[16] == b' '
                && matches!(e[17], b'n' | b'f');
            if !ok {
                return false;
            }
            let skip = t[18..].iter().take(2).take_while(|b| is_ws(**b)).count();
            t = &t[18 + skip..];
        }
        any = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &[u8] = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\nxref\n0 2\n0000000000 65535 f \n0000000009 00000 n \ntrailer\n<< /Size 2 /Root 1 0 R >>\nstartxref\n45\n%%EOF\n";

    fn update(base: &[u8], body: &[u8], prev: u64) -> Vec<u8> {
        let mut v = base.to_vec();
        v.extend_from_slice(body);
        let x = v.len();
        v.extend_from_slice(
            format!("xref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size 3 /Prev {prev} >>\nstartxref\n{x}\n%%EOF\n")
                .as_bytes(),
        );
        v
    }

    #[test]
    fn whole_file_and_trailing_eol() {
        let t = analyse(BASE, BASE.len() - 1);
        assert_eq!(t, Tail { updates: vec![], malformed: None, trailing_whitespace: 1 });
        assert_eq!(last_startxref(BASE), Some(45));
    }

    #[test]
    fn appended_text_is_malformed() {
        let mut v = BASE.to_vec();
        v.extend_from_slice(b"hello garbage\n");
        let t = analyse(&v, BASE.len());
        let m = t.malformed.expect("garbage is not an update");
        assert_eq!((m.offset, m.len), (BASE.len(), 14));
    }

    #[test]
    fn a_well_formed_update_lists_its_objects() {
        let v =
            update(BASE, b"2 0 obj\n<< /ByteRange [0 1 2 3] >>\nendobj\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", 45);
        let t = analyse(&v, BASE.len());
        assert_eq!(t.malformed, None);
        assert_eq!(t.updates.len(), 1);
        assert_eq!(t.updates[0].objects, vec![(2, 0), (1, 0)]);
        assert!(t.updates[0].has_signature);
        // The same update with garbage after it.
        let mut g = v.clone();
        g.extend_from_slice(b"junk");
        let t = analyse(&g, BASE.len());
        assert_eq!(t.updates.len(), 1);
        assert_eq!(t.malformed.map(|m| m.offset), Some(v.len()));
    }

    #[test]
    fn a_wrong_prev_or_startxref_is_malformed() {
        let v = update(BASE, b"2 0 obj\n<< >>\nendobj\n", 44);
        assert!(analyse(&v, BASE.len()).malformed.is_some_and(|m| m.why.contains("/Prev")));
        let mut w = BASE.to_vec();
        w.extend_from_slice(b"2 0 obj\n<< >>\nendobj\nstartxref\n45\n%%EOF\n");
        assert!(analyse(&w, BASE.len()).malformed.is_some_and(|m| m.why.contains("does not point")));
    }
}
