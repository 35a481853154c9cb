"""OAI-PMH 2.0 at /oai: every verb and every protocol error answered as the specification says, valid against
the official OAI-PMH and oai_dc schemas; lists paged by signed resumption tokens; and the whole repository
harvested by a real OAI-PMH client (sickle) from a live server, each published article exactly once."""

import threading
from datetime import UTC, datetime
from urllib.parse import parse_qsl

import pytest
from sqlalchemy import event
from werkzeug.datastructures import MultiDict
from werkzeug.serving import make_server

from journal.extensions import db
from journal.models import ArticleStatus, ArticleVersion, IssueStatus
from tests.conftest import make_config
from tests.published import make_article, make_issue
from tests.schemas import assert_valid, oai_schema

NS = {"o": "http://www.openarchives.org/OAI/2.0/", "dc": "http://purl.org/dc/elements/1.1/",
      "oai_dc": "http://www.openarchives.org/OAI/2.0/oai_dc/",
      "id": "http://www.openarchives.org/OAI/2.0/oai-identifier"}
PAGE = 4


@pytest.fixture
def app_config(database_url, tmp_path):
    return make_config(database_url, tmp_path / "storage", OAI_PAGE_SIZE=PAGE)


@pytest.fixture
def repository(make_journal, make_user):
    """Two journals: JDSE with a published issue of 6 articles (one retracted), a draft issue with one scheduled
    article and one article still in production; Plasma Letters with a published issue of 3."""
    jdse = make_journal("jdse", title="Journal of Deep Space Exploration", doi_prefix="10.59999",
                        issn_online="2049-3630", abbreviation="J. Deep Space Explor.",
                        publisher="International Deep Space Exploration Association")
    plasma = make_journal("plasma", title="Plasma Letters", doi_prefix="10.59998")
    author = make_user("mei@example.org", given_name="Mei", family_name="Chen")
    issue = make_issue(jdse, volume=3, number=2, year=2026, published_at=datetime(2026, 3, 1, 9, 30, tzinfo=UTC))
    articles = [make_article(jdse, author, issue=issue, title=f"Regolith study {n}", pages=(10 * n + 1, 10 * n + 9),
                             section=jdse.sections[n % 2], position=n,
                             published_at=datetime(2026, 3, 1, 9, 30, n, tzinfo=UTC)) for n in range(6)]
    draft = make_issue(jdse, volume=3, number=3, year=2026, status=IssueStatus.DRAFT)
    scheduled = make_article(jdse, author, issue=draft, title="Scheduled, not yet public",
                             status=ArticleStatus.PROOFS_APPROVED)
    in_production = make_article(jdse, author, title="Still in production", status=ArticleStatus.IN_PRODUCTION,
                                 pages=None)
    other_issue = make_issue(plasma, volume=1, number=1, year=2025,
                             published_at=datetime(2025, 6, 1, 12, 0, tzinfo=UTC))
    letters = [make_article(plasma, author, issue=other_issue, title=f"Plasma letter {n}", position=n,
                            published_at=datetime(2025, 6, 1, 12, 0, n, tzinfo=UTC)) for n in range(3)]
    retracted = articles[4]
    retracted.status = ArticleStatus.RETRACTED
    retracted.retracted_at = datetime(2026, 5, 2, 8, 0, tzinfo=UTC)
    retracted.retraction_notice = "Retracted at the authors' request: the calibration was wrong."
    db.session.commit()
    return {"jdse": jdse, "plasma": plasma, "articles": articles, "letters": letters, "retracted": retracted,
            "hidden": [scheduled, in_production]}


def oai(client, query: str = "", method: str = "get", **params):
    if method == "post":
        response = client.post("/oai", data=params or MultiDict(parse_qsl(query, keep_blank_values=True)),
                               content_type="application/x-www-form-urlencoded")
    else:
        response = client.get("/oai?" + query if query else "/oai", query_string=params or None)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
    return assert_valid(oai_schema(), response.data)


def error_code(document) -> str | None:
    errors = document.findall("o:error", NS)
    return errors[0].get("code") if errors else None


def identifier(article) -> str:
    return f"oai:journal.test:article/{article.id}"


