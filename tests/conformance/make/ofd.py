#!/usr/bin/env python3
"""Sealed-OFD conformance fixtures (fixtures/ofd/), assembled without yinxin's writer.

The package is a minimal GB/T 33190 document (OFD.xml, Doc_0/Document.xml, Doc_0/PublicRes.xml,
one page with a TextObject) with one Type="Seal" signature (GB/T 38540 §8 as implemented by
ofdrw, GOMAIN, KingGrid…): Signature.xml lists the SM3 (Base64) of every package file except
itself and SignedValue.dat; SignedValue.dat is a hand-assembled v4 SES_Signature whose dataHash
is SM3 of the Signature.xml bytes, propertyInfo that file's absolute path, timeInfo 2025-06-01,
signed by the pki-doc signer; the seal inside is made and signed by the pki-doc maker (valid
2020-01-01..2049-12-31, certList = the signer certificate).

  sealed.ofd            the sealed document
  unreferenced-part.ofd sealed.ofd plus Doc_0/Res/extra.png, which no Reference covers
  part-swapped.ofd      sealed.ofd with Doc_0/Pages/Page_0/Content.xml replaced (References unchanged)

Fixtures are made only when one is missing, or with --force.
"""

import base64
import io
import os
import sys
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from derlib import (  # noqa: E402
    PKI_DOC, SM2_WITH_SM3, Cert, bits, gentime, ia5, integer, octets, oid, png_seal, seq, sm2_sign, sm3, utc, utf8,
    write_unless_present,
)

NAMES = ["sealed.ofd", "unreferenced-part.ofd", "part-swapped.ofd"]
NS = "http://www.ofdspec.org/2016"
HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
SIGN_DIR = "Doc_0/Signs/Sign_0"


def content_xml(lines):
    objs = ""
    for i, text in enumerate(lines):
        y = 30 + 10 * i
        objs += (f'<ofd:TextObject ID="{10 + i}" Boundary="20 {y} 170 8" Font="1" Size="5">'
                 f'<ofd:FillColor Value="0 0 0"/><ofd:TextCode X="0" Y="5">{text}</ofd:TextCode></ofd:TextObject>')
    return (HEAD + f'<ofd:Page xmlns:ofd="{NS}"><ofd:Content><ofd:Layer ID="3">{objs}'
            '</ofd:Layer></ofd:Content></ofd:Page>').encode()


def make_seal(maker: Cert, signer: Cert) -> bytes:
    """GB/T 38540 v4 SESeal { SES_SealInfo, cert, signAlgID, signedValue }, signed by the maker."""
    header = seq(ia5("ES"), integer(4), ia5("yinxin-conformance"))
    prop = seq(
        integer(1),  # type: 法定名称章
        utf8("pki-doc 一致性测试专用章"),
        integer(1),  # certListType 1: certificates
        seq(octets(signer.der)),
        gentime(utc("2025-05-01T00:00:00Z")),  # createDate
        gentime(utc("2020-01-01T00:00:00Z")),  # validStart
        gentime(utc("2049-12-31T23:59:59Z")),  # validEnd
    )
    picture = seq(ia5("PNG"), octets(png_seal()), integer(40), integer(40))
    seal_info = seq(header, ia5("2d0c0000000000000000000000000001"), prop, picture)
    sig = sm2_sign(maker, seal_info)
    return seq(seal_info, octets(maker.der), oid(SM2_WITH_SM3), bits(sig))


def make_ses(seal: bytes, signer: Cert, data: bytes, property_info: str) -> bytes:
    """v4 SES_Signature { TBS_Sign, cert, signatureAlgID, signature }."""
    tbs = seq(integer(4), seal, gentime(utc("2025-06-01T00:00:00Z")), bits(sm3(data)), ia5(property_info))
    sig = sm2_sign(signer, tbs)
    return seq(tbs, octets(signer.der), oid(SM2_WITH_SM3), bits(sig))


