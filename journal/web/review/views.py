"""The reviewer's pages. Invitations and review forms arrive with issue 4."""

from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import select

from journal.extensions import db
from journal.models import Journal, Membership, Role
from journal.permissions import permission

bp = Blueprint("review", __name__, url_prefix="/review")


@bp.get("/")
@permission("menu.review")
def index():
    journals = db.session.scalars(
        select(Journal).join(Membership)
        .where(Membership.user_id == current_user.id, Membership.role == Role.REVIEWER).order_by(Journal.title)
    ).all()
    return render_template("review/index.html", journals=journals)
