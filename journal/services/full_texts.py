"""The HTML full text of an article, made in production (issue 17).

The managing editor uploads the article's LaTeX source archive (.zip, .tar.gz) or a JATS XML (alone, or in a .zip
with its figures); `request_full_text` keeps it in storage, records a queued `FullText` and sends the
`make_full_text` job (sent by the view: the jobs module imports the services); the job (`make`, never inside a request) unpacks the archive, runs LaTeXML in the sandbox
or reads the JATS (journal/latex/html.py), stores the sanitised HTML and the figures, and gives the article's
version in production the new full text. A changed full text after the proofs went out sends the article back to
production, as a new galley does. Every step writes an audit event; a failure keeps its reason and the log.
"""

from __future__ import annotations

import io
import logging
import tempfile
import time
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from journal.audit import audit
from journal.extensions import db
from journal.latex import archive as archives
from journal.latex.html import FIGURE_TYPES, FullTextFailed, jats_html, latexml_html
from journal.latex.sandbox import Limits
from journal.models import (Article, CompileStatus, FullText, FullTextFigure, FullTextSource, FullTextStatus, LatexCompile,
                            User, utcnow)
from journal.services.errors import DomainError
from journal.services.files import StagedObjects
from journal.services.production import back_to_production, require_in_production, require_producer
from journal.storage import get_storage

log = logging.getLogger(__name__)
ARCHIVE_SUFFIXES = (".zip", ".tar.gz", ".tgz")
# LaTeXML on a journal article: a minute or two of CPU; Perl wants more memory than TeX.
LATEXML_LIMITS = Limits(cpu_seconds=180, memory_bytes=3 * 2**30, output_bytes=100 * 2**20, wall_seconds=240)
MAX_UNPACKED_BYTES = 200 * 2**20

FAILURES = {
    "no main": _l("The archive holds no main .tex file (one with \\documentclass and \\begin{document})."),
    "several mains": _l("The archive holds several main .tex files: name the one to use."),
    "refused": _l("The archive was refused: %(reason)s"),
    "not xml": _l("The file is not well-formed XML."),
    "no body": _l("This JATS XML has no body: there is no full text in it."),
    "no output": _l("LaTeXML made no text from the source: see its log."),
    "too large": _l("The HTML made from the source is too large for one page."),
    "limit": _l("The conversion was stopped at its limit of time or memory."),
}


def failure_text(full_text: FullText) -> str:
    """The reason a run failed, in the reader's language."""
    code, _sep, detail = full_text.error.partition(": ")
    message = FAILURES.get(code) or FAILURES.get(full_text.error) or FAILURES["no output"]
    return str(message) % {"reason": detail} if "%(reason)s" in str(message) else str(message)


def latest(article: Article) -> FullText | None:
    """The last run asked for this article, whatever its state."""
    return db.session.scalar(select(FullText).where(FullText.article_id == article.id)
                             .order_by(FullText.id.desc()).limit(1))


def get(article: Article, full_text_id: int) -> FullText | None:
    full_text = db.session.get(FullText, full_text_id)
    return full_text if full_text is not None and full_text.article_id == article.id else None


def figure(full_text_id: int, name: str) -> FullTextFigure | None:
    return db.session.scalar(select(FullTextFigure).where(FullTextFigure.full_text_id == full_text_id,
                                                          FullTextFigure.name == name))


def source_kind(filename: str) -> FullTextSource:
    name = (filename or "").lower()
    if name.endswith(".xml"):
        return FullTextSource.JATS
    if name.endswith(ARCHIVE_SUFFIXES):
        return FullTextSource.LATEX
    raise DomainError(_("Upload the LaTeX source as a .zip or .tar.gz archive, or a JATS .xml file."), "source")


def request_full_text(actor: User, article: Article, stream: BinaryIO, filename: str, main: str = "") -> FullText:
    """Keep the uploaded source and record the run; the caller then sends the `make_full_text` job with its id
    (journal/jobs.py runs `make`; the jobs import the services, never the other way round)."""
    require_producer(actor, article)
    require_in_production(article)
    kind = source_kind(filename)
    main = (main or "").strip().lstrip("/")
    if ".." in main.split("/"):
        raise DomainError(_("Name the main file by its path inside the archive."), "main")
    with StagedObjects() as staged:
        stored = staged.put(f"full-texts/{article.id}", stream,
                            media_type="application/xml" if kind is FullTextSource.JATS else "application/octet-stream")
        full_text = FullText(article=article, source=kind, source_key=stored.key, source_name=(filename or "")[:255],
                             main=main[:255], requested_by=actor, html="", toc=[], error="", log="")
        db.session.add(full_text)
        db.session.flush()
        audit(actor, "article.full_text_requested", article, full_text_id=full_text.id, source=kind.value,
              name=full_text.source_name)
        db.session.commit()
    return full_text


