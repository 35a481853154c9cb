"""What authors do: start a submission, fill it in step by step, submit, follow, revise, withdraw."""

import mimetypes
import shutil
import tempfile
import threading
from dataclasses import dataclass
from typing import BinaryIO

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from journal import pdf
from journal.audit import audit
from journal.extensions import db
from journal.mail import external_url, queue_mail
from journal.models import (Contributor, FileKind, Journal, ReferenceCounter, ReviewMode, ReviewRound, Section,
                            Submission, SubmissionFile, SubmissionStatus, User, utcnow)
from journal.permissions import can
from journal.scholarly.identifiers import normalize_orcid, parse_keywords
from journal.services.accounts import normalize_email
from journal.services.errors import DomainError, NotFound, PermissionDenied
from journal.services.files import StagedObjects
from journal.services.handlers import managing_editors_of, managing_editors_to_tell
from journal.services.unit import transactional
from journal.workflow import check_version, transition

S = SubmissionStatus
ANONYMIZING_MODES = {ReviewMode.DOUBLE_ANONYMOUS, ReviewMode.TRIPLE_ANONYMOUS}
EDITABLE = {S.DRAFT, S.REVISION_REQUESTED}
# Supplementary files keep a meaningful type only when it is harmless to serve; all go out as attachments.
SAFE_SUPPLEMENT_TYPES = {
    "application/pdf", "text/plain", "text/csv", "application/zip", "application/gzip", "application/x-tar",
    "image/png", "image/jpeg", "image/tiff", "application/json", "application/x-hdf5", "application/x-netcdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/x-tex",
}
STEPS = ("start", "metadata", "files", "declarations", "review")
# Each PDF check may use up to PDF_MEMORY_MB in its own process: at most two at once per app process.
_pdf_slots = threading.BoundedSemaphore(2)


def _file_limit() -> int:
    """Largest single file, below the request limit, so that a too-large file is refused on the form
    (with everything else kept) rather than by the server's 413 page."""
    config = current_app.config
    return min(config["UPLOAD_FILE_MAX_MB"] * 1024 * 1024, config["MAX_CONTENT_LENGTH"])


def _pdf_limits() -> dict:
    config = current_app.config
    return {"max_bytes": _file_limit(), "memory_limit": config["PDF_MEMORY_MB"] * 1024 * 1024,
            "time_limit": config["PDF_SECONDS"]}


@dataclass(frozen=True)
class Missing:
    step: str
    message: str


# --- loading and rules ------------------------------------------------------------------------

def get_submission(submission_id: int) -> Submission:
    submission = db.session.scalar(
        select(Submission).where(Submission.id == submission_id)
        .options(selectinload(Submission.contributors), selectinload(Submission.files),
                 selectinload(Submission.journal), selectinload(Submission.section))
    )
    if submission is None:
        raise NotFound("There is no such submission.")
    return submission


def _require_author(actor: User, submission: Submission, *, editable: bool = True) -> None:
    if not can(actor, "submission.author", submission):
        raise PermissionDenied("Only the submitting author changes this submission.")
    if editable and submission.status not in EDITABLE:
        raise DomainError(f"{submission.display_reference} is “{submission.status.label}”; it can no longer be "
                          "changed.")


def _require_draft(actor: User, submission: Submission) -> None:
    _require_author(actor, submission)
    if submission.status is not S.DRAFT:
        raise DomainError("The authors and the journal section can be changed only before the first submission.")


def upload_round(submission: Submission) -> int:
    """Files uploaded now belong to round 1 for a draft, to the next round for a revision."""
    return submission.current_round + 1 if submission.status is S.REVISION_REQUESTED else 1


def manuscript_of(submission: Submission, round_number: int | None = None) -> SubmissionFile | None:
    round_number = upload_round(submission) if round_number is None else round_number
    files = [f for f in submission.files if f.kind is FileKind.MANUSCRIPT and f.round == round_number]
    return files[-1] if files else None


def reviewer_copy_of(submission: Submission, round_number: int) -> SubmissionFile | None:
    """The file reviewers download for a round: the anonymized copy where the journal anonymizes."""
    manuscript = manuscript_of(submission, round_number)
    if manuscript is None:
        return None
    copies = [f for f in submission.files if f.kind is FileKind.ANONYMIZED_MANUSCRIPT and f.derived_from_id == manuscript.id]
    return copies[-1] if copies else manuscript


