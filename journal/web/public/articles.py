"""The published article and issue at their stable addresses, with every version, the retraction notice and
the ways to cite it.

/j/<slug>/articles/<id> (current version), …/v<n> (an earlier version), …/pdf and …/v<n>/pdf (counted
downloads), …/cite.bib and …/cite.ris, and /j/<slug>/issues/<id>. Nothing here exists before publication: 404.
"""

import hashlib
import time

from flask import abort, current_app, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from journal import fulltext, page_cache
from journal.extensions import db
from journal.markup import plain_text
from journal.models import Article, ArticleVersion, Journal, utcnow
from journal.permissions import journal_from_slug, permission
from journal.scholarly import citations
from journal.scholarly.records import Links, licence_name, licence_url
from journal.services import full_texts
from journal.services import peer_review as peer_review_service
from journal.services import issues as issue_service
from journal.services import usage
from journal.storage import get_storage, signed_download
from journal.usage_buffer import DOWNLOAD, REDIS_KEY, VIEW, RedisBuffer, UsageEvent, is_robot, visitor_key
from journal.web.public import reading
from journal.web.public.blueprint import bp
from journal.page_cache import article_tag, journal_tag
from journal.web.public.caching import Validators, journal_parts, uncached


def _published_article(journal: Journal, article_id: int) -> Article:
    # The published peer review in the same statement (the JSON-LD lists it): the page stays within its budget.
    article = db.session.scalars(
        select(Article).where(Article.id == article_id, Article.journal_id == journal.id,
                              Article.published_at.is_not(None))
        .options(selectinload(Article.versions).options(joinedload(ArticleVersion.galley),
                                                        joinedload(ArticleVersion.full_text)),
                 joinedload(Article.issue),
                 joinedload(Article.section), joinedload(Article.submission),
                 joinedload(Article.published_reviews))).unique().first()
    if article is None:
        abort(404)
    return article


def _published_article_with_review(journal: Journal, article_id: int) -> tuple[Article, bool]:
    """The article page's one query: the article with its published peer review (the JSON-LD lists it, the tab
    shows where there is one)."""
    article = _published_article(journal, article_id)
    return article, bool(article.published_reviews)


def _version(article: Article, number: int | None) -> ArticleVersion:
    if number is None:
        return next(v for v in article.versions if v.id == article.current_version_id)
    version = next((v for v in article.versions if v.number == number and v.published_at is not None), None)
    if version is None:
        abort(404)
    return version


def _validators(journal: Journal, article: Article, version: ArticleVersion, *more, hit=None) -> Validators:
    """The page changes with a new version, a retraction, the issue's or section's name, or the journal's (and
    `more`: the article page's usage counts)."""
    versions = [(v.id, v.published_at, v.full_text_id) for v in article.versions if v.published_at is not None]
    moments = [article.published_at, article.retracted_at] + [at for _id, at, _text in versions]
    return Validators(journal_parts(journal), article.id, version.id, versions, article.status.value,
                      article.retraction_notice, article.doi, article.first_page, article.last_page,
                      article.issue.label if article.issue else None, article.section.title if article.section else None,
                      *more, last_modified=max(m for m in moments if m is not None),
                      tags=[journal_tag(journal.id), article_tag(article.id)], hit=hit)


def _counted() -> bool:
    """A reader's GET counts (200 or 304, COUNTER §7.1); HEAD, and range requests after the first bytes, repeat a
    response already counted."""
    return request.method == "GET" and request.headers.get("Range", "bytes=0-").startswith("bytes=0-")


def _record(article: Article, kind: str) -> None:
    """One view or download to the usage buffer (journal/services/usage.py counts it later): no database write."""
    user_id = current_user.id if current_user.is_authenticated else None
    _buffer(article.id, kind, user_id, request.remote_addr, request.headers.get("User-Agent"))


def _buffer(article_id: int, kind: str, user_id: int | None, address: str | None, agent: str | None) -> None:
    usage.record(UsageEvent(article_id, kind, utcnow().timestamp(),
                            visitor_key(current_app.config["SECRET_KEY"], user_id=user_id, address=address,
                                        user_agent=agent),
                            is_robot(agent)))


