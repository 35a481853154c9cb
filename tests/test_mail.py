"""The mail outbox against a real SMTP server (aiosmtpd on a loopback port).

Services queue rows in their own transaction; `flask journal send-mail` delivers them with
retries and exponential backoff; on PostgreSQL several workers share the queue.
"""

import re
import threading
from datetime import timedelta
from email.utils import parsedate_to_datetime

import pytest
from jinja2 import ChoiceLoader, DictLoader
from sqlalchemy import select, update

from journal.extensions import db
from journal.mail import queue_mail, send_due_mail
from journal.models import OutboxMessage, OutboxStatus, User, utcnow
from journal.services import accounts
from tests.conftest import PASSWORD, link_in

MAIL_FROM = "JDSE Journals <no-reply@journal.test>"
MAX_ATTEMPTS = 4
BASE_SECONDS = 60


@pytest.fixture
def app_config(app_config, smtp_sink):
    return type("MailConfig", (app_config,), {
        "MAIL_URL": smtp_sink.url,
        "MAIL_FROM": MAIL_FROM,
        "MAIL_MAX_ATTEMPTS": MAX_ATTEMPTS,
        "MAIL_RETRY_BASE_SECONDS": BASE_SECONDS,
    })


@pytest.fixture
def send_mail(runner):
    """Run `flask journal send-mail --once` as an operator would."""

    def run(*args: str):
        result = runner.invoke(args=["journal", "send-mail", "--once", *args])
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        db.session.expire_all()
        return result

    return run


@pytest.fixture
def queue(app):
    """Queue mails to plain addresses in one committed transaction, as a service would."""

    def add(*addresses: str, subject: str = "A note", template: str = "password_changed") -> list[OutboxMessage]:
        recipients = []
        for address in addresses:
            user = db.session.scalar(select(User).where(User.email == address))
            recipients.append(user or address)
        messages = [queue_mail(to, template, subject=f"{subject} {i}" if len(addresses) > 1 else subject)
                    for i, to in enumerate(recipients)]
        db.session.commit()
        return messages

    return add


def register(email="grace.hopper@example.org") -> User:
    return accounts.register_user(email=email, password=PASSWORD, given_name="Grace", family_name="Hopper",
                                  affiliation="Naval Research Laboratory")


def refresh(message: OutboxMessage) -> OutboxMessage:
    db.session.expire_all()
    return db.session.get(OutboxMessage, message.id)


# --- One transaction: a mail exists only for a change that was committed ----------------------------------


def test_mail_queued_by_a_service_that_rolls_back_is_never_sent(app, outbox, send_mail, smtp_sink, monkeypatch):
    real_queue_mail = accounts.queue_mail

    def queue_then_fail(*args, **kwargs):
        real_queue_mail(*args, **kwargs)
        db.session.flush()  # the row reaches the database, inside the service's transaction
        assert len(outbox()) == 1
        raise RuntimeError("a later step of the registration failed")

    monkeypatch.setattr(accounts, "queue_mail", queue_then_fail)
    with pytest.raises(RuntimeError, match="later step"):
        register()

    assert outbox() == []
    assert accounts.find_user_by_email("grace.hopper@example.org") is None
    assert send_mail().exit_code == 0
    assert smtp_sink.messages == []


def test_queue_mail_commits_nothing_itself(app, outbox, send_mail, smtp_sink):
    queue_mail("reader@example.org", "password_changed", subject="Your password was changed")
    db.session.rollback()

    assert outbox() == []
    send_mail()
    assert smtp_sink.messages == []


# --- Delivery ---------------------------------------------------------------------------------------------------


def test_registration_mail_is_delivered_once_with_link_and_headers(app, client, outbox, send_mail, smtp_sink):
    user = register()
    [queued] = outbox()
    assert (queued.status, queued.attempts, queued.template) == (OutboxStatus.QUEUED, 0, "verify_email")

    before = utcnow()
    result = send_mail()
    assert result.exit_code == 0, result.output
    assert "sent 1, failed 0" in result.output

    [mail] = smtp_sink.messages
    assert mail["From"] == MAIL_FROM
    assert mail.mail_from == "no-reply@journal.test"
    assert mail["To"] == "grace.hopper@example.org"
    assert mail.rcpt_tos == ["grace.hopper@example.org"]
    assert mail["Subject"] == "Confirm your email address"
    assert re.fullmatch(r"<[^<>@\s]+@journal\.test>", mail["Message-ID"])
    # Every attempt at this message carries the same ID (a second delivery after a crash is recognisable).
    from journal.mail import build_email

    assert build_email(queued, MAIL_FROM)["Message-ID"] == mail["Message-ID"]
    sent_date = parsedate_to_datetime(mail["Date"])
    assert sent_date.utcoffset() == timedelta(0)
    assert before - timedelta(seconds=2) <= sent_date <= utcnow() + timedelta(seconds=1)
    assert mail.message.get_content_type() == "text/plain"
    assert "Dear Grace Hopper" in mail.text
    assert re.search(r"^http://journal\.test/verify/\S+$", mail.text, re.MULTILINE)

    [row] = outbox()
    assert row.status is OutboxStatus.SENT
    assert row.attempts == 1
    assert row.sent_at is not None and before <= row.sent_at <= utcnow()
    assert row.last_error == ""

    # Nothing is sent twice.
    again = send_mail()
    assert again.exit_code == 0 and again.output == ""
    assert len(smtp_sink.messages) == 1

    # The link in the mail is the one that confirms the address.
    assert client.get(link_in(mail.text)).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).email_verified


