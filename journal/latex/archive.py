"""Unpack an author's LaTeX source archive (.zip, .tar.gz) safely, or refuse it with a reason they can act on.

Nothing in the archive is trusted: names are checked before anything is written (no absolute path, no `..`, no
drive letter, no control character), links and special files are refused, the sizes in the headers are ignored
and the bytes actually unpacked are counted against the limit as they stream (a zip bomb stops at the limit,
not after it), and so are the files. Everything is written with fresh permissions, with `O_EXCL | O_NOFOLLOW`.
An archive inside the archive (one level: a .zip or .tar.gz beside the sources) is unpacked in place, into a
folder named after it, under the same limits; one inside that is refused.
"""

from __future__ import annotations

import gzip
import io
import os
import re
import shutil
import stat
import tarfile
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from journal.latex import N_, size_words, translated

MAX_FILES = 500
MAX_BYTES = 200 * 2 ** 20
_CHUNK = 64 * 1024
_SKIPPED = ("__MACOSX/",)  # the Finder's resource forks: not the author's files
_SKIPPED_NAMES = (".DS_Store", "Thumbs.db")
ARCHIVE_SUFFIXES = (".zip", ".tar.gz", ".tgz", ".tar")

NOT_AN_ARCHIVE = N_("This file is not a .zip or .tar.gz archive. Please upload your LaTeX source as a .zip or "
                    ".tar.gz file.")
DAMAGED = N_("This archive is damaged and cannot be unpacked. Please make it again and upload the new file.")
ENCRYPTED = N_("This archive is encrypted. Please upload an archive without a password.")
UNSAFE_PATH = N_("This archive contains a file with an unsafe name (%(name)s): an absolute path or one leading "
                 "out of its folder with \"..\". Please make the archive from inside your paper's folder.")
LINK = N_("This archive contains a link (%(name)s). Links are not accepted: please replace it with the file "
          "itself.")
SPECIAL_FILE = N_("This archive contains something that is neither a file nor a folder (%(name)s).")
DUPLICATE = N_("This archive contains %(name)s twice.")
TOO_MANY_FILES = N_("This archive contains more than %(limit)s files, the limit.")
TOO_MANY_BYTES = N_("This archive unpacks to more than %(size)s, the limit.")
NESTED = N_("This archive contains an archive inside an archive (%(name)s); only one level of archives inside "
            "the upload is unpacked.")
NO_TEX = N_("This archive contains no .tex file.")
NO_MAIN = N_("No .tex file in this archive starts a document (with \\documentclass and \\begin{document}).")


class ArchiveRefused(Exception):
    """The archive is refused; `reason` is the English sentence (with `template`, `values` to store it), `message`
    the same in the reader's language."""

    def __init__(self, template: str, values: dict | None = None):
        self.template = template
        self.values = dict(values or {})
        self.reason = template % self.values if self.values else template
        super().__init__(self.reason)

    @property
    def message(self) -> str:
        return translated(self.template, self.values)


@dataclass
class Unpacked:
    root: Path
    files: list[str]  # every file unpacked, relative to root, "/"-separated, sorted
    mains: list[str]  # the .tex files that start a document, the likeliest first