def supplements_of(submission: Submission, round_number: int | None = None) -> list[SubmissionFile]:
    round_number = upload_round(submission) if round_number is None else round_number
    return [f for f in submission.files if f.kind is FileKind.SUPPLEMENT and f.round <= round_number]


def needs_anonymity_decision(submission: Submission) -> bool:
    manuscript = manuscript_of(submission)
    return bool(
        submission.journal.review_mode in ANONYMIZING_MODES and manuscript is not None and manuscript.pdf_report
        and manuscript.pdf_report.get("found") and submission.anonymity_confirmed_at is None
    )


def missing_items(submission: Submission) -> list[Missing]:
    """Everything that stops this submission from being submitted, by wizard step."""
    missing: list[Missing] = []
    journal = submission.journal
    revising = submission.status is S.REVISION_REQUESTED
    if not revising:
        if submission.section is None or not submission.section.active:
            missing.append(Missing("start", "Choose the section (article type)."))
        if journal.submission_checklist and submission.checklist_confirmed_at is None:
            missing.append(Missing("start", "Confirm every statement of the submission checklist."))
    if not submission.title.strip():
        missing.append(Missing("metadata", "Give the title."))
    if len(submission.abstract.strip()) < 50:
        missing.append(Missing("metadata", "Give the abstract (at least 50 characters)."))
    if not submission.keywords:
        missing.append(Missing("metadata", "Give at least one keyword."))
    if not submission.contributors:
        missing.append(Missing("metadata", "List the authors."))
    elif sum(1 for c in submission.contributors if c.is_corresponding) != 1:
        missing.append(Missing("metadata", "Mark exactly one author as the corresponding author."))
    if manuscript_of(submission) is None:
        missing.append(Missing("files", "Upload the revised manuscript (PDF)." if revising else
                               "Upload the manuscript (PDF)."))
    elif needs_anonymity_decision(submission):
        missing.append(Missing("files", "Upload a manuscript without the authors' names, or confirm that the "
                                        "names found may stay."))
    if not revising:
        if not submission.competing_interests.strip():
            missing.append(Missing("declarations", "Declare competing interests (write “None” if there are none)."))
        if not submission.funding.strip():
            missing.append(Missing("declarations", "Declare the funding (write “None” if there was none)."))
        if not submission.data_availability.strip():
            missing.append(Missing("declarations", "Give the data availability statement."))
    if not submission.submitter.email_verified:
        missing.append(Missing("review", "Confirm your email address with the link we sent you."))
    return missing


# --- the wizard -------------------------------------------------------------------------------------

@transactional
def start_submission(actor: User, journal: Journal, *, section_id: int | None, checklist_confirmed: bool) -> Submission:
    """A new draft; the submitter is its first author and corresponding author."""
    if not can(actor, "journal.submit", journal):
        raise PermissionDenied(f"{journal.title} does not accept submissions at the moment.")
    section = _section_of(journal, section_id)
    _check_checklist(journal, checklist_confirmed)
    submission = Submission(
        journal=journal, section=section, submitter=actor, keywords=[], suggested_reviewers=[], opposed_reviewers=[],
        checklist_confirmed_at=utcnow() if journal.submission_checklist else None,
    )
    submission.contributors = [Contributor(
        position=0, given_name=actor.given_name, family_name=actor.family_name, email=actor.email,
        affiliation=actor.affiliation, country=actor.country, orcid=actor.orcid, is_corresponding=True, user=actor,
    )]
    db.session.add(submission)
    db.session.flush()
    audit(actor, "submission.created", submission, section=section.title)
    return submission


def _section_of(journal: Journal, section_id: int | None) -> Section:
    section = next((s for s in journal.sections if s.id == section_id and s.active), None)
    if section is None:
        raise DomainError("Choose one of the journal's sections.", "section_id")
    return section


def _check_checklist(journal: Journal, confirmed: bool) -> None:
    if journal.submission_checklist and not confirmed:
        raise DomainError("Please confirm every statement of the checklist.", "checklist")


@transactional
def update_start(actor: User, submission: Submission, *, section_id: int | None, checklist_confirmed: bool) -> None:
    _require_draft(actor, submission)
    section = _section_of(submission.journal, section_id)
    _check_checklist(submission.journal, checklist_confirmed)
    if submission.section_id != section.id:
        audit(actor, "submission.section_changed", submission, section=section.title)
    submission.section = section
    if submission.journal.submission_checklist and submission.checklist_confirmed_at is None:
        submission.checklist_confirmed_at = utcnow()


