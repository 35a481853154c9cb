"""The current round's review figures stored on each submission, and the flush hook that keeps them right.

The editorial queue filters, sorts and counts on what a paper's current review round holds: invitations not
declined or cancelled, reviews accepted and submitted, open due-date requests, when the first open review is late,
and whether a recommendation waits. Computed in each query, these were grouped subqueries whose row counts
PostgreSQL misestimated some 80 times, so "needs my action", the text search and the start page planned badly at
50,000 submissions. They are columns of `submissions` instead (migration 0022), written here only.

No service sets them. After every flush that adds, changes or deletes a review assignment, a review round or an
editor's recommendation, or moves a paper to another round, one UPDATE recomputes the figures of the papers
concerned from their rows. It is a plain statement, outside the ORM's unit of work: the submission's optimistic-lock
`version` and its `updated_at` stay as they were, since nobody edited the paper. Bulk loads (the benchmarks) and
repairs call `refresh_review_facts()`.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, Subquery, Update, and_, case, event, func, inspect, select, update
from sqlalchemy.orm import Session

from journal.models.reviews import AssignmentStatus, ReviewAssignment
from journal.models.submissions import EditorRecommendation, RecommendationStatus, ReviewRound, Submission

A = AssignmentStatus
FACT_COLUMNS = ("reviews_invited", "reviews_accepted", "reviews_submitted", "due_date_requests", "reviews_late_from",
                "recommendation_pending")
_PENDING_KEY = "review_facts.submission_ids"
_submissions = Submission.__table__
_assignments = ReviewAssignment.__table__
_rounds = ReviewRound.__table__
_recommendations = EditorRecommendation.__table__


def figures(ids: Iterable[int] | None = None) -> Subquery:
    """Each stored figure of the given submissions (every one with None), recomputed from their rows: a subquery
    with the submission's `id` and one column per name in FACT_COLUMNS (the tests compare the columns with it).
    Grouped joins, one pass over the rows concerned, whatever their number; no correlated subquery per paper."""
    ra, s = _assignments, _submissions
    open_ = ra.c.status.in_((A.INVITED, A.ACCEPTED))

    def number(condition) -> ColumnElement[int]:
        return func.sum(case((condition, 1), else_=0))

    current = (select(ra.c.submission_id,
                      number(ra.c.status.in_((A.INVITED, A.ACCEPTED, A.SUBMITTED))).label("invited"),
                      number(ra.c.status == A.ACCEPTED).label("accepted"),
                      number(ra.c.status == A.SUBMITTED).label("submitted"),
                      number(and_(open_, ra.c.proposed_due_at.is_not(None))).label("requests"),
                      # An accepted review is late after its due date, an unanswered invitation after its
                      # respond-by date.
                      func.min(case((ra.c.status == A.ACCEPTED, ra.c.due_at),
                                    (ra.c.status == A.INVITED, ra.c.respond_by))).label("late_from"))
               .select_from(ra.join(_rounds, _rounds.c.id == ra.c.round_id)
                            .join(s, and_(s.c.id == ra.c.submission_id, _rounds.c.number == s.c.current_round)))
               .group_by(ra.c.submission_id))
    pending = (select(_recommendations.c.submission_id)
               .where(_recommendations.c.status == RecommendationStatus.PENDING)
               .group_by(_recommendations.c.submission_id))
    papers = select(s.c.id)
    if ids is not None:
        wanted = sorted(ids)
        current = current.where(ra.c.submission_id.in_(wanted))
        pending = pending.where(_recommendations.c.submission_id.in_(wanted))
        papers = papers.where(s.c.id.in_(wanted))
    current, pending = current.subquery("current_round"), pending.subquery("pending")
    return (papers.add_columns(
                func.coalesce(current.c.invited, 0).label("reviews_invited"),
                func.coalesce(current.c.accepted, 0).label("reviews_accepted"),
                func.coalesce(current.c.submitted, 0).label("reviews_submitted"),
                func.coalesce(current.c.requests, 0).label("due_date_requests"),
                current.c.late_from.label("reviews_late_from"),
                pending.c.submission_id.is_not(None).label("recommendation_pending"))
            .outerjoin(current, current.c.submission_id == s.c.id)
            .outerjoin(pending, pending.c.submission_id == s.c.id)
            .subquery("figures"))


def refresh_statement(ids: Iterable[int] | None = None) -> Update:
    """The UPDATE … FROM that sets the figures of the given submissions (all of them with None)."""
    fresh = figures(ids)
    return (update(_submissions)
            .values(**{name: fresh.c[name] for name in FACT_COLUMNS},
                    # Not the paper's own change: `updated_at` keeps its value (the column's onupdate would set it).
                    updated_at=_submissions.c.updated_at)
            .where(_submissions.c.id == fresh.c.id))


def refresh_review_facts(session: Session, ids: Iterable[int] | None = None) -> None:
    """Recompute the stored figures of the submissions `ids` (every submission with None) in the session's
    transaction; loaded submissions read them afresh at their next use."""
    ids = None if ids is None else {i for i in ids if i is not None}
    if ids is not None and not ids:
        return
    for start in range(0, len(ids), 500) if ids is not None else (0,):
        chunk = None if ids is None else sorted(ids)[start:start + 500]
        session.connection().execute(refresh_statement(chunk))
    for instance in list(session.identity_map.values()):
        if isinstance(instance, Submission) and (ids is None or instance.id in ids):
            session.expire(instance, FACT_COLUMNS)


def _changed_submissions(session: Session) -> set[int]:
    """The papers whose current-round figures this flush may have changed."""
    ids = set()
    for instance in (*session.new, *session.dirty, *session.deleted):
        if isinstance(instance, ReviewAssignment | ReviewRound | EditorRecommendation):
            ids.add(inspect(instance).dict.get("submission_id"))
        elif isinstance(instance, Submission) and instance not in session.deleted:
            if inspect(instance).attrs.current_round.history.has_changes():
                ids.add(instance.id)
    ids.discard(None)
    return ids


@event.listens_for(Session, "after_flush")
def _note_changed_submissions(session: Session, _context) -> None:
    # The flush's new, changed and deleted rows are known here; the UPDATE waits until the flush is complete.
    changed = _changed_submissions(session)
    if changed:
        session.info.setdefault(_PENDING_KEY, set()).update(changed)


@event.listens_for(Session, "after_flush_postexec")
def _refresh_changed_submissions(session: Session, _context) -> None:
    ids = session.info.pop(_PENDING_KEY, None)
    if ids:
        refresh_review_facts(session, ids)


@event.listens_for(Session, "after_soft_rollback")
def _forget_changed_submissions(session: Session, _previous_transaction) -> None:
    session.info.pop(_PENDING_KEY, None)
