"""Sign-ins: where a person is logged in. Each login starts one; logging out, "sign out everywhere", a new
password or a deactivated account ends them, and an ended sign-in's cookies no longer work anywhere."""

import hashlib
import re
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, or_, select

from journal.audit import audit
from journal.extensions import db
from journal.models import SignIn, User, utcnow
from journal.services.errors import NotFound
from journal.services.unit import transactional

# How often "last seen" is written: often enough to tell an old device from a current one, rarely enough
# that reading pages does not write to the database.
TOUCH_EVERY = timedelta(minutes=5)

BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chromium/", "Chromium"),
            ("Chrome/", "Chrome"), ("CriOS/", "Chrome"), ("FxiOS/", "Firefox"), ("Safari/", "Safari"))
SYSTEMS = (("iPhone", "iPhone"), ("iPad", "iPad"), ("Android", "Android"), ("CrOS", "ChromeOS"),
           ("Windows", "Windows"), ("Mac OS X", "macOS"), ("Macintosh", "macOS"), ("Linux", "Linux"))


def describe_device(user_agent: str) -> str:
    """The browser and system in words ("Firefox on Linux"), as a person recognises their own devices."""
    user_agent = user_agent or ""
    browser = next((name for mark, name in BROWSERS if mark in user_agent), None)
    system = next((name for mark, name in SYSTEMS if mark in user_agent), None)
    if browser and system:
        return _("%(browser)s on %(system)s", browser=browser, system=system)
    if browser or system:
        return browser or _("A browser on %(system)s", system=system)
    program = re.match(r"[\w.-]+", user_agent)
    return _("A program (%(name)s)", name=program.group(0)[:40]) if program else _("An unknown browser")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# Ended sign-ins are kept this long (their rows say nothing the audit trail does not), then deleted.
KEEP_ENDED = timedelta(days=30)


def _forget_old_sign_ins(user: User) -> None:
    before = utcnow() - KEEP_ENDED
    db.session.execute(delete(SignIn).where(
        SignIn.user_id == user.id,
        or_(SignIn.ended_at < before, SignIn.last_seen_at < before - idle_limit())))


def idle_limit() -> timedelta:
    """A sign-in unused for as long as a remember-me cookie lives has ended by itself."""
    return timedelta(days=current_app.config["REMEMBER_COOKIE_DAYS"])


def start_sign_in(user: User, *, user_agent: str, client_address: str) -> SignIn:
    """A new sign-in for this device, in the caller's transaction; `user.sign_in_token` is what the cookies
    carry (only its hash is stored). The person's sign-ins that ended (or went idle) more than KEEP_ENDED ago
    are deleted: the audit trail keeps each ending, the table keeps only what the Sessions page can show."""
    _forget_old_sign_ins(user)
    token = secrets.token_urlsafe(32)
    sign_in = SignIn(user=user, token_hash=hash_token(token), device=describe_device(user_agent)[:120],
                     client_address=(client_address or "")[:45], created_at=utcnow(), last_seen_at=utcnow())
    db.session.add(sign_in)
    user.sign_in, user.sign_in_token = sign_in, token
    return sign_in


def log_in_here(user: User, *, user_agent: str, client_address: str, via: str = "") -> SignIn:
    """The person has just proved who they are (their password, one they have just chosen, or ORCID: `via`): a new
    sign-in for this device, recorded in the audit trail; in the caller's transaction."""
    user.last_login_at = utcnow()
    sign_in = start_sign_in(user, user_agent=user_agent, client_address=client_address)
    audit(user, "user.logged_in", user, device=sign_in.device, address=sign_in.client_address,
          **({"via": via} if via else {}))
    return sign_in


def user_for_token(token: str) -> User | None:
    """The user of an active sign-in (the user loader); None when it ended, idled out or the account is
    deactivated."""
    sign_in = db.session.scalar(select(SignIn).where(SignIn.token_hash == hash_token(token or "")))
    if sign_in is None or sign_in.ended_at is not None or not sign_in.user.active:
        return None
    now = utcnow()
    if now - sign_in.last_seen_at > idle_limit():
        return None
    if now - sign_in.last_seen_at > TOUCH_EVERY:
        sign_in.last_seen_at = now
        db.session.commit()  # the loader runs first in a request (permission checks), before any change
    user = sign_in.user
    user.sign_in, user.sign_in_token = sign_in, token
    return user


def active_sign_ins(user: User) -> list[SignIn]:
    """The user's current sign-ins, most recently used first."""
    since = utcnow() - idle_limit()
    return list(db.session.scalars(
        select(SignIn).where(SignIn.user_id == user.id, SignIn.ended_at.is_(None), SignIn.last_seen_at > since)
        .order_by(SignIn.last_seen_at.desc(), SignIn.id.desc())))


def end_sign_ins(actor: User | None, user: User, *, reason: str, keep: SignIn | None = None) -> int:
    """End the user's sign-ins (all, or all but `keep`) in the caller's transaction, each audited."""
    query = select(SignIn).where(SignIn.user_id == user.id, SignIn.ended_at.is_(None))
    if keep is not None:
        query = query.where(SignIn.id != keep.id)
    ended = list(db.session.scalars(query))
    for sign_in in ended:
        _end(actor, sign_in, reason)
    return len(ended)


def _end(actor: User | None, sign_in: SignIn, reason: str) -> None:
    sign_in.ended_at = utcnow()
    audit(actor, "user.signed_out", sign_in.user, device=sign_in.device, address=sign_in.client_address,
          reason=reason)


@transactional
def log_out(user: User) -> None:
    """End the sign-in this request came with: its session and remember-me cookies stop working."""
    if user.sign_in is not None and user.sign_in.ended_at is None:
        _end(user, user.sign_in, "logged out")


@transactional
def end_sign_in(user: User, sign_in_id: int) -> SignIn:
    """End one of the user's own sign-ins (another device, or this one)."""
    sign_in = db.session.get(SignIn, sign_in_id)
    if sign_in is None or sign_in.user_id != user.id or sign_in.ended_at is not None:
        raise NotFound(_("That device is signed out already."))
    _end(user, sign_in, "signed out from the sessions page")
    return sign_in


@transactional
def end_other_sign_ins(user: User) -> int:
    """Sign out everywhere but here."""
    return end_sign_ins(user, user, reason="signed out everywhere else", keep=user.sign_in)


@transactional
def end_all_sign_ins(user: User) -> int:
    """Sign out everywhere, here too."""
    return end_sign_ins(user, user, reason="signed out everywhere")
