//! Making a GB/T 38540 (v4) seal (制章) and signing with it (签章), written as strict DER.
//!
//! Making (§3.1 generation): check the maker's certificate and key, build `SES_SealInfo`
//! (header `ES`/4/vid, esID, property, picture, extDatas), sign its DER with the maker's key,
//! assemble `SESeal { eSealInfo, cert, signAlgID, signedValue }`.
//!
//! Signing (§3.2 generation): check that the seal is valid at the signing time and admits the
//! signer's certificate; build `TBS_Sign { 4, eseal, timeInfo, dataHash = SM3(data), propertyInfo }`;
//! sign its DER; have the time-stamp authority stamp the signature value (the BIT STRING content,
//! the reading ofdrw and `docs/standards.md` §11 adopt); assemble
//! `SES_Signature { toSign, cert, signatureAlgID, signature, [0] EXPLICIT timeStamp }`.
//!
//! A person's e-signature (个人签名) is the same structure with a personal seal ([`SealKind::Personal`])
//! whose picture is the person's handwritten signature or name seal.

use crate::der::tag;
use crate::der::write::{bits, generalized_time, int, oid, seq, tlv};
use crate::model::{CertList, Seal, SesSignature};
use crate::{Error, Result};
use time::OffsetDateTime;
use yinxin_gm::Sm2Signer;
use yinxin_pki::tsp::{Imprint, TimeStampAuthority};
use yinxin_pki::{Cert, oid as oids};

/// Kinds of seal. GB/T 38540 leaves `type` to the business; these are yinxin's codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum SealKind {
    /// 法定名称章 (the organisation's official seal).
    Official,
    /// 财务专用章.
    Finance,
    /// 合同专用章.
    Contract,
    /// 发票专用章.
    Invoice,
    /// 业务专用章.
    Business,
    /// 个人名章 or a handwritten signature.
    Personal,
}

impl SealKind {
    /// Every kind.
    pub const ALL: [SealKind; 6] = [
        SealKind::Official,
        SealKind::Finance,
        SealKind::Contract,
        SealKind::Invoice,
        SealKind::Business,
        SealKind::Personal,
    ];

    /// The code written into `property.type`.
    pub fn code(self) -> i64 {
        match self {
            SealKind::Official => 1,
            SealKind::Finance => 2,
            SealKind::Contract => 3,
            SealKind::Invoice => 4,
            SealKind::Business => 5,
            SealKind::Personal => 6,
        }
    }

    /// The Chinese name, which is also the text along the bottom of the picture.
    pub fn name_zh(self) -> &'static str {
        match self {
            SealKind::Official => "法定名称章",
            SealKind::Finance => "财务专用章",
            SealKind::Contract => "合同专用章",
            SealKind::Invoice => "发票专用章",
            SealKind::Business => "业务专用章",
            SealKind::Personal => "个人名章",
        }
    }

    /// From a code or a Chinese or English name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.name_zh() == s || k.code().to_string() == s || format!("{k:?}").eq_ignore_ascii_case(s))
    }
}

/// How the seal lists the certificates that may sign with it (certListType).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertListForm {
    /// 1: the certificates.
    Certificates,
    /// 2: their SM3 digests.
    Sm3Digests,
}

/// What to put into a seal.
#[derive(Debug, Clone)]
pub struct SealRequest {
    /// esID; a fresh 32-hex identifier when empty.
    pub es_id: String,
    /// The kind.
    pub kind: SealKind,
    /// The seal's name (the organisation or person, and purpose).
    pub name: String,
    /// The certificates allowed to sign with it.
    pub holders: Vec<Cert>,
    /// How they are listed.
    pub cert_list_form: CertListForm,
    /// Validity.
    pub valid_start: OffsetDateTime,
    /// Validity end.
    pub valid_end: OffsetDateTime,
    /// Picture type (`PNG`, `JPG`, `GIF`, `OFD`, `SVG`).
    pub picture_kind: String,
    /// Picture bytes.
    pub picture: Vec<u8>,
    /// Picture size in millimetres (width, height).
    pub picture_mm: (i64, i64),
    /// Vendor id written into the header.
    pub vid: String,
}

