"""STAND-IN for helper A's journal/latex/sandbox.py. Delete on merge."""
import shutil
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    cpu_seconds: int = 60
    memory_bytes: int = 2**30
    output_bytes: int = 50 * 2**20
    wall_seconds: int = 120
    processes: int = 64
    open_files: int = 256


def missing() -> list[str]:
    return [p for p in ("bwrap", "latexmk", "pdflatex") if shutil.which(p) is None]
