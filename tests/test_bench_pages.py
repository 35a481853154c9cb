"""The load benchmark anyone can run (scripts/bench_pages.py), at a tiny size: it fills a SQLite database, starts
the journal (cached and uncached) and the bare Flask app under gunicorn, drives them with wrk for a second per page,
and prints a row with figures for every reader's page. The figures themselves are not judged here."""

import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["robots.txt", "journal home", "archive", "issue", "article", "search: plasma", "OAI ListRecords",
         "Atom feed", "sitemap index", "sitemap articles-0"]
NUMBER = r"[\d,]+(?:\.\d+)?"

missing = [name for name, found in (("wrk", shutil.which("wrk")),
                                    ("gunicorn", importlib.util.find_spec("gunicorn"))) if not found]
pytestmark = pytest.mark.skipif(bool(missing), reason=f"*** {' and '.join(missing)} not installed: the load "
                                                      f"benchmark is NOT tested (make bench-deps installs wrk) ***")


def test_a_tiny_run_prints_every_page_with_its_figures(tmp_path):
    run = subprocess.run(
        [sys.executable, str(ROOT / "scripts/bench_pages.py"), "--articles", "200", "--per-issue", "50",
         "--submissions", "200", "--users", "500", "--duration", "1", "--runs", "1", "--warmup", "0",
         "--threads", "1", "--connections", "2", "--redis", "none"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    out = run.stdout
    assert re.search(r"at the start: load average [\d.]+ [\d.]+ [\d.]+", out)
    assert re.search(r"at the end: load average [\d.]+ [\d.]+ [\d.]+", out)
    assert re.search(rf"bare Flask, small template: {NUMBER} req/s, p50 {NUMBER} ms, p99 {NUMBER} ms", out)
    for page in PAGES:
        row = next((line for line in out.splitlines() if line.strip().startswith(f"| {page}")), None)
        assert row is not None, f"no row for {page}:\n{out}"
        cells = [cell.strip() for cell in row.strip().strip("|").split("|")][2:]
        # cached and uncached: req/s, p50, p99, share of bare, SQL statements
        assert len(cells) == 10, row
        for kind in (cells[:5], cells[5:]):
            rps, p50, p99, share, sql = kind
            assert re.fullmatch(NUMBER, rps) and float(rps.replace(",", "")) > 0, row
            assert re.fullmatch(NUMBER, p50) and re.fullmatch(NUMBER, p99), row
            assert re.fullmatch(r"\d+ %", share) and re.fullmatch(r"\d+", sql), row
    robots = next(line for line in out.splitlines() if line.strip().startswith("| robots.txt"))
    assert robots.strip().strip("|").split("|")[-1].strip() == "0"  # robots.txt reads no row
    assert "requests failed" not in out, out
