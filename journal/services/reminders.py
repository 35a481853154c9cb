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

Editors: one digest per editor and day at most (`digest:user:7:2026-12-01`), only when something waits for them:
managing editors see their journals' stalled papers, handling editors their own. Digests name no author.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, selectinload

from journal.audit import audit
from journal.extensions import db
from journal.mail import external_url, queue_mail
from journal.models import (AssignmentStatus, Contributor, EditorRecommendation, Journal, Membership,
                            RecommendationStatus, ReviewAssignment, ReviewRound, Role, SentReminder, Submission,
                            SubmissionStatus, User, utcnow)
from journal.models.reviews import OPEN_STATUSES
from journal.services import reviews as review_service
from journal.services.errors import DomainError
from journal.services.unit import transactional

A = AssignmentStatus
S = SubmissionStatus
log = logging.getLogger(__name__)

# The digest's thresholds. A revision not back this many days after it was requested is overdue.
REVISION_OVERDUE_DAYS = 60
UNASSIGNED_AFTER_DAYS = 2
DECISION_WAITING_DAYS = 3
# Offsets are limited to ±60 days by the settings form: assignments further from their deadline need no look.
HORIZON_DAYS = 61

KIND_WORDS = {"respond_by": "invitation", "due": "review"}


@dataclass
class ReminderReport:
    """What one run did, per kind."""

    invitation_reminders: int = 0
    review_reminders: int = 0
    skipped: int = 0  # earlier reminder days recorded as skipped (missed runs)
    digests: int = 0
    taken_by_other_run: int = 0  # keys another run inserted first
    failed: int = 0  # errors, logged; the rest of the run went on

    def lines(self) -> list[str]:
        return [
            f"invitation reminders sent: {self.invitation_reminders}",
            f"review reminders sent: {self.review_reminders}",
            f"earlier reminder days skipped (missed runs): {self.skipped}",
            f"editor digests sent: {self.digests}",
            f"left to another run at the same time: {self.taken_by_other_run}",
            f"failed (see the log): {self.failed}",
        ]


class _TakenByOtherRun(Exception):
    """A concurrent run inserted this key first: it sends the mail, this run skips it."""


def reminder_key(kind: str, offset: int, assignment_id: int, deadline: date) -> str:
    return f"{kind}:{offset:+d}:assignment:{assignment_id}:{deadline.isoformat()}"


def digest_key(user_id: int, day: date) -> str:
    return f"digest:user:{user_id}:{day.isoformat()}"


def relative_day(days: int) -> str:
    """The distance from today to a date, as a reviewer reads it: 'in 2 days', 'today', '3 days ago'."""
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    if days == -1:
        return "yesterday"
    return f"in {days} days" if days > 0 else f"{-days} days ago"


def _offset_words(offset: int) -> str:
    if offset == 0:
        return "on the day"
    return f"{abs(offset)} day{'s' if abs(offset) != 1 else ''} {'before' if offset < 0 else 'after'}"


def _claim(key: str, **columns) -> None:
    """Insert the key in a savepoint of the current transaction; `_TakenByOtherRun` if it exists already.

    Callers write something first (the audit event, the mail) so that on SQLite, where pysqlite opens the
    transaction only at the first write, the savepoint nests inside it and key and mail commit together."""
    try:
        with db.session.begin_nested():
            db.session.add(SentReminder(key=key, **columns))
    except IntegrityError:
        raise _TakenByOtherRun(key) from None


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
    token = review_service.invitation_token(assignment)
    try:
        review_service.invitation_for_token(token)  # the invitation's own rule: an expired link opens nothing
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
    _claim(reminder_key(plan.kind, plan.offset, assignment.id, deadline_day), kind=plan.kind, **columns)
    skipped = sum(_record_skipped(reminder_key(plan.kind, d, assignment.id, deadline_day),
                                  kind=f"{plan.kind}_skipped", **columns) for d in plan.skipped)
    assignment.reminders_sent = ReviewAssignment.reminders_sent + 1  # in SQL: no lost update
    late = days < 0
    if plan.kind == "respond_by":
        subject = (f"Reminder: will you review for {journal.title}?" if not late
                   else f"We have not heard from you: invitation to review for {journal.title}")
    else:
        subject = (f"Reminder: your review for {journal.title} is due {relative_day(days)}" if not late
                   else f"Your review for {journal.title} is overdue")
    queue_mail(assignment.reviewer or assignment.invitee_email, "review_reminder", subject=subject,
               related=submission, kind=plan.kind, late=late, when=relative_day(days),
               assignment=assignment, submission=submission, journal=journal, name=assignment.reviewer_name,
               link=_reminder_mail_link(assignment, plan.kind))
    return skipped


