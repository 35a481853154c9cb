"""Compare the file rows with the stored objects: a paper's files and its messages' files (submissions/), the
HTML full texts' sources and figures (full-texts/) and the LaTeX compile logs (latex-logs/)."""

from dataclasses import dataclass, field

from sqlalchemy import null, select, union_all

from journal.extensions import db
from journal.models import FullText, FullTextFigure, LatexCompile, Message, SubmissionFile
from journal.storage import Storage, StorageError
from journal.storage.base import sha256_of


@dataclass
class StorageReport:
    rows_checked: int = 0
    objects_seen: int = 0
    missing_objects: list[tuple[int, str]] = field(default_factory=list)  # (file id, key)
    orphan_objects: list[str] = field(default_factory=list)
    checksum_mismatches: list[tuple[int, str, str, str]] = field(default_factory=list)  # id, key, want, got

    @property
    def ok(self) -> bool:
        return not (self.missing_objects or self.orphan_objects or self.checksum_mismatches)


# Where the application stores objects; anything else in the bucket is not the journal's to judge.
PREFIXES = ("submissions/", "full-texts/", "latex-logs/")


def check_storage(storage: Storage, *, verify_checksums: bool = True, prefixes: tuple[str, ...] = PREFIXES
                  ) -> StorageReport:
    """Rows without objects, objects without rows, and (streaming each object) checksum mismatches."""
    report = StorageReport()
    stored = {key for prefix in prefixes for key in storage.keys(prefix)}
    report.objects_seen = len(stored)
    known = set()
    # Files of submissions, the files of messages on a paper (journal/services/conversations.py), the figures of
    # full texts, with their checksums; then full-text sources and compile logs, which have none (None: only
    # their presence is checked).
    rows = db.session.execute(union_all(
        select(SubmissionFile.id, SubmissionFile.storage_key, SubmissionFile.sha256),
        select(Message.id, Message.file_key, Message.file_sha256).where(Message.file_key.is_not(None)),
        select(FullTextFigure.id, FullTextFigure.storage_key, FullTextFigure.sha256),
        select(FullText.id, FullText.source_key, null()).where(FullText.source_key != ""),
        select(LatexCompile.id, LatexCompile.log_key, null()).where(LatexCompile.log_key.is_not(None))))
    for file_id, key, sha256 in rows:
        report.rows_checked += 1
        known.add(key)
        if key not in stored and not storage.exists(key):
            report.missing_objects.append((file_id, key))
            continue
        if verify_checksums and sha256 is not None:
            try:
                with storage.open(key) as stream:
                    actual, _size = sha256_of(stream)
            except StorageError:
                report.missing_objects.append((file_id, key))
                continue
            if actual != sha256:
                report.checksum_mismatches.append((file_id, key, sha256, actual))
    report.orphan_objects = sorted(k for k in stored - known)
    return report
