"""Personal API reads: a personal access token acts as its owner, under journal/permissions.py's rules
(`token_permission`, right under the route: the token and the rule are checked before the arguments are read, so
a refused request learns nothing from a 422). An author's submissions and their state, an editor's queue
(journal/services/queue.py), a reviewer's assignments. The writes are in writes.py."""

from flask import g, url_for
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from journal.extensions import db
from journal.models import Journal, ReviewAssignment, Submission
from journal.permissions import journal_from_slug
from journal.services import queue as queue_service
from journal.services import submissions as submission_service
from journal.web.api import schemas, shapes
from journal.web.api.answers import next_url, private
from journal.web.api.auth import TOKEN, load_submission, token_permission
from journal.web.api.blueprint import bp


@bp.route("/me")
@token_permission("account")
@bp.response(200, schemas.Me)
@bp.doc(**TOKEN)
def me(user):
    """The token's owner, and the token's scope and expiry."""
    return private({"id": user.id, "given_name": user.given_name, "family_name": user.family_name,
                    "orcid": user.orcid, "token_scope": g.api_token.scope,
                    "token_expires_at": g.api_token.expires_at.isoformat()})


@bp.route("/me/submissions")
@token_permission("account")
@bp.arguments(schemas.PageArgs, **schemas.QUERY)
@bp.response(200, schemas.SubmissionList)
@bp.doc(**TOKEN)
def my_submissions(user, limit: int, after: int = 0):
    """The owner's own papers (submitted by them, or listing them as a co-author linked to their account), with
    their status: the author pages' rule (`submission.contributor`)."""
    query = (select(Submission).where(submission_service.authored_by(user))
             .options(joinedload(Submission.journal)).order_by(Submission.id).limit(limit))
    if after:
        query = query.where(Submission.id > after)
    items = [shapes.submission(s, user) for s in db.session.scalars(query)]
    return private({"items": items, "next": next_url("api.my_submissions", items, limit)})


@bp.route("/me/assignments")
@token_permission("account")
@bp.arguments(schemas.PageArgs, **schemas.QUERY)
@bp.response(200, schemas.AssignmentList)
@bp.doc(**TOKEN)
def my_assignments(user, limit: int, after: int = 0):
    """The owner's review invitations and assignments, every round (titles only: never who wrote the paper)."""
    query = (select(ReviewAssignment).where(ReviewAssignment.reviewer_id == user.id)
             .options(joinedload(ReviewAssignment.submission).joinedload(Submission.journal),
                      joinedload(ReviewAssignment.round))
             .order_by(ReviewAssignment.id).limit(limit))
    if after:
        query = query.where(ReviewAssignment.id > after)
    items = [shapes.assignment(a) for a in db.session.scalars(query)]
    return private({"items": items, "next": next_url("api.my_assignments", items, limit)})


@bp.route("/submissions/<int:submission_id>")
@token_permission("submission.view", load=load_submission, hide=True)
@bp.response(200, schemas.SubmissionState)
@bp.doc(**TOKEN)
def submission(user, submission: Submission):
    """A submission's state, for its authors and the journal's editors (`submission.view`); its authors only for
    those who may know them (`submission.see_authors`); anyone else: 404."""
    return private(shapes.submission_state(submission, user))


@bp.route("/journals/<slug>/queue")
@token_permission("journal.editorial", load=journal_from_slug)
@bp.arguments(schemas.QueueArgs, **schemas.QUERY)
@bp.response(200, schemas.Queue)
@bp.doc(**TOKEN)
def queue(user, journal: Journal, status: str, needs_action: bool, page: int):
    """The journal's editorial queue as its owner sees it on the site (managing editors: every paper but drafts;
    editors: those they handle), paged by number as the site pages it."""
    filters = queue_service.QueueFilters(status=status, needs_action=needs_action, page=page)
    found = queue_service.queue_page(user, journal, filters)
    items = [{"id": r.submission.id, "reference": r.submission.reference, "title": r.submission.title or "",
              "status": r.submission.status.value, "days_in_status": r.days_in_status,
              "reviews_invited": r.reviews_invited, "reviews_submitted": r.reviews_submitted,
              "reviews_overdue": r.reviews_overdue, "needs_action": [str(a) for a in r.actions]} for r in found.rows]
    following = None
    if found.page < found.pages:
        following = url_for("api.queue", slug=journal.slug, status=status, page=found.page + 1,
                            needs_action="true" if needs_action else "false", _external=True)
    return private({"total": found.total, "page": found.page, "pages": found.pages, "counts": found.counts,
                    "items": items, "next": following})


