"""The production area of a journal: articles from acceptance to publication, issues and their tables of
contents, corrections and retractions. Managing editors only; everyone else gets 404.

Each view loads what the URL names, calls one service (journal/services/production.py, proofs.py, issues.py),
and renders or redirects.
"""

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user

from journal.audit import history
from journal.models import Article, FileKind, Issue, Journal, Submission, SubmissionStatus, utcnow
from journal.permissions import journal_from_slug, permission, require
from journal.fulltext import page_html
from journal.jobs import jobs
from journal.services import after_publication
from journal.services import full_texts as full_text_service
from journal.services import peer_review
from journal.services import issues as issue_service
from journal.services import production as service
from journal.services import proofs as proof_service
from journal.services import submissions as submission_service
from journal.services.errors import DomainError, NotFound
from journal.storage import get_storage, signed_download
from journal.web.choices import select_choices
from journal.web.helpers import show_error
from journal.web.production import forms
from journal.web.production.forms import version_of

bp = Blueprint("production", __name__, url_prefix="/production")
S = SubmissionStatus
PRODUCIBLE = (S.ACCEPTED, S.SCHEDULED, S.PUBLISHED)


def guarded(view):
    """Managing editors of this journal; 404 for anyone else, so that not even the area's existence leaks."""
    return permission("journal.production", load=journal_from_slug, hide=True)(view)


def _submission(journal: Journal, submission_id: int) -> Submission:
    try:
        submission = submission_service.get_submission(submission_id)
    except NotFound:
        abort(404)
    if submission.journal_id != journal.id or submission.status not in PRODUCIBLE:
        abort(404)
    require("submission.produce", submission, hide=True)
    return submission


def _article(journal: Journal, submission_id: int) -> Article:
    submission = _submission(journal, submission_id)
    article = service.article_of(submission)
    if article is None:
        abort(404)
    require("article.produce", article, hide=True)
    return article


def _issue(journal: Journal, issue_id: int) -> Issue:
    try:
        issue = issue_service.get_issue(journal, issue_id)
    except NotFound:
        abort(404)
    require("issue.manage", issue, hide=True)
    return issue


def _to_article(journal: Journal, article_or_submission, anchor: str | None = None):
    submission_id = getattr(article_or_submission, "submission_id", None) or article_or_submission.id
    return redirect(url_for("production.article", slug=journal.slug, submission_id=submission_id, _anchor=anchor))


# --- the list -------------------------------------------------------------------------------------------

@bp.get("/")
@permission("menu.production")
def journals():
    """The top navigation's "Production": the journals the person manages (straight to the one, if one)."""
    managed = service.managed_journals(current_user)
    if len(managed) == 1:
        return redirect(url_for("production.index", slug=managed[0].slug))
    return render_template("production/journals.html", journals=managed)


@bp.get("/<slug>/")
@guarded
def index(journal: Journal):
    return render_template("production/index.html", journal=journal, overview=service.overview(current_user, journal),
                           missing=service.missing_for_publication, start_form=forms.StartForm())


@bp.post("/<slug>/submissions/<int:submission_id>/start")
@guarded
def start(journal: Journal, submission_id: int):
    submission = _submission(journal, submission_id)
    form = forms.StartForm()
    if form.validate_on_submit():
        try:
            service.start_production(current_user, submission, expected_version=version_of(form))
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(_("%(reference)s is in production. Upload the galley and confirm the metadata next.",
                    reference=submission.reference), "success")
    return _to_article(journal, submission)


# --- one article ----------------------------------------------------------------------------------------

def _schedule_form(article: Article, formdata=None) -> forms.ScheduleForm:
    form = forms.ScheduleForm(formdata=formdata) if formdata is not None else forms.ScheduleForm()
    drafts = issue_service.scheduling_choices(article.journal)
    form.issue_id.choices = select_choices([(0, _("— choose an issue —"))] + [
        (i.id, f"{i.label}{' · ' + i.title if i.title else ''}") for i in drafts])
    form.section_id.choices = select_choices((s.id, s.title) for s in article.journal.sections)
    if formdata is None:
        form.issue_id.data = article.issue_id or 0
        form.section_id.data = article.section_id
        form.first_page.data = article.first_page
        form.last_page.data = article.last_page
        if article.first_page is None and article.issue is not None and not article.issue.is_published:
            form.first_page.data = issue_service.next_free_page(article.issue)
        form.version.data = str(article.lock_version)
    return form


