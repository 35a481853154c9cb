"""Authenticated ORCID iDs everywhere an article shows its authors (issue 18): an iD proved through ORCID (by the
author's account, or by a co-author from their mail) is frozen as authenticated when production starts; the Crossref
deposit and the JATS say `authenticated="true"` for it and "false" for a typed one (both stay valid), and the
article page shows ORCID's iD icon beside an authenticated iD only."""

from datetime import UTC, datetime

import pytest
from lxml import html

from journal.extensions import db
from journal.models import utcnow
from journal.scholarly import crossref
from journal.services.production import metadata_from_submission
from tests.papers import submit_paper
from tests.published import make_article, make_issue
from tests.schemas import assert_valid, crossref_schema, jats_dtd, jats_xsd

NS = {"c": crossref.CROSSREF_NS}
PROVED = "0000-0002-1825-0097"
TYPED = "0000-0001-5109-3700"
PEOPLE = [
    {"given_name": "Mei", "family_name": "Chen", "orcid": PROVED, "orcid_authenticated": True,
     "affiliation": "Tohoku University", "country": "JP", "corresponding": True, "email": "mei@example.org"},
    {"given_name": "Kenji", "family_name": "Watanabe", "orcid": TYPED, "orcid_authenticated": False,
     "affiliation": "", "country": "", "corresponding": False, "email": ""},
]


@pytest.fixture
def journal(make_journal):
    return make_journal("jdse", title="Journal of Deep Space Exploration", doi_prefix="10.59999",
                        issn_print="0317-8471", issn_online="2049-3630",
                        publisher="International Deep Space Exploration Association")


@pytest.fixture
def article(journal, make_user):
    issue = make_issue(journal, volume=3, number=2, year=2026, published_at=datetime(2026, 3, 1, 9, 30, tzinfo=UTC))
    return make_article(journal, make_user(), issue=issue, title="Dust devils on Mars", doi="10.59999/jdse.2026.0001",
                        contributors=PEOPLE)


def test_production_freezes_which_ids_were_proved_through_orcid(make_journal, make_user):
    journal = make_journal()
    author = make_user("mei@example.org", given_name="Mei", family_name="Chen", orcid=PROVED,
                       orcid_authenticated_at=utcnow())
    submission = submit_paper(author, journal, coauthor={"given_name": "Kenji", "family_name": "Watanabe",
                                                          "email": "kenji@example.org", "affiliation": ""})
    typed_by_submitter = submission.contributors[1]
    typed_by_submitter.orcid = TYPED
    db.session.commit()
    rows = metadata_from_submission(submission)["contributors"]
    assert [(r["orcid"], r["orcid_authenticated"]) for r in rows] == [(PROVED, True), (TYPED, False)]

    typed_by_submitter.orcid_authenticated_at = utcnow()  # the co-author proved it from their mail
    db.session.commit()
    rows = metadata_from_submission(submission)["contributors"]
    assert [(r["orcid"], r["orcid_authenticated"]) for r in rows] == [(PROVED, True), (TYPED, True)]


def test_the_crossref_deposit_marks_proved_ids_authenticated_and_stays_valid(app, article):
    data = crossref.deposit_xml(article.issue, now=datetime(2026, 3, 2, 10, 0, tzinfo=UTC))
    batch = assert_valid(crossref_schema("5.4.0"), data)
    ids = [(o.text, o.get("authenticated")) for o in batch.iterfind(".//c:person_name/c:ORCID", NS)]
    assert ids == [(f"https://orcid.org/{PROVED}", "true"), (f"https://orcid.org/{TYPED}", "false")]


def test_the_jats_marks_proved_ids_authenticated_and_stays_valid(client, article):
    data = client.get(f"/j/jdse/articles/{article.id}/jats.xml").data
    assert_valid(jats_xsd(), data)
    root = assert_valid(jats_dtd(), data)
    ids = [(c.text, c.get("contrib-id-type"), c.get("authenticated"))
           for c in root.iterfind("front/article-meta/contrib-group/contrib/contrib-id")]
    assert ids == [(f"https://orcid.org/{PROVED}", "orcid", "true"), (f"https://orcid.org/{TYPED}", "orcid", "false")]


def test_the_article_page_shows_the_id_icon_only_beside_an_authenticated_id(client, article):
    page = html.fromstring(client.get(f"/j/jdse/articles/{article.id}").data)
    [proved] = page.xpath(f"//ol[@class='article-authors']//a[@href='https://orcid.org/{PROVED}']")
    [typed] = page.xpath(f"//ol[@class='article-authors']//a[@href='https://orcid.org/{TYPED}']")
    assert proved.xpath(".//svg[@class='orcid-icon']") and "Authenticated ORCID iD of Mei Chen" in proved.get(
        "aria-label")
    assert not typed.xpath(".//svg") and "not authenticated" in typed.get("aria-label")
    assert typed.text_content().strip() == "ORCID iD"
