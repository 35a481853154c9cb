from flask import Blueprint, render_template
from sqlalchemy import select

from journal.extensions import db
from journal.models import Journal
from journal.permissions import journal_from_slug, permission

bp = Blueprint("public", __name__)


@bp.get("/")
@permission("public")
def home():
    journals = db.session.scalars(select(Journal).order_by(Journal.title)).all()
    return render_template("public/home.html", journals=journals)


@bp.get("/j/<slug>/")
@permission("public", load=journal_from_slug)
def journal_home(journal: Journal):
    return render_template("public/journal.html", journal=journal)


from journal.web.public import articles  # noqa: E402,F401  (registers the article and issue pages on bp)