def sealed_parts() -> dict:
    maker, signer = Cert("maker", PKI_DOC), Cert("signer", PKI_DOC)
    parts = {}
    parts["OFD.xml"] = (
        HEAD + f'<ofd:OFD xmlns:ofd="{NS}" Version="1.0" DocType="OFD"><ofd:DocBody><ofd:DocInfo>'
        '<ofd:DocID>2d0c0f0d000000000000000000000001</ofd:DocID><ofd:Title>Sealed OFD fixture</ofd:Title>'
        '<ofd:CreationDate>2025-06-01</ofd:CreationDate><ofd:Creator>yinxin conformance make/ofd.py</ofd:Creator>'
        '</ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot>'
        '<ofd:Signatures>Doc_0/Signs/Signatures.xml</ofd:Signatures></ofd:DocBody></ofd:OFD>'
    ).encode()
    parts["Doc_0/Document.xml"] = (
        HEAD + f'<ofd:Document xmlns:ofd="{NS}"><ofd:CommonData><ofd:MaxUnitID>20</ofd:MaxUnitID>'
        '<ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea>'
        '<ofd:PublicRes>PublicRes.xml</ofd:PublicRes></ofd:CommonData>'
        '<ofd:Pages><ofd:Page ID="2" BaseLoc="Pages/Page_0/Content.xml"/></ofd:Pages></ofd:Document>'
    ).encode()
    parts["Doc_0/PublicRes.xml"] = (
        HEAD + f'<ofd:Res xmlns:ofd="{NS}" BaseLoc="Res"><ofd:Fonts>'
        '<ofd:Font ID="1" FontName="宋体" FamilyName="宋体"/></ofd:Fonts></ofd:Res>'
    ).encode()
    parts["Doc_0/Pages/Page_0/Content.xml"] = content_xml([
        "yinxin conformance fixture", "本页于2025-06-01盖章。", "GB/T 38540 SES_Signature, SM2/SM3.",
    ])
    parts["Doc_0/Signs/Signatures.xml"] = (
        HEAD + f'<ofd:Signatures xmlns:ofd="{NS}"><ofd:MaxSignId>1</ofd:MaxSignId>'
        f'<ofd:Signature ID="1" Type="Seal" BaseLoc="/{SIGN_DIR}/Signature.xml"/></ofd:Signatures>'
    ).encode()
    seal = make_seal(maker, signer)
    parts[f"{SIGN_DIR}/Seal.esl"] = seal

    refs = "".join(
        f'<ofd:Reference FileRef="/{name}"><ofd:CheckValue>{base64.b64encode(sm3(data)).decode()}'
        '</ofd:CheckValue></ofd:Reference>'
        for name, data in parts.items()
    )
    sig_xml = (
        HEAD + f'<ofd:Signature xmlns:ofd="{NS}"><ofd:SignedInfo>'
        '<ofd:Provider ProviderName="yinxin conformance make/ofd.py" Version="1.0" Company="yinxin"/>'
        '<ofd:SignatureMethod>1.2.156.10197.1.501</ofd:SignatureMethod>'
        '<ofd:SignatureDateTime>20250601000000Z</ofd:SignatureDateTime>'
        f'<ofd:References CheckMethod="1.2.156.10197.1.401">{refs}</ofd:References>'
        '<ofd:StampAnnot ID="1" PageRef="2" Boundary="130 230 40 40"/>'
        f'<ofd:Seal><ofd:BaseLoc>/{SIGN_DIR}/Seal.esl</ofd:BaseLoc></ofd:Seal>'
        f'</ofd:SignedInfo><ofd:SignedValue>/{SIGN_DIR}/SignedValue.dat</ofd:SignedValue></ofd:Signature>'
    ).encode()
    parts[f"{SIGN_DIR}/Signature.xml"] = sig_xml
    parts[f"{SIGN_DIR}/SignedValue.dat"] = make_ses(seal, signer, sig_xml, f"/{SIGN_DIR}/Signature.xml")
    return parts


def to_zip(parts: dict) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in parts.items():
            info = zipfile.ZipInfo(name, date_time=(2025, 6, 1, 0, 0, 0))
            stored = name.lower().endswith((".png", ".esl", ".dat"))
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, data)
    return buf.getvalue()


def build():
    parts = sealed_parts()
    files = {"sealed.ofd": to_zip(parts)}
    extra = dict(parts)
    extra["Doc_0/Res/extra.png"] = png_seal(16, (16, 16, 200))
    files["unreferenced-part.ofd"] = to_zip(extra)
    swapped = dict(parts)
    swapped["Doc_0/Pages/Page_0/Content.xml"] = content_xml([
        "yinxin conformance fixture", "本页内容在盖章后被替换。", "The References no longer match.",
    ])
    files["part-swapped.ofd"] = to_zip(swapped)
    return files


def main():
    write_unless_present("ofd", NAMES, build)


if __name__ == "__main__":
    main()
