//! Sealing a material a department hands in, PDF or OFD, with one call: the stamp placed at a
//! position or on a keyword; PDFs get GB/T 35275 SM2 signed data with the seal picture as a
//! visible widget (an incremental update), OFDs a GB/T 38540 seal signature. The CLI's
//! `material seal` and the service's materials endpoint both come here.

use crate::{Error, Result};
use time::OffsetDateTime;
use yinxin_pki::Cert;
use yinxin_pki::tsp::TimeStampAuthority;
use yinxin_seal::Seal;

/// Who seals, and with what.
pub struct Stamper<'a> {
    /// The seal; its picture is the visible stamp.
    pub seal: &'a Seal,
    /// The signer's certificate (in the seal's certList).
    pub cert: &'a Cert,
    /// CA certificates embedded with the signer's (PDF).
    pub chain: &'a [Cert],
    /// The signer's key.
    pub signer: &'a dyn yinxin_gm::Sm2Signer,
    /// The time-stamp authority, if any.
    pub tsa: Option<&'a TimeStampAuthority>,
}

/// Where the stamp goes.
#[derive(Debug, Clone)]
pub enum Placement {
    /// Page (0-based) and left, top in mm from the page's top-left corner.
    At {
        /// Page, 0-based.
        page: usize,
        /// Left edge, mm.
        x: f64,
        /// Top edge, mm.
        y: f64,
    },
    /// Centred on the last occurrence of this text (where a signature block is).
    Keyword(String),
}

/// The kind of a material, by its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// PDF.
    Pdf,
    /// OFD (a zip package).
    Ofd,
}

/// Recognise a PDF or an OFD by its first bytes.
pub fn format_of(bytes: &[u8]) -> Option<Format> {
    if bytes.starts_with(b"%PDF-") {
        Some(Format::Pdf)
    } else if bytes.starts_with(b"PK\x03\x04") {
        Some(Format::Ofd)
    } else {
        None
    }
}

impl Stamper<'_> {
    /// Seal `bytes` at `now`.
    pub fn seal(&self, bytes: &[u8], place: &Placement, now: OffsetDateTime) -> Result<Vec<u8>> {
        let format = format_of(bytes).ok_or_else(|| Error::Package("neither a PDF nor an OFD".into()))?;
        let (w, h) = (self.seal.picture.width_mm as f64, self.seal.picture.height_mm as f64);
        let (page, at) = match place {
            Placement::At { page, x, y } => (*page, (*x, *y)),
            Placement::Keyword(k) => {
                let found = match format {
                    Format::Pdf => crate::find::find_in_pdf(bytes, k)?,
                    Format::Ofd => crate::find::find_in_ofd(&crate::ofd::Package::read(bytes)?, k)?,
                }
                .ok_or_else(|| Error::Package(format!("the keyword {k:?} is not in the document")))?;
                (found.page, ((found.x - w / 2.0).max(0.0), (found.y - h / 2.0).max(0.0)))
            }
        };
        match format {
            Format::Pdf => {
                let png = self.seal.picture.kind.eq_ignore_ascii_case("png").then(|| self.seal.picture.data.clone());
                let make = |data: &[u8]| {
                    yinxin_seal::gmt0010::sign_detached(data, self.cert, self.chain, self.signer, now, self.tsa)
                        .map_err(|e| Error::Package(e.to_string()))
                };
                let ap = crate::pdf::sign::Appearance { page, rect_mm: (at.0, at.1, w, h), png };
                crate::pdf::sign::sign(bytes, &ap, &self.seal.property.name, now, &make)
            }
            Format::Ofd => {
                let mut b = crate::ofd::sign::open(bytes)?;
                let req = yinxin_seal::make::SignRequest {
                    seal: self.seal,
                    signer_cert: self.cert,
                    signer: self.signer,
                    data: b"",
                    property_info: "",
                    tsa: self.tsa,
                };
                let place = crate::ofd::sign::StampPlace { page, x: at.0, y: at.1, w, h };
                crate::ofd::sign::seal(&mut b, &req, place, now)?;
                b.to_zip()
            }
        }
    }
}

/// What a file handed to a verifier is, by its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// An OFD package.
    Ofd,
    /// A PDF.
    Pdf,
    /// An SES_Signature (GB/T 38540 or GM/T 0031).
    SesSignature,
    /// GM/T 0010 / GB/T 35275 signed data.
    SignedData,
    /// An e-seal.
    Seal,
}

/// Recognise a signed object by its content.
pub fn kind_of(bytes: &[u8]) -> Option<Kind> {
    use yinxin_seal::{SesSignature, gmt0010};
    if bytes.starts_with(b"PK\x03\x04") {
        Some(Kind::Ofd)
    } else if bytes.starts_with(b"%PDF") {
        Some(Kind::Pdf)
    } else if SesSignature::parse(bytes).is_ok() {
        Some(Kind::SesSignature)
    } else if gmt0010::SignedData::parse(bytes).is_ok() {
        Some(Kind::SignedData)
    } else if Seal::parse(bytes).is_ok() {
        Some(Kind::Seal)
    } else {
        None
    }
}

/// Verify any signed object yinxin knows (OFD, PDF, SES signature, GM/T 0010 signed data with
/// `data` when detached, seal), recognised by content; `None` when it is none of them.
pub fn verify_any(
    bytes: &[u8],
    data: Option<&[u8]>,
    opts: &yinxin_seal::verify::VerifyOptions<'_>,
) -> Option<yinxin_pki::report::Report> {
    use yinxin_seal::verify::{verify_seal_bytes, verify_signature_bytes};
    let mut report = match kind_of(bytes)? {
        Kind::Ofd => crate::ofd::verify_ofd(bytes, opts),
        Kind::Pdf => crate::pdf::verify_pdf(bytes, opts),
        Kind::SesSignature => verify_signature_bytes(bytes, data, opts),
        Kind::SignedData => yinxin_seal::gmt0010::verify(bytes, data, opts),
        Kind::Seal => verify_seal_bytes(bytes, opts),
    };
    // Every report, a parse failure's too, says which policy judged it.
    opts.policy.apply(&mut report);
    Some(report)
}