def listed(document) -> list[str]:
    return [e.text for e in document.iterfind(".//o:header/o:identifier", NS)]


def harvest(client, verb="ListIdentifiers", **params) -> tuple[list[str], list]:
    """Follow the resumption tokens to the end; the identifiers and each page's token element."""
    document = oai(client, verb=verb, **params)
    if error_code(document) == "noRecordsMatch":
        return [], []
    assert error_code(document) is None, parse_error(document)
    found, tokens = listed(document), []
    token = document.find(f"o:{verb}/o:resumptionToken", NS)
    while token is not None and token.text:
        tokens.append(token)
        document = oai(client, verb=verb, resumptionToken=token.text)
        found += listed(document)
        token = document.find(f"o:{verb}/o:resumptionToken", NS)
    if token is not None:
        tokens.append(token)
    return found, tokens


def parse_error(document) -> str:
    error = document.find("o:error", NS)
    return f"{error.get('code')}: {error.text}" if error is not None else ""


# --- the verbs -------------------------------------------------------------------------------------------

def test_identify_describes_the_repository(client, repository):
    document = oai(client, verb="Identify")
    node = document.find("o:Identify", NS)
    assert node.findtext("o:repositoryName", namespaces=NS) == "IDSEA Journals"
    assert node.findtext("o:baseURL", namespaces=NS) == "http://journal.test/oai"
    assert node.findtext("o:protocolVersion", namespaces=NS) == "2.0"
    assert node.findtext("o:adminEmail", namespaces=NS) == "no-reply@journals.idsea.example"
    # The earliest record: Plasma Letters' first letter.
    assert node.findtext("o:earliestDatestamp", namespaces=NS) == "2025-06-01T12:00:00Z"
    assert node.findtext("o:deletedRecord", namespaces=NS) == "no"
    assert node.findtext("o:granularity", namespaces=NS) == "YYYY-MM-DDThh:mm:ssZ"
    assert node.findtext(".//id:repositoryIdentifier", namespaces=NS) == "journal.test"
    assert node.findtext(".//id:sampleIdentifier", namespaces=NS) == "oai:journal.test:article/1"
    request = document.find("o:request", NS)
    assert request.get("verb") == "Identify" and request.text == "http://journal.test/oai"


def test_metadata_formats_and_sets(client, repository):
    document = oai(client, verb="ListMetadataFormats")
    assert [e.text for e in document.iterfind(".//o:metadataPrefix", NS)] == ["oai_dc"]
    document = oai(client, verb="ListMetadataFormats", identifier=identifier(repository["articles"][0]))
    assert document.findtext(".//o:metadataNamespace", namespaces=NS) == NS["oai_dc"]
    jdse = repository["jdse"]
    document = oai(client, verb="ListSets")
    sets = {e.findtext("o:setSpec", namespaces=NS): e.findtext("o:setName", namespaces=NS)
            for e in document.iterfind(".//o:set", NS)}
    assert sets == {"jdse": "Journal of Deep Space Exploration",
                    f"jdse:section-{jdse.sections[0].id}": "Journal of Deep Space Exploration: Research Article",
                    f"jdse:section-{jdse.sections[1].id}": "Journal of Deep Space Exploration: Letter",
                    "plasma": "Plasma Letters",
                    f"plasma:section-{repository['plasma'].sections[0].id}": "Plasma Letters: Research Article",
                    f"plasma:section-{repository['plasma'].sections[1].id}": "Plasma Letters: Letter"}


