"""The editorial queue: which submissions an editor sees, what needs whose action, where reviews are overdue.

Every rule is one SQL expression correlated with `submissions`, so the "needs my action" and "overdue"
filters, the reasons shown on each row and the counts on the editorial start page are the same rule, and
a page costs the same few queries at fifty or fifty thousand submissions: one count per status (GROUP BY),
one page of rows (section and handling editor joined), one aggregate over the page's ids.
The queue shows no author names, so a triple-anonymous handling editor can use it.
"""

import functools
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, exists, false, func, literal, not_, or_, select, true
from sqlalchemy.orm import joinedload, load_only

from journal.extensions import db
from journal.models import (AssignmentStatus, Contributor, EditorRecommendation, Journal, Membership,
                            RecommendationStatus, ReviewAssignment, ReviewRound, Role, Submission, SubmissionStatus,
                            User, utcnow)
from journal.permissions import has_role

S = SubmissionStatus
A = AssignmentStatus
PAGE_SIZE = 50
# What an editor works on; the queue opens on these.
ACTIVE_STATUSES = (S.SUBMITTED, S.UNDER_REVIEW, S.REVISION_REQUESTED, S.ACCEPTED, S.SCHEDULED)
QUEUE_STATUSES = tuple(s for s in SubmissionStatus if s is not S.DRAFT)
# The status tabs: the active ones together, each status, everything.
STATUS_TABS = [("active", "Active"), *((s.value, s.label) for s in QUEUE_STATUSES), ("all", "All")]
SORTS = {
    "oldest": "Longest in status first",
    "newest": "Newest in status first",
    "submitted": "Newest submitted first",
}


@dataclass(frozen=True)
class QueueFilters:
    """What the editor asked for; every field has a default, so a bare URL is the usual view."""

    status: str = "active"  # "active", "all" or a status value other than draft
    section_id: int | None = None
    editor: str = ""  # "" anyone, "none" unassigned, or a user id (managing editors only)
    needs_action: bool = False
    overdue: bool = False
    q: str = ""
    sort: str = "oldest"
    page: int = 1

    def statuses(self) -> tuple[SubmissionStatus, ...]:
        if self.status == "all":
            return QUEUE_STATUSES
        if self.status in S._value2member_map_ and self.status != S.DRAFT:
            return (S(self.status),)
        return ACTIVE_STATUSES

    def as_args(self, **changes) -> dict[str, str | int]:
        """The non-default values as URL query arguments (for paging and tab links)."""
        filters = replace(self, **changes)
        defaults = QueueFilters()
        args = {}
        for name in ("status", "section_id", "editor", "q", "sort", "page"):
            value = getattr(filters, name)
            if value != getattr(defaults, name) and value not in (None, ""):
                args["section" if name == "section_id" else name] = value
        for name in ("needs_action", "overdue"):
            if getattr(filters, name):
                args[name] = "y"
        return args

    @property
    def narrowed(self) -> bool:
        return self.as_args(page=1) != {}


@dataclass
class QueueRow:
    submission: Submission
    days_in_status: int
    reviews_submitted: int = 0
    reviews_invited: int = 0  # invited, accepted or submitted: not declined or cancelled
    reviews_overdue: int = 0
    actions: list[str] = field(default_factory=list)


@dataclass
class QueuePage:
    rows: list[QueueRow]
    total: int
    page: int
    pages: int
    counts: dict[str, int]  # by status value, plus "active" and "all", under the other filters
    managing: bool
    filters: QueueFilters

    @property
    def first(self) -> int:
        return (self.page - 1) * PAGE_SIZE + 1

    @property
    def last(self) -> int:
        return (self.page - 1) * PAGE_SIZE + len(self.rows)


# ---- The rules, as SQL ------------------------------------------------------------------------------------------


