"""The editorial office. Screening, reviewer invitations and decisions arrive with issue 4."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l, ngettext
from journal.web.forms import WebForm
from wtforms import DateField, HiddenField, RadioField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Optional
from flask_login import current_user
from sqlalchemy import select

from journal.extensions import db
from journal.models import Journal, Membership, Role, Submission, SubmissionStatus
from journal.audit import history
from journal.models import DecisionKind, FileKind
from journal import i18n
from journal.permissions import can, journal_from_slug, permission, require
from journal.services import conversations as conversation_service
from journal.services import editorial as editorial_service
from journal.services import queue as queue_service
from journal.services import invitations as invitation_service
from journal.services import shared_reviews
from journal.permissions import has_role
from wtforms import BooleanField, Form, SearchField
from journal.web.choices import select_choices
from journal.web.helpers import day, show_error
from journal.workflow import available
from journal.services.conflicts import ConflictsFound
from journal.services.errors import DomainError
from journal.services.review_assignments import assignments_of
from journal.web.editorial import reviewers
from journal.web.editorial.blueprint import bp
from journal.web.editorial.conflicts import OverrideForm, conflict_label, held_page
from journal.web.editorial.loading import editorial_submission
from journal.storage import signed_download


@bp.get("/")
@permission("menu.editorial")
def index():
    mine = select(Membership.journal_id).where(Membership.user_id == current_user.id,
                                               Membership.role.in_([Role.MANAGING_EDITOR, Role.EDITOR]))
    journals = db.session.scalars(select(Journal).where(Journal.id.in_(mine)).order_by(Journal.title)).all()
    return render_template("editorial/index.html", journals=journals,
                           summaries=queue_service.journal_summaries(current_user, journals))


class QueueFilterForm(Form):
    """The queue's filters, read from the query string: a GET form that changes nothing, so no CSRF token."""

    q = SearchField(_l("Reference or title"))
    section = SelectField(_l("Section"))
    editor = SelectField(_l("Handling editor"))
    sort = SelectField(_l("Order"), choices=lambda: select_choices((k, _(str(v))) for k, v in queue_service.SORTS.items()))
    needs_action = BooleanField(_l("Needs my action"))
    overdue = BooleanField(_l("Overdue reviews"))


def _queue_filters(form: QueueFilterForm) -> queue_service.QueueFilters:
    """What the query string asks for; a value that is not one of the choices (an old link) is the default."""

    def choice(f, default=""):
        if f is None:
            return default
        f.data = f.data if f.data in {c.value for c in f.choices} else default
        return f.data

    status = request.args.get("status", "active")
    if status not in {value for value, _label in queue_service.STATUS_TABS}:
        status = "active"
    section = choice(form.section)
    return queue_service.QueueFilters(
        status=status, section_id=int(section) if section else None, editor=choice(getattr(form, "editor", None)),
        needs_action=bool(form.needs_action.data), overdue=bool(form.overdue.data),
        q=(form.q.data or "").strip()[:200], sort=choice(form.sort, "oldest"),
        page=request.args.get("page", 1, type=int))


@bp.get("/<slug>/")
@permission("journal.editorial", load=journal_from_slug)
def queue(journal: Journal):
    managing = has_role(current_user, journal, Role.MANAGING_EDITOR)
    form = QueueFilterForm(request.args)
    form.section.choices = select_choices([("", _("All sections")),
                                           *((str(s.id), s.title) for s in journal.sections)])
    if managing:
        form.editor.choices = select_choices([("", _("Anyone")), ("none", _("Unassigned")), *(
            (str(user_id), name) for user_id, name in queue_service.editor_choices(journal))])
    else:
        del form.editor
    page = queue_service.queue_page(current_user, journal, _queue_filters(form))
    return render_template("editorial/queue.html", journal=journal, form=form, page=page, filters=page.filters,
                           tabs=queue_service.STATUS_TABS, sorts=queue_service.SORTS)


def _visible_files(submission: Submission) -> list:
    """All files for those who may know the authors; otherwise only the reviewers' copies."""
    if can(current_user, "submission.see_authors", submission):
        return list(submission.files)
    return [f for f in submission.files if f.kind is FileKind.ANONYMIZED_MANUSCRIPT]


@bp.get("/<slug>/submissions/<int:submission_id>")
@permission("journal.editorial", load=journal_from_slug)
def submission(journal: Journal, submission_id: int):
    return _submission_page(journal, editorial_submission(journal, submission_id))


