"""One id per request, in every log line the request causes and in its response, whichever node answers.

Behind the load balancer the id comes from it (HAProxy's `unique-id-format` sent as `X-Request-ID`, README
"Running on several machines"), so its log, the app node's log and the access log name the same request; without
one the app makes its own. An id that is not a short run of letters, digits and `.-_:` is replaced, so no client
can write into the logs through it. Outside a request log lines carry `-`.
"""

from __future__ import annotations

import logging
import os
import re

from flask import Flask, current_app, g, has_request_context, request

HEADER = "X-Request-ID"
ACCEPTED = re.compile(r"[A-Za-z0-9._:-]{1,64}")
LOG_FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"


def accepted_or_new(given: str | None) -> str:
    """The client's (the load balancer's) id if it is a short safe token, else a new one."""
    return given if given and ACCEPTED.fullmatch(given) else os.urandom(16).hex()


def from_environ(environ: dict) -> str:
    """The id of a request answered before Flask runs (the page cache's hits)."""
    return accepted_or_new(environ.get("HTTP_" + HEADER.upper().replace("-", "_")))


def current() -> str:
    """The id of the request being handled (taken or made at its first use), or `-`."""
    if not has_request_context():
        return "-"
    found = g.get("request_id")
    if found is None:
        found = g.request_id = accepted_or_new(
            request.headers.get(current_app.config.get("REQUEST_ID_HEADER", HEADER)))
    return found


def _record_factory(base):
    def make(*args, **kwargs):
        record = base(*args, **kwargs)
        if not hasattr(record, "request_id"):
            record.request_id = current()
        return record

    make.journal_request_ids = True
    return make


def install_log_records() -> None:
    """Every log record of the process carries `request_id` (once per process, whatever logs it)."""
    factory = logging.getLogRecordFactory()
    if not getattr(factory, "journal_request_ids", False):
        logging.setLogRecordFactory(_record_factory(factory))


def init_app(app: Flask) -> None:
    install_log_records()

    # One hook: the id is taken or made when first needed (a log line, or this answer), not before every request.
    @app.after_request
    def show_request_id(response):
        response.headers[HEADER] = current()
        return response
