"""The editor's side of peer review on the submission page: invite reviewers, cancel, extend due dates."""

from datetime import timedelta

from flask import abort, flash, redirect, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional

from journal.models import CRITERIA, Journal, Submission, SubmissionStatus, utcnow
from journal.models.reviews import ReviewAssignment
from journal.permissions import can, journal_from_slug, permission, require
from journal.services import reviews as review_service
from journal.services.errors import DomainError
from journal.web.choices import select_choices
from journal.web.editorial.views import _editorial_submission, bp


class InviteForm(FlaskForm):
    reviewer_id = SelectField("Reviewer from the journal's pool", coerce=int, validate_choice=False,
                              validators=[Optional()])
    name = StringField("Or someone new: name", validators=[Optional(), Length(max=200)])
    email = EmailField("Email", validators=[Optional(), Length(max=254)])
    respond_by = DateField("Respond by", validators=[InputRequired("Give the date to answer by.")])
    due_at = DateField("Review due", validators=[InputRequired("Give the review's due date.")])


class DueDateForm(FlaskForm):
    due_at = DateField("New due date", validators=[InputRequired("Give the new due date.")])


def invite_form(submission: Submission, formdata=None) -> InviteForm:
    form = InviteForm(formdata=formdata) if formdata is not None else InviteForm()
    form.reviewer_id.choices = select_choices([(0, "— choose —")] + [
        (user.id, f"{user.full_name} · {user.affiliation or 'no affiliation'} · {count} open")
        for user, count in review_service.reviewer_pool(submission)
    ])
    if formdata is None:
        today = utcnow().date()
        journal = submission.journal
        form.respond_by.data = today + timedelta(days=journal.response_days)
        form.due_at.data = max(today + timedelta(days=journal.review_days),
                               form.respond_by.data + timedelta(days=1))
    return form


def page_context(submission: Submission) -> dict:
    """What the submission page shows about reviewers: assignments of every round, the forms for the editor."""
    manages = can(current_user, "submission.decide", submission)
    inviting = manages and submission.status is SubmissionStatus.UNDER_REVIEW
    return {
        "assignments": review_service.assignments_of(submission),
        "criteria": CRITERIA,
        "manages_reviewers": manages,
        "invite_form": invite_form(submission) if inviting else None,
        "due_form": DueDateForm() if manages else None,
    }


def _to_page(journal: Journal, submission: Submission):
    return redirect(url_for("editorial.submission", slug=journal.slug, submission_id=submission.id) + "#reviewers")


def _assignment(submission: Submission, assignment_id: int) -> ReviewAssignment:
    assignment = next((a for a in review_service.assignments_of(submission) if a.id == assignment_id), None)
    if assignment is None:
        abort(404)
    return assignment


@bp.post("/<slug>/submissions/<int:submission_id>/reviewers/invite")
@permission("journal.editorial", load=journal_from_slug)
def invite(journal: Journal, submission_id: int):
    submission = _editorial_submission(journal, submission_id)
    require("submission.decide", submission)
    form = InviteForm()
    if not form.validate_on_submit():
        flash(" ".join(e for errors in form.errors.values() for e in errors) or "Check the invitation.", "error")
        return _to_page(journal, submission)
    try:
        assignment, _token = review_service.invite_reviewer(
            current_user, submission, user_id=form.reviewer_id.data or None, email=form.email.data,
            name=form.name.data, respond_by=form.respond_by.data, due_at=form.due_at.data)
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(f"{assignment.reviewer_name} is invited as {assignment.label}; the invitation has been mailed.",
              "success")
    return _to_page(journal, submission)


@bp.post("/<slug>/submissions/<int:submission_id>/reviewers/<int:assignment_id>/cancel")
@permission("journal.editorial", load=journal_from_slug)
def cancel_assignment(journal: Journal, submission_id: int, assignment_id: int):
    submission = _editorial_submission(journal, submission_id)
    require("submission.decide", submission)
    assignment = _assignment(submission, assignment_id)
    try:
        review_service.cancel_invitation(current_user, assignment)
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(f"{assignment.label}'s assignment is cancelled; the reviewer has been told.", "success")
    return _to_page(journal, submission)


@bp.post("/<slug>/submissions/<int:submission_id>/reviewers/<int:assignment_id>/due-date")
@permission("journal.editorial", load=journal_from_slug)
def extend_due_date(journal: Journal, submission_id: int, assignment_id: int):
    submission = _editorial_submission(journal, submission_id)
    require("submission.decide", submission)
    assignment = _assignment(submission, assignment_id)
    form = DueDateForm()
    if not form.validate_on_submit():
        flash("Give the new due date.", "error")
        return _to_page(journal, submission)
    try:
        review_service.extend_due_date(current_user, assignment, form.due_at.data)
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(f"{assignment.label}'s review is now due {assignment.due_at:%-d %B %Y}; the reviewer has been told.",
              "success")
    return _to_page(journal, submission)
