"""The authors' proofs: the galley and the metadata as they will be published; the corresponding author (or the
submitter) approves them or sends corrections as text. Co-authors may read them; nobody else learns they exist."""

from flask import abort, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from journal.web.forms import WebForm
from wtforms import HiddenField, TextAreaField
from wtforms.validators import InputRequired, Length

from journal.fulltext import page_html
from journal.models import ArticleStatus, Submission
from journal.permissions import can, permission, require
from journal.services import full_texts as full_text_service
from journal.services import production as production_service
from journal.services import proofs as proof_service
from journal.services.errors import DomainError
from journal.storage import get_storage, signed_download
from journal.web.author.blueprint import bp
from journal.web.author.loading import submission_from_url
from journal.web.helpers import show_error


class ApproveProofsForm(WebForm):
    version = HiddenField()


class CorrectionsForm(WebForm):
    corrections = TextAreaField(_l("Your corrections"), [InputRequired(_l("Write the corrections.")), Length(max=20000)],
                                render_kw={"rows": 10, "placeholder": _l("Page 3, line 12: “Ganimede” should read "
                                                                         "“Ganymede”.")})
    version = HiddenField()


def _article(submission: Submission):
    """The article, once its proofs have been sent at least once; 404 before (nothing to show the author)."""
    article = production_service.article_of(submission)
    if article is None or article.proofs_requested_at is None:
        abort(404)
    return article


def _version(form) -> int | None:
    try:
        return int(form.version.data)
    except (TypeError, ValueError):
        return None


def _page(submission: Submission, article, **sent_forms):
    answering = can(current_user, "submission.proofs", submission) and article.status is ArticleStatus.PROOFS_REQUESTED
    context = {
        "submission": submission, "journal": submission.journal, "article": article,
        "version": article.current_version, "answering": answering,
        "approve_form": ApproveProofsForm(formdata=None, data={"version": article.lock_version}),
        "corrections_form": CorrectionsForm(formdata=None, data={"version": article.lock_version}),
    }
    context |= sent_forms
    return render_template("author/proofs.html", **context)


@bp.get("/submissions/<int:submission_id>/proofs")
@permission("submission.contributor", load=submission_from_url, hide=True)
def proofs(submission: Submission):
    return _page(submission, _article(submission))


@bp.get("/submissions/<int:submission_id>/proofs/galley")
@permission("submission.contributor", load=submission_from_url, hide=True)
def proof_galley(submission: Submission):
    """The galley of the proofs, under a neutral name."""
    article = _article(submission)
    galley = article.current_version.galley
    if galley is None:
        abort(404)
    return redirect(signed_download(galley.storage_key, filename=f"{submission.reference}-proof.pdf",
                                    media_type="application/pdf", inline=True))


def _full_text(article):
    full_text = article.current_version.full_text
    if full_text is None or not full_text.html:
        abort(404)
    return full_text


@bp.get("/submissions/<int:submission_id>/proofs/full-text")
@permission("submission.contributor", load=submission_from_url, hide=True)
def proof_full_text(submission: Submission):
    """The HTML full text of the proofs, as readers will see it on the article page."""
    article = _article(submission)
    full_text = _full_text(article)
    html = page_html(full_text.html, lambda name: url_for("author.proof_figure", submission_id=submission.id,
                                                          name=name))
    return render_template("author/proof_full_text.html", submission=submission, journal=submission.journal,
                           article=article, version=article.current_version, toc=full_text.toc, full_text=html)


@bp.get("/submissions/<int:submission_id>/proofs/full-text/figures/<name>")
@permission("submission.contributor", load=submission_from_url, hide=True)
def proof_figure(submission: Submission, name: str):
    figure = full_text_service.figure(_full_text(_article(submission)).id, name)
    if figure is None:
        abort(404)
    with get_storage().open(figure.storage_key) as stream:
        response = make_response(stream.read())
    response.content_type = figure.media_type
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.cache_control.private = True
    return response


@bp.post("/submissions/<int:submission_id>/proofs/approve")
@permission("submission.contributor", load=submission_from_url, hide=True)
def approve_proofs(submission: Submission):
    require("submission.proofs", submission)  # co-authors read the proofs; they do not answer them
    article = _article(submission)
    form = ApproveProofsForm()
    if form.validate_on_submit():
        try:
            proof_service.approve_proofs(current_user, article, expected_version=_version(form))
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(_("Thank you: the proofs are approved. We will tell you when the article is published."), "success")
    return redirect(url_for("author.proofs", submission_id=submission.id))


@bp.post("/submissions/<int:submission_id>/proofs/corrections")
@permission("submission.contributor", load=submission_from_url, hide=True)
def send_proof_corrections(submission: Submission):
    require("submission.proofs", submission)  # co-authors read the proofs; they do not answer them
    article = _article(submission)
    form = CorrectionsForm()
    if form.validate_on_submit():
        try:
            proof_service.send_proof_corrections(current_user, article, corrections=form.corrections.data,
                                                 expected_version=_version(form))
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("Your corrections have been sent to the editorial office; new proofs will follow."), "success")
            return redirect(url_for("author.proofs", submission_id=submission.id))
    return _page(submission, article, corrections_form=form)
