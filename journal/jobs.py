"""Background work on a kept job queue: Dramatiq, on Redis in production, in this process by default.

Why Dramatiq (the choice is the issue's; see docs/architecture.md, "Background work"): its Redis broker
acknowledges a message only after the job returned (a fetched message waits in the worker's ack set; when a
worker stops sending heartbeats, another worker puts its unacknowledged messages back on the queue), it retries
a failed job with exponential backoff, and bounds a job's run time. Huey takes a task off the queue before it runs,
so a killed worker loses it; RQ marks a killed worker's job failed rather than running it again; a PostgreSQL
queue (procrastinate) would leave the embedded SQLite default without one.

`JOBS_URL`: `redis://host:6379/2` shared by every node in production; `memory://` (the default) keeps the queue
in this process and runs the jobs on a thread of it, which is what `make run` needs and nothing more.

Periodic jobs are scheduled once for the whole cluster: every node's scheduler (`flask journal worker` runs one)
claims each period's slot with an atomic SET NX in the broker's Redis, and only the node that claimed it sends
the job. The jobs themselves are idempotent (reminders keep what they sent, the usage flush counts only hours
that are over, under a lock), so a job run again after a worker died mid-way changes nothing twice.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as clock

import dramatiq
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import Middleware
from flask import Flask, current_app

log = logging.getLogger(__name__)

QUEUE = "journal"
NAMESPACE = "journal-jobs"


# --- the jobs -----------------------------------------------------------------------------------------------------

def send_reminders_job(now: str | None = None) -> None:
    """Reviewers' reminders and the editors' digest (idempotent: journal/services/reminders.py)."""
    from journal.services.reminders import send_reminders

    report = send_reminders(datetime.fromisoformat(now) if now else None)
    if report.failed:
        raise RuntimeError(f"{report.failed} reminder mail(s) could not be queued; retried with backoff")


def flush_usage_job(now: str | None = None) -> None:
    """Count the buffered views and downloads (idempotent, one flush at a time: journal/services/usage.py)."""
    from journal.services.usage import flush
    from journal.usage_buffer import FlushBusy

    try:
        flush(datetime.fromisoformat(now) if now else None)
    except FlushBusy:
        log.info("flush-usage: another flush is running; this one does nothing")


def compile_latex_job(compile_id: int) -> None:
    """Compile an author's LaTeX source archive in the sandbox; its PDF becomes the manuscript (idempotent:
    journal/services/latex_compile.py)."""
    from journal.services.latex_compile import run_compile

    run_compile(compile_id)


def probe_job(directory: str, token: str, seconds: float = 0.0, fail_times: int = 0) -> None:
    """A harmless job for the tests and the cluster soak: notes each start and each finish of `token` in a file
    of `directory`, sleeps `seconds` on its first run only (so that a test can kill the worker holding it), and
    fails its first `fail_times` runs. Registered only when JOBS_PROBE is set."""
    from pathlib import Path

    journal = Path(directory) / f"{token}.log"
    with journal.open("a") as out:
        out.write(f"start:{os.getpid()}\n")  # the worker process: the soak kills the one holding the job
    starts = journal.read_text().count("start")
    if starts == 1:
        time.sleep(seconds)
    if starts <= fail_times:
        raise RuntimeError(f"probe {token}: failing run {starts} of {fail_times} on purpose")
    with journal.open("a") as out:
        out.write("done\n")


def make_full_text_job(full_text_id: int) -> None:
    """The HTML full text of an article from its LaTeX source or JATS XML (journal/services/full_texts.py)."""
    from journal.services.full_texts import make

    make(full_text_id)


def send_orcid_review_job(credit_id: int) -> None:
    """Add a review a reviewer agreed to to their ORCID record (journal/services/orcid_credit.py); raises while ORCID
    cannot be reached, so that it is retried."""
    from journal.services.orcid_credit import send

    send(credit_id)


@dataclass(frozen=True)
class JobKind:
    function: Callable
    max_retries: int = 5
    min_backoff_ms: int = 10_000
    max_backoff_ms: int = 600_000
    time_limit_ms: int = 30 * 60_000


KINDS: dict[str, JobKind] = {
    "send_reminders": JobKind(send_reminders_job),
    "flush_usage": JobKind(flush_usage_job, time_limit_ms=10 * 60_000),
    # The sandbox bounds the compile itself (LATEX_WALL_SECONDS); a retry follows only a storage or database error.
    "compile_latex": JobKind(compile_latex_job, max_retries=3, min_backoff_ms=5_000, time_limit_ms=10 * 60_000),
    # LaTeXML has its own limits in the sandbox (services/full_texts.py LATEXML_LIMITS); a failed conversion is
    # recorded, not retried; storage or database errors are.
    "make_full_text": JobKind(make_full_text_job, max_retries=3, time_limit_ms=10 * 60_000),
    # ORCID down for a while: tried again over about a day (backoff 30 s doubling up to an hour), then left failed.
    "send_orcid_review": JobKind(send_orcid_review_job, max_retries=30, min_backoff_ms=30_000,
                                 max_backoff_ms=3_600_000, time_limit_ms=2 * 60_000),
}
PROBE = JobKind(probe_job, max_retries=3, min_backoff_ms=200, max_backoff_ms=1_000, time_limit_ms=60_000)


@dataclass(frozen=True)
class Periodic:
    """A job sent once per period for the whole cluster: every `every` seconds, or daily at `at` (UTC)."""

    name: str
    every: int | None = None
    at: clock | None = None

    def slot(self, now: datetime) -> str:
        """The period `now` falls in: the slot a scheduler claims before sending the job."""
        if self.every:
            return str(int(now.timestamp()) // self.every)
        day = now.date() if now.time() >= self.at else now.date() - timedelta(days=1)
        return day.isoformat()

    def claim_seconds(self) -> int:
        """How long a claimed slot is remembered: longer than the period, so it is never claimed twice."""
        return 2 * (self.every or 86_400)


SCHEDULE = (
    Periodic("send_reminders", at=clock(7, 0)),
    Periodic("flush_usage", every=600),
)


# --- the queue ----------------------------------------------------------------------------------------------------

class AppContext(Middleware):
    """Each job runs inside an application context of the app that owns the broker (database, storage, mail)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.local = threading.local()

    def before_process_message(self, broker, message) -> None:
        context = self.app.app_context()
        context.push()
        self.local.context = context

    def after_process_message(self, broker, message, *, result=None, exception=None) -> None:
        context = getattr(self.local, "context", None)
        if context is not None:
            from journal.extensions import db

            db.session.remove()
            context.pop()
            self.local.context = None

    after_skip_message = after_process_message


