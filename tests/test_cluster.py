"""The cluster (issue 16), shortened for CI: `scripts/cluster.py up`, a soak of about a minute with every failure
in it (an app node killed with SIGKILL, a SeaweedFS volume server stopped, PostgreSQL restarted, a job worker
killed with a job in hand, a mail worker killed in the middle of a batch), the checks, `down`.

The soak itself asserts what the issue asks and exits 1 otherwise: every mail delivered (a second copy with the
same Message-ID only where a worker is killed or the database restarts between the SMTP server's acceptance and
the outbox's record, one per such failure), no reminder
twice, the killed job run again and finished once, `check-consistency` clean, `check-storage` finding every file
row's object with its checksum (an upload cut off on the killed node may leave an object without a row), every stored
object on both replicas with the same bytes, and papers taken from submission through two reviews to acceptance,
production and publication (online first, then seen on the journal's page).
The full run (five minutes): `.venv/bin/python scripts/cluster.py up && .venv/bin/python scripts/cluster.py soak
--fail`.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "cluster.py"


@pytest.fixture
def cluster_dir():
    missing = [name for name in ("haproxy", "redis-server", "openssl") if shutil.which(name) is None]
    if not sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl")):
        missing.append("postgresql (initdb, pg_ctl)")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        missing.append("runuser (PostgreSQL refuses to run as root)")
    if missing:
        pytest.skip(f"THE CLUSTER IS NOT TESTED: {', '.join(missing)} missing (`make cluster-deps` installs "
                    "HAProxy)")
    # Not under pytest's temporary folder: only root may enter it, and PostgreSQL runs as its own user.
    directory = Path(tempfile.mkdtemp(prefix="journal-cluster-"))
    yield directory
    subprocess.run([sys.executable, str(SCRIPT), "down", "--dir", str(directory)], cwd=ROOT, capture_output=True,
                   timeout=120)
    shutil.rmtree(directory, ignore_errors=True)


def run(*args: str, timeout: float) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


def test_the_cluster_keeps_serving_through_its_failures_and_loses_nothing(cluster_dir):
    up = run("up", "--dir", str(cluster_dir), timeout=300)
    assert up.returncode == 0, up.stdout[-3000:] + up.stderr[-3000:]
    assert "cluster up" in up.stdout

    soak = run("soak", "--dir", str(cluster_dir), "--seconds", "75", "--budget", "2500", "--fail", "--pace", "0.5",
               timeout=600)
    output = soak.stdout + soak.stderr
    print(output)  # the figures, in the test's report
    assert soak.returncode == 0, output[-6000:]
    for event in ("kill -9 app1", "app1 back", "stop volume1", "volume1 back", "restart PostgreSQL",
                  "PostgreSQL back", "killed with the job in hand", "killed mid-batch and started again"):
        assert event in output, f"the failure {event!r} did not happen:\n{output[-6000:]}"
    assert "the job held by the killed worker: start → start → done" in output
    # At least once, never lost: a mail may go twice (same Message-ID) when its worker is killed or the database
    # restarts between the SMTP server's acceptance and the outbox's record; the soak allows one for each.
    assert re.search(r"[012] more than once", output) and "0 still queued" in output
    assert re.search(r"soak PASSED .* [1-9]\d* papers submitted → reviewed → accepted, [1-9]\d* of them published",
                     output)