@transactional
def update_metadata(actor: User, submission: Submission, *, title: str, abstract: str, keywords: str | list[str],
                    language: str = "en") -> None:
    """Title, abstract, keywords, language: changeable in a draft and while revising."""
    _require_author(actor, submission)
    try:
        keywords = parse_keywords(keywords, limit=12)
    except ValueError as exc:
        raise DomainError(str(exc), "keywords") from None
    changes = {}
    for name, value in (("title", " ".join(title.split())), ("abstract", abstract.strip()), ("keywords", keywords),
                        ("language", language)):
        if getattr(submission, name) != value:
            setattr(submission, name, value)
            changes[name] = True
    if changes:
        audit(actor, "submission.metadata_updated", submission, fields=sorted(changes))


def _clean_contributor(values: dict) -> dict:
    clean = {k: (v or "").strip() for k, v in values.items() if k in
             ("given_name", "family_name", "email", "affiliation", "country", "orcid")}
    if not clean.get("family_name"):
        raise DomainError("Give the author's family name.", "family_name")
    if not clean.get("given_name"):
        raise DomainError("Give the author's given name.", "given_name")
    clean["email"] = normalize_email(clean.get("email", ""))
    if "@" not in clean["email"] or "." not in clean["email"].rsplit("@", 1)[-1]:
        raise DomainError("Give the author's email address.", "email")
    try:
        clean["orcid"] = normalize_orcid(clean.get("orcid"))
    except ValueError as exc:
        raise DomainError(str(exc), "orcid") from None
    return clean


@transactional
def add_contributor(actor: User, submission: Submission, **values) -> Contributor:
    _require_draft(actor, submission)
    clean = _clean_contributor(values)
    if any(c.email == clean["email"] for c in submission.contributors):
        raise DomainError("This email address is on the author list already.", "email")
    position = max((c.position for c in submission.contributors), default=-1) + 1
    contributor = Contributor(submission=submission, position=position, is_corresponding=False, **clean)
    db.session.add(contributor)
    db.session.flush()
    audit(actor, "contributor.added", submission, name=f"{clean['given_name']} {clean['family_name']}")
    return contributor


def _contributor(submission: Submission, contributor_id: int) -> Contributor:
    contributor = next((c for c in submission.contributors if c.id == contributor_id), None)
    if contributor is None:
        raise NotFound("There is no such author on this submission.")
    return contributor


@transactional
def update_contributor(actor: User, submission: Submission, contributor_id: int, **values) -> None:
    _require_draft(actor, submission)
    contributor = _contributor(submission, contributor_id)
    clean = _clean_contributor(values)
    if any(c.email == clean["email"] and c is not contributor for c in submission.contributors):
        raise DomainError("This email address is on the author list already.", "email")
    for name, value in clean.items():
        setattr(contributor, name, value)
    audit(actor, "contributor.updated", submission, name=contributor.full_name)


@transactional
def remove_contributor(actor: User, submission: Submission, contributor_id: int) -> None:
    _require_draft(actor, submission)
    contributor = _contributor(submission, contributor_id)
    if len(submission.contributors) == 1:
        raise DomainError("A submission needs at least one author.")
    if contributor.user_id == submission.submitter_id:
        raise DomainError("You submit the paper, so you stay on the author list.")
    was_corresponding = contributor.is_corresponding
    submission.contributors.remove(contributor)
    if was_corresponding:
        submission.contributors[0].is_corresponding = True
    _renumber(submission)
    audit(actor, "contributor.removed", submission, name=contributor.full_name)


def _renumber(submission: Submission) -> None:
    for position, contributor in enumerate(sorted(submission.contributors, key=lambda c: c.position)):
        contributor.position = position


@transactional
def move_contributor(actor: User, submission: Submission, contributor_id: int, offset: int) -> None:
    _require_draft(actor, submission)
    ordered = sorted(submission.contributors, key=lambda c: c.position)
    contributor = _contributor(submission, contributor_id)
    index = ordered.index(contributor)
    target = max(0, min(len(ordered) - 1, index + offset))
    ordered.insert(target, ordered.pop(index))
    for position, item in enumerate(ordered):
        item.position = position
    audit(actor, "contributor.moved", submission, name=contributor.full_name, position=target + 1)


