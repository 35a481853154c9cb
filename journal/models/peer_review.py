"""Peer review published with the article (issue 18).

A journal publishes the peer review of its articles never, always, or where the authors and each reviewer agree
(`Journal.peer_review_publication`). Each reviewer decides in the review form whether their report may be
published (`Review.consent_to_publish`, asked where the journal publishes with consent) and whether they are named
with it (`Review.name_published`); the authors agree or not at submission (`Submission.authors_agree_to_publish_reviews`).

At publication `services/peer_review.py` copies what may be published into `PublishedReview` rows: each round's
reports (the comments to the authors as the authors received them, never the confidential comments), the
editor's decision letter and the authors' response to it. The rows are a snapshot: later edits do not change what
was published. A reviewer's name and ORCID iD are copied only when they chose to be named; an anonymous one is
stored as a label ("Reviewer 2") and nothing else, so no page, export or API can name them.

Each row gets its own DOI, made from the article's: `<article DOI>.r<round>.<n>` (see `services/peer_review.py`).
"""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from journal.extensions import db
from journal.models.base import N_, LabelledEnum, UTCDateTime, enum_column, utcnow


class PeerReviewPublication(LabelledEnum):
    NEVER = "never", N_("Never: reviews stay with the editors and authors")
    ALWAYS = "always", N_("Always: the reviews are published with every article")
    WITH_CONSENT = "with_consent", N_("When the authors and the reviewer agree")


class PublishedReviewKind(LabelledEnum):
    # Values follow Crossref's peer_review types and JATS4R's sub-article types.
    REFEREE_REPORT = "referee_report", N_("Review report")
    DECISION_LETTER = "decision_letter", N_("Decision letter")
    AUTHOR_RESPONSE = "author_response", N_("Authors' response")


class PublishedReview(db.Model):
    """One published item of an article's peer review: a report, a decision letter or the authors' response."""

    __tablename__ = "published_reviews"
    __table_args__ = (
        UniqueConstraint("article_id", "round_number", "position", name="uq_published_reviews_article_place"),
        Index("ix_published_reviews_article", "article_id", "round_number", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    round_number: Mapped[int] = mapped_column(Integer)
    # Order within the round: the authors' response to the previous round first, then the reports by label, then
    # the decision letter.
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[PublishedReviewKind] = mapped_column(enum_column(PublishedReviewKind, "published_review_kind"))
    # The reviewer's label number ("Reviewer 2"), for reports only; the same in every round.
    label_number: Mapped[int | None] = mapped_column(Integer)
    # Only for a reviewer who chose to be named; empty for everyone else. Never an e-mail address.
    reviewer_name: Mapped[str | None] = mapped_column(String(200))
    reviewer_orcid: Mapped[str | None] = mapped_column(String(19))
    # The reviewer's recommendation (models.reviews.Recommendation value), for reports.
    recommendation: Mapped[str | None] = mapped_column(String(32))
    # Plain text, as the authors received it (markup rendered by journal/markup.py where shown).
    body: Mapped[str] = mapped_column(Text)
    # When it was written: the review submitted, the decision sent, the revision submitted.
    written_at: Mapped[datetime] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    doi: Mapped[str | None] = mapped_column(String(255), unique=True)
    # Where it came from, for the editors' history; never shown to readers.
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("review_assignments.id", ondelete="SET NULL"))
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id", ondelete="SET NULL"))

    article: Mapped["Article"] = relationship(  # noqa: F821
        backref=db.backref("published_reviews", order_by="(PublishedReview.round_number, PublishedReview.position)",
                           cascade="all, delete-orphan"))

    @property
    def is_named(self) -> bool:
        return bool(self.reviewer_name)

    @property
    def recommendation_label(self) -> str | None:
        from journal.models.reviews import Recommendation
        return Recommendation(self.recommendation).label if self.recommendation else None

    @property
    def doi_url(self) -> str | None:
        return f"https://doi.org/{self.doi}" if self.doi else None
