"""The reader's site: an issue published through the real services, then read as a reader without logging in:
the journal's home, the archive, the table of contents by section, the article page with its citation_* tags
and JSON-LD, the Atom feed, the sitemap and robots.txt; 304s for conditional GETs; 404 for anything unpublished."""

import json
from datetime import datetime

import feedparser
import pytest
from lxml import etree, html

from journal.extensions import db
from journal.models import ReviewMode, Role
from journal.services import after_publication
from journal.services import issues as issue_service
from journal.services import production
from tests.conftest import buffered_usage
from tests.schemas import schema_path
from tests.test_production import accepted_paper, ready_article

BASE = "http://journal.test"
ORCID = "0000-0002-1825-0097"
COAUTHOR_ORCID = "0000-0001-5109-3700"
TITLE = "Heat flow & 5% of $q = -k\\nabla T$ at site #3_b"


@pytest.fixture
def site(make_journal, make_user):
    """Vol. 3 No. 1 (one article) and Vol. 3 No. 2 (two research articles and a letter) published; a draft
    Vol. 3 No. 3 with a scheduled article."""
    journal = make_journal("jdse", title="Journal of Deep Space Exploration", reference_prefix="JDSE",
                           review_mode=ReviewMode.DOUBLE_ANONYMOUS, doi_prefix="10.59999", issn_online="2940-1234",
                           issn_print="2940-1226", publisher="IDSEA Press", abbreviation="J. Deep Space Explor.",
                           description="Research on the exploration of deep space.")
    manager = make_user("lena@example.org", given_name="Lena", family_name="Sato",
                        roles={journal: Role.MANAGING_EDITOR})
    author = make_user("mei@example.org", given_name="Mei", family_name="Chen", orcid=ORCID,
                       affiliation="Tohoku University", country="JP")
    coauthor = {"given_name": "José", "family_name": "Núñez", "email": "jose@example.org",
                "affiliation": "Universidad de Chile", "country": "CL", "orcid": COAUTHOR_ORCID}

    def article(issue, title, pages, section=0, coauthors=()):
        submission = accepted_paper(journal, author, manager, title=title, coauthors=coauthors)
        if section:
            submission.section = journal.sections[section]
            db.session.commit()
        return ready_article(submission, manager, author, issue=issue, pages=pages)

    first = issue_service.create_issue(manager, journal, volume=3, number=1, year=2026, title="Mars")
    old = article(first, "Dust devils on Mars", (1, 4))
    issue_service.publish_issue(manager, first)
    issue = issue_service.create_issue(manager, journal, volume=3, number=2, year=2026, title="Lunar surface")
    letter = article(issue, "A short note on lunar dust", (1, 2), section=1)
    main = article(issue, TITLE, (3, 9), coauthors=[coauthor])
    second = article(issue, "Ion drift at Ganymede", (10, 14))
    issue_service.publish_issue(manager, issue)
    draft = issue_service.create_issue(manager, journal, volume=3, number=3, year=2026)
    scheduled = article(draft, "Europa's ice shell", (1, 5))
    return {"journal": journal, "manager": manager, "issue": issue, "first": first, "draft": draft, "old": old,
            "main": main, "second": second, "letter": letter, "scheduled": scheduled}


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    assert "Set-Cookie" not in response.headers, url
    return html.fromstring(response.get_data(as_text=True))


def texts(tree, xpath):
    return [" ".join(e.text_content().split()) for e in tree.xpath(xpath)]


