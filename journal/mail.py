"""The mail outbox: services queue rows in their transaction; a worker delivers them.

A mail is never lost (the row stays until it is sent) and never sent for a change that
rolled back (the row rolls back with it).
"""

import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app, render_template
from sqlalchemy import select

from journal.extensions import db
from journal.models import OutboxMessage, OutboxStatus, User, utcnow

log = logging.getLogger(__name__)

BACKOFF_CAP = timedelta(hours=12)


def external_url(endpoint: str, **values) -> str:
    """An absolute link for mails, built from BASE_URL, never from a request's Host header."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https"
    )
    return adapter.build(endpoint, values, force_external=True)


def queue_mail(
    to: User | str,
    template: str,
    *,
    subject: str,
    related=None,
    cc: list[str] | None = None,
    **context,
) -> OutboxMessage:
    """Render templates/mail/<template>.txt (and .html if present) and add it to the outbox.

    Runs inside the caller's transaction: nothing is committed here.
    """
    user = to if isinstance(to, User) else None
    address = user.email if user else to
    context.update(recipient=user, platform_name=current_app.config["PLATFORM_NAME"], subject=subject)
    body_text = render_template(f"mail/{template}.txt", **context)
    try:
        body_html = render_template(f"mail/{template}.html", **context)
    except Exception as exc:  # an HTML body is optional
        if exc.__class__.__name__ != "TemplateNotFound":
            raise
        body_html = None
    message = OutboxMessage(
        recipient=address,
        recipient_user_id=user.id if user else None,
        cc=", ".join(cc or []),
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        template=template,
        subject_type=related.__tablename__.removesuffix("s") if related is not None else None,
        subject_id=related.id if related is not None else None,
        status=OutboxStatus.QUEUED,
        next_attempt_at=utcnow(),
    )
    db.session.add(message)
    if not current_app.config["MAIL_URL"]:
        log.info("Mail queued (no MAIL_URL, kept in the outbox)\nTo: %s\nSubject: %s\n\n%s", address, subject, body_text)
    return message


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
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = make_msgid(idstring=f"outbox.{message.id}")
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
        if settings.starttls:
            smtp.starttls(context=ssl.create_default_context())
    if settings.username:
        smtp.login(settings.username, settings.password or "")
    return smtp


def _claim_due(limit: int) -> list[OutboxMessage]:
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.QUEUED, OutboxMessage.next_attempt_at <= utcnow())
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    )
    if db.engine.dialect.name == "postgresql":
        # Several workers share the queue: each takes rows the others have not locked.
        query = query.with_for_update(skip_locked=True)
    return list(db.session.scalars(query))


def _record_failure(message: OutboxMessage, error: str, max_attempts: int, base_seconds: int) -> None:
    message.attempts += 1
    message.last_error = error[:2000]
    if message.attempts >= max_attempts:
        message.status = OutboxStatus.FAILED
    else:
        delay = min(timedelta(seconds=base_seconds * 2 ** (message.attempts - 1)), BACKOFF_CAP)
        message.next_attempt_at = utcnow() + delay


def send_due_mail(limit: int = 50) -> dict[str, int]:
    """Deliver one batch of due messages; returns counts of sent and failed attempts.

    The batch is locked (PostgreSQL) until its outcome is committed, so no two workers send
    the same message. A refused recipient or an unreachable server leaves the message
    queued with its error and a later next attempt (exponential backoff).
    """
    config = current_app.config
    if not config["MAIL_URL"]:
        raise RuntimeError("MAIL_URL is not set: mails stay in the outbox (see the admin's Outbox page).")
    settings = SMTPSettings.from_url(config["MAIL_URL"])
    batch = _claim_due(limit)
    counts = {"sent": 0, "failed": 0}
    if not batch:
        db.session.commit()
        return counts
    smtp = None
    try:
        smtp = _connect(settings)
    except (OSError, smtplib.SMTPException) as exc:
        for message in batch:
            _record_failure(message, f"cannot connect to {settings.host}:{settings.port}: {exc}",
                            config["MAIL_MAX_ATTEMPTS"], config["MAIL_RETRY_BASE_SECONDS"])
            counts["failed"] += 1
        db.session.commit()
        return counts
    try:
        for message in batch:
            try:
                smtp.send_message(build_email(message, config["MAIL_FROM"]))
            except (OSError, smtplib.SMTPException) as exc:
                _record_failure(message, f"{exc.__class__.__name__}: {exc}",
                                config["MAIL_MAX_ATTEMPTS"], config["MAIL_RETRY_BASE_SECONDS"])
                counts["failed"] += 1
                if isinstance(exc, smtplib.SMTPServerDisconnected):
                    break
            else:
                message.status = OutboxStatus.SENT
                message.sent_at = utcnow()
                message.attempts += 1
                message.last_error = ""
                counts["sent"] += 1
    finally:
        db.session.commit()
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            pass
    return counts


def retry_message(message: OutboxMessage) -> None:
    """Put a failed message back in the queue, due now (an admin's action)."""
    message.status = OutboxStatus.QUEUED
    message.next_attempt_at = utcnow()