def test_a_record_carries_the_articles_dublin_core(client, repository):
    article = repository["articles"][1]
    version = article.current_version
    version.abstract = "We measured **heat flow** in the [regolith](https://example.org/r) at $T < 100\\,K$.\n\n" \
                       "- first night\n- second night"
    version.keywords = ["Moon", "regolith", "heat flow"]
    db.session.commit()
    document = oai(client, verb="GetRecord", identifier=identifier(article), metadataPrefix="oai_dc")
    record = document.find("o:GetRecord/o:record", NS)
    header = record.find("o:header", NS)
    assert header.findtext("o:identifier", namespaces=NS) == identifier(article)
    assert header.findtext("o:datestamp", namespaces=NS) == "2026-03-01T09:30:01Z"
    assert [e.text for e in header.iterfind("o:setSpec", NS)] == ["jdse", f"jdse:section-{article.section_id}"]
    dc = record.find("o:metadata/oai_dc:dc", NS)

    def values(name):
        return [e.text for e in dc.iterfind(f"dc:{name}", NS)]

    assert values("title") == ["Regolith study 1"]
    assert dc.find("dc:title", NS).get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    assert values("creator") == ["Chen, Mei", "Watanabe, Kenji"]
    assert values("subject") == ["Moon", "regolith", "heat flow"]
    assert values("description") == ["We measured heat flow in the regolith at $T < 100\\,K$.\n\n- first night\n\n"
                                     "- second night"]
    assert values("publisher") == ["International Deep Space Exploration Association"]
    assert values("date") == ["2026-03-01"]
    assert values("type") == ["Text", "info:eu-repo/semantics/article", "Letter"]
    assert values("identifier") == [f"https://doi.org/{article.doi}",
                                    f"http://journal.test/j/jdse/articles/{article.id}"]
    assert values("source") == ["Journal of Deep Space Exploration; Vol. 3 No. 2 (2026); 11\u201319", "2049-3630"]
    assert values("language") == ["en"]
    assert values("rights") == ["https://creativecommons.org/licenses/by/4.0/"]


def test_only_published_articles_ever_appear(client, repository):
    found, _ = harvest(client, verb="ListRecords", metadataPrefix="oai_dc")
    published = repository["articles"] + repository["letters"]
    assert sorted(found) == sorted(identifier(a) for a in published)
    for hidden in repository["hidden"]:
        document = oai(client, verb="GetRecord", identifier=identifier(hidden), metadataPrefix="oai_dc")
        assert error_code(document) == "idDoesNotExist"
        assert error_code(oai(client, verb="ListMetadataFormats", identifier=identifier(hidden))) == "idDoesNotExist"


def test_a_retracted_article_stays_a_record_with_its_notice(client, repository):
    retracted = repository["retracted"]
    document = oai(client, verb="GetRecord", identifier=identifier(retracted), metadataPrefix="oai_dc")
    header = document.find(".//o:header", NS)
    assert header.get("status") is None  # not deleted: readers must still find the notice
    assert header.findtext("o:datestamp", namespaces=NS) == "2026-05-02T08:00:00Z"  # the retraction is a change
    descriptions = [e.text for e in document.iterfind(".//dc:description", NS)]
    assert descriptions[-1] == "Retracted on 2026-05-02: Retracted at the authors' request: the calibration was wrong."


def test_a_correction_changes_the_datestamp_so_incremental_harvests_fetch_it_again(client, repository):
    article = repository["articles"][0]
    since = "2026-04-01T00:00:00Z"
    assert harvest(client, metadataPrefix="oai_dc", **{"from": since})[0] == [identifier(repository["retracted"])]
    corrected = ArticleVersion(article=article, number=2, title="Regolith study 0 (corrected)", abstract="Fixed.",
                               keywords=[], contributors=article.current_version.contributors, licence="CC-BY-4.0",
                               change_note="The units of table 2 were wrong.",
                               published_at=datetime(2026, 6, 10, 14, 5, 30, 250000, tzinfo=UTC))
    db.session.add(corrected)
    db.session.flush()
    article.current_version = corrected
    db.session.commit()
    found, _ = harvest(client, metadataPrefix="oai_dc", **{"from": since})
    assert found == [identifier(repository["retracted"]), identifier(article)]  # in datestamp order
    document = oai(client, verb="GetRecord", identifier=identifier(article), metadataPrefix="oai_dc")
    assert document.findtext(".//o:datestamp", namespaces=NS) == "2026-06-10T14:05:30Z"
    assert document.findtext(".//dc:title", namespaces=NS) == "Regolith study 0 (corrected)"
    # `until` at second granularity includes the whole second the datestamp shows.
    assert identifier(article) in harvest(client, metadataPrefix="oai_dc", **{"from": "2026-06-10T14:05:30Z",
                                                                             "until": "2026-06-10T14:05:30Z"})[0]


