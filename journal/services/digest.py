"""The editors' daily digest, sent by `flask journal send-reminders` after the reviewers' reminders.

One mail per editor and day at most (`digest:user:7:2026-12-01`, inserted with the mail by
journal/services/scheduled_runs.py's claim_key, as the reminders' keys), and only when something waits: managing
editors get their journals' stalled papers, handling editors the papers they handle, nobody their own paper.
Stalled means: submitted without a handling editor for more than 2 days, invitations unanswered after their date,
reviews overdue, a decision waiting for 3 days or more, a revision not back by its due date (one requested
without a due date: 60 days after it was requested), an editor's recommendation waiting. The digest names no author (triple-anonymous journals included), and is built in
a fixed number of queries.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from flask_babel import format_date, get_locale, lazy_ngettext
from flask_babel.speaklater import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import contains_eager, selectinload

from journal.extensions import db
from journal.mail import external_url, queue_mail
from journal.models import (AssignmentStatus, EditorRecommendation, Journal, Membership,
                            RecommendationStatus, ReviewAssignment, ReviewRound, Role, SentReminder, Submission,
                            SubmissionStatus, User, utcnow)
from journal.permissions import is_contributor
from journal.services.scheduled_runs import LongDate, ReminderReport, TakenByOtherRun, claim_key, relative_day
from journal.services.unit import transactional

A = AssignmentStatus
S = SubmissionStatus
log = logging.getLogger(__name__)

# A revision not back this many days after it was requested is overdue (the mail says so).
REVISION_OVERDUE_DAYS = 60
UNASSIGNED_AFTER_DAYS = 2
DECISION_WAITING_DAYS = 3


def digest_key(user_id: int, day: date) -> str:
    return f"digest:user:{user_id}:{day.isoformat()}"


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
    # (attribute, title, managing editors only); titles and notes are lazy messages, made text in each editor's
    # language when their digest is written (journal/mail.py queue_mail)
    ("unassigned", lazy_ngettext("Submissions without a handling editor for more than %(num)d day",
                                 "Submissions without a handling editor for more than %(num)d days",
                                 UNASSIGNED_AFTER_DAYS), True),
    ("recommendations", _l("Editors' recommendations waiting for a managing editor"), True),
    ("decisions", lazy_ngettext("Decisions waiting for %(num)d day or more (enough reviews in, or a revision "
                                "resubmitted)",
                                "Decisions waiting for %(num)d days or more (enough reviews in, or a revision "
                                "resubmitted)", DECISION_WAITING_DAYS), False),
    ("invitations", _l("Invitations unanswered after their respond-by date"), False),
    ("overdue_reviews", _l("Reviews overdue"), False),
    ("revisions", _l("Revisions late (not back by their due date)"), False),
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
        when = _days_since(submission.status_changed_at, now)
        note("unassigned", submission, _l("revision submitted %(when)s", when=when) if submission.current_round > 1
             else _l("submitted %(when)s", when=when))

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
        reminded = assignment.reminders_sent
        who = f"{assignment.label} ({assignment.reviewer_name})"
        if assignment.status is A.INVITED:
            values = {"who": who, "date": LongDate(assignment.respond_by),
                      "when": _days_since(assignment.respond_by, now)}
            note("invitations", assignment.submission, lazy_ngettext(
                "%(who)s: answer was due %(date)s, %(when)s; reminded %(num)d time",
                "%(who)s: answer was due %(date)s, %(when)s; reminded %(num)d times", reminded, **values)
                if reminded else _l("%(who)s: answer was due %(date)s, %(when)s", **values))
        else:
            values = {"who": who, "date": LongDate(assignment.due_at), "when": _days_since(assignment.due_at, now)}
            note("overdue_reviews", assignment.submission, lazy_ngettext(
                "%(who)s: review was due %(date)s, %(when)s; reminded %(num)d time",
                "%(who)s: review was due %(date)s, %(when)s; reminded %(num)d times", reminded, **values)
                if reminded else _l("%(who)s: review was due %(date)s, %(when)s", **values))

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
            note("decisions", submission, _l("revision (round %(round)d) submitted %(when)s",
                                             round=submission.current_round,
                                             when=_days_since(submission.status_changed_at, now)))
            continue
        required = max(submission.journal.reviews_required, 1)
        times = sorted(completed.get(submission.id, []))
        if len(times) >= required and times[required - 1] <= now - timedelta(days=DECISION_WAITING_DAYS):
            note("decisions", submission, lazy_ngettext(
                "%(num)d review in (%(required)d required), enough since %(date)s",
                "%(num)d reviews in (%(required)d required), enough since %(date)s", len(times),
                required=submission.journal.reviews_required, date=LongDate(times[required - 1])))

    # 4. Revisions the authors have not sent.
    for submission in db.session.scalars(
        select(Submission).where(Submission.status == S.REVISION_REQUESTED,
                                 or_(Submission.revision_due_at < now,
                                     and_(Submission.revision_due_at.is_(None),
                                          Submission.status_changed_at <= now - timedelta(days=REVISION_OVERDUE_DAYS))))
        .order_by(Submission.status_changed_at)
    ):
        if submission.revision_due_at is not None:
            note("revisions", submission, _l("revision requested %(date)s, due %(due)s, %(when)s",
                                             date=LongDate(submission.status_changed_at),
                                             due=LongDate(submission.revision_due_at),
                                             when=_days_since(submission.revision_due_at, now)))
        else:
            note("revisions", submission, _l("revision requested %(date)s, %(when)s",
                                             date=LongDate(submission.status_changed_at),
                                             when=_days_since(submission.status_changed_at, now)))

    # 5. Recommendations a managing editor has to confirm or change.
    for recommendation in db.session.scalars(
        select(EditorRecommendation).join(Submission, Submission.id == EditorRecommendation.submission_id)
        .where(EditorRecommendation.status == RecommendationStatus.PENDING)
        .options(contains_eager(EditorRecommendation.submission), selectinload(EditorRecommendation.editor))
        .order_by(EditorRecommendation.created_at)
    ):
        values = {"kind": _l(recommendation.kind.source_label), "round": recommendation.round,
                  "when": _days_since(recommendation.created_at, now)}
        note("recommendations", recommendation.submission,
             _l("%(editor)s recommends “%(kind)s” (round %(round)d), %(when)s",
                editor=recommendation.editor.full_name, **values) if recommendation.editor
             else _l("an editor recommends “%(kind)s” (round %(round)d), %(when)s", **values))
    return stalled, papers


def _load_authors(papers: dict[int, Submission]) -> None:
    """The listed authors of every listed paper, so that no editor is sent their own paper (`is_contributor`:
    by account or by address). One query per thousand papers."""
    ids = list(papers)
    for start in range(0, len(ids), 1000):
        db.session.scalars(select(Submission).where(Submission.id.in_(ids[start:start + 1000]))
                           .options(selectinload(Submission.contributors))).all()


def editor_digests(now: datetime | None = None) -> dict[int, tuple[User, list[JournalDigest]]]:
    """What each editor's digest would list today, by user id: only editors with something waiting."""
    now = now or utcnow()
    stalled, papers = _collect_stalled(now)
    if not stalled:
        return {}
    _load_authors(papers)
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
                if (managing or papers[sid].handling_editor_id == user.id) and not is_contributor(user, papers[sid])
            ]
            if entries:
                digest.sections.append((title, entries))
        if digest.sections:
            journal_digests.append(digest)
    return {uid: (user, ds) for uid, (user, ds) in digests.items() if ds}


