"""The editorial queue: which submissions an editor sees, what needs whose action, where reviews are overdue.

Each rule is one SQL expression over `submissions`, whose columns include the current round's review figures
(invitations, accepted and submitted reviews, due-date requests, when the first open review is late, a waiting
recommendation), stored by journal/models/review_facts.py at every flush that changes them. So the "needs my action"
and "overdue" filters, the reasons shown on each row and the counts on the editorial start page are the same rule
over plain columns, which PostgreSQL estimates from their own statistics and indexes serve (a partial covering index
for "needs my action", migration 0022), and a page costs the same few queries at fifty or fifty thousand
submissions: one count per status (GROUP BY), one page of rows (section and handling editor joined, each row's late
reviews and reasons to act alongside). Only the late reviews of the page's fifty rows are counted from the
assignments (a date passes without a flush).

The statements are built once per shape (which filters, managing or not) with named parameters (:me, :now,
:required, …) and kept: building these SQL expressions costs more than running them.
The queue shows no author names, so a triple-anonymous handling editor can use it. Nobody's queue, counts or
summary holds a paper they are an author of (journal/permissions.py, `contributor_condition`).
"""

import functools
from dataclasses import dataclass, field, replace

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Integer, String, and_, bindparam, case, false, func, not_, or_, select, true
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import joinedload, load_only
from sqlalchemy.sql.functions import FunctionElement

from journal.extensions import db
from journal.models import (Article, AssignmentStatus, Journal, Membership, ReviewAssignment, ReviewRound, Role,
                            Submission, SubmissionStatus, User, utcnow)
from journal.models.base import UTCDateTime
from journal.permissions import contributor_condition, has_role

S = SubmissionStatus
A = AssignmentStatus
PAGE_SIZE = 50
# What an editor works on; the queue opens on these.
ACTIVE_STATUSES = (S.SUBMITTED, S.UNDER_REVIEW, S.REVISION_REQUESTED, S.ACCEPTED, S.SCHEDULED)
QUEUE_STATUSES = tuple(s for s in SubmissionStatus if s is not S.DRAFT)
NEEDS_ACTION_STATUSES = (S.SUBMITTED, S.UNDER_REVIEW)  # every reason to act needs one of these
# "In production": accepted papers (scheduled in an issue or not) whose production has started and whose article is
# not published yet, as the production page lists them (services/production.py overview).
PRODUCTION = "production"
PRODUCTION_STATUSES = (S.ACCEPTED, S.SCHEDULED)
# The status tabs: the active ones together, each status (with the papers in production after the accepted ones),
# everything. Lazy labels: made text in the reader's language where they are shown.
STATUS_TABS = [("active", _l("Active")),
               *(tab for s in QUEUE_STATUSES for tab in ((s.value, _l(s.source_label)),
                                                          *([(PRODUCTION, _l("In production"))]
                                                            if s is S.ACCEPTED else []))),
               ("all", _l("All"))]
SORTS = {
    "oldest": _l("Longest in status first"),
    "newest": _l("Newest in status first"),
    "submitted": _l("Newest submitted first"),
}


@dataclass(frozen=True)
class QueueFilters:
    """What the editor asked for; every field has a default, so a bare URL is the usual view."""

    status: str = "active"  # "active", "all", "production" or a status value other than draft
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
        if self.status == PRODUCTION:
            return PRODUCTION_STATUSES
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
    counts: dict[str, int]  # by status value, plus "active", "production" and "all", under the other filters
    managing: bool
    filters: QueueFilters

    @property
    def first(self) -> int:
        return (self.page - 1) * PAGE_SIZE + 1

    @property
    def last(self) -> int:
        return (self.page - 1) * PAGE_SIZE + len(self.rows)


# ---- The rules, as SQL with named parameters ------------------------------------------------------------------

ME = bindparam("me", type_=Integer)  # the user looking at the queue
EMAIL = bindparam("email", type_=String)  # their address: a listed author with it is them
NOW = bindparam("now", type_=UTCDateTime())
REQUIRED = bindparam("required", type_=Integer)  # the journal's reviews required per round
JOURNAL_IDS = bindparam("journal_ids", expanding=True)


def _not_author() -> ColumnElement[bool]:
    """Not a paper I am an author of (the submitter, linked to my account, or listed with my address)."""
    return not_(contributor_condition(ME, EMAIL))


def _visible(managing: ColumnElement) -> ColumnElement[bool]:
    """Managing editors see every submission but drafts, editors those they handle; nobody their own paper."""
    return and_(Submission.status != S.DRAFT, or_(managing, Submission.handling_editor_id == ME), _not_author())


