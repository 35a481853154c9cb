"""What the benchmark scripts share: timing a request, the bare-Flask baseline, a scratch PostgreSQL database, and
the data generators (published articles in issues, submissions in every status with their reviews, users), each by
bulk inserts and each taking its ids after the rows already there, so that one database can hold them all
(scripts/bench_pages.py fills one with 20,000 published articles, 50,000 submissions and 100,000 users).

Every figure is the median and 95th percentile wall time and the median CPU time of this process, in
milliseconds: the CPU time shows the cost of a request apart from other processes sharing the cores.
"""

from __future__ import annotations

import random
import re
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import Flask, render_template_string
from sqlalchemy import create_engine, func, insert, select, text, update

ROOT = Path(__file__).resolve().parent.parent


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

    config = type("BenchConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url, "PAGE_CACHE_URL": "none",
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
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            # Rows inserted with their ids leave the sequences behind: the app's next INSERT would collide.
            for (table,) in conn.exec_driver_sql(
                    "SELECT table_name FROM information_schema.columns WHERE column_name = 'id' "
                    "AND table_schema = current_schema() AND column_default LIKE 'nextval%%'"):
                conn.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                     f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)")
            conn.exec_driver_sql("VACUUM ANALYZE")
    else:
        session.execute(text("ANALYZE"))
        session.commit()


def small_template():
    """The baseline view: a small page rendered from a template."""
    return render_template_string(
        "<!doctype html><title>{{ title }}</title><ul>{% for i in items %}<li>{{ i }}</li>{% endfor %}</ul>",
        title="Hello", items=range(10))


# --- data generators ----------------------------------------------------------------------------------------

def next_id(table) -> int:
    """The first id after the rows already in `table`, so that generators run one after another share a database."""
    from journal.extensions import db

    return db.session.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar() + 1


# Words of the abstracts (vocabulary_abstract): some common, some middling, one rare.
COMMON = ("plasma", "solar", "wind", "orbit", "surface", "model", "data", "mission", "measurement", "dust",
          "temperature", "spacecraft", "instrument", "field", "observations")
MIDDLE = ("regolith", "comet", "magnetosphere", "lander", "thermal", "spectra", "ion", "asteroid", "crater",
          "radar", "ice", "probe", "trajectory", "Jupiter", "Mars", "Venus", "Europa", "Titan", "aerosol", "seismic",
          "gravity", "occultation", "sputtering", "albedo", "photometry", "polarimetry", "dynamo", "tides")
FILLER = ("the", "of", "and", "in", "we", "a", "from", "with", "show", "that", "is", "by", "for", "at", "on",
          "measured", "derived", "compare", "estimate", "during", "over", "between", "using", "new", "high")
RARE = "serpentinization"  # in about one abstract in a thousand


def vocabulary_abstract(rng: random.Random, n: int) -> str:
    """About 120 words: a common word in about one word in eight, RARE in abstracts numbered 7 modulo 1000."""
    words = []
    for _ in range(120):
        roll = rng.random()
        words.append(rng.choice(COMMON) if roll < 0.12 else rng.choice(MIDDLE) if roll < 0.3 else rng.choice(FILLER))
    if n % 1000 == 7:
        words[rng.randrange(len(words))] = RARE
    return " ".join(words).capitalize() + "."


PEOPLE = [{"given_name": "Mei", "family_name": "Chen", "orcid": "0000-0002-1825-0097",
           "affiliation": "Tohoku University", "country": "JP", "corresponding": True, "email": "mei@bench.example"},
          {"given_name": "Kenji", "family_name": "Watanabe", "orcid": "", "affiliation": "Institute of Space Science",
           "country": "DE", "corresponding": False, "email": ""}]
# About 1,000 characters with two formulas, as abstracts here are; each article's differs (no cache helps).
ABSTRACT = ("Study {i}. We measured the **heat flow** through the lunar regolith over three lunar nights, "
            "$q = -k\\nabla T$, with probes at four depths between 0.3 and 2.4 m. " * 3 +
            "\n\nThe conductivity rises with depth as $k(z) = k_0 (1 + z/z_0)^{{1/2}}$, as models of compaction "
            "predict; the surface layer is looser than expected. " * 2)


