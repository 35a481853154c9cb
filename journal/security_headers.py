"""The security headers of every response: the Content Security Policy (journal/csp.py), framing, sniffing,
referrer and permissions policies, HSTS on HTTPS, and the redirect to HTTPS in production (FORCE_HTTPS).

A view may change its own (`view_options(content_security_policy=None)`: the file downloads write theirs). Each
route's headers are worked out once, at its first response, and reused: a reader's request costs a dictionary
lookup, not a policy rebuilt from its parts. Imports nothing from journal/ but the policy.
"""

from __future__ import annotations

from flask import Flask, redirect, request

from journal.csp import CSP

# A year, the value browsers' preload lists ask for; subdomains are this site's too.
HSTS = "max-age=31556926; includeSubDomains"
DEFAULTS = {
    "force_https": False,
    "frame_options": "DENY",
    "content_security_policy": CSP,
    "permissions_policy": {"geolocation": "()", "camera": "()", "microphone": "()"},
    "referrer_policy": "strict-origin-when-cross-origin",
}
OPTION = "security_header_options"  # the attribute `view_options` sets on a view


def view_options(**options):
    """A view's own settings (any of DEFAULTS' names but the referrer policy), e.g. `content_security_policy=None`
    for a view that writes its own policy, `force_https=False` for one that answers plain HTTP in production."""
    unknown = set(options) - (set(DEFAULTS) - {"referrer_policy"})
    if unknown:
        raise TypeError(f"unknown security header options: {', '.join(sorted(unknown))}")

    def decorator(view):
        setattr(view, OPTION, options)
        return view

    return decorator


def policy_text(policy: dict[str, str]) -> str:
    """A Content Security Policy as its header writes it: `default-src 'self'; script-src 'self'; …`."""
    return "; ".join(f"{name} {value}" for name, value in policy.items())


def headers_for(options: dict) -> tuple[tuple[str, str], ...]:
    """The headers a route's settings give, in the order they are set."""
    headers = []
    if options["permissions_policy"]:
        headers.append(("Permissions-Policy", ", ".join(f"{k}={v}" for k, v in options["permissions_policy"].items())))
    if options["frame_options"]:
        headers.append(("X-Frame-Options", options["frame_options"]))
    headers.append(("X-Content-Type-Options", "nosniff"))
    if options["content_security_policy"]:
        headers.append(("Content-Security-Policy", policy_text(options["content_security_policy"])))
    return tuple(headers)


class SecurityHeaders:
    def __init__(self, app: Flask, *, force_https: bool, strict_transport_security: bool):
        self.app = app
        self.defaults = {**DEFAULTS, "force_https": force_https}
        self.strict_transport_security = strict_transport_security
        self.by_endpoint: dict[str | None, tuple[dict, tuple[tuple[str, str], ...]]] = {}
        app.config["SESSION_COOKIE_HTTPONLY"] = True
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
        if force_https:  # a view may opt out (`force_https=False`), none opts in on a site that does not
            app.before_request(self.redirect_to_https)
        app.after_request(self.set_headers)

    def _route(self, endpoint: str | None):
        found = self.by_endpoint.get(endpoint)
        if found is None:
            view = self.app.view_functions.get(endpoint) if endpoint else None
            options = {**self.defaults, **getattr(view, OPTION, {})}
            found = self.by_endpoint[endpoint] = (options, headers_for(options))
        return found

    @staticmethod
    def _secure() -> bool:
        return request.is_secure or request.headers.get("X-Forwarded-Proto", "http") == "https"

    def redirect_to_https(self):
        options, _headers = self._route(request.endpoint)
        if options["force_https"] and not (self.app.debug or self._secure()) and request.url.startswith("http://"):
            return redirect("https://" + request.url[len("http://"):], code=302)
        return None

    def set_headers(self, response):
        _options, headers = self._route(request.endpoint)
        target = response.headers
        if self.strict_transport_security and self._secure():
            headers += (("Strict-Transport-Security", HSTS),)
        headers += (("Referrer-Policy", self.defaults["referrer_policy"]),)
        # Each replaces a header of the same name the view set; most responses have none, and adding is cheaper.
        present = {name.lower() for name in target.keys()}
        for name, value in headers:
            if name.lower() in present:
                target[name] = value
            else:
                target.add(name, value)
        return response


def init_app(app: Flask) -> SecurityHeaders:
    return SecurityHeaders(app, force_https=app.config["FORCE_HTTPS"],
                           strict_transport_security=app.config["FORCE_HTTPS"])
