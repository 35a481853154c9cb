"""The storage interface: two backends, one signature."""

import hashlib
import re
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO
from urllib.parse import quote

CHUNK = 1024 * 1024
MAX_KEY_LENGTH = 255  # submission_files.storage_key
_KEY_SEGMENT = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")


class StorageError(Exception):
    pass


class StorageUnavailable(StorageError):
    """The backend did not answer (S3 endpoint down or refusing, a local disk failing): try again later.

    The message holds the details (bucket, endpoint, cause) for the log, never for the user."""


class ObjectMissing(StorageError):
    """The backend answered, and the object is not there."""


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    sha256: str


class HashingReader:
    """Wraps a stream; counts and hashes what passes through, so memory stays flat.

    read(n) returns n bytes unless the stream ends, as a file does, even when the wrapped
    stream (a socket, a generator) hands out less per call: boto3 and S3 take a short
    read for the end of the data.
    """

    def __init__(self, stream: BinaryIO, max_size: int | None = None):
        self._stream = stream
        self._hash = hashlib.sha256()
        self.size = 0
        self.max_size = max_size

    def readable(self) -> bool:
        return True

    def read(self, n: int | None = -1) -> bytes:
        if n is None or n < 0:
            return b"".join(iter(lambda: self.read(CHUNK), b""))
        data = self._stream.read(n) if n else b""
        if data and len(data) < n:
            pieces, got = [data], len(data)
            while got < n and (more := self._stream.read(n - got)):
                pieces.append(more)
                got += len(more)
            data = b"".join(pieces)
            del pieces
        self._hash.update(data)
        self.size += len(data)
        if self.max_size is not None and self.size > self.max_size:
            raise StorageError(f"file is larger than the limit of {self.max_size} bytes")
        return data

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()


def check_key(key: str) -> str:
    """Refuse keys that could leave the storage root or mean different things to the two backends."""
    if (not isinstance(key, str) or not key or len(key) > MAX_KEY_LENGTH
            or not all(_KEY_SEGMENT.fullmatch(segment) for segment in key.split("/"))):
        raise StorageError(f"invalid storage key {key!r}")
    return key


def new_key(prefix: str) -> str:
    """A random object key under a prefix; a user's file name never becomes a key."""
    prefix = prefix.strip("/")
    return f"{prefix}/{uuid.uuid4().hex}" if prefix else uuid.uuid4().hex


def content_disposition(filename: str, inline: bool = False) -> str:
    """RFC 6266 header value: a quoted ASCII fallback that cannot break out of its quotes (and that no
    browser percent-decodes), then the exact name as RFC 5987 UTF-8 in filename*."""
    kind = "inline" if inline else "attachment"
    ascii_name = "".join(c if 32 <= ord(c) < 127 and c not in '"\\;%/' else "_" for c in filename) or "download"
    header = f'{kind}; filename="{ascii_name}"'
    if filename and ascii_name != filename:
        header += f"; filename*=UTF-8''{quote(filename, safe='')}"
    return header


def sha256_of(stream: BinaryIO) -> tuple[str, int]:
    reader = HashingReader(stream)
    while reader.read(CHUNK):
        pass
    return reader.sha256, reader.size


class Storage(ABC):
    """Where file bytes live. Keys are opaque strings such as `submissions/42/<uuid>`."""

    name: str

    @abstractmethod
    def put(self, key: str, stream: BinaryIO, *, media_type: str = "application/octet-stream",
            max_size: int | None = None) -> StoredObject:
        """Store the stream under key, hashing on the way, never holding it whole in memory.

        Raises StorageError when the key exists (objects are never overwritten), is invalid
        (see check_key), or the stream passes max_size bytes, and StorageUnavailable when the backend
        does not answer; nothing is left behind then."""

    @abstractmethod
    def open(self, key: str) -> BinaryIO:
        """A readable binary stream of the object (the caller closes it); ObjectMissing when there is none."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the object; no error when it is already gone."""

    @abstractmethod
    def exists(self, key: str) -> bool: ...

    @abstractmethod
    def keys(self, prefix: str = "") -> Iterator[str]:
        """Every stored key under prefix (for consistency checks)."""

    @abstractmethod
    def listing(self, prefix: str = "") -> Iterator[tuple[str, datetime]]:
        """Every stored key under prefix with the time its object was written (UTC): the orphan sweep deletes only
        objects old enough that no upload can still be on its way to its row."""

    @abstractmethod
    def download_url(self, key: str, *, filename: str, media_type: str, inline: bool = False,
                     expires_in: int = 300) -> str:
        """A short-lived URL that serves the object under the caller's chosen file name.

        Callers use journal.storage.signed_download(), which reads the lifetime from DOWNLOAD_URL_SECONDS."""

    def check(self) -> None:
        """Raise StorageUnavailable when the backend cannot be reached (used by /healthz)."""
