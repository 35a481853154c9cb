"""A reader's request carries no work it does not need: without cookies no session is opened for signing, no user is
looked for, the public rule loads nobody, the limiter stays out of reads, and each route's security headers are
worked out once. What they guard still holds: sign-ins (session, remember-me, CSRF), the headers, the limits."""

import io
import re

import pytest
from flask_login import LoginManager as FlaskLoginManager

from journal import create_app
from journal.extensions import login_manager
from journal.security_headers import HSTS
from tests.conftest import PASSWORD

SECURITY_HEADERS = ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy",
                    "Permissions-Policy", "Strict-Transport-Security")


@pytest.fixture
def app_config(app_config):
    return type("Uncached", (app_config,), {"PAGE_CACHE_URL": "none"})


@pytest.fixture
def user_loads(monkeypatch):
    """The ids flask-login asked the user loader for."""
    asked = []
    loader = login_manager._user_callback

    def counting(token):
        asked.append(token)
        return loader(token)

    monkeypatch.setattr(login_manager, "_user_callback", counting)
    return asked


def test_a_reader_without_cookies_gets_no_session_cookie_and_robots_no_vary_cookie(client, make_journal, user_loads):
    make_journal("jdse")
    for url in ("/robots.txt", "/", "/j/jdse/", "/j/jdse/issues", "/search?q=dust", "/login", "/no/such/page"):
        response = client.get(url)
        assert "Set-Cookie" not in response.headers, url
    robots = client.get("/robots.txt")
    assert robots.status_code == 200
    assert "Cookie" not in robots.vary  # the same text for everyone: a shared cache may keep one copy
    assert "Cookie" in client.get("/j/jdse/").vary  # a reader's page still says it differs for the signed-in
    assert user_loads == []


def test_the_flask_login_hooks_the_site_overrides_still_exist():
    # journal/extensions.py LoginManager overrides these private methods of flask-login 0.6: an upgrade that
    # renames them would silently bring back the work, so this fails first.
    for name in ("_load_user", "_update_request_context_with_user", "_update_remember_cookie"):
        assert callable(getattr(FlaskLoginManager, name, None)), name
    assert {"_request_callback", "_header_callback"} <= set(vars(FlaskLoginManager()))


def test_signed_in_people_are_still_known_by_session_and_by_remember_me_cookie(app, make_user, user_loads):
    user = make_user()
    browser = app.test_client()
    response = browser.post("/login", data={"email": user.email, "password": PASSWORD, "remember": "y"})
    assert response.status_code == 302
    assert browser.get_cookie("session") is not None and browser.get_cookie("remember_token") is not None
    assert browser.get("/account/profile").status_code == 200
    assert user_loads  # found through the session
    # The remember-me cookie alone (a browser restarted): signed in again, with a new session cookie.
    remembered = app.test_client()
    remembered.set_cookie("remember_token", browser.get_cookie("remember_token").value)
    response = remembered.get("/account/profile")
    assert response.status_code == 200
    assert remembered.get_cookie("session") is not None
    # Logging out clears both.
    assert browser.post("/logout").status_code == 302
    assert browser.get("/account/profile").status_code == 302


def test_a_sign_in_with_csrf_checked_works_and_a_form_without_its_token_is_refused(app_config, make_user):
    app = create_app(type("CSRF", (app_config,), {"WTF_CSRF_ENABLED": True}))
    user = make_user()
    browser = app.test_client()
    form = browser.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    assert browser.get_cookie("session") is not None  # the form's token lives in the session it opened
    refused = app.test_client().post("/login", data={"email": user.email, "password": PASSWORD})
    assert refused.status_code == 400
    response = browser.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    assert browser.get("/account/profile").status_code == 200


def security_headers(response) -> dict[str, str | None]:
    return {name: response.headers.get(name) for name in SECURITY_HEADERS}


@pytest.mark.parametrize("url", ["/robots.txt", "/", "/login", "/no/such/page", "/healthz", "/files/not-a-token"])
def test_security_headers_are_the_same_on_the_first_and_every_later_request(app_config, url):
    client = create_app(app_config).test_client()  # a new app: its first request works them out
    first = security_headers(client.get(url))
    assert first["Content-Security-Policy"] and "frame-ancestors 'none'" in first["Content-Security-Policy"]
    assert first["X-Frame-Options"] == "DENY" and first["X-Content-Type-Options"] == "nosniff"
    assert first["Strict-Transport-Security"] is None  # plain HTTP in development
    for _ in range(3):
        assert security_headers(client.get(url)) == first


def test_the_download_route_keeps_its_own_policy_and_pages_the_sites(app, client):
    from journal.web.files.views import DOWNLOAD_CSP

    storage = app.extensions["journal.storage"]
    storage.put("tests/anonymous-path", io.BytesIO(b"%PDF-1.4 test"))
    with app.test_request_context():
        url = storage.download_url("tests/anonymous-path", filename="paper.pdf", media_type="application/pdf")
    for _ in range(2):
        download = client.get(url)
        assert download.status_code == 200
        assert download.headers["Content-Security-Policy"] == DOWNLOAD_CSP
        assert download.headers["X-Content-Type-Options"] == "nosniff"
        page = client.get("/")
        assert "sandbox" not in page.headers["Content-Security-Policy"]
        assert "default-src 'self'" in page.headers["Content-Security-Policy"]


def test_production_redirects_to_https_and_sends_hsts_on_it(app_config):
    client = create_app(type("HTTPS", (app_config,), {"FORCE_HTTPS": True})).test_client()
    for _ in range(2):
        plain = client.get("/robots.txt")
        assert plain.status_code == 302 and plain.headers["Location"] == "https://localhost/robots.txt"
        secure = client.get("/robots.txt", base_url="https://localhost")
        assert secure.status_code == 200 and secure.headers["Strict-Transport-Security"] == HSTS
        behind_proxy = client.get("/robots.txt", headers={"X-Forwarded-Proto": "https"})
        assert behind_proxy.status_code == 200 and behind_proxy.headers["Strict-Transport-Security"] == HSTS


def test_robots_txt_is_the_same_text_on_every_request(client):
    first = client.get("/robots.txt")
    assert first.mimetype == "text/plain" and first.headers["Cache-Control"] == "public, max-age=3600"
    assert "Sitemap: http://journal.test/sitemap.xml" in first.get_data(as_text=True)
    assert [client.get("/robots.txt").get_data() for _ in range(2)] == [first.get_data()] * 2
