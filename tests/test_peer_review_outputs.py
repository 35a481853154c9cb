"""Published peer review in the scholarly outputs (issue 18): Crossref `peer_review` records, JATS `sub-article`s,
OAI-PMH `dc:relation`s and the article page's JSON-LD `review`s. Every XML is validated against its official schema;
an anonymous reviewer is never named, a named one is, with their ORCID iD."""

import json
from datetime import UTC, datetime

import lxml.html
import pytest
from sqlalchemy import event

from journal.extensions import db
from journal.models import IssueStatus, Role
from journal.scholarly import crossref
from tests.published import make_article, make_issue
from tests.published_reviews import NAMED, add_review, two_rounds
from tests.schemas import assert_valid, crossref_schema, jats_dtd, jats_xsd, oai_schema
from tests.test_jats import journal  # noqa: F401 - the journal of the JATS tests (DOI prefix, ISSNs, publisher)

NS = {"c": crossref.CROSSREF_NS, "rel": crossref.REL_NS, "ai": crossref.AI_NS}
OAI = {"o": "http://www.openarchives.org/OAI/2.0/", "dc": "http://purl.org/dc/elements/1.1/"}
XLINK = "{http://www.w3.org/1999/xlink}href"
ANONYMOUS_TEXT = "The anonymous reviewer asks for error bars."
DOI = "10.59999/jdse.2026.0001"


@pytest.fixture
def reviewed(journal, make_user):
    """A published article in a published issue with two rounds of published review, and one without any."""
    issue = make_issue(journal, volume=3, number=2, year=2026, published_at=datetime(2026, 3, 1, 9, 30, tzinfo=UTC))
    article = make_article(journal, make_user(), issue=issue, position=0, title="Dust devils on Mars", pages=(1, 12),
                           doi=DOI)
    plain = make_article(journal, make_user(), issue=issue, position=1, title="Ion drift at Ganymede",
                         pages=(13, 20), doi="10.59999/jdse.2026.0002")
    return issue, article, plain, two_rounds(article, anonymous_text=ANONYMOUS_TEXT)


# --- Crossref ----------------------------------------------------------------------------------------------------

def test_the_peer_review_deposit_is_valid_with_one_record_per_published_item(app, reviewed):
    issue, article, plain, items = reviewed
    data = crossref.reviews_deposit_xml(issue, now=datetime(2026, 3, 2, 10, 0, 5, tzinfo=UTC))
    batch = assert_valid(crossref_schema("5.4.0"), data)
    assert batch.findtext("c:head/c:doi_batch_id", namespaces=NS) == "jdse-3-2-reviews-20260302100005"
    records = batch.findall("c:body/c:peer_review", NS)
    assert [r.findtext("c:doi_data/c:doi", namespaces=NS) for r in records] == \
        [f"{DOI}.r1.1", f"{DOI}.r1.2", f"{DOI}.r1.3", f"{DOI}.r2.0", f"{DOI}.r2.1", f"{DOI}.r2.2"]
    assert [(r.get("stage"), r.get("type"), r.get("revision-round"), r.get("recommendation")) for r in records] == [
        ("pre-publication", "referee-report", "0", "minor-revision"),
        ("pre-publication", "referee-report", "0", "major-revision"),
        ("pre-publication", "editor-report", "0", None),
        ("pre-publication", "author-comment", "1", None),
        ("pre-publication", "referee-report", "1", "accept"),
        ("pre-publication", "editor-report", "1", None)]
    assert [r.findtext("c:titles/c:title", namespaces=NS) for r in records] == [
        "Review of: Dust devils on Mars", "Review of: Dust devils on Mars", "Decision letter: Dust devils on Mars",
        "Author response: Dust devils on Mars", "Review of: Dust devils on Mars",
        "Decision letter: Dust devils on Mars"]
    assert records[1].findtext("c:running_number", namespaces=NS) == "Round 1, Reviewer 2"
    for record, item in zip(records, items, strict=True):
        assert record.findtext("rel:program/rel:related_item/rel:inter_work_relation", namespaces=NS) == DOI
        assert record.find("rel:program/rel:related_item/rel:inter_work_relation", NS).get("relationship-type") == \
            "isReviewOf"
        assert record.findtext("c:doi_data/c:resource", namespaces=NS) == \
            f"http://journal.test/j/jdse/articles/{article.id}/peer-review#r{item.round_number}-{item.position}"
        assert [record.findtext(f"c:review_date/c:{part}", namespaces=NS) for part in ("year", "month", "day")] == \
            ["2026", "03", "01"]

    named = records[0].find("c:contributors/c:person_name", NS)
    assert (named.get("contributor_role"), named.findtext("c:given_name", namespaces=NS),
            named.findtext("c:surname", namespaces=NS), named.findtext("c:ORCID", namespaces=NS)) == \
        ("reviewer", "Rosalind", "Thorvaldsen", f"https://orcid.org/{NAMED[1]}")
    anonymous = records[1].find("c:contributors", NS)
    assert [(c.tag.split("}")[1], c.get("contributor_role")) for c in anonymous] == [("anonymous", "reviewer")]
    assert [c.tag.split("}")[1] for c in records[2].find("c:contributors", NS)] == ["anonymous"]  # the editor
    assert [p.findtext("c:surname", namespaces=NS) for p in records[3].iterfind("c:contributors/c:person_name", NS)] \
        == ["Chen", "Watanabe"]  # the authors answer
    assert data.decode().count("Thorvaldsen") == 2  # the named reviewer's two reports, nothing more


