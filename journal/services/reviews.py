"""Peer review: inviting reviewers, their answers through the mailed link, and the reviews they write.

The invitation link carries a token derived from the assignment with the app's secret key (HMAC), so reminders can
repeat the same link; only the token's SHA-256 is stored, so a database copy alone opens no invitation.
Mails and audit events never name the paper's authors to a reviewer, nor a reviewer to the authors.
"""

import hashlib
import hmac
import secrets
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import func, select

from journal.audit import audit
from journal.extensions import db
from journal.mail import external_url, queue_mail
from journal.models import (CRITERIA, AssignmentStatus, Membership, Recommendation, Review, ReviewAssignment,
                            ReviewRound, Role, Submission, SubmissionStatus, User, utcnow)
from journal.models.reviews import ENDED_STATUSES, OPEN_STATUSES
from journal.permissions import can
from journal.services.accounts import find_user_by_email, hash_password, normalize_email, queue_set_password
from journal.services.conflicts import Conflict, Person, conflicts_for, conflicts_of, require_override
from journal.services.errors import DomainError, NotFound, PermissionDenied
from journal.services.handlers import managing_editors_of
from journal.services.review_assignments import assignments_of, check_reviewer
from journal.services.shared_reviews import attachment_of, findings_for_reviewer
from journal.services.unit import transactional

