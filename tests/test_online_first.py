"""Online first: a journal that publishes continuously publishes an article with approved proofs on its own, with
its DOI and an article number (JATS elocation-id, Crossref item_number), lists it as "Online first", and gathers it
into an issue later from the issue's page without changing its DOI or address. Pages only where the journal prints."""

import pytest
from lxml import etree
from sqlalchemy import select

from journal.extensions import db
from journal.models import AuditEvent, SubmissionStatus
from journal.scholarly import crossref
from journal.services import issues as issue_service
from journal.services.errors import DomainError
from tests.schemas import assert_valid, crossref_schema, jats_dtd, jats_xsd
from tests.test_production import accepted_paper, lock_version, office, ready_article  # noqa: F401  (fixture)

S = SubmissionStatus
NS = {"c": crossref.CROSSREF_NS, "rel": crossref.REL_NS}


@pytest.fixture
def online(office):
    journal, people = office
    journal.publishes_continuously = True
    journal.prints = False
    journal.issn_online = "2049-3630"
    db.session.commit()
    submission = accepted_paper(journal, people["author"], people["manager"], title="Dust devils on Mars")
    return journal, people, ready_article(submission, people["manager"], people["author"])


def actions(subject_type, subject_id) -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.subject_type == subject_type, AuditEvent.subject_id == subject_id).order_by(AuditEvent.id)))


def test_an_article_is_published_online_first_and_later_gathered_into_an_issue(client, login, online, outbox):
    journal, people, article = online
    manager = people["manager"]
    login(manager)
    page = client.get(f"/production/jdse/submissions/{article.submission_id}").get_data(as_text=True)
    assert "Publish online now" in page and "not in an issue" not in page
    response = client.post(f"/production/jdse/submissions/{article.submission_id}/publish-online",
                           data={"version": lock_version(article)}, follow_redirects=True)
    text = response.get_data(as_text=True)
    db.session.refresh(article)
    assert article.is_public and article.issue_id is None and article.submission.status is S.PUBLISHED
    doi, number, published_at = article.doi, article.article_number, article.published_at
    assert doi.startswith("10.59999/jdse.") and number.startswith("e")
    assert f"Published online first as {number}" in text
    assert "article.published_online" in actions("article", article.id)
    assert any("online first" in m.body_text for m in outbox("mei@example.org"))

    client.post("/logout")
    url = f"/j/jdse/articles/{article.id}"
    public = client.get(url).get_data(as_text=True)
    assert "Online first" in public and number in public and f"https://doi.org/{doi}" in public
    home = client.get("/j/jdse/").get_data(as_text=True)
    assert "Online first" in home and "Dust devils on Mars" in home
    assert "Online first" in client.get("/j/jdse/issues").get_data(as_text=True)
    assert "Dust devils on Mars" in client.get("/j/jdse/feed.atom").get_data(as_text=True)
    assert "Dust devils on Mars" in client.get("/oai?verb=ListRecords&metadataPrefix=oai_dc").get_data(as_text=True)
    assert f"/j/jdse/articles/{article.id}" in client.get("/search?q=Dust").get_data(as_text=True)
    assert client.get(f"/j/jdse/articles/{article.id}/jats.xml").status_code == 200

    # The issue's own page offers it; ticking it adds it without changing anything readers cite.
    issue = issue_service.create_issue(manager, journal, volume=1, number=1, year=2026)
    login(manager)
    issue_page = client.get(f"/production/jdse/issues/{issue.id}").get_data(as_text=True)
    assert "Add accepted articles" in issue_page and 'name="article_ids"' in issue_page
    refused = client.post(f"/production/jdse/issues/{issue.id}/add", data={"version": issue.version})
    assert refused.status_code == 422 and "Tick the articles" in refused.get_data(as_text=True)
    client.post(f"/production/jdse/issues/{issue.id}/add",
                data={"version": issue.version, "article_ids": [str(article.id)]})
    db.session.refresh(article)
    assert article.issue_id == issue.id
    issue_page = client.get(f"/production/jdse/issues/{issue.id}").get_data(as_text=True)
    assert "1 article already published online first keeps its DOI" in issue_page
    assert f'<td class="nowrap">{number}</td>' in issue_page  # an online journal's contents list article numbers
    assert "Online first" in client.get(url).get_data(as_text=True)  # until the issue is published
    issue_service.publish_issue(manager, issue)
    db.session.refresh(article)
    assert (article.doi, article.article_number, article.published_at) == (doi, number, published_at)
    assert "article.gathered_into_issue" in actions("article", article.id)
    client.post("/logout")
    public = client.get(url).get_data(as_text=True)
    assert "Vol. 1 No. 1 (2026)" in public and number in public
    assert "Dust devils on Mars" in client.get(f"/j/jdse/issues/{issue.id}").get_data(as_text=True)
    assert "online-first-title" not in client.get("/j/jdse/").get_data(as_text=True)