class Jobs:
    """The app's queue: its broker, one actor per kind of job, and (in memory) the thread that runs them."""

    def __init__(self, app: Flask) -> None:
        url = app.config.get("JOBS_URL") or "memory://"
        self.url = url
        if url.startswith("redis"):
            from dramatiq.brokers.redis import RedisBroker

            self.broker = RedisBroker(
                url=url, namespace=NAMESPACE,
                heartbeat_timeout=int(app.config.get("JOBS_HEARTBEAT_SECONDS", 60) * 1000),
                maintenance_chance=app.config["JOBS_MAINTENANCE_CHANCE"],
            )
        elif url.startswith("memory://"):
            self.broker = StubBroker()
        else:
            raise RuntimeError(f"JOBS_URL must be redis://host:port/db or memory://, not {url!r}")
        self.broker.add_middleware(AppContext(app))
        self.actors: dict[str, dramatiq.Actor] = {}
        kinds = dict(KINDS)
        if app.config.get("JOBS_PROBE"):
            kinds["probe"] = PROBE
        for name, kind in kinds.items():
            self.actors[name] = dramatiq.actor(
                kind.function, broker=self.broker, actor_name=name, queue_name=QUEUE,
                max_retries=kind.max_retries, min_backoff=kind.min_backoff_ms, max_backoff=kind.max_backoff_ms,
                time_limit=kind.time_limit_ms,
            )
        self._claimed: dict[str, float] = {}  # memory:// only: slots claimed in this process
        self._thread_worker: dramatiq.Worker | None = None
        self._lock = threading.Lock()
        self.run_in_process = url.startswith("memory://") and app.config.get("JOBS_RUN_IN_PROCESS", True)

    @property
    def in_memory(self) -> bool:
        return isinstance(self.broker, StubBroker)

    def send(self, name: str, **kwargs) -> None:
        """Queue the job `name`; with the in-memory queue, start this process's worker thread if it is not."""
        self.actors[name].send(**kwargs)
        if self.run_in_process:
            self._start_thread_worker()

    def _start_thread_worker(self) -> None:
        with self._lock:
            if self._thread_worker is None:
                self._thread_worker = dramatiq.Worker(self.broker, worker_threads=1, worker_timeout=200)
                self._thread_worker.start()

    def worker(self, threads: int) -> dramatiq.Worker:
        return dramatiq.Worker(self.broker, worker_threads=threads, worker_timeout=1000)

    def wait(self, timeout_ms: int = 30_000) -> None:
        """Memory queue only (tests, `send-job`): return once every queued job ran, retries included (they wait
        on the delay queue first), raising the error of a job that gave up."""
        from dramatiq.common import dq_name

        deadline = time.monotonic() + timeout_ms / 1000
        while True:
            for name in (QUEUE, dq_name(QUEUE)):
                left = max(1, int((deadline - time.monotonic()) * 1000))
                self.broker.join(name, timeout=left)
            if all(self.broker.queues[name].unfinished_tasks == 0 for name in (QUEUE, dq_name(QUEUE))):
                break
        if self._thread_worker is not None:
            self._thread_worker.join()

    def claim(self, periodic: Periodic, now: datetime) -> bool:
        """True for the one scheduler in the cluster that claims `periodic`'s slot of `now`."""
        key = f"{NAMESPACE}:schedule:{periodic.name}:{periodic.slot(now)}"
        if self.in_memory:
            with self._lock:
                if key in self._claimed:
                    return False
                self._claimed[key] = time.time()
                return True
        return bool(self.broker.client.set(key, datetime.now(UTC).isoformat(), nx=True,
                                           ex=periodic.claim_seconds()))

    def schedule(self, now: datetime | None = None) -> list[str]:
        """Send each periodic job whose current slot no scheduler has claimed yet; return the names sent."""
        now = now or datetime.now(UTC)
        sent = []
        for periodic in SCHEDULE:
            if self.claim(periodic, now):
                self.send(periodic.name)
                sent.append(periodic.name)
        return sent

    def close(self) -> None:
        if self._thread_worker is not None:
            self._thread_worker.stop()
            self._thread_worker = None


def init_app(app: Flask) -> None:
    app.extensions["journal.jobs"] = Jobs(app)


def jobs() -> Jobs:
    return current_app.extensions["journal.jobs"]


def run_worker(app: Flask, threads: int, schedule: bool, stop: threading.Event, tick_seconds: float = 10.0) -> None:
    """A worker node: runs queued jobs on `threads` threads and, if `schedule`, sends the periodic jobs whose
    slot it claims, until `stop` is set (SIGTERM/SIGINT); then it finishes the jobs it holds and returns."""
    queue = app.extensions["journal.jobs"]
    worker = queue.worker(threads)
    worker.start()
    log.info("job worker started: %s threads on %s%s", threads, queue.url.split("@")[-1],
             ", scheduling periodic jobs" if schedule else "")
    try:
        while not stop.is_set():
            if schedule:
                try:
                    with app.app_context():
                        sent = queue.schedule()
                    if sent:
                        log.info("scheduled: %s", ", ".join(sent))
                except Exception:  # a Redis hiccup must not stop the node's worker; the next tick tries again
                    log.exception("scheduling failed; trying again in %s s", tick_seconds)
            stop.wait(tick_seconds)
    finally:
        worker.stop()
        log.info("job worker stopped")
