"""Deadlines and reminders: what `flask journal send-reminders` sends once a day.

Reviewers: an unanswered invitation is reminded on the journal's days around its respond-by date, an accepted review
on the days around its due date (`Journal.reminder_days`, negative = before). Days are calendar days in UTC: the
reminder for -2 goes out on the second day before the deadline's date, whatever hour the run has. A run sends one
reminder per assignment at most, for the latest day that has come; earlier days that were missed (no run on them)
are recorded as skipped and never go out later, so a first run after a pause does not flood anyone. Days that fell
on or before the day of the invitation (or of the acceptance) are not reminders at all.

Every reminder is a `SentReminder` row whose unique key names the deadline, the day, the assignment and the
deadline's date (`due:+3:assignment:12:2026-12-01`), committed with the mail: running twice sends nothing twice,
a moved deadline arms its reminders again, and of two runs at once only one inserts each key (the other's insert
fails in a savepoint and it skips that reminder).

Authors: a paper whose revision was requested is reminded, to its corresponding author (else its submitter), on the
journal's "revision" days around `Submission.revision_due_at`, by the same rules (keys
`revision:-7:submission:12:2026-12-01`); none once the revision came in or the paper was withdrawn, since only a
paper still "revision requested" is looked at, when planned and again when sent.

The same run sends the editors' daily digest (journal/services/digest.py), after the reminders and into the same
report; what the two share (report, keys, the words for a day) is in journal/services/scheduled_runs.py.
"""

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from flask_babel import lazy_gettext as _l, lazy_ngettext
from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, selectinload

from journal.audit import audit
from journal.extensions import db
from journal.mail import external_url, queue_mail
from journal.models import (AssignmentStatus, ReviewAssignment, ReviewRound, SentReminder, Submission,
                            SubmissionStatus, utcnow)
from journal.services import invitations as invitation_service
from journal.services import mail_templates
from journal.services import journals as journal_service
from journal.services.digest import send_digests
from journal.services.errors import DomainError
from journal.services.scheduled_runs import ReminderReport, TakenByOtherRun, claim_key, relative_day
from journal.services.unit import transactional

A = AssignmentStatus
S = SubmissionStatus
log = logging.getLogger(__name__)

# Offsets are limited to ±60 days by the settings form: assignments further from their deadline need no look.
HORIZON_DAYS = 61

KIND_WORDS = {"respond_by": "invitation", "due": "review"}


def reminder_key(kind: str, offset: int, assignment_id: int, deadline: date) -> str:
    return f"{kind}:{offset:+d}:assignment:{assignment_id}:{deadline.isoformat()}"


def _offset_words(offset: int) -> str:
    if offset == 0:
        return "on the day"
    return f"{abs(offset)} day{'s' if abs(offset) != 1 else ''} {'before' if offset < 0 else 'after'}"


def _record_skipped(key: str, **columns) -> bool:
    try:
        with db.session.begin_nested():
            db.session.add(SentReminder(key=key, **columns))
    except IntegrityError:
        return False
    return True


# --- Reviewers' reminders --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _PlannedReminder:
    assignment_id: int
    kind: str  # "respond_by" | "due"
    offset: int
    deadline: datetime
    skipped: tuple[int, ...]  # earlier offsets not sent, recorded so they never go out


def _open_assignments(now: datetime) -> list[ReviewAssignment]:
    """Invited and accepted reviewers of the current round of papers under review, near enough to a deadline."""
    horizon = now + timedelta(days=HORIZON_DAYS)
    return list(db.session.scalars(
        select(ReviewAssignment)
        .join(Submission, Submission.id == ReviewAssignment.submission_id)
        .join(ReviewRound, ReviewRound.id == ReviewAssignment.round_id)
        .where(Submission.status == S.UNDER_REVIEW, ReviewRound.number == Submission.current_round,
               or_(and_(ReviewAssignment.status == A.INVITED, ReviewAssignment.respond_by <= horizon),
                   and_(ReviewAssignment.status == A.ACCEPTED, ReviewAssignment.due_at <= horizon)))
        .options(contains_eager(ReviewAssignment.submission).selectinload(Submission.journal),
                 selectinload(ReviewAssignment.reviewer))
        .order_by(ReviewAssignment.id)
    ))


def _plan(assignment: ReviewAssignment, today: date, sent: set[str]) -> _PlannedReminder | None:
    """The reminder this assignment is owed today, if any: the latest reminder day that has come."""
    if assignment.status is A.INVITED:
        kind, deadline, started = "respond_by", assignment.respond_by, assignment.created_at
    else:
        kind, deadline, started = "due", assignment.due_at, assignment.responded_at or assignment.created_at
    if assignment.reviewer is not None and not assignment.reviewer.active:
        return None
    offsets = sorted({int(d) for d in (assignment.submission.journal.reminder_days or {}).get(kind, [])})
    deadline_day = deadline.astimezone(UTC).date()
    started_day = started.astimezone(UTC).date()
    come = [d for d in offsets if started_day < deadline_day + timedelta(days=d) <= today]
    if not come:
        return None
    key = lambda d: reminder_key(kind, d, assignment.id, deadline_day)  # noqa: E731
    latest = come[-1]
    if key(latest) in sent:
        return None
    skipped = tuple(d for d in come[:-1] if key(d) not in sent)
    return _PlannedReminder(assignment.id, kind, latest, deadline, skipped)


