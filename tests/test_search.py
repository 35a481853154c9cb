"""Article search: readers find published articles by words in the title, abstract, keywords and author names,
best first, filtered and paged, on SQLite (FTS5) and PostgreSQL (full-text search) alike; nothing unpublished,
retracted articles marked, and no query a reader can type breaks it."""

import pytest
from sqlalchemy import text

from journal.extensions import db
from journal.models import Role
from journal.search import parse_query, search_articles
from journal.services import after_publication, production
from journal.services import issues as issue_service
from journal.services import proofs as proof_service
from tests.test_production import accepted_paper, galley_pdf, office  # noqa: F401  (fixture)

NASTY = ['"', 'dust"', '"dust', '""', "'", "AND", "dust AND", "OR", "or dust", "dust OR", "NOT", "NOT dust",
         "dust NOT", "*", "dust*", "*dust", "-", "--", "- dust", "-dust", "(", ")", "(dust", "NEAR(dust devils)",
         "title:dust", "^dust", "dust:", "{title}: dust", "+dust", "dust; DROP TABLE articles;--", "%", "_", "\\",
         "dust\x00", "\x00", "\u00fc\u00df", "\U0001f680", "d" * 3000, "dust " * 400, "&amp; <b>", "\u2212dust",
         "'dust'", "dust'", "$q = -k\\nabla T$", "a the of"]


@pytest.fixture(autouse=True)
def empty_index(app):
    """Rows deleted after earlier tests take their index rows with them; start from an empty index anyway."""
    db.session.execute(text("DELETE FROM article_search"))
    db.session.commit()


def produce(office, title, *, abstract="A study.", keywords="planets", authors=None, section=0):
    """An accepted paper in production with this metadata, proofs approved (not yet in an issue)."""
    journal, people = office
    submission = accepted_paper(journal, people["author"], people["manager"], title=title)
    if section:
        submission.section = journal.sections[section]
        db.session.commit()
    article = production.start_production(people["manager"], submission)
    production.upload_galley(people["manager"], article, galley_pdf(title), "final.pdf")
    metadata = production.metadata_of(article.current_version)
    metadata.update(abstract=abstract, keywords=keywords)
    if authors:
        metadata["contributors"] = metadata["contributors"] + [
            {"given_name": given, "family_name": family, "affiliation": "Somewhere"} for given, family in authors]
    production.confirm_metadata(people["manager"], article, **metadata)
    proof_service.request_proofs(people["manager"], article)
    proof_service.approve_proofs(people["author"], article)
    return article


def publish(office, articles, *, volume=1, number=1, year=2026):
    journal, people = office
    issue = issue_service.create_issue(people["manager"], journal, volume=volume, number=number, year=year)
    for n, article in enumerate(articles):
        issue_service.schedule_article(people["manager"], article, issue_id=issue.id, first_page=3 * n + 1,
                                       last_page=3 * n + 3)
    issue_service.publish_issue(people["manager"], issue)
    return issue


@pytest.fixture
def library(office):
    """Four published articles in Vol. 1 No. 1 (2026) and one in production."""
    dust = produce(office, "Dust devils on Mars", abstract="Convective vortices lift fine grains from the surface.",
                   keywords="aeolian processes, Mars")
    ions = produce(office, "Ion drift at Ganymede", abstract="Charged dust is carried along the field lines of the "
                   "moon's magnetosphere.", keywords="plasma")
    bow = produce(office, "Bow shocks of small bodies", abstract="Hybrid simulations of comets.",
                  keywords="magnetopause, comets", authors=[("Oyelaran", "Quist")])
    letter = produce(office, "A letter on crater counting", abstract="Ages of young surfaces from small craters.",
                     keywords="chronology", section=1)
    publish(office, [dust, ions, bow, letter])
    hidden = produce(office, "Zebrafish dust in orbit", abstract="Never published.", keywords="secret")
    return {"dust": dust, "ions": ions, "bow": bow, "letter": letter, "hidden": hidden}


def ids(page):
    return [hit.article.id for hit in page.hits]


def test_words_in_title_abstract_keywords_and_author_names_are_found(library):
    assert ids(search_articles("devils")) == [library["dust"].id]
    assert ids(search_articles("vortices grains")) == [library["dust"].id]  # abstract
    assert ids(search_articles("magnetopause")) == [library["bow"].id]  # keyword
    assert ids(search_articles("aeolian processes")) == [library["dust"].id]
    assert ids(search_articles("Quist")) == [library["bow"].id]  # an author's name
    assert ids(search_articles("Oyelaran Quist")) == [library["bow"].id]
    assert ids(search_articles("devil")) == [library["dust"].id]  # stemmed: devils
    assert ids(search_articles("comets")) == [library["bow"].id]
    assert search_articles("Chen").total == 4  # the submitting author of every article
    assert ids(search_articles('"ion drift"')) == [library["ions"].id]
    assert ids(search_articles('"drift ion"')) == []
    assert set(ids(search_articles("Ganymede or craters"))) == {library["ions"].id, library["letter"].id}
    assert set(ids(search_articles("dust -magnetosphere"))) == {library["dust"].id}


