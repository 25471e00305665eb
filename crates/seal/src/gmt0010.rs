//! GM/T 0010-2012 / GB/T 35275-2017 SM2 signed data: the `SignedValue.dat` of OFD signatures of
//! `Type="Sign"` (see `docs/standards.md` §4), verified over the bytes as stored.
//!
//! `ContentInfo { 1.2.156.10197.6.1.4.2.2 (or 1.2.840.113549.1.7.2), [0] SignedData }`. Two forms
//! occur: **detached** with signedAttrs (contentType, messageDigest = SM3 of the data, signingTime;
//! the SM2 signature covers the DER of the SET OF attributes), and **attached** without
//! signedAttrs, where eContent is the 32-byte SM3 of the data (or its Base64) and the signature
//! covers the eContent bytes. Signature values may be DER or raw r‖s.

use crate::der::{self, Tlv, tag};
use crate::verify::{At, VerifyOptions, format_failure};
use crate::{Error, Result};
use time::OffsetDateTime;
use yinxin_gm::{Sm2Signature, UserId};
use yinxin_pki::report::{Check, Party, Report, SubIndication, TimeSource};
use yinxin_pki::time::format_instant;
use yinxin_pki::{Cert, oid};

const GM_SIGNED_DATA: &str = oid::GM_SIGNED_DATA;
const SIG_ALGS: [&str; 3] = [oid::SM2_WITH_SM3, oid::SM2_SIGN, oid::SM2];

/// A parsed GM/T 0010 signature.
#[derive(Debug, Clone)]
pub struct SignedData {
    /// Certificates carried.
    pub certs: Vec<Cert>,
    /// The signer's issuer name (DER) and serial.
    pub signer_issuer: Vec<u8>,
    /// The signer's serial number, without leading zeros.
    pub signer_serial: Vec<u8>,
    /// Digest algorithm OID.
    pub digest_alg: String,
    /// Signature algorithm OID.
    pub sig_alg: String,
    /// Signature value as found.
    pub signature: Vec<u8>,
    /// signedAttrs as stored (the `[0]` TLV), if present.
    pub signed_attrs_raw: Option<Vec<u8>>,
    /// messageDigest attribute.
    pub message_digest: Option<Vec<u8>>,
    /// contentType attribute.
    pub content_type_attr: Option<String>,
    /// signingTime attribute.
    pub signing_time: Option<OffsetDateTime>,
    /// eContent (attached form).
    pub econtent: Option<Vec<u8>>,
    /// An RFC 3161 token in the unsigned attributes (id-aa-timeStampToken), as stored.
    pub time_stamp: Option<Vec<u8>>,
    /// The SM3 of a handwritten signature's strokes, when the signer bound one
    /// ([`oid::YINXIN_ATTR_HANDWRITING`]).
    pub handwriting: Option<Vec<u8>>,
}