def test_html_alternative_and_copy_recipients(app, client, login, make_user, send_mail, smtp_sink):
    app.jinja_env.loader = ChoiceLoader([DictLoader({
        "mail/test_notice.txt": "Hello {{ name }},\nplain text.",
        "mail/test_notice.html": "<p>Hello <b>{{ name }}</b></p>",
    }), app.jinja_env.loader])
    message = queue_mail("author@example.org", "test_notice", subject="Decision on “Ion drives”",
                         cc=["editor@example.org", "Office <office@example.org>"], name="Ada <Lovelace>")
    db.session.commit()
    assert message.body_html == "<p>Hello <b>Ada &lt;Lovelace&gt;</b></p>"  # HTML context is escaped
    assert message.body_text == "Hello Ada <Lovelace>,\nplain text."  # text is not

    send_mail()
    [mail] = smtp_sink.messages
    assert mail.message.get_content_type() == "multipart/alternative"
    assert mail.text.strip() == "Hello Ada <Lovelace>,\nplain text."
    assert mail.html.strip() == "<p>Hello <b>Ada &lt;Lovelace&gt;</b></p>"
    assert mail["Subject"] == "Decision on “Ion drives”"
    assert mail["Cc"] == "editor@example.org, Office <office@example.org>"
    assert sorted(mail.rcpt_tos) == ["author@example.org", "editor@example.org", "office@example.org"]

    login(make_user(admin=True))
    page = client.get(f"/admin/outbox/{message.id}").get_data(as_text=True)
    assert "Copy to" in page and "office@example.org" in page
    assert "&lt;p&gt;Hello &lt;b&gt;Ada &amp;lt;Lovelace&amp;gt;&lt;/b&gt;&lt;/p&gt;" in page  # shown as source


def test_missing_include_in_an_html_template_is_an_error_not_a_missing_html_body(app):
    app.jinja_env.loader = ChoiceLoader([DictLoader({
        "mail/test_notice.txt": "plain",
        "mail/test_notice.html": "{% include 'mail/_no_such_part.html' %}",
    }), app.jinja_env.loader])
    with pytest.raises(Exception, match="_no_such_part"):
        queue_mail("author@example.org", "test_notice", subject="x")


def test_a_subject_with_line_breaks_cannot_add_headers(app, outbox, send_mail, smtp_sink):
    queue_mail("author@example.org", "password_changed",
               subject="Review of “Warp\r\nBcc: victim@example.org\nX-Evil: 1”")
    db.session.commit()
    [row] = outbox()
    assert row.subject == "Review of “Warp Bcc: victim@example.org X-Evil: 1”"

    send_mail()
    [mail] = smtp_sink.messages
    assert mail["Subject"] == row.subject
    assert mail["Bcc"] is None and mail["X-Evil"] is None
    assert mail.rcpt_tos == ["author@example.org"]


def test_a_long_subject_is_shortened_to_fit_its_column(app, outbox):
    queue_mail("author@example.org", "password_changed", subject="You are now editor of " + "Journal " * 60)
    db.session.commit()  # PostgreSQL would refuse more than 255 characters
    [row] = outbox()
    assert len(row.subject) == 255 and row.subject.endswith("…")


@pytest.mark.parametrize("address", ["author@example.org\r\nBcc: victim@example.org", "", "not an address"])
def test_queue_mail_refuses_a_bad_address(app, outbox, address):
    with pytest.raises(ValueError, match="not a mail address"):
        queue_mail(address, "password_changed", subject="x")
    with pytest.raises(ValueError, match="not a mail address"):
        queue_mail("author@example.org", "password_changed", subject="x", cc=[address])
    db.session.rollback()
    assert outbox() == []


