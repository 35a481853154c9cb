"""journal.pdf: hostile PDFs are refused in a sandboxed child, reports say where names are,
and the reviewers' copy keeps the pages and loses the authors' traces.

Committed samples live in tests/data/pdf/ (regenerate with make_samples.py there); the
cheap or large cases are built here on the fly.
"""

import importlib.util
import io
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, ByteStringObject, DictionaryObject, StreamObject, TextStringObject

from journal import pdf
from journal.pdf import PdfRejected, inspect_pdf, make_reviewer_copy

DATA = Path(__file__).parent / "data" / "pdf"
_spec = importlib.util.spec_from_file_location("pdf_samples", DATA / "make_samples.py")
samples = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(samples)

NAMES = ["Ada Lovelace", "ada@example.org", "Émilie du Châtelet", "Mary Somerville",
         "Charles Babbage", "Caroline Herschel", "Nobody Atall"]
RISKY = {
    "risky-names-javascript.pdf": [pdf.JAVASCRIPT],
    "risky-openaction-javascript.pdf": [pdf.JAVASCRIPT, pdf.OPEN_ACTION],
    "risky-page-actions-javascript.pdf": [pdf.JAVASCRIPT],
    "risky-launch.pdf": [pdf.LAUNCH],
    "risky-embedded-file.pdf": [pdf.EMBEDDED_FILES],
    "risky-file-attachment.pdf": [pdf.EMBEDDED_FILES],
    "risky-xfa.pdf": [pdf.XFA],
}


def blank_pdf(path: Path, pages: int) -> Path:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=612, height=792)
    writer.write(path)
    return path


@pytest.fixture
def no_child(monkeypatch):
    """Fails the test if a parser process is started."""

    def refuse(*args, **kwargs):
        raise AssertionError("the parser process was started")

    monkeypatch.setattr(pdf.subprocess, "Popen", refuse)


# --- what a readable manuscript reports ------------------------------------------------------

def test_report_lists_pages_metadata_and_every_place_a_name_occurs():
    report = inspect_pdf(DATA / "authors.pdf", max_pages=10, names_to_find=NAMES)

    assert report.page_count == 3
    assert report.metadata["Author"] == "Mary Somerville \u2014 FRS"
    assert report.metadata["Creator"] == "Microsoft Word - somerville-draft.docx"
    assert report.has_xmp
    assert report.risky_features == []
    assert report.text_empty is False
    assert report.warnings == []
    assert report.found == [
        ("Ada Lovelace", "page 1"),
        ("Ada Lovelace", "page 3"),  # "Ada" and "Lovelace." on two lines
        ("ada@example.org", "page 1"),
        ("Émilie du Châtelet", "page 3"),
        ("Mary Somerville", "document properties"),  # information dictionary, UTF-16
        ("Charles Babbage", "document properties"),  # compressed XMP only
        ("Caroline Herschel", "page 2 (comment or link)"),  # an annotation's author
    ]


@pytest.mark.parametrize("term, places", [
    ("  ADA\tlovelace ", ["page 1", "page 3"]),
    ("emilie du chatelet", ["page 3"]),
    ("Lovelace", ["page 1", "page 3"]),
    ("AdaLovelace", []),
    ("Love", []),  # whole words only
    ("da Lovelace", []),
    ("", []),
])
def test_names_match_whatever_the_case_accents_and_spacing(term, places):
    report = inspect_pdf(DATA / "authors.pdf", max_pages=10, names_to_find=[term])

    assert report.found == [(term, place) for place in places]


def test_blank_pages_report_empty_text(tmp_path):
    report = inspect_pdf(blank_pdf(tmp_path / "scan.pdf", 2), max_pages=10, names_to_find=["Ada"])

    assert (report.page_count, report.text_empty, report.found) == (2, True, [])
    assert report.has_xmp is False


def test_bytes_and_streams_are_read_like_files():
    data = (DATA / "authors.pdf").read_bytes()

    assert inspect_pdf(data, max_pages=10).page_count == 3
    assert inspect_pdf(io.BytesIO(data), max_pages=10).page_count == 3


@pytest.mark.parametrize("name, features", RISKY.items())
def test_risky_features_are_listed(name, features):
    assert inspect_pdf(DATA / name, max_pages=10).risky_features == features


def test_opening_at_a_page_is_no_risky_feature():
    """LaTeX (hyperref) and Word write /OpenAction as a plain destination."""
    opens_at_page = samples.text_page_pdf([["Hello"]], catalog_extra=b" /OpenAction [10 0 R /Fit]")

    assert inspect_pdf(opens_at_page, max_pages=10).risky_features == []


