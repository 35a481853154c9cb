from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, CheckConstraint, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from journal.extensions import db
from journal.models.base import UTCDateTime, utcnow


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint("email = lower(email)", name="email_lowercase"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased: addresses are unique whatever case they are typed in.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    given_name: Mapped[str] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100))
    affiliation: Mapped[str] = mapped_column(String(255), default="")
    country: Mapped[str] = mapped_column(String(2), default="")
    orcid: Mapped[str | None] = mapped_column(String(19), unique=True)
    # When the iD came from ORCID itself (sign-in, linking: journal/orcid.py); None for one typed by its owner.
    orcid_authenticated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expertise_keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    biography: Mapped[str] = mapped_column(Text, default="")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # The language pages and mails are written in for this person (journal/i18n.py); None: as the browser asks.
    language: Mapped[str | None] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_platform_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Bumped when the password is set or the account deactivated: a reset link already mailed stops working.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    memberships: Mapped[list["Membership"]] = relationship(  # noqa: F821
        back_populates="user", cascade="all, delete-orphan"
    )

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()

    @property
    def is_active(self) -> bool:  # flask-login refuses inactive users
        return self.active

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    # The sign-in (journal/models/sign_ins.py) this request came with, and its token: never stored, set by the
    # user loader or by the login service. The cookies carry the token, so ending the sign-in ends them.
    sign_in = None
    sign_in_token = None

    def get_id(self) -> str:
        if not self.sign_in_token:
            raise RuntimeError("log in through journal.services.sign_ins, which starts a sign-in")
        return self.sign_in_token

    # flask-login's UserMixin compares users by get_id(), which is now the sign-in's token: one account met through
    # two sign-ins would differ, and an account with no sign-in (a builder's, a CLI's) could not be compared at all.
    # The session's identity map gives one object per account, so identity is the account's equality.
    __eq__ = object.__eq__
    __ne__ = object.__ne__
    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"
