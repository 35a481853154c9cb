"""ORCID beyond the iD (issue 18): the reviewer's permission to add to their ORCID record, and the reviews they chose
to have credited there.

`OrcidToken`: the access token ORCID gave with the `/activities/update` scope when the person linked or signed in
with ORCID while the member API is configured (journal/orcid.py). It is stored sealed (Fernet, a key derived from
SECRET_KEY): a copy of the table alone writes to nobody's record.

`OrcidReviewCredit`: one review the reviewer agreed to have added to the peer-review section of their ORCID record
(services/orcid_credit.py). Agreement is per review and withdrawn by deleting the row, until it was sent; then the
put-code ORCID returned names the item on their record.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from journal.extensions import db
from journal.models.base import N_, LabelledEnum, UTCDateTime, enum_column, utcnow


class OrcidToken(db.Model):
    __tablename__ = "orcid_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    orcid: Mapped[str] = mapped_column(String(19))  # the iD the token writes to
    scope: Mapped[str] = mapped_column(String(255))
    sealed_token: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped["User"] = relationship()  # noqa: F821


class CreditStatus(LabelledEnum):
    AGREED = "agreed", N_("Waiting to be sent to ORCID")
    SENT = "sent", N_("On your ORCID record")
    FAILED = "failed", N_("ORCID refused it")


class OrcidReviewCredit(db.Model):
    __tablename__ = "orcid_review_credits"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("review_assignments.id", ondelete="CASCADE"), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[CreditStatus] = mapped_column(enum_column(CreditStatus, "orcid_credit_status"),
                                                 default=CreditStatus.AGREED)
    agreed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # ORCID's number for the item on the record (the Location of its 201 answer).
    put_code: Mapped[str | None] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")

    assignment: Mapped["ReviewAssignment"] = relationship()  # noqa: F821
    user: Mapped["User"] = relationship()  # noqa: F821
