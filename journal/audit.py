"""The audit trail: services record, pages list a subject's history."""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from journal.extensions import db
from journal.models import AuditEvent, User


def subject_of(obj) -> tuple[str, int]:
    return obj.__tablename__.removesuffix("s"), obj.id


def audit(actor: User | None, action: str, subject, *, journal_id: int | None = None, **payload) -> AuditEvent:
    """Add an event to the current transaction. `subject` is a model instance (flushed to get its id)."""
    if subject.id is None:
        db.session.flush()
    subject_type, subject_id = subject_of(subject)
    if journal_id is None:
        journal_id = getattr(subject, "journal_id", None)
        if subject_type == "journal":
            journal_id = subject.id
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        journal_id=journal_id,
        payload=payload,
    )
    db.session.add(event)
    return event


def history(subject, *, limit: int = 200) -> list[AuditEvent]:
    """The subject's events, oldest first, with their actors loaded in the same query batch."""
    subject_type, subject_id = subject_of(subject)
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.subject_type == subject_type, AuditEvent.subject_id == subject_id)
            .options(selectinload(AuditEvent.actor))
            .order_by(AuditEvent.id)
            .limit(limit)
        )
    )
