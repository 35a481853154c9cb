"""How many requests a second the readers' pages answer under gunicorn, from the page cache and without it, beside a
bare Flask app in the same run: prints a table, asserts nothing but correct answers.

    flock /tmp/bench.lock .venv/bin/python scripts/bench_pages.py [--skip-sqlite]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres] [--keep-database] [--reuse-database]
        [--articles 20000] [--per-issue 50] [--submissions 50000] [--users 100000]
        [--threads 2] [--connections 8] [--duration 10] [--runs 3] [--warmup 1] [--show-runs] [--lock PATH]

Fills one database (a SQLite file in a temporary folder, and with --postgres the database `bench_pages` on that
server, dropped afterwards unless --keep-database; --reuse-database measures a kept one as it is) by bulk inserts
(scripts/_bench.py): one journal with N published articles in issues of --per-issue (abstracts drawn from a
vocabulary, a tenth corrected, one in a hundred retracted), the submissions of a journal some years old in every
status with their reviews, and accounts up to --users; then the search index, and VACUUM ANALYZE on PostgreSQL.

Then it starts three gunicorn servers on free loopback ports, each `-w 2` sync workers with no access log: the
journal with a production configuration and the page cache (Redis at --redis when it answers, as in production;
else development settings with the in-process store), the same journal with PAGE_CACHE_URL=none (uncached), and
a bare Flask app rendering a small template (scripts/bench_bare_app.py). Both journals run with
JOURNAL_COUNT_SQL=1, so each answer names its SQL statements (journal/sql_count.py). Every page is checked (200;
the cached server's second answer a hit) and warmed, then wrk (`-t -c -d --latency`, with a browser's
Accept-Encoding) drives the servers one at a time: per round the bare app, every page cached, the bare app again,
every page uncached; --runs rounds. Printed per page: the medians of requests per second, of the 50th and 99th
percentile latency, requests per second as a share of the bare app's median, and the SQL statements per request.
The load average is printed at the start and the end: wrk shares the machine's cores with the servers, so the
share of the bare app is the figure to compare between machines.

With --lock PATH only the measuring (servers and wrk) holds an exclusive flock on PATH, not the filling; do not
combine it with an outer `flock PATH`, which would wait for itself.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import random
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import ExitStack, contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from _bench import add_users, migrated_app, seed_published, seed_submissions, settle, vocabulary_abstract  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

DATABASE = "bench_pages"
SLUG = "bench"
ACCEPT = {"Accept-Encoding": "br, gzip", "Accept-Language": "en"}  # as a browser sends them
GUNICORN = [sys.executable, "-m", "gunicorn", "-w", "2", "-k", "sync", "--timeout", "120", "--log-level", "warning"]


# --- the database -----------------------------------------------------------------------------------------

@contextmanager
def database(backend: str, args, workdir: Path):
    """(URL, whether to fill it): a SQLite file or the PostgreSQL database `bench_pages`, removed after the run
    unless --keep-database."""
    if backend == "sqlite":
        path = (ROOT / "instance" if args.keep_database or args.reuse_database else workdir) / f"{DATABASE}.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        fill = not (args.reuse_database and path.exists())
        if fill and path.exists():
            path.unlink()
        yield f"sqlite:///{path}", fill
        if not args.keep_database and not args.reuse_database:
            path.unlink(missing_ok=True)
        return
    admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
    url = re.sub(r"/[^/]*$", f"/{DATABASE}", args.postgres)
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": DATABASE}).first()
        fill = not (args.reuse_database and exists)
        if fill:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{DATABASE}"'))
    try:
        yield url, fill
    finally:
        if not args.keep_database and not args.reuse_database:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
        admin.dispose()


def fill(url: str, args, workdir: Path) -> float:
    """Migrate and fill the database; seconds taken."""
    from journal.extensions import db
    from journal.search import reindex_all

    started = time.perf_counter()
    app = migrated_app(url, workdir)
    with app.app_context():
        rng = random.Random(7)
        published = seed_published(args.articles, per_issue=args.per_issue, slug=SLUG,
                                   abstract=lambda i: vocabulary_abstract(rng, i))
        seed_submissions(args.submissions, random.Random(4), slug=SLUG, journal_id=published["journal"])
        users = db.session.scalar(text("SELECT count(*) FROM users"))
        if args.users > users:
            add_users("reader", args.users - users, "x")  # accounts that never sign in here
        db.session.commit()
        reindex_all()
        settle(db.session)
        db.session.remove()
        db.engine.dispose()
    return time.perf_counter() - started


def facts_of(url: str) -> dict:
    """What the pages are about, read from the database (so a kept one can be measured again)."""
    engine = create_engine(url)
    with engine.connect() as conn:
        def one(sql: str, **params):
            return conn.execute(text(sql), params).scalar()

        journal = one("SELECT id FROM journals WHERE slug = :slug", slug=SLUG)
        published = one("SELECT count(*) FROM articles WHERE published_at IS NOT NULL")
        issues = one("SELECT count(*) FROM issues WHERE journal_id = :j AND status = 'published'", j=journal)
        found = {
            "published": published, "issues": issues,
            "issue": one("SELECT id FROM issues WHERE journal_id = :j AND status = 'published' ORDER BY id "
                         "LIMIT 1 OFFSET :o", j=journal, o=issues // 2),
            "article": one("SELECT id FROM articles WHERE journal_id = :j AND published_at IS NOT NULL AND "
                           "retracted_at IS NULL ORDER BY id LIMIT 1 OFFSET :o", j=journal, o=published // 2),
            "submissions": one("SELECT count(*) FROM submissions"),
            "users": one("SELECT count(*) FROM users"),
            "versions": one("SELECT count(*) FROM article_versions"),
        }
    engine.dispose()
    return found


# --- servers and requests ---------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@contextmanager
def servers(specs: list[tuple[str, str, dict, Path, str]], workdir: Path):
    """gunicorn servers of (name, app, env, folder, probe), started together on free loopback ports, each answering
    its probe before they are handed out: their base URLs. A server's log is printed if it does not start."""
    started = []
    try:
        for name, app, env, chdir, probe in specs:
            port = free_port()
            log = workdir / f"gunicorn-{name}.log"
            with open(log, "wb") as out:
                process = subprocess.Popen(GUNICORN + ["-b", f"127.0.0.1:{port}", "--chdir", str(chdir), app],
                                           env={**env, "BASE_URL": f"http://127.0.0.1:{port}"}, stdout=out,
                                           stderr=subprocess.STDOUT, start_new_session=True)
            started.append((name, process, f"http://127.0.0.1:{port}", probe, log))
        deadline = time.monotonic() + 90
        for name, process, base, probe, log in started:
            while True:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{name} server did not start:\n{log.read_text()[-3000:]}")
                try:
                    if get(base + probe)[0] == 200:
                        break
                except OSError:
                    pass
                time.sleep(0.2)
        yield [base for _name, _process, base, _probe, _log in started]
    finally:
        for _name, process, _base, _probe, _log in started:
            process.terminate()
        for _name, process, _base, _probe, _log in started:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def redis_reachable(url: str) -> bool:
    if not url or url == "none":
        return False
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5).ping())
    except Exception:  # noqa: BLE001 - any failure: no Redis
        return False