def _submission_page(journal: Journal, submission: Submission, *, invite: reviewers.InviteForm | None = None,
                     mail_preview: dict | None = None):
    """The paper's editorial page; `invite` is a refused invitation, shown again as the editor typed it."""
    sees_authors = can(current_user, "submission.see_authors", submission)
    events = history(submission) if sees_authors else editorial_service.history_without_authors(submission)
    actions = {t.name for t in available(current_user, submission)}
    if "send_to_review" in actions and submission.current_round > 1 and invitation_service.previous_reviewers(submission):
        actions.add("send_to_previous_reviewers")
    if can(current_user, "submission.recommend", submission) and editorial_service.recommendation_kinds(submission):
        actions.add("recommend")
    assign_form, editor_conflicts = None, []
    if can(current_user, "journal.manage", journal) and can(current_user, "submission.produce", submission) \
            and submission.status in (SubmissionStatus.SUBMITTED, SubmissionStatus.UNDER_REVIEW,
                                      SubmissionStatus.REVISION_REQUESTED):
        assign_form = AssignForm(version=str(submission.version), editor_id=submission.handling_editor_id)
        editor_choices = editorial_service.handling_editor_choices(current_user, submission)
        assign_form.editor_id.choices = select_choices((u.id, conflict_label(u.full_name, found))
                                                       for u, found in editor_choices)
        editor_conflicts = [(u, found) for u, found in editor_choices if found]
    files = _visible_files(submission)
    return render_template("editorial/submission.html", journal=journal, submission=submission,
                           sees_authors=sees_authors, files=files, events=list(reversed(events)),
                           reviewer_findings=shared_reviews.findings_for_editors(files),
                           actions=actions, assign_form=assign_form, editor_conflicts=editor_conflicts,
                           screen_form=ScreenForm(version=str(submission.version)),
                           recommendations=editorial_service.recommendations_of(submission),
                           threads=conversation_service.threads_for(current_user, submission,
                                                                    assignments_of(submission)),
                           **reviewers.page_context(submission, invite, mail_preview))


@bp.post("/<slug>/submissions/<int:submission_id>/reviewers/invite")
@permission("journal.editorial", load=journal_from_slug)
def invite(journal: Journal, submission_id: int):
    submission = editorial_submission(journal, submission_id)
    require("submission.decide", submission)
    form = reviewers.invite_form(submission, formdata=request.form)
    if not form.validate_on_submit():
        return _invitation_refused(journal, submission, form, " ".join(
            str(e) for errors in form.errors.values() for e in errors) or _("Check the invitation."))
    if "preview_mail" in request.form:  # the invitation as it will be sent, to read and change before it leaves
        try:
            draft = invitation_service.invitation_draft(
                current_user, submission, user_id=form.reviewer_id.data or None, email=form.email.data,
                name=form.name.data, respond_by=form.respond_by.data, due_at=form.due_at.data,
                mail_subject=form.mail_subject.data, mail_body=form.mail_body.data)
        except DomainError as error:
            return _invitation_refused(journal, submission, form, error.message)
        form.mail_subject.data, form.mail_body.data = draft["subject"], draft["body"]
        return _submission_page(journal, submission, invite=form, mail_preview=draft)
    try:
        assignment, _token = invitation_service.invite_reviewer(
            current_user, submission, user_id=form.reviewer_id.data or None, email=form.email.data,
            name=form.name.data, respond_by=form.respond_by.data, due_at=form.due_at.data,
            override=form.override.data, override_reason=form.override_reason.data or "",
            mail_subject=form.mail_subject.data, mail_body=form.mail_body.data)
    except ConflictsFound as held:
        # Nothing leaves: the flags, with the invitation kept, and the explicit override.
        name = held.flagged[0][0]
        return held_page(held, journal=journal, submission=submission, heading=_("Invite a reviewer"),
                         action=url_for("editorial.invite", slug=journal.slug, submission_id=submission.id),
                         summary=_("The invitation of %(name)s to review round %(round)s (answer by %(respond_by)s, "
                                   "review due %(due)s) has not been sent.", name=name,
                                   round=submission.current_round, respond_by=day(form.respond_by.data),
                                   due=day(form.due_at.data)),
                         back_url=reviewers.came_from(journal, submission), button=_("Send the invitation anyway"))
    except DomainError as error:
        return _invitation_refused(journal, submission, form, error.message)
    flash(_("%(name)s is invited as %(label)s; the invitation has been mailed.", name=assignment.reviewer_name,
            label=assignment.label), "success")
    return redirect(reviewers.came_from(journal, submission))


