"""The audit trail: services record, pages list a subject's history."""

from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from journal.extensions import db
from journal.models import AuditEvent, User


ACTION_LABELS = {
    "user.registered": _l("Account created"),
    "user.email_verified": _l("Email address confirmed"),
    "user.verification_sent": _l("Confirmation link sent again"),
    "user.logged_in": _l("Logged in"),
    "user.signed_out": _l("Signed out"),
    "user.registration_attempted": _l("Someone tried to register with this address"),
    "user.login_failed": _l("Failed login attempt"),
    "user.password_reset_requested": _l("Password reset requested"),
    "user.password_reset": _l("Password set through a reset link"),
    "user.password_changed": _l("Password changed"),
    "user.profile_updated": _l("Profile updated"),
    "user.made_platform_admin": _l("Made platform administrator"),
    "user.flags_changed": _l("Account status changed"),
    "user.orcid_linked": _l("ORCID iD linked and authenticated"),
    "user.orcid_unlinked": _l("ORCID iD unlinked"),
    "user.orcid_released": _l("ORCID iD removed: another account proved it through ORCID"),
    "contributor.orcid_authenticated": _l("A listed author authenticated their ORCID iD"),
    "api_token.created": _l("API token created"),
    "api_token.revoked": _l("API token revoked"),
    "journal.created": _l("Journal created"),
    "journal.settings_changed": _l("Settings changed"),
    "journal.no_managing_editor": _l("Administrators told: no managing editor can handle a paper"),
    "review.reminder_sent": _l("Reminder sent to a reviewer"),
    "submission.response_draft_saved": _l("Response to the reviewers saved as a draft"),
    "submission.revision_reminder_sent": _l("Reminder about the revision sent to the authors"),
    "section.added": _l("Section added"),
    "announcement.posted": _l("Announcement posted"),
    "announcement.removed": _l("Announcement removed"),
    "section.updated": _l("Section changed"),
    "section.moved": _l("Section moved"),
    "member.added": _l("Member added"),
    "member.removed": _l("Member removed"),
    "outbox.retried": _l("Mail queued again"),
    "file.uploaded": _l("File uploaded"),
    "latex.uploaded": _l("LaTeX source uploaded"),
    "latex.main_chosen": _l("Main LaTeX file chosen"),
    "latex.compile_started": _l("LaTeX compilation started"),
    "latex.compile_finished": _l("LaTeX source compiled to PDF"),
    "latex.compile_failed": _l("LaTeX compilation failed"),
    "review.attachment_added": _l("Review attachment added"),
    "review.attachment_removed": _l("Review attachment removed"),
    "review.attachment_names_confirmed": _l("Reviewer confirmed that the attachment naming them may be shared"),
    # What the editor does with reviews (journal/services/review_handling.py)
    "review.resubmitted": _l("Review resubmitted after the editor's request"),
    "review.shared": _l("Review shared with the authors"),
    "review.unshared": _l("Review no longer shared with the authors"),
    "review.returned": _l("Review returned to the reviewer"),
    "review.corrected": _l("Review text corrected for the authors"),
    "review.correction_reverted": _l("Review correction undone"),
    "review.rated": _l("Review rated (private to the editors)"),
    "review.proposed_due_date_approved": _l("Proposed due date approved"),
    "review.proposed_due_date_refused": _l("Proposed due date refused"),
    "submission.recommended": _l("Decision recommended"),
    "submission.recommendation_confirmed": _l("Recommendation confirmed"),
    "submission.recommendation_changed": _l("Recommendation changed by the managing editor"),
    # Production and issues (journal/services/production.py, proofs.py, issues.py)
    "article.production_started": _l("Production started"),
    "article.galley_uploaded": _l("Galley uploaded"),
    "article.full_text_requested": _l("HTML full text requested"),
    "article.full_text_made": _l("HTML full text made"),
    "article.full_text_failed": _l("HTML full text failed"),
    "article.metadata_confirmed": _l("Metadata confirmed"),
    "article.proofs_outdated": _l("Proofs outdated by a change"),
    "article.proofs_requested": _l("Proofs sent to the author"),
    "article.proofs_approved": _l("Proofs approved by the author"),
    "article.proof_corrections_sent": _l("Corrections to the proofs sent by the author"),
    "article.scheduled": _l("Scheduled in an issue"),
    "article.published": _l("Published"),
    "peer_review.published": _l("Peer review published with the article"),
    "submission.review_publication_consent": _l("The authors' agreement to publish the peer review changed"),
    "article.published_online": _l("Published online first"),
    "article.gathered_into_issue": _l("Gathered into its issue (DOI and address unchanged)"),
    "article.corrected": _l("Corrected (new version)"),
    "article.retracted": _l("Retracted"),
    "issue.created": _l("Issue created"),
    "issue.updated": _l("Issue details changed"),
    "issue.toc_changed": _l("Table of contents reordered"),
    "issue.published": _l("Issue published"),
    "issue.articles_added": _l("Articles added to the issue"),
    # Actions without a label of their own were shown as their last word, capitalized; the same words, translated.
    "contributor.added": _l("Added"),
    "contributor.corresponding": _l("Corresponding"),
    "contributor.moved": _l("Moved"),
    "contributor.objected": _l("Objected"),
    "contributor.removed": _l("Removed"),
    "contributor.updated": _l("Updated"),
    "file.removed": _l("Removed"),
    "review.invited": _l("Invited"),
    "review.accepted": _l("Accepted"),
    "review.declined": _l("Declined"),
    "review.cancelled": _l("Cancelled"),
    "review.submitted": _l("Submitted"),
    "review.due_date_changed": _l("Due date changed"),
    "submission.created": _l("Created"),
    "submission.discarded": _l("Discarded"),
    "submission.section_changed": _l("Section changed"),
    "submission.metadata_updated": _l("Metadata updated"),
    "submission.declarations_updated": _l("Declarations updated"),
    "submission.anonymity_confirmed": _l("Anonymity confirmed"),
    "submission.editor_assigned": _l("Editor assigned"),
    "submission.submit": _l("Submit"),
    "submission.resubmit": _l("Resubmit"),
    "submission.withdraw": _l("Withdraw"),
    "submission.desk_reject": _l("Desk reject"),
    "submission.send_to_review": _l("Send to review"),
    "submission.decide": _l("Decide"),
    "submission.schedule": _l("Schedule"),
    "submission.publish": _l("Publish"),
    "submission.publish_online": _l("Publish online first"),
    "user.language_changed": _l("Language changed"),
    # Conversations on a paper (journal/services/conversations.py)
    "message.from_authors": _l("Message from the authors to the editors"),
    "message.to_authors": _l("Message from the editors to the authors"),
    "message.from_reviewer": _l("Message from a reviewer to the editors"),
    "message.to_reviewer": _l("Message from the editors to a reviewer"),
}

