"""The editorial office. Screening, reviewer invitations and decisions arrive with issue 4."""

from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import func, select

from journal.extensions import db
from journal.models import Journal, Membership, Role, Submission, SubmissionStatus
from journal.permissions import journal_from_slug, permission

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
