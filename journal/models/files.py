from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from journal.extensions import db
from journal.models.base import N_, LabelledEnum, UTCDateTime, enum_column, utcnow


class FileKind(LabelledEnum):
    MANUSCRIPT = "manuscript", N_("Manuscript")
    ANONYMIZED_MANUSCRIPT = "anonymized_manuscript", N_("Anonymized manuscript")
    SUPPLEMENT = "supplement", N_("Supplementary file")
    RESPONSE_LETTER = "response_letter", N_("Response to reviewers")
    REVIEW_ATTACHMENT = "review_attachment", N_("Review attachment")
    GALLEY = "galley", N_("Galley")
    LATEX_SOURCE = "latex_source", N_("LaTeX source")


class SubmissionFile(db.Model):
    """One stored object. Never overwritten: a new version is a new row and a new object."""

    __tablename__ = "submission_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    round: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[FileKind] = mapped_column(enum_column(FileKind, "file_kind"))
    storage_key: Mapped[str] = mapped_column(String(255), unique=True)
    original_name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    media_type: Mapped[str] = mapped_column(String(127))
    page_count: Mapped[int | None] = mapped_column(Integer)
    # What the PDF check found: risky features, where contributor names appear, empty text.
    pdf_report: Mapped[dict | None] = mapped_column(JSON)
    # A reviewer's attachment that names them (pdf_report["found"]) reaches the authors only once the reviewer,
    # shown what was found and where, confirmed that it may: when they did.
    names_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The reviewers' copy points to the manuscript it was made from.
    derived_from_id: Mapped[int | None] = mapped_column(ForeignKey("submission_files.id"))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    submission: Mapped["Submission"] = relationship(back_populates="files")  # noqa: F821
    uploaded_by: Mapped["User | None"] = relationship()  # noqa: F821
    derived_from: Mapped["SubmissionFile | None"] = relationship(remote_side=[id])

    @property
    def names_found(self) -> list[tuple[str, str]]:
        """What the PDF check found: (name or address as searched, where: "page 2", "document properties", …)."""
        return [(term, where) for term, where in (self.pdf_report or {}).get("found") or []]

    @property
    def withheld_for_names(self) -> bool:
        """A file naming its uploader that they have not confirmed may be shared (a review attachment)."""
        return bool(self.names_found) and self.names_confirmed_at is None