def _remind_reviewers(now: datetime, today: date, report: ReminderReport) -> None:
    assignments = _open_assignments(now)
    if not assignments:
        return
    ids = [a.id for a in assignments]
    sent: set[str] = set()
    for start in range(0, len(ids), 1000):  # bounded IN lists
        sent.update(db.session.scalars(
            select(SentReminder.key).where(SentReminder.assignment_id.in_(ids[start:start + 1000]))))
    plans = [p for p in (_plan(a, today, sent) for a in assignments) if p is not None]
    for plan in plans:
        try:
            skipped = _send_reminder(plan, today)
        except _TakenByOtherRun:
            report.taken_by_other_run += 1
            continue
        except Exception:  # noqa: BLE001 (one broken row must not keep every other reviewer unreminded)
            log.exception("Reminder for review assignment %s failed; the run goes on", plan.assignment_id)
            report.failed += 1
            continue
        if skipped is None:
            continue
        report.skipped += skipped
        if plan.kind == "respond_by":
            report.invitation_reminders += 1
        else:
            report.review_reminders += 1


# --- The editors' digest ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DigestEntry:
    """One paper in a digest section, with what waits on it. Plain values: the digest is rendered after other
    digests' commits, when loaded rows would be read again one by one."""

    reference: str
    title: str
    notes: tuple[str, ...]
    link: str


@dataclass
class JournalDigest:
    journal_id: int
    title: str
    managing: bool
    sections: list[tuple[str, list[DigestEntry]]] = field(default_factory=list)


@dataclass
class _Stalled:
    """Everything stalled in one journal, by section; entries keyed by submission."""

    unassigned: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    invitations: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    overdue_reviews: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    decisions: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    revisions: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    recommendations: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))


SECTIONS = (
    # (attribute, title, managing editors only)
    ("unassigned", f"Submissions without a handling editor for more than {UNASSIGNED_AFTER_DAYS} days", True),
    ("recommendations", "Editors' recommendations waiting for a managing editor", True),
    ("decisions", f"Decisions waiting for {DECISION_WAITING_DAYS} days or more (enough reviews in, or a revision "
                  "resubmitted)", False),
    ("invitations", "Invitations unanswered after their respond-by date", False),
    ("overdue_reviews", "Reviews overdue", False),
    ("revisions", f"Revisions overdue (no revision {REVISION_OVERDUE_DAYS} days after it was requested)", False),
)


def _days_since(moment: datetime, now: datetime) -> str:
    days = (now.astimezone(UTC).date() - moment.astimezone(UTC).date()).days
    return relative_day(-days)


