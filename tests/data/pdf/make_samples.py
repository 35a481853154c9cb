"""Write the small hostile PDFs of tests/data/pdf/, byte by byte.

Run `python tests/data/pdf/make_samples.py` to regenerate them. Most are written as raw
PDF syntax, so that each carries exactly the trap it is named after; only the encrypted
one uses pypdf (its encryption code). The tests load this file too, for `raw_pdf` and
`text_page_pdf`, to build the cheap or large cases (blank, truncated, too many pages,
decompression bomb) on the fly instead of committing them.
"""

import io
import struct
import sys
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent

# Names that only the file's hidden parts carry: the reviewer copy must lose all of them.
HIDDEN_NAMES = [
    "Mary Somerville",
    "mary.somerville@example.org",
    "somerville-draft",
    "Charles Babbage",
    "babbage@example.org",
    "Caroline Herschel",
    "caroline.herschel@example.org",
    "Somerville",
    "Babbage",
    "Herschel",
]


def pdf_string(text: str) -> bytes:
    """A literal string: PDFDocEncoding for plain ASCII, else UTF-16BE with a byte-order mark."""
    if text.isascii():
        escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        return b"(" + escaped.encode("ascii") + b")"
    return b"<" + (b"\xfe\xff" + text.encode("utf-16-be")).hex().upper().encode() + b">"


def stream(data: bytes, entries: bytes = b"", *, compress: bool = False) -> bytes:
    if compress:
        data = zlib.compress(data, 9)
        entries += b" /Filter /FlateDecode"
    return b"<< /Length %d%s >>\nstream\n%s\nendstream" % (len(data), entries, data)


def raw_pdf(objects: dict[int, bytes], *, root: int = 1, info: int | None = None, xref: bool = True) -> bytes:
    """A PDF file from numbered object bodies, with a correct cross-reference table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, objects[number])
    size = max(objects) + 1
    startxref = len(out)
    if xref:
        out += b"xref\n0 %d\n0000000000 65535 f \n" % size
        for number in range(1, size):
            out += b"%010d 00000 n \n" % offsets[number] if number in offsets else b"0000000000 65535 f \n"
    trailer = b"/Size %d /Root %d 0 R" % (size, root)
    if info:
        trailer += b" /Info %d 0 R" % info
    out += b"trailer\n<< %s /ID [<%s> <%s>] >>\nstartxref\n%d\n%%%%EOF\n" % (trailer, b"ab" * 16, b"ab" * 16, startxref)
    return bytes(out)


def text_operators(lines: list[str], *, size: int = 12) -> bytes:
    """Content stream operators showing one line of Helvetica (WinAnsiEncoding) per item."""
    ops = [b"BT /F1 %d Tf 14 TL 72 720 Td" % size]
    for line in lines:
        escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        ops.append(b"(" + escaped.encode("cp1252") + b") Tj T*")
    ops.append(b"ET")
    return b"\n".join(ops)


FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"


def text_page_pdf(pages: list[list[str]], *, catalog_extra: bytes = b"", page_extra: bytes = b"",
                  extra_objects: dict[int, bytes] | None = None) -> bytes:
    """A simple document: one page per list of text lines; extra objects numbered from 100."""
    count = len(pages)
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R%s >>" % catalog_extra,
        3: FONT,
    }
    kids = []
    for index, lines in enumerate(pages):
        page, content = 10 + 2 * index, 11 + 2 * index
        kids.append(b"%d 0 R" % page)
        objects[page] = (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >>"
            b" /Contents %d 0 R%s >>" % (content, page_extra)
        )
        objects[content] = stream(text_operators(lines))
    objects[2] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(kids), count)
    objects.update(extra_objects or {})
    return raw_pdf(objects)


def jpeg_with_exif(artist: str, comment: str) -> bytes:
    """A valid 8x8 grey baseline JPEG that carries an Exif Artist tag and a comment segment."""

    def segment(marker: int, payload: bytes) -> bytes:
        return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload

    name = artist.encode("ascii") + b"\0"
    tiff = b"MM\0*" + struct.pack(">I", 8) + struct.pack(">H", 1)
    tiff += struct.pack(">HHII", 0x013B, 2, len(name), 26) + struct.pack(">I", 0) + name  # Artist
    return b"".join([
        b"\xff\xd8",
        segment(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"),
        segment(0xE1, b"Exif\0\0" + tiff),
        segment(0xFE, comment.encode("ascii")),
        segment(0xDB, b"\0" + b"\x01" * 64),
        segment(0xC0, b"\x08" + struct.pack(">HH", 8, 8) + b"\x01\x01\x11\x00"),
        segment(0xC4, b"\x00" + b"\x01" + b"\0" * 15 + b"\x00"),  # DC: one 1-bit code, category 0
        segment(0xC4, b"\x10" + b"\x01" + b"\0" * 15 + b"\x00"),  # AC: one 1-bit code, end of block
        segment(0xDA, b"\x01\x01\x00\x00\x3f\x00"),
        b"\x3f",  # DC 0, EOB, padded with ones
        b"\xff\xd9",
    ])


def xmp(creator: str, extra: str = "") -> bytes:
    return f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/">
   <dc:creator><rdf:Seq><rdf:li>{creator}</rdf:li></rdf:Seq></dc:creator>
   <xmp:CreatorTool>{extra}</xmp:CreatorTool>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>""".encode()