def test_jats_and_crossref_carry_the_article_number(client, login, online):
    _journal, people, article = online
    issue_service.publish_online(people["manager"], article)
    data = client.get(f"/j/jdse/articles/{article.id}/jats.xml").get_data()
    assert_valid(jats_xsd(), data)
    root = assert_valid(jats_dtd(), data)
    assert root.findtext(".//elocation-id") == article.article_number
    assert root.find(".//fpage") is None and root.find(".//volume") is None
    assert root.find(".//pub-date[@date-type='pub']") is not None
    login(people["manager"])
    page = client.get(f"/production/jdse/submissions/{article.submission_id}").get_data(as_text=True)
    link = f"/production/jdse/submissions/{article.submission_id}/crossref.xml"
    assert f'href="{link}"' in page and "Download its Crossref deposit (XML)" in page
    response = client.get(link)
    assert response.status_code == 200
    assert f'filename="crossref-jdse-{article.article_number}.xml"' in response.headers["Content-Disposition"]
    deposit = assert_valid(crossref_schema(), response.get_data())
    item = deposit.find(".//c:publisher_item/c:item_number", NS)
    assert item.text == article.article_number and item.get("item_number_type") == "article_number"
    assert deposit.find(".//c:journal_issue", NS) is None
    citation = client.get(f"/j/jdse/articles/{article.id}").get_data(as_text=True)
    assert f'name="citation_firstpage" content="{article.article_number}"' in citation


def test_pages_are_required_only_where_the_journal_prints(office):
    journal, people = office
    manager, author = people["manager"], people["author"]
    issue = issue_service.create_issue(manager, journal, volume=1, number=1, year=2026)
    article = ready_article(accepted_paper(journal, author, manager, title="Ion drift"), manager, author)
    issue_service.schedule_article(manager, article, issue_id=issue.id)  # no pages
    assert journal.prints
    with pytest.raises(issue_service.PublicationBlocked, match="no pages"):
        issue_service.publish_issue(manager, issue)
    journal.prints = False
    db.session.commit()
    issue_service.publish_issue(manager, issue)
    assert article.is_public and article.article_number and article.pages == ""


def test_a_journal_publishing_in_issues_refuses_online_first(office):
    journal, people = office
    manager, author = people["manager"], people["author"]
    article = ready_article(accepted_paper(journal, author, manager, title="Ion drift"), manager, author)
    with pytest.raises(DomainError, match="does not publish continuously"):
        issue_service.publish_online(manager, article)
    assert not article.is_public


def test_proofs_must_be_approved_before_online_first(office):
    journal, people = office
    journal.publishes_continuously = True
    db.session.commit()
    manager, author = people["manager"], people["author"]
    article = ready_article(accepted_paper(journal, author, manager, title="Ion drift"), manager, author,
                            approve=False)
    with pytest.raises(DomainError, match="proofs not approved"):
        issue_service.publish_online(manager, article)
