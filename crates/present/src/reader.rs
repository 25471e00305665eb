//! Officers' devices: the reader certificate the service gives an officer's device key, and the
//! record of a check made offline that the device signs and uploads later.
//!
//! ```text
//! ReaderCert = [ body: bstr .cbor ReaderBody, signer_kid: bstr(8), signature: bstr(64) ]  ; the service's key
//! ReaderBody = [ "yx-reader-1", serial: bstr(8), device_key: bstr(33),
//!                officer_id: tstr, officer_name: tstr, department_code: tstr, department_name: tstr,
//!                area_code: tstr, [ * [ type_code: tstr, [ * field: tstr ] ] ],   ; what it may request
//!                not_before: uint, not_after: uint ]
//! Record     = [ body: bstr .cbor RecordBody, signature: bstr(64) ]                 ; the device key
//! RecordBody = [ "yx-rec-1", id: bstr(16), reader_serial: bstr(8), checked_at: uint, place: tstr,
//!                credential_serial: bstr(8), indication: tstr, [ * field: tstr ] ]
//! ```
//!
//! As ISO/IEC 18013-5 reader authentication does with X.509, the certificate binds a device key
//! to who holds it and what it may ask for; a compact CBOR form keeps it small enough for a QR
//! and simple to check in a page. The service signs it with the key that signs its trust bundle,
//! so a wallet holding a bundle can check it offline.

use crate::cbor::{self, Items};
use crate::{Error, Result, compress, format_err};
use ciborium::Value;
use yinxin_gm::{Sm2PublicKey, Sm2Signature, Sm2Signer, Sm2Verifier, UserId, default_provider};

const CERT_TAG: &str = "yx-reader-1";
const RECORD_TAG: &str = "yx-rec-1";
/// The most records one upload carries.
pub const MAX_RECORDS: usize = 100;
/// The longest record read (bytes).
pub const MAX_RECORD: usize = 4_096;

/// What a reader certificate says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReaderBody {
    /// Random serial.
    pub serial: [u8; 8],
    /// The officer's device key.
    pub device_key: Sm2PublicKey,
    /// The officer's id (the client's principal).
    pub officer_id: String,
    /// The officer's name.
    pub officer_name: String,
    /// The department's USCC.
    pub department_code: String,
    /// The department's name.
    pub department_name: String,
    /// The enforcement area (an administrative division code).
    pub area_code: String,
    /// Per licence type code, the fields the officer may request.
    pub entitlements: Vec<(String, Vec<String>)>,
    /// Valid from (Unix seconds).
    pub not_before: i64,
    /// Valid until (Unix seconds).
    pub not_after: i64,
}

/// A reader certificate as carried.
#[derive(Debug, Clone)]
pub struct ReaderCert {
    /// Content.
    pub body: ReaderBody,
    /// The body's bytes, as signed.
    pub body_bytes: Vec<u8>,
    /// [`crate::key_id`] of the signer's certificate.
    pub signer_kid: [u8; 8],
    /// The signature.
    pub signature: [u8; 64],
    /// All its bytes.
    pub bytes: Vec<u8>,
}

fn strings(v: Vec<Value>, what: &str) -> Result<Vec<String>> {
    v.into_iter()
        .map(|x| match x {
            Value::Text(s) => Ok(s),
            _ => Err(format_err(format!("{what}: not text"))),
        })
        .collect()
}

/// Sign a reader certificate.
pub fn issue(body: &ReaderBody, signer: &dyn Sm2Signer, signer_kid: [u8; 8]) -> Result<ReaderCert> {
    let ents = body
        .entitlements
        .iter()
        .map(|(t, f)| Value::Array(vec![cbor::text(t), Value::Array(f.iter().map(|x| cbor::text(x)).collect())]))
        .collect();
    let body_bytes = cbor::encode(&Value::Array(vec![
        cbor::text(CERT_TAG),
        cbor::bytes(&body.serial),
        cbor::bytes(&compress(&body.device_key)),
        cbor::text(&body.officer_id),
        cbor::text(&body.officer_name),
        cbor::text(&body.department_code),
        cbor::text(&body.department_name),
        cbor::text(&body.area_code),
        Value::Array(ents),
        cbor::uint(body.not_before.max(0) as u64),
        cbor::uint(body.not_after.max(0) as u64),
    ]));
    let signature = signer.sign(&body_bytes)?.to_raw();
    let bytes =
        cbor::encode(&Value::Array(vec![cbor::bytes(&body_bytes), cbor::bytes(&signer_kid), cbor::bytes(&signature)]));
    Ok(ReaderCert { body: body.clone(), body_bytes, signer_kid, signature, bytes })
}

