"""How fast article search answers with 20,000 (or 200,000) published articles: prints figures, asserts nothing.

    .venv/bin/python scripts/bench_search.py [--n 20000|200000] [--repeat 30] [--skip-sqlite]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Creates a fresh SQLite file in a temporary folder (and, with --postgres, a scratch database on that server,
dropped afterwards), migrates it, and fills two journals with N published articles in 40 issues over five
years (submission, article and version rows by bulk inserts; titles, keywords, two to four authors and an
abstract of about 120 words drawn from a vocabulary in which some words are common and some rare), then builds
the search index with `journal.search.reindex_all()` (the migration's statement). Each query is run through the
Flask test client as the search page (/search?q=…), R times after one warm-up: median and 95th percentile wall
time in milliseconds, the median CPU time of this process, and the SQL statements per request. A bare Flask app
rendering a small template is measured in the same run, as the baseline.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import re
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from _bench import (  # noqa: E402
    COMMON,
    MIDDLE,
    RARE,
    add_postgres_option,
    bare_flask,
    on_each_backend,
    settle,
    small_template,
    timed,
    vocabulary_abstract,
)
from sqlalchemy import event, insert, text  # noqa: E402

from config import TestConfig  # noqa: E402
from journal import create_app  # noqa: E402
from journal.extensions import db  # noqa: E402
from journal.models import (  # noqa: E402
    Article,
    ArticleVersion,
    Contributor,
    Issue,
    Journal,
    Section,
    Submission,
    User,
)
from journal.search import reindex_all  # noqa: E402

GIVEN = ("Mei", "John", "Elena", "Ada", "Marco", "Sara", "Kenji", "Priya", "Diego", "Amira", "Tom", "Lin", "Grace")
FAMILY = ("Chen", "Mbeki", "Petrova", "Okafor", "Bianchi", "Lindqvist", "Watanabe", "Raman", "Ferreira", "Haddad",
          "Fischer", "Zhao", "Otieno", "Nkosi", "Souza", "Sokolov", "Quist")
QUERIES = [  # (label, query string)
    ("common word: plasma", "q=plasma"),
    ("two common words: solar wind", "q=solar+wind"),
    ("phrase: \"solar wind\"", "q=%22solar+wind%22"),
    ("rare word: serpentinization", f"q={RARE}"),
    ("an author: Watanabe", "q=Watanabe"),
    ("common word, journal + year + section", "q=plasma&journal=bench&year=2024&section={section}"),
    ("common word, page 50", "q=plasma&page=50"),
    ("nothing found: xylophone", "q=xylophone"),
    ("Chinese inside a run: 月球样品", "q=%E6%9C%88%E7%90%83%E6%A0%B7%E5%93%81"),
    ("Chinese, common: 太阳风", "q=%E5%A4%AA%E9%98%B3%E9%A3%8E"),
    ("empty query (help page)", ""),
]


# One article in five has its title and abstract in Chinese too (translated_*), made of these phrases, written
# without spaces as Chinese is; 嫦娥五号月球样品 in about one Chinese abstract in a hundred.
ZH_PHRASES = ("太阳风", "磁层", "等离子体", "月壤", "撞击坑", "热导率", "探测器", "轨道", "光谱", "尘埃", "我们测量了",
              "结果表明", "在真空中", "比预期", "的", "和", "观测", "模型", "数据", "分析")
ZH_RARE = "嫦娥五号月球样品"


def chinese(rng: random.Random, n: int, words: int) -> str:
    text = "".join(rng.choice(ZH_PHRASES) for _ in range(words))
    return (ZH_RARE + text if n % 500 == 0 else text) + "。"


def seed(n: int, rng: random.Random) -> dict:
    now = datetime.now(UTC)
    journals = []
    for slug, title in (("bench", "Benchmark Journal"), ("other", "Other Benchmark Journal")):
        journal = Journal(slug=slug, title=title, reference_prefix=slug.upper(), doi_prefix="10.59999")
        journal.sections = [Section(title=t, position=i) for i, t in
                            enumerate(("Research Article", "Review", "Letter", "Mission Report"))]
        journals.append(journal)
    author = User(email="author@bench.example", password_hash="x", given_name="Bench", family_name="Author",
                  email_verified_at=now)
    db.session.add_all(journals + [author])
    db.session.flush()
    issues = []
    for k in range(40):
        journal = journals[k % 2]
        year = 2021 + k // 8
        issue = Issue(journal=journal, volume=year - 2020, number=k % 8 // 2 + 1, year=year, status="published",
                      published_at=datetime(year, 1 + k % 8, 1, tzinfo=UTC))
        issues.append(issue)
    db.session.add_all(issues)
    db.session.flush()
    submissions, contributors, articles, versions = [], [], [], []
    for i in range(1, n + 1):
        issue = issues[i % len(issues)]
        journal = journals[issues.index(issue) % 2]
        section = journal.sections[rng.choice((0, 0, 0, 1, 2, 3))]
        title = " ".join(rng.sample(MIDDLE, 3) + rng.sample(COMMON, 2)).capitalize() + f" ({i})"
        keywords = rng.sample(MIDDLE, 3)
        people = [{"given_name": rng.choice(GIVEN), "family_name": rng.choice(FAMILY), "orcid": "", "affiliation":
                   "Bench Institute", "country": "", "corresponding": j == 0, "email": "" if j else
                   f"a{i}@bench.example"} for j in range(rng.randint(2, 4))]
        published = issue.published_at
        submissions.append({"id": i, "journal_id": journal.id, "section_id": section.id, "submitter_id": author.id,
                            "reference": f"{journal.slug.upper()}-{issue.year}-{i:05d}", "title": title,
                            "status": "published", "current_round": 1, "created_at": published - timedelta(days=200),
                            "updated_at": published, "status_changed_at": published,
                            "submitted_at": published - timedelta(days=200), "keywords": keywords})
        contributors.append({"submission_id": i, "position": 0, "given_name": people[0]["given_name"],
                             "family_name": people[0]["family_name"], "email": f"a{i}@bench.example",
                             "is_corresponding": True})
        articles.append({"id": i, "submission_id": i, "journal_id": journal.id, "issue_id": issue.id,
                         "section_id": section.id, "position": i, "first_page": i, "last_page": i,
                         "doi": f"10.59999/{journal.slug}.{issue.year}.{i:05d}", "status": "published",
                         "published_at": published})
        version = {"id": i, "article_id": i, "number": 1, "title": title, "abstract": vocabulary_abstract(rng, i),
                   "keywords": keywords, "contributors": people, "published_at": published,
                   "translated_language": "", "translated_title": "", "translated_abstract": "",
                   "translated_keywords": []}
        if i % 5 == 0:
            version.update(translated_language="zh", translated_title=chinese(rng, i + 1, 6),
                           translated_abstract=chinese(rng, i, 60))
        versions.append(version)
    for table, rows in ((Submission.__table__, submissions), (Contributor.__table__, contributors),
                        (Article.__table__, articles), (ArticleVersion.__table__, versions)):
        for start in range(0, len(rows), 5000):
            db.session.execute(insert(table), rows[start:start + 5000])
    db.session.execute(text("UPDATE articles SET current_version_id = id"))
    db.session.commit()
    return {"section": journals[0].sections[0].id}


def run(backend: str, url: str, args, workdir: Path) -> None:
    config = type("BenchConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url, "PAGE_CACHE_URL": "none",
                                                  "STORAGE_URL": (workdir / "storage").as_uri(),
                                                  "BASE_URL": "http://bench.test"})
    app = create_app(config)
    logging.disable(logging.INFO)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        started = time.perf_counter()
        facts = seed(args.n, random.Random(5))
        seeded = time.perf_counter() - started
        started = time.perf_counter()
        indexed = reindex_all()
        indexing = time.perf_counter() - started
        settle(db.session)
        statements: list[str] = []
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        db.session.remove()
    client = app.test_client()
    print(f"\n{backend}: {args.n} published articles, rows inserted in {seeded:.1f} s, {indexed} indexed in "
          f"{indexing:.1f} s")
    print(f"  {'search page':40} {'median ms':>9} {'p95 ms':>8} {'CPU ms':>7} {'SQL':>4} {'found':>6}")
    for label, query in QUERIES:
        path = "/search?" + query.format(**facts)
        median, p95, cpu, count, _rows = timed(client, path, args.repeat, statements)
        found = re.search(r"([\d,]+) articles? found", client.get(path).get_data(as_text=True))
        print(f"  {label:40} {median:9.1f} {p95:8.1f} {cpu:7.1f} {count:4d} {found.group(1) if found else '0':>6}")
    median, p95, cpu = bare_flask(args.repeat, small_template)
    print(f"  {'bare Flask, small template (baseline)':40} {median:9.2f} {p95:8.2f} {cpu:7.2f} {0:4d}")
    print(f"  load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=20000, help="published articles to create (default 20000)")
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per query (default 30)")
    parser.add_argument("--skip-sqlite", action="store_true", help="measure PostgreSQL only")
    add_postgres_option(parser)
    args = parser.parse_args()
    on_each_backend("search", args, run)


if __name__ == "__main__":
    main()