def _reminder_mail_link(assignment: ReviewAssignment, kind: str) -> str | None:
    if kind == "due":
        return external_url("review.assignment", assignment_id=assignment.id)
    token = invitation_service.invitation_token(assignment)
    try:
        invitation_service.invitation_for_token(token)  # the invitation's own rule: an expired link opens nothing
    except DomainError:
        return None
    return external_url("review.invitation", token=token)


def _still_owed(assignment: ReviewAssignment, plan: _PlannedReminder) -> bool:
    status, deadline = (A.INVITED, assignment.respond_by) if plan.kind == "respond_by" else (A.ACCEPTED,
                                                                                             assignment.due_at)
    submission = db.session.get(Submission, assignment.submission_id, populate_existing=True)
    return (assignment.status is status and deadline == plan.deadline and submission.status is S.UNDER_REVIEW
            and assignment.round.number == submission.current_round)


@transactional
def _send_reminder(plan: _PlannedReminder, today: date) -> int | None:
    """One reminder: the audit event, its key, the skipped keys, the counter and the mail, in one transaction.
    Returns how many earlier days were recorded as skipped; None when the reminder is no longer owed."""
    # Read again: the reviewer may have answered, or the editor acted, since the run made its plan.
    assignment = db.session.get(ReviewAssignment, plan.assignment_id, populate_existing=True)
    if assignment is None or not _still_owed(assignment, plan):
        return None
    submission = assignment.submission
    journal = submission.journal
    deadline_day = plan.deadline.astimezone(UTC).date()
    days = (deadline_day - today).days
    # What the editors see in the submission's history: a label, never the reviewer's name (authors' side safe).
    audit(None, "review.reminder_sent", submission, reviewer=assignment.label, kind=KIND_WORDS[plan.kind],
          deadline=deadline_day.isoformat(), reminder=_offset_words(plan.offset))
    db.session.flush()
    columns = {"assignment_id": assignment.id, "submission_id": submission.id, "user_id": assignment.reviewer_id}
    claim_key(reminder_key(plan.kind, plan.offset, assignment.id, deadline_day), kind=plan.kind, **columns)
    skipped = sum(_record_skipped(reminder_key(plan.kind, d, assignment.id, deadline_day),
                                  kind=f"{plan.kind}_skipped", **columns) for d in plan.skipped)
    assignment.reminders_sent = ReviewAssignment.reminders_sent + 1  # in SQL: no lost update
    late = days < 0
    if plan.kind == "respond_by":
        subject = (_l('Reminder: will you review for %(journal)s?', journal=journal.title) if not late
                   else _l('We have not heard from you: invitation to review for %(journal)s', journal=journal.title))
    elif late:
        subject = _l('Your review for %(journal)s is overdue', journal=journal.title)
    elif days == 0:
        subject = _l('Reminder: your review for %(journal)s is due today', journal=journal.title)
    elif days == 1:
        subject = _l('Reminder: your review for %(journal)s is due tomorrow', journal=journal.title)
    else:
        subject = lazy_ngettext('Reminder: your review for %(journal)s is due in %(num)d day',
                                'Reminder: your review for %(journal)s is due in %(num)d days', days,
                                journal=journal.title)
    link = _reminder_mail_link(assignment, plan.kind)
    # The journal may word the reminder of a review not yet late (services/mail_templates.py).
    worded = None if plan.kind == "respond_by" or late else mail_templates.wording(
        journal, "review_reminder", lambda: mail_templates.reviewer_values(
            submission, name=assignment.reviewer_name, assignment=assignment, link=link, when=relative_day(days)))
    queue_mail(assignment.reviewer or assignment.invitee_email, "review_reminder", subject=subject,
               related=submission, kind=plan.kind, late=late, when=relative_day(days),
               assignment=assignment, submission=submission, journal=journal, name=assignment.reviewer_name,
               link=link, worded=worded)
    return skipped


def _sent_keys(column, ids: list[int], *where) -> set[str]:
    """The keys of the reminders already sent for these rows, read in bounded IN lists."""
    sent: set[str] = set()
    for start in range(0, len(ids), 1000):
        sent.update(db.session.scalars(select(SentReminder.key).where(column.in_(ids[start:start + 1000]), *where)))
    return sent


def _each_sent(plans: list, send, report: ReminderReport, what: str, row_id) -> Iterator[tuple[object, int]]:
    """Send each planned reminder in its own transaction, yielding (plan, reminders skipped) for those sent: one
    taken by another run is counted as such, and one broken row is logged and counted, never keeping every other
    person unreminded."""
    for plan in plans:
        try:
            skipped = send(plan)
        except TakenByOtherRun:
            report.taken_by_other_run += 1
            continue
        except Exception:  # noqa: BLE001 (see the docstring)
            log.exception(what + " failed; the run goes on", row_id(plan))
            report.failed += 1
            continue
        if skipped is not None:
            yield plan, skipped


