"""The author's files: the manuscript PDF (checked in the sandbox, with the reviewers' anonymized copy where the
journal anonymizes), supplementary files and the response letter to the reviewers. An upload is spooled to a
temporary file within the size limits before anything is stored (storing objects: journal/services/files.py)."""

import mimetypes
import shutil
import tempfile
from typing import BinaryIO

from flask import current_app
from sqlalchemy import select, update
from flask_babel import gettext as _

from journal import pdf
from journal.audit import audit
from journal.extensions import db
from journal.models import FileKind, LatexCompile, Submission, SubmissionFile, SubmissionStatus, User
from journal.services.errors import DomainError
from journal.services.files import StagedObjects
from journal.services.submissions import ANONYMIZING_MODES, neutral_name, require_author, upload_round
from journal.services.unit import transactional
from journal.services.uploads import file_limit, pdf_limits, pdf_slots, spool

S = SubmissionStatus

# Supplementary files keep a meaningful type only when it is harmless to serve; all go out as attachments.
SAFE_SUPPLEMENT_TYPES = {
    "application/pdf", "text/plain", "text/csv", "application/zip", "application/gzip", "application/x-tar",
    "image/png", "image/jpeg", "image/tiff", "application/json", "application/x-hdf5", "application/x-netcdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/x-tex",
}
def names_to_find(submission: Submission) -> list[str]:
    terms: list[str] = []
    for contributor in submission.contributors:
        terms += [contributor.full_name, contributor.email]
        if len(contributor.family_name) >= 4:
            terms.append(contributor.family_name)
        if contributor.affiliation:
            terms.append(contributor.affiliation)
    return list(dict.fromkeys(t for t in terms if t.strip()))


def upload_manuscript(actor: User, submission: Submission, stream: BinaryIO, original_name: str, *,
                      latex_compile_id: int | None = None) -> SubmissionFile:
    """Check the PDF in the sandbox, store it, and for anonymizing journals store the reviewers' copy.

    A refused file changes nothing. Where the contributors' names are found, the report says where,
    and the author must upload a cleaned file or confirm before submitting. A PDF compiled from LaTeX source
    (`latex_compile_id`, journal/services/latex.py) keeps its archive; a PDF uploaded instead drops the round's
    archives, which no longer describe the manuscript."""
    require_author(actor, submission)
    journal = submission.journal
    limit = file_limit()
    round_number = upload_round(submission)
    with spool(stream, limit) as spooled:
        try:
            with pdf_slots:
                report = pdf.inspect_pdf(spooled, max_pages=journal.page_limit,
                                         names_to_find=names_to_find(submission), **pdf_limits())
        except pdf.PdfRejected as exc:
            raise DomainError(exc.message, "manuscript") from None
        report_data = {
            "page_count": report.page_count, "found": [list(hit) for hit in report.found],
            "risky_features": report.risky_features, "text_empty": report.text_empty, "warnings": report.warnings,
            "metadata_fields": sorted(report.metadata), "has_xmp": report.has_xmp,
        }
        with StagedObjects() as staged:
            spooled.seek(0)
            stored = staged.put(f"submissions/{submission.id}", spooled, media_type="application/pdf")
            manuscript = SubmissionFile(
                submission=submission, round=round_number, kind=FileKind.MANUSCRIPT, storage_key=stored.key,
                original_name=(original_name or "manuscript.pdf")[:255], size=stored.size, sha256=stored.sha256,
                media_type="application/pdf", page_count=report.page_count, uploaded_by=actor, pdf_report=report_data,
            )
            db.session.add(manuscript)
            db.session.flush()
            if journal.review_mode in ANONYMIZING_MODES:
                with tempfile.TemporaryFile() as copy:
                    spooled.seek(0)
                    try:
                        with pdf_slots:
                            pdf.make_reviewer_copy(spooled, copy, max_pages=journal.page_limit, **pdf_limits())
                    except pdf.PdfRejected as exc:
                        raise DomainError(exc.message, "manuscript") from None
                    copy.seek(0)
                    stored_copy = staged.put(f"submissions/{submission.id}", copy, media_type="application/pdf")
                db.session.add(SubmissionFile(
                    submission=submission, round=round_number, kind=FileKind.ANONYMIZED_MANUSCRIPT,
                    storage_key=stored_copy.key, original_name=neutral_name(submission, round_number),
                    size=stored_copy.size, sha256=stored_copy.sha256, media_type="application/pdf",
                    page_count=report.page_count, uploaded_by=actor, derived_from=manuscript,
                ))
            submission.anonymity_confirmed_at = None  # a new file needs a new look
            replaced = _drop_replaced(submission, round_number, manuscript)
            replaced_keys = [f.storage_key for f in replaced]
            if latex_compile_id is None:
                replaced_keys += drop_latex_sources(submission, round_number)
            audit(actor, "file.uploaded", submission, kind=FileKind.MANUSCRIPT.value, name=manuscript.original_name,
                  pages=report.page_count, round=round_number, names_found=len(report.found),
                  **({"replaces": replaced[0].original_name} if replaced else {}))
            db.session.commit()
    _delete_objects(replaced_keys)
    return manuscript


