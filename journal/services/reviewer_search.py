"""Find reviewers: search the journal's reviewer pool (or everyone with an account) for a submission, ranked by how
well each person's expertise and past reviews match the paper, with their load, record and conflicts of interest.

Ranking is a plain weighted overlap, shown to the editor term by term:
- each of the candidate's expertise keywords scores 3 when it is one of the paper's keywords, 2 when it appears in
  the paper's title or abstract (or inside one of its keywords), 1 when one of its words is a word of the paper's
  keywords or title;
- each other paper the candidate reviewed (review submitted) scores 2 when it shares a keyword with this paper, 1 when
  its keywords or title contain a word of this paper's keywords; papers add at most PAPER_POINTS_CAP together.
Words are compared case-insensitively, without accents, punctuation, common English words or a plural "s"
(journal/services/keywords.py).

Conflicts of interest come from journal/services/conflicts.py, the one check every invitation goes through: an
author of the paper is listed but not invitable; the other conflicts need the editor's override with a reason.

Every figure is computed for all candidates at once, in a fixed number of queries whatever their number.
In a triple-anonymous journal an editor who may not see the authors gets the flags without names, affiliations or
the authors' reasons, and the paper's authors are left out of the results altogether.
"""

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import String, cast, func, or_, select

from journal.extensions import db
from journal.models import AssignmentStatus, Membership, ReviewAssignment, Role, Submission, User
from journal.models.reviews import ENDED_STATUSES, OPEN_STATUSES
from journal.permissions import can
from journal.services.accounts import normalize_email
from journal.services.conflicts import Conflict, conflicts_for, fold, institution  # noqa: F401 (institution)
from journal.services.errors import PermissionDenied
from journal.services.invitations import current_round
from journal.services.keywords import KeywordMatch, PaperTerms, match_keyword, paper_points


SCOPE_JOURNAL = "journal"
SCOPE_EVERYONE = "everyone"
SCOPES = {SCOPE_JOURNAL: _l("This journal's reviewers"), SCOPE_EVERYONE: _l("Everyone with an account")}
# Searching everyone needs this many characters typed, so the page never lists the whole user base.
EVERYONE_MIN_CHARS = 2
PER_PAGE = 25
# At most this many people are ranked per search; beyond it the editor is asked to narrow the search.
CANDIDATE_CAP = 1000
MAX_SEARCH_WORDS = 8
PAPER_POINTS_CAP = 6


# --- results -----------------------------------------------------------------------------------------------------

@dataclass(eq=False)
class Candidate:
    """One person the editor might invite, with why they rank where they do."""

    name: str
    email: str
    user: User | None = None
    in_pool: bool = False
    keyword_matches: list[KeywordMatch] = field(default_factory=list)
    matching_papers: int = 0
    paper_points: int = 0
    open_assignments: int = 0
    completed_reviews: int = 0
    last_review_at: datetime | None = None
    turnaround_days: float | None = None
    rating_timeliness: float | None = None
    rating_quality: float | None = None
    ratings: int = 0
    conflicts: list[Conflict] = field(default_factory=list)
    # The status of a live invitation in the current round ("Invited", "Accepted", "Review submitted").
    invited: str | None = None

    @property
    def keyword_points(self) -> int:
        return sum(m.points for m in self.keyword_matches)

    @property
    def score(self) -> int:
        return self.keyword_points + self.paper_points

    @property
    def matched(self) -> set[str]:
        return {m.keyword for m in self.keyword_matches}

    @property
    def blocked(self) -> bool:
        return any(c.blocks for c in self.conflicts)

    @property
    def invitable(self) -> bool:
        return not self.blocked and self.invited is None


@dataclass
class Suggestion:
    """A reviewer the authors suggested, with their reason; `candidate` carries the figures and conflicts."""

    name: str
    email: str
    reason: str
    candidate: Candidate
    has_account: bool


@dataclass
class SearchResult:
    candidates: list[Candidate]
    suggestions: list[Suggestion]
    total: int
    page: int
    pages: int
    truncated: bool = False
    message: str | None = None
    paper_keywords: list[str] = field(default_factory=list)
    # False for a triple-anonymous journal's handling editor: flags without names, no authors' reasons.
    sees_authors: bool = True

    @property
    def first_rank(self) -> int:
        return (self.page - 1) * PER_PAGE + 1


# --- the search --------------------------------------------------------------------------------------------------