def test_a_stored_message_that_cannot_be_built_fails_without_blocking_the_queue(app, queue, outbox, send_mail,
                                                                                smtp_sink):
    # A row written before subjects were cleaned (or by hand): EmailMessage refuses it.
    db.session.add(OutboxMessage(recipient="a@example.org", subject="Bad\nBcc: victim@example.org",
                                 body_text="x", template="password_changed", next_attempt_at=utcnow()))
    db.session.commit()
    queue("b@example.org", subject="Good")

    result = send_mail()
    assert result.exit_code == 0
    bad, good = outbox()
    assert bad.status is OutboxStatus.FAILED and "cannot build" in bad.last_error
    assert good.status is OutboxStatus.SENT
    assert [m["Subject"] for m in smtp_sink.messages] == ["Good"]


# --- Failures, retries and backoff ------------------------------------------------------------------------------


def test_unreachable_server_backoff_then_failed_then_queued_again_by_admin(
        app, client, login, make_user, queue, outbox, send_mail, smtp_sink, smtp_down_url):
    app.config["MAIL_URL"] = smtp_down_url
    port = smtp_down_url.split(":")[2].split("?")[0]
    [message] = queue("reader@example.org", subject="Your article is published")

    start = utcnow()
    result = send_mail()
    assert result.exit_code == 1
    assert f"cannot connect to 127.0.0.1:{port}" in result.output
    row = refresh(message)
    assert (row.status, row.attempts) == (OutboxStatus.QUEUED, 1)
    assert f"cannot connect to 127.0.0.1:{port}" in row.last_error and "refused" in row.last_error.lower()
    assert start + timedelta(seconds=BASE_SECONDS) <= row.next_attempt_at <= utcnow() + timedelta(seconds=BASE_SECONDS)

    # Not due yet: an immediate second run leaves it alone.
    assert send_mail().exit_code == 0
    assert refresh(message).attempts == 1

    # Each further attempt waits twice as long.
    for attempts, delay in [(2, 2 * BASE_SECONDS), (3, 4 * BASE_SECONDS)]:
        db.session.execute(update(OutboxMessage).where(OutboxMessage.id == message.id)
                           .values(next_attempt_at=utcnow()))
        db.session.commit()
        start = utcnow()
        send_mail()
        row = refresh(message)
        assert (row.status, row.attempts) == (OutboxStatus.QUEUED, attempts)
        assert start + timedelta(seconds=delay) <= row.next_attempt_at <= utcnow() + timedelta(seconds=delay)

    # The last allowed attempt gives up; the message stays in the outbox.
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id == message.id).values(next_attempt_at=utcnow()))
    db.session.commit()
    send_mail()
    row = refresh(message)
    assert (row.status, row.attempts) == (OutboxStatus.FAILED, MAX_ATTEMPTS)
    assert send_mail().exit_code == 0 and refresh(message).attempts == MAX_ATTEMPTS

    # The administrator sees it and queues it again from the browser; the server is back.
    login(make_user(admin=True))
    page = client.get(f"/admin/outbox/{message.id}").get_data(as_text=True)
    assert "Failed (gave up)" in page and "cannot connect" in page and "Queue again" in page
    assert "Your article is published" in client.get("/admin/outbox?status=failed").get_data(as_text=True)
    response = client.post(f"/admin/outbox/{message.id}/retry")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/admin/outbox/{message.id}")
    assert refresh(message).status is OutboxStatus.QUEUED

    app.config["MAIL_URL"] = smtp_sink.url
    assert send_mail().exit_code == 0
    row = refresh(message)
    assert (row.status, row.attempts, row.last_error) == (OutboxStatus.SENT, MAX_ATTEMPTS + 1, "")
    assert [m["Subject"] for m in smtp_sink.messages] == ["Your article is published"]


def test_refused_recipient_keeps_its_error_while_the_rest_of_the_batch_goes(app, queue, outbox, send_mail,
                                                                            smtp_sink):
    smtp_sink.refuse("gone@example.org")
    queue("first@example.org", "gone@example.org", "last@example.org")

    result = send_mail()
    assert result.exit_code == 0
    assert "sent 2, failed 1" in result.output
    first, gone, last = outbox()
    assert first.status is last.status is OutboxStatus.SENT
    assert (gone.status, gone.attempts) == (OutboxStatus.QUEUED, 1)
    assert "550" in gone.last_error and "No such user" in gone.last_error
    assert gone.next_attempt_at > utcnow()
    assert sorted(r for m in smtp_sink.messages for r in m.rcpt_tos) == ["first@example.org", "last@example.org"]


