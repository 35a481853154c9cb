"""Fixtures: the app on every enabled database, a client, builders that read like the domain.

Databases: SQLite always; PostgreSQL too when JOURNAL_TEST_POSTGRES holds a server URL
(`.ci/run` sets it). Each backend gets a fresh database, migrated once with Alembic;
rows are deleted after every test.
"""

import itertools
import os
import re
import uuid

import pytest
from flask.globals import _cv_app
from flask.testing import FlaskClient
from sqlalchemy import create_engine, select, text

from config import TestConfig
from journal import create_app
from journal.extensions import db
from journal.models import Journal, Membership, OutboxMessage, Role, Section, User, utcnow
from journal.services.accounts import hash_password
from journal.usage_buffer import UsageEvent
from tests.e2e.requirements import ARTIFACTS as E2E_ARTIFACTS
from tests.e2e.requirements import AXE_JS
from tests.e2e.requirements import CHROMIUM as BROWSER
from tests.e2e.requirements import SKIP_BANNER as BROWSER_SKIP_BANNER
from tests.fixtures.app_caches import share_compiled_code

pytest_plugins = ["tests.fixtures.s3", "tests.fixtures.smtp", "tests.fixtures.pdf_cache", "tests.fixtures.redis_server"]

POSTGRES_SERVER = os.environ.get("JOURNAL_TEST_POSTGRES", "")
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_SERVER else [])
PASSWORD = "correct horse battery"

share_compiled_code()  # each test's app compiles its URL rules and templates once per session, not once per test


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist turns the mark into the test's group
def pytest_collection_modifyitems(config, items):
    """The browser suite shares one live server and browser and its tests run in order: under
    `--dist loadgroup` (see addopts in pyproject.toml) all of it goes to a single worker."""
    for item in items:
        if "tests/e2e/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.xdist_group("e2e"))


def pytest_terminal_summary(terminalreporter):
    access_matrix_summary(terminalreporter)
    page_weight_summary(terminalreporter)
    latex_times_summary(terminalreporter)
    """The browser suite's fate, said again at the end: skipped (why), or where its screenshots are."""
    if BROWSER_SKIP_BANNER:
        terminalreporter.section("browser tests", sep="!", red=True, bold=True)
        terminalreporter.write_line(BROWSER_SKIP_BANNER, red=True, bold=True)
    elif any(getattr(report, "nodeid", "").startswith("tests/e2e/")
             for reports in terminalreporter.stats.values() for report in reports):
        terminalreporter.section("browser tests")
        terminalreporter.write_line(f"screenshots and axe reports: {E2E_ARTIFACTS}")


def access_matrix_summary(terminalreporter):
    """The figures of tests/test_access_matrix.py (recorded by each state's test): the coordinator quotes them."""
    runs = [(report.nodeid, dict(report.user_properties)["access_matrix"])
            for reports in terminalreporter.stats.values() for report in reports
            if getattr(report, "when", "") == "call" and "access_matrix" in dict(getattr(report, "user_properties", []))]
    if not runs:
        return
    terminalreporter.section("route access matrix")
    first = runs[0][1]
    terminalreporter.write_line(f"{first['rows']} routes (endpoint, method) × {first['personas']} personas = "
                                f"{first['cells']} cells")
    for nodeid, figures in sorted(runs):
        terminalreporter.write_line(f"{nodeid.split('[', 1)[-1].rstrip(']')}: {figures['checked']} cells checked, "
                                    f"{figures['not_checked']} not checked")
    terminalreporter.write_line(f"in total: {sum(f['checked'] for _n, f in runs)} cells checked in {len(runs)} runs")


def latex_times_summary(terminalreporter):
    """How long each compilation of tests/test_latex_engine.py took (sandbox start, latexmk, BibTeX, reruns)."""
    times = [dict(report.user_properties)["latex_seconds"]
             for reports in terminalreporter.stats.values() for report in reports
             if getattr(report, "when", "") == "call" and "latex_seconds" in dict(getattr(report, "user_properties", []))]
    if times:
        terminalreporter.section("LaTeX compile times")
        for label, seconds in sorted(times, key=lambda item: -item[1]):
            terminalreporter.write_line(f"{seconds:6.2f} s  {label}")


def page_weight_summary(terminalreporter):
    """The tables of tests/test_bytes_on_the_wire.py (tests/page_weight.py): what the heaviest pages weigh, one
    table per database backend."""
    by_backend: dict[str, list[str]] = {}
    for reports in terminalreporter.stats.values():
        for report in reports:
            if getattr(report, "when", "") == "call" and "page_weights" in dict(getattr(report, "user_properties", [])):
                backend = report.nodeid.split("[", 1)[-1].rstrip("]")
                by_backend.setdefault(backend, []).extend(dict(report.user_properties)["page_weights"])
    for backend, lines in sorted(by_backend.items()):
        terminalreporter.section(f"page weights, bytes on the wire ({backend})")
        header = lines[:2]
        for line in header + sorted(line for line in lines if line not in header):
            terminalreporter.write_line(line)


