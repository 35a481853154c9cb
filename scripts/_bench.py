"""What the benchmark scripts share: timing a request, the bare-Flask baseline, and a scratch PostgreSQL database.

Every figure is the median and 95th percentile wall time and the median CPU time of this process, in
milliseconds: the CPU time shows the cost of a request apart from other processes sharing the cores.
"""

from __future__ import annotations

import re
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask
from sqlalchemy import create_engine, text


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def measure(request: Callable[[], object], repeat: int) -> tuple[float, float, float, object]:
    """Call `request` `repeat` times: median ms, 95th percentile ms, median CPU ms, and the last response."""
    times, cpu, response = [], [], None
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = request()
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return statistics.median(times), percentile(times, 95), statistics.median(cpu), response


def timed(client, url: str, repeat: int, statements: list, *, check: Callable = lambda response: True,
          count: Callable = lambda response: 0) -> tuple[float, float, float, int, int]:
    """One warm-up request (templates compiled, caches filled), one counting the SQL statements, then `repeat`
    timed ones, each checked: median, p95, CPU, statements per request, and `count` of the last response."""
    response = client.get(url)
    assert response.status_code == 200 and check(response), (url, response.status_code, response.data[:500])
    statements.clear()
    client.get(url)
    statements_per_request = len(statements)

    def get():
        answer = client.get(url)
        assert answer.status_code == 200, (url, answer.status_code)
        return answer

    median, p95, cpu, response = measure(get, repeat)
    return median, p95, cpu, statements_per_request, count(response)


def bare_flask(repeat: int, view: Callable) -> tuple[float, float, float]:
    """The baseline: a Flask app with nothing but `view` at "/", measured the same way."""
    app = Flask("bare")
    app.add_url_rule("/", view_func=view)
    client = app.test_client()
    client.get("/")
    median, p95, cpu, _ = measure(lambda: client.get("/"), repeat)
    return median, p95, cpu


@contextmanager
def scratch_postgres(server_url: str, keep: bool = False) -> Iterator[str]:
    """A new database on the server for the run, dropped afterwards unless `keep` (then its URL is printed, for
    EXPLAIN or psql after the run): its URL."""
    name = f"journal_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = re.sub(r"/[^/]*$", f"/{name}", server_url)
    try:
        yield url
    finally:
        if keep:
            print(f"  database kept: {url}")
        else:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def add_postgres_option(parser) -> None:
    parser.add_argument("--postgres", metavar="URL", help="also measure PostgreSQL: a server URL where a scratch "
                                                          "database may be created and dropped")


def migrated_app(url: str, workdir: Path):
    """The journal's app on the database at `url`, migrated to the newest schema, its files under `workdir`."""
    import logging

    from flask_migrate import upgrade

    from config import TestConfig
    from journal import create_app

    config = type("BenchConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url,
                                                  "STORAGE_URL": (workdir / "storage").as_uri(),
                                                  "BASE_URL": "http://bench.test"})
    app = create_app(config)
    logging.disable(logging.INFO)  # the migrations' log lines
    with app.app_context():
        upgrade()
    return app


def on_each_backend(name: str, args, run: Callable) -> None:
    """`run(backend, database_url, args, workdir)` on a fresh SQLite file (unless --skip-sqlite, where the script
    offers it), then, with --postgres, on a scratch PostgreSQL database; the work folder is temporary."""
    with tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as tmp:
        workdir = Path(tmp)
        if not getattr(args, "skip_sqlite", False):
            run("sqlite", f"sqlite:///{workdir / 'bench.sqlite3'}", args, workdir)
        if args.postgres:
            with scratch_postgres(args.postgres, keep=getattr(args, "keep_database", False)) as url:
                run("postgresql", url, args, workdir)


class BulkRows:
    """Rows for several tables, inserted in batches of `batch` in the tables' order (parents first), so that a
    seed of 200,000 articles never holds them all in memory."""

    def __init__(self, session, tables, batch: int = 5000):
        self.session, self.batch = session, batch
        self.rows = {table: [] for table in tables}

    def add(self, table, row: dict) -> None:
        self.rows[table].append(row)
        if len(self.rows[table]) >= self.batch:
            self.flush()

    def flush(self) -> None:
        from sqlalchemy import insert

        for table, rows in self.rows.items():
            if rows:
                self.session.execute(insert(table), rows)
                rows.clear()


def settle(session) -> None:
    """After a bulk load, what autovacuum would have done by the time people use the data: ANALYZE, and on
    PostgreSQL VACUUM too, which also moves the rows a GIN index holds in its pending list (every bulk-inserted
    row) into the index proper; a bitmap scan reads that list through on every query until then."""
    from sqlalchemy import text

    session.commit()
    if session.get_bind().dialect.name == "postgresql":
        with session.get_bind().connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
    else:
        session.execute(text("ANALYZE"))
        session.commit()
