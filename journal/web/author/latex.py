"""The author's LaTeX source: the compilation's page (refreshing itself, without JavaScript, while it waits or
runs; then the PDF or the errors with file and line), choosing the main file, and the full log. The rules live in
journal/services/latex.py."""

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from journal.models import CompileStatus, Submission, SubmissionStatus
from journal.services import latex as latex_service
from journal.services import submissions as service
from journal.services.errors import DomainError, NotFound
from journal.web.author.blueprint import bp
from journal.web.author.views import submitter_only

LOG_SHOWN = 60_000  # characters of the log on its page (the page stays light); the whole log is a download
REFRESH_SECONDS = 3


def _compile(submission: Submission, compile_id: int):
    try:
        return latex_service.compile_of(submission, compile_id)
    except NotFound:
        abort(404)


@bp.get("/submissions/<int:submission_id>/latex/<int:compile_id>")
@submitter_only
def latex_compile(submission: Submission, compile_id: int):
    row = _compile(submission, compile_id)
    revising = submission.status is SubmissionStatus.REVISION_REQUESTED
    back = url_for("author.revise" if revising else "author.files", submission_id=submission.id,
                   _anchor="manuscript-section")
    return render_template("author/latex.html", submission=submission, journal=submission.journal, compile=row,
                           refresh=REFRESH_SECONDS if row.in_progress else None, back=back,
                           current=row.round == service.upload_round(submission) and submission.status in
                           (SubmissionStatus.DRAFT, SubmissionStatus.REVISION_REQUESTED),
                           anonymizing=submission.journal.review_mode in service.ANONYMIZING_MODES)


@bp.post("/submissions/<int:submission_id>/latex/<int:compile_id>/main")
@submitter_only
def choose_main(submission: Submission, compile_id: int):
    row = _compile(submission, compile_id)
    try:
        latex_service.choose_main(current_user, submission, row.id, request.form.get("main", ""))
    except DomainError as error:
        flash(error.message, "error")
    return redirect(url_for("author.latex_compile", submission_id=submission.id, compile_id=row.id))


@bp.get("/submissions/<int:submission_id>/latex/<int:compile_id>/log")
@submitter_only
def latex_log(submission: Submission, compile_id: int):
    row = _compile(submission, compile_id)
    text = latex_service.read_log(row)
    if request.args.get("download") and text:
        return Response(text, mimetype="text/plain", headers={
            "Content-Disposition": f'attachment; filename="compile-{row.id}.log"',
            "X-Content-Type-Options": "nosniff"})
    return render_template("author/latex_log.html", submission=submission, journal=submission.journal,
                           compile=row, log=text[-LOG_SHOWN:], cut=len(text) > LOG_SHOWN,
                           finished=row.status in (CompileStatus.SUCCEEDED, CompileStatus.FAILED))
