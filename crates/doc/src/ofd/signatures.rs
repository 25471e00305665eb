//! `Signatures.xml` and `Signature.xml` (GB/T 33190-2016 §18.2), read into plain structures.
//! Element names are matched without their namespace prefix (`ofd:`); attribute and element
//! forms of the same field (dms360 writes `Provider` as child elements) are both accepted.

use crate::{Error, Result};
use quick_xml::events::Event;

/// A small element tree, enough for the signature parts.
#[derive(Debug, Clone, Default)]
pub struct Element {
    /// Local name.
    pub name: String,
    /// Attributes (local name, value).
    pub attrs: Vec<(String, String)>,
    /// Concatenated text content.
    pub text: String,
    /// Children.
    pub children: Vec<Element>,
}

impl Element {
    /// An attribute.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
    /// The first child with this local name.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }
    /// All children with this local name.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }
}

/// Deepest element nesting read. OFD parts nest a dozen levels (a page's layer, blocks, a text
/// object and its code); 64 leaves room for any producer and keeps a hostile part from building a
/// tree a reader would walk recursively.
pub const MAX_DEPTH: usize = 64;
/// Most elements in one part: a dense page has a few thousand text objects.
pub const MAX_ELEMENTS: usize = 100_000;
/// Longest attribute value or element text, in bytes. The longest real ones are a path's
/// `AbbreviatedData` on a vector page (hundreds of kilobytes) and a Base64 `CheckValue`; 4 MiB
/// is ample, while a part may be 64 MiB and a value that large would be copied as it is decoded.
pub const MAX_VALUE: usize = 4 << 20;

fn local(n: quick_xml::name::QName<'_>) -> String {
    n.into_inner().rsplit(':').next().unwrap_or("").to_string()
}

