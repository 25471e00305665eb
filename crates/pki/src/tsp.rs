//! RFC 3161 time stamps with SM2 and SM3 (GB/T 20520 follows RFC 3161): requests, a time-stamp
//! authority that issues tokens, and token verification.
//!
//! A token is a CMS `ContentInfo` / `SignedData` (RFC 5652) whose content is the DER `TSTInfo`,
//! signed with SM2 over the DER of the signed attributes (contentType, messageDigest = SM3 of the
//! TSTInfo, and ESS signingCertificateV2 with the SM3 hash of the TSA certificate, RFC 5035).
//! Verification reads the signed attributes and the TSTInfo as stored and checks the signature over
//! those bytes, the imprint, the nonce, the TSA certificate (critical id-kp-timeStamping) and its
//! chain at genTime.

use crate::cert::Cert;
use crate::chain::{ChainResult, Purpose, RevocationPolicy, TrustStore, ValidationOptions, validate_chain};
use crate::crl::Crl;
use crate::issue::sm2_with_sm3;
use crate::report::{Check, Indication, SubIndication, TimeSource, conclude};
use crate::time::{format_instant, generalized_time};
use crate::{Error, Result, oid, tlv};
use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use der::asn1::{Any, BitString, ObjectIdentifier, OctetString, SetOfVec, Uint, Utf8StringRef};
use der::{Decode, Encode, Sequence};
use serde::Serialize;
use time::OffsetDateTime;
use x509_cert::attr::Attribute;
use x509_cert::ext::Extension;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::AlgorithmIdentifierOwned;
use yinxin_gm::{Sm2Signature, Sm2Signer};

/// Largest token or response this module parses.
pub const MAX_TOKEN_LEN: usize = 256 * 1024;
/// Allowed clock skew when checking that genTime is not in the future.
pub const CLOCK_SKEW: time::Duration = time::Duration::minutes(5);

/// A hash algorithm for message imprints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HashAlg {
    /// SM3 (1.2.156.10197.1.401), what yinxin uses.
    Sm3,
    /// SHA-256, accepted from other TSAs.
    Sha256,
}

impl HashAlg {
    /// From a dotted OID.
    pub fn from_oid(o: &str) -> Option<Self> {
        match o {
            oid::SM3 => Some(Self::Sm3),
            oid::SHA256 => Some(Self::Sha256),
            _ => None,
        }
    }
    /// The dotted OID.
    pub fn oid(self) -> &'static str {
        match self {
            Self::Sm3 => oid::SM3,
            Self::Sha256 => oid::SHA256,
        }
    }
    /// Digest `data`.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            Self::Sm3 => yinxin_gm::sm3::sm3(data).0.to_vec(),
            Self::Sha256 => {
                use sha2::Digest;
                sha2::Sha256::digest(data).to_vec()
            }
        }
    }
    fn alg_id(self) -> AlgorithmIdentifierOwned {
        AlgorithmIdentifierOwned { oid: oid::der_oid(self.oid()), parameters: None }
    }
}

/// What is time-stamped: a hash algorithm and the digest of the data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Imprint {
    /// The algorithm.
    pub alg: HashAlg,
    /// The digest.
    #[serde(with = "hex_bytes")]
    pub digest: Vec<u8>,
}

impl Imprint {
    /// The SM3 imprint of `data`.
    pub fn sm3_of(data: &[u8]) -> Self {
        Self { alg: HashAlg::Sm3, digest: HashAlg::Sm3.digest(data) }
    }
}

mod hex_bytes {
    pub fn serialize<S: serde::Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(v))
    }
}

#[derive(Sequence)]
struct MessageImprintAsn {
    hash_algorithm: AlgorithmIdentifierOwned,
    hashed_message: OctetString,
}

#[derive(Sequence)]
struct TimeStampReqAsn {
    version: u8,
    message_imprint: MessageImprintAsn,
    /// An OID, kept as `Any` so that arcs wider than 32 bits (the UUID arc) fit.
    #[asn1(optional = "true")]
    req_policy: Option<oid::WideOid>,
    #[asn1(optional = "true")]
    nonce: Option<Uint>,
    #[asn1(default = "Default::default")]
    cert_req: bool,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    extensions: Option<Vec<Extension>>,
}

#[derive(Sequence)]
struct AccuracyAsn {
    #[asn1(optional = "true")]
    seconds: Option<u32>,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    millis: Option<u16>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    micros: Option<u16>,
}

#[derive(Sequence)]
struct TstInfoAsn {
    version: u8,
    /// An OID, kept as `Any` (see `req_policy`).
    policy: oid::WideOid,
    message_imprint: MessageImprintAsn,
    serial_number: Uint,
    /// Kept as `Any` so fractional seconds, which der's GeneralizedTime refuses, still parse.
    gen_time: Any,
    #[asn1(optional = "true")]
    accuracy: Option<AccuracyAsn>,
    #[asn1(default = "Default::default")]
    ordering: bool,
    #[asn1(optional = "true")]
    nonce: Option<Uint>,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    tsa: Option<Any>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    extensions: Option<Vec<Extension>>,
}

#[derive(Sequence)]
struct PkiStatusInfo {
    status: u8,
    #[asn1(optional = "true")]
    status_string: Option<Vec<Any>>,
    #[asn1(optional = "true")]
    fail_info: Option<BitString>,
}

