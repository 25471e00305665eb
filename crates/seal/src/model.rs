//! The e-seal and e-signature structures of GM/T 0031-2014 ("v1"), GB/T 38540-2020 ("v4") and
//! GM/T 0031-2025 ("v5"), parsed leniently from the bytes as stored (see `docs/standards.md` §2).
//!
//! Version is recognised by layout, as ofdrw's `VersionParser` does: a v1 `SESeal` has two
//! elements (`esealInfo`, `signInfo`), a v4/v5 one four or five (`eSealInfo`, `cert`, `signAlgID`,
//! `signedValue`[, `[0] timeStamp`]) with header version 4 or 5. Every signed part keeps its raw
//! bytes; nothing is re-encoded for verification.

use crate::der::{self, Tlv, tag};
use crate::{Error, Result};
use serde::Serialize;
use time::OffsetDateTime;

/// Largest seal or signature parsed (real ones are 2–100 KiB; pictures dominate).
pub const MAX_LEN: usize = 16 * 1024 * 1024;

/// Which standard a structure follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SealVersion {
    /// GM/T 0031-2014.
    #[serde(rename = "GM/T 0031-2014")]
    V1,
    /// GB/T 38540-2020.
    #[serde(rename = "GB/T 38540-2020")]
    V4,
    /// GM/T 0031-2025.
    #[serde(rename = "GM/T 0031-2025")]
    V5,
}

/// `SES_Header`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Header {
    /// Always "ES" in a well-formed seal.
    pub id: String,
    /// 1 (v1, by practice), 4 or 5.
    pub version: i64,
    /// Vendor id.
    pub vid: String,
}

/// The signer certificates a seal admits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertList {
    /// DER certificates (certListType 1, and every v1 seal).
    Certs(Vec<Vec<u8>>),
    /// (hash type, digest) pairs (certListType 2).
    Digests(Vec<(String, Vec<u8>)>),
    /// Something else was found (some producers put garbage here); the reason is kept.
    Malformed(String),
}

/// `SES_ESPropertyInfo`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Property {
    /// Seal type (印章类型), business-defined.
    pub seal_type: i64,
    /// Seal name.
    pub name: String,
    /// certListType (v4/v5 only).
    pub cert_list_type: Option<i64>,
    /// The admitted signer certificates.
    pub cert_list: CertList,
    /// When the seal was made.
    pub create_date: OffsetDateTime,
    /// Start of validity.
    pub valid_start: OffsetDateTime,
    /// End of validity.
    pub valid_end: OffsetDateTime,
}

/// `SES_ESPictrueInfo`.
#[derive(Clone, PartialEq, Eq)]
pub struct Picture {
    /// Format name as written (`PNG`, `png`, `GIF`, `ofd`, …).
    pub kind: String,
    /// The image bytes.
    pub data: Vec<u8>,
    /// Width in millimetres.
    pub width_mm: i64,
    /// Height in millimetres.
    pub height_mm: i64,
}

impl core::fmt::Debug for Picture {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Picture({} {} bytes, {}×{} mm)", self.kind, self.data.len(), self.width_mm, self.height_mm)
    }
}

/// `ExtData`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtData {
    /// extnID.
    pub id: String,
    /// critical.
    pub critical: bool,
    /// extnValue.
    pub value: Vec<u8>,
}

/// An e-seal (电子印章).
#[derive(Debug, Clone)]
pub struct Seal {
    /// The seal as stored.
    pub raw: Vec<u8>,
    /// Recognised version.
    pub version: SealVersion,
    /// Header.
    pub header: Header,
    /// esID.
    pub es_id: String,
    /// Property.
    pub property: Property,
    /// Picture.
    pub picture: Picture,
    /// Extension data.
    pub ext_datas: Vec<ExtData>,
    /// The maker's (制章者) certificate, DER.
    pub maker_cert: Vec<u8>,
    /// The maker's signature algorithm OID.
    pub sign_alg: String,
    /// The maker's signature value.
    pub signed_value: Vec<u8>,
    /// The bytes the maker signed: v4/v5 the stored `SES_SealInfo`; v1 `SEQUENCE { esealInfo,
    /// cert, signatureAlgorithm }` built from the stored TLVs.
    pub maker_signed_bytes: Vec<u8>,
    /// v5: the `[0] timeStamp` content, if present.
    pub time_stamp: Option<Vec<u8>>,
}

