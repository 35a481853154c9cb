"""A manuscript sent as LaTeX source: the archive is checked (journal/latex/archive.py) and stored at upload, then
compiled on the job queue (`compile_latex`, never inside the request) in the sandbox of journal/latex/. The PDF it
makes becomes the round's manuscript through `upload_manuscript`, so it passes the same PDF check and anonymity
check as an uploaded PDF; for anonymizing journals the source itself is searched for the authors too. A failed
compilation keeps the archive (and the log, under its own key) for the author to read; nothing else changes.

Reviewers only ever receive the anonymized PDF: the archive is a file of kind LATEX_SOURCE, which no reviewer's
route serves."""

import io
import logging
import tempfile
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from flask_babel import gettext as _

from journal.audit import audit
from journal.extensions import db
from journal.latex import archive
from journal.latex.anonymity import source_findings
from journal.latex.compile import compile_source
from journal.latex.sandbox import Limits
from journal.models import CompileStatus, FileKind, LatexCompile, Submission, SubmissionFile, User, utcnow
from journal.services.errors import DomainError, NotFound
from journal.services.files import StagedObjects
from journal.services.manuscripts import names_to_find, upload_manuscript
from journal.services.submissions import ANONYMIZING_MODES, require_author, upload_round
from journal.services.uploads import file_limit, spool
from journal.storage import StorageError, get_storage, new_key

log = logging.getLogger(__name__)
C = CompileStatus
ARCHIVE_SUFFIXES = (".zip", ".tar.gz", ".tgz")
def N_(message: str) -> str:
    """Marks an English message for the catalogs; it is stored as such and translated when shown."""
    return message


NO_PDF = N_("The compilation stopped without a PDF; the log says why.")
COULD_NOT_RUN = N_("The compilation could not run on our side. Please upload the archive again later.")
LOG_PREFIX = "latex-logs"  # outside submissions/: the log is the compile's, not a file of the paper


def is_archive(head: bytes, filename: str) -> bool:
    """A zip or gzip file, or a name that says so: sent to the LaTeX path rather than the PDF check."""
    return head[:2] in (b"PK", b"\x1f\x8b") or (filename or "").lower().endswith(ARCHIVE_SUFFIXES)


def limits() -> Limits:
    config = current_app.config
    return Limits(cpu_seconds=config["LATEX_CPU_SECONDS"], memory_bytes=config["LATEX_MEMORY_MB"] * 2**20,
                  output_bytes=config["LATEX_OUTPUT_MB"] * 2**20, wall_seconds=config["LATEX_WALL_SECONDS"])


def _unpack(stream: BinaryIO, filename: str, dest: Path) -> archive.Unpacked:
    config = current_app.config
    try:
        return archive.unpack(stream, filename, dest, max_files=config["LATEX_MAX_FILES"],
                              max_bytes=config["LATEX_MAX_MB"] * 2**20)
    except archive.ArchiveRefused as exc:
        raise DomainError(exc.message, "manuscript") from None


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
            unpacked = _unpack(spooled, name, Path(tmp) / "source")
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
            replaced_keys = _drop_earlier_sources(submission, round_number, keep=row)
            audit(actor, "latex.uploaded", submission, kind=FileKind.LATEX_SOURCE.value, name=name,
                  round=round_number, files=len(unpacked.files), mains=len(unpacked.mains), compile=row.id)
            db.session.commit()
    _delete_objects(replaced_keys)
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
    from journal.jobs import jobs

    jobs().send("compile_latex", compile_id=row.id)


def sources_to_drop(submission: Submission, round_number: int) -> tuple[list[LatexCompile], list[SubmissionFile]]:
    rows = [r for r in db.session.scalars(db.select(LatexCompile).where(
        LatexCompile.submission_id == submission.id, LatexCompile.round == round_number))]
    files = [f for f in submission.files if f.kind is FileKind.LATEX_SOURCE and f.round == round_number]
    return rows, files


def _drop_earlier_sources(submission: Submission, round_number: int, keep: LatexCompile | None = None) -> list[str]:
    """The archives of the round other than `keep`, their compilations and logs: returns the keys to delete."""
    rows, files = sources_to_drop(submission, round_number)
    keys = []
    for row in rows:
        if row is keep:
            continue
        if row.log_key:
            keys.append(row.log_key)
        db.session.delete(row)
    db.session.flush()
    for file in files:
        if keep is not None and file is keep.source_file:
            continue
        keys.append(file.storage_key)
        submission.files.remove(file)
        db.session.delete(file)
    db.session.flush()
    return keys