def _invitation_refused(journal: Journal, submission: Submission, form: reviewers.InviteForm, message: str):
    """Nothing was sent. From the paper's page: the page again, with the name, address and dates as typed; from
    Find reviewers: back to the same list, whose dates travel in its address."""
    if "back_scope" in request.form:
        flash(message, "error")
        return redirect(reviewers.came_from(journal, submission))
    flash(_("%(message)s Nothing was sent; what you typed is kept in the invitation form under Reviewers.",
            message=message), "error")
    return _submission_page(journal, submission, invite=form), 400


@bp.get("/<slug>/submissions/<int:submission_id>/files/<int:file_id>")
@permission("journal.editorial", load=journal_from_slug)
def download(journal: Journal, submission_id: int, file_id: int):
    submission = editorial_submission(journal, submission_id)
    file = next((f for f in _visible_files(submission) if f.id == file_id), None)
    if file is None:
        abort(404)
    return redirect(signed_download(file.storage_key, filename=file.original_name, media_type=file.media_type,
                                    inline=file.media_type == "application/pdf"))


class AssignForm(OverrideForm):
    editor_id = SelectField(_l("Handling editor"), coerce=int)
    version = HiddenField()


class DeskRejectForm(WebForm):
    letter = TextAreaField(_l("Letter to the authors"), [InputRequired(_l("Write the letter to the authors."))],
                           render_kw={"rows": 14})
    letter_language = HiddenField()
    version = HiddenField()


def chosen_letter_language(submission: Submission) -> str:
    """The language the editor writes the letter in: as chosen on the page (?letter_language=fr), else the
    authors' (services/editorial.py letter_language)."""
    return i18n.known(request.values.get("letter_language")) or editorial_service.letter_language(submission)


class ScreenForm(OverrideForm):
    """Send to review; sending to the previous round's reviewers may need the conflict override too."""

    version = HiddenField()


def _version(form) -> int | None:
    try:
        return int(form.version.data)
    except (TypeError, ValueError):
        return None


def _to_page(journal: Journal, submission: Submission):
    return redirect(url_for("editorial.submission", slug=journal.slug, submission_id=submission.id))


@bp.post("/<slug>/submissions/<int:submission_id>/assign")
@permission("journal.editorial", load=journal_from_slug)
def assign(journal: Journal, submission_id: int):
    submission = editorial_submission(journal, submission_id)  # 404 to the paper's authors first
    require("journal.manage", journal)
    form = AssignForm()
    form.editor_id.choices = select_choices(
        (u.id, u.full_name) for u in editorial_service.eligible_handling_editors(submission))
    if form.validate_on_submit():
        try:
            editor = editorial_service.assign_handling_editor(current_user, submission, form.editor_id.data,
                                                              expected_version=_version(form),
                                                              override=form.override.data,
                                                              override_reason=form.override_reason.data or "")
        except ConflictsFound as held:
            return held_page(held, journal=journal, submission=submission, heading=_("Handling editor"),
                             action=url_for("editorial.assign", slug=journal.slug, submission_id=submission.id),
                             summary=_("%(name)s has not been assigned to %(reference)s.", name=held.flagged[0][0],
                                       reference=submission.reference),
                             back_url=url_for("editorial.submission", slug=journal.slug, submission_id=submission.id),
                             button=_("Assign anyway"))
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(_("%(name)s now handles %(reference)s and has been told by mail.", name=editor.full_name,
                    reference=submission.reference), "success")
    else:
        flash(" ".join(str(e) for e in form.override_reason.errors) or _("Choose one of the journal's editors."), "error")
    return _to_page(journal, submission)


@bp.post("/<slug>/submissions/<int:submission_id>/send-to-review")
@permission("journal.editorial", load=journal_from_slug)
def send_to_review(journal: Journal, submission_id: int):
    submission = editorial_submission(journal, submission_id)
    require("submission.decide", submission)
    form = ScreenForm()
    if form.validate_on_submit():
        try:
            editorial_service.send_to_review(current_user, submission, expected_version=_version(form))
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(_("%(reference)s is sent to review. Invite reviewers next.", reference=submission.reference),
                  "success")
    return _to_page(journal, submission)