def test_a_title_match_ranks_above_an_abstract_match(library):
    page = search_articles("dust")
    assert ids(page) == [library["dust"].id, library["ions"].id]
    assert page.hits[0].rank > page.hits[1].rank
    assert str(page.hits[0].title) == "<mark>Dust</mark> devils on Mars"
    assert "<mark>dust</mark>" in str(page.hits[1].snippet).lower()


def test_unpublished_articles_are_never_found(library):
    for query in ("zebrafish", "secret", "Never published", "orbit"):
        assert search_articles(query).total == 0
    assert library["dust"].id in ids(search_articles("dust"))


def test_filters_by_journal_year_and_section(library, office, make_journal, make_user):
    journal, people = office
    letter_section = journal.sections[1]
    assert ids(search_articles("Chen", section=letter_section.id)) == [library["letter"].id]
    assert search_articles("Chen", year=2026).total == 4 and search_articles("Chen", year=2025).total == 0
    later = produce(office, "Dust storms of 2027", abstract="Global dust storms.")
    publish(office, [later], number=2, year=2027)
    assert ids(search_articles("dust", year=2027)) == [later.id]
    assert search_articles("dust").total == 3
    other = make_journal("other", title="Other Journal", doi_prefix="10.59998")
    other_people = {"manager": make_user(roles={other: Role.MANAGING_EDITOR}), "author": people["author"]}
    elsewhere = produce((other, other_people), "Dust in other places")
    publish((other, other_people), [elsewhere])
    assert ids(search_articles("dust", journal=other)) == [elsewhere.id]
    assert search_articles("dust", journal=journal.id).total == 3
    assert search_articles("dust").total == 4


def test_results_come_in_pages(library):
    everything = search_articles("Chen", per_page=3)
    assert everything.total == 4 and everything.pages == 2 and len(everything.hits) == 3
    second = search_articles("Chen", per_page=3, page=2)
    assert len(second.hits) == 1 and not second.has_next and second.has_previous
    assert set(ids(everything)) | set(ids(second)) == {a.id for k, a in library.items() if k != "hidden"}
    beyond = search_articles("Chen", per_page=3, page=9)
    assert beyond.hits == [] and beyond.total == 4


def test_a_corrected_article_is_found_by_its_new_title_and_a_retracted_one_is_marked(library, office):
    journal, people = office
    article = library["ions"]
    metadata = {**production.metadata_of(article.current_version), "title": "Ion drift at Callisto"}
    after_publication.correct_metadata(people["manager"], article, change_note="The moon was misnamed.", **metadata)
    assert ids(search_articles("Callisto")) == [article.id]
    assert search_articles("Ganymede").total == 0
    after_publication.retract(people["manager"], library["dust"], notice="Retracted at the authors' request: the "
                              "vortex counts were duplicated.")
    page = search_articles("dust")
    assert [hit.is_retracted for hit in page.hits] == [True, False]


def test_no_query_a_reader_types_is_an_error(library, client):
    for query in NASTY:
        assert search_articles(query).total >= 0
        assert client.get("/search", query_string={"q": query}).status_code == 200, query
        assert client.get("/search", query_string={"q": query, "page": 2}).status_code in (200, 404), query


def test_queries_with_quotes_and_operators_still_find_their_words(library):
    dust = library["dust"].id
    for query in ('dust"', '"dust', "dust AND devils", "dust*", "(dust devils)", "dust, devils!",
                  "devils.", "devils;--", "'devils'"):
        assert dust in ids(search_articles(query)), query
    assert parse_query("* - ( ) \" '") is not None and not parse_query("* - ( ) \" '")


def test_the_search_page_lists_hits_with_links_marks_and_filters(library, client, office):
    journal, people = office
    body = client.get("/search", query_string={"q": "dust"}).get_data(as_text=True)
    assert "2 articles found" in body
    assert f'href="/j/jdse/articles/{library["dust"].id}"' in body
    assert "<mark>Dust</mark> devils on Mars" in body and "Vol. 1 No. 1 (2026)" in body and "Mei Chen" in body
    assert "Zebrafish" not in body
    filtered = client.get("/search", query_string={"q": "Chen", "journal": "jdse", "year": 2026,
                                                   "section": journal.sections[1].id}).get_data(as_text=True)
    assert "1 article found" in filtered and "A letter on crater counting" in filtered
    none = client.get("/search", query_string={"q": "nonexistentword"}).get_data(as_text=True)
    assert "No published article matches" in none


