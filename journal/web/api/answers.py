"""What the personal and public routes answer alike: the link to the next page, a private (never cached) answer,
and a service's refusal as a problem (RFC 9457) with the service's own message."""

from typing import NoReturn

from flask import abort, jsonify, url_for

from journal.services.errors import (ConcurrentChange, DomainError, FilesUnavailable, NotFound, PermissionDenied,
                                     TooLarge)


def next_url(endpoint: str, items: list[dict], limit: int, **values) -> str | None:
    """The next keyset page's address, where this page is full."""
    if len(items) < limit:
        return None
    return url_for(endpoint, after=items[-1]["id"], limit=limit, _external=True, **values)


def link_next(response, body: dict):
    if body.get("next"):
        response.headers["Link"] = f'<{body["next"]}>; rel="next"'
    return response


def private(body: dict, status: int = 200):
    """An answer for the token's owner only: never stored by a cache."""
    response = jsonify(body)
    response.status_code = status
    response.cache_control.private = True
    response.cache_control.no_store = True
    return link_next(response, body)


# The status that says what kind of refusal it is; the detail is the service's message.
REFUSALS = ((NotFound, 404), (PermissionDenied, 403), (TooLarge, 413), (FilesUnavailable, 503),
            (ConcurrentChange, 409))


def refused(error: DomainError) -> NoReturn:
    """A service said no: 404/403/413/503/409 by the kind of error; otherwise 422 where the error names the
    argument at fault (a PDF refused, a response too long), else 409 (not in this state: the paper's state must
    change first)."""
    status = next((code for kind, code in REFUSALS if isinstance(error, kind)), 422 if error.field else 409)
    abort(status, description=error.message)


def attempt(service, *args, **kwargs):
    """Call a service; its refusal becomes the problem (`refused`)."""
    try:
        return service(*args, **kwargs)
    except DomainError as error:
        refused(error)
