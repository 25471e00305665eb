#!/usr/bin/env python3
"""Signed-PDF conformance fixtures (fixtures/pdf/), written byte by byte without yinxin's writer.

The signature in /Contents is GB/T 35275 SM2 signed data (ContentInfo 1.2.156.10197.6.1.4.2.2,
detached, signedAttrs contentType / signingTime / messageDigest = SM3 of the /ByteRange bytes,
signer certificate included), made with the OpenSSL 3 CLI and the pki-doc signer key.

  signed.pdf                  one page, one signature covering the whole file
  appended-garbage.pdf        signed.pdf + bytes after %%EOF that are no incremental update
  update-changes-page.pdf     signed.pdf + an update that gives page 1 a new content stream
  update-adds-signature.pdf   signed.pdf + an update adding a second signature (over everything)
  update-uncovered-object.pdf signed.pdf + an update adding an unreferenced object and a new /Info
  update-adds-page.pdf        signed.pdf + an update adding a second page

Fixtures are made only when one is missing, or with --force (SM2 signatures are randomised, so a
rebuild changes every file).
"""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from derlib import PKI_DOC, Cert, gmt0010_detached, sm3, utc, write_unless_present  # noqa: E402

RESERVED = 4096  # bytes for the signed data; /Contents holds twice as many hex digits
NAMES = [
    "signed.pdf",
    "appended-garbage.pdf",
    "update-changes-page.pdf",
    "update-adds-signature.pdf",
    "update-uncovered-object.pdf",
    "update-adds-page.pdf",
]

FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
MEDIA = b"/MediaBox [0 0 595 842]"
RES = b"/Resources << /Font << /F1 6 0 R >> >>"


def stream(data: bytes) -> bytes:
    return b"<< /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def text_stream(*lines: str) -> bytes:
    ops = [b"BT", b"/F1 18 Tf", b"72 760 Td", b"22 TL"]
    for ln in lines:
        ops.append(b"(" + ln.encode("latin-1") + b") '")
    ops.append(b"ET")
    return stream(b"\n".join(ops))


def sig_dict(when: str, name: str) -> bytes:
    return (
        b"<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached "
        b"/ByteRange [0 0000000000 0000000000 0000000000] /Contents <"
        + b"0" * (RESERVED * 2)
        + b"> /M (D:" + when.encode() + b") /Name (" + name.encode() + b") >>"
    )


def obj(num: int, body: bytes) -> bytes:
    return b"%d 0 obj\n" % num + body + b"\nendobj\n"


def xref_section(offsets: dict, with_free_head: bool) -> bytes:
    """A classic xref section: subsections of consecutive object numbers, 20-byte entries."""
    out = b"xref\n"
    nums = sorted(offsets)
    if with_free_head:
        nums = [0] + nums
    i = 0
    while i < len(nums):
        j = i
        while j + 1 < len(nums) and nums[j + 1] == nums[j] + 1:
            j += 1
        out += b"%d %d\n" % (nums[i], j - i + 1)
        for n in nums[i:j + 1]:
            if n == 0:
                out += b"0000000000 65535 f \n"
            else:
                out += b"%010d 00000 n \n" % offsets[n]
        i = j + 1
    return out


def last_startxref(pdf: bytes) -> int:
    m = list(re.finditer(rb"startxref\s+(\d+)", pdf))
    return int(m[-1].group(1))


ID0 = sm3(b"yinxin conformance pdf fixture")[:16].hex().upper().encode()


def base_pdf() -> bytes:
    """The original one-page document with one signature field whose /Contents is still a hole."""
    out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
    objs = {
        1: b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [5 0 R] /SigFlags 3 >> >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R " + MEDIA + b" " + RES + b" /Contents 4 0 R /Annots [5 0 R] >>",
        4: text_stream("yinxin conformance fixture", "This page was signed on 2025-06-01.",
                       "Signature: GB/T 35275 SM2 signed data, SM3 digest."),
        5: b"<< /Type /Annot /Subtype /Widget /FT /Sig /T (Signature1) /V 7 0 R /Rect [0 0 0 0] /F 132 /P 3 0 R >>",
        6: FONT,
        7: sig_dict("20250601000000Z", "pki-doc Document Signer"),
        8: b"<< /Producer (yinxin conformance make/pdf.py) /Title (Signed PDF fixture) "
           b"/CreationDate (D:20250601000000Z) >>",
    }
    offsets = {}
    for n, body in objs.items():
        offsets[n] = len(out)
        out += obj(n, body)
    xref_at = len(out)
    out += xref_section(offsets, True)
    out += b"trailer\n<< /Size 9 /Root 1 0 R /Info 8 0 R /ID [<" + ID0 + b"> <" + ID0 + b">] >>\n"
    out += b"startxref\n%d\n%%%%EOF\n" % xref_at
    return out