def test_journal_home_shows_the_current_issue_and_latest_articles(client, site):
    tree = page(client, "/j/jdse/")
    assert texts(tree, "//h1") == ["Journal of Deep Space Exploration"]
    assert texts(tree, "//h2[@id='issue-toc-title']") == ["Vol. 3 No. 2 (2026): Lunar surface"]
    toc_titles = texts(tree, "//li[contains(@class,'issue-toc-entry')]//a[contains(@href,'/articles/')][1]")
    assert "Europa's ice shell" not in " ".join(toc_titles)
    latest = texts(tree, "//ol[contains(@class,'latest-list')]/li/a")
    assert set(latest) == {TITLE, "Ion drift at Ganymede", "A short note on lunar dust", "Dust devils on Mars"}
    hrefs = tree.xpath("//a/@href")
    assert "/j/jdse/issues" in hrefs and "/j/jdse/feed.atom" in hrefs and "/j/jdse/submit" in hrefs
    assert tree.xpath("//link[@rel='alternate'][@type='application/atom+xml']/@href") == ["/j/jdse/feed.atom"]
    (search,) = tree.xpath("//form[@role='search']")
    assert search.get("action") == "/search" and search.get("method") == "get"
    assert search.xpath(".//input[@name='journal']/@value") == ["jdse"]

    home = page(client, "/")
    card = texts(home, "//li[contains(@class,'card')]")
    assert any("Journal of Deep Space Exploration" in c and "Current issue: Vol. 3 No. 2 (2026), Lunar surface" in c
               for c in card)


def test_archive_lists_published_issues_newest_first_by_volume(client, site):
    tree = page(client, "/j/jdse/issues")
    assert texts(tree, "//section[contains(@class,'archive-volume')]/h2") == ["Volume 3 (2026)"]
    assert texts(tree, "//a[contains(@class,'archive-issue-link')]") == ["No. 2: Lunar surface", "No. 1: Mars"]
    assert "3 articles" in texts(tree, "//li[contains(@class,'archive-issue')]")[0]
    assert f"/j/jdse/issues/{site['draft'].id}" not in tree.xpath("//a/@href")


def test_issue_table_of_contents_is_grouped_by_section_in_the_journals_order(client, site):
    tree = page(client, f"/j/jdse/issues/{site['issue'].id}")
    assert texts(tree, "//h2[contains(@class,'issue-toc-section')]") == ["Research Article", "Letter"]
    groups = [texts(ol, ".//h3/a") for ol in tree.xpath("//ol[contains(@class,'issue-toc-list')]")]
    assert groups == [[TITLE, "Ion drift at Ganymede"], ["A short note on lunar dust"]]


def meta(tree) -> list[tuple[str, str]]:
    return [(m.get("name"), m.get("content")) for m in tree.xpath("//head/meta[starts-with(@name,'citation_')]")]


