"""Mail workers as real processes (`flask journal send-mail`) sharing one PostgreSQL queue.

Each worker leases the messages it claims; a worker killed with SIGKILL in the middle of a
batch leaves what it sent recorded as sent, and what it had claimed but not sent goes to
another worker once the lease has run out. Every message arrives exactly once.
"""

import os
import secrets
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from journal.extensions import db
from journal.models import OutboxMessage, OutboxStatus, User, utcnow
from tests.test_accounts import register
from tests.conftest import POSTGRES_SERVER
from tests.test_mail import queue  # noqa: F401 - the fixture that queues mails as a service would

ROOT = Path(__file__).resolve().parent.parent
LEASE_SECONDS = 4
SMTP_TIMEOUT = 2  # shorter than the lease, as the setting requires


@pytest.fixture
def postgres_only(database_url):
    if POSTGRES_SERVER and not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no row locks: several mail workers are for PostgreSQL (run in the postgresql case)")
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL NOT tested: mail workers share the queue on PostgreSQL; set "
                    "JOURNAL_TEST_POSTGRES=postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


class Worker:
    def __init__(self, name: str, process: subprocess.Popen, log: Path):
        self.name, self.process, self.log = name, process, log
        self.sender = f"worker-{name}@journal.test"

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]


@pytest.fixture
def workers(database_url, smtp_sink, redis_server, tmp_path):
    """Start `flask journal send-mail` processes on this test's database and SMTP sink; each
    sends from its own address, so the sink tells who sent what. All are stopped after the test."""
    started: list[Worker] = []
    url = smtp_sink.url.replace("timeout=5", f"timeout={SMTP_TIMEOUT}")

    def start(name: str, *args: str) -> Worker:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "STORAGE_URL", "MAIL_"))}
        env.update(
            JOURNAL_ENV="production", SECRET_KEY=secrets.token_urlsafe(48), FORCE_HTTPS="0",
            DATABASE_URL=database_url, STORAGE_URL=(tmp_path / "storage").as_uri(),
            JOURNAL_INSTANCE_PATH=str(tmp_path / "instance"), FLASK_APP="wsgi", PYTHONUNBUFFERED="1",
            MAIL_URL=url, MAIL_FROM=f"Worker {name} <worker-{name}@journal.test>",
            MAIL_LEASE_SECONDS=str(LEASE_SECONDS), BASE_URL="http://journal.test",
            RATELIMIT_STORAGE_URL=redis_server,  # the settings of a production app server, which refuses memory://
        )
        log = tmp_path / f"worker-{name}.log"
        with open(log, "wb") as out:
            process = subprocess.Popen([sys.executable, "-m", "flask", "journal", "send-mail", *args],
                                       cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL)
        worker = Worker(name, process, log)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        if worker.process.poll() is None:
            worker.process.terminate()
            try:
                worker.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.process.kill()
                worker.process.wait()


def wait_until_all_sent(count: int, workers: list[Worker], seconds: float = 45) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        db.session.rollback()
        sent = db.session.scalar(select(func.count()).select_from(OutboxMessage)
                                 .where(OutboxMessage.status == OutboxStatus.SENT))
        if sent == count:
            return
        time.sleep(0.2)
    logs = "\n".join(f"--- {w.name}:\n{w.output()}" for w in workers)
    pytest.fail(f"only {sent} of {count} messages were sent within {seconds} s\n{logs}")


def arrivals(smtp_sink) -> Counter:
    return Counter(address for mail in smtp_sink.messages for address in mail.rcpt_tos)


