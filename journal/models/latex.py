"""A LaTeX source archive sent as the manuscript, and its compilation on the job queue (journal/services/latex.py).

The archive is a SubmissionFile of kind LATEX_SOURCE; the PDF it compiles to becomes the round's manuscript, checked
like an uploaded one. One row per archive sent: the last one of a round is what the author sees."""

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from journal.extensions import db
from journal.models.base import N_, LabelledEnum, UTCDateTime, enum_column, utcnow


class CompileStatus(LabelledEnum):
    CHOOSING = "choosing", N_("Waiting for the main file to be chosen")
    QUEUED = "queued", N_("Waiting to be compiled")
    RUNNING = "running", N_("Compiling")
    SUCCEEDED = "succeeded", N_("Compiled")
    FAILED = "failed", N_("Failed")


class LatexCompile(db.Model):
    __tablename__ = "latex_compiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    source_file_id: Mapped[int] = mapped_column(ForeignKey("submission_files.id", ondelete="CASCADE"), index=True)
    # The main .tex file, relative to the archive's root; empty while the author chooses among `mains`.
    main: Mapped[str] = mapped_column(String(500), default="")
    mains: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[CompileStatus] = mapped_column(enum_column(CompileStatus, "compile_status"),
                                                  default=CompileStatus.QUEUED)
    # [{"file", "line", "message"}] from the log, in English with placeholders (see journal/latex/compile.py), or
    # the PDF check's refusal; shown translated.
    errors: Mapped[list] = mapped_column(JSON, default=list)
    # For anonymizing journals: where the source names its authors [{"file", "line", "what"}].
    findings: Mapped[list] = mapped_column(JSON, default=list)
    log_key: Mapped[str | None] = mapped_column(String(255))
    pdf_file_id: Mapped[int | None] = mapped_column(ForeignKey("submission_files.id", ondelete="SET NULL"))
    seconds: Mapped[float | None] = mapped_column(Float)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    submission: Mapped["Submission"] = relationship()  # noqa: F821
    source_file: Mapped["SubmissionFile"] = relationship(foreign_keys=[source_file_id])  # noqa: F821
    pdf_file: Mapped["SubmissionFile | None"] = relationship(foreign_keys=[pdf_file_id])  # noqa: F821
    requested_by: Mapped["User | None"] = relationship()  # noqa: F821

    @property
    def in_progress(self) -> bool:
        return self.status in (CompileStatus.QUEUED, CompileStatus.RUNNING)
