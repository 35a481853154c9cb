"""Inviting reviewers and their answers: the reviewer pool, the invitation (one conflict check first), sending a
revision to the previous round's reviewers, accepting (perhaps proposing a due date) or declining through the mailed
link, cancelling. Changing a due date afterwards: journal/services/due_dates.py.

The invitation link carries a token derived from the assignment with the app's secret key (HMAC), so reminders can
repeat the same link; only the token's SHA-256 is stored, so a database copy alone opens no invitation.
Mails and audit events never name the paper's authors to a reviewer, nor a reviewer to the authors.
"""

import hashlib
import hmac
import secrets
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import gettext as _
from flask_babel import force_locale, ngettext
from sqlalchemy import func, select

from journal.audit import audit
from journal.extensions import db
from journal.i18n import locale_for
from journal.mail import external_url, queue_mail
from journal.services import mail_templates
from journal.models import (AssignmentStatus, Membership, ReviewAssignment, ReviewRound, Role, Submission,
                            SubmissionStatus, User, utcnow)
from journal.models.reviews import ENDED_STATUSES, OPEN_STATUSES
from journal.permissions import can
from journal.services.accounts import (check_password_strength, find_user_by_email, hash_password, normalize_email,
                                      queue_set_password)
from journal.services.conflicts import Conflict, Person, conflicts_for, conflicts_of, require_override
from journal.services.errors import DomainError, NotFound, PermissionDenied
from journal.services.handlers import managing_editors_of
from journal.services.review_assignments import assignments_of
from journal.services.scheduled_runs import long_date
from journal.services.sign_ins import log_in_here
from journal.services.unit import transactional


A = AssignmentStatus


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_token(assignment: ReviewAssignment) -> str:
    """The personal link's token: the same for the invitation mail and every reminder."""
    key = current_app.config["SECRET_KEY"].encode()
    message = f"review-invitation:{assignment.id}:{assignment.invitee_email}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def as_deadline(value: date | datetime | None) -> datetime | None:
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
    """The number this person had on the paper before, or the next free one: fixed at invitation, so the editors'
    "Reviewer 3" stays Reviewer 3 whoever declines. (The authors read numbers of their own, without gaps:
    shared_reviews.authors_numbers.)"""
    rows = db.session.execute(
        select(ReviewAssignment.reviewer_id, ReviewAssignment.invitee_email, ReviewAssignment.label_number)
        .where(ReviewAssignment.submission_id == submission.id)
    ).all()
    for reviewer_id, invitee_email, number in rows:
        if (user is not None and reviewer_id == user.id) or invitee_email == email:
            return number
    return max((number for *_, number in rows), default=0) + 1


def editors_to_tell(submission: Submission) -> list[User]:
    """The handling editor, or the managing editors while there is none (never an author of the paper)."""
    if submission.handling_editor is not None:
        return [submission.handling_editor]
    return managing_editors_of(submission)


def editor_link(submission: Submission) -> str:
    return external_url("editorial.submission", slug=submission.journal.slug, submission_id=submission.id)


def check_decides(actor: User, submission: Submission) -> None:
    if not can(actor, "submission.decide", submission):
        raise PermissionDenied(_("Only the handling editor or a managing editor manages this paper's reviewers."))


