"""The JSON API, version 1, under /api/v1: a thin layer over the services and journal/permissions.py.

flask-smorest builds the OpenAPI 3.1 document from the routes and their marshmallow schemas (schemas.py); it is
served at /api/v1/openapi.json and read by people at /api/v1/docs, a page this site renders itself from the same
document (no script, no CDN). Public reads (public.py) need no token and go through the page cache like the
reader's pages; the personal routes (personal.py) take a personal access token (auth.py). Every error is an RFC 9457
problem (problems.py), answered by the app's own error handlers (journal/web/__init__.py) for any /api/ address.
"""

from flask import current_app, jsonify, render_template

from journal.page_cache import SITE
from journal.permissions import permission
from journal.web.api import personal, public, writes  # noqa: F401 - the routes register on `bp`
from journal.web.api.auth import init_blueprint
from journal.web.api.blueprint import DESCRIPTION, Api, bp, docs

init_blueprint(bp)


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
    return cacheable(render_template("api/docs.html", spec=spec, operations=describe_operations(spec)), [SITE])


def describe_operations(spec: dict) -> list[dict]:
    """Each operation of the document as the docs page and the README's table show it: method, path, the scope
    its token needs (None: no token), its parameters (the path's and its own), the request body's media types."""
    found = []
    for path, item in spec.get("paths", {}).items():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            scopes = [scope for needed in operation.get("security") or [] for scope in needed.get("token", [])]
            found.append({"path": path, "method": method.upper(), "operation": operation,
                          "scope": scopes[0] if scopes else None,
                          "parameters": [*item.get("parameters", []), *operation.get("parameters", [])],
                          "body": list((operation.get("requestBody") or {}).get("content", {}))})
    return found
