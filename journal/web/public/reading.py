"""What the reader's pages load: published issues and articles only, each page in a few queries.

Every query here filters on publication (Issue.status is published, Article.published_at is set), so nothing
scheduled, in production or in a draft issue ever reaches a public page, feed or the sitemap.
"""

from datetime import datetime

from sqlalchemy import exists, func, literal, select, union_all
from sqlalchemy.orm import aliased, joinedload

from journal.extensions import db
from journal.models import Article, ArticleVersion, Issue, IssueStatus, Journal, PublishedReview
from journal.services.issues import in_toc_order

NEWEST = (Issue.year.desc(), Issue.volume.desc(), Issue.number.desc())


def published_issues(journal: Journal) -> list[tuple[Issue, int]]:
    """The archive: published issues newest first, each with its number of articles (one query)."""
    counts = (select(Article.issue_id, func.count(Article.id).label("n"))
              .where(Article.journal_id == journal.id, Article.published_at.is_not(None))
              .group_by(Article.issue_id).subquery())
    rows = db.session.execute(
        select(Issue, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.issue_id == Issue.id)
        .where(Issue.journal_id == journal.id, Issue.status == IssueStatus.PUBLISHED)
        .order_by(*NEWEST)).all()
    return [(issue, n) for issue, n in rows]


def by_volume(issues: list[tuple[Issue, int]]) -> list[tuple[int, list[int], list[tuple[Issue, int]]]]:
    """[(volume, years, [(issue, count), …]), …] in the order given (newest first)."""
    groups: list[tuple[int, list[int], list[tuple[Issue, int]]]] = []
    for issue, count in issues:
        if not groups or groups[-1][0] != issue.volume:
            groups.append((issue.volume, [], []))
        if issue.year not in groups[-1][1]:
            groups[-1][1].append(issue.year)
        groups[-1][2].append((issue, count))
    return groups


def current_issue(journal: Journal) -> Issue | None:
    return db.session.scalar(select(Issue).where(Issue.journal_id == journal.id,
                                                 Issue.status == IssueStatus.PUBLISHED).order_by(*NEWEST).limit(1))


def current_issue_with_toc(journal: Journal) -> tuple[Issue | None, list[Article]]:
    """The newest published issue and its table of contents, with the articles' sections, current versions and
    galleys (one query: the issue outer-joined to its articles, so an issue without articles still comes)."""
    newest = aliased(Issue)
    current = (select(newest.id).where(newest.journal_id == journal.id, newest.status == IssueStatus.PUBLISHED)
               .order_by(newest.year.desc(), newest.volume.desc(), newest.number.desc()).limit(1).scalar_subquery())
    rows = db.session.execute(
        select(Issue, Article).outerjoin(Article, Article.issue_id == Issue.id).where(Issue.id == current)
        .options(joinedload(Article.section), joinedload(Article.current_version).joinedload(ArticleVersion.galley))
    ).unique().all()
    if not rows:
        return None, []
    return rows[0][0], in_toc_order(article for _issue, article in rows if article is not None)


def published_issue(journal: Journal, issue_id: int) -> Issue | None:
    return db.session.scalar(select(Issue).where(Issue.id == issue_id, Issue.journal_id == journal.id,
                                                 Issue.status == IssueStatus.PUBLISHED))


def latest_articles(journal: Journal, limit: int = 20) -> list[Article]:
    """Newest publications first, with their current version, issue and section (one query)."""
    return list(db.session.scalars(
        select(Article).where(Article.journal_id == journal.id, Article.published_at.is_not(None))
        .options(joinedload(Article.current_version).joinedload(ArticleVersion.galley), joinedload(Article.issue),
                 joinedload(Article.section))
        .order_by(Article.published_at.desc(), Article.position, Article.id.desc()).limit(limit)))


def journals_with_current_issue() -> list[tuple[Journal, Issue | None]]:
    """The installation's journals by title, each with its newest published issue (two queries)."""
    journals = db.session.scalars(select(Journal).order_by(Journal.title)).all()
    rank = func.row_number().over(partition_by=Issue.journal_id, order_by=NEWEST).label("rank")
    newest = select(Issue.id, rank).where(Issue.status == IssueStatus.PUBLISHED).subquery()
    issues = db.session.scalars(select(Issue).join(newest, newest.c.id == Issue.id).where(newest.c.rank == 1)).all()
    by_journal = {issue.journal_id: issue for issue in issues}
    return [(journal, by_journal.get(journal.id)) for journal in journals]


