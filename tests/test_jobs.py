"""Background work on the job queue (journal/jobs.py): jobs run by workers, retried with backoff, periodic jobs
scheduled once for the whole cluster, and a job held by a worker killed with SIGKILL run again by another."""

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis

from config import TestConfig
from journal import create_app
from journal.jobs import NAMESPACE, QUEUE, SCHEDULE, jobs
from tests.conftest import make_config
from tests.test_reminders import at, office, reminders  # noqa: F401 - the fixture that sets up a journal's office

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def app_config(database_url, tmp_path):
    return make_config(database_url, tmp_path / "storage", JOBS_PROBE=str(tmp_path / "probe"))


def probe_runs(directory: Path, token: str) -> list[str]:
    path = Path(directory) / f"{token}.log"
    return [line.split(":")[0] for line in path.read_text().split()] if path.exists() else []


def test_the_reminders_job_sends_what_the_command_sends_and_nothing_twice(app, office, outbox):  # noqa: F811
    journal_office = office()
    assignment = journal_office.invite(journal_office.paper(), 1, accept=True)
    moment = at(assignment.due_at, 3).isoformat()
    queue = jobs()
    queue.send("send_reminders", now=moment)
    queue.wait()
    assert [m.recipient for m in reminders(outbox)] == ["tomas@jdse.example.org"]
    queue.send("send_reminders", now=moment)  # run again, as after a worker died before acknowledging it
    queue.wait()
    assert len(reminders(outbox)) == 1


def test_a_failing_job_is_retried_with_backoff_until_it_succeeds(app, app_config):
    directory = Path(app_config.JOBS_PROBE)
    directory.mkdir()
    queue = jobs()
    started = time.monotonic()
    queue.send("probe", directory=str(directory), token="flaky", fail_times=2)
    queue.wait()
    assert probe_runs(directory, "flaky") == ["start", "start", "start", "done"]
    assert time.monotonic() - started >= 0.2 * 2  # the probe's backoff is 200 ms and more, doubling


def test_the_send_job_command_runs_a_job_and_names_the_known_ones(app, runner):
    result = runner.invoke(args=["journal", "send-job", "flush_usage"])
    assert result.exit_code == 0 and "flush_usage: done" in result.output, result.output
    unknown = runner.invoke(args=["journal", "send-job", "reticulate"])
    assert unknown.exit_code != 0 and "send_reminders" in unknown.output and "flush_usage" in unknown.output


def test_each_period_of_a_periodic_job_is_sent_once_by_one_process(app):
    queue = jobs()
    queue.run_in_process = False  # only count what is sent
    morning = datetime(2026, 12, 7, 7, 5, tzinfo=UTC)
    assert sorted(queue.schedule(morning)) == ["flush_usage", "send_reminders"]
    assert queue.schedule(morning) == [] and queue.schedule(morning + timedelta(minutes=4)) == []
    assert queue.schedule(morning + timedelta(minutes=6)) == ["flush_usage"]  # the next ten minutes
    assert queue.schedule(datetime(2026, 12, 8, 6, 59, tzinfo=UTC)) == ["flush_usage"]  # before 07:00: same day
    assert sorted(queue.schedule(datetime(2026, 12, 8, 7, 0, tzinfo=UTC))) == ["flush_usage", "send_reminders"]
    assert {p.name for p in SCHEDULE} == {"flush_usage", "send_reminders"}


# --- on Redis, as in a cluster ---------------------------------------------------------------------------------

@pytest.fixture
def shared_queue(redis_server):
    client = redis.Redis.from_url(redis_server)
    for key in client.scan_iter(f"{NAMESPACE}*"):
        client.delete(key)
    return redis_server


def test_two_nodes_schedule_each_periodic_job_once_between_them(database_url, tmp_path, shared_queue):
    nodes = [create_app(make_config(database_url, tmp_path / f"storage{i}", JOBS_URL=shared_queue))
             for i in range(2)]
    moment = datetime(2026, 12, 7, 7, 5, tzinfo=UTC)
    sent = [jobs_of(node).schedule(moment) for node in nodes for _ in range(3)]
    assert sorted(name for names in sent for name in names) == ["flush_usage", "send_reminders"]
    # Both messages wait on the shared queue for whichever worker takes them first.
    assert redis.Redis.from_url(shared_queue).llen(f"{NAMESPACE}:{QUEUE}") == 2