def _drop_replaced(submission: Submission, round_number: int, manuscript: SubmissionFile) -> list[SubmissionFile]:
    """The manuscript (and its reviewers' copy) that `manuscript` replaces in the version being prepared: nobody
    but the authors has seen it, so it goes, rather than stay listed as a second file of the version. Returns the
    rows deleted, the manuscript first."""
    kinds = (FileKind.MANUSCRIPT, FileKind.ANONYMIZED_MANUSCRIPT)
    old = [f for f in submission.files if f.round == round_number and f.kind in kinds
           and f is not manuscript and f.derived_from is not manuscript]
    old.sort(key=lambda f: f.kind is not FileKind.MANUSCRIPT)
    if old:  # a compilation that made one of them no longer has a PDF (SQLite does not enforce SET NULL)
        db.session.execute(update(LatexCompile).where(LatexCompile.pdf_file_id.in_([f.id for f in old]))
                           .values(pdf_file_id=None))
    for file in sorted(old, key=lambda f: f.kind is FileKind.MANUSCRIPT):  # copies before what they derive from
        submission.files.remove(file)
        db.session.delete(file)
        db.session.flush()
    return old


def drop_latex_sources(submission: Submission, round_number: int, keep: LatexCompile | None = None) -> list[str]:
    """The round's LaTeX source archives other than `keep`'s, with their compilations (journal/services/latex.py):
    replaced by a new archive, or no longer describing the manuscript once a PDF is uploaded instead. Called inside
    the upload's transaction; returns the storage keys (archives and logs) to delete after the commit."""
    keys = []
    rows = db.session.scalars(select(LatexCompile).where(LatexCompile.submission_id == submission.id,
                                                         LatexCompile.round == round_number)).all()
    for row in rows:
        if row is not keep:
            keys += [row.log_key] if row.log_key else []
            db.session.delete(row)
    db.session.flush()
    for file in [f for f in submission.files if f.kind is FileKind.LATEX_SOURCE and f.round == round_number]:
        if keep is None or file is not keep.source_file:
            keys.append(file.storage_key)
            submission.files.remove(file)
            db.session.delete(file)
    db.session.flush()
    return keys


def _delete_objects(keys: list[str]) -> None:
    from journal.storage import StorageError, get_storage

    for key in keys:
        try:
            get_storage().delete(key)
        except StorageError:  # the row is gone, so the file is; check-storage lists the orphan
            current_app.logger.exception("could not delete %s after its manuscript was replaced", key)


def add_supplement(actor: User, submission: Submission, stream: BinaryIO, original_name: str,
                   description: str) -> SubmissionFile:
    """Any type of file, described; stored with a harmless media type and always sent as an attachment."""
    require_author(actor, submission)
    description = (description or "").strip()
    if not description:
        raise DomainError(_("Describe the supplementary file (what it contains)."), "description")
    limit = file_limit()
    with spool(stream, limit, "supplement") as spooled:
        head = spooled.read(1024)
        spooled.seek(0)
        media_type = mimetypes.guess_type(original_name or "")[0] or "application/octet-stream"
        if media_type not in SAFE_SUPPLEMENT_TYPES or (media_type == "application/pdf" and b"%PDF-" not in head):
            media_type = "application/octet-stream"
        return _store_file(actor, submission, spooled, kind=FileKind.SUPPLEMENT, media_type=media_type,
                           original_name=original_name or "supplement", description=description, field="supplement")


def _store_file(actor: User, submission: Submission, spooled: BinaryIO, *, kind: FileKind, media_type: str,
                original_name: str, field: str, description: str = "") -> SubmissionFile:
    """Store a checked upload and its row in one go; the object is deleted again if the commit fails."""
    with StagedObjects() as staged:
        stored = staged.put(f"submissions/{submission.id}", spooled, media_type=media_type)
        if stored.size == 0:
            raise DomainError(_("The file is empty."), field)
        file = SubmissionFile(
            submission=submission, round=upload_round(submission), kind=kind, storage_key=stored.key,
            original_name=original_name[:255], description=description, size=stored.size, sha256=stored.sha256,
            media_type=media_type, uploaded_by=actor,
        )
        db.session.add(file)
        db.session.flush()
        audit(actor, "file.uploaded", submission, kind=kind.value, name=file.original_name, round=file.round)
        db.session.commit()
    return file


@transactional
def remove_supplement(actor: User, submission: Submission, file_id: int) -> None:
    """Only a supplement of the round being prepared; earlier rounds stay as they were sent."""
    require_author(actor, submission)
    file = next((f for f in submission.files if f.id == file_id and f.kind is FileKind.SUPPLEMENT), None)
    if file is None or file.round != upload_round(submission):
        raise DomainError(_("Only supplementary files added to this version can be removed."))
    audit(actor, "file.removed", submission, name=file.original_name)
    key = file.storage_key
    submission.files.remove(file)
    db.session.delete(file)
    db.session.flush()
    from journal.storage import StorageError, get_storage

    db.session.commit()
    try:
        get_storage().delete(key)
    except StorageError:  # the row is gone, so the file is; check-storage lists the orphan
        current_app.logger.exception("could not delete %s after removing its supplement", key)


def add_response_letter(actor: User, submission: Submission, stream: BinaryIO, original_name: str) -> SubmissionFile:
    require_author(actor, submission)
    if submission.status is not S.REVISION_REQUESTED:
        raise DomainError(_("A response to the reviewers belongs to a revision."))
    limit = file_limit()
    with spool(stream, limit, "response_letter") as spooled:
        head = spooled.read(1024)
        spooled.seek(0)
        media_type = "application/pdf" if b"%PDF-" in head else "application/octet-stream"
        return _store_file(actor, submission, spooled, kind=FileKind.RESPONSE_LETTER, media_type=media_type,
                           original_name=original_name or "response", field="response_letter")


def copy_to(stream_from: BinaryIO, stream_to: BinaryIO) -> None:
    shutil.copyfileobj(stream_from, stream_to, 1024 * 1024)