def _collect_stalled(now: datetime) -> tuple[dict[int, _Stalled], dict[int, Submission]]:
    """Every journal's stalled papers, in a fixed number of queries whatever the number of papers."""
    stalled: dict[int, _Stalled] = defaultdict(_Stalled)
    papers: dict[int, Submission] = {}

    def note(section: str, submission: Submission, text: str) -> None:
        papers[submission.id] = submission
        getattr(stalled[submission.journal_id], section)[submission.id].append(text)

    # 1. Submitted, nobody handling it.
    for submission in db.session.scalars(
        select(Submission).where(Submission.status == S.SUBMITTED, Submission.handling_editor_id.is_(None),
                                 Submission.status_changed_at <= now - timedelta(days=UNASSIGNED_AFTER_DAYS))
        .order_by(Submission.status_changed_at)
    ):
        note("unassigned", submission, f"{'revision ' if submission.current_round > 1 else ''}submitted "
                                       f"{_days_since(submission.status_changed_at, now)}")

    # 2. Reviewers past their dates in the current round.
    for assignment in db.session.scalars(
        select(ReviewAssignment)
        .join(Submission, Submission.id == ReviewAssignment.submission_id)
        .join(ReviewRound, ReviewRound.id == ReviewAssignment.round_id)
        .where(Submission.status == S.UNDER_REVIEW, ReviewRound.number == Submission.current_round,
               or_(and_(ReviewAssignment.status == A.INVITED, ReviewAssignment.respond_by < now),
                   and_(ReviewAssignment.status == A.ACCEPTED, ReviewAssignment.due_at < now)))
        .options(contains_eager(ReviewAssignment.submission), selectinload(ReviewAssignment.reviewer))
        .order_by(ReviewAssignment.submission_id, ReviewAssignment.label_number)
    ):
        reminded = (f"; reminded {assignment.reminders_sent} time{'s' if assignment.reminders_sent != 1 else ''}"
                    if assignment.reminders_sent else "")
        who = f"{assignment.label} ({assignment.reviewer_name})"
        if assignment.status is A.INVITED:
            note("invitations", assignment.submission, f"{who}: answer was due {assignment.respond_by:%-d %B %Y}, "
                                                       f"{_days_since(assignment.respond_by, now)}{reminded}")
        else:
            note("overdue_reviews", assignment.submission, f"{who}: review was due {assignment.due_at:%-d %B %Y}, "
                                                           f"{_days_since(assignment.due_at, now)}{reminded}")

    # 3. Decisions waiting: enough submitted reviews in the current round for some days (when the last one
    #    needed came in), or a revision back from the authors that nobody has moved on.
    completed: dict[int, list[datetime]] = defaultdict(list)
    for submission_id, completed_at in db.session.execute(
        select(ReviewAssignment.submission_id, ReviewAssignment.completed_at)
        .join(Submission, Submission.id == ReviewAssignment.submission_id)
        .join(ReviewRound, ReviewRound.id == ReviewAssignment.round_id)
        .where(Submission.status == S.UNDER_REVIEW, ReviewRound.number == Submission.current_round,
               ReviewAssignment.status == A.SUBMITTED, ReviewAssignment.completed_at.is_not(None))
    ):
        completed[submission_id].append(completed_at)
    pending_recommendation = select(EditorRecommendation.submission_id).where(
        EditorRecommendation.status == RecommendationStatus.PENDING)
    candidates = db.session.scalars(
        select(Submission).options(selectinload(Submission.journal))
        .where(or_(Submission.id.in_(list(completed)),
                   and_(Submission.status == S.SUBMITTED, Submission.current_round > 1,
                        Submission.handling_editor_id.is_not(None),
                        Submission.status_changed_at <= now - timedelta(days=DECISION_WAITING_DAYS))),
               Submission.id.not_in(pending_recommendation))
        .order_by(Submission.status_changed_at)
    )
    for submission in candidates:
        if submission.status is S.SUBMITTED:
            note("decisions", submission, f"revision (round {submission.current_round}) submitted "
                                          f"{_days_since(submission.status_changed_at, now)}")
            continue
        required = max(submission.journal.reviews_required, 1)
        times = sorted(completed.get(submission.id, []))
        if len(times) >= required and times[required - 1] <= now - timedelta(days=DECISION_WAITING_DAYS):
            note("decisions", submission, f"{len(times)} review{'s' if len(times) != 1 else ''} in "
                                          f"({submission.journal.reviews_required} required), enough since "
                                          f"{times[required - 1]:%-d %B %Y}")

    # 4. Revisions the authors have not sent.
    for submission in db.session.scalars(
        select(Submission).where(Submission.status == S.REVISION_REQUESTED,
                                 Submission.status_changed_at <= now - timedelta(days=REVISION_OVERDUE_DAYS))
        .order_by(Submission.status_changed_at)
    ):
        note("revisions", submission, f"revision requested {submission.status_changed_at:%-d %B %Y}, "
                                      f"{_days_since(submission.status_changed_at, now)}")

    # 5. Recommendations a managing editor has to confirm or change.
    for recommendation in db.session.scalars(
        select(EditorRecommendation).join(Submission, Submission.id == EditorRecommendation.submission_id)
        .where(EditorRecommendation.status == RecommendationStatus.PENDING)
        .options(contains_eager(EditorRecommendation.submission), selectinload(EditorRecommendation.editor))
        .order_by(EditorRecommendation.created_at)
    ):
        by = recommendation.editor.full_name if recommendation.editor else "an editor"
        note("recommendations", recommendation.submission,
             f"{by} recommends “{recommendation.kind.label}” (round {recommendation.round}), "
             f"{_days_since(recommendation.created_at, now)}")
    return stalled, papers


