"""The database server restarts while the app runs: the next request succeeds.

A PostgreSQL cluster of the test's own on a free port (never the machine's shared server): the
app serves a page, the cluster restarts (every pooled connection dies with it), and the next
request gets a fresh connection because the pool checks each one before use (pool_pre_ping).
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from journal import create_app
from journal.extensions import db
from journal.models import Journal
from tests.conftest import make_config
from tests.fixtures.smtp import free_port

PG_BIN = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)), None)


def as_postgres(*command: str) -> subprocess.CompletedProcess:
    prefix = [] if os.geteuid() != 0 else ["runuser", "-u", "postgres", "--"]
    done = subprocess.run([*prefix, *command], capture_output=True, text=True, timeout=60)
    if done.returncode:
        pytest.fail(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}", pytrace=False)
    return done


@pytest.fixture
def own_postgres():
    """A throwaway cluster: its URL and a function that restarts it."""
    if PG_BIN is None or not (PG_BIN / "initdb").exists():
        pytest.skip("PostgreSQL binaries NOT found under /usr/lib/postgresql: the restart is not tested")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        pytest.skip("initdb refuses root and runuser is missing: the restart is not tested")
    # Not under pytest's temporary folder: only root may enter that one, and the server runs as postgres.
    data = Path(tempfile.mkdtemp(prefix="journal-own-postgres-"))
    if os.geteuid() == 0:
        shutil.chown(data, "postgres")
    port = free_port()
    pg_ctl = [str(PG_BIN / "pg_ctl"), "-D", str(data / "cluster"), "-l", str(data / "log"), "-w",
              "-o", f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off"]
    as_postgres(str(PG_BIN / "initdb"), "-D", str(data / "cluster"), "-U", "postgres", "--auth=trust", "--no-sync")
    as_postgres(*pg_ctl, "start")
    try:
        yield SimpleNamespace(url=f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres",
                              restart=lambda: as_postgres(*pg_ctl, "-m", "fast", "restart"),
                              stop=lambda: as_postgres(*pg_ctl, "-m", "fast", "stop"),
                              start=lambda: as_postgres(*pg_ctl, "start"))
    finally:
        subprocess.run(["runuser", "-u", "postgres", "--", *pg_ctl, "-m", "immediate", "stop"]
                       if os.geteuid() == 0 else [*pg_ctl, "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(data, ignore_errors=True)


def test_the_next_request_after_a_database_restart_succeeds(own_postgres, tmp_path):
    url, restart = own_postgres.url, own_postgres.restart
    app = create_app(make_config(url, tmp_path / "storage"))
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        db.session.add(Journal(slug="jdse", title="Journal of Deep Space Exploration", reference_prefix="JDSE"))
        db.session.commit()
    client = app.test_client()
    assert "Journal of Deep Space Exploration" in client.get("/").get_data(as_text=True)

    restart()  # the pooled connection the page used is now dead

    response = client.get("/")
    assert response.status_code == 200
    assert "Journal of Deep Space Exploration" in response.get_data(as_text=True)

    # While it is down, a page says so with 503 and when to come back, not a 500; then it serves again.
    app.config["PAGE_CACHE_URL"] = "none"
    own_postgres.stop()
    try:
        down = client.get("/j/jdse/")
        assert down.status_code == 503 and down.headers["Retry-After"] == "5"
        assert "Nothing you sent was saved" in down.get_data(as_text=True)
    finally:
        own_postgres.start()
    assert client.get("/j/jdse/").status_code == 200
    with app.app_context():
        db.engine.dispose()


def test_a_mail_worker_waits_out_a_database_outage_and_delivers_what_is_queued_after_it(own_postgres, tmp_path,
                                                                                      smtp_sink):
    """Found by the cluster soak (scripts/cluster.py): a PostgreSQL restart used to end `send-mail` with a
    traceback, and the mails queued after it waited for someone to start the worker again."""
    from journal.mail import queue_mail

    app = create_app(make_config(own_postgres.url, tmp_path / "storage", MAIL_URL=smtp_sink.url))
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        db.engine.dispose()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "STORAGE_URL", "MAIL_"))}
    env.update(DATABASE_URL=own_postgres.url, STORAGE_URL=(tmp_path / "storage").as_uri(), MAIL_URL=smtp_sink.url,
               FLASK_APP="wsgi", PYTHONUNBUFFERED="1", JOURNAL_INSTANCE_PATH=str(tmp_path / "instance"))
    log = tmp_path / "worker.log"
    with open(log, "wb") as out:
        worker = subprocess.Popen([sys.executable, "-m", "flask", "journal", "send-mail", "--interval", "0.2"],
                                  cwd=Path(__file__).resolve().parent.parent, env=env, stdout=out,
                                  stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        time.sleep(1)
        own_postgres.stop()
        deadline = time.monotonic() + 30
        while "the database is unreachable" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert "the database is unreachable" in log.read_text(), log.read_text()[-3000:]
        assert worker.poll() is None, log.read_text()[-3000:]  # still running, waiting
        own_postgres.start()
        with app.app_context():
            queue_mail("reader@example.org", "soak", subject="After the outage",
                       worded=lambda code: ("After the outage", "Delivered once the database was back.\n"))
            db.session.commit()
            db.engine.dispose()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any("reader@example.org" in m.rcpt_tos for m in smtp_sink.messages):
            time.sleep(0.2)
        assert [m.rcpt_tos for m in smtp_sink.messages] == [["reader@example.org"]], log.read_text()[-3000:]
        assert worker.poll() is None
    finally:
        worker.terminate()
        worker.wait(timeout=20)