def test_article_page_carries_highwire_tags_and_json_ld(client, site):
    article = site["main"]
    db.session.refresh(article)
    tree = page(client, f"/j/jdse/articles/{article.id}")
    tags = meta(tree)
    one = {name: content for name, content in tags if name not in ("citation_author", "citation_author_institution",
                                                                   "citation_author_orcid", "citation_issn")}
    published = article.published_at
    assert one["citation_title"] == TITLE
    assert one["citation_publication_date"] == published.strftime("%Y/%m/%d")
    assert one["citation_journal_title"] == "Journal of Deep Space Exploration"
    assert one["citation_journal_abbrev"] == "J. Deep Space Explor."
    assert one["citation_volume"] == "3" and one["citation_issue"] == "2"
    assert one["citation_firstpage"] == "3" and one["citation_lastpage"] == "9"
    assert one["citation_doi"] == article.doi and article.doi.startswith("10.59999/")
    assert one["citation_pdf_url"] == f"{BASE}/j/jdse/articles/{article.id}/pdf"
    assert one["citation_abstract_html_url"] == f"{BASE}/j/jdse/articles/{article.id}"
    assert one["citation_publisher"] == "IDSEA Press"
    assert [c for n, c in tags if n == "citation_issn"] == ["2940-1234", "2940-1226"]
    # Each author followed by their own institution and ORCID, in byline order.
    authors = [(n, c) for n, c in tags if n.startswith("citation_author")]
    assert authors == [("citation_author", "Chen, Mei"), ("citation_author_institution", "Tohoku University"),
                       ("citation_author_orcid", f"https://orcid.org/{ORCID}"),
                       ("citation_author", "Núñez, José"), ("citation_author_institution", "Universidad de Chile"),
                       ("citation_author_orcid", f"https://orcid.org/{COAUTHOR_ORCID}")]
    assert tree.xpath("//link[@rel='canonical']/@href") == [f"{BASE}/j/jdse/articles/{article.id}"]

    scripts = tree.xpath("//script")
    assert [s.get("type") for s in scripts] == ["application/ld+json"]  # data, never code (the CSP allows none)
    data = json.loads(scripts[0].text)
    assert data["@context"] == "https://schema.org" and data["@type"] == "ScholarlyArticle"
    assert data["name"] == TITLE and data["datePublished"] == published.date().isoformat()
    assert [(a["givenName"], a["familyName"], a["affiliation"]["name"], a.get("identifier")) for a in data["author"]] == [
        ("Mei", "Chen", "Tohoku University", f"https://orcid.org/{ORCID}"),
        ("José", "Núñez", "Universidad de Chile", f"https://orcid.org/{COAUTHOR_ORCID}")]
    assert data["identifier"] == {"@type": "PropertyValue", "propertyID": "DOI", "value": article.doi}
    assert data["pageStart"] == "3" and data["pageEnd"] == "9"
    issue = data["isPartOf"]
    assert issue["@type"] == "PublicationIssue" and issue["issueNumber"] == "2"
    assert issue["isPartOf"]["volumeNumber"] == "3"
    assert issue["isPartOf"]["isPartOf"]["issn"] == ["2940-1234", "2940-1226"]
    assert data["license"] == "https://creativecommons.org/licenses/by/4.0/"

    body = " ".join(tree.xpath("//main")[0].text_content().split())
    submission = article.submission
    for label, moment in (("Received", submission.submitted_at), ("Accepted", submission.accepted_at),
                          ("Published", article.published_at)):
        assert label in texts(tree, "//dl[contains(@class,'article-facts')]/dt")
        assert moment is not None
    assert "Chen, M., & Núñez, J. (2026). Heat flow & 5% of" in body
    assert f"Journal of Deep Space Exploration, 3(2), 3–9. https://doi.org/{article.doi}" in body
    assert tree.xpath("//math"), "the abstract's formula is rendered as MathML"
    assert tree.xpath("//a[@class='keyword']/@href") == ["/search?q=moon&journal=jdse", "/search?q=regolith&journal=jdse"]
    assert tree.xpath(f"//a[@href='https://orcid.org/{COAUTHOR_ORCID}']")
    hrefs = tree.xpath("//a/@href")
    for link in (f"/j/jdse/articles/{article.id}/pdf", f"/j/jdse/articles/{article.id}/cite.bib",
                 f"/j/jdse/articles/{article.id}/cite.ris", f"/j/jdse/articles/{article.id}/jats.xml",
                 f"https://doi.org/{article.doi}", "https://creativecommons.org/licenses/by/4.0/"):
        assert link in hrefs, link
    for secret in ("lena@example.org", "Between us", "Lena"):
        assert secret not in body


def test_earlier_versions_and_a_retraction_stay_readable(client, site):
    article, manager = site["main"], site["manager"]
    after_publication.correct_metadata(manager, article, change_note="The title lacked the site's name.",
                                       **{**production.metadata_of(article.current_version),
                                          "title": "Heat flow at Mare Imbrium"})
    current = page(client, f"/j/jdse/articles/{article.id}")
    assert dict(meta(current))["citation_title"] == "Heat flow at Mare Imbrium"
    assert f"/j/jdse/articles/{article.id}/v1" in current.xpath("//section[@aria-labelledby='versions-title']//a/@href")
    old = page(client, f"/j/jdse/articles/{article.id}/v1")
    assert dict(meta(old))["citation_title"] == TITLE
    assert dict(meta(old))["citation_pdf_url"] == f"{BASE}/j/jdse/articles/{article.id}/v1/pdf"
    assert old.xpath("//link[@rel='canonical']/@href") == [f"{BASE}/j/jdse/articles/{article.id}"]

    before = client.get(client.get(f"/j/jdse/articles/{article.id}/pdf").headers["Location"]).data
    after_publication.retract(manager, article, notice="Retracted at the authors' request: the sensor was "
                                                       "miscalibrated.")
    tree = page(client, f"/j/jdse/articles/{article.id}")
    assert "Retracted on" in texts(tree, "//div[contains(@class,'retraction-notice')]/h2")[0]
    assert "miscalibrated" in " ".join(texts(tree, "//div[contains(@class,'retraction-notice')]"))
    assert json.loads(tree.xpath("//script")[0].text)["creativeWorkStatus"] == "Retracted"
    pdf = client.get(client.get(f"/j/jdse/articles/{article.id}/pdf").headers["Location"])
    assert pdf.status_code == 200 and pdf.data == before  # the PDF itself is untouched


