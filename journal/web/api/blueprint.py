"""The API's blueprints and flask-smorest's `Api` as this site uses it (journal/web/api/__init__.py says how)."""

import http

from flask import Blueprint as FlaskBlueprint
from flask_smorest import Api as SmorestApi
from flask_smorest import Blueprint
from flask_smorest.utils import prepare_response

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