A = AssignmentStatus


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_token(assignment: ReviewAssignment) -> str:
    """The personal link's token: the same for the invitation mail and every reminder."""
    key = current_app.config["SECRET_KEY"].encode()
    message = f"review-invitation:{assignment.id}:{assignment.invitee_email}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _as_deadline(value: date | datetime | None) -> datetime | None:
    """A date means the end of that day (UTC); a datetime is kept."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.combine(value, time(23, 59, 59), tzinfo=UTC)


def reviewer_pool(submission: Submission) -> list[tuple[User, int]]:
    """The journal's active reviewers, except the paper's authors, each with their open assignments (any journal)."""
    return [(user, count) for user, count, _found in reviewer_pool_with_conflicts(submission)]


def reviewer_pool_with_conflicts(submission: Submission) -> list[tuple[User, int, list[Conflict]]]:
    """The pool as above, each with their conflicts of interest (texts that name no author)."""
    load = (select(ReviewAssignment.reviewer_id, func.count().label("open"))
            .where(ReviewAssignment.status.in_(OPEN_STATUSES), ReviewAssignment.reviewer_id.is_not(None))
            .group_by(ReviewAssignment.reviewer_id).subquery())
    reviewer_ids = select(Membership.user_id).where(Membership.journal_id == submission.journal_id,
                                                    Membership.role == Role.REVIEWER)
    rows = db.session.execute(
        select(User, func.coalesce(load.c.open, 0)).outerjoin(load, load.c.reviewer_id == User.id)
        .where(User.id.in_(reviewer_ids), User.active.is_(True)).order_by(User.family_name, User.given_name)
    ).all()
    found = conflicts_for(None, submission, [Person.of(user) for user, _count in rows], sees_authors=False)
    return [(user, count, conflicts) for (user, count), conflicts in zip(rows, found)
            if not any(c.blocks for c in conflicts)]


def current_round(submission: Submission) -> ReviewRound | None:
    return next((r for r in submission.rounds if r.number == submission.current_round), None)


def _label_number(submission: Submission, user: User | None, email: str) -> int:
    """The number this person had on the paper before, or the next free one."""
    rows = db.session.execute(
        select(ReviewAssignment.reviewer_id, ReviewAssignment.invitee_email, ReviewAssignment.label_number)
        .where(ReviewAssignment.submission_id == submission.id)
    ).all()
    for reviewer_id, invitee_email, number in rows:
        if (user is not None and reviewer_id == user.id) or invitee_email == email:
            return number
    return max((number for *_, number in rows), default=0) + 1


def _editors_to_tell(submission: Submission) -> list[User]:
    """The handling editor, or the managing editors while there is none (never an author of the paper)."""
    if submission.handling_editor is not None:
        return [submission.handling_editor]
    return managing_editors_of(submission)


def _editor_link(submission: Submission) -> str:
    return external_url("editorial.submission", slug=submission.journal.slug, submission_id=submission.id)


def _check_decides(actor: User, submission: Submission) -> None:
    if not can(actor, "submission.decide", submission):
        raise PermissionDenied("Only the handling editor or a managing editor manages this paper's reviewers.")


def _invite(actor: User, submission: Submission, *, user_id: int | None = None, email: str | None = None,
            name: str | None = None, respond_by: date | datetime | None = None,
            due_at: date | datetime | None = None, override: bool = False,
            override_reason: str = "") -> tuple[ReviewAssignment, str]:
    """Ask a reviewer (an account, or a new person by name and email) to review the current round.

    The one conflict check decides first: an author of the paper is refused; any other conflict of interest holds
    the invitation (ConflictsFound, with the flags) unless the editor overrides it with a reason, which the audit
    event records. Returns the assignment and the invitation token (mailed; not stored)."""
    _check_decides(actor, submission)
    if submission.status is not SubmissionStatus.UNDER_REVIEW:
        raise DomainError(f"{submission.display_reference} is “{submission.status.label}”; reviewers are invited "
                          "while it is under review.")
    round_ = current_round(submission)
    if round_ is None:
        raise DomainError("This submission has no open review round.")
    user: User | None = None
    name = (name or "").strip()
    if user_id:
        user = db.session.get(User, user_id)
        if user is None or not user.active:
            raise DomainError("Choose one of the journal's reviewers.", "reviewer_id")
    else:
        email = normalize_email(email or "")
        if "@" not in email or len(email) > 254 or any(c.isspace() for c in email):
            raise DomainError("Enter the new reviewer's email address.", "email")
        user = find_user_by_email(email)
        if user is None and not name:
            raise DomainError("Enter the new reviewer's name.", "name")
        if user is not None and not user.active:
            raise DomainError("This person's account is deactivated; they cannot be invited.", "email")
    address = user.email if user else email
    field = "reviewer_id" if user_id else "email"
    found = conflicts_of(actor, submission, Person(name=user.full_name if user else name, email=address, user=user))
    if any(c.blocks for c in found):
        raise DomainError("This person is an author of the paper and cannot review it.", field)
    for other in db.session.scalars(select(ReviewAssignment).where(ReviewAssignment.round_id == round_.id)):
        same = (user is not None and other.reviewer_id == user.id) or other.invitee_email == address
        if same and other.status not in ENDED_STATUSES:
            raise DomainError(f"{other.reviewer_name} has been invited in this round already "
                              f"({other.status.label.lower()}).", field)

    now = utcnow()
    journal = submission.journal
    respond_by = _as_deadline(respond_by) or now + timedelta(days=journal.response_days)
    due_at = _as_deadline(due_at) or max(now + timedelta(days=journal.review_days), respond_by + timedelta(days=1))
    if respond_by <= now:
        raise DomainError("The respond-by date must lie in the future.", "respond_by")
    if due_at <= respond_by:
        raise DomainError("The review must be due after the respond-by date.", "due_at")
    override_payload = require_override([(user.full_name if user else name, found)], override=override,
                                        reason=override_reason)

    assignment = ReviewAssignment(
        round=round_, submission_id=submission.id, reviewer=user, invitee_email=address,
        invitee_name=user.full_name if user else name, invited_by=actor, status=A.INVITED,
        token_hash=hash_token(secrets.token_urlsafe(32)), respond_by=respond_by, due_at=due_at,
        label_number=_label_number(submission, user, address), decline_reason="", suggested_alternatives="",
        reminders_sent=0,
    )
    db.session.add(assignment)
    db.session.flush()  # the id, which the token is derived from
    token = invitation_token(assignment)
    assignment.token_hash = hash_token(token)
    audit(actor, "review.invited", submission, reviewer=assignment.label, round=round_.number,
          respond_by=respond_by.date().isoformat(), due=due_at.date().isoformat(), **override_payload)
    queue_mail(user or address, "review_invitation", subject=f"Invitation to review for {journal.title}",
               related=submission, submission=submission, journal=journal, assignment=assignment,
               name=assignment.reviewer_name, link=external_url("review.invitation", token=token))
    return assignment, token


# One invitation, one transaction; _invite is also used inside larger services (re-inviting a round).
invite_reviewer = transactional(_invite)


def earlier_reviews_by(assignment: ReviewAssignment) -> list[tuple[ReviewAssignment, str]]:
    """In round 2 and later: this reviewer's own submitted reviews of earlier rounds, each with the
    authors' response that came with the next round."""
    if assignment.reviewer_id is None:
        return []
    responses = {r.number: r.author_response for r in assignment.submission.rounds}
    return [(a, responses.get(a.round.number + 1, "")) for a in assignments_of(assignment.submission)
            if a.reviewer_id == assignment.reviewer_id and a.round.number < assignment.round.number
            and a.status is A.SUBMITTED and a.review is not None]


def previous_reviewers(submission: Submission) -> list[User]:
    """The reviewers who submitted a review in the previous round, by label."""
    number = submission.current_round - 1
    return [a.reviewer for a in assignments_of(submission)
            if a.round.number == number and a.status is A.SUBMITTED and a.reviewer is not None and a.reviewer.active]


