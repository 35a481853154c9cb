"""The submission wizard: starting a draft, its section and checklist, the metadata, the declarations, the
anonymity confirmation, and discarding a draft that was never submitted."""

from flask_babel import gettext as _
from sqlalchemy import select

from journal.audit import audit
from journal.extensions import db
from journal.scholarly.identifiers import clean_data_link, parse_keywords
from journal.models import Contributor, Journal, LatexCompile, Section, Submission, SubmissionStatus, User, utcnow
from journal.permissions import can
from journal.services.accounts import normalize_email
from journal.services.translations import clean_translation
from journal.services.errors import DomainError, PermissionDenied
from journal.services.peer_review import asks_consent
from journal.services.submissions import manuscript_of, require_author, require_draft
from journal.services.unit import transactional


S = SubmissionStatus
STEPS = ("start", "metadata", "files", "declarations", "review")


@transactional
def start_submission(actor: User, journal: Journal, *, section_id: int | None, checklist_confirmed: bool) -> Submission:
    """A new draft; the submitter is its first author and corresponding author."""
    if not can(actor, "journal.submit", journal):
        raise PermissionDenied(_("%(journal)s does not accept submissions at the moment.", journal=journal.title))
    section = _section_of(journal, section_id)
    _check_checklist(journal, checklist_confirmed)
    submission = Submission(
        journal=journal, section=section, submitter=actor, keywords=[], suggested_reviewers=[], opposed_reviewers=[],
        checklist_confirmed_at=utcnow() if journal.submission_checklist else None,
    )
    submission.contributors = [Contributor(
        position=0, given_name=actor.given_name, family_name=actor.family_name, email=actor.email,
        affiliation=actor.affiliation, country=actor.country, orcid=actor.orcid, is_corresponding=True, user=actor,
    )]
    db.session.add(submission)
    db.session.flush()
    audit(actor, "submission.created", submission, section=section.title)
    return submission


def _section_of(journal: Journal, section_id: int | None) -> Section:
    section = next((s for s in journal.sections if s.id == section_id and s.active), None)
    if section is None:
        raise DomainError(_("Choose one of the journal's sections."), "section_id")
    return section


def _check_checklist(journal: Journal, confirmed: bool) -> None:
    if journal.submission_checklist and not confirmed:
        raise DomainError(_("Please confirm every statement of the checklist."), "checklist")


@transactional
def update_start(actor: User, submission: Submission, *, section_id: int | None, checklist_confirmed: bool) -> None:
    require_draft(actor, submission)
    section = _section_of(submission.journal, section_id)
    _check_checklist(submission.journal, checklist_confirmed)
    if submission.section_id != section.id:
        audit(actor, "submission.section_changed", submission, section=section.title)
    submission.section = section
    if submission.journal.submission_checklist and submission.checklist_confirmed_at is None:
        submission.checklist_confirmed_at = utcnow()


@transactional
def update_metadata(actor: User, submission: Submission, *, title: str, abstract: str, keywords: str | list[str],
                    language: str = "en", translated_language: str | None = None,
                    translated_title: str | None = None, translated_abstract: str | None = None,
                    translated_keywords: str | list[str] | None = None) -> None:
    """Title, abstract, keywords, language, and the same in a second language (services/translations.py; a
    translated_* left None stays as it is): changeable in a draft and while revising."""
    require_author(actor, submission)
    try:
        keywords = parse_keywords(keywords, limit=12)
    except ValueError as exc:
        raise DomainError(str(exc), "keywords") from None
    given = {"translated_language": translated_language, "translated_title": translated_title,
             "translated_abstract": translated_abstract, "translated_keywords": translated_keywords}
    translated = clean_translation(language, *(getattr(submission, name) if value is None else value
                                               for name, value in given.items()))
    changes = {}
    for name, value in (("title", " ".join(title.split())), ("abstract", abstract.strip()), ("keywords", keywords),
                        ("language", language), *translated.items()):
        if getattr(submission, name) != value:
            setattr(submission, name, value)
            changes[name] = True
    if changes:
        audit(actor, "submission.metadata_updated", submission, fields=sorted(changes))


