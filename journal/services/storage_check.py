"""Compare the file rows with the stored objects: a paper's files and its messages' files (submissions/), the
HTML full texts' sources and figures (full-texts/) and the LaTeX compile logs (latex-logs/)."""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

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
    # When each orphan was written (the sweep deletes only old ones).
    orphan_written: dict[str, datetime] = field(default_factory=dict)
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
    stored = {key: written for prefix in prefixes for key, written in storage.listing(prefix)}
    report.objects_seen = len(stored)
    known = set()
    for file_id, key, sha256 in _rows():
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
    report.orphan_objects = sorted(k for k in stored.keys() - known)
    report.orphan_written = {key: stored[key] for key in report.orphan_objects}
    return report


def _rows(keys: list[str] | None = None):
    """(row id, key, sha256) of every row naming a stored object, or of those naming the given keys: files of
    submissions, the files of messages on a paper (journal/services/conversations.py), the figures of full texts,
    with their checksums; then full-text sources and compile logs, which have none (None: only their presence is
    checked)."""
    parts = [
        (select(SubmissionFile.id, SubmissionFile.storage_key, SubmissionFile.sha256), SubmissionFile.storage_key),
        (select(Message.id, Message.file_key, Message.file_sha256).where(Message.file_key.is_not(None)),
         Message.file_key),
        (select(FullTextFigure.id, FullTextFigure.storage_key, FullTextFigure.sha256), FullTextFigure.storage_key),
        (select(FullText.id, FullText.source_key, null()).where(FullText.source_key != ""), FullText.source_key),
        (select(LatexCompile.id, LatexCompile.log_key, null()).where(LatexCompile.log_key.is_not(None)),
         LatexCompile.log_key),
    ]
    if keys is not None:
        parts = [(query.where(column.in_(keys)), column) for query, column in parts]
    return db.session.execute(union_all(*(query for query, _column in parts)))


def sweep_orphans(storage: Storage, report: StorageReport, *, older_than: timedelta,
                  now: datetime | None = None) -> list[str]:
    """Delete the report's orphan objects written before `older_than` ago; return their keys.

    An object is stored before its row is committed, so a young orphan may be an upload on its way (or a file whose
    transaction is about to commit): those are left. Each key is looked up again just before it goes, in case a row
    took it since the report."""
    cutoff = (now or datetime.now(UTC)) - older_than
    old = [key for key in report.orphan_objects if report.orphan_written[key] < cutoff]
    claimed = {key for _id, key, _sha in _rows(old)} if old else set()
    deleted = []
    for key in old:
        if key not in claimed:
            storage.delete(key)
            deleted.append(key)
    return deleted
