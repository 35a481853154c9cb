"""JATS 1.3 front matter for every published article at /j/<slug>/articles/<id>/jats.xml: valid against the
official JATS Journal Publishing DTD and XSD, with the journal, the article's contributors, affiliations, dates,
pages, DOI, licence, abstract (formulas kept as TeX) and keywords; nothing before publication."""

from datetime import UTC, datetime

import pytest

from journal.extensions import db
from journal.models import ArticleStatus, ArticleVersion, IssueStatus
from tests.published import make_article, make_issue
from tests.schemas import assert_valid, jats_dtd, jats_xsd, parse

XLINK = "{http://www.w3.org/1999/xlink}href"
ABSTRACTS = [
    "Plain words only.",
    "Heat flow $q = -k\\nabla T$ through **dry** and *wet* regolith, see [the data](https://example.org/d).\n\n"
    "$$\\int_0^1 x\\,dx = \\frac{1}{2}$$\n\n"
    "1. first night\n2. second night\n\n- a\n- b\n\n> quoted\n\n# A heading\n\n`code` and\n\n    indented code\n\n"
    "| a | b |\n|---|---|\n| 1 | 2 |\n",
    "Costs $5 and $10 stay text; control\x0bcharacters are dropped.",
    "",
]


@pytest.fixture
def journal(make_journal):
    return make_journal("jdse", title="Journal of Deep Space Exploration", doi_prefix="10.59999",
                        issn_print="0317-8471", issn_online="2049-3630", abbreviation="J. Deep Space Explor.",
                        publisher="International Deep Space Exploration Association")


@pytest.fixture
def published(journal, make_user):
    issue = make_issue(journal, volume=3, number=2, year=2026, published_at=datetime(2026, 3, 1, 9, 30, tzinfo=UTC))
    return make_article(journal, make_user(), issue=issue, title="Heat flow through the lunar regolith",
                        pages=(5, 17), keywords=["Moon", "regolith"], doi="10.59999/jdse.2026.0042")


def jats(client, article, status=200):
    response = client.get(f"/j/{article.journal.slug}/articles/{article.id}/jats.xml")
    assert response.status_code == status
    return response


def valid(data: bytes):
    assert_valid(jats_xsd(), data)
    return assert_valid(jats_dtd(), data)


def test_the_front_matter_is_valid_jats_with_the_articles_metadata(client, published):
    response = jats(client, published)
    assert response.headers["Content-Type"] == "application/jats+xml; charset=utf-8"
    assert b'<!DOCTYPE article PUBLIC "-//NLM//DTD JATS (Z39.96) Journal Publishing DTD v1.3 20210610//EN"' \
        in response.data
    article = valid(response.data)
    assert article.get("dtd-version") == "1.3" and article.get("article-type") == "research-article"
    journal_meta = article.find("front/journal-meta")
    assert journal_meta.findtext("journal-id") == "jdse"
    assert journal_meta.findtext("journal-title-group/journal-title") == "Journal of Deep Space Exploration"
    assert journal_meta.findtext("journal-title-group/abbrev-journal-title") == "J. Deep Space Explor."
    assert {i.get("publication-format"): i.text for i in journal_meta.iterfind("issn")} == \
        {"print": "0317-8471", "electronic": "2049-3630"}
    assert journal_meta.findtext("publisher/publisher-name") == "International Deep Space Exploration Association"

    meta = article.find("front/article-meta")
    assert meta.findtext("article-id[@pub-id-type='doi']") == "10.59999/jdse.2026.0042"
    assert meta.findtext("title-group/article-title") == "Heat flow through the lunar regolith"
    assert meta.findtext("article-categories/subj-group/subject") == "Research Article"
    contribs = meta.findall("contrib-group/contrib")
    assert [(c.findtext("name/surname"), c.findtext("name/given-names")) for c in contribs] == \
        [("Chen", "Mei"), ("Watanabe", "Kenji")]
    first = contribs[0]
    assert first.get("corresp") == "yes" and first.findtext("email") == "mei@example.org"
    orcid = first.find("contrib-id")
    assert (orcid.get("contrib-id-type"), orcid.text) == ("orcid", "https://orcid.org/0000-0002-1825-0097")
    assert contribs[1].find("contrib-id") is None and contribs[1].find("email") is None
    affs = {a.get("id"): a for a in meta.iterfind("contrib-group/aff")}
    assert affs[first.find("xref").get("rid")].findtext("institution") == "Tohoku University"
    assert affs[contribs[1].find("xref").get("rid")].findtext("country") == "Germany"
    date = meta.find("pub-date")
    assert (date.findtext("day"), date.findtext("month"), date.findtext("year")) == ("01", "03", "2026")
    assert [meta.findtext(n) for n in ("volume", "issue", "fpage", "lpage")] == ["3", "2", "5", "17"]
    licence = meta.find("permissions/license")
    assert licence.get(XLINK) == "https://creativecommons.org/licenses/by/4.0/"
    assert meta.findtext("permissions/copyright-year") == "2026"
    assert meta.find("self-uri").get(XLINK) == f"http://journal.test/j/jdse/articles/{published.id}"
    assert meta.findtext("abstract/p/inline-formula/tex-math") == "E=mc^2"
    assert [k.text for k in meta.iterfind("kwd-group/kwd")] == ["Moon", "regolith"]


