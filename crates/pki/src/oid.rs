//! Object identifiers yinxin uses, in dotted form (see `docs/standards.md` §1 for their sources).

/// SM2-with-SM3 signature (GM/T 0006).
pub const SM2_WITH_SM3: &str = "1.2.156.10197.1.501";
/// SM2-1 digital signature; some GM/T 0010 producers put it where SM2-with-SM3 belongs.
pub const SM2_SIGN: &str = "1.2.156.10197.1.301.1";
/// The SM2 curve / algorithm.
pub const SM2: &str = "1.2.156.10197.1.301";
/// SM3.
pub const SM3: &str = "1.2.156.10197.1.401";
/// SHA-256 (accepted in time-stamp imprints from other TSAs).
pub const SHA256: &str = "2.16.840.1.101.3.4.2.1";
/// id-ecPublicKey.
pub const EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";

/// id-kp-timeStamping (RFC 5280 §4.2.1.12).
pub const KP_TIME_STAMPING: &str = "1.3.6.1.5.5.7.3.8";
/// id-kp-documentSigning (RFC 9336): signing of documents, seals and status lists.
pub const KP_DOCUMENT_SIGNING: &str = "1.3.6.1.5.5.7.3.36";
/// anyExtendedKeyUsage.
pub const ANY_EKU: &str = "2.5.29.37.0";

/// yinxin's default time-stamp policy: a UUID OID (ITU-T X.667, arc 2.25) so that it is unique
/// without a registered arc. Operators with their own arc configure theirs.
pub const YINXIN_TSA_POLICY: &str = "2.25.286089487001006807158740423309097113459";

/// yinxin's signed attribute binding a handwritten signature to an SM2 signature: its value is an
/// OCTET STRING holding the SM3 of the strokes' canonical bytes (`yinxin_sign::handwriting`),
/// which the signed PDF carries beside the signature. A UUID OID (arc 2.25), as the policy above.
pub const YINXIN_ATTR_HANDWRITING: &str = "2.25.316798894134225311477669925098520254153";

/// id-signedData (RFC 5652).
pub const SIGNED_DATA: &str = "1.2.840.113549.1.7.2";
/// id-ct-TSTInfo (RFC 3161).
pub const CT_TST_INFO: &str = "1.2.840.113549.1.9.16.1.4";
/// id-contentType attribute.
pub const ATTR_CONTENT_TYPE: &str = "1.2.840.113549.1.9.3";
/// id-messageDigest attribute.
pub const ATTR_MESSAGE_DIGEST: &str = "1.2.840.113549.1.9.4";
/// id-signingTime attribute.
pub const ATTR_SIGNING_TIME: &str = "1.2.840.113549.1.9.5";
/// id-aa-signingCertificateV2 (RFC 5035).
pub const ATTR_SIGNING_CERTIFICATE_V2: &str = "1.2.840.113549.1.9.16.2.47";
/// id-aa-timeStampToken (RFC 3161 Appendix A): a token over the SignerInfo's signature value.
pub const ATTR_TIME_STAMP_TOKEN: &str = "1.2.840.113549.1.9.16.2.14";
/// GM/T 0010 / GB/T 35275 signedData.
pub const GM_SIGNED_DATA: &str = "1.2.156.10197.6.1.4.2.2";
/// GM/T 0010 / GB/T 35275 data.
pub const GM_DATA: &str = "1.2.156.10197.6.1.4.2.1";
/// id-aa-signingCertificate (RFC 2634, SHA-1 ESSCertID).
pub const ATTR_SIGNING_CERTIFICATE: &str = "1.2.840.113549.1.9.16.2.12";

/// Extensions this crate understands; any other critical extension fails validation.
pub const EXT_BASIC_CONSTRAINTS: &str = "2.5.29.19";
/// keyUsage.
pub const EXT_KEY_USAGE: &str = "2.5.29.15";
/// extKeyUsage.
pub const EXT_EXT_KEY_USAGE: &str = "2.5.29.37";
/// subjectKeyIdentifier.
pub const EXT_SUBJECT_KEY_ID: &str = "2.5.29.14";
/// authorityKeyIdentifier.
pub const EXT_AUTHORITY_KEY_ID: &str = "2.5.29.35";
/// cRLDistributionPoints.
pub const EXT_CRL_DP: &str = "2.5.29.31";
/// certificatePolicies.
pub const EXT_CERT_POLICIES: &str = "2.5.29.32";
/// subjectAltName.
pub const EXT_SUBJECT_ALT_NAME: &str = "2.5.29.17";
/// cRLNumber.
pub const EXT_CRL_NUMBER: &str = "2.5.29.20";
/// reasonCode (CRL entry).
pub const EXT_REASON_CODE: &str = "2.5.29.21";