def _like(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _case_variants(word: str) -> set[str]:
    """The typed word as the database's lower() may hold it. SQLite lowers only ASCII letters, and JSON keeps
    non-ASCII letters as \\u escapes, so accented letters are tried in lower case, upper case and capitalised."""
    lower = word.lower()
    if lower.isascii():
        return {lower}
    upper_rest = "".join(c.upper() if not c.isascii() else c for c in lower)
    return {lower, upper_rest, upper_rest[:1] + lower[1:], lower[:1].upper() + lower[1:]}


def _text_filter(text: str):
    """Every typed word must occur in the person's name, email address or expertise keywords."""
    conditions = []
    keywords = func.lower(cast(User.expertise_keywords, String))
    for word in text.split()[:MAX_SEARCH_WORDS]:
        matches = []
        for variant in _case_variants(word):
            like = _like(variant)
            matches += [func.lower(User.given_name).like(like, escape="\\"),
                        func.lower(User.family_name).like(like, escape="\\"),
                        User.email.like(like, escape="\\"), keywords.like(like, escape="\\")]
            # Keywords are stored as JSON, where non-ASCII letters are \u-escaped.
            escaped = json.dumps(variant)[1:-1]
            if escaped != variant:
                matches.append(keywords.like(_like(escaped), escape="\\"))
        conditions.append(or_(*matches))
    return conditions


def _candidates(journal_id: int, text: str, scope: str) -> tuple[list[tuple[User, bool]], bool]:
    pool = select(Membership.user_id).where(Membership.journal_id == journal_id, Membership.role == Role.REVIEWER)
    query = (select(User, User.id.in_(pool)).where(User.active.is_(True), *_text_filter(text))
             .order_by(User.family_name, User.given_name, User.id).limit(CANDIDATE_CAP + 1))
    if scope == SCOPE_JOURNAL:
        query = query.where(User.id.in_(pool))
    rows = [(user, bool(in_pool)) for user, in_pool in db.session.execute(query).all()]
    return rows[:CANDIDATE_CAP], len(rows) > CANDIDATE_CAP


def _review_records(candidates: list[Candidate], submission: Submission, paper: PaperTerms) -> None:
    """Completed reviews, last review, turnaround, this journal's ratings and matching papers: one query."""
    by_id = {c.user.id: c for c in candidates if c.user is not None}
    if not by_id:
        return
    rows = db.session.execute(
        select(ReviewAssignment.reviewer_id, ReviewAssignment.submission_id, ReviewAssignment.created_at,
               ReviewAssignment.completed_at, ReviewAssignment.rating_timeliness, ReviewAssignment.rating_quality,
               Submission.journal_id, Submission.title, Submission.keywords)
        .join(Submission, Submission.id == ReviewAssignment.submission_id)
        .where(ReviewAssignment.status == AssignmentStatus.SUBMITTED, ReviewAssignment.reviewer_id.in_(list(by_id)))
    ).all()
    turnarounds: dict[int, list[float]] = defaultdict(list)
    timeliness: dict[int, list[int]] = defaultdict(list)
    quality: dict[int, list[int]] = defaultdict(list)
    rated: dict[int, int] = defaultdict(int)
    papers: dict[int, dict[int, int]] = defaultdict(dict)
    for reviewer_id, submission_id, invited_at, completed_at, timely, good, journal_id, title, keywords in rows:
        candidate = by_id[reviewer_id]
        candidate.completed_reviews += 1
        if completed_at is not None:
            if candidate.last_review_at is None or completed_at > candidate.last_review_at:
                candidate.last_review_at = completed_at
            turnarounds[reviewer_id].append((completed_at - invited_at).total_seconds() / 86400)
        if journal_id == submission.journal_id:
            if timely is not None:
                timeliness[reviewer_id].append(timely)
            if good is not None:
                quality[reviewer_id].append(good)
            if timely is not None or good is not None:
                rated[reviewer_id] += 1
        if submission_id != submission.id:
            points = paper_points(paper, title or "", keywords or [])
            papers[reviewer_id][submission_id] = max(points, papers[reviewer_id].get(submission_id, 0))
    for reviewer_id, candidate in by_id.items():
        if turnarounds[reviewer_id]:
            candidate.turnaround_days = sum(turnarounds[reviewer_id]) / len(turnarounds[reviewer_id])
        if timeliness[reviewer_id]:
            candidate.rating_timeliness = sum(timeliness[reviewer_id]) / len(timeliness[reviewer_id])
        if quality[reviewer_id]:
            candidate.rating_quality = sum(quality[reviewer_id]) / len(quality[reviewer_id])
        candidate.ratings = rated[reviewer_id]
        matching = [p for p in papers[reviewer_id].values() if p > 0]
        candidate.matching_papers = len(matching)
        candidate.paper_points = min(sum(matching), PAPER_POINTS_CAP)


def _loads(candidates: list[Candidate]) -> None:
    """Open assignments (invited or accepted, any journal) per person: one grouped query."""
    by_id = {c.user.id: c for c in candidates if c.user is not None}
    if not by_id:
        return
    rows = db.session.execute(
        select(ReviewAssignment.reviewer_id, func.count()).where(ReviewAssignment.status.in_(OPEN_STATUSES),
                                                                 ReviewAssignment.reviewer_id.in_(list(by_id)))
        .group_by(ReviewAssignment.reviewer_id)
    ).all()
    for reviewer_id, count in rows:
        by_id[reviewer_id].open_assignments = count


def _invitations(candidates: list[Candidate], submission: Submission) -> None:
    """Who has a live invitation in the current round already: one query."""
    round_ = current_round(submission)
    if round_ is None:
        return
    rows = db.session.execute(
        select(ReviewAssignment.reviewer_id, ReviewAssignment.invitee_email, ReviewAssignment.status)
        .where(ReviewAssignment.round_id == round_.id, ReviewAssignment.status.not_in(ENDED_STATUSES))
    ).all()
    by_id = {reviewer_id: status for reviewer_id, _email, status in rows if reviewer_id}
    by_email = {email: status for _id, email, status in rows}
    for candidate in candidates:
        status = (by_id.get(candidate.user.id) if candidate.user is not None else None) or by_email.get(candidate.email)
        if status is not None:
            candidate.invited = status.label


def _suggestions(submission: Submission, known: dict[int, Candidate]) -> list[Suggestion]:
    """The authors' suggested reviewers, each with an account (found by email) or as a new person: one query."""
    listed = [(r.get("name") or "", normalize_email(r.get("email") or ""), r.get("reason") or "")
              for r in submission.suggested_reviewers or []]
    if not listed:
        return []
    pool = select(Membership.user_id).where(Membership.journal_id == submission.journal_id,
                                            Membership.role == Role.REVIEWER)
    accounts = {user.email: (user, bool(in_pool)) for user, in_pool in db.session.execute(
        select(User, User.id.in_(pool)).where(User.email.in_({email for _n, email, _r in listed}),
                                              User.active.is_(True))).all()}
    suggestions = []
    for name, email, reason in listed:
        if email in accounts:
            user, in_pool = accounts[email]
            candidate = known.get(user.id) or Candidate(name=user.full_name, email=user.email, user=user,
                                                        in_pool=in_pool)
        else:
            candidate = Candidate(name=name, email=email)
        suggestions.append(Suggestion(name=name, email=email, reason=reason, candidate=candidate,
                                      has_account=candidate.user is not None))
    return suggestions


def _rank_key(candidate: Candidate):
    """Best match first; among equals the less loaded; the paper's own authors last (they cannot review it)."""
    user = candidate.user
    return (candidate.blocked, -candidate.score, candidate.open_assignments, fold(user.family_name),
            fold(user.given_name), user.id)


def find_reviewers(actor: User, submission: Submission, *, text: str = "", scope: str = SCOPE_JOURNAL,
                   page: int = 1) -> SearchResult:
    """The people an editor might invite to review the paper, best match first, with the authors' suggestions.

    With no text, the journal's reviewer pool, ranked; with text, only people whose name, email address or
    expertise keywords contain every typed word. Searching everyone with an account needs two characters."""
    if not can(actor, "submission.decide", submission):
        raise PermissionDenied(_("Only the handling editor or a managing editor looks for this paper's reviewers."))
    sees_authors = can(actor, "submission.see_authors", submission)
    text = " ".join((text or "").split())[:200]
    scope = scope if scope in SCOPES else SCOPE_JOURNAL
    paper = PaperTerms.of(submission.title, submission.abstract, submission.keywords)

    message = None
    if scope == SCOPE_EVERYONE and len(text) < EVERYONE_MIN_CHARS:
        rows, truncated = [], False
        message = ngettext("To search everyone with an account, type at least %(num)d character of a name, "
                           "email address or keyword.",
                           "To search everyone with an account, type at least %(num)d characters of a name, "
                           "email address or keyword.", EVERYONE_MIN_CHARS)
    else:
        rows, truncated = _candidates(submission.journal_id, text, scope)
    candidates = []
    for user, in_pool in rows:
        matches = [m for m in (match_keyword(k, paper) for k in user.expertise_keywords or []) if m]
        candidates.append(Candidate(name=user.full_name, email=user.email, user=user, in_pool=in_pool,
                                    keyword_matches=matches))
    suggestions = _suggestions(submission, {c.user.id: c for c in candidates})
    listed, extra = {id(c) for c in candidates}, []
    for suggestion in suggestions:
        if id(suggestion.candidate) not in listed:
            listed.add(id(suggestion.candidate))
            extra.append(suggestion.candidate)
    for candidate in extra:
        if candidate.user is not None:
            candidate.keyword_matches = [m for m in (match_keyword(k, paper)
                                                     for k in candidate.user.expertise_keywords or []) if m]
    everyone = candidates + extra
    _review_records(everyone, submission, paper)
    _loads(everyone)
    for candidate, found in zip(everyone, conflicts_for(actor, submission, everyone, sees_authors=sees_authors)):
        candidate.conflicts = found
    _invitations(everyone, submission)

    if not sees_authors:
        # The paper's authors are not offered at all: a flag on a named person would tell who wrote it.
        candidates = [c for c in candidates if not c.blocked]
        suggestions = [s for s in suggestions if not s.candidate.blocked]
        for suggestion in suggestions:
            suggestion.reason = ""
    candidates.sort(key=_rank_key)
    pages = max(1, -(-len(candidates) // PER_PAGE))
    page = min(max(page, 1), pages)
    return SearchResult(candidates=candidates[(page - 1) * PER_PAGE:page * PER_PAGE], suggestions=suggestions,
                        total=len(candidates), page=page, pages=pages, truncated=truncated, message=message,
                        paper_keywords=list(submission.keywords or []), sees_authors=sees_authors)
