"""The author's pages. The submission wizard itself arrives with issue 3."""

from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from journal.extensions import db
from journal.models import Contributor, Journal, Submission
from journal.permissions import journal_from_slug, permission

bp = Blueprint("author", __name__)


@bp.get("/submit")
@permission("account")
def submit():
    journals = db.session.scalars(
        select(Journal).where(Journal.accepting_submissions.is_(True)).options(selectinload(Journal.sections))
        .order_by(Journal.title)
    ).all()
    return render_template("author/submit.html", journals=journals)


@bp.get("/j/<slug>/submit")
@permission("journal.submit", load=journal_from_slug)
def submit_to(journal: Journal):
    return render_template("author/submit_to.html", journal=journal)


@bp.get("/my/submissions")
@permission("account")
def my_submissions():
    contributed = select(Contributor.submission_id).where(Contributor.user_id == current_user.id)
    submissions = db.session.scalars(
        select(Submission)
        .where(or_(Submission.submitter_id == current_user.id, Submission.id.in_(contributed)))
        .options(selectinload(Submission.journal))
        .order_by(Submission.updated_at.desc())
    ).all()
    return render_template("author/my_submissions.html", submissions=submissions)
