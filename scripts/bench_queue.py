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
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from _bench import add_postgres_option, bare_flask, migrated_app, on_each_backend, settle, timed  # noqa: E402
from flask import render_template_string  # noqa: E402
from sqlalchemy import event, insert, text  # noqa: E402

from journal.extensions import db  # noqa: E402
from journal.models import (  # noqa: E402
    Contributor,
    EditorRecommendation,
    Journal,
    Membership,
    ReviewAssignment,
    ReviewRound,
    Role,
    Section,
    Submission,
    User,
    refresh_review_facts,
)
from journal.services.accounts import hash_password  # noqa: E402

PASSWORD = "bench-password-1"
# Share of a journal's history in each status, roughly as in a journal some years old.
STATUS_MIX = [("draft", 3), ("submitted", 4), ("under_review", 10), ("revision_requested", 5), ("accepted", 2),
              ("scheduled", 1), ("published", 33), ("rejected", 37), ("withdrawn", 5)]
WORDS = ("plasma", "regolith", "orbit", "comet", "dust", "magnetosphere", "lander", "thermal", "spectra", "ion",
         "asteroid", "solar", "wind", "crater", "radar", "ice", "probe", "trajectory", "Jupiter", "Mars")
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


def seed(n: int, rng: random.Random) -> dict:
    """One journal with N submissions and their rounds and assignments, by bulk inserts."""
    now = datetime.now(UTC)
    journal = Journal(slug="bench", title="Benchmark Journal", reference_prefix="BENCH", reviews_required=2)
    journal.sections = [Section(title=t, position=i) for i, t in
                        enumerate(("Research Article", "Review", "Letter", "Mission Report"))]
    password = hash_password(PASSWORD)
    manager = User(email="manager@bench.example", password_hash=password, given_name="Maria", family_name="Manager",
                   email_verified_at=now)
    db.session.add_all([journal, manager])
    db.session.flush()
    db.session.add(Membership(user=manager, journal=journal, role=Role.MANAGING_EDITOR))

    def people(prefix: str, count: int) -> list[int]:
        first = db.session.execute(text("SELECT COALESCE(MAX(id), 0) FROM users")).scalar() + 1
        db.session.execute(insert(User.__table__), [
            {"id": first + i, "email": f"{prefix}{i}@bench.example", "password_hash": password, "given_name": prefix,
             "family_name": f"{prefix.title()} {i}", "email_verified_at": now} for i in range(count)])
        return list(range(first, first + count))

    editors = people("editor", 30)
    reviewers = people("reviewer", 400)
    authors = people("author", max(50, n // 10))
    db.session.execute(insert(Membership.__table__), [
        {"user_id": u, "journal_id": journal.id, "role": "editor"} for u in editors] + [
        {"user_id": u, "journal_id": journal.id, "role": "reviewer"} for u in reviewers])
    sections = [s.id for s in journal.sections]

    statuses = rng.choices([s for s, _ in STATUS_MIX], weights=[w for _, w in STATUS_MIX], k=n)
    submissions, contributors, rounds, assignments, recommendations = [], [], [], [], []
    round_id = assignment_id = 0
    for i, status in enumerate(statuses, start=1):
        age = timedelta(days=rng.uniform(0, 5 * 365))
        in_status = age * rng.uniform(0.02, 0.6) if status in ("submitted", "under_review") else age * rng.random()
        current = 0 if status == "draft" else rng.choices((1, 2, 3), weights=(70, 25, 5))[0]
        if status == "submitted" and rng.random() < 0.7:
            current = 1
        editor = None if status == "draft" or rng.random() < 0.12 else rng.choice(editors)
        submissions.append({
            "id": i, "journal_id": journal.id, "section_id": rng.choice(sections), "submitter_id": rng.choice(authors),
            "handling_editor_id": editor, "reference": None if status == "draft" else f"BENCH-{2021 + i % 5}-{i:05d}",
            "title": " ".join(rng.sample(WORDS, 5)).capitalize() + f" ({i})", "status": status,
            "current_round": current, "created_at": now - age, "updated_at": now - in_status,
            "status_changed_at": now - in_status, "submitted_at": None if status == "draft" else now - age,
        })
        contributors.append({"submission_id": i, "position": 0, "given_name": "Author", "family_name": f"Number {i}",
                             "email": f"author{i}@bench.example", "is_corresponding": True})
        reviewed_rounds = current if status not in ("submitted", "draft") else current - 1
        for number in range(1, reviewed_rounds + 1):
            round_id += 1
            rounds.append({"id": round_id, "submission_id": i, "number": number, "opened_at": now - age})
            live = number == current and status == "under_review"
            for label, reviewer in enumerate(rng.sample(reviewers, rng.randint(2, 4)), start=1):
                assignment_id += 1
                if live:
                    state = rng.choices(("invited", "accepted", "submitted", "declined"), weights=(2, 4, 3, 1))[0]
                else:
                    state = rng.choices(("submitted", "declined", "cancelled"), weights=(7, 2, 1))[0]
                late = live and rng.random() < 0.25
                assignments.append({
                    "id": assignment_id, "round_id": round_id, "submission_id": i,
                    "reviewer_id": reviewer, "invitee_email": f"r{assignment_id}@bench.example",
                    "status": state, "token_hash": f"{assignment_id:064x}",
                    "respond_by": now + timedelta(days=-3 if late else 5),
                    "due_at": now + timedelta(days=-4 if late else 20), "label_number": label,
                    "proposed_due_at": now + timedelta(days=40) if live and state == "accepted"
                    and rng.random() < 0.05 else None,
                })
        if status == "under_review" and rng.random() < 0.03:
            recommendations.append({"submission_id": i, "round": current, "editor_id": editor, "kind": "accept",
                                    "reasons": "Two positive reviews.", "status": "pending"})
    for table, rows in ((Submission.__table__, submissions), (Contributor.__table__, contributors),
                        (ReviewRound.__table__, rounds), (ReviewAssignment.__table__, assignments),
                        (EditorRecommendation.__table__, recommendations)):
        for start in range(0, len(rows), 5000):
            db.session.execute(insert(table), rows[start:start + 5000])
    refresh_review_facts(db.session)  # bulk inserts pass no flush: the stored figures are set in one statement
    db.session.commit()
    return {"editor": editors[0], "submissions": n, "rounds": len(rounds), "assignments": len(assignments),
            "statuses": {s: statuses.count(s) for s, _ in STATUS_MIX}}


def rows_in(response) -> int:
    page = response.get_data(as_text=True)
    return page.count("<tr>") - (1 if "<thead>" in page else 0)


def small_template():
    return render_template_string(
        "<!doctype html><title>{{ title }}</title><ul>{% for i in items %}<li>{{ i }}</li>{% endfor %}</ul>",
        title="Hello", items=range(10))


def run(backend: str, url: str, args, workdir: Path) -> None:
    app = migrated_app(url, workdir)
    with app.app_context():
        started = time.perf_counter()
        facts = seed(args.n, random.Random(4))
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