def _counted_hit(environ) -> bool:
    return environ.get("REQUEST_METHOD") == "GET" and environ.get("HTTP_RANGE", "bytes=0-").startswith("bytes=0-")


def _view_appended(app, environ) -> page_cache.RedisAppend | None:
    """Where the usage buffer is a Redis list, the page cache's lookup appends the view itself (one round trip)."""
    buffer = usage.buffer_of(app)
    if not isinstance(buffer, RedisBuffer) or not _counted_hit(environ):
        return None
    agent = environ.get("HTTP_USER_AGENT")
    line = UsageEvent(0, VIEW, time.time(), visitor_key(app.secret_key, user_id=None, address=environ.get("REMOTE_ADDR"),
                                                        user_agent=agent), is_robot(agent)).to_json()
    return page_cache.RedisAppend(page_cache.server_of(buffer.appender), buffer.db, REDIS_KEY,
                                  line.replace('"article_id":0,', '"article_id":@ARG@,', 1))


@page_cache.on_hit(VIEW, fast=_view_appended)
def _count_cached_view(environ, article_id: int) -> None:
    """An anonymous reader's article page served by the page cache is a view all the same (as `_counted` says)."""
    if _counted_hit(environ):
        _buffer(article_id, VIEW, None, environ.get("REMOTE_ADDR"), environ.get("HTTP_USER_AGENT"))


def _page(journal: Journal, article_id: int, number: int | None = None):
    article, peer_review = _published_article_with_review(journal, article_id)
    version = _version(article, number)
    counts = usage.totals([article.id])[article.id]
    cache = _validators(journal, article, version, counts, _text_stamp(version), peer_review, hit=(VIEW, article.id))
    if (response := cache.not_modified()) is not None:
        if _counted():
            _record(article, VIEW)  # COUNTER §7.1: a 304 is a successful request too (a reader's reload)
        return response
    links = Links()
    page = render_template(
        "public/article.html", journal=journal, article=article, version=version,
        versions=[v for v in article.versions if v.published_at is not None],
        highwire=citations.highwire_tags(article, version, links),
        json_ld=citations.json_ld(article, version, links, plain_text(version.abstract)),
        how_to_cite=citations.how_to_cite(article, version), canonical=links.article(article),
        licence_url=licence_url(version.licence), licence_name=licence_name(version.licence),
        jats_url=_jats_url(journal, article), counts=counts, full_text=_full_text(journal, article, version),
        peer_review=peer_review)
    if _counted():
        _record(article, VIEW)
    return cache.apply(page)


def _text_stamp(version: ArticleVersion) -> str | None:
    """What the page shows of the HTML full text, for the ETag: a digest of it (it may be made again in place)."""
    full_text = version.full_text
    return hashlib.sha256(full_text.html.encode()).hexdigest()[:16] if full_text is not None else None


def _full_text(journal: Journal, article: Article, version: ArticleVersion):
    """The version's HTML full text with its figures' addresses, or None (the PDF only)."""
    full_text = version.full_text
    if full_text is None or not full_text.html:
        return None
    return fulltext.page_html(full_text.html, lambda name: url_for(
        "public.article_figure", slug=journal.slug, article_id=article.id, full_text_id=full_text.id, name=name))


@bp.get("/j/<slug>/articles/<int:article_id>/peer-review")
@permission("public", load=journal_from_slug)
def article_peer_review(journal: Journal, article_id: int):
    """The article's published peer review (services/peer_review.py): each round's reports, decision letter and the
    authors' response, as published; 404 where nothing was published."""
    article = _published_article(journal, article_id)
    items = peer_review_service.published_reviews(article)
    if not items:
        abort(404)
    version = _version(article, None)
    cache = _validators(journal, article, version, [(i.id, i.doi) for i in items])
    if (response := cache.not_modified()) is not None:
        return response
    return cache.apply(render_template(
        "public/peer_review.html", journal=journal, article=article, version=version,
        rounds=peer_review_service.by_round(items), canonical=Links().build(
            "public.article_peer_review", slug=journal.slug, article_id=article.id)))