def test_a_worker_killed_mid_batch_sends_nothing_twice_and_loses_nothing(app, postgres_only, queue,  # noqa: F811
                                                                          outbox, smtp_sink, workers):
    readers = [f"reader{i:02d}@example.org" for i in range(40)]
    queue(*readers)
    # Batches of 10 are claimed in order: reader15 is the sixth of its batch. The server holds
    # its reply to RCPT TO, so the worker waits there with reader10 to reader14 sent and
    # nothing of reader15 accepted: the moment to kill it.
    hold = smtp_sink.hold("reader15@example.org")
    both = [workers("a", "--batch", "10", "--interval", "0.2"), workers("b", "--batch", "10", "--interval", "0.2")]
    assert hold.reached.wait(30), "\n".join(w.output() for w in both)
    victim, survivor = both if hold.mail_from == both[0].sender else both[::-1]
    os.kill(victim.process.pid, signal.SIGKILL)
    victim.process.wait(timeout=10)
    sent_by_victim = {a for m in smtp_sink.messages if m.mail_from == victim.sender for a in m.rcpt_tos}
    assert {f"reader{i}@example.org" for i in range(10, 15)} <= sent_by_victim  # killed in mid-batch

    wait_until_all_sent(40, both)

    # Every message arrived exactly once: none sent again, none lost.
    assert arrivals(smtp_sink) == Counter(readers)
    assert len({m["Message-ID"] for m in smtp_sink.messages}) == 40
    # The killed worker's unsent claims went to the other worker, but only once its lease ran out.
    late = [m for m in smtp_sink.messages if "reader15@example.org" in m.rcpt_tos]
    assert [m.mail_from for m in late] == [survivor.sender]
    rows = outbox()
    assert all((m.status, m.attempts, m.claimed_by, m.claimed_until) == (OutboxStatus.SENT, 1, None, None)
               for m in rows), [(m.recipient, m.status, m.attempts, m.claimed_by) for m in rows]
    reclaimed = {m.recipient: m.sent_at for m in rows if m.recipient in {f"reader{i}@example.org"
                                                                          for i in range(15, 20)}}
    first_sent = min(m.sent_at for m in rows)
    assert all((sent_at - first_sent).total_seconds() >= LEASE_SECONDS - 1 for sent_at in reclaimed.values())


def test_two_worker_processes_never_send_the_same_message(app, postgres_only, queue, outbox,  # noqa: F811
                                                          smtp_sink, workers):
    smtp_sink.take_time(0.05)  # a real server's pace: both workers get their share
    readers = [f"reader{i:02d}@example.org" for i in range(40)]
    queue(*readers)
    both = [workers(name, "--once", "--batch", "3") for name in ("a", "b")]
    for worker in both:
        assert worker.process.wait(timeout=60) == 0, worker.output()

    assert arrivals(smtp_sink) == Counter(readers)
    senders = Counter(m.mail_from for m in smtp_sink.messages)
    assert set(senders) == {w.sender for w in both}, f"one worker did all the work: {senders}"
    assert all((m.status, m.attempts, m.claimed_by) == (OutboxStatus.SENT, 1, None) for m in outbox())


def test_a_worker_asked_to_stop_finishes_its_message_and_gives_the_rest_back_at_once(app, queue, outbox,  # noqa: F811
                                                                                      smtp_sink, workers):
    """SIGTERM (systemctl stop, a deploy) in mid-batch: the message on the wire is finished and
    recorded, the rest of the batch is back in the queue before the worker exits, and the next
    worker sends it at once instead of waiting for a lease that nobody holds."""
    readers = [f"reader{i:02d}@example.org" for i in range(10)]
    queue(*readers)
    hold = smtp_sink.hold("reader03@example.org")
    worker = workers("a", "--batch", "10", "--interval", "0.2")
    assert hold.reached.wait(30), worker.output()
    worker.process.send_signal(signal.SIGTERM)
    time.sleep(0.5)  # the signal is in; the server still holds its reply to reader03
    assert worker.process.poll() is None, "the worker left a message half-sent"
    hold.released.set()
    assert worker.process.wait(timeout=20) == 0, worker.output()
    assert "stopped: unsent mails are back in the queue" in worker.output()

    assert arrivals(smtp_sink) == Counter(readers[:4])
    rows = {m.recipient: m for m in outbox()}
    assert all(rows[r].status == OutboxStatus.SENT for r in readers[:4])
    # Given back, not left leased: no claim, no attempt counted, due now.
    assert [(rows[r].status, rows[r].attempts, rows[r].claimed_by, rows[r].claimed_until) for r in readers[4:]] \
        == [(OutboxStatus.QUEUED, 0, None, None)] * 6

    successor = workers("b", "--once", "--batch", "10")
    assert successor.process.wait(timeout=30) == 0, successor.output()
    assert arrivals(smtp_sink) == Counter(readers)  # each exactly once
    assert {a for m in smtp_sink.messages if m.mail_from == successor.sender for a in m.rcpt_tos} == set(readers[4:])


