//! Sealing an OFD by GB/T 38540's OFD rules (`docs/standards.md` §4): a new `Sign_N` with a
//! Signature.xml whose References hold the SM3 of every protected part as stored, Seal.esl, and
//! SignedValue.dat = an SES_Signature whose dataHash is SM3 of the Signature.xml bytes and whose
//! propertyInfo is that file's absolute path; the visible stamp is a `StampAnnot` the reader
//! draws from the seal's picture. Signatures.xml is left out of the References so that later
//! signatures can be added, and is (re)written last; OFD.xml points to it before hashing.

use super::package::Package;
use super::signatures::{parse_signatures, parse_xml};
use super::write::{NS, PackageBuilder, xml_escape};
use crate::{Error, Result};
use base64::Engine;
use time::OffsetDateTime;
use yinxin_seal::make::{SignRequest, sign};

/// Where the stamp appears.
#[derive(Debug, Clone, Copy)]
pub struct StampPlace {
    /// The page (0-based).
    pub page: usize,
    /// Left edge in mm.
    pub x: f64,
    /// Top edge in mm.
    pub y: f64,
    /// Size in mm (the seal picture's width and height).
    pub w: f64,
    /// Height in mm.
    pub h: f64,
}

/// Add a seal signature to the package in `b` (made with [`super::write::build`] or read from a
/// file), returning the new signature's Signature.xml path.
pub fn seal(b: &mut PackageBuilder, req: &SignRequest<'_>, place: StampPlace, now: OffsetDateTime) -> Result<String> {
    let err = |d: &str| Error::Xml { file: "OFD.xml".into(), detail: d.into() };
    // 1. OFD.xml points to Signatures.xml (added once).
    let ofd = String::from_utf8(b.get("OFD.xml").ok_or_else(|| err("no OFD.xml"))?.to_vec())
        .map_err(|_| err("OFD.xml is not UTF-8"))?;
    let sigs_path = "Doc_0/Signs/Signatures.xml";
    if !ofd.contains("<ofd:Signatures>") {
        let with =
            ofd.replacen("</ofd:DocRoot>", &format!("</ofd:DocRoot><ofd:Signatures>{sigs_path}</ofd:Signatures>"), 1);
        if with == ofd {
            return Err(err("no DocRoot to place Signatures after"));
        }
        b.put("OFD.xml", with.into_bytes());
    }
    // 2. The next Sign_N, and the page's ID for StampAnnot.
    let existing = match b.get(sigs_path) {
        Some(x) => parse_signatures(sigs_path, x)?,
        None => Vec::new(),
    };
    let n = (0..).find(|i| !b.parts().keys().any(|k| k.starts_with(&format!("Doc_0/Signs/Sign_{i}/")))).unwrap_or(0);
    let dir = format!("Doc_0/Signs/Sign_{n}");
    let doc = parse_xml("Doc_0/Document.xml", b.get("Doc_0/Document.xml").ok_or_else(|| err("no Document.xml"))?)?;
    let page_id = doc
        .child("Pages")
        .and_then(|p| p.all("Page").nth(place.page))
        .and_then(|p| p.attr("ID"))
        .ok_or_else(|| err("the stamp's page does not exist"))?
        .to_string();
    // 3. The seal file, then References over every part except Signatures.xml and this Sign_N's
    //    Signature.xml / SignedValue.dat (which do not exist yet).
    b.put(&format!("{dir}/Seal.esl"), req.seal.raw.clone());
    let refs: String = b
        .parts()
        .iter()
        .filter(|(k, _)| k.as_str() != sigs_path)
        .map(|(k, v)| {
            let h = base64::engine::general_purpose::STANDARD.encode(yinxin_gm::sm3::sm3(v).0);
            format!(
                "<ofd:Reference FileRef=\"/{}\"><ofd:CheckValue>{h}</ofd:CheckValue></ofd:Reference>",
                xml_escape(k)
            )
        })
        .collect();
    let when = yinxin_seal::der::write::generalized_time_text(now);
    let sig_xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ofd:Signature xmlns:ofd=\"{NS}\"><ofd:SignedInfo><ofd:Provider ProviderName=\"yinxin\" Version=\"{}\" Company=\"yinxin\"/><ofd:SignatureMethod>1.2.156.10197.1.501</ofd:SignatureMethod><ofd:SignatureDateTime>{when}</ofd:SignatureDateTime><ofd:References CheckMethod=\"1.2.156.10197.1.401\">{refs}</ofd:References><ofd:StampAnnot ID=\"1\" PageRef=\"{page_id}\" Boundary=\"{} {} {} {}\"/><ofd:Seal><ofd:BaseLoc>/{dir}/Seal.esl</ofd:BaseLoc></ofd:Seal></ofd:SignedInfo><ofd:SignedValue>/{dir}/SignedValue.dat</ofd:SignedValue></ofd:Signature>",
        env!("CARGO_PKG_VERSION"),
        place.x,
        place.y,
        place.w,
        place.h
    );
    // 4. The SES_Signature over the Signature.xml bytes exactly as stored.
    let property_info = format!("/{dir}/Signature.xml");
    let ses_req = SignRequest {
        seal: req.seal,
        signer_cert: req.signer_cert,
        signer: req.signer,
        data: sig_xml.as_bytes(),
        property_info: &property_info,
        tsa: req.tsa,
    };
    let ses = sign(&ses_req, now).map_err(|e| Error::Xml { file: property_info.clone(), detail: e.to_string() })?;
    b.put(&format!("{dir}/Signature.xml"), sig_xml.into_bytes());
    b.put(&format!("{dir}/SignedValue.dat"), ses.raw);
    // 5. Signatures.xml, last.
    let mut entries: String = existing
        .iter()
        .map(|e| {
            format!(
                "<ofd:Signature ID=\"{}\" Type=\"{}\" BaseLoc=\"/{}\"/>",
                xml_escape(&e.id),
                xml_escape(&e.kind),
                xml_escape(&e.path)
            )
        })
        .collect();
    let id = existing.len() + 1;
    entries.push_str(&format!("<ofd:Signature ID=\"{id}\" Type=\"Seal\" BaseLoc=\"/{dir}/Signature.xml\"/>"));
    b.put(sigs_path, format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ofd:Signatures xmlns:ofd=\"{NS}\"><ofd:MaxSignId>{id}</ofd:MaxSignId>{entries}</ofd:Signatures>").into_bytes());
    Ok(property_info)
}

/// Read a package into a builder (to add a signature to an existing OFD).
pub fn open(bytes: &[u8]) -> Result<PackageBuilder> {
    Ok(PackageBuilder::from_package(&Package::read(bytes)?))
}