# --- refusals ----------------------------------------------------------------------------------

@pytest.mark.parametrize("content", [
    b"<!DOCTYPE html><html><body>%PDF-like but not a PDF?</body></html>"[:14] + b"<p>Hello</p>",
    b"",
    b" " * 1024 + b"%PDF-1.7\n",  # the header must come within the first 1024 bytes
])
def test_what_is_not_a_pdf_is_refused_before_any_parsing(tmp_path, no_child, content):
    path = tmp_path / "manuscript.pdf"
    path.write_bytes(content)

    with pytest.raises(PdfRejected) as refused:
        inspect_pdf(path, max_pages=10)
    assert refused.value.reason == pdf.NOT_PDF
    with pytest.raises(PdfRejected, match="not a PDF"):
        make_reviewer_copy(path, tmp_path / "copy.pdf", max_pages=10)
    assert not (tmp_path / "copy.pdf").exists()


def test_html_renamed_to_pdf_is_refused(tmp_path, no_child):
    path = tmp_path / "paper.pdf"
    path.write_text("<!DOCTYPE html>\n<html><head><title>Paper</title></head><body>Ada</body></html>")

    with pytest.raises(PdfRejected, match="not a PDF"):
        inspect_pdf(path, max_pages=10)


@pytest.mark.parametrize("source", ["path", "bytes", "stream"])
def test_size_limit_is_checked_before_any_parsing(tmp_path, no_child, source):
    path = blank_pdf(tmp_path / "big.pdf", 3)
    data = path.read_bytes()
    given = {"path": path, "bytes": data, "stream": io.BytesIO(data)}[source]

    with pytest.raises(PdfRejected, match="larger than the limit of 100 bytes"):
        inspect_pdf(given, max_pages=10, max_bytes=100)


@pytest.mark.parametrize("password", ["", "secret"])
def test_encrypted_pdfs_are_refused_even_with_an_empty_password(tmp_path, password):
    if password:
        writer = PdfWriter(clone_from=DATA / "authors.pdf")
        writer.encrypt(user_password=password, algorithm="AES-128")
        path = tmp_path / "locked.pdf"
        writer.write(path)
    else:
        path = DATA / "encrypted-empty-password.pdf"

    with pytest.raises(PdfRejected) as refused:
        inspect_pdf(path, max_pages=10)
    assert refused.value.reason == pdf.ENCRYPTED
    with pytest.raises(PdfRejected, match="encrypted"):
        make_reviewer_copy(path, tmp_path / "copy.pdf", max_pages=10)