@bp.route("/<slug>/submissions/<int:submission_id>/desk-reject", methods=["GET", "POST"])
@permission("journal.editorial", load=journal_from_slug)
def desk_reject(journal: Journal, submission_id: int):
    submission = editorial_submission(journal, submission_id)
    require("submission.final_decision", submission)
    form = DeskRejectForm()
    recommendation = editorial_service.pending_recommendation(submission)
    language = chosen_letter_language(submission)
    if request.method == "GET":
        form.letter_language.data = language
        if recommendation is not None and recommendation.kind is DecisionKind.DESK_REJECT and recommendation.letter:
            form.letter.data = recommendation.letter
        else:
            form.letter.data = editorial_service.default_desk_reject_letter(
                submission, show_names=can(current_user, "submission.see_authors", submission), language=language)
        form.version.data = str(submission.version)
    if form.validate_on_submit():
        try:
            editorial_service.desk_reject(current_user, submission, letter=form.letter.data,
                                          expected_version=_version(form), language=language)
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("%(reference)s is rejected; the letter has been sent to the authors.",
                    reference=submission.reference), "success")
            return _to_page(journal, submission)
    return render_template("editorial/desk_reject.html", journal=journal, submission=submission, form=form,
                           recommendation=recommendation, letter_language=language,
                           authors_language=editorial_service.letter_language(submission))




def decision_choices() -> list[tuple[str, str]]:
    """(value, label) for links, the labels in the reader's language."""
    return [(k.value, k.label) for k in editorial_service.DECISION_TARGETS]


class DecisionForm(WebForm):
    kind = RadioField(_l("Decision"), choices=lambda: select_choices(decision_choices()),
                      validators=[InputRequired(_l("Choose the decision."))])
    letter = TextAreaField(_l("Letter to the authors"),
                           [InputRequired(_l("Write the decision letter to the authors."))], render_kw={"rows": 18})
    override_reason = TextAreaField(_l("Reason for deciding with fewer reviews than the journal asks"),
                                    render_kw={"rows": 2})
    revision_due = DateField(_l("Revision due"), validators=[Optional()])
    revision_due_for = HiddenField()  # the decision the shown date was proposed for
    letter_language = HiddenField()
    version = HiddenField()


def _chosen_revision_due(submission: Submission, form: DecisionForm):
    """The date the editor gave; None (the journal's default for the decision) when they left the date proposed
    for another kind of revision untouched."""
    proposed_for = form.revision_due_for.data
    if (form.revision_due.data is not None and proposed_for in dict(decision_choices())
            and proposed_for != form.kind.data
            and form.revision_due.data == editorial_service.default_revision_due(submission, proposed_for)):
        return None
    return form.revision_due.data


@bp.route("/<slug>/submissions/<int:submission_id>/decide", methods=["GET", "POST"])
@permission("journal.editorial", load=journal_from_slug)
def decide(journal: Journal, submission_id: int):
    submission = editorial_submission(journal, submission_id)
    require("submission.final_decision", submission)
    form = DecisionForm()
    recommendation = editorial_service.pending_recommendation(submission)
    if recommendation is not None and recommendation.kind is DecisionKind.DESK_REJECT:
        recommendation = None  # shown on the rejection page
    language = chosen_letter_language(submission)
    if request.method == "GET":
        default = recommendation.kind.value if recommendation is not None else "minor_revision"
        kind = request.args.get("kind", default)
        if kind not in dict(decision_choices()):
            kind = default
        form.kind.data = kind
        form.letter_language.data = language
        form.revision_due_for.data = kind if kind in ("minor_revision", "major_revision") else "minor_revision"
        form.revision_due.data = editorial_service.default_revision_due(submission, form.revision_due_for.data)
        if recommendation is not None and recommendation.kind.value == kind and recommendation.letter:
            form.letter.data = recommendation.letter
        else:
            form.letter.data = editorial_service.default_decision_letter(
                submission, DecisionKind(kind), show_names=can(current_user, "submission.see_authors", submission),
                language=language)
        form.version.data = str(submission.version)
    if form.validate_on_submit():
        try:
            decision = editorial_service.decide(current_user, submission, kind=form.kind.data, letter=form.letter.data,
                                                override_reason=form.override_reason.data or "",
                                                expected_version=_version(form), language=language,
                                                revision_due=_chosen_revision_due(submission, form))
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("Decision on %(reference)s: %(decision)s. The letter has been sent to the authors and the "
                    "reviewers have been thanked.", reference=submission.reference, decision=decision.kind.label),
                  "success")
            return _to_page(journal, submission)
    reviews = editorial_service.submitted_reviews(submission)
    # The letter's labels are the authors' (gap-free), which may differ from the editors' numbers shown beside them.
    letter_labels = {r.assignment_id: r.label for r in shared_reviews.reviews_for_letter(submission)}
    return render_template("editorial/decide.html", journal=journal, submission=submission, form=form,
                           reviews=reviews, letter_labels=letter_labels, choices=decision_choices(),
                           recommendation=recommendation,
                           letter_language=language, authors_language=editorial_service.letter_language(submission))