def seed_published(n: int, *, per_issue: int = 100, slug: str = "bench",
                   abstract: Callable[[int], str] | None = None) -> dict:
    """A journal `slug` with N published articles in issues of `per_issue` (a tenth of them corrected with a second
    version, one in a hundred retracted) and a hundredth as many not yet published (at least 10), by bulk inserts.
    `abstract(i)` writes the i-th abstract (default: ABSTRACT, about 1,000 characters with two formulas)."""
    from journal.extensions import db
    from journal.models import Article, ArticleVersion, Issue, Journal, Section, Submission, User

    abstract = abstract or (lambda i: ABSTRACT.format(i=i))
    start = datetime(2015, 1, 1, tzinfo=UTC)
    journal = Journal(slug=slug, title="Benchmark Journal", reference_prefix=slug.upper(), doi_prefix="10.59999",
                      issn_online="2049-3630", publisher="Benchmark Press",
                      description="Heat, dust and plasma from the Moon to the outer planets.")
    journal.sections = [Section(title=t, position=i) for i, t in enumerate(("Research Article", "Letter"))]
    author = User(email=f"author@{slug}.example", password_hash="x", given_name="Mei", family_name="Chen")
    db.session.add_all([journal, author])
    db.session.flush()
    sections = [s.id for s in journal.sections]
    issues_t, subs_t, articles_t, versions_t = (Issue.__table__, Submission.__table__, Article.__table__,
                                                ArticleVersion.__table__)
    first_issue, first_sub, first_article, first_version = (next_id(issues_t), next_id(subs_t),
                                                            next_id(articles_t), next_id(versions_t))
    bulk = BulkRows(db.session, (issues_t, subs_t, articles_t, versions_t))
    issues, corrections, retracted = 0, 0, []
    unpublished = max(10, n // 100)
    total = n + unpublished
    for i in range(1, total + 1):
        public = i <= n
        issue_no = (i - 1) // per_issue + 1
        issue_id = first_issue + issue_no - 1
        sid, aid = first_sub + i - 1, first_article + i - 1
        when = start + timedelta(days=7 * issue_no, seconds=i % per_issue)  # an issue's articles share its day
        if public and (i - 1) % per_issue == 0:
            issues += 1
            bulk.add(issues_t, {"id": issue_id, "journal_id": journal.id, "volume": 1 + issue_no // 12,
                                "number": issue_no % 12 + 1, "year": min(2200, when.year), "title": "",
                                "description": "", "status": "published", "published_at": when, "created_at": when,
                                "version": 1})
        bulk.add(subs_t, {"id": sid, "journal_id": journal.id, "section_id": sections[i % 2],
                          "submitter_id": author.id, "title": f"Regolith heat flow, study {i}",
                          "status": "published" if public else "scheduled", "current_round": 1,
                          "created_at": when, "updated_at": when, "status_changed_at": when})
        bulk.add(articles_t, {"id": aid, "submission_id": sid, "journal_id": journal.id,
                              "issue_id": issue_id if public else None, "section_id": sections[i % 2],
                              "position": i % per_issue, "first_page": (i % per_issue) * 10 + 1,
                              "last_page": (i % per_issue) * 10 + 9,
                              "doi": f"10.59999/{slug}.{i:06d}" if public else None,
                              "status": "published" if public else "proofs_approved",
                              "proof_corrections": "", "published_at": when if public else None,
                              "retraction_notice": "", "created_at": when, "updated_at": when, "lock_version": 1})
        bulk.add(versions_t, {"id": first_version + i - 1, "article_id": aid, "number": 1,
                              "title": f"Regolith heat flow, study {i}", "abstract": abstract(i),
                              "keywords": ["Moon", "regolith", "heat flow"], "language": "en",
                              "contributors": PEOPLE, "funding": "", "competing_interests": "",
                              "data_availability": "", "licence": "CC-BY-4.0", "change_note": "",
                              "created_at": when, "published_at": when if public else None})
        if public and i % 10 == 0:
            later = when + timedelta(days=400)
            corrections += 1
            bulk.add(versions_t, {"id": first_version + total + corrections - 1, "article_id": aid, "number": 2,
                                  "title": f"Regolith heat flow, study {i} (corrected)", "abstract": abstract(i),
                                  "keywords": ["Moon"], "language": "en", "contributors": PEOPLE, "funding": "",
                                  "competing_interests": "", "data_availability": "", "licence": "CC-BY-4.0",
                                  "change_note": "Units of table 2.", "created_at": later, "published_at": later})
        if public and i % 100 == 7:
            retracted.append(aid)
    bulk.flush()
    # Each article's newest version is its current one: two statements (UPDATE … FROM), not one per correction.
    mine = articles_t.c.journal_id == journal.id
    db.session.execute(update(articles_t).where(mine).values(
        current_version_id=articles_t.c.id - first_article + first_version))
    db.session.execute(update(articles_t).values(current_version_id=versions_t.c.id)
                       .where(mine, versions_t.c.article_id == articles_t.c.id, versions_t.c.number == 2))
    for first in range(0, len(retracted), 5000):
        db.session.execute(update(articles_t).where(articles_t.c.id.in_(retracted[first:first + 5000]))
                           .values(status="retracted", retracted_at=start + timedelta(days=3000),
                                   retraction_notice="Retracted: the probes were not calibrated."))
    # Bulk inserts pass the model's flush hook by: the stored datestamp as migration 0021 fills it.
    fill_datestamps()
    db.session.commit()
    return {"journal": journal.id, "published": n, "unpublished": unpublished, "issues": issues,
            "first_issue": first_issue, "first_article": first_article, "corrected": corrections,
            "retracted": len(retracted)}


def fill_datestamps() -> None:
    """`articles.datestamp` for rows inserted in bulk, by migration 0021's statement."""
    import importlib.util

    from journal.extensions import db

    spec = importlib.util.spec_from_file_location("migration_0021",
                                                  ROOT / "migrations/versions/0021_datestamp_and_trigrams.py")
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    db.session.execute(text(f"UPDATE articles SET datestamp = {migration.latest(db.engine.dialect.name)} "
                            f"WHERE published_at IS NOT NULL"))


def add_users(prefix: str, count: int, password_hash: str, domain: str = "bench.example") -> list[int]:
    """`count` confirmed accounts <prefix><i>@<domain>, all with one password hash, by bulk inserts: their ids."""
    from journal.extensions import db
    from journal.models import User

    first, now = next_id(User.__table__), datetime.now(UTC)
    for start in range(0, count, 5000):
        db.session.execute(insert(User.__table__), [
            {"id": first + i, "email": f"{prefix}{i}@{domain}", "password_hash": password_hash, "given_name": prefix,
             "family_name": f"{prefix.title()} {i}", "email_verified_at": now}
            for i in range(start, min(count, start + 5000))])
    return list(range(first, first + count))


PASSWORD = "bench-password-1"
# Share of a journal's history in each status, roughly as in a journal some years old.
STATUS_MIX = [("draft", 3), ("submitted", 4), ("under_review", 10), ("revision_requested", 5), ("accepted", 2),
              ("scheduled", 1), ("published", 33), ("rejected", 37), ("withdrawn", 5)]
WORDS = ("plasma", "regolith", "orbit", "comet", "dust", "magnetosphere", "lander", "thermal", "spectra", "ion",
         "asteroid", "solar", "wind", "crater", "radar", "ice", "probe", "trajectory", "Jupiter", "Mars")


def seed_submissions(n: int, rng: random.Random, *, slug: str = "bench", journal_id: int | None = None) -> dict:
    """N submissions in every status (STATUS_MIX) with their review rounds and assignments (some late, some with a
    due-date request) in journal `slug` (created unless `journal_id` names one), its managing editor
    manager@<slug>.example, 30 editors, 400 reviewers and N/10 authors (password PASSWORD), by bulk inserts."""
    from journal.extensions import db
    from journal.models import (Contributor, EditorRecommendation, Journal, Membership, ReviewAssignment,
                                ReviewRound, Role, Section, Submission, User, refresh_review_facts)
    from journal.services.accounts import hash_password

    now = datetime.now(UTC)
    if journal_id is None:
        journal = Journal(slug=slug, title="Benchmark Journal", reference_prefix=slug.upper(), reviews_required=2)
        journal.sections = [Section(title=t, position=i) for i, t in
                            enumerate(("Research Article", "Review", "Letter", "Mission Report"))]
        db.session.add(journal)
    else:
        journal = db.session.get(Journal, journal_id)
    password = hash_password(PASSWORD)
    manager = User(email=f"manager@{slug}.example", password_hash=password, given_name="Maria",
                   family_name="Manager", email_verified_at=now)
    db.session.add(manager)
    db.session.flush()
    db.session.add(Membership(user=manager, journal=journal, role=Role.MANAGING_EDITOR))
    domain = f"{slug}.example"
    editors = add_users("editor", 30, password, domain)
    reviewers = add_users("reviewer", 400, password, domain)
    authors = add_users("author", max(50, n // 10), password, domain)
    db.session.execute(insert(Membership.__table__), [
        {"user_id": u, "journal_id": journal.id, "role": "editor"} for u in editors] + [
        {"user_id": u, "journal_id": journal.id, "role": "reviewer"} for u in reviewers])
    sections = [s.id for s in journal.sections]
    first_sub = next_id(Submission.__table__)
    round_id = next_id(ReviewRound.__table__) - 1
    assignment_id = next_id(ReviewAssignment.__table__) - 1

    statuses = rng.choices([s for s, _ in STATUS_MIX], weights=[w for _, w in STATUS_MIX], k=n)
    submissions, contributors, rounds, assignments, recommendations = [], [], [], [], []
    for i, status in enumerate(statuses, start=first_sub):
        age = timedelta(days=rng.uniform(0, 5 * 365))
        in_status = age * rng.uniform(0.02, 0.6) if status in ("submitted", "under_review") else age * rng.random()
        current = 0 if status == "draft" else rng.choices((1, 2, 3), weights=(70, 25, 5))[0]
        if status == "submitted" and rng.random() < 0.7:
            current = 1
        editor = None if status == "draft" or rng.random() < 0.12 else rng.choice(editors)
        submissions.append({
            "id": i, "journal_id": journal.id, "section_id": rng.choice(sections), "submitter_id": rng.choice(authors),
            "handling_editor_id": editor,
            "reference": None if status == "draft" else f"{journal.reference_prefix}-{2021 + i % 5}-{i:05d}",
            "title": " ".join(rng.sample(WORDS, 5)).capitalize() + f" ({i})", "status": status,
            "current_round": current, "created_at": now - age, "updated_at": now - in_status,
            "status_changed_at": now - in_status, "submitted_at": None if status == "draft" else now - age,
        })
        contributors.append({"submission_id": i, "position": 0, "given_name": "Author", "family_name": f"Number {i}",
                             "email": f"author{i}@{domain}", "is_corresponding": True})
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
                    "reviewer_id": reviewer, "invitee_email": f"r{assignment_id}@{domain}",
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
    refresh_review_facts(db.session)  # bulk inserts pass no flush hook: the stored figures set in one statement
    db.session.commit()
    return {"journal": journal.id, "editor": editors[0], "submissions": n, "rounds": len(rounds),
            "assignments": len(assignments), "users": 1 + len(editors) + len(reviewers) + len(authors),
            "statuses": {s: statuses.count(s) for s, _ in STATUS_MIX}}