def authors_pdf() -> bytes:
    """Three pages. Visible text names Ada Lovelace (pages 1 and 3) and Émilie du Châtelet
    (page 3); every name of HIDDEN_NAMES sits only in the hidden parts: the info dictionary,
    XMP of the document, a page and an image, Exif and a comment in the JPEG, an annotation's
    author and its popup, the page's /PieceInfo."""
    page_xmp = xmp("Mary Somerville")
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R /Metadata 20 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R 4 0 R 5 0 R] /Count 3 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources 10 0 R /Contents 6 0 R"
           b" /PieceInfo 30 0 R /LastModified (D:20240501120000Z) >>",
        4: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources 11 0 R /Contents 7 0 R"
           b" /Annots [40 0 R 41 0 R] >>",
        5: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources 10 0 R /Contents 8 0 R"
           b" /Metadata 21 0 R /Thumb 50 0 R >>",
        6: stream(text_operators(["On engines of difference", "Ada Lovelace (ada@example.org)"])),
        7: stream(text_operators(["The engine weaves algebraic patterns."]) + b"\nq 100 0 0 100 72 500 cm /Im1 Do Q",
                  compress=True),
        8: stream(text_operators(["Acknowledgements: we thank \u00c9milie du Ch\u00e2telet and", "Ada",
                                  "Lovelace."]), compress=True),
        10: b"<< /Font << /F1 12 0 R >> >>",
        11: b"<< /Font << /F1 12 0 R >> /XObject << /Im1 13 0 R >> >>",
        12: FONT,
        13: stream(jpeg_with_exif("Charles Babbage", "Caroline Herschel"),
                   b" /Type /XObject /Subtype /Image /Width 8 /Height 8 /ColorSpace /DeviceGray"
                   b" /BitsPerComponent 8 /Filter /DCTDecode /Metadata 22 0 R"),
        20: stream(xmp("Charles Babbage", "babbage@example.org"), b" /Type /Metadata /Subtype /XML", compress=True),
        21: stream(page_xmp, b" /Type /Metadata /Subtype /XML"),
        22: stream(xmp("Charles Babbage"), b" /Type /Metadata /Subtype /XML"),
        30: b"<< /Word << /LastModified (D:20240501120000Z) /Private 31 0 R >> >>",
        31: stream(b"Author: Caroline Herschel <caroline.herschel@example.org>; C:\\Users\\somerville\\draft.docx",
                   compress=True),
        40: b"<< /Type /Annot /Subtype /Text /Rect [72 600 92 620] /T (Caroline Herschel) /NM (herschel-1)"
            b" /M (D:20240501120000Z) /Contents (Please check figure 2.) /Popup 41 0 R /P 4 0 R"
            b" /RC (<?xml version=\"1.0\"?><body xmlns=\"http://www.w3.org/1999/xhtml\"><p>Please check figure 2.</p></body>) >>",
        41: b"<< /Type /Annot /Subtype /Popup /Rect [92 500 300 600] /Parent 40 0 R /T (Caroline Herschel)"
            b" /Open false >>",
        50: stream(b"\x80" * 4, b" /Width 2 /Height 2 /ColorSpace /DeviceGray /BitsPerComponent 8"),
        60: b"<< /Title (On engines of difference) /Author " + pdf_string("Mary Somerville \u2014 FRS")
            + b" /Creator (Microsoft Word - somerville-draft.docx) /Keywords (mary.somerville@example.org)"
            b" /Producer (Hand-made) >>",
    }
    return raw_pdf(objects, info=60)