def pytest_report_header(config):
    lines = [f"database backends: {', '.join(BACKENDS)}",
             BROWSER_SKIP_BANNER or f"browser tests (tests/e2e): {BROWSER} with axe-core {AXE_JS}"]
    if not POSTGRES_SERVER:
        lines.append("PostgreSQL NOT tested: set JOURNAL_TEST_POSTGRES=postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    return lines


def create_postgres_database(prefix: str) -> tuple[str, object]:
    """A new, empty database on the JOURNAL_TEST_POSTGRES server: its URL, and a function that drops it."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_SERVER, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return re.sub(r"/[^/]*$", f"/{name}", POSTGRES_SERVER), drop


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory):
    """A fresh, migrated database for the session, one per backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
        drop = None
    else:
        url, drop = create_postgres_database("journal_test")

    app = create_app(make_config(url, tmp_path_factory.mktemp("storage")))
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        db.engine.dispose()
    yield url
    if drop:
        drop()


def make_config(database_url: str, storage_dir, **extra) -> type:
    return type("Config", (TestConfig,), {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "STORAGE_URL": storage_dir.as_uri(),
        "USAGE_BUFFER_URL": storage_dir.with_name(storage_dir.name + "-usage").as_uri(),
        "BASE_URL": "http://journal.test",
        **extra,
    })


@pytest.fixture
def app_config(database_url, tmp_path):
    """Settings for this test's app; a test may override this fixture to change them."""
    return make_config(database_url, tmp_path / "storage")


class RequestIsolatingClient(FlaskClient):
    """Each request gets its own app context (its own `g` and database session), as in production,
    although the test itself holds an app context for its builders and queries."""

    def open(self, *args, **kwargs):
        token = _cv_app.set(None)
        try:
            return super().open(*args, **kwargs)
        finally:
            _cv_app.reset(token)


@pytest.fixture
def app(app_config):
    app = create_app(app_config)
    app.test_client_class = RequestIsolatingClient
    with app.app_context():
        yield app
        db.session.remove()
        empty_all_tables()
        db.engine.dispose()


def empty_all_tables() -> None:
    """Delete every row, children first. PostgreSQL takes the ~30 DELETEs as one statement: one round trip, not
    one each (0.07 s instead of 0.3 s per test on the shared CI machine)."""
    with db.engine.begin() as conn:
        tables = list(reversed(db.metadata.sorted_tables))
        if conn.dialect.name == "postgresql":
            quote = conn.dialect.identifier_preparer.format_table
            conn.exec_driver_sql("; ".join(f"DELETE FROM {quote(table)}" for table in tables))
        else:
            for table in tables:
                conn.execute(table.delete())


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


_counter = itertools.count(1)


@pytest.fixture
def make_user(app):
    def make(email=None, *, password=PASSWORD, given_name="Ada", family_name=None, roles=None, admin=False,
             verified=True, active=True, affiliation=None, **fields) -> User:
        n = next(_counter)
        # Each person's own lab by default: a shared one would make every editor and reviewer a colleague of
        # every author, a conflict of interest that holds each invitation and assignment.
        affiliation = f"Space Science Lab {n}" if affiliation is None else affiliation
        user = User(
            email=(email or f"user{n}@example.org").lower(),
            password_hash=hash_password(password),
            given_name=given_name,
            family_name=family_name or f"Tester{n}",
            affiliation=affiliation,
            expertise_keywords=fields.pop("expertise_keywords", []),
            email_verified_at=utcnow() if verified else None,
            is_platform_admin=admin,
            active=active,
            **fields,
        )
        db.session.add(user)
        for journal, journal_roles in (roles or {}).items():
            for role in ([journal_roles] if isinstance(journal_roles, Role) else journal_roles):
                db.session.add(Membership(user=user, journal=journal, role=role))
        db.session.commit()
        return user

    return make


@pytest.fixture
def make_journal(app):
    def make(slug=None, *, title=None, sections=("Research Article", "Letter"), **fields) -> Journal:
        n = next(_counter)
        slug = slug or f"journal{n}"
        journal = Journal(slug=slug, title=title or f"Journal {n}", reference_prefix=fields.pop(
            "reference_prefix", f"J{n}"), **fields)
        journal.sections = [Section(title=t, position=i) for i, t in enumerate(sections)]
        db.session.add(journal)
        db.session.commit()
        return journal

    return make


@pytest.fixture
def login(client):
    """Log a user in through the real login form."""

    def do(user: User, password: str = PASSWORD, remember: bool = False):
        client.post("/logout")  # the login page sends a logged-in user away, keeping the old session
        response = client.post("/login", data={"email": user.email, "password": password,
                                               "remember": "y" if remember else ""})
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        return response

    return do


@pytest.fixture
def outbox(app):
    """The mails queued so far, oldest first."""

    def read(to: str | None = None) -> list[OutboxMessage]:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if to:
            query = query.where(OutboxMessage.recipient == to.lower())
        db.session.expire_all()
        return list(db.session.scalars(query))

    return read


def link_in(body: str) -> str:
    """The first link in a mail body, as a path the test client can open."""
    match = re.search(r"http://journal\.test(/\S+)", body)
    assert match, f"no link in mail:\n{body}"
    return match.group(1)


def buffered_usage(article_id: int | None = None) -> list[tuple[int, str]]:
    """The views and downloads waiting in the app's usage buffer (files, as in tests), oldest first:
    (article id, "view" or "download")."""
    from journal.services.usage import buffer

    events = []
    for path in sorted(buffer().directory.rglob("*.jsonl")):
        events += [UsageEvent.from_json(line) for line in path.read_text().splitlines() if line.strip()]
    return [(e.article_id, e.kind) for e in sorted(events, key=lambda e: e.at)
            if article_id is None or e.article_id == article_id]