def test_the_articles_deposit_stays_valid_and_apart_from_the_peer_review(app, reviewed):
    """Crossref's body holds one kind of record: the articles' deposit has no peer_review; its own deposit does."""
    issue, article, plain, _items = reviewed
    articles = assert_valid(crossref_schema("5.4.0"), crossref.deposit_xml(issue))
    assert articles.find(".//c:peer_review", NS) is None
    assert len(articles.findall(".//c:journal_article", NS)) == 2
    assert crossref.reviews_file_name(issue) == "crossref-jdse-vol3-no2-peer-review.xml"


def test_an_article_online_first_deposits_its_peer_review_alone(app, journal, make_user):
    article = make_article(journal, make_user(), title="Online first", doi="10.59999/jdse.2026.0007",
                           published_at=datetime(2026, 4, 1, 8, 0, tzinfo=UTC))
    article.article_number = "e7"
    db.session.commit()
    with pytest.raises(crossref.NotDepositable, match="no published peer review"):
        crossref.reviews_deposit_article(article)
    add_review(article, label_number=1, body="Fine work.", recommendation="accept")
    add_review(article, crossref.PublishedReviewKind.REFEREE_REPORT, position=2, label_number=2, body="Unsure.",
               with_doi=False)  # an item without a DOI is not deposited
    batch = assert_valid(crossref_schema("5.4.0"), crossref.article_reviews_deposit_xml(article))
    assert [r.findtext("c:doi_data/c:doi", namespaces=NS) for r in batch.iterfind("c:body/c:peer_review", NS)] == \
        ["10.59999/jdse.2026.0007.r1.1"]
    assert crossref.reviews_file_name(article) == "crossref-jdse-e7-peer-review.xml"


def test_the_command_writes_the_peer_review_deposit(app, reviewed, runner):
    issue, _article, _plain, _items = reviewed
    result = runner.invoke(args=["journal", "crossref-xml", "jdse/3/2", "--peer-review"])
    assert result.exit_code == 0, result.output
    batch = assert_valid(crossref_schema("5.4.0"), result.stdout.encode())
    assert len(batch.findall("c:body/c:peer_review", NS)) == 6 and batch.find(".//c:journal_article", NS) is None
    articles = runner.invoke(args=["journal", "crossref-xml", "jdse/3/2"])
    assert articles.exit_code == 0 and "<peer_review" not in articles.stdout


def test_an_unpublished_issue_has_no_peer_review_deposit(app, journal, make_user):
    draft = make_issue(journal, volume=4, number=1, status=IssueStatus.DRAFT)
    with pytest.raises(crossref.NotDepositable, match="not published"):
        crossref.reviews_deposit(draft)


def test_the_managing_editors_download_the_peer_review_deposit(client, login, journal, reviewed, make_user):
    issue, article, _plain, _items = reviewed
    manager = make_user("lena@example.org", roles={journal: Role.MANAGING_EDITOR})
    url = f"/production/jdse/issues/{issue.id}/crossref-peer-review.xml"
    assert client.get(url).status_code in (302, 401, 404)  # a visitor: to the sign-in page or nothing
    login(manager)
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="crossref-jdse-vol3-no2-peer-review.xml"'
    assert_valid(crossref_schema("5.4.0"), response.data)
    online = client.get(f"/production/jdse/submissions/{article.submission_id}/crossref-peer-review.xml")
    assert online.status_code == 200 and online.data.count(b"<peer_review ") == 6  # the issue's deposit
    assert client.get(f"/production/jdse/issues/{issue.id}").get_data(as_text=True).count(
        "crossref-peer-review.xml") == 1


# --- JATS --------------------------------------------------------------------------------------------------------