#[derive(Sequence)]
struct TimeStampRespAsn {
    status: PkiStatusInfo,
    #[asn1(optional = "true")]
    token: Option<Any>,
}

/// A parsed time-stamp request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeStampRequest {
    /// The imprint.
    pub imprint: Imprint,
    /// The requested policy.
    pub policy: Option<String>,
    /// The nonce, big-endian.
    pub nonce: Option<Vec<u8>>,
    /// Whether the TSA certificate should be included.
    pub cert_req: bool,
}

impl TimeStampRequest {
    /// DER.
    pub fn to_der(&self) -> Result<Vec<u8>> {
        Ok(TimeStampReqAsn {
            version: 1,
            message_imprint: MessageImprintAsn {
                hash_algorithm: self.imprint.alg.alg_id(),
                hashed_message: OctetString::new(self.imprint.digest.clone())?,
            },
            req_policy: match self.policy.as_deref() {
                Some(p) => Some(
                    oid::WideOid::new(p).ok_or_else(|| Error::TimestampFormat(format!("policy {p} is not an OID")))?,
                ),
                None => None,
            },
            nonce: self.nonce.as_deref().map(Uint::new).transpose()?,
            cert_req: self.cert_req,
            extensions: None,
        }
        .to_der()?)
    }

    /// Parse DER.
    pub fn from_der(der: &[u8]) -> Result<Self> {
        let r = TimeStampReqAsn::from_der(der).map_err(|e| Error::TimestampFormat(format!("request: {e}")))?;
        if r.version != 1 {
            return Err(Error::TimestampFormat(format!("request version {}", r.version)));
        }
        let alg_oid = r.message_imprint.hash_algorithm.oid.to_string();
        let alg = HashAlg::from_oid(&alg_oid)
            .ok_or_else(|| Error::TimestampFormat(format!("unsupported imprint hash {alg_oid}")))?;
        Ok(Self {
            imprint: Imprint { alg, digest: r.message_imprint.hashed_message.as_bytes().to_vec() },
            policy: r.req_policy.map(|o| policy_string(&o)).transpose()?,
            nonce: r.nonce.map(|n| n.as_bytes().to_vec()),
            cert_req: r.cert_req,
        })
    }
}

/// A time-stamp authority: a TSA certificate, its chain, and a signer for its key.
#[derive(Debug)]
pub struct TimeStampAuthority {
    cert: Cert,
    chain: Vec<Cert>,
    signer: Box<dyn Sm2Signer>,
    policy: String,
    accuracy_seconds: u32,
}

impl TimeStampAuthority {
    /// A TSA. The certificate must carry the signer's key and a critical id-kp-timeStamping EKU.
    pub fn new(cert: Cert, chain: Vec<Cert>, signer: Box<dyn Sm2Signer>, policy: &str) -> Result<Self> {
        if cert.public_key.as_ref().ok() != Some(signer.public_key()) {
            return Err(Error::Issue("the TSA signer's key is not the TSA certificate's key".into()));
        }
        let eku_ok =
            cert.ext_key_usage_critical && cert.ext_key_usage.as_deref().is_some_and(|e| e == [oid::KP_TIME_STAMPING]);
        if !eku_ok {
            return Err(Error::Issue(format!("{} lacks a critical id-kp-timeStamping extKeyUsage", cert.subject())));
        }
        oid::encode_wide(policy).ok_or_else(|| Error::Issue(format!("policy {policy} is not an OID")))?;
        Ok(Self { cert, chain, signer, policy: policy.to_string(), accuracy_seconds: 1 })
    }

    /// The TSA certificate.
    pub fn cert(&self) -> &Cert {
        &self.cert
    }

    /// Answer a DER request with a DER `TimeStampResp`: granted with a token, or a rejection with
    /// the failure reason (badAlg, badRequest, unacceptedPolicy) — never an error for bad input.
    pub fn respond(&self, request_der: &[u8], now: OffsetDateTime) -> Result<Vec<u8>> {
        // PKIFailureInfo bits: badAlg 0, badRequest 2, unacceptedPolicy 15, systemFailure 25.
        let reject = |bit: usize, text: &str| -> Result<Vec<u8>> {
            let mut bytes = vec![0u8; bit / 8 + 1];
            bytes[bit / 8] |= 0x80 >> (bit % 8);
            let unused = (7 - bit % 8) as u8;
            let text = Any::encode_from(&Utf8StringRef::new(text)?)?;
            Ok(TimeStampRespAsn {
                status: PkiStatusInfo {
                    status: 2,
                    status_string: Some(vec![text]),
                    fail_info: Some(BitString::new(unused, bytes)?),
                },
                token: None,
            }
            .to_der()?)
        };
        let req = match TimeStampRequest::from_der(request_der) {
            Ok(r) => r,
            Err(Error::TimestampFormat(m)) if m.contains("unsupported imprint hash") => {
                return reject(0, &m);
            }
            Err(e) => return reject(2, &e.to_string()),
        };
        if req.imprint.digest.len() != 32 {
            return reject(2, "imprint length does not match its algorithm");
        }
        if let Some(p) = req.policy.as_ref().filter(|p| **p != self.policy) {
            return reject(15, &format!("policy {p} is not offered; this TSA uses {}", self.policy));
        }
        let token = match self.stamp(&req.imprint, req.nonce.as_deref(), req.cert_req, now) {
            Ok(t) => t,
            Err(e) => return reject(25, &e.to_string()),
        };
        Ok(TimeStampRespAsn {
            status: PkiStatusInfo { status: 0, status_string: None, fail_info: None },
            token: Some(Any::from_der(&token)?),
        }
        .to_der()?)
    }