def _remind_reviewers(now: datetime, today: date, report: ReminderReport) -> None:
    assignments = _open_assignments(now)
    if not assignments:
        return
    sent = _sent_keys(SentReminder.assignment_id, [a.id for a in assignments])
    plans = [p for p in (_plan(a, today, sent) for a in assignments) if p is not None]
    for plan, skipped in _each_sent(plans, lambda plan: _send_reminder(plan, today), report,
                                    "Reminder for review assignment %s", lambda plan: plan.assignment_id):
        report.skipped += skipped
        if plan.kind == "respond_by":
            report.invitation_reminders += 1
        else:
            report.review_reminders += 1


# --- Authors' reminders about a revision ------------------------------------------------------------------------

def revision_reminder_key(offset: int, submission_id: int, deadline: date) -> str:
    return f"revision:{offset:+d}:submission:{submission_id}:{deadline.isoformat()}"


@dataclass(frozen=True)
class _PlannedRevisionReminder:
    submission_id: int
    offset: int
    deadline: datetime
    skipped: tuple[int, ...]


def _plan_revision(submission: Submission, today: date, sent: set[str]) -> _PlannedRevisionReminder | None:
    offsets = sorted(set(journal_service.reminder_days_of(submission.journal, "revision")))
    deadline_day = submission.revision_due_at.astimezone(UTC).date()
    started_day = submission.status_changed_at.astimezone(UTC).date()
    come = [d for d in offsets if started_day < deadline_day + timedelta(days=d) <= today]
    if not come:
        return None
    key = lambda d: revision_reminder_key(d, submission.id, deadline_day)  # noqa: E731
    if key(come[-1]) in sent:
        return None
    return _PlannedRevisionReminder(submission.id, come[-1], submission.revision_due_at,
                                    tuple(d for d in come[:-1] if key(d) not in sent))


def revision_recipient(submission: Submission) -> tuple[str, str | None]:
    """Who is reminded of a revision: the corresponding author (with the language chosen for them), else the
    submitter."""
    corresponding = next((c for c in submission.contributors if c.is_corresponding), None)
    if corresponding is not None:
        return corresponding.email, corresponding.mail_language or None
    return submission.submitter.email, None


@transactional
def _send_revision_reminder(plan: _PlannedRevisionReminder, today: date) -> int | None:
    submission = db.session.get(Submission, plan.submission_id, populate_existing=True)
    if submission is None or submission.status is not S.REVISION_REQUESTED or submission.revision_due_at != plan.deadline:
        return None
    journal = submission.journal
    deadline_day = plan.deadline.astimezone(UTC).date()
    days = (deadline_day - today).days
    audit(None, "submission.revision_reminder_sent", submission, deadline=deadline_day.isoformat(),
          reminder=_offset_words(plan.offset))
    db.session.flush()
    claim_key(revision_reminder_key(plan.offset, submission.id, deadline_day), kind="revision",
              submission_id=submission.id)
    skipped = sum(_record_skipped(revision_reminder_key(d, submission.id, deadline_day), kind="revision_skipped",
                                  submission_id=submission.id) for d in plan.skipped)
    late = days < 0
    subject = (_l('Your revision for %(journal)s is overdue: %(reference)s', journal=journal.title,
                  reference=submission.reference) if late
               else _l('Reminder: your revision for %(journal)s is due %(when)s: %(reference)s',
                       journal=journal.title, when=relative_day(days), reference=submission.reference))
    to, language = revision_recipient(submission)
    queue_mail(to, "revision_reminder", subject=subject, related=submission, language=language, late=late,
               when=relative_day(days), submission=submission, journal=journal,
               link=external_url("author.submission", submission_id=submission.id))
    return skipped


def _remind_authors(now: datetime, today: date, report: ReminderReport) -> None:
    horizon = now + timedelta(days=HORIZON_DAYS)
    submissions = list(db.session.scalars(
        select(Submission).where(Submission.status == S.REVISION_REQUESTED, Submission.revision_due_at.is_not(None),
                                 Submission.revision_due_at <= horizon)
        .options(selectinload(Submission.journal)).order_by(Submission.id)))
    if not submissions:
        return
    sent = _sent_keys(SentReminder.submission_id, [s.id for s in submissions], SentReminder.key.like("revision:%"))
    plans = [p for p in (_plan_revision(s, today, sent) for s in submissions) if p is not None]
    for _, skipped in _each_sent(plans, lambda plan: _send_revision_reminder(plan, today), report,
                                 "Revision reminder for submission %s", lambda plan: plan.submission_id):
        report.skipped += skipped
        report.revision_reminders += 1


def send_reminders(now: datetime | None = None) -> ReminderReport:
    """Send the reminders and digests due at `now` (default: the present), each at most once."""
    now = now or utcnow()
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    today = now.astimezone(UTC).date()
    report = ReminderReport()
    _remind_reviewers(now, today, report)
    _remind_authors(now, today, report)
    send_digests(now, today, report)
    return report
