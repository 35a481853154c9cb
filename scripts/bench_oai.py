"""How fast the OAI-PMH endpoint pages through tens of thousands of published articles: prints figures,
asserts nothing but correct answers.

    .venv/bin/python scripts/bench_oai.py [--n 20000|200000] [--repeat 20] [--page-size 100] [--skip-sqlite]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Creates a fresh SQLite file in a temporary folder (and, with --postgres, a scratch database on that server,
dropped afterwards), migrates it, and fills one journal with N published articles in issues of 100 (a tenth
of them corrected with a second version, one in a hundred retracted) plus some not yet published, by bulk
inserts. Then it harvests the whole list once through the resumption tokens (checking every article arrives
exactly once), keeps the tokens of pages 2, 100 and the last, and GETs each page R times after one warm-up
through the Flask test client, printing the median and 95th percentile in milliseconds, the median CPU time
of this process and the SQL statements per request. A bare Flask route is measured in the same run as the
baseline.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from _bench import BulkRows, add_postgres_option, bare_flask, on_each_backend, timed  # noqa: E402
from lxml import etree  # noqa: E402
from sqlalchemy import event, text, update  # noqa: E402

from config import TestConfig  # noqa: E402
from journal import create_app  # noqa: E402
from journal.extensions import db  # noqa: E402
from journal.models import (  # noqa: E402
    Article,
    ArticleVersion,
    Issue,
    Journal,
    Section,
    Submission,
    User,
)

NS = {"o": "http://www.openarchives.org/OAI/2.0/"}
PEOPLE = [{"given_name": "Mei", "family_name": "Chen", "orcid": "0000-0002-1825-0097",
           "affiliation": "Tohoku University", "country": "JP", "corresponding": True, "email": "mei@bench.example"},
          {"given_name": "Kenji", "family_name": "Watanabe", "orcid": "", "affiliation": "Institute of Space Science",
           "country": "DE", "corresponding": False, "email": ""}]
# About 1,000 characters with two formulas, as abstracts here are; each article's differs (no cache helps).
ABSTRACT = ("Study {i}. We measured the **heat flow** through the lunar regolith over three lunar nights, "
            "$q = -k\\nabla T$, with probes at four depths between 0.3 and 2.4 m. " * 3 +
            "\n\nThe conductivity rises with depth as $k(z) = k_0 (1 + z/z_0)^{{1/2}}$, as models of compaction "
            "predict; the surface layer is looser than expected. " * 2)


def seed(n: int) -> dict:
    """One journal, N published articles in issues of 100, and a few unpublished ones, by bulk inserts."""
    start = datetime(2015, 1, 1, tzinfo=UTC)
    journal = Journal(slug="bench", title="Benchmark Journal", reference_prefix="BENCH", doi_prefix="10.59999",
                      issn_online="2049-3630", publisher="Benchmark Press")
    journal.sections = [Section(title=t, position=i) for i, t in enumerate(("Research Article", "Letter"))]
    author = User(email="author@bench.example", password_hash="x", given_name="Mei", family_name="Chen")
    db.session.add_all([journal, author])
    db.session.flush()
    sections = [s.id for s in journal.sections]
    bulk = BulkRows(db.session, (Issue.__table__, Submission.__table__, Article.__table__, ArticleVersion.__table__))
    issues, corrections, retracted = 0, 0, []
    unpublished = max(10, n // 100)
    for i in range(1, n + unpublished + 1):
        public = i <= n
        issue_no = (i - 1) // 100 + 1
        when = start + timedelta(days=7 * issue_no, seconds=i % 100)  # an issue's articles share its day
        if public and (i - 1) % 100 == 0:
            issues += 1
            bulk.add(Issue.__table__, {"id": issue_no, "journal_id": journal.id, "volume": 1 + issue_no // 12,
                           "number": issue_no % 12 + 1, "year": min(2200, when.year), "title": "",
                           "description": "", "status": "published", "published_at": when, "created_at": when,
                           "version": 1})
        bulk.add(Submission.__table__, {"id": i, "journal_id": journal.id, "section_id": sections[i % 2],
                                        "submitter_id": author.id, "title": f"Regolith heat flow, study {i}",
                                        "status": "published" if public else "scheduled", "current_round": 1,
                                        "created_at": when, "updated_at": when, "status_changed_at": when})
        bulk.add(Article.__table__, {"id": i, "submission_id": i, "journal_id": journal.id,
                         "issue_id": issue_no if public else None, "section_id": sections[i % 2],
                         "position": i % 100, "first_page": (i % 100) * 10 + 1, "last_page": (i % 100) * 10 + 9,
                         "doi": f"10.59999/bench.{i:06d}" if public else None,
                         "status": "published" if public else "proofs_approved",
                         "proof_corrections": "", "published_at": when if public else None,
                         "retraction_notice": "", "created_at": when,
                         "updated_at": when, "lock_version": 1})
        bulk.add(ArticleVersion.__table__, {"id": i, "article_id": i, "number": 1,
                         "title": f"Regolith heat flow, study {i}", "abstract": ABSTRACT.format(i=i),
                         "keywords": ["Moon", "regolith", "heat flow"], "language": "en",
                         "contributors": PEOPLE, "funding": "", "competing_interests": "", "data_availability": "",
                         "licence": "CC-BY-4.0", "change_note": "", "created_at": when,
                         "published_at": when if public else None})
        if public and i % 10 == 0:
            later = when + timedelta(days=400)
            corrections += 1
            bulk.add(ArticleVersion.__table__, {"id": n + unpublished + i, "article_id": i, "number": 2,
                                "title": f"Regolith heat flow, study {i} (corrected)", "abstract": ABSTRACT.format(i=i),
                                "keywords": ["Moon"], "language": "en", "contributors": PEOPLE, "funding": "",
                                "competing_interests": "", "data_availability": "", "licence": "CC-BY-4.0",
                                "change_note": "Units of table 2.", "created_at": later, "published_at": later})
        if public and i % 100 == 7:
            retracted.append(i)
    bulk.flush()
    # Each article's newest version is its current one: two statements (UPDATE … FROM), not one per correction.
    articles, versions = Article.__table__, ArticleVersion.__table__
    db.session.execute(update(articles).values(current_version_id=articles.c.id))
    db.session.execute(update(articles).values(current_version_id=versions.c.id)
                       .where(versions.c.article_id == articles.c.id, versions.c.number == 2))
    for first in range(0, len(retracted), 5000):
        db.session.execute(update(Article.__table__).where(Article.__table__.c.id.in_(retracted[first:first + 5000]))
                           .values(status="retracted", retracted_at=start + timedelta(days=3000),
                                   retraction_notice="Retracted: the probes were not calibrated."))
    # Bulk inserts pass the model's flush hook by: the stored datestamp as migration 0021 fills it.
    fill_datestamps()
    db.session.commit()
    return {"published": n, "unpublished": unpublished, "issues": issues, "corrected": corrections,
            "retracted": len(retracted)}


def fill_datestamps() -> None:
    """`articles.datestamp` for rows inserted in bulk, by migration 0021's statement."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("migration_0021",
                                                  ROOT / "migrations/versions/0021_datestamp_and_trigrams.py")
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    db.session.execute(text(f"UPDATE articles SET datestamp = {migration.latest(db.engine.dialect.name)} "
                            f"WHERE published_at IS NOT NULL"))