def test_truncated_pdf_is_refused():
    data = (DATA / "authors.pdf").read_bytes()

    with pytest.raises(PdfRejected) as refused:
        inspect_pdf(data[: len(data) // 2], max_pages=10)
    assert refused.value.reason == pdf.DAMAGED


def test_garbage_after_the_header_is_refused():
    with pytest.raises(PdfRejected, match="damaged"):
        inspect_pdf(DATA / "garbage.pdf", max_pages=10)


def test_broken_cross_reference_table_is_rebuilt_or_refused_but_never_hangs():
    started = time.monotonic()
    try:
        report = inspect_pdf(DATA / "broken-xref.pdf", max_pages=10, names_to_find=["cross-reference"])
    except PdfRejected as refused:
        assert refused.reason == pdf.DAMAGED
    else:  # pypdf rebuilds it by scanning for objects
        assert report.found == [("cross-reference", "page 1")]
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("name", ["cyclic-pages-self.pdf", "cyclic-pages-parent.pdf"])
def test_cyclic_page_tree_is_refused_fast(name, tmp_path):
    started = time.monotonic()
    with pytest.raises(PdfRejected, match="damaged"):
        inspect_pdf(DATA / name, max_pages=10)
    with pytest.raises(PdfRejected, match="damaged"):
        make_reviewer_copy(DATA / name, tmp_path / "copy.pdf", max_pages=10)
    assert time.monotonic() - started < 5


def test_too_many_pages_are_refused(tmp_path):
    with pytest.raises(PdfRejected, match="This PDF has 5 pages; at most 4 are accepted"):
        inspect_pdf(blank_pdf(tmp_path / "long.pdf", 5), max_pages=4)


def test_a_pdf_without_pages_is_refused():
    empty = samples.raw_pdf({1: b"<< /Type /Catalog /Pages 2 0 R >>", 2: b"<< /Type /Pages /Kids [] /Count 0 >>"})

    with pytest.raises(PdfRejected) as refused:
        inspect_pdf(empty, max_pages=10)
    assert refused.value.reason == pdf.NO_PAGES


# --- the sandbox ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def bomb(tmp_path_factory):
    """About 4 MB on disk, 4 GB of content: 200 pages, each 20 MB of zero bytes compressed."""
    content = samples.stream(b"\0" * 20_000_000, compress=True)
    objects = {1: b"<< /Type /Catalog /Pages 2 0 R >>", 3: samples.FONT}
    for index in range(200):
        objects[10 + 2 * index] = (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792]"
                                   b" /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (11 + 2 * index))
        objects[11 + 2 * index] = content
    kids = b" ".join(b"%d 0 R" % (10 + 2 * index) for index in range(200))
    objects[2] = b"<< /Type /Pages /Kids [%s] /Count 200 >>" % kids
    path = tmp_path_factory.mktemp("bomb") / "bomb.pdf"
    path.write_bytes(samples.raw_pdf(objects))
    assert path.stat().st_size < 5_000_000
    return path


def test_decompression_bomb_is_refused_by_the_memory_limit_and_the_parent_stays_small(bomb):
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    started = time.monotonic()

    with pytest.raises(PdfRejected) as refused:
        inspect_pdf(bomb, max_pages=1000, memory_limit=256 * 1024 * 1024, time_limit=10)

    assert time.monotonic() - started < 10 + 3
    assert refused.value.reason in (pdf._too_much_memory(256 * 1024 * 1024), pdf._too_slow(10))
    assert "memory limit of 256 MB" in refused.value.reason
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before < 50 * 1024


def test_the_wall_clock_limit_kills_a_slow_reader(bomb):
    started = time.monotonic()

    with pytest.raises(PdfRejected) as refused:
        inspect_pdf(bomb, max_pages=1000, memory_limit=8 * 1024 ** 3, time_limit=1.5)

    assert time.monotonic() - started < 1.5 + 3
    assert refused.value.reason.startswith("The PDF could not be read within 1.5 seconds.")


def test_the_reviewer_copy_of_a_bomb_copies_its_streams_without_expanding_them(bomb, tmp_path):
    make_reviewer_copy(bomb, tmp_path / "copy.pdf", max_pages=1000, memory_limit=256 * 1024 * 1024)

    assert (tmp_path / "copy.pdf").stat().st_size < 2 * bomb.stat().st_size


def test_the_parent_never_imports_pypdf():
    code = ("import importlib.util as u, sys; s = u.spec_from_file_location('p', sys.argv[1]);"
            "m = sys.modules['p'] = u.module_from_spec(s); s.loader.exec_module(m);"
            "print(sorted(name for name in sys.modules if 'pypdf' in name))")
    out = subprocess.run([sys.executable, "-c", code, pdf.__file__], capture_output=True, text=True, check=True)

    assert out.stdout.strip() == "[]"


def test_a_crashed_worker_is_a_refusal_and_sees_no_secrets(tmp_path, monkeypatch):
    """A stand-in interpreter records its environment, then dies of a signal."""
    fake = tmp_path / "python"
    fake.write_text(f"#!/bin/sh\nenv > {tmp_path / 'env.txt'}\nkill -SEGV $$\n")
    fake.chmod(0o755)
    monkeypatch.setattr(pdf, "PYTHON", str(fake))
    monkeypatch.setenv("SECRET_KEY", "do-not-leak")
    monkeypatch.setenv("DATABASE_URL", "postgresql://user:password@db/journal")

    with pytest.raises(PdfRejected) as refused:
        inspect_pdf(DATA / "authors.pdf", max_pages=10)

    assert refused.value.reason == pdf.STOPPED
    environment = (tmp_path / "env.txt").read_text()
    assert "do-not-leak" not in environment and "password@db" not in environment


# --- the reviewers' copy ---------------------------------------------------------------------

def every_value_in(path: Path) -> str:
    """The raw bytes, plus every string and decoded stream of every object, as text."""
    raw = path.read_bytes()
    parts = [raw.decode("latin-1")]
    reader = PdfReader(path)
    for number in range(1, int(reader.trailer["/Size"])):
        stack = [reader.get_object(number)]
        while stack:
            obj = stack.pop()
            if isinstance(obj, StreamObject):
                data = obj.get_data()
                parts += [data.decode("latin-1"), data.decode("utf-16-be", "ignore")]
            if isinstance(obj, DictionaryObject):
                stack += list(obj.values())
                parts += list(obj)
            elif isinstance(obj, ArrayObject):
                stack += list(obj)
            elif isinstance(obj, (TextStringObject, ByteStringObject, str)):
                parts.append(obj if isinstance(obj, str) else obj.decode("latin-1"))
    return "\n".join(parts).casefold()


def test_reviewer_copy_keeps_the_pages_and_loses_every_hidden_name(tmp_path):
    copy = tmp_path / "copy.pdf"
    make_reviewer_copy(DATA / "authors.pdf", copy, max_pages=10)

    original = every_value_in(DATA / "authors.pdf")
    assert all(name.casefold() in original for name in samples.HIDDEN_NAMES)  # the search sees them
    everything = every_value_in(copy)
    raw = copy.read_bytes().lower()
    for name in samples.HIDDEN_NAMES:
        assert name.casefold() not in everything, name
        assert name.casefold().encode("utf-16-be") not in raw, name
    report = inspect_pdf(copy, max_pages=10, names_to_find=NAMES)
    assert report.page_count == 3
    assert (report.metadata, report.has_xmp) == ({}, False)
    assert [term for term, _ in report.found] == ["Ada Lovelace", "Ada Lovelace", "ada@example.org", "Émilie du Châtelet"]

    reader = PdfReader(copy)
    assert "/Info" not in reader.trailer
    for page in reader.pages:
        assert not {"/Metadata", "/PieceInfo", "/Thumb", "/AA", "/LastModified"} & set(page)
    note, popup = (a.get_object() for a in reader.pages[1]["/Annots"])
    assert note["/Contents"] == "Please check figure 2." and "/T" not in note and "/NM" not in note
    assert popup["/Subtype"] == "/Popup" and "/T" not in popup
    image = reader.pages[1]["/Resources"]["/XObject"]["/Im1"]
    jpeg = image.get_data()
    assert jpeg.startswith(b"\xff\xd8\xff\xe0") and jpeg.endswith(b"\xff\xd9") and b"Exif" not in jpeg
    assert "/Metadata" not in image


@pytest.mark.parametrize("name", RISKY)
def test_reviewer_copy_has_no_scripts_actions_or_embedded_files(tmp_path, name):
    copy = tmp_path / "copy.pdf"
    make_reviewer_copy(DATA / name, copy, max_pages=10)

    report = inspect_pdf(copy, max_pages=10, names_to_find=["hidden feature"])
    assert report.risky_features == []
    assert report.found == [("hidden feature", "page 1")]
    assert b"private notes" not in copy.read_bytes() and "private notes" not in every_value_in(copy)


def test_reviewer_copy_writes_to_a_stream():
    out = io.BytesIO()
    make_reviewer_copy(io.BytesIO((DATA / "authors.pdf").read_bytes()), out, max_pages=10)

    assert len(PdfReader(io.BytesIO(out.getvalue())).pages) == 3


def test_a_refused_reviewer_copy_leaves_no_file_behind(tmp_path):
    with pytest.raises(PdfRejected):
        make_reviewer_copy(DATA / "garbage.pdf", tmp_path / "copy.pdf", max_pages=10)

    assert list(tmp_path.iterdir()) == []


def test_jpeg_metadata_segments_are_stripped_and_odd_data_left_alone():
    jpeg = samples.jpeg_with_exif("Charles Babbage", "Caroline Herschel")
    stripped = pdf._strip_jpeg(jpeg)

    assert b"Babbage" in jpeg and b"Babbage" not in stripped and b"Herschel" not in stripped
    assert stripped.endswith(jpeg[jpeg.index(b"\xff\xdb"):])  # tables and image data untouched
    assert pdf._strip_jpeg(b"not a jpeg") == b"not a jpeg"
    assert pdf._strip_jpeg(jpeg[:30]) == jpeg[:30]


@pytest.mark.parametrize("given_as", ["bytes", "stream", "path"])
def test_a_damaged_pdf_is_refused_with_its_reason_however_it_is_given(given_as):
    # The sandboxed reader shares the file's offset with us: a buffered file here used to fail on closing.
    path = Path(__file__).parent / "data" / "pdf" / "garbage.pdf"
    source = {"bytes": path.read_bytes(), "stream": io.BytesIO(path.read_bytes()), "path": str(path)}[given_as]
    with pytest.raises(pdf.PdfRejected, match="damaged"):
        pdf.inspect_pdf(source, max_pages=100)
