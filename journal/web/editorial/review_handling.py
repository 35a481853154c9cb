"""The editor's side of the submitted reviews: share with the authors or not, return to the reviewer with a request,
correct the text the authors get, rate privately, answer a proposed due date. Also the per-round summary.

Returning and correcting have a small page each (GET shows the form, POST handles it), so that an error never loses
what the editor typed; the submission page offers the short forms inline, posting to the same routes.
"""

from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from journal.web.forms import WebForm
from sqlalchemy import select
from wtforms import HiddenField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from journal.extensions import db
from journal.models import CRITERIA, AssignmentStatus, FileKind, Journal, Recommendation, Submission, SubmissionFile
from journal.models.reviews import ReviewAssignment
from journal.permissions import journal_from_slug, permission, require
from journal.services import due_dates as due_date_service
from journal.services import review_handling as review_handling_service
from journal.services import shared_reviews
from journal.services.errors import DomainError
from journal.storage import signed_download
from journal.web.choices import select_choices
from journal.web.editorial.blueprint import bp
from journal.web.editorial.loading import assignment_of, editorial_submission
from journal.web.helpers import day, show_error

A = AssignmentStatus
REVIEW = "/<slug>/submissions/<int:submission_id>/reviews/<int:assignment_id>"


def rating_choices():
    """The ratings, named in the reader's language (a callable: the form is built per request)."""
    return select_choices([("", _("— rate —"))] + [(str(n), _(str(label)))
                                                   for n, label in review_handling_service.RATINGS.items()])


class ShareForm(WebForm):
    shared = HiddenField()


class ReturnForm(WebForm):
    request = TextAreaField(_l("What the reviewer should change"),
                            [InputRequired(_l("Tell the reviewer what to change.")), Length(max=10_000)],
                            render_kw={"rows": 6})


class CorrectForm(WebForm):
    text = TextAreaField(_l("Comments to the authors, as the authors will read them"),
                         [InputRequired(_l("The corrected text cannot be empty.")), Length(max=100_000)],
                         render_kw={"rows": 16})


class RateForm(WebForm):
    timeliness = SelectField(_l("Timeliness"), choices=rating_choices,
                             validators=[InputRequired(_l("Rate the timeliness."))])
    quality = SelectField(_l("Quality"), choices=rating_choices, validators=[InputRequired(_l("Rate the quality."))])


class RefuseForm(WebForm):
    note = TextAreaField(_l("Note to the reviewer (optional)"), [Optional(), Length(max=5000)], render_kw={"rows": 3})


class PlainForm(WebForm):
    """A button: only the CSRF token."""


# --- What the submission page shows -------------------------------------------------------------------------------

@dataclass(frozen=True)
class RoundSummary:
    number: int
    assignments: list  # the submitted reviews, by label
    means: dict  # criterion key -> mean score (None when nobody scored it)
    counts: list  # (Recommendation, count) in the enum's order, counts above zero
    is_open: bool  # still under review: sharing, returning and correcting allowed


def _attachments(submission: Submission, assignments: list[ReviewAssignment]) -> dict[int, list[SubmissionFile]]:
    """Review attachments per assignment. SubmissionFile has no assignment column: a reviewer's attachment is the
    REVIEW_ATTACHMENT file they uploaded in the assignment's round (one live assignment per reviewer and round)."""
    files = db.session.scalars(select(SubmissionFile).where(
        SubmissionFile.submission_id == submission.id, SubmissionFile.kind == FileKind.REVIEW_ATTACHMENT
    ).order_by(SubmissionFile.id)).all()
    by_assignment: dict[int, list[SubmissionFile]] = {}
    for a in assignments:
        if a.reviewer_id is not None:
            by_assignment[a.id] = [f for f in files if f.round == a.round.number and f.uploaded_by_id == a.reviewer_id]
    return by_assignment


