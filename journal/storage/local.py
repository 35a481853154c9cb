"""Files in a local directory: the embedded default for development and small installations."""

import os
import stat
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from flask import current_app, has_request_context, url_for
from itsdangerous import URLSafeTimedSerializer

from journal.storage.base import (CHUNK, HashingReader, ObjectMissing, Storage, StorageError, StorageUnavailable,
                                  StoredObject, check_key)

TEMP_PREFIX = ".upload-"  # valid keys never have a segment starting with a dot


class LocalStorage(Storage):
    name = "local"

    def __init__(self, root: str | os.PathLike, secret_key: str):
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self._signer = URLSafeTimedSerializer(secret_key, salt="local-storage-download")

    def _path(self, key: str) -> Path:
        path = self.root / check_key(key)
        # A symlink planted inside the root must not lead out of it either.
        if self.root not in path.resolve().parents:
            raise StorageError(f"invalid storage key {key!r}")
        return path

    def put(self, key, stream, *, media_type="application/octet-stream", max_size=None) -> StoredObject:
        path = self._path(key)
        if self.exists(key):  # a failing disk answers StorageUnavailable here, before the stream is read
            raise StorageError(f"object {key!r} exists; stored files are never overwritten")
        reader = HashingReader(stream, max_size)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=TEMP_PREFIX)
        except OSError as exc:  # the disk or mount failing, not the user's file
            raise StorageUnavailable(f"could not store {key!r} under {self.root}: {exc}") from exc
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := reader.read(CHUNK):
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.link(tmp, path)  # atomic, and fails if another writer won the key
        except FileExistsError:
            raise StorageError(f"object {key!r} exists; stored files are never overwritten") from None
        except OSError as exc:
            raise StorageUnavailable(f"could not store {key!r} under {self.root}: {exc}") from exc
        finally:
            os.unlink(tmp)
        _fsync_directory(path.parent)
        return StoredObject(key=key, size=reader.size, sha256=reader.sha256)

    def open(self, key: str) -> BinaryIO:
        path = self._path(key)
        try:
            return path.open("rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):  # a directory is not an object either
            raise ObjectMissing(f"object {key!r} is missing") from None
        except OSError as exc:
            raise StorageUnavailable(f"could not read {path}: {exc}") from exc

    def delete(self, key: str) -> None:
        path = self._path(key)
        try:
            path.unlink(missing_ok=True)
        except IsADirectoryError:  # a directory is not an object: nothing to delete
            pass
        except OSError as exc:
            raise StorageUnavailable(f"could not delete {path}: {exc}") from exc

    def exists(self, key: str) -> bool:
        path = self._path(key)
        try:
            return stat.S_ISREG(path.stat().st_mode)
        except (FileNotFoundError, NotADirectoryError):
            return False
        except OSError as exc:
            raise StorageUnavailable(f"could not look up {path}: {exc}") from exc

    def keys(self, prefix: str = "") -> Iterator[str]:
        for key, _written in self.listing(prefix):
            yield key

    def listing(self, prefix: str = "") -> Iterator[tuple[str, datetime]]:
        # Walk only the directory the prefix names, not the whole tree.
        directory = prefix.rpartition("/")[0]
        try:
            top = self._path(directory) if directory else self.root
        except StorageError:
            return
        for dirpath, dirs, files in os.walk(top):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                if name.startswith("."):
                    continue  # an upload in progress
                path = Path(dirpath, name)
                key = path.relative_to(self.root).as_posix()
                if key.startswith(prefix):
                    try:
                        written = datetime.fromtimestamp(path.stat().st_mtime, UTC)
                    except FileNotFoundError:
                        continue  # deleted while listed
                    yield key, written

    def download_url(self, key, *, filename, media_type, inline=False, expires_in=300) -> str:
        """The signed route /files/<token>: a path within a request, an absolute BASE_URL link outside one."""
        check_key(key)
        token = self._signer.dumps({"k": key, "f": filename, "t": media_type, "i": inline, "e": expires_in})
        if has_request_context():
            return url_for("files.download", token=token)
        path = current_app.url_map.bind("localhost").build("files.download", {"token": token})
        return current_app.config["BASE_URL"].rstrip("/") + path

    def read_token(self, token: str) -> dict:
        """The download a signed token allows; raises itsdangerous errors when expired or tampered."""
        data = self._signer.loads(token, max_age=None)
        data = self._signer.loads(token, max_age=data["e"])
        return data

    def check(self) -> None:
        if not os.access(self.root, os.W_OK):
            raise StorageUnavailable(f"storage directory {self.root} is not writable")


def _fsync_directory(directory: Path) -> None:
    """Make the new directory entry durable, as the file's bytes already are."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
