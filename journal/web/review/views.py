"""The reviewer's pages: answering an invitation through its mailed link, "My reviews", the review form."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, login_user, logout_user

from journal.models import CRITERIA, AssignmentStatus, ReviewMode, utcnow
from journal.permissions import permission
from journal.services import conversations as conversation_service
from journal.services import invitations as invitation_service
from journal.services import review_attachments as review_attachment_service
from journal.services import reviews as review_service
from journal.services import shared_reviews
from journal.services import submissions as submission_service
from journal.services.errors import DomainError, FilesUnavailable, NotFound
from journal.storage import signed_download
from journal.web import conversation
from journal.web.helpers import device, show_error
from journal.web.review.forms import AcceptForm, DeclineForm, ReviewForm

bp = Blueprint("review", __name__, url_prefix="/review")

A = AssignmentStatus
SHOWS_AUTHORS = (ReviewMode.SINGLE_ANONYMOUS, ReviewMode.OPEN)
ATTACHMENT_NOT_SAVED = _l("The files service is unavailable just now, so the attachment was not saved; what you typed "
                          "is saved as a draft. Please try again in a few minutes.")


@bp.get("/")
@permission("menu.review")
def index():
    assignments = invitation_service.my_assignments(current_user)
    invited = [a for a in assignments if a.status is A.INVITED]
    return render_template(
        "review/index.html",
        invited=invited,
        in_progress=[a for a in assignments if a.status is A.ACCEPTED],
        completed=[a for a in assignments if a.status is A.SUBMITTED],
        # The personal link of the invitation mail, so the reviewer can answer from here too.
        answer_links={a.id: url_for("review.invitation",
                                    token=invitation_service.invitation_token(a)) for a in invited},
        decisions=shared_reviews.decisions_for(assignments),
        now=utcnow(),
    )


# --- The invitation, opened from the mail without logging in: the token is the permission -----------------------

def _invitation_page(token: str, accept_form=None, decline_form=None, status=200):
    try:
        assignment = invitation_service.invitation_for_token(token)
    except DomainError as error:
        return render_template("review/invitation_closed.html", message=error.message), \
            404 if isinstance(error, NotFound) else 410
    if assignment.status is not A.INVITED:
        return render_template("review/invitation_answered.html", assignment=assignment, new_account=False)
    submission = assignment.submission
    return render_template(
        "review/invitation.html", token=token, assignment=assignment, submission=submission,
        journal=submission.journal,
        authors=submission.contributors if submission.journal.review_mode in SHOWS_AUTHORS else None,
        accept_form=accept_form or AcceptForm(), decline_form=decline_form or DeclineForm(),
        needs_account=invitation_service.needs_account(assignment),
        password_minimum=current_app.config["PASSWORD_MIN_LENGTH"],
    ), status


@bp.get("/invitations/<token>")
@permission("public")
def invitation(token: str):
    return _invitation_page(token)


@bp.post("/invitations/<token>/accept")
@permission("public")
def accept(token: str):
    form = AcceptForm()
    try:
        invitation = invitation_service.invitation_for_token(token)
    except DomainError:
        return _invitation_page(token)  # says why the link no longer works
    had_account = invitation.reviewer_id is not None
    form.account_email = invitation.invitee_email  # the password may not contain it (the registration's rule)
    if not form.validate_on_submit():
        return _invitation_page(token, accept_form=form, status=400)
    try:
        assignment = invitation_service.accept_invitation(
            token, proposed_due_at=form.proposed_due_at.data,
            password=(form.password.data or None) if invitation_service.needs_account(invitation) else None,
            **device())
    except DomainError as error:
        if error.field:
            show_error(form, error)
            return _invitation_page(token, accept_form=form, status=400)
        return render_template("review/invitation_closed.html", message=error.message), 410
    if assignment.signed_in_reviewer is not None:  # a new account with the password chosen here: straight in
        logout_user()
        login_user(assignment.signed_in_reviewer)
        flash(_("Thank you for agreeing to review. Your account is ready and you are logged in: here are the "
                "manuscript and the review form."), "success")
        return redirect(url_for("review.assignment", assignment_id=assignment.id))
    return render_template("review/invitation_answered.html", assignment=assignment, new_account=not had_account)


@bp.post("/invitations/<token>/decline")
@permission("public")
def decline(token: str):
    form = DeclineForm()
    if not form.validate_on_submit():
        return _invitation_page(token, decline_form=form, status=400)
    try:
        assignment = invitation_service.decline_invitation(token, reason=form.reason.data or "",
                                                           alternatives=form.alternatives.data or "")
    except DomainError as error:
        return render_template("review/invitation_closed.html", message=error.message), 410
    return render_template("review/invitation_answered.html", assignment=assignment, new_account=False)


# --- The review page: the assigned reviewer only; anyone else sees 404 ------------------------------------------

def _my_assignment(kwargs: dict):
    try:
        assignment = invitation_service.get_assignment(kwargs.pop("assignment_id"))
    except NotFound:
        abort(404)
    if assignment.status not in (A.ACCEPTED, A.SUBMITTED):
        abort(404)
    return assignment


def _fill(form: ReviewForm, review) -> None:
    if review is None:
        return
    for criterion in CRITERIA:
        value = (review.scores or {}).get(criterion.key)
        getattr(form, f"score_{criterion.key}").data = str(value) if value else None
    form.recommendation.data = review.recommendation.value if review.recommendation else None
    form.comments_to_authors.data = review.comments_to_authors
    form.confidential_comments.data = review.confidential_comments
    form.consent_to_name.data = review.consent_to_name
    form.consent_to_publish.data = review.consent_to_publish
    form.name_published.data = review.name_published


def _save(assignment, form: ReviewForm, action: str) -> str:
    """Save the draft, then add or remove the attachment, then submit if asked; returns the message to show.
    Each step commits, so what was typed and a file that passed its checks are kept when a later step fails."""
    open_review = assignment.submission.journal.review_mode is ReviewMode.OPEN
    review_service.save_review(
        current_user, assignment,
        scores={c.key: getattr(form, f"score_{c.key}").data for c in CRITERIA},
        recommendation=form.recommendation.data or "", comments_to_authors=form.comments_to_authors.data or "",
        confidential_comments=form.confidential_comments.data or "",
        consent_to_name=bool(form.consent_to_name.data) if open_review else None,
        consent_to_publish=bool(form.consent_to_publish.data), name_published=bool(form.name_published.data))
    messages = []
    upload = form.attachment.data
    if upload and getattr(upload, "filename", ""):
        try:
            file = review_attachment_service.add_review_attachment(current_user, assignment, upload.stream,
                                                                   upload.filename)
        except FilesUnavailable:  # the draft above is saved: say so rather than "nothing was saved"
            raise FilesUnavailable(str(ATTACHMENT_NOT_SAVED), "attachment") from None
        messages.append(_("The attachment is saved as “%(name)s”.", name=file.original_name))
    elif form.remove_attachment.data:
        shared_reviews.remove_review_attachment(current_user, assignment)
        messages.append(_("The attachment is removed."))
    elif form.share_attachment.data:  # for the file the page showed; a new upload must be seen first
        shared_reviews.confirm_review_attachment(current_user, assignment, _file_id(form.attachment_seen.data))
        messages.append(_("You confirmed that the authors may receive the attachment as it is."))
    if action == "submit":
        if not form.finished.data:
            raise DomainError(_("Tick “I have finished my review” to submit it; it cannot be changed "
                                "afterwards."), "finished")
        review_service.submit_review(current_user, assignment)
        return _("Thank you: your review is submitted and the editor has been told.")
    return " ".join([_("Your draft is saved. Submit it when you have finished."), *messages])


def _file_id(value) -> int | None:
    return int(value) if str(value or "").isdigit() else None


@bp.route("/assignments/<int:assignment_id>", methods=["GET", "POST"])
@permission("assignment.review", load=_my_assignment, hide=True)
def assignment(assignment):
    submission = assignment.submission
    manuscript = submission_service.reviewer_copy_of(submission, assignment.round.number)
    form = ReviewForm()
    status = 200
    if request.method == "GET" or assignment.status is A.SUBMITTED:
        _fill(form, assignment.review)
    elif form.validate_on_submit():
        try:
            message = _save(assignment, form, request.form.get("action", "save"))
        except DomainError as error:
            show_error(form, error)
            status = 400
        else:
            flash(message, "success")
            return redirect(url_for("review.assignment", assignment_id=assignment.id))
    else:
        status = 400
    read_only = assignment.status is A.SUBMITTED
    attachment = shared_reviews.attachment_of(assignment)
    if attachment is None or _file_id(form.attachment_seen.data) != attachment.id:
        form.share_attachment.data = False  # a tick given for another file does not carry over to this one
    return render_template("review/assignment.html", assignment=assignment, submission=submission,
                           review=assignment.review, manuscript=manuscript, form=form, criteria=CRITERIA,
                           read_only=read_only, open_review=submission.journal.review_mode is ReviewMode.OPEN,
                           min_comments=review_service.MIN_COMMENTS_LENGTH,
                           attachment=attachment, findings=shared_reviews.findings_for_reviewer(attachment),
                           returned=assignment.returned_at is not None and not read_only,
                           after_decision=shared_reviews.after_decision(assignment),
                           earlier=review_service.earlier_reviews_by(assignment),
                           threads=[t for t in [conversation_service.reviewer_thread(current_user, assignment)] if t]), status


@bp.get("/assignments/<int:assignment_id>/attachments/<int:file_id>")
@permission("assignment.review", load=_my_assignment, hide=True)
def attachment(assignment, file_id: int):
    """The reviewer's own attachment, or after the decision one shared with another review of the round."""
    try:
        file, name = shared_reviews.attachment_for_reviewer(assignment, file_id)
    except NotFound:
        abort(404)
    return redirect(signed_download(file.storage_key, filename=name, media_type=file.media_type,
                                    inline=file.media_type == "application/pdf"))


