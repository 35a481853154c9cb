"""Peer review: a reviewer's assignment to one round of a submission, and the review written for it."""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from journal.extensions import db
from journal.models.base import N_, LabelledEnum, UTCDateTime, enum_column, utcnow


class AssignmentStatus(LabelledEnum):
    INVITED = "invited", N_("Invited")
    ACCEPTED = "accepted", N_("Accepted")
    DECLINED = "declined", N_("Declined")
    SUBMITTED = "submitted", N_("Review submitted")
    CANCELLED = "cancelled", N_("Cancelled")


# An invitation still counts (blocks a second one in the round, adds to the reviewer's load).
OPEN_STATUSES = (AssignmentStatus.INVITED, AssignmentStatus.ACCEPTED)
ENDED_STATUSES = (AssignmentStatus.DECLINED, AssignmentStatus.CANCELLED)


class Recommendation(LabelledEnum):
    ACCEPT = "accept", N_("Accept")
    MINOR_REVISION = "minor_revision", N_("Minor revision")
    MAJOR_REVISION = "major_revision", N_("Major revision")
    REJECT = "reject", N_("Reject")


@dataclass(frozen=True)
class Criterion:
    key: str
    label: str
    description: str


CRITERIA: tuple[Criterion, ...] = (
    Criterion("originality", "Originality", "Is the question, method or result new, beyond what is published?"),
    Criterion("significance", "Significance", "Does the result matter to the field; will others build on it?"),
    Criterion("soundness", "Soundness", "Are the methods, data and reasoning right, and do they support the "
                                        "conclusions?"),
    Criterion("clarity", "Clarity", "Is the paper well organised and clearly written, with adequate figures "
                                    "and references?"),
)
SCORES = {1: "1 – poor", 2: "2 – fair", 3: "3 – good", 4: "4 – very good", 5: "5 – excellent"}


class ReviewAssignment(db.Model):
    """One person asked to review one round: invited, then accepted or declined, then the review submitted."""

    __tablename__ = "review_assignments"
    __table_args__ = (
        CheckConstraint("rating_timeliness between 1 and 5", name="rating_timeliness_range"),
        CheckConstraint("rating_quality between 1 and 5", name="rating_quality_range"),
        # One live invitation per reviewer and round; declined and cancelled ones may be followed by another.
        Index("uq_review_assignments_round_reviewer_open", "round_id", "reviewer_id", unique=True,
              sqlite_where=text("status NOT IN ('declined', 'cancelled')"),
              postgresql_where=text("status NOT IN ('declined', 'cancelled')")),
        # The statistics: the invitations sent and the reviews submitted in a period.
        Index("ix_review_assignments_created", "created_at"),
        Index("ix_review_assignments_completed", "completed_at"),
    )

    # The account that accepting this invitation made and signed in on this device (a password chosen on the
    # invitation page): never stored, set by services/invitations.py accept_invitation for the view to log in.
    signed_in_reviewer = None

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("review_rounds.id", ondelete="CASCADE"), index=True)
    # Denormalised from the round, for per-submission queries.
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    # Empty for someone without an account until they accept.
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    invitee_email: Mapped[str] = mapped_column(String(254))
    invitee_name: Mapped[str] = mapped_column(String(200), default="")
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[AssignmentStatus] = mapped_column(
        enum_column(AssignmentStatus, "assignment_status"), default=AssignmentStatus.INVITED, index=True
    )
    # sha256 hex of the invitation link's token; the token itself is only in the mail.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    respond_by: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # "Reviewer 2": the same person keeps the number in every round of the submission.
    label_number: Mapped[int] = mapped_column(Integer)
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    suggested_alternatives: Mapped[str] = mapped_column(Text, default="")
    # The reviewer asked for another due date on accepting; the editor extends it or not.
    proposed_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0)
    # The editor sent a submitted review back with a request; the reviewer edits and submits again.
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    return_request: Mapped[str] = mapped_column(Text, default="")
    # The editor's private rating of the finished review (1–5), for later reviewer searches.
    rating_timeliness: Mapped[int | None] = mapped_column(Integer)
    rating_quality: Mapped[int | None] = mapped_column(Integer)
    rated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    round: Mapped["ReviewRound"] = relationship()  # noqa: F821
    submission: Mapped["Submission"] = relationship()  # noqa: F821
    reviewer: Mapped["User | None"] = relationship(foreign_keys=[reviewer_id])  # noqa: F821
    invited_by: Mapped["User | None"] = relationship(foreign_keys=[invited_by_id])  # noqa: F821
    rated_by: Mapped["User | None"] = relationship(foreign_keys=[rated_by_id])  # noqa: F821
    review: Mapped["Review | None"] = relationship(back_populates="assignment", uselist=False,
                                                   cascade="all, delete-orphan")

    @property
    def label(self) -> str:
        """Reviewer 2: as the history and machines write it, in English."""
        return f"Reviewer {self.label_number}"

    @property
    def display_label(self) -> str:
        """The label in the reader's language (审稿人 2, Évaluateur 2)."""
        return gettext("Reviewer %(number)s", number=self.label_number)

    @property
    def reviewer_name(self) -> str:
        return self.reviewer.full_name if self.reviewer else self.invitee_name or self.invitee_email

    @property
    def reviewer_email(self) -> str:
        return self.reviewer.email if self.reviewer else self.invitee_email

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class Review(db.Model):
    """What a reviewer wrote: a draft until submitted, then read-only."""

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("review_assignments.id", ondelete="CASCADE"),
                                               unique=True)
    # {criterion key: 1..5}
    scores: Mapped[dict] = mapped_column(JSON, default=dict)
    recommendation: Mapped[Recommendation | None] = mapped_column(enum_column(Recommendation, "recommendation"))
    comments_to_authors: Mapped[str] = mapped_column(Text, default="")
    # Never shown to the authors.
    confidential_comments: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What the authors may see: the editor shares the comments (never the confidential ones) or not.
    shared_with_authors: Mapped[bool] = mapped_column(Boolean, default=True)
    # The editor's corrected copy of the comments to the authors; the reviewer's original stays above.
    corrected_comments: Mapped[str | None] = mapped_column(Text)
    corrected_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    corrected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Open review: the reviewer agrees to be named to the authors after the decision.
    consent_to_name: Mapped[bool] = mapped_column(Boolean, default=False)
    # Published peer review (models/peer_review.py): the reviewer lets the report be published with the article
    # (asked where the journal publishes with consent; where it always publishes, the form says so), and chooses to
    # be named with it or not.
    consent_to_publish: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    name_published: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    assignment: Mapped[ReviewAssignment] = relationship(back_populates="review")
    corrected_by: Mapped["User | None"] = relationship(foreign_keys=[corrected_by_id])  # noqa: F821

    @property
    def comments_for_authors(self) -> str:
        """The text the authors get: the editor's corrected copy where there is one."""
        return self.corrected_comments if self.corrected_comments is not None else self.comments_to_authors

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


class SentReminder(db.Model):
    """One reminder or digest that `flask journal send-reminders` sent; its unique key makes the run idempotent.

    The key names what the reminder is about and the deadline it counts from
    (`due:+3:assignment:12:2026-12-01`), so a moved deadline arms its reminders again."""

    __tablename__ = "sent_reminders"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("review_assignments.id", ondelete="CASCADE"),
                                                      index=True)
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
