"""A manuscript sent as LaTeX source: the archive is checked (journal/latex/archive.py) and stored at upload, then
compiled on the job queue (`compile_latex`, never inside the request) in the sandbox of journal/latex/. The PDF it
makes becomes the round's manuscript through `upload_manuscript`, so it passes the same PDF check and anonymity
check as an uploaded PDF; for anonymizing journals the source itself is searched for the authors too. A failed
compilation keeps the archive (and the log, under its own key) for the author to read; nothing else changes.

Reviewers only ever receive the anonymized PDF: the archive is a file of kind LATEX_SOURCE, which no reviewer's
route serves."""

import tempfile
from pathlib import Path
from typing import BinaryIO

from flask_babel import gettext as _

from journal.audit import audit
from journal.extensions import db
from journal.jobs import jobs
from journal.models import CompileStatus, FileKind, LatexCompile, Submission, SubmissionFile, User
from journal.services.errors import DomainError, NotFound
from journal.services.files import StagedObjects
from journal.services.latex_compile import delete_objects, unpack_source
from journal.services.manuscripts import drop_latex_sources
from journal.services.submissions import require_author, upload_round
from journal.services.uploads import file_limit, spool
from journal.storage import get_storage

C = CompileStatus
ARCHIVE_SUFFIXES = (".zip", ".tar.gz", ".tgz")


def is_archive(head: bytes, filename: str) -> bool:
    """A zip or gzip file, or a name that says so: sent to the LaTeX path rather than the PDF check."""
    return head[:2] in (b"PK", b"\x1f\x8b") or (filename or "").lower().endswith(ARCHIVE_SUFFIXES)


def latest_compile(submission: Submission, round_number: int | None = None) -> LatexCompile | None:
    """The last archive sent for a round (the one being prepared by default)."""
    round_number = upload_round(submission) if round_number is None else round_number
    return db.session.scalars(db.select(LatexCompile).where(LatexCompile.submission_id == submission.id,
                                                            LatexCompile.round == round_number)
                              .order_by(LatexCompile.id.desc())).first()


def compiles_of(submission: Submission) -> list[LatexCompile]:
    """Every round's compilation, the latest round first: what editors and production list with the files."""
    return list(db.session.scalars(db.select(LatexCompile).where(LatexCompile.submission_id == submission.id)
                                   .order_by(LatexCompile.round.desc(), LatexCompile.id.desc())))


def compile_of(submission: Submission, compile_id: int) -> LatexCompile:
    row = db.session.get(LatexCompile, compile_id)
    if row is None or row.submission_id != submission.id:
        raise NotFound()
    return row


def upload_source(actor: User, submission: Submission, stream: BinaryIO, original_name: str) -> LatexCompile:
    """Check and store a LaTeX source archive, then queue its compilation.

    An unsafe or unreasonable archive is refused with its reason and changes nothing. With several main files the
    author chooses one first. An archive sent before in the same round is replaced (nobody but the authors saw it);
    the manuscript PDF stays until the new archive compiles."""
    require_author(actor, submission)
    round_number = upload_round(submission)
    name = (original_name or "source.zip")[:255]
    with spool(stream, file_limit()) as spooled:
        with tempfile.TemporaryDirectory(prefix="latex-upload-") as tmp:
            unpacked = unpack_source(spooled, name, Path(tmp) / "source")
        if not unpacked.mains:
            raise DomainError(_("No main LaTeX file was found in the archive: none of its .tex files has both "
                                "\\documentclass and \\begin{document}."), "manuscript")
        media_type = "application/zip" if name.lower().endswith(".zip") else "application/gzip"
        with StagedObjects() as staged:
            spooled.seek(0)
            stored = staged.put(f"submissions/{submission.id}", spooled, media_type=media_type)
            source = SubmissionFile(submission=submission, round=round_number, kind=FileKind.LATEX_SOURCE,
                                    storage_key=stored.key, original_name=name, size=stored.size,
                                    sha256=stored.sha256, media_type=media_type, uploaded_by=actor)
            db.session.add(source)
            one = len(unpacked.mains) == 1
            row = LatexCompile(submission=submission, round=round_number, source_file=source,
                               mains=unpacked.mains, main=unpacked.mains[0] if one else "",
                               status=C.QUEUED if one else C.CHOOSING, requested_by=actor)
            db.session.add(row)
            db.session.flush()
            replaced_keys = drop_latex_sources(submission, round_number, keep=row)
            audit(actor, "latex.uploaded", submission, kind=FileKind.LATEX_SOURCE.value, name=name,
                  round=round_number, files=len(unpacked.files), mains=len(unpacked.mains), compile=row.id)
            db.session.commit()
    delete_objects(replaced_keys)
    if row.status is C.QUEUED:
        _send(row)
    return row


def choose_main(actor: User, submission: Submission, compile_id: int, main: str) -> LatexCompile:
    """The author's choice among the archive's main files; then the compilation is queued."""
    require_author(actor, submission)
    row = compile_of(submission, compile_id)
    if row.round != upload_round(submission) or row.status is not C.CHOOSING:
        raise DomainError(_("This archive's main file can no longer be chosen."))
    if main not in row.mains:
        raise DomainError(_("Choose one of the main files found in the archive."), "main")
    row.main, row.status = main, C.QUEUED
    audit(actor, "latex.main_chosen", submission, compile=row.id, main=main)
    db.session.commit()
    _send(row)
    return row


def _send(row: LatexCompile) -> None:
    jobs().send("compile_latex", compile_id=row.id)


def read_log(row: LatexCompile) -> str:
    if not row.log_key:
        return ""
    with get_storage().open(row.log_key) as stream:
        return stream.read().decode("utf-8", "replace")

