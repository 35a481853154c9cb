"""Reads never write, and usage is counted by COUNTER Release 5 (journal/services/usage.py, journal/usage_buffer.py).

A known log goes through the buffer (files, or a real Redis) and the flush; every figure of the report, page and
CSVs, is checked against the answers computed by hand below. A crawl of the public site counts the SQL statements
that write: none. A flush stopped half way counts nothing twice.
"""

import csv
import io
from datetime import UTC, datetime

import pytest
import redis
from lxml import html
from sqlalchemy import event

from journal.extensions import db
from journal.models import BEFORE_COUNTER, ArticleUsage, UsageBatch
from journal.services import usage
from journal.usage_buffer import DOWNLOAD, VIEW, FileBuffer, RedisBuffer, UsageEvent, is_robot, visitor_key
from tests.conftest import buffered_usage, make_config
from tests.test_public_site import site  # noqa: F401  (the fixture)

BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def known_log(a: int, b: int) -> list[UsageEvent]:
    """Three readers (s1, s2, s3) and a robot on articles A and B over March and April 2026."""

    def e(article, kind, when, who, robot=False):
        return UsageEvent(article, kind, at(when), who, robot)

    return [
        e(a, VIEW, "2026-03-10T09:00:00", "s1"),  # 1: the first of a double click (10 s): removed (§7.2)
        e(a, VIEW, "2026-03-10T09:00:10", "s1"),  # 2: retained
        e(a, VIEW, "2026-03-10T09:00:50", "s1"),  # 3: 40 s after 2: a click of its own
        e(a, DOWNLOAD, "2026-03-10T09:01:00", "s1"),  # 4: a request, same user-session (s1, 10 March, 9 h)
        e(a, VIEW, "2026-03-10T10:05:00", "s1"),  # 5: the next hour: a new user-session (§7.3)
        e(a, VIEW, "2026-03-10T09:00:05", "s2"),  # 6: another reader
        e(a, DOWNLOAD, "2026-03-10T09:00:20", "s2"),  # 7: first of a double click (25 s): removed
        e(a, DOWNLOAD, "2026-03-10T09:00:45", "s2"),  # 8: retained
        e(a, VIEW, "2026-03-10T09:30:00", "bot", robot=True),  # 9: a robot (§7.8): nothing
        e(b, DOWNLOAD, "2026-03-11T04:00:00", "bot", robot=True),  # 10: a robot: nothing
        e(b, VIEW, "2026-03-31T23:59:50", "s3"),  # 11: first of a double click across the month: removed
        e(b, VIEW, "2026-04-01T00:00:05", "s3"),  # 12: retained, in April
        e(b, DOWNLOAD, "2026-04-02T12:00:00", "s3"),  # 13
        e(b, VIEW, "2026-04-02T12:00:00", "s1"),  # 14
        e(a, VIEW, "2026-04-15T08:00:00", "s2"),  # 15
        e(a, DOWNLOAD, "2026-04-15T08:10:00", "s2"),  # 16: same user-session as 15
    ]


# By hand. A in March: views 2, 3, 5, 6 and downloads 4, 8 are investigations (6); user-sessions (s1, 9 h),
# (s1, 10 h), (s2, 9 h): 3 unique investigations; requests 4, 8: 2, in two sessions: 2 unique.
# A in April: 15, 16 → 2 investigations, 1 unique; 1 request, 1 unique.
# B in April: 12, 13, 14 → 3 investigations in three sessions; 13 → 1 request, 1 unique. B in March: nothing.
A_MARCH, A_APRIL, B_APRIL = (6, 3, 2, 2), (2, 1, 1, 1), (3, 3, 1, 1)
MARCH, APRIL = (6, 3, 2, 2), (5, 4, 2, 2)  # the journal
WHOLE = (11, 7, 4, 4)
A_2026, B_2026 = (8, 4, 3, 3), (3, 3, 1, 1)
AFTER = "2026-05-01T00:30"  # every event's hour is over
# Flushing as time passes: before the first hour is over (nothing counted), just after the month's last hour
# (event 11 counted in March only if event 12, past the cutoff, were not seen), then at the end.
STEPS = ["2026-03-10T09:30", "2026-04-01T00:02:30", AFTER]


def stored(article_id: int) -> dict:
    db.session.expire_all()
    return {u.month.strftime("%Y-%m"): tuple(getattr(u, m) for m in usage.METRICS)
            for u in db.session.query(ArticleUsage).filter_by(article_id=article_id)}


def feed(events: list[UsageEvent]) -> None:
    for e in events:
        usage.record(e)


def check_stored(site) -> None:
    a, b = site["main"].id, site["second"].id
    assert stored(a) == {"2026-03": A_MARCH, "2026-04": A_APRIL}
    assert stored(b) == {"2026-04": B_APRIL}


