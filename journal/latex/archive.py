"""STAND-IN for helper A's journal/latex/archive.py (the contract's interface, minimal checks). Delete on merge."""
import io
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO


def _m(message: str) -> str:  # not marked for the catalogs: A brings its own messages
    return message


class ArchiveRefused(Exception):
    def __init__(self, reason: str, values: dict | None = None):
        self.template, self.values = reason, dict(values or {})
        super().__init__(reason % self.values if self.values else reason)

    @property
    def message(self) -> str:
        from flask_babel import gettext
        return gettext(self.template, **self.values)


@dataclass
class Unpacked:
    root: Path
    files: list[str]
    mains: list[str]


def unpack(source: BinaryIO | bytes, filename: str, dest: Path, *, max_files: int = 500,
           max_bytes: int = 200 * 2**20) -> Unpacked:
    data = source if isinstance(source, bytes) else source.read()
    members: list[tuple[str, bytes]] = []
    if data[:2] == b"PK":
        try:
            zipfile.ZipFile(io.BytesIO(data))
        except zipfile.BadZipFile:
            raise ArchiveRefused(_m("This file is neither a .zip nor a .tar.gz archive.")) from None
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            for info in z.infolist():
                if not info.is_dir():
                    members.append((info.filename, z.read(info)))
    elif data[:2] == b"\x1f\x8b":
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as t:
            for info in t.getmembers():
                if info.issym() or info.islnk():
                    raise ArchiveRefused(_m("The archive contains a link (%(name)s)."), {"name": info.name})
                if info.isfile():
                    members.append((info.name, t.extractfile(info).read()))
    else:
        raise ArchiveRefused(_m("This file is neither a .zip nor a .tar.gz archive."))
    if len(members) > max_files:
        raise ArchiveRefused(_m("The archive has more than %(num)d files."), {"num": max_files})
    files, mains = [], []
    for name, content in members:
        path = PurePosixPath(name)
        if path.is_absolute() or ".." in path.parts:
            raise ArchiveRefused(_m("The archive contains a path outside its folder (%(name)s)."), {"name": name})
        target = dest / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        files.append(str(path))
        text = content.decode("latin-1")
        if name.endswith(".tex") and "\\documentclass" in text and "\\begin{document}" in text:
            mains.append(str(path))
    if not any(f.endswith(".tex") for f in files):
        raise ArchiveRefused(_m("The archive contains no .tex file."))
    return Unpacked(dest, sorted(files), sorted(mains))