def _authors_by_submission(papers: dict[int, Submission]) -> dict[int, set[int]]:
    """Who wrote each listed paper (accounts), so that no editor is sent their own paper."""
    authors = {submission_id: {s.submitter_id} for submission_id, s in papers.items()}
    ids = list(papers)
    for start in range(0, len(ids), 1000):
        for submission_id, user_id in db.session.execute(
            select(Contributor.submission_id, Contributor.user_id)
            .where(Contributor.submission_id.in_(ids[start:start + 1000]), Contributor.user_id.is_not(None))
        ):
            authors[submission_id].add(user_id)
    return authors


def editor_digests(now: datetime | None = None) -> dict[int, tuple[User, list[JournalDigest]]]:
    """What each editor's digest would list today, by user id: only editors with something waiting."""
    now = now or utcnow()
    stalled, papers = _collect_stalled(now)
    if not stalled:
        return {}
    authors = _authors_by_submission(papers)
    journals = {j.id: j for j in db.session.scalars(select(Journal).where(Journal.id.in_(list(stalled))))}
    digests: dict[int, tuple[User, list[JournalDigest]]] = {}
    for user, journal_id, role in db.session.execute(
        select(User, Membership.journal_id, Membership.role).join(Membership, Membership.user_id == User.id)
        .where(Membership.journal_id.in_(list(stalled)), Membership.role.in_([Role.MANAGING_EDITOR, Role.EDITOR]),
               User.active.is_(True))
        .order_by(User.id, Membership.journal_id)
    ):
        _user, journal_digests = digests.setdefault(user.id, (user, []))
        managing = role is Role.MANAGING_EDITOR
        existing = next((d for d in journal_digests if d.journal_id == journal_id), None)
        if existing is not None:  # an editor and a managing editor of the same journal: the wider view wins
            if not managing or existing.managing:
                continue
            journal_digests.remove(existing)
        journal = journals[journal_id]
        digest = JournalDigest(journal_id, journal.title, managing)
        for attribute, title, managers_only in SECTIONS:
            if managers_only and not managing:
                continue
            entries = [
                DigestEntry(papers[sid].display_reference, papers[sid].title, tuple(notes),
                            external_url("editorial.submission", slug=journal.slug, submission_id=sid))
                for sid, notes in getattr(stalled[journal_id], attribute).items()
                if user.id not in authors[sid] and (managing or papers[sid].handling_editor_id == user.id)
            ]
            if entries:
                digest.sections.append((title, entries))
        if digest.sections:
            journal_digests.append(digest)
    return {uid: (user, ds) for uid, (user, ds) in digests.items() if ds}


@transactional
def _send_digest(user: User, journal_digests: list[JournalDigest], today: date) -> None:
    count = len({entry.link for d in journal_digests for _title, entries in d.sections for entry in entries})
    queue_mail(user, "editor_digest", subject=f"Waiting in your editorial queue: {count} "
                                              f"paper{'s' if count != 1 else ''} ({today:%-d %B %Y})",
               digests=journal_digests, today=today, revision_overdue_days=REVISION_OVERDUE_DAYS)
    db.session.flush()
    _claim(digest_key(user.id, today), kind="digest", user_id=user.id)


def _send_digests(now: datetime, today: date, report: ReminderReport) -> None:
    digests = editor_digests(now)
    done = set(db.session.scalars(select(SentReminder.key).where(
        SentReminder.key.in_([digest_key(uid, today) for uid in digests])))) if digests else set()
    for user_id, (user, journal_digests) in digests.items():
        if digest_key(user_id, today) in done:
            continue
        try:
            _send_digest(user, journal_digests, today)
        except _TakenByOtherRun:
            report.taken_by_other_run += 1
        except Exception:  # noqa: BLE001
            log.exception("Digest for user %s failed; the run goes on", user_id)
            report.failed += 1
        else:
            report.digests += 1


def send_reminders(now: datetime | None = None) -> ReminderReport:
    """Send the reminders and digests due at `now` (default: the present), each at most once."""
    now = now or utcnow()
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    today = now.astimezone(UTC).date()
    report = ReminderReport()
    _remind_reviewers(now, today, report)
    _send_digests(now, today, report)
    return report
