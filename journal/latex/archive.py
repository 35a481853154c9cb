"""A minimal stand-in for helper A's archive unpacker (issue 17), with the same interface: `ArchiveRefused`,
`Unpacked`, `unpack(source, filename, dest, max_files=, max_bytes=)`. The lead keeps A's version at merge.

Refuses absolute paths, `..`, links and special files, too many files or bytes (counted as they are written, never
trusting the sizes in the headers); nested archives are not opened here.
"""

from __future__ import annotations

import io
import re
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

_MAIN = re.compile(rb"\\documentclass.*?\\begin\s*\{document\}", re.S)


class ArchiveRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Unpacked:
    root: Path
    files: list[str]
    mains: list[str]


def _safe(name: str) -> str:
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise ArchiveRefused("The archive holds an absolute path or a path with “..”.")
    return str(path)


def unpack(source: BinaryIO | bytes, filename: str, dest: Path, *, max_files: int = 500,
           max_bytes: int = 200 * 2**20) -> Unpacked:
    data = source if isinstance(source, bytes) else source.read()
    dest.mkdir(parents=True, exist_ok=True)
    files: list[str] = []
    total = 0

    def write(name: str, stream) -> None:
        nonlocal total
        if len(files) >= max_files:
            raise ArchiveRefused("The archive holds too many files.")
        target = dest / _safe(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("wb") as out:
            while chunk := stream.read(65536):
                total += len(chunk)
                if total > max_bytes:
                    raise ArchiveRefused("The archive unpacks to too many bytes.")
                out.write(chunk)
        files.append(_safe(name))

    if zipfile.is_zipfile(io.BytesIO(data)):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in archive.infolist():
                if info.is_dir():
                    _safe(info.filename)
                    continue
                if (info.external_attr >> 16) & 0o170000 not in (0, 0o100000):
                    raise ArchiveRefused("The archive holds a link or a special file.")
                with archive.open(info) as stream:
                    write(info.filename, stream)
    else:
        try:
            archive = tarfile.open(fileobj=io.BytesIO(data), mode="r:*")
        except (tarfile.TarError, EOFError, OSError):
            raise ArchiveRefused("This is not a .zip or .tar.gz archive.") from None
        with archive:
            for member in archive:
                if member.isdir():
                    _safe(member.name)
                    continue
                if not member.isfile():
                    raise ArchiveRefused("The archive holds a link or a special file.")
                write(member.name, archive.extractfile(member))
    mains = sorted(name for name in files if name.lower().endswith(".tex")
                   and _MAIN.search((dest / name).read_bytes()[:2_000_000]))
    return Unpacked(dest, files, mains)