@transactional
def set_corresponding(actor: User, submission: Submission, contributor_id: int) -> None:
    _require_draft(actor, submission)
    chosen = _contributor(submission, contributor_id)
    for contributor in submission.contributors:
        contributor.is_corresponding = contributor is chosen
    audit(actor, "contributor.corresponding", submission, name=chosen.full_name)


def _spool(stream: BinaryIO, limit: int, field: str = "manuscript"):
    """Copy an upload to a temporary file in bounded memory, refusing it past the limit."""
    spooled = tempfile.TemporaryFile()
    size = 0
    while chunk := stream.read(1024 * 1024):
        size += len(chunk)
        if size > limit:
            spooled.close()
            raise DomainError(f"The file is larger than the limit of {limit // (1024 * 1024)} MB. Make it smaller "
                              "(for example compress its images) and upload it again.", field)
        spooled.write(chunk)
    spooled.seek(0)
    return spooled


def names_to_find(submission: Submission) -> list[str]:
    terms: list[str] = []
    for contributor in submission.contributors:
        terms += [contributor.full_name, contributor.email]
        if len(contributor.family_name) >= 4:
            terms.append(contributor.family_name)
        if contributor.affiliation:
            terms.append(contributor.affiliation)
    return list(dict.fromkeys(t for t in terms if t.strip()))


def neutral_name(submission: Submission, round_number: int) -> str:
    base = submission.reference or f"{submission.journal.reference_prefix}-draft-{submission.id}"
    return f"{base}-v{round_number}.pdf"


def upload_manuscript(actor: User, submission: Submission, stream: BinaryIO, original_name: str) -> SubmissionFile:
    """Check the PDF in the sandbox, store it, and for anonymizing journals store the reviewers' copy.

    A refused file changes nothing. Where the contributors' names are found, the report says where,
    and the author must upload a cleaned file or confirm before submitting."""
    _require_author(actor, submission)
    journal = submission.journal
    limit = _file_limit()
    round_number = upload_round(submission)
    with _spool(stream, limit) as spooled:
        try:
            with _pdf_slots:
                report = pdf.inspect_pdf(spooled, max_pages=journal.page_limit,
                                         names_to_find=names_to_find(submission), **_pdf_limits())
        except pdf.PdfRejected as exc:
            raise DomainError(exc.reason, "manuscript") from None
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
                        with _pdf_slots:
                            pdf.make_reviewer_copy(spooled, copy, max_pages=journal.page_limit, **_pdf_limits())
                    except pdf.PdfRejected as exc:
                        raise DomainError(exc.reason, "manuscript") from None
                    copy.seek(0)
                    stored_copy = staged.put(f"submissions/{submission.id}", copy, media_type="application/pdf")
                db.session.add(SubmissionFile(
                    submission=submission, round=round_number, kind=FileKind.ANONYMIZED_MANUSCRIPT,
                    storage_key=stored_copy.key, original_name=neutral_name(submission, round_number),
                    size=stored_copy.size, sha256=stored_copy.sha256, media_type="application/pdf",
                    page_count=report.page_count, uploaded_by=actor, derived_from=manuscript,
                ))
            submission.anonymity_confirmed_at = None  # a new file needs a new look
            audit(actor, "file.uploaded", submission, kind=FileKind.MANUSCRIPT.value, name=manuscript.original_name,
                  pages=report.page_count, round=round_number, names_found=len(report.found))
            db.session.commit()
    return manuscript


def add_supplement(actor: User, submission: Submission, stream: BinaryIO, original_name: str,
                   description: str) -> SubmissionFile:
    """Any type of file, described; stored with a harmless media type and always sent as an attachment."""
    _require_author(actor, submission)
    description = (description or "").strip()
    if not description:
        raise DomainError("Describe the supplementary file (what it contains).", "description")
    limit = _file_limit()
    with _spool(stream, limit, "supplement") as spooled:
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
            raise DomainError("The file is empty.", field)
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
    _require_author(actor, submission)
    file = next((f for f in submission.files if f.id == file_id and f.kind is FileKind.SUPPLEMENT), None)
    if file is None or file.round != upload_round(submission):
        raise DomainError("Only supplementary files added to this version can be removed.")
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


