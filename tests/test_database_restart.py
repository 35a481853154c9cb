"""The database server restarts while the app runs: the next request succeeds.

A PostgreSQL cluster of the test's own on a free port (never the machine's shared server): the
app serves a page, the cluster restarts (every pooled connection dies with it), and the next
request gets a fresh connection because the pool checks each one before use (pool_pre_ping).
"""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

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
        yield (f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres",
               lambda: as_postgres(*pg_ctl, "-m", "fast", "restart"))
    finally:
        subprocess.run(["runuser", "-u", "postgres", "--", *pg_ctl, "-m", "immediate", "stop"]
                       if os.geteuid() == 0 else [*pg_ctl, "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(data, ignore_errors=True)


def test_the_next_request_after_a_database_restart_succeeds(own_postgres, tmp_path):
    url, restart = own_postgres
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
    with app.app_context():
        db.engine.dispose()