@pytest.mark.parametrize("steps", [[AFTER], STEPS], ids=["one flush", "flushes as time passes"])
def test_a_known_log_gives_every_figure_of_the_report(client, login, site, steps):
    a, b = site["main"], site["second"]
    feed(known_log(a.id, b.id))
    for step in steps:
        usage.flush(moment(step))
    check_stored(site)
    assert buffered_usage() == []
    assert usage.flush(moment(AFTER)).events == 0  # again: nothing left, nothing added
    check_stored(site)

    login(site["manager"])
    tree = html.fromstring(client.get("/editorial/jdse/usage?period=2026").get_data(as_text=True))
    months = {row.xpath("th")[0].text_content().strip(): tuple(int(td.text_content()) for td in row.xpath("td"))
              for row in tree.xpath("//table[contains(@class,'usage-months')]/tbody/tr")}
    assert len(months) == 12
    assert months["2026-03"] == MARCH and months["2026-04"] == APRIL
    assert all(v == (0, 0, 0, 0) for k, v in months.items() if k not in ("2026-03", "2026-04"))
    articles = {row.xpath("th")[0].text_content().strip(): tuple(int(td.text_content()) for td in row.xpath("td"))
                for row in tree.xpath("//table[contains(@class,'usage-articles')]/tbody/tr")}
    titles = {a.current_version.title: A_2026, b.current_version.title: B_2026}
    assert articles == titles
    assert [int(dd.text_content()) for dd in tree.xpath("//dl[@class='statistics-summary']//dd")] == list(WHOLE)
    assert tree.xpath("//svg[@role='img']//circle")  # the chart of the same months

    rows = list(csv.reader(io.StringIO(client.get("/editorial/jdse/usage/months.csv?period=2026").get_data(as_text=True))))
    assert rows[0] == ["month", *usage.METRICS]
    by_month = {r[0]: tuple(map(int, r[1:])) for r in rows[1:]}
    assert by_month["2026-03"] == MARCH and by_month["2026-04"] == APRIL and len(by_month) == 12
    rows = list(csv.reader(io.StringIO(client.get("/editorial/jdse/usage/articles.csv?period=2026").get_data(as_text=True))))
    assert rows[0] == ["article_id", "doi", "title", "month", *usage.METRICS]
    assert [(int(r[0]), r[3], tuple(map(int, r[4:]))) for r in rows[1:]] == [
        (x, m, v) for x, m, v in sorted([(a.id, "2026-03", A_MARCH), (a.id, "2026-04", A_APRIL),
                                         (b.id, "2026-04", B_APRIL)])]
    one = client.get(f"/editorial/jdse/usage/months.csv?period=2026&article={b.id}").get_data(as_text=True)
    assert {r[0]: tuple(map(int, r[1:])) for r in list(csv.reader(io.StringIO(one)))[1:]}["2026-04"] == B_APRIL

    # Readers see the totals on the article page; its authors on their list of submissions.
    client.post("/logout")
    page = html.fromstring(client.get(f"/j/jdse/articles/{a.id}").get_data(as_text=True))
    assert page.xpath("//dd[@class='usage-views']")[0].text_content() == "8"
    assert page.xpath("//dd[@class='usage-downloads']")[0].text_content() == "3"
    login(a.submission.submitter)
    mine = client.get("/my/submissions").get_data(as_text=True)
    assert "8 views · 3 downloads" in mine and "3 views · 1 download" in mine


def test_what_was_counted_before_counter_counting_stays_in_the_totals(client, login, site):
    a = site["main"]
    db.session.add(ArticleUsage(article_id=a.id, month=BEFORE_COUNTER, total_item_investigations=12,
                                unique_item_investigations=0, total_item_requests=5, unique_item_requests=0))
    db.session.commit()
    feed(known_log(a.id, site["second"].id))
    usage.flush(moment(AFTER))
    page = html.fromstring(client.get(f"/j/jdse/articles/{a.id}").get_data(as_text=True))
    assert page.xpath("//dd[@class='usage-views']")[0].text_content() == "20"  # 12 + 8
    login(site["manager"])
    for url in ("/editorial/jdse/usage?period=2026", f"/editorial/jdse/usage?period=2026&article={a.id}"):
        tree = html.fromstring(client.get(url).get_data(as_text=True))
        assert "12 views, 5 downloads" in tree.xpath("//p[@class='usage-before-counter']")[0].text_content()
        assert [int(dd.text_content()) for dd in tree.xpath("//dl[@class='statistics-summary']//dd")][0] == 8 + (
            3 if "article" not in url else 0)  # the months hold only what COUNTER counted