@pytest.mark.parametrize("abstract", ABSTRACTS)
def test_every_kind_of_abstract_gives_valid_jats(client, journal, make_user, abstract):
    issue = make_issue(journal)
    article = make_article(journal, make_user(), issue=issue, abstract=abstract)
    document = valid(jats(client, article).data)
    text = "".join(document.find(".//abstract").itertext())
    if abstract.startswith("Heat flow"):
        assert document.findtext(".//abstract/p/ext-link") == "the data"
        assert document.find(".//abstract/p/ext-link").get(XLINK) == "https://example.org/d"
        assert document.findtext(".//abstract//disp-formula/tex-math") == "\\int_0^1 x\\,dx = \\frac{1}{2}"
        assert [i.get("list-type") for i in document.iterfind(".//abstract/p/list")] == ["order", "bullet"]
        assert document.findtext(".//abstract/p/bold") == "dry"
    if abstract.startswith("Costs"):
        assert "Costs $5 and $10 stay text" in text and "\x0b" not in text


def test_corrections_and_retraction_appear_in_the_publication_history(client, journal, make_user):
    article = make_article(journal, make_user(), issue=make_issue(journal))
    corrected = ArticleVersion(article=article, number=2, title="Corrected title", abstract="Fixed.", keywords=[],
                               contributors=article.current_version.contributors, licence="CC0-1.0",
                               change_note="Table 2 had the wrong units.",
                               published_at=datetime(2026, 4, 2, 10, 0, tzinfo=UTC))
    db.session.add(corrected)
    db.session.flush()
    article.current_version = corrected
    article.status = ArticleStatus.RETRACTED
    article.retracted_at = datetime(2026, 5, 3, 10, 0, tzinfo=UTC)
    article.retraction_notice = "Retracted: the instrument was not calibrated."
    db.session.commit()
    meta = valid(jats(client, article).data).find("front/article-meta")
    assert meta.findtext("title-group/article-title") == "Corrected title"
    events = [(e.get("event-type"), e.findtext("event-desc")) for e in meta.iterfind("pub-history/event")]
    assert events == [("corrected", "Version 2: Table 2 had the wrong units."),
                      ("retracted", "Retracted: Retracted: the instrument was not calibrated.")]
    assert meta.find("permissions/license").get(XLINK) == "https://creativecommons.org/publicdomain/zero/1.0/"


def test_all_rights_reserved_has_no_licence_link(client, journal, make_user):
    article = make_article(journal, make_user(), issue=make_issue(journal), licence="all-rights-reserved")
    meta = valid(jats(client, article).data).find("front/article-meta")
    assert meta.find("permissions/license") is None
    assert meta.findtext("permissions/copyright-statement") == "© 2026 The authors. All rights reserved."


def test_nothing_before_publication_and_nothing_under_another_journal(client, journal, make_journal, make_user):
    author = make_user()
    draft = make_issue(journal, number=9, status=IssueStatus.DRAFT)
    scheduled = make_article(journal, author, issue=draft, status=ArticleStatus.PROOFS_APPROVED)
    jats(client, scheduled, status=404)
    published = make_article(journal, author, issue=make_issue(journal))
    other = make_journal("other")
    assert client.get(f"/j/other/articles/{published.id}/jats.xml").status_code == 404
    assert other.slug == "other"
    assert parse(jats(client, published).data).tag == "article"