def harvest(client, verb: str) -> tuple[list[str], dict[int, str], float]:
    """The whole list through the resumption tokens: identifiers in order, the token of each page, seconds."""
    identifiers, tokens = [], {}
    url = f"/oai?verb={verb}&metadataPrefix=oai_dc"
    page = 1
    started = time.perf_counter()
    while True:
        document = etree.fromstring(client.get(url).data)
        identifiers += [e.text for e in document.iterfind(".//o:header/o:identifier", NS)]
        token = document.findtext(f"o:{verb}/o:resumptionToken", namespaces=NS)
        if not token:
            break
        page += 1
        tokens[page] = token
        url = f"/oai?verb={verb}&resumptionToken={token}"
    return identifiers, tokens, time.perf_counter() - started


def xml_hello():
    return "<?xml version='1.0'?><hello>world</hello>", 200, {"Content-Type": "text/xml"}


def run(backend: str, url: str, args, workdir: Path) -> None:
    config = type("BenchConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url, "OAI_PAGE_SIZE": args.page_size,
                                                  "STORAGE_URL": (workdir / "storage").as_uri(),
                                                  "BASE_URL": "https://bench.example.org"})
    app = create_app(config)
    logging.disable(logging.INFO)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        started = time.perf_counter()
        facts = seed(args.n)
        seconds = time.perf_counter() - started
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        statements: list[str] = []
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        db.session.remove()
    client = app.test_client()
    print(f"\n{backend}: {facts['published']} published articles in {facts['issues']} issues ({facts['corrected']} "
          f"corrected, {facts['retracted']} retracted), {facts['unpublished']} not yet published; seeded in "
          f"{seconds:.1f} s; page size {args.page_size}")
    rows = []
    for verb in ("ListRecords", "ListIdentifiers"):
        identifiers, tokens, took = harvest(client, verb)
        assert len(identifiers) == len(set(identifiers)) == facts["published"], (len(identifiers), len(set(identifiers)))
        print(f"  whole harvest, {verb}: {len(tokens) + 1} pages, {len(identifiers)} records, each once, "
              f"in {took:.1f} s")
        last = max(tokens)
        rows += [(f"{verb}, page 1 (counts the list)", f"/oai?verb={verb}&metadataPrefix=oai_dc"),
                 (f"{verb}, page 2", f"/oai?verb={verb}&resumptionToken={tokens[2]}"),
                 (f"{verb}, page 100", f"/oai?verb={verb}&resumptionToken={tokens[min(100, last)]}"),
                 (f"{verb}, page {last} (last)", f"/oai?verb={verb}&resumptionToken={tokens[last]}")]
    rows += [("ListRecords from=2023-01-01 (incremental)", "/oai?verb=ListRecords&metadataPrefix=oai_dc"
                                                           "&from=2023-01-01"),
             ("ListRecords, one section (set)", f"/oai?verb=ListRecords&metadataPrefix=oai_dc&set=bench:section-2"),
             ("GetRecord", "/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:bench.example.org:article/777"),
             ("Identify", "/oai?verb=Identify"),
             ("ListSets", "/oai?verb=ListSets")]
    print(f"  {'request':44} {'median ms':>9} {'p95 ms':>8} {'CPU ms':>7} {'SQL':>4} {'records':>7}")
    for label, path in rows:
        median, p95, cpu, count, records = timed(client, path, args.repeat, statements,
                                                 check=lambda r: b"<error" not in r.data,
                                                 count=lambda r: r.data.count(b"<header"))
        print(f"  {label:44} {median:9.1f} {p95:8.1f} {cpu:7.1f} {count:4d} {records:7d}")
    median, p95, cpu = bare_flask(args.repeat * 10, xml_hello)
    print(f"  {'bare Flask route (baseline)':44} {median:9.2f} {p95:8.2f} {cpu:7.2f} {0:4d}")
    print(f"  load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=20000, help="published articles to create (default 20000)")
    parser.add_argument("--repeat", type=int, default=20, help="timed requests per page (default 20)")
    parser.add_argument("--skip-sqlite", action="store_true", help="measure PostgreSQL only")
    parser.add_argument("--page-size", type=int, default=100, help="records per page (default 100)")
    add_postgres_option(parser)
    args = parser.parse_args()
    on_each_backend("oai", args, run)


if __name__ == "__main__":
    main()