def count(article) -> tuple[int, int]:
    """The downloads and views of the article waiting in the usage buffer (tests/test_usage.py counts them)."""
    kinds = [kind for _id, kind in buffered_usage(article.id)]
    return kinds.count("download"), kinds.count("view")


def test_each_pdf_get_counts_once_and_head_requests_never(client, site):
    article = site["second"]
    downloads, views = count(article)
    for n in (1, 2):
        response = client.get(f"/j/jdse/articles/{article.id}/pdf")
        assert response.status_code == 302 and "no-store" in response.headers["Cache-Control"]
        assert count(article)[0] == downloads + n
    client.head(f"/j/jdse/articles/{article.id}/pdf")
    client.get(f"/j/jdse/articles/{article.id}/pdf", headers={"Range": "bytes=5000-"})
    assert count(article)[0] == downloads + 2
    client.get(f"/j/jdse/articles/{article.id}")
    client.head(f"/j/jdse/articles/{article.id}")
    assert count(article) == (downloads + 2, views + 1)


def test_conditional_gets_answer_304_until_something_changes(client, site, login):
    article = site["second"]
    for url in (f"/j/jdse/articles/{article.id}", f"/j/jdse/issues/{site['issue'].id}", "/j/jdse/",
                "/j/jdse/issues", "/j/jdse/feed.atom", f"/j/jdse/articles/{article.id}/cite.bib", "/sitemap.xml",
                "/"):
        first = client.get(url)
        assert first.status_code == 200 and first.headers.get("ETag"), url
        assert "public" in first.headers["Cache-Control"] and "max-age=" in first.headers["Cache-Control"], url
        assert "Set-Cookie" not in first.headers
        again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304 and again.data == b"", url
        if first.headers.get("Last-Modified"):
            since = client.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]})
            assert since.status_code == 304, url
    views = count(article)[1]
    etag = client.get(f"/j/jdse/articles/{article.id}").headers["ETag"]
    assert client.get(f"/j/jdse/articles/{article.id}", headers={"If-None-Match": etag}).status_code == 304
    assert count(article)[1] == views + 2  # the 304 is a view too (COUNTER §7.1); a reload within 30 s counts once
    after_publication.correct_metadata(site["manager"], article, change_note="A word was missing in the title.",
                                       **{**production.metadata_of(article.current_version),
                                          "title": "Ion drift at Ganymede and Europa"})
    changed = client.get(f"/j/jdse/articles/{article.id}", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and "Ganymede and Europa" in changed.get_data(as_text=True)
    # A logged-in reader's page names them: private, never stored, no validators.
    login(site["manager"])
    mine = client.get(f"/j/jdse/articles/{article.id}", headers={"If-None-Match": changed.headers["ETag"]})
    assert mine.status_code == 200 and "private" in mine.headers["Cache-Control"]
    assert "no-store" in mine.headers["Cache-Control"] and "ETag" not in mine.headers


def test_nothing_unpublished_is_reachable_anywhere(client, site):
    scheduled, draft = site["scheduled"], site["draft"]
    for url in (f"/j/jdse/articles/{scheduled.id}", f"/j/jdse/articles/{scheduled.id}/v1",
                f"/j/jdse/articles/{scheduled.id}/pdf", f"/j/jdse/articles/{scheduled.id}/v1/pdf",
                f"/j/jdse/articles/{scheduled.id}/cite.bib", f"/j/jdse/articles/{scheduled.id}/cite.ris",
                f"/j/jdse/issues/{draft.id}"):
        assert client.get(url).status_code == 404, url
    for url in ("/j/jdse/", "/j/jdse/issues", "/j/jdse/feed.atom", "/sitemap.xml", "/"):
        text = client.get(url).get_data(as_text=True)
        assert "Europa's ice shell" not in text and "Europa&#39;s ice shell" not in text, url
        assert f"/articles/{scheduled.id}" not in text and f"/issues/{draft.id}" not in text, url


def test_the_atom_feed_is_valid_and_lists_the_latest_articles(client, site):
    response = client.get("/j/jdse/feed.atom")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    grammar = etree.RelaxNG(etree.parse(str(schema_path("atom", "atom.rng"))))
    document = etree.fromstring(response.data)
    assert grammar.validate(document), grammar.error_log
    feed = feedparser.parse(response.data)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.feed.title == "Journal of Deep Space Exploration"
    assert feed.feed.links[0].href == f"{BASE}/j/jdse/feed.atom"
    entries = {e.title: e for e in feed.entries}
    assert set(entries) == {TITLE, "Ion drift at Ganymede", "A short note on lunar dust", "Dust devils on Mars"}
    main = entries[TITLE]
    assert main.link == f"{BASE}/j/jdse/articles/{site['main'].id}"
    assert [a.name for a in main.authors] == ["Mei Chen", "José Núñez"]
    assert {t.term for t in main.tags} >= {"Research Article", "moon", "regolith"}
    assert "<math" in main.summary
    assert any(link.get("type") == "application/pdf" for link in main.links)
    assert datetime(*main.published_parsed[:6]).date() == site["main"].published_at.date()


SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def _sitemap_locations(client, url: str) -> list[str]:
    response = client.get(url.removeprefix(BASE))
    assert response.status_code == 200 and response.mimetype == "application/xml", url
    root = etree.fromstring(response.data)
    assert root.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}urlset"
    return root.xpath("//s:url/s:loc/text()", namespaces=SITEMAP_NS)


