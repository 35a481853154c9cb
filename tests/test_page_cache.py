"""The page cache for anonymous readers (journal/page_cache.py): pages served whole from the store without a
database query, and never a stale one: after each change that readers see (an issue published, a correction, a
retraction, an announcement, the journal's settings, a section renamed, new usage figures, a release), every
public page served from the cache reads exactly as the same page made afresh by an app without a cache on the
same database. Signed-in people see live pages; 304s come from the store; the languages and codings are kept
apart; an article page served from the store still counts its view; Redis shared by two app servers.
"""

import brotli
import gzip
import re
from datetime import timedelta

import pytest
import redis
from sqlalchemy import event, update

from journal import create_app, page_cache
from journal.extensions import db
from journal.models import Article, utcnow
from journal.services import after_publication, production, usage
from journal.services import issues as issue_service
from journal.services import journals as journal_service
from journal.usage_buffer import UsageEvent
from tests.conftest import RequestIsolatingClient, buffered_usage, make_config
from tests.fixtures.s3 import free_ports
from tests.test_production import accepted_paper, ready_article
from tests.test_public_site import site  # noqa: F401 - the published journal these tests read

HIT, MISS = "hit", "miss"


@pytest.fixture
def statements(app):
    """The SQL statements the app runs, counted from the moment the test clears the list."""
    seen = []
    with app.app_context():
        engine = db.engine
    listener = lambda *args: seen.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    yield seen
    event.remove(engine, "before_cursor_execute", listener)


@pytest.fixture
def fresh(app_config):
    """The same site made afresh: an app without a page cache on the same database and storage."""
    other = create_app(type("Config", (app_config,), {"PAGE_CACHE_URL": "none"}))
    other.test_client_class = RequestIsolatingClient
    return other.test_client()


def urls(site):
    main, journal = site["main"], "/j/jdse"
    return [f"{journal}/articles/{main.id}", f"{journal}/articles/{main.id}/v1", f"{journal}/issues/{site['issue'].id}",
            f"{journal}/", f"{journal}/issues", f"{journal}/feed.atom", f"{journal}/articles/{main.id}/cite.bib",
            f"{journal}/articles/{main.id}/cite.ris", f"{journal}/articles/{main.id}/jats.xml", "/sitemap.xml", "/",
            "/search?q=heat", "/search?q=lunar&journal=jdse", "/oai?verb=ListRecords&metadataPrefix=oai_dc",
            f"/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:journal.test:article/{main.id}",
            "/oai?verb=Identify", "/sitemaps/pages.xml", "/sitemaps/articles-0.xml"]


def body(response) -> str:
    """The page as a reader reads it, apart from the OAI answer's own time (a minute's difference is allowed)."""
    return re.sub(r"<responseDate>[^<]*</responseDate>", "", response.get_data(as_text=True))


def warm(client, site):
    """Every public page read twice: the second time from the store (the first too, where no change touched it)."""
    for url in urls(site):
        first = client.get(url)
        assert first.status_code == 200 and first.headers.get("X-Page-Cache") in (HIT, MISS), url
        second = client.get(url)
        assert second.headers.get("X-Page-Cache") == HIT, url
        assert body(second) == body(first), url
    return {url: body(client.get(url)) for url in urls(site)}


def test_anonymous_readers_get_every_public_page_from_the_store_without_a_query(client, site, statements):
    for url in urls(site):
        client.get(url)
    statements.clear()
    for url in urls(site):
        response = client.get(url)
        assert response.status_code == 200 and response.headers["X-Page-Cache"] == HIT, url
        assert "Set-Cookie" not in response.headers and "X-Journal-Page-Cache" not in response.headers, url
    assert statements == []


