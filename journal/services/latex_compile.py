"""The `compile_latex` job (journal/jobs.py): an author's LaTeX source archive compiled in the sandbox of
journal/latex/, the log kept under its own key, and the PDF made the round's manuscript through `upload_manuscript`,
so that it passes the same PDF and anonymity checks as an uploaded PDF. The upload side is journal/services/latex.py
(kept apart: it queues this job, and the job queue imports this module)."""

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
from journal.models import CompileStatus, LatexCompile, utcnow
from journal.services.errors import DomainError
from journal.services.manuscripts import names_to_find, upload_manuscript
from journal.services.submissions import ANONYMIZING_MODES
from journal.storage import StorageError, get_storage, new_key

log = logging.getLogger(__name__)
C = CompileStatus


def N_(message: str) -> str:
    """Marks an English message for the catalogs; it is stored as such and translated when shown."""
    return message


NO_PDF = N_("The compilation stopped without a PDF; the log says why.")
COULD_NOT_RUN = N_("The compilation could not run on our side. Please upload the archive again later.")
LOG_PREFIX = "latex-logs"  # outside submissions/: the log is the compile's, not a file of the paper


def limits() -> Limits:
    return Limits.from_config(current_app.config)


def unpack_source(stream: BinaryIO, filename: str, dest: Path) -> archive.Unpacked:
    """The archive unpacked within the configured limits; refused (DomainError) with the engine's reason."""
    config = current_app.config
    try:
        return archive.unpack(stream, filename, dest, max_files=config["LATEX_ARCHIVE_FILES"],
                              max_bytes=config["LATEX_ARCHIVE_MB"] * 2**20)
    except archive.ArchiveRefused as exc:
        raise DomainError(exc.message, "manuscript") from None


def delete_objects(keys: list[str]) -> None:
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
                unpacked = unpack_source(stream, source.original_name, Path(tmp) / "source")
            except DomainError as error:  # the limits were lowered since the upload
                return _finish(compile_id, None, [{"file": "", "line": None, "message": error.message}], 0.0, "")
        try:
            result = compile_source(unpacked.root, main, limits())
            findings = ([{"file": f.file, "line": f.line, "what": f.what, "template": getattr(f, "template", ""),
                          "values": dict(getattr(f, "values", None) or {})}
                         for f in source_findings(unpacked.root, names_to_find(submission))] if anonymizing else [])
        except Exception:  # the engine itself failed (not the author's source): say so rather than spin forever
            log.exception("compile %s of submission %s could not run", compile_id, submission.id)
            return _finish(compile_id, None, [{"file": "", "line": None, "message": COULD_NOT_RUN,
                                               "template": COULD_NOT_RUN}], 0.0, "")
    errors = [_error_data(e) for e in result.errors]
    if not result.ok and not errors:
        refused_template = getattr(result, "refused_template", "") if result.refused else NO_PDF
        errors = [{"file": main, "line": None, "message": result.refused or NO_PDF, "template": refused_template,
                   "values": dict(getattr(result, "refused_values", None) or {}) if result.refused else {}}]
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
            delete_objects([log_key])
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