def drop_sources(submission: Submission, round_number: int) -> list[str]:
    """A PDF uploaded instead: the round's archives no longer describe its manuscript (called inside the upload's
    transaction; returns the storage keys to delete after the commit)."""
    return _drop_earlier_sources(submission, round_number)


def _delete_objects(keys: list[str]) -> None:
    for key in keys:
        try:
            get_storage().delete(key)
        except StorageError:  # the row is gone; check-storage lists the orphan
            log.exception("could not delete %s after its LaTeX source was replaced", key)


# --- the job ------------------------------------------------------------------------------------------------------

def run_compile(compile_id: int) -> None:
    """The `compile_latex` job: compile the archive in the sandbox, keep the log, and make the PDF the manuscript.

    Idempotent: a compilation that finished, or whose archive was replaced meanwhile, is left alone."""
    row = db.session.get(LatexCompile, compile_id)
    if row is None or row.status not in (C.QUEUED, C.RUNNING):
        return
    submission = row.submission
    row.status, row.started_at = C.RUNNING, utcnow()
    audit(None, "latex.compile_started", submission, compile=row.id, main=row.main, round=row.round)
    db.session.commit()
    source, main = row.source_file, row.main
    anonymizing = submission.journal.review_mode in ANONYMIZING_MODES
    with tempfile.TemporaryDirectory(prefix="latex-compile-") as tmp:
        with get_storage().open(source.storage_key) as stream:
            try:
                unpacked = _unpack(stream, source.original_name, Path(tmp) / "source")
            except DomainError as error:  # the limits were lowered since the upload
                return _finish(compile_id, None, [{"file": "", "line": None, "message": error.message}], 0.0, "")
        try:
            result = compile_source(unpacked.root, main, limits())
            findings = ([{"file": f.file, "line": f.line, "what": f.what}
                         for f in source_findings(unpacked.root, names_to_find(submission))] if anonymizing else [])
        except Exception:  # the engine itself failed (not the author's source): say so rather than spin forever
            log.exception("compile %s of submission %s could not run", compile_id, submission.id)
            return _finish(compile_id, None, [{"file": "", "line": None, "message": COULD_NOT_RUN,
                                               "template": COULD_NOT_RUN}], 0.0, "")
    errors = [_error_data(e) for e in result.errors]
    if not result.ok and not errors:
        errors = [{"file": main, "line": None, "message": result.refused or NO_PDF,
                   "template": None if result.refused else NO_PDF}]
    log_key = new_key(f"{LOG_PREFIX}/{submission.id}")
    get_storage().put(log_key, io.BytesIO((result.log or "").encode("utf-8", "replace")), media_type="text/plain")
    _finish(compile_id, result.pdf if result.ok else None, errors, result.seconds, log_key, findings)


def _error_data(error) -> dict:
    data = {"file": error.file, "line": error.line, "message": str(error.message)}
    if getattr(error, "template", None):  # the engine's message as marked for the catalogs, with its values
        data |= {"template": error.template, "values": dict(getattr(error, "values", None) or {})}
    return data


def _finish(compile_id: int, pdf: bytes | None, errors: list[dict], seconds: float, log_key: str,
            findings: list | None = None) -> None:
    db.session.expire_all()
    row = db.session.get(LatexCompile, compile_id)
    if row is None:  # replaced while it compiled
        if log_key:
            _delete_objects([log_key])
        return
    submission = row.submission
    manuscript = None
    if pdf is not None:
        author = row.requested_by
        try:
            if author is None:
                raise DomainError(_("The author who sent the archive no longer has an account."))
            name = Path(row.main).with_suffix(".pdf").name
            manuscript = upload_manuscript(author, submission, io.BytesIO(pdf), name, latex_compile_id=row.id)
        except DomainError as error:  # the PDF check refused it (too many pages…), or the paper moved on
            errors = [{"file": row.main, "line": None, "message": error.message}]
        db.session.expire_all()
        row = db.session.get(LatexCompile, compile_id)
        if row is None:
            return
    row.errors, row.findings, row.seconds = errors if manuscript is None else [], findings or [], seconds
    row.log_key, row.finished_at = log_key or None, utcnow()
    if manuscript is not None:
        row.status, row.pdf_file_id = C.SUCCEEDED, manuscript.id
        audit(None, "latex.compile_finished", row.submission, compile=row.id, seconds=round(seconds, 2),
              pages=manuscript.page_count, file_id=manuscript.id)
    else:
        row.status = C.FAILED
        audit(None, "latex.compile_failed", row.submission, compile=row.id, seconds=round(seconds, 2),
              errors=len(row.errors))
    db.session.commit()


def read_log(row: LatexCompile) -> str:
    if not row.log_key:
        return ""
    with get_storage().open(row.log_key) as stream:
        return stream.read().decode("utf-8", "replace")

