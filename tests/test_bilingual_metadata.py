"""An article in two languages: title, abstract and keywords in a second language, each author's name in their own
script and the affiliation in both, carried by JATS (trans-title-group, trans-abstract, name-alternatives), the
Crossref deposit (an abstract per language) and OAI-PMH Dublin Core (xml:lang on each), all still valid against
the official schemas; and found by Chinese words on SQLite and PostgreSQL."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from journal.extensions import db
from journal.scholarly import crossref
from journal.search import cjk_text, parse_query, reindex_all, search_articles
from journal.services.errors import DomainError
from journal.services.translations import clean_translation
from tests.published import make_article, make_issue
from tests.schemas import assert_valid, crossref_schema, jats_dtd, jats_xsd, oai_schema

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
NS = {"c": "http://www.crossref.org/schema/5.4.0", "jats": "http://www.ncbi.nlm.nih.gov/JATS1",
      "oai": "http://www.openarchives.org/OAI/2.0/", "dc": "http://purl.org/dc/elements/1.1/"}
ZH_ABSTRACT = "我们测量了嫦娥五号月球样品的热导率，发现月壤在真空中的导热能力比预期低。"
PEOPLE = [
    {"given_name": "Wei", "family_name": "Li", "native_name": "李伟", "orcid": "", "affiliation":
     "National Space Science Center, Chinese Academy of Sciences", "translated_affiliation": "中国科学院国家空间科学中心",
     "country": "CN", "corresponding": True, "email": "li.wei@example.cn"},
    {"given_name": "Rosa", "family_name": "Lind", "orcid": "", "affiliation": "Lund Observatory", "country": "SE",
     "corresponding": False, "email": ""},
]


@pytest.fixture
def journal(make_journal):
    return make_journal("cjdse", title="Chinese Journal of Deep Space Exploration", doi_prefix="10.59999",
                        issn_online="2049-3630", publisher="IDSEA", default_language="zh")


@pytest.fixture
def bilingual(journal, make_user):
    db.session.execute(text("DELETE FROM article_search"))
    issue = make_issue(journal, volume=1, number=1, year=2026, published_at=datetime(2026, 3, 1, tzinfo=UTC))
    article = make_article(journal, make_user(), issue=issue, title="Thermal conductivity of the Chang'e-5 samples",
                           pages=(1, 9), doi="10.59999/cjdse.2026.0001", contributors=PEOPLE,
                           abstract="We measured the thermal conductivity of lunar samples.",
                           keywords=["Moon", "regolith"], commit=False)
    version = article.current_version
    version.translated_language, version.translated_title = "zh", "嫦娥五号月球样品的热导率"
    version.translated_abstract, version.translated_keywords = ZH_ABSTRACT, ["月球", "月壤"]
    db.session.commit()
    reindex_all()
    return article


def test_jats_carries_both_languages_and_stays_valid(client, bilingual):
    data = client.get(f"/j/cjdse/articles/{bilingual.id}/jats.xml").data
    assert_valid(jats_xsd(), data)
    root = assert_valid(jats_dtd(), data)
    meta = root.find("front/article-meta")
    assert root.get(XML_LANG) == "en"
    trans = meta.find("title-group/trans-title-group")
    assert trans.get(XML_LANG) == "zh" and trans.findtext("trans-title") == "嫦娥五号月球样品的热导率"
    assert meta.find("trans-abstract").get(XML_LANG) == "zh" and "嫦娥五号月球样品" in "".join(
        meta.find("trans-abstract").itertext())
    assert [k.text for k in meta.find("kwd-group[@{http://www.w3.org/XML/1998/namespace}lang='zh']")] == ["月球", "月壤"]
    names = meta.find("contrib-group/contrib/name-alternatives")
    assert names.findtext("name/surname") == "Li" and names.findtext("string-name") == "李伟"
    assert names.find("string-name").get(XML_LANG) == "zh"
    affs = meta.find("contrib-group/aff-alternatives")
    assert [a.get(XML_LANG) for a in affs] == ["en", "zh"]
    assert affs[1].findtext("institution") == "中国科学院国家空间科学中心"


def test_crossref_takes_an_abstract_per_language_and_stays_valid(app, bilingual):
    batch = assert_valid(crossref_schema("5.4.0"), crossref.deposit_xml(bilingual.issue))
    abstracts = batch.findall(".//c:journal_article/jats:abstract", NS)
    assert [a.get(XML_LANG) for a in abstracts] == ["en", "zh"]
    assert "嫦娥五号月球样品" in "".join(abstracts[1].itertext())


def test_crossref_gives_a_chinese_paper_its_english_title_beside_the_original(app, bilingual):
    version = bilingual.current_version
    version.language, version.translated_language = "zh", "en"
    version.title, version.translated_title = "嫦娥五号月球样品的热导率", "Thermal conductivity of the Chang'e-5 samples"
    db.session.commit()
    batch = assert_valid(crossref_schema("5.4.0"), crossref.deposit_xml(bilingual.issue))
    titles = batch.find(".//c:journal_article/c:titles", NS)
    assert titles.findtext("c:title", namespaces=NS) == "Thermal conductivity of the Chang'e-5 samples"
    original = titles.find("c:original_language_title", NS)
    assert original.text == "嫦娥五号月球样品的热导率" and original.get("language") == "zh"


def test_oai_dublin_core_marks_each_language(client, bilingual):
    response = client.get("/oai", query_string={"verb": "GetRecord", "metadataPrefix": "oai_dc",
                                                "identifier": f"oai:journal.test:article/{bilingual.id}"})
    root = assert_valid(oai_schema(), response.data)
    titles = root.findall(".//dc:title", NS)
    assert [(t.text, t.get(XML_LANG)) for t in titles] == [
        ("Thermal conductivity of the Chang'e-5 samples", "en"), ("嫦娥五号月球样品的热导率", "zh")]
    descriptions = {d.get(XML_LANG): d.text for d in root.findall(".//dc:description", NS)}
    assert descriptions["zh"] == ZH_ABSTRACT
    assert ("月壤", "zh") in [(s.text, s.get(XML_LANG)) for s in root.findall(".//dc:subject", NS)]


def test_a_chinese_query_finds_words_inside_a_run_of_characters(bilingual):
    """月球样品 is inside 嫦娥五号月球样品, with no space around it: found on SQLite and PostgreSQL alike."""
    page = search_articles("月球样品")
    assert [hit.article.id for hit in page.hits] == [bilingual.id]
    assert "<mark>月球样品</mark>" in page.hits[0].snippet, "the passage of the Chinese abstract, marked"
    assert search_articles("热导率 月壤").total == 1, "two Chinese words, both in the abstract"
    assert search_articles("李伟").total == 1, "an author by the name in their own script"
    assert search_articles("火星样品").total == 0, "the pairs must stand together, as typed"
    assert search_articles("thermal 月球").total == 1 and search_articles("thermal 火星").total == 0


def test_chinese_runs_become_phrases_of_character_pairs():
    assert cjk_text("嫦娥五号 sample 月球") == "嫦娥 娥五 五号 月球"
    assert parse_query("月球样品").groups == [[("月球", "球样", "样品")]]
    assert parse_query("lunar 月球样品").groups == [[("lunar",)], [("月球", "球样", "样品")]]


def test_the_search_page_finds_chinese_for_a_reader(client, bilingual):
    page = client.get("/search", query_string={"q": "月球样品"}).get_data(as_text=True)
    assert f"/articles/{bilingual.id}" in page and "<mark>月球样品</mark>" in page


def test_a_second_language_is_checked(app):
    with pytest.raises(DomainError) as error:
        clean_translation("en", "", "月球", "", "")
    assert error.value.field == "translated_language"
    with pytest.raises(DomainError):
        clean_translation("zh", "zh", "月球", "", "")
    with pytest.raises(DomainError):
        clean_translation("en", "zh", "", "只有摘要", "")
    assert clean_translation("en", "", "", "", "") == {"translated_language": "", "translated_title": "",
                                                        "translated_abstract": "", "translated_keywords": []}
    assert clean_translation("en", "ZH", " 月球 样品 ", "摘要", "月球; 月壤")["translated_keywords"] == ["月球", "月壤"]


def test_an_author_gives_a_second_language_and_production_starts_from_it(make_journal, make_user):
    from journal.services import contributors as contributor_service
    from journal.services import drafts as draft_service
    from journal.services.production import metadata_from_submission

    journal = make_journal(default_language="zh")
    author = make_user(language="zh")
    submission = draft_service.start_submission(author, journal, section_id=journal.sections[0].id,
                                                checklist_confirmed=True)
    draft_service.update_metadata(author, submission, title="Lunar sample heat flow", abstract="Heat flow.",
                                  keywords="moon", translated_language="zh", translated_title="月球样品热流",
                                  translated_abstract=ZH_ABSTRACT, translated_keywords="月球；月壤")
    assert (submission.translated_language, submission.translated_keywords) == ("zh", ["月球", "月壤"])
    draft_service.update_metadata(author, submission, title="Lunar sample heat flow", abstract="Heat flow.",
                                  keywords="moon")
    assert submission.translated_title == "月球样品热流", "a form without the second language leaves it as it was"
    contributor_service.add_contributor(author, submission, given_name="Wei", family_name="Li",
                                        email="li.wei@example.cn", native_name="李伟",
                                        translated_affiliation="国家空间科学中心", mail_language="zh")
    metadata = metadata_from_submission(submission)
    assert metadata["translated_title"] == "月球样品热流" and metadata["translated_abstract"] == ZH_ABSTRACT
    wei = next(c for c in metadata["contributors"] if c["family_name"] == "Li")
    assert wei["native_name"] == "李伟" and wei["translated_affiliation"] == "国家空间科学中心"


def test_the_article_page_shows_both_languages_each_marked(client, bilingual):
    page = client.get(f"/j/cjdse/articles/{bilingual.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<h1 id="article-title" lang="en" dir="ltr">Thermal conductivity' in page
    assert '<p class="article-translated-title" lang="zh-Hans" dir="ltr">嫦娥五号月球样品的热导率</p>' in page
    assert '<div class="abstract" lang="zh-Hans" dir="ltr">' in page and ZH_ABSTRACT in page
    assert '<span class="article-author-native" lang="zh-Hans">(李伟)</span>' in page
    assert "中国科学院国家空间科学中心" in page and "Abstract <span class=\"meta\">(Chinese)</span>" in page
    # For machines: Highwire tags and JSON-LD carry the second language too.
    assert '<meta name="citation_title" content="嫦娥五号月球样品的热导率" lang="zh-Hans">' in page
    assert '<meta name="citation_keywords" content="月球; 月壤" lang="zh-Hans">' in page
    import json
    import re

    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1))
    assert data["alternativeHeadline"] == {"@value": "嫦娥五号月球样品的热导率", "@language": "zh"}
    assert {"@value": ZH_ABSTRACT, "@language": "zh"} in data["abstract"]
    assert data["author"][0]["alternateName"] == "李伟"
    chinese = client.get(f"/j/cjdse/articles/{bilingual.id}", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "(中文)" in chinese and "(英语)" in chinese, "language names in the reader's language"
