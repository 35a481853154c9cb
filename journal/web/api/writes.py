"""The API's writes, each one service call under a token that may write (`scope=WRITE`) and the rule the site's
own form obeys (`submission.author`: the submitter; anyone else 404). The services check the state and the files,
and write the audit events and the mails, exactly as for the web form; a refusal is a problem with the service's
message (answers.refused).

An author revises through the API as on the revision page: upload the revised manuscript (a PDF, checked in the
sandbox), the response letter or the response itself, confirm that names found may stay where the journal
anonymizes, then resubmit."""

from journal.models import Submission
from journal.models.api_tokens import WRITE
from journal.services import drafts as draft_service
from journal.services import manuscripts as manuscript_service
from journal.services import submissions as submission_service
from journal.web.api import schemas, shapes
from journal.web.api.answers import attempt, private
from journal.web.api.auth import WRITE_TOKEN, load_submission, token_permission
from journal.web.api.blueprint import bp


def _author_write(view):
    """The submitter's write: a write token (so documented), the site's rule, the paper's existence hidden from
    everyone else."""
    return bp.doc(**WRITE_TOKEN)(token_permission("submission.author", scope=WRITE, load=load_submission,
                                                  hide=True)(view))


def _stored(service, user, submission: Submission, file):
    """An uploaded file through its service; the stored file's row, 201."""
    stored = attempt(service, user, submission, file.stream, file.filename or "")
    return private(shapes.submission_file(stored), 201)


@bp.route("/submissions/<int:submission_id>/response-draft", methods=["PUT"])
@_author_write
@bp.arguments(schemas.ResponseDraftBody, as_kwargs=True)
@bp.response(204)
def response_draft(user, submission: Submission, response: str):
    """Keep the response to the reviewers while revising (the submitter, during a requested revision; a token that
    may write). Written to the paper's history."""
    attempt(submission_service.save_response_draft, user, submission, response=response)
    return "", 204


@bp.route("/submissions/<int:submission_id>/manuscript", methods=["POST"])
@_author_write
@bp.arguments(schemas.FileBody, **schemas.FILES)
@bp.response(201, schemas.SubmissionFile)
def upload_manuscript(user, submission: Submission, file):
    """Upload the manuscript (PDF) of the version being prepared: the revision, or a draft not yet submitted. It is
    checked as on the site (size, pages, what a PDF may hold; the authors' names where the review is anonymous) and
    replaces the one uploaded before for this version. A refused PDF: 422 with the reason; too large: 413."""
    return _stored(manuscript_service.upload_manuscript, user, submission, file)


@bp.route("/submissions/<int:submission_id>/response-letter", methods=["POST"])
@_author_write
@bp.arguments(schemas.FileBody, **schemas.FILES)
@bp.response(201, schemas.SubmissionFile)
def upload_response_letter(user, submission: Submission, file):
    """Upload the response to the reviewers as a file (during a requested revision)."""
    return _stored(manuscript_service.add_response_letter, user, submission, file)


@bp.route("/submissions/<int:submission_id>/anonymity-confirmation", methods=["POST"])
@_author_write
@bp.response(204)
def confirm_anonymity(user, submission: Submission):
    """Confirm that the names the check found in the manuscript may stay (journals with anonymous review)."""
    attempt(draft_service.confirm_anonymity, user, submission)
    return "", 204


@bp.route("/submissions/<int:submission_id>/resubmit", methods=["POST"])
@_author_write
@bp.arguments(schemas.ResubmitBody, as_kwargs=True, required=False)
@bp.response(200, schemas.SubmissionState)
def resubmit(user, submission: Submission, response: str | None = None):
    """Submit the revision: the next round opens with the response to the reviewers, and the editors are told.
    What is still missing (the revised manuscript, the response…): 409 saying what."""
    attempt(submission_service.resubmit, user, submission, response=response)
    return private(shapes.submission_state(submission, user))