/// Parse XML into an [`Element`] tree (the root element).
pub fn parse_xml(file: &str, bytes: &[u8]) -> Result<Element> {
    let err = |d: String| Error::Xml { file: file.to_string(), detail: d };
    let mut reader = quick_xml::Reader::from_reader(bytes);
    let mut stack: Vec<Element> = Vec::new();
    let mut root = None;
    let mut count = 0usize;
    let too_long = || err(format!("an attribute value or element text is longer than {MAX_VALUE} bytes"));
    loop {
        // Borrowed events: the input is never copied.
        let ev = reader.read_event().map_err(|e| err(e.to_string()))?;
        let empty = matches!(ev, Event::Empty(_));
        match ev {
            Event::Start(s) | Event::Empty(s) if root.is_none() => {
                count += 1;
                if count > MAX_ELEMENTS {
                    return Err(err(format!("more than {MAX_ELEMENTS} elements")));
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(err(format!("elements nested more than {MAX_DEPTH} deep")));
                }
                let mut el = Element { name: local(s.name()), ..Default::default() };
                for a in s.attributes() {
                    let a = a.map_err(|e| err(e.to_string()))?;
                    if a.value.len() > MAX_VALUE {
                        return Err(too_long());
                    }
                    let v = a
                        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .map_err(|e| err(e.to_string()))?
                        .into_owned();
                    el.attrs.push((local(a.key), v));
                }
                if empty {
                    match stack.last_mut() {
                        Some(p) => p.children.push(el),
                        None => root = Some(el),
                    }
                } else {
                    stack.push(el);
                }
            }
            Event::End(_) => {
                let el = stack.pop().ok_or_else(|| err("unbalanced end tag".into()))?;
                match stack.last_mut() {
                    Some(p) => p.children.push(el),
                    None => root = Some(el),
                }
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    let raw: &str = &t;
                    if top.text.len() + raw.len() > MAX_VALUE {
                        return Err(too_long());
                    }
                    top.text.push_str(&quick_xml::escape::unescape(raw).map_err(|e| err(e.to_string()))?);
                }
            }
            // Entity and character references arrive as events of their own.
            Event::GeneralRef(r) => {
                if let Some(top) = stack.last_mut() {
                    let name: &str = &r;
                    let c = match name {
                        "amp" => Some('&'),
                        "lt" => Some('<'),
                        "gt" => Some('>'),
                        "quot" => Some('"'),
                        "apos" => Some('\''),
                        _ => r.resolve_char_ref().map_err(|e| err(e.to_string()))?,
                    };
                    match c {
                        Some(_) if top.text.len() >= MAX_VALUE => return Err(too_long()),
                        Some(c) => top.text.push(c),
                        None => return Err(err(format!("unknown entity &{name};"))),
                    }
                }
            }
            Event::CData(t) => {
                if let Some(top) = stack.last_mut() {
                    let raw: &str = &t;
                    if top.text.len() + raw.len() > MAX_VALUE {
                        return Err(too_long());
                    }
                    top.text.push_str(raw);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    root.ok_or_else(|| err("no root element".into()))
}

/// One entry of `Signatures.xml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureEntry {
    /// ID attribute.
    pub id: String,
    /// `Seal` (default) or `Sign`.
    pub kind: String,
    /// Resolved path of the Signature.xml.
    pub path: String,
}

/// The entries of a `Signatures.xml` at `path`.
pub fn parse_signatures(path: &str, bytes: &[u8]) -> Result<Vec<SignatureEntry>> {
    let root = parse_xml(path, bytes)?;
    root.all("Signature")
        .map(|s| {
            let loc = s
                .attr("BaseLoc")
                .ok_or_else(|| Error::Xml { file: path.into(), detail: "Signature without BaseLoc".into() })?;
            let resolved = super::Package::resolve(path, loc)
                .ok_or_else(|| Error::Xml { file: path.into(), detail: format!("unsafe BaseLoc {loc:?}") })?;
            Ok(SignatureEntry {
                id: s.attr("ID").unwrap_or("").to_string(),
                kind: s.attr("Type").unwrap_or("Seal").to_string(),
                path: resolved,
            })
        })
        .collect()
}

/// One `Reference`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// FileRef as written.
    pub file_ref: String,
    /// CheckValue, decoded from Base64 (`None` if it is not Base64).
    pub check_value: Option<Vec<u8>>,
}

/// A `Signature.xml`.
#[derive(Debug, Clone)]
pub struct SignatureFile {
    /// Where it is.
    pub path: String,
    /// Provider name.
    pub provider: Option<String>,
    /// SignatureMethod.
    pub method: Option<String>,
    /// SignatureDateTime as written.
    pub date_time: Option<String>,
    /// References CheckMethod.
    pub check_method: Option<String>,
    /// The references.
    pub references: Vec<Reference>,
    /// Resolved path of the seal file, if any.
    pub seal_path: Option<String>,
    /// Resolved path of SignedValue.dat.
    pub signed_value_path: String,
}

/// Parse a Signature.xml at `path`.
pub fn parse_signature(path: &str, bytes: &[u8]) -> Result<SignatureFile> {
    use base64::Engine;
    let root = parse_xml(path, bytes)?;
    let e = |d: &str| Error::Xml { file: path.into(), detail: d.into() };
    let si = root.child("SignedInfo").ok_or_else(|| e("no SignedInfo"))?;
    let refs = si.child("References");
    let references = refs
        .map(|r| {
            r.all("Reference")
                .map(|x| Reference {
                    file_ref: x.attr("FileRef").unwrap_or("").to_string(),
                    check_value: x
                        .child("CheckValue")
                        .and_then(|c| base64::engine::general_purpose::STANDARD.decode(c.text.trim()).ok()),
                })
                .collect()
        })
        .unwrap_or_default();
    let provider = si.child("Provider").and_then(|p| {
        p.attr("ProviderName").map(str::to_string).or_else(|| p.child("ProviderName").map(|c| c.text.clone()))
    });
    let sv = root.child("SignedValue").ok_or_else(|| e("no SignedValue"))?.text.trim().to_string();
    let signed_value_path = super::Package::resolve(path, &sv).ok_or_else(|| e("unsafe SignedValue path"))?;
    let seal_path =
        si.child("Seal").and_then(|s| s.child("BaseLoc")).and_then(|b| super::Package::resolve(path, &b.text));
    Ok(SignatureFile {
        path: path.to_string(),
        provider,
        method: si.child("SignatureMethod").map(|m| m.text.trim().to_string()),
        date_time: si.child("SignatureDateTime").map(|m| m.text.trim().to_string()),
        check_method: refs.and_then(|r| r.attr("CheckMethod")).map(str::to_string),
        references,
        seal_path,
        signed_value_path,
    })
}