impl ReaderCert {
    /// Read one (check it with [`ReaderCert::verify`]).
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        if bytes.len() > MAX_RECORD {
            return Err(format_err("reader certificate: too long"));
        }
        let mut it = Items::new(cbor::decode(bytes, "reader certificate")?, "reader certificate", 3)?;
        let body_bytes = it.bytes("body")?;
        let signer_kid = it.fixed("signer key id")?;
        let signature = it.fixed("signature")?;
        let mut b = Items::new(cbor::decode(&body_bytes, "reader certificate body")?, "reader certificate body", 11)?;
        b.tag(CERT_TAG)?;
        let serial = b.fixed("serial")?;
        let key: [u8; 33] = b.fixed("device key")?;
        let device_key = Sm2PublicKey::from_sec1(&key).map_err(|e| format_err(format!("reader device key: {e}")))?;
        let officer_id = b.text("officer id")?;
        let officer_name = b.text("officer name")?;
        let department_code = b.text("department code")?;
        let department_name = b.text("department name")?;
        let area_code = b.text("area code")?;
        let mut entitlements = Vec::new();
        for e in b.array("entitlements")? {
            let mut e = Items::new(e, "entitlement", 2)?;
            entitlements.push((e.text("type code")?, strings(e.array("fields")?, "entitlement field")?));
        }
        let not_before = cbor::to_i64(b.uint("not before")?, "not before")?;
        let not_after = cbor::to_i64(b.uint("not after")?, "not after")?;
        Ok(Self {
            body: ReaderBody {
                serial,
                device_key,
                officer_id,
                officer_name,
                department_code,
                department_name,
                area_code,
                entitlements,
                not_before,
                not_after,
            },
            body_bytes,
            signer_kid,
            signature,
            bytes: bytes.to_vec(),
        })
    }

    /// Check the signature with the signer's key.
    pub fn verify_signature(&self, signer: &dyn Sm2Verifier) -> Result<()> {
        signer
            .verify(&self.body_bytes, &Sm2Signature::from_raw(&self.signature)?)
            .map_err(|_| Error::Untrusted("the reader certificate's signature does not verify".into()))
    }

    /// Check the signature with the signer's key, and the validity at `now`.
    pub fn verify(&self, signer: &dyn Sm2Verifier, now: i64) -> Result<()> {
        self.verify_signature(signer)?;
        if now < self.body.not_before || now > self.body.not_after {
            return Err(Error::Untrusted("the reader certificate is not valid at this time".into()));
        }
        Ok(())
    }

    /// Whether it may request `fields` of licence type `type_code`.
    pub fn may_request(&self, type_code: &str, fields: &[String]) -> bool {
        self.body.entitlements.iter().any(|(t, allowed)| t == type_code && fields.iter().all(|f| allowed.contains(f)))
    }
}

/// An offline check's record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Random id (replays are refused by it).
    pub id: [u8; 16],
    /// The reader certificate's serial.
    pub reader_serial: [u8; 8],
    /// When the check was made (Unix seconds).
    pub checked_at: i64,
    /// Where (a place or area code the officer gave; may be empty).
    pub place: String,
    /// The credential's serial.
    pub credential_serial: [u8; 8],
    /// The verdict's indication.
    pub indication: String,
    /// The names of the fields seen.
    pub fields: Vec<String>,
    /// The body's bytes, as signed.
    pub body_bytes: Vec<u8>,
    /// The device's signature.
    pub signature: [u8; 64],
}

impl Record {
    /// Make and sign one (what the officer's page does in JavaScript).
    #[allow(clippy::too_many_arguments)]
    pub fn sign(
        id: [u8; 16],
        reader_serial: [u8; 8],
        checked_at: i64,
        place: &str,
        credential_serial: [u8; 8],
        indication: &str,
        fields: &[String],
        device: &dyn Sm2Signer,
    ) -> Result<Vec<u8>> {
        let body = cbor::encode(&Value::Array(vec![
            cbor::text(RECORD_TAG),
            cbor::bytes(&id),
            cbor::bytes(&reader_serial),
            cbor::uint(checked_at.max(0) as u64),
            cbor::text(place),
            cbor::bytes(&credential_serial),
            cbor::text(indication),
            Value::Array(fields.iter().map(|f| cbor::text(f)).collect()),
        ]));
        let sig = device.sign(&body)?.to_raw();
        Ok(cbor::encode(&Value::Array(vec![cbor::bytes(&body), cbor::bytes(&sig)])))
    }