def unpack(source: BinaryIO | bytes, filename: str, dest: Path, *, max_files: int = MAX_FILES,
           max_bytes: int = MAX_BYTES, latex: bool = True) -> Unpacked:
    """Unpack the archive `source` (its name `filename` as uploaded) into the directory `dest` (created; should
    be empty). Raises ArchiveRefused, leaving `dest` as it was, when the archive is unsafe, unreasonable or (unless
    `latex` is false: a JATS XML with its figures, say) holds no LaTeX document."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    existing = set(os.listdir(dest))
    budget = _Budget(max_files, max_bytes)
    try:
        with _spooled(source, max_bytes) as spool:
            _unpack_one(spool, filename, dest, PurePosixPath(), budget, nested=False)
        files = sorted(budget.written)
        if latex and not any(name.lower().endswith(".tex") for name in files):
            raise ArchiveRefused(NO_TEX)
        mains = find_mains(dest, files)
        if latex and not mains:
            raise ArchiveRefused(NO_MAIN)
    except BaseException:
        _remove_new(dest, existing)
        raise
    return Unpacked(root=dest, files=files, mains=mains)


class _Budget:
    """Files and bytes written so far, for the whole upload (nested archives included)."""

    def __init__(self, max_files: int, max_bytes: int):
        self.max_files, self.max_bytes = max_files, max_bytes
        self.files = 0
        self.bytes = 0
        self.written: set[str] = set()

    def add_file(self, name: str) -> None:
        if name in self.written:
            raise ArchiveRefused(DUPLICATE, {"name": name})
        self.files += 1
        if self.files > self.max_files:
            raise ArchiveRefused(TOO_MANY_FILES, {"limit": f"{self.max_files:,}"})
        self.written.add(name)

    def add_bytes(self, count: int) -> None:
        self.bytes += count
        if self.bytes > self.max_bytes:
            raise ArchiveRefused(TOO_MANY_BYTES, {"size": size_words(self.max_bytes)})


class _spooled:
    """The upload as a seekable file of at most max_bytes (an archive larger than what it may unpack to is
    refused before it is read)."""

    def __init__(self, source: BinaryIO | bytes, max_bytes: int):
        self.source, self.max_bytes = source, max_bytes

    def __enter__(self) -> BinaryIO:
        self.file = tempfile.TemporaryFile()
        if isinstance(self.source, (bytes, bytearray, memoryview)):
            if len(self.source) > self.max_bytes:
                raise ArchiveRefused(TOO_MANY_BYTES, {"size": size_words(self.max_bytes)})
            self.file.write(self.source)
        else:
            copied = 0
            while chunk := self.source.read(_CHUNK):
                copied += len(chunk)
                if copied > self.max_bytes:
                    self.file.close()
                    raise ArchiveRefused(TOO_MANY_BYTES, {"size": size_words(self.max_bytes)})
                self.file.write(chunk)
        self.file.seek(0)
        return self.file

    def __exit__(self, *exc) -> None:
        self.file.close()


def _kind(head: bytes, filename: str) -> str | None:
    """What the bytes are (the name decides only between plain tar and nothing)."""
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "zip"
    if head.startswith(b"\x1f\x8b"):
        return "tar.gz"
    if len(head) >= 262 and head[257:262] == b"ustar":
        return "tar"
    return None


def _unpack_one(spool: BinaryIO, filename: str, dest: Path, prefix: PurePosixPath, budget: _Budget,
                nested: bool) -> None:
    head = spool.read(512)
    spool.seek(0)
    kind = _kind(head, filename)
    if kind is None:
        raise ArchiveRefused(NOT_AN_ARCHIVE)
    inner: list[str] = []
    if kind == "zip":
        _unpack_zip(spool, dest, prefix, budget, inner)
    else:
        _unpack_tar(spool, kind, dest, prefix, budget, inner)
    for name in inner:
        if nested:
            raise ArchiveRefused(NESTED, {"name": name})
        path = dest / name
        folder = PurePosixPath(name[: -len(_archive_suffix(name))] or "archive")
        budget.written.discard(name)
        budget.files -= 1
        with open(path, "rb") as archive:
            _unpack_one(archive, name, dest, folder, budget, nested=True)
        budget.bytes -= path.stat().st_size  # the archive's bytes are replaced by its contents'
        path.unlink()


def _archive_suffix(name: str) -> str:
    lowered = name.lower()
    return next((suffix for suffix in ARCHIVE_SUFFIXES if lowered.endswith(suffix)), "")


def _unpack_zip(spool: BinaryIO, dest: Path, prefix: PurePosixPath, budget: _Budget, inner: list[str]) -> None:
    try:
        archive = zipfile.ZipFile(spool)
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ArchiveRefused(DAMAGED) from exc
    with archive:
        entries = archive.infolist()
        if len(entries) > budget.max_files * 2 + 100:  # before anything is written; folders count too
            raise ArchiveRefused(TOO_MANY_FILES, {"limit": f"{budget.max_files:,}"})
        for entry in entries:
            name = _safe_name(entry.filename, prefix)
            if name is None:
                continue
            mode = entry.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise ArchiveRefused(LINK, {"name": entry.filename})
            if entry.is_dir():
                _make_folder(dest, name)
                continue
            if stat.S_IFMT(mode) not in (0, stat.S_IFREG):
                raise ArchiveRefused(SPECIAL_FILE, {"name": entry.filename})
            if entry.flag_bits & 0x1:
                raise ArchiveRefused(ENCRYPTED)
            try:
                with archive.open(entry) as stream:
                    _write(stream, dest, name, budget)
            except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
                raise ArchiveRefused(DAMAGED) from exc
            if _archive_suffix(name):
                inner.append(name)


def _unpack_tar(spool: BinaryIO, kind: str, dest: Path, prefix: PurePosixPath, budget: _Budget,
                inner: list[str]) -> None:
    stream: BinaryIO = spool
    if kind == "tar.gz":
        stream = gzip.GzipFile(fileobj=spool, mode="rb")
    # Every byte tarfile reads is counted, headers too (a pax header may claim gigabytes)
    counted = _Counted(stream, budget.max_bytes + 64 * 1024 * 1024)
    try:
        with tarfile.open(fileobj=counted, mode="r|") as archive:
            for member in archive:
                name = _safe_name(member.name, prefix)
                if name is None:
                    continue
                if member.issym() or member.islnk():
                    raise ArchiveRefused(LINK, {"name": member.name})
                if member.isdir():
                    _make_folder(dest, name)
                    continue
                if not member.isreg():
                    raise ArchiveRefused(SPECIAL_FILE, {"name": member.name})
                data = archive.extractfile(member)
                _write(data, dest, name, budget)
                if _archive_suffix(name):
                    inner.append(name)
    except ArchiveRefused:
        raise
    except _TooMuch as exc:
        raise ArchiveRefused(TOO_MANY_BYTES, {"size": size_words(budget.max_bytes)}) from exc
    except (tarfile.TarError, gzip.BadGzipFile, zlib.error, EOFError, OSError, UnicodeError) as exc:
        raise ArchiveRefused(DAMAGED) from exc


class _TooMuch(Exception):
    pass


class _Counted(io.RawIOBase):
    """A stream that fails once more than `limit` bytes have been read from it."""

    def __init__(self, stream: BinaryIO, limit: int):
        self.stream, self.limit, self.count = stream, limit, 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size if size is not None and size >= 0 else _CHUNK)
        self.count += len(data)
        if self.count > self.limit:
            raise _TooMuch()
        return data

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _safe_name(raw: str, prefix: PurePosixPath) -> str | None:
    """The entry's path relative to dest, "/"-separated; None for what is skipped (the Finder's resource forks,
    the archive's own "." folder). Refuses absolute paths, `..`, drive letters and control characters."""
    name = raw.replace("\\", "/")
    if _CONTROL.search(name) or name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        raise ArchiveRefused(UNSAFE_PATH, {"name": _shown(raw)})
    parts = [part for part in name.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise ArchiveRefused(UNSAFE_PATH, {"name": _shown(raw)})
    if not parts:
        return None
    joined = "/".join(parts) + ("/" if name.endswith("/") else "")
    if joined.startswith(_SKIPPED) or parts[-1] in _SKIPPED_NAMES or parts[-1].startswith("._"):
        return None
    return (prefix / "/".join(parts)).as_posix() if prefix.parts else "/".join(parts)


def _shown(name: str) -> str:
    return _CONTROL.sub("?", name)[:200]


def _make_folder(dest: Path, name: str) -> None:
    path = dest
    for part in PurePosixPath(name).parts:
        path = path / part
        try:
            os.mkdir(path, 0o755)
        except FileExistsError:
            if path.is_symlink() or not path.is_dir():
                raise ArchiveRefused(DUPLICATE, {"name": name}) from None


def _write(stream: BinaryIO, dest: Path, name: str, budget: _Budget) -> None:
    budget.add_file(name)
    parent = PurePosixPath(name).parent
    if parent.parts:
        _make_folder(dest, parent.as_posix())
    path = dest / name
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    except (FileExistsError, IsADirectoryError, NotADirectoryError) as exc:
        raise ArchiveRefused(DUPLICATE, {"name": name}) from exc
    with os.fdopen(descriptor, "wb") as out:
        while chunk := stream.read(_CHUNK):
            budget.add_bytes(len(chunk))
            out.write(chunk)


def _remove_new(dest: Path, existing: set[str]) -> None:
    """What this unpacking wrote, and nothing that was there before."""
    for path in dest.iterdir():
        if path.name in existing:
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


_DOCUMENTCLASS = re.compile(r"^[^%\n]*?\\documentclass\b", re.M)
_BEGIN_DOCUMENT = re.compile(r"^[^%\n]*?\\begin\s*\{document\}", re.M)
_MAIN_NAMES = ("main.tex", "ms.tex", "paper.tex", "manuscript.tex", "article.tex")


def find_mains(root: Path, files: list[str]) -> list[str]:
    """The .tex files with `\\documentclass` before `\\begin{document}` (outside comments): the likeliest main
    file first (fewest folders deep, then a usual name such as main.tex or ms.tex, then by name)."""
    mains = []
    for name in files:
        if not name.lower().endswith(".tex"):
            continue
        with open(root / name, "rb") as handle:
            text = handle.read(4 * 1024 * 1024).decode("utf-8", errors="replace")
        documentclass = _DOCUMENTCLASS.search(text)
        begin = _BEGIN_DOCUMENT.search(text)
        if documentclass and begin and documentclass.end() < begin.end():  # the commands, not their lines
            mains.append(name)
    return sorted(mains, key=lambda n: (n.count("/"), PurePosixPath(n).name.lower() not in _MAIN_NAMES, n))
