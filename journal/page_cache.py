"""The page cache for anonymous readers: public pages kept whole in a shared store and served before Flask runs.

How a page gets in. A public view marks its response with `mark(response, tags)` (the reader's pages do it
through `web/public/caching.py`'s `Validators`) when the reader is anonymous. The WSGI middleware here stores a
marked 200 answer to a GET that sets no cookie, under a key made of the release, the address (scheme, host, path,
query) and what the page's language and coding depend on (the `lang` cookie, the languages of Accept-Language,
the codings of Accept-Encoding), so a Brotli page, a gzip one and a plain one are kept apart, each in its language.

Who gets it. Only a reader without a signed-in session: no remember-me cookie, and a session cookie (if any) that
holds no user and no message waiting to be shown. Everyone else goes to the app and gets the live page. A hit
answers `If-None-Match` / `If-Modified-Since` with a 304 from the stored headers; a hit on an article page still
counts the view (the entry names its hit handler: `on_hit`).

How a page gets out. Each entry carries tags (`journal:<id>`, `article:<id>`, `site` for pages across journals)
and the generation of each tag when it was made; every entry also carries `all`. Changing what readers see bumps
the tags: `watch()` listens to the database session, and a commit that changed a journal, section,
announcement, published issue, published article or one of its versions bumps that journal's tag and `site`
(the article's tag too); new usage figures bump the article's tag; an UPDATE or DELETE statement on those tables
that bypasses the objects bumps `all`. An entry whose tags moved on is not served. A release changes the key
itself (RELEASE, or a digest of the code, templates, stylesheet and catalogs). Entries also expire (TTL).

A race: a page read from the database before a commit and stored after it would be stale. The store keeps an
epoch that every bump raises; the middleware reads it before calling the app and stores the page only if no bump
happened while it was made.

Stores (PAGE_CACHE_URL): `redis://…` shared by every app server (production); `memory://` in this process only
(`make run`, tests: one process); `none` switches the cache off. A store that fails never fails a page: the
request goes to the app, and the failure is logged.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import struct
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import NamedTuple

from cachetools import TTLCache
from flask import Flask, Response, current_app, has_app_context
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header, parse_cookie
from werkzeug.wrappers import Response as WerkzeugResponse

from journal import request_ids
from journal.i18n import COOKIE as LANGUAGE_COOKIE
from journal.i18n import known

log = logging.getLogger(__name__)

# Answers the app makes faster than a lookup in a shared store costs (robots.txt is written once per app; the static
# files have their own year-long caching; the health check must ask the app): passed through without a lookup.
NEVER_LOOKED_UP = frozenset({"/robots.txt", "/healthz"})
NEVER_LOOKED_UP_UNDER = ("/static/",)
MARK = "X-Journal-Page-Cache"  # set by the views, read and removed here: never reaches the reader
STATUS = "X-Page-Cache"  # hit or miss, for people measuring
SITE = "site"
ALL = "all"
CODINGS = {"br", "gzip", "deflate", "zstd", "identity", "*"}
DEFAULT_SECONDS = 3600


def journal_tag(journal_id: int) -> str:
    return f"journal:{journal_id}"


def article_tag(article_id: int) -> str:
    return f"article:{article_id}"


def mark(response: Response, tags: Iterable[str], *, hit: tuple[str, int] | None = None,
         seconds: int | None = None) -> Response:
    """Let the page cache keep this anonymous reader's response, to be dropped when one of `tags` is bumped.
    `hit`: (handler name, argument) run on every hit (an article view is counted); `seconds`: a shorter life."""
    parts = ["tags=" + ",".join(sorted(set(tags)))]
    if hit is not None:
        parts.append(f"hit={hit[0]}:{hit[1]}")
    if seconds is not None:
        parts.append(f"ttl={int(seconds)}")
    response.headers[MARK] = "; ".join(parts)
    return response


def _parse_mark(value: str) -> dict:
    found = {"tags": [], "hit": None, "ttl": None}
    for part in value.split(";"):
        name, _, text = part.strip().partition("=")
        if name == "tags":
            found["tags"] = [t for t in text.split(",") if t]
        elif name == "hit" and ":" in text:
            handler, _, argument = text.partition(":")
            found["hit"] = [handler, int(argument)]
        elif name == "ttl" and text.isdigit():
            found["ttl"] = int(text)
    return found


# --- stores --------------------------------------------------------------------------------------------------

class MemoryStore:
    """One process's store (`make run`, tests): entries in a TTL cache bounded by bytes; generations in a dict."""

    def __init__(self, max_bytes: int = 64 * 1024 * 1024):
        self.entries = TTLCache(maxsize=max_bytes, ttl=DEFAULT_SECONDS, getsizeof=lambda value: len(value[0]))
        self.generations: dict[str, int] = {}
        self.epoch = 0
        self.lock = threading.Lock()

    def lookup(self, key: str, appends=()) -> tuple[bytes | None, int, bool]:
        with self.lock:
            found = self.entries.get(key)
            if found is not None and found[1] < self._now():
                found = None
            return (found[0] if found else None), self.epoch, False

    def generations_of(self, tags: list[str]) -> tuple[list[int], int]:
        with self.lock:
            return [self.generations.get(tag, 0) for tag in tags], self.epoch

    def put(self, key: str, data: bytes, seconds: int) -> None:
        with self.lock:
            if len(data) < self.entries.maxsize:
                self.entries[key] = (data, self._now() + seconds)

    def bump(self, tags: Iterable[str]) -> None:
        with self.lock:
            for tag in tags:
                self.generations[tag] = self.generations.get(tag, 0) + 1
            self.epoch += 1

    def _now(self) -> float:
        return self.entries.timer()


