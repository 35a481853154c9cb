"""SQL statements per request, for people measuring: `X-SQL-Statements` and `X-SQL-Writes` response headers.

On only when JOURNAL_COUNT_SQL=1 (config key `JOURNAL_COUNT_SQL`, as scripts/bench_pages.py starts the app); off,
nothing is installed, so it costs nothing. It is WSGI middleware outside the page cache, so a page served from the
cache reports what serving it cost (none), never the count stored with the page when it was made. Statements are
counted by a `before_cursor_execute` listener on the app's engines, into a counter that only the request being
answered holds (a context variable: one per thread). Statements run while a streamed body is sent, after the
headers left, are not counted.
"""

from __future__ import annotations

from contextvars import ContextVar

from flask import Flask
from sqlalchemy import event

from journal.extensions import db

STATEMENTS = "X-SQL-Statements"
WRITES = "X-SQL-Writes"
WRITE_VERBS = ("INSERT", "UPDATE", "DELETE", "MERGE")

# [statements, writes] of the request this thread answers; None outside a counted request.
_counter: ContextVar[list[int] | None] = ContextVar("journal_sql_counter", default=None)


def _count(_conn, _cursor, statement: str, _parameters, _context, _executemany) -> None:
    counter = _counter.get()
    if counter is not None:
        counter[0] += 1
        if statement.lstrip()[:6].upper() in WRITE_VERBS:
            counter[1] += 1


class SQLCountMiddleware:
    """Counts the statements the wrapped app runs for each request and names them in two headers."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        counter = [0, 0]
        token = _counter.set(counter)

        def counted(status, headers, exc_info=None):
            names = {STATEMENTS.lower(), WRITES.lower()}
            headers = [(name, value) for name, value in headers if name.lower() not in names]
            headers += [(STATEMENTS, str(counter[0])), (WRITES, str(counter[1]))]
            return start_response(status, headers, exc_info)

        try:
            return self.wsgi_app(environ, counted)
        finally:
            _counter.reset(token)


def enabled(value) -> bool:
    return str(value or "").strip().lower() in ("1", "true", "yes", "on")


def init_app(app: Flask) -> None:
    """With JOURNAL_COUNT_SQL on, listen to the app's engines and wrap the app (outside the page cache)."""
    if not enabled(app.config.get("JOURNAL_COUNT_SQL")):
        return
    with app.app_context():
        for engine in db.engines.values():
            if not event.contains(engine, "before_cursor_execute", _count):
                event.listen(engine, "before_cursor_execute", _count)
    app.wsgi_app = SQLCountMiddleware(app.wsgi_app)