/// Make a v4 seal, signed by the maker (制章者) through `signer`, at `created`.
pub fn make_seal(
    req: &SealRequest,
    maker_cert: &Cert,
    signer: &dyn Sm2Signer,
    created: OffsetDateTime,
) -> Result<Seal> {
    if maker_cert.public_key.as_ref().ok() != Some(signer.public_key()) {
        return Err(Error::Invalid("the maker's key is not the maker certificate's key".into()));
    }
    if created < maker_cert.not_before || created > maker_cert.not_after {
        return Err(Error::Invalid(format!(
            "the maker certificate {} is not valid at the making time",
            maker_cert.subject()
        )));
    }
    if req.name.trim().is_empty() {
        return Err(Error::Invalid("the seal needs a name".into()));
    }
    if req.holders.is_empty() {
        return Err(Error::Invalid("the seal needs at least one holder certificate".into()));
    }
    if req.valid_end <= req.valid_start {
        return Err(Error::Invalid("validEnd must be later than validStart".into()));
    }
    if req.picture.is_empty() || req.picture_mm.0 <= 0 || req.picture_mm.1 <= 0 {
        return Err(Error::Invalid("the seal needs a picture with a positive size in millimetres".into()));
    }
    if !req.vid.is_ascii() || !req.es_id.is_ascii() || !req.picture_kind.is_ascii() {
        return Err(Error::Invalid("vid, esID and picture type must be ASCII (IA5String)".into()));
    }
    let es_id = if req.es_id.is_empty() {
        let mut b = [0u8; 16];
        yinxin_gm::default_provider().fill_random(&mut b)?;
        hex::encode(b)
    } else {
        req.es_id.clone()
    };
    let header = seq(&[&tlv(tag::IA5_STRING, b"ES"), &int(4), &tlv(tag::IA5_STRING, req.vid.as_bytes())]);
    let (list_type, list) = match req.cert_list_form {
        CertListForm::Certificates => {
            let items: Vec<Vec<u8>> = req.holders.iter().map(|c| tlv(tag::OCTET_STRING, c.der())).collect();
            (1, tlv(tag::SEQUENCE, &items.concat()))
        }
        CertListForm::Sm3Digests => {
            let items: Vec<Vec<u8>> = req
                .holders
                .iter()
                .map(|c| seq(&[&tlv(tag::PRINTABLE_STRING, b"SM3"), &tlv(tag::OCTET_STRING, &c.sm3().0)]))
                .collect();
            (2, tlv(tag::SEQUENCE, &items.concat()))
        }
    };
    let property = seq(&[
        &int(req.kind.code()),
        &tlv(tag::UTF8_STRING, req.name.as_bytes()),
        &int(list_type),
        &list,
        &generalized_time(created),
        &generalized_time(req.valid_start),
        &generalized_time(req.valid_end),
    ]);
    let picture = seq(&[
        &tlv(tag::IA5_STRING, req.picture_kind.as_bytes()),
        &tlv(tag::OCTET_STRING, &req.picture),
        &int(req.picture_mm.0),
        &int(req.picture_mm.1),
    ]);
    let seal_info = seq(&[&header, &tlv(tag::IA5_STRING, es_id.as_bytes()), &property, &picture]);
    let sig = signer.sign(&seal_info)?;
    let seal =
        seq(&[&seal_info, &tlv(tag::OCTET_STRING, maker_cert.der()), &oid(oids::SM2_WITH_SM3), &bits(&sig.to_der())]);
    Seal::parse(&seal)
}

/// What to sign with a seal.
#[derive(Debug)]
pub struct SignRequest<'a> {
    /// The seal.
    pub seal: &'a Seal,
    /// The signer's certificate (must be in the seal's certList).
    pub signer_cert: &'a Cert,
    /// The signer's key.
    pub signer: &'a dyn Sm2Signer,
    /// The protected data.
    pub data: &'a [u8],
    /// propertyInfo: what the data is (in OFD, the path of Signature.xml).
    pub property_info: &'a str,
    /// The time-stamp authority; `None` signs without a time stamp.
    pub tsa: Option<&'a TimeStampAuthority>,
}

/// Sign data with a seal at `now`.
pub fn sign(req: &SignRequest<'_>, now: OffsetDateTime) -> Result<SesSignature> {
    let seal = req.seal;
    if seal.version != crate::SealVersion::V4 {
        return Err(Error::Invalid("yinxin signs with GB/T 38540 (v4) seals only".into()));
    }
    if req.signer_cert.public_key.as_ref().ok() != Some(req.signer.public_key()) {
        return Err(Error::Invalid("the signer's key is not the signer certificate's key".into()));
    }
    if now < seal.property.valid_start || now > seal.property.valid_end {
        return Err(Error::Invalid(format!("the seal {} is not valid now", seal.es_id)));
    }
    if now < req.signer_cert.not_before || now > req.signer_cert.not_after {
        return Err(Error::Invalid("the signer certificate is not valid now".into()));
    }
    let admitted = match &seal.property.cert_list {
        CertList::Certs(c) => c.iter().any(|c| c.as_slice() == req.signer_cert.der()),
        CertList::Digests(d) => d.iter().any(|(_, v)| v.as_slice() == req.signer_cert.sm3().0),
        CertList::Malformed(_) => false,
    };
    if !admitted {
        return Err(Error::Invalid(format!("{} is not in the seal's certList", req.signer_cert.subject())));
    }
    if !req.property_info.is_ascii() {
        return Err(Error::Invalid("propertyInfo must be ASCII (IA5String)".into()));
    }
    let tbs = seq(&[
        &int(4),
        &seal.raw,
        &generalized_time(now),
        &bits(&yinxin_gm::sm3::sm3(req.data).0),
        &tlv(tag::IA5_STRING, req.property_info.as_bytes()),
    ]);
    let sig = req.signer.sign(&tbs)?.to_der();
    let mut parts: Vec<Vec<u8>> =
        vec![tbs, tlv(tag::OCTET_STRING, req.signer_cert.der()), oid(oids::SM2_WITH_SM3), bits(&sig)];
    if let Some(tsa) = req.tsa {
        let mut nonce = [0u8; 8];
        yinxin_gm::default_provider().fill_random(&mut nonce)?;
        nonce[0] = (nonce[0] & 0x7f) | 1;
        let token = tsa.stamp(&Imprint::sm3_of(&sig), Some(&nonce), true, now)?;
        parts.push(tlv(tag::CTX0_CONS, &bits(&token)));
    }
    let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
    SesSignature::parse(&seq(&refs))
}