@transactional
def send_to_previous_reviewers(actor: User, submission: Submission, *, expected_version: int | None = None,
                               override: bool = False, override_reason: str = "") -> int:
    """A revision goes back to review and the previous round's reviewers are invited again, in one step.

    Each goes through the conflict check first (the authors may have opposed one in the revision, or written a
    paper with one since): a conflict holds them all, with every flag, until the editor overrides it with a reason."""
    from journal.workflow import check_version, transition

    check_version(submission, expected_version)
    reviewers = previous_reviewers(submission)
    if not reviewers:
        raise DomainError("No reviewer finished a review in the previous round; invite reviewers one by one.")
    flagged = list(zip((r.full_name for r in reviewers),
                       conflicts_for(actor, submission, [Person.of(r) for r in reviewers])))
    authors = [name for name, found in flagged if any(c.blocks for c in found)]
    if authors:
        raise DomainError(f"{', '.join(authors)} is now an author of the paper and cannot review it; invite "
                          "reviewers one by one.")
    require_override(flagged, override=override, reason=override_reason)
    transition(actor, submission, "send_to_review", round=submission.current_round)
    for reviewer in reviewers:
        _invite(actor, submission, user_id=reviewer.id, override=override, override_reason=override_reason)
    return len(reviewers)


def link_closes_at(assignment: ReviewAssignment) -> datetime:
    """The invitation link expires after the respond-by date, but stays open through the journal's last
    reminder after it (reminders "your answer was due 2 days ago" carry the same link, and it must work)."""
    days = (assignment.submission.journal.reminder_days or {}).get("respond_by", [])
    grace = max((d for d in days if isinstance(d, int) and d > 0), default=0)
    if not grace:
        return assignment.respond_by
    # Reminders count calendar days (UTC): the link works through the whole day of the last one.
    return datetime.combine((assignment.respond_by + timedelta(days=grace)).date(), time(23, 59, 59), tzinfo=UTC)


def invitation_for_token(token: str) -> ReviewAssignment:
    """The invitation this link opens; a readable error when it no longer does."""
    assignment = db.session.scalar(select(ReviewAssignment).where(ReviewAssignment.token_hash == hash_token(token or "")))
    if assignment is None:
        raise NotFound("This invitation link is not valid. Copy the whole link from the mail, or write to the "
                       "editorial office.")
    if assignment.status is A.CANCELLED:
        raise DomainError("This invitation was cancelled by the editors: your review is no longer needed. "
                          "Thank you all the same.")
    if assignment.status is A.INVITED and utcnow() > link_closes_at(assignment):
        raise DomainError("This invitation has expired: its answer was due by "
                          f"{assignment.respond_by:%-d %B %Y}. Write to the editorial office if you would still "
                          "like to review.")
    return assignment


def _open_invitation(token: str) -> ReviewAssignment:
    assignment = invitation_for_token(token)
    if assignment.status is not A.INVITED:
        raise DomainError(f"You have answered this invitation already ({assignment.status.label.lower()}).")
    if assignment.submission.status is not SubmissionStatus.UNDER_REVIEW:
        raise DomainError("This paper is no longer under review; your review is not needed. Thank you all the same.")
    return assignment


def _tell_editors(assignment: ReviewAssignment, *, accepted: bool) -> None:
    submission = assignment.submission
    for editor in _editors_to_tell(submission):
        queue_mail(editor, "review_invitation_answered",
                   subject=f"{submission.reference}: {assignment.label} {'accepted' if accepted else 'declined'}",
                   related=submission, submission=submission, assignment=assignment, accepted=accepted,
                   reviewer_name=assignment.reviewer_name, link=_editor_link(submission))


def _split_name(name: str, email: str) -> tuple[str, str]:
    parts = name.split()
    if not parts:
        return email.split("@")[0], ""
    return (" ".join(parts[:-1]) or parts[0], parts[-1] if len(parts) > 1 else "")


def _agreed(assignment: ReviewAssignment) -> bool:
    """Accepted at some point: reviewing, submitted, or cancelled after accepting."""
    return assignment.status in (A.ACCEPTED, A.SUBMITTED) or (
        assignment.status is A.CANCELLED and assignment.responded_at is not None)


def _settle_label(assignment: ReviewAssignment) -> None:
    """An invitation's number is provisional; accepting fixes it as the next among those who agreed (or the
    number this person had before), so a declined invitation leaves no gap in what the authors read:
    Reviewer 1, Reviewer 2. An open invitation holding that number moves to the next free one."""
    others = db.session.scalars(select(ReviewAssignment).where(
        ReviewAssignment.submission_id == assignment.submission_id, ReviewAssignment.id != assignment.id)).all()
    earlier = next((a.label_number for a in others if _agreed(a) and a.reviewer_id is not None
                    and a.reviewer_id == assignment.reviewer_id), None)
    number = earlier or max((a.label_number for a in others if _agreed(a)), default=0) + 1
    assignment.label_number = number
    for other in others:
        if other.status is A.INVITED and other.label_number == number:
            other.label_number = max([a.label_number for a in others] + [number]) + 1


