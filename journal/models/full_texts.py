"""The HTML full text of an article (issue 17): made in production from the article's LaTeX source (LaTeXML) or
from a JATS XML, on the job queue; readers get it on the article page, harvesters in the JATS `<body>`.

A `FullText` is one run: what it was made from (the uploaded source kept in storage under `source_key`), its
state, and when it succeeded the sanitised HTML fragment, the table of contents and the figures
(`FullTextFigure`, each a stored object). The article version that readers get points at the run it shows
(`ArticleVersion.full_text_id`); a later run replaces it only in production, and a correction carries it over.
"""

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from journal.extensions import db
from journal.models.base import N_, LabelledEnum, UTCDateTime, enum_column, utcnow


class FullTextStatus(LabelledEnum):
    QUEUED = "queued", N_("Waiting to start")
    RUNNING = "running", N_("Being made")
    SUCCEEDED = "succeeded", N_("Made")
    FAILED = "failed", N_("Failed")


class FullTextSource(LabelledEnum):
    LATEX = "latex", N_("LaTeX source")
    JATS = "jats", N_("JATS XML")


class FullText(db.Model):
    __tablename__ = "full_texts"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    source: Mapped[FullTextSource] = mapped_column(enum_column(FullTextSource, "full_text_source"))
    status: Mapped[FullTextStatus] = mapped_column(enum_column(FullTextStatus, "full_text_status"),
                                                   default=FullTextStatus.QUEUED)
    # The uploaded archive or XML (storage key, the uploader's file name) and the main .tex file chosen, if any.
    source_key: Mapped[str] = mapped_column(String(255))
    source_name: Mapped[str] = mapped_column(String(255), default="")
    main: Mapped[str] = mapped_column(String(255), default="")
    html: Mapped[str] = mapped_column(Text, default="")
    # [[id, title, level], …] of the sections, in order.
    toc: Mapped[list] = mapped_column(JSON, default=list)
    # Why it failed: a code the production page words (journal/services/full_texts.py FAILURES), and the log.
    error: Mapped[str] = mapped_column(String(200), default="")
    log: Mapped[str] = mapped_column(Text, default="")
    seconds: Mapped[float | None] = mapped_column(Float)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    article: Mapped["Article"] = relationship()  # noqa: F821
    requested_by: Mapped["User | None"] = relationship()  # noqa: F821
    figures: Mapped[list["FullTextFigure"]] = relationship(back_populates="full_text", order_by="FullTextFigure.id",
                                                           cascade="all, delete-orphan")

    @property
    def finished(self) -> bool:
        return self.status in (FullTextStatus.SUCCEEDED, FullTextStatus.FAILED)


class FullTextFigure(db.Model):
    __tablename__ = "full_text_figures"
    __table_args__ = (UniqueConstraint("full_text_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    full_text_id: Mapped[int] = mapped_column(ForeignKey("full_texts.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(128))
    storage_key: Mapped[str] = mapped_column(String(255), unique=True)
    media_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))

    full_text: Mapped[FullText] = relationship(back_populates="figures")