def jobs_of(app):
    return app.extensions["journal.jobs"]


class Workers:
    """`flask journal worker` processes on this test's Redis, each its own process group."""

    def __init__(self, database_url, redis_url, tmp_path):
        self.tmp_path, self.started = tmp_path, []
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "STORAGE_URL", "JOBS_"))}
        self.env.update(
            DATABASE_URL=database_url, STORAGE_URL=(tmp_path / "storage").as_uri(), FLASK_APP="wsgi",
            JOURNAL_INSTANCE_PATH=str(tmp_path / "instance"), PYTHONUNBUFFERED="1",
            JOBS_URL=redis_url, JOBS_PROBE=str(tmp_path / "probe"),
            JOBS_HEARTBEAT_SECONDS="2", JOBS_MAINTENANCE_CHANCE="1000000",  # dead workers found within seconds
        )

    def start(self, name: str) -> subprocess.Popen:
        log = self.tmp_path / f"worker-{name}.log"
        with open(log, "wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "flask", "journal", "worker", "--threads", "1", "--no-schedule"],
                cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True)
        process.log = log
        self.started.append(process)
        return process

    def logs(self) -> str:
        return "\n".join(f"--- {p.args}:\n{p.log.read_text(errors='replace')[-3000:]}" for p in self.started)

    def stop(self):
        for process in self.started:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


@pytest.fixture
def workers(database_url, shared_queue, tmp_path):
    started = Workers(database_url, shared_queue, tmp_path)
    (tmp_path / "probe").mkdir()
    yield started
    started.stop()


def wait_for(condition, seconds: float, workers: Workers, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    pytest.fail(f"{what} within {seconds} s\n{workers.logs()}")


@pytest.fixture
def sender(database_url, tmp_path, workers):
    """An app node that queues jobs on the workers' Redis."""
    return create_app(make_config(database_url, tmp_path / "storage", JOBS_URL=workers.env["JOBS_URL"],
                                  JOBS_PROBE=workers.env["JOBS_PROBE"]))


def test_a_job_held_by_a_killed_worker_is_run_by_another_and_finished_once(sender, workers):
    probe = Path(workers.env["JOBS_PROBE"])
    victim = workers.start("a")
    jobs_of(sender).send("probe", directory=str(probe), token="long", seconds=60)
    wait_for(lambda: probe_runs(probe, "long") == ["start"], 30, workers, "the first worker did not start the job")
    os.killpg(victim.pid, signal.SIGKILL)  # in the middle of the job, unacknowledged
    victim.wait(timeout=10)
    workers.start("b")
    wait_for(lambda: "done" in probe_runs(probe, "long"), 45, workers, "no other worker finished the job")
    time.sleep(3)  # more than a heartbeat: nothing else runs it again
    assert probe_runs(probe, "long") == ["start", "start", "done"]


def test_a_worker_stopped_with_sigterm_finishes_its_job_first(sender, workers):
    probe = Path(workers.env["JOBS_PROBE"])
    worker = workers.start("a")
    jobs_of(sender).send("probe", directory=str(probe), token="short", seconds=2)
    wait_for(lambda: probe_runs(probe, "short") == ["start"], 30, workers, "the worker did not start the job")
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=30) == 0, workers.logs()
    assert probe_runs(probe, "short") == ["start", "done"]


def test_production_refuses_a_job_queue_in_one_process():
    from config import ProductionConfig

    settings = {"SECRET_KEY": "x" * 40, "RATELIMIT_STORAGE_URL": "redis://127.0.0.1:6379/0",
                "PAGE_CACHE_URL": "none", "JOBS_URL": "memory://"}
    with pytest.raises(RuntimeError, match="JOBS_URL"):
        ProductionConfig.check(settings)
    ProductionConfig.check({**settings, "JOBS_URL": "redis://127.0.0.1:6379/2"})
    assert TestConfig.JOBS_URL == "memory://"
