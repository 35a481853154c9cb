"""SQL statements per request in response headers (journal/sql_count.py): on with JOURNAL_COUNT_SQL, for the load
benchmark (scripts/bench_pages.py); absent otherwise."""

import pytest

from journal import create_app
from journal.sql_count import STATEMENTS, WRITES
from tests.conftest import PASSWORD, RequestIsolatingClient
from tests.published import make_article, make_issue


@pytest.fixture
def counting_app(app_config):
    """An app of the test's database with the counting on; the `app` fixture's stays off."""
    counting = create_app(type("Config", (app_config,), {"JOURNAL_COUNT_SQL": True}))
    counting.test_client_class = RequestIsolatingClient
    return counting


@pytest.fixture
def journal(make_journal, make_user):
    journal = make_journal("counted", title="Journal of Counted Statements")
    make_article(journal, make_user(), issue=make_issue(journal), title="Statements on the Moon")
    return journal


def counts(response) -> tuple[int, int]:
    assert response.status_code == 200, response.status_code
    return int(response.headers[STATEMENTS]), int(response.headers[WRITES])


def test_robots_txt_needs_no_statement(counting_app):
    assert counts(counting_app.test_client().get("/robots.txt")) == (0, 0)


def test_journal_home_counts_its_queries_and_a_page_from_the_cache_none(counting_app, journal):
    client = counting_app.test_client()
    first = client.get("/j/counted/")
    statements, writes = counts(first)
    assert 0 < statements < 30 and writes == 0
    assert first.headers["X-Page-Cache"] == "miss"
    again = client.get("/j/counted/")
    assert again.headers["X-Page-Cache"] == "hit"
    assert counts(again) == (0, 0)  # what serving it cost, not the count stored with the page


def test_writes_are_counted_apart(counting_app, make_user):
    user = make_user("writer@example.org")
    response = counting_app.test_client().post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code in (200, 302)
    statements, writes = int(response.headers[STATEMENTS]), int(response.headers[WRITES])
    assert statements > writes >= (1 if response.status_code == 302 else 0)


def test_no_header_when_off(client, journal):
    for url in ("/robots.txt", "/j/counted/"):
        response = client.get(url)
        assert response.status_code == 200
        assert STATEMENTS not in response.headers and WRITES not in response.headers
