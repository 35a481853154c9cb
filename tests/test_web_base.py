"""The web base: security headers, cookies, CSRF, error pages, health check, production settings."""

import importlib
import socket

import pytest

from config import ProductionConfig
from journal import create_app
from journal.storage.s3 import S3Storage


def test_pages_carry_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "object-src 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_anonymous_readers_get_no_cookie(client, make_journal):
    make_journal("jdse")
    for url in ("/", "/j/jdse/", "/healthz"):
        assert "Set-Cookie" not in client.get(url).headers, url


def test_no_page_loads_anything_from_another_site(client, login, make_user):
    login(make_user(admin=True))
    for url in ("/", "/login", "/account/profile", "/admin/outbox"):
        page = client.get(url).get_data(as_text=True)
        assert "https://" not in page.replace("https://orcid.org", ""), url
        assert "<script" not in page, url
        assert " style=" not in page, url


@pytest.fixture
def csrf_app(app_config):
    config = type("CSRFConfig", (app_config,), {"WTF_CSRF_ENABLED": True})
    return create_app(config)


def test_forms_without_a_csrf_token_are_refused_with_a_clear_page(csrf_app):
    client = csrf_app.test_client()
    response = client.post("/login", data={"email": "a@example.org", "password": "whatever"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "The form had expired or came from another site" in page
    assert "<nav" in page  # in the site's layout
    form = client.get("/login").get_data(as_text=True)
    assert 'name="csrf_token"' in form


def test_a_too_large_request_gets_the_413_page(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    response = client.post("/register", data={"given_name": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "The upload is too large" in page and "up to 1 MB" in page


def test_unknown_pages_and_server_errors_use_the_site_layout(app, client):
    @app.get("/boom")
    def boom():  # a route added only for this test
        raise RuntimeError("kaboom")

    boom.permission_action = "public"
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)
    response = client.get("/boom")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Something went wrong on our side" in page and "kaboom" not in page


def test_json_clients_get_json_errors(client):
    response = client.get("/no/such/page", headers={"Accept": "application/json"})
    assert response.status_code == 404 and response.json["error"] == "Page not found"


def test_healthz_fails_when_storage_is_unreachable(app, client):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    app.extensions["journal.storage"] = S3Storage("journal", endpoint_url=f"http://127.0.0.1:{closed_port}")
    app.extensions["journal.storage"].client.meta.config.retries = {"max_attempts": 1}
    response = client.get("/healthz")
    assert response.status_code == 503
    # Anyone may ask /healthz: it says which part failed, never the bucket, endpoint or exception (the log has them).
    assert response.json == {"status": "unavailable", "database": "ok", "storage": "unavailable"}


def test_production_refuses_the_default_secret_key(monkeypatch):
    monkeypatch.setenv("JOURNAL_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    import config

    importlib.reload(config)
    try:
        with pytest.raises(RuntimeError, match="SECRET_KEY must be set"):
            config.ProductionConfig.check()
        with pytest.raises(RuntimeError, match="SECRET_KEY must be set"):
            create_app(config.ProductionConfig)
    finally:
        monkeypatch.undo()
        importlib.reload(config)


def test_production_cookies_are_secure(app_config, monkeypatch):
    secure = type("Prod", (app_config,), {
        "ENV_NAME": "production", "SESSION_COOKIE_SECURE": True, "REMEMBER_COOKIE_SECURE": True,
        "FORCE_HTTPS": False, "SECRET_KEY": "x" * 40,
        "RATELIMIT_STORAGE_URL": "redis://127.0.0.1:6379/15",  # production refuses limits counted in memory
        "PAGE_CACHE_URL": "redis://127.0.0.1:6379/15",  # and a page cache only one worker sees
        "JOBS_URL": "redis://127.0.0.1:6379/15"})  # and a job queue of one process
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "x" * 40)
    app = create_app(secure)
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert app.config["SESSION_COOKIE_HTTPONLY"] and app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_every_form_field_has_a_label(client, login, make_user, make_journal):
    import re

    journal = make_journal("jdse")
    from journal.models import Role

    login(make_user(admin=True, roles={journal: Role.MANAGING_EDITOR}))
    for url in ("/account/profile", "/account/password", "/manage/jdse/settings", "/manage/jdse/sections",
                "/manage/jdse/members", "/admin/journals/new", "/admin/users"):
        page = client.get(url).get_data(as_text=True)
        ids = re.findall(r'<(?:input|select|textarea)(?![^>]*type="(?:hidden|submit)")[^>]*\bid="([^"]+)"', page)
        assert ids, url
        for field_id in ids:
            assert f'for="{field_id}"' in page, (url, field_id)
