"""A review's due date: the editor moves it, or answers the date the reviewer proposed on accepting (approve, or
keep the date with a note). The reviewer is told either way."""

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from flask_babel import gettext as _

from journal.audit import audit, excerpt
from journal.mail import external_url, queue_mail
from journal.models import ReviewAssignment, User, utcnow
from journal.models.reviews import OPEN_STATUSES
from journal.services.errors import DomainError
from journal.services.invitations import as_deadline, check_decides
from journal.services.unit import transactional


def _set_due_date(actor: User, assignment: ReviewAssignment, due_at: date | datetime, *,
                  action: str = "review.due_date_changed") -> None:
    """The rules of a new due date, shared by extending and approving the reviewer's proposal."""
    submission = assignment.submission
    check_decides(actor, submission)
    if assignment.status not in OPEN_STATUSES:
        raise DomainError(_("%(reviewer)s's assignment is “%(status)s”; its due date cannot change.",
                            reviewer=assignment.label, status=assignment.status.label))
    due_at = as_deadline(due_at)
    if due_at is None or due_at <= utcnow():
        raise DomainError(_("The new due date must lie in the future."), "due_at")
    if due_at <= assignment.respond_by:
        raise DomainError(_("The review must be due after the respond-by date."), "due_at")
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
               subject=_l('New due date for your review: %(journal)s', journal=submission.journal.title),
               related=submission,
               submission=submission, journal=submission.journal, assignment=assignment,
               name=assignment.reviewer_name, link=external_url("review.index"))


def _pending_proposal(actor: User, assignment: ReviewAssignment) -> datetime:
    check_decides(actor, assignment.submission)
    if assignment.proposed_due_at is None:
        raise DomainError(_("%(reviewer)s has no proposed due date waiting for an answer.", reviewer=assignment.label))
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
        raise DomainError(_("%(reviewer)s's assignment is “%(status)s”; its due date cannot change.",
                            reviewer=assignment.label, status=assignment.status.label))
    note = (note or "").replace("\r\n", "\n").strip()
    if len(note) > 5000:
        raise DomainError(_("Keep the note under 5,000 characters."), "note")
    assignment.proposed_due_at = None
    audit(actor, "review.proposed_due_date_refused", assignment.submission, reviewer=assignment.label,
          proposed=proposed.date().isoformat(), due=assignment.due_at.date().isoformat(),
          **({"note": excerpt(note)} if note else {}))
    _tell_due_date_answer(assignment, approved=False, note=note, proposed=proposed)
    return assignment


def _tell_due_date_answer(assignment: ReviewAssignment, *, approved: bool, note: str,
                          proposed: datetime | None = None) -> None:
    submission = assignment.submission
    queue_mail(assignment.reviewer or assignment.invitee_email, "review_due_date_answered",
               subject=(_l('Your proposed due date is approved: %(journal)s', journal=submission.journal.title)
                        if approved
                        else _l('Your proposed due date could not be granted: %(journal)s',
                                journal=submission.journal.title)),
               related=submission, submission=submission, journal=submission.journal, assignment=assignment,
               name=assignment.reviewer_name, approved=approved, note=note, proposed=proposed,
               link=external_url("review.assignment", assignment_id=assignment.id))