/// `TBS_Sign.timeInfo`: a GeneralizedTime (v4/v5) or the text a v1 producer put in a BIT STRING.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimeInfo {
    /// A parsed time.
    Time(OffsetDateTime),
    /// v1 text that could not be read as a time.
    Text(String),
}

impl TimeInfo {
    /// The time, if there is one.
    pub fn time(&self) -> Option<OffsetDateTime> {
        match self {
            TimeInfo::Time(t) => Some(*t),
            TimeInfo::Text(_) => None,
        }
    }
}

/// An e-signature (电子签章), `SES_Signature`.
#[derive(Debug, Clone)]
pub struct SesSignature {
    /// As stored.
    pub raw: Vec<u8>,
    /// Version.
    pub version: SealVersion,
    /// TBS_Sign.version.
    pub tbs_version: i64,
    /// The seal it was made with.
    pub seal: Seal,
    /// Signing time as claimed by the signer.
    pub time_info: TimeInfo,
    /// Hash of the protected data.
    pub data_hash: Vec<u8>,
    /// Properties of the protected data (in OFD: the path of Signature.xml).
    pub property_info: String,
    /// The signer's certificate, DER.
    pub signer_cert: Vec<u8>,
    /// Signature algorithm OID.
    pub sign_alg: String,
    /// The signature value (DER or raw r‖s as found).
    pub signature: Vec<u8>,
    /// TBS_Sign as stored: the bytes signed.
    pub tbs_raw: Vec<u8>,
    /// The `[0] timeStamp` content (a TimeStampToken, if well formed).
    pub time_stamp: Option<Vec<u8>>,
}

fn check_len(b: &[u8]) -> Result<()> {
    if b.len() > MAX_LEN {
        return Err(Error::Format(format!("{} bytes exceeds the {MAX_LEN}-byte limit", b.len())));
    }
    Ok(())
}

