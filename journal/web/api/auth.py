"""Who an API request is: the owner of the personal access token it presents (`Authorization: Bearer jnl_…`), or
nobody. The rules are journal/permissions.py's: `token_permission` asks `can(owner, action, obj)` exactly as
`permission` asks it for a signed-in person, after checking that the token's scope allows the request. A session
cookie counts for nothing here (the API takes no cookie, so no form of another site can use it)."""

import functools
from collections.abc import Callable

from flask import abort, current_app, g, request
from flask_babel import gettext as _

from journal.extensions import count_against
from journal.models.api_tokens import READ, WRITE
from journal.permissions import RULES, can
from journal.services import api_tokens
from journal.web.api.problems import problem

RATE_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")
# The OpenAPI document: the operation takes a token, and the scope it needs (OpenAPI 3.1 lets a bearer scheme's
# requirement name roles; a `write` token may also read).
TOKEN = {"security": [{"token": [READ]}]}
WRITE_TOKEN = {"security": [{"token": [WRITE]}]}


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, secret = header.partition(" ")
    return secret.strip() if scheme.lower() == "bearer" and secret.strip() else None if not header else ""


def _authenticate():
    g.api_token = None
    secret = _bearer()
    if secret is None:
        return None
    token = api_tokens.authenticate(secret) if secret else None
    if token is None:
        return problem(401, _("Please log in"), _("The access token is missing, unknown, expired or revoked. Make a "
                                                  "new one on your profile (API tokens)."))
    g.api_token = token
    allowed, limit, remaining, reset = count_against(current_app.config["API_RATE_LIMIT"], f"token:{token.id}")
    g.api_rate = {"X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": str(remaining),
                  "X-RateLimit-Reset": str(reset)}
    if not allowed:
        import time

        return problem(429, _("Too many attempts"), _("This token made too many requests in a short time; try again "
                                                      "after the time in Retry-After."),
                       headers={**g.api_rate, "Retry-After": str(max(1, reset - int(time.time())))})
    return None


def _headers(response):
    response.vary.add("Authorization")
    for name, value in g.get("api_rate", {}).items():
        response.headers.setdefault(name, value)
    return response


def init_blueprint(bp) -> None:
    bp.before_request(_authenticate)
    bp.after_request(_headers)


def token_permission(action: str, *, scope: str = READ, load: Callable[[dict], object] | None = None,
                     hide: bool = False):
    """Guard a personal route: a usable token whose scope allows `scope`, and `can(owner, action, obj)`; the view
    receives the owner first, then the loaded object if `load`. Without a token: 401; a read-only token on a
    write: 403; the rule says no: 403, or 404 where the object's existence must not leak (`hide`)."""
    RULES[action]

    def decorator(view):
        @functools.wraps(view)
        def guarded(*args, **kwargs):
            token = g.get("api_token")
            if token is None:
                abort(401)
            if not token.allows(scope):
                abort(403, description=_("This token may only read. Make one that may also write to do this."))
            user = token.user
            if not can(user, "account"):
                abort(401)
            obj = load(kwargs) if load else None
            if not can(user, action, obj):
                abort(404 if hide else 403)
            return view(user, obj, *args, **kwargs) if load else view(user, *args, **kwargs)

        guarded.permission_action = action
        return guarded

    return decorator


def load_submission(kwargs: dict):
    """The paper of a `/submissions/<submission_id>` route, for `token_permission(load=…)`; none: 404."""
    from journal.services import submissions as submission_service
    from journal.services.errors import NotFound

    try:
        return submission_service.get_submission(kwargs.pop("submission_id"))
    except NotFound:
        abort(404)