@transactional
def _send_digest(user: User, journal_digests: list[JournalDigest], today: date) -> None:
    count = len({entry.link for d in journal_digests for _title, entries in d.sections for entry in entries})
    queue_mail(user, "editor_digest", subject=lazy_ngettext(
                   'Waiting in your editorial queue: %(num)d paper (%(date)s)',
                   'Waiting in your editorial queue: %(num)d papers (%(date)s)', count,
                   date=LazyString(lambda: f"{today:%-d %B %Y}" if get_locale().language == "en"
                                   else format_date(today, "long"))),
               digests=journal_digests, today=today, revision_overdue_days=REVISION_OVERDUE_DAYS)
    db.session.flush()
    claim_key(digest_key(user.id, today), kind="digest", user_id=user.id)


def send_digests(now: datetime, today: date, report: ReminderReport) -> None:
    """Queue today's digest for every editor with something waiting who has not had it yet."""
    digests = editor_digests(now)
    done = set(db.session.scalars(select(SentReminder.key).where(
        SentReminder.key.in_([digest_key(uid, today) for uid in digests])))) if digests else set()
    for user_id, (user, journal_digests) in digests.items():
        if digest_key(user_id, today) in done:
            continue
        try:
            _send_digest(user, journal_digests, today)
        except TakenByOtherRun:
            report.taken_by_other_run += 1
        except Exception:  # noqa: BLE001
            log.exception("Digest for user %s failed; the run goes on", user_id)
            report.failed += 1
        else:
            report.digests += 1