impl Seal {
    /// Parse a seal (`.esl`, DER or BER as found in the wild).
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        check_len(bytes)?;
        let top = der::read_all(bytes, "SESeal")?.expect(tag::SEQUENCE, "SESeal")?;
        Self::from_tlv(top)
    }

    pub(crate) fn from_tlv(top: Tlv<'_>) -> Result<Self> {
        let parts = top.children("SESeal")?;
        match parts.len() {
            2 => Self::parse_v1(top, &parts),
            4 | 5 => Self::parse_v45(top, &parts),
            n => Err(Error::Format(format!(
                "SESeal: {n} elements; expected 2 (GM/T 0031-2014) or 4–5 (GB/T 38540, GM/T 0031-2025)"
            ))),
        }
    }

    fn parse_v1(top: Tlv<'_>, parts: &[Tlv<'_>]) -> Result<Self> {
        let info = parts[0].expect(tag::SEQUENCE, "esealInfo")?;
        let (header, es_id, property, picture, ext_datas) = parse_seal_info(info, false)?;
        let sign_info = parts[1].expect(tag::SEQUENCE, "signInfo")?.children("signInfo")?;
        if sign_info.len() != 3 {
            return Err(Error::Format(format!("signInfo: {} elements, expected 3", sign_info.len())));
        }
        let cert = sign_info[0].octets("signInfo.cert")?.to_vec();
        let sign_alg = sign_info[1].oid("signInfo.signatureAlgorithm")?;
        let signed_value = sign_info[2].bits_or_octets("signInfo.signData")?.to_vec();
        let maker_signed_bytes = der::write::seq(&[info.raw, sign_info[0].raw, sign_info[1].raw]);
        Ok(Self {
            raw: top.raw.to_vec(),
            version: SealVersion::V1,
            header,
            es_id,
            property,
            picture,
            ext_datas,
            maker_cert: cert,
            sign_alg,
            signed_value,
            maker_signed_bytes,
            time_stamp: None,
        })
    }

    fn parse_v45(top: Tlv<'_>, parts: &[Tlv<'_>]) -> Result<Self> {
        let info = parts[0].expect(tag::SEQUENCE, "eSealInfo")?;
        let (header, es_id, property, picture, ext_datas) = parse_seal_info(info, true)?;
        let version = match header.version {
            5 => SealVersion::V5,
            _ => SealVersion::V4,
        };
        let time_stamp = match parts.get(4) {
            Some(t) => Some(tagged_bits(*t, "SESeal.timeStamp")?),
            None => None,
        };
        Ok(Self {
            raw: top.raw.to_vec(),
            version,
            header,
            es_id,
            property,
            picture,
            ext_datas,
            maker_cert: parts[1].octets("SESeal.cert")?.to_vec(),
            sign_alg: parts[2].oid("SESeal.signAlgID")?,
            signed_value: parts[3].bits("SESeal.signedValue")?.to_vec(),
            maker_signed_bytes: info.raw.to_vec(),
            time_stamp,
        })
    }

    /// The certificates of certListType 1 (empty for digests or garbage).
    pub fn cert_list_certs(&self) -> &[Vec<u8>] {
        match &self.property.cert_list {
            CertList::Certs(c) => c,
            _ => &[],
        }
    }
}

/// `[0] timeStamp`: EXPLICIT (`A0 { BIT STRING }`, as ofdrw writes), IMPLICIT (`80 …`), or a
/// token directly inside `[0]`.
fn tagged_bits(t: Tlv<'_>, what: &str) -> Result<Vec<u8>> {
    match t.tag {
        tag::CTX0_CONS => {
            let inner = der::read_all(t.value, what)?;
            match inner.tag {
                tag::BIT_STRING => Ok(inner.bits(what)?.to_vec()),
                tag::SEQUENCE => Ok(inner.raw.to_vec()),
                other => Err(Error::Format(format!("{what}: unexpected tag {other:#04x} inside [0]"))),
            }
        }
        tag::CTX0_PRIM => match t.value.split_first() {
            Some((0, rest)) => Ok(rest.to_vec()),
            _ => Err(Error::Format(format!("{what}: malformed [0] BIT STRING"))),
        },
        other => Err(Error::Format(format!("{what}: expected [0], found tag {other:#04x}"))),
    }
}

type SealInfoParts = (Header, String, Property, Picture, Vec<ExtData>);

fn parse_seal_info(info: Tlv<'_>, v4: bool) -> Result<SealInfoParts> {
    let f = info.children("SES_SealInfo")?;
    if f.len() < 4 || f.len() > 5 {
        return Err(Error::Format(format!("SES_SealInfo: {} elements, expected 4 or 5", f.len())));
    }
    let h = f[0].expect(tag::SEQUENCE, "header")?.children("header")?;
    if h.len() != 3 {
        return Err(Error::Format("header: expected id, version, vid".into()));
    }
    let header =
        Header { id: h[0].text("header.id")?, version: h[1].int("header.version")?, vid: h[2].text("header.vid")? };
    let es_id = f[1].text("esID")?;
    let property = parse_property(f[2], v4)?;
    let p = f[3].expect(tag::SEQUENCE, "picture")?.children("picture")?;
    if p.len() != 4 {
        return Err(Error::Format("picture: expected type, data, width, height".into()));
    }
    let picture = Picture {
        kind: p[0].text("picture.type")?,
        data: p[1].octets("picture.data")?.to_vec(),
        width_mm: p[2].int("picture.width")?,
        height_mm: p[3].int("picture.height")?,
    };
    let ext_datas = match f.get(4) {
        Some(t) => parse_ext_datas(*t)?,
        None => Vec::new(),
    };
    Ok((header, es_id, property, picture, ext_datas))
}

