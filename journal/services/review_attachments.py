"""The reviewer's attachment to a draft review: a PDF is kept only as a copy without its document properties
(which name whoever wrote it) and is searched for the reviewer's own name; a plain-text file must be UTF-8 and
is searched line by line for the same name and address.
Whether an attachment that names its reviewer may go to the authors is settled in shared_reviews.py."""

import codecs
import tempfile
from pathlib import PurePath

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from journal import pdf
from journal.audit import audit
from journal.extensions import db
from journal.models import FileKind, ReviewAssignment, SubmissionFile, User
from journal.services.errors import DomainError
from journal.services.files import StagedObjects
from journal.services.review_assignments import check_reviewer
from journal.services.uploads import file_limit, pdf_limits, pdf_slots, spool
from journal.storage import StorageError, get_storage

# SubmissionFile has no assignment column (and no migration may add one): a review's attachment is the
# REVIEW_ATTACHMENT file of the assignment's round uploaded by its reviewer, so (round, uploaded_by) identifies the
# assignment; a reviewer has one live assignment per round. Its stored name is neutral ("Reviewer 2 – attachment.pdf").
REVIEW_ATTACHMENT_TYPES = {".pdf": "application/pdf", ".txt": "text/plain", ".csv": "text/csv"}
REVIEW_ATTACHMENT_MAX_PAGES = 100


def names_in_text(spooled, terms: list[str]) -> list[tuple[str, str]]:
    """Check that the file is UTF-8 text and search it line by line for the reviewer's name and address, reading a
    megabyte at a time."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    found: dict[tuple[str, str], None] = {}
    line_number, pending = 1, ""
    try:
        while True:
            chunk = spooled.read(1024 * 1024)
            if b"\0" in chunk:
                raise UnicodeDecodeError("utf-8", chunk, 0, 1, "NUL byte")
            text = pending + decoder.decode(chunk, final=not chunk)
            lines = text.split("\n")
            pending = lines.pop() if chunk else ""  # a line cut by the chunk's end waits for the rest
            found.update(dict.fromkeys(pdf.names_in_lines(lines, terms, first_line=line_number)))
            line_number += len(lines)
            if not chunk:
                break
    except UnicodeDecodeError:
        raise DomainError(_("This file is not plain text (UTF-8). Attach a PDF instead."), "attachment") from None
    spooled.seek(0)
    return list(found)[:10]


def add_review_attachment(actor: User, assignment: ReviewAssignment, stream, filename: str):
    """Attach a file to the draft review, replacing the one before. A PDF is checked in the sandbox like a
    manuscript and only a copy without its document properties (which name whoever wrote it) is kept; plain text
    must be UTF-8. Other formats (Word's among them) keep their author in the file, so they are refused."""
    check_reviewer(actor, assignment)
    suffix = PurePath(filename or "").suffix.lower()
    media_type = REVIEW_ATTACHMENT_TYPES.get(suffix)
    if media_type is None:
        raise DomainError(_("Attach a PDF (or a plain-text .txt or .csv file). Save a Word document as PDF first: the "
                            "PDF's document properties, which name you, are then removed."), "attachment")
    submission = assignment.submission
    with spool(stream, file_limit(), "attachment") as spooled, tempfile.TemporaryFile() as copy:
        report = None
        if media_type == "application/pdf":
            try:
                with pdf_slots:
                    report = pdf.inspect_pdf(spooled, max_pages=REVIEW_ATTACHMENT_MAX_PAGES,
                                             names_to_find=[actor.full_name, actor.email], **pdf_limits())
                    spooled.seek(0)
                    pdf.make_reviewer_copy(spooled, copy, max_pages=REVIEW_ATTACHMENT_MAX_PAGES, **pdf_limits())
            except pdf.PdfRejected as exc:
                reason = _("This file is not a PDF.") if exc.reason == pdf.NOT_PDF else exc.message
                raise DomainError(reason, "attachment") from None
            stored_from = copy
        else:
            found = names_in_text(spooled, [actor.full_name, actor.email])
            stored_from = spooled
        stored_from.seek(0)
        previous = list(db.session.scalars(select(SubmissionFile).where(
            SubmissionFile.submission_id == submission.id, SubmissionFile.kind == FileKind.REVIEW_ATTACHMENT,
            SubmissionFile.round == assignment.round.number, SubmissionFile.uploaded_by_id == actor.id)))
        with StagedObjects() as staged:
            stored = staged.put(f"submissions/{submission.id}", stored_from, media_type=media_type)
            if stored.size == 0:
                raise DomainError(_("The file is empty."), "attachment")
            file = SubmissionFile(
                submission=submission, round=assignment.round.number, kind=FileKind.REVIEW_ATTACHMENT,
                storage_key=stored.key, original_name=f"{assignment.label} – attachment{suffix}", size=stored.size,
                sha256=stored.sha256, media_type=media_type, uploaded_by=actor,
                page_count=report.page_count if report else None,
                pdf_report={"page_count": report.page_count, "found": [list(hit) for hit in report.found]}
                if report else {"found": [list(hit) for hit in found]},
            )
            db.session.add(file)
            for old in previous:
                db.session.delete(old)
            audit(actor, "review.attachment_added", submission, reviewer=assignment.label,
                  round=assignment.round.number, name=file.original_name, size=stored.size)
            db.session.commit()
    for old in previous:  # the replaced draft attachment: its row is gone, so its object goes too
        try:
            get_storage().delete(old.storage_key)
        except StorageError:  # check-storage lists the orphan
            current_app.logger.exception("could not delete %s after replacing it", old.storage_key)
    return file
