"""Crossref deposit XML for a published issue, valid against the official Crossref 5.4.0 schema: from the
managing editors' download and from `flask journal crossref-xml ISSUE`; nobody else gets it."""

from datetime import UTC, datetime

import pytest

from journal.extensions import db
from journal.models import ArticleStatus, IssueStatus, Role
from journal.scholarly import crossref
from tests.published import make_article, make_issue
from tests.schemas import assert_valid, crossref_schema

NS = {"c": crossref.CROSSREF_NS, "jats": crossref.JATS_NS, "ai": crossref.AI_NS}
REVIEWER = {"given_name": "Rosa", "family_name": "Lindqvist", "email": "rosa@example.org"}


@pytest.fixture
def office(make_journal, make_user):
    journal = make_journal("jdse", title="Journal of Deep Space Exploration", doi_prefix="10.59999",
                           issn_print="0317-8471", issn_online="2049-3630", abbreviation="J. Deep Space Explor.",
                           publisher="International Deep Space Exploration Association")
    return journal, {
        "manager": make_user("lena@example.org", given_name="Lena", family_name="Sato",
                             roles={journal: Role.MANAGING_EDITOR}),
        "editor": make_user("ada@example.org", given_name="Ada", family_name="Okafor", roles={journal: Role.EDITOR}),
        "reviewer": make_user(REVIEWER["email"], given_name="Rosa", family_name="Lindqvist",
                              roles={journal: Role.REVIEWER}),
        "author": make_user("mei@example.org", given_name="Mei", family_name="Chen"),
    }


@pytest.fixture
def issue(office):
    journal, people = office
    issue = make_issue(journal, volume=3, number=2, year=2026, published_at=datetime(2026, 3, 1, 9, 30, tzinfo=UTC))
    # Table-of-contents order: the Research Article section first, then by position.
    letter = make_article(journal, people["author"], issue=issue, section=journal.sections[1], position=0,
                          title="A short letter on dust", pages=(30, 31), doi="10.59999/jdse.2026.0003",
                          contributors=[{"given_name": "", "family_name": "Ngata", "orcid": "", "affiliation": "",
                                         "country": "", "corresponding": True, "email": "ngata@example.org"}],
                          licence="all-rights-reserved")
    second = make_article(journal, people["author"], issue=issue, position=2, title="Ion drift at Ganymede",
                          pages=(13, 20), doi="10.59999/jdse.2026.0002")
    first = make_article(journal, people["author"], issue=issue, position=1, title="Dust devils on Mars",
                         pages=(1, 12), doi="10.59999/jdse.2026.0001",
                         abstract="Dust devils **lift** $10^3$ kg per day.\n\n- one\n- two")
    return issue, [first, second, letter]


