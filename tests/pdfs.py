"""Real PDFs for the author tests, written with pypdf: visible text, document properties, encryption."""

import io

from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject


def _escape(line: str) -> bytes:
    return line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").encode("cp1252")


def manuscript_pdf(*pages: list[str] | str, properties: dict[str, str] | None = None,
                   password: str | None = None) -> bytes:
    """A PDF with one page per argument (a line or a list of lines, shown in Helvetica), the given
    document properties (`{"Author": "Ada Lovelace"}`), encrypted when a password is given."""
    writer = PdfWriter()
    font = writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica"), NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
    }))
    for lines in pages or (["A study of the outer heliosphere."],):
        lines = [lines] if isinstance(lines, str) else lines
        page = writer.add_blank_page(width=612, height=792)
        content = DecodedStreamObject()
        content.set_data(b"BT /F1 12 Tf 14 TL 72 720 Td " + b" ".join(b"(" + _escape(line) + b") Tj T*" for line in lines)
                         + b" ET")
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})})
        page[NameObject("/Contents")] = writer._add_object(content)
    writer.add_metadata({f"/{key}": value for key, value in (properties or {}).items()})
    if password:
        writer.encrypt(user_password=password, owner_password=password + "-owner", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


HTML_AS_PDF = b"<!doctype html><html><body><script>alert(document.cookie)</script>Manuscript</body></html>"