class RedisStore:
    """Shared by every app server: entries expire in Redis; a bump raises the tags and the epoch in one
    transaction."""

    def __init__(self, url: str, prefix: str = "journal:pages:"):
        import redis

        self.redis = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self.prefix = prefix
        self.epoch_key = prefix + "epoch"
        self.db = int(self.redis.connection_pool.connection_kwargs.get("db") or 0)
        self._fresh = self.redis.register_script(self.FRESH)

    def _tag(self, tag: str) -> str:
        return self.prefix + "tag:" + tag

    # One round trip for a hit: the entry, checked against its tags' generations inside Redis (the entry's head is
    # "PC1", a 4-byte length and JSON naming each tag's generation when it was stored; _pack). A stale entry
    # comes back as nil, as a missing one does. Standalone Redis: the tag keys are read without being declared.
    FRESH = """
    local data = redis.call('GET', KEYS[1])
    local epoch = redis.call('GET', KEYS[2])
    if not data or string.sub(data, 1, 3) ~= 'PC1' then return {false, epoch} end
    local size = struct.unpack('>I4', string.sub(data, 4, 7))
    local head = cjson.decode(string.sub(data, 8, 7 + size))
    for tag, generation in pairs(head['tags']) do
        local now = tonumber(redis.call('GET', ARGV[1] .. tag) or '0')
        if now ~= generation then return {false, epoch} end
    end
    -- A hit whose entry names a handler given here (name, database, list, line with @ARG@) is recorded at once:
    -- the line, with the entry's argument in it, appended to the list (in the list's database, then back).
    local hit = head['hit']
    if type(hit) == 'table' then
        for i = 2, #ARGV, 5 do
            if ARGV[i] == hit[1] then
                local line = string.gsub(ARGV[i + 3], '@ARG@', tostring(hit[2]))
                if ARGV[i + 1] ~= ARGV[i + 4] then redis.call('SELECT', ARGV[i + 1]) end
                redis.call('RPUSH', ARGV[i + 2], line)
                if ARGV[i + 1] ~= ARGV[i + 4] then redis.call('SELECT', ARGV[i + 4]) end
                return {data, epoch, 1}
            end
        end
    end
    return {data, epoch}
    """
    checks_tags = True  # lookup() returns only entries whose tags are current

    def lookup(self, key: str, appends: Iterable[tuple[str, RedisAppend]] = ()) -> tuple[bytes | None, int, bool]:
        """The entry if it is current, the epoch, and whether the entry's hit was recorded by one of `appends`
        (each on this Redis server) in the same round trip."""
        args = [self.prefix + "tag:"]
        for name, fast in appends:
            args += [name, fast.db, fast.key, fast.line, self.db]
        data, epoch, *recorded = self._fresh(keys=[self.prefix + "page:" + key, self.epoch_key], args=args)
        return data or None, int(epoch or 0), bool(recorded)

    def server(self) -> tuple:
        """Which Redis server this is (host and port, or socket), whatever its database."""
        return server_of(self.redis)

    def generations_of(self, tags: list[str]) -> tuple[list[int], int]:
        *values, epoch = self.redis.mget([self._tag(t) for t in tags] + [self.epoch_key])
        return [int(v or 0) for v in values], int(epoch or 0)

    def put(self, key: str, data: bytes, seconds: int) -> None:
        self.redis.set(self.prefix + "page:" + key, data, ex=seconds)

    def bump(self, tags: Iterable[str]) -> None:
        pipe = self.redis.pipeline(transaction=True)
        for tag in tags:
            pipe.incr(self._tag(tag))
        pipe.incr(self.epoch_key)
        pipe.execute()