    /// Issue a token (DER `ContentInfo`) over `imprint` at time `at`.
    pub fn stamp(
        &self,
        imprint: &Imprint,
        nonce: Option<&[u8]>,
        include_certs: bool,
        at: OffsetDateTime,
    ) -> Result<Vec<u8>> {
        let mut serial = vec![0u8; 16];
        yinxin_gm::default_provider().fill_random(&mut serial)?;
        serial[0] &= 0x7f;
        serial[0] |= 0x01;
        let tst = TstInfoAsn {
            version: 1,
            policy: oid::WideOid::new(&self.policy)
                .ok_or_else(|| Error::Issue(format!("policy {} is not an OID", self.policy)))?,
            message_imprint: MessageImprintAsn {
                hash_algorithm: imprint.alg.alg_id(),
                hashed_message: OctetString::new(imprint.digest.clone())?,
            },
            serial_number: Uint::new(&serial)?,
            gen_time: Any::encode_from(&generalized_time(at)?)?,
            accuracy: Some(AccuracyAsn { seconds: Some(self.accuracy_seconds), millis: None, micros: None }),
            ordering: false,
            nonce: nonce.map(Uint::new).transpose()?,
            tsa: None,
            extensions: None,
        }
        .to_der()?;

        let cert_hash = self.cert.sm3();
        let ess = ess_signing_certificate_v2(&cert_hash.0, &self.cert)?;
        let mut attrs = SetOfVec::new();
        attrs.insert(attribute(oid::ATTR_CONTENT_TYPE, Any::encode_from(&oid::der_oid(oid::CT_TST_INFO))?)?)?;
        attrs.insert(attribute(
            oid::ATTR_MESSAGE_DIGEST,
            Any::encode_from(&OctetString::new(yinxin_gm::sm3::sm3(&tst).0.to_vec())?)?,
        )?)?;
        attrs.insert(attribute(oid::ATTR_SIGNING_CERTIFICATE_V2, Any::from_der(&ess)?)?)?;
        let signed_attrs_der = attrs.to_der()?;
        let sig: Sm2Signature = self.signer.sign(&signed_attrs_der)?;

        let tbs_cert = x509_cert::Certificate::from_der(self.cert.der())?;
        let sid = SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: tbs_cert.tbs_certificate().issuer().clone(),
            serial_number: SerialNumber::new(&self.cert.serial)?,
        });
        let si = SignerInfo {
            version: CmsVersion::V1,
            sid,
            digest_alg: HashAlg::Sm3.alg_id(),
            signed_attrs: Some(attrs),
            signature_algorithm: sm2_with_sm3(),
            signature: OctetString::new(sig.to_der())?,
            unsigned_attrs: None,
        };
        let mut digest_algorithms = SetOfVec::new();
        digest_algorithms.insert(HashAlg::Sm3.alg_id())?;
        let mut signer_infos = SetOfVec::new();
        signer_infos.insert(si)?;
        let certificates = if include_certs {
            let mut set = SetOfVec::new();
            for c in std::iter::once(&self.cert).chain(self.chain.iter()) {
                set.insert(CertificateChoices::Certificate(x509_cert::Certificate::from_der(c.der())?))?;
            }
            Some(CertificateSet(set))
        } else {
            None
        };
        let sd = SignedData {
            version: CmsVersion::V3,
            digest_algorithms,
            encap_content_info: EncapsulatedContentInfo {
                econtent_type: oid::der_oid(oid::CT_TST_INFO),
                econtent: Some(Any::encode_from(&OctetString::new(tst)?)?),
            },
            certificates,
            crls: None,
            signer_infos: SignerInfos(signer_infos),
        };
        let ci = ContentInfo { content_type: oid::der_oid(oid::SIGNED_DATA), content: Any::encode_from(&sd)? };
        Ok(ci.to_der()?)
    }
}

fn policy_string(a: &oid::WideOid) -> Result<String> {
    a.dotted().ok_or_else(|| Error::TimestampFormat("policy OID is malformed".into()))
}

fn attribute(id: &str, value: Any) -> Result<Attribute> {
    let mut values = SetOfVec::new();
    values.insert(value)?;
    Ok(Attribute { oid: oid::der_oid(id), values })
}

/// `SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2 }`, with
/// `ESSCertIDv2 ::= SEQUENCE { hashAlgorithm (SM3), certHash, issuerSerial { GeneralNames
/// { directoryName }, serialNumber } }`.
fn ess_signing_certificate_v2(cert_hash: &[u8], cert: &Cert) -> Result<Vec<u8>> {
    use crate::issue::tlv as t;
    let alg = HashAlg::Sm3.alg_id().to_der()?;
    let hash = t(0x04, cert_hash);
    let dir_name = t(0xa4, &cert.issuer_der); // [4] EXPLICIT Name
    let general_names = t(0x30, &dir_name);
    let serial = SerialNumber::<x509_cert::certificate::Rfc5280>::new(&cert.serial)?.to_der()?;
    let issuer_serial = t(0x30, &[general_names, serial].concat());
    let cert_id = t(0x30, &[alg, hash, issuer_serial].concat());
    let certs = t(0x30, &cert_id);
    Ok(t(0x30, &certs))
}