@transactional
def accept_invitation(token: str, *, proposed_due_at: date | datetime | None = None) -> ReviewAssignment:
    """The invitee agrees to review. Someone without an account gets one (the link proved the address) and a
    mail to choose a password; either way they become a reviewer of the journal."""
    assignment = _open_invitation(token)
    proposed = _as_deadline(proposed_due_at)
    if proposed is not None and proposed <= utcnow():
        raise DomainError("A proposed due date must lie in the future.", "proposed_due_at")
    new_account = False
    if assignment.reviewer is None:
        user = find_user_by_email(assignment.invitee_email)
        if user is None:
            given, family = _split_name(assignment.invitee_name, assignment.invitee_email)
            user = User(email=assignment.invitee_email, password_hash=hash_password(secrets.token_urlsafe(32)),
                        given_name=given, family_name=family, expertise_keywords=[], email_verified_at=utcnow())
            db.session.add(user)
            db.session.flush()
            audit(user, "user.registered", user, via="review invitation")
            new_account = True
        assignment.reviewer = user
    user = assignment.reviewer
    submission = assignment.submission
    if not db.session.scalar(select(Membership.id).where(Membership.user_id == user.id,
                                                         Membership.journal_id == submission.journal_id,
                                                         Membership.role == Role.REVIEWER)):
        db.session.add(Membership(user_id=user.id, journal_id=submission.journal_id, role=Role.REVIEWER))
    if new_account:
        queue_set_password(user, reason=f"because you agreed to review for {submission.journal.title}")
    _settle_label(assignment)
    assignment.status = A.ACCEPTED
    assignment.responded_at = utcnow()
    assignment.proposed_due_at = proposed if proposed and proposed != assignment.due_at else None
    audit(user, "review.accepted", submission, reviewer=assignment.label,
          **({"proposed_due": proposed.date().isoformat()} if assignment.proposed_due_at else {}))
    _tell_editors(assignment, accepted=True)
    return assignment


@transactional
def decline_invitation(token: str, *, reason: str = "", alternatives: str = "") -> ReviewAssignment:
    """The invitee says no, with an optional reason and people to ask instead."""
    assignment = _open_invitation(token)
    assignment.status = A.DECLINED
    assignment.responded_at = utcnow()
    assignment.decline_reason = (reason or "").strip()[:5000]
    assignment.suggested_alternatives = (alternatives or "").strip()[:5000]
    audit(assignment.reviewer, "review.declined", assignment.submission, reviewer=assignment.label)
    _tell_editors(assignment, accepted=False)
    return assignment


def _reviewer_link(assignment: ReviewAssignment) -> str:
    return external_url("review.index")


@transactional
def cancel_invitation(actor: User, assignment: ReviewAssignment) -> None:
    """The editor withdraws an invitation or an accepted request; the reviewer is told."""
    submission = assignment.submission
    _check_decides(actor, submission)
    if assignment.status not in OPEN_STATUSES:
        raise DomainError(f"{assignment.label}'s assignment is “{assignment.status.label}”; only open invitations "
                          "and reviews in progress can be cancelled.")
    assignment.status = A.CANCELLED
    assignment.cancelled_at = utcnow()
    audit(actor, "review.cancelled", submission, reviewer=assignment.label)
    queue_mail(assignment.reviewer or assignment.invitee_email, "review_cancelled",
               subject=f"Review no longer needed: {submission.journal.title}", related=submission,
               submission=submission, journal=submission.journal, name=assignment.reviewer_name)


def _set_due_date(actor: User, assignment: ReviewAssignment, due_at: date | datetime, *,
                  action: str = "review.due_date_changed") -> None:
    """The rules of a new due date, shared by extending and approving the reviewer's proposal."""
    submission = assignment.submission
    _check_decides(actor, submission)
    if assignment.status not in OPEN_STATUSES:
        raise DomainError(f"{assignment.label}'s assignment is “{assignment.status.label}”; its due date cannot "
                          "change.")
    due_at = _as_deadline(due_at)
    if due_at is None or due_at <= utcnow():
        raise DomainError("The new due date must lie in the future.", "due_at")
    if due_at <= assignment.respond_by:
        raise DomainError("The review must be due after the respond-by date.", "due_at")
    previous = assignment.due_at
    assignment.due_at = due_at
    assignment.proposed_due_at = None
    audit(actor, action, submission, reviewer=assignment.label,
          previous=previous.date().isoformat(), due=due_at.date().isoformat())


