"""How fast a journal's statistics page and its CSVs answer with tens of thousands of submissions: prints figures,
asserts nothing.

    .venv/bin/python scripts/bench_statistics.py [--n 50000] [--repeat 30] [--skip-sqlite] [--explain [PATH]]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Fills one journal as scripts/bench_queue.py does (N submissions over five years in every status, their rounds and
review assignments, by bulk inserts), then adds what the statistics read: the milestones (accepted, rejected,
withdrawn, published), a decision per decided round, a `submission.send_to_review` audit event per reviewed round
(among the other audit events a journal writes), and the assignments' answers and completion times. Then it logs
in as the managing editor and GETs the page (the last 12 months, a year, all years, one section) and each CSV,
R times after a warm-up: median and 95th percentile in milliseconds, median CPU time of this process, and the SQL
statements per request, with a bare Flask app measured in the same run as the baseline. `--explain` prints
PostgreSQL's EXPLAIN ANALYZE of each statistics statement of the default page (or of the page at PATH, e.g.
"/editorial/bench/statistics?period=all").
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from _bench import (  # noqa: E402
    PASSWORD,
    add_postgres_option,
    bare_flask,
    migrated_app,
    on_each_backend,
    seed_submissions,
    small_template,
    timed,
)
from sqlalchemy import bindparam, event, insert, select, text, update  # noqa: E402

from journal.extensions import db  # noqa: E402
from journal.models import AuditEvent, Decision, ReviewAssignment, Submission  # noqa: E402

DECIDED = {"accepted": "accept", "scheduled": "accept", "published": "accept", "rejected": "reject"}
PAGES = [  # (label, path)
    ("page: default (last 12 months)", "/editorial/bench/statistics"),
    ("page: last year", "/editorial/bench/statistics?period={year}"),
    ("page: all years", "/editorial/bench/statistics?period=all"),
    ("page: last 12 months, one section", "/editorial/bench/statistics?section={section}"),
    ("csv: months", "/editorial/bench/statistics/months.csv"),
    ("csv: years", "/editorial/bench/statistics/years.csv"),
    ("csv: times", "/editorial/bench/statistics/times.csv"),
    ("csv: reviewers", "/editorial/bench/statistics/reviewers.csv"),
    ("csv: sections", "/editorial/bench/statistics/sections.csv"),
    ("csv: editors", "/editorial/bench/statistics/editors.csv"),
    ("csv: editors, all years", "/editorial/bench/statistics/editors.csv?period=all"),
]


def add_history(rng: random.Random) -> dict:
    """Milestones, decisions, audit events and answers for the seeded submissions, in bulk."""
    subs = Submission.__table__
    papers = db.session.execute(select(subs.c.id, subs.c.status, subs.c.submitted_at, subs.c.current_round,
                                       subs.c.handling_editor_id, subs.c.journal_id)
                                .where(subs.c.submitted_at.is_not(None))).all()
    milestones, decisions, events = [], [], []
    for sid, status, submitted, rounds, editor, journal in papers:
        at = submitted
        row = {"sid": sid, "accepted": None, "rejected": None, "withdrawn": None, "published": None}
        desk = status == "rejected" and rng.random() < 0.4
        for number in range(1, rounds + 1):
            if desk:
                at += timedelta(days=rng.uniform(1, 20))
                decisions.append({"submission_id": sid, "round": 1, "editor_id": editor, "kind": "desk_reject",
                                  "letter": "Out of scope.", "created_at": at})
                events.append({"action": "submission.desk_reject", "subject_type": "submission", "subject_id": sid,
                               "journal_id": journal, "created_at": at, "payload": {}})
                break
            at += timedelta(days=rng.uniform(2, 15))
            events.append({"action": "submission.send_to_review", "subject_type": "submission", "subject_id": sid,
                           "journal_id": journal, "created_at": at, "payload": {"round": number}})
            events.append({"action": "review.invited", "subject_type": "submission", "subject_id": sid,
                           "journal_id": journal, "created_at": at, "payload": {}})
            last = number == rounds
            if last and status in ("under_review", "withdrawn"):
                break
            if last and status == "submitted":
                break
            at += timedelta(days=rng.uniform(20, 120))
            kind = DECIDED.get(status, "major_revision") if last else rng.choice(("minor_revision", "major_revision"))
            decisions.append({"submission_id": sid, "round": number, "editor_id": editor, "kind": kind,
                              "letter": "Dear authors,", "created_at": at})
            events.append({"action": "submission.decide", "subject_type": "submission", "subject_id": sid,
                           "journal_id": journal, "created_at": at, "payload": {}})
            if not last:
                at += timedelta(days=rng.uniform(10, 60))
        if status in ("accepted", "scheduled", "published"):
            row["accepted"] = at
        if status == "published":
            row["published"] = at + timedelta(days=rng.uniform(20, 90))
            events.append({"action": "submission.publish", "subject_type": "submission", "subject_id": sid,
                           "journal_id": journal, "created_at": row["published"], "payload": {}})
        if status == "rejected":
            row["rejected"] = at
        if status == "withdrawn":
            row["withdrawn"] = at + timedelta(days=rng.uniform(1, 30))
            events.append({"action": "submission.withdraw", "subject_type": "submission", "subject_id": sid,
                           "journal_id": journal, "created_at": row["withdrawn"], "payload": {}})
        milestones.append(row)
    db.session.execute(update(subs).where(subs.c.id == bindparam("sid")).values(
        accepted_at=bindparam("accepted"), rejected_at=bindparam("rejected"), withdrawn_at=bindparam("withdrawn"),
        published_at=bindparam("published")), milestones)
    for table, rows in ((Decision.__table__, decisions), (AuditEvent.__table__, events)):
        for start in range(0, len(rows), 5000):
            db.session.execute(insert(table), rows[start:start + 5000])
    # Assignments: invited when their round opened, answered within days, reviews done around the due date.
    ra = ReviewAssignment.__table__
    assignments = db.session.execute(select(ra.c.id, ra.c.status, ra.c.submission_id, subs.c.submitted_at)
                                     .join(subs, subs.c.id == ra.c.submission_id)).all()
    answers = []
    for aid, status, _sid, submitted in assignments:
        invited = submitted + timedelta(days=rng.uniform(3, 20))
        due = invited + timedelta(days=28)
        responded = invited + timedelta(days=rng.uniform(0, 7)) if status in ("accepted", "submitted",
                                                                               "declined") else None
        completed = due + timedelta(days=rng.uniform(-20, 12)) if status == "submitted" else None
        answers.append({"aid": aid, "created": invited, "due": due, "responded": responded, "completed": completed})
    db.session.execute(update(ra).where(ra.c.id == bindparam("aid")).values(
        created_at=bindparam("created"), due_at=bindparam("due"), responded_at=bindparam("responded"),
        completed_at=bindparam("completed")), answers)
    db.session.commit()
    return {"decisions": len(decisions), "events": len(events)}


def run(backend: str, url: str, args, workdir: Path) -> None:
    app = migrated_app(url, workdir)
    with app.app_context():
        started = time.perf_counter()
        rng = random.Random(4)
        facts = seed_submissions(args.n, rng)
        facts.update(add_history(rng))
        seconds = time.perf_counter() - started
        if backend == "postgresql" or args.analyze:
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        section = db.session.execute(text("SELECT min(id) FROM sections")).scalar()
        statements: list[str] = []
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append((a[2], a[3])))
        db.session.remove()
    client = app.test_client()
    response = client.post("/login", data={"email": "manager@bench.example", "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    year = time.gmtime().tm_year - 1
    print(f"\n{backend}: {facts['submissions']} submissions, {facts['rounds']} rounds, {facts['assignments']} "
          f"review assignments, {facts['decisions']} decisions, {facts['events']} audit events, seeded in "
          f"{seconds:.1f} s{' (ANALYZE run)' if backend == 'postgresql' or args.analyze else ''}")
    print(f"  {'page':40} {'median ms':>9} {'p95 ms':>8} {'CPU ms':>7} {'SQL':>4}")
    for label, path in PAGES:
        median, p95, cpu, count, _ = timed(client, path.format(year=year, section=section), args.repeat, statements)
        print(f"  {label:40} {median:9.1f} {p95:8.1f} {cpu:7.1f} {count:4d}")
    median, p95, cpu = bare_flask(args.repeat, small_template)
    print(f"  {'bare Flask, small template (baseline)':40} {median:9.2f} {p95:8.2f} {cpu:7.2f} {0:4d}")
    print(f"  load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    if args.explain and backend == "postgresql":
        statements.clear()
        client.get(args.explain)
        figures = [(sql, params) for sql, params in statements if "submissions s" in sql]
        with app.app_context():
            raw = db.engine.raw_connection()
            try:
                cursor = raw.cursor()
                for sql, params in figures:
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                    print("\n" + "\n".join(line for (line,) in cursor.fetchall()))
            finally:
                raw.close()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=50000, help="submissions to create (default 50000)")
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per page (default 30)")
    add_postgres_option(parser)
    parser.add_argument("--skip-sqlite", action="store_true", help="measure PostgreSQL only")
    parser.add_argument("--analyze", action="store_true", help="run ANALYZE on SQLite before measuring")
    parser.add_argument("--explain", nargs="?", const="/editorial/bench/statistics", metavar="PATH",
                        help="print PostgreSQL's plans of the default page's statistics (or PATH's)")
    args = parser.parse_args()
    on_each_backend("statistics", args, run)


if __name__ == "__main__":
    main()