    /// Read one (check it with [`Record::verify`]).
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        if bytes.len() > MAX_RECORD {
            return Err(format_err(format!("record of {} bytes; the limit is {MAX_RECORD}", bytes.len())));
        }
        let mut it = Items::new(cbor::decode(bytes, "record")?, "record", 2)?;
        let body_bytes = it.bytes("body")?;
        let signature = it.fixed("signature")?;
        let mut b = Items::new(cbor::decode(&body_bytes, "record body")?, "record body", 8)?;
        b.tag(RECORD_TAG)?;
        let id = b.fixed("id")?;
        let reader_serial = b.fixed("reader serial")?;
        let checked_at = cbor::to_i64(b.uint("checked at")?, "checked at")?;
        let place = b.text("place")?;
        let credential_serial = b.fixed("credential serial")?;
        let indication = b.text("indication")?;
        if !["PASSED", "FAILED", "INDETERMINATE"].contains(&indication.as_str()) {
            return Err(format_err(format!("record: indication {indication:?}")));
        }
        let fields = strings(b.array("fields")?, "record field")?;
        if place.chars().count() > 64 || fields.len() > 64 || fields.iter().any(|f| f.len() > 64) {
            return Err(format_err("record: place or fields too long"));
        }
        if place.chars().chain(fields.iter().flat_map(|f| f.chars())).any(char::is_control) {
            return Err(format_err("record: a control character in the place or a field name"));
        }
        Ok(Self { id, reader_serial, checked_at, place, credential_serial, indication, fields, body_bytes, signature })
    }

    /// Check the device's signature.
    pub fn verify(&self, device_key: &Sm2PublicKey) -> Result<()> {
        default_provider()
            .sm2_verify(device_key, UserId::DEFAULT, &self.body_bytes, &Sm2Signature::from_raw(&self.signature)?)
            .map_err(|_| Error::Untrusted("the record's signature does not verify".into()))
    }
}

/// The QR text a reader request starts with.
pub const REQUEST_PREFIX: &str = "YXR1:";
const REQUEST_TAG: &str = "yx-req-1";
/// The longest a request may live (seconds).
pub const MAX_REQUEST_LIFETIME: i64 = 300;

/// Make a request's QR text: the officer's device asks a holder for `fields` of a licence of
/// `type_code`, binding the answer to `nonce`.
///
/// ```text
/// Request     = [ body: bstr .cbor RequestBody, signature: bstr(64) ]   ; the officer's device key
/// RequestBody = [ "yx-req-1", reader_cert: bstr, nonce: tstr, type_code: tstr, [ * field: tstr ],
///                 iat: uint, exp: uint ]
/// QR text     = "YXR1:" Base45(Request)
/// ```
pub fn request(
    reader_cert: &[u8],
    nonce: &str,
    type_code: &str,
    fields: &[String],
    iat: i64,
    exp: i64,
    device: &dyn Sm2Signer,
) -> Result<String> {
    let body = cbor::encode(&Value::Array(vec![
        cbor::text(REQUEST_TAG),
        cbor::bytes(reader_cert),
        cbor::text(nonce),
        cbor::text(type_code),
        Value::Array(fields.iter().map(|f| cbor::text(f)).collect()),
        cbor::uint(iat.max(0) as u64),
        cbor::uint(exp.max(0) as u64),
    ]));
    let sig = device.sign(&body)?.to_raw();
    let all = cbor::encode(&Value::Array(vec![cbor::bytes(&body), cbor::bytes(&sig)]));
    Ok(format!("{REQUEST_PREFIX}{}", crate::base45::encode(&all)))
}

/// A request the wallet accepted: who asks, for what.
#[derive(Debug, Clone)]
pub struct CheckedRequest {
    /// The requester's certificate.
    pub reader: ReaderCert,
    /// The nonce to put in the answer.
    pub nonce: String,
    /// The licence type asked about.
    pub type_code: String,
    /// The fields asked for.
    pub fields: Vec<String>,
}

/// Why a wallet refuses a request (Chinese, English).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// A stable id: `request.format`, `request.issuer`, `request.revoked`, `request.validity`,
    /// `request.signature`, `request.freshness`, `request.entitlement`.
    pub id: &'static str,
    /// Chinese.
    pub zh: String,
    /// English.
    pub en: String,
}