def test_sitemap_and_robots(client, site):
    """/sitemap.xml is an index: the journals' and issues' pages in one sitemap, the articles in parts; a crawler
    following it finds every public page once, and nothing unpublished."""
    response = client.get("/sitemap.xml")
    assert response.mimetype == "application/xml"
    index = etree.fromstring(response.data)
    assert index.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}sitemapindex"
    parts = index.xpath("//s:sitemap/s:loc/text()", namespaces=SITEMAP_NS)
    assert parts[0] == f"{BASE}/sitemaps/pages.xml" and parts[1:] == [f"{BASE}/sitemaps/articles-0.xml"]
    newest = max(site[k].datestamp for k in ("old", "letter", "main", "second"))
    assert index.xpath("//s:sitemap[2]/s:lastmod/text()", namespaces=SITEMAP_NS) == [
        newest.strftime("%Y-%m-%dT%H:%M:%SZ")]
    locations = [location for part in parts for location in _sitemap_locations(client, part)]
    expected = [f"{BASE}/", f"{BASE}/j/jdse/", f"{BASE}/j/jdse/issues",
                f"{BASE}/j/jdse/issues/{site['first'].id}", f"{BASE}/j/jdse/issues/{site['issue'].id}"] + \
               [f"{BASE}/j/jdse/articles/{site[k].id}" for k in ("old", "letter", "main", "second")]
    assert sorted(locations) == sorted(expected)
    articles = etree.fromstring(client.get("/sitemaps/articles-0.xml").data)
    assert sorted(articles.xpath("//s:url/s:lastmod/text()", namespaces=SITEMAP_NS)) == sorted(
        site[k].datestamp.strftime("%Y-%m-%dT%H:%M:%SZ") for k in ("old", "letter", "main", "second"))
    assert client.get("/sitemaps/articles-1.xml").status_code == 404  # a part with no published article

    robots = client.get("/robots.txt")
    assert robots.mimetype == "text/plain"
    lines = robots.get_data(as_text=True).splitlines()
    assert lines[:2] == ["User-agent: *", "Allow: /"]
    for area in ("/editorial/", "/production/", "/review/", "/account/", "/admin/", "/manage/", "/submissions/"):
        assert f"Disallow: {area}" in lines
    assert f"Sitemap: {BASE}/sitemap.xml" in lines