class RecommendationForm(WebForm):
    kind = RadioField(_l("Recommended decision"), validators=[InputRequired(_l("Choose the decision you recommend."))])
    reasons = TextAreaField(_l("Reasons, for the managing editor"),
                            [InputRequired(_l("Give the reasons for your recommendation."))], render_kw={"rows": 6})
    letter = TextAreaField(_l("Draft letter to the authors"), render_kw={"rows": 16})
    version = HiddenField()


@bp.route("/<slug>/submissions/<int:submission_id>/recommend", methods=["GET", "POST"])
@permission("journal.editorial", load=journal_from_slug)
def recommend(journal: Journal, submission_id: int):
    """Recommend-only journals: the handling editor recommends; a managing editor confirms or changes it."""
    submission = editorial_submission(journal, submission_id)
    require("submission.recommend", submission)
    kinds = editorial_service.recommendation_kinds(submission)
    if not kinds:
        flash(_("%(reference)s is “%(status)s”; there is no decision to recommend now.",
                reference=submission.reference, status=submission.status.label), "error")
        return _to_page(journal, submission)
    form = RecommendationForm()
    form.kind.choices = select_choices((k.value, k.label) for k in kinds)
    show_names = can(current_user, "submission.see_authors", submission)
    if request.method == "GET":
        kind = request.args.get("kind", kinds[0].value)
        if kind not in {k.value for k in kinds}:
            kind = kinds[0].value
        form.kind.data = kind
        form.letter.data = (editorial_service.default_desk_reject_letter(submission, show_names=show_names)
                            if kind == DecisionKind.DESK_REJECT.value else
                            editorial_service.default_decision_letter(submission, DecisionKind(kind),
                                                                      show_names=show_names))
        form.version.data = str(submission.version)
    if form.validate_on_submit():
        try:
            recommendation = editorial_service.recommend(current_user, submission, kind=form.kind.data,
                                                         reasons=form.reasons.data, letter=form.letter.data or "",
                                                         expected_version=_version(form))
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("Your recommendation (%(decision)s) has been sent to the managing editors, who confirm it or "
                    "decide otherwise.", decision=recommendation.kind.label.lower()), "success")
            return _to_page(journal, submission)
    return render_template("editorial/recommend.html", journal=journal, submission=submission, form=form,
                           kinds=kinds, reviews=editorial_service.submitted_reviews(submission),
                           pending=editorial_service.pending_recommendation(submission))


@bp.post("/<slug>/submissions/<int:submission_id>/send-to-previous-reviewers")
@permission("journal.editorial", load=journal_from_slug)
def send_to_previous_reviewers(journal: Journal, submission_id: int):
    submission = editorial_submission(journal, submission_id)
    require("submission.decide", submission)
    form = ScreenForm()
    if form.validate_on_submit():
        try:
            count = invitation_service.send_to_previous_reviewers(current_user, submission,
                                                                  expected_version=_version(form),
                                                                  override=form.override.data,
                                                                  override_reason=form.override_reason.data or "")
        except ConflictsFound as held:
            return held_page(held, journal=journal, submission=submission, heading=_("Send to the same reviewers"),
                             action=url_for("editorial.send_to_previous_reviewers", slug=journal.slug,
                                            submission_id=submission.id),
                             summary=_("%(reference)s has not been sent to review; no one has been invited.",
                                       reference=submission.reference),
                             back_url=url_for("editorial.submission", slug=journal.slug, submission_id=submission.id),
                             button=_("Send to the same reviewers anyway"))
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(ngettext("Round %(round)s is under review; %(num)d reviewer of the previous round invited again.",
                           "Round %(round)s is under review; %(num)d reviewers of the previous round invited again.",
                           count, round=submission.current_round), "success")
    return _to_page(journal, submission)