def change_everything(site, author):
    """Each change readers see, with the pages it must change (at least these)."""
    journal, manager, main = site["journal"], site["manager"], site["main"]

    def publish():
        paper = accepted_paper(journal, author, manager, title="Cryovolcanism on Enceladus")
        ready_article(paper, manager, author, issue=site["draft"], pages=(6, 9))
        issue_service.publish_issue(manager, site["draft"])

    def correct():
        after_publication.correct_metadata(manager, main, change_note="The title missed a word.",
                                           **{**production.metadata_of(main.current_version),
                                              "title": "Heat flow through the lunar regolith"})

    def flush_usage():
        usage.flush(utcnow() + timedelta(hours=2))

    def announce():
        journal_service.post_announcement(manager, journal, title="Call for papers on Titan",
                                          body="Submissions open until June.")

    def unannounce():
        announcement = journal_service.announcements_of(journal)[0]
        journal_service.remove_announcement(manager, journal, announcement.id)

    def settings():
        journal_service.update_journal_settings(manager, journal, title="Journal of Deep Space Science")

    def rename_section():
        section = journal.sections[1]
        journal_service.update_section(manager, section, title="Short communications",
                                       abbreviation=section.abbreviation, policy=section.policy)

    def retract():
        after_publication.retract(manager, main, notice="Retracted at the authors' request: the heat flow "
                                                        "figures were computed with a wrong conductivity.")

    article, issue = f"/j/jdse/articles/{main.id}", f"/j/jdse/issues/{site['issue'].id}"
    return [
        (publish, ["/j/jdse/", "/j/jdse/issues", "/sitemap.xml", "/sitemaps/pages.xml", "/sitemaps/articles-0.xml",
                   "/oai?verb=ListRecords&metadataPrefix=oai_dc"]),
        (correct, [article, f"{article}/cite.bib", f"{article}/jats.xml", issue, "/search?q=heat"]),
        (flush_usage, [article]),
        (announce, ["/j/jdse/"]),
        (unannounce, ["/j/jdse/"]),
        (settings, [article, issue, "/j/jdse/", "/", "/j/jdse/feed.atom", f"{article}/cite.ris"]),
        (rename_section, [issue]),
        (retract, [article, issue, "/j/jdse/feed.atom", "/search?q=heat",
                   f"/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:journal.test:article/{main.id}"]),
    ]


def test_after_every_change_readers_see_the_page_as_made_afresh(client, fresh, site, make_user):
    for url in urls(site)[:2]:
        client.get(url)  # two views to count when the usage is flushed
    for change, touched in change_everything(site, make_user("kai@example.org", given_name="Kai", family_name="Berg")):
        before = warm(client, site)
        change()
        for url in urls(site):
            now, made_afresh = client.get(url), fresh.get(url)
            assert now.status_code == made_afresh.status_code == 200, (change.__name__, url)
            assert body(now) == body(made_afresh), (change.__name__, url)
        for url in touched:
            assert body(client.get(url)) != before[url], f"{change.__name__} did not change {url}"


def test_no_stale_retraction_notice_anywhere(client, site):
    main = site["main"]
    pages = [f"/j/jdse/articles/{main.id}", f"/j/jdse/articles/{main.id}/v1", f"/j/jdse/issues/{site['issue'].id}",
             "/j/jdse/feed.atom"]
    warm(client, site)
    after_publication.retract(site["manager"], main, notice="Retracted by the editors: the lunar heat flow data "
                                                            "were taken from another mission's archive.")
    for url in pages:
        response = client.get(url)
        assert response.headers["X-Page-Cache"] == MISS, url
        assert "Retracted" in response.get_data(as_text=True), url
    assert "another mission" in client.get(pages[0]).get_data(as_text=True)


