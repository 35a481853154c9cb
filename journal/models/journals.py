from datetime import datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from journal.extensions import db
from journal.models.base import N_, LabelledEnum, UTCDateTime, enum_column, utcnow
from journal.models.peer_review import PeerReviewPublication


class ReviewMode(LabelledEnum):
    SINGLE_ANONYMOUS = "single_anonymous", N_("Single anonymous (reviewers see authors)")
    DOUBLE_ANONYMOUS = "double_anonymous", N_("Double anonymous")
    TRIPLE_ANONYMOUS = "triple_anonymous", N_("Triple anonymous (handling editor anonymous too)")
    OPEN = "open", N_("Open review")


class Role(LabelledEnum):
    MANAGING_EDITOR = "managing_editor", N_("Managing editor")
    EDITOR = "editor", N_("Editor")
    REVIEWER = "reviewer", N_("Reviewer")


def default_reminder_days() -> dict[str, list[int]]:
    return {"respond_by": [-2, 2], "due": [-7, -1, 3, 10]}


# The days around a revision's due date on which its authors are reminded, for a journal whose `reminder_days`
# has no "revision" entry (it gets one when its managing editors save the setting).
DEFAULT_REVISION_REMINDER_DAYS = (-7, 3)


class Journal(db.Model):
    __tablename__ = "journals"
    __table_args__ = (
        CheckConstraint("review_days between 1 and 365", name="review_days_range"),
        CheckConstraint("response_days between 1 and 90", name="response_days_range"),
        CheckConstraint("reviews_required between 0 and 10", name="reviews_required_range"),
        CheckConstraint("page_limit between 1 and 2000", name="page_limit_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(255))
    abbreviation: Mapped[str] = mapped_column(String(40), default="")
    # Prefix of submission reference numbers: JDSE-2026-0042.
    reference_prefix: Mapped[str] = mapped_column(String(12))
    issn_print: Mapped[str | None] = mapped_column(String(9))
    issn_online: Mapped[str | None] = mapped_column(String(9))
    description: Mapped[str] = mapped_column(Text, default="")
    author_guidelines: Mapped[str] = mapped_column(Text, default="")
    publisher: Mapped[str] = mapped_column(String(255), default="")
    doi_prefix: Mapped[str | None] = mapped_column(String(40))
    # The DOI suffix of a published article (journal/scholarly/doi.py lists the placeholders): jdse.2026.0042.
    doi_pattern: Mapped[str] = mapped_column(String(100), default="{slug}.{year}.{number:04d}")
    review_mode: Mapped[ReviewMode] = mapped_column(
        enum_column(ReviewMode, "review_mode"), default=ReviewMode.DOUBLE_ANONYMOUS
    )
    review_days: Mapped[int] = mapped_column(Integer, default=28)
    response_days: Mapped[int] = mapped_column(Integer, default=7)
    reviews_required: Mapped[int] = mapped_column(Integer, default=2)
    # Days the authors have for a revision, by default (the editor may change the date in each decision).
    minor_revision_days: Mapped[int] = mapped_column(Integer, default=30, server_default="30")
    major_revision_days: Mapped[int] = mapped_column(Integer, default=60, server_default="60")
    licence: Mapped[str] = mapped_column(String(40), default="CC-BY-4.0")
    accepting_submissions: Mapped[bool] = mapped_column(Boolean, default=True)
    # Most pages a manuscript PDF may have.
    page_limit: Mapped[int] = mapped_column(Integer, default=60)
    # Statements every author ticks before submitting ("The manuscript has not been published elsewhere").
    submission_checklist: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Editors record a recommendation with reasons; a managing editor confirms or changes it.
    editors_recommend_only: Mapped[bool] = mapped_column(Boolean, default=False)
    # After the decision, a round's reviewers see the other reviews (under their labels).
    reviewers_see_reviews: Mapped[bool] = mapped_column(Boolean, default=True)
    # Peer review published with the article (models/peer_review.py): never, always, or with consent.
    peer_review_publication: Mapped["PeerReviewPublication"] = mapped_column(
        enum_column(PeerReviewPublication, "peer_review_publication"), default=PeerReviewPublication.NEVER,
        server_default="never")
    # Days before (-) and after (+) each deadline on which `flask journal send-reminders` writes:
    # {"respond_by": [-2, 2], "due": [-7, -1, 3, 10]}, and "revision" (the authors' revision due date) once set;
    # without it, DEFAULT_REVISION_REMINDER_DAYS.
    # The language of its pages for a reader who asked for none (and of mails to people without an account), and
    # the languages its pages are offered in; None offers every language of the platform (journal/i18n.py).
    default_language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    languages: Mapped[list[str] | None] = mapped_column(JSON)
    reminder_days: Mapped[dict] = mapped_column(JSON, default=lambda: default_reminder_days())
    # Online first: an article with approved proofs is published on its own (DOI and article number at once) and
    # gathered into an issue later (journal/services/issues.py publish_online).
    publishes_continuously: Mapped[bool] = mapped_column(Boolean, default=False)
    # A printed journal needs page numbers to publish; an online-only one cites its articles by article number.
    prints: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    sections: Mapped[list["Section"]] = relationship(
        back_populates="journal", order_by="Section.position", cascade="all, delete-orphan"
    )
    memberships: Mapped[list["Membership"]] = relationship(back_populates="journal", cascade="all, delete-orphan")

    @property
    def doi_example(self) -> str:
        """What the DOI pattern gives for an example article (journal/scholarly/doi.py), for the settings page."""
        from journal.scholarly.doi import example_doi

        return example_doi(self.doi_prefix, self.doi_pattern)

    def __repr__(self) -> str:
        return f"<Journal {self.slug}>"


class Section(db.Model):
    """An article type of one journal: Research Article, Review, Letter, Mission Report…"""

    __tablename__ = "sections"
    __table_args__ = (UniqueConstraint("journal_id", "title"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    journal_id: Mapped[int] = mapped_column(ForeignKey("journals.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    abbreviation: Mapped[str] = mapped_column(String(20), default="")
    policy: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    journal: Mapped[Journal] = relationship(back_populates="sections")


class Membership(db.Model):
    """A user's role in one journal. Authors and readers need none."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "journal_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    journal_id: Mapped[int] = mapped_column(ForeignKey("journals.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped["User"] = relationship(back_populates="memberships")  # noqa: F821
    journal: Mapped[Journal] = relationship(back_populates="memberships")


class Announcement(db.Model):
    """News of the journal on its home page: calls for papers, special issues, changes to its policies."""

    __tablename__ = "announcements"

    id: Mapped[int] = mapped_column(primary_key=True)
    journal_id: Mapped[int] = mapped_column(ForeignKey("journals.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    # Markdown, shown through the same sanitising renderer as abstracts.
    body: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    journal: Mapped[Journal] = relationship()
    created_by: Mapped["User | None"] = relationship()  # noqa: F821
