"""Everything pypdf: refuse what is not a readable PDF, report what a manuscript carries,
make the reviewers' copy without its authors' traces.

A PDF is hostile input. This process (a threaded web worker, the CLI) never parses one: it
checks the size and the `%PDF-` header, then runs this very file as a fresh child process
(`python -P journal/pdf.py`: no fork, no Flask, no secrets in its environment) which lowers
its own limits (address space, CPU seconds, file size) before it imports pypdf, and answers
with plain JSON. The parent kills the child at the wall-clock limit. Whatever goes wrong
ends as PdfRejected with a reason the author can act on; nothing else is raised for a bad
file.
"""

from __future__ import annotations

import errno
import html
import json
import logging
import math
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import unicodedata
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

log = logging.getLogger(__name__)


def N_(message: str) -> str:
    """Marks a message for the catalogs; the child writes it in English, the parent translates it (`_`)."""
    return message


def _(message: str, **values) -> str:
    """The message in the reader's language. Parent only: the child runs without Flask, so flask_babel is imported
    here, when a message is made; outside an application it falls back to the English."""
    try:
        from flask_babel import gettext
    except ImportError:  # pragma: no cover - the parent always has Flask-Babel
        return message % values if values else message
    return gettext(message, **values)

MAX_BYTES = 100 * 1024 * 1024
MEMORY_LIMIT = 1024 * 1024 * 1024
TIME_LIMIT = 30.0
PYTHON = sys.executable  # runs the worker; set it where that is not Python (uWSGI)
HEADER_WINDOW = 1024  # where `%PDF-` must appear, as Acrobat accepts
DOCUMENT_PROPERTIES = "document properties"  # a place where names are found (place_label)

NOT_PDF = N_("This file is not a PDF. Please upload your manuscript as a PDF file.")
ENCRYPTED = N_("This PDF is encrypted or password-protected. Please save or export a copy without "
               "a password or other protection and upload that.")
DAMAGED = N_("This PDF is damaged and cannot be read. Please export it again from your writing "
             "software (for example with \"Save as PDF\") and upload the new file.")
TOO_COMPLEX = N_("This PDF contains content too large or complex to read safely. Please export it "
                 "again from your writing software and upload the new file.")
NO_PAGES = N_("This PDF has no pages.")
STOPPED = N_("This PDF could not be read: the reader stopped while processing it. Please export it "
             "again from your writing software and upload the new file.")
TOO_LARGE_OUTPUT = N_("The reviewers' copy of this PDF would be unreasonably large.")

# Risky features: reported in English (stored with the report); feature_label gives the reader's language.
JAVASCRIPT = N_("JavaScript that PDF viewers may run")
OPEN_ACTION = N_("An action that runs when the PDF is opened (/OpenAction)")
LAUNCH = N_("An action that starts a program or opens another file (/Launch)")
EMBEDDED_FILES = N_("Embedded (attached) files")
XFA = N_("An XFA form, which most PDF viewers cannot display")
_RISKY_ORDER = [JAVASCRIPT, OPEN_ACTION, LAUNCH, EMBEDDED_FILES, XFA]