def store_for(url: str | None):
    """The store PAGE_CACHE_URL names, or None (`none` or empty: no cache)."""
    url = (url or "").strip()
    if not url or url == "none":
        return None
    if url.startswith("memory://"):
        return MemoryStore()
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisStore(url)
    raise RuntimeError(f"PAGE_CACHE_URL must be redis://…, memory:// or none, not {url!r}")


# --- entries -------------------------------------------------------------------------------------------------

def _pack(status: str, headers: list[tuple[str, str]], tags: dict[str, int], hit, body: bytes) -> bytes:
    head = json.dumps({"status": status, "headers": headers, "tags": tags, "hit": hit}).encode()
    return b"PC1" + struct.pack(">I", len(head)) + head + body


def _unpack(data: bytes) -> tuple[dict, bytes] | None:
    if not data.startswith(b"PC1") or len(data) < 7:
        return None
    size, = struct.unpack(">I", data[3:7])
    return json.loads(data[7:7 + size]), data[7 + size:]


@functools.cache
def code_stamp() -> str:
    """A digest of what makes the pages (code, templates, stylesheet, catalogs): a new release, a new key space.
    The same on every server of one release (contents, not file times)."""
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    files = [*(root / "journal").rglob("*.py"), *(root / "templates").rglob("*.html"),
             *(root / "journal" / "static").rglob("*.css"), *(root / "journal" / "translations").rglob("*.po")]
    for path in sorted(files):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


