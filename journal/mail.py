"""The mail outbox: services queue rows in their transaction; a worker delivers them.

A mail is never lost (the row stays until it is sent) and never sent for a change that
rolled back (the row rolls back with it).
"""

import logging
import os
import secrets
import smtplib
import socket
import ssl
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app, g, render_template
from flask_babel import force_locale
from jinja2 import TemplateNotFound
from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError

from journal.extensions import db
from journal.i18n import locale_for
from journal.models import OutboxMessage, OutboxStatus, User, utcnow

log = logging.getLogger(__name__)

BACKOFF_CAP = timedelta(hours=12)
FINISH_RETRY_SECONDS = 10  # how long a sent message's record is retried while the database is away (< the lease)
SUBJECT_MAX = 255  # OutboxMessage.subject is String(255); PostgreSQL refuses longer values


def external_url(endpoint: str, **values) -> str:
    """An absolute link for mails, built from BASE_URL, never from a request's Host header."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https"
    )
    return adapter.build(endpoint, values, force_external=True)


def _clean_subject(subject: str) -> str:
    """One line, so that a title with a line break cannot add headers; short enough for the column."""
    subject = " ".join(str(subject).split())
    return subject if len(subject) <= SUBJECT_MAX else subject[: SUBJECT_MAX - 1] + "…"


def _check_address(address: str) -> str:
    if not address or any(c in address for c in "\r\n\0") or "@" not in parseaddr(address)[1]:
        raise ValueError(f"not a mail address: {address!r}")
    return address


def queue_mail(
    to: User | str,
    template: str,
    *,
    subject: str,
    related=None,
    cc: list[str] | None = None,
    language: str | None = None,
    in_language: str | None = None,
    worded: Callable[[str], tuple[str, str] | None] | None = None,
    **context,
) -> OutboxMessage:
    """Render templates/mail/<template>.txt (and .html if present) and add it to the outbox.

    Written in the recipient's language (journal/i18n.py locale_for: their saved language, else `language`, the
    one chosen for them, else the journal's default; `in_language` wins over all: the language an editor chose
    to write a letter in) with dates in their time zone, whatever the language of the
    request that queued it; `subject` may be a lazy message (flask_babel.lazy_gettext), made text in that language.
    Runs inside the caller's transaction: nothing is committed here. The subject is made one line (a journal or
    submission title may hold a line break); a bad address raises ValueError.
    `worded`, given the language the mail is written in, returns the journal's own subject and text for it
    (services/mail_templates.py `wording`), or None: then the template is used. The footer is added either way.
    """
    user = to if isinstance(to, User) else None
    address = _check_address(user.email if user else to)
    cc = [_check_address(a) for a in cc or []]
    journal = context.get("journal") or getattr(related, "journal", None)
    # Mailed by address (a corresponding author, a co-author): an account with that address says its language.
    reader = user or db.session.scalar(select(User).where(User.email == address.strip().lower()))
    with written_to(reader, journal, language, in_language) as code:
        own = worded(code) if worded is not None else None
        subject = _clean_subject(str(own[0] if own else subject))
        context.update(recipient=user, platform_name=current_app.config["PLATFORM_NAME"], subject=subject)
        if own:
            body_text = own[1] + render_template("mail/_footer.txt", **context)
            body_html = None
        else:
            body_text, body_html = _rendered(template, context)
    message = OutboxMessage(
        recipient=address,
        recipient_user_id=user.id if user else None,
        cc=", ".join(cc),
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        template=template,
        subject_type=related.__tablename__.removesuffix("s") if related is not None else None,
        subject_id=related.id if related is not None else None,
        status=OutboxStatus.QUEUED,
        attempts=0,
        last_error="",
        next_attempt_at=utcnow(),
    )
    db.session.add(message)
    if not current_app.config["MAIL_URL"]:
        log.info("Mail queued (no MAIL_URL, kept in the outbox)\nTo: %s\nSubject: %s\n\n%s", address, subject, body_text)
    return message


def _rendered(template: str, context: dict) -> tuple[str, str | None]:
    body_text = render_template(f"mail/{template}.txt", **context)
    try:
        html_template = current_app.jinja_env.get_template(f"mail/{template}.html")
    except TemplateNotFound as exc:  # an HTML body is optional; a missing include inside one is not
        if exc.name != f"mail/{template}.html":
            raise
        return body_text, None
    return body_text, render_template(html_template, **context)


@contextmanager
def written_to(user: User | None, journal=None, language: str | None = None,
               override: str | None = None) -> Iterator[str]:
    """Inside: messages, dates and names come out in the recipient's language and time zone (mails, letters)."""
    code = override or locale_for(user, journal, language)
    previous_zone = g.get("reader_zone")
    g.reader_zone = getattr(user, "timezone", None) or "UTC"
    try:
        with force_locale(code):
            yield code
    finally:
        g.reader_zone = previous_zone