@transactional
def extend_due_date(actor: User, assignment: ReviewAssignment, due_at: date | datetime) -> None:
    """The editor moves the review's due date (e.g. granting the date the reviewer proposed)."""
    submission = assignment.submission
    _set_due_date(actor, assignment, due_at)
    queue_mail(assignment.reviewer or assignment.invitee_email, "review_due_changed",
               subject=f"New due date for your review: {submission.journal.title}", related=submission,
               submission=submission, journal=submission.journal, assignment=assignment,
               name=assignment.reviewer_name, link=_reviewer_link(assignment))


def get_assignment(assignment_id: int) -> ReviewAssignment:
    assignment = db.session.get(ReviewAssignment, assignment_id)
    if assignment is None:
        raise NotFound("There is no such review assignment.")
    return assignment


def my_assignments(user: User) -> list[ReviewAssignment]:
    """The reviewer's assignments, newest first, with their papers."""
    from sqlalchemy.orm import selectinload

    return list(db.session.scalars(
        select(ReviewAssignment).where(ReviewAssignment.reviewer_id == user.id)
        .options(selectinload(ReviewAssignment.submission).selectinload(Submission.journal),
                 selectinload(ReviewAssignment.review), selectinload(ReviewAssignment.round))
        .order_by(ReviewAssignment.due_at.desc(), ReviewAssignment.id.desc())
    ))


# --- The review -----------------------------------------------------------------------------------------------

CRITERION_KEYS = tuple(c.key for c in CRITERIA)


def _clean_scores(scores: dict | None) -> dict[str, int]:
    cleaned = {}
    for key, value in (scores or {}).items():
        if key not in CRITERION_KEYS or value in (None, ""):
            continue
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise DomainError(f"Scores are whole numbers from 1 to 5.", key) from None
        if not 1 <= number <= 5:
            raise DomainError("Scores are whole numbers from 1 to 5.", key)
        cleaned[key] = number
    return cleaned


@transactional
def save_review(actor: User, assignment: ReviewAssignment, *, scores: dict | None = None,
                recommendation: str | Recommendation | None = None, comments_to_authors: str | None = None,
                confidential_comments: str | None = None, consent_to_name: bool | None = None) -> Review:
    """Keep the reviewer's draft; nothing is checked for completeness until submitting."""
    review = check_reviewer(actor, assignment)
    if scores is not None:
        review.scores = _clean_scores(scores)
    if recommendation is not None:
        try:
            review.recommendation = Recommendation(recommendation) if recommendation else None
        except ValueError:
            raise DomainError("Choose one of the recommendations.", "recommendation") from None
    if comments_to_authors is not None:
        review.comments_to_authors = comments_to_authors.strip()[:100_000]
    if confidential_comments is not None:
        review.confidential_comments = confidential_comments.strip()[:100_000]
    if consent_to_name is not None:  # open review only: agreeing to be named to the authors after the decision
        from journal.models import ReviewMode
        review.consent_to_name = (bool(consent_to_name)
                                  and assignment.submission.journal.review_mode is ReviewMode.OPEN)
    review.updated_at = utcnow()
    return review


@transactional
def submit_review(actor: User, assignment: ReviewAssignment) -> Review:
    """Hand in the review: every criterion scored, a recommendation, comments to the authors. Then read-only;
    the editors are told."""
    review = check_reviewer(actor, assignment)
    missing = [c.label for c in CRITERIA if c.key not in (review.scores or {})]
    if missing:
        raise DomainError(f"Score every criterion before submitting (missing: {', '.join(missing)}).", "scores")
    if review.recommendation is None:
        raise DomainError("Choose your recommendation before submitting.", "recommendation")
    if len(review.comments_to_authors.strip()) < 20:
        raise DomainError("Write your comments to the authors before submitting.", "comments_to_authors")
    if assignment.submission.status is not SubmissionStatus.UNDER_REVIEW:
        raise DomainError("This paper is no longer under review; the editors have decided already.")
    _check_attachment_seen(assignment)
    now = utcnow()
    review.submitted_at = now
    assignment.status = A.SUBMITTED
    assignment.completed_at = now
    submission = assignment.submission
    # A review the editor returned comes back: said so in the history and the mail; returned_at stays as a record.
    resubmitted = assignment.returned_at is not None
    audit(actor, "review.resubmitted" if resubmitted else "review.submitted", submission, reviewer=assignment.label,
          recommendation=review.recommendation.value)
    db.session.flush()
    submitted_count = db.session.scalar(select(func.count()).select_from(ReviewAssignment).where(
        ReviewAssignment.round_id == assignment.round_id, ReviewAssignment.status == A.SUBMITTED))
    what = "resubmitted the review you returned" if resubmitted else "submitted a review"
    for editor in _editors_to_tell(submission):
        queue_mail(editor, "review_submitted", subject=f"{submission.reference}: {assignment.label} {what}",
                   related=submission, submission=submission, assignment=assignment, review=review,
                   reviewer_name=assignment.reviewer_name, submitted_count=submitted_count,
                   resubmitted=resubmitted, link=_editor_link(submission))
    return review


