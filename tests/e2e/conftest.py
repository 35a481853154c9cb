"""The production stack, live, for the browser tests: gunicorn, PostgreSQL (when the suite has it, else
SQLite), SeaweedFS S3, Redis for the rate limits, an aiosmtpd sink and the mail worker as its own process; Debian's Chromium driven by
Playwright; axe-core checking every page.

Nothing here is downloaded at test time. `make test` installs Chromium (apt-get) and axe-core (npm, into
the ignored `.cache/e2e`); where either is missing, every browser test is skipped with the reason, in the
report header, beside each skipped test, and again at the end of the run.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from tests.conftest import POSTGRES_SERVER, create_postgres_database
from tests.e2e.journey import Journey
from tests.e2e.requirements import (ARTIFACTS, AXE_JS, BIN, CHROMIUM, CHROMIUM_ARGS, MISSING, ROOT, SKIP_BANNER,
                                    STARTUP_SECONDS)
from tests.fixtures.redis_server import start_redis
from tests.fixtures.s3 import free_ports, stop


def pytest_collection_modifyitems(config, items):
    if not MISSING:
        return
    marker = pytest.mark.skip(reason=SKIP_BANNER)
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(marker)


def wait_for_http(url: str, process: subprocess.Popen, log: Path, seconds: float = STARTUP_SECONDS) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{process.args[0]} stopped while starting (exit {process.returncode}):\n"
                        f"{log.read_text(errors='replace')[-3000:]}", pytrace=False)
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answers
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    pytest.fail(f"{url} did not answer within {seconds} s:\n{log.read_text(errors='replace')[-3000:]}",
                pytrace=False)


class LiveStack:
    """What the tests reach: the server's base URL, the SMTP sink, the logs."""

    def __init__(self, base_url: str, smtp, logs: Path, database: str):
        self.base_url = base_url
        self.smtp = smtp
        self.logs = logs
        self.database = database

    def url(self, path: str) -> str:
        return self.base_url + path

    def wait_for_mail(self, to: str, subject: str, *, containing: str = "", seconds: float = 30, after: int = 0):
        """The first mail to `to` whose subject contains `subject` and whose text contains `containing`,
        delivered by the mail worker into the sink; `after` skips that many earlier matches."""
        deadline = time.monotonic() + seconds
        while True:
            found = [m for m in self.smtp.to(to) if subject in m["Subject"] and containing in m.text]
            if len(found) > after:
                return found[after]
            if time.monotonic() > deadline:
                seen = [m["Subject"] for m in self.smtp.to(to)]
                pytest.fail(f"no mail to {to} about {subject!r} within {seconds} s; it has: {seen}\n"
                            f"mail worker log:\n{(self.logs / 'mail-worker.log').read_text(errors='replace')[-2000:]}",
                            pytrace=False)
            time.sleep(0.2)

    def link_in(self, mail, pattern: str = "") -> str:
        """The first link to this server in the mail's text (containing `pattern`)."""
        for match in re.finditer(r"https?://\S+", mail.text):
            link = match.group(0).rstrip(".,)>")
            if link.startswith(self.base_url) and pattern in link:
                return link
        pytest.fail(f"no link to {self.base_url} containing {pattern!r} in:\n{mail.text}", pytrace=False)


