"""RFC 9457 problem details: every error of the API, whatever raised it (a route's abort, a 404 or 405 from the
URL map, a 429 for too many requests, a 500)."""

from flask import current_app, json, request

PROBLEM_TYPE = "application/problem+json"


def is_api_request() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


def problem(status: int, title: str, detail: str | None = None, *, errors: dict | None = None,
            headers: dict | None = None):
    """The problem's response: `title` says what kind of problem it is (in the reader's language), `detail` this
    occurrence."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, "instance": request.path}
    if errors:
        body["errors"] = errors
    response = current_app.response_class(json.dumps(body), status=status, mimetype=PROBLEM_TYPE)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    response.headers.update(headers or {})
    response.cache_control.no_store = True
    return response
