"""STAND-IN for helper A's journal/latex/compile.py: no sandbox at all. Delete on merge."""
import re
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from journal.latex.sandbox import Limits


@dataclass
class LogError:
    file: str
    line: int | None
    message: str


@dataclass
class Compiled:
    ok: bool
    pdf: bytes | None
    log: str
    errors: list[LogError] = field(default_factory=list)
    seconds: float = 0.0
    refused: str | None = None


def parse_log(text: str) -> list[LogError]:
    errors = []
    for match in re.finditer(r"^\./?([^:\n]+):(\d+): (.+)$", text, re.M):
        errors.append(LogError(match[1], int(match[2]), match[3]))
    return errors


def compile_source(root: Path, main: str, limits: Limits = Limits()) -> Compiled:
    start = time.monotonic()
    run = subprocess.run(["latexmk", "-pdf", "-interaction=nonstopmode", "-halt-on-error", "-file-line-error",
                          "-no-shell-escape", main], cwd=root, capture_output=True, text=True,
                         timeout=limits.wall_seconds, env={"PATH": "/usr/bin:/bin", "HOME": str(root)})
    pdf = root / (main.rsplit(".", 1)[0] + ".pdf")
    logfile = root / (main.rsplit(".", 1)[0] + ".log")
    log = logfile.read_text(errors="replace") if logfile.exists() else run.stdout + run.stderr
    ok = run.returncode == 0 and pdf.exists()
    return Compiled(ok, pdf.read_bytes() if ok else None, log, [] if ok else parse_log(log),
                    time.monotonic() - start)
