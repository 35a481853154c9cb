"""The author's pages: the submission wizard, the submission page, revising, withdrawing, objecting.

Each view loads the submission (404 for anyone who may not see it), calls one service and
renders or redirects; the rules live in journal/services/: drafts.py (the wizard), contributors.py,
manuscripts.py (the files) and submissions.py (submitting, revising, withdrawing).
"""

import functools
import logging

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l, ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from journal.extensions import db
from journal.models import FileKind, Journal, Submission, SubmissionStatus
from journal.permissions import can, journal_from_slug, permission, require
from journal.services import contributors as contributor_service
from journal.services import conversations as conversation_service
from journal.services import drafts as draft_service
from journal.services import latex as latex_service
from journal.services import manuscripts as manuscript_service
from journal.services import peer_review
from journal.services import shared_reviews
from journal.services import submissions as service
from journal.services import usage
from journal.services.errors import DomainError, NotFound
from journal.storage import StorageError, get_storage, signed_download
from journal.web.author import forms
from journal.web.author.blueprint import bp
from journal.web.author.loading import submission_from_url
from journal.web.forms import WebForm
from journal.web.helpers import show_error
from journal.workflow import available

log = logging.getLogger(__name__)
S = SubmissionStatus
# What the authors' pages list and serve; reviewers' attachments come with the review pages.
AUTHOR_FILE_KINDS = (FileKind.MANUSCRIPT, FileKind.ANONYMIZED_MANUSCRIPT, FileKind.SUPPLEMENT, FileKind.RESPONSE_LETTER,
                     FileKind.LATEX_SOURCE)
STEP_ENDPOINTS = {"start": "author.edit_start", "metadata": "author.metadata", "files": "author.files",
                  "declarations": "author.declarations", "review": "author.review", "revise": "author.revise"}


def submitter_only(view):
    """Strangers get 404 (not even the submission's existence leaks); co-authors, who may read it, 403."""

    @permission("submission.contributor", load=submission_from_url, hide=True)
    @functools.wraps(view)
    def guarded(submission: Submission, *args, **kwargs):
        require("submission.author", submission)
        return view(submission, *args, **kwargs)

    return guarded


def _closed(submission: Submission, *, revision_ok: bool = False):
    """A wizard page of a submission that left the draft: to the revision page, or to its own page."""
    if submission.status is S.DRAFT or (revision_ok and submission.status is S.REVISION_REQUESTED):
        return None
    if submission.status is S.REVISION_REQUESTED:
        return redirect(url_for("author.revise", submission_id=submission.id))
    flash(_("%(reference)s is “%(status)s”: it can no longer be changed here.",
            reference=submission.display_reference, status=submission.status.label), "info")
    return redirect(url_for("author.submission", submission_id=submission.id))


def _wizard(submission: Submission | None, step: str) -> dict:
    """What every wizard page shows above its form: the steps, the one shown now, the steps still to do."""
    missing = service.missing_items(submission) if submission else []
    return {"step": step, "steps_to_do": {m.step for m in missing},
            "missing": [(m.message, _step_url(submission, m.step)) for m in missing]}


def _step_url(submission: Submission, step: str) -> str:
    return url_for(STEP_ENDPOINTS.get(step, "author.review"), submission_id=submission.id)


# --- choosing a journal, step 1 -----------------------------------------------------------------

@bp.get("/submit")
@permission("account")
def submit():
    journals = db.session.scalars(
        select(Journal).where(Journal.accepting_submissions.is_(True)).options(selectinload(Journal.sections))
        .order_by(Journal.title)
    ).all()
    return render_template("author/submit.html", journals=journals)


@bp.route("/j/<slug>/submit", methods=["GET", "POST"])
@permission("journal.submit", load=journal_from_slug)
def submit_to(journal: Journal):
    form = forms.start_form(journal)
    if form.validate_on_submit():
        try:
            submission = draft_service.start_submission(current_user, journal, section_id=form.section_id.data,
                                                        checklist_confirmed=forms.checklist_ticked(form))
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("Your draft is saved. You can leave at any time and continue from “My submissions”."), "success")
            return redirect(url_for("author.metadata", submission_id=submission.id))
    return render_template("author/start.html", journal=journal, form=form, checklist=forms.checklist_fields(form),
                           submission=None, **_wizard(None, "start"))


