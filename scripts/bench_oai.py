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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from _bench import add_postgres_option, bare_flask, on_each_backend, seed_published, timed  # noqa: E402
from lxml import etree  # noqa: E402
from sqlalchemy import event, text  # noqa: E402

from config import TestConfig  # noqa: E402
from journal import create_app  # noqa: E402
from journal.extensions import db  # noqa: E402

NS = {"o": "http://www.openarchives.org/OAI/2.0/"}


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
    config = type("BenchConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url, "PAGE_CACHE_URL": "none", "OAI_PAGE_SIZE": args.page_size,
                                                  "STORAGE_URL": (workdir / "storage").as_uri(),
                                                  "BASE_URL": "https://bench.example.org"})
    app = create_app(config)
    logging.disable(logging.INFO)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        started = time.perf_counter()
        facts = seed_published(args.n)
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
