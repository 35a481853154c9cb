"""The storage interface: one suite, run against the local directory and a real SeaweedFS S3 server.

The `storage` fixture (tests/fixtures/s3.py) gives each backend in turn.
"""

import hashlib
import io
import tracemalloc

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from journal.extensions import db
from journal.models import AuditEvent, FileKind, Submission, SubmissionFile
from journal.services import files as file_service
from journal.services.files import add_submission_file
from journal.storage import StorageError, new_key
from journal.storage.s3 import PART_SIZE

MB = 1024 * 1024


class GeneratedUpload(io.RawIOBase):
    """A stream of `size` bytes made on the fly, handed out one odd-sized piece per read, as a socket does.

    Nothing is kept: the bytes of piece i depend only on i, so `sha256` is known without storing them."""

    PIECE = 1_000_003

    def __init__(self, size: int):
        self.size = size
        self._pieces = self._generate()
        self._left = b""

    @classmethod
    def piece(cls, index: int, length: int) -> bytes:
        return (index.to_bytes(4, "big") * (length // 4 + 1))[:length]

    def _generate(self):
        index, remaining = 0, self.size
        while remaining:
            length = min(self.PIECE, remaining)
            yield self.piece(index, length)
            index, remaining = index + 1, remaining - length

    def readable(self):
        return True

    def read(self, n=-1):
        if not self._left:
            self._left = next(self._pieces, b"")
        if n is None or n < 0:
            n = len(self._left)
        data, self._left = self._left[:n], self._left[n:]
        return data

    @classmethod
    def expected(cls, size: int) -> tuple[int, str]:
        digest = hashlib.sha256()
        for piece in cls(size)._generate():
            digest.update(piece)
        return size, digest.hexdigest()

    @classmethod
    def content(cls, size: int) -> bytes:
        return b"".join(cls(size)._generate())


def read_all(storage, key: str) -> bytes:
    with storage.open(key) as stream:
        return stream.read()


# -- put, open, delete, exists, keys ------------------------------------------------------------


def test_put_streams_a_multi_megabyte_file_and_reports_its_size_and_sha256(storage):
    size = 12 * MB  # more than one S3 part: a multipart upload
    stored = storage.put("submissions/1/manuscript", GeneratedUpload(size), media_type="application/pdf")

    assert (stored.key, stored.size, stored.sha256) == ("submissions/1/manuscript", *GeneratedUpload.expected(size))
    content = read_all(storage, "submissions/1/manuscript")
    assert len(content) == size
    assert hashlib.sha256(content).hexdigest() == stored.sha256
    if storage.name == "s3":
        head = storage.client.head_object(Bucket=storage.bucket, Key=storage.prefix + "submissions/1/manuscript")
        assert head["ContentLength"] == size
        assert head["ContentType"] == "application/pdf"
        assert size > PART_SIZE  # so this was a multipart upload, whose parts S3 checks for size


def test_put_keeps_memory_flat_whatever_the_file_size(storage):
    size = 64 * MB
    upload = GeneratedUpload(size)
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        stored = storage.put("submissions/1/big", upload)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert stored.size == size
    # One S3 part (8 MiB) at a time, and far less for a local file: never the file.
    assert peak < 20 * MB, f"peak traced memory {peak / MB:.1f} MB for a {size // MB} MB upload"
    assert (stored.size, stored.sha256) == GeneratedUpload.expected(size)


def test_open_returns_the_stored_bytes(storage):
    content = b"%PDF-1.7\n" + bytes(range(256)) * 100
    stored = storage.put("submissions/2/file", io.BytesIO(content))

    assert read_all(storage, "submissions/2/file") == content
    assert stored.size == len(content)
    assert stored.sha256 == hashlib.sha256(content).hexdigest()


def test_an_empty_file_is_stored_too(storage):
    stored = storage.put("submissions/2/empty", io.BytesIO(b""))

    assert (stored.size, stored.sha256) == (0, hashlib.sha256(b"").hexdigest())
    assert storage.exists("submissions/2/empty")
    assert read_all(storage, "submissions/2/empty") == b""


def test_a_stored_object_is_never_overwritten(storage):
    storage.put("submissions/3/file", io.BytesIO(b"first version"))

    with pytest.raises(StorageError, match="never overwritten"):
        storage.put("submissions/3/file", io.BytesIO(b"second version"))
    assert read_all(storage, "submissions/3/file") == b"first version"


def test_opening_a_missing_object_raises_storage_error(storage):
    with pytest.raises(StorageError, match="missing"):
        storage.open("submissions/4/nothing-here")


def test_delete_removes_the_object_and_tolerates_a_missing_one(storage):
    storage.put("submissions/5/file", io.BytesIO(b"data"))
    assert storage.exists("submissions/5/file")

    storage.delete("submissions/5/file")
    assert not storage.exists("submissions/5/file")
    assert list(storage.keys()) == []
    storage.delete("submissions/5/file")  # already gone: no error
    storage.delete("submissions/5/never-was")


def test_keys_lists_the_objects_under_a_prefix(storage):
    for key in ("submissions/6/a", "submissions/6/b", "submissions/60/c", "galleys/6/d"):
        storage.put(key, io.BytesIO(key.encode()))

    assert sorted(storage.keys("submissions/6/")) == ["submissions/6/a", "submissions/6/b"]
    assert sorted(storage.keys("submissions/")) == ["submissions/6/a", "submissions/6/b", "submissions/60/c"]
    assert sorted(storage.keys()) == ["galleys/6/d", "submissions/6/a", "submissions/6/b", "submissions/60/c"]
    assert list(storage.keys("reviews/")) == []


def test_new_keys_are_random_and_under_their_prefix(storage):
    first, second = new_key("submissions/7"), new_key("/submissions/7/")

    assert first != second
    assert first.startswith("submissions/7/") and second.startswith("submissions/7/")
    storage.put(first, io.BytesIO(b"a"))
    storage.put(second, io.BytesIO(b"b"))
    assert sorted(storage.keys("submissions/7/")) == sorted([first, second])


BAD_KEYS = ["../x", "/abs", "", "submissions/../../x", "submissions//x", "submissions/./x", "submissions/x/",
            ".hidden", "submissions/x y", "submissions/\u00fcber", "a\\b", "x" * 256]


@pytest.mark.parametrize("key", BAD_KEYS)
def test_invalid_keys_are_refused_by_every_operation(storage, key, tmp_path):
    with pytest.raises(StorageError, match="invalid storage key"):
        storage.put(key, io.BytesIO(b"data"))
    for operation in (storage.open, storage.delete, storage.exists):
        with pytest.raises(StorageError, match="invalid storage key"):
            operation(key)
    assert list(storage.keys()) == []
    assert not (tmp_path / "x").exists()  # nothing escaped the local storage root


def test_a_stream_over_the_size_limit_is_refused_and_leaves_nothing_behind(storage):
    with pytest.raises(StorageError, match="larger than the limit"):
        storage.put("submissions/8/too-big", GeneratedUpload(12 * MB), max_size=10 * MB)

    assert not storage.exists("submissions/8/too-big")
    assert list(storage.keys()) == []
    if storage.name == "s3":  # the unfinished multipart upload was aborted, not left to cost money
        uploads = storage.client.list_multipart_uploads(Bucket=storage.bucket, Prefix=storage.prefix)
        assert uploads.get("Uploads", []) == []


def test_check_passes_for_a_reachable_backend(storage):
    storage.check()


# -- add_submission_file: the object first, then the row ----------------------------------------


@pytest.fixture
def submission(make_journal, make_user):
    submission = Submission(journal=make_journal(), submitter=make_user(), title="Dust in the Kuiper belt")
    db.session.add(submission)
    db.session.commit()
    return submission


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_add_submission_file_stores_the_object_then_records_row_and_audit_event(app_storage, submission):
    author = submission.submitter
    content = b"%PDF-1.7 manuscript"

    file = add_submission_file(author, submission, kind=FileKind.MANUSCRIPT, stream=io.BytesIO(content),
                               original_name="../../etc/passwd my paper.pdf", media_type="application/pdf")

    db.session.expire_all()
    row = db.session.get(SubmissionFile, file.id)
    assert row.submission_id == submission.id and row.kind == FileKind.MANUSCRIPT and row.round == 0
    assert row.storage_key.startswith(f"submissions/{submission.id}/")
    assert "passwd" not in row.storage_key  # the user's file name never becomes a key
    assert row.original_name == "../../etc/passwd my paper.pdf"
    assert (row.size, row.sha256) == (len(content), hashlib.sha256(content).hexdigest())
    assert row.media_type == "application/pdf" and row.uploaded_by_id == author.id
    assert read_all(app_storage, row.storage_key) == content
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "file.uploaded"))
    assert (event.actor_id, event.subject_type, event.subject_id) == (author.id, "submission", submission.id)
    assert event.journal_id == submission.journal_id
    assert event.payload["file_id"] == row.id and event.payload["sha256"] == row.sha256