@bp.route("/submissions/<int:submission_id>/start", methods=["GET", "POST"])
@submitter_only
def edit_start(submission: Submission):
    if closed := _closed(submission):
        return closed
    form = forms.start_form(submission.journal, submission=submission)
    if form.validate_on_submit():
        try:
            draft_service.update_start(current_user, submission, section_id=form.section_id.data,
                                       checklist_confirmed=forms.checklist_ticked(form))
        except DomainError as error:
            show_error(form, error)
        else:
            return redirect(url_for("author.metadata", submission_id=submission.id))
    return render_template("author/start.html", journal=submission.journal, form=form,
                           checklist=forms.checklist_fields(form), submission=submission,
                           **_wizard(submission, "start"))


# --- step 2: title, abstract, keywords, authors --------------------------------------------------

@bp.route("/submissions/<int:submission_id>/metadata", methods=["GET", "POST"])
@submitter_only
def metadata(submission: Submission):
    if closed := _closed(submission, revision_ok=True):
        return closed
    form = forms.MetadataForm(data={"title": submission.title, "abstract": submission.abstract,
                                    "keywords": ", ".join(submission.keywords or []),
                                    "language": submission.language,
                                    "translated_language": submission.translated_language,
                                    "translated_title": submission.translated_title,
                                    "translated_abstract": submission.translated_abstract,
                                    "translated_keywords": ", ".join(submission.translated_keywords or [])})
    # The author fields are sent with the metadata form (one CSRF token), so nothing typed is lost.
    author_form = forms.ContributorForm(prefix="author", meta={"csrf": False})
    if form.validate_on_submit():
        try:
            draft_service.update_metadata(current_user, submission, title=form.title.data or "",
                                          abstract=form.abstract.data or "", keywords=form.keywords.data or "",
                                          language=form.language.data,
                                          translated_language=form.translated_language.data or "",
                                          translated_title=form.translated_title.data or "",
                                          translated_abstract=form.translated_abstract.data or "",
                                          translated_keywords=form.translated_keywords.data or "")
        except DomainError as error:
            show_error(form, error)
            return _metadata_page(submission, form, author_form)
        action = request.form.get("action", "save")
        if submission.status is S.DRAFT and (action == "add_author" or author_form.has_input()):
            if not author_form.validate():
                return _metadata_page(submission, form, author_form)
            try:
                contributor = contributor_service.add_contributor(current_user, submission, **author_form.values())
            except DomainError as error:
                show_error(author_form, error)
                return _metadata_page(submission, form, author_form)
            flash(_("%(name)s added to the authors.", name=contributor.full_name), "success")
            return redirect(url_for("author.metadata", submission_id=submission.id, _anchor="authors"))
        if action == "continue":
            return redirect(_step_url(submission, "revise" if submission.status is S.REVISION_REQUESTED else "files"))
        flash(_("Saved."), "success")
        return redirect(url_for("author.metadata", submission_id=submission.id))
    return _metadata_page(submission, form, author_form)


def _metadata_page(submission: Submission, form, author_form):
    return render_template("author/metadata.html", submission=submission, journal=submission.journal, form=form,
                           author_form=author_form, markdown_ready="markdown" in current_app.jinja_env.filters,
                           **_wizard(submission, "metadata"))


def _contributor_or_404(submission: Submission, contributor_id: int):
    contributor = next((c for c in submission.contributors if c.id == contributor_id), None)
    if contributor is None:
        abort(404)
    return contributor


CONTRIBUTOR_ACTIONS = {
    "up": (lambda actor, sub, cid: contributor_service.move_contributor(actor, sub, cid, -1),
           _l("%(name)s moved up.")),
    "down": (lambda actor, sub, cid: contributor_service.move_contributor(actor, sub, cid, 1),
             _l("%(name)s moved down.")),
    "corresponding": (contributor_service.set_corresponding, _l("%(name)s is now the corresponding author.")),
    "remove": (contributor_service.remove_contributor, _l("%(name)s removed from the authors.")),
}


@bp.post("/submissions/<int:submission_id>/contributors/<int:contributor_id>/"
         "<any(up, down, corresponding, remove):action>")
