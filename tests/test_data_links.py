"""Links to datasets and software beside the data availability statement: typed in the wizard's declarations
(without JavaScript), checked (a DOI in any of its written forms, or an http(s) address), carried to the published
article, shown there as links, and given to JATS (ext-link) and Crossref (isSupplementedBy relations)."""

import pytest
from lxml import etree

from journal.extensions import db
from journal.scholarly import crossref
from journal.scholarly.identifiers import clean_data_link
from journal.services import drafts as draft_service
from journal.services import issues as issue_service
from journal.services import production
from journal.templating import doi_links
from tests.schemas import assert_valid, crossref_schema, jats_dtd, jats_xsd
from tests.test_production import accepted_paper, office, ready_article  # noqa: F401  (fixture)
from tests.test_submission_wizard import draft, field_errors, journal_for, page, people  # noqa: F401  (fixtures)

NS = {"c": crossref.CROSSREF_NS, "rel": crossref.REL_NS}
LINKS = [{"kind": "dataset", "address": "https://doi.org/10.5281/zenodo.1234567", "repository": "Zenodo"},
         {"kind": "software", "address": "https://github.com/example/regolith-heat", "repository": "GitHub"}]


def test_a_doi_is_normalised_and_a_bad_one_or_a_bad_address_is_refused_with_why():
    assert clean_data_link("dataset", " doi:10.5281/zenodo.1 ", "Zenodo")["doi"] == "10.5281/zenodo.1"
    assert clean_data_link("dataset", "https://dx.doi.org/10.5061/dryad.x1", "")["doi"] == "10.5061/dryad.x1"
    assert clean_data_link("software", "http://example.org/code", "")["url"] == "http://example.org/code"
    assert clean_data_link("other", "", "") is None
    for typed in ("10.12/short", "ftp://example.org/data", "zenodo record 5", "https://"):
        with pytest.raises(ValueError):
            clean_data_link("dataset", typed, "")


def test_the_wizard_takes_links_row_by_row_and_keeps_a_refused_one_as_typed(client, draft):
    url, _journal = draft
    response = client.get(f"{url}/declarations")
    assert len(page(response).xpath("//input[starts-with(@name, 'data_links-') and contains(@name, '-address')]")) == 2
    response = client.post(f"{url}/declarations", data={
        "competing_interests": "None", "data_links-0-kind": "dataset", "data_links-0-address": "10.99/nope",
        "data_links-0-repository": "Zenodo", "action": "save"})
    assert response.status_code == 200
    assert any("row 1" in e and "10.99/nope" in e and "A DOI looks like" in e for e in field_errors(response))
    assert page(response).xpath("//input[@name='data_links-0-address']/@value") == ["10.99/nope"]
    response = client.post(f"{url}/declarations", data={
        "competing_interests": "None", "data_links-0-kind": "dataset",
        "data_links-0-address": "https://doi.org/10.5281/zenodo.1234567", "data_links-0-repository": "Zenodo",
        "action": "more_data_links"})
    addresses = page(response).xpath("//input[starts-with(@name, 'data_links-') and contains(@name, '-address')]")
    assert [a.get("value") or "" for a in addresses] == ["https://doi.org/10.5281/zenodo.1234567", ""]
    response = client.get(f"{url}/declarations")  # saved in its normal form
    assert page(response).xpath("//input[@name='data_links-0-address']/@value") == ["10.5281/zenodo.1234567"]
    assert page(response).xpath("//input[@name='data_links-0-repository']/@value") == ["Zenodo"]


def test_links_reach_the_article_page_jats_and_crossref(client, office):
    journal, people = office
    journal.publishes_continuously, journal.issn_online = True, "2049-3630"
    manager, author = people["manager"], people["author"]
    submission = accepted_paper(journal, author, manager, title="Dust devils on Mars")
    draft_service.clean_data_links(LINKS)  # the same check the wizard makes
    submission.data_links = draft_service.clean_data_links(LINKS)
    submission.data_availability = "All data: doi:10.5281/zenodo.1234567."
    db.session.commit()
    article = ready_article(submission, manager, author)
    assert article.current_version.data_links[1]["url"] == "https://github.com/example/regolith-heat"
    issue_service.publish_online(manager, article)

    html = client.get(f"/j/jdse/articles/{article.id}").get_data(as_text=True)
    assert '<a href="https://doi.org/10.5281/zenodo.1234567">https://doi.org/10.5281/zenodo.1234567</a>' in html
    assert '<a href="https://github.com/example/regolith-heat">' in html
    assert 'All data: <a href="https://doi.org/10.5281/zenodo.1234567">doi:10.5281/zenodo.1234567</a>.' in html

    data = client.get(f"/j/jdse/articles/{article.id}/jats.xml").get_data()
    assert_valid(jats_xsd(), data)
    root = assert_valid(jats_dtd(), data)
    links = root.findall(".//back/sec[@sec-type='data-availability']//ext-link")
    assert [(e.get("ext-link-type"), e.text) for e in links] == [
        ("doi", "10.5281/zenodo.1234567"), ("uri", "https://github.com/example/regolith-heat")]

    deposit = crossref.deposit_article(article)
    assert_valid(crossref_schema(), etree.tostring(deposit, xml_declaration=True, encoding="UTF-8"))
    relations = deposit.findall(".//rel:program/rel:related_item/rel:inter_work_relation", NS)
    assert [(r.get("relationship-type"), r.get("identifier-type"), r.text) for r in relations] == [
        ("isSupplementedBy", "doi", "10.5281/zenodo.1234567"),
        ("isSupplementedBy", "uri", "https://github.com/example/regolith-heat")]


def test_dois_in_a_statement_become_links_and_the_rest_stays_escaped():
    assert str(doi_links("See https://doi.org/10.5061/dryad.x1; <b>no</b>")) == \
        'See <a href="https://doi.org/10.5061/dryad.x1">https://doi.org/10.5061/dryad.x1</a>; &lt;b&gt;no&lt;/b&gt;'
    assert production.metadata_from_submission  # imported for the carrying path above