fn parse_property(t: Tlv<'_>, v4: bool) -> Result<Property> {
    let f = t.expect(tag::SEQUENCE, "property")?.children("property")?;
    let expected = if v4 { 7 } else { 6 };
    if f.len() != expected {
        return Err(Error::Format(format!("property: {} elements, expected {expected}", f.len())));
    }
    let seal_type = f[0].int("property.type")?;
    let name = f[1].text("property.name")?;
    let (cert_list_type, list, dates) =
        if v4 { (Some(f[2].int("property.certListType")?), f[3], &f[4..7]) } else { (None, f[2], &f[3..6]) };
    let cert_list = parse_cert_list(list, cert_list_type.unwrap_or(1));
    Ok(Property {
        seal_type,
        name,
        cert_list_type,
        cert_list,
        create_date: dates[0].time("property.createDate")?,
        valid_start: dates[1].time("property.validStart")?,
        valid_end: dates[2].time("property.validEnd")?,
    })
}

fn parse_cert_list(t: Tlv<'_>, list_type: i64) -> CertList {
    let items = match t.tag {
        tag::SEQUENCE => match t.children("certList") {
            Ok(i) => i,
            Err(e) => return CertList::Malformed(e.to_string()),
        },
        other => return CertList::Malformed(format!("certList has tag {other:#04x}, not a SEQUENCE")),
    };
    let parsed: Result<CertList> = if list_type == 2 {
        items
            .iter()
            .map(|i| {
                let p = i.expect(tag::SEQUENCE, "CertDigestObj")?.children("CertDigestObj")?;
                if p.len() != 2 {
                    return Err(Error::Format("CertDigestObj: expected type, value".into()));
                }
                Ok((p[0].text("CertDigestObj.type")?, p[1].octets("CertDigestObj.value")?.to_vec()))
            })
            .collect::<Result<Vec<_>>>()
            .map(CertList::Digests)
    } else {
        items
            .iter()
            .map(|i| i.octets("certList entry").map(<[u8]>::to_vec))
            .collect::<Result<Vec<_>>>()
            .map(CertList::Certs)
    };
    parsed.unwrap_or_else(|e| CertList::Malformed(e.to_string()))
}

fn parse_ext_datas(t: Tlv<'_>) -> Result<Vec<ExtData>> {
    t.expect(tag::SEQUENCE, "extDatas")?
        .children("extDatas")?
        .into_iter()
        .map(|e| {
            let p = e.expect(tag::SEQUENCE, "ExtData")?.children("ExtData")?;
            let id = p.first().ok_or_else(|| Error::Format("ExtData: empty".into()))?.oid("ExtData.extnID")?;
            // critical is DEFAULT FALSE but GOMAIN writes an explicit BOOLEAN FALSE.
            let (critical, value) = match p.as_slice() {
                [_, c, v] if c.tag == tag::BOOLEAN => (c.value.first().is_some_and(|b| *b != 0), *v),
                [_, v] => (false, *v),
                _ => return Err(Error::Format("ExtData: expected extnID, [critical], extnValue".into())),
            };
            Ok(ExtData { id, critical, value: value.octets("ExtData.extnValue")?.to_vec() })
        })
        .collect()
}

