"""Downloads from local storage through short-lived signed links (S3 uses presigned URLs)."""

from flask import Blueprint, abort, current_app, send_file
from itsdangerous import BadSignature, SignatureExpired

from journal.permissions import permission
from journal.storage import StorageError, content_disposition, get_storage

bp = Blueprint("files", __name__, url_prefix="/files")


@bp.get("/<token>")
@permission("public")  # the signed, expiring token is the permission, checked below
def download(token: str):
    storage = get_storage()
    if not hasattr(storage, "read_token"):
        abort(404)
    try:
        data = storage.read_token(token)
    except SignatureExpired:
        abort(410, description="This download link has expired. Go back to the page you came from and "
                               "open the file again.")
    except BadSignature:
        abort(404)
    try:
        stream = storage.open(data["k"])
    except StorageError:
        current_app.logger.error("download of missing object %s", data["k"])
        abort(404, description="The file is missing from storage; the editorial office has been told.")
    response = send_file(stream, mimetype=data["t"], as_attachment=not data["i"], download_name=data["f"],
                         max_age=0, conditional=False, etag=False)
    response.headers["Content-Disposition"] = content_disposition(data["f"], data["i"])
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response