class PageCacheMiddleware:
    """Serves stored pages to anonymous readers before the app runs; stores the app's marked pages."""

    def __init__(self, app: Flask, wsgi_app, store, *, seconds: int = DEFAULT_SECONDS):
        self.app = app
        self.wsgi_app = wsgi_app
        self.store = store
        self.seconds = seconds
        self.release = app.config.get("RELEASE") or code_stamp()
        self.session_cookie = app.config.get("SESSION_COOKIE_NAME", "session")
        self.remember_cookie = app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
        self._serializer = None

    # who may be served from the store

    def _session(self, raw: str) -> dict:
        if self._serializer is None:
            # Flask's own cookie format and keys, read with plain JSON: only the top level's names matter here,
            # and Flask's tagged JSON would want an app context.
            interface = self.app.session_interface
            keys = [*(self.app.config.get("SECRET_KEY_FALLBACKS") or []), self.app.secret_key]
            self._serializer = URLSafeTimedSerializer(
                keys, salt=interface.salt, serializer=json,
                signer_kwargs={"key_derivation": interface.key_derivation, "digest_method": interface.digest_method})
        try:
            found = self._serializer.loads(raw, max_age=int(self.app.permanent_session_lifetime.total_seconds()))
        except (BadSignature, ValueError):
            return {}  # Flask would start an empty session for it too
        return found if isinstance(found, dict) else {}

    def anonymous(self, environ) -> bool:
        if environ.get("HTTP_AUTHORIZATION"):
            return False  # the API's personal access tokens: that request is someone's (journal/web/api/auth.py)
        cookies = parse_cookie(environ)
        if self.remember_cookie in cookies:
            return False
        raw = cookies.get(self.session_cookie)
        if not raw:
            return True
        session = self._session(raw)
        return "_user_id" not in session and "_flashes" not in session

    def key(self, environ) -> str:
        cookies = parse_cookie(environ)
        languages = [(value.lower(), quality) for value, quality in
                     parse_accept_header(environ.get("HTTP_ACCEPT_LANGUAGE"), LanguageAccept)
                     if value == "*" or known(value)]
        codings = sorted((value.lower(), quality) for value, quality in
                         parse_accept_header(environ.get("HTTP_ACCEPT_ENCODING")) if value.lower() in CODINGS)
        parts = (self.release, environ.get("wsgi.url_scheme", "http"), environ.get("HTTP_HOST", ""),
                 environ.get("SCRIPT_NAME", ""), environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""),
                 cookies.get(LANGUAGE_COOKIE, ""), repr(languages), repr(codings))
        return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogateescape")).hexdigest()

    # serving

    def __call__(self, environ, start_response):
        method = environ.get("REQUEST_METHOD")
        path = environ.get("PATH_INFO", "")
        if path in NEVER_LOOKED_UP or path.startswith(NEVER_LOOKED_UP_UNDER):
            return self.wsgi_app(environ, _without_mark(start_response))
        if method not in ("GET", "HEAD") or not self.anonymous(environ):
            return self.wsgi_app(environ, _without_mark(start_response))
        key = self.key(environ)
        try:
            data, epoch, recorded = self.store.lookup(key, self._fast_hits(environ))
            if data is not None and (served := self._serve(environ, start_response, data, recorded)) is not None:
                return served
        except Exception:  # noqa: BLE001 - a store that fails costs the cache, never the page
            log.exception("page cache lookup failed; serving from the app")
            return self.wsgi_app(environ, _without_mark(start_response))
        return self._fill(environ, start_response, key, epoch, method)

    def _fast_hits(self, environ) -> list[tuple[str, RedisAppend]]:
        """What the hit handlers would record for this request, where a Redis list on the store's server takes it
        (so the lookup records it in the same round trip, without an app context)."""
        if not FAST_HIT_HANDLERS or not hasattr(self.store, "server"):
            return []
        found = []
        for name, make in FAST_HIT_HANDLERS.items():
            try:
                fast = make(self.app, environ)
            except Exception:  # noqa: BLE001 - counting must never break reading; the slow handler runs instead
                log.exception("page cache fast hit handler failed")
                continue
            if fast is not None and fast.server == self.store.server():
                found.append((name, fast))
        return found

    def _serve(self, environ, start_response, data: bytes, recorded: bool = False):
        unpacked = _unpack(data)
        if unpacked is None:
            return None
        head, body = unpacked
        if not getattr(self.store, "checks_tags", False):
            tags = list(head["tags"])
            current, _epoch = self.store.generations_of(tags)
            if current != [head["tags"][t] for t in tags]:
                return None  # what the page shows has changed since it was stored
        if head.get("hit") and not recorded:
            handler = HIT_HANDLERS.get(head["hit"][0])
            if handler is not None:
                try:
                    with self.app.app_context():
                        handler(environ, head["hit"][1])
                except Exception:  # noqa: BLE001 - counting must never break reading
                    log.exception("page cache hit handler failed")
        response = WerkzeugResponse(body, status=head["status"], headers=head["headers"])
        response.headers[STATUS] = "hit"
        response.headers[request_ids.HEADER] = request_ids.from_environ(environ)
        response.make_conditional(environ)
        return response(environ, start_response)

    def _fill(self, environ, start_response, key: str, epoch: int, method: str):
        seen = {}

        def capture(status, headers, exc_info=None):
            seen["status"], seen["headers"] = status, headers
            marked = [value for name, value in headers if name.lower() == MARK.lower()]
            seen["mark"] = marked[0] if marked else None
            kept = [(name, value) for name, value in headers if name.lower() != MARK.lower()]
            if marked:
                kept.append((STATUS, "miss"))
            seen["kept"] = kept
            return start_response(status, kept, exc_info)

        result = self.wsgi_app(environ, capture)
        if not seen.get("mark") or method != "GET" or not seen["status"].startswith("200"):
            return result
        if any(name.lower() == "set-cookie" for name, _value in seen["kept"]):
            return result  # the page started a session or changed one: it belongs to this reader
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        self._store(key, epoch, seen, body)
        return [body]

    def _store(self, key: str, epoch: int, seen: dict, body: bytes) -> None:
        marked = _parse_mark(seen["mark"])
        tags = sorted(set(marked["tags"]) | {ALL})
        # The request id is the request's own, never the one of the request that filled the entry.
        headers = [(name, value) for name, value in seen["kept"]
                   if name != STATUS and name.lower() != request_ids.HEADER.lower()]
        try:
            generations, now = self.store.generations_of(tags)
            if now != epoch:
                return  # something changed while the page was made: it may show the old state
            seconds = min(self.seconds, marked["ttl"] or self.seconds)
            self.store.put(key, _pack(seen["status"], headers, dict(zip(tags, generations)), marked["hit"], body),
                           seconds)
        except Exception:  # noqa: BLE001
            log.exception("page cache store failed")


