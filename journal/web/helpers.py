"""Small helpers shared by the views."""

from urllib.parse import urlsplit

from flask import flash, request, url_for

from journal.services.errors import DomainError


def show_error(form, error: DomainError) -> None:
    """Put a service's message beside its field, or at the top of the page."""
    field = getattr(form, error.field, None) if (form is not None and error.field) else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        flash(error.message, "error")


def safe_next(default_endpoint: str = "public.home") -> str:
    """A same-site path to return to after login, never another host."""
    target = request.args.get("next") or request.form.get("next") or ""
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.netloc and not parts.scheme \
            and "\\" not in target:
        return target
    return url_for(default_endpoint)