_RESULT_LIMIT = 16 * 1024 * 1024
_CHILD_ENV = ("PYTHONPATH", "PYTHONHOME", "PATH", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR")


class PdfRejected(Exception):
    """The file is refused; `reason` says why in words for the person who uploaded it (English, as the child
    writes it), `message` the same in the reader's language (made in the parent, when read)."""

    def __init__(self, reason: str, values: dict | None = None):
        self.template = reason  # the message as marked for the catalogs, with %(name)s placeholders
        self.values = dict(values or {})
        self.reason = reason % self.values if self.values else reason
        super().__init__(self.reason)

    @property
    def message(self) -> str:
        return _(self.template, **self.values)


def feature_label(feature: str) -> str:
    """A risky feature (as reported, in English) in the reader's language."""
    return _(feature)


PLACES = (("comment", re.compile(r"page (\d+) \(comment or link\)")), ("page", re.compile(r"page (\d+)")),
          ("line", re.compile(r"line (\d+)")))


def place_parts(where: str) -> tuple[str, str | None]:
    """A place as the check reports and stores it, taken apart: ("page", "3"), ("comment", "3"), ("line", "12"),
    ("properties", None); anything else is ("other", None)."""
    if where == DOCUMENT_PROPERTIES:
        return "properties", None
    for kind, pattern in PLACES:
        if match := pattern.fullmatch(where):
            return kind, match.group(1)
    return "other", None


def place_label(where: str) -> str:
    """Where a name was found ("page 3", "page 3 (comment or link)", "line 12", "document properties", as
    reported and stored) in the reader's language."""
    kind, number = place_parts(where)
    return {"properties": lambda: _("document properties"),
            "comment": lambda: _("page %(number)s (comment or link)", number=number),
            "page": lambda: _("page %(number)s", number=number),
            "line": lambda: _("line %(number)s", number=number)}.get(kind, lambda: where)()


def warning_label(warning: str) -> str:
    """A warning of the report (as reported, in English) in the reader's language."""
    if match := re.fullmatch(r"The text of page (\d+) could not be read, so it was not checked for names\.", warning):
        return _("The text of page %(number)s could not be read, so it was not checked for names.",
                 number=match.group(1))
    return warning


@dataclass(frozen=True)
class PdfReport:
    page_count: int
    metadata: dict[str, str]  # the document information dictionary, keys without "/"
    has_xmp: bool
    risky_features: list[str]
    found: list[tuple[str, str]]  # (term as given, "page 3" | "document properties" | …)
    text_empty: bool  # no page has extractable text (a scan): names cannot be checked
    warnings: list[str]  # e.g. pages whose text could not be read


Source = str | os.PathLike | bytes | bytearray | memoryview | BinaryIO


def inspect_pdf(source: Source, *, max_pages: int, names_to_find: Iterable[str] = (),
                max_bytes: int = MAX_BYTES, memory_limit: int = MEMORY_LIMIT,
                time_limit: float = TIME_LIMIT) -> PdfReport:
    """Read a manuscript in the sandbox: pages, metadata, risky features, where the names occur."""
    request = {"task": "inspect", "max_pages": max_pages, "names": [str(n) for n in names_to_find]}
    with _opened(source, max_bytes) as (pdf, size):
        value = _run_sandboxed(request, pdf, size, None, memory_limit, time_limit)
    return PdfReport(
        page_count=value["page_count"], metadata=value["metadata"], has_xmp=value["has_xmp"],
        risky_features=value["risky_features"], found=[tuple(hit) for hit in value["found"]],
        text_empty=value["text_empty"], warnings=value["warnings"],
    )


def make_reviewer_copy(source: Source, destination: str | os.PathLike | BinaryIO, *, max_pages: int,
                       max_bytes: int = MAX_BYTES, memory_limit: int = MEMORY_LIMIT,
                       time_limit: float = TIME_LIMIT) -> None:
    """Write the anonymized copy reviewers download: the same pages in a new document, without
    the information dictionary, XMP, private application data, annotation authors, scripts,
    automatic actions and embedded files. The visible text is kept as it is."""
    request = {"task": "reviewer_copy", "max_pages": max_pages}
    with _opened(source, max_bytes) as (pdf, size), tempfile.TemporaryFile() as copy:
        _run_sandboxed(request, pdf, size, copy, memory_limit, time_limit)
        copy.seek(0)
        if hasattr(destination, "write"):
            shutil.copyfileobj(copy, destination)
            return
        destination = Path(destination)
        with tempfile.NamedTemporaryFile(dir=destination.parent, prefix=".copy-", delete=False) as partial:
            try:
                shutil.copyfileobj(copy, partial)
                partial.close()
                os.replace(partial.name, destination)
            except BaseException:
                os.unlink(partial.name)
                raise


# --- the parent: cheap checks, then the sandboxed child -------------------------------------

@contextmanager
def _opened(source: Source, max_bytes: int):
    """A real file (for the child to inherit) holding the source, checked for size and header."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        if len(source) > max_bytes:
            raise _refused_too_large(max_bytes)
        pdf = tempfile.TemporaryFile(buffering=0)  # unbuffered: the child moves the shared offset
        pdf.write(source)
    elif hasattr(source, "read"):
        pdf = tempfile.TemporaryFile(buffering=0)
        copied = 0
        while chunk := source.read(1024 * 1024):
            copied += len(chunk)
            if copied > max_bytes:
                pdf.close()
                raise _refused_too_large(max_bytes)
            pdf.write(chunk)
    else:
        pdf = open(source, "rb", buffering=0)  # noqa: SIM115 - closed below
    with pdf:
        size = os.fstat(pdf.fileno()).st_size
        if size > max_bytes:
            raise _refused_too_large(max_bytes)
        pdf.seek(0)
        if b"%PDF-" not in pdf.read(HEADER_WINDOW):
            raise PdfRejected(NOT_PDF)
        pdf.seek(0)
        yield pdf, size


def _run_sandboxed(request: dict, pdf: BinaryIO, size: int, output: BinaryIO | None,
                   memory_limit: int, time_limit: float) -> dict:
    fds = [pdf.fileno()] + ([output.fileno()] if output else [])
    request |= {
        "source_fd": fds[0], "output_fd": fds[1] if output else None,
        "memory_limit": memory_limit, "time_limit": time_limit,
        "file_size_limit": 2 * size + 16 * 1024 * 1024,  # the copy, stderr: never a full disk
    }
    env = {name: os.environ[name] for name in _CHILD_ENV if name in os.environ} | {"PYTHONUTF8": "1"}
    with tempfile.TemporaryFile() as stdin, tempfile.TemporaryFile() as stdout, \
            tempfile.TemporaryFile() as stderr:
        stdin.write(json.dumps(request).encode())
        stdin.seek(0)
        child = subprocess.Popen(
            [PYTHON, "-P", os.path.abspath(__file__)], stdin=stdin, stdout=stdout,
            stderr=stderr, pass_fds=fds, cwd="/", env=env, start_new_session=True,
        )
        try:
            code = child.wait(timeout=time_limit)
        except subprocess.TimeoutExpired:
            code = None
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
        if code is None or code in (-signal.SIGXCPU, -signal.SIGALRM):
            log.info("PDF refused: no answer within %s seconds", time_limit)
            raise _refused_too_slow(time_limit)
        stdout.seek(0)
        answer = stdout.read(_RESULT_LIMIT)
        try:
            result = json.loads(answer)
        except ValueError:
            stderr.seek(max(0, os.fstat(stderr.fileno()).st_size - 4000))
            log.warning("PDF worker ended with status %s without an answer: %s", code,
                        stderr.read().decode(errors="replace"))
            raise PdfRejected(STOPPED) from None
    if not result["ok"]:
        log.info("PDF refused: %s %s %s %s", result["reason"], result.get("values", ""), result.get("detail", ""),
                 result.get("log", ""))
        raise PdfRejected(result["reason"], result.get("values"))
    return result["value"]


def _refused_too_large(max_bytes: int) -> PdfRejected:
    return PdfRejected(N_("This file is larger than the limit of %(size)s."), {"size": _megabytes(max_bytes)})


def _refused_too_slow(seconds: float) -> PdfRejected:
    if seconds == 1:
        reason = N_("The PDF could not be read within %(seconds)s second. It may be damaged or unusually "
                    "complex; please export it again from your writing software and upload the new file.")
    else:
        reason = N_("The PDF could not be read within %(seconds)s seconds. It may be damaged or unusually "
                    "complex; please export it again from your writing software and upload the new file.")
    return PdfRejected(reason, {"seconds": f"{seconds:g}"})


def _refused_too_much_memory(limit: int) -> PdfRejected:
    return PdfRejected(N_("The PDF could not be read within the memory limit of %(size)s. It may be "
                          "damaged or contain unusually large compressed content; please export it again from "
                          "your writing software and upload the new file."), {"size": _megabytes(limit)})


def _too_large(max_bytes: int) -> str:
    return _refused_too_large(max_bytes).reason


def _too_slow(seconds: float) -> str:
    return _refused_too_slow(seconds).reason


def _too_much_memory(limit: int) -> str:
    return _refused_too_much_memory(limit).reason


def _megabytes(n: int) -> str:
    if n < 1024 ** 2:
        return f"{n:,} bytes"
    return f"{n / 1024 ** 3:.3g} GB" if n >= 1024 ** 3 else f"{n / 1024 ** 2:.3g} MB"


# --- the child: runs as `python -P journal/pdf.py`, reads a JSON request on stdin -----------

def _child_main() -> int:
    request = json.loads(sys.stdin.buffer.read(_RESULT_LIMIT))
    _lower_limits(request)
    answer = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # a stray print can never corrupt the answer
    messages = _capture_logging()
    ballast = bytearray(4 * 1024 * 1024)  # given back on MemoryError, to write the answer
    result: dict[str, Any]
    try:
        task = {"inspect": _inspect, "reviewer_copy": _reviewer_copy}[request["task"]]
        result = {"ok": True, "value": task(request)}
    except PdfRejected as exc:
        result = {"ok": False, "reason": exc.template, "values": exc.values, "detail": repr(exc.__cause__)[:1000]}
    except MemoryError:
        refused = _refused_too_much_memory(request["memory_limit"])
        result = {"ok": False, "reason": refused.template, "values": refused.values}
    except Exception as exc:  # a bug or a pypdf surprise: still a clean refusal
        result = {"ok": False, "reason": DAMAGED, "detail": repr(exc)[:1000]}
    del ballast
    result["log"] = messages[:20]
    json.dump(result, answer)
    answer.close()
    return 0


def _lower_limits(request: dict) -> None:
    seconds = math.ceil(request["time_limit"])
    _lower(resource.RLIMIT_CORE, 0)
    _lower(resource.RLIMIT_AS, request["memory_limit"])
    _lower(resource.RLIMIT_CPU, seconds + 1, seconds + 2)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an oversized write fails with EFBIG instead
    _lower(resource.RLIMIT_FSIZE, request["file_size_limit"])
    signal.alarm(seconds + 5)  # also ends a child whose parent has gone


def _lower(which: int, soft: int, hard: int | None = None) -> None:
    _soft, current = resource.getrlimit(which)
    hard = soft if hard is None else hard
    if current != resource.RLIM_INFINITY:
        soft, hard = min(soft, current), min(hard, current)
    resource.setrlimit(which, (soft, hard))


def _capture_logging() -> list[str]:
    messages: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if len(messages) < 20:
                messages.append(record.getMessage()[:300])

    logging.captureWarnings(True)
    logging.basicConfig(handlers=[Keep()], level=logging.WARNING, force=True)
    return messages


@contextmanager
def _reading():
    """pypdf's errors as refusals; MemoryError passes, to be reported with the limit."""
    from pypdf.errors import LimitReachedError

    try:
        yield
    except (PdfRejected, MemoryError):
        raise
    except (LimitReachedError, RecursionError) as exc:
        raise PdfRejected(TOO_COMPLEX) from exc
    except OSError as exc:
        raise PdfRejected(TOO_LARGE_OUTPUT if exc.errno == errno.EFBIG else DAMAGED) from exc
    except Exception as exc:
        raise PdfRejected(DAMAGED) from exc


def _open_reader(request: dict):
    from pypdf import PdfReader

    reader = PdfReader(os.fdopen(request["source_fd"], "rb"), strict=False)
    if reader.is_encrypted:
        raise PdfRejected(ENCRYPTED)
    count = len(reader.pages)
    if count == 0:
        raise PdfRejected(NO_PAGES)
    if count > request["max_pages"]:
        raise PdfRejected(N_("This PDF has %(count)s pages; at most %(limit)s are accepted."),
                          {"count": count, "limit": request["max_pages"]})
    return reader


def _inspect(request: dict) -> dict:
    from pypdf.errors import LimitReachedError

    with _reading():
        reader = _open_reader(request)
        root = reader.trailer["/Root"]
        info = _resolved(reader.trailer.get("/Info"))
        properties = {str(k).lstrip("/"): _text(v) for k, v in info.items()} if isinstance(info, dict) else {}
        xmp = _resolved(root.get("/Metadata"))
        has_xmp = hasattr(xmp, "get_data")
        search = _NameSearch(request["names"])
        search.look(DOCUMENT_PROPERTIES, "\n".join([*properties.values(), _xmp_text(xmp) if has_xmp else ""]))
        risky = _risky_features(root)
    text_empty, warnings = True, []
    with _reading():
        for number, page in enumerate(reader.pages, start=1):
            try:
                text = page.extract_text()
            except (MemoryError, LimitReachedError, RecursionError):
                raise  # a bomb, not an odd font: refused by _reading
            except Exception:
                text = ""
                warnings.append(N_("The text of page %(number)s could not be read, so it was not checked for "
                                   "names.") % {"number": number})
            text_empty = text_empty and not text.strip()
            search.look(f"page {number}", text)
            search.look(f"page {number} (comment or link)", _annotation_text(page))
    return {
        "page_count": len(reader.pages),
        "metadata": {k[:100]: v[:2000] for k, v in list(properties.items())[:100]},
        "has_xmp": has_xmp, "risky_features": risky, "found": search.found(),
        "text_empty": text_empty, "warnings": warnings,
    }


def _text(value: Any) -> str:
    value = value.get_object() if hasattr(value, "get_object") else value
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return str(value)


def _xmp_text(stream: Any) -> str:
    data = stream.get_data()
    encoding = "utf-16" if data[:2] in (b"\xfe\xff", b"\xff\xfe") else "utf-8"
    return html.unescape(re.sub(r"<[^>]*>", " ", data.decode(encoding, errors="replace")))


def _annotation_text(page: Any) -> str:
    parts = []
    for annotation in _array(page.get("/Annots")):
        annotation = annotation.get_object()
        if not isinstance(annotation, dict):
            continue
        for key in ("/T", "/Contents", "/RC"):
            if key in annotation:
                parts.append(re.sub(r"<[^>]*>", " ", _text(annotation[key])))
        action = _resolved(annotation.get("/A"))
        if isinstance(action, dict) and "/URI" in action:
            parts.append(_text(action["/URI"]))
    return "\n".join(parts)


def _resolved(value: Any) -> Any:
    return value.get_object() if value is not None else None


def _array(value: Any) -> list:
    value = _resolved(value)
    return list(value) if isinstance(value, list) else []


class _NameSearch:
    """Case-, accent- and whitespace-insensitive whole-word search, also across line breaks."""

    def __init__(self, terms: list[str]):
        self.patterns: dict[str, re.Pattern] = {}
        normalised = set()
        for term in terms:
            words = _normalise(term)
            if not words or words in normalised:
                continue
            normalised.add(words)
            body = r"\s?".join(re.escape(word) for word in words.split(" "))
            before = r"(?<!\w)" if re.match(r"\w", words[0]) else ""
            after = r"(?!\w)" if re.match(r"\w", words[-1]) else ""
            self.patterns[term] = re.compile(before + body + after)
        self.hits: dict[str, list[str]] = {term: [] for term in self.patterns}

    def look(self, where: str, text: str) -> None:
        if not text or not self.patterns:
            return
        text = _normalise(text)
        unhyphenated = re.sub(r"(?<=\w)- (?=\w)", "", text)  # "Love-⏎lace"
        for term, pattern in self.patterns.items():
            if pattern.search(text) or pattern.search(unhyphenated):
                self.hits[term].append(where)

    def found(self) -> list[tuple[str, str]]:
        return [(term, where) for term, places in self.hits.items() for where in places]


def names_in_lines(lines: Iterable[str], terms: Iterable[str], *, first_line: int = 1,
                   limit: int = 5) -> list[tuple[str, str]]:
    """The same search over plain text (a reviewer's .txt or .csv attachment): (term, "line 12") for the first
    `limit` lines naming each term."""
    search = _NameSearch(list(terms))
    for number, line in enumerate(lines, start=first_line):
        search.look(f"line {number}", line)
    return [(term, where) for term, places in search.hits.items() for where in places[:limit]]


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c) and c not in "\u00ad\u200b\u200c\u200d\ufeff")
    return re.sub(r"\s+", " ", text.casefold()).strip()


