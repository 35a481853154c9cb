"""The editor's side of peer review on the submission page: the invitation form, cancel, extend due dates;
and the page to find reviewers for a submission. The invitation is posted to views.py, which shows the paper's
page again, with everything typed, when it is refused."""

from datetime import date, timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from journal.web.forms import WebForm
from wtforms import DateField, EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from journal.models import CRITERIA, Journal, Submission, SubmissionStatus, utcnow
from journal.permissions import can, journal_from_slug, permission, require
from journal.services import due_dates as due_date_service
from journal.services import invitations as invitation_service
from journal.services import reviewer_search
from journal.services.errors import DomainError
from journal.services.review_assignments import assignments_of
from journal.web.choices import select_choices
from journal.web.editorial.blueprint import bp
from journal.web.editorial.conflicts import OverrideForm, conflict_label
from journal.web.editorial.loading import assignment_of, editorial_submission
from journal.web.helpers import day


class InviteForm(OverrideForm):
    reviewer_id = SelectField(_l("Reviewer from the journal's pool"), coerce=int, validate_choice=False,
                              validators=[Optional()])
    name = StringField(_l("Or someone new: name"), validators=[Optional(), Length(max=200)])
    email = EmailField(_l("Email"), validators=[Optional(), Length(max=254)])
    respond_by = DateField(_l("Respond by"), validators=[InputRequired(_l("Give the date to answer by."))])
    due_at = DateField(_l("Review due"), validators=[InputRequired(_l("Give the review's due date."))])
    # The invitation as the editor words it for this one reviewer (shown by "See the invitation first").
    mail_subject = StringField(_l("Subject"), validators=[Optional(), Length(max=255)])
    mail_body = TextAreaField(_l("The invitation"), validators=[Optional(), Length(max=20_000)],
                              render_kw={"rows": 16})


class DueDateForm(WebForm):
    due_at = DateField(_l("New due date"), validators=[InputRequired(_l("Give the new due date."))])


def invite_form(submission: Submission, formdata=None) -> InviteForm:
    form = InviteForm(formdata=formdata) if formdata is not None else InviteForm()
    form.reviewer_id.choices = select_choices([(0, _("— choose —"))] + [
        (user.id, conflict_label(_("%(name)s · %(affiliation)s · %(count)s open", name=user.full_name,
                                   affiliation=user.affiliation or _("no affiliation"), count=count), found))
        for user, count, found in invitation_service.reviewer_pool_with_conflicts(submission)
    ])
    if formdata is None:
        today = utcnow().date()
        journal = submission.journal
        form.respond_by.data = today + timedelta(days=journal.response_days)
        form.due_at.data = max(today + timedelta(days=journal.review_days),
                               form.respond_by.data + timedelta(days=1))
    return form


def page_context(submission: Submission, invite: InviteForm | None = None, mail_preview: dict | None = None) -> dict:
    """What the submission page shows about reviewers: assignments of every round, the forms for the editor
    (`invite`: the invitation as the editor typed it, when it was refused)."""
    manages = can(current_user, "submission.decide", submission)
    inviting = manages and submission.status is SubmissionStatus.UNDER_REVIEW
    return {
        "assignments": assignments_of(submission),
        "criteria": CRITERIA,
        "manages_reviewers": manages,
        "invite_form": (invite or invite_form(submission)) if inviting else None,
        "due_form": DueDateForm() if manages else None,
        "mail_preview": mail_preview,
    }


def _to_page(journal: Journal, submission: Submission):
    return redirect(url_for("editorial.submission", slug=journal.slug, submission_id=submission.id) + "#reviewers")


def came_from(journal: Journal, submission: Submission) -> str:
    """Invited from Find reviewers: the same list (search, scope, page, dates), for the next one;
    from the paper's page: its reviewers."""
    if "back_scope" not in request.form:
        return url_for("editorial.submission", slug=journal.slug, submission_id=submission.id) + "#reviewers"
    return url_for(
        "editorial.find_reviewers", slug=journal.slug, submission_id=submission.id,
        q=request.form.get("back_q", ""), scope=request.form.get("back_scope"),
        page=request.form.get("back_page", 1, type=int), respond_by=request.form.get("respond_by"),
        due_at=request.form.get("due_at"))


@bp.post("/<slug>/submissions/<int:submission_id>/reviewers/<int:assignment_id>/cancel")
@permission("journal.editorial", load=journal_from_slug)
def cancel_assignment(journal: Journal, submission_id: int, assignment_id: int):
    submission = editorial_submission(journal, submission_id)
    require("submission.decide", submission)
    assignment = assignment_of(submission, assignment_id)
    try:
        invitation_service.cancel_invitation(current_user, assignment)
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(_("%(label)s's assignment is cancelled; the reviewer has been told.", label=assignment.label),
              "success")
    return _to_page(journal, submission)


@bp.post("/<slug>/submissions/<int:submission_id>/reviewers/<int:assignment_id>/due-date")
@permission("journal.editorial", load=journal_from_slug)
def extend_due_date(journal: Journal, submission_id: int, assignment_id: int):
    submission = editorial_submission(journal, submission_id)
    require("submission.decide", submission)
    assignment = assignment_of(submission, assignment_id)
    form = DueDateForm()
    if not form.validate_on_submit():
        flash(_("Give the new due date."), "error")
        return _to_page(journal, submission)
    try:
        due_date_service.extend_due_date(current_user, assignment, form.due_at.data)
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(_("%(label)s's review is now due %(due)s; the reviewer has been told.", label=assignment.label,
                due=day(assignment.due_at)), "success")
    return _to_page(journal, submission)


def _invitation_dates(submission: Submission, args) -> tuple[date, date, bool]:
    """The dates the editor chose on the find page, else the journal's defaults (and whether the choice was refused)."""
    journal = submission.journal
    today = utcnow().date()
    respond_by = today + timedelta(days=journal.response_days)
    due_at = max(today + timedelta(days=journal.review_days), respond_by + timedelta(days=1))
    if not args.get("respond_by") and not args.get("due_at"):
        return respond_by, due_at, False
    try:
        chosen = date.fromisoformat(args.get("respond_by", "")), date.fromisoformat(args.get("due_at", ""))
    except ValueError:
        return respond_by, due_at, True
    if today < chosen[0] < chosen[1]:
        return *chosen, False
    return respond_by, due_at, True


@bp.get("/<slug>/submissions/<int:submission_id>/reviewers/find")
@permission("journal.editorial", load=journal_from_slug, hide=True)
def find_reviewers(journal: Journal, submission_id: int):
    submission = editorial_submission(journal, submission_id)
    require("submission.decide", submission)
    respond_by, due_at, dates_refused = _invitation_dates(submission, request.args)
    query = {"q": " ".join(request.args.get("q", "").split())[:200],
             "scope": request.args.get("scope") if request.args.get("scope") in reviewer_search.SCOPES
             else reviewer_search.SCOPE_JOURNAL,
             "respond_by": respond_by.isoformat(), "due_at": due_at.isoformat()}
    result = reviewer_search.find_reviewers(current_user, submission, text=query["q"], scope=query["scope"],
                                            page=request.args.get("page", 1, type=int))
    return render_template("editorial/find_reviewers.html", journal=journal, submission=submission, result=result,
                           query=query, scopes=reviewer_search.SCOPES, dates_refused=dates_refused,
                           dates={"respond_by": respond_by, "due_at": due_at},
                           inviting=submission.status is SubmissionStatus.UNDER_REVIEW)