@transactional
def confirm_anonymity(actor: User, submission: Submission) -> None:
    _require_author(actor, submission)
    manuscript = manuscript_of(submission)
    if manuscript is None:
        raise DomainError("Upload the manuscript first.")
    submission.anonymity_confirmed_at = utcnow()
    audit(actor, "submission.anonymity_confirmed", submission,
          found=[f"{term} ({where})" for term, where in (manuscript.pdf_report or {}).get("found", [])])


def _reviewer_list(rows: list[dict], field: str) -> list[dict]:
    clean = []
    for row in rows:
        name, email, reason = (row.get("name") or "").strip(), normalize_email(row.get("email") or ""), \
            (row.get("reason") or "").strip()
        if not (name or email or reason):
            continue
        if not name or "@" not in email:
            raise DomainError("Give both the name and the email address of each reviewer you list.", field)
        clean.append({"name": name, "email": email, "reason": reason})
    return clean


@transactional
def update_declarations(actor: User, submission: Submission, *, cover_letter: str, competing_interests: str,
                        funding: str, data_availability: str, suggested_reviewers: list[dict],
                        opposed_reviewers: list[dict]) -> None:
    _require_author(actor, submission)
    suggested = _reviewer_list(suggested_reviewers, "suggested_reviewers")
    opposed = _reviewer_list(opposed_reviewers, "opposed_reviewers")
    author_emails = {c.email for c in submission.contributors}
    if any(r["email"] in author_emails for r in suggested):
        raise DomainError("An author of the paper cannot be suggested as its reviewer.", "suggested_reviewers")
    submission.cover_letter = cover_letter.strip()
    submission.competing_interests = competing_interests.strip()
    submission.funding = funding.strip()
    submission.data_availability = data_availability.strip()
    submission.suggested_reviewers = suggested
    submission.opposed_reviewers = opposed
    audit(actor, "submission.declarations_updated", submission)


# --- submitting, revising, withdrawing ---------------------------------------------------------------

def _next_reference(journal: Journal) -> str:
    year = utcnow().year
    bump = (update(ReferenceCounter)
            .where(ReferenceCounter.journal_id == journal.id, ReferenceCounter.year == year)
            .values(last_number=ReferenceCounter.last_number + 1)
            .returning(ReferenceCounter.last_number))
    number = db.session.execute(bump).scalar()
    if number is None:
        try:
            with db.session.begin_nested():
                db.session.add(ReferenceCounter(journal_id=journal.id, year=year, last_number=1))
            number = 1
        except IntegrityError:  # another submission created this year's counter at the same moment
            number = db.session.execute(bump).scalar()
    return f"{journal.reference_prefix}-{year}-{number:04d}"


def _link_contributor_accounts(submission: Submission) -> None:
    emails = {c.email for c in submission.contributors if c.user_id is None}
    if not emails:
        return
    users = {u.email: u for u in db.session.scalars(select(User).where(User.email.in_(emails)))}
    for contributor in submission.contributors:
        if contributor.user_id is None and contributor.email in users:
            contributor.user = users[contributor.email]


def objection_token(contributor: Contributor) -> str:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="journal.contributor-objection").dumps(
        {"c": contributor.id, "e": contributor.email})


@transactional
def submit(actor: User, submission: Submission, *, expected_version: int | None = None) -> None:
    """Draft → submitted: a reference number, round 1, and the mails that acknowledge it."""
    _require_author(actor, submission, editable=False)
    check_version(submission, expected_version)
    missing = missing_items(submission)
    if missing:
        raise DomainError("The submission is not complete yet: " + " ".join(m.message for m in missing))
    submission.reference = _next_reference(submission.journal)
    submission.current_round = 1
    submission.rounds.append(ReviewRound(number=1))
    _link_contributor_accounts(submission)
    for file in submission.files:
        if file.kind is FileKind.ANONYMIZED_MANUSCRIPT:
            file.original_name = neutral_name(submission, file.round)
    transition(actor, submission, "submit", reference=submission.reference)
    link = external_url("author.submission", submission_id=submission.id)
    queue_mail(actor, "submission_received", subject=f"{submission.reference} received: {submission.title}",
               related=submission, submission=submission, link=link)
    for contributor in submission.contributors:
        if contributor.email == actor.email:
            continue
        queue_mail(contributor.email, "coauthor_listed",
                   subject=f"You are listed as an author of {submission.reference}", related=submission,
                   submission=submission, contributor=contributor,
                   object_link=external_url("author.object_to_listing", token=objection_token(contributor)))
    for editor in managing_editors_to_tell(submission, waiting_for="a handling editor"):
        queue_mail(editor, "new_submission", subject=f"New submission {submission.reference}", related=submission,
                   submission=submission, link=external_url("editorial.queue", slug=submission.journal.slug))