def _handled_by_me(managing: ColumnElement) -> ColumnElement[bool]:
    """I handle it, or I am a managing editor and nobody does."""
    return or_(Submission.handling_editor_id == ME, and_(managing, Submission.handling_editor_id.is_(None)))


def _number(condition) -> ColumnElement[int]:
    return func.sum(case((condition, 1), else_=0))


class _Facts:
    """Per submission, the current round's review figures the rules ask: columns of `submissions`, kept by
    journal/models/review_facts.py, so no statement groups the review assignments and every estimate is a
    column's own statistics."""

    submitted = Submission.reviews_submitted
    invited = Submission.reviews_invited  # invited, accepted or submitted: not declined or cancelled
    due_requests = Submission.due_date_requests
    has_pending = Submission.recommendation_pending


class _Rules:
    """What needs the user's action and which reviews are overdue, over one set of facts. `managing`, `required`
    and `recommend_only` are SQL expressions: constants for one journal, columns of `journals` (and a list of
    managed journals) for the start page's several journals."""

    def __init__(self, managing: ColumnElement, required: ColumnElement, recommend_only: ColumnElement):
        facts = _Facts
        # Every statement that asks these also asks `_visible`, which leaves out the papers I wrote: said again
        # here, each copy was one more NOT IN that PostgreSQL multiplied into its row estimate (80 times too few).
        mine = _handled_by_me(managing)
        decides = or_(not_(recommend_only), managing)
        revision = and_(Submission.status == S.SUBMITTED, Submission.current_round >= 2)
        reviewing = Submission.status == S.UNDER_REVIEW
        early = Submission.status.in_((S.SUBMITTED, S.UNDER_REVIEW))
        enough = facts.submitted >= required
        waiting = not_(facts.has_pending)
        self.reasons: list[tuple[str, ColumnElement[bool]]] = [
            (_l("Assign an editor"), and_(managing, Submission.handling_editor_id.is_(None), early)),
            (_l("Screen"), and_(Submission.status == S.SUBMITTED, Submission.current_round <= 1, mine)),
            (_l("Decide on the revision"), and_(revision, decides, mine, waiting)),
            (_l("Recommend a decision on the revision"), and_(revision, not_(decides), mine, waiting)),
            (_l("Decide"), and_(reviewing, decides, mine, enough, waiting)),
            (_l("Recommend a decision"), and_(reviewing, not_(decides), mine, enough, waiting)),
            # Too few reviews submitted or on their way (submitted + open = invited).
            (_l("Invite reviewers"), and_(reviewing, mine, not_(enough), facts.invited < required)),
            (_l("Answer a due-date request"), and_(reviewing, mine, facts.due_requests > 0)),
            (_l("Confirm the recommendation"), and_(managing, early, facts.has_pending)),
        ]
        # Every reason needs one of these two statuses: said once up front, the index finds the few such rows
        # (the queue page says them in its list of statuses instead: `NEEDS_ACTION_STATUSES`).
        self.any_reason = or_(*(condition for _label, condition in self.reasons))
        self.needs_action = and_(early, self.any_reason)


def _constant(value: bool) -> ColumnElement[bool]:
    return true() if value else false()


def _overdue() -> ColumnElement[bool]:
    """Under review, with a reviewer late to review (accepted, past due) or to answer (invited, past respond-by)
    in the current round: the first open review's date has passed (ix_submissions_reviews_late)."""
    return and_(Submission.status == S.UNDER_REVIEW, Submission.reviews_late_from < NOW)


def _late_reviews() -> ColumnElement[int]:
    """The number of late reviews in the current round, for the page's rows only (the date moves on; not stored)."""
    ra = ReviewAssignment
    return (select(func.count()).select_from(ra).join(ReviewRound, ReviewRound.id == ra.round_id)
            .where(ra.submission_id == Submission.id, ReviewRound.number == Submission.current_round,
                   or_(and_(ra.status == A.ACCEPTED, ra.due_at < NOW),
                       and_(ra.status == A.INVITED, ra.respond_by < NOW)))
            .scalar_subquery())


def _in_production() -> ColumnElement[bool]:
    """Production started (an article) and the article not published yet; the status says accepted or scheduled."""
    return and_(Submission.status.in_(PRODUCTION_STATUSES),
                Submission.id.in_(select(Article.submission_id).where(Article.published_at.is_(None))))


class _unindexed(FunctionElement):
    """A column no SQLite index may serve (`column + 0`); PostgreSQL gets the bare column, whose statistics it
    reads (an expression it estimates at one row in 200: the editor's start page joined 324 rows it expected as
    one by nested loops, rescanning the review counts for each)."""

    type = Integer()
    inherit_cache = True


