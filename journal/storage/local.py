"""Files in a local directory: the embedded default for development and small installations."""

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from flask import url_for
from itsdangerous import URLSafeTimedSerializer

from journal.storage.base import CHUNK, HashingReader, Storage, StorageError, StoredObject


class LocalStorage(Storage):
    name = "local"

    def __init__(self, root: str | os.PathLike, secret_key: str):
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self._signer = URLSafeTimedSerializer(secret_key, salt="local-storage-download")

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not key or self.root not in path.parents:
            raise StorageError(f"invalid storage key {key!r}")
        return path

    def put(self, key, stream, *, media_type="application/octet-stream", max_size=None) -> StoredObject:
        path = self._path(key)
        if path.exists():
            raise StorageError(f"object {key!r} exists; stored files are never overwritten")
        path.parent.mkdir(parents=True, exist_ok=True)
        reader = HashingReader(stream, max_size)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := reader.read(CHUNK):
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.link(tmp, path)  # fails if another writer won the key
        finally:
            os.unlink(tmp)
        return StoredObject(key=key, size=reader.size, sha256=reader.sha256)

    def open(self, key: str) -> BinaryIO:
        try:
            return self._path(key).open("rb")
        except FileNotFoundError:
            raise StorageError(f"object {key!r} is missing") from None

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def keys(self, prefix: str = "") -> Iterator[str]:
        for dirpath, _dirs, files in os.walk(self.root):
            for name in files:
                if name.startswith(".upload-"):
                    continue
                key = Path(dirpath, name).relative_to(self.root).as_posix()
                if key.startswith(prefix):
                    yield key

    def download_url(self, key, *, filename, media_type, inline=False, expires_in=300) -> str:
        token = self._signer.dumps({"k": key, "f": filename, "t": media_type, "i": inline, "e": expires_in})
        return url_for("files.download", token=token)

    def read_token(self, token: str) -> dict:
        """The download a signed token allows; raises itsdangerous errors when expired or tampered."""
        data = self._signer.loads(token, max_age=None)
        data = self._signer.loads(token, max_age=data["e"])
        return data

    def check(self) -> None:
        if not os.access(self.root, os.W_OK):
            raise StorageError(f"storage directory {self.root} is not writable")