def _check_attachment_seen(assignment: ReviewAssignment) -> None:
    """An attachment that names its reviewer is submitted only once they saw where and confirmed it may be shared."""
    file = attachment_of(assignment)
    if file is not None and file.withheld_for_names:
        raise DomainError(f"Your attachment names you: {'; '.join(findings_for_reviewer(file))}. Choose a file "
                          "that does not name you, or confirm that the authors may receive this one as it is, then "
                          "submit again.", "attachment")


# --- The reviewer's attachment ----------------------------------------------------------------------------------
# SubmissionFile has no assignment column (and no migration may add one): a review's attachment is the
# REVIEW_ATTACHMENT file of the assignment's round uploaded by its reviewer, so (round, uploaded_by) identifies the
# assignment; a reviewer has one live assignment per round. Its stored name is neutral ("Reviewer 2 – attachment.pdf").
REVIEW_ATTACHMENT_TYPES = {".pdf": "application/pdf", ".txt": "text/plain", ".csv": "text/csv"}
REVIEW_ATTACHMENT_MAX_PAGES = 100


def add_review_attachment(actor: User, assignment: ReviewAssignment, stream, filename: str):
    """Attach a file to the draft review, replacing the one before. A PDF is checked in the sandbox like a
    manuscript and only a copy without its document properties (which name whoever wrote it) is kept; plain text
    must be UTF-8. Other formats (Word's among them) keep their author in the file, so they are refused."""
    import codecs
    import tempfile
    from pathlib import PurePath

    from journal import pdf
    from journal.models import FileKind, SubmissionFile
    from journal.services.files import StagedObjects
    from journal.services.uploads import file_limit, pdf_limits, pdf_slots, spool
    from journal.storage import StorageError, get_storage

    check_reviewer(actor, assignment)
    suffix = PurePath(filename or "").suffix.lower()
    media_type = REVIEW_ATTACHMENT_TYPES.get(suffix)
    if media_type is None:
        raise DomainError("Attach a PDF (or a plain-text .txt or .csv file). Save a Word document as PDF first: the "
                          "PDF's document properties, which name you, are then removed.", "attachment")
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
                reason = "This file is not a PDF." if exc.reason == pdf.NOT_PDF else exc.reason
                raise DomainError(reason.replace("your manuscript", "the attachment"), "attachment") from None
            stored_from = copy
        else:
            decoder = codecs.getincrementaldecoder("utf-8")()
            try:
                while chunk := spooled.read(1024 * 1024):
                    if b"\0" in chunk:
                        raise UnicodeDecodeError("utf-8", chunk, 0, 1, "NUL byte")
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                raise DomainError("This file is not plain text (UTF-8). Attach a PDF instead.", "attachment") from None
            stored_from = spooled
        stored_from.seek(0)
        previous = list(db.session.scalars(select(SubmissionFile).where(
            SubmissionFile.submission_id == submission.id, SubmissionFile.kind == FileKind.REVIEW_ATTACHMENT,
            SubmissionFile.round == assignment.round.number, SubmissionFile.uploaded_by_id == actor.id)))
        with StagedObjects() as staged:
            stored = staged.put(f"submissions/{submission.id}", stored_from, media_type=media_type)
            if stored.size == 0:
                raise DomainError("The file is empty.", "attachment")
            file = SubmissionFile(
                submission=submission, round=assignment.round.number, kind=FileKind.REVIEW_ATTACHMENT,
                storage_key=stored.key, original_name=f"{assignment.label} – attachment{suffix}", size=stored.size,
                sha256=stored.sha256, media_type=media_type, uploaded_by=actor,
                page_count=report.page_count if report else None,
                pdf_report={"page_count": report.page_count, "found": [list(hit) for hit in report.found]}
                if report else None,
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


# --- What the editor does with the reviews ---------------------------------------------------------------------
#
# What the authors get of a round's reviews is settled by its decision: the letter is drafted from the shared
# reviews (the corrected text where there is one). So sharing, correcting and returning are open only while the
# round is under review; ratings, which the authors never see, may be given and changed at any time.

RETURN_MIN_DAYS = 7
RATINGS = {1: "1 – poor", 2: "2 – fair", 3: "3 – good", 4: "4 – very good", 5: "5 – excellent"}


def _submitted_review(actor: User, assignment: ReviewAssignment) -> Review:
    _check_decides(actor, assignment.submission)
    if assignment.status is not A.SUBMITTED or assignment.review is None or not assignment.review.is_submitted:
        raise DomainError(f"{assignment.label} has no submitted review (the assignment is "
                          f"“{assignment.status.label.lower()}”).")
    return assignment.review


def round_is_open(assignment: ReviewAssignment) -> bool:
    """The assignment's round is the paper's current one and still under review (not decided, not withdrawn)."""
    submission = assignment.submission
    return submission.status is SubmissionStatus.UNDER_REVIEW and assignment.round.number == submission.current_round


def _check_round_open(assignment: ReviewAssignment) -> None:
    if not round_is_open(assignment):
        submission = assignment.submission
        raise DomainError(f"Round {assignment.round.number} of {submission.display_reference} is no longer under "
                          f"review ({submission.status.label.lower()}): what the authors were sent of its reviews "
                          "stays as it was.")


@transactional
def set_shared_with_authors(actor: User, assignment: ReviewAssignment, shared: bool) -> Review:
    """The editor chooses whether the authors get this review's comments (confidential comments never)."""
    review = _submitted_review(actor, assignment)
    _check_round_open(assignment)
    shared = bool(shared)
    if review.shared_with_authors == shared:
        raise DomainError(f"{assignment.label}'s comments are {'already' if shared else 'not'} shared with the "
                          "authors.")
    review.shared_with_authors = shared
    audit(actor, "review.shared" if shared else "review.unshared", assignment.submission, reviewer=assignment.label,
          round=assignment.round.number)
    return review


@transactional
def return_review(actor: User, assignment: ReviewAssignment, request: str) -> ReviewAssignment:
    """A submitted review goes back to its reviewer with the editor's request; they edit it and submit again.

    The due date is kept, or moved to at least a week from now. Until it is resubmitted the review does not count
    for the decision. An editor's correction of the old text is dropped: the reviewer rewrites it."""
    review = _submitted_review(actor, assignment)
    _check_round_open(assignment)
    request = (request or "").replace("\r\n", "\n").strip()
    if len(request) < 10:
        raise DomainError("Tell the reviewer what to change (at least a sentence).", "request")
    if len(request) > 10_000:
        raise DomainError("Keep the request under 10,000 characters.", "request")
    now = utcnow()
    previous_due = assignment.due_at
    assignment.due_at = max(assignment.due_at, _as_deadline((now + timedelta(days=RETURN_MIN_DAYS)).date()))
    assignment.status = A.ACCEPTED
    assignment.completed_at = None
    assignment.returned_at = now
    assignment.return_request = request
    review.submitted_at = None
    dropped = review.corrected_comments is not None
    review.corrected_comments, review.corrected_by_id, review.corrected_at = None, None, None
    submission = assignment.submission
    audit(actor, "review.returned", submission, reviewer=assignment.label, round=assignment.round.number,
          request=_excerpt(request), due=assignment.due_at.date().isoformat(),
          **({"previous_due": previous_due.date().isoformat()} if previous_due != assignment.due_at else {}),
          **({"correction": "dropped"} if dropped else {}))
    queue_mail(assignment.reviewer or assignment.invitee_email, "review_returned",
               subject=f"Please revise your review for {submission.journal.title}", related=submission,
               submission=submission, journal=submission.journal, assignment=assignment,
               name=assignment.reviewer_name, request=request,
               link=external_url("review.assignment", assignment_id=assignment.id))
    return assignment


def _excerpt(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _same_text(a: str, b: str) -> bool:
    """Equal but for line endings and surrounding space (a browser sends CRLF)."""
    return a.replace("\r\n", "\n").strip() == b.replace("\r\n", "\n").strip()


@transactional
def correct_review(actor: User, assignment: ReviewAssignment, text: str) -> Review:
    """The editor corrects the comments the authors will get (a slip, a signature, an unkind phrase).

    The reviewer's original stays as it was, shown to the editors beside the correction; the history records who
    corrected and how much, not the text. The original text again clears the correction."""
    review = _submitted_review(actor, assignment)
    _check_round_open(assignment)
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        raise DomainError("The corrected text cannot be empty. To keep this review from the authors, stop sharing "
                          "it instead.", "text")
    if len(text) > 100_000:
        raise DomainError("Keep the text under 100,000 characters.", "text")
    if _same_text(text, review.comments_to_authors):
        if review.corrected_comments is None:
            raise DomainError("This is the reviewer's text unchanged: there is nothing to correct.", "text")
        return _revert(actor, assignment, review)
    if review.corrected_comments is not None and _same_text(text, review.corrected_comments):
        raise DomainError("This is the corrected text already: nothing changed.", "text")
    import difflib

    before = review.comments_for_authors.replace("\r\n", "\n").strip()
    changed = sum(1 for line in difflib.ndiff(before.splitlines(), text.splitlines()) if line[:1] in "+-")
    review.corrected_comments = text
    review.corrected_by = actor
    review.corrected_at = utcnow()
    audit(actor, "review.corrected", assignment.submission, reviewer=assignment.label, round=assignment.round.number,
          note=f"{changed} line{'s' if changed != 1 else ''} changed; {len(before):,} → {len(text):,} characters")
    return review


def _revert(actor: User, assignment: ReviewAssignment, review: Review) -> Review:
    review.corrected_comments, review.corrected_by_id, review.corrected_at = None, None, None
    audit(actor, "review.correction_reverted", assignment.submission, reviewer=assignment.label,
          round=assignment.round.number)
    return review


@transactional
def revert_correction(actor: User, assignment: ReviewAssignment) -> Review:
    """The authors get the reviewer's original text again."""
    review = _submitted_review(actor, assignment)
    _check_round_open(assignment)
    if review.corrected_comments is None:
        raise DomainError(f"{assignment.label}'s text is not corrected; the authors get the reviewer's original.")
    return _revert(actor, assignment, review)


def _rating(value, field: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise DomainError("Ratings are whole numbers from 1 to 5.", field) from None
    if not 1 <= number <= 5:
        raise DomainError("Ratings are whole numbers from 1 to 5.", field)
    return number


@transactional
def rate_review(actor: User, assignment: ReviewAssignment, timeliness: int, quality: int) -> ReviewAssignment:
    """The editor's private rating of a submitted review, for later reviewer searches; it can be changed.

    Neither the reviewer nor the authors ever see it."""
    _submitted_review(actor, assignment)
    timeliness, quality = _rating(timeliness, "timeliness"), _rating(quality, "quality")
    previous = (assignment.rating_timeliness, assignment.rating_quality)
    if previous == (timeliness, quality):
        raise DomainError(f"{assignment.label}'s review has this rating already.")
    assignment.rating_timeliness, assignment.rating_quality = timeliness, quality
    assignment.rated_by = actor
    assignment.rated_at = utcnow()
    audit(actor, "review.rated", assignment.submission, reviewer=assignment.label, timeliness=timeliness,
          quality=quality, **({"previous": f"{previous[0]}/{previous[1]}"} if previous[0] is not None else {}))
    return assignment


def _pending_proposal(actor: User, assignment: ReviewAssignment) -> datetime:
    _check_decides(actor, assignment.submission)
    if assignment.proposed_due_at is None:
        raise DomainError(f"{assignment.label} has no proposed due date waiting for an answer.")
    return assignment.proposed_due_at


@transactional
def approve_proposed_due_date(actor: User, assignment: ReviewAssignment) -> ReviewAssignment:
    """The due date the reviewer proposed on accepting becomes the due date; the reviewer is told."""
    proposed = _pending_proposal(actor, assignment)
    _set_due_date(actor, assignment, proposed, action="review.proposed_due_date_approved")
    _tell_due_date_answer(assignment, approved=True, note="")
    return assignment


@transactional
def refuse_proposed_due_date(actor: User, assignment: ReviewAssignment, note: str = "") -> ReviewAssignment:
    """The editor keeps the due date; the reviewer is told, with the editor's note if any."""
    proposed = _pending_proposal(actor, assignment)
    if assignment.status not in OPEN_STATUSES:
        raise DomainError(f"{assignment.label}'s assignment is “{assignment.status.label}”; its due date cannot "
                          "change.")
    note = (note or "").replace("\r\n", "\n").strip()
    if len(note) > 5000:
        raise DomainError("Keep the note under 5,000 characters.", "note")
    assignment.proposed_due_at = None
    audit(actor, "review.proposed_due_date_refused", assignment.submission, reviewer=assignment.label,
          proposed=proposed.date().isoformat(), due=assignment.due_at.date().isoformat(),
          **({"note": _excerpt(note)} if note else {}))
    _tell_due_date_answer(assignment, approved=False, note=note, proposed=proposed)
    return assignment


def _tell_due_date_answer(assignment: ReviewAssignment, *, approved: bool, note: str,
                          proposed: datetime | None = None) -> None:
    submission = assignment.submission
    queue_mail(assignment.reviewer or assignment.invitee_email, "review_due_date_answered",
               subject=f"Your proposed due date {'is approved' if approved else 'could not be granted'}: "
                       f"{submission.journal.title}",
               related=submission, submission=submission, journal=submission.journal, assignment=assignment,
               name=assignment.reviewer_name, approved=approved, note=note, proposed=proposed,
               link=external_url("review.assignment", assignment_id=assignment.id))