impl SignedData {
    /// Parse.
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        if bytes.len() > crate::model::MAX_LEN {
            return Err(Error::Format("signed data too large".into()));
        }
        let ci = der::read_all(bytes, "ContentInfo")?.expect(tag::SEQUENCE, "ContentInfo")?.children("ContentInfo")?;
        let [ct, content] = ci.as_slice() else {
            return Err(Error::Format("ContentInfo: expected contentType and content".into()));
        };
        let ct = ct.oid("ContentInfo.contentType")?;
        if ct != GM_SIGNED_DATA && ct != oid::SIGNED_DATA {
            return Err(Error::Format(format!("content type {ct} is not signedData")));
        }
        let sd = der::read_all(content.expect(tag::CTX0_CONS, "ContentInfo.content")?.value, "SignedData")?;
        let f = sd.expect(tag::SEQUENCE, "SignedData")?.children("SignedData")?;
        if f.len() < 4 {
            return Err(Error::Format("SignedData: too few elements".into()));
        }
        // Fields the signature does not cover are held to what GB/T 35275 allows, so that nothing
        // in the structure can change unnoticed.
        let version = f[0].int("SignedData.version")?;
        if version != 1 && version != 3 {
            return Err(Error::Format(format!("SignedData version {version}")));
        }
        let digest_algs: Vec<String> = f[1]
            .expect(tag::SET, "digestAlgorithms")?
            .children("digestAlgorithms")?
            .into_iter()
            .map(|t| alg_oid(t, "digestAlgorithms"))
            .collect::<Result<_>>()?;
        let eci = f[2].expect(tag::SEQUENCE, "encapContentInfo")?.children("encapContentInfo")?;
        let ect = eci.first().ok_or_else(|| Error::Format("encapContentInfo: empty".into()))?.oid("eContentType")?;
        if ect != oid::GM_DATA && ect != "1.2.840.113549.1.7.1" {
            return Err(Error::Format(format!("eContentType {ect} is neither GM/T 0010 data nor id-data")));
        }
        let econtent = match eci.get(1) {
            Some(t) => {
                let inner = der::read_all(t.expect(tag::CTX0_CONS, "eContent")?.value, "eContent")?;
                Some(inner.octets("eContent")?.to_vec())
            }
            None => None,
        };
        let mut certs = Vec::new();
        let mut idx = 3;
        if f.get(idx).is_some_and(|t| t.tag == tag::CTX0_CONS) {
            for c in f[idx].children("certificates")? {
                if let Ok(cert) = Cert::from_der(c.raw) {
                    certs.push(cert);
                }
            }
            idx += 1;
        }
        if f.get(idx).is_some_and(|t| t.tag == 0xa1) {
            idx += 1;
        }
        let infos = f
            .get(idx)
            .ok_or_else(|| Error::Format("SignedData: no signerInfos".into()))?
            .expect(tag::SET, "signerInfos")?
            .children("signerInfos")?;
        let [si] = infos.as_slice() else {
            return Err(Error::Format(format!("{} SignerInfos; exactly one is supported", infos.len())));
        };
        let s = si.expect(tag::SEQUENCE, "SignerInfo")?.children("SignerInfo")?;
        if s.len() < 5 {
            return Err(Error::Format("SignerInfo: too few elements".into()));
        }
        let ias = s[1].expect(tag::SEQUENCE, "issuerAndSerialNumber")?.children("issuerAndSerialNumber")?;
        let [issuer, serial] = ias.as_slice() else {
            return Err(Error::Format("issuerAndSerialNumber: expected issuer and serial".into()));
        };
        let serial = serial.expect(tag::INTEGER, "serialNumber")?.value;
        let si_version = s[0].int("SignerInfo.version")?;
        if si_version != 1 {
            return Err(Error::Format(format!("SignerInfo version {si_version} with an issuerAndSerialNumber")));
        }
        let digest_alg = alg_oid(s[2], "digestAlgorithm")?;
        if !digest_algs.contains(&digest_alg) {
            return Err(Error::Format("the signer's digest algorithm is not in digestAlgorithms".into()));
        }
        let (attrs, rest) = if s[3].tag == tag::CTX0_CONS { (Some(s[3]), &s[4..]) } else { (None, &s[3..]) };
        let sig_alg = alg_oid(
            *rest.first().ok_or_else(|| Error::Format("SignerInfo: no signatureAlgorithm".into()))?,
            "signatureAlgorithm",
        )?;
        let signature =
            rest.get(1).ok_or_else(|| Error::Format("SignerInfo: no signature".into()))?.octets("signature")?.to_vec();
        let mut time_stamp = None;
        if let Some(unsigned) = rest.get(2).filter(|t| t.tag == 0xa1) {
            for attr in unsigned.children("unsignedAttrs")? {
                let p = attr.expect(tag::SEQUENCE, "Attribute")?.children("Attribute")?;
                if let [id, values] = p.as_slice()
                    && id.oid("Attribute.type")? == oid::ATTR_TIME_STAMP_TOKEN
                {
                    time_stamp = values.children("timeStampToken")?.first().map(|t| t.raw.to_vec());
                }
            }
        }