@submitter_only
def contributor_action(submission: Submission, contributor_id: int, action: str):
    name = _contributor_or_404(submission, contributor_id).full_name
    change, done = CONTRIBUTOR_ACTIONS[action]
    try:
        change(current_user, submission, contributor_id)
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(str(done) % {"name": name}, "success")
    return redirect(url_for("author.metadata", submission_id=submission.id, _anchor="authors"))


@bp.route("/submissions/<int:submission_id>/contributors/<int:contributor_id>", methods=["GET", "POST"])
@submitter_only
def edit_contributor(submission: Submission, contributor_id: int):
    if closed := _closed(submission):
        return closed
    contributor = _contributor_or_404(submission, contributor_id)
    form = forms.ContributorForm(obj=contributor)
    if form.validate_on_submit():
        try:
            contributor_service.update_contributor(current_user, submission, contributor.id, **form.values())
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("%(name)s: saved.", name=contributor.full_name), "success")
            return redirect(url_for("author.metadata", submission_id=submission.id, _anchor="authors"))
    return render_template("author/contributor.html", submission=submission, journal=submission.journal,
                           contributor=contributor, form=form)


# --- step 3: files (and the same uploads while revising) ----------------------------------------

def _upload_page(submission: Submission, **sent_forms):
    """The files step, or the revision page while revising, with the form just sent (and its errors)."""
    revising = submission.status is S.REVISION_REQUESTED
    context = {
        "manuscript": service.manuscript_of(submission),
        "latex_compile": latex_service.latest_compile(submission),
        "supplements": service.supplements_of(submission),
        "anonymizing": submission.journal.review_mode in service.ANONYMIZING_MODES,
        "needs_decision": service.needs_anonymity_decision(submission),
        "manuscript_form": forms.ManuscriptForm(formdata=None),
        "supplement_form": forms.SupplementForm(formdata=None),
        "revising": revising,
        "upload_round": service.upload_round(submission),
    }
    if revising:
        context |= {
            "response_letters": [f for f in submission.files if f.kind is FileKind.RESPONSE_LETTER
                                 and f.round == service.upload_round(submission)],
            "letter_form": forms.ResponseLetterForm(formdata=None),
            "revise_form": forms.ReviseForm(formdata=None, data={"version": submission.version,
                                                                 "response": submission.response_draft}),
            "missing": [(m.message, _step_url(submission, m.step)) for m in service.missing_items(submission)],
        }
    else:
        context |= _wizard(submission, "files")
    context |= sent_forms
    return render_template("author/revise.html" if revising else "author/files.html", submission=submission,
                           journal=submission.journal, **context)


def _back_to_uploads(submission: Submission, anchor: str):
    endpoint = "author.revise" if submission.status is S.REVISION_REQUESTED else "author.files"
    return redirect(url_for(endpoint, submission_id=submission.id, _anchor=anchor))


@bp.get("/submissions/<int:submission_id>/files")
@submitter_only
def files(submission: Submission):
    if closed := _closed(submission):
        return closed
    return _upload_page(submission)


@bp.post("/submissions/<int:submission_id>/files/manuscript")
@submitter_only
def upload_manuscript(submission: Submission):
    form = forms.ManuscriptForm()
    if form.validate_on_submit():
        upload = form.manuscript.data
        head = upload.stream.read(4)
        upload.stream.seek(0)
        if latex_service.is_archive(head, upload.filename):  # LaTeX source: compiled on the job queue
            try:
                compiled = latex_service.upload_source(current_user, submission, upload.stream, upload.filename)
            except DomainError as error:
                show_error(form, error)
                return _upload_page(submission, manuscript_form=form)
            return redirect(url_for("author.latex_compile", submission_id=submission.id, compile_id=compiled.id))
        try:
            manuscript = manuscript_service.upload_manuscript(current_user, submission, upload.stream, upload.filename)
        except DomainError as error:
            show_error(form, error)
        else:
            flash(ngettext("Manuscript “%(name)s” uploaded (%(num)d page).",
                           "Manuscript “%(name)s” uploaded (%(num)d pages).",
                           manuscript.page_count, name=manuscript.original_name), "success")
            return _back_to_uploads(submission, "manuscript-section")
    return _upload_page(submission, manuscript_form=form)


@bp.post("/submissions/<int:submission_id>/anonymity")
@submitter_only
def confirm_anonymity(submission: Submission):
    try:
        draft_service.confirm_anonymity(current_user, submission)
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(_("Noted: the names found in the manuscript may stay."), "success")
    return _back_to_uploads(submission, "manuscript-section")


