"""Review credit on ORCID (issue 18): a reviewer's completed review as an item of the peer-review section of their
ORCID record.

What the record names follows the credit rules (services/credit.py): the journal (its ISSN, ORCID's review group),
the publisher, the completion date, and an identifier of the review that says nothing of the paper (a source-work-id
derived from the review by a keyed hash). The paper, and the review's own DOI (made from the paper's), are named only
where the journal reviews openly, the reviewer agreed to be named with the review and the article is published:
an anonymous reviewer's record never ties them to a paper.

Agreement is per review, on the reviewer's credit page, and can be withdrawn until the record was sent. Where the
journal is an ORCID member (ORCID_MEMBER_API_URL) and the reviewer gave this site the permission to add to their
record (linking or signing in with ORCID), a job sends the record (`send`), retried while ORCID cannot be reached;
otherwise the record is offered as a JSON file.
"""

import hashlib
import hmac
import logging

import requests
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from journal import orcid
from journal.audit import audit
from journal.extensions import db
from journal.mail import external_url
from journal.models import (AssignmentStatus, CreditStatus, OrcidReviewCredit, PublishedReview, ReviewAssignment,
                            ReviewMode, User, utcnow)
from journal.scholarly import orcid_review
from journal.scholarly.records import publisher_name
from journal.services.errors import DomainError, NotFound
from journal.services.orcid import update_token
from journal.services.unit import transactional

log = logging.getLogger(__name__)
MEDIA_TYPE = "application/vnd.orcid+json"


class RecordNotReady(DomainError):
    """The journal's settings do not give what ORCID requires (an ISSN, the publisher's city and country)."""


class OrcidUnavailable(Exception):
    """ORCID did not answer, or answered with a server error: the job is retried."""


def sends_to_orcid() -> bool:
    return bool(orcid.member_api_url())


def own_completed(user: User, assignment: ReviewAssignment) -> ReviewAssignment:
    if assignment.reviewer_id != user.id or assignment.status is not AssignmentStatus.SUBMITTED \
            or assignment.completed_at is None:
        raise NotFound(_("This review is not a completed review of yours."))
    return assignment


def is_named(assignment: ReviewAssignment) -> bool:
    """The paper may be named with the review: an open journal, a reviewer who agreed to be named, a published
    article (the rule of services/credit.py, and a paper not yet public is never named)."""
    submission = assignment.submission
    review = assignment.review
    article = getattr(submission, "article", None)
    return (submission.journal.review_mode is ReviewMode.OPEN and review is not None and review.consent_to_name
            and article is not None and article.is_public)


def source_work_id(assignment: ReviewAssignment) -> str:
    """The review's identifier on the record: stable, and keyed so that nobody can count or guess the journal's
    review numbers from it."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(key, f"review-credit:{assignment.id}".encode(), hashlib.sha256).hexdigest()[:20]
    return f"{assignment.submission.journal.slug}-review-{digest}"


def record_for(assignment: ReviewAssignment) -> dict:
    """The ORCID peer-review record of a completed review, checked against ORCID's rules; RecordNotReady when the
    journal's settings cannot give one."""
    journal = assignment.submission.journal
    config = current_app.config
    issn = journal.issn_online or journal.issn_print or ""
    organization = orcid_review.Organization(
        name=publisher_name(journal), city=config.get("ORCID_ORGANIZATION_CITY", ""),
        region=config.get("ORCID_ORGANIZATION_REGION", ""),
        country=(config.get("ORCID_ORGANIZATION_COUNTRY") or "").upper(),
        identifier=config.get("ORCID_ORGANIZATION_ID", ""),
        source=(config.get("ORCID_ORGANIZATION_ID_SOURCE") or "").upper() if config.get("ORCID_ORGANIZATION_ID")
        else "")
    review_id = orcid_review.external_id("source-work-id", source_work_id(assignment))
    review_url = external_url("public.journal_home", slug=journal.slug)
    subject = None
    if is_named(assignment):
        article = assignment.submission.article
        version = article.current_version
        subject = orcid_review.Subject(title=version.title, journal_title=journal.title, doi=article.doi or "",
                                       url=external_url("public.article", slug=journal.slug, article_id=article.id))
        review_url = subject.url
        published = db.session.scalar(select(PublishedReview).where(PublishedReview.assignment_id == assignment.id,
                                                                    PublishedReview.doi.is_not(None),
                                                                    PublishedReview.reviewer_name.is_not(None)))
        if published is not None and published.reviewer_name:
            review_id = orcid_review.external_id("doi", published.doi, published.doi_url)
    record = orcid_review.peer_review_record(
        completed=assignment.completed_at.date(), issn=issn, organization=organization, review_id=review_id,
        review_url=review_url, subject=subject)
    problems = orcid_review.check(record, today=utcnow().date())
    if problems:
        log.warning("ORCID record for review %s not ready: %s", assignment.id, "; ".join(problems))
        raise RecordNotReady(_("This journal cannot prepare records for ORCID yet: its ISSN or its publisher's "
                               "address is missing. Please write to the editorial office."))
    return record