@bp.get("/assignments/<int:assignment_id>/manuscript")
@permission("assignment.review", load=_my_assignment, hide=True)
def manuscript(assignment):
    submission = assignment.submission
    file = submission_service.reviewer_copy_of(submission, assignment.round.number)
    if file is None:
        abort(404)
    name = submission_service.neutral_name(submission, assignment.round.number)  # never the author's file name
    return redirect(signed_download(file.storage_key, filename=name, media_type=file.media_type,
                                    inline=file.media_type == "application/pdf"))


# --- The reviewer's conversation with the editors (journal/web/conversation.py) ----------------------------------

@bp.route("/assignments/<int:assignment_id>/messages", methods=["GET", "POST"])
@permission("assignment.review", load=_my_assignment, hide=True)
@conversation.limited
def messages(assignment):
    return conversation.thread_page(
        assignment.submission, assignment, title=_("Conversation with the editors"),
        hint=_("Only the editors read what you write here; the authors never see it."),
        back=(_("My review"), url_for("review.assignment", assignment_id=assignment.id)),
        file_endpoint="review.message_file", url_args={"assignment_id": assignment.id})


@bp.get("/assignments/<int:assignment_id>/messages/files/<int:message_id>")
@permission("assignment.review", load=_my_assignment, hide=True)
def message_file(assignment, message_id: int):
    return conversation.message_file(assignment.submission, assignment, message_id)
