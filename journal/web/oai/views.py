"""Machine-readable metadata: the OAI-PMH endpoint (/oai, GET and POST), each published article's JATS front
matter, and the Crossref deposit of a published issue, or of an article published online first, for its managing
editors, with the deposit of its published peer review beside it (Crossref takes peer_review records in a deposit
of their own).

The protocol and the XML are built in journal/scholarly/ (oai.py, jats.py, crossref.py); this only serves them.
"""

from flask import Blueprint, Response, abort, request
from flask_babel import gettext as _
from sqlalchemy import select

from journal import page_cache
from journal.extensions import csrf, db
from journal.models import Article, Issue, Journal
from journal.page_cache import SITE, article_tag, journal_tag
from journal.permissions import journal_from_slug, permission
from journal.scholarly import citations, crossref, jats, oai

bp = Blueprint("oai", __name__)
XML = "text/xml; charset=utf-8"
OAI_SECONDS = 60


@bp.route("/oai", methods=["GET", "POST"])
@permission("public")
@csrf.exempt  # harvesters POST form-encoded requests without a session (OAI-PMH 2.0, section 3.1.1.2)
def endpoint():
    args = request.form if request.method == "POST" else request.args
    response = Response(oai.respond(args), mimetype="text/xml")
    response.headers["Content-Type"] = XML
    # Answers change with what is published (SITE); a minute's life keeps each answer's responseDate near the time.
    return page_cache.mark(response, [SITE], seconds=OAI_SECONDS) if request.method == "GET" else response


@bp.get("/j/<slug>/articles/<int:article_id>/jats.xml")
@permission("public", load=journal_from_slug)
def article_jats(journal: Journal, article_id: int):
    article = oai.published_article(article_id)
    if article is None or article.journal_id != journal.id:
        abort(404)
    response = Response(jats.front_xml(article), mimetype="application/xml")
    response.headers["Content-Type"] = "application/jats+xml; charset=utf-8"
    response.headers["Content-Disposition"] = f'inline; filename="{citations.file_base(journal, article)}.xml"'
    return page_cache.mark(response, [journal_tag(journal.id), article_tag(article.id)])


@bp.get("/production/<slug>/issues/<int:issue_id>/crossref.xml")
@permission("journal.production", load=journal_from_slug, hide=True)
def issue_crossref(journal: Journal, issue_id: int):
    return _deposit(_issue(journal, issue_id), crossref.deposit_xml, crossref.file_name,
                    lambda problem: _("%(problem)s Publish the issue first; then download its Crossref deposit.",
                                      problem=problem))


@bp.get("/production/<slug>/submissions/<int:submission_id>/crossref.xml")
@permission("journal.production", load=journal_from_slug, hide=True)
def article_crossref(journal: Journal, submission_id: int):
    """The deposit of one article published online first; once its issue is published, the issue's deposit."""
    return _deposit(_article(journal, submission_id), crossref.article_deposit_xml, crossref.article_file_name,
                    lambda problem: _("%(problem)s Publish the article first; then download its Crossref deposit.",
                                      problem=problem))


@bp.get("/production/<slug>/issues/<int:issue_id>/crossref-peer-review.xml")
@permission("journal.production", load=journal_from_slug, hide=True)
def issue_crossref_peer_review(journal: Journal, issue_id: int):
    """The peer_review records of the issue's published peer review, deposited after the articles'."""
    return _deposit(_issue(journal, issue_id), crossref.reviews_deposit_xml, crossref.reviews_file_name,
                    _peer_review_not_yet)


@bp.get("/production/<slug>/submissions/<int:submission_id>/crossref-peer-review.xml")
@permission("journal.production", load=journal_from_slug, hide=True)
def article_crossref_peer_review(journal: Journal, submission_id: int):
    """The peer_review records of one article published online first; once its issue is published, the issue's."""
    return _deposit(_article(journal, submission_id), crossref.article_reviews_deposit_xml,
                    crossref.reviews_file_name, _peer_review_not_yet)


def _issue(journal: Journal, issue_id: int) -> Issue | None:
    return db.session.scalar(select(Issue).where(Issue.id == issue_id, Issue.journal_id == journal.id))


def _article(journal: Journal, submission_id: int) -> Article | None:
    return db.session.scalar(select(Article).where(Article.submission_id == submission_id,
                                                   Article.journal_id == journal.id))


def _peer_review_not_yet(problem: str) -> str:
    return _("%(problem)s Only published peer review with DOIs is deposited.", problem=problem)


def _deposit(subject, build, file_name, not_yet) -> Response:
    """The Crossref deposit of an issue or an article as a download: 404 where there is none, 409 (saying what to do
    first) where it is not published yet."""
    if subject is None:
        abort(404)
    try:
        body = build(subject)
    except crossref.NotDepositable as exc:
        abort(409, description=not_yet(exc))
    response = Response(body, mimetype="application/xml")
    response.headers["Content-Type"] = "application/xml; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{file_name(subject)}"'
    return response
