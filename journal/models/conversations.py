"""Conversations on a paper: the editors with its authors, and the editors with each of its reviewers.

A thread is not a row of its own: it is (submission, assignment), the assignment empty for the authors' thread.
Authors and reviewers never share one (journal/services/conversations.py holds the rule)."""

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from journal.extensions import db
from journal.models.base import UTCDateTime, utcnow


class Message(db.Model):
    """One message in a paper's thread, with at most one file (stored like other files, under a random key)."""

    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_thread", "submission_id", "assignment_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    # Empty: the thread between the editors and the authors; else the one with this assignment's reviewer.
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("review_assignments.id", ondelete="CASCADE"),
                                                      index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Which side wrote it: "editors", "authors" or "reviewer" (a person may be on one side only per thread).
    side: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)
    file_key: Mapped[str | None] = mapped_column(String(255), unique=True)
    file_name: Mapped[str | None] = mapped_column(String(255))
    file_size: Mapped[int | None] = mapped_column(BigInteger)
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    file_media_type: Mapped[str | None] = mapped_column(String(127))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    submission: Mapped["Submission"] = relationship()  # noqa: F821
    assignment: Mapped["ReviewAssignment | None"] = relationship()  # noqa: F821
    author: Mapped["User | None"] = relationship()  # noqa: F821


class MessageRead(db.Model):
    """How far a person has read a thread: the newest message they have seen in it."""

    __tablename__ = "message_reads"
    __table_args__ = (UniqueConstraint("user_id", "submission_id", "thread", name="uq_message_reads_thread"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    # 0 for the authors' thread, else the assignment's id (a key that is never empty, for the unique constraint).
    thread: Mapped[int] = mapped_column(Integer)
    last_read_id: Mapped[int] = mapped_column(Integer, default=0)
