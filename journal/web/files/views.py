"""Downloads from local storage through short-lived signed links (S3 uses presigned URLs)."""

import contextlib
import io
import os

from flask_babel import gettext as _
from flask import Blueprint, abort, send_file
from itsdangerous import BadSignature, SignatureExpired

from journal.csp import CSP
from journal.security_headers import policy_text, view_options
from journal.permissions import permission
from journal.storage import content_disposition, get_storage

bp = Blueprint("files", __name__, url_prefix="/files")

# A stored file is never a page of this site: no scripts, no subresources, its own sandboxed origin.
DOWNLOAD_CSP = "default-src 'none'; sandbox"


@bp.after_request
def error_pages_keep_site_policy(response):
    """journal/security_headers.py leaves this route's CSP to the view (it would replace the sandbox with the site's
    policy); responses that are not a served file, such as the "link expired" page, get the site's policy."""
    if "Content-Security-Policy" not in response.headers:
        response.headers["Content-Security-Policy"] = policy_text(CSP)
    return response


@bp.get("/<token>")
@view_options(content_security_policy=None)  # set by the view below
@permission("public")  # the signed, expiring token is the permission, checked below
def download(token: str):
    storage = get_storage()
    if not hasattr(storage, "read_token"):
        abort(404)
    try:
        data = storage.read_token(token)
    except SignatureExpired:
        abort(410, description=_("This download link has expired. Go back to the page you came from and "
                               "open the file again."))
    except BadSignature:
        abort(404)
    # A missing object or storage down raise, and the site's handlers answer 404 or 503 with a page that says so.
    stream = storage.open(data["k"])
    # The name goes only through content_disposition(): Werkzeug's own header refuses some names (a 500).
    response = send_file(stream, mimetype=data["t"], max_age=0, conditional=False, etag=False)
    with contextlib.suppress(AttributeError, OSError, io.UnsupportedOperation):
        response.content_length = os.fstat(stream.fileno()).st_size  # lets the browser show progress
    response.headers["Content-Disposition"] = content_disposition(data["f"], data["i"])
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = DOWNLOAD_CSP
    response.headers["Cache-Control"] = "private, no-store"
    return response