# Besides the galley, production reads what the authors sent: each round's manuscript and its LaTeX source.
PRODUCTION_FILE_KINDS = (FileKind.GALLEY, FileKind.MANUSCRIPT, FileKind.LATEX_SOURCE)


def _round_files(submission: Submission) -> list:
    kinds = (FileKind.MANUSCRIPT, FileKind.LATEX_SOURCE)
    return sorted((f for f in submission.files if f.kind in kinds), key=lambda f: (-f.round, f.kind is not kinds[0]))


def _article_page(journal: Journal, submission: Submission, article: Article | None, **sent_forms):
    context = {"journal": journal, "submission": submission, "article": article}
    if article is None:
        context["start_form"] = forms.StartForm(formdata=None, data={"version": submission.version})
        return render_template("production/article.html", **context)
    context |= {
        "version": article.current_version,
        "round_files": _round_files(submission),
        "missing": service.missing_for_publication(article),
        "page_warning": service.page_warning(article),
        "galley_form": forms.GalleyForm(formdata=None),
        "action_form": forms.VersionForm(formdata=None, data={"version": article.lock_version}),
        "schedule_form": None if article.is_public and not article.is_online_first else _schedule_form(article),
        "online_first_missing": issue_service.online_first_missing(article)
        if journal.publishes_continuously and not article.is_public else None,
        "events": list(reversed(history(article))),
        "full_text_run": full_text_service.latest(article),
        "peer_review_plan": peer_review.preview(article),
    }
    context |= sent_forms
    return render_template("production/article.html", **context)


@bp.get("/<slug>/submissions/<int:submission_id>")
@guarded
def article(journal: Journal, submission_id: int):
    submission = _submission(journal, submission_id)
    article = service.article_of(submission)
    if article is not None:
        require("article.produce", article, hide=True)
    return _article_page(journal, submission, article)


@bp.post("/<slug>/submissions/<int:submission_id>/galley")
@guarded
def upload_galley(journal: Journal, submission_id: int):
    article = _article(journal, submission_id)
    form = forms.GalleyForm()
    if form.validate_on_submit():
        upload = form.galley.data
        try:
            galley = service.upload_galley(current_user, article, upload.stream, upload.filename)
        except DomainError as error:
            show_error(form, error)
        else:
            flash(ngettext("Galley “%(name)s” uploaded (%(num)d page).", "Galley “%(name)s” uploaded (%(num)d pages).",
                           galley.page_count, name=galley.original_name), "success")
            return _to_article(journal, article, "galley-section")
    return _article_page(journal, article.submission, article, galley_form=form)


@bp.route("/<slug>/submissions/<int:submission_id>/metadata", methods=["GET", "POST"])
@guarded
def metadata(journal: Journal, submission_id: int):
    article = _article(journal, submission_id)
    if article.is_public:
        return redirect(url_for("production.correct", slug=journal.slug, submission_id=submission_id))
    if request.method == "GET":
        form = forms.metadata_form(service.metadata_of(article.current_version))
        form.version.data = str(article.lock_version)
    else:
        form = forms.metadata_form(None, formdata=request.form)
    if form.validate_on_submit():
        try:
            changed = service.confirm_metadata(current_user, article, expected_version=version_of(form),
                                               **form.values())
        except DomainError as error:
            show_error(form, error)
        else:
            if not changed:
                flash(_("Metadata confirmed, unchanged."), "success")
            elif article.proofs_requested_at:
                flash(_("Metadata confirmed (%(fields)s changed). The proofs must be sent again.",
                        fields=", ".join(changed)), "success")
            else:
                flash(_("Metadata confirmed (%(fields)s changed).", fields=", ".join(changed)), "success")
            return _to_article(journal, article, "metadata")
    return render_template("production/metadata.html", journal=journal, article=article,
                           submission=article.submission, form=form, correcting=False)


@bp.post("/<slug>/submissions/<int:submission_id>/proofs")
@guarded
def request_proofs(journal: Journal, submission_id: int):
    article = _article(journal, submission_id)
    form = forms.VersionForm()
    if form.validate_on_submit():
        try:
            proof_service.request_proofs(current_user, article, expected_version=version_of(form))
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(_("The proofs have been sent to the corresponding author."), "success")
    return _to_article(journal, article, "proofs")


