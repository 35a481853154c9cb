"""The editors' side of a paper's conversations: with its authors, and with each reviewer
(journal/services/conversations.py; the page itself is journal/web/conversation.py)."""

from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user

from journal.models import Journal, ReviewMode
from journal.permissions import can, journal_from_slug, permission
from journal.web import conversation
from journal.web.editorial.blueprint import bp
from journal.web.editorial.loading import assignment_of, editorial_submission

PAGE = "/<slug>/submissions/<int:submission_id>/messages"


def _back(journal: Journal, submission) -> tuple[str, str]:
    return submission.display_reference, url_for("editorial.submission", slug=journal.slug,
                                                 submission_id=submission.id)


@bp.route(PAGE + "/authors", methods=["GET", "POST"])
@permission("journal.editorial", load=journal_from_slug)
@conversation.limited
def author_messages(journal: Journal, submission_id: int):
    submission = editorial_submission(journal, submission_id)
    hint = "" if can(current_user, "submission.see_authors", submission) else _(
        "This journal is triple-anonymous: the authors are shown to you as “The authors”.")
    return conversation.thread_page(submission, None, title=_("Conversation with the authors"),
                                    back=_back(journal, submission), file_endpoint="editorial.author_message_file",
                                    url_args={"slug": journal.slug, "submission_id": submission.id}, hint=hint)


@bp.get(PAGE + "/authors/files/<int:message_id>")
@permission("journal.editorial", load=journal_from_slug)
def author_message_file(journal: Journal, submission_id: int, message_id: int):
    return conversation.message_file(editorial_submission(journal, submission_id), None, message_id)


@bp.route(PAGE + "/reviewers/<int:assignment_id>", methods=["GET", "POST"])
@permission("journal.editorial", load=journal_from_slug)
@conversation.limited
def reviewer_messages(journal: Journal, submission_id: int, assignment_id: int):
    submission = editorial_submission(journal, submission_id)
    assignment = assignment_of(submission, assignment_id)
    hint = _("Only the editors and this reviewer read this conversation; the authors never see it.")
    if submission.journal.review_mode is not ReviewMode.OPEN:
        hint += " " + _("Do not tell the reviewer who the authors are, nor the authors who the reviewer is.")
    return conversation.thread_page(
        submission, assignment, back=_back(journal, submission), hint=hint,
        title=_("Conversation with %(name)s (%(label)s)", name=assignment.reviewer_name,
                label=assignment.display_label),
        file_endpoint="editorial.reviewer_message_file",
        url_args={"slug": journal.slug, "submission_id": submission.id, "assignment_id": assignment.id})


@bp.get(PAGE + "/reviewers/<int:assignment_id>/files/<int:message_id>")
@permission("journal.editorial", load=journal_from_slug)
def reviewer_message_file(journal: Journal, submission_id: int, assignment_id: int, message_id: int):
    submission = editorial_submission(journal, submission_id)
    return conversation.message_file(submission, assignment_of(submission, assignment_id), message_id)
