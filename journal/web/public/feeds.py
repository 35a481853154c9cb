"""For machines: the Atom feed of each journal's latest articles, the sitemap of every public page, robots.txt.

Only published articles and issues appear (journal/web/public/reading.py); links are absolute, from BASE_URL.
The feed's abstracts are the HTML readers see (formulas as MathML), escaped as Atom's type="html" text.
"""

from collections.abc import Callable
from datetime import UTC, datetime

from flask import abort, current_app, make_response
from lxml import etree

from journal.markup import render_markdown
from journal.models import Journal
from journal.permissions import journal_from_slug, permission
from journal.scholarly.records import Links, people, publisher_name, utc
from journal.web.public import reading
from journal.page_cache import SITE, journal_tag
from journal.web.public.caching import Validators, cacheable, journal_parts
from journal.web.public.blueprint import bp

ATOM = "http://www.w3.org/2005/Atom"
SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
FEED_SIZE = 20
# Where readers have no business and crawlers find nothing public (the reader's site is all under / and /j/).
PRIVATE_AREAS = ("/account/", "/admin/", "/editorial/", "/files/", "/manage/", "/my", "/production/", "/review/",
                 "/submissions/", "/submit", "/j/*/submit", "/login", "/register", "/password", "/verify")


def _stamp(value: datetime) -> str:
    return utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")


def _el(parent, name: str, text: str | None = None, **attributes):
    element = etree.SubElement(parent, f"{{{ATOM}}}{name}", {k: v for k, v in attributes.items() if v is not None})
    if text is not None:
        element.text = text
    return element


def _changed(article) -> datetime:
    return max(m for m in (article.published_at, article.current_version.published_at, article.retracted_at) if m)