/// Parse a dotted OID into the `der` type. Only for the constants above and validated input.
pub fn der_oid(dotted: &str) -> der::asn1::ObjectIdentifier {
    der::asn1::ObjectIdentifier::new(dotted).unwrap_or(der::asn1::ObjectIdentifier::new_unwrap("0.0"))
}

/// The content octets of an OID whose arcs may exceed 32 bits (up to 128, enough for the
/// UUID arc 2.25), which `der`'s `ObjectIdentifier` cannot hold.
pub fn encode_wide(dotted: &str) -> Option<Vec<u8>> {
    let arcs: Vec<u128> = dotted.split('.').map(|a| a.parse().ok()).collect::<Option<_>>()?;
    if arcs.len() < 2 || arcs[0] > 2 || (arcs[0] < 2 && arcs[1] > 39) {
        return None;
    }
    let mut out = Vec::new();
    let first = arcs[0].checked_mul(40)?.checked_add(arcs[1])?;
    for arc in std::iter::once(first).chain(arcs[2..].iter().copied()) {
        let mut groups = vec![(arc & 0x7f) as u8];
        let mut v = arc >> 7;
        while v > 0 {
            groups.push((v & 0x7f) as u8 | 0x80);
            v >>= 7;
        }
        out.extend(groups.iter().rev());
    }
    Some(out)
}

/// The dotted form of OID content octets with arcs up to 128 bits.
pub fn decode_wide(bytes: &[u8]) -> Option<String> {
    let mut arcs: Vec<u128> = Vec::new();
    let mut v: u128 = 0;
    for (i, b) in bytes.iter().enumerate() {
        if v == 0 && *b == 0x80 {
            return None; // non-minimal
        }
        v = v.checked_mul(128)? | u128::from(b & 0x7f);
        if b & 0x80 == 0 {
            if arcs.is_empty() {
                let (a, b) = if v < 80 { (v / 40, v % 40) } else { (2, v - 80) };
                arcs.extend([a, b]);
            } else {
                arcs.push(v);
            }
            v = 0;
        } else if i == bytes.len() - 1 {
            return None;
        }
    }
    if arcs.is_empty() {
        return None;
    }
    Some(arcs.iter().map(u128::to_string).collect::<Vec<_>>().join("."))
}

/// An OBJECT IDENTIFIER whose arcs may be wider than 32 bits, for ASN.1 structures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WideOid(Vec<u8>);

impl WideOid {
    /// From dotted form.
    pub fn new(dotted: &str) -> Option<Self> {
        encode_wide(dotted).map(Self)
    }
    /// Dotted form.
    pub fn dotted(&self) -> Option<String> {
        decode_wide(&self.0)
    }
}

impl der::FixedTag for WideOid {
    const TAG: der::Tag = der::Tag::ObjectIdentifier;
}

impl<'a> der::DecodeValue<'a> for WideOid {
    type Error = der::Error;
    fn decode_value<R: der::Reader<'a>>(reader: &mut R, header: der::Header) -> der::Result<Self> {
        let bytes = reader.read_vec(header.length())?;
        if decode_wide(&bytes).is_none() {
            return Err(der::Error::new(der::ErrorKind::Value { tag: der::Tag::ObjectIdentifier }, header.length()));
        }
        Ok(Self(bytes))
    }
}

impl der::EncodeValue for WideOid {
    fn value_len(&self) -> der::Result<der::Length> {
        der::Length::try_from(self.0.len())
    }
    fn encode_value(&self, writer: &mut impl der::Writer) -> der::Result<()> {
        writer.write(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_oids_round_trip() {
        for o in [YINXIN_TSA_POLICY, "1.2.156.10197.1.501", "2.999.3", "0.4.0.2023.1.1"] {
            let enc = encode_wide(o).unwrap();
            assert_eq!(decode_wide(&enc).unwrap(), o);
        }
        // Same bytes as der's encoder for an ordinary OID.
        let ordinary = der_oid(SM2_WITH_SM3);
        assert_eq!(encode_wide(SM2_WITH_SM3).unwrap(), ordinary.as_bytes());
        assert!(encode_wide("3.1").is_none());
        assert!(decode_wide(&[0x80, 0x01]).is_none());
    }
}