        let mut sd = SignedData {
            certs,
            signer_issuer: issuer.raw.to_vec(),
            signer_serial: strip(serial).to_vec(),
            digest_alg,
            sig_alg,
            signature,
            signed_attrs_raw: attrs.map(|a| a.raw.to_vec()),
            message_digest: None,
            content_type_attr: None,
            signing_time: None,
            econtent,
            time_stamp,
            handwriting: None,
        };
        if let Some(a) = attrs {
            for attr in a.children("signedAttrs")? {
                let p = attr.expect(tag::SEQUENCE, "Attribute")?.children("Attribute")?;
                let [id, values] = p.as_slice() else { continue };
                let id = id.oid("Attribute.type")?;
                let Some(v) = values.children("Attribute.values")?.into_iter().next() else { continue };
                match id.as_str() {
                    oid::ATTR_MESSAGE_DIGEST => sd.message_digest = Some(v.octets("messageDigest")?.to_vec()),
                    oid::ATTR_CONTENT_TYPE => sd.content_type_attr = Some(v.oid("contentType")?),
                    oid::ATTR_SIGNING_TIME => sd.signing_time = v.time("signingTime").ok(),
                    oid::YINXIN_ATTR_HANDWRITING => sd.handwriting = Some(v.octets("handwriting")?.to_vec()),
                    _ => {}
                }
            }
        }
        Ok(sd)
    }
}

fn strip(b: &[u8]) -> &[u8] {
    let i = b.iter().position(|x| *x != 0).unwrap_or(b.len().saturating_sub(1));
    &b[i..]
}

/// The OID of an AlgorithmIdentifier whose parameters are absent or NULL (as SM2 and SM3 have
/// them); anything else is a format error.
fn alg_oid(t: Tlv<'_>, what: &str) -> Result<String> {
    let p = t.expect(tag::SEQUENCE, what)?.children(what)?;
    match p.as_slice() {
        [o] => o.oid(what),
        [o, n] if n.tag == 0x05 && n.value.is_empty() => o.oid(what),
        _ => Err(Error::Format(format!("{what}: parameters must be absent or NULL"))),
    }
}

/// Verify GM/T 0010 signed data over `data` (in OFD: the bytes of Signature.xml).
pub fn verify(bytes: &[u8], data: Option<&[u8]>, opts: &VerifyOptions<'_>) -> Report {
    match SignedData::parse(bytes) {
        Ok(sd) => verify_parsed(&sd, data, opts),
        Err(e) => format_failure("gmt0010-signature", &e.to_string()),
    }
}