def test_the_report_is_for_the_journals_managing_editors_only(client, login, site, make_user):
    from journal.models import Role

    editor = make_user("ed@example.org", roles={site["journal"]: Role.EDITOR})
    for url in ("/editorial/jdse/usage", "/editorial/jdse/usage/months.csv", "/editorial/jdse/usage/articles.csv"):
        login(editor)
        assert client.get(url).status_code == 403, url
        login(site["manager"])
        assert client.get(url).status_code == 200, url
        client.post("/logout")
        assert client.get(url).status_code == 302, url  # to the login page


# --- a flush stopped half way ---------------------------------------------------------------------------------

class Stop(Exception):
    pass


@pytest.mark.parametrize("where", ["before the commit", "after the commit"])
def test_a_flush_stopped_half_way_counts_nothing_twice(site, monkeypatch, where):
    feed(known_log(site["main"].id, site["second"].id))
    store = usage.buffer()
    if where == "before the commit":
        real = usage.add_counts

        def add_then_stop(events, cutoff):
            real(events, cutoff)
            db.session.flush()  # the rows are written, not committed
            raise Stop()

        monkeypatch.setattr(usage, "add_counts", add_then_stop)
    else:
        monkeypatch.setattr(type(store), "finish", lambda *args: (_ for _ in ()).throw(Stop()))
    with pytest.raises(Stop):
        usage.flush(moment(AFTER))
    db.session.rollback()
    monkeypatch.undo()
    assert db.session.query(UsageBatch).count() == (0 if where == "before the commit" else 1)
    usage.flush(moment(AFTER))
    check_stored(site)
    usage.flush(moment(AFTER))
    check_stored(site)
    assert buffered_usage() == []


# --- the Redis buffer ----------------------------------------------------------------------------------------

@pytest.fixture
def redis_url(redis_server):
    redis.Redis.from_url(redis_server).flushdb()
    yield redis_server
    redis.Redis.from_url(redis_server).flushdb()


@pytest.fixture
def app_config(database_url, tmp_path, request):
    if "redis_buffer" not in request.keywords:
        return make_config(database_url, tmp_path / "storage")
    return make_config(database_url, tmp_path / "storage", USAGE_BUFFER_URL=request.getfixturevalue("redis_url"))


@pytest.mark.redis_buffer
def test_the_redis_buffer_shared_by_app_servers_counts_the_known_log(site, client, monkeypatch, redis_url):
    store = usage.buffer()
    assert isinstance(store, RedisBuffer)
    feed(known_log(site["main"].id, site["second"].id)[:8])
    other = RedisBuffer(redis_url)
    for e in known_log(site["main"].id, site["second"].id)[8:]:
        other.append(e)  # another app server
    assert store.redis.llen("journal:usage") == 16
    monkeypatch.setattr(RedisBuffer, "finish", lambda *args: (_ for _ in ()).throw(Stop()))
    with pytest.raises(Stop):
        usage.flush(moment(STEPS[1]))
    monkeypatch.undo()
    client.get(f"/j/jdse/articles/{site['main'].id}", headers={"User-Agent": BROWSER})  # meanwhile, a reader
    for step in STEPS:
        usage.flush(moment(step))
    a = site["main"].id
    assert stored(a) == {"2026-03": A_MARCH, "2026-04": A_APRIL}
    assert stored(site["second"].id) == {"2026-04": B_APRIL}
    assert store.redis.llen("journal:usage") == 1  # today's view waits for its hour to end
    assert not store.redis.exists("journal:usage:batch")


# --- reads never write ---------------------------------------------------------------------------------------

def test_a_crawl_of_the_public_site_writes_nothing_to_the_database(client, site):
    a, issue = site["main"], site["issue"]
    urls = ["/", "/j/jdse/", "/j/jdse/issues", f"/j/jdse/issues/{issue.id}", f"/j/jdse/articles/{a.id}",
            f"/j/jdse/articles/{a.id}/v1", f"/j/jdse/articles/{a.id}/pdf", f"/j/jdse/articles/{a.id}/cite.bib",
            f"/j/jdse/articles/{a.id}/cite.ris", f"/j/jdse/articles/{a.id}/jats.xml", "/search?q=regolith",
            "/j/jdse/feed.atom", "/sitemap.xml", "/sitemaps/pages.xml", "/sitemaps/articles-0.xml", "/robots.txt", "/oai?verb=Identify",
            "/oai?verb=ListRecords&metadataPrefix=oai_dc", f"/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier="
            f"oai:journal.test:article/{a.id}", "/language?lang=fr"]
    writes = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().split(None, 1)[0].upper() in ("INSERT", "UPDATE", "DELETE", "REPLACE", "MERGE"):
            writes.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        for url in urls:
            response = client.get(url, headers={"User-Agent": BROWSER})
            assert response.status_code in (200, 302, 303), (url, response.status_code)
            if url.endswith("/pdf"):
                assert client.get(response.headers["Location"]).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert writes == []
    assert buffered_usage(a.id) == [(a.id, VIEW), (a.id, VIEW), (a.id, DOWNLOAD)]