def _invite(actor: User, submission: Submission, *, user_id: int | None = None, email: str | None = None,
            name: str | None = None, respond_by: date | datetime | None = None,
            due_at: date | datetime | None = None, override: bool = False,
            override_reason: str = "", mail_subject: str | None = None,
            mail_body: str | None = None) -> tuple[ReviewAssignment, str]:
    """Ask a reviewer (an account, or a new person by name and email) to review the current round.

    The one conflict check decides first: an author of the paper is refused; any other conflict of interest holds
    the invitation (ConflictsFound, with the flags) unless the editor overrides it with a reason, which the audit
    event records. `mail_subject` and `mail_body`, when given, are the invitation as the editor worded it for this
    one reviewer (with the placeholders of mail_templates.KEYS["review_invitation"]): checked, sent instead of the
    journal's wording, and kept in the audit event. Returns the assignment and the invitation token (mailed; not
    stored)."""
    check_decides(actor, submission)
    if submission.status is not SubmissionStatus.UNDER_REVIEW:
        raise DomainError(_("%(reference)s is “%(status)s”; reviewers are invited while it is under review.",
                            reference=submission.display_reference, status=submission.status.label))
    round_ = current_round(submission)
    if round_ is None:
        raise DomainError(_("This submission has no open review round."))
    user: User | None = None
    name = (name or "").strip()
    if user_id:
        user = db.session.get(User, user_id)
        if user is None or not user.active:
            raise DomainError(_("Choose one of the journal's reviewers."), "reviewer_id")
    else:
        email = normalize_email(email or "")
        if "@" not in email or len(email) > 254 or any(c.isspace() for c in email):
            raise DomainError(_("Enter the new reviewer's email address."), "email")
        user = find_user_by_email(email)
        if user is None and not name:
            raise DomainError(_("Enter the new reviewer's name."), "name")
        if user is not None and not user.active:
            raise DomainError(_("This person's account is deactivated; they cannot be invited."), "email")
    address = user.email if user else email
    field = "reviewer_id" if user_id else "email"
    found = conflicts_of(actor, submission, Person(name=user.full_name if user else name, email=address, user=user))
    if any(c.blocks for c in found):
        raise DomainError(_("This person is an author of the paper and cannot review it."), field)
    for other in db.session.scalars(select(ReviewAssignment).where(ReviewAssignment.round_id == round_.id)):
        same = (user is not None and other.reviewer_id == user.id) or other.invitee_email == address
        if same and other.status not in ENDED_STATUSES:
            raise DomainError(_("%(name)s has been invited in this round already (%(status)s).",
                                name=other.reviewer_name, status=other.status.label.lower()), field)

    now = utcnow()
    journal = submission.journal
    respond_by = as_deadline(respond_by) or now + timedelta(days=journal.response_days)
    due_at = as_deadline(due_at) or max(now + timedelta(days=journal.review_days), respond_by + timedelta(days=1))
    if respond_by <= now:
        raise DomainError(_("The respond-by date must lie in the future."), "respond_by")
    if due_at <= respond_by:
        raise DomainError(_("The review must be due after the respond-by date."), "due_at")
    custom = None
    if mail_body is not None and mail_body.strip():
        custom = mail_templates.checked("review_invitation", mail_subject or "", mail_body)
        language = locale_for(user, journal)
        if custom == mail_templates.checked("review_invitation", *mail_templates.text_for(journal, "review_invitation",
                                                                                            language)[:2]):
            custom = None  # shown, and sent as the journal words it
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
    worded = {"worded_by_hand": True, "mail_subject": custom[0], "mail_body": custom[1]} if custom else {}
    audit(actor, "review.invited", submission, reviewer=assignment.label, round=round_.number,
          respond_by=respond_by.date().isoformat(), due=due_at.date().isoformat(), **override_payload, **worded)
    link = external_url("review.invitation", token=token)
    queue_mail(user or address, "review_invitation",
               subject=_l('Invitation to review for %(journal)s', journal=journal.title),
               related=submission, submission=submission, journal=journal, assignment=assignment,
               name=assignment.reviewer_name, link=link,
               revision_note=lambda: mail_templates.revision_note(assignment),
               worded=mail_templates.wording(journal, "review_invitation", lambda: mail_templates.reviewer_values(
                   submission, name=assignment.reviewer_name, assignment=assignment, link=link), custom))
    return assignment, token


def invitation_draft(actor: User, submission: Submission, *, user_id: int | None = None, email: str | None = None,
                     name: str | None = None, respond_by: date | datetime | None = None,
                     due_at: date | datetime | None = None, mail_subject: str | None = None,
                     mail_body: str | None = None) -> dict:
    """The invitation as it will be sent to this reviewer, before it leaves: the language it is written in, its
    text with placeholders (the journal's wording, else the built-in one; or `mail_subject`/`mail_body` as the
    editor changed them, checked) and that text filled in for this reviewer (the personal link is made when the
    invitation is sent)."""
    check_decides(actor, submission)
    journal = submission.journal
    user = db.session.get(User, user_id) if user_id else find_user_by_email(normalize_email(email or ""))
    if user_id and user is None:
        raise DomainError(_("Choose one of the journal's reviewers."), "reviewer_id")
    if user is None and not (email and (name or "").strip()):
        raise DomainError(_("Choose a reviewer, or give a new reviewer's name and email, to see the invitation."),
                          "reviewer_id")
    language = locale_for(user, journal)
    if mail_body and mail_body.strip():
        subject, body = mail_templates.checked("review_invitation", mail_subject or "", mail_body)
    else:
        subject, body = mail_templates.text_for(journal, "review_invitation", language)[:2]
    round_ = current_round(submission)
    with force_locale(language):
        values = mail_templates.reviewer_values(
            submission, name=user.full_name if user else name.strip(), respond_by=as_deadline(respond_by),
            due_at=as_deadline(due_at), link=_("(the personal link, made when the invitation is sent)"),
            note=mail_templates.revision_note(submission=submission, round_number=round_.number if round_ else None,
                                              reviewer_id=user.id if user else None,
                                              email=user.email if user else normalize_email(email or "")))
        shown = (mail_templates.render_text(subject, values).strip(), mail_templates.render_text(body, values))
    return {"language": language, "subject": subject, "body": body, "shown": shown}