@bp.get("/j/<slug>/feed.atom")
@permission("public", load=journal_from_slug)
def feed(journal: Journal):
    articles = reading.latest_articles(journal, FEED_SIZE)
    updated = max((_changed(a) for a in articles), default=None)
    cache = Validators(journal_parts(journal), [(a.id, a.current_version_id, a.status.value) for a in articles],
                       last_modified=updated, tags=[journal_tag(journal.id)])
    if (response := cache.not_modified()) is not None:
        return response
    links = Links()
    root = etree.Element(f"{{{ATOM}}}feed", nsmap={None: ATOM})
    root.set("{http://www.w3.org/XML/1998/namespace}lang", "en")
    _el(root, "id", links.build("public.journal_home", slug=journal.slug))
    _el(root, "title", journal.title)
    if journal.description:
        _el(root, "subtitle", " ".join(journal.description.split())[:500])
    _el(root, "updated", _stamp(updated or journal.created_at or datetime.now(UTC)))
    _el(root, "link", rel="self", type="application/atom+xml", href=links.build("public.feed", slug=journal.slug))
    _el(root, "link", rel="alternate", type="text/html", href=links.build("public.journal_home", slug=journal.slug))
    author = _el(root, "author")
    _el(author, "name", publisher_name(journal) or journal.title)
    _el(root, "generator", current_app.config["PLATFORM_NAME"])
    if journal.licence:
        _el(root, "rights", journal.licence)
    for article in articles:
        version = article.current_version
        entry = _el(root, "entry")
        _el(entry, "id", links.article(article))
        _el(entry, "title", ("[Retracted] " if article.is_retracted else "") + version.title)
        _el(entry, "updated", _stamp(_changed(article)))
        _el(entry, "published", _stamp(article.published_at))
        for person in people(version):
            element = _el(entry, "author")
            _el(element, "name", f"{person.given_name} {person.family_name}".strip() or "Anonymous")
            if person.orcid:
                _el(element, "uri", f"https://orcid.org/{person.orcid}")
        _el(entry, "link", rel="alternate", type="text/html", href=links.article(article))
        if version.galley_file_id is not None:
            _el(entry, "link", rel="enclosure", type="application/pdf", href=links.pdf(article))
        if article.doi:
            _el(entry, "link", rel="related", href=article.doi_url, title="DOI")
        if article.section is not None:
            _el(entry, "category", term=article.section.title)
        for keyword in version.keywords or []:
            _el(entry, "category", term=keyword)
        if version.abstract:
            _el(entry, "summary", str(render_markdown(version.abstract)), type="html")
    response = make_response(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    response.mimetype = "application/atom+xml"
    return cache.apply(response)


def _urlset() -> tuple[etree._Element, Callable]:
    root = etree.Element(f"{{{SITEMAP}}}urlset", nsmap={None: SITEMAP})

    def add(location: str, modified: datetime | None = None):
        url = etree.SubElement(root, f"{{{SITEMAP}}}url")
        etree.SubElement(url, f"{{{SITEMAP}}}loc").text = location
        if modified is not None:
            etree.SubElement(url, f"{{{SITEMAP}}}lastmod").text = _stamp(modified)

    return root, add


def _xml(root, cache: Validators):
    response = make_response(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    response.mimetype = "application/xml"
    return cache.apply(response)


@bp.get("/sitemap.xml")
@permission("public")
def sitemap():
    """The sitemap index: one sitemap of the journals' and issues' pages, then the articles in parts of at most
    `reading.SITEMAP_PART` (the protocol allows 50,000 addresses a file; a part stays quick to build and fetch)."""
    pages_changed, parts = reading.sitemap_parts()
    latest = max((stamp for stamp in [pages_changed] + [changed for _part, changed in parts] if stamp), default=None)
    cache = Validators(parts, pages_changed, last_modified=latest, tags=[SITE])
    if (response := cache.not_modified()) is not None:
        return response
    links = Links()
    root = etree.Element(f"{{{SITEMAP}}}sitemapindex", nsmap={None: SITEMAP})

    def add(location: str, modified: datetime | None):
        entry = etree.SubElement(root, f"{{{SITEMAP}}}sitemap")
        etree.SubElement(entry, f"{{{SITEMAP}}}loc").text = location
        if modified is not None:
            etree.SubElement(entry, f"{{{SITEMAP}}}lastmod").text = _stamp(modified)

    add(links.build("public.sitemap_pages"), pages_changed)
    for part, changed in parts:
        add(links.build("public.sitemap_articles", part=part), changed)
    return _xml(root, cache)


@bp.get("/sitemaps/pages.xml")
@permission("public")
def sitemap_pages():
    """The site's home, each journal's home and archive, and every published issue."""
    journals, issues = reading.sitemap_page_rows()
    latest = max((row[2] for row in issues if row[2]), default=None)
    cache = Validators(len(journals), len(issues), [row[0] for row in journals], last_modified=latest, tags=[SITE])
    if (response := cache.not_modified()) is not None:
        return response
    links = Links()
    root, add = _urlset()
    add(links.build("public.home"))
    newest_issue = {}
    for _slug, _issue_id, published_at, journal_id in issues:
        if published_at and (journal_id not in newest_issue or published_at > newest_issue[journal_id]):
            newest_issue[journal_id] = published_at
    for slug, journal_id in journals:
        add(links.build("public.journal_home", slug=slug), newest_issue.get(journal_id))
        add(links.build("public.archive", slug=slug), newest_issue.get(journal_id))
    for slug, issue_id, published_at, _journal_id in issues:
        add(links.build("public.issue", slug=slug, issue_id=issue_id), published_at)
    return _xml(root, cache)


@bp.get("/sitemaps/articles-<int:part>.xml")
@permission("public")
def sitemap_articles(part: int):
    """One part of the published articles (ids from part × SITEMAP_PART on), each with its last change."""
    articles = reading.sitemap_article_rows(part)
    if not articles:
        abort(404)
    cache = Validators(part, [(row[1], row[2], row[3]) for row in articles],
                       last_modified=max(row[2] for row in articles), tags=[SITE])
    if (response := cache.not_modified()) is not None:
        return response
    links = Links()
    root, add = _urlset()
    for slug, article_id, changed, peer_review in articles:
        add(links.build("public.article", slug=slug, article_id=article_id), changed)
        if peer_review:
            add(links.build("public.article_peer_review", slug=slug, article_id=article_id), changed)
    return _xml(root, cache)


ROBOTS_HEADERS = {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "public, max-age=3600"}


def _robots_text() -> str:
    """The same for every request of an app (it names only BASE_URL's sitemap): written at the first."""
    kept = current_app.extensions.setdefault("journal.robots", {})
    base = current_app.config["BASE_URL"]
    if base not in kept:
        lines = ["User-agent: *", "Allow: /"] + [f"Disallow: {area}" for area in PRIVATE_AREAS]
        lines += ["", f"Sitemap: {Links().build('public.sitemap')}", ""]
        kept[base] = "\n".join(lines)
    return kept[base]


@bp.get("/robots.txt")
@permission("public")
def robots():
    # Not kept by the page cache: written once per app, it is cheaper than a lookup in the shared store.
    return _robots_text(), ROBOTS_HEADERS
