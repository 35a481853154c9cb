"""The security headers of every response, by flask-talisman: the Content Security Policy (journal/csp.py), framing,
sniffing, referrer and permissions policies, HSTS on HTTPS, and the redirect to HTTPS in production (FORCE_HTTPS).

Talisman works a response's headers out from its settings and the view's options on every request. They depend
only on the route and on whether the request came over HTTPS, so `RouteCachedTalisman` lets Talisman work them
out once per (route, HTTPS) and copies them onto later responses: a reader's request costs a dictionary lookup,
and the headers stay exactly what Talisman writes (tests/test_anonymous_path.py compares them). A view may change
its own (`view_options(content_security_policy=None)`: the file downloads write theirs). Imports nothing from
journal/ but the policy.
"""

from __future__ import annotations

from types import SimpleNamespace

from flask import Flask, current_app, request
from flask_talisman import Talisman
from werkzeug.datastructures import Headers

from journal.csp import CSP

HSTS_SECONDS = 31556926  # a year, the value browsers' preload lists ask for; subdomains are this site's too
HSTS = f"max-age={HSTS_SECONDS}; includeSubDomains"
OPTION = "talisman_view_options"  # the attribute Talisman's own view decorator sets and reads


def view_options(**options):
    """Talisman's per-view options (what its `@talisman(...)` decorator sets), usable without the instance that
    create_app keeps: e.g. `content_security_policy=None` for a view that writes its own policy."""

    def decorator(view):
        setattr(view, OPTION, options)
        return view

    return decorator


def policy_text(policy: dict[str, str]) -> str:
    """A Content Security Policy as its header writes it: `default-src 'self'; script-src 'self'; …`."""
    return "; ".join(f"{name} {value}" for name, value in policy.items())


class RouteCachedTalisman(Talisman):
    """flask-talisman, its per-response headers remembered per route and scheme (no CSP nonce is configured, so
    nothing in them changes from one request to the next)."""

    def init_app(self, app: Flask, **kwargs) -> None:
        super().init_app(app, **kwargs)
        self.headers_by_route: dict[tuple[str | None, bool], tuple[tuple[str, str], ...]] = {}
        self.options_by_endpoint: dict[str | None, dict] = {}

    def _get_local_options(self):
        # Talisman fills the view's own options dict with this instance's defaults (setdefault), so a second app
        # in the process would inherit the first one's; a copy per instance and endpoint, made once.
        endpoint = request.endpoint
        options = self.options_by_endpoint.get(endpoint)
        if options is None:
            view = current_app.view_functions.get(endpoint)
            saved = getattr(view, OPTION, None)
            if view is not None:
                setattr(view, OPTION, dict(saved or {}))
            try:
                options = super()._get_local_options()
            finally:
                if view is not None:
                    if saved is None:
                        delattr(view, OPTION)
                    else:
                        setattr(view, OPTION, saved)
            self.options_by_endpoint[endpoint] = options
        return options

    def _make_nonce(self):
        if self.content_security_policy_nonce_in:  # none configured here: nothing to make per request
            super()._make_nonce()

    def _set_response_headers(self, response):
        secure = request.is_secure or request.headers.get("X-Forwarded-Proto", "http") == "https"
        key = (request.endpoint, secure)
        headers = self.headers_by_route.get(key)
        if headers is None:
            blank = SimpleNamespace(headers=Headers())
            super()._set_response_headers(blank)
            headers = self.headers_by_route[key] = tuple(blank.headers.items())
        target = response.headers
        for name, value in headers:
            target[name] = value
        return response


def init_app(app: Flask, *, form_action: str | None = None) -> RouteCachedTalisman:
    """`form_action`: one more origin that forms may be sent to, or whose redirects they may follow (ORCID's)."""
    policy = CSP if not form_action else {**CSP, "form-action": f"{CSP['form-action']} {form_action}"}
    return RouteCachedTalisman(
        app,
        force_https=app.config["FORCE_HTTPS"],
        strict_transport_security=app.config["FORCE_HTTPS"],
        strict_transport_security_max_age=HSTS_SECONDS,
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        session_cookie_http_only=True,
        session_cookie_samesite="Lax",
        frame_options="DENY",
        content_security_policy=policy,
        referrer_policy="strict-origin-when-cross-origin",
        permissions_policy={"geolocation": "()", "camera": "()", "microphone": "()"},
    )
