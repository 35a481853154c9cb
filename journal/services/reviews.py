"""The review itself: the reviewer's draft (scores, recommendation, comments), what they see of their own earlier
rounds, and submitting it, after which it is read-only and the editors are told.

Mails and audit events never name the paper's authors to a reviewer, nor a reviewer to the authors.
"""

from flask_babel import lazy_gettext as _l
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select

from journal.audit import audit
from journal.extensions import db
from journal.mail import queue_mail
from journal.models import (CRITERIA, AssignmentStatus, PeerReviewPublication, Recommendation, Review,
                            ReviewAssignment, SubmissionStatus, User, utcnow)
from journal.services.errors import DomainError
from journal.services.invitations import editor_link, editors_to_tell
from journal.services.review_assignments import assignments_of, check_reviewer
from journal.services.shared_reviews import attachment_of, findings_for_reviewer
from journal.services.unit import transactional


A = AssignmentStatus
# Fewer characters than this say nothing the authors can act on ("Fine.", "Accept.").
MIN_COMMENTS_LENGTH = 20


def earlier_reviews_by(assignment: ReviewAssignment) -> list[tuple[ReviewAssignment, str]]:
    """In round 2 and later: this reviewer's own submitted reviews of earlier rounds, each with the
    authors' response that came with the next round."""
    if assignment.reviewer_id is None:
        return []
    responses = {r.number: r.author_response for r in assignment.submission.rounds}
    return [(a, responses.get(a.round.number + 1, "")) for a in assignments_of(assignment.submission)
            if a.reviewer_id == assignment.reviewer_id and a.round.number < assignment.round.number
            and a.status is A.SUBMITTED and a.review is not None]


CRITERION_KEYS = tuple(c.key for c in CRITERIA)


def _clean_scores(scores: dict | None) -> dict[str, int]:
    cleaned = {}
    for key, value in (scores or {}).items():
        if key not in CRITERION_KEYS or value in (None, ""):
            continue
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise DomainError(_("Scores are whole numbers from 1 to 5.", ), key) from None
        if not 1 <= number <= 5:
            raise DomainError(_("Scores are whole numbers from 1 to 5."), key)
        cleaned[key] = number
    return cleaned


@transactional
def save_review(actor: User, assignment: ReviewAssignment, *, scores: dict | None = None,
                recommendation: str | Recommendation | None = None, comments_to_authors: str | None = None,
                confidential_comments: str | None = None, consent_to_name: bool | None = None,
                consent_to_publish: bool | None = None, name_published: bool | None = None) -> Review:
    """Keep the reviewer's draft; nothing is checked for completeness until submitting.

    Where the journal publishes peer review (services/peer_review.py), the reviewer lets the report be published
    (asked only where the journal publishes with consent) and chooses to be named with it; where it never
    publishes, both stay off."""
    review = check_reviewer(actor, assignment)
    if scores is not None:
        review.scores = _clean_scores(scores)
    if recommendation is not None:
        try:
            review.recommendation = Recommendation(recommendation) if recommendation else None
        except ValueError:
            raise DomainError(_("Choose one of the recommendations."), "recommendation") from None
    if comments_to_authors is not None:
        review.comments_to_authors = comments_to_authors.strip()[:100_000]
    if confidential_comments is not None:
        review.confidential_comments = confidential_comments.strip()[:100_000]
    if consent_to_name is not None:  # open review only: agreeing to be named to the authors after the decision
        from journal.models import ReviewMode
        review.consent_to_name = (bool(consent_to_name)
                                  and assignment.submission.journal.review_mode is ReviewMode.OPEN)
    policy = assignment.submission.journal.peer_review_publication
    if consent_to_publish is not None:
        review.consent_to_publish = bool(consent_to_publish) and policy is PeerReviewPublication.WITH_CONSENT
    if name_published is not None:
        review.name_published = bool(name_published) and policy is not PeerReviewPublication.NEVER
    review.updated_at = utcnow()
    return review


@transactional
def submit_review(actor: User, assignment: ReviewAssignment) -> Review:
    """Hand in the review: every criterion scored, a recommendation, at least MIN_COMMENTS_LENGTH characters of
    comments to the authors. Then read-only;
    the editors are told."""
    review = check_reviewer(actor, assignment)
    # The criteria's names through gettext: translated once journal/models marks them for the catalogs.
    missing = [_(c.label) for c in CRITERIA if c.key not in (review.scores or {})]
    if missing:
        raise DomainError(_("Score every criterion before submitting (missing: %(missing)s).",
                            missing=", ".join(missing)), "scores")
    if review.recommendation is None:
        raise DomainError(_("Choose your recommendation before submitting."), "recommendation")
    written = len(review.comments_to_authors.strip())
    if written < MIN_COMMENTS_LENGTH:
        raise DomainError(ngettext("Write at least %(num)d character of comments for the authors; you wrote "
                                   "%(count)d.",
                                   "Write at least %(num)d characters of comments for the authors; you wrote "
                                   "%(count)d.", MIN_COMMENTS_LENGTH, count=written), "comments_to_authors")
    if assignment.submission.status is not SubmissionStatus.UNDER_REVIEW:
        raise DomainError(_("This paper is no longer under review; the editors have decided already."))
    _check_attachment_seen(assignment)
    now = utcnow()
    review.submitted_at = now
    assignment.status = A.SUBMITTED
    assignment.completed_at = now
    submission = assignment.submission
    # A review the editor returned comes back: said so in the history and the mail; returned_at stays as a record.
    resubmitted = assignment.returned_at is not None
    audit(actor, "review.resubmitted" if resubmitted else "review.submitted", submission, reviewer=assignment.label,
          recommendation=review.recommendation.value)
    db.session.flush()
    submitted_count = db.session.scalar(select(func.count()).select_from(ReviewAssignment).where(
        ReviewAssignment.round_id == assignment.round_id, ReviewAssignment.status == A.SUBMITTED))
    subject = (_l('%(reference)s: Reviewer %(number)s resubmitted the review you returned',
                  reference=submission.reference, number=assignment.label_number) if resubmitted
               else _l('%(reference)s: Reviewer %(number)s submitted a review', reference=submission.reference,
                       number=assignment.label_number))
    for editor in editors_to_tell(submission):
        queue_mail(editor, "review_submitted", subject=subject,
                   related=submission, submission=submission, assignment=assignment, review=review,
                   reviewer_name=assignment.reviewer_name, submitted_count=submitted_count,
                   resubmitted=resubmitted, link=editor_link(submission))
    return review


def _check_attachment_seen(assignment: ReviewAssignment) -> None:
    """An attachment that names its reviewer is submitted only once they saw where and confirmed it may be shared."""
    file = attachment_of(assignment)
    if file is not None and file.withheld_for_names:
        raise DomainError(_("Your attachment names you: %(found)s. Choose a file that does not name you, or confirm "
                            "that the authors may receive this one as it is, then submit again.",
                            found="; ".join(findings_for_reviewer(file))), "attachment")