impl SesSignature {
    /// Parse an `SES_Signature` (v1, v4 or v5).
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        check_len(bytes)?;
        let top = der::read_all(bytes, "SES_Signature")?.expect(tag::SEQUENCE, "SES_Signature")?;
        let parts = top.children("SES_Signature")?;
        match parts.len() {
            2 => Self::parse_v1(top, &parts),
            4 | 5 => Self::parse_v45(top, &parts),
            n => Err(Error::Format(format!("SES_Signature: {n} elements; expected 2 (v1) or 4–5 (v4/v5)"))),
        }
    }

    fn parse_v1(top: Tlv<'_>, parts: &[Tlv<'_>]) -> Result<Self> {
        let tbs = parts[0].expect(tag::SEQUENCE, "TBS_Sign")?;
        let f = tbs.children("TBS_Sign")?;
        if f.len() != 7 {
            return Err(Error::Format(format!("TBS_Sign (v1): {} elements, expected 7", f.len())));
        }
        let seal = Seal::from_tlv(f[1].expect(tag::SEQUENCE, "TBS_Sign.eseal")?)?;
        let text = String::from_utf8_lossy(f[2].bits_or_octets("TBS_Sign.timeInfo")?).into_owned();
        let time_info = parse_v1_time(&text).map(TimeInfo::Time).unwrap_or(TimeInfo::Text(text));
        Ok(Self {
            raw: top.raw.to_vec(),
            version: SealVersion::V1,
            tbs_version: f[0].int("TBS_Sign.version")?,
            seal,
            time_info,
            data_hash: f[3].bits_or_octets("TBS_Sign.dataHash")?.to_vec(),
            property_info: f[4].text("TBS_Sign.propertyInfo")?,
            signer_cert: f[5].octets("TBS_Sign.cert")?.to_vec(),
            sign_alg: f[6].oid("TBS_Sign.signatureAlgorithm")?,
            signature: parts[1].bits("SES_Signature.signature")?.to_vec(),
            tbs_raw: tbs.raw.to_vec(),
            time_stamp: None,
        })
    }

    fn parse_v45(top: Tlv<'_>, parts: &[Tlv<'_>]) -> Result<Self> {
        let tbs = parts[0].expect(tag::SEQUENCE, "TBS_Sign")?;
        let f = tbs.children("TBS_Sign")?;
        if f.len() != 5 && f.len() != 6 {
            return Err(Error::Format(format!("TBS_Sign: {} elements, expected 5 or 6", f.len())));
        }
        let seal = Seal::from_tlv(f[1].expect(tag::SEQUENCE, "TBS_Sign.eseal")?)?;
        let version = if seal.version == SealVersion::V5 { SealVersion::V5 } else { SealVersion::V4 };
        let time_stamp = match parts.get(4) {
            Some(t) => Some(tagged_bits(*t, "SES_Signature.timeStamp")?),
            None => None,
        };
        Ok(Self {
            raw: top.raw.to_vec(),
            version,
            tbs_version: f[0].int("TBS_Sign.version")?,
            seal,
            time_info: TimeInfo::Time(f[2].time("TBS_Sign.timeInfo")?),
            data_hash: f[3].bits("TBS_Sign.dataHash")?.to_vec(),
            property_info: f[4].text("TBS_Sign.propertyInfo")?,
            signer_cert: parts[1].octets("SES_Signature.cert")?.to_vec(),
            sign_alg: parts[2].oid("SES_Signature.signatureAlgID")?,
            signature: parts[3].bits("SES_Signature.signature")?.to_vec(),
            tbs_raw: tbs.raw.to_vec(),
            time_stamp,
        })
    }
}

/// v1 timeInfo text: `2020-01-25T07:31:56.377Z`, `2020-01-25 07:31:56` (read as Beijing time, as
/// the producers that write it mean), or a GeneralizedTime string.
fn parse_v1_time(s: &str) -> Option<OffsetDateTime> {
    let s = s.trim();
    if let Ok(t) = OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339) {
        return Some(t);
    }
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    if let Ok(t) = time::PrimitiveDateTime::parse(s, &fmt) {
        return Some(t.assume_offset(time::macros::offset!(+8)).to_offset(time::UtcOffset::UTC));
    }
    der::parse_time(s, false)
}