/// [`verify`] for signed data already parsed, for a caller that reads other attributes of it
/// too (a PDF's handwriting binding) and would otherwise parse it twice.
pub fn verify_parsed(sd: &SignedData, data: Option<&[u8]>, opts: &VerifyOptions<'_>) -> Report {
    let mut r = Report::new("gmt0010-signature");
    r.claimed_signing_time = sd.signing_time.map(format_instant);
    let mut checks = vec![Check::pass("sig.format", "GM/T 0010签名数据结构完整", "GM/T 0010 signed data well formed")];
    let signer = sd.certs.iter().find(|c| c.issuer_der == sd.signer_issuer && c.serial == sd.signer_serial).cloned();
    let Some(signer) = signer else {
        checks.push(Check::fail(
            "sig.signature",
            SubIndication::NoSigningCertificateFound,
            "签名数据中没有签名者证书",
            "the signer's certificate is not in the signed data",
        ));
        r.checks = checks;
        r.conclude();
        return r;
    };
    r.signer = Some(Party::of(&signer));
    let digest_ok = sd.digest_alg == oid::SM3;
    if !digest_ok {
        checks.push(Check::fail(
            "sig.format",
            SubIndication::CryptoConstraintsFailure,
            format!("摘要算法{}不是SM3", sd.digest_alg),
            format!("digest algorithm {} is not SM3", sd.digest_alg),
        ));
    }
    let data_hash = data.map(|d| yinxin_gm::sm3::sm3(d).0).or(opts.data_sm3).map(|h| h.to_vec());

    // What was signed, and the data check.
    let signed: Vec<u8> = match (&sd.signed_attrs_raw, &sd.econtent) {
        (Some(raw), _) => {
            checks.push(match (&sd.message_digest, &data_hash) {
                (Some(md), Some(h)) if md == h => {
                    Check::pass("sig.data_hash", "messageDigest与原文SM3一致", "messageDigest equals SM3 of the data")
                }
                (Some(_), Some(_)) => Check::fail(
                    "sig.data_hash",
                    SubIndication::HashFailure,
                    "messageDigest与原文不符",
                    "messageDigest does not match the data",
                ),
                (None, _) => Check::fail(
                    "sig.data_hash",
                    SubIndication::FormatFailure,
                    "缺少messageDigest属性",
                    "no messageDigest attribute",
                ),
                (Some(_), None) => Check::indeterminate(
                    "sig.data_hash",
                    SubIndication::SignedDataNotFound,
                    "未提供原文",
                    "no signed data given",
                ),
            });
            let mut v = raw.clone();
            v[0] = tag::SET;
            v
        }
        (None, Some(ec)) => {
            checks.push(match &data_hash {
                Some(h) if ec == h => {
                    Check::pass("sig.data_hash", "eContent为原文的SM3摘要", "eContent is the SM3 of the data")
                }
                Some(h) if ec == base64(h).as_bytes() => Check::pass(
                    "sig.data_hash",
                    "eContent为原文SM3摘要的Base64",
                    "eContent is the Base64 SM3 of the data",
                ),
                Some(_) => Check::fail(
                    "sig.data_hash",
                    SubIndication::HashFailure,
                    "eContent与原文摘要不符",
                    "eContent does not match the data's SM3",
                ),
                None => Check::indeterminate(
                    "sig.data_hash",
                    SubIndication::SignedDataNotFound,
                    "未提供原文",
                    "no signed data given",
                ),
            });
            ec.clone()
        }
        (None, None) => {
            checks.push(Check::fail(
                "sig.data_hash",
                SubIndication::SignedDataNotFound,
                "既无签名属性也无内容",
                "neither signed attributes nor content",
            ));
            Vec::new()
        }
    };

    // The SM2 signature.
    checks.push(if !SIG_ALGS.contains(&sd.sig_alg.as_str()) {
        Check::fail(
            "sig.signature",
            SubIndication::CryptoConstraintsFailure,
            format!("签名算法{}不是SM2", sd.sig_alg),
            format!("signature algorithm {} is not SM2", sd.sig_alg),
        )
    } else {
        match (&signer.public_key, Sm2Signature::from_bytes_lenient(&sd.signature)) {
            (Err(e), _) => Check::fail("sig.signature", SubIndication::CryptoConstraintsFailure, e.clone(), e.clone()),
            (_, Err(e)) => Check::fail(
                "sig.signature",
                SubIndication::FormatFailure,
                format!("签名值格式错误：{e}"),
                format!("signature value malformed: {e}"),
            ),
            (Ok(_), Ok((s, quirk))) => match signer.verify_sm2(&signed, &s) {
                Ok(()) => {
                    let note = quirk.map(|q| format!(" (accepted: {q})")).unwrap_or_default();
                    Check::pass("sig.signature", format!("SM2签名有效{note}"), format!("SM2 signature valid{note}"))
                }
                Err(e) => Check::fail(
                    "sig.signature",
                    SubIndication::SigCryptoFailure,
                    format!("SM2签名无效：{e}"),
                    format!("SM2 signature invalid: {e}"),
                ),
            },
        }
    });

    // A time stamp over the signature value proves when it existed.
    let mut proven = None;
    match &sd.time_stamp {
        None if opts.poe.is_some() => {
            // A later stamp over the document proves it existed: its best signature time.
            if let Some(p) = &opts.poe {
                proven = Some(p.time);
                r.poe = Some(p.clone());
                checks.push(crate::verify::poe_in_place_of_time_stamp(p));
            }
        }
        None => checks.push(Check::not_applicable(
            "sig.time_stamp",
            "无时间戳：签名时间仅为签名者声称",
            "no time stamp: the signing time is only claimed",
        )),
        Some(token) => {
            let expect = yinxin_pki::tsp::TokenExpectations {
                data: Some(&sd.signature),
                nonce: None,
                extra_certs: opts.intermediates,
                crls: opts.crls,
                control: opts.poe.as_ref().map(|p| p.time),
            };
            let tr = yinxin_pki::tsp::verify_token(token, &expect, opts.trust, opts.now);
            r.time_stamp = tr.info.clone();
            r.poe = opts.poe.clone();
            if tr.indication == yinxin_pki::Indication::Passed {
                proven = tr.gen_time;
                checks.push(Check::pass("sig.time_stamp", "时间戳有效", "time stamp valid"));
            } else {
                checks.push(crate::verify::time_stamp_unproven(&tr));
            }
        }
    }

    // The signer's chain.
    let (at, source) = match (opts.at, proven, sd.signing_time) {
        (At::Given(t), _, _) => (t, TimeSource::Caller),
        (_, Some(t), _) => (t, TimeSource::TimeStamp),
        (At::SigningTime, None, Some(t)) => (t, TimeSource::SignerClaimed),
        _ => (opts.now, TimeSource::Now),
    };
    r.validation_time = Some(format_instant(at));
    r.time_source = Some(source);
    // GB/T 38540-2020 §7.3's time rule applies to the signer's certificate here too (no seal), and
    // EN 319 102-1's time ordering.
    checks.extend(crate::verify::signing_time_checks(
        sd.signing_time,
        proven,
        at,
        source,
        Some(&signer),
        None,
        opts.policy.tolerance(),
    ));
    let mut pool = sd.certs.clone();
    pool.extend(opts.intermediates.iter().cloned());
    checks.extend(crate::verify::chain_checks(&signer, &pool, opts.trust, opts, at, source, "sig.signer_chain"));
    r.checks = checks;
    opts.policy.apply(&mut r);
    r
}