# --- Leases, one worker at a time (every backend) ------------------------------------------------------------------


def test_a_message_claimed_by_a_dead_worker_waits_for_its_lease_then_goes_once(app, queue, outbox,  # noqa: F811
                                                                              smtp_sink, runner, client, login,
                                                                              make_user):
    app.config["MAIL_URL"] = smtp_sink.url
    [message] = queue("reader@example.org", subject="Your article is published")
    db.session.execute(update(OutboxMessage).values(claimed_by="gone-host:4242:dead", claimed_until=utcnow()
                                                    + timedelta(seconds=60)))
    db.session.commit()

    assert runner.invoke(args=["journal", "send-mail", "--once"]).output == ""
    assert smtp_sink.messages == []
    [row] = outbox()
    assert (row.status, row.claimed_by) == (OutboxStatus.QUEUED, "gone-host:4242:dead")
    login(make_user(admin=True))
    page = client.get(f"/admin/outbox/{message.id}").get_data(as_text=True)
    assert "Being sent by" in page and "gone-host:4242:dead" in page

    db.session.execute(update(OutboxMessage).values(claimed_until=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    result = runner.invoke(args=["journal", "send-mail", "--once"])
    assert result.output == "sent 1, failed 0\n"
    assert [m["Subject"] for m in smtp_sink.messages] == ["Your article is published"]
    [row] = outbox()
    assert (row.status, row.attempts, row.claimed_by, row.claimed_until) == (OutboxStatus.SENT, 1, None, None)
    assert "Being sent by" not in client.get(f"/admin/outbox/{message.id}").get_data(as_text=True)


def test_a_lease_not_longer_than_the_smtp_timeout_is_refused_with_a_clear_message(app, queue, outbox,  # noqa: F811
                                                                                  smtp_sink, runner):
    app.config["MAIL_URL"] = smtp_sink.url.replace("timeout=5", "timeout=30")
    app.config["MAIL_LEASE_SECONDS"] = 30
    queue("reader@example.org")
    result = runner.invoke(args=["journal", "send-mail", "--once"])
    assert result.exit_code == 1
    assert "MAIL_LEASE_SECONDS (30) must be longer than the SMTP timeout (30 s in MAIL_URL)" in result.output
    assert smtp_sink.messages == []
    [row] = outbox()
    assert (row.status, row.attempts, row.claimed_by) == (OutboxStatus.QUEUED, 0, None)


# --- A person's action while the mail server is down ---------------------------------------------------------------


def test_a_person_registers_while_the_mail_server_is_down_and_the_admin_sees_why_the_mail_waits(
        app, client, login, make_user, outbox, runner, smtp_down_url):
    app.config["MAIL_URL"] = smtp_down_url
    response = register(client)
    assert response.status_code == 302  # the registration does not wait for the mail server
    assert db.session.scalar(select(User).where(User.email == "mei.chen@example.org")) is not None

    result = runner.invoke(args=["journal", "send-mail", "--once"])
    assert result.exit_code == 1 and "cannot connect" in result.output
    [row] = outbox()
    assert (row.status, row.attempts, row.claimed_by) == (OutboxStatus.QUEUED, 1, None)
    assert "cannot connect" in row.last_error

    login(make_user(admin=True))
    listing = client.get("/admin/outbox?status=queued").get_data(as_text=True)
    assert "Confirm your email address" in listing and "cannot connect" in listing