def _risky_features(root: Any) -> list[str]:
    found = set()
    names = _resolved(root.get("/Names"))
    if isinstance(names, dict):
        found |= {JAVASCRIPT} if "/JavaScript" in names else set()
        found |= {EMBEDDED_FILES} if "/EmbeddedFiles" in names else set()
    open_action = _resolved(root.get("/OpenAction"))
    if isinstance(open_action, dict) and open_action.get("/S") != "/GoTo":  # not a plain "open at page"
        found.add(OPEN_ACTION)
    form = _resolved(root.get("/AcroForm"))
    if isinstance(form, dict) and "/XFA" in form:
        found.add(XFA)
    for obj in _walk(root):
        kind = obj.get("/S")
        if kind == "/JavaScript" or "/JS" in obj:
            found.add(JAVASCRIPT)
        if kind == "/Launch":
            found.add(LAUNCH)
        if obj.get("/Type") == "/EmbeddedFile" or "/EF" in obj or obj.get("/Subtype") == "/FileAttachment":
            found.add(EMBEDDED_FILES)
    return [feature for feature in _RISKY_ORDER if feature in found]


def _walk(root: Any):
    """Every dictionary (streams too) reachable from root, each indirect object once. A caller
    may delete keys of the dictionary it is given: what they pointed to is not visited."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    seen: set[tuple[int, int]] = set()
    stack = [root]
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            if (obj.idnum, obj.generation) in seen:
                continue
            seen.add((obj.idnum, obj.generation))
            obj = obj.get_object()
        if isinstance(obj, DictionaryObject):
            yield obj
            stack.extend(obj.values())
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)


# Dropped wherever they appear: metadata, private application data, automatic actions,
# scripts, embedded file contents, prepress links to the author's disk, thumbnails.
_DROPPED_KEYS = ["/Metadata", "/PieceInfo", "/AA", "/JS", "/EF", "/OPI", "/LastModified", "/Thumb"]
_ANNOTATION_IDENTITY = ["/T", "/TU", "/TM", "/NM", "/M", "/CreationDate"]
_DROPPED_ANNOTATIONS = {"/FileAttachment", "/Sound", "/Movie", "/Screen", "/RichMedia", "/3D"}
_HARMLESS_ACTIONS = {"/GoTo", "/URI", "/Named"}
_KEPT_JPEG_SEGMENTS = {0xE0, 0xE2, 0xEE}  # JFIF, ICC profile, Adobe colour transform


def _reviewer_copy(request: dict) -> dict:
    from pypdf import PdfReader, PdfWriter

    with _reading():
        reader = _open_reader(request)
        writer = PdfWriter()
        for page in reader.pages:  # pages only: the new catalog has no names, forms, outlines
            writer.add_page(page, excluded_keys=_DROPPED_KEYS)
        writer.metadata = None  # no information dictionary at all, not even /Producer
        _scrub(writer)
        _keep_only_reachable(writer)
        with os.fdopen(request["output_fd"], "w+b") as output:
            writer.write(output)
            output.seek(0)
            if len(PdfReader(output).pages) != len(reader.pages):
                raise RuntimeError("the reviewers' copy does not read back")
    return {"page_count": len(reader.pages)}


def _scrub(writer: Any) -> None:
    from pypdf.generic import ArrayObject, NameObject, StreamObject

    for page in writer.pages:
        page.pop("/B", None)  # article beads lead to threads with their own /Author
        if "/Annots" in page:
            kept = [ref for ref in _array(page.raw_get("/Annots")) if isinstance(ref.get_object(), dict)
                    and ref.get_object().get("/Subtype") not in _DROPPED_ANNOTATIONS]
            page[NameObject("/Annots")] = ArrayObject(kept)
    for obj in _walk(writer.root_object):
        for key in _DROPPED_KEYS:
            obj.pop(key, None)
        if obj.get("/Type") == "/Annot" or ("/Subtype" in obj and "/Rect" in obj):
            for key in _ANNOTATION_IDENTITY:
                obj.pop(key, None)
            if obj.get("/Subtype") == "/Widget":
                obj.pop("/Parent", None)  # the form fields, with their names, are not copied
        for key in ("/A", "/Next"):
            if key in obj and not _harmless(obj[key]):
                del obj[key]
        if isinstance(obj, StreamObject) and obj.get("/Subtype") == "/Image" and _filters(obj) == ["/DCTDecode"]:
            obj._data = _strip_jpeg(obj._data)  # pypdf cannot re-encode DCT; the bytes are ours
            obj.decoded_self = None


def _harmless(action: Any) -> bool:
    if isinstance(action, list):
        return all(_harmless(item.get_object()) for item in action)
    return isinstance(action, dict) and action.get("/S") in _HARMLESS_ACTIONS


def _filters(stream: Any) -> list[str]:
    filters = _resolved(stream.get("/Filter"))
    if filters is None:
        return []
    return [str(f.get_object()) for f in filters] if isinstance(filters, list) else [str(filters)]


def _strip_jpeg(data: bytes) -> bytes:
    """The JPEG without Exif, XMP, IPTC, comments and other application segments (camera owner,
    GPS, software user names); unchanged when its structure is not understood."""
    if data[:2] != b"\xff\xd8":
        return data
    out, at = bytearray(b"\xff\xd8"), 2
    while at + 4 <= len(data) and data[at] == 0xFF:
        marker = data[at + 1]
        if marker == 0xDA:  # start of scan: the image data follows
            return bytes(out + data[at:])
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        length = int.from_bytes(data[at + 2:at + 4], "big")
        if length < 2 or at + 2 + length > len(data):
            return data
        if not (0xE0 <= marker <= 0xEF or marker == 0xFE) or marker in _KEPT_JPEG_SEGMENTS:
            out += data[at:at + 2 + length]
        at += 2 + length
    return data


def _keep_only_reachable(writer: Any) -> None:
    """Forget every object the catalog no longer reaches, so no deleted value is written.
    (pypdf's compress_identical_objects(remove_unreferenced=True) keeps an orphan that another
    orphan still references.)"""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    objects = writer._objects
    reachable: set[int] = set()
    stack: list[Any] = [writer.root_object.indirect_reference]
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            if obj.pdf is not writer or obj.idnum in reachable:
                continue
            reachable.add(obj.idnum)
            obj = objects[obj.idnum - 1]
        if isinstance(obj, DictionaryObject):
            stack.extend(obj.values())
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)
    for index in range(len(objects)):
        if index + 1 not in reachable:
            objects[index] = None


if __name__ == "__main__":
    sys.exit(_child_main())