/// Sign `data` as GB/T 35275 / GM/T 0010 detached signed data, the form PDF signatures and OFD
/// `Type="Sign"` signatures carry: signedAttrs contentType (GM data), signingTime and
/// messageDigest = SM3(data), signed with SM2 (SM2-1, 1.2.156.10197.1.301.1) over their DER
/// SET; the signer's certificate and `chain` included; and, when a TSA is given, an RFC 3161
/// token over the signature value as the id-aa-timeStampToken unsigned attribute. Returns the DER
/// ContentInfo.
pub fn sign_detached(
    data: &[u8],
    signer_cert: &Cert,
    chain: &[Cert],
    signer: &dyn yinxin_gm::Sm2Signer,
    now: OffsetDateTime,
    tsa: Option<&yinxin_pki::tsp::TimeStampAuthority>,
) -> Result<Vec<u8>> {
    if signer_cert.public_key.as_ref().ok() != Some(signer.public_key()) {
        return Err(Error::Invalid("the signer's key is not the certificate's key".into()));
    }
    let attrs = SignedAttributes::new(&yinxin_gm::sm3::sm3(data).0, now, None);
    let signature = signer.sign(&attrs.to_be_signed())?;
    attrs.assemble(&signature, signer_cert, chain, now, tsa)
}

/// The signed attributes of a detached signature, made before the signature exists: for a
/// signature made in steps (two-party signing, where the digest is fixed first and the parties
/// then sign it in several messages). [`SignedAttributes::to_be_signed`] is what the SM2
/// signature covers; [`SignedAttributes::assemble`] makes the signed data once it exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedAttributes {
    /// The attributes' DER, sorted as a DER SET OF, without the SET's tag and length.
    der: Vec<u8>,
}

impl SignedAttributes {
    /// contentType (GM data), signingTime `now`, messageDigest `data_sm3`, and, when given, the
    /// SM3 of a handwritten signature's strokes ([`oid::YINXIN_ATTR_HANDWRITING`]).
    pub fn new(data_sm3: &[u8; 32], now: OffsetDateTime, handwriting_sm3: Option<&[u8; 32]>) -> Self {
        use crate::der::write::{oid as w_oid, seq, tlv};
        let attr = |id: &str, value: &[u8]| seq(&[&w_oid(id), &tlv(tag::SET, value)]);
        let t = now.to_offset(time::UtcOffset::UTC);
        let utc = format!(
            "{:02}{:02}{:02}{:02}{:02}{:02}Z",
            t.year() % 100,
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        );
        let mut attrs = vec![
            attr(oid::ATTR_CONTENT_TYPE, &w_oid(oid::GM_DATA)),
            attr(oid::ATTR_SIGNING_TIME, &tlv(tag::UTC_TIME, utc.as_bytes())),
            attr(oid::ATTR_MESSAGE_DIGEST, &tlv(tag::OCTET_STRING, data_sm3)),
        ];
        if let Some(h) = handwriting_sm3 {
            attrs.push(attr(oid::YINXIN_ATTR_HANDWRITING, &tlv(tag::OCTET_STRING, h)));
        }
        attrs.sort(); // DER: SET OF in the order of the encodings
        SignedAttributes { der: attrs.concat() }
    }