def encrypted_pdf() -> bytes:
    """Encrypted with an EMPTY user password: every viewer opens it without asking."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(text_page_pdf([["Sealed with an empty password"]]))))
    writer.encrypt(user_password="", owner_password="owner-secret", algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def cyclic_self_pdf() -> bytes:
    """The root /Pages node lists itself among its /Kids."""
    return raw_pdf({
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
    })


def cyclic_parent_pdf() -> bytes:
    """An intermediate /Pages node lists its own parent (the root) among its /Kids."""
    return raw_pdf({
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [4 0 R] /Count 2 >>",
        3: b"<< /Type /Page /Parent 4 0 R /MediaBox [0 0 612 792] >>",
        4: b"<< /Type /Pages /Parent 2 0 R /Kids [3 0 R 2 0 R] /Count 2 >>",
    })


def broken_xref_pdf() -> bytes:
    """A fine document whose cross-reference table points at wrong offsets and whose startxref
    points into the middle of an object; readers may rebuild it by scanning."""
    good = text_page_pdf([["A document with a damaged cross-reference table"]])
    head, _, _ = good.partition(b"xref\n")
    body = head + b"xref\n0 13\n0000000000 65535 f \n" + b"0000000007 00000 n \n" * 12
    return body + b"trailer\n<< /Size 13 /Root 1 0 R >>\nstartxref\n40\n%%EOF\n"


def garbage_pdf() -> bytes:
    """A PDF header, then nothing that resembles objects or a cross-reference table."""
    return b"%PDF-1.7\n" + bytes(range(256)) * 4 + b"\nstartxref\n999999\n%%EOF\n"


def risky_samples() -> dict[str, bytes]:
    page = [["A page with a hidden feature"]]
    filespec = b"<< /Type /Filespec /F (notes.txt) /UF (notes.txt) /EF << /F 101 0 R >> >>"
    embedded = stream(b"private notes", b" /Type /EmbeddedFile")
    return {
        "risky-names-javascript.pdf": text_page_pdf(
            page, catalog_extra=b" /Names << /JavaScript << /Names [(init) 100 0 R] >> >>",
            extra_objects={100: b"<< /S /JavaScript /JS (app.alert\\('hello'\\);) >>"}),
        "risky-openaction-javascript.pdf": text_page_pdf(
            page, catalog_extra=b" /OpenAction << /S /JavaScript /JS (app.alert\\(1\\);) >>"),
        "risky-page-actions-javascript.pdf": text_page_pdf(
            page, page_extra=b" /AA << /O << /S /JavaScript /JS (this.print\\(\\);) >> >>"),
        "risky-launch.pdf": text_page_pdf(
            page, page_extra=b" /Annots [100 0 R]",
            extra_objects={100: b"<< /Type /Annot /Subtype /Link /Rect [72 700 300 730]"
                                b" /A << /S /Launch /F (calc.exe) >> >>"}),
        "risky-embedded-file.pdf": text_page_pdf(
            page, catalog_extra=b" /Names << /EmbeddedFiles << /Names [(notes.txt) 100 0 R] >> >>",
            extra_objects={100: filespec, 101: embedded}),
        "risky-file-attachment.pdf": text_page_pdf(
            page, page_extra=b" /Annots [102 0 R]",
            extra_objects={100: filespec, 101: embedded,
                           102: b"<< /Type /Annot /Subtype /FileAttachment /Rect [72 700 92 720] /FS 100 0 R >>"}),
        "risky-xfa.pdf": text_page_pdf(
            page, catalog_extra=b" /AcroForm << /Fields [] /XFA 100 0 R >>",
            extra_objects={100: stream(b'<xdp:xdp xmlns:xdp="http://ns.adobe.com/xdp/"></xdp:xdp>')}),
    }


def samples() -> dict[str, bytes]:
    return {
        "authors.pdf": authors_pdf(),
        "encrypted-empty-password.pdf": encrypted_pdf(),
        "cyclic-pages-self.pdf": cyclic_self_pdf(),
        "cyclic-pages-parent.pdf": cyclic_parent_pdf(),
        "broken-xref.pdf": broken_xref_pdf(),
        "garbage.pdf": garbage_pdf(),
        **risky_samples(),
    }


def main() -> None:
    for name, data in samples().items():
        (HERE / name).write_bytes(data)
        print(f"{name}: {len(data)} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