def update(pdf: bytes, objs: dict, size: int) -> bytes:
    """Append an incremental update (ISO 32000-1 §7.5.6): the new or changed objects, an xref
    section for them only, a trailer with /Prev, startxref and %%EOF."""
    out = bytearray(pdf)
    offsets = {}
    for n in sorted(objs):
        offsets[n] = len(out)
        out += obj(n, objs[n])
    xref_at = len(out)
    out += xref_section(offsets, False)
    new_id = sm3(bytes(out))[:16].hex().upper().encode()
    out += (b"trailer\n<< /Size %d /Root 1 0 R /Info 8 0 R /Prev %d /ID [<" % (size, last_startxref(pdf))
            + ID0 + b"> <" + new_id + b">] >>\n")
    out += b"startxref\n%d\n%%%%EOF\n" % xref_at
    return bytes(out)


def sign_hole(pdf: bytes, sig_obj: int, signer: Cert, when: str) -> bytes:
    """Fill the /ByteRange and /Contents of signature object `sig_obj` (the last definition of
    it): the range covers the whole file except the /Contents hex string, delimiters included."""
    starts = [m.start() for m in re.finditer(rb"(?m)^%d 0 obj\n" % sig_obj, pdf)]
    at = starts[-1]
    br_at = pdf.index(b"/ByteRange [0 ", at) + len(b"/ByteRange [0 ")
    hole_start = pdf.index(b"/Contents <", at) + len(b"/Contents ")
    hole_end = pdf.index(b">", hole_start) + 1
    assert hole_end - hole_start == RESERVED * 2 + 2
    rng = b"%-10d %-10d %-10d" % (hole_start, hole_end, len(pdf) - hole_end)
    out = bytearray(pdf)
    out[br_at:br_at + len(rng)] = rng
    covered = bytes(out[:hole_start]) + bytes(out[hole_end:])
    cms = gmt0010_detached(covered, signer, utc(when))
    assert len(cms) <= RESERVED
    hexed = cms.hex().upper().encode()
    out[hole_start + 1:hole_start + 1 + len(hexed)] = hexed
    return bytes(out)


def build():
    signer = Cert("signer", PKI_DOC)
    signed = sign_hole(base_pdf(), 7, signer, "2025-06-01T00:00:00Z")
    files = {"signed.pdf": signed}

    # 2. Bytes after %%EOF that are not an incremental update.
    files["appended-garbage.pdf"] = signed + b"\nhello garbage\n"

    # 3. Page 1 gets a new content stream (new object 9, new version of page object 3).
    files["update-changes-page.pdf"] = update(signed, {
        9: text_stream("yinxin conformance fixture", "This text was put here AFTER signing.",
                       "The signed content stream is no longer the page's."),
        3: b"<< /Type /Page /Parent 2 0 R " + MEDIA + b" " + RES + b" /Contents 9 0 R /Annots [5 0 R] >>",
    }, 10)

    # 4. A second signature field and signature, the second covering the whole new file.
    two = update(signed, {
        1: b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [5 0 R 9 0 R] /SigFlags 3 >> >>",
        3: b"<< /Type /Page /Parent 2 0 R " + MEDIA + b" " + RES + b" /Contents 4 0 R /Annots [5 0 R 9 0 R] >>",
        9: b"<< /Type /Annot /Subtype /Widget /FT /Sig /T (Signature2) /V 10 0 R /Rect [0 0 0 0] /F 132 /P 3 0 R >>",
        10: sig_dict("20250602000000Z", "pki-doc Document Signer"),
    }, 11)
    files["update-adds-signature.pdf"] = sign_hole(two, 10, signer, "2025-06-02T00:00:00Z")

    # 5. An object no one references, and a new /Info (Producer changed); no page content.
    files["update-uncovered-object.pdf"] = update(signed, {
        8: b"<< /Producer (an editor that touched the file after signing) /Title (Signed PDF fixture) "
           b"/CreationDate (D:20250601000000Z) /ModDate (D:20250603000000Z) >>",
        9: b"<< /Comment (added after signing; referenced from nowhere) >>",
    }, 10)

    # 6. A second page.
    files["update-adds-page.pdf"] = update(signed, {
        2: b"<< /Type /Pages /Kids [3 0 R 10 0 R] /Count 2 >>",
        9: text_stream("Page 2, added after signing."),
        10: b"<< /Type /Page /Parent 2 0 R " + MEDIA + b" " + RES + b" /Contents 9 0 R >>",
    }, 11)
    return files


def main():
    write_unless_present("pdf", NAMES, build)


if __name__ == "__main__":
    main()