def credits_of(user: User) -> dict[int, OrcidReviewCredit]:
    """The user's agreements, by assignment id, for the credit page."""
    rows = db.session.scalars(select(OrcidReviewCredit).where(OrcidReviewCredit.user_id == user.id))
    return {row.assignment_id: row for row in rows}


def credit_of(assignment: ReviewAssignment) -> OrcidReviewCredit | None:
    return db.session.scalar(select(OrcidReviewCredit).where(OrcidReviewCredit.assignment_id == assignment.id))


@transactional
def agree(user: User, assignment: ReviewAssignment) -> OrcidReviewCredit:
    """The reviewer agrees to have this review added to their ORCID record (again, after ORCID refused it); the
    caller then sends the `send_orcid_review` job with the row's id (journal/jobs.py runs `send`; the jobs import
    the services, never the other way round)."""
    own_completed(user, assignment)
    if not sends_to_orcid():
        raise DomainError(_("This journal does not add reviews to ORCID records: download the record instead."))
    if update_token(user) is None:
        raise DomainError(_("First connect your ORCID iD from your profile and allow this site to add items to "
                            "your ORCID record."))
    record_for(assignment)  # a record ORCID would refuse is not agreed to
    row = credit_of(assignment)
    if row is not None and row.status is CreditStatus.SENT:
        raise DomainError(_("This review is on your ORCID record already."))
    if row is None:
        row = OrcidReviewCredit(assignment=assignment, user=user)
        db.session.add(row)
    row.status, row.agreed_at, row.attempts, row.last_error = CreditStatus.AGREED, utcnow(), 0, ""
    audit(user, "review.orcid_credit_agreed", user, assignment=assignment.id)
    return row


@transactional
def withdraw(user: User, assignment: ReviewAssignment) -> None:
    """The reviewer takes back their agreement; too late once the record is on their ORCID record (they remove it
    there)."""
    own_completed(user, assignment)
    row = credit_of(assignment)
    if row is None:
        raise DomainError(_("You had not agreed to add this review to your ORCID record."))
    if row.status is CreditStatus.SENT:
        raise DomainError(_("This review is on your ORCID record already: remove it there if you wish."))
    db.session.delete(row)
    audit(user, "review.orcid_credit_withdrawn", user, assignment=assignment.id)


def _failed(row: OrcidReviewCredit, reason: str) -> None:
    row.status, row.last_error = CreditStatus.FAILED, reason[:1000]
    audit(None, "review.orcid_credit_failed", row.user, assignment=row.assignment_id,
          reason=reason[:200])
    db.session.commit()


def send(credit_id: int) -> None:
    """The job: POST the record to the reviewer's ORCID record with their token; the put-code ORCID answers is kept.
    Nothing happens for a withdrawn or sent agreement (a job run twice sends once). A refusal by ORCID (a revoked
    token, a record it rejects) is final and shown to the reviewer; an unreachable ORCID raises so the job is
    retried with backoff."""
    row = db.session.get(OrcidReviewCredit, credit_id, with_for_update=True)
    if row is None or row.status is not CreditStatus.AGREED:
        db.session.rollback()
        return
    user = row.user
    token = update_token(user)
    secret = orcid.unseal(token.sealed_token) if token is not None else None
    if secret is None:
        return _failed(row, "no permission to update the ORCID record")
    try:
        record = record_for(row.assignment)
    except RecordNotReady as error:
        return _failed(row, error.message)
    url = f"{orcid.member_api_url()}/v3.0/{user.orcid}/peer-review"
    row.attempts += 1
    try:
        answer = requests.post(url, json=record, timeout=20, headers={
            "Authorization": f"Bearer {secret}", "Content-Type": MEDIA_TYPE, "Accept": MEDIA_TYPE})
    except requests.RequestException as error:
        row.last_error = f"ORCID unreachable: {type(error).__name__}"
        db.session.commit()
        raise OrcidUnavailable(row.last_error) from None
    if answer.status_code >= 500 or answer.status_code == 429:
        row.last_error = f"ORCID answered {answer.status_code}"
        db.session.commit()
        raise OrcidUnavailable(row.last_error)
    if answer.status_code != 201:
        return _failed(row, f"ORCID refused the record ({answer.status_code}): {answer.text[:300]}")
    put_code = answer.headers.get("Location", "").rstrip("/").rsplit("/", 1)[-1]
    row.status, row.sent_at, row.last_error = CreditStatus.SENT, utcnow(), ""
    row.put_code = put_code[:20] if put_code.isdigit() else None
    audit(None, "review.orcid_credit_sent", row.user, assignment=row.assignment_id,
          put_code=row.put_code)
    db.session.commit()
