"""A submission's review assignments as every side reads them, and the rule under which a reviewer writes one.

Shared by peer review (journal/services/reviews.py) and by what each side sees of the reviews
(journal/services/shared_reviews.py), which use each other's results and so must not import each other both ways.
"""

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from journal.extensions import db
from journal.models import AssignmentStatus, Review, ReviewAssignment, ReviewRound, Submission, User
from journal.permissions import can
from journal.services.errors import DomainError, PermissionDenied

A = AssignmentStatus


def assignments_of(submission: Submission) -> list[ReviewAssignment]:
    """Every assignment of every round, by round and label."""
    return list(db.session.scalars(
        select(ReviewAssignment).join(ReviewRound).where(ReviewAssignment.submission_id == submission.id)
        .options(selectinload(ReviewAssignment.reviewer), selectinload(ReviewAssignment.review),
                 selectinload(ReviewAssignment.round))
        .order_by(ReviewRound.number, ReviewAssignment.label_number, ReviewAssignment.id)
    ))


def check_reviewer(actor: User, assignment: ReviewAssignment) -> Review:
    """The reviewer's own accepted assignment, not yet submitted: its draft review, begun empty if there is none."""
    if not can(actor, "assignment.review", assignment):
        raise PermissionDenied(_("This review is not yours."))
    if assignment.status is A.SUBMITTED:
        raise DomainError(_("This review has been submitted; it can no longer be changed."))
    if assignment.status is not A.ACCEPTED:
        raise DomainError(_("This assignment is “%(status)s”; there is no review to write.",
                            status=assignment.status.label))
    if assignment.review is None:
        assignment.review = Review(scores={}, comments_to_authors="", confidential_comments="")
    return assignment.review
