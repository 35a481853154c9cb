"""Personal access tokens for the JSON API (journal/web/api/): named, scoped, expiring, revocable from the profile.

Only the SHA-256 of the secret is stored (as `SignIn` does for the login cookies); the secret is shown once, when
the token is made. `prefix` (the secret's first characters) lets its owner tell tokens apart on the profile.
"""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from journal.extensions import db
from journal.models.base import UTCDateTime, utcnow

READ, WRITE = "read", "write"
SCOPES = (READ, WRITE)


class ApiToken(db.Model):
    __tablename__ = "api_tokens"
    __table_args__ = (
        CheckConstraint("scope IN ('read', 'write')", name="scope_known"),
        Index("ix_api_tokens_user_revoked", "user_id", "revoked_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    scope: Mapped[str] = mapped_column(String(10), default=READ)  # "write" includes reading
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped["User"] = relationship()  # noqa: F821

    def allows(self, scope: str) -> bool:
        return scope == READ or self.scope == WRITE

    def usable(self, now: datetime) -> bool:
        return self.revoked_at is None and self.expires_at > now