/// The token inside a DER `TimeStampResp`, or why there is none.
pub fn token_from_response(resp_der: &[u8]) -> Result<Vec<u8>> {
    let r = TimeStampRespAsn::from_der(resp_der).map_err(|e| Error::TimestampFormat(format!("response: {e}")))?;
    match (r.status.status, r.token) {
        (0 | 1, Some(t)) => Ok(t.to_der()?),
        (s, _) => {
            let text: Vec<String> = r
                .status
                .status_string
                .unwrap_or_default()
                .iter()
                .filter_map(|a| a.decode_as::<Utf8StringRef<'_>>().ok().map(|s| s.as_str().to_string()))
                .collect();
            Err(Error::TimestampFormat(format!("TSA answered status {s} without a token: {}", text.join("; "))))
        }
    }
}

/// Build a request for the SM3 digest of some data.
pub fn request_for(digest: &[u8], nonce: Option<Vec<u8>>, cert_req: bool) -> TimeStampRequest {
    TimeStampRequest { imprint: Imprint { alg: HashAlg::Sm3, digest: digest.to_vec() }, policy: None, nonce, cert_req }
}

/// The TSTInfo of a token, as reported.
#[derive(Debug, Clone, Serialize)]
pub struct TstSummary {
    /// Policy OID.
    pub policy: String,
    /// Serial number (hex).
    pub serial: String,
    /// genTime (RFC 3339).
    pub gen_time: String,
    /// The imprint.
    pub imprint: Imprint,
    /// The nonce (hex).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// Accuracy in milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accuracy_ms: Option<u64>,
    /// The TSA certificate's subject.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tsa: Option<String>,
}

/// The result of [`verify_token`].
#[derive(Debug, Clone, Serialize)]
pub struct TokenReport {
    /// Overall.
    pub indication: Indication,
    /// Why, when not PASSED.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub_indication: Option<SubIndication>,
    /// genTime, parsed (also in `info`).
    #[serde(skip)]
    pub gen_time: Option<OffsetDateTime>,
    /// The TSTInfo, when it parsed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub info: Option<TstSummary>,
    /// The TSA chain validation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tsa_chain: Option<ChainResult>,
    /// The token's own checks followed by the TSA chain's.
    pub checks: Vec<Check>,
}

/// What to check a token against.
#[derive(Debug, Clone, Default)]
pub struct TokenExpectations<'a> {
    /// The data that was stamped (its digest is compared with the imprint).
    pub data: Option<&'a [u8]>,
    /// The nonce of the request.
    pub nonce: Option<&'a [u8]>,
    /// Certificates to find the TSA certificate and its chain among, besides those in the token.
    pub extra_certs: &'a [Cert],
    /// CRLs for the TSA chain.
    pub crls: &'a [Crl],
    /// The control time: when a later proof of existence (a time stamp or an evidence record
    /// covering this token) shows the token already existed. The TSA certificate must not have
    /// expired before it (EN 319 102-1 §5.6.2.1: past certificate validation). `None`: now, which
    /// is right for a token nothing else covers.
    pub control: Option<OffsetDateTime>,
}

/// Verify a DER token (a `ContentInfo`, or a whole `TimeStampResp`).
pub fn verify_token(
    token: &[u8],
    expect: &TokenExpectations<'_>,
    trust: &TrustStore,
    now: OffsetDateTime,
) -> TokenReport {
    let mut checks = Vec::new();
    let mut report = TokenReport {
        indication: Indication::Failed,
        sub_indication: None,
        gen_time: None,
        info: None,
        tsa_chain: None,
        checks: Vec::new(),
    };
    match verify_inner(token, expect, trust, now, &mut checks, &mut report) {
        Ok(()) => {}
        Err(msg) => checks.push(Check::fail(
            "tst.format",
            SubIndication::FormatFailure,
            format!("时间戳格式错误：{msg}"),
            format!("time-stamp token is malformed: {msg}"),
        )),
    }
    let (i, s) = conclude(&checks);
    report.indication = i;
    report.sub_indication = s;
    report.checks = checks;
    report
}

