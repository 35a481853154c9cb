"""The authors' side of a paper's conversation with its editors (journal/services/conversations.py; the page
itself is journal/web/conversation.py). The submitter and the co-authors linked to their accounts may write."""

from flask import url_for
from flask_babel import gettext as _

from journal.models import ReviewMode, Submission
from journal.permissions import permission
from journal.web import conversation
from journal.web.author.blueprint import bp
from journal.web.author.loading import submission_from_url


@bp.route("/submissions/<int:submission_id>/messages", methods=["GET", "POST"])
@permission("submission.contributor", load=submission_from_url, hide=True)
@conversation.limited
def messages(submission: Submission):
    hint = _("Only the editors read what you write here; it never reaches the reviewers.")
    if submission.journal.review_mode is ReviewMode.TRIPLE_ANONYMOUS:
        hint += " " + _("In this journal the handling editor does not learn who the authors are: do not sign "
                        "your message.")
    return conversation.thread_page(
        submission, None, title=_("Conversation with the editors"), hint=hint,
        back=(submission.display_reference, url_for("author.submission", submission_id=submission.id)),
        file_endpoint="author.message_file", url_args={"submission_id": submission.id})


@bp.get("/submissions/<int:submission_id>/messages/files/<int:message_id>")
@permission("submission.contributor", load=submission_from_url, hide=True)
def message_file(submission: Submission, message_id: int):
    return conversation.message_file(submission, None, message_id)