def test_the_deposit_is_valid_and_carries_the_issue_and_its_articles(app, issue):
    issue, (first, second, letter) = issue
    data = crossref.deposit_xml(issue, now=datetime(2026, 3, 2, 10, 0, 5, 123456, tzinfo=UTC))
    batch = assert_valid(crossref_schema("5.4.0"), data)
    assert batch.get("version") == "5.4.0"
    head = batch.find("c:head", NS)
    assert head.findtext("c:doi_batch_id", namespaces=NS) == "jdse-3-2-20260302100005"
    assert head.findtext("c:timestamp", namespaces=NS) == "20260302100005123"
    assert head.findtext("c:depositor/c:depositor_name", namespaces=NS) == "IDSEA Journals"
    assert head.findtext("c:depositor/c:email_address", namespaces=NS) == "no-reply@journals.idsea.example"
    assert head.findtext("c:registrant", namespaces=NS) == "International Deep Space Exploration Association"
    journal = batch.find("c:body/c:journal", NS)
    meta = journal.find("c:journal_metadata", NS)
    assert meta.findtext("c:full_title", namespaces=NS) == "Journal of Deep Space Exploration"
    assert meta.findtext("c:abbrev_title", namespaces=NS) == "J. Deep Space Explor."
    assert {i.get("media_type"): i.text for i in meta.iterfind("c:issn", NS)} == \
        {"print": "0317-8471", "electronic": "2049-3630"}
    journal_issue = journal.find("c:journal_issue", NS)
    assert journal_issue.findtext("c:journal_volume/c:volume", namespaces=NS) == "3"
    assert journal_issue.findtext("c:issue", namespaces=NS) == "2"
    assert journal_issue.findtext("c:publication_date/c:year", namespaces=NS) == "2026"

    articles = journal.findall("c:journal_article", NS)
    assert [a.findtext("c:titles/c:title", namespaces=NS) for a in articles] == \
        ["Dust devils on Mars", "Ion drift at Ganymede", "A short letter on dust"]
    dust = articles[0]
    people = dust.findall("c:contributors/c:person_name", NS)
    assert [(p.get("sequence"), p.get("contributor_role"), p.findtext("c:given_name", namespaces=NS),
             p.findtext("c:surname", namespaces=NS)) for p in people] == \
        [("first", "author", "Mei", "Chen"), ("additional", "author", "Kenji", "Watanabe")]
    orcid = people[0].find("c:ORCID", NS)
    assert (orcid.text, orcid.get("authenticated")) == ("https://orcid.org/0000-0002-1825-0097", "false")
    assert people[0].findtext("c:affiliations/c:institution/c:institution_name", namespaces=NS) == \
        "Tohoku University"
    assert people[0].findtext("c:affiliations/c:institution/c:institution_place", namespaces=NS) == "Japan"
    assert people[1].find("c:ORCID", NS) is None
    assert dust.findtext("jats:abstract/jats:p/jats:bold", namespaces=NS) == "lift"
    assert dust.findtext("jats:abstract/jats:p/jats:inline-formula/jats:tex-math", namespaces=NS) == "10^3"
    assert dust.findtext("c:publication_date[@media_type='online']/c:day", namespaces=NS) == "01"
    assert [dust.findtext(f"c:pages/c:{n}", namespaces=NS) for n in ("first_page", "last_page")] == ["1", "12"]
    assert dust.findtext("ai:program/ai:license_ref", namespaces=NS) == "https://creativecommons.org/licenses/by/4.0/"
    assert dust.find("ai:program/ai:license_ref", NS).get("applies_to") == "vor"
    assert dust.findtext("c:doi_data/c:doi", namespaces=NS) == "10.59999/jdse.2026.0001"
    assert dust.findtext("c:doi_data/c:resource", namespaces=NS) == f"http://journal.test/j/jdse/articles/{first.id}"
    short = articles[2]
    assert short.find("ai:program", NS) is None  # all rights reserved: no licence to point to
    assert short.findtext("c:contributors/c:person_name/c:surname", namespaces=NS) == "Ngata"
    assert short.find("c:contributors/c:person_name/c:given_name", NS) is None


def test_a_retracted_article_is_still_deposited(app, issue):
    issue, (first, _second, _letter) = issue
    first.status = ArticleStatus.RETRACTED
    first.retracted_at = datetime(2026, 5, 1, tzinfo=UTC)
    first.retraction_notice = "Retracted at the authors' request."
    db.session.commit()
    batch = assert_valid(crossref_schema("5.4.0"), crossref.deposit_xml(issue))
    assert "10.59999/jdse.2026.0001" in [e.text for e in batch.iterfind(".//c:doi", NS)]


def test_a_draft_issue_cannot_be_deposited(app, office, runner):
    journal, people = office
    draft = make_issue(journal, volume=3, number=3, status=IssueStatus.DRAFT)
    make_article(journal, people["author"], issue=draft, status=ArticleStatus.PROOFS_APPROVED)
    with pytest.raises(crossref.NotDepositable, match="is not published"):
        crossref.deposit_xml(draft)
    result = runner.invoke(args=["journal", "crossref-xml", str(draft.id)])
    assert result.exit_code == 1 and "Vol. 3 No. 3 (2026) is not published" in result.output


def test_the_command_writes_a_valid_deposit(app, issue, runner, tmp_path):
    issue, articles = issue
    result = runner.invoke(args=["journal", "crossref-xml", "jdse/3/2"])
    assert result.exit_code == 0, result.output
    batch = assert_valid(crossref_schema("5.4.0"), result.stdout.encode())
    assert len(batch.findall(".//c:journal_article", NS)) == 3
    assert "Warning: CROSSREF_DEPOSITOR_EMAIL is not set" in result.stderr
    target = tmp_path / "deposit.xml"
    result = runner.invoke(args=["journal", "crossref-xml", str(issue.id), "--output", str(target)])
    assert result.exit_code == 0, result.output
    assert_valid(crossref_schema("5.4.0"), target.read_bytes())
    assert f"Wrote {target}" in result.stderr
    for wrong, message in (("jdse/9/9", "There is no issue jdse/9/9."), ("nonsense", "Give the issue as its id")):
        result = runner.invoke(args=["journal", "crossref-xml", wrong])
        assert result.exit_code == 1 and message in result.output
    app.config.update(CROSSREF_DEPOSITOR_NAME="IDSEA Publishing Office", CROSSREF_DEPOSITOR_EMAIL="doi@idsea.example")
    result = runner.invoke(args=["journal", "crossref-xml", "jdse/3/2"])
    head = assert_valid(crossref_schema("5.4.0"), result.stdout.encode()).find("c:head", NS)
    assert head.findtext("c:depositor/c:depositor_name", namespaces=NS) == "IDSEA Publishing Office"
    assert head.findtext("c:depositor/c:email_address", namespaces=NS) == "doi@idsea.example"
    assert "Warning" not in result.stderr