# --- selecting: from, until, set ---------------------------------------------------------------------------

def test_from_until_and_set_select_records_at_both_granularities(client, repository):
    jdse_ids = [identifier(a) for a in repository["articles"]]
    letters = [identifier(a) for a in repository["letters"]]
    assert harvest(client, metadataPrefix="oai_dc", until="2025-12-31")[0] == letters
    assert harvest(client, metadataPrefix="oai_dc", **{"from": "2025-06-01", "until": "2025-06-01"})[0] == letters
    assert harvest(client, metadataPrefix="oai_dc", **{"from": "2025-06-01T12:00:01Z",
                                                       "until": "2025-06-01T12:00:02Z"})[0] == letters[1:]
    assert sorted(harvest(client, metadataPrefix="oai_dc", **{"from": "2026-01-01"})[0]) == sorted(jdse_ids)
    assert harvest(client, metadataPrefix="oai_dc", set="plasma")[0] == letters
    section = repository["jdse"].sections[1]
    in_section = [identifier(a) for a in repository["articles"] if a.section_id == section.id]
    assert sorted(harvest(client, metadataPrefix="oai_dc", set=f"jdse:section-{section.id}")[0]) == sorted(in_section)
    assert harvest(client, metadataPrefix="oai_dc", set="jdse", until="2025-12-31")[0] == []
    document = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc", set="jdse", until="2025-12-31")
    assert error_code(document) == "noRecordsMatch"
    assert error_code(oai(client, verb="ListRecords", metadataPrefix="oai_dc", set="nosuchjournal")) == \
        "noRecordsMatch"


# --- errors ------------------------------------------------------------------------------------------------

ERRORS = [
    ("", "badVerb"),
    ("verb=Frobnicate", "badVerb"),
    ("verb=Identify&verb=Identify", "badVerb"),
    ("verb=Identify&metadataPrefix=oai_dc", "badArgument"),
    ("verb=ListRecords", "badArgument"),
    ("verb=ListRecords&metadataPrefix=oai_dc&metadataPrefix=oai_dc", "badArgument"),
    ("verb=ListRecords&metadataPrefix=oai_dc&identifier=oai:journal.test:article/1", "badArgument"),
    ("verb=ListRecords&metadataPrefix=oai_dc&from=yesterday", "badArgument"),
    ("verb=ListRecords&metadataPrefix=oai_dc&from=2026-02-30", "badArgument"),
    ("verb=ListRecords&metadataPrefix=oai_dc&from=2026-01-01T00:00:00+01:00", "badArgument"),
    ("verb=ListRecords&metadataPrefix=oai_dc&from=2026-01-01&until=2026-12-31T00:00:00Z", "badArgument"),
    ("verb=ListRecords&metadataPrefix=oai_dc&from=2026-02-01&until=2026-01-01", "badArgument"),
    ("verb=ListRecords&metadataPrefix=oai_dc&set=not a set", "badArgument"),
    ("verb=ListRecords&metadataPrefix=oai_dc&from=", "badArgument"),
    ("verb=ListIdentifiers&metadataPrefix=oai_dc&resumptionToken=abc", "badArgument"),
    ("verb=GetRecord&identifier=oai:journal.test:article/1", "badArgument"),
    ("verb=GetRecord&metadataPrefix=oai_dc", "badArgument"),
    ("verb=ListSets&set=jdse", "badArgument"),
    ("verb=ListMetadataFormats&metadataPrefix=oai_dc", "badArgument"),
    ("verb=ListRecords&metadataPrefix=marcxml", "cannotDisseminateFormat"),
    ("verb=GetRecord&identifier=oai:journal.test:article/1&metadataPrefix=mods", "cannotDisseminateFormat"),
    ("verb=GetRecord&identifier=oai:journal.test:article/999999&metadataPrefix=oai_dc", "idDoesNotExist"),
    ("verb=GetRecord&identifier=oai:elsewhere.org:article/1&metadataPrefix=oai_dc", "idDoesNotExist"),
    ("verb=GetRecord&identifier=not-an-identifier&metadataPrefix=oai_dc", "idDoesNotExist"),
    ("verb=ListMetadataFormats&identifier=oai:journal.test:article/999999", "idDoesNotExist"),
    ("verb=ListRecords&metadataPrefix=oai_dc&from=2030-01-01", "noRecordsMatch"),
    ("verb=ListIdentifiers&resumptionToken=not-a-token", "badResumptionToken"),
    ("verb=ListSets&resumptionToken=anything", "badResumptionToken"),
]