def _without_mark(start_response):
    def strip(status, headers, exc_info=None):
        return start_response(status, [(n, v) for n, v in headers if n.lower() != MARK.lower()], exc_info)
    return strip


HIT_HANDLERS: dict[str, Callable] = {}
FAST_HIT_HANDLERS: dict[str, Callable] = {}


class RedisAppend(NamedTuple):
    """A hit recorded by the Redis lookup itself: `line` (with `@ARG@` where the entry's argument goes) appended
    to the list `key` in database `db` of the Redis server `server` (`server_of`)."""
    server: tuple
    db: int
    key: str
    line: str


def on_hit(name: str, *, fast: Callable | None = None):
    """Register what a hit on a page marked `hit=(name, argument)` does, called as `handler(environ, argument)`
    inside an app context (the article page counts its view). `fast(app, environ)`, if given, returns what to
    record as a `RedisAppend`, or None: a Redis store on that
    server records it within its lookup, and `handler` is not called."""
    def register(handler: Callable) -> Callable:
        HIT_HANDLERS[name] = handler
        if fast is not None:
            FAST_HIT_HANDLERS[name] = fast
        return handler
    return register


def server_of(client) -> tuple:
    """Which Redis server a client talks to (host and port, or socket), whatever its database."""
    kwargs = client.connection_pool.connection_kwargs
    return (kwargs.get("path"),) if kwargs.get("path") else (kwargs.get("host"), int(kwargs.get("port") or 6379))


# --- invalidation --------------------------------------------------------------------------------------------

def _store():
    if not has_app_context():
        return None
    return current_app.extensions.get("journal.page_cache")


def bump(*tags: str) -> None:
    """Drop the pages carrying any of `tags` (after a commit; the session listener calls this)."""
    store = _store()
    if store is None or not tags:
        return
    try:
        store.bump(set(tags))
    except Exception:  # noqa: BLE001
        log.exception("page cache bump failed: readers may see pages older than %s for up to %s s",
                      ", ".join(sorted(tags)), current_app.config.get("PAGE_CACHE_SECONDS", DEFAULT_SECONDS))


PENDING = "journal.page_cache.tags"