    /// The attributes' DER (sorted, without the SET's tag and length), to store between steps.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// Attributes stored with [`Self::der`]. They are not parsed again: [`Self::assemble`]
    /// checks the signature over them, so bytes that are not what was signed make nothing.
    pub fn from_der(der: Vec<u8>) -> Self {
        SignedAttributes { der }
    }

    /// The bytes the SM2 signature covers: the attributes as a DER SET (RFC 5652 §5.4).
    pub fn to_be_signed(&self) -> Vec<u8> {
        crate::der::write::tlv(tag::SET, &self.der)
    }

    /// The DER ContentInfo with `signature` (made over [`Self::to_be_signed`] by the key of
    /// `signer_cert`), the certificates, and a time stamp over the signature value when `tsa` is
    /// given. The signature is checked under the certificate's key first: signed data that does
    /// not verify is never made.
    pub fn assemble(
        &self,
        signature: &Sm2Signature,
        signer_cert: &Cert,
        chain: &[Cert],
        now: OffsetDateTime,
        tsa: Option<&yinxin_pki::tsp::TimeStampAuthority>,
    ) -> Result<Vec<u8>> {
        use crate::der::write::{oid as w_oid, seq, tlv};
        let key = signer_cert.public_key.as_ref().map_err(|e| Error::Invalid(format!("the signer's key: {e}")))?;
        yinxin_gm::default_provider()
            .sm2_verify(key, UserId::DEFAULT, &self.to_be_signed(), signature)
            .map_err(|_| Error::Invalid("the signature does not verify under the signer's certificate".into()))?;
        let null = [0x05u8, 0x00];
        let sm3_alg = seq(&[&w_oid(oid::SM3), &null]);
        let sig_alg = seq(&[&w_oid(oid::SM2_SIGN), &null]);
        let attr = |id: &str, value: &[u8]| seq(&[&w_oid(id), &tlv(tag::SET, value)]);
        let signature = signature.to_der();
        let serial = if signer_cert.serial.first().is_some_and(|b| b & 0x80 != 0) {
            [&[0u8][..], &signer_cert.serial].concat()
        } else {
            signer_cert.serial.clone()
        };
        let ias = seq(&[&signer_cert.issuer_der, &tlv(tag::INTEGER, &serial)]);
        let mut si_parts: Vec<Vec<u8>> = vec![
            crate::der::write::int(1),
            ias,
            sm3_alg.clone(),
            tlv(tag::CTX0_CONS, &self.der),
            sig_alg,
            tlv(tag::OCTET_STRING, &signature),
        ];
        if let Some(tsa) = tsa {
            let token = tsa.stamp(&yinxin_pki::tsp::Imprint::sm3_of(&signature), None, true, now)?;
            si_parts.push(tlv(0xa1, &attr(oid::ATTR_TIME_STAMP_TOKEN, &token)));
        }
        let si_refs: Vec<&[u8]> = si_parts.iter().map(Vec::as_slice).collect();
        let signer_info = seq(&si_refs);
        let mut certs: Vec<&[u8]> = std::iter::once(signer_cert).chain(chain.iter()).map(Cert::der).collect();
        certs.sort();
        certs.dedup();
        let signed_data = seq(&[
            &crate::der::write::int(1),
            &tlv(tag::SET, &sm3_alg),
            &seq(&[&w_oid(oid::GM_DATA)]),
            &tlv(tag::CTX0_CONS, &certs.concat()),
            &tlv(tag::SET, &signer_info),
        ]);
        Ok(seq(&[&w_oid(oid::GM_SIGNED_DATA), &tlv(tag::CTX0_CONS, &signed_data)]))
    }
}

fn base64(b: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in b.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, x)| acc | (u32::from(*x) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}