fn verify_inner(
    input: &[u8],
    expect: &TokenExpectations<'_>,
    trust: &TrustStore,
    now: OffsetDateTime,
    checks: &mut Vec<Check>,
    report: &mut TokenReport,
) -> core::result::Result<(), String> {
    if input.len() > MAX_TOKEN_LEN {
        return Err(format!("{} bytes exceeds the {MAX_TOKEN_LEN}-byte limit", input.len()));
    }
    // A whole TimeStampResp is accepted too.
    let owned;
    let token = match ContentInfo::from_der(input) {
        Ok(_) => input,
        Err(_) => {
            owned = token_from_response(input).map_err(|e| e.to_string())?;
            &owned[..]
        }
    };
    let ci = ContentInfo::from_der(token).map_err(|e| format!("ContentInfo: {e}"))?;
    if ci.content_type.to_string() != oid::SIGNED_DATA {
        return Err(format!("content type {} is not signedData", ci.content_type));
    }
    let sd: SignedData = ci.content.decode_as().map_err(|e| format!("SignedData: {e}"))?;
    if sd.encap_content_info.econtent_type.to_string() != oid::CT_TST_INFO {
        return Err(format!("encapsulated content {} is not TSTInfo", sd.encap_content_info.econtent_type));
    }
    let econtent = sd.encap_content_info.econtent.as_ref().ok_or("no TSTInfo content")?;
    let tst_bytes = econtent.decode_as::<OctetString>().map_err(|e| format!("eContent: {e}"))?.into_bytes();
    let tst = TstInfoAsn::from_der(&tst_bytes).map_err(|e| format!("TSTInfo: {e}"))?;
    let gen_time = parse_generalized(tst.gen_time.value()).ok_or("genTime is not a valid GeneralizedTime")?;
    let imprint_oid = tst.message_imprint.hash_algorithm.oid.to_string();
    let imprint_alg =
        HashAlg::from_oid(&imprint_oid).ok_or_else(|| format!("unsupported imprint hash {imprint_oid}"))?;
    let imprint = Imprint { alg: imprint_alg, digest: tst.message_imprint.hashed_message.as_bytes().to_vec() };
    report.gen_time = Some(gen_time);
    let accuracy_ms =
        tst.accuracy.as_ref().map(|a| u64::from(a.seconds.unwrap_or(0)) * 1000 + u64::from(a.millis.unwrap_or(0)));

    let infos: Vec<&SignerInfo> = sd.signer_infos.0.iter().collect();
    if infos.len() != 1 {
        return Err(format!("{} SignerInfos; a time-stamp token has exactly one", infos.len()));
    }
    let si = infos[0];
    // RFC 5652 §5.1/§5.3: version 3 for non-data content; SignerInfo 1 (issuer/serial) or 3 (SKI).
    if sd.version != CmsVersion::V3 {
        return Err("SignedData version is not 3".into());
    }
    let si_version_ok = matches!(
        (&si.sid, si.version),
        (SignerIdentifier::IssuerAndSerialNumber(_), CmsVersion::V1)
            | (SignerIdentifier::SubjectKeyIdentifier(_), CmsVersion::V3)
    );
    if !si_version_ok {
        return Err("SignerInfo version does not match its signer identifier".into());
    }
    if !sd.digest_algorithms.iter().any(|a| a.oid == si.digest_alg.oid) {
        return Err("the signer's digest algorithm is not listed in digestAlgorithms".into());
    }
    let raw_attrs = raw_signed_attrs(token).ok_or("signedAttrs not found")?;

    // The TSA certificate: by issuer and serial, among the token's and the caller's certificates.
    let mut pool: Vec<Cert> = Vec::new();
    if let Some(set) = &sd.certificates {
        for c in set.0.iter() {
            if let CertificateChoices::Certificate(c) = c {
                let der = c.to_der().map_err(|e| e.to_string())?;
                pool.push(Cert::from_der(&der).map_err(|e| e.to_string())?);
            }
        }
    }
    pool.extend(expect.extra_certs.iter().cloned());
    let tsa_cert = signer_in(&si.sid, &pool)?;

    report.info = Some(TstSummary {
        policy: policy_string(&tst.policy).map_err(|e| e.to_string())?,
        serial: hex::encode(tst.serial_number.as_bytes()),
        gen_time: format_instant(gen_time),
        imprint: imprint.clone(),
        nonce: tst.nonce.as_ref().map(|n| hex::encode(n.as_bytes())),
        accuracy_ms,
        tsa: tsa_cert.as_ref().map(Cert::subject),
    });
    checks.push(Check::pass(
        "tst.format",
        format!("时间戳结构完整，时间{}", format_instant(gen_time)),
        format!("token well formed, genTime {}", format_instant(gen_time)),
    ));

    // Signed attributes.
    let attrs = si.signed_attrs.as_ref().ok_or("no signed attributes")?;
    let find = |id: &str| attrs.iter().find(|a| a.oid.to_string() == id).and_then(|a| a.values.iter().next().cloned());
    match find(oid::ATTR_CONTENT_TYPE).and_then(|v| v.decode_as::<ObjectIdentifier>().ok()) {
        Some(o) if o.to_string() == oid::CT_TST_INFO => checks.push(Check::pass(
            "tst.content_type",
            "contentType属性正确",
            "contentType attribute is id-ct-TSTInfo",
        )),
        _ => checks.push(Check::fail(
            "tst.content_type",
            SubIndication::FormatFailure,
            "contentType属性缺失或错误",
            "contentType attribute missing or not id-ct-TSTInfo",
        )),
    }
    let digest_oid = si.digest_alg.oid.to_string();
    match (
        HashAlg::from_oid(&digest_oid),
        find(oid::ATTR_MESSAGE_DIGEST).and_then(|v| v.decode_as::<OctetString>().ok()),
    ) {
        (Some(alg), Some(md)) if md.as_bytes() == alg.digest(&tst_bytes).as_slice() => checks.push(Check::pass(
            "tst.message_digest",
            "messageDigest与TSTInfo一致",
            "messageDigest matches the TSTInfo",
        )),
        (None, _) => checks.push(Check::fail(
            "tst.message_digest",
            SubIndication::CryptoConstraintsFailure,
            format!("不支持的摘要算法{digest_oid}"),
            format!("unsupported digest algorithm {digest_oid}"),
        )),
        (Some(_), Some(_)) => checks.push(Check::fail(
            "tst.message_digest",
            SubIndication::HashFailure,
            "messageDigest与TSTInfo不符",
            "messageDigest does not match the TSTInfo",
        )),
        (Some(_), None) => checks.push(Check::fail(
            "tst.message_digest",
            SubIndication::FormatFailure,
            "缺少messageDigest属性",
            "messageDigest attribute missing",
        )),
    }

    let Some(tsa_cert) = tsa_cert else {
        checks.push(Check::indeterminate(
            "tst.signer_certificate",
            SubIndication::NoSigningCertificateFound,
            "时间戳中无TSA证书，也未提供",
            "the TSA certificate is neither in the token nor given",
        ));
        return Ok(());
    };

    // ESS signingCertificateV2 binds the signature to this certificate (RFC 5035 / RFC 3161 §2.4.1).
    match find(oid::ATTR_SIGNING_CERTIFICATE_V2).map(|v| ess_cert_hash(&v)) {
        Some(Some((alg, hash))) if hash == alg.digest(tsa_cert.der()) => checks.push(
            Check::pass(
                "tst.signer_certificate",
                format!("签名证书绑定到{}", tsa_cert.subject()),
                format!("signingCertificateV2 binds {}", tsa_cert.subject()),
            )
            .about(tsa_cert.subject()),
        ),
        Some(Some(_)) => checks.push(Check::fail(
            "tst.signer_certificate",
            SubIndication::SigConstraintsFailure,
            "signingCertificateV2中的证书摘要与TSA证书不符",
            "signingCertificateV2 hash does not match the TSA certificate",
        )),
        Some(None) => checks.push(Check::fail(
            "tst.signer_certificate",
            SubIndication::FormatFailure,
            "signingCertificateV2无法解析",
            "signingCertificateV2 does not parse",
        )),
        None if find(oid::ATTR_SIGNING_CERTIFICATE).is_some() => checks.push(Check::indeterminate(
            "tst.signer_certificate",
            SubIndication::CryptoConstraintsFailure,
            "只有SHA-1的signingCertificate属性，未检查",
            "only a SHA-1 signingCertificate attribute: not checked",
        )),
        None => checks.push(Check::fail(
            "tst.signer_certificate",
            SubIndication::SigConstraintsFailure,
            "缺少ESS signingCertificate属性",
            "ESS signingCertificate attribute missing",
        )),
    }

    // The SM2 signature over the signed attributes as stored, with the [0] tag read as SET.
    let alg = si.signature_algorithm.oid.to_string();
    let sig_check = if alg != oid::SM2_WITH_SM3 && alg != oid::SM2_SIGN && alg != oid::SM2 {
        Check::fail(
            "tst.signature",
            SubIndication::CryptoConstraintsFailure,
            format!("签名算法{alg}不是SM2"),
            format!("signature algorithm {alg} is not SM2"),
        )
    } else {
        let mut to_verify = raw_attrs.to_vec();
        to_verify[0] = 0x31;
        let result = match &tsa_cert.public_key {
            Err(e) => Err(e.clone()),
            Ok(_) => Sm2Signature::from_bytes(si.signature.as_bytes())
                .and_then(|sig| tsa_cert.verify_sm2(&to_verify, &sig))
                .map_err(|e| e.to_string()),
        };
        match result {
            Ok(()) => Check::pass("tst.signature", "TSA的SM2签名有效", "TSA's SM2 signature is valid"),
            Err(e) => Check::fail(
                "tst.signature",
                SubIndication::SigCryptoFailure,
                format!("TSA签名无效：{e}"),
                format!("TSA signature is invalid: {e}"),
            ),
        }
    };
    checks.push(sig_check);

    match expect.data {
        Some(data) if imprint_alg.digest(data) == imprint.digest => {
            checks.push(Check::pass("tst.imprint", "时间戳覆盖所给数据", "the imprint matches the given data"))
        }
        Some(_) => checks.push(Check::fail(
            "tst.imprint",
            SubIndication::HashFailure,
            "时间戳的消息摘要与所给数据不符",
            "the imprint does not match the given data",
        )),
        None => checks.push(Check::not_applicable(
            "tst.imprint",
            "未提供数据，未比较消息摘要",
            "no data given: imprint not compared",
        )),
    }
    if let Some(n) = expect.nonce {
        let ok =
            tst.nonce.as_ref().is_some_and(|t| crate::cert::strip_zeros(t.as_bytes()) == crate::cert::strip_zeros(n));
        checks.push(if ok {
            Check::pass("tst.nonce", "随机数与请求一致", "nonce matches the request")
        } else {
            Check::fail(
                "tst.nonce",
                SubIndication::FormatFailure,
                "随机数与请求不符",
                "nonce does not match the request",
            )
        });
    }
    if gen_time > now + CLOCK_SKEW {
        checks.push(Check::fail(
            "tst.time",
            SubIndication::TimestampOrderFailure,
            "时间戳时间在未来",
            "genTime is in the future",
        ));
    }

    checks.push(tsa_current(&tsa_cert, expect.control, now).about(tsa_cert.subject()));

    let mut crls = expect.crls.to_vec();
    crls.extend(embedded_crls(token).into_iter().filter(|c| !expect.crls.iter().any(|e| e.der() == c.der())));
    let opts = ValidationOptions {
        at: gen_time,
        time_source: TimeSource::TimeStamp,
        now,
        purpose: Purpose::TimeStamping,
        crls: &crls,
        revocation: RevocationPolicy::IfAvailable,
        crl_max_age: None,
    };
    let chain = validate_chain(&tsa_cert, &pool, trust, &opts);
    checks.extend(chain.checks.iter().cloned());
    report.tsa_chain = Some(chain);
    Ok(())
}