@pytest.mark.parametrize("method", ["get", "post"])
def test_every_protocol_error_is_answered_as_the_specification_says(client, repository, method):
    for query, code in ERRORS:
        document = oai(client, query, method=method)
        assert error_code(document) == code, (query, parse_error(document))
        request = document.find("o:request", NS)
        if code in ("badVerb", "badArgument"):
            assert dict(request.attrib) == {}, query  # the base URL only (section 3.2)
        else:
            assert request.get("verb"), query


def test_post_is_answered_like_get(client, repository):
    by_get = oai(client, verb="ListRecords", metadataPrefix="oai_dc", set="plasma")
    by_post = oai(client, method="post", verb="ListRecords", metadataPrefix="oai_dc", set="plasma")
    assert listed(by_get) == listed(by_post) == [identifier(a) for a in repository["letters"]]


# --- paging ---------------------------------------------------------------------------------------------------

def test_resumption_tokens_page_through_the_list_with_cursor_and_size(client, repository):
    found, tokens = harvest(client, verb="ListRecords", metadataPrefix="oai_dc")
    assert len(found) == len(set(found)) == 9
    assert [(t.get("cursor"), t.get("completeListSize")) for t in tokens] == [("0", "9"), ("4", "9"), ("8", "9")]
    assert tokens[-1].text is None  # the last page ends the list with an empty token
    # Datestamp order: Plasma Letters (2025) first.
    assert found[:3] == [identifier(a) for a in repository["letters"]]


def test_a_resumption_token_cannot_be_changed_or_reused_elsewhere(client, repository):
    document = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc")
    token = document.findtext(".//o:resumptionToken", namespaces=NS)
    payload, signature = token.rsplit(".", 1)
    tampered = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + "." + signature
    assert error_code(oai(client, verb="ListIdentifiers", resumptionToken=tampered)) == "badResumptionToken"
    assert error_code(oai(client, verb="ListRecords", resumptionToken=token)) == "badResumptionToken"
    assert error_code(oai(client, verb="ListIdentifiers", resumptionToken=token, metadataPrefix="oai_dc")) == \
        "badArgument"
    again = oai(client, verb="ListIdentifiers", resumptionToken=token)
    assert error_code(again) is None and len(listed(again)) == PAGE


def test_a_token_keeps_the_requests_arguments(client, repository):
    found, tokens = harvest(client, metadataPrefix="oai_dc", set="jdse", **{"from": "2026-01-01"})
    assert sorted(found) == sorted(identifier(a) for a in repository["articles"])
    assert [t.get("completeListSize") for t in tokens] == ["6", "6"]


def test_a_page_costs_a_few_queries_whatever_its_position(app, client, repository):
    statements = []

    def count(*args):
        statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        first = oai(client, verb="ListRecords", metadataPrefix="oai_dc")
        first_page = len(statements)
        statements.clear()
        oai(client, verb="ListRecords", resumptionToken=first.findtext(".//o:resumptionToken", namespaces=NS))
        later_page = len(statements)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert first_page <= 3 and later_page <= 2, statements  # a later page does not count the list again


# --- a real harvester ------------------------------------------------------------------------------------------