def test_signed_in_people_get_live_pages_and_theirs_are_never_stored(client, site, login):
    article = f"/j/jdse/articles/{site['main'].id}"
    client.get(article)
    assert client.get(article).headers["X-Page-Cache"] == HIT
    login(site["manager"])
    mine = client.get(article)
    assert mine.status_code == 200 and "X-Page-Cache" not in mine.headers
    assert "Lena Sato" in mine.get_data(as_text=True) and "private" in mine.headers["Cache-Control"]
    assert client.get(f"/search?q=heat").headers.get("X-Page-Cache") is None
    client.post("/logout")
    client.delete_cookie("session")
    again = client.get(article)
    assert again.headers["X-Page-Cache"] == HIT and "Lena Sato" not in again.get_data(as_text=True)


def test_a_message_waiting_for_the_reader_is_shown_live(client, site):
    url = "/j/jdse/"
    client.get(url)
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "Your password was changed.")]
    response = client.get(url)
    assert response.headers.get("X-Page-Cache") is None and "Your password was changed." in response.get_data(as_text=True)
    assert client.get(url).headers["X-Page-Cache"] == HIT  # the message shown once, the page from the store again


def test_conditional_gets_are_answered_from_the_store_in_every_coding(client, site, statements):
    url = f"/j/jdse/articles/{site['main'].id}"
    plain = client.get(url).get_data()
    for coding, decode in (("br", brotli.decompress), ("gzip", gzip.decompress), ("identity", lambda data: data)):
        headers = {"Accept-Encoding": coding}
        first = client.get(url, headers=headers)
        second = client.get(url, headers=headers)
        assert second.headers["X-Page-Cache"] == HIT, coding
        assert second.headers.get("Content-Encoding", "identity") == coding
        assert decode(second.get_data()) == plain, coding
        statements.clear()
        again = client.get(url, headers={**headers, "If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304 and again.data == b"" and again.headers["X-Page-Cache"] == HIT, coding
        since = client.get(url, headers={**headers, "If-Modified-Since": first.headers["Last-Modified"]})
        assert since.status_code == 304, coding
        assert statements == [], coding
    head = client.head(url)
    assert head.status_code == 200 and head.data == b"" and head.headers["X-Page-Cache"] == HIT


def test_each_language_is_kept_apart(client, site):
    url = "/j/jdse/"
    for _ in range(2):
        chinese = client.get(url, headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"})
        english = client.get(url, headers={"Accept-Language": "en-GB,en;q=0.9"})
        client.set_cookie("lang", "fr")
        french = client.get(url, headers={"Accept-Language": "en-GB,en;q=0.9"})
        client.delete_cookie("lang")
        assert 'lang="zh-Hans"' in chinese.get_data(as_text=True)
        assert 'lang="en"' in english.get_data(as_text=True)
        assert 'lang="fr"' in french.get_data(as_text=True)
    assert chinese.headers["X-Page-Cache"] == english.headers["X-Page-Cache"] == french.headers["X-Page-Cache"] == HIT


def test_an_article_page_from_the_store_still_counts_its_view(client, site):
    url = f"/j/jdse/articles/{site['main'].id}"
    client.get(url, environ_base={"REMOTE_ADDR": "192.0.2.1"})
    counted = len(buffered_usage())
    for address in ("192.0.2.2", "192.0.2.3"):
        assert client.get(url, environ_base={"REMOTE_ADDR": address}).headers["X-Page-Cache"] == HIT
    client.head(url)  # a HEAD repeats a response: not counted
    events = buffered_usage()
    assert len(events) == counted + 2 and set(events) == {(site["main"].id, "view")}


def test_a_change_made_while_a_page_is_made_keeps_that_page_out_of_the_store(client, site, app, monkeypatch):
    from journal.web.public import views

    made = views.reading.journals_with_current_issue

    def made_during_a_publication():
        rows = made()
        app.extensions["journal.page_cache"].bump(["journal:999"])  # someone commits while the page is built
        return rows

    monkeypatch.setattr(views.reading, "journals_with_current_issue", made_during_a_publication)
    client.get("/")
    assert client.get("/").headers["X-Page-Cache"] == MISS
    monkeypatch.undo()
    client.get("/")
    assert client.get("/").headers["X-Page-Cache"] == HIT


def test_an_update_statement_that_bypasses_the_objects_drops_every_page(client, site):
    url = "/j/jdse/issues"
    client.get(url)
    db.session.execute(update(Article).where(Article.id == site["main"].id).values(first_page=3))
    db.session.commit()
    assert client.get(url).headers["X-Page-Cache"] == MISS


def test_a_store_that_fails_costs_the_cache_never_the_page(app_config, site):
    port, = free_ports(1)  # nothing listens there
    app = create_app(type("Config", (app_config,), {"PAGE_CACHE_URL": f"redis://127.0.0.1:{port}/0"}))
    client = app.test_client()
    for _ in range(2):
        response = client.get("/j/jdse/")
        assert response.status_code == 200 and "Journal of Deep Space Exploration" in response.get_data(as_text=True)


def test_production_refuses_a_cache_that_only_one_worker_sees():
    from config import ProductionConfig

    settings = {"SECRET_KEY": "x" * 40, "RATELIMIT_STORAGE_URL": "redis://127.0.0.1:6379/0",
                "JOBS_URL": "redis://127.0.0.1:6379/2", "PAGE_CACHE_URL": "memory://"}
    with pytest.raises(RuntimeError, match="PAGE_CACHE_URL"):
        ProductionConfig.check(settings)
    ProductionConfig.check({**settings, "PAGE_CACHE_URL": "redis://127.0.0.1:6379/1"})
    ProductionConfig.check({**settings, "PAGE_CACHE_URL": "none"})


# --- Redis shared by several app servers ----------------------------------------------------------------------

@pytest.fixture
def shared_cache(redis_server):
    redis.Redis.from_url(redis_server).flushdb()
    yield redis_server
    redis.Redis.from_url(redis_server).flushdb()


def test_two_app_servers_share_the_store_and_its_invalidation(app_config, site, shared_cache, fresh):
    def server(**settings):
        app = create_app(type("Config", (app_config,), {"PAGE_CACHE_URL": shared_cache, **settings}))
        app.test_client_class = RequestIsolatingClient
        return app, app.test_client()

    (one, first), (two, second) = server(), server()
    url = f"/j/jdse/articles/{site['main'].id}"
    assert first.get(url).headers["X-Page-Cache"] == MISS
    assert second.get(url).headers["X-Page-Cache"] == HIT  # made by the first server, served by the second
    with one.app_context():  # the retraction is made on the first server
        main = db.session.get(Article, site["main"].id)
        manager = db.session.merge(site["manager"])
        after_publication.retract(manager, main, notice="Retracted by the editors: the figures were taken from "
                                                        "another mission's archive.")
    served = second.get(url)
    assert served.headers["X-Page-Cache"] == MISS and "another mission" in served.get_data(as_text=True)
    assert body(served) == body(fresh.get(url))
    assert second.get(url).headers["X-Page-Cache"] == HIT
    _release, newer = server(RELEASE="next")
    assert newer.get(url).headers["X-Page-Cache"] == MISS  # a release starts afresh
    keys = redis.Redis.from_url(shared_cache).keys("journal:pages:*")
    assert any(b"tag:article:" in key for key in keys) and any(b"page:" in key for key in keys)


def test_a_cached_article_view_is_appended_to_the_redis_usage_buffer_within_the_lookup(app_config, site, shared_cache,
                                                                                     monkeypatch):
    """Page cache in one database of a Redis server, the usage buffer in another: the lookup records the view
    (no app context, no second round trip), the same event the app would have recorded, and the cache's
    connection stays on its own database."""
    base = shared_cache.rsplit("/", 1)[0]
    buffer_url = f"{base}/5"
    redis.Redis.from_url(buffer_url).flushdb()
    app = create_app(type("Config", (app_config,), {"PAGE_CACHE_URL": shared_cache, "USAGE_BUFFER_URL": buffer_url}))
    client = app.test_client()
    a = site["main"].id
    url = f"/j/jdse/articles/{a}"
    agent = "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"
    assert client.get(url, environ_base={"REMOTE_ADDR": "192.0.2.1"}, headers={"User-Agent": agent}) \
        .headers["X-Page-Cache"] == MISS  # counted by the app
    slow = []
    monkeypatch.setitem(page_cache.HIT_HANDLERS, "view",
                        lambda environ, argument: slow.append(environ["REQUEST_METHOD"] + environ.get("HTTP_RANGE", "")))
    for address in ("192.0.2.1", "192.0.2.2"):
        hit = client.get(url, environ_base={"REMOTE_ADDR": address}, headers={"User-Agent": agent})
        assert hit.headers["X-Page-Cache"] == HIT and hit.status_code == 200
    assert client.get(url, headers={"Range": "bytes=100-"}).headers["X-Page-Cache"] == HIT  # not a new request
    client.head(url)  # nor is a HEAD
    assert slow == ["GETbytes=100-", "HEAD"]  # the app's handler (which counts neither) sees only these
    with app.app_context():
        events = [UsageEvent.from_json(line) for line in redis.Redis.from_url(buffer_url).lrange("journal:usage", 0, -1)]
    assert [(e.article_id, e.kind, e.robot) for e in events] == [(a, "view", False)] * 3
    assert events[0].visitor == events[1].visitor != events[2].visitor  # the app's own key for the same reader
    assert all(abs(e.at - utcnow().timestamp()) < 60 for e in events)
    robot = client.get(url, headers={"User-Agent": "Googlebot/2.1 (+http://www.google.com/bot.html)"})
    assert robot.headers["X-Page-Cache"] == HIT
    last = UsageEvent.from_json(redis.Redis.from_url(buffer_url).lrange("journal:usage", -1, -1)[0])
    assert last.robot and last.article_id == a
    assert redis.Redis.from_url(buffer_url).keys("journal:pages:*") == []  # nothing of the cache's in the buffer's
    assert client.get(url).headers["X-Page-Cache"] == HIT  # the cache's connection still reads its own database
    redis.Redis.from_url(buffer_url).flushdb()


def test_every_public_route_is_kept_by_the_cache_or_said_not_to_be(app):
    kept = {"public.home", "public.journal_home", "public.archive", "public.issue", "public.article",
            "public.article_version", "public.article_bibtex", "public.article_ris", "public.feed", "public.sitemap",
            "public.sitemap_pages", "public.sitemap_articles",
            "public.search", "oai.endpoint", "oai.article_jats", "public.article_figure",
            "public.article_peer_review"}
    live = {"public.article_pdf": "a signed link that expires", "public.article_version_pdf": "the same",
            "public.choose_language": "sets the reader's cookie",
            "public.robots": "written once per app: cheaper than a lookup in the shared store"}
    public = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.startswith(("public.", "oai."))
              and "/production/" not in rule.rule}
    assert public == kept | set(live)


def test_robots_static_files_and_the_health_check_are_answered_without_a_lookup(app, client):
    looked_up = []
    middleware = app.wsgi_app
    while middleware is not None and not hasattr(middleware, "store"):
        middleware = getattr(middleware, "wsgi_app", None) or getattr(middleware, "app", None)
    assert middleware is not None, "no page cache middleware in the app's WSGI stack"
    original = middleware.store.lookup
    middleware.store.lookup = lambda key, *args: looked_up.append(key) or original(key, *args)
    try:
        for url in ("/robots.txt", "/healthz", "/static/css/site.css", "/robots.txt"):
            assert "X-Page-Cache" not in client.get(url).headers, url
        assert looked_up == []
        assert client.get("/").headers["X-Page-Cache"] in (HIT, MISS) and len(looked_up) == 1
    finally:
        middleware.store.lookup = original