/// Whether the TSA certificate was still valid at the control time. A token proves its genTime
/// only while the TSA's key is trusted: once the certificate has expired, nothing stops whoever
/// holds the old key from making tokens with any genTime, so a token is believed only if
/// something (the present moment, or a later time stamp that covers it) shows it existed before
/// the expiry. This is what archive time stamps renew (RFC 4998 §5.2, PAdES-LTA).
fn tsa_current(tsa: &Cert, control: Option<OffsetDateTime>, now: OffsetDateTime) -> Check {
    const ID: &str = "tst.tsa_validity";
    let (at, by_zh, by_en) = match control {
        Some(t) => (t, "后续时间证明所示时间", "the time a later proof shows"),
        None => (now, "当前时间", "the current time"),
    };
    let (t, na) = (format_instant(at), format_instant(tsa.not_after));
    if tsa.not_after < at {
        Check::indeterminate(
            ID,
            SubIndication::OutOfBoundsNoPoe,
            format!("TSA证书已于{na}到期，早于{by_zh}{t}，且无证据证明该时间戳早于到期（应在到期前续签时间戳）"),
            format!(
                "the TSA certificate expired on {na}, before {by_en} ({t}), and nothing proves the token existed earlier (it had to be renewed before the expiry)"
            ),
        )
    } else {
        Check::pass(
            ID,
            format!("TSA证书在{by_zh}{t}仍在有效期内（{na}到期）"),
            format!("the TSA certificate was still valid at {by_en} ({t}; it expires {na})"),
        )
    }
}

