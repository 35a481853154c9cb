"""The audit trail: services record, pages list a subject's history."""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from journal.extensions import db
from journal.models import AuditEvent, User


ACTION_LABELS = {
    "user.registered": "Account created",
    "user.email_verified": "Email address confirmed",
    "user.verification_sent": "Confirmation link sent again",
    "user.logged_in": "Logged in",
    "user.signed_out": "Signed out",
    "user.registration_attempted": "Someone tried to register with this address",
    "user.login_failed": "Failed login attempt",
    "user.password_reset_requested": "Password reset requested",
    "user.password_reset": "Password set through a reset link",
    "user.password_changed": "Password changed",
    "user.profile_updated": "Profile updated",
    "user.made_platform_admin": "Made platform administrator",
    "user.flags_changed": "Account status changed",
    "journal.created": "Journal created",
    "journal.settings_changed": "Settings changed",
    "journal.no_managing_editor": "Administrators told: no managing editor can handle a paper",
    "review.reminder_sent": "Reminder sent to a reviewer",
    "section.added": "Section added",
    "announcement.posted": "Announcement posted",
    "announcement.removed": "Announcement removed",
    "section.updated": "Section changed",
    "section.moved": "Section moved",
    "member.added": "Member added",
    "member.removed": "Member removed",
    "outbox.retried": "Mail queued again",
    "file.uploaded": "File uploaded",
    "review.attachment_added": "Review attachment added",
    "review.attachment_removed": "Review attachment removed",
    "review.attachment_names_confirmed": "Reviewer confirmed that the attachment naming them may be shared",
    # What the editor does with reviews (journal/services/review_handling.py)
    "review.resubmitted": "Review resubmitted after the editor's request",
    "review.shared": "Review shared with the authors",
    "review.unshared": "Review no longer shared with the authors",
    "review.returned": "Review returned to the reviewer",
    "review.corrected": "Review text corrected for the authors",
    "review.correction_reverted": "Review correction undone",
    "review.rated": "Review rated (private to the editors)",
    "review.proposed_due_date_approved": "Proposed due date approved",
    "review.proposed_due_date_refused": "Proposed due date refused",
    "submission.recommended": "Decision recommended",
    "submission.recommendation_confirmed": "Recommendation confirmed",
    "submission.recommendation_changed": "Recommendation changed by the managing editor",
    # Production and issues (journal/services/production.py, proofs.py, issues.py)
    "article.production_started": "Production started",
    "article.galley_uploaded": "Galley uploaded",
    "article.metadata_confirmed": "Metadata confirmed",
    "article.proofs_outdated": "Proofs outdated by a change",
    "article.proofs_requested": "Proofs sent to the author",
    "article.proofs_approved": "Proofs approved by the author",
    "article.proof_corrections_sent": "Corrections to the proofs sent by the author",
    "article.scheduled": "Scheduled in an issue",
    "article.published": "Published",
    "article.corrected": "Corrected (new version)",
    "article.retracted": "Retracted",
    "issue.created": "Issue created",
    "issue.updated": "Issue details changed",
    "issue.toc_changed": "Table of contents reordered",
    "issue.published": "Issue published",
}


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action) or action.split(".")[-1].replace("_", " ").capitalize()


def event_details(event: AuditEvent) -> list[str]:
    """The payload as short readable phrases: 'review days: 35', 'role: editor'."""
    phrases = []
    for key, value in (event.payload or {}).items():
        if key == "fields" and "changes" in event.payload:
            continue
        if isinstance(value, dict):
            phrases.extend(f"{k.replace('_', ' ')}: {v}" for k, v in value.items())
        elif isinstance(value, list):
            phrases.append(f"{key.replace('_', ' ')}: {', '.join(str(v).replace('_', ' ') for v in value)}")
        elif not key.endswith("_id"):
            phrases.append(f"{key.replace('_', ' ')}: {str(value).replace('_', ' ')}")
    return phrases


def subject_of(obj) -> tuple[str, int]:
    return obj.__tablename__.removesuffix("s"), obj.id


def excerpt(text: str, limit: int = 160) -> str:
    """A long text (an editor's request, a note) on one line and shortened, for an event's payload."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


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
