"""The published article and issue at their stable addresses, with every version and the retraction notice.

A first, plain version of the reader's pages (the public site builds its article page, archive, search and
feeds on these addresses): /j/<slug>/articles/<id> (current version), …/v<n> (an earlier version), …/pdf,
and /j/<slug>/issues/<id>. Nothing here exists before publication: 404.
"""

from flask import abort, current_app, redirect, render_template
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from journal.extensions import db
from journal.models import Article, ArticleVersion, Issue, IssueStatus, Journal
from journal.permissions import journal_from_slug, permission
from journal.services import after_publication
from journal.services import issues as issue_service
from journal.storage import get_storage
from journal.web.public.views import bp


def _published_article(journal: Journal, article_id: int) -> Article:
    article = db.session.scalar(
        select(Article).where(Article.id == article_id, Article.journal_id == journal.id,
                              Article.published_at.is_not(None))
        .options(selectinload(Article.versions).joinedload(ArticleVersion.galley), joinedload(Article.issue),
                 joinedload(Article.section)))
    if article is None:
        abort(404)
    return article


def _version(article: Article, number: int | None) -> ArticleVersion:
    if number is None:
        return next(v for v in article.versions if v.id == article.current_version_id)
    version = next((v for v in article.versions if v.number == number and v.published_at is not None), None)
    if version is None:
        abort(404)
    return version


def _page(journal: Journal, article_id: int, number: int | None = None):
    article = _published_article(journal, article_id)
    version = _version(article, number)
    page = render_template("public/article.html", journal=journal, article=article, version=version,
                           versions=[v for v in article.versions if v.published_at is not None])
    after_publication.count_view(article)  # after rendering: its commit expires what the page reads
    return page


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
    base = (article.doi.split("/", 1)[1] if article.doi else f"{journal.slug}-{article.id}").replace("/", "-")
    name = f"{base}.pdf" if version.number == 1 else f"{base}-v{version.number}.pdf"
    url = get_storage().download_url(version.galley.storage_key, filename=name, media_type="application/pdf",
                                     inline=True, expires_in=current_app.config["DOWNLOAD_URL_SECONDS"])
    after_publication.count_download(article)
    return redirect(url)


@bp.get("/j/<slug>/articles/<int:article_id>/pdf")
@permission("public", load=journal_from_slug)
def article_pdf(journal: Journal, article_id: int):
    return _pdf(journal, article_id)


@bp.get("/j/<slug>/articles/<int:article_id>/v<int:number>/pdf")
@permission("public", load=journal_from_slug)
def article_version_pdf(journal: Journal, article_id: int, number: int):
    return _pdf(journal, article_id, number)


@bp.get("/j/<slug>/issues/<int:issue_id>")
@permission("public", load=journal_from_slug)
def issue(journal: Journal, issue_id: int):
    issue = db.session.get(Issue, issue_id)
    if issue is None or issue.journal_id != journal.id or issue.status is not IssueStatus.PUBLISHED:
        abort(404)
    return render_template("public/issue.html", journal=journal, issue=issue,
                           articles=issue_service.toc(issue, with_submissions=False),
                           preview=False)
