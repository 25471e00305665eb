//! Distinguished names. Text attributes are UTF8String, so Chinese names (单位名称) are stored as
//! written; countryName and serialNumber are PrintableString as X.520 requires.

use crate::{Error, Result};
use der::asn1::{Any, SetOfVec};
use der::{Encode, Tag};
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};

/// Builds a [`Name`] one attribute at a time, in the order given (most general first).
#[derive(Debug, Default, Clone)]
pub struct DnBuilder {
    attrs: Vec<(&'static str, String)>,
}

/// The attribute short names the builder and [`DnBuilder::parse`] accept.
pub const ATTRIBUTES: &[(&str, &str)] = &[
    ("C", "2.5.4.6"),
    ("ST", "2.5.4.8"),
    ("L", "2.5.4.7"),
    ("O", "2.5.4.10"),
    ("OU", "2.5.4.11"),
    ("CN", "2.5.4.3"),
    ("serialNumber", "2.5.4.5"),
    ("organizationIdentifier", "2.5.4.97"),
];

impl DnBuilder {
    /// An empty name.
    pub fn new() -> Self {
        Self::default()
    }

    /// Add an attribute by short name (`C`, `ST`, `L`, `O`, `OU`, `CN`, `serialNumber`,
    /// `organizationIdentifier`, case-insensitive).
    pub fn add(mut self, short: &str, value: &str) -> Result<Self> {
        let up = short.trim().to_ascii_uppercase();
        let (name, _) = ATTRIBUTES
            .iter()
            .find(|(n, _)| n.to_ascii_uppercase() == up)
            .ok_or_else(|| Error::Name(format!("unknown attribute {short:?}")))?;
        if value.is_empty() {
            return Err(Error::Name(format!("{short} is empty")));
        }
        if *name == "C" && (value.len() != 2 || !value.bytes().all(|b| b.is_ascii_uppercase())) {
            return Err(Error::Name(format!("country {value:?} is not a two-letter ISO 3166 code")));
        }
        self.attrs.push((name, value.to_string()));
        Ok(self)
    }

    /// Country.
    pub fn c(self, v: &str) -> Result<Self> {
        self.add("C", v)
    }
    /// Organisation.
    pub fn o(self, v: &str) -> Result<Self> {
        self.add("O", v)
    }
    /// Organisational unit.
    pub fn ou(self, v: &str) -> Result<Self> {
        self.add("OU", v)
    }
    /// Common name.
    pub fn cn(self, v: &str) -> Result<Self> {
        self.add("CN", v)
    }

    /// Parse `C=CN,O=某市市场监督管理局,CN=…` (RFC 4514 order is reversed; we take the order as
    /// written, most general first). `\,` escapes a comma in a value.
    pub fn parse(s: &str) -> Result<Self> {
        let mut b = Self::new();
        let mut parts = Vec::new();
        let mut cur = String::new();
        let mut chars = s.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => cur.extend(chars.next()),
                ',' => parts.push(std::mem::take(&mut cur)),
                _ => cur.push(c),
            }
        }
        parts.push(cur);
        for p in parts.iter().filter(|p| !p.trim().is_empty()) {
            let (k, v) = p.split_once('=').ok_or_else(|| Error::Name(format!("{p:?} is not KEY=value")))?;
            b = b.add(k, v.trim())?;
        }
        if b.attrs.is_empty() {
            return Err(Error::Name("empty name".into()));
        }
        Ok(b)
    }

    /// The X.509 name.
    pub fn build(&self) -> Result<Name> {
        let mut rdns = RdnSequence::default();
        for (short, value) in &self.attrs {
            let oid = ATTRIBUTES
                .iter()
                .find(|(n, _)| n == short)
                .map(|(_, o)| crate::oid::der_oid(o))
                .ok_or_else(|| Error::Name(short.to_string()))?;
            let tag = match *short {
                "C" | "serialNumber" => {
                    if !value.bytes().all(is_printable) {
                        return Err(Error::Name(format!("{short} must be PrintableString characters")));
                    }
                    Tag::PrintableString
                }
                _ => Tag::Utf8String,
            };
            let any = Any::new(tag, value.as_bytes()).map_err(|e| Error::Name(e.to_string()))?;
            let mut set = SetOfVec::new();
            set.insert(AttributeTypeAndValue { oid, value: any }).map_err(|e| Error::Name(e.to_string()))?;
            rdns.push(RelativeDistinguishedName::from(set));
        }
        use der::Decode;
        Ok(Name::from_der(&rdns.to_der()?)?)
    }

    /// The DER of the name.
    pub fn to_der(&self) -> Result<Vec<u8>> {
        Ok(self.build()?.to_der()?)
    }
}

fn is_printable(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b" '()+,-./:=?".contains(&b)
}

/// A readable one-line form of a DER name: `C=CN, O=…, CN=…` with UTF-8 values as written.
pub fn display_name(der: &[u8]) -> String {
    use x509_parser::prelude::FromDer;
    match x509_parser::x509::X509Name::from_der(der) {
        Ok((_, n)) => {
            let mut parts = Vec::new();
            for a in n.iter_attributes() {
                let oid = a.attr_type().to_id_string();
                let short = ATTRIBUTES.iter().find(|(_, o)| *o == oid).map(|(s, _)| s.to_string()).unwrap_or(oid);
                let v = a.as_str().map(str::to_string).unwrap_or_else(|_| hex::encode(a.as_slice()));
                parts.push(format!("{short}={v}"));
            }
            parts.join(", ")
        }
        Err(_) => format!("<unparsable name {}>", hex::encode(der)),
    }
}