def _tags_of(session: Session, instance) -> set[str]:
    """The tags a change to `instance` invalidates (empty for what readers never see)."""
    from journal.models import (Announcement, Article, ArticleUsage, ArticleVersion, FullText, FullTextFigure, Issue,
                                IssueStatus, Journal, Section)

    deleted = inspect(instance).deleted or instance in session.deleted
    if isinstance(instance, Journal):
        return {journal_tag(instance.id), SITE}
    if isinstance(instance, Section | Announcement):
        return {journal_tag(instance.journal_id), SITE}
    if isinstance(instance, Issue):
        if deleted or instance.status == IssueStatus.PUBLISHED or _changed(instance, "status"):
            return {journal_tag(instance.journal_id), SITE}
        return set()
    if isinstance(instance, Article):
        if deleted or instance.published_at is not None or _changed(instance, "published_at"):
            return {journal_tag(instance.journal_id), article_tag(instance.id), SITE}
        return set()
    if isinstance(instance, ArticleVersion):
        found = _article_row(session, instance.article_id)
        if found is not None and (found[1] is not None or instance.published_at is not None):
            return {journal_tag(found[0]), article_tag(instance.article_id), SITE}
        return set()
    if isinstance(instance, ArticleUsage):
        return {article_tag(instance.article_id)}
    if isinstance(instance, FullText | FullTextFigure):
        # The HTML full text on the article page, its figures and its JATS body: only a published article's.
        article_id = instance.article_id if isinstance(instance, FullText) else _full_text_article(session, instance)
        found = _article_row(session, article_id)
        if found is not None and found[1] is not None:
            return {journal_tag(found[0]), article_tag(article_id), SITE}
        return set()
    return set()


def _full_text_article(session: Session, figure) -> int | None:
    from journal.models import FullText

    if figure.full_text is not None:
        return figure.full_text.article_id
    return session.connection().execute(
        select(FullText.article_id).where(FullText.id == figure.full_text_id)).scalar()


def _article_row(session: Session, article_id: int | None):
    """(journal id, published at) of an article: from the session's objects, else one query in the flush's
    transaction."""
    from journal.models import Article

    if article_id is None:
        return None
    loaded = session.identity_map.get(inspect(Article).identity_key_from_primary_key((article_id,)))
    if loaded is not None:
        return loaded.journal_id, loaded.published_at
    return session.connection().execute(
        select(Article.journal_id, Article.published_at).where(Article.id == article_id)).first()


def _changed(instance, attribute: str) -> bool:
    return inspect(instance).attrs[attribute].history.has_changes()


WATCHED_TABLES = {"journals", "sections", "announcements", "issues", "articles", "article_versions", "full_texts",
                  "full_text_figures",
                  "article_usage"}


def _after_flush(session: Session, _context) -> None:
    pending = session.info.setdefault(PENDING, set())
    for instance in [*session.new, *session.dirty, *session.deleted]:
        if instance in session.dirty and not session.is_modified(instance):
            continue
        pending |= _tags_of(session, instance)


def _after_commit(session: Session) -> None:
    tags = session.info.pop(PENDING, None)
    if tags:
        bump(*tags)


def _after_rollback(session: Session) -> None:
    session.info.pop(PENDING, None)


def _statement(state) -> None:
    """An UPDATE or DELETE statement on a table readers see, run without loading its rows: drop everything."""
    if not (state.is_update or state.is_delete):
        return
    table = getattr(getattr(state.statement, "table", None), "name", None)
    if table in WATCHED_TABLES:
        state.session.info.setdefault(PENDING, set()).add(ALL)


_watching = False


def watch() -> None:
    """Listen to every session once per process (a session without an app that has a cache bumps nothing)."""
    global _watching
    if _watching:
        return
    # after_flush: the new objects have their ids, and new/dirty/deleted and each attribute's history still say
    # what the flush changed.
    event.listen(Session, "after_flush", _after_flush)
    event.listen(Session, "after_commit", _after_commit)
    event.listen(Session, "after_soft_rollback", lambda session, _previous: _after_rollback(session))
    event.listen(Session, "do_orm_execute", _statement)
    _watching = True


def init_app(app: Flask) -> None:
    """Create the store PAGE_CACHE_URL names and wrap the app; call after every other WSGI wrapper is set
    except the proxy fix (which must see the request first)."""
    store = store_for(app.config.get("PAGE_CACHE_URL"))
    if store is None:
        return
    app.extensions["journal.page_cache"] = store
    app.wsgi_app = PageCacheMiddleware(app, app.wsgi_app, store,
                                       seconds=int(app.config.get("PAGE_CACHE_SECONDS", DEFAULT_SECONDS)))
    watch()
