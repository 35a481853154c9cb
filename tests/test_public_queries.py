"""Readers at scale: with the page cache off (every request reaches the app), the journal's home, an issue and an
article each cost an anonymous reader at most four SQL statements, none of them a write."""

import re

import pytest
from sqlalchemy import event

from journal.extensions import db
from tests.test_public_site import site  # noqa: F401 - the published journal these tests read

BUDGET = 4
WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


@pytest.fixture
def app_config(app_config):
    return type("Config", (app_config,), {"PAGE_CACHE_URL": "none"})


@pytest.fixture
def statements(app):
    seen = []
    listener = lambda *args: seen.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    yield seen
    event.remove(db.engine, "before_cursor_execute", listener)


def reader_pages(site):
    return {"journal home": "/j/jdse/", "issue": f"/j/jdse/issues/{site['issue'].id}",
            "article": f"/j/jdse/articles/{site['main'].id}"}


@pytest.mark.parametrize("page", ["journal home", "issue", "article"])
def test_a_reader_page_costs_at_most_four_statements_and_writes_nothing(client, site, statements, page):
    url = reader_pages(site)[page]
    for visit in ("first", "again"):  # no page cache: the second visit costs the same
        statements.clear()
        response = client.get(url)
        assert response.status_code == 200, (url, visit)
        assert "X-Page-Cache" not in response.headers
        shown = "\n".join(" ".join(s.split())[:100] for s in statements)
        assert len(statements) <= BUDGET, (url, visit, shown)
        assert not [s for s in statements if WRITE.match(s)], (url, visit, shown)


def test_the_journal_home_shows_its_sections_current_issue_latest_and_news_from_those_statements(client, site):
    from journal.services import journals as journal_service

    journal_service.post_announcement(site["manager"], site["journal"], title="Call for papers", body="On Titan.")
    page = client.get("/j/jdse/").get_data(as_text=True)
    for shown in ("Research Article, Letter", "Lunar surface", "A short note on lunar dust", "Ion drift at Ganymede",
                  "Dust devils on Mars", "Call for papers"):
        assert shown in page, shown
    # The table of contents keeps the journal's order of sections: the research articles before the letter.
    assert page.index("Ion drift at Ganymede") < page.index("A short note on lunar dust")


def test_a_journal_that_publishes_continuously_keeps_its_home_within_the_budget(client, site, statements):
    from journal.web.public import reading

    journal = site["journal"]
    journal.publishes_continuously = True
    db.session.commit()
    statements.clear()
    response = client.get("/j/jdse/")
    assert response.status_code == 200
    assert len(statements) <= BUDGET, "\n".join(" ".join(s.split())[:100] for s in statements)
    # The one statement gives the same two lists, in the same order, as the two queries it replaces.
    for limit in (1, 2, 20):
        latest, early = reading.latest_and_online_first(journal, limit)
        assert [a.id for a in latest] == [a.id for a in reading.latest_articles(journal, limit)]
        assert [a.id for a in early] == [a.id for a in reading.online_first(journal, limit)]
    assert latest and all(a.current_version is not None for a in latest + early)
