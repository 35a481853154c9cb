"""Blueprints by who uses them, the error pages and /healthz."""

import logging

from flask import g, jsonify, render_template, request
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy import text
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from journal.extensions import db
from journal.permissions import permission
from journal.services.errors import FilesUnavailable
from journal.storage import ObjectMissing, StorageUnavailable, get_storage
from journal.web import api
from journal.web.api.problems import is_api_request, problem

log = logging.getLogger(__name__)

ERROR_TITLES = {
    400: _l("The request could not be understood"),
    401: _l("Please log in"),
    403: _l("You may not open this page"),
    404: _l("Page not found"),
    405: _l("That action is not available here"),
    409: _l("That action is not available here"),
    413: _l("The upload is too large"),
    422: _l("The request could not be understood"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong on our side"),
    503: _l("The files service is unavailable"),
}


def register(app) -> None:
    from journal.web.account.views import bp as account
    from journal.web.admin.views import bp as admin
    from journal.web.auth.views import bp as auth
    from journal.web.author import bp as author
    from journal.web.editorial import bp as editorial
    from journal.web.files.views import bp as files
    from journal.web.home.views import bp as home
    from journal.web.manage.views import bp as manage
    from journal.web.oai.views import bp as oai
    from journal.web.orcid.views import bp as orcid
    from journal.web.production.views import bp as production
    from journal.web.public import bp as public
    from journal.web.review.views import bp as review

    for blueprint in (public, auth, home, account, author, review, editorial, production, manage, admin, files, oai,
                      orcid):
        app.register_blueprint(blueprint)
    api.init_app(app)  # the JSON API under /api/v1 (journal/web/api/)

    def render_error(code: int, message: str | None = None, errors: dict | None = None, headers: dict | None = None):
        title = str(ERROR_TITLES[code]) if code in ERROR_TITLES else _("Error")
        message = str(message) if message is not None else None
        if is_api_request():  # the JSON API: RFC 9457 problem details, whatever the error
            return problem(code, title, message, errors=errors, headers=headers)
        if request.accept_mimetypes.best == "application/json":
            return jsonify(error=title, message=message), code
        return render_template("errors/error.html", code=code, title=title, message=message), code

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(400, _("The form had expired or came from another site. Go back, reload the page "
                                   "and send it again; what you typed is still in the form."))

    @app.errorhandler(413)
    def too_large(error):
        if error.description != type(error).description:  # a service's own message (the limit of one file)
            return render_error(413, error.description)
        limit_mb = app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
        return render_error(413, _("Files of up to %(limit)s MB can be uploaded here. Make the file smaller "
                                   "(for example compress its images) and try again.", limit=limit_mb))

    @app.errorhandler(429)
    def too_many(error):
        return render_error(429, _("There were too many attempts from your network in a short time. Please wait "
                                   "a few minutes, then try again."))

    @app.errorhandler(StorageUnavailable)
    def storage_unavailable(error):
        """A download (or anything not caught as a form error) while storage is down: say so, never a 500."""
        log.error("files service unavailable on %s %s: %s", request.method, request.path, error)
        db.session.rollback()
        response = app.make_response(render_error(503, FilesUnavailable.MESSAGE))
        response.headers["Retry-After"] = "120"
        return response

    @app.errorhandler(ObjectMissing)
    def object_missing(error):
        """A download link to an object that storage lost (check-storage lists such rows)."""
        log.error("download of a missing object on %s: %s", request.path, error)
        return render_error(404, _("The file is missing from storage; the editorial office has been told."))

    @app.errorhandler(HTTPException)
    def http_error(error):
        description = error.description if error.description and not error.description.startswith(
            ("The requested URL", "You don't have", "The server", "The browser")) else None
        messages = (getattr(error, "data", None) or {}).get("messages")  # the API's arguments (webargs): 422
        allow = {name: value for name, value in error.get_headers() if name == "Allow"}  # a 405 names the methods
        return render_error(error.code or 500, description, messages if isinstance(messages, dict) else None, allow)

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def database_unavailable(error):
        """The database went away under the request (a restart, a failover): nothing was saved, and a moment
        later it will answer again, so 503 with Retry-After rather than a 500."""
        log.error("database unavailable on %s %s: %s", request.method, request.path, error)
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001 - the connection is gone; the pool replaces it at the next checkout
            log.debug("rollback after a lost connection failed", exc_info=True)
        # The page must not ask the database for its language, its journal or its reader.
        g.database_unavailable = True
        if "_login_user" not in g:
            g._login_user = app.login_manager.anonymous_user()
        message = _("The error has been logged. Nothing you sent was saved; please try again in a moment.")
        try:
            response = app.make_response(render_error(503, message))
        except Exception:  # noqa: BLE001 - a signed-in reader's page asks more of the database: the words alone
            log.debug("the full outage page could not be drawn", exc_info=True)
            response = app.make_response((message, 503, {"Content-Type": "text/plain; charset=utf-8"}))
        response.headers["Retry-After"] = "5"
        return response

    @app.errorhandler(Exception)
    def server_error(error):
        log.exception("unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        return render_error(500, _("The error has been logged. Nothing you sent was saved; please try again "
                                   "in a moment."))

    @app.get("/healthz")
    @permission("public")
    def healthz():
        """200 when the database and storage answer, else 503. Anyone may ask, so the body names no bucket,
        endpoint or exception; the log has them."""
        checks = {}
        try:
            db.session.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception:  # report, don't raise: the load balancer reads the status
            log.exception("healthz: the database does not answer")
            db.session.rollback()
            checks["database"] = "unavailable"
        try:
            get_storage().check()
            checks["storage"] = "ok"
        except Exception as exc:
            log.error("healthz: storage does not answer: %s", exc)
            checks["storage"] = "unavailable"
        healthy = all(v == "ok" for v in checks.values())
        return jsonify(status="ok" if healthy else "unavailable", **checks), 200 if healthy else 503