/// The token with `certs` and `crls` added to its SignedData `certificates` and `crls` fields
/// (RFC 5652 §5.1), keeping what is there. Neither field is under the TSA's signature, so the
/// token stays valid; RFC 4998 §5.2 keeps an archive time stamp's validation data this way before
/// the stamp is renewed, and the renewal's hash then covers it. Sets are written in DER order.
pub fn with_validation_data(token: &[u8], certs: &[Cert], crls: &[Crl]) -> Result<Vec<u8>> {
    let bad = |m: &str| Error::TimestampFormat(format!("cannot add validation data: {m}"));
    let (ci, _) = tlv::read(token).ok_or_else(|| bad("not DER"))?;
    let ci_parts = tlv::children(ci.value).ok_or_else(|| bad("ContentInfo"))?;
    let (content_type, explicit) = match ci_parts.as_slice() {
        [a, b] if b.tag == 0xa0 => (a, b),
        _ => return Err(bad("ContentInfo is not { contentType, [0] content }")),
    };
    let (sd, _) = tlv::read(explicit.value).ok_or_else(|| bad("SignedData"))?;
    let parts = tlv::children(sd.value).ok_or_else(|| bad("SignedData"))?;
    if parts.len() < 4 {
        return Err(bad("SignedData has too few fields"));
    }
    let (head, rest) = parts.split_at(3);
    let (signer_infos, optional) = rest.split_last().ok_or_else(|| bad("no signerInfos"))?;
    let mut cert_set: Vec<Vec<u8>> = Vec::new();
    let mut crl_set: Vec<Vec<u8>> = Vec::new();
    for o in optional {
        let items = tlv::children(o.value).ok_or_else(|| bad("certificates or crls"))?;
        let target = match o.tag {
            0xa0 => &mut cert_set,
            0xa1 => &mut crl_set,
            t => return Err(bad(&format!("unexpected field tag {t:#x}"))),
        };
        target.extend(items.iter().map(|t| t.raw.to_vec()));
    }
    for c in certs {
        if !cert_set.iter().any(|x| x == c.der()) {
            cert_set.push(c.der().to_vec());
        }
    }
    for c in crls {
        if !crl_set.iter().any(|x| x == c.der()) {
            crl_set.push(c.der().to_vec());
        }
    }
    cert_set.sort();
    crl_set.sort();
    let mut body: Vec<u8> = head.iter().flat_map(|t| t.raw.iter().copied()).collect();
    if !cert_set.is_empty() {
        body.extend(crate::issue::tlv(0xa0, &cert_set.concat()));
    }
    if !crl_set.is_empty() {
        body.extend(crate::issue::tlv(0xa1, &crl_set.concat()));
    }
    body.extend_from_slice(signer_infos.raw);
    let sd = crate::issue::tlv(0x30, &body);
    let ci_body = [content_type.raw.to_vec(), crate::issue::tlv(0xa0, &sd)].concat();
    Ok(crate::issue::tlv(0x30, &ci_body))
}

