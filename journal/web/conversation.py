"""The page of one conversation on a paper (journal/services/conversations.py), shared by its three doors: the
authors' (web/author), the editors' (web/editorial) and the reviewer's (web/review). Each door checks its own rule
and loads the thread; this module shows it, takes a new message and serves a message's file."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileField
from wtforms import TextAreaField
from wtforms.validators import Length

from journal.extensions import limit_posts
from journal.services import conversations as service
from journal.services.errors import DomainError, NotFound
from journal.storage import signed_download
from journal.web.forms import WebForm
from journal.web.helpers import show_error


class MessageForm(WebForm):
    body = TextAreaField(_l("Your message"), validators=[Length(max=service.MESSAGE_MAX)], render_kw={"rows": 6})
    attachment = FileField(_l("File (optional): PDF, .txt or .csv"))


def message_limit() -> str:
    return current_app.config.get("MESSAGE_RATE_LIMIT", "30 per minute")


# Posting is limited per address like the other forms that mail someone; reading is free.
limited = limit_posts(message_limit)


def thread_page(submission, assignment, *, title: str, back: tuple[str, str], file_endpoint: str, url_args: dict,
                hint: str = ""):
    """GET: the thread, marked read. POST: a new message, then the thread again (or the form with what was typed
    and the error)."""
    form = MessageForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            upload = form.attachment.data
            try:
                service.post_message(current_user, submission, assignment, form.body.data or "",
                                     upload.stream if upload and getattr(upload, "filename", "") else None,
                                     getattr(upload, "filename", "") or "")
            except NotFound:
                abort(404)
            except DomainError as error:
                show_error(form, error)
                status = 400
            else:
                flash(_("Your message is sent."), "success")
                return redirect(url_for(request.endpoint, **url_args))
        else:
            status = 400
    try:
        messages = service.messages_of(current_user, submission, assignment)
    except NotFound:
        abort(404)
    if status == 200:
        service.mark_read(current_user, submission, assignment)
    return render_template("conversations/thread.html", submission=submission, assignment=assignment,
                           messages=messages, form=form, title=title, back=back, file_endpoint=file_endpoint,
                           url_args=url_args, hint=hint), status


def message_file(submission, assignment, message_id: int):
    try:
        message = service.message_file(current_user, submission, assignment, message_id)
    except NotFound:
        abort(404)
    return redirect(signed_download(message.file_key, filename=message.file_name, media_type=message.file_media_type,
                                    inline=message.file_media_type == "application/pdf"))