def app_env(url: str, workdir: Path, cache_url: str, redis_url: str | None) -> dict:
    """A production configuration (development settings with in-process stores when there is no Redis)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("JOURNAL_", "PAGE_CACHE"))}
    env.update({"JOURNAL_ENV": "production" if redis_url else "development", "SECRET_KEY": secrets.token_urlsafe(48),
                "FORCE_HTTPS": "0", "DATABASE_URL": url, "STORAGE_URL": (workdir / "storage").as_uri(),
                "JOURNAL_INSTANCE_PATH": str(workdir / "instance"), "JOURNAL_COUNT_SQL": "1",
                "RATELIMIT_STORAGE_URL": redis_url or "memory://", "PAGE_CACHE_URL": cache_url})
    return env


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def wrk(url: str, args, seconds: float | None = None) -> dict:
    """One wrk run: requests per second, p50 and p99 in ms, and the failed requests."""
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{seconds or args.duration:g}s", "--latency",
               "--timeout", "30s"] + [arg for name, value in ACCEPT.items() for arg in ("-H", f"{name}: {value}")]
    output = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    found = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)), "failed": 0}
    for name in ("50", "99"):
        match = re.search(rf"^\s+{name}%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.MULTILINE)
        found[f"p{name}"] = float(match.group(1)) * UNITS[match.group(2)] if match else float("nan")
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        found["failed"] += int(match.group(1))
    if match := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output):
        found["failed"] += sum(int(v) for v in match.groups())
    if found["failed"]:
        print(f"  *** {url}: " + "; ".join(line.strip() for line in output.splitlines()
                                            if "responses" in line or "errors" in line))
    return found


def oai_mid_page(base: str, published: int) -> tuple[str, int]:
    """The path of the ListRecords page in the middle of the list, reached through the resumption tokens."""
    path, page = "/oai?verb=ListRecords&metadataPrefix=oai_dc", 1
    size = None
    while True:
        status, _headers, body = get(base + path)
        assert status == 200, (path, status)
        token = re.search(rb"<resumptionToken[^>]*>([^<]+)</resumptionToken>", body)
        size = size or (body.count(b"<record>") or 1)
        if token is None or page >= max(1, published // size // 2):
            return path, page
        path, page = f"/oai?verb=ListRecords&resumptionToken={urllib.parse.quote(token.group(1).decode())}", page + 1


def pages_of(facts: dict, base: str) -> list[tuple[str, str]]:
    from journal.web.public.reading import SITEMAP_PART

    oai, page = oai_mid_page(base, facts["published"])
    part = min(1, facts["article"] // SITEMAP_PART)
    return [
        ("robots.txt", "/robots.txt"),
        ("journal home", f"/j/{SLUG}/"),
        ("archive", f"/j/{SLUG}/issues"),
        ("issue", f"/j/{SLUG}/issues/{facts['issue']}"),
        ("article", f"/j/{SLUG}/articles/{facts['article']}"),
        ("search: plasma", "/search?q=plasma"),
        (f"OAI ListRecords p. {page}", oai),
        ("Atom feed", f"/j/{SLUG}/feed.atom"),
        ("sitemap index", "/sitemap.xml"),
        (f"sitemap articles-{part}", f"/sitemaps/articles-{part}.xml"),
    ]


def check(base: str, path: str, *, cached: bool) -> int:
    """GET as a browser would until the answer comes from the page cache (each worker of an in-process store fills
    its own; at most 8 tries), or twice from the uncached server: every answer 200. The last one's statements."""
    for attempt in range(1, 9):
        status, headers, _body = get(base + path, ACCEPT)
        assert status == 200, (base + path, status)
        if attempt >= 2 and (not cached or headers.get("X-Page-Cache") == "hit"):
            break
    from journal.page_cache import NEVER_LOOKED_UP

    if cached and path not in NEVER_LOOKED_UP and headers.get("X-Page-Cache") != "hit":
        print(f"  *** {path}: no answer from the page cache in 8 tries ({headers.get('X-Page-Cache')})")
    return int(headers.get("X-SQL-Statements", -1))