@pytest.fixture(scope="session")
def live_stack(tmp_path_factory, seaweedfs, smtp_server):
    if MISSING:
        pytest.skip(SKIP_BANNER)
    base = tmp_path_factory.mktemp("e2e")
    logs = base / "logs"
    logs.mkdir()
    port, = free_ports(1)
    base_url = f"http://127.0.0.1:{port}"

    drop = None
    if POSTGRES_SERVER:
        database_url, drop = create_postgres_database("journal_e2e")
    else:
        database_url = f"sqlite:///{base / 'journal.sqlite3'}"

    bucket = f"journal-e2e-{uuid.uuid4().hex[:10]}"
    seaweedfs.client().create_bucket(Bucket=bucket)
    smtp_server.reset()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "STORAGE_URL", "MAIL_"))}
    env.update(
        JOURNAL_ENV="production", SECRET_KEY=secrets.token_urlsafe(48),
        FORCE_HTTPS="0",  # plain http on loopback; the cookies keep their Secure flag (Chromium trusts 127.0.0.1)
        DATABASE_URL=database_url,
        STORAGE_URL=f"s3://{bucket}?endpoint_url={seaweedfs.endpoint_url}&region={seaweedfs.region}",
        AWS_ACCESS_KEY_ID=seaweedfs.access_key, AWS_SECRET_ACCESS_KEY=seaweedfs.secret_key,
        MAIL_URL=smtp_server.url, MAIL_FROM="JDSE <no-reply@journal.test>", MAIL_RETRY_BASE_SECONDS="1",
        BASE_URL=base_url, JOURNAL_INSTANCE_PATH=str(base / "instance"), FLASK_APP="wsgi", PYTHONUNBUFFERED="1",
        # One browser on one address stands for a dozen people logging in within minutes.
        AUTH_RATE_LIMIT="200 per minute",
    )
    processes = []
    try:
        # Production refuses rate limits counted in each worker: the stack's two workers share a Redis of its own.
        redis_server, env["RATELIMIT_STORAGE_URL"] = start_redis(base)
        processes.append(redis_server)
        # ORCID: a real OpenID Connect provider on loopback (oidc-provider-mock) stands in for orcid.org.
        orcid_port, = free_ports(1)
        orcid_log = logs / "orcid-provider.log"
        with open(orcid_log, "wb") as out:
            provider = subprocess.Popen(
                [str(BIN / "python"), "-W", "ignore", "-m", "oidc_provider_mock", "--host", "127.0.0.1",
                 "--port", str(orcid_port), "--require-nonce", "true"],
                cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        processes.append(provider)
        env.update(ORCID_CLIENT_ID="journal-e2e", ORCID_CLIENT_SECRET=secrets.token_urlsafe(16),
                   ORCID_BASE_URL=f"http://127.0.0.1:{orcid_port}")
        wait_for_http(f"http://127.0.0.1:{orcid_port}/.well-known/openid-configuration", provider, orcid_log)
        for command in (["db", "upgrade"], ["journal", "seed-demo"]):
            done = subprocess.run([str(BIN / "flask"), *command], cwd=ROOT, env=env, capture_output=True,
                                  text=True)
            if done.returncode:
                pytest.fail(f"flask {' '.join(command)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}",
                            pytrace=False)
        server_log = logs / "gunicorn.log"
        with open(server_log, "wb") as out:
            server = subprocess.Popen(
                [str(BIN / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}", "--timeout", "120",
                 "--access-logfile", "-", "wsgi:app"],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        processes.append(server)
        worker_log = logs / "mail-worker.log"
        with open(worker_log, "wb") as out:
            worker = subprocess.Popen([str(BIN / "flask"), "journal", "send-mail", "--interval", "0.3"],
                                      cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                      stdin=subprocess.DEVNULL)
        processes.append(worker)
        wait_for_http(base_url + "/", server, server_log)
        yield LiveStack(base_url, smtp_server, logs, "PostgreSQL" if POSTGRES_SERVER else "SQLite")
    finally:
        for process in reversed(processes):
            stop(process, grace=10)  # the mail worker its batch, gunicorn its requests; Redis last
        if drop:
            drop()


@pytest.fixture(scope="session")
def browser():
    if MISSING:
        pytest.skip(SKIP_BANNER)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.failed_call = report.failed
    return report


@pytest.fixture
def journey(request, browser, live_stack):
    """A journey for this test: people (browser contexts) whose every page is shot and checked by axe."""
    folder = ARTIFACTS / request.node.name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    trip = Journey(browser, live_stack, folder, AXE_JS)
    yield trip
    if getattr(request.node, "failed_call", False):
        trip.record_failure()
    trip.close()
    print(f"\nscreenshots of {request.node.name}: {folder}")
