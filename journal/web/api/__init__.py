"""The JSON API, version 1, under /api/v1: a thin layer over the services and journal/permissions.py.

flask-smorest builds the OpenAPI 3.1 document from the routes and their marshmallow schemas (schemas.py); it is
served at /api/v1/openapi.json and read by people at /api/v1/docs, a page this site renders itself from the same
document (no script, no CDN). Public reads (public.py) need no token and go through the page cache like the
reader's pages; the personal routes (personal.py) take a personal access token (auth.py). Every error is an RFC 9457
problem (problems.py), answered by the app's own error handlers (journal/web/__init__.py) for any /api/ address.
"""

import http

from flask import Blueprint as FlaskBlueprint
from flask import current_app, jsonify, render_template
from flask_smorest import Api as SmorestApi
from flask_smorest import Blueprint
from flask_smorest.utils import prepare_response

from journal.page_cache import SITE
from journal.permissions import permission
from journal.web.api.problems import PROBLEM_TYPE

PREFIX = "/api/v1"


class Api(SmorestApi):
    """flask-smorest's `Api` on the app the factory already made (APIFlask would replace the Flask class itself).
    Its error handler for every HTTPException of the app is not registered: the site's own handlers answer the
    pages with HTML and /api/ with problem details. Its error responses are documented as such."""

    ERROR_SCHEMA = "Problem"

    def _register_error_handlers(self):
        pass

    def _register_responses(self):
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "A problem (RFC 9457)", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_TYPE)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, response, lazy=True)


bp = Blueprint("api", __name__, url_prefix=PREFIX, description="Journals, issues, articles and search; "
               "with a token, one's submissions, assignments and queues.")
# The document and the page that reads it: plain Flask routes, not operations of the API.
docs = FlaskBlueprint("api_docs", __name__, url_prefix=PREFIX)

DESCRIPTION = """The journals' programmatic way in, version 1.

Public routes need no token. Personal routes take a personal access token, made on one's profile
(Account → API tokens), sent as `Authorization: Bearer jnl_…`. A token is read-only (`read`) or may also change
things (`write`); it expires and can be revoked. The token acts as its owner, under the same rules as the site.

Lists are paged by keyset: `limit` and `after` (the `id` of the last item seen); each page names the next in `next`
and in a `Link: <…>; rel="next"` header. Public answers carry an `ETag`; send it back in `If-None-Match` for a 304.
Each token may make `API_RATE_LIMIT` requests (300 a minute unless configured); its answers say how many remain in
`X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset`, and a 429 says when to retry (`Retry-After`).
Errors are RFC 9457 problem details (`application/problem+json`)."""


from journal.web.api.auth import init_blueprint  # noqa: E402 - they use `bp`
init_blueprint(bp)
from journal.web.api import personal, public  # noqa: E402,F401 - the routes register on `bp`


def init_app(app) -> None:
    from journal.web.api import schemas

    app.config.setdefault("API_TITLE", "Journal API")
    app.config.setdefault("API_VERSION", "1")
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    api = app.extensions["journal.api"] = Api()
    api.init_app(app, spec_kwargs={"info": {"description": DESCRIPTION}, "servers": [{"url": "/"}]})
    if "Problem" not in api.spec.components.schemas:
        api.spec.components.schema("Problem", schema=schemas.Problem)
    if "token" not in api.spec.components.security_schemes:
        api.spec.components.security_scheme("token", {"type": "http", "scheme": "bearer",
                                                      "description": "A personal access token (jnl_…)."})
    api.register_blueprint(bp)
    app.register_blueprint(docs)


def document() -> dict:
    return current_app.extensions["journal.api"].spec.to_dict()


@docs.get("/openapi.json")
@permission("public")
def openapi_json():
    from journal.web.public.caching import cacheable

    return cacheable(jsonify(document()), [SITE])


@docs.get("/docs")
@permission("public")
def docs_page():
    from journal.web.public.caching import cacheable

    spec = document()
    operations = []
    for path, item in spec.get("paths", {}).items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                operations.append((path, method.upper(), operation))
    return cacheable(render_template("api/docs.html", spec=spec, operations=operations), [SITE])