# --- the rules' parts ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("agent", "robot"), [
    (BROWSER, False), ("Googlebot/2.1 (+http://www.google.com/bot.html)", True), ("python-requests/2.31", True),
    ("Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)", True), (None, True), ("", True),
    ("WGET/1.21", True)])
def test_robots_are_the_counter_lists_patterns_in_any_case(agent, robot):
    assert is_robot(agent) is robot


def test_the_visitor_is_a_keyed_hash_never_the_address():
    key = visitor_key("secret", user_id=None, address="192.0.2.7", user_agent=BROWSER)
    assert "192.0.2.7" not in key and len(key) == 32
    assert key != visitor_key("other", user_id=None, address="192.0.2.7", user_agent=BROWSER)
    assert key != visitor_key("secret", user_id=None, address="192.0.2.8", user_agent=BROWSER)
    assert visitor_key("secret", user_id=5, address="192.0.2.7", user_agent=BROWSER) == \
        visitor_key("secret", user_id=5, address="198.51.100.1", user_agent="x")


def test_the_file_buffer_takes_only_minutes_that_are_over(tmp_path):
    store = FileBuffer(tmp_path)
    store.append(UsageEvent(1, VIEW, at("2026-03-10T09:00:10"), "s", False))
    store.append(UsageEvent(1, VIEW, at("2026-03-10T09:01:10"), "s", False))
    with store.flushing(moment("2026-03-10T09:02:30")) as take:  # 09:00 ended a minute ago, 09:01 just now
        batch, events, resumed = take()
        assert [e.at for e in events] == [at("2026-03-10T09:00:10")] and not resumed
    with store.flushing(moment("2026-03-10T09:02:30")) as take:
        assert take()[0] == batch and take()[2]  # not finished: the same batch again
        store.finish(batch, events)
        store.finish(batch, events)  # finishing twice puts the events back once
    assert len(list(tmp_path.glob("*.jsonl"))) == 2


def test_the_flush_command_counts_and_says_what_it_did(app, site):
    feed(known_log(site["main"].id, site["second"].id))
    result = app.test_cli_runner().invoke(args=["journal", "flush-usage", "--now", "2026-04-01T00:02:30"])
    assert result.exit_code == 0, result.output
    # Taken: the minutes that are over, events 1-12. Before the cutoff (1 April 00:00): 1-11, counted 2, 3, 4, 5,
    # 6, 8 (1 and 7 were double clicks, 9 and 10 robots, 11 the first of a double click with 12); 12 waits.
    assert "11 events flushed in 1 batch(es), 6 counted" in result.output and "; 1 wait" in result.output
    result = app.test_cli_runner().invoke(args=["journal", "flush-usage", "--now", AFTER])
    assert "5 events flushed" in result.output
    check_stored(site)


def test_a_buffer_that_does_not_answer_loses_the_count_not_the_page(app, client, site):
    app.extensions["usage_buffer"] = RedisBuffer("redis://127.0.0.1:1/0")  # nothing listens there
    response = client.get(f"/j/jdse/articles/{site['main'].id}", headers={"User-Agent": BROWSER})
    assert response.status_code == 200


def test_production_counts_in_the_shared_redis_unless_told_otherwise(monkeypatch):
    """Files on each app server would be flushed only where the flush job runs: production's buffer is the rate
    limits' Redis unless USAGE_BUFFER_URL says otherwise."""
    import importlib

    import config

    try:
        monkeypatch.setenv("RATELIMIT_STORAGE_URL", "redis://127.0.0.1:6379/0")
        monkeypatch.delenv("USAGE_BUFFER_URL", raising=False)
        assert importlib.reload(config).ProductionConfig.USAGE_BUFFER_URL == "redis://127.0.0.1:6379/0"
        monkeypatch.setenv("USAGE_BUFFER_URL", "file:///srv/usage")
        assert importlib.reload(config).ProductionConfig.USAGE_BUFFER_URL == "file:///srv/usage"
        monkeypatch.delenv("USAGE_BUFFER_URL")
        monkeypatch.setenv("RATELIMIT_STORAGE_URL", "memory://")
        assert importlib.reload(config).ProductionConfig.USAGE_BUFFER_URL == ""  # files, as in development
    finally:
        monkeypatch.undo()
        importlib.reload(config)
