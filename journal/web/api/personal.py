"""Personal API routes: a personal access token acts as its owner, under journal/permissions.py's rules
(`token_permission`, right under the route: the token and the rule are checked before the arguments are read, so
a refused request learns nothing from a 422). An author's submissions and their state, an editor's queue (journal/services/queue.py), a
reviewer's assignments; one write: the response to the reviewers that an author keeps while revising
(services/submissions.py `save_response_draft`, which writes the audit event), with a token that may write."""


from flask import abort, url_for
from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from journal.extensions import db
from journal.models import Contributor, Journal, ReviewAssignment, Submission
from journal.models.api_tokens import WRITE
from journal.permissions import journal_from_slug
from journal.services import queue as queue_service
from journal.services import submissions as submission_service
from journal.services.errors import DomainError, NotFound
from journal.web.api import schemas, shapes
from journal.web.api.blueprint import bp
from journal.web.api.auth import token_permission
from journal.web.api.problems import problem

TOKEN = {"security": [{"token": []}]}


def _private(body: dict):
    from flask import jsonify

    response = jsonify(body)
    response.cache_control.private = True
    response.cache_control.no_store = True
    if body.get("next"):
        response.headers["Link"] = f'<{body["next"]}>; rel="next"'
    return response


def _next(endpoint: str, items: list[dict], limit: int, **values) -> str | None:
    return url_for(endpoint, after=items[-1]["id"], limit=limit, _external=True, **values) \
        if len(items) == limit else None


def _submission(kwargs: dict) -> Submission:
    try:
        return submission_service.get_submission(kwargs.pop("submission_id"))
    except NotFound:
        abort(404)


@bp.route("/me")
@token_permission("account")
@bp.response(200, schemas.Me)
@bp.doc(**TOKEN)
def me(user):
    """The token's owner, and the token's scope and expiry."""
    from flask import g

    return _private({"id": user.id, "given_name": user.given_name, "family_name": user.family_name,
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
    linked = select(Contributor.submission_id).where(Contributor.user_id == user.id)
    query = (select(Submission).where(or_(Submission.submitter_id == user.id, Submission.id.in_(linked)))
             .options(joinedload(Submission.journal)).order_by(Submission.id).limit(limit))
    if after:
        query = query.where(Submission.id > after)
    items = [shapes.submission(s, user) for s in db.session.scalars(query)]
    return _private({"items": items, "next": _next("api.my_submissions", items, limit)})


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
    return _private({"items": items, "next": _next("api.my_assignments", items, limit)})


@bp.route("/submissions/<int:submission_id>")
@token_permission("submission.view", load=_submission, hide=True)
@bp.response(200, schemas.SubmissionState)
@bp.doc(**TOKEN)
def submission(user, submission: Submission):
    """A submission's state, for its authors and the journal's editors (`submission.view`); its authors only for
    those who may know them (`submission.see_authors`); anyone else: 404."""
    return _private(shapes.submission_state(submission, user))


@bp.route("/submissions/<int:submission_id>/response-draft", methods=["PUT"])
@token_permission("submission.author", scope=WRITE, load=_submission, hide=True)
@bp.arguments(schemas.ResponseDraftBody, as_kwargs=True)
@bp.response(204)
@bp.doc(**TOKEN)
def response_draft(user, submission: Submission, response: str):
    """Keep the response to the reviewers while revising (the submitter, during a requested revision; a token that
    may write). Written to the paper's history."""
    try:
        submission_service.save_response_draft(user, submission, response=response)
    except DomainError as error:
        return problem(409, _("That action is not available here"), error.message)
    return "", 204


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
    return _private({"total": found.total, "page": found.page, "pages": found.pages, "counts": found.counts,
                     "items": items, "next": following})


