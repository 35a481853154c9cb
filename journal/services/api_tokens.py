"""Personal access tokens for the JSON API: made, listed and revoked by their owner from the profile, and the
token a request presents turned back into its owner (journal/web/api/auth.py).

A token is `jnl_` and 40 random URL-safe characters; the database keeps its SHA-256 and the first characters, so a
copy of the database grants nothing. Each change is an audit event on the owner's account (their Activity page).
"""

import hashlib
import secrets
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from journal.audit import audit
from journal.extensions import db
from journal.models import ApiToken, User, utcnow
from journal.models.api_tokens import SCOPES
from journal.services.errors import DomainError, NotFound
from journal.services.unit import transactional

PREFIX = "jnl_"
LIFETIMES = (7, 30, 90, 365)  # days a token may be made for
# Touched at most this often, not on every request (as sign-ins' last_seen_at).
LAST_USED_EVERY = timedelta(minutes=5)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogateescape")).hexdigest()


def tokens_of(user: User) -> list[ApiToken]:
    """The owner's tokens not revoked, newest first (expired ones too, marked on the page)."""
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                                   .order_by(ApiToken.id.desc())))


@transactional
def create_token(actor: User, *, name: str, scope: str, days: int) -> tuple[ApiToken, str]:
    """A new token for `actor`; the secret is returned once and never stored."""
    name = " ".join((name or "").split())
    if not name or len(name) > 100:
        raise DomainError(_("Give the token a name of up to 100 characters."), "name")
    if scope not in SCOPES:
        raise DomainError(_("Choose what the token may do."), "scope")
    if days not in LIFETIMES:
        raise DomainError(_("Choose how long the token lasts."), "days")
    secret = PREFIX + secrets.token_urlsafe(30)
    now = utcnow()
    token = ApiToken(user_id=actor.id, name=name, scope=scope, token_hash=digest(secret), prefix=secret[:10],
                     created_at=now, expires_at=now + timedelta(days=days))
    db.session.add(token)
    db.session.flush()
    audit(actor, "api_token.created", actor, token_id=token.id, name=name, scope=scope,
          expires_at=token.expires_at.isoformat())
    return token, secret


@transactional
def revoke_token(actor: User, token_id: int) -> ApiToken:
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != actor.id or token.revoked_at is not None:
        raise NotFound(_("That token is not among yours; it may have been revoked already."))
    token.revoked_at = utcnow()
    audit(actor, "api_token.revoked", actor, token_id=token.id, name=token.name)
    return token


def authenticate(secret: str) -> ApiToken | None:
    """The usable token with this secret, its owner active, or None. Notes its use (at most every few minutes)."""
    if not secret.startswith(PREFIX) or len(secret) > 100:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(secret)))
    now = utcnow()
    if token is None or not token.usable(now) or not token.user.active:
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_EVERY:
        token.last_used_at = now
        db.session.commit()
    return token
