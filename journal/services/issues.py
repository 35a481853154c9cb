"""Issues: managing editors create them, schedule articles into them with page ranges, order the table of
contents by section, and publish them: every article at once, in one transaction, each with its DOI.

DOIs: the journal's prefix, a slash and its DOI pattern (journal/scholarly/doi.py), filled in at publication. The
pattern's {number} counts the journal's published articles per year of the issue (DoiCounter), in the order
of the table of contents, so a failed publication uses up no number.
"""

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from journal.audit import audit
from journal.extensions import db
from journal.mail import external_url, queue_mail
from journal.models import (Article, ArticleStatus, ArticleVersion, DoiCounter, Issue, IssueStatus, Journal, Section,
                            SubmissionStatus, User, utcnow)
from journal.permissions import can
from journal.scholarly.doi import check_doi_pattern, make_doi
from journal.search import index_article
from journal.services.errors import ConcurrentChange, DomainError, NotFound, PermissionDenied
from journal.services.peer_review import publish_peer_review
from journal.services.production import (MISSING_LABELS, authors_addresses, check_article_version, missing_codes,
                                         require_in_production, require_producer)
from journal.services.unit import transactional
from journal.workflow import transition

A = ArticleStatus
S = SubmissionStatus


# --- loading -------------------------------------------------------------------------------------------

def issues_of(journal: Journal) -> list[Issue]:
    """Newest first: drafts and published issues alike, each with its articles (two queries)."""
    return list(db.session.scalars(
        select(Issue).where(Issue.journal_id == journal.id)
        .options(selectinload(Issue.articles))
        .order_by(Issue.year.desc(), Issue.volume.desc(), Issue.number.desc())))


def get_issue(journal: Journal, issue_id: int) -> Issue:
    issue = db.session.get(Issue, issue_id)
    if issue is None or issue.journal_id != journal.id:
        raise NotFound(_("There is no such issue."))
    return issue


def toc(issue: Issue, *, with_submissions: bool = True) -> list[Article]:
    """The table of contents: by section in the journal's order, then by position. One query loads the articles
    with their sections, current versions and galleys (a second their submissions, for the editors' pages)."""
    options = [joinedload(Article.section),
               joinedload(Article.current_version).joinedload(ArticleVersion.galley)]
    if with_submissions:
        options.append(selectinload(Article.submission))
    articles = db.session.scalars(select(Article).where(Article.issue_id == issue.id).options(*options)).all()
    return in_toc_order(articles)


def in_toc_order(articles) -> list[Article]:
    """The articles of an issue as its table of contents lists them (by section in the journal's order, then
    by position)."""
    return sorted(articles, key=_toc_key)


def _toc_key(article: Article):
    section = article.section
    return (section.position if section is not None else 10**6, article.section_id or 0, article.position, article.id)