@bp.post("/submissions/<int:submission_id>/files/supplements")
@submitter_only
def add_supplement(submission: Submission):
    form = forms.SupplementForm()
    if form.validate_on_submit():
        upload = form.supplement.data
        try:
            file = manuscript_service.add_supplement(current_user, submission, upload.stream, upload.filename,
                                                     form.description.data)
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("Supplementary file “%(name)s” added.", name=file.original_name), "success")
            return _back_to_uploads(submission, "supplements")
    return _upload_page(submission, supplement_form=form)


@bp.post("/submissions/<int:submission_id>/files/<int:file_id>/remove")
@submitter_only
def remove_supplement(submission: Submission, file_id: int):
    try:
        manuscript_service.remove_supplement(current_user, submission, file_id)
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(_("Supplementary file removed."), "success")
    return _back_to_uploads(submission, "supplements")


@bp.get("/submissions/<int:submission_id>/files/<int:file_id>")
@permission("submission.contributor", load=submission_from_url, hide=True)
def download(submission: Submission, file_id: int):
    file = next((f for f in submission.files if f.id == file_id and f.kind in AUTHOR_FILE_KINDS), None)
    if file is None:
        abort(404)
    return redirect(signed_download(file.storage_key, filename=file.original_name, media_type=file.media_type,
                                    inline=file.media_type == "application/pdf"))


# --- step 4: declarations -----------------------------------------------------------------------

@bp.route("/submissions/<int:submission_id>/declarations", methods=["GET", "POST"])
@submitter_only
def declarations(submission: Submission):
    if closed := _closed(submission):
        return closed
    if request.method == "GET":
        form = forms.DeclarationsForm(data={
            name: getattr(submission, name) for name in ("cover_letter", "competing_interests", "funding",
                                                         "data_availability", "suggested_reviewers",
                                                         "opposed_reviewers", "authors_agree_to_publish_reviews")}
            | {"data_links": forms.data_link_data(submission.data_links)})
        forms.add_empty_rows(form, 2)
    else:  # the rows are what was sent, by position: saved values must not fill the gaps
        form = forms.DeclarationsForm()
    if form.validate_on_submit():
        try:
            draft_service.update_declarations(
                current_user, submission, cover_letter=form.cover_letter.data or "",
                competing_interests=form.competing_interests.data or "", funding=form.funding.data or "",
                data_availability=form.data_availability.data or "", data_links=form.data_link_rows(),
                suggested_reviewers=form.reviewer_rows("suggested_reviewers"),
                opposed_reviewers=form.reviewer_rows("opposed_reviewers"),
                authors_agree_to_publish_reviews=bool(form.authors_agree_to_publish_reviews.data)
                if peer_review.asks_consent(submission.journal) else None)
        except DomainError as error:
            show_error(form, error)
        else:
            action = request.form.get("action", "save")
            if action in ("more_data_links", "more_suggested_reviewers", "more_opposed_reviewers"):
                forms.add_empty_rows(form, 1, only=action.removeprefix("more_"))
                flash(_("Saved. A new empty row is ready."), "success")
            elif action == "continue":
                return redirect(url_for("author.review", submission_id=submission.id))
            else:
                flash(_("Saved."), "success")
                return redirect(url_for("author.declarations", submission_id=submission.id))
    return render_template("author/declarations.html", submission=submission, journal=submission.journal,
                           form=form, **_wizard(submission, "declarations"))


# --- step 5: review and submit ------------------------------------------------------------------

def _review_page(submission: Submission):
    return render_template(
        "author/review.html", submission=submission, journal=submission.journal,
        form=forms.SubmitForm(formdata=None, data={"version": submission.version}),
        manuscript=service.manuscript_of(submission), supplements=service.supplements_of(submission),
        reviewer_copy=service.reviewer_copy_of(submission, service.upload_round(submission)),
        anonymizing=submission.journal.review_mode in service.ANONYMIZING_MODES,
        language_name=forms.LANGUAGE_NAMES, markdown_ready="markdown" in current_app.jinja_env.filters,
        **_wizard(submission, "review"))


@bp.get("/submissions/<int:submission_id>/review")
@submitter_only
def review(submission: Submission):
    if closed := _closed(submission):
        return closed
    return _review_page(submission)