@bp.get("/j/<slug>/articles/<int:article_id>/figures/<int:full_text_id>/<name>")
@permission("public", load=journal_from_slug)
def article_figure(journal: Journal, article_id: int, full_text_id: int, name: str):
    """A figure of a published version's HTML full text: its bytes, with an ETag, kept by the page cache."""
    article = _published_article(journal, article_id)
    if not any(v.full_text_id == full_text_id and v.published_at is not None for v in article.versions):
        abort(404)
    figure = full_texts.figure(full_text_id, name)
    if figure is None:
        abort(404)
    cache = Validators(full_text_id, figure.name, figure.sha256, last_modified=article.published_at,
                       tags=[article_tag(article.id)])
    if (response := cache.not_modified()) is not None:
        return response
    with get_storage().open(figure.storage_key) as stream:
        response = make_response(stream.read())
    response.content_type = figure.media_type
    response.headers["X-Content-Type-Options"] = "nosniff"
    return cache.apply(response)


def _jats_url(journal: Journal, article: Article) -> str | None:
    if "oai.article_jats" not in current_app.view_functions:
        return None
    return url_for("oai.article_jats", slug=journal.slug, article_id=article.id)


@bp.get("/j/<slug>/articles/<int:article_id>")
@permission("public", load=journal_from_slug)
def article(journal: Journal, article_id: int):
    return _page(journal, article_id)


@bp.get("/j/<slug>/articles/<int:article_id>/v<int:number>")
@permission("public", load=journal_from_slug)
def article_version(journal: Journal, article_id: int, number: int):
    return _page(journal, article_id, number)


def _pdf(journal: Journal, article_id: int, number: int | None = None):
    article = _published_article(journal, article_id)
    version = _version(article, number)
    if version.galley is None:
        abort(404)
    base = citations.file_base(journal, article)
    name = f"{base}.pdf" if version.number == 1 else f"{base}-v{version.number}.pdf"
    url = signed_download(version.galley.storage_key, filename=name, media_type="application/pdf", inline=True)
    if _counted():
        _record(article, DOWNLOAD)
    return uncached(redirect(url))


@bp.get("/j/<slug>/articles/<int:article_id>/pdf")
@permission("public", load=journal_from_slug)
def article_pdf(journal: Journal, article_id: int):
    return _pdf(journal, article_id)


@bp.get("/j/<slug>/articles/<int:article_id>/v<int:number>/pdf")
@permission("public", load=journal_from_slug)
def article_version_pdf(journal: Journal, article_id: int, number: int):
    return _pdf(journal, article_id, number)


def _citation_file(journal: Journal, article_id: int, extension: str, media_type: str, build):
    article = _published_article(journal, article_id)
    version = _version(article, None)
    cache = _validators(journal, article, version)
    if (response := cache.not_modified()) is not None:
        return response
    response = make_response(build(article, version, Links()))
    response.content_type = f"{media_type}; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{citations.file_base(journal, article)}.{extension}"'
    return cache.apply(response)


@bp.get("/j/<slug>/articles/<int:article_id>/cite.bib")
@permission("public", load=journal_from_slug)
def article_bibtex(journal: Journal, article_id: int):
    return _citation_file(journal, article_id, "bib", "application/x-bibtex", citations.bibtex)


@bp.get("/j/<slug>/articles/<int:article_id>/cite.ris")
@permission("public", load=journal_from_slug)
def article_ris(journal: Journal, article_id: int):
    return _citation_file(journal, article_id, "ris", "application/x-research-info-systems",
                          lambda article, version, links: citations.ris(article, version, links, plain_text(version.abstract)))


@bp.get("/j/<slug>/issues/<int:issue_id>")
@permission("public", load=journal_from_slug)
def issue(journal: Journal, issue_id: int):
    issue = reading.published_issue(journal, issue_id)
    if issue is None:
        abort(404)
    articles = issue_service.toc(issue, with_submissions=False)
    moments = [issue.published_at] + [a.current_version.published_at for a in articles] + \
              [a.retracted_at for a in articles]
    cache = Validators(journal_parts(journal), issue.id, issue.label, issue.title, issue.description,
                       [(a.id, a.current_version_id, a.status.value, a.section.title if a.section else None,
                         a.position, a.first_page, a.last_page) for a in articles],
                       last_modified=max((m for m in moments if m is not None), default=None),
                       tags=[journal_tag(journal.id)])
    return cache.not_modified() or cache.apply(
        render_template("public/issue.html", journal=journal, issue=issue, articles=articles, preview=False))