# One invitation, one transaction; _invite is also used inside larger services (re-inviting a round).
invite_reviewer = transactional(_invite)


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
        raise DomainError(_("No reviewer finished a review in the previous round; invite reviewers one by one."))
    flagged = list(zip((r.full_name for r in reviewers),
                       conflicts_for(actor, submission, [Person.of(r) for r in reviewers])))
    authors = [name for name, found in flagged if any(c.blocks for c in found)]
    if authors:
        raise DomainError(ngettext("%(names)s is now an author of the paper and cannot review it; invite "
                                   "reviewers one by one.",
                                   "%(names)s are now authors of the paper and cannot review it; invite "
                                   "reviewers one by one.", len(authors), names=", ".join(authors)))
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
        raise NotFound(_("This invitation link is not valid. Copy the whole link from the mail, or write to the "
                         "editorial office."))
    if assignment.status is A.CANCELLED:
        raise DomainError(_("This invitation was cancelled by the editors: your review is no longer needed. "
                            "Thank you all the same."))
    if assignment.status is A.INVITED and utcnow() > link_closes_at(assignment):
        raise DomainError(_("This invitation has expired: its answer was due by %(date)s. Write to the editorial "
                            "office if you would still like to review.", date=long_date(assignment.respond_by)))
    return assignment


def _open_invitation(token: str) -> ReviewAssignment:
    assignment = invitation_for_token(token)
    if assignment.status is not A.INVITED:
        raise DomainError(_("You have answered this invitation already (%(status)s).",
                            status=assignment.status.label.lower()))
    if assignment.submission.status is not SubmissionStatus.UNDER_REVIEW:
        raise DomainError(_("This paper is no longer under review; your review is not needed. Thank you all the same."))
    return assignment


def _tell_editors(assignment: ReviewAssignment, *, accepted: bool) -> None:
    submission = assignment.submission
    for editor in editors_to_tell(submission):
        queue_mail(editor, "review_invitation_answered",
                   subject=(_l('%(reference)s: Reviewer %(number)s accepted', reference=submission.reference,
                               number=assignment.label_number) if accepted
                            else _l('%(reference)s: Reviewer %(number)s declined', reference=submission.reference,
                                    number=assignment.label_number)),
                   related=submission, submission=submission, assignment=assignment, accepted=accepted,
                   reviewer_name=assignment.reviewer_name, link=editor_link(submission))


def _split_name(name: str, email: str) -> tuple[str, str]:
    parts = name.split()
    if not parts:
        return email.split("@")[0], ""
    return (" ".join(parts[:-1]) or parts[0], parts[-1] if len(parts) > 1 else "")


def needs_account(assignment: ReviewAssignment) -> bool:
    """Whether accepting this invitation makes the invitee's account (no account uses its address yet)."""
    return assignment.reviewer_id is None and find_user_by_email(assignment.invitee_email) is None


@transactional
def accept_invitation(token: str, *, proposed_due_at: date | datetime | None = None, password: str | None = None,
                      user_agent: str = "", client_address: str = "") -> ReviewAssignment:
    """The invitee agrees to review. Someone without an account gets one (the link proved the address): with
    the password they chose here (the registration's rules), signed in at once on this device
    (`assignment.signed_in_reviewer`, its token in `sign_in_token`), or else mailed a link to choose one.
    Either way they become a reviewer of the journal."""
    assignment = _open_invitation(token)
    proposed = as_deadline(proposed_due_at)
    if proposed is not None and proposed <= utcnow():
        raise DomainError(_("A proposed due date must lie in the future."), "proposed_due_at")
    new_account = False
    if assignment.reviewer is None:
        user = find_user_by_email(assignment.invitee_email)
        if user is None:
            if password:
                check_password_strength(password, assignment.invitee_email)
            given, family = _split_name(assignment.invitee_name, assignment.invitee_email)
            user = User(email=assignment.invitee_email,
                        password_hash=hash_password(password or secrets.token_urlsafe(32)),
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
    if new_account and password:
        log_in_here(user, user_agent=user_agent, client_address=client_address)
        assignment.signed_in_reviewer = user
    elif new_account:
        queue_set_password(user, reason=_l("because you agreed to review for %(journal)s",
                                            journal=submission.journal.title))
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


@transactional
def cancel_invitation(actor: User, assignment: ReviewAssignment) -> None:
    """The editor withdraws an invitation or an accepted request; the reviewer is told."""
    submission = assignment.submission
    check_decides(actor, submission)
    if assignment.status not in OPEN_STATUSES:
        raise DomainError(_("%(reviewer)s's assignment is “%(status)s”; only open invitations and reviews in "
                            "progress can be "
                            "cancelled.", reviewer=assignment.label, status=assignment.status.label))
    assignment.status = A.CANCELLED
    assignment.cancelled_at = utcnow()
    audit(actor, "review.cancelled", submission, reviewer=assignment.label)
    queue_mail(assignment.reviewer or assignment.invitee_email, "review_cancelled",
               subject=_l('Review no longer needed: %(journal)s', journal=submission.journal.title), related=submission,
               submission=submission, journal=submission.journal, name=assignment.reviewer_name)


def get_assignment(assignment_id: int) -> ReviewAssignment:
    assignment = db.session.get(ReviewAssignment, assignment_id)
    if assignment is None:
        raise NotFound(_("There is no such review assignment."))
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