@bp.post("/submissions/<int:submission_id>/submit")
@submitter_only
def submit_draft(submission: Submission):
    form = forms.SubmitForm()
    if form.validate_on_submit():
        try:
            service.submit(current_user, submission, expected_version=forms.version_of(form))
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(_("Thank you: %(journal)s has received your submission. Its reference is %(reference)s; we have "
                    "sent you and your co-authors a confirmation.", journal=submission.journal.title,
                    reference=submission.reference), "success")
            return redirect(url_for("author.submission", submission_id=submission.id))
    if submission.status is not S.DRAFT:
        return redirect(url_for("author.submission", submission_id=submission.id))
    return _review_page(submission)


# --- the submission page, deleting, withdrawing ---------------------------------------------------

@bp.get("/submissions/<int:submission_id>")
@permission("submission.contributor", load=submission_from_url, hide=True)
def submission(submission: Submission):
    rounds: dict[int, list] = {}
    for file in submission.files:
        if file.kind in AUTHOR_FILE_KINDS:
            rounds.setdefault(file.round, []).append(file)
    first_missing = next(iter(service.missing_items(submission)), None) if submission.status is S.DRAFT else None
    return render_template(
        "author/submission.html", submission=submission, journal=submission.journal,
        history=service.author_history(submission), next_step=service.next_step_for_author(submission),
        is_submitter=can(current_user, "submission.author", submission),
        threads=conversation_service.threads_for(current_user, submission),
        actions={t.name for t in available(current_user, submission)},
        file_rounds=sorted(rounds.items(), reverse=True),
        markdown_ready="markdown" in current_app.jinja_env.filters,
        continue_url=_step_url(submission, first_missing.step if first_missing else "review"),
        # After each decision: the reviews the editor shares with the authors, under their labels.
        reviews_by_round={number: (decision.id, reviews)
                          for number, decision, reviews in shared_reviews.reviews_for_authors(submission)})


@bp.post("/submissions/<int:submission_id>/peer-review-consent")
@submitter_only
def peer_review_consent(submission: Submission):
    """The authors change their agreement to publish the peer review, until acceptance."""
    form = WebForm()
    if form.validate_on_submit():
        agree = request.form.get("agree") == "yes"
        try:
            changed = peer_review.set_authors_agreement(current_user, submission, agree)
        except DomainError as error:
            flash(error.message, "error")
        else:
            if changed:
                flash(_("You agree that the peer review is published with the article.") if agree
                      else _("The peer review will not be published with the article."), "success")
    return redirect(url_for("author.submission", submission_id=submission.id) + "#peer-review-consent")


@bp.get("/submissions/<int:submission_id>/reviews/files/<int:file_id>")
@permission("submission.contributor", load=submission_from_url, hide=True)
def review_attachment(submission: Submission, file_id: int):
    """A reviewer's attachment, once the round is decided and the editor shares the review; under its neutral name."""
    try:
        file, name = shared_reviews.shared_attachment(submission, file_id)
    except NotFound:
        abort(404)
    return redirect(signed_download(file.storage_key, filename=name, media_type=file.media_type,
                                    inline=file.media_type == "application/pdf"))


@bp.route("/submissions/<int:submission_id>/delete", methods=["GET", "POST"])
@submitter_only
def delete_draft(submission: Submission):
    if submission.status is not S.DRAFT:
        flash(_("Only a draft can be deleted; a submitted paper can be withdrawn."), "error")
        return redirect(url_for("author.submission", submission_id=submission.id))
    if request.method == "POST":
        title = submission.title or _("untitled")
        try:
            keys = draft_service.discard_draft(current_user, submission)
        except DomainError as error:
            flash(error.message, "error")
            return redirect(url_for("author.submission", submission_id=submission.id))
        storage = get_storage()
        for key in keys:
            try:
                storage.delete(key)
            except StorageError:  # the row is gone; check-storage lists the orphan
                log.exception("could not delete %s of a discarded draft", key)
        flash(_("The draft “%(title)s” and its files are deleted.", title=title), "success")
        return redirect(url_for("author.my_submissions"))
    return render_template("author/delete.html", submission=submission, journal=submission.journal)


