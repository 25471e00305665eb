"""RFC 3161 time-stamp tokens signed with SM2, hand-assembled (RFC 3161 §2.4.2, RFC 5652, RFC 5035).

ContentInfo { id-signedData, [0] SignedData {
    version 3, digestAlgorithms { sm3 }, encapContentInfo { id-ct-TSTInfo, [0] OCTET STRING TSTInfo },
    certificates [0] { TSA cert },
    signerInfos { SignerInfo { 1, issuerAndSerialNumber, sm3,
        [0] signedAttrs { contentType id-ct-TSTInfo, messageDigest SM3(TSTInfo),
                          signingCertificateV2 { { ESSCertIDv2 { sm3, SM3(TSA cert), issuerSerial } } } },
        SM2-with-SM3, OCTET STRING SM2(DER SET OF signedAttrs) } } } }
"""

from derlib import (
    ATTR_CONTENT_TYPE, ATTR_MESSAGE_DIGEST, ATTR_SIGNING_CERTIFICATE_V2, CT_TST_INFO, SIGNED_DATA, SM2_WITH_SM3, SM3,
    cert_der, cert_issuer_and_serial, ctx_cons, gentime, integer, octets, oid, seq, set_of, sm2_sign, sm3, tlv,
)

# A policy OID under the UUID arc (X.667), fixed for these fixtures.
POLICY = "2.25.99712315446263315447613620127290453155"


def tst_info(imprint: bytes, gen_time, serial: int) -> bytes:
    return seq(
        integer(1),
        oid(POLICY),
        seq(seq(oid(SM3)), octets(imprint)),  # MessageImprint { sm3 (no parameters), digest }
        integer(serial),
        gentime(gen_time),
        seq(integer(1)),  # accuracy { seconds 1 }
    )


def token(imprinted: bytes, gen_time, serial: int, tsa: str = "tsa") -> bytes:
    """A token over SM3(imprinted) at gen_time, signed by the named TSA key and certificate."""
    cert = cert_der(tsa)
    issuer, serial_tlv = cert_issuer_and_serial(cert)
    tst = tst_info(sm3(imprinted), gen_time, serial)
    sm3_alg = seq(oid(SM3))
    ess = seq(seq(seq(  # SigningCertificateV2 { certs { ESSCertIDv2 } }
        sm3_alg,
        octets(sm3(cert)),
        seq(seq(ctx_cons(4, issuer)), serial_tlv),  # IssuerSerial { GeneralNames { [4] Name }, serial }
    )))
    attrs = [
        seq(oid(ATTR_CONTENT_TYPE), set_of(oid(CT_TST_INFO))),
        seq(oid(ATTR_MESSAGE_DIGEST), set_of(octets(sm3(tst)))),
        seq(oid(ATTR_SIGNING_CERTIFICATE_V2), set_of(ess)),
    ]
    signed_attrs = set_of(*attrs)  # the bytes signed: tag 0x31
    sig = sm2_sign(tsa, signed_attrs)
    signer_info = seq(
        integer(1),
        seq(issuer, serial_tlv),
        sm3_alg,
        b"\xa0" + signed_attrs[1:],  # [0] IMPLICIT SET OF Attribute
        seq(oid(SM2_WITH_SM3)),
        octets(sig),
    )
    signed_data = seq(
        integer(3),
        set_of(sm3_alg),
        seq(oid(CT_TST_INFO), ctx_cons(0, octets(tst))),
        ctx_cons(0, cert),  # certificates [0] IMPLICIT SET OF
        set_of(signer_info),
    )
    return seq(oid(SIGNED_DATA), ctx_cons(0, signed_data))
