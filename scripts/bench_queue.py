"""How fast the editorial queue answers with tens of thousands of submissions: prints figures, asserts nothing.

    .venv/bin/python scripts/bench_queue.py [--n 50000] [--repeat 30] [--analyze] [--skip-sqlite] [--keep-database]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Creates a fresh SQLite file in a temporary folder (and, with --postgres, a scratch database on that
server, dropped afterwards), migrates it, and fills one journal with N submissions in every status,
their review rounds and review assignments (some late, some with a due-date request), by bulk inserts.
Then it logs in as the journal's managing editor and as one of its editors through the real login
form, GETs the queue pages through the Flask test client, R times each after one warm-up, and prints
the median and 95th percentile in milliseconds, the median CPU time of this process (the app, and for
SQLite the database too: what a request costs apart from other processes sharing the cores) and the
number of SQL statements per request. A bare Flask app rendering a small template is measured in the
same run, as the baseline. `--analyze` runs SQLite's ANALYZE first (PostgreSQL is always vacuumed and analysed, as
its autovacuum would do). `--skip-sqlite` measures PostgreSQL only; `--keep-database` leaves the scratch PostgreSQL
database in place and prints its URL (for EXPLAIN in psql afterwards).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from _bench import (  # noqa: E402
    add_postgres_option,
    bare_flask,
    migrated_app,
    on_each_backend,
    seed_submissions,
    settle,
    small_template,
    timed,
)
from _bench import PASSWORD  # noqa: E402
from sqlalchemy import event  # noqa: E402

from journal.extensions import db  # noqa: E402

PAGES = [  # (who, label, path)
    ("manager", "queue: default (active, oldest first)", "/editorial/bench/"),
    ("manager", "queue: needs my action", "/editorial/bench/?needs_action=y"),
    ("manager", "queue: overdue reviews", "/editorial/bench/?overdue=y"),
    ("manager", "queue: status = rejected", "/editorial/bench/?status=rejected"),
    ("manager", "queue: text search 'plasma', all statuses", "/editorial/bench/?status=all&q=plasma"),
    ("manager", "queue: all statuses, page 100", "/editorial/bench/?status=all&page=100"),
    ("manager", "queue: one editor's, newest submitted", "/editorial/bench/?status=all&editor={editor}&sort=submitted"),
    ("manager", "editorial start page (counts)", "/editorial/"),
    ("editor", "editor's own queue: default", "/editorial/bench/"),
    ("editor", "editor's own queue: needs my action", "/editorial/bench/?needs_action=y&status=all"),
    ("editor", "editor's start page (counts)", "/editorial/"),
    ("manager", "app baseline: home page, logged in", "/"),
]


def rows_in(response) -> int:
    page = response.get_data(as_text=True)
    return page.count("<tr>") - (1 if "<thead>" in page else 0)


def run(backend: str, url: str, args, workdir: Path) -> None:
    app = migrated_app(url, workdir)
    with app.app_context():
        started = time.perf_counter()
        facts = seed_submissions(args.n, random.Random(4))
        seconds = time.perf_counter() - started
        if backend == "postgresql" or args.analyze:
            settle(db.session)
        statements: list[str] = []
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        db.session.remove()
    clients = {}
    for who, email in (("manager", "manager@bench.example"), ("editor", "editor0@bench.example")):
        clients[who] = app.test_client()
        response = clients[who].post("/login", data={"email": email, "password": PASSWORD})
        assert response.status_code == 302, response.status_code
    settled = " (VACUUM ANALYZE run)" if backend == "postgresql" else " (ANALYZE run)" if args.analyze else ""
    print(f"\n{backend}: {facts['submissions']} submissions, {facts['rounds']} rounds, {facts['assignments']} "
          f"review assignments, seeded in {seconds:.1f} s{settled}")
    print("  statuses: " + ", ".join(f"{s} {c}" for s, c in facts["statuses"].items()))
    print(f"  {'page':46} {'p50 ms':>9} {'p95 ms':>8} {'CPU ms':>7} {'SQL':>4} {'rows':>5}")
    worst = (0.0, "")
    for who, label, path in PAGES:
        median, p95, cpu, count, rows = timed(clients[who], path.format(editor=facts["editor"]), args.repeat,
                                              statements, count=rows_in)
        print(f"  {label:46} {median:9.1f} {p95:8.1f} {cpu:7.1f} {count:4d} {rows:5d}")
        if not label.startswith("app baseline"):
            worst = max(worst, (p95, label))
    median, p95, cpu = bare_flask(args.repeat, small_template)
    print(f"  {'bare Flask, small template (baseline)':46} {median:9.2f} {p95:8.2f} {cpu:7.2f} {0:4d}")
    print(f"  slowest queue view at p95: {worst[1]}, {worst[0]:.1f} ms")
    print(f"  load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=50000, help="submissions to create (default 50000)")
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per page (default 30)")
    add_postgres_option(parser)
    parser.add_argument("--analyze", action="store_true", help="run ANALYZE on SQLite before measuring")
    parser.add_argument("--skip-sqlite", action="store_true", help="measure PostgreSQL only")
    parser.add_argument("--keep-database", action="store_true",
                        help="keep the scratch PostgreSQL database after the run and print its URL")
    args = parser.parse_args()
    on_each_backend("queue", args, run)


if __name__ == "__main__":
    main()