@transactional
def resubmit(actor: User, submission: Submission, *, response: str, expected_version: int | None = None) -> None:
    """Revision requested → submitted: the next round opens with the authors' response."""
    _require_author(actor, submission, editable=False)
    check_version(submission, expected_version)
    if submission.status is not S.REVISION_REQUESTED:
        transition(actor, submission, "resubmit")  # raises the clear "cannot be resubmitted now"
    missing = missing_items(submission)
    response = (response or "").strip()
    has_letter = any(f.kind is FileKind.RESPONSE_LETTER and f.round == upload_round(submission) for f in submission.files)
    if not response and not has_letter:
        missing.append(Missing("revise", "Write your response to the reviewers, or upload it as a file."))
    if missing:
        raise DomainError("The revision is not complete yet: " + " ".join(m.message for m in missing))
    submission.current_round += 1
    submission.rounds.append(ReviewRound(number=submission.current_round, author_response=response))
    transition(actor, submission, "resubmit", round=submission.current_round)
    queue_mail(actor, "revision_received",
               subject=f"{submission.reference}: revision received (round {submission.current_round})",
               related=submission, submission=submission, link=external_url("author.submission",
                                                                             submission_id=submission.id))
    editors = [submission.handling_editor] if submission.handling_editor else managing_editors_to_tell(
        submission, waiting_for="an editor to look at its revision")
    for editor in editors:
        queue_mail(editor, "revision_to_editor", subject=f"Revision of {submission.reference} submitted",
                   related=submission, submission=submission,
                   link=external_url("editorial.queue", slug=submission.journal.slug))


def add_response_letter(actor: User, submission: Submission, stream: BinaryIO, original_name: str) -> SubmissionFile:
    _require_author(actor, submission)
    if submission.status is not S.REVISION_REQUESTED:
        raise DomainError("A response to the reviewers belongs to a revision.")
    limit = _file_limit()
    with _spool(stream, limit, "response_letter") as spooled:
        head = spooled.read(1024)
        spooled.seek(0)
        media_type = "application/pdf" if b"%PDF-" in head else "application/octet-stream"
        return _store_file(actor, submission, spooled, kind=FileKind.RESPONSE_LETTER, media_type=media_type,
                           original_name=original_name or "response", field="response_letter")