def test_jats_carries_each_published_item_as_a_valid_sub_article(client, reviewed):
    _issue, article, plain, items = reviewed
    data = client.get(f"/j/jdse/articles/{article.id}/jats.xml").data
    assert_valid(jats_xsd(), data)
    root = assert_valid(jats_dtd(), data)
    assert [child.tag for child in root][-6:] == ["sub-article"] * 6
    subs = root.findall("sub-article")
    assert [(s.get("article-type"), s.get("id")) for s in subs] == [
        ("referee-report", "r1-1"), ("referee-report", "r1-2"), ("editor-report", "r1-3"),
        ("author-comment", "r2-0"), ("referee-report", "r2-1"), ("editor-report", "r2-2")]
    for sub, item in zip(subs, items, strict=True):
        stub = sub.find("front-stub")
        assert stub.findtext("article-id[@pub-id-type='doi']") == item.doi
        assert stub.find("related-article").get(XLINK) == DOI
        assert stub.find("related-article").get("related-article-type") == "peer-reviewed-article"
        assert stub.findtext("pub-date/year") == "2026"
    named = subs[0].find("front-stub/contrib-group/contrib")
    assert named.findtext("string-name") == NAMED[0]
    assert named.findtext("contrib-id[@contrib-id-type='orcid']") == f"https://orcid.org/{NAMED[1]}"
    anonymous = subs[1].find("front-stub/contrib-group/contrib")
    assert anonymous.find("anonymous") is not None and anonymous.find("string-name") is None
    assert anonymous.findtext("role") == "Reviewer 2"
    assert subs[0].findtext("front-stub/title-group/article-title") == "Review of: Dust devils on Mars"
    paragraphs = subs[1].findall("body/p")
    assert paragraphs[0].text == ANONYMOUS_TEXT and paragraphs[1].findtext("italic") == "please"
    assert paragraphs[1].findtext("inline-formula/tex-math") == "\\sigma"
    assert subs[3].findtext("body/p") == "We added the error bars."

    without = assert_valid(jats_dtd(), client.get(f"/j/jdse/articles/{plain.id}/jats.xml").data)
    assert without.find("sub-article") is None


def test_sub_articles_follow_the_back_matter(client, journal, make_user):
    article = make_article(journal, make_user(), doi="10.59999/jdse.2026.0009")
    article.current_version.data_availability = "Data at the archive."
    db.session.commit()
    add_review(article, label_number=1, body="")  # an empty text is still a valid body
    data = client.get(f"/j/jdse/articles/{article.id}/jats.xml").data
    root = assert_valid(jats_dtd(), data)
    assert_valid(jats_xsd(), data)
    assert [child.tag for child in root] == ["front", "back", "sub-article"]


# --- OAI-PMH -----------------------------------------------------------------------------------------------------

def test_oai_records_relate_the_article_to_its_published_review(client, reviewed):
    _issue, article, plain, items = reviewed
    identifier = f"oai:journal.test:article/{article.id}"
    record = assert_valid(oai_schema(), client.get(
        f"/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier={identifier}").data)
    assert [r.text for r in record.iterfind(".//dc:relation", OAI)] == [f"https://doi.org/{i.doi}" for i in items]
    listed = assert_valid(oai_schema(), client.get("/oai?verb=ListRecords&metadataPrefix=oai_dc").data)
    relations = {r.findtext("o:header/o:identifier", namespaces=OAI): [x.text for x in r.iterfind(".//dc:relation", OAI)]
                 for r in listed.iterfind(".//o:record", OAI)}
    assert relations == {identifier: [f"https://doi.org/{i.doi}" for i in items],
                         f"oai:journal.test:article/{plain.id}": []}
    assert b"Thorvaldsen" not in client.get("/oai?verb=ListRecords&metadataPrefix=oai_dc").data  # DOIs only


def test_a_page_of_records_with_peer_review_costs_no_more_queries(app, client, reviewed):
    """The items' DOIs come in the page's one query for its articles (tests/test_oai.py: a first page costs 3)."""
    statements = []

    def count(*args):
        statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        document = client.get("/oai?verb=ListRecords&metadataPrefix=oai_dc").data
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert document.count(b"<dc:relation>") == 6
    assert len(statements) <= 3, statements


# --- JSON-LD -----------------------------------------------------------------------------------------------------

def json_ld(client, article) -> dict:
    page = lxml.html.fromstring(client.get(f"/j/jdse/articles/{article.id}").get_data(as_text=True))
    return json.loads(page.xpath("//script[@type='application/ld+json']/text()")[0])


def test_the_article_pages_json_ld_lists_the_reviews(client, reviewed):
    _issue, article, plain, items = reviewed
    data = json_ld(client, article)
    reviews = data["review"]
    assert [r["@type"] for r in reviews] == ["Review"] * 6
    assert [r["identifier"]["value"] for r in reviews] == [i.doi for i in items]
    assert reviews[0]["url"] == f"http://journal.test/j/jdse/articles/{article.id}/peer-review#r1-1"
    assert reviews[0]["datePublished"] == "2026-03-01"
    assert reviews[0]["author"] == {"@type": "Person", "name": NAMED[0], "sameAs": f"https://orcid.org/{NAMED[1]}"}
    assert "author" not in reviews[1]  # anonymous: no author at all
    assert all("author" not in r for r in reviews[2:4])  # the letter, the response
    assert "review" not in json_ld(client, plain)
