"""What the authors' routes load first: the submission in the URL, 404 when there is none."""

from flask import abort

from journal.models import Submission
from journal.services import submissions as service
from journal.services.errors import NotFound


def submission_from_url(kwargs: dict) -> Submission:
    try:
        return service.get_submission(kwargs.pop("submission_id"))
    except NotFound:
        abort(404)
