"""Public API routes: what the reader's pages show, as JSON, to anyone without a token. Only published issues and
articles (the same filters as journal/web/public/reading.py). Each answer carries an ETag (a digest of its body,
so it changes exactly when the answer does) and is kept by the page cache for anonymous readers under the same tags
as the pages it mirrors, so a correction or retraction drops it at once."""

import hashlib

from flask import abort, json, request, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from journal.extensions import db
from journal.models import Article, Issue, IssueStatus, Journal
from journal.page_cache import SITE, article_tag, journal_tag
from journal.permissions import journal_from_slug, permission
from journal.search import parse_query, search_articles
from journal.services import usage
from journal.web.api import schemas, shapes
from journal.web.api.answers import link_next, next_url
from journal.web.api.blueprint import bp
from journal.web.public.caching import Validators

PUBLIC = {"security": []}


def answer(body: dict, tags: list[str]):
    """The JSON answer with its validators: a 304 for a reader who holds it, else the body, marked for the cache,
    with a Link header to the next page."""
    text = json.dumps(body)
    validators = Validators(hashlib.sha256(text.encode()).hexdigest(), request.query_string, tags=tags)
    if (response := validators.not_modified()) is not None:
        return response
    return link_next(validators.apply((text, 200, {"Content-Type": "application/json"})), body)


@bp.route("/journals")
@bp.arguments(schemas.PageArgs, **schemas.QUERY)
@bp.response(200, schemas.JournalList)
@bp.doc(**PUBLIC)
@permission("public")
def journals(limit: int, after: int = 0):
    """The journals of this site, by id."""
    query = select(Journal).order_by(Journal.id).limit(limit)
    if after:
        query = query.where(Journal.id > after)
    items = [shapes.journal(j) for j in db.session.scalars(query)]
    return answer({"items": items, "next": next_url("api.journals", items, limit)}, [SITE])


@bp.route("/journals/<slug>")
@bp.response(200, schemas.Journal)
@bp.doc(**PUBLIC)
@permission("public", load=journal_from_slug)
def journal(journal: Journal):
    """One journal."""
    return answer(shapes.journal(journal), [journal_tag(journal.id)])


@bp.route("/journals/<slug>/issues")
@bp.arguments(schemas.PageArgs, **schemas.QUERY)
@bp.response(200, schemas.IssueList)
@bp.doc(**PUBLIC)
@permission("public", load=journal_from_slug)
def issues(journal: Journal, limit: int, after: int = 0):
    """The journal's published issues, by id, each with its number of published articles."""
    counts = (select(Article.issue_id, func.count(Article.id).label("n"))
              .where(Article.journal_id == journal.id, Article.published_at.is_not(None))
              .group_by(Article.issue_id).subquery())
    query = (select(Issue, func.coalesce(counts.c.n, 0)).outerjoin(counts, counts.c.issue_id == Issue.id)
             .where(Issue.journal_id == journal.id, Issue.status == IssueStatus.PUBLISHED)
             .order_by(Issue.id).limit(limit))
    if after:
        query = query.where(Issue.id > after)
    items = [shapes.issue(i, journal.slug, n) for i, n in db.session.execute(query)]
    return answer({"items": items, "next": next_url("api.issues", items, limit, slug=journal.slug)},
                  [journal_tag(journal.id)])


def _articles(*where, limit: int, after: int = 0) -> list[Article]:
    query = (select(Article).where(Article.published_at.is_not(None), *where)
             .options(selectinload(Article.versions), selectinload(Article.published_reviews),
                      joinedload(Article.issue), joinedload(Article.section))
             .order_by(Article.id).limit(limit))
    if after:
        query = query.where(Article.id > after)
    return list(db.session.scalars(query))


@bp.route("/journals/<slug>/articles")
@bp.arguments(schemas.PageArgs, **schemas.QUERY)
@bp.response(200, schemas.ArticleList)
@bp.doc(**PUBLIC)
@permission("public", load=journal_from_slug)
def articles(journal: Journal, limit: int, after: int = 0):
    """The journal's published articles (retracted ones too, marked), by id, with versions, authors, ORCID iDs,
    DOI, licence and usage counts."""
    found = _articles(Article.journal_id == journal.id, limit=limit, after=after)
    counts = usage.totals([a.id for a in found])
    items = [shapes.article(a, journal.slug, counts[a.id]) for a in found]
    return answer({"items": items, "next": next_url("api.articles", items, limit, slug=journal.slug)},
                  [journal_tag(journal.id)])


@bp.route("/journals/<slug>/issues/<int:issue_id>/articles")
@bp.arguments(schemas.PageArgs, **schemas.QUERY)
@bp.response(200, schemas.ArticleList)
@bp.doc(**PUBLIC)
@permission("public", load=journal_from_slug)
def issue_articles(journal: Journal, issue_id: int, limit: int, after: int = 0):
    """The articles of one published issue, by id."""
    issue = db.session.scalar(select(Issue).where(Issue.id == issue_id, Issue.journal_id == journal.id,
                                                  Issue.status == IssueStatus.PUBLISHED))
    if issue is None:
        abort(404)
    found = _articles(Article.issue_id == issue.id, limit=limit, after=after)
    counts = usage.totals([a.id for a in found])
    items = [shapes.article(a, journal.slug, counts[a.id]) for a in found]
    return answer({"items": items, "next": next_url("api.issue_articles", items, limit, slug=journal.slug,
                                                    issue_id=issue.id)}, [journal_tag(journal.id)])


@bp.route("/journals/<slug>/articles/<int:article_id>")
@bp.response(200, schemas.Article)
@bp.doc(**PUBLIC)
@permission("public", load=journal_from_slug)
def article(journal: Journal, article_id: int):
    """One published article."""
    found = _articles(Article.journal_id == journal.id, Article.id == article_id, limit=1, after=0)
    if not found:
        abort(404)
    counts = usage.totals([article_id])[article_id]
    return answer(shapes.article(found[0], journal.slug, counts), [journal_tag(journal.id), article_tag(article_id)])


@bp.route("/search")
@bp.arguments(schemas.SearchArgs, **schemas.QUERY)
@bp.response(200, schemas.SearchResults)
@bp.doc(**PUBLIC)
@permission("public")
def search(q: str, page: int, journal: str | None = None, year: int | None = None):
    """Published articles matching the words, best first (the site's search), paged by number."""
    chosen = None
    if journal is not None:
        chosen = db.session.scalar(select(Journal).where(Journal.slug == journal))
        if chosen is None:
            abort(404)
    items, total, pages = [], 0, 1
    if parse_query(q):
        results = search_articles(q, journal=chosen, year=year, page=page, per_page=20)
        total, pages = results.shown, results.pages
        items = [{"id": h.article.id, "journal": h.article.journal.slug, "title": h.version.title,
                  "doi": h.article.doi, "retracted": h.is_retracted,
                  "url": url_for("public.article", slug=h.article.journal.slug, article_id=h.article.id,
                                 _external=True),
                  "api_url": url_for("api.article", slug=h.article.journal.slug, article_id=h.article.id,
                                     _external=True)} for h in results.hits]
    following = None
    if page < pages and items:
        args = {k: v for k, v in {"q": q, "journal": journal, "year": year}.items() if v is not None}
        following = url_for("api.search", page=page + 1, _external=True, **args)
    return answer({"total": total, "page": page, "pages": pages, "items": items, "next": following}, [SITE])