@transactional
def withdraw(actor: User, submission: Submission, *, reason: str, expected_version: int | None = None) -> None:
    """Before a final decision the authors may withdraw, saying why; the editors are told."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Please say why you withdraw the submission.", "reason")
    _require_author(actor, submission, editable=False)
    check_version(submission, expected_version)
    submission.withdraw_reason = reason
    transition(actor, submission, "withdraw", reason=reason)
    editors = {e.id: e for e in managing_editors_of(submission)}
    if submission.handling_editor:
        editors[submission.handling_editor.id] = submission.handling_editor
    for editor in editors.values():
        queue_mail(editor, "submission_withdrawn", subject=f"{submission.reference} was withdrawn",
                   related=submission, submission=submission, reason=reason)
    _release_reviewers(submission)


def _release_reviewers(submission: Submission) -> None:
    """A withdrawn paper needs no more reviews: open invitations and reviews in progress are cancelled and the
    reviewers told (without the authors' reason, which may name them)."""
    from journal.models import AssignmentStatus, ReviewAssignment

    open_ones = db.session.scalars(select(ReviewAssignment).where(
        ReviewAssignment.submission_id == submission.id,
        ReviewAssignment.status.in_([AssignmentStatus.INVITED, AssignmentStatus.ACCEPTED]))).all()
    for assignment in open_ones:
        assignment.status = AssignmentStatus.CANCELLED
        assignment.cancelled_at = utcnow()
        audit(None, "review.cancelled", submission, reviewer=assignment.label, because="withdrawn")
        queue_mail(assignment.reviewer or assignment.invitee_email, "review_no_longer_needed",
                   subject=f"{submission.reference}: your review is no longer needed", related=submission,
                   submission=submission, assignment=assignment, withdrawn=True)


@transactional
def discard_draft(actor: User, submission: Submission) -> list[str]:
    """A draft that was never submitted can be deleted with its files; returns the storage keys to delete."""
    _require_author(actor, submission, editable=False)
    if submission.status is not S.DRAFT:
        raise DomainError("Only a draft can be deleted; a submitted paper can be withdrawn.")
    keys = [f.storage_key for f in submission.files]
    for file in list(submission.files):
        db.session.delete(file)
    audit(actor, "submission.discarded", submission, title=submission.title)
    db.session.delete(submission)
    return keys


def contributor_for_token(token: str) -> Contributor:
    try:
        data = URLSafeSerializer(current_app.config["SECRET_KEY"], salt="journal.contributor-objection").loads(token)
    except BadSignature:
        raise NotFound("This link is not valid.") from None
    contributor = db.session.get(Contributor, data["c"])
    if contributor is None or contributor.email != data["e"]:
        raise NotFound("This link is no longer valid: the author list has changed.")
    return contributor


@transactional
def object_to_listing(token: str, *, reason: str) -> Contributor:
    """A co-author says they should not be on the author list; the editors and the submitter are told."""
    contributor = contributor_for_token(token)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Please tell the editors why you should not be listed.", "reason")
    submission = contributor.submission
    contributor.objected_at = utcnow()
    contributor.objection = reason
    audit(None, "contributor.objected", submission, name=contributor.full_name, reason=reason)
    for editor in managing_editors_of(submission):
        queue_mail(editor, "coauthor_objected", subject=f"{submission.reference}: a listed author objects",
                   related=submission, submission=submission, contributor=contributor, reason=reason)
    queue_mail(submission.submitter, "coauthor_objected", subject=f"{submission.reference}: a listed author objects",
               related=submission, submission=submission, contributor=contributor, reason=reason)
    return contributor


# --- what the author sees ---------------------------------------------------------------------------

AUTHOR_VISIBLE_ACTIONS = {
    "submission.created": "Draft started",
    "submission.submit": "Submitted",
    "submission.resubmit": "Revision submitted",
    "submission.withdraw": "Withdrawn",
    "submission.desk_reject": "Rejected without review",
    "submission.send_to_review": "Sent to peer review",
    "submission.decide": "Decision",
    "submission.schedule": "Scheduled for publication",
    "submission.publish": "Published",
    "contributor.objected": "A listed author objected",
}


def author_history(submission: Submission) -> list[dict]:
    """The events an author may see, with editors shown as 'Editorial office' (no names, no private notes)."""
    from journal.audit import history

    rows = []
    for event in history(submission):
        label = AUTHOR_VISIBLE_ACTIONS.get(event.action)
        if label is None:
            continue
        authors = {submission.submitter_id} | {c.user_id for c in submission.contributors if c.user_id}
        who = event.actor.full_name if event.actor_id in authors and event.actor else "Editorial office"
        if event.action == "contributor.objected":
            who = event.payload.get("name", "")
        rows.append({"when": event.created_at, "what": label, "who": who,
                     "to": SubmissionStatus(event.payload["to"]).label if "to" in event.payload else None})
    return rows


def next_step_for_author(submission: Submission) -> str:
    """What is expected of the author now, in plain words."""
    return {
        S.DRAFT: "Finish the submission and submit it.",
        S.SUBMITTED: "Nothing for now: the editors are looking at your submission.",
        S.UNDER_REVIEW: "Nothing for now: your paper is with the reviewers.",
        S.REVISION_REQUESTED: "Revise the paper and submit the revision with your response to the reviewers.",
        S.ACCEPTED: "Nothing for now: the paper is accepted and goes into production.",
        S.SCHEDULED: "Nothing for now: the paper is scheduled for an issue.",
        S.PUBLISHED: "Nothing: the paper is published.",
        S.REJECTED: "Nothing: the journal has declined the paper.",
        S.WITHDRAWN: "Nothing: you withdrew the paper.",
    }[submission.status]


def submissions_of_author(user: User) -> list[Submission]:
    contributed = select(Contributor.submission_id).where(Contributor.user_id == user.id)
    return list(db.session.scalars(
        select(Submission)
        .where(or_(Submission.submitter_id == user.id, Submission.id.in_(contributed)))
        .options(selectinload(Submission.journal))
        .order_by(Submission.updated_at.desc())
    ))


def copy_to(stream_from: BinaryIO, stream_to: BinaryIO) -> None:
    shutil.copyfileobj(stream_from, stream_to, 1024 * 1024)