def test_sitemap_parts_split_the_articles_by_id(client, site, monkeypatch):
    """Each part holds the published articles of its id range: with parts of two, the index lists the parts that
    hold any, and together they list each article once."""
    from journal.web.public import reading

    monkeypatch.setattr(reading, "SITEMAP_PART", 2)
    ids = sorted(site[k].id for k in ("old", "letter", "main", "second"))
    index = etree.fromstring(client.get("/sitemap.xml").data)
    parts = index.xpath("//s:sitemap/s:loc/text()", namespaces=SITEMAP_NS)[1:]
    assert parts == [f"{BASE}/sitemaps/articles-{n}.xml" for n in sorted({i // 2 for i in ids})]
    listed = [location for part in parts for location in _sitemap_locations(client, part)]
    assert listed == [f"{BASE}/j/jdse/articles/{i}" for i in ids]


def test_public_pages_answer_in_a_few_queries(client, site):
    from sqlalchemy import event

    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        for url in ("/", "/j/jdse/", "/j/jdse/issues", f"/j/jdse/issues/{site['issue'].id}",
                    f"/j/jdse/articles/{site['main'].id}", "/j/jdse/feed.atom", "/sitemap.xml",
                    "/sitemaps/pages.xml", "/sitemaps/articles-0.xml", f"/j/jdse/articles/{site['main'].id}/cite.bib"):
            statements.clear()
            assert client.get(url).status_code == 200
            budget = 4 if url == "/j/jdse/" else 5  # the journal home: journal and sections, issue and toc, latest, news
            assert len(statements) <= budget, (url, "\n".join(s[:80] for s in statements))
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)


def test_a_title_cannot_end_the_json_ld_element(client, make_journal, make_user):
    from tests.published import make_article, make_issue

    journal = make_journal("jdse", doi_prefix="10.59999")
    issue = make_issue(journal)
    title = "Dust </script><script>alert(1)</script> & <!-- more"
    article = make_article(journal, make_user(), issue=issue, title=title)
    response = client.get(f"/j/jdse/articles/{article.id}")
    text = response.get_data(as_text=True)
    assert "<script>alert(1)" not in text
    tree = html.fromstring(text)
    (script,) = tree.xpath("//script")
    assert json.loads(script.text)["name"] == title
    assert dict(meta(tree))["citation_title"] == title


def test_a_journal_without_issues_has_a_home_an_empty_archive_and_a_valid_feed(client, make_journal):
    make_journal("jdse", title="Journal of Deep Space Exploration")
    tree = page(client, "/j/jdse/")
    assert "The first issue has not been published yet." in " ".join(texts(tree, "//main"))
    assert "No issue has been published yet." in " ".join(texts(page(client, "/j/jdse/issues"), "//main"))
    response = client.get("/j/jdse/feed.atom")
    grammar = etree.RelaxNG(etree.parse(str(schema_path("atom", "atom.rng"))))
    assert grammar.validate(etree.fromstring(response.data)), grammar.error_log
    feed = feedparser.parse(response.data)
    assert not feed.bozo and feed.entries == []
    assert client.get("/j/nosuch/feed.atom").status_code == 404


def test_an_id_past_what_the_database_holds_is_a_page_not_found(client, site):
    """PostgreSQL refuses an integer past 2**31 - 1; the address is then simply one that does not exist."""
    for url in ("/j/jdse/articles/99999999999999999999", "/j/jdse/issues/2147483648",
                f"/j/jdse/articles/{site['main'].id}/v99999999999999"):
        assert client.get(url).status_code == 404, url
