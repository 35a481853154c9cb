"""Static files under fingerprinted names: `url_for('static', filename='css/site.css')` gives
`/static/css/site.<hash>.css`, whose answer browsers keep for a year without asking again (immutable); a release
that changes the file changes its name. The plain name keeps working, with a short cache.

No build step: the names come from a digest of each file's bytes, read when the app starts and again when a file's
size or modification time changes (an edit while `flask run` serves). Imports nothing from journal/.
"""

import hashlib
import os
import re
from pathlib import Path

from flask import Flask, Response, abort, current_app, send_from_directory
from werkzeug.security import safe_join

IMMUTABLE_MAX_AGE = 31_536_000  # a year: the name changes with the content
PLAIN_MAX_AGE = 300  # an unfingerprinted (or outdated) name: revalidated within five minutes
DIGEST_LENGTH = 12
FINGERPRINTED = re.compile(rf"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{{{DIGEST_LENGTH}}})(?P<suffix>\.[A-Za-z0-9]+)$")


class StaticDigests:
    """The digest of each file under one folder, by its name relative to the folder ('css/site.css')."""

    def __init__(self, folder: str):
        self.folder = Path(folder)
        self._known: dict[str, tuple[tuple[int, int], str]] = {}
        for path in self.folder.rglob("*"):
            if path.is_file():
                self.digest(path.relative_to(self.folder).as_posix())

    def digest(self, filename: str) -> str | None:
        """The file's current digest, or None when there is no such file."""
        path = safe_join(str(self.folder), filename)
        try:
            stat = os.stat(path) if path else None
        except OSError:
            stat = None
        if stat is None or not os.path.isfile(path):
            return None
        stamp = (stat.st_mtime_ns, stat.st_size)
        known = self._known.get(filename)
        if known is None or known[0] != stamp:
            with open(path, "rb") as file:
                known = (stamp, hashlib.sha256(file.read()).hexdigest()[:DIGEST_LENGTH])
            self._known[filename] = known
        return known[1]

    def fingerprinted(self, filename: str) -> str:
        """'css/site.css' → 'css/site.<digest>.css'; a name with no file (or no suffix) is left as it is."""
        stem, dot, suffix = filename.rpartition(".")
        digest = self.digest(filename)
        if not dot or not stem or "/" in suffix or digest is None:
            return filename
        return f"{stem}.{digest}.{suffix}"


def _fingerprint_static_urls(endpoint: str, values: dict) -> None:
    """url_defaults hook: the same `url_for('static', filename=…)` every template calls gives the new name."""
    if endpoint == "static" and isinstance(values.get("filename"), str):
        values["filename"] = current_app.extensions["journal.static_digests"].fingerprinted(values["filename"])


def _send(filename: str, *, immutable: bool) -> Response:
    response = send_from_directory(current_app.static_folder, filename,
                                   max_age=IMMUTABLE_MAX_AGE if immutable else PLAIN_MAX_AGE)
    response.cache_control.public = True
    if immutable:
        response.cache_control.immutable = True
    if response.status_code == 200:
        # Read into memory (the files are small) so that Flask-Compress compresses it like a page: it leaves streamed
        # bodies alone, which is what keeps downloads (and a range of this file, 206) as they are.
        response.direct_passthrough = False
        response.make_sequence()
    return response


def serve_static(filename: str) -> Response:
    """/static/<filename>: a fingerprinted name whose digest is the file's → immutable for a year; the plain name,
    or a name with an older digest (a page of the previous release) → the current file, short cache."""
    digests: StaticDigests = current_app.extensions["journal.static_digests"]
    if digests.digest(filename) is not None:
        return _send(filename, immutable=False)
    match = FINGERPRINTED.match(filename)
    if match is None:
        abort(404)
    plain = match["stem"] + match["suffix"]
    current = digests.digest(plain)
    if current is None:
        abort(404)
    return _send(plain, immutable=current == match["digest"])


def init_app(app: Flask) -> None:
    app.extensions["journal.static_digests"] = StaticDigests(app.static_folder)
    app.url_defaults(_fingerprint_static_urls)
    app.view_functions["static"] = serve_static