@transactional
def confirm_anonymity(actor: User, submission: Submission) -> None:
    require_author(actor, submission)
    manuscript = manuscript_of(submission)
    if manuscript is None:
        raise DomainError(_("Upload the manuscript first."))
    submission.anonymity_confirmed_at = utcnow()
    audit(actor, "submission.anonymity_confirmed", submission,
          found=[f"{term} ({where})" for term, where in (manuscript.pdf_report or {}).get("found", [])])


def _reviewer_list(rows: list[dict], field: str) -> list[dict]:
    clean = []
    for row in rows:
        name, email, reason = (row.get("name") or "").strip(), normalize_email(row.get("email") or ""), \
            (row.get("reason") or "").strip()
        if not (name or email or reason):
            continue
        if not name or "@" not in email:
            raise DomainError(_("Give both the name and the email address of each reviewer you list."), field)
        clean.append({"name": name, "email": email, "reason": reason})
    return clean


def clean_data_links(rows: list[dict]) -> list[dict]:
    """The links to data and software as typed, row by row; a wrong DOI or address is refused with its row."""
    clean = []
    for number, row in enumerate(rows, 1):
        try:
            link = clean_data_link(row.get("kind", ""), row.get("address", ""), row.get("repository", ""))
        except ValueError as exc:
            raise DomainError(_("Data and software, row %(number)s (“%(typed)s”): %(problem)s",
                                number=number, typed=(row.get("address") or "").strip()[:200],
                                problem=exc), "data_links") from None
        if link is not None:
            clean.append(link)
    return clean


@transactional
def update_declarations(actor: User, submission: Submission, *, cover_letter: str, competing_interests: str,
                        funding: str, data_availability: str, suggested_reviewers: list[dict],
                        opposed_reviewers: list[dict], data_links: list[dict] | None = None,
                        authors_agree_to_publish_reviews: bool | None = None) -> None:
    require_author(actor, submission)
    links = clean_data_links(data_links) if data_links is not None else submission.data_links
    suggested = _reviewer_list(suggested_reviewers, "suggested_reviewers")
    opposed = _reviewer_list(opposed_reviewers, "opposed_reviewers")
    author_emails = {c.email for c in submission.contributors}
    if any(r["email"] in author_emails for r in suggested):
        raise DomainError(_("An author of the paper cannot be suggested as its reviewer."), "suggested_reviewers")
    submission.cover_letter = cover_letter.strip()
    submission.competing_interests = competing_interests.strip()
    submission.funding = funding.strip()
    submission.data_availability = data_availability.strip()
    submission.data_links = links
    submission.suggested_reviewers = suggested
    submission.opposed_reviewers = opposed
    if authors_agree_to_publish_reviews is not None:  # asked only where the journal publishes with consent
        submission.authors_agree_to_publish_reviews = (bool(authors_agree_to_publish_reviews)
                                                       and asks_consent(submission.journal))
    audit(actor, "submission.declarations_updated", submission)


@transactional
def discard_draft(actor: User, submission: Submission) -> list[str]:
    """A draft that was never submitted can be deleted with its files; returns the storage keys to delete."""
    require_author(actor, submission, editable=False)
    if submission.status is not S.DRAFT:
        raise DomainError(_("Only a draft can be deleted; a submitted paper can be withdrawn."))
    compiles = db.session.scalars(select(LatexCompile).where(LatexCompile.submission_id == submission.id)).all()
    keys = [c.log_key for c in compiles if c.log_key] + [f.storage_key for f in submission.files]
    for row in compiles:
        db.session.delete(row)
    db.session.flush()
    for file in list(submission.files):
        db.session.delete(file)
    audit(actor, "submission.discarded", submission, title=submission.title)
    db.session.delete(submission)
    return keys