def review_summary(submission: Submission, assignments: list[ReviewAssignment]) -> dict:
    """Per round with submitted reviews: the reviews, the criteria means and the recommendation counts;
    the attachments of each review; the forms. Rounds newest first."""
    submitted = [a for a in assignments if a.status is A.SUBMITTED and a.review is not None and a.review.is_submitted]
    attachments = _attachments(submission, submitted)
    rounds = []
    for number in sorted({a.round.number for a in submitted}, reverse=True):
        group = [a for a in submitted if a.round.number == number]
        means = {}
        for criterion in CRITERIA:
            values = [a.review.scores[criterion.key] for a in group if (a.review.scores or {}).get(criterion.key)]
            means[criterion.key] = sum(values) / len(values) if values else None
        counts = [(r, sum(1 for a in group if a.review.recommendation is r)) for r in Recommendation]
        rounds.append(RoundSummary(number=number, assignments=group, means=means,
                                   counts=[(r, n) for r, n in counts if n],
                                   is_open=review_handling_service.round_is_open(group[0])))
    return {
        "review_rounds": rounds,
        "review_attachments": attachments,
        "review_attachment_findings": shared_reviews.findings_for_editors(
            [f for files in attachments.values() for f in files]),
        "ratings": review_handling_service.RATINGS,
        "return_min_days": review_handling_service.RETURN_MIN_DAYS,
    }


@bp.context_processor
def _review_summary_helper():
    return {"review_summary": review_summary}


# --- The actions -----------------------------------------------------------------------------------------------

def _load(journal: Journal, submission_id: int, assignment_id: int) -> tuple[Submission, ReviewAssignment]:
    submission = editorial_submission(journal, submission_id)
    require("submission.decide", submission)
    return submission, assignment_of(submission, assignment_id)


def _to_review(journal: Journal, submission: Submission, assignment: ReviewAssignment):
    return redirect(url_for("editorial.submission", slug=journal.slug, submission_id=submission.id)
                    + f"#review-{assignment.id}")


def _to_reviewers(journal: Journal, submission: Submission):
    return redirect(url_for("editorial.submission", slug=journal.slug, submission_id=submission.id) + "#reviewers")


@bp.post(f"{REVIEW}/share")
@permission("journal.editorial", load=journal_from_slug, hide=True)
def share_review(journal: Journal, submission_id: int, assignment_id: int):
    submission, assignment = _load(journal, submission_id, assignment_id)
    form = ShareForm()
    if form.validate_on_submit():
        shared = form.shared.data == "1"
        try:
            review_handling_service.set_shared_with_authors(current_user, assignment, shared)
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(_("%(label)s's comments will be shared with the authors.", label=assignment.label) if shared else
                  _("%(label)s's comments will not be shared with the authors.", label=assignment.label), "success")
    return _to_review(journal, submission, assignment)


def _action_page(template: str, journal: Journal, submission: Submission, assignment: ReviewAssignment, form,
                 status: int = 200, **context):
    return render_template(template, journal=journal, submission=submission, assignment=assignment,
                           review=assignment.review, form=form, criteria=CRITERIA, **context), status


@bp.route(f"{REVIEW}/return", methods=["GET", "POST"])
@permission("journal.editorial", load=journal_from_slug, hide=True)
def return_review(journal: Journal, submission_id: int, assignment_id: int):
    submission, assignment = _load(journal, submission_id, assignment_id)
    form = ReturnForm()
    if form.validate_on_submit():
        try:
            review_handling_service.return_review(current_user, assignment, form.request.data)
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("%(label)s's review is returned; the reviewer has your request by mail and the review is due "
                    "%(due)s.", label=assignment.label, due=day(assignment.due_at)), "success")
            return _to_reviewers(journal, submission)
    return _action_page("editorial/review_return.html", journal, submission, assignment, form,
                        400 if request.method == "POST" else 200, min_days=review_handling_service.RETURN_MIN_DAYS)