class _Rules:
    """The queue's rules for one user at one moment. `managing`, `required` and `recommend_only` are SQL
    expressions, so the same rules serve one journal (constants) and the start page's several journals (columns
    of `journals`). Each part is built once and reused: building SQL expressions is most of a page's Python time."""

    def __init__(self, user_id: int, managing: ColumnElement, required: ColumnElement,
                 recommend_only: ColumnElement, now: datetime):
        self.user_id, self.managing, self.required, self.recommend_only = user_id, managing, required, recommend_only
        # Counts shown on each row (current round); "invited" leaves out declined and cancelled invitations.
        self.submitted = self._in_current_round(ReviewAssignment.status == A.SUBMITTED)
        self.invited = self._in_current_round(ReviewAssignment.status.in_((A.INVITED, A.ACCEPTED, A.SUBMITTED)))
        late = or_(and_(ReviewAssignment.status == A.ACCEPTED, ReviewAssignment.due_at < now),
                   and_(ReviewAssignment.status == A.INVITED, ReviewAssignment.respond_by < now))
        self.overdue_count = self._in_current_round(late)
        # Under review, with a reviewer late to review (accepted, past due) or to answer (invited, past respond-by).
        self.overdue = and_(Submission.status == S.UNDER_REVIEW, self._any_in_current_round(late))
        self.visible = and_(Submission.status != S.DRAFT,
                            or_(managing, Submission.handling_editor_id == user_id))

    @staticmethod
    def _in_current_round(*conditions):
        return (select(func.count(ReviewAssignment.id))
                .join(ReviewRound, ReviewRound.id == ReviewAssignment.round_id)
                .where(ReviewAssignment.submission_id == Submission.id,
                       ReviewRound.number == Submission.current_round, *conditions)
                .correlate(Submission).scalar_subquery())

    @staticmethod
    def _any_in_current_round(*conditions):
        return exists(select(ReviewAssignment.id)
                      .join(ReviewRound, ReviewRound.id == ReviewAssignment.round_id)
                      .where(ReviewAssignment.submission_id == Submission.id,
                             ReviewRound.number == Submission.current_round, *conditions)
                      .correlate(Submission))

    @functools.cached_property
    def reasons(self) -> list[tuple[str, ColumnElement[bool]]]:
        """Each thing the user should do, as (label, condition). Cheap column tests come first in each
        condition: both databases stop there for most rows before any subquery runs."""
        not_author = and_(Submission.submitter_id != self.user_id,
                          not_(exists(select(Contributor.id).where(Contributor.submission_id == Submission.id,
                                                                   Contributor.user_id == self.user_id)
                                      .correlate(Submission))))
        # I handle it, or I am a managing editor and nobody does; never a paper I wrote.
        mine = and_(or_(Submission.handling_editor_id == self.user_id,
                        and_(self.managing, Submission.handling_editor_id.is_(None))), not_author)
        pending = exists(select(EditorRecommendation.id)
                         .where(EditorRecommendation.submission_id == Submission.id,
                                EditorRecommendation.status == RecommendationStatus.PENDING)
                         .correlate(Submission))
        decides = or_(not_(self.recommend_only), self.managing)
        revision = and_(Submission.status == S.SUBMITTED, Submission.current_round >= 2)
        reviewing = Submission.status == S.UNDER_REVIEW
        early = Submission.status.in_((S.SUBMITTED, S.UNDER_REVIEW))
        open_ = self._in_current_round(ReviewAssignment.status.in_((A.INVITED, A.ACCEPTED)))
        due_request = self._any_in_current_round(ReviewAssignment.status.in_((A.INVITED, A.ACCEPTED)),
                                                 ReviewAssignment.proposed_due_at.is_not(None))
        enough = self.submitted >= self.required
        return [
            ("Assign an editor", and_(self.managing, Submission.handling_editor_id.is_(None), early, not_author)),
            ("Screen", and_(Submission.status == S.SUBMITTED, Submission.current_round <= 1, mine)),
            ("Decide on the revision", and_(revision, decides, mine, not_(pending))),
            ("Recommend a decision on the revision", and_(revision, not_(decides), mine, not_(pending))),
            ("Decide", and_(reviewing, decides, mine, enough, not_(pending))),
            ("Recommend a decision", and_(reviewing, not_(decides), mine, enough, not_(pending))),
            ("Invite reviewers", and_(reviewing, mine, not_(enough), self.submitted + open_ < self.required)),
            ("Answer a due-date request", and_(reviewing, mine, due_request)),
            ("Confirm the recommendation", and_(self.managing, early, not_author, pending)),
        ]

    @functools.cached_property
    def needs_action(self) -> ColumnElement[bool]:
        # Every reason needs one of these two statuses: said once up front, the index finds the few such rows.
        return and_(Submission.status.in_((S.SUBMITTED, S.UNDER_REVIEW)),
                    or_(*(condition for _label, condition in self.reasons)))


def _rules_for(user: User, journal: Journal, now: datetime) -> _Rules:
    managing = has_role(user, journal, Role.MANAGING_EDITOR)
    return _Rules(user.id, true() if managing else false(), literal(journal.reviews_required),
                  true() if journal.editors_recommend_only else false(), now)


# ---- The queue page ----------------------------------------------------------------------------------------------


def _filtered(journal: Journal, rules: _Rules, filters: QueueFilters) -> list[ColumnElement[bool]]:
    """Every condition but the status one (the status tabs count under the other filters)."""
    conditions = [Submission.journal_id == journal.id, rules.visible]
    if filters.section_id:
        conditions.append(Submission.section_id == filters.section_id)
    if filters.editor == "none":
        conditions.append(Submission.handling_editor_id.is_(None))
    elif filters.editor.isdigit():
        conditions.append(Submission.handling_editor_id == int(filters.editor))
    if filters.q.strip():
        text = filters.q.strip().lower()
        conditions.append(or_(func.lower(Submission.reference).contains(text, autoescape=True),
                              func.lower(Submission.title).contains(text, autoescape=True)))
    if filters.overdue:
        conditions.append(rules.overdue)
    if filters.needs_action:
        conditions.append(rules.needs_action)
    return conditions


# What a row shows; the long texts and JSON lists of a submission stay in the database.
_ROW_COLUMNS = (Submission.journal_id, Submission.section_id, Submission.handling_editor_id, Submission.submitter_id,
                Submission.reference, Submission.title, Submission.status, Submission.current_round,
                Submission.status_changed_at, Submission.submitted_at, Submission.version)