@contextmanager
def mails_not_logged() -> Iterator[None]:
    """Queue mails without writing each to the log meanwhile: the demo seed queues some ninety, which would bury
    the logins it prints. They stay in the outbox (Admin → Outbox); warnings and errors are still logged."""
    previous = log.level
    log.setLevel(logging.WARNING)
    try:
        yield
    finally:
        log.setLevel(previous)


@dataclass(frozen=True)
class SMTPSettings:
    host: str
    port: int
    username: str | None
    password: str | None
    ssl: bool
    starttls: bool
    timeout: float

    @classmethod
    def from_url(cls, url: str) -> "SMTPSettings":
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps"):
            raise ValueError(f"MAIL_URL must start with smtp:// or smtps://, not {parts.scheme!r}")
        query = parse_qs(parts.query)
        flag = lambda name: query.get(name, ["false"])[0].lower() in ("1", "true", "yes")  # noqa: E731
        return cls(
            host=parts.hostname or "localhost",
            port=parts.port or (465 if parts.scheme == "smtps" else 25),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            ssl=parts.scheme == "smtps",
            starttls=flag("starttls"),
            timeout=float(query.get("timeout", ["20"])[0]),
        )


def build_email(message: OutboxMessage, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.recipient
    if message.cc:
        email["Cc"] = message.cc
    email["Subject"] = message.subject
    email["Date"] = format_datetime(utcnow())
    # The sender's domain, not socket.getfqdn(): no DNS lookup per mail, and an ID that names us.
    domain = parseaddr(sender)[1].rpartition("@")[2] or None
    # One Message-ID per outbox message, the same on every attempt: should a worker die between the server's
    # acceptance and the outbox's record of it, the second delivery carries the first one's ID, and mail
    # programs that see both show one.
    email["Message-ID"] = f"<{message.id}.{message.created_at:%Y%m%d%H%M%S}.outbox@{domain or 'localhost'}>"
    email.set_content(message.body_text)
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    return email


def _connect(settings: SMTPSettings) -> smtplib.SMTP:
    if settings.ssl:
        smtp = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout,
                                context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    try:
        if settings.starttls and not settings.ssl:
            smtp.starttls(context=ssl.create_default_context())
        if settings.username:
            smtp.login(settings.username, settings.password or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


class _ConnectError(Exception):
    """The mail server cannot be reached or refuses our login: no message can go now."""


class _Connection:
    """One SMTP session for a batch, opened when first needed and opened again once when
    the server drops it (servers close sessions after some messages or when idle)."""

    def __init__(self, settings: SMTPSettings):
        self.settings = settings
        self.smtp: smtplib.SMTP | None = None

    def send(self, email: EmailMessage) -> dict:
        for attempt in (1, 2):
            if self.smtp is None:
                try:
                    self.smtp = _connect(self.settings)
                except (OSError, smtplib.SMTPException) as exc:
                    raise _ConnectError(f"cannot connect to {self.settings.host}:{self.settings.port}: "
                                        f"{exc.__class__.__name__}: {exc}") from exc
            try:
                return self.smtp.send_message(email)
            except (smtplib.SMTPServerDisconnected, smtplib.SMTPResponseException) as exc:
                closed = isinstance(exc, smtplib.SMTPServerDisconnected) or exc.smtp_code == 421
                if not closed:
                    raise
                self.close()
                if attempt == 2:
                    raise
            except smtplib.SMTPRecipientsRefused:
                raise  # the session stays usable: smtplib reset it
            except (OSError, smtplib.SMTPException):
                self.close()
                raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                self.smtp.close()
            self.smtp = None


def new_worker_id() -> str:
    """Who holds a lease: host, process and a random part (a process claims each batch afresh)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"[-100:]


def _claimable(now: datetime):
    """Queued, and either never claimed or its lease ran out (its worker died or gave it back)."""
    return and_(OutboxMessage.status == OutboxStatus.QUEUED,
                or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until <= now))


def _claim_due(worker: str, limit: int, due_by: datetime, lease: timedelta) -> list[OutboxMessage]:
    """Lease up to `limit` due messages to `worker` and commit the claim before anything is sent.

    One UPDATE takes them, so two workers never hold the same message; on PostgreSQL the
    selecting subquery skips rows another worker is claiming at this instant.
    """
    now = utcnow()
    due = (
        select(OutboxMessage.id)
        .where(_claimable(now), OutboxMessage.next_attempt_at <= due_by)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    )
    if db.engine.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    # Materialized: as a plain IN (subquery) PostgreSQL may run it again for each row, skipping the
    # rows this very UPDATE just changed, and so claim far more than `limit`.
    due = due.cte("due").prefix_with("MATERIALIZED", dialect="postgresql")
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(select(due.c.id)), _claimable(now))
        .values(claimed_by=worker, claimed_until=now + lease)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return list(db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.claimed_by == worker, OutboxMessage.status == OutboxStatus.QUEUED)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        # Rows this session loaded earlier are read again: their status may have changed.
        .execution_options(populate_existing=True)
    ))


def _hold(message: OutboxMessage, worker: str, lease: timedelta) -> bool:
    """Renew the lease just before sending; False if another worker took the message meanwhile
    (this batch outlived its lease), which then sends it instead of us."""
    renewed = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message.id, OutboxMessage.claimed_by == worker,
               OutboxMessage.status == OutboxStatus.QUEUED)
        .values(claimed_until=utcnow() + lease)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return renewed == 1


def _finish(message: OutboxMessage, worker: str, **outcome) -> bool:
    """Record what became of one message and give its lease back, committed at once, so that
    a worker killed later never sends it again. Written only while the lease is still ours."""
    # The server has the mail now: if the database is restarting, keep trying to write that down for a while
    # rather than leave the message to be sent a second time when the lease runs out (the cluster soak restarts
    # PostgreSQL under a running worker).
    deadline = time.monotonic() + FINISH_RETRY_SECONDS
    while True:
        try:
            written = db.session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message.id, OutboxMessage.claimed_by == worker)
                .values(claimed_by=None, claimed_until=None, **outcome)
                .execution_options(synchronize_session=False)
            ).rowcount
            db.session.commit()
            break
        except (OperationalError, InterfaceError):  # InterfaceError: the connection was closed under us
            try:
                db.session.rollback()
            except Exception:  # noqa: BLE001 - the connection died with the server: start a new session
                db.session.remove()
            if time.monotonic() > deadline:
                raise
            log.warning("Outbox message %s: the database is unreachable; recording its outcome again", message.id)
            time.sleep(0.5)
    if not written:
        log.warning("Outbox message %s: the lease ran out and another worker took it before its outcome "
                    "was recorded (%s); MAIL_LEASE_SECONDS is too short", message.id, outcome)
    return written == 1


def _release(worker: str) -> None:
    """Give back what this worker claimed and did not finish (it stops early): due again at once."""
    try:
        db.session.rollback()
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.claimed_by == worker)
            .values(claimed_by=None, claimed_until=None)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
    except SQLAlchemyError:  # the database is gone: the lease runs out on its own
        log.exception("Could not give back the outbox messages claimed by %s", worker)


def _failure(message: OutboxMessage, error: str, max_attempts: int, base_seconds: int,
             *, permanent: bool = False) -> dict:
    attempts = message.attempts + 1
    outcome = {"attempts": attempts, "last_error": error[:2000]}
    if permanent or attempts >= max_attempts:
        outcome["status"] = OutboxStatus.FAILED
    else:
        delay = min(timedelta(seconds=base_seconds * 2 ** (attempts - 1)), BACKOFF_CAP)
        outcome["next_attempt_at"] = utcnow() + delay
    return outcome


class MailSettingsError(RuntimeError):
    """The mail settings do not allow sending (MAIL_URL unset, a lease too short)."""


@dataclass
class SendResult:
    claimed: int = 0
    sent: int = 0
    failed: int = 0
    connection_error: str = ""  # set when the server could not be reached: the batch waits


def send_due_mail(limit: int = 50, *, due_by: datetime | None = None,
                  stopping: Callable[[], bool] = lambda: False) -> SendResult:
    """Deliver one batch of messages due by `due_by` (default: now), each exactly once.

    The batch is leased to this worker (MAIL_LEASE_SECONDS) and the lease committed before
    sending; each message's outcome is committed right after it is sent. So no two workers
    send the same message, and a killed worker's unsent messages return to the queue when
    its lease runs out while what it sent stays sent. A refused recipient or an unreachable
    server leaves the message queued with its error and a later next attempt (exponential
    backoff); after MAIL_MAX_ATTEMPTS it is marked failed and stays in the outbox for an
    administrator. When `stopping()` turns true (the worker was asked to stop), the message
    being sent is finished and recorded, and the rest of the batch is given back at once.
    """
    config = current_app.config
    if not config["MAIL_URL"]:
        raise MailSettingsError("MAIL_URL is not set: mails stay in the outbox (see the admin's Outbox page).")
    settings = SMTPSettings.from_url(config["MAIL_URL"])
    lease = timedelta(seconds=config["MAIL_LEASE_SECONDS"])
    if lease.total_seconds() <= settings.timeout:
        raise MailSettingsError(
            f"MAIL_LEASE_SECONDS ({config['MAIL_LEASE_SECONDS']}) must be longer than the SMTP timeout "
            f"({settings.timeout:g} s in MAIL_URL): a message could be sent twice.")
    max_attempts, base_seconds = config["MAIL_MAX_ATTEMPTS"], config["MAIL_RETRY_BASE_SECONDS"]
    worker = new_worker_id()
    batch = _claim_due(worker, limit, due_by or utcnow(), lease)
    result = SendResult(claimed=len(batch))
    connection = _Connection(settings)
    try:
        for index, message in enumerate(batch):
            if stopping():
                break
            if not _hold(message, worker, lease):
                continue
            try:
                email = build_email(message, config["MAIL_FROM"])
            except (ValueError, TypeError) as exc:  # bad stored data: trying again cannot help
                _finish(message, worker, **_failure(message, f"cannot build the message: {exc}", max_attempts,
                                                    base_seconds, permanent=True))
                result.failed += 1
                continue
            try:
                refused = connection.send(email)
            except _ConnectError as exc:
                # Nothing can go now: every message left in the batch waits for its next attempt.
                for waiting in batch[index:]:
                    _finish(waiting, worker, **_failure(waiting, str(exc), max_attempts, base_seconds))
                    result.failed += 1
                result.connection_error = str(exc)
                break
            except (OSError, smtplib.SMTPException) as exc:
                _finish(message, worker, **_failure(message, f"{exc.__class__.__name__}: {exc}", max_attempts,
                                                    base_seconds))
                result.failed += 1
            else:
                # Some copy recipients may be refused while the main one accepted: keep a note.
                _finish(message, worker, status=OutboxStatus.SENT, sent_at=utcnow(), attempts=message.attempts + 1,
                        last_error=(f"refused recipients: {refused}"[:2000]) if refused else "")
                result.sent += 1
    finally:
        connection.close()
        _release(worker)
    return result


def retry_message(message: OutboxMessage) -> None:
    """Put a failed message back in the queue, due now (an admin's action).

    Its attempts are kept as history, so it gets one more try: failing again marks it failed again.
    """
    message.status = OutboxStatus.QUEUED
    message.next_attempt_at = utcnow()
    message.claimed_by = message.claimed_until = None