@compiles(_unindexed)
def _bare_column(element, compiler, **kw):
    return compiler.process(element.clauses, **kw)


@compiles(_unindexed, "sqlite")
def _plus_zero(element, compiler, **kw):
    return f"({compiler.process(element.clauses, **kw)} + 0)"


def _in_journals(by_editor: bool) -> ColumnElement[bool]:
    """The journal condition. When the rows are one editor's, SQLite is not to serve it from an index: without
    ANALYZE statistics it would otherwise walk the journal's whole queue index instead of the editor's few rows
    (ix_submissions_handling_editor_id)."""
    return _unindexed(Submission.journal_id).in_(JOURNAL_IDS) if by_editor else Submission.journal_id.in_(JOURNAL_IDS)


# ---- The queue page ----------------------------------------------------------------------------------------------

# What a row shows; the long texts and JSON lists of a submission stay in the database.
_ROW_COLUMNS = (Submission.journal_id, Submission.section_id, Submission.handling_editor_id, Submission.submitter_id,
                Submission.reference, Submission.title, Submission.status, Submission.current_round,
                Submission.status_changed_at, Submission.submitted_at, Submission.revision_due_at,
                Submission.reviews_submitted, Submission.reviews_invited, Submission.version)
_ORDERS = {
    "oldest": (Submission.status_changed_at, Submission.id),
    "newest": (Submission.status_changed_at.desc(), Submission.id.desc()),
    "submitted": (Submission.submitted_at.desc(), Submission.id.desc()),
}


@dataclass(frozen=True)
class _Shape:
    """What decides a queue statement's SQL; everything else is a parameter."""

    managing: bool
    recommend_only: bool
    section: bool
    editor: str  # "", "none" or "id"
    search: bool
    needs_action: bool
    overdue: bool
    sort: str
    in_production: bool = False  # the "In production" tab's rows


@functools.lru_cache(maxsize=256)
def _queue_statements(shape: _Shape):
    """The count per status and the page's rows, for one shape of filters. Parameters: me, now, required,
    journal_ids, section_id, editor_id, q, statuses, limit, offset."""
    managing = _constant(shape.managing)
    by_editor = not shape.managing or shape.editor == "id"
    rules = _Rules(managing, REQUIRED, _constant(shape.recommend_only))
    conditions = [_in_journals(by_editor), _visible(managing)]
    if shape.section:
        conditions.append(Submission.section_id == bindparam("section_id", type_=Integer))
    if shape.editor == "none":
        conditions.append(Submission.handling_editor_id.is_(None))
    elif shape.editor == "id":
        conditions.append(Submission.handling_editor_id == bindparam("editor_id", type_=Integer))
    if shape.search:
        text = bindparam("q", type_=String)  # lower-cased, with LIKE's wildcards escaped by "/"
        conditions.append(or_(func.lower(Submission.reference).contains(text, escape="/"),
                              func.lower(Submission.title).contains(text, escape="/")))
    if shape.overdue:
        conditions.append(_overdue())
    if shape.needs_action:  # the page's statuses are those of the tab that can need action
        conditions.append(rules.any_reason)

    def from_submissions(*columns):
        return select(*columns).select_from(Submission)

    # Per status: the papers, and those of them in production (an unpublished article), with no join, so that the
    # index holding the filters' columns answers alone.
    needs = [Submission.status.in_(NEEDS_ACTION_STATUSES)] if shape.needs_action else []
    counts = (from_submissions(Submission.status, func.count(Submission.id), _number(_in_production()))
              .where(*conditions, *needs).group_by(Submission.status))
    # The page's ids come from the narrow index entries; only those fifty rows are read whole and joined.
    order = _ORDERS[shape.sort]
    tab = [_in_production()] if shape.in_production else []
    page_ids = (from_submissions(Submission.id)
                .where(*conditions, *tab, Submission.status.in_(bindparam("statuses", expanding=True)))
                .order_by(*order).limit(bindparam("limit", type_=Integer)).offset(bindparam("offset", type_=Integer))
                .subquery("page"))
    # Each row with its late reviews and one flag per reason to act (the rules' own expressions).
    page = (select(Submission, _late_reviews(), *(case((condition, 1), else_=0) for _label, condition in rules.reasons))
            .join(page_ids, page_ids.c.id == Submission.id)
            .options(load_only(*_ROW_COLUMNS), joinedload(Submission.section),
                     joinedload(Submission.handling_editor).load_only(User.given_name, User.family_name))
            .order_by(*order))
    return counts, page, [label for label, _ in rules.reasons]


