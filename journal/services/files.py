"""Stored files of submissions: the object first, then the row that points to it."""

import logging
from typing import BinaryIO

from flask import current_app

from journal.audit import audit
from journal.extensions import db
from journal.models import FileKind, Submission, SubmissionFile, User
from journal.services.errors import FilesUnavailable
from journal.storage import StorageError, StorageUnavailable, get_storage, new_key

log = logging.getLogger(__name__)


def add_submission_file(actor: User | None, submission: Submission, *, kind: FileKind, stream: BinaryIO,
                        original_name: str, media_type: str, round: int = 0,
                        description: str = "") -> SubmissionFile:
    """Store an uploaded file of a submission and record it.

    The object is written (streamed, hashed on the way) before the row is committed, under a
    random key: the user's file name is only kept on the row. When the commit fails, the object
    is deleted again, so storage never keeps a file that no row knows about. Who may upload what
    is the caller's rule to check. Storage not answering is FilesUnavailable, with nothing recorded."""
    kind = FileKind(kind)
    storage = get_storage()
    key = new_key(f"submissions/{submission.id}")
    stored = put_or_explain(storage, key, stream, media_type=media_type,
                            max_size=current_app.config.get("MAX_CONTENT_LENGTH"))
    try:
        file = SubmissionFile(
            submission=submission,
            round=round,
            kind=kind,
            storage_key=stored.key,
            original_name=original_name[:255],
            description=description,
            size=stored.size,
            sha256=stored.sha256,
            media_type=media_type,
            uploaded_by=actor,
        )
        db.session.add(file)
        db.session.flush()
        audit(actor, "file.uploaded", submission, file_id=file.id, kind=kind.value, name=file.original_name,
              size=stored.size, sha256=stored.sha256, round=round)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        try:
            storage.delete(stored.key)
        except StorageError:  # keep the commit's error; check-storage will list the orphan
            log.exception("could not delete %s after a failed commit", stored.key)
        raise
    return file


def put_or_explain(storage, key: str, stream: BinaryIO, *, media_type: str, max_size: int | None):
    """storage.put, with an outage turned into FilesUnavailable: the form says so and keeps what was typed;
    the log gets the details (bucket, endpoint, cause), which the user never sees."""
    try:
        return storage.put(key, stream, media_type=media_type, max_size=max_size)
    except StorageUnavailable as exc:
        log.error("files service unavailable, upload refused: %s", exc)
        raise FilesUnavailable() from exc


class StagedObjects:
    """Objects written during one service call; deleted again if its transaction does not commit.
    A put while storage is down raises FilesUnavailable, and the transaction is rolled back.

        with StagedObjects() as staged:
            stored = staged.put(f"submissions/{id}", stream, media_type="application/pdf")
            ... add rows ...
            db.session.commit()
    """

    def __init__(self):
        self.storage = get_storage()
        self.keys: list[str] = []

    def put(self, prefix: str, stream: BinaryIO, *, media_type: str, max_size: int | None = None):
        key = new_key(prefix)
        stored = put_or_explain(self.storage, key, stream, media_type=media_type,
                                max_size=max_size or current_app.config.get("MAX_CONTENT_LENGTH"))
        self.keys.append(stored.key)
        return stored

    def __enter__(self) -> "StagedObjects":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            return
        db.session.rollback()
        for key in self.keys:
            try:
                self.storage.delete(key)
            except StorageError:
                log.exception("could not delete %s after a failed commit", key)