def test_a_refused_copy_recipient_is_noted_on_a_sent_message(app, outbox, send_mail, smtp_sink):
    smtp_sink.refuse("old-office@example.org")
    queue_mail("author@example.org", "password_changed", subject="Decision", cc=["old-office@example.org"])
    db.session.commit()

    send_mail()
    [row] = outbox()
    assert (row.status, row.attempts) == (OutboxStatus.SENT, 1)
    assert "old-office@example.org" in row.last_error and "550" in row.last_error
    [mail] = smtp_sink.messages
    assert mail.rcpt_tos == ["author@example.org"]


def test_server_closing_the_connection_midway_costs_no_attempt(app, queue, outbox, send_mail, smtp_sink):
    smtp_sink.drop_connection_after(2)  # as servers that limit messages per session do
    queue(*[f"reader{i}@example.org" for i in range(5)])

    result = send_mail()
    assert result.exit_code == 0
    assert "sent 5, failed 0" in result.output
    assert [(m.status, m.attempts) for m in outbox()] == [(OutboxStatus.SENT, 1)] * 5
    assert sorted(m["Subject"] for m in smtp_sink.messages) == [f"A note {i}" for i in range(5)]
    assert smtp_sink.connections == 3


def test_once_sends_every_due_batch_and_tries_each_message_once(app, queue, outbox, send_mail, smtp_sink,
                                                                smtp_down_url):
    queue(*[f"reader{i}@example.org" for i in range(5)])
    result = send_mail("--batch", "2")
    assert result.output.splitlines() == ["sent 2, failed 0", "sent 2, failed 0", "sent 1, failed 0"]
    assert len(smtp_sink.messages) == 5

    # Server down and no waiting between attempts: one run still makes one attempt per message.
    app.config["MAIL_URL"] = smtp_down_url
    app.config["MAIL_RETRY_BASE_SECONDS"] = 0
    queue(*[f"other{i}@example.org" for i in range(5)])
    result = send_mail("--batch", "2")
    assert result.exit_code == 1
    assert [m.attempts for m in outbox() if m.status is OutboxStatus.QUEUED] == [1] * 5


def test_worker_loop_sends_then_waits_for_new_mail(app, queue, runner, smtp_sink, monkeypatch):
    class Stop(Exception):
        pass

    naps = []

    def sleep(seconds):
        naps.append(seconds)
        if len(naps) == 2:
            raise Stop
        queue("late@example.org", subject="Arrived while the worker slept")

    monkeypatch.setattr("journal.cli.time.sleep", sleep)
    queue(*[f"reader{i}@example.org" for i in range(3)])
    result = runner.invoke(args=["journal", "send-mail", "--batch", "2", "--interval", "7"])
    assert isinstance(result.exception, Stop)
    assert result.output.splitlines() == ["sent 2, failed 0", "sent 1, failed 0", "sent 1, failed 0"]
    assert naps == [7, 7]  # a nap only when nothing was due
    assert len(smtp_sink.messages) == 4


def test_send_mail_exits_with_a_clear_message_without_mail_url(app, queue, runner):
    app.config["MAIL_URL"] = ""
    queue("reader@example.org")
    result = runner.invoke(args=["journal", "send-mail", "--once"])
    assert result.exit_code != 0
    assert "MAIL_URL is not set" in result.output


# --- Several workers on PostgreSQL --------------------------------------------------------------------------------


def test_two_workers_deliver_each_message_exactly_once(app, queue, outbox, smtp_sink):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("several workers share the queue only on PostgreSQL (FOR UPDATE SKIP LOCKED); "
                    "SQLite has no row locks, so one worker is the rule there")
    queue(*[f"reader{i}@example.org" for i in range(40)])
    start = threading.Barrier(2)
    sent_by: dict[str, int] = {}
    errors: list[BaseException] = []

    def worker(name: str) -> None:
        try:
            with app.app_context():  # its own database session and connection
                start.wait()
                total = 0
                while (result := send_due_mail(limit=3)).claimed:
                    total += result.sent
                    assert result.failed == 0, result
                sent_by[name] = total
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - reported by the test thread
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(name,)) for name in ("one", "two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors

    subjects = [m["Subject"] for m in smtp_sink.messages]
    assert sorted(subjects) == sorted(f"A note {i}" for i in range(40))  # each exactly once
    assert len({m["Message-ID"] for m in smtp_sink.messages}) == 40
    assert sum(sent_by.values()) == 40
    assert all(sent_by.values()), f"one worker did all the work: {sent_by}"
    assert all(m.status is OutboxStatus.SENT and m.attempts == 1 for m in outbox())
