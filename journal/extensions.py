"""Flask extensions, created here and initialised in create_app(). Imports nothing from journal/."""

import functools

from flask import current_app, request
from flask.sessions import SecureCookieSessionInterface
from flask_compress import Compress
from flask_limiter import Limiter
from limits import parse as parse_limit
from flask_limiter.util import get_remote_address
from flask_login import LoginManager as FlaskLoginManager
from flask_login.config import COOKIE_NAME as REMEMBER_COOKIE
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints, so that Alembic can alter them on every backend (SQLite batch mode too).
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed cookie session, which opens a request without a session cookie as an empty session without
    making the signer (a reader's GET never needs it), and makes the signer once per key, not on every request."""

    def open_session(self, app, request):
        if app.secret_key and self.get_cookie_name(app) not in request.cookies:
            session = self.session_class()
            request.cookieless_session = session  # what LoginManager asks, without touching `flask.session`
            return session
        return super().open_session(app, request)

    def get_signing_serializer(self, app):
        key = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        if getattr(self, "_signer_key", None) != key:
            self._signer, self._signer_key = super().get_signing_serializer(app), key
        return self._signer


def _untouched_cookieless_session() -> bool:
    """The request came without a session cookie and nothing has written to its session (so there is no user in
    it and no remember-me cookie to set or clear)."""
    session = getattr(request, "cookieless_session", None)
    return session is not None and not session.modified and not session


class LoginManager(FlaskLoginManager):
    """flask-login, which leaves a request with neither a session cookie nor a remember-me cookie anonymous without
    reading the session: no session to protect, no cookie to check, so no `Vary: Cookie` on a reader's response
    unless the page itself depends on the session."""

    def _load_user(self):
        # Overrides flask-login 0.6's private `_load_user` (and calls its `_update_request_context_with_user`), the
        # one place where it decides who the request's user is; tests/test_sign_ins.py pins both names and this
        # behaviour. Without either cookie (and with no request or header loader, which this site has not) the
        # library's own answer is the anonymous user too, after hashing the address for session protection.
        if (self._request_callback is None and self._header_callback is None and _untouched_cookieless_session()
                and current_app.config.get("REMEMBER_COOKIE_NAME", REMEMBER_COOKIE) not in request.cookies):
            return self._update_request_context_with_user()
        return super()._load_user()

    def _update_remember_cookie(self, response):
        # Overrides flask-login 0.6's private after-request hook (pinned like `_load_user` above): it reads
        # `flask.session`, which marks the session accessed and so adds `Vary: Cookie` to every response. With no
        # session cookie and nothing written to the session there is no remember-me cookie to set or clear.
        if _untouched_cookieless_session() and not current_app.config.get("REMEMBER_COOKIE_REFRESH_EACH_REQUEST"):
            return response
        return super()._update_remember_cookie(response)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
# Brotli or gzip for pages, the stylesheet and feeds (config.py COMPRESS_*); its ETag gets the coding ("…:br").
compress = Compress()
# Limits on login, registration and reset mails; Redis when RATELIMIT_STORAGE_URL is set.
limiter = Limiter(key_func=get_remote_address, default_limits=[])
READS = frozenset({"GET", "HEAD", "OPTIONS"})
# Limits flask-limiter applies to every request (its settings); with none of them, only a route's own limits count.
EVERY_REQUEST_LIMITS = ("RATELIMIT_DEFAULT", "RATELIMIT_APPLICATION", "RATELIMIT_META")


def limit_posts(limit):
    """A route's own rate limit, on its POSTs (the forms that try a password or send a mail); reading is free.
    The site limits routes only through this (tests/test_rate_limits.py holds it), so that a read, which no limit
    of its own can reach, skips the limiter's request hooks (`init_limiter`)."""
    return limiter.limit(limit, methods=["POST"])


def count_against(limit: str, key: str) -> tuple[bool, int, int, int]:
    """One request counted against `limit` ("300 per minute") under `key` in the limits' store, outside any route
    limit (the API counts per token: journal/web/api/auth.py). (allowed, limit, remaining, reset time in seconds since
    the epoch); always allowed while the limiter is switched off (RATELIMIT_ENABLED)."""
    item = parse_limit(limit)
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return True, item.amount, item.amount, 0
    allowed = limiter.limiter.hit(item, "api", key)
    reset, remaining = limiter.limiter.get_window_stats(item, "api", key)
    return allowed, item.amount, remaining, int(reset)


def init_limiter(app) -> None:
    """`limiter.init_app`, whose before-, after- and teardown-request hooks are then skipped for GET, HEAD and
    OPTIONS unless a limit on every request is configured (RATELIMIT_DEFAULT, …): with none, a read has no limit to
    count, yet the hooks resolve the route's limits, build a context and look for headers to add on each request."""
    if any(app.config.get(name) for name in EVERY_REQUEST_LIMITS):
        limiter.init_app(app)
    else:
        _skipped_when(lambda: request.method in READS, app, lambda: limiter.init_app(app))


def init_csrf(app) -> None:
    """`csrf.init_app`, whose before-request hook is skipped for the methods it does not check (GET, HEAD,
    OPTIONS; WTF_CSRF_METHODS): it would look up the view's exemption first, and then do nothing."""
    _skipped_when(lambda: request.method not in app.config["WTF_CSRF_METHODS"], app, lambda: csrf.init_app(app))


def _skipped_when(skip, app, init) -> None:
    """Run an extension's `init` and make the request hooks it added do nothing when `skip()`. The hooks are found
    as what `init` added to the app's lists (extensions keep them to themselves), and wrapped there."""
    lists = (app.before_request_funcs, app.after_request_funcs, app.teardown_request_funcs)
    earlier = [list(hooks.get(None, ())) for hooks in lists]
    init()
    for hooks, before, wrap in zip(lists, earlier, (_before, _after, _teardown)):
        if None in hooks:
            hooks[None] = [hook if any(hook is old for old in before) else wrap(hook, skip) for hook in hooks[None]]


def _before(hook, skip):
    @functools.wraps(hook)
    def before():
        return None if skip() else hook()
    return before


def _after(hook, skip):
    @functools.wraps(hook)
    def after(response):
        return response if skip() else hook(response)
    return after


def _teardown(hook, skip):
    @functools.wraps(hook)
    def teardown(error=None):
        return None if skip() else hook(error)
    return teardown