def test_the_search_page_pages_and_refuses_pages_past_the_last(library, client, monkeypatch):
    monkeypatch.setattr("journal.web.public.search.PER_PAGE", 3)
    first = client.get("/search", query_string={"q": "Chen"}).get_data(as_text=True)
    assert "page 1 of 2" in first and "/search?page=2&amp;q=Chen" in first
    second = client.get("/search?q=Chen&page=2").get_data(as_text=True)
    assert "page 2 of 2" in second and 'rel="prev"' in second
    assert client.get("/search?q=Chen&page=3").status_code == 404
    assert "page 1 of 2" in client.get("/search?q=Chen&page=abc").get_data(as_text=True)
    assert "page 1 of 2" in client.get("/search?q=Chen&page=-4").get_data(as_text=True)


def test_an_empty_query_gets_a_helpful_page(client, library):
    body = client.get("/search").get_data(as_text=True)
    assert "How to search" in body and "found" not in body
    body = client.get("/search?q=%22%2A%28").get_data(as_text=True)
    assert "has no words to search for" in body and "How to search" in body


def test_stored_text_is_escaped_in_results(office, client):
    article = produce(office, "Sodium <script>alert(1)</script> tails", abstract="Sodium & <b>potassium</b> tails.")
    publish(office, [article])
    body = client.get("/search?q=sodium").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in body and "<b>potassium</b>" not in body
    assert "&lt;script&gt;" in body and "<mark>Sodium</mark>" in body


def test_the_index_rebuilt_from_the_articles_finds_the_same(library):
    from journal.search import reindex_all

    before = [(ids(search_articles(q)), search_articles(q).total) for q in ("dust", "Quist", "Chen", "magnetopause")]
    assert reindex_all() == 4
    assert [(ids(search_articles(q)), search_articles(q).total)
            for q in ("dust", "Quist", "Chen", "magnetopause")] == before


def test_snippets_show_formulas_and_tex_commands_as_readable_text(office):
    article = produce(office, "Heat flow in regolith", abstract="The \\emph{thermal} diffusivity $\\alpha$ of the "
                      "regolith sets the heat flow $q = -k\\nabla T$ through the crust.")
    publish(office, [article])
    [hit] = search_articles("diffusivity").hits
    snippet = str(hit.snippet)
    assert "$" not in snippet and "\\" not in snippet and "emph" not in snippet
    assert "thermal" in snippet and "α" in snippet and "∇" in snippet and "<mark>diffusivity</mark>" in snippet


@pytest.mark.parametrize("recent", [1, 3, 10_000], ids=["rarer: all matches", "common: the newest rows", "both"])
def test_a_word_in_more_articles_than_are_ranked_is_ranked_among_the_newest_and_counted_as_more_than(
        library, client, monkeypatch, recent):
    # Four articles name Chen; only the newest two (by id) are ranked and paged, and the page says "more than 2".
    # On PostgreSQL `recent` says where a common word's candidates are looked for first: the same two either way.
    monkeypatch.setattr("journal.search.CANDIDATES", 2)
    monkeypatch.setattr("journal.search.RECENT", recent)
    found = search_articles("Chen")
    newest = sorted(library[k].id for k in ("dust", "ions", "bow", "letter"))[-2:]
    assert found.total == 3 and found.more_than_shown and found.shown == 2 and found.pages == 1
    assert sorted(ids(found)) == newest
    in_journal = search_articles("Chen", journal=library["dust"].journal_id)  # the window of the journal's rows
    assert in_journal.total == 3 and sorted(ids(in_journal)) == newest
    assert search_articles("Chen", page=2).hits == [] and search_articles("Chen", page=2).total == 3
    assert not search_articles("dust").more_than_shown and search_articles("dust").total == 2
    body = client.get("/search", query_string={"q": "Chen"}).get_data(as_text=True)
    assert "More than 2 articles found" in body and "4 articles found" not in body
    french = client.get("/search", query_string={"q": "Chen"}, headers={"Accept-Language": "fr"})
    assert "Plus de 2 articles trouvés" in french.get_data(as_text=True)
    beyond = client.get("/search?q=Chen&page=2")
    assert beyond.status_code == 404 and "Only the first 2 results can be paged through" in beyond.get_data(
        as_text=True)

