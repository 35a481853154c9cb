from datetime import datetime

from sqlalchemy import (JSON, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint,
                        false, text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from journal.extensions import db
from journal.models.base import N_, LabelledEnum, UTCDateTime, enum_column, utcnow


class SubmissionStatus(LabelledEnum):
    DRAFT = "draft", N_("Draft")
    SUBMITTED = "submitted", N_("Submitted")
    UNDER_REVIEW = "under_review", N_("Under review")
    REVISION_REQUESTED = "revision_requested", N_("Revision requested")
    ACCEPTED = "accepted", N_("Accepted")
    SCHEDULED = "scheduled", N_("Scheduled")
    PUBLISHED = "published", N_("Published")
    REJECTED = "rejected", N_("Rejected")
    WITHDRAWN = "withdrawn", N_("Withdrawn")


# The columns the editorial queue's "needs my action" rule reads (journal/services/queue.py), and the statuses it
# can hold for (migration 0022 creates the index with these).
NEEDS_ACTION_COLUMNS = ("journal_id", "status", "status_changed_at", "id", "handling_editor_id", "current_round",
                        "reviews_submitted", "reviews_invited", "due_date_requests", "recommendation_pending")
NEEDS_ACTION_WHERE = "status IN ('submitted', 'under_review')"


class Submission(db.Model):
    __tablename__ = "submissions"
    __table_args__ = (
        # The editorial queue: a journal's submissions by status, oldest in status first.
        Index("ix_submissions_queue", "journal_id", "status", "status_changed_at"),
        # The statistics: the papers a journal received in a period, and its first year.
        Index("ix_submissions_journal_submitted", "journal_id", "submitted_at"),
        # The queue's "overdue reviews" filter and the start page's count: the papers under review whose first
        # open review of the round is late by now.
        Index("ix_submissions_reviews_late", "journal_id", "status", "reviews_late_from"),
        # The queue's tabs over all statuses in status order, page 100 as fast as page 1, and its counts per status
        # read from the index alone (PostgreSQL's index-only scans; SQLite's index entries carry the id anyway).
        Index("ix_submissions_journal_order", "journal_id", "status_changed_at", "id", "status"),
        # "Needs my action": every column its rule reads, for the only two statuses that can need action, so the
        # filter and its counts read this small index alone.
        Index("ix_submissions_needs_action", *NEEDS_ACTION_COLUMNS,
              sqlite_where=text(NEEDS_ACTION_WHERE), postgresql_where=text(NEEDS_ACTION_WHERE)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    journal_id: Mapped[int] = mapped_column(ForeignKey("journals.id"), index=True)
    section_id: Mapped[int | None] = mapped_column(ForeignKey("sections.id"))
    submitter_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    handling_editor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # Given at first submission: JDSE-2026-0042.
    reference: Mapped[str | None] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(500), default="")
    abstract: Mapped[str] = mapped_column(Text, default="")
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    language: Mapped[str] = mapped_column(String(8), default="en")
    # Title, abstract and keywords again in a second language (many journals of the field ask for Chinese and
    # English); empty when there is none.
    translated_language: Mapped[str] = mapped_column(String(8), default="", server_default="")
    translated_title: Mapped[str] = mapped_column(String(500), default="", server_default="")
    translated_abstract: Mapped[str] = mapped_column(Text, default="", server_default="")
    translated_keywords: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    cover_letter: Mapped[str] = mapped_column(Text, default="")
    # Where the journal publishes peer review with consent: the authors agree that it be published with the article.
    authors_agree_to_publish_reviews: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    competing_interests: Mapped[str] = mapped_column(Text, default="")
    funding: Mapped[str] = mapped_column(Text, default="")
    data_availability: Mapped[str] = mapped_column(Text, default="")
    # Structured links to datasets and software beside the statement (as ArticleVersion.data_links).
    data_links: Mapped[list[dict]] = mapped_column(JSON, default=list, server_default="[]")
    suggested_reviewers: Mapped[list[dict]] = mapped_column(JSON, default=list)
    opposed_reviewers: Mapped[list[dict]] = mapped_column(JSON, default=list)
    status: Mapped[SubmissionStatus] = mapped_column(
        enum_column(SubmissionStatus, "submission_status"), default=SubmissionStatus.DRAFT, index=True
    )
    current_round: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rejected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checklist_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The response to the reviewers the author is writing, kept while they upload files (cleared on resubmitting).
    response_draft: Mapped[str] = mapped_column(Text, default="", server_default="")
    # When the revision the last decision asked for is due (set by a minor or major revision decision).
    revision_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The author saw what the anonymity check found in the manuscript and chose to keep it.
    anonymity_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdraw_reason: Mapped[str] = mapped_column(Text, default="")
    # The current round's review figures, for the editorial queue's filters and counts (migration 0022). Never set
    # by a service: journal/models/review_facts.py recomputes them after each flush that changes the paper's
    # assignments, rounds or recommendations, with a plain UPDATE (no version bump).
    reviews_invited: Mapped[int] = mapped_column(Integer, default=0, server_default=false())  # not declined/cancelled
    reviews_accepted: Mapped[int] = mapped_column(Integer, default=0, server_default=false())  # accepted, still writing
    reviews_submitted: Mapped[int] = mapped_column(Integer, default=0, server_default=false())
    due_date_requests: Mapped[int] = mapped_column(Integer, default=0, server_default=false())  # open, date proposed
    # When the first open review of the round is late: an accepted one's due date, an invitation's respond-by.
    reviews_late_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A handling editor's recommendation waits for a managing editor (recommend-only journals).
    recommendation_pending: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Optimistic locking: two editors acting at once, one wins, the other is told.
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    journal: Mapped["Journal"] = relationship()  # noqa: F821
    section: Mapped["Section | None"] = relationship()  # noqa: F821
    submitter: Mapped["User"] = relationship(foreign_keys=[submitter_id])  # noqa: F821
    handling_editor: Mapped["User | None"] = relationship(foreign_keys=[handling_editor_id])  # noqa: F821
    contributors: Mapped[list["Contributor"]] = relationship(
        back_populates="submission", order_by="Contributor.position", cascade="all, delete-orphan"
    )
    files: Mapped[list["SubmissionFile"]] = relationship(  # noqa: F821
        back_populates="submission", order_by="SubmissionFile.id"
    )
    rounds: Mapped[list["ReviewRound"]] = relationship(
        back_populates="submission", order_by="ReviewRound.number", cascade="all, delete-orphan"
    )
    decisions: Mapped[list["Decision"]] = relationship(
        back_populates="submission", order_by="Decision.id", cascade="all, delete-orphan"
    )

    @property
    def display_reference(self) -> str:
        return self.reference or f"Draft {self.id}"


class Contributor(db.Model):
    """One author of a submission, in byline order."""

    __tablename__ = "contributors"
    # Stored in lower case, as accounts' addresses are: "is this account an author of the paper?" matches listed
    # authors by address (journal/permissions.py), and the queue asks it in SQL through the email index.
    __table_args__ = (CheckConstraint("email = lower(email)", name="email_lowercase"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    given_name: Mapped[str] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(254), index=True)
    affiliation: Mapped[str] = mapped_column(String(255), default="")
    # The name in the author's own script beside its Latin form (李伟 beside Li Wei), the affiliation in the
    # paper's second language, and the language the submitting author chose for mails to a co-author without
    # an account.
    native_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    translated_affiliation: Mapped[str] = mapped_column(String(255), default="", server_default="")
    mail_language: Mapped[str] = mapped_column(String(8), default="", server_default="")
    country: Mapped[str] = mapped_column(String(2), default="")
    orcid: Mapped[str | None] = mapped_column(String(19))
    # When the co-author proved the iD through ORCID from the link in their mail; None for one the submitter typed.
    orcid_authenticated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_corresponding: Mapped[bool] = mapped_column(Boolean, default=False)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # A co-author who should not be on the list says so through the link in the acknowledgement mail.
    objected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    objection: Mapped[str] = mapped_column(Text, default="")

    submission: Mapped[Submission] = relationship(back_populates="contributors")
    user: Mapped["User | None"] = relationship()  # noqa: F821

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()


class ReviewRound(db.Model):
    """One round of a submission: the first submission opens round 1, each resubmission the next."""

    __tablename__ = "review_rounds"
    __table_args__ = (UniqueConstraint("submission_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The authors' response to the previous round's reviews (rounds 2 and later).
    author_response: Mapped[str] = mapped_column(Text, default="")

    submission: Mapped[Submission] = relationship(back_populates="rounds")


class ReferenceCounter(db.Model):
    """The last reference number given per journal and year: JDSE-2026-0042."""

    __tablename__ = "reference_counters"

    journal_id: Mapped[int] = mapped_column(ForeignKey("journals.id", ondelete="CASCADE"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class DecisionKind(LabelledEnum):
    DESK_REJECT = "desk_reject", N_("Rejected without review")
    ACCEPT = "accept", N_("Accept")
    MINOR_REVISION = "minor_revision", N_("Minor revision")
    MAJOR_REVISION = "major_revision", N_("Major revision")
    REJECT = "reject", N_("Reject")


class Decision(db.Model):
    """An editor's decision on one round, with the letter as it was sent."""

    __tablename__ = "decisions"
    __table_args__ = (
        # The statistics: the decisions of a period.
        Index("ix_decisions_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[DecisionKind] = mapped_column(enum_column(DecisionKind, "decision_kind"))
    letter: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    submission: Mapped[Submission] = relationship(back_populates="decisions")
    editor: Mapped["User | None"] = relationship()  # noqa: F821


class RecommendationStatus(LabelledEnum):
    PENDING = "pending", N_("Waiting for the managing editor")
    CONFIRMED = "confirmed", N_("Confirmed")
    CHANGED = "changed", N_("Changed by the managing editor")
    WITHDRAWN = "withdrawn", N_("Withdrawn")


class EditorRecommendation(db.Model):
    """In a recommend-only journal, the handling editor's recommended decision; a managing editor
    confirms it (the decision is taken as recommended) or changes it (another decision is taken)."""

    __tablename__ = "editor_recommendations"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[DecisionKind] = mapped_column(enum_column(DecisionKind, "decision_kind"))
    reasons: Mapped[str] = mapped_column(Text)
    # The letter the editor drafted; the managing editor starts from it.
    letter: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[RecommendationStatus] = mapped_column(
        enum_column(RecommendationStatus, "recommendation_status"), default=RecommendationStatus.PENDING, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id", ondelete="SET NULL"))

    submission: Mapped[Submission] = relationship()
    editor: Mapped["User | None"] = relationship(foreign_keys=[editor_id])  # noqa: F821
    resolved_by: Mapped["User | None"] = relationship(foreign_keys=[resolved_by_id])  # noqa: F821
    decision: Mapped[Decision | None] = relationship()