def test_only_the_journals_managing_editors_download_the_deposit(client, login, office, issue, make_user,
                                                                 make_journal):
    journal, people = office
    issue, articles = issue
    url = f"/production/jdse/issues/{issue.id}/crossref.xml"
    assert client.get(url).status_code == 302  # to the login page
    for who in (people["editor"], people["reviewer"], people["author"],
                make_user(roles={make_journal("other"): Role.MANAGING_EDITOR})):
        login(who)
        assert client.get(url).status_code == 404
    login(people["manager"])
    assert f'href="{url}"' in client.get(f"/production/jdse/issues/{issue.id}").get_data(as_text=True)
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="crossref-jdse-vol3-no2.xml"'
    batch = assert_valid(crossref_schema("5.4.0"), response.data)
    assert len(batch.findall(".//c:journal_article", NS)) == 3
    # Nothing of the review reaches the deposit.
    for secret in (REVIEWER["family_name"], REVIEWER["email"], "Okafor", "Sato"):
        assert secret.encode() not in response.data
    draft = make_issue(journal, volume=4, number=1, status=IssueStatus.DRAFT)
    response = client.get(f"/production/jdse/issues/{draft.id}/crossref.xml")
    assert response.status_code == 409 and "Publish the issue first" in response.get_data(as_text=True)
    assert client.get("/production/jdse/issues/999999/crossref.xml").status_code == 404


def test_no_scholarly_output_names_the_reviewers_or_the_editors(client, login, make_journal, make_user):
    """A paper reviewed, accepted and published through the services: its Crossref deposit, JATS front matter
    and OAI-PMH record are valid and carry the authors, never the reviewers, their reviews or the editors."""
    from tests.test_production import accepted_paper, published_article

    journal = make_journal("jdse", title="Journal of Deep Space Exploration", reference_prefix="JDSE",
                           doi_prefix="10.59999", issn_online="2049-3630")
    people = {
        "manager": make_user("lena@example.org", given_name="Lena", family_name="Sato",
                             roles={journal: Role.MANAGING_EDITOR}),
        "author": make_user("mei@example.org", given_name="Mei", family_name="Chen"),
        "reviewer": make_user("rosa@example.org", given_name="Rosa", family_name="Lindqvist",
                              roles={journal: Role.REVIEWER}),
        "reviewer2": make_user("tomas@example.org", given_name="Tomas", family_name="Berg",
                               roles={journal: Role.REVIEWER}),
    }
    submission = accepted_paper(journal, people["author"], people["manager"],
                                reviewers=[people["reviewer"], people["reviewer2"]],
                                coauthors=[{"given_name": "Kenji", "family_name": "Watanabe",
                                            "email": "kenji@example.org", "affiliation": "Tohoku University",
                                            "orcid": "0000-0002-1825-0097"}])
    article = published_article(journal, submission, people)
    login(people["manager"])
    deposit = client.get(f"/production/jdse/issues/{article.issue_id}/crossref.xml")
    assert deposit.status_code == 200
    assert_valid(crossref_schema("5.4.0"), deposit.data)
    client.post("/logout")
    front = client.get(f"/j/jdse/articles/{article.id}/jats.xml")
    from tests.schemas import jats_dtd, oai_schema

    assert_valid(jats_dtd(), front.data)
    record = client.get(f"/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:journal.test:article/{article.id}")
    assert_valid(oai_schema(), record.data)
    listed = client.get("/oai?verb=ListRecords&metadataPrefix=oai_dc")
    for output in (deposit.data, front.data, record.data, listed.data):
        text = output.decode()
        assert "Chen" in text and "Watanabe" in text and article.doi in text
        for secret in ("Lindqvist", "rosa@example.org", "Berg", "tomas@example.org", "Sato", "lena@example.org",
                       "Convincing; publish it.", "Between us", "Reviewer 1", "Dear authors"):
            assert secret not in text, secret