def _order(sort: str) -> list:
    if sort == "newest":
        return [Submission.status_changed_at.desc(), Submission.id.desc()]
    if sort == "submitted":
        return [Submission.submitted_at.desc(), Submission.id.desc()]
    return [Submission.status_changed_at, Submission.id]


def queue_page(actor: User, journal: Journal, filters: QueueFilters) -> QueuePage:
    """A page of the journal's queue as `actor` may see it: managing editors see every submission but drafts,
    editors those they handle. Three queries whatever the page size."""
    managing = has_role(actor, journal, Role.MANAGING_EDITOR)
    if not managing:
        filters = replace(filters, editor="")  # an editor sees only their own papers anyway
    now = utcnow()
    rules = _rules_for(actor, journal, now)
    conditions = _filtered(journal, rules, filters)

    by_status = dict(db.session.execute(
        select(Submission.status, func.count(Submission.id)).where(*conditions).group_by(Submission.status)
    ).all())
    counts = {s.value: by_status.get(s, 0) for s in QUEUE_STATUSES}
    counts["active"] = sum(counts[s.value] for s in ACTIVE_STATUSES)
    counts["all"] = sum(counts[s.value] for s in QUEUE_STATUSES)
    statuses = filters.statuses()
    total = sum(counts[s.value] for s in statuses)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, filters.page), pages)
    filters = replace(filters, page=page)

    # The page's ids are found on the narrow index entries; only those fifty rows are read whole and joined.
    page_ids = (select(Submission.id).where(*conditions, Submission.status.in_(statuses))
                .order_by(*_order(filters.sort)).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE).subquery())
    submissions = db.session.scalars(
        select(Submission).join(page_ids, page_ids.c.id == Submission.id)
        .options(load_only(*_ROW_COLUMNS), joinedload(Submission.section),
                 joinedload(Submission.handling_editor).load_only(User.given_name, User.family_name))
        .order_by(*_order(filters.sort))
    ).all()
    rows = [QueueRow(s, max(0, (now - s.status_changed_at).days)) for s in submissions]
    _add_figures(rows, rules)
    return QueuePage(rows=rows, total=total, page=page, pages=pages, counts=counts, managing=managing,
                     filters=filters)


def _add_figures(rows: list[QueueRow], rules: _Rules) -> None:
    """Review counts, overdue reviews and what needs the user's action, for the page's rows in one query."""
    if not rows:
        return
    reasons = rules.reasons
    query = select(Submission.id, rules.submitted, rules.invited, rules.overdue_count,
                   *(case((condition, 1), else_=0) for _label, condition in reasons)
                   ).where(Submission.id.in_([r.submission.id for r in rows]))
    figures = {row[0]: row[1:] for row in db.session.execute(query)}
    for row in rows:
        submitted, invited, overdue, *flags = figures[row.submission.id]
        row.reviews_submitted, row.reviews_invited = submitted or 0, invited or 0
        row.reviews_overdue = overdue if row.submission.status is S.UNDER_REVIEW else 0
        row.actions = [label for (label, _condition), flag in zip(reasons, flags) if flag]


def editor_choices(journal: Journal) -> list[tuple[int, str]]:
    """The journal's editors and managing editors, for the handling-editor filter."""
    members = select(Membership.user_id).where(Membership.journal_id == journal.id,
                                               Membership.role.in_((Role.EDITOR, Role.MANAGING_EDITOR)))
    return [(u.id, u.full_name) for u in db.session.scalars(
        select(User).where(User.id.in_(members)).order_by(User.family_name, User.given_name))]


# ---- The editorial start page -------------------------------------------------------------------------------------


@dataclass
class JournalSummary:
    managing: bool = False  # counts the whole journal, not only the papers the user handles
    active: int = 0
    needs_action: int = 0
    overdue: int = 0


def journal_summaries(actor: User, journals: list[Journal]) -> dict[int, JournalSummary]:
    """Per journal, what the user's queue holds: active submissions, those needing the user's action, those with
    overdue reviews. One query for all journals."""
    if not journals:
        return {}
    managed = [j.id for j in journals if has_role(actor, j, Role.MANAGING_EDITOR)]
    rules = _Rules(actor.id, Submission.journal_id.in_(managed) if managed else false(), Journal.reviews_required,
                   Journal.editors_recommend_only, utcnow())
    rows = db.session.execute(
        select(Submission.journal_id, func.count(Submission.id),
               func.sum(case((rules.needs_action, 1), else_=0)), func.sum(case((rules.overdue, 1), else_=0)))
        .join(Journal, Journal.id == Submission.journal_id)
        .where(Submission.journal_id.in_([j.id for j in journals]), rules.visible,
               Submission.status.in_(ACTIVE_STATUSES))
        .group_by(Submission.journal_id)
    ).all()
    summaries = {j.id: JournalSummary(j.id in managed) for j in journals}
    for journal_id, active, needs_action, overdue in rows:
        summaries[journal_id] = JournalSummary(journal_id in managed, active, needs_action or 0, overdue or 0)
    return summaries