fn refuse(id: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Refusal {
    Refusal { id, zh: zh.into(), en: en.into() }
}

/// Check a reader request as a wallet does, against the service key that signs the trust
/// bundle (`signer`, its [`crate::key_id`] `signer_kid`) and the bundle's revoked reader
/// serials (hex), at `now`. The page's JavaScript (`YXP.checkRequest`) makes the same checks in
/// the same order.
pub fn check_request(
    text: &str,
    signer: &dyn Sm2Verifier,
    signer_kid: [u8; 8],
    revoked: &[String],
    now: i64,
) -> std::result::Result<CheckedRequest, Refusal> {
    let fmt = |e: &dyn std::fmt::Display| {
        refuse("request.format", format!("核验请求无法读取：{e}"), format!("the request cannot be read: {e}"))
    };
    let body = text.trim().strip_prefix(REQUEST_PREFIX).ok_or_else(|| fmt(&"not a yinxin request"))?;
    if body.len() > crate::token::MAX_TEXT {
        return Err(fmt(&"too long"));
    }
    let raw = crate::base45::decode(body).map_err(|e| fmt(&e))?;
    let parsed = (|| -> Result<_> {
        let mut it = Items::new(cbor::decode(&raw, "request")?, "request", 2)?;
        let body_bytes = it.bytes("body")?;
        let sig: [u8; 64] = it.fixed("signature")?;
        let mut b = Items::new(cbor::decode(&body_bytes, "request body")?, "request body", 7)?;
        b.tag(REQUEST_TAG)?;
        let cert = ReaderCert::parse(&b.bytes("reader certificate")?)?;
        let nonce = b.text("nonce")?;
        let type_code = b.text("type code")?;
        let fields = strings(b.array("fields")?, "request field")?;
        let iat = cbor::to_i64(b.uint("iat")?, "iat")?;
        let exp = cbor::to_i64(b.uint("exp")?, "exp")?;
        Ok((body_bytes, sig, cert, nonce, type_code, fields, iat, exp))
    })();
    let (body_bytes, sig, cert, nonce, type_code, fields, iat, exp) = parsed.map_err(|e| fmt(&e))?;
    if cert.signer_kid != signer_kid || cert.verify_signature(signer).is_err() {
        return Err(refuse(
            "request.issuer",
            "请求方的证书不是本服务签发的（未知密钥），不能出示",
            "the requester's certificate was not issued by this service (unknown key): nothing is shown",
        ));
    }
    if revoked.iter().any(|r| r.eq_ignore_ascii_case(&hex::encode(cert.body.serial))) {
        return Err(refuse(
            "request.revoked",
            "执法人员证书已被吊销（设备挂失或更换），不能出示",
            "the officer's certificate has been revoked (a lost or replaced device): nothing is shown",
        ));
    }
    if now > cert.body.not_after || now < cert.body.not_before {
        return Err(refuse(
            "request.validity",
            "执法人员证书已过期或尚未生效，不能出示",
            "the officer's certificate has expired or is not yet valid: nothing is shown",
        ));
    }
    let ok = Sm2Signature::from_raw(&sig).ok().is_some_and(|s| {
        default_provider().sm2_verify(&cert.body.device_key, UserId::DEFAULT, &body_bytes, &s).is_ok()
    });
    if !ok {
        return Err(refuse(
            "request.signature",
            "核验请求的签名无效：不是证书所属设备发出的",
            "the request's signature does not verify: it was not made by the certificate's device",
        ));
    }
    if exp < iat || exp - iat > MAX_REQUEST_LIFETIME || now > exp + crate::CLOCK_SKEW || now + crate::CLOCK_SKEW < iat {
        return Err(refuse(
            "request.freshness",
            "核验请求已过期，请执法人员重新生成",
            "the request has expired: ask the officer for a new one",
        ));
    }
    if fields.is_empty() || !cert.may_request(&type_code, &fields) {
        let allowed: Vec<&String> =
            cert.body.entitlements.iter().filter(|(t, _)| *t == type_code).flat_map(|(_, f)| f).collect();
        let beyond: Vec<&str> = fields.iter().filter(|f| !allowed.contains(f)).map(String::as_str).collect();
        return Err(refuse(
            "request.entitlement",
            format!("请求超出该执法人员的查看权限：{}", beyond.join("、")),
            format!("the request goes beyond what this officer may see: {}", beyond.join(", ")),
        ));
    }
    Ok(CheckedRequest { reader: cert, nonce, type_code, fields })
}

#[cfg(test)]
mod tests {
    use super::*;
    use yinxin_gm::Sm2PrivateKey;

    fn key() -> Box<dyn Sm2Signer> {
        default_provider().sm2_signer(&Sm2PrivateKey::generate(default_provider()).unwrap(), UserId::DEFAULT).unwrap()
    }

    /// A market officer's device, valid from `not_before` to `not_after`, who may ask for T001's
    /// name and USCC.
    fn officer(device: &dyn Sm2Signer, not_before: i64, not_after: i64) -> ReaderBody {
        ReaderBody {
            serial: [1; 8],
            device_key: device.public_key().clone(),
            officer_id: "officer-001".into(),
            officer_name: "王五".into(),
            department_code: "11530100MB0123456A".into(),
            department_name: "某市市场监督管理局".into(),
            area_code: "530102".into(),
            entitlements: vec![("T001".into(), vec!["name".into(), "uscc".into()])],
            not_before,
            not_after,
        }
    }

    #[test]
    fn a_certificate_and_a_record_round_trip_and_refuse_tampering() {
        let (service, device) = (key(), key());
        let body = officer(device.as_ref(), 100, 200);
        let c = issue(&body, service.as_ref(), [7; 8]).unwrap();
        let read = ReaderCert::parse(&c.bytes).unwrap();
        assert_eq!(read.body, body);
        let sv = default_provider().sm2_verifier(service.public_key(), UserId::DEFAULT).unwrap();
        read.verify(sv.as_ref(), 150).unwrap();
        assert!(read.verify(sv.as_ref(), 201).is_err());
        assert!(read.may_request("T001", &["name".into()]));
        assert!(!read.may_request("T001", &["name".into(), "legal_representative".into()]));
        assert!(!read.may_request("T002", &["name".into()]));
        let other = default_provider().sm2_verifier(device.public_key(), UserId::DEFAULT).unwrap();
        assert!(read.verify(other.as_ref(), 150).is_err());

        let fields = vec!["name".to_string()];
        let r = Record::sign([3; 16], [1; 8], 150, "530102", [9; 8], "PASSED", &fields, device.as_ref()).unwrap();
        let rec = Record::parse(&r).unwrap();
        rec.verify(device.public_key()).unwrap();
        assert_eq!((rec.checked_at, rec.fields.clone()), (150, fields.clone()));
        assert!(rec.verify(service.public_key()).is_err());
        // One altered byte of the body: the signature no longer verifies (or it no longer parses).
        for i in 0..r.len() {
            let mut bad = r.clone();
            bad[i] ^= 0x01;
            if let Ok(x) = Record::parse(&bad) {
                assert!(x.verify(device.public_key()).is_err() || x == rec, "byte {i}");
            }
        }
    }

    #[test]
    fn a_wallet_accepts_only_a_fresh_entitled_request_from_a_certified_device() {
        let (service, device, stranger) = (key(), key(), key());
        let body = officer(device.as_ref(), 1_000, 2_000);
        let cert = issue(&body, service.as_ref(), [7; 8]).unwrap();
        let sv = default_provider().sm2_verifier(service.public_key(), UserId::DEFAULT).unwrap();
        let f = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let good = request(&cert.bytes, "123456", "T001", &f(&["name"]), 1_500, 1_560, device.as_ref()).unwrap();
        let ok = check_request(&good, sv.as_ref(), [7; 8], &[], 1_510).unwrap();
        assert_eq!((ok.nonce.as_str(), ok.reader.body.officer_name.as_str()), ("123456", "王五"));
        let id = |t: &str, now: i64| check_request(t, sv.as_ref(), [7; 8], &[], now).unwrap_err().id;
        let revoked = check_request(&good, sv.as_ref(), [7; 8], &["0101010101010101".into()], 1_510);
        assert_eq!(revoked.unwrap_err().id, "request.revoked");
        assert_eq!(id(&good, 2_100), "request.validity");
        assert_eq!(id(&good, 1_600), "request.freshness");
        let beyond =
            request(&cert.bytes, "1", "T001", &f(&["name", "legal_representative"]), 1_500, 1_560, device.as_ref())
                .unwrap();
        assert_eq!(id(&beyond, 1_510), "request.entitlement");
        let other_type = request(&cert.bytes, "1", "T002", &f(&["name"]), 1_500, 1_560, device.as_ref()).unwrap();
        assert_eq!(id(&other_type, 1_510), "request.entitlement");
        let by_stranger = request(&cert.bytes, "1", "T001", &f(&["name"]), 1_500, 1_560, stranger.as_ref()).unwrap();
        assert_eq!(id(&by_stranger, 1_510), "request.signature");
        let self_made = issue(&body, stranger.as_ref(), [7; 8]).unwrap();
        let forged = request(&self_made.bytes, "1", "T001", &f(&["name"]), 1_500, 1_560, device.as_ref()).unwrap();
        assert_eq!(id(&forged, 1_510), "request.issuer");
        assert_eq!(id("YXR1:%%%", 1_510), "request.format");
        assert_eq!(id("hello", 1_510), "request.format");
    }
}