@bp.route(f"{REVIEW}/correct", methods=["GET", "POST"])
@permission("journal.editorial", load=journal_from_slug, hide=True)
def correct_review(journal: Journal, submission_id: int, assignment_id: int):
    submission, assignment = _load(journal, submission_id, assignment_id)
    form = CorrectForm()
    if request.method == "GET" and assignment.review is not None:
        form.text.data = assignment.review.comments_for_authors
    if form.validate_on_submit():
        corrected_before = assignment.review is not None and assignment.review.corrected_comments is not None
        try:
            review = review_handling_service.correct_review(current_user, assignment, form.text.data)
        except DomainError as error:
            show_error(form, error)
        else:
            if review.corrected_comments is None:
                flash(_("The authors get %(label)s's original text again (your correction is undone).",
                        label=assignment.label) if corrected_before else
                      _("The authors get %(label)s's original text again.", label=assignment.label), "success")
            else:
                flash(_("Corrected: the authors get your text of %(label)s's comments; the reviewer's original is kept "
                        "beside it.", label=assignment.label), "success")
            return _to_review(journal, submission, assignment)
    return _action_page("editorial/review_correct.html", journal, submission, assignment, form,
                        400 if request.method == "POST" else 200, revert_form=PlainForm(formdata=None))


@bp.post(f"{REVIEW}/correct/revert")
@permission("journal.editorial", load=journal_from_slug, hide=True)
def revert_correction(journal: Journal, submission_id: int, assignment_id: int):
    submission, assignment = _load(journal, submission_id, assignment_id)
    if PlainForm().validate_on_submit():
        try:
            review_handling_service.revert_correction(current_user, assignment)
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(_("The authors get %(label)s's original text again.", label=assignment.label), "success")
    return _to_review(journal, submission, assignment)


@bp.post(f"{REVIEW}/rate")
@permission("journal.editorial", load=journal_from_slug, hide=True)
def rate_review(journal: Journal, submission_id: int, assignment_id: int):
    submission, assignment = _load(journal, submission_id, assignment_id)
    form = RateForm()
    if not form.validate_on_submit():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors) or _("Choose both ratings."), "error")
        return _to_review(journal, submission, assignment)
    try:
        review_handling_service.rate_review(current_user, assignment, form.timeliness.data, form.quality.data)
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(_("Your rating of %(label)s's review is saved (seen by the editors only).", label=assignment.label),
              "success")
    return _to_review(journal, submission, assignment)


@bp.post(f"{REVIEW}/due-date/approve")
@permission("journal.editorial", load=journal_from_slug, hide=True)
def approve_due_date(journal: Journal, submission_id: int, assignment_id: int):
    submission, assignment = _load(journal, submission_id, assignment_id)
    if PlainForm().validate_on_submit():
        try:
            due_date_service.approve_proposed_due_date(current_user, assignment)
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(_("%(label)s's review is now due %(due)s, as proposed; the reviewer has been told.",
                    label=assignment.label, due=day(assignment.due_at)), "success")
    return _to_reviewers(journal, submission)


@bp.route(f"{REVIEW}/due-date/refuse", methods=["GET", "POST"])
@permission("journal.editorial", load=journal_from_slug, hide=True)
def refuse_due_date(journal: Journal, submission_id: int, assignment_id: int):
    submission, assignment = _load(journal, submission_id, assignment_id)
    form = RefuseForm()
    if form.validate_on_submit():
        try:
            due_date_service.refuse_proposed_due_date(current_user, assignment, form.note.data or "")
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("%(label)s keeps the due date %(due)s and has been told.", label=assignment.label,
                    due=day(assignment.due_at)), "success")
            return _to_reviewers(journal, submission)
    return _action_page("editorial/review_refuse_due_date.html", journal, submission, assignment, form,
                        400 if request.method == "POST" else 200)


@bp.get(f"{REVIEW}/attachments/<int:file_id>")
@permission("journal.editorial", load=journal_from_slug, hide=True)
def review_attachment(journal: Journal, submission_id: int, assignment_id: int, file_id: int):
    """A submitted review's attachment, for every editor who sees the reviews (triple-anonymous handling editors too:
    the file is the reviewer's, stored under a neutral name)."""
    submission = editorial_submission(journal, submission_id)
    assignment = assignment_of(submission, assignment_id)
    if assignment.status is not A.SUBMITTED:
        abort(404)
    file = next((f for f in _attachments(submission, [assignment]).get(assignment.id, []) if f.id == file_id), None)
    if file is None:
        abort(404)
    return redirect(signed_download(file.storage_key, filename=file.original_name, media_type=file.media_type,
                                    inline=file.media_type == "application/pdf"))