def test_add_submission_file_deletes_the_object_when_the_commit_fails(app_storage, submission, monkeypatch):
    # A row whose key the next upload will be given: the commit meets the unique constraint for real.
    taken = new_key(f"submissions/{submission.id}")
    db.session.add(SubmissionFile(submission=submission, kind=FileKind.MANUSCRIPT, storage_key=taken,
                                  original_name="earlier.pdf", size=1, sha256="0" * 64, media_type="application/pdf"))
    db.session.commit()
    monkeypatch.setattr(file_service, "new_key", lambda prefix: taken)

    with pytest.raises(IntegrityError):
        add_submission_file(submission.submitter, submission, kind=FileKind.SUPPLEMENT,
                            stream=io.BytesIO(b"supplementary data"), original_name="data.csv",
                            media_type="text/csv")

    assert not app_storage.exists(taken)  # the object written before the commit is gone again
    assert list(app_storage.keys()) == []
    assert count(SubmissionFile) == 1
    assert count(AuditEvent) == 0
    assert db.session.scalar(select(SubmissionFile.original_name)) == "earlier.pdf"  # session usable again


def test_add_submission_file_refuses_a_file_over_the_upload_limit(app, app_storage, submission):
    app.config["MAX_CONTENT_LENGTH"] = 1 * MB

    with pytest.raises(StorageError, match="larger than the limit"):
        add_submission_file(submission.submitter, submission, kind=FileKind.MANUSCRIPT,
                            stream=GeneratedUpload(2 * MB), original_name="huge.pdf", media_type="application/pdf")

    assert count(SubmissionFile) == 0
    assert list(app_storage.keys()) == []