def check_issue_version(issue: Issue, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != issue.version:
        raise ConcurrentChange(_("%(issue)s was changed by someone else a moment ago (it is now “%(status)s”). "
                                 "Please look at it "
                                 "again before you act.", issue=issue.label, status=issue.status.label))


def _require_manager(actor: User, journal: Journal) -> None:
    if not can(actor, "journal.production", journal):
        raise PermissionDenied(_("Only the journal's managing editors manage its issues."))


# --- creating and editing issues -------------------------------------------------------------------------

def _clean_issue(volume, number, year, title: str, description: str) -> dict:
    values = {}
    whole = {"volume": _("Give the volume as a whole number."), "number": _("Give the number as a whole number."),
             "year": _("Give the year as a whole number.")}
    bounds = {"volume": _("The volume is a number from %(low)s to %(high)s."),
              "number": _("The number is a number from %(low)s to %(high)s."),
              "year": _("The year is a number from %(low)s to %(high)s.")}
    for name, value, low, high in (("volume", volume, 1, 10_000), ("number", number, 1, 1000),
                                   ("year", year, 1900, 2200)):
        try:
            values[name] = int(value)
        except (TypeError, ValueError):
            raise DomainError(whole[name], name) from None
        if not low <= values[name] <= high:
            raise DomainError(bounds[name] % {"low": low, "high": high}, name)
    values["title"] = " ".join((title or "").split())[:255]
    values["description"] = (description or "").strip()[:20_000]
    return values


def _check_unique(journal: Journal, volume: int, number: int, issue: Issue | None = None) -> None:
    query = select(func.count()).select_from(Issue).where(Issue.journal_id == journal.id, Issue.volume == volume,
                                                          Issue.number == number)
    if issue is not None:
        query = query.where(Issue.id != issue.id)
    if db.session.scalar(query):
        raise DomainError(_("%(journal)s has a Vol. %(volume)s No. %(number)s already.",
                            journal=journal.title, volume=volume, number=number), "number")


@transactional
def create_issue(actor: User, journal: Journal, *, volume, number, year, title: str = "",
                 description: str = "") -> Issue:
    """A draft issue: volume, number and year (unique per journal), an optional title and description."""
    _require_manager(actor, journal)
    values = _clean_issue(volume, number, year, title, description)
    _check_unique(journal, values["volume"], values["number"])
    issue = Issue(journal=journal, status=IssueStatus.DRAFT, **values)
    db.session.add(issue)
    try:
        db.session.flush()
    except IntegrityError:  # created by someone else at the same moment
        raise DomainError(_("%(journal)s has a Vol. %(volume)s No. %(number)s already.", journal=journal.title,
                            volume=values["volume"], number=values["number"]), "number") from None
    audit(actor, "issue.created", issue, issue=issue.label)
    return issue


@transactional
def update_issue(actor: User, issue: Issue, *, volume, number, year, title: str = "", description: str = "",
                 expected_version: int | None = None) -> list[str]:
    """Change an issue's details; once published, its volume, number and year are part of citations and stay."""
    check_issue_version(issue, expected_version)
    _require_manager(actor, issue.journal)
    values = _clean_issue(volume, number, year, title, description)
    if issue.is_published and any(values[k] != getattr(issue, k) for k in ("volume", "number", "year")):
        raise DomainError(_("A published issue keeps its volume, number and year: readers cite them."), "volume")
    _check_unique(issue.journal, values["volume"], values["number"], issue)
    changed = sorted(k for k, v in values.items() if getattr(issue, k) != v)
    for name in changed:
        setattr(issue, name, values[name])
    if changed:
        audit(actor, "issue.updated", issue, fields=changed, issue=issue.label)
    return changed


# --- scheduling and the table of contents ------------------------------------------------------------------

def _page(value, name: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        page = int(value)
    except (TypeError, ValueError):
        raise DomainError(_("Give the page as a whole number."), name) from None
    if page < 1:
        raise DomainError(_("Pages are counted from 1."), name)
    return page


def next_free_page(issue: Issue) -> int:
    """Where the next article would start: after the last page given so far in the issue."""
    last = db.session.scalar(select(func.max(Article.last_page)).where(Article.issue_id == issue.id))
    return (last or 0) + 1


@transactional
def schedule_article(actor: User, article: Article, *, issue_id: int, first_page=None, last_page=None,
                     section_id: int | None = None, expected_version: int | None = None) -> None:
    """Put the article into a draft issue (or move it to another), with its page range and its section in the
    table of contents. Pages may follow later but are needed to publish; they must not overlap another
    article's in the issue. The submission becomes "scheduled" the first time."""
    check_article_version(article, expected_version)
    require_producer(actor, article)
    if not article.is_online_first or article.is_retracted:
        require_in_production(article)
    issue = db.session.get(Issue, issue_id) if issue_id else None
    if issue is None or issue.journal_id != article.journal_id:
        raise DomainError(_("Choose one of the journal's issues."), "issue_id")
    if issue.is_published:
        raise DomainError(_("%(issue)s is published; choose a draft issue.", issue=issue.label), "issue_id")
    first, last = _page(first_page, "first_page"), _page(last_page, "last_page")
    if (first is None) != (last is None):
        raise DomainError(_("Give both the first and the last page, or neither."),
                          "last_page" if first is not None else "first_page")
    if first is not None and first > last:
        raise DomainError(_("The last page (%(last)s) comes before the first (%(first)s).",
                            last=last, first=first), "last_page")
    if first is not None:
        overlapping = db.session.scalars(select(Article).where(
            Article.issue_id == issue.id, Article.id != article.id, Article.first_page.is_not(None),
            Article.first_page <= last, Article.last_page >= first).options(selectinload(Article.current_version))
        ).first()
        if overlapping is not None:
            raise DomainError(_("Pages %(first)s\u2013%(last)s overlap “%(title)s” (pages %(pages)s) in %(issue)s.",
                                first=first, last=last, title=overlapping.current_version.title,
                                pages=overlapping.pages, issue=issue.label), "first_page")
    section = article.section
    if section_id:
        section = db.session.get(Section, section_id)
        if section is None or section.journal_id != article.journal_id:
            raise DomainError(_("Choose one of the journal's sections."), "section_id")
    moved = article.issue_id != issue.id
    if moved:
        last_position = db.session.scalar(select(func.max(Article.position)).where(Article.issue_id == issue.id))
        article.position = (last_position if last_position is not None else -1) + 1
    submission = article.submission
    if submission.status is S.ACCEPTED:
        transition(actor, submission, "schedule", issue=issue.label)
    previous = article.issue.label if article.issue is not None and moved else None
    article.issue = issue
    article.section = section
    article.first_page, article.last_page = first, last
    details = {"pages": article.pages, "section": section.title if section else None, "moved_from": previous}
    audit(actor, "article.scheduled", article, issue=issue.label, **{k: v for k, v in details.items() if v})


@transactional
def move_article(actor: User, issue: Issue, article_id: int, offset: int,
                 expected_version: int | None = None) -> None:
    """Move an article up (-1) or down (+1) in the table of contents, within its section."""
    check_issue_version(issue, expected_version)
    _require_manager(actor, issue.journal)
    if issue.is_published:
        raise DomainError(_("%(issue)s is published; its table of contents stays as readers saw it.",
                            issue=issue.label))
    ordered = toc(issue)
    article = next((a for a in ordered if a.id == article_id), None)
    if article is None:
        raise NotFound(_("That article is not in this issue."))
    same_section = [a for a in ordered if a.section_id == article.section_id]
    index = same_section.index(article)
    target = max(0, min(len(same_section) - 1, index + (1 if offset > 0 else -1)))
    if target != index:
        other = same_section[target]
        a, b = ordered.index(article), ordered.index(other)
        ordered[a], ordered[b] = ordered[b], ordered[a]
    for position, item in enumerate(ordered):
        item.position = position
    audit(actor, "issue.toc_changed", issue, article=article.current_version.title[:200], position=target + 1)


# --- publishing ----------------------------------------------------------------------------------------

@dataclass
class Readiness:
    """What stops an issue from being published: about the issue, and per article (title, missing items)."""

    issue: list[str] = field(default_factory=list)
    articles: list[tuple[Article, list[str]]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.issue and not self.articles

    @property
    def message(self) -> str:
        parts = list(self.issue) + [_("“%(title)s”: %(missing)s", title=a.current_version.title, missing=", ".join(m))
                                    for a, m in self.articles]
        return _("The issue cannot be published yet. %(problems)s.", problems="; ".join(parts))


class PublicationBlocked(DomainError):
    def __init__(self, readiness: Readiness):
        super().__init__(readiness.message)
        self.readiness = readiness


def readiness(issue: Issue, articles: list[Article] | None = None) -> Readiness:
    """Every missing item, for the issue page before publishing and for the refusal."""
    articles = toc(issue) if articles is None else articles
    result = Readiness()
    journal = issue.journal
    if issue.is_published:
        result.issue.append(_("%(issue)s is published already", issue=issue.label))
    if not articles:
        result.issue.append(_("The issue has no articles"))
    if not journal.doi_prefix:
        result.issue.append(_("The journal has no DOI prefix: set it in the journal settings"))
    try:
        check_doi_pattern(journal.doi_pattern)
    except ValueError as exc:
        result.issue.append(_("The journal's DOI pattern is not usable (%(problem)s)", problem=exc))
    for article in articles:
        if article.is_public:  # published online first: only the pages a printed issue needs
            missing = [str(MISSING_LABELS["no pages"])] if journal.prints and article.first_page is None else []
            if missing:
                result.articles.append((article, missing))
            continue
        missing = [str(MISSING_LABELS[m]) for m in missing_codes(article) if m != "not in an issue"]
        if journal.prints and article.first_page is None and "no pages" not in missing:
            missing.append(str(MISSING_LABELS["no pages"]))
        if article.submission.status is not S.SCHEDULED and not article.is_public:
            missing.append(_("the submission is “%(status)s”, not scheduled", status=article.submission.status.label))
        if missing:
            result.articles.append((article, missing))
    return result


def _next_doi_number(journal: Journal, year: int) -> int:
    """The journal's next article number in the year, counted inside the publishing transaction."""
    bump = (update(DoiCounter).where(DoiCounter.journal_id == journal.id, DoiCounter.year == year)
            .values(last_number=DoiCounter.last_number + 1).returning(DoiCounter.last_number))
    number = db.session.execute(bump).scalar()
    if number is None:
        try:
            with db.session.begin_nested():
                db.session.add(DoiCounter(journal_id=journal.id, year=year, last_number=1))
            number = 1
        except IntegrityError:  # another issue of the year is being published at the same moment
            number = db.session.execute(bump).scalar()
    return number


@transactional
def publish_issue(actor: User, issue: Issue, *, expected_version: int | None = None) -> list[Article]:
    """Publish the issue: all its articles become public at once, each with its DOI, publication date and URL,
    and its submission goes to "published"; the authors are told by mail.

    One transaction: if anything fails (an article not ready, a DOI already taken, a mail that cannot be
    queued), nothing is published and the error lists what is missing."""
    check_issue_version(issue, expected_version)
    _require_manager(actor, issue.journal)
    articles = toc(issue)
    ready = readiness(issue, articles)
    if not ready.ok:
        raise PublicationBlocked(ready)
    journal = issue.journal
    now = utcnow()
    in_order = articles
    online_first = [a for a in articles if a.is_public]  # keep their DOI, number, date and address
    articles = [a for a in articles if not a.is_public]
    dois = {}
    numbers = {}
    for article in articles:
        submission = article.submission
        numbers[article.id] = _next_doi_number(journal, issue.year)
        dois[article.id] = make_doi(
            journal.doi_prefix, journal.doi_pattern, slug=journal.slug, year=issue.year, volume=issue.volume,
            issue=issue.number, number=numbers[article.id],
            reference=(submission.reference or "").lower(), article=article.id)
    duplicates = sorted({d for d in dois.values() if list(dois.values()).count(d) > 1})
    taken = db.session.scalars(select(Article.doi).where(func.lower(Article.doi).in_(
        [d.lower() for d in dois.values()]))).all()
    if duplicates or taken:
        raise DomainError(_("Nothing was published: the DOI pattern gives DOIs that are taken already (%(dois)s). "
                            "Change the journal's DOI pattern so that it includes {number}, {reference} or {article}.",
                            dois=", ".join(sorted(set(duplicates) | set(taken)))))
    for article in articles:
        submission = article.submission
        article.doi = dois[article.id]
        if needs_article_number(journal) and not article.article_number:
            article.article_number = article_number(issue.year, numbers[article.id])
        article.published_at = now
        article.status = A.PUBLISHED
        article.current_version.published_at = now
        transition(actor, submission, "publish", issue=issue.label, doi=article.doi)
        audit(actor, "article.published", article, doi=article.doi, issue=issue.label)
        publish_peer_review(actor, article)
        index_article(article)
        to, cc, name = authors_addresses(submission)
        queue_mail(to, "article_published", subject=_l('Published: %(title)s', title=article.current_version.title),
                   related=article,
                   cc=cc, submission=submission, article=article, issue=issue, name=name,
                   link=external_url("public.article", slug=journal.slug, article_id=article.id))
    for article in online_first:
        audit(actor, "article.gathered_into_issue", article, doi=article.doi, issue=issue.label)
    issue.status = IssueStatus.PUBLISHED
    issue.published_at = now
    audit(actor, "issue.published", issue, issue=issue.label, articles=len(articles) + len(online_first))
    try:
        db.session.flush()
    except IntegrityError:  # a DOI given by another publication at the same moment
        raise DomainError(_("Nothing was published: a DOI of this issue was given to another article a moment "
                            "ago. Please try again.")) from None
    return in_order


# --- online first ------------------------------------------------------------------------------------

def needs_article_number(journal: Journal) -> bool:
    """Articles cited without pages get an article number: online first, or a journal that does not print."""
    return journal.publishes_continuously or not journal.prints


def article_number(year: int, number: int) -> str:
    """e2026001: the year and the journal's count of articles published in it (the DOI counter's number), so
    unique per journal."""
    return f"e{year}{number:03d}"


def online_first_missing(article: Article) -> list[str]:
    """What stops this article from being published online first (empty: it can be), in the reader's words."""
    journal = article.journal
    missing = []
    if not journal.publishes_continuously:
        missing.append(_("the journal does not publish continuously (see its settings)"))
    if article.is_public:
        missing.append(_("it is published already"))
        return missing
    missing += [str(MISSING_LABELS[m]) for m in missing_codes(article) if m not in ("not in an issue", "no pages")]
    if not journal.doi_prefix:
        missing.append(_("The journal has no DOI prefix: set it in the journal settings"))
    try:
        pattern = check_doi_pattern(journal.doi_pattern)
    except ValueError as exc:
        missing.append(_("The journal's DOI pattern is not usable (%(problem)s)", problem=exc))
    else:
        if ("{volume" in pattern or "{issue" in pattern) and article.issue is None:
            missing.append(_("the journal's DOI pattern uses the issue's volume or number, which an article "
                             "published online first does not have yet"))
    return missing


@transactional
def publish_online(actor: User, article: Article, *, expected_version: int | None = None) -> Article:
    """Publish one article on its own (online first): its DOI and article number now, its address for good; an
    issue gathers it later without changing either. The authors are told by mail."""
    check_article_version(article, expected_version)
    require_producer(actor, article)
    missing = online_first_missing(article)
    if missing:
        raise DomainError(_("%(reference)s cannot be published online first yet: %(missing)s.",
                            reference=article.submission.display_reference, missing="; ".join(missing)))
    journal, submission = article.journal, article.submission
    now = utcnow()
    issue = article.issue
    number = _next_doi_number(journal, now.year)
    doi = make_doi(journal.doi_prefix, journal.doi_pattern, slug=journal.slug, year=now.year,
                   volume=issue.volume if issue else 0, issue=issue.number if issue else 0, number=number,
                   reference=(submission.reference or "").lower(), article=article.id)
    if db.session.scalar(select(func.count()).select_from(Article).where(func.lower(Article.doi) == doi.lower())):
        raise DomainError(_("Nothing was published: the DOI pattern gives DOIs that are taken already (%(dois)s). "
                            "Change the journal's DOI pattern so that it includes {number}, {reference} or {article}.",
                            dois=doi))
    article.doi = doi
    article.article_number = article.article_number or article_number(now.year, number)
    article.published_at = now
    article.status = A.PUBLISHED
    article.current_version.published_at = now
    transition(actor, submission, "publish_online", doi=doi, article_number=article.article_number)
    audit(actor, "article.published_online", article, doi=doi, article_number=article.article_number)
    publish_peer_review(actor, article)
    index_article(article)
    to, cc, name = authors_addresses(submission)
    queue_mail(to, "article_published", subject=_l('Published: %(title)s', title=article.current_version.title),
               related=article, cc=cc, submission=submission, article=article, issue=None, name=name,
               link=external_url("public.article", slug=journal.slug, article_id=article.id))
    try:
        db.session.flush()
    except IntegrityError:  # the same DOI or number given to another article at the same moment
        raise DomainError(_("Nothing was published: a DOI of this issue was given to another article a moment "
                            "ago. Please try again.")) from None
    return article


def addable_articles(issue: Issue) -> list[Article]:
    """For the issue page's "add accepted articles": the journal's articles in no issue yet, published online
    first or in production (started from an accepted paper), oldest first."""
    return list(db.session.scalars(
        select(Article).where(Article.journal_id == issue.journal_id, Article.issue_id.is_(None),
                              Article.status != A.RETRACTED)
        .options(joinedload(Article.current_version), selectinload(Article.submission))
        .order_by(Article.published_at.is_(None), Article.published_at, Article.created_at, Article.id)))


@transactional
def add_to_issue(actor: User, issue: Issue, article_ids: list[int], *,
                 expected_version: int | None = None) -> list[Article]:
    """Gather the chosen articles (online first, or in production) into this draft issue, at the end of its table
    of contents and under their sections; pages, if the journal prints, follow on each article's page."""
    check_issue_version(issue, expected_version)
    _require_manager(actor, issue.journal)
    if issue.is_published:
        raise DomainError(_("%(issue)s is published; choose a draft issue.", issue=issue.label), "article_ids")
    wanted = {int(i) for i in article_ids}
    if not wanted:
        raise DomainError(_("Tick the articles to add to %(issue)s.", issue=issue.label), "article_ids")
    candidates = {a.id: a for a in addable_articles(issue)}
    chosen = [candidates[i] for i in sorted(wanted) if i in candidates]
    if len(chosen) != len(wanted):
        raise DomainError(_("Some of the articles ticked are in an issue already or were withdrawn from "
                            "production; please look at the list again."), "article_ids")
    last_position = db.session.scalar(select(func.max(Article.position)).where(Article.issue_id == issue.id))
    position = (last_position if last_position is not None else -1) + 1
    for article in chosen:
        require_producer(actor, article)
        if article.submission.status is S.ACCEPTED:
            transition(actor, article.submission, "schedule", issue=issue.label)
        article.issue = issue
        article.position = position
        position += 1
        audit(actor, "article.scheduled", article, issue=issue.label, online_first=article.is_public or None)
    audit(actor, "issue.articles_added", issue, issue=issue.label, articles=len(chosen))
    return chosen


def online_first_articles(journal: Journal) -> list[Article]:
    """Published articles not yet in a published issue, newest first: the journal's "Online first" list."""
    return list(db.session.scalars(
        select(Article).outerjoin(Issue, Issue.id == Article.issue_id)
        .where(Article.journal_id == journal.id, Article.published_at.is_not(None),
               (Article.issue_id.is_(None)) | (Issue.status != IssueStatus.PUBLISHED))
        .options(joinedload(Article.current_version), joinedload(Article.section))
        .order_by(Article.published_at.desc(), Article.id.desc())))


def published_issues(journal: Journal) -> list[Issue]:
    return list(db.session.scalars(
        select(Issue).where(Issue.journal_id == journal.id, Issue.status == IssueStatus.PUBLISHED)
        .order_by(Issue.year.desc(), Issue.volume.desc(), Issue.number.desc())))


def scheduling_choices(journal: Journal) -> list[Issue]:
    """The draft issues an article can be scheduled into."""
    return list(db.session.scalars(
        select(Issue).where(Issue.journal_id == journal.id, Issue.status == IssueStatus.DRAFT)
        .order_by(Issue.year, Issue.volume, Issue.number)))
