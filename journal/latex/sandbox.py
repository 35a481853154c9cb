"""A minimal stand-in for helper A's sandbox (issue 17), with the same interface: `Limits`, `Ran`, `missing()`,
`run(argv, workdir, limits)`. The lead keeps A's version at merge; this one exists so the HTML full text can be
built and tested before it lands.

bubblewrap: no network or other namespaces shared, a fixed environment, read-only /usr and the TeX trees, a
private /tmp, only `workdir` writable (at /work); rlimits set in the child; the wall time enforced by killing the
whole process group.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

PROGRAMS = ("bwrap", "latexmk", "pdflatex", "latexmlc")
READ_ONLY = ("/etc/texmf", "/var/lib/texmf", "/etc/fonts", "/etc/perl", "/etc/ImageMagick-6")
ENVIRONMENT = {"PATH": "/usr/bin:/bin", "HOME": "/work", "LANG": "C.UTF-8", "openout_any": "p", "openin_any": "p",
               "shell_escape": "f", "TMPDIR": "/tmp"}


@dataclass(frozen=True)
class Limits:
    cpu_seconds: int = 60
    memory_bytes: int = 2**30
    output_bytes: int = 50 * 2**20
    wall_seconds: int = 120
    processes: int = 64
    open_files: int = 256


@dataclass
class Ran:
    returncode: int | None
    timed_out: bool
    killed: str | None
    stdout: str
    stderr: str
    seconds: float


def missing() -> list[str]:
    return [name for name in PROGRAMS if shutil.which(name) is None]


def _argv(argv: list[str], workdir: Path) -> list[str]:
    box = ["bwrap", "--unshare-all", "--die-with-parent", "--new-session", "--ro-bind", "/usr", "/usr",
           "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64", "--symlink", "usr/bin", "/bin",
           "--symlink", "usr/sbin", "/sbin"]
    for path in READ_ONLY:
        if os.path.exists(path):
            box += ["--ro-bind", path, path]
    box += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--clearenv"]
    for name, value in ENVIRONMENT.items():
        box += ["--setenv", name, value]
    return box + ["--bind", str(workdir), "/work", "--chdir", "/work", "--", *argv]


def _limit(limits: Limits):
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds))
        resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
        resource.setrlimit(resource.RLIMIT_FSIZE, (limits.output_bytes, limits.output_bytes))
        resource.setrlimit(resource.RLIMIT_NPROC, (limits.processes, limits.processes))
        resource.setrlimit(resource.RLIMIT_NOFILE, (limits.open_files, limits.open_files))
    return apply


def run(argv: list[str], workdir: Path, limits: Limits) -> Ran:
    start = time.monotonic()
    child = subprocess.Popen(_argv(argv, Path(workdir).resolve()), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, start_new_session=True, preexec_fn=_limit(limits), env={})
    timed_out = False
    try:
        out, err = child.communicate(timeout=limits.wall_seconds)
    except subprocess.TimeoutExpired:
        timed_out = True
        os.killpg(child.pid, signal.SIGKILL)
        out, err = child.communicate()
    code = child.returncode
    killed = "wall time" if timed_out else ("cpu time" if code in (-signal.SIGXCPU, -signal.SIGKILL) else
                                            "output size" if code == -signal.SIGXFSZ else None)
    return Ran(None if timed_out else code, timed_out, killed, out.decode("utf-8", "replace")[-200_000:],
               err.decode("utf-8", "replace")[-200_000:], time.monotonic() - start)
