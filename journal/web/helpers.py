"""Small helpers shared by the views."""

from urllib.parse import urlsplit

from flask import flash, request, url_for

from journal.services.errors import DomainError
from journal.templating import long_date


def show_error(form, error: DomainError) -> None:
    """Put a service's message beside its field, or at the top of the page."""
    field = getattr(form, error.field, None) if (form is not None and error.field) else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        flash(error.message, "error")


def device() -> dict:
    """What a new sign-in records of this request: the browser (put in words by the service) and address."""
    return {"user_agent": request.user_agent.string, "client_address": request.remote_addr or ""}


def day(value) -> str:
    """A date in a message (a due date, an answer-by date) as the reader's language writes it: "5 December 2026" in
    English as before, CLDR's long form in the other languages (2026年12月5日, 5 décembre 2026)."""
    return long_date(value)


def safe_next(default_endpoint: str = "public.home") -> str:
    """A same-site path to return to after login, never another host."""
    target = request.args.get("next") or request.form.get("next") or ""
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.netloc and not parts.scheme \
            and "\\" not in target:
        return target
    return url_for(default_endpoint)