@bp.post("/<slug>/submissions/<int:submission_id>/schedule")
@guarded
def schedule(journal: Journal, submission_id: int):
    article = _article(journal, submission_id)
    form = _schedule_form(article, formdata=request.form)
    if form.validate_on_submit():
        try:
            issue_service.schedule_article(current_user, article, issue_id=form.issue_id.data,
                                           first_page=form.first_page.data, last_page=form.last_page.data,
                                           section_id=form.section_id.data, expected_version=version_of(form))
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("Scheduled in %(issue)s, pages %(pages)s.", issue=article.issue.label, pages=article.pages)
                  if article.pages else
                  _("Scheduled in %(issue)s; give the pages before publishing.", issue=article.issue.label), "success")
            return _to_article(journal, article, "schedule")
    return _article_page(journal, article.submission, article, schedule_form=form)


@bp.post("/<slug>/submissions/<int:submission_id>/publish-online")
@guarded
def publish_online(journal: Journal, submission_id: int):
    """Online first: the article is published on its own, with its DOI and article number."""
    article = _article(journal, submission_id)
    form = forms.VersionForm()
    if form.validate_on_submit():
        try:
            issue_service.publish_online(current_user, article, expected_version=version_of(form))
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(_("Published online first as %(number)s, DOI %(doi)s; the authors have been told.",
                    number=article.article_number, doi=article.doi), "success")
    return _to_article(journal, article)


@bp.get("/<slug>/submissions/<int:submission_id>/files/<int:file_id>")
@guarded
def download(journal: Journal, submission_id: int, file_id: int):
    article = _article(journal, submission_id)
    file = next((f for f in article.submission.files if f.id == file_id and f.kind in PRODUCTION_FILE_KINDS), None)
    if file is None:
        abort(404)
    return redirect(signed_download(file.storage_key, filename=file.original_name, media_type=file.media_type,
                                    inline=file.media_type == "application/pdf"))


# --- after publication -------------------------------------------------------------------------------------

@bp.route("/<slug>/submissions/<int:submission_id>/correct", methods=["GET", "POST"])
@guarded
def correct(journal: Journal, submission_id: int):
    article = _article(journal, submission_id)
    if not article.is_public:
        return redirect(url_for("production.metadata", slug=journal.slug, submission_id=submission_id))
    if request.method == "GET":
        form = forms.metadata_form(service.metadata_of(article.current_version), forms.CorrectMetadataForm)
        form.version.data = str(article.lock_version)
    else:
        form = forms.metadata_form(None, forms.CorrectMetadataForm, formdata=request.form)
    if form.validate_on_submit():
        try:
            version = after_publication.correct_metadata(current_user, article, change_note=form.change_note.data,
                                               expected_version=version_of(form), **form.values())
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("Version %(number)s is published with your note; version %(previous)s stays readable.",
                    number=version.number, previous=version.number - 1), "success")
            return _to_article(journal, article, "versions")
    return render_template("production/metadata.html", journal=journal, article=article,
                           submission=article.submission, form=form, correcting=True,
                           galley_form=forms.CorrectGalleyForm(formdata=None))


@bp.post("/<slug>/submissions/<int:submission_id>/correct/galley")
@guarded
def correct_galley(journal: Journal, submission_id: int):
    article = _article(journal, submission_id)
    form = forms.CorrectGalleyForm()
    if form.validate_on_submit():
        upload = form.galley.data
        try:
            version = after_publication.correct_galley(current_user, article, upload.stream, upload.filename,
                                             change_note=form.change_note.data)
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("Version %(number)s with the corrected PDF is published; the earlier PDF stays downloadable.",
                    number=version.number), "success")
            return _to_article(journal, article, "versions")
    metadata_form = forms.metadata_form(service.metadata_of(article.current_version), forms.CorrectMetadataForm)
    metadata_form.version.data = str(article.lock_version)
    return render_template("production/metadata.html", journal=journal, article=article,
                           submission=article.submission, form=metadata_form, correcting=True, galley_form=form)


@bp.route("/<slug>/submissions/<int:submission_id>/retract", methods=["GET", "POST"])
@guarded
def retract(journal: Journal, submission_id: int):
    article = _article(journal, submission_id)
    form = forms.RetractForm()
    if request.method == "GET":
        form.version.data = str(article.lock_version)
    if form.validate_on_submit():
        try:
            after_publication.retract(current_user, article, notice=form.notice.data, expected_version=version_of(form))
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("The article is retracted; its page shows the notice."), "success")
            return _to_article(journal, article)
    return render_template("production/retract.html", journal=journal, article=article,
                           submission=article.submission, form=form)


# --- issues -------------------------------------------------------------------------------------------------

