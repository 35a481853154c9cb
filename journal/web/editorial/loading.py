"""What every editorial route loads first: the submission of the journal in the URL, and one of its review
assignments; 404 when the URL does not name them, or when the person may not know the paper exists."""

from flask import abort

from journal.models import Journal, Submission, SubmissionStatus
from journal.models.reviews import ReviewAssignment
from journal.permissions import require
from journal.services import submissions as submission_service
from journal.services.errors import NotFound
from journal.services.review_assignments import assignments_of


def editorial_submission(journal: Journal, submission_id: int) -> Submission:
    try:
        submission = submission_service.get_submission(submission_id)
    except NotFound:
        abort(404)
    if submission.journal_id != journal.id or submission.status is SubmissionStatus.DRAFT:
        abort(404)
    require("submission.editorial", submission, hide=True)  # 404 to the paper's own authors, whatever their roles
    return submission


def assignment_of(submission: Submission, assignment_id: int) -> ReviewAssignment:
    assignment = next((a for a in assignments_of(submission) if a.id == assignment_id), None)
    if assignment is None:
        abort(404)
    return assignment