@pytest.fixture
def live_server(app):
    """The app served over HTTP on a free loopback port in a thread (its own app contexts and sessions)."""
    server = make_server("127.0.0.1", 0, app, threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


def test_sickle_harvests_every_published_article_exactly_once(app, live_server, repository, make_user):
    from sickle import Sickle

    author = make_user()
    issue = make_issue(repository["plasma"], volume=1, number=2, year=2025,
                       published_at=datetime(2025, 9, 1, 8, 0, tzinfo=UTC))
    # Several articles with the very same datestamp straddle page boundaries: the id breaks the tie.
    same_moment = datetime(2025, 9, 1, 8, 0, tzinfo=UTC)
    more = [make_article(repository["plasma"], author, issue=issue, published_at=same_moment, position=n,
                         title=f"Simultaneous {n}") for n in range(11)]
    published = repository["articles"] + repository["letters"] + more
    harvester = Sickle(f"{live_server}/oai", max_retries=0, timeout=10)
    assert harvester.Identify().repositoryName == "IDSEA Journals"

    records = list(harvester.ListRecords(metadataPrefix="oai_dc"))
    ids = [r.header.identifier for r in records]
    assert len(ids) == len(published) == 20 and sorted(set(ids)) == sorted(identifier(a) for a in published)
    titles = {r.header.identifier: r.metadata["title"][0] for r in records}
    assert titles[identifier(more[7])] == "Simultaneous 7"
    assert "Scheduled, not yet public" not in titles.values() and "Still in production" not in titles.values()

    headers = list(harvester.ListIdentifiers(metadataPrefix="oai_dc", set="plasma"))
    assert sorted(h.identifier for h in headers) == sorted(identifier(a) for a in repository["letters"] + more)
    record = harvester.GetRecord(identifier=identifier(more[0]), metadataPrefix="oai_dc")
    assert record.metadata["creator"] == ["Chen, Mei", "Watanabe, Kenji"]
    assert {s.setSpec for s in harvester.ListSets()} >= {"jdse", "plasma"}


def test_the_endpoint_sets_no_cookie_and_needs_no_login(client, repository):
    response = client.get("/oai?verb=Identify")
    assert "Set-Cookie" not in response.headers


def test_missing_schemas_skip_loudly_instead_of_passing(monkeypatch, tmp_path):
    import tests.schemas as schemas

    monkeypatch.setattr(schemas, "SCHEMAS", tmp_path / "nowhere")
    with pytest.raises(pytest.skip.Exception, match="XML SCHEMA MISSING: .*nowhere/oai-pmh/oai-pmh-bundle.xsd .*NOT "
                                                    "validated"):
        schemas.oai_schema()


def test_the_stored_datestamp_follows_publication_correction_and_retraction(repository):
    article, retracted = repository["articles"][0], repository["retracted"]
    assert article.datestamp == datetime(2026, 3, 1, 9, 30, 0, tzinfo=UTC)
    assert retracted.datestamp == datetime(2026, 5, 2, 8, 0, tzinfo=UTC)
    assert all(a.datestamp is None for a in repository["hidden"])
    corrected = ArticleVersion(article=article, number=2, title="Corrected", abstract="", keywords=[],
                               contributors=[], licence="CC-BY-4.0", change_note="Units.",
                               published_at=datetime(2026, 7, 1, 10, 0, tzinfo=UTC))
    db.session.add(corrected)
    db.session.flush()
    article.current_version = corrected
    db.session.commit()
    assert article.datestamp == datetime(2026, 7, 1, 10, 0, tzinfo=UTC)
    corrected.published_at = datetime(2026, 7, 2, 10, 0, tzinfo=UTC)  # only the version's row changes
    db.session.commit()
    assert article.datestamp == datetime(2026, 7, 2, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize("set_spec", [None, "jdse", "jdse:section-{section}"])
def test_a_list_page_reads_its_rows_along_an_index_without_sorting_the_archive(repository, set_spec):
    from journal.scholarly.oai import ListQuery, page_of_articles

    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL chooses by its statistics: scripts/bench_oai.py measures it at 200,000 articles")
    statements = []

    def listener(conn, cursor, statement, params, context, many):
        statements.append((statement, params))

    spec = set_spec.format(section=repository["jdse"].sections[1].id) if set_spec else None
    query = ListQuery("ListRecords", "oai_dc", set_spec=spec, size=9,
                      after=(datetime(2026, 3, 1, 9, 30, 1, tzinfo=UTC), repository["articles"][1].id))
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        page_of_articles(query, PAGE)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    statement, params = next((s, p) for s, p in statements if "ORDER BY" in s)
    plan = " ".join(str(row) for row in db.session.connection().exec_driver_sql(
        "EXPLAIN QUERY PLAN " + statement, params))
    assert "datestamp" in plan and "TEMP B-TREE" not in plan, plan