@bp.route("/<slug>/issues", methods=["GET", "POST"])
@guarded
def issues(journal: Journal):
    form = forms.IssueForm()
    if request.method == "GET":
        latest = next(iter(issue_service.issues_of(journal)), None)
        form.year.data = utcnow().year
        form.volume.data = latest.volume if latest else 1
        form.number.data = latest.number + 1 if latest else 1
    if form.validate_on_submit():
        try:
            issue = issue_service.create_issue(current_user, journal, volume=form.volume.data,
                                               number=form.number.data, year=form.year.data,
                                               title=form.title.data or "", description=form.description.data or "")
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("%(issue)s created. Schedule articles into it from their production pages.", issue=issue.label),
                  "success")
            return redirect(url_for("production.issue", slug=journal.slug, issue_id=issue.id))
    return render_template("production/issues.html", journal=journal, issues=issue_service.issues_of(journal),
                           form=form)


def _issue_page(journal: Journal, issue: Issue, *, blocked: issue_service.Readiness | None = None, **sent_forms):
    articles = issue_service.toc(issue)
    form = forms.IssueForm(formdata=None, obj=issue)
    form.version.data = str(issue.version)
    context = {"journal": journal, "issue": issue, "articles": articles, "edit_form": form,
               "action_form": forms.VersionForm(formdata=None, data={"version": issue.version}),
               "readiness": blocked or issue_service.readiness(issue, articles), "blocked": blocked is not None,
               "missing": service.missing_for_publication,
               "addable": [] if issue.is_published else issue_service.addable_articles(issue),
               "add_errors": []}
    context |= sent_forms
    return render_template("production/issue.html", **context)


@bp.get("/<slug>/issues/<int:issue_id>")
@guarded
def issue(journal: Journal, issue_id: int):
    return _issue_page(journal, _issue(journal, issue_id))


@bp.post("/<slug>/issues/<int:issue_id>/edit")
@guarded
def edit_issue(journal: Journal, issue_id: int):
    issue = _issue(journal, issue_id)
    form = forms.IssueForm()
    if form.validate_on_submit():
        try:
            changed = issue_service.update_issue(current_user, issue, volume=form.volume.data,
                                                 number=form.number.data, year=form.year.data,
                                                 title=form.title.data or "", description=form.description.data or "",
                                                 expected_version=version_of(form))
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("Issue saved.") if changed else _("Nothing had changed."), "success")
            return redirect(url_for("production.issue", slug=journal.slug, issue_id=issue.id))
    return _issue_page(journal, issue, edit_form=form)


@bp.post("/<slug>/issues/<int:issue_id>/articles/<int:article_id>/move")
@guarded
def move_article(journal: Journal, issue_id: int, article_id: int):
    issue = _issue(journal, issue_id)
    form = forms.VersionForm()
    if form.validate_on_submit():
        try:
            issue_service.move_article(current_user, issue, article_id, -1 if request.form.get("direction") == "up"
                                       else 1, expected_version=version_of(form))
        except NotFound:
            abort(404)
        except DomainError as error:
            flash(error.message, "error")
    return redirect(url_for("production.issue", slug=journal.slug, issue_id=issue.id, _anchor="toc"))


@bp.post("/<slug>/issues/<int:issue_id>/add")
@guarded
def add_articles(journal: Journal, issue_id: int):
    """"Add accepted articles": the ticked ones (online first or in production) join this draft issue."""
    issue = _issue(journal, issue_id)
    form = forms.VersionForm()
    if not form.validate_on_submit():
        return redirect(url_for("production.issue", slug=journal.slug, issue_id=issue.id))
    try:
        ids = [int(value) for value in request.form.getlist("article_ids")]
    except ValueError:
        abort(400)
    try:
        added = issue_service.add_to_issue(current_user, issue, ids, expected_version=version_of(form))
    except DomainError as error:
        return _issue_page(journal, issue, add_errors=[error.message], ticked=set(ids)), 422
    flash(ngettext("%(num)d article added to %(issue)s.", "%(num)d articles added to %(issue)s.", len(added),
                   issue=issue.label), "success")
    return redirect(url_for("production.issue", slug=journal.slug, issue_id=issue.id, _anchor="toc"))


@bp.get("/<slug>/issues/<int:issue_id>/preview")
@guarded
def preview(journal: Journal, issue_id: int):
    """The table of contents as readers will see it; before publication only the managing editors see it."""
    issue = _issue(journal, issue_id)
    return render_template("production/preview.html", journal=journal, issue=issue,
                           articles=issue_service.toc(issue), preview=True)


