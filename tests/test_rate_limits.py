"""Login, registration and reset forms are rate-limited per client address."""

import http.client
import os
import re
import secrets
import subprocess
import sys
import time
import urllib.parse
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import redis

from tests.conftest import PASSWORD
from tests.fixtures.s3 import free_ports, stop


@pytest.fixture
def app_config(app_config):
    return type("Limited", (app_config,), {"RATELIMIT_ENABLED": True, "AUTH_RATE_LIMIT": "3 per minute"})


def test_repeated_failed_logins_are_slowed_down_with_a_clear_page(client, make_user):
    user = make_user()
    for _ in range(3):
        assert client.post("/login", data={"email": user.email, "password": "guess"}).status_code == 200
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "too many attempts" in response.get_data(as_text=True)
    assert client.get("/login").status_code == 200  # reading the page is not limited
    other_address = client.post("/login", data={"email": user.email, "password": PASSWORD},
                                environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other_address.status_code == 302


def test_password_reset_mails_cannot_be_used_to_flood_a_mailbox(client, make_user, outbox):
    user = make_user()
    for _ in range(5):
        client.post("/password/forgot", data={"email": user.email})
    assert len(outbox(user.email)) == 3


def test_reads_skip_the_limiter_while_the_forms_still_count(client, make_user):
    user = make_user()
    for _ in range(5):
        read = client.get("/login")
        assert read.status_code == 200 and "X-RateLimit-Limit" not in read.headers
    tried = client.post("/login", data={"email": user.email, "password": "guess"})
    assert tried.headers["X-RateLimit-Limit"] == "3" and tried.headers["X-RateLimit-Remaining"] == "2"


@pytest.fixture
def limits_everywhere_forgotten():
    """The limiter is one object for every app of the process: it keeps the first configured limits on every
    request, so that later tests' apps would inherit them."""
    from journal.extensions import limiter

    yield
    limiter.limit_manager.set_default_limits([])
    limiter.limit_manager.set_application_limits([])


@pytest.mark.parametrize("setting", ["RATELIMIT_DEFAULT", "RATELIMIT_APPLICATION"])
def test_a_configured_limit_on_every_request_still_limits_reads(app_config, setting, limits_everywhere_forgotten):
    from journal import create_app

    # Without the page cache: its hits are answered before Flask, and so before any limit, by design.
    app = create_app(type("Everywhere", (app_config,), {setting: "2 per minute", "PAGE_CACHE_URL": "none"}))
    client = app.test_client()
    answers = [client.get("/robots.txt") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[0].headers["X-RateLimit-Limit"] == "2"
    assert client.head("/robots.txt").status_code == 429
    assert client.get("/robots.txt", environ_base={"REMOTE_ADDR": "192.0.2.8"}).status_code == 200


def test_routes_are_limited_only_on_their_posts_through_limit_posts():
    # journal/extensions.py skips the limiter's hooks for reads; a route limit on reads would need them.
    for path in sorted((ROOT / "journal").rglob("*.py")):
        if path.name != "extensions.py":
            assert not re.search(r"\blimiter\b", path.read_text()), path


@pytest.fixture
def redis_url(redis_server):
    """The session's own Redis (tests/fixtures/redis_server.py), emptied: no count left by another test."""
    redis.Redis.from_url(redis_server).flushdb()
    yield redis_server
    redis.Redis.from_url(redis_server).flushdb()


def test_limits_are_shared_between_app_servers_through_redis(app_config, redis_url, make_user):
    from journal import create_app

    config = type("Redis", (app_config,), {"RATELIMIT_STORAGE_URL": redis_url})
    first, second = create_app(config).test_client(), create_app(config).test_client()
    user = make_user()
    for client in (first, second, first):
        assert client.post("/login", data={"email": user.email, "password": "guess"}).status_code == 200
    assert second.post("/login", data={"email": user.email, "password": "guess"}).status_code == 429


# --- Production: one count for every worker and app server -----------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def production_environment(tmp_path: Path, database_url: str, **settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("RATELIMIT_STORAGE_URL", "DATABASE_URL", "STORAGE_URL")}
    env.update(JOURNAL_ENV="production", SECRET_KEY=secrets.token_urlsafe(48), FORCE_HTTPS="0",
               DATABASE_URL=database_url, STORAGE_URL=(tmp_path / "storage").as_uri(),
               JOURNAL_INSTANCE_PATH=str(tmp_path / "instance"), BASE_URL="http://journal.test", **settings)
    return env


@pytest.mark.parametrize(("store", "refused"), [(None, True), ("memory://", True), ("redis://127.0.0.1:1/0", False)])
def test_production_refuses_to_start_with_limits_counted_in_each_worker(tmp_path, store, refused):
    settings = {"RATELIMIT_STORAGE_URL": store} if store else {}
    env = production_environment(tmp_path, f"sqlite:///{tmp_path / 'journal.sqlite3'}", **settings)
    started = subprocess.run([sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env, capture_output=True,
                             text=True, timeout=60)
    if refused:
        assert started.returncode != 0
        assert "RATELIMIT_STORAGE_URL must name a store that every app server and worker shares" in started.stderr
    else:
        assert started.returncode == 0, started.stderr[-2000:]


def login_form(port: int) -> tuple[str, str]:
    """A fresh visitor's session cookie and the login form's CSRF token (sent by hand: the cookie is Secure)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/login")
    response = conn.getresponse()
    page = response.read().decode()
    cookie = next(v.split(";")[0] for k, v in response.getheaders() if k == "Set-Cookie" and v.startswith("session="))
    return cookie, re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def wrong_password(port: int, cookie: str, csrf_token: str, email: str) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    body = urllib.parse.urlencode({"email": email, "password": "not the password", "csrf_token": csrf_token})
    conn.request("POST", "/login", body=body, headers={
        "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
    response = conn.getresponse()
    return response.status, response.read().decode()


def start_gunicorn(env: dict[str, str], log: Path) -> tuple[subprocess.Popen, int]:
    """`gunicorn -w 2` on a free port; its access log names the worker (pid) that answered each request."""
    port, = free_ports(1)
    with open(log, "wb") as out:
        server = subprocess.Popen(
            [str(BIN / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}", "--access-logfile", "-",
             "--access-logformat", "%(p)s %(m)s %(U)s %(s)s", "wsgi:app"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    return server, port


def wait_for_login_form(server: subprocess.Popen, port: int, log: Path) -> tuple[str, str]:
    deadline = time.monotonic() + 60
    while True:
        try:
            return login_form(port)
        except OSError:
            assert server.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.2)


def test_the_login_limit_holds_across_workers_and_app_servers(database_url, make_user, redis_server, tmp_path):
    """30 wrong passwords within a minute, alternating between two app servers that each run `gunicorn -w 2`,
    with AUTH_RATE_LIMIT "10 per minute": exactly 10 are answered as wrong passwords, the other 20 are refused."""
    email = make_user().email
    redis.Redis.from_url(redis_server).flushdb()  # the session's Redis: no count left by another backend's run
    env = production_environment(tmp_path, database_url, RATELIMIT_STORAGE_URL=redis_server,
                                 AUTH_RATE_LIMIT="10 per minute")
    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    servers = [start_gunicorn(env, log) for log in logs]
    try:
        cookie, csrf_token = [wait_for_login_form(server, port, log) for (server, port), log in zip(servers, logs)][0]
        ports = [port for _, port in servers]
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=4) as pool:
            answers = list(pool.map(lambda n: wrong_password(ports[n % 2], cookie, csrf_token, email), range(30)))
        assert time.monotonic() - started < 50
    finally:
        for server, _ in servers:
            stop(server, grace=10)
    statuses = Counter(status for status, _ in answers)
    assert statuses == {200: 10, 429: 20}, statuses
    assert all("The email address or the password is not right." in page for status, page in answers if status == 200)
    assert all("too many attempts" in page for status, page in answers if status == 429)
    workers = {line.split()[0] for log in logs for line in log.read_text().splitlines() if " POST /login " in line}
    assert len(workers) >= 2, "the attempts did not reach several workers, which would prove nothing"
