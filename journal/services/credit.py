"""Reviewer credit: the reviews a person completed, by journal and year, and what a certificate may say of them.

A completed review is credited by journal and year (and the date it was submitted). The paper's title is named only
in open journals, and only where the reviewer agreed to be named with the review: in the anonymous modes a list or a
certificate that names the paper would tie the reviewer to it outside the journal.
"""

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from journal.extensions import db
from journal.models import (AssignmentStatus, Journal, Review, ReviewAssignment, ReviewMode, ReviewRound, Submission,
                            User)
from journal.services.errors import NotFound


@dataclass(frozen=True)
class CreditedReview:
    assignment_id: int
    journal: Journal
    year: int
    submitted_at: datetime
    round: int
    # Only in open journals where the reviewer consented to be named; None otherwise.
    title: str | None


@dataclass
class CreditGroup:
    """One journal's completed reviews in one year: a line of the credit page and one certificate."""

    journal: Journal
    year: int
    reviews: list[CreditedReview] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.reviews)


def completed_reviews(user: User) -> list[CreditedReview]:
    """The user's submitted reviews, newest first, in one query whatever their number."""
    rows = db.session.execute(
        select(ReviewAssignment.id, ReviewAssignment.completed_at, ReviewRound.number, Submission.title, Journal,
               Review.consent_to_name)
        .join(ReviewRound, ReviewRound.id == ReviewAssignment.round_id)
        .join(Submission, Submission.id == ReviewAssignment.submission_id)
        .join(Journal, Journal.id == Submission.journal_id)
        .outerjoin(Review, Review.assignment_id == ReviewAssignment.id)
        .where(ReviewAssignment.reviewer_id == user.id, ReviewAssignment.status == AssignmentStatus.SUBMITTED,
               ReviewAssignment.completed_at.is_not(None))
        .order_by(ReviewAssignment.completed_at.desc(), ReviewAssignment.id.desc())
    ).all()
    return [
        CreditedReview(assignment_id=assignment_id, journal=journal, year=completed_at.year, submitted_at=completed_at,
                       round=number,
                       title=title if journal.review_mode is ReviewMode.OPEN and consent else None)
        for assignment_id, completed_at, number, title, journal, consent in rows
    ]


def credit_by_journal_and_year(user: User) -> list[CreditGroup]:
    """Completed reviews grouped per journal and year: newest year first, then by journal title."""
    groups: dict[tuple[int, int], CreditGroup] = {}
    for review in completed_reviews(user):
        key = (review.journal.id, review.year)
        groups.setdefault(key, CreditGroup(journal=review.journal, year=review.year)).reviews.append(review)
    return sorted(groups.values(), key=lambda g: (-g.year, g.journal.title.lower()))


def credit_for_certificate(user: User, journal_slug: str, year: int) -> CreditGroup:
    """What a certificate for one journal and year lists; NotFound when the user has no review there then."""
    group = next((g for g in credit_by_journal_and_year(user) if g.journal.slug == journal_slug and g.year == year),
                 None)
    if group is None:
        raise NotFound(_("You have no completed review for this journal in this year."))
    return group


def credit_for_review(user: User, assignment: ReviewAssignment) -> CreditGroup:
    """A certificate for one review: the user's own, once submitted."""
    review = next((r for r in completed_reviews(user) if r.assignment_id == assignment.id), None)
    if review is None:
        raise NotFound(_("This review is not a completed review of yours."))
    return CreditGroup(journal=review.journal, year=review.year, reviews=[review])