def authors_source(article: Article) -> LatexCompile | None:
    """The LaTeX source the authors sent for the accepted version, where it compiled into that version's manuscript
    (a PDF uploaded instead drops the round's sources, so a compiled source of the last round is the paper's)."""
    submission = article.submission
    return db.session.scalar(select(LatexCompile).where(
        LatexCompile.submission_id == submission.id, LatexCompile.round == submission.current_round,
        LatexCompile.status == CompileStatus.SUCCEEDED).order_by(LatexCompile.id.desc()).limit(1))


def request_from_authors_source(actor: User, article: Article) -> FullText:
    """The same as uploading the authors' LaTeX archive again: a copy of it is kept with the article (the run owns its
    source; the submission's file stays the authors'), with the main file their compile used."""
    require_producer(actor, article)
    compiled = authors_source(article)
    if compiled is None:
        raise DomainError(_("The authors sent no LaTeX source that made the accepted version's PDF: upload the "
                            "source here."), "source")
    source = compiled.source_file
    with get_storage().open(source.storage_key) as stream:
        return request_full_text(actor, article, stream, source.original_name, compiled.main)


# --- the job --------------------------------------------------------------------------------------------------------

def make(full_text_id: int) -> None:
    """Make the HTML of one run (the `make_full_text` job). Idempotent: a finished run is left as it is, and a run
    interrupted mid-way (its worker died) is made again from its stored source."""
    full_text = db.session.get(FullText, full_text_id)
    if full_text is None or full_text.finished:
        return
    full_text.status = FullTextStatus.RUNNING
    full_text.started_at = utcnow()
    db.session.commit()
    started = time.monotonic()
    with get_storage().open(full_text.source_key) as stream:  # storage down: the job is retried
        data = stream.read()
    try:
        result = _convert(full_text, data)
    except FullTextFailed as failed:
        _fail(full_text, failed.message, failed.log, time.monotonic() - started)
        return
    except archives.ArchiveRefused as refused:
        _fail(full_text, f"refused: {refused.message}", "", time.monotonic() - started)
        return
    _succeed(full_text, result, time.monotonic() - started)


def _convert(full_text: FullText, data: bytes):
    if full_text.source is FullTextSource.JATS:
        return jats_html(data)
    with tempfile.TemporaryDirectory(prefix="full-text-") as scratch:
        root = Path(scratch) / "source"
        unpacked = archives.unpack(io.BytesIO(data), full_text.source_name or "source.zip", root,
                                   max_bytes=MAX_UNPACKED_BYTES, latex=False)
        mains = [full_text.main] if full_text.main else unpacked.mains
        if full_text.main and full_text.main not in unpacked.files:
            raise FullTextFailed("no main", "")
        if not mains:
            xml = [name for name in unpacked.files if name.lower().endswith(".xml")]
            if len(xml) == 1:  # a JATS XML with its figures
                full_text.source = FullTextSource.JATS
                figures = {Path(name).name: (root / name).read_bytes() for name in unpacked.files
                           if Path(name).suffix.lower() in FIGURE_TYPES}
                return jats_html((root / xml[0]).read_bytes(), figures)
            raise FullTextFailed("no main", "")
        if len(mains) > 1:
            raise FullTextFailed("several mains", "")
        full_text.main = mains[0]
        return latexml_html(root, mains[0], current_app.config.get("LATEXML_LIMITS") or LATEXML_LIMITS)


def _fail(full_text: FullText, code: str, text: str, seconds: float) -> None:
    code = "limit" if code.startswith("limit") else code
    full_text.status = FullTextStatus.FAILED
    full_text.error = code[:200]
    full_text.log = text[-100_000:]
    full_text.seconds = round(seconds, 2)
    full_text.finished_at = utcnow()
    audit(None, "article.full_text_failed", full_text.article, full_text_id=full_text.id, reason=code[:200])
    db.session.commit()


def _succeed(full_text: FullText, result, seconds: float) -> None:
    article = full_text.article
    with StagedObjects() as staged:
        for name, data in sorted(result.figures.items()):
            media_type = FIGURE_TYPES[Path(name).suffix.lower()]
            stored = staged.put(f"full-texts/{article.id}", io.BytesIO(data), media_type=media_type)
            full_text.figures.append(FullTextFigure(name=name, storage_key=stored.key, media_type=media_type,
                                                    size=stored.size, sha256=stored.sha256))
        full_text.html = result.html
        full_text.toc = [list(entry) for entry in result.toc]
        full_text.log = result.log[-100_000:]
        full_text.status = FullTextStatus.SUCCEEDED
        full_text.seconds = round(seconds, 2)
        full_text.finished_at = utcnow()
        newer = db.session.scalar(select(FullText.id).where(FullText.article_id == article.id,
                                                            FullText.id > full_text.id,
                                                            FullText.status == FullTextStatus.SUCCEEDED).limit(1))
        version = article.current_version
        attached = not article.is_public and version is not None and newer is None
        if attached:
            version.full_text = full_text
            back_to_production(None, article, "new full text")
        audit(None, "article.full_text_made", article, full_text_id=full_text.id, figures=len(result.figures),
              sections=len(result.toc), seconds=full_text.seconds, attached=attached)
        db.session.commit()