/// The certificate among `pool` that `sid` names (issuer and serial, or subject key identifier).
fn signer_in(sid: &SignerIdentifier, pool: &[Cert]) -> core::result::Result<Option<Cert>, String> {
    Ok(match sid {
        SignerIdentifier::IssuerAndSerialNumber(ias) => {
            let issuer = ias.issuer.to_der().map_err(|e| e.to_string())?;
            let serial = crate::cert::strip_zeros(ias.serial_number.as_bytes()).to_vec();
            pool.iter().find(|c| c.issuer_der == issuer && c.serial == serial).cloned()
        }
        SignerIdentifier::SubjectKeyIdentifier(ski) => {
            pool.iter().find(|c| c.subject_key_id.as_deref() == Some(ski.0.as_bytes())).cloned()
        }
    })
}

/// The TSA's certificate, when the token carries it: what renewal planning needs (when does the
/// newest stamp's TSA certificate end?). Nothing is verified here; see [`verify_token`].
pub fn signer_certificate(token: &[u8]) -> Option<Cert> {
    if token.len() > MAX_TOKEN_LEN {
        return None;
    }
    let ci = ContentInfo::from_der(token).ok()?;
    let sd: SignedData = ci.content.decode_as().ok()?;
    let si = sd.signer_infos.0.iter().next()?;
    signer_in(&si.sid, &embedded_certs(token)).ok().flatten()
}

/// The certificates in a token's SignedData `certificates` field (those that parse).
pub fn embedded_certs(token: &[u8]) -> Vec<Cert> {
    if token.len() > MAX_TOKEN_LEN {
        return Vec::new();
    }
    let certs = || -> Option<Vec<Cert>> {
        let (ci, _) = tlv::read(token)?;
        let ci_parts = tlv::children(ci.value)?;
        let (sd, _) = tlv::read(ci_parts.get(1)?.value)?;
        let parts = tlv::children(sd.value)?;
        let field = parts.iter().find(|t| t.tag == 0xa0)?;
        Some(
            tlv::children(field.value)?
                .iter()
                .filter(|t| t.tag == 0x30)
                .filter_map(|t| Cert::from_der(t.raw).ok())
                .collect(),
        )
    };
    certs().unwrap_or_default()
}

/// The CRLs in a token's SignedData `crls` field (those that parse as X.509 CRLs).
pub fn embedded_crls(token: &[u8]) -> Vec<Crl> {
    let crls = || -> Option<Vec<Crl>> {
        let (ci, _) = tlv::read(token)?;
        let ci_parts = tlv::children(ci.value)?;
        let (sd, _) = tlv::read(ci_parts.get(1)?.value)?;
        let parts = tlv::children(sd.value)?;
        let field = parts.iter().find(|t| t.tag == 0xa1)?;
        Some(tlv::children(field.value)?.iter().filter_map(|t| Crl::from_der(t.raw).ok()).collect())
    };
    crls().unwrap_or_default()
}

/// (hash algorithm, certHash) of the first ESSCertIDv2.
fn ess_cert_hash(v: &Any) -> Option<(HashAlg, Vec<u8>)> {
    let der = v.to_der().ok()?;
    let (outer, _) = tlv::read(&der)?;
    let (certs, _) = tlv::read(outer.value)?;
    let (first, _) = tlv::read(certs.value)?;
    let parts = tlv::children(first.value)?;
    let (alg, hash) = match parts.first()? {
        t if t.tag == 0x30 => {
            let alg = AlgorithmIdentifierOwned::from_der(t.raw).ok()?;
            (HashAlg::from_oid(&alg.oid.to_string())?, parts.get(1)?)
        }
        t => (HashAlg::Sha256, t), // DEFAULT id-sha256
    };
    (hash.tag == 0x04).then(|| (alg, hash.value.to_vec()))
}

/// The signedAttrs `[0]` TLV of the one SignerInfo, as stored.
fn raw_signed_attrs(token: &[u8]) -> Option<&[u8]> {
    let (ci, _) = tlv::read(token)?;
    let parts = tlv::children(ci.value)?;
    let (sd, _) = tlv::read(parts.get(1)?.value)?; // [0] EXPLICIT SignedData
    let sd_parts = tlv::children(sd.value)?;
    let signer_infos = sd_parts.last()?; // SET OF SignerInfo
    let (si, _) = tlv::read(signer_infos.value)?;
    tlv::children(si.value)?.into_iter().find(|t| t.tag == 0xa0).map(|t| t.raw)
}

/// `YYYYMMDDHHMMSS[.f+]Z`.
fn parse_generalized(v: &[u8]) -> Option<OffsetDateTime> {
    let s = core::str::from_utf8(v).ok()?;
    let s = s.strip_suffix('Z')?;
    let (main, _frac) = s.split_once('.').unwrap_or((s, ""));
    if main.len() != 14 || !main.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = |r: core::ops::Range<usize>| main[r].parse::<u32>().ok();
    let date =
        time::Date::from_calendar_date(n(0..4)? as i32, time::Month::try_from(n(4..6)? as u8).ok()?, n(6..8)? as u8)
            .ok()?;
    let t = time::Time::from_hms(n(8..10)? as u8, n(10..12)? as u8, n(12..14)? as u8).ok()?;
    Some(time::PrimitiveDateTime::new(date, t).assume_utc())
}