@bp.route("/submissions/<int:submission_id>/withdraw", methods=["GET", "POST"])
@submitter_only
def withdraw(submission: Submission):
    form = forms.WithdrawForm(data={"version": submission.version})
    if form.validate_on_submit():
        try:
            service.withdraw(current_user, submission, reason=form.reason.data,
                             expected_version=forms.version_of(form))
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("%(reference)s is withdrawn. The editors have been told.",
                    reference=submission.display_reference), "success")
            return redirect(url_for("author.submission", submission_id=submission.id))
    elif request.method == "GET" and "withdraw" not in {t.name for t in available(current_user, submission)}:
        flash(_("%(reference)s is “%(status)s”: it cannot be withdrawn now.",
                reference=submission.display_reference, status=submission.status.label), "info")
        return redirect(url_for("author.submission", submission_id=submission.id))
    return render_template("author/withdraw.html", submission=submission, journal=submission.journal, form=form)


# --- revising ---------------------------------------------------------------------------------------

@bp.get("/submissions/<int:submission_id>/revise")
@submitter_only
def revise(submission: Submission):
    if submission.status is not S.REVISION_REQUESTED:
        return redirect(url_for("author.submission", submission_id=submission.id))
    return _upload_page(submission)


@bp.post("/submissions/<int:submission_id>/response-letter")
@submitter_only
def add_response_letter(submission: Submission):
    form = forms.ResponseLetterForm()
    if form.validate_on_submit():
        upload = form.response_letter.data
        try:
            file = manuscript_service.add_response_letter(current_user, submission, upload.stream, upload.filename)
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("Response letter “%(name)s” added.", name=file.original_name), "success")
            return redirect(url_for("author.revise", submission_id=submission.id, _anchor="response-section"))
    if submission.status is not S.REVISION_REQUESTED:
        return redirect(url_for("author.submission", submission_id=submission.id))
    return _upload_page(submission, letter_form=form)


@bp.post("/submissions/<int:submission_id>/resubmit")
@submitter_only
def resubmit(submission: Submission):
    form = forms.ReviseForm()
    if form.validate_on_submit() and form.save_draft.data:
        try:
            service.save_response_draft(current_user, submission, response=form.response.data or "")
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("Your response is saved as a draft; it stays here until you submit the revision."), "success")
            return redirect(url_for("author.revise", submission_id=submission.id, _anchor="response-section"))
    elif form.validate_on_submit():
        try:
            service.resubmit(current_user, submission, response=form.response.data or "",
                             expected_version=forms.version_of(form))
        except DomainError as error:
            flash(error.message, "error")
            if submission.status is S.REVISION_REQUESTED:  # what was typed is kept for when the rest is done
                service.save_response_draft(current_user, submission, response=form.response.data or "")
        else:
            flash(_("Thank you: the revision of %(reference)s is submitted (round %(round)s).",
                  reference=submission.reference, round=submission.current_round), "success")
            return redirect(url_for("author.submission", submission_id=submission.id))
    if submission.status is not S.REVISION_REQUESTED:
        return redirect(url_for("author.submission", submission_id=submission.id))
    form.version.data = submission.version  # the typed response stays; the page shows the current state
    return _upload_page(submission, revise_form=form)


# --- lists and co-authors -----------------------------------------------------------------------------

@bp.get("/my/submissions")
@permission("account")
def my_submissions():
    submissions = service.submissions_of_author(current_user)
    published = [s.article.id for s in submissions if s.article is not None and s.article.published_at is not None]
    return render_template("author/my_submissions.html", submissions=submissions, usage=usage.totals(published),
                           next_step=service.next_step_for_author)


@bp.route("/contributors/object/<token>", methods=["GET", "POST"])
@permission("public")  # the signed token in the co-author's mail is the permission
def object_to_listing(token: str):
    try:
        contributor = service.contributor_for_token(token)
    except NotFound:
        abort(404)
    form = forms.ObjectionForm()
    if contributor.objected_at is None and form.validate_on_submit():
        try:
            contributor_service.object_to_listing(token, reason=form.reason.data)
        except NotFound:
            abort(404)
        except DomainError as error:
            show_error(form, error)
        else:
            return redirect(url_for("author.object_to_listing", token=token))
    return render_template("author/object.html", contributor=contributor, submission=contributor.submission,
                           journal=contributor.submission.journal, form=form)

