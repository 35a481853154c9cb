"""The editorial office. Screening, reviewer invitations and decisions arrive with issue 4."""

from flask import Blueprint, abort, redirect, render_template
from flask_login import current_user
from sqlalchemy import func, select

from journal.extensions import db
from journal.models import Journal, Membership, Role, Submission, SubmissionStatus
from journal.audit import history
from journal.models import FileKind
from journal.permissions import can, journal_from_slug, permission, require
from journal.services import submissions as submission_service
from journal.services.errors import NotFound
from journal.storage import get_storage

bp = Blueprint("editorial", __name__, url_prefix="/editorial")


@bp.get("/")
@permission("menu.editorial")
def index():
    mine = select(Membership.journal_id).where(Membership.user_id == current_user.id,
                                               Membership.role.in_([Role.MANAGING_EDITOR, Role.EDITOR]))
    journals = db.session.scalars(select(Journal).where(Journal.id.in_(mine)).order_by(Journal.title)).all()
    counts = dict(db.session.execute(
        select(Submission.journal_id, func.count()).where(
            Submission.journal_id.in_([j.id for j in journals]), Submission.status != SubmissionStatus.DRAFT)
        .group_by(Submission.journal_id)
    ).all())
    return render_template("editorial/index.html", journals=journals, counts=counts)


@bp.get("/<slug>/")
@permission("journal.editorial", load=journal_from_slug)
def queue(journal: Journal):
    submissions = db.session.scalars(
        select(Submission).where(Submission.journal_id == journal.id, Submission.status != SubmissionStatus.DRAFT)
        .order_by(Submission.status_changed_at).limit(200)
    ).all()
    return render_template("editorial/queue.html", journal=journal, submissions=submissions)


def _editorial_submission(journal: Journal, submission_id: int) -> Submission:
    try:
        submission = submission_service.get_submission(submission_id)
    except NotFound:
        abort(404)
    if submission.journal_id != journal.id or submission.status is SubmissionStatus.DRAFT:
        abort(404)
    require("submission.view", submission, hide=True)
    return submission


def _visible_files(submission: Submission) -> list:
    """All files for those who may know the authors; otherwise only the reviewers' copies."""
    if can(current_user, "submission.see_authors", submission):
        return list(submission.files)
    return [f for f in submission.files if f.kind is FileKind.ANONYMIZED_MANUSCRIPT]


@bp.get("/<slug>/submissions/<int:submission_id>")
@permission("journal.editorial", load=journal_from_slug)
def submission(journal: Journal, submission_id: int):
    submission = _editorial_submission(journal, submission_id)
    sees_authors = can(current_user, "submission.see_authors", submission)
    events = history(submission) if sees_authors else []
    return render_template("editorial/submission.html", journal=journal, submission=submission,
                           sees_authors=sees_authors, files=_visible_files(submission), events=list(reversed(events)))


@bp.get("/<slug>/submissions/<int:submission_id>/files/<int:file_id>")
@permission("journal.editorial", load=journal_from_slug)
def download(journal: Journal, submission_id: int, file_id: int):
    submission = _editorial_submission(journal, submission_id)
    file = next((f for f in _visible_files(submission) if f.id == file_id), None)
    if file is None:
        abort(404)
    return redirect(get_storage().download_url(file.storage_key, filename=file.original_name,
                                               media_type=file.media_type,
                                               inline=file.media_type == "application/pdf"))