def _like_text(q: str) -> str:
    return q.lower().replace("/", "//").replace("%", "/%").replace("_", "/_")


def queue_page(actor: User, journal: Journal, filters: QueueFilters) -> QueuePage:
    """A page of the journal's queue as `actor` may see it: managing editors see every submission but drafts,
    editors those they handle. Two queries whatever the page size: the counts, and the page's rows with their figures."""
    managing = has_role(actor, journal, Role.MANAGING_EDITOR)
    if not managing:
        filters = replace(filters, editor="")  # an editor sees only their own papers anyway
    editor = filters.editor if filters.editor in ("", "none") else "id" if filters.editor.isdigit() else ""
    shape = _Shape(managing, journal.editors_recommend_only, bool(filters.section_id), editor,
                   bool(filters.q.strip()), filters.needs_action, filters.overdue,
                   filters.sort if filters.sort in _ORDERS else "oldest", filters.status == PRODUCTION)
    counts_query, page_query, labels = _queue_statements(shape)
    now = utcnow()
    params = {"me": actor.id, "email": actor.email, "now": now, "required": journal.reviews_required,
              "journal_ids": [journal.id],
              "section_id": filters.section_id, "editor_id": int(filters.editor) if editor == "id" else None,
              "q": _like_text(filters.q.strip())}

    by_status = {status: (papers, produced) for status, papers, produced in db.session.execute(counts_query, params)}
    counts = {s.value: by_status.get(s, (0, 0))[0] for s in QUEUE_STATUSES}
    counts["active"] = sum(counts[s.value] for s in ACTIVE_STATUSES)
    counts["all"] = sum(counts[s.value] for s in QUEUE_STATUSES)
    counts[PRODUCTION] = sum(produced for _papers, produced in by_status.values())
    statuses = filters.statuses()
    total = counts[PRODUCTION] if filters.status == PRODUCTION else sum(counts[s.value] for s in statuses)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, filters.page), pages)
    filters = replace(filters, page=page)

    if filters.needs_action:  # only these statuses can need action: said once, in the list of statuses
        statuses = tuple(s for s in statuses if s in NEEDS_ACTION_STATUSES) or (S.DRAFT,)  # none: no rows
    rows = []
    for submission, late, *flags in db.session.execute(page_query, {
            **params, "statuses": [s.value for s in statuses], "limit": PAGE_SIZE,
            "offset": (page - 1) * PAGE_SIZE}):
        rows.append(QueueRow(submission, max(0, (now - submission.status_changed_at).days),
                             reviews_submitted=submission.reviews_submitted,
                             reviews_invited=submission.reviews_invited,
                             reviews_overdue=late if submission.status is S.UNDER_REVIEW else 0,
                             actions=[label for label, flag in zip(labels, flags) if flag]))
    return QueuePage(rows=rows, total=total, page=page, pages=pages, counts=counts, managing=managing,
                     filters=filters)


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


@functools.lru_cache(maxsize=2)
def _summary_statement(manages_any: bool):
    """Per journal (:journal_ids): active submissions, those needing my action, those with overdue reviews.
    :managed lists the journals I manage."""
    managing = Submission.journal_id.in_(bindparam("managed", expanding=True)) if manages_any else false()
    rules = _Rules(managing, Journal.reviews_required, Journal.editors_recommend_only)
    return (select(Submission.journal_id, func.count(Submission.id), _number(rules.needs_action), _number(_overdue()))
            .select_from(Submission).join(Journal, Journal.id == Submission.journal_id)
            .where(_in_journals(not manages_any), _visible(managing), Submission.status.in_(ACTIVE_STATUSES))
            .group_by(Submission.journal_id))


def journal_summaries(actor: User, journals: list[Journal]) -> dict[int, JournalSummary]:
    """Per journal, what the user's queue holds: active submissions, those needing the user's action, those with
    overdue reviews. One query for all journals."""
    if not journals:
        return {}
    managed = [j.id for j in journals if has_role(actor, j, Role.MANAGING_EDITOR)]
    rows = db.session.execute(_summary_statement(bool(managed)), {
        "me": actor.id, "email": actor.email, "now": utcnow(), "journal_ids": [j.id for j in journals],
        "managed": managed}).all()
    summaries = {j.id: JournalSummary(j.id in managed) for j in journals}
    for journal_id, active, needs_action, overdue in rows:
        summaries[journal_id] = JournalSummary(journal_id in managed, active, needs_action or 0, overdue or 0)
    return summaries