# --- the run ----------------------------------------------------------------------------------------------

def load() -> str:
    return "load average " + " ".join(f"{v:.2f}" for v in os.getloadavg()) + f" on {os.cpu_count()} cores"


def median_of(runs: list[dict]) -> dict:
    return {key: statistics.median(run[key] for run in runs) for key in ("rps", "p50", "p99")} | {
        "failed": sum(run["failed"] for run in runs)}


def measure(backend: str, url: str, args, workdir: Path) -> None:
    facts = facts_of(url)
    redis_url = args.redis if redis_reachable(args.redis) else None
    release = f"bench-{secrets.token_hex(6)}"  # a key space of its own: no page of an earlier run is served
    app = f'journal:create_app({{"RELEASE": "{release}"}})'
    store = f"Redis {redis_url}, production settings" if redis_url else "in-process memory:// (no Redis), development settings"
    print(f"\n{backend}: {facts['published']:,} published articles ({facts['versions']:,} versions) in "
          f"{facts['issues']:,} issues, {facts['submissions']:,} submissions, {facts['users']:,} users")
    print(f"  gunicorn -w 2 sync workers each; page cache: {store}; wrk -t{args.threads} -c{args.connections} "
          f"-d{args.duration:g}s --latency, median of {args.runs} runs")
    with ExitStack() as stack:
        if args.lock:
            lock = stack.enter_context(open(args.lock, "a"))
            waited = time.monotonic()
            fcntl.flock(lock, fcntl.LOCK_EX)
            print(f"  holding {args.lock} (waited {time.monotonic() - waited:.0f} s)")
        print(f"  at the start: {load()}")
        bare, cached, uncached = stack.enter_context(servers([
            ("bare", "bench_bare_app:app", dict(os.environ), ROOT / "scripts", "/"),
            ("cached", app, app_env(url, workdir, redis_url or "memory://", redis_url), ROOT, "/robots.txt"),
            ("uncached", app, app_env(url, workdir, "none", redis_url), ROOT, "/robots.txt")], workdir))
        pages = pages_of(facts, uncached)
        sql = {}
        for label, path in pages:
            sql[("cached", label)] = check(cached, path, cached=True)
            sql[("uncached", label)] = check(uncached, path, cached=False)
        if args.warmup:
            for base in (bare, cached, uncached):
                for _label, path in ([("", "/")] if base == bare else pages):
                    wrk(base + path, args, seconds=args.warmup)
        results: dict = {}
        for _round in range(args.runs):
            for kind, base in (("cached", cached), ("uncached", uncached)):
                results.setdefault("bare", []).append(wrk(bare + "/", args))
                for label, path in pages:
                    results.setdefault((kind, label), []).append(wrk(base + path, args))
        print(f"  at the end: {load()}")
    baseline = median_of(results["bare"])
    print(f"  bare Flask, small template: {baseline['rps']:,.0f} req/s, p50 {baseline['p50']:.2f} ms, "
          f"p99 {baseline['p99']:.2f} ms (median of {len(results['bare'])} runs)\n")
    print("  | page | path | cached req/s | p50 ms | p99 ms | of bare | SQL | uncached req/s | p50 ms | p99 ms "
          "| of bare | SQL |")
    print("  |---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    failed = 0
    for label, path in pages:
        cells = []
        for kind in ("cached", "uncached"):
            m = median_of(results[(kind, label)])
            failed += m["failed"]
            cells += [f"{m['rps']:,.0f}", f"{m['p50']:.2f}", f"{m['p99']:.2f}",
                      f"{100 * m['rps'] / baseline['rps']:.0f} %", str(sql[(kind, label)])]
        shown = path if len(path) <= 40 else path[:37] + "..."
        print(f"  | {label} | `{shown}` | " + " | ".join(cells) + " |")
    if args.show_runs:
        print("\n  requests per second of each run, in order (cached | uncached):")
        print("  bare Flask: " + ", ".join(f"{run['rps']:,.0f}" for run in results["bare"]))
        for label, _path in pages:
            print(f"  {label}: " + " | ".join(", ".join(f"{run['rps']:,.0f}" for run in results[(kind, label)])
                                             for kind in ("cached", "uncached")))
    if failed:
        print(f"\n  *** {failed} requests failed (non-2xx, or socket errors): see wrk")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=20000, help="published articles (default 20000)")
    parser.add_argument("--per-issue", type=int, default=50, help="articles per issue (default 50: 400 issues)")
    parser.add_argument("--submissions", type=int, default=50000, help="submissions in every status (default 50000)")
    parser.add_argument("--users", type=int, default=100000, help="accounts in all (default 100000)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections (default 8)")
    parser.add_argument("--duration", type=int, default=10, help="whole seconds per wrk run (default 10)")
    parser.add_argument("--runs", type=int, default=3, help="rounds; the medians are printed (default 3)")
    parser.add_argument("--warmup", type=int, default=1, help="seconds of wrk per page before measuring, 0: none")
    parser.add_argument("--skip-sqlite", action="store_true", help="measure PostgreSQL only")
    parser.add_argument("--postgres", metavar="URL", help="also measure PostgreSQL: a server URL where the database "
                                                          f"{DATABASE} may be created and dropped")
    parser.add_argument("--keep-database", action="store_true", help="keep the filled database after the run")
    parser.add_argument("--reuse-database", action="store_true", help="measure the kept database as it is "
                                                                      "(filled first if it is missing)")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/13",
                        help="Redis for the page cache and rate limits, used when it answers (default "
                             "redis://127.0.0.1:6379/13; none: the in-process store)")
    parser.add_argument("--show-runs", action="store_true", help="also print each run's requests per second")
    parser.add_argument("--lock", metavar="PATH", help="hold an exclusive flock on PATH while measuring only")
    args = parser.parse_args()
    for program in ("wrk",):
        if shutil.which(program) is None:
            sys.exit(f"*** {program} is not installed: apt-get install -y {program} (make bench-deps)")
    print(f"bench_pages: {load()}")
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as tmp:
        workdir = Path(tmp)
        backends = ([] if args.skip_sqlite else ["sqlite"]) + (["postgresql"] if args.postgres else [])
        for backend in backends:
            with database(backend, args, workdir) as (url, empty):
                if empty:
                    seconds = fill(url, args, workdir)
                    print(f"\n{backend}: filled in {seconds:.0f} s")
                measure(backend, url, args, workdir)


if __name__ == "__main__":
    main()
