"""The storage interface: two backends, one signature."""

import hashlib
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO
from urllib.parse import quote

CHUNK = 1024 * 1024


class StorageError(Exception):
    pass


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    sha256: str


class HashingReader:
    """Wraps a stream; counts and hashes what passes through, so memory stays flat."""

    def __init__(self, stream: BinaryIO, max_size: int | None = None):
        self._stream = stream
        self._hash = hashlib.sha256()
        self.size = 0
        self.max_size = max_size

    def read(self, n: int = -1) -> bytes:
        data = self._stream.read(CHUNK if n is None or n < 0 else n)
        self._hash.update(data)
        self.size += len(data)
        if self.max_size is not None and self.size > self.max_size:
            raise StorageError(f"file is larger than the limit of {self.max_size} bytes")
        return data

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()


def new_key(prefix: str) -> str:
    """A random object key under a prefix; a user's file name never becomes a key."""
    return f"{prefix.strip('/')}/{uuid.uuid4().hex}"


def content_disposition(filename: str, inline: bool = False) -> str:
    """RFC 6266 header value with an ASCII fallback and the UTF-8 name."""
    kind = "inline" if inline else "attachment"
    ascii_name = "".join(c if 32 <= ord(c) < 127 and c not in '"\\;' else "_" for c in filename) or "download"
    header = f'{kind}; filename="{ascii_name}"'
    if ascii_name != filename:
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
        """Store the stream under key, hashing on the way. Refuses to overwrite an existing key."""

    @abstractmethod
    def open(self, key: str) -> BinaryIO:
        """A readable binary stream of the object (the caller closes it)."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the object; no error when it is already gone."""

    @abstractmethod
    def exists(self, key: str) -> bool: ...

    @abstractmethod
    def keys(self, prefix: str = "") -> Iterator[str]:
        """Every stored key under prefix (for consistency checks)."""

    @abstractmethod
    def download_url(self, key: str, *, filename: str, media_type: str, inline: bool = False,
                     expires_in: int = 300) -> str:
        """A short-lived URL that serves the object under the caller's chosen file name."""

    def check(self) -> None:
        """Raise StorageError when the backend cannot be reached (used by /healthz)."""
