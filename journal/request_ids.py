"""One id per request, in every log line the request causes and in its response, whichever node answers.

Behind the load balancer the id comes from it (HAProxy's `unique-id-format` sent as `X-Request-ID`, README
"Running on several machines"), so its log, the app node's log and the access log name the same request; without
one the app makes its own. An id that is not a short run of letters, digits and `.-_:` is replaced, so no client
can write into the logs through it. Outside a request log lines carry `-`.
"""

from __future__ import annotations

import logging
import re
import uuid

from flask import Flask, g, has_request_context, request

HEADER = "X-Request-ID"
ACCEPTED = re.compile(r"[A-Za-z0-9._:-]{1,64}")
LOG_FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"


def accepted_or_new(given: str | None) -> str:
    """The client's (the load balancer's) id if it is a short safe token, else a new one."""
    return given if given and ACCEPTED.fullmatch(given) else uuid.uuid4().hex


def from_environ(environ: dict) -> str:
    """The id of a request answered before Flask runs (the page cache's hits)."""
    return accepted_or_new(environ.get("HTTP_" + HEADER.upper().replace("-", "_")))


def current() -> str:
    """The id of the request being handled, or `-`."""
    if has_request_context():
        return g.get("request_id") or "-"
    return "-"


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
    header = app.config.get("REQUEST_ID_HEADER", HEADER)

    @app.before_request
    def take_request_id() -> None:
        g.request_id = accepted_or_new(request.headers.get(header))

    @app.after_request
    def show_request_id(response):
        if "request_id" in g:
            response.headers[HEADER] = g.request_id
        return response
