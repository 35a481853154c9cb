"""What happens after acceptance: the article in production, its versions, the issues it appears in.

An `Article` is the published form of one accepted submission. Its metadata and galley live in
`ArticleVersion` rows: version 1 is prepared in production and frozen at publication; each
correction afterwards adds a version with a dated note, and the earlier ones stay readable.
Public pages show an article when `published_at` is set (a retracted one too, marked).
"""

from datetime import UTC, datetime

from flask_babel import gettext
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, Session, backref, mapped_column, relationship

from journal.extensions import db
from journal.models.base import N_, LabelledEnum, UTCDateTime, enum_column, utcnow

DEFAULT_DOI_PATTERN = "{slug}.{year}.{number:04d}"


class IssueStatus(LabelledEnum):
    DRAFT = "draft", N_("Draft")
    PUBLISHED = "published", N_("Published")


class Issue(db.Model):
    """A numbered issue of a journal; its articles become public together when it is published."""

    __tablename__ = "issues"
    __table_args__ = (
        UniqueConstraint("journal_id", "volume", "number"),
        CheckConstraint("volume >= 1", name="volume_positive"),
        CheckConstraint("number >= 1", name="number_positive"),
        CheckConstraint("year between 1900 and 2200", name="year_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    journal_id: Mapped[int] = mapped_column(ForeignKey("journals.id"), index=True)
    volume: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    year: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(255), default="")  # "Special issue: Europa Clipper"
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[IssueStatus] = mapped_column(enum_column(IssueStatus, "issue_status"), default=IssueStatus.DRAFT,
                                                index=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Optimistic locking: two managing editors publishing or editing the same issue at once.
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    journal: Mapped["Journal"] = relationship()  # noqa: F821
    articles: Mapped[list["Article"]] = relationship(back_populates="issue", order_by="Article.position")

    @property
    def label(self) -> str:
        """Vol. 3 No. 2 (2026): as citations, the history and machines write it, in English."""
        return f"Vol. {self.volume} No. {self.number} ({self.year})"

    @property
    def display_label(self) -> str:
        """The label as the reader's language writes it (第 3 卷第 2 期（2026）, т. 3, № 2 (2026))."""
        return gettext("Vol. %(volume)s No. %(number)s (%(year)s)", volume=self.volume, number=self.number,
                       year=self.year)

    @property
    def is_published(self) -> bool:
        return self.status is IssueStatus.PUBLISHED


class ArticleStatus(LabelledEnum):
    IN_PRODUCTION = "in_production", N_("In production")
    PROOFS_REQUESTED = "proofs_requested", N_("Proofs with the author")
    CORRECTIONS_SENT = "corrections_sent", N_("Corrections from the author")
    PROOFS_APPROVED = "proofs_approved", N_("Proofs approved")
    PUBLISHED = "published", N_("Published")
    RETRACTED = "retracted", N_("Retracted")


class Article(db.Model):
    """The published form of an accepted submission: issue, place in the table of contents, pages, DOI."""

    __tablename__ = "articles"
    __table_args__ = (
        CheckConstraint("first_page >= 1", name="first_page_positive"),
        CheckConstraint("last_page >= first_page", name="page_range_order"),
        UniqueConstraint("journal_id", "article_number", name="uq_articles_journal_article_number"),
        # OAI-PMH lists, whole or per set, walk these in (datestamp, id) order a page at a time (migration 0021).
        Index("ix_articles_datestamp", "datestamp", "id"),
        Index("ix_articles_journal_datestamp", "journal_id", "datestamp", "id"),
        Index("ix_articles_section_datestamp", "section_id", "datestamp", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), unique=True)
    # Denormalised from the submission: public pages list a journal's articles without a join.
    journal_id: Mapped[int] = mapped_column(ForeignKey("journals.id"), index=True)
    # Empty until the article is scheduled into an issue.
    issue_id: Mapped[int | None] = mapped_column(ForeignKey("issues.id"), index=True)
    # The heading it appears under in the table of contents (the submission's section unless changed).
    section_id: Mapped[int | None] = mapped_column(ForeignKey("sections.id"))
    # Order within the issue; the table of contents groups by section (in the journal's section order) first.
    position: Mapped[int] = mapped_column(Integer, default=0)
    first_page: Mapped[int | None] = mapped_column(Integer)
    last_page: Mapped[int | None] = mapped_column(Integer)
    # Given when the issue is published: the journal's prefix and its DOI pattern. Never changes afterwards.
    doi: Mapped[str | None] = mapped_column(String(255), unique=True)
    # Cited instead of pages (JATS elocation-id, Crossref item_number): e2026001, given at publication in a journal
    # that publishes continuously or does not print; unique per journal, never changes afterwards.
    article_number: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[ArticleStatus] = mapped_column(enum_column(ArticleStatus, "article_status"),
                                                  default=ArticleStatus.IN_PRODUCTION, index=True)
    metadata_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    metadata_confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    proofs_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    proofs_requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    proofs_approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    proofs_approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The author's latest corrections to the proofs, as text (earlier ones are in the history).
    proof_corrections: Mapped[str] = mapped_column(Text, default="")
    proof_corrections_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    retracted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retraction_notice: Mapped[str] = mapped_column(Text, default="")
    # The record's last change for harvesters (OAI-PMH datestamp): the latest of publication, the current version's
    # publication and the retraction; empty while unpublished. Kept by `_keep_datestamps` below at every flush.
    datestamp: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The two tables point at each other: the pointer is added after both tables (use_alter), and deleting the
    # versions empties it (SET NULL), so rows can be removed in either order.
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("article_versions.id", use_alter=True, name="fk_articles_current_version_id_article_versions",
                   ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Optimistic locking: the author approves the proofs the page showed, not newer ones.
    lock_version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": lock_version}

    # `submission.article` too (None until production starts), for pages that start from the submission.
    submission: Mapped["Submission"] = relationship(backref=backref("article", uselist=False))  # noqa: F821
    journal: Mapped["Journal"] = relationship()  # noqa: F821
    issue: Mapped[Issue | None] = relationship(back_populates="articles")
    section: Mapped["Section | None"] = relationship()  # noqa: F821
    versions: Mapped[list["ArticleVersion"]] = relationship(
        back_populates="article", order_by="ArticleVersion.number", foreign_keys="ArticleVersion.article_id",
        cascade="all, delete-orphan")
    current_version: Mapped["ArticleVersion | None"] = relationship(foreign_keys=[current_version_id],
                                                                     post_update=True)
    metadata_confirmed_by: Mapped["User | None"] = relationship(foreign_keys=[metadata_confirmed_by_id])  # noqa: F821
    proofs_requested_by: Mapped["User | None"] = relationship(foreign_keys=[proofs_requested_by_id])  # noqa: F821
    proofs_approved_by: Mapped["User | None"] = relationship(foreign_keys=[proofs_approved_by_id])  # noqa: F821

    def last_change(self) -> datetime | None:
        """What `datestamp` holds: the latest of publication, the current version's publication and the
        retraction, or None while the article is unpublished."""
        if self.published_at is None:
            return None
        version = self.current_version
        stamps = [self.published_at, self.retracted_at, version.published_at if version is not None else None]
        return max(s if s.tzinfo else s.replace(tzinfo=UTC) for s in stamps if s is not None)

    @property
    def is_public(self) -> bool:
        """Readers see it (a retracted article stays reachable, marked as retracted)."""
        return self.published_at is not None

    @property
    def is_retracted(self) -> bool:
        return self.status is ArticleStatus.RETRACTED

    @property
    def pages(self) -> str:
        """'5–17', '5', or '' before pagination."""
        if self.first_page is None:
            return ""
        return str(self.first_page) if self.last_page in (None, self.first_page) else \
            f"{self.first_page}\u2013{self.last_page}"

    @property
    def published_issue(self) -> "Issue | None":
        """The issue readers find it in: none while it is online first (in no issue, or in a draft one)."""
        return self.issue if self.issue is not None and self.issue.is_published else None

    @property
    def is_online_first(self) -> bool:
        return self.is_public and self.published_issue is None

    @property
    def doi_url(self) -> str | None:
        return f"https://doi.org/{self.doi}" if self.doi else None


class ArticleVersion(db.Model):
    """The article as readers get it at one moment: metadata frozen as it was, and its galley PDF.

    `contributors` is a list of {"given_name", "family_name", "orcid", "affiliation", "country",
    "corresponding", "email"} in byline order; only the corresponding author's email is kept."""

    __tablename__ = "article_versions"
    __table_args__ = (UniqueConstraint("article_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(500))
    abstract: Mapped[str] = mapped_column(Text, default="")  # Markdown with TeX math, as submitted
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    language: Mapped[str] = mapped_column(String(8), default="en")
    translated_language: Mapped[str] = mapped_column(String(8), default="", server_default="")
    translated_title: Mapped[str] = mapped_column(String(500), default="", server_default="")
    translated_abstract: Mapped[str] = mapped_column(Text, default="", server_default="")
    translated_keywords: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    contributors: Mapped[list[dict]] = mapped_column(JSON, default=list)
    funding: Mapped[str] = mapped_column(Text, default="")
    competing_interests: Mapped[str] = mapped_column(Text, default="")
    data_availability: Mapped[str] = mapped_column(Text, default="")
    # Datasets and software: [{"kind": "dataset"|"software"|"other", "doi": "10.5281/zenodo.1", "url": "",
    # "repository": "Zenodo"}] (a DOI or an http(s) URL each; journal/scholarly/identifiers.py clean_data_links).
    data_links: Mapped[list[dict]] = mapped_column(JSON, default=list, server_default="[]")
    licence: Mapped[str] = mapped_column(String(40), default="CC-BY-4.0")
    galley_file_id: Mapped[int | None] = mapped_column(ForeignKey("submission_files.id"))
    # The HTML full text readers get with this version (journal/models/full_texts.py); none: the PDF only.
    full_text_id: Mapped[int | None] = mapped_column(ForeignKey("full_texts.id", ondelete="SET NULL"))
    # Why this version replaced the previous one (empty for version 1).
    change_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # When readers first saw this version: the issue's publication for version 1, the correction's date after.
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    article: Mapped[Article] = relationship(back_populates="versions", foreign_keys=[article_id])
    galley: Mapped["SubmissionFile | None"] = relationship()  # noqa: F821
    full_text: Mapped["FullText | None"] = relationship()  # noqa: F821
    created_by: Mapped["User | None"] = relationship()  # noqa: F821

    @property
    def author_names(self) -> list[str]:
        return [f"{c.get('given_name', '')} {c.get('family_name', '')}".strip() for c in self.contributors or []]

    @property
    def byline(self) -> str:
        """'Mei Chen, Rosa Lind and Tomas Berg', with "and" (and the comma) in the reader's language."""
        names = self.author_names
        if len(names) < 2:
            return names[0] if names else ""
        return gettext("%(names)s and %(last)s", names=gettext(", ").join(names[:-1]), last=names[-1])


class DoiCounter(db.Model):
    """The last article number given per journal and year, for DOI patterns with {number}: jdse.2026.0042."""

    __tablename__ = "doi_counters"

    journal_id: Mapped[int] = mapped_column(ForeignKey("journals.id", ondelete="CASCADE"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


@event.listens_for(Session, "before_flush")
def _keep_datestamps(session, _context, _instances) -> None:
    """Every service that publishes, corrects or retracts an article changes its row or its current version's; at
    the flush each such article's `datestamp` is set from them, so no service can forget it."""
    for item in list(session.new) + list(session.dirty):
        article = item if isinstance(item, Article) else item.article if isinstance(item, ArticleVersion) else None
        if article is None:
            continue
        stamp = article.last_change()
        if stamp != article.datestamp:
            article.datestamp = stamp