# The names of the details an event records (its payload's keys, and the fields a change lists), as a history shows
# them: each the key with spaces for underscores, translated. A key not listed here is shown as it is.
DETAIL_LABELS = {
    "compile": _l("compilation"), "main": _l("main file"), "mains": _l("main files"), "seconds": _l("seconds"),
    "files": _l("files"), "errors": _l("errors"),
    "active": _l("active"), "address": _l("address"), "administrators_told": _l("administrators told"),
    "article": _l("article"), "articles": _l("articles"), "because": _l("because"), "changed": _l("changed"),
    "correction": _l("correction"), "corrections": _l("corrections"), "deadline": _l("deadline"),
    "decision": _l("decision"), "device": _l("device"), "doi": _l("doi"), "due": _l("due"), "editor": _l("editor"),
    "email": _l("email"), "fields": _l("fields"), "found": _l("found"), "from": _l("from"), "issue": _l("issue"),
    "kind": _l("kind"), "language": _l("language"), "mailed": _l("mailed"), "name": _l("name"),
    "names_found": _l("names found"), "note": _l("note"), "notice": _l("notice"), "pages": _l("pages"),
    "paper": _l("paper"), "position": _l("position"), "previous": _l("previous"), "previous_due": _l("previous due"),
    "proposed": _l("proposed"), "proposed_due": _l("proposed due"), "quality": _l("quality"),
    "reason": _l("reason"), "recipient": _l("recipient"), "recommendation": _l("recommendation"),
    "reference": _l("reference"), "reminder": _l("reminder"), "replaces": _l("replaces"), "request": _l("request"),
    "respond_by": _l("respond by"), "reviewer": _l("reviewer"), "role": _l("role"), "round": _l("round"),
    "section": _l("section"), "sha256": _l("sha256"), "size": _l("size"), "slug": _l("slug"),
    "timeliness": _l("timeliness"), "title": _l("title"), "to": _l("to"), "user": _l("user"),
    "version": _l("version"), "via": _l("via"), "waiting_for": _l("waiting for"),
    # Profile fields and journal settings, as changes list them
    "given_name": _l("given name"), "family_name": _l("family name"), "affiliation": _l("affiliation"),
    "country": _l("country"), "orcid": _l("orcid"), "expertise_keywords": _l("expertise keywords"),
    "biography": _l("biography"), "timezone": _l("timezone"), "abbreviation": _l("abbreviation"),
    "reference_prefix": _l("reference prefix"), "issn_print": _l("issn print"), "issn_online": _l("issn online"),
    "publisher": _l("publisher"), "doi_prefix": _l("doi prefix"), "doi_pattern": _l("doi pattern"),
    "licence": _l("licence"), "review_mode": _l("review mode"), "review_days": _l("review days"),
    "response_days": _l("response days"), "reviews_required": _l("reviews required"),
    "reminder_days": _l("reminder days"), "editors_recommend_only": _l("editors recommend only"),
    "reviewers_see_reviews": _l("reviewers see reviews"), "accepting_submissions": _l("accepting submissions"),
    "page_limit": _l("page limit"), "submission_checklist": _l("submission checklist"),
    "description": _l("description"), "author_guidelines": _l("author guidelines"), "languages": _l("languages"),
    "default_language": _l("default language"), "peer_review_publication": _l("peer review publication"),
    "decision_letters": _l("decision letters"), "author_responses": _l("authors' responses"),
    "reports": _l("reports"), "withheld": _l("withheld"), "named": _l("named"), "rounds": _l("rounds"),
    "revision_due": _l("revision due"), "minor_revision_days": _l("days for a minor revision"),
    "major_revision_days": _l("days for a major revision"),
}


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return str(label) if label else action.split(".")[-1].replace("_", " ").capitalize()


def detail_label(key: str) -> str:
    """A payload key (or a field a change lists) as a history names it, in the reader's language."""
    label = DETAIL_LABELS.get(key)
    return str(label) if label else key.replace("_", " ")


def event_details(event: AuditEvent) -> list[str]:
    """The payload as short readable phrases: 'review days: 35', 'role: editor'."""
    phrases = []
    for key, value in (event.payload or {}).items():
        if key == "fields" and "changes" in event.payload:
            continue
        if isinstance(value, dict):
            phrases.extend(_("%(detail)s: %(value)s", detail=detail_label(k), value=v) for k, v in value.items())
        elif isinstance(value, list):
            items = (detail_label(str(v)) if key == "fields" else str(v).replace("_", " ") for v in value)
            phrases.append(_("%(detail)s: %(value)s", detail=detail_label(key), value=", ".join(items)))
        elif not key.endswith("_id"):
            phrases.append(_("%(detail)s: %(value)s", detail=detail_label(key), value=str(value).replace("_", " ")))
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