# Articles per part of the sitemap, by id: the protocol allows 50,000 addresses a file, and a part of this size is
# built in tens of milliseconds however large the archive grows.
SITEMAP_PART = 10000


def sitemap_parts() -> tuple[datetime | None, list[tuple[int, datetime | None]]]:
    """For the sitemap index: the latest issue publication (the pages' sitemap's last change), and each part of the
    published articles that holds any, with its latest change (`Article.datestamp`); two queries."""
    pages_changed = db.session.scalar(select(func.max(Issue.published_at)).where(Issue.status == IssueStatus.PUBLISHED))
    part = (Article.id // SITEMAP_PART).label("part")
    parts = db.session.execute(select(part, func.max(Article.datestamp)).where(Article.published_at.is_not(None))
                               .group_by(part).order_by(part)).all()
    return pages_changed, [(int(number), changed) for number, changed in parts]


def sitemap_page_rows():
    """Light rows for the pages' sitemap: (slug, id) of journals, (slug, issue id, published, journal id) of issues."""
    journals = db.session.execute(select(Journal.slug, Journal.id).order_by(Journal.id)).all()
    issues = db.session.execute(
        select(Journal.slug, Issue.id, Issue.published_at, Issue.journal_id).join(Journal, Journal.id == Issue.journal_id)
        .where(Issue.status == IssueStatus.PUBLISHED).order_by(Issue.journal_id, Issue.id)).all()
    return journals, issues


def has_peer_review():
    """A column: the article has a published peer review (services/peer_review.py)."""
    return exists().where(PublishedReview.article_id == Article.id).label("has_peer_review")


def sitemap_article_rows(part: int):
    """(slug, article id, last change, has a published peer review) of the published articles in one part of the
    sitemap, by id; one query on the primary key's range."""
    return db.session.execute(
        select(Journal.slug, Article.id, Article.datestamp, has_peer_review())
        .join(Journal, Journal.id == Article.journal_id)
        .where(Article.published_at.is_not(None), Article.id >= part * SITEMAP_PART,
               Article.id < (part + 1) * SITEMAP_PART).order_by(Article.id)).all()


def latest_and_online_first(journal: Journal, limit: int) -> tuple[list[Article], list[Article]]:
    """The journal home of a journal that publishes continuously: `latest_articles` and `online_first`, the same
    lists in the same order, in one statement (each list's ids limited in its own subquery, the articles loaded
    once with what both lists show)."""
    newest = Article.published_at.desc()
    latest = (select(Article.id.label("id"), literal(0).label("early"))
              .where(Article.journal_id == journal.id, Article.published_at.is_not(None))
              .order_by(newest, Article.position, Article.id.desc()).limit(limit).subquery())
    early = (select(Article.id.label("id"), literal(1).label("early")).outerjoin(Issue, Issue.id == Article.issue_id)
             .where(Article.journal_id == journal.id, Article.published_at.is_not(None),
                    Article.issue_id.is_(None) | (Issue.status != IssueStatus.PUBLISHED))
             .order_by(newest, Article.id.desc()).limit(limit).subquery())
    both = union_all(select(latest.c.id, latest.c.early), select(early.c.id, early.c.early)).subquery()
    rows = db.session.execute(
        select(Article, both.c.early).join(both, both.c.id == Article.id)
        .options(joinedload(Article.current_version).joinedload(ArticleVersion.galley), joinedload(Article.issue),
                 joinedload(Article.section))).all()
    newest_first = lambda a: (-a.published_at.timestamp(), -a.id)  # noqa: E731
    found_latest = sorted((a for a, flag in rows if not flag),
                          key=lambda a: (-a.published_at.timestamp(), a.position or 0, -a.id))
    return found_latest, sorted((a for a, flag in rows if flag), key=newest_first)


def online_first(journal: Journal, limit: int = 50) -> list[Article]:
    """Published articles that no published issue holds yet (online first), newest first (one query)."""
    return list(db.session.scalars(
        select(Article).outerjoin(Issue, Issue.id == Article.issue_id)
        .where(Article.journal_id == journal.id, Article.published_at.is_not(None),
               Article.issue_id.is_(None) | (Issue.status != IssueStatus.PUBLISHED))
        .options(joinedload(Article.current_version), joinedload(Article.section))
        .order_by(Article.published_at.desc(), Article.id.desc()).limit(limit)))
