"""Conditional GET for the reader's pages: anonymous readers (and caches in front of the site) get an ETag,
Last-Modified and `public, max-age=0, must-revalidate`, and a 304 before anything is rendered; logged-in users'
pages carry their name in the header, so they are private and never stored.

The ETag is a hash of what the page shows (ids, dates and the fields that change it) and the release, so a
correction, retraction or a new issue changes it at once.
"""

import functools
import hashlib
from datetime import UTC, datetime
from pathlib import Path

from flask import Response, current_app, make_response, request
from flask_babel import get_locale
from flask_login import current_user

from journal import page_cache
from journal.models import Journal

# Browsers and shared caches ask again each time (a 304 from the page cache costs next to nothing), so a retraction
# or a correction reaches a reader who read the page before at their next look, not minutes later.
PUBLIC_MAX_AGE = 0


@functools.cache
def _layout_stamp() -> str:
    """A digest of the templates and stylesheet the pages are made of: a release that changes how pages look
    changes every ETag (the same on every server of one release, unlike file times). RELEASE overrides it."""
    root = Path(__file__).resolve().parents[3]
    digest = hashlib.sha256()
    for path in sorted([*(root / "templates").rglob("*.html"), root / "journal" / "static" / "css" / "site.css"]):
        if path.is_file():
            digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:16]


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    value = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return value.replace(microsecond=0)


def journal_parts(journal: Journal) -> tuple:
    """What the journal's pages show of the journal itself (editors change these without a timestamp)."""
    return (journal.id, journal.title, journal.abbreviation, journal.description, journal.publisher,
            journal.issn_print, journal.issn_online, journal.licence, journal.accepting_submissions,
            journal.review_mode.value)


class Validators:
    """Build from what the page shows; `not_modified()` before rendering, `apply(response)` after."""

    def __init__(self, *parts, last_modified: datetime | None = None, tags: list[str] | None = None,
                 hit: tuple[str, int] | None = None):
        """`tags`: the page cache keeps the anonymous reader's page until one of them is bumped
        (journal/page_cache.py); `hit`: what a page served from it still does (count the view)."""
        self.anonymous = not current_user.is_authenticated
        self.tags, self.hit = tags, hit
        # The same address reads differently in each language: the language is part of what the page shows.
        key = repr((current_app.config.get("RELEASE") or _layout_stamp(), request.path, str(get_locale()),
                    parts)).encode()
        self.etag = hashlib.sha256(key).hexdigest()[:32]
        dates = [d for d in (_utc(last_modified),) if d is not None]
        self.last_modified = max(dates) if dates else None

    def _headers(self, response: Response) -> Response:
        if self.anonymous:
            response.set_etag(self.etag)
            if self.last_modified is not None:
                response.last_modified = self.last_modified
            response.cache_control.public = True
            response.cache_control.max_age = PUBLIC_MAX_AGE
            response.cache_control.must_revalidate = True
        else:
            response.cache_control.private = True
            response.cache_control.no_store = True
        response.vary.add("Cookie")
        response.vary.add("Accept-Language")
        return response

    def not_modified(self) -> Response | None:
        """A 304 when the anonymous reader's copy is current (If-None-Match wins over If-Modified-Since)."""
        if not self.anonymous or request.method not in ("GET", "HEAD"):
            return None
        held = None
        if request.if_none_match:
            held = self._held_tag()
            fresh = held is not None
        elif request.if_modified_since and self.last_modified is not None:
            fresh = self.last_modified <= request.if_modified_since
        else:
            fresh = False
        if not fresh:
            return None
        response = self._headers(Response(status=304))
        if held is not None:
            response.set_etag(held)  # the tag of the copy the reader holds: "…:br" for the Brotli one
        return response

    def _held_tag(self) -> str | None:
        """Which of the page's tags the request holds: the plain one, or one Flask-Compress gave a compressed copy
        ("<etag>:gzip", "<etag>:br"), so that a compressed page gets its 304 before anything is rendered."""
        tags = [self.etag, *(f"{self.etag}:{coding}" for coding in current_app.config.get("COMPRESS_ALGORITHM", ()))]
        for tag in tags:
            if request.if_none_match.contains_weak(tag):
                return tag
        return self.etag if request.if_none_match.star_tag else None

    def apply(self, page) -> Response:
        response = self._headers(make_response(page))
        if self.anonymous and self.tags is not None:
            page_cache.mark(response, self.tags, hit=self.hit)
        return response


def cacheable(page, tags: list[str], *, seconds: int | None = None) -> Response:
    """A public page without validators of its own (search results, OAI-PMH answers, robots.txt): kept by the
    page cache for anonymous readers until one of `tags` is bumped, or for `seconds`."""
    # The same for everyone who may read it: the middleware keeps it only from a request without a signed-in
    # session, so the mark asks nothing of the session here.
    return page_cache.mark(make_response(page), tags, seconds=seconds)


def uncached(page) -> Response:
    """Pages that must not be stored (the PDF's signed redirect)."""
    response = make_response(page)
    response.cache_control.no_store = True
    return response