@bp.post("/<slug>/issues/<int:issue_id>/publish")
@guarded
def publish(journal: Journal, issue_id: int):
    issue = _issue(journal, issue_id)
    form = forms.VersionForm()
    if not form.validate_on_submit():
        return redirect(url_for("production.issue", slug=journal.slug, issue_id=issue.id))
    try:
        articles = issue_service.publish_issue(current_user, issue, expected_version=version_of(form))
    except issue_service.PublicationBlocked as blocked:
        flash(_("The issue was not published: the list below says what is missing."), "error")
        return _issue_page(journal, issue, blocked=blocked.readiness), 409
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for("production.issue", slug=journal.slug, issue_id=issue.id))
    flash(ngettext("%(issue)s is published: %(num)d article with their DOIs; the authors have been told.",
                   "%(issue)s is published: %(num)d articles with their DOIs; the authors have been told.",
                   len(articles), issue=issue.label), "success")
    return redirect(url_for("production.issue", slug=journal.slug, issue_id=issue.id))


# --- the HTML full text -------------------------------------------------------------------------------------------

def _full_text_page(journal: Journal, article: Article, run=None, form=None):
    run = run or full_text_service.latest(article)
    preview = None
    if run is not None and run.html:
        preview = page_html(run.html, lambda name: url_for(
            "production.full_text_figure", slug=journal.slug, submission_id=article.submission_id,
            full_text_id=run.id, name=name))
    shown = article.current_version.full_text_id if article.current_version else None
    return render_template("production/full_text.html", journal=journal, article=article,
                           submission=article.submission, run=run, preview=preview, shown=shown,
                           failure=full_text_service.failure_text(run) if run is not None and run.error else None,
                           form=form or forms.FullTextForm(formdata=None),
                           authors_source=full_text_service.authors_source(article),
                           from_source_form=forms.FullTextFromSourceForm(formdata=None))


@bp.get("/<slug>/submissions/<int:submission_id>/full-text")
@guarded
def full_text(journal: Journal, submission_id: int):
    """The last run's state (the page refreshes itself while the job works, without JavaScript), then the HTML as
    readers will see it, or why it failed with the converter's log."""
    article = _article(journal, submission_id)
    run = None
    if request.args.get("run", "").isdigit():
        run = full_text_service.get(article, int(request.args["run"]))
        if run is None:
            abort(404)
    return _full_text_page(journal, article, run)


@bp.post("/<slug>/submissions/<int:submission_id>/full-text")
@guarded
def make_full_text(journal: Journal, submission_id: int):
    article = _article(journal, submission_id)
    form = forms.FullTextForm()
    if form.validate_on_submit():
        upload = form.source.data
        try:
            run = full_text_service.request_full_text(current_user, article, upload.stream, upload.filename,
                                                      form.main.data or "")
        except DomainError as error:
            show_error(form, error)
        else:
            jobs().send("make_full_text", full_text_id=run.id)
            flash(_("The HTML full text is being made from “%(name)s”.", name=run.source_name), "success")
            return redirect(url_for("production.full_text", slug=journal.slug, submission_id=submission_id,
                                    run=run.id))
    return _full_text_page(journal, article, form=form)


@bp.post("/<slug>/submissions/<int:submission_id>/full-text/from-source")
@guarded
def full_text_from_source(journal: Journal, submission_id: int):
    """The HTML from the LaTeX source the authors sent with the accepted version, without uploading it again."""
    article = _article(journal, submission_id)
    if forms.FullTextFromSourceForm().validate_on_submit():
        try:
            run = full_text_service.request_from_authors_source(current_user, article)
        except DomainError as error:
            flash(error.message, "error")
        else:
            jobs().send("make_full_text", full_text_id=run.id)
            flash(_("The HTML full text is being made from “%(name)s”.", name=run.source_name), "success")
            return redirect(url_for("production.full_text", slug=journal.slug, submission_id=submission_id,
                                    run=run.id))
    return redirect(url_for("production.full_text", slug=journal.slug, submission_id=submission_id))


@bp.get("/<slug>/submissions/<int:submission_id>/full-text/<int:full_text_id>/figures/<name>")
@guarded
def full_text_figure(journal: Journal, submission_id: int, full_text_id: int, name: str):
    article = _article(journal, submission_id)
    if full_text_service.get(article, full_text_id) is None:
        abort(404)
    figure = full_text_service.figure(full_text_id, name)
    if figure is None:
        abort(404)
    with get_storage().open(figure.storage_key) as stream:
        response = make_response(stream.read())
    response.content_type = figure.media_type
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.cache_control.private = True
    return response
