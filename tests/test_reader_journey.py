"""Issue 5's "done when": accepted submissions go through production into an issue that is published; then a
reader (no login) and the tools readers use find everything: archive, table of contents, the article page's
meta tags (parsed), search hits, the feed (feedparser), the BibTeX (bibtexparser), the whole repository over
OAI-PMH (sickle, from a live server), and the Crossref deposit and JATS front matter valid against their schemas.
"""

import threading

import bibtexparser
import feedparser
import pytest
from lxml import etree, html
from werkzeug.serving import make_server

from journal.scholarly import crossref
from tests.schemas import assert_valid, crossref_schema, jats_dtd, oai_schema, schema_path
from tests.test_public_site import TITLE, site  # noqa: F401  (the fixture: two published issues, one draft)


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


def tree(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return html.fromstring(response.get_data(as_text=True))


def test_a_published_issue_is_found_read_cited_and_harvested(app, client, site, live_server):
    journal, issue, main = site["journal"], site["issue"], site["main"]
    scheduled = site["scheduled"]
    article_url = f"/j/jdse/articles/{main.id}"

    # Archive → the issue → its table of contents by section → the article.
    home = tree(client, "/j/jdse/")
    assert any(a.get("href") == "/j/jdse/issues" for a in home.xpath("//a")), "the journal home links the archive"
    archive = tree(client, "/j/jdse/issues")
    issue_links = [a.get("href") for a in archive.xpath("//main//a") if f"/issues/{issue.id}" in (a.get("href") or "")]
    assert issue_links, "the archive links the published issue"
    toc = tree(client, issue_links[0])
    headings = [h.text_content().strip() for h in toc.xpath("//main//h2 | //main//h3")]
    assert any("Research Article" in h for h in headings) and any("Letter" in h for h in headings)
    assert any(article_url in (a.get("href") or "") for a in toc.xpath("//main//a"))
    assert not any(f"/articles/{scheduled.id}" in (a.get("href") or "") for a in toc.xpath("//a"))

    # The article page's Highwire tags, parsed.
    page = tree(client, article_url)
    meta = {}
    for node in page.xpath("//meta[starts-with(@name, 'citation_')]"):
        meta.setdefault(node.get("name"), []).append(node.get("content"))
    assert meta["citation_title"] == [main.current_version.title]
    assert meta["citation_author"][0] == "Chen, Mei" or meta["citation_author"][0] == "Mei Chen"
    assert meta["citation_doi"] == [main.doi] and meta["citation_volume"] == ["3"] and meta["citation_issue"] == ["2"]
    assert meta["citation_firstpage"] == ["3"] and meta["citation_lastpage"] == ["9"]
    assert meta["citation_pdf_url"][0].startswith("http://journal.test/") and meta["citation_journal_title"]

    # Search finds it by a title word, an author's name and a keyword; never the scheduled article.
    for words in ("heat flow", "Núñez", "regolith"):
        hits = tree(client, f"/search?q={words}")
        links = [a.get("href") or "" for a in hits.xpath("//main//a")]
        assert any(article_url in link for link in links), words
    europa = tree(client, "/search?q=Europa")
    assert not any(f"/articles/{scheduled.id}" in (a.get("href") or "") for a in europa.xpath("//a"))

    # The feed, as a feed reader takes it, and valid Atom.
    feed_response = client.get("/j/jdse/feed.atom")
    assert feed_response.status_code == 200
    assert etree.RelaxNG(etree.parse(str(schema_path("atom", "atom.rng")))).validate(etree.fromstring(feed_response.data))
    feed = feedparser.parse(feed_response.data)
    assert any(entry.title == main.current_version.title for entry in feed.entries)
    assert not any(entry.title == "Europa's ice shell" for entry in feed.entries)

    # BibTeX, as a reference manager reads it.
    bib_links = [a.get("href") for a in page.xpath("//a") if (a.get("href") or "").endswith(".bib")]
    assert bib_links, "the article page offers BibTeX"
    library = bibtexparser.parse_string(client.get(bib_links[0]).get_data(as_text=True))
    [entry] = library.entries
    assert entry["doi"] == main.doi and "Chen" in entry["author"] and entry["volume"] == "3"

    # The whole repository over OAI-PMH with a real harvester: each published article once, nothing else.
    from sickle import Sickle

    harvester = Sickle(f"{live_server}/oai", max_retries=0, timeout=10)
    records = list(harvester.ListRecords(metadataPrefix="oai_dc"))
    titles = sorted(r.metadata["title"][0] for r in records)
    published = [site[k] for k in ("old", "letter", "main", "second")]
    assert titles == sorted(a.current_version.title for a in published)
    assert_valid(oai_schema(), client.get("/oai?verb=ListRecords&metadataPrefix=oai_dc").data)

    # Crossref and JATS, valid against the official schemas.
    assert_valid(crossref_schema(), crossref.deposit_xml(issue))
    jats = client.get(f"{article_url}/jats.xml")
    assert jats.status_code == 200
    assert_valid(jats_dtd(), jats.data)
    assert TITLE.split(" ")[0] in jats.get_data(as_text=True)
