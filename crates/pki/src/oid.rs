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
    der::asn1::ObjectIdentifier::new(dotted)
        .unwrap_or(der::asn1::ObjectIdentifier::new_unwrap("0.0"))
}
