"""Run a TeX Live (or LaTeXML) program on untrusted input inside a bubblewrap sandbox.

What the program sees: a read-only /usr (TeX Live, Perl, the libraries), the read-only TeX configuration and
formats (/etc/texmf, /var/lib/texmf), a fresh /proc and /dev, a small private /tmp, and the one directory it
works in, bound writable at /work. Nothing else of the machine: no /home, no /etc/passwd, no app code, no
network (`--unshare-all`), no other process (its own PID namespace), no capabilities. Its environment is a fixed
minimal one (`--clearenv`), never the app's; TeX's own switches forbid shell escape and reading or writing
outside /work (`openin_any=p`, `openout_any=p`, `shell_escape=f`).

Who runs it: when the app runs as root, bubblewrap (as root, without a user namespace, so that it can bind any
work directory) starts `setpriv`, which becomes the unprivileged `nobody` (uid 65534) with no capability left and
`no_new_privs` set, before anything of the author's is read: every process inside is a real unprivileged user
outside as well, counted by the process limit. Otherwise bubblewrap maps the app's user to `nobody` inside a new
user namespace (the app's files stay out of sight by the mounts above).

Limits: each process lowers its own rlimits before the program starts (`prlimit` inside the sandbox: CPU
seconds, address space, file size, processes, open files, no core files); the parent watches the wall clock and
the total size written in /work and, at either limit, kills the whole process group (the sandbox's PID 1 dies
with it and the kernel ends every process in its namespace).
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import signal
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SANDBOX_UID = 65534  # nobody: who runs the sandbox when the app is root
SANDBOX_GID = 65534
WORK = "/work"  # where the work directory appears inside the sandbox
POLL_SECONDS = 0.2
_KEEP_OUTPUT = 256 * 1024  # of stdout and stderr each, the end is kept

# Read-only inside the sandbox when present: the TeX configuration, formats and font maps; fontconfig for XeTeX;
# Debian's alternatives, through which some programs of /usr/bin are links (bibtex -> /etc/alternatives/bibtex).
READ_ONLY = ("/etc/texmf", "/var/lib/texmf", "/etc/fonts", "/var/cache/fontconfig", "/etc/latexml",
             "/etc/alternatives")

ENVIRONMENT = {
    "PATH": "/usr/bin:/bin",
    "HOME": WORK,
    "LANG": "C.UTF-8",
    "TMPDIR": "/tmp",
    "TEXMFHOME": "/nonexistent",  # no personal tree
    "TEXMFVAR": "/tmp/texmf-var",
    "TEXMFCONFIG": "/tmp/texmf-config",
    "TEXMFOUTPUT": WORK,
    "openout_any": "p",  # TeX writes only below the current directory, no dot files, no absolute paths
    "openin_any": "p",  # and reads nothing by absolute path outside the trees, nothing through `..`
    "shell_escape": "f",  # \write18 never runs a command
    "max_print_line": "10000",  # the log is not wrapped at 79 columns, so errors read whole
    "error_line": "254",
    "half_error_line": "238",
}

# The programs the engine uses, with the Debian package that brings each (for the message when one is missing).
PACKAGES = {
    "bwrap": "bubblewrap", "prlimit": "util-linux", "setpriv": "util-linux", "latexmk": "latexmk", "pdflatex": "texlive-latex-base",
    "bibtex": "texlive-binaries", "biber": "biber", "latexmlc": "latexml",
}
TEX_PROGRAMS = ("bwrap", "prlimit", "setpriv", "latexmk", "pdflatex", "bibtex", "biber")


@dataclass(frozen=True)
class Limits:
    """What one run may use. Per process: CPU seconds, address space, file size, open files; for the whole run:
    processes (of the sandbox's user), the total bytes in the work directory and the wall-clock time."""

    cpu_seconds: int = 60
    memory_bytes: int = 1024 ** 3
    output_bytes: int = 50 * 1024 ** 2
    wall_seconds: float = 120
    processes: int = 64
    open_files: int = 256

    @classmethod
    def from_config(cls, config: Mapping) -> Limits:
        """From the app's settings (config.py: LATEX_CPU_SECONDS, LATEX_MEMORY_MB, LATEX_OUTPUT_MB,
        LATEX_WALL_SECONDS, LATEX_PROCESSES, LATEX_OPEN_FILES); a missing key keeps the default."""
        default = cls()
        return cls(
            cpu_seconds=int(config.get("LATEX_CPU_SECONDS", default.cpu_seconds)),
            memory_bytes=int(config.get("LATEX_MEMORY_MB", default.memory_bytes // 1024 ** 2)) * 1024 ** 2,
            output_bytes=int(config.get("LATEX_OUTPUT_MB", default.output_bytes // 1024 ** 2)) * 1024 ** 2,
            wall_seconds=float(config.get("LATEX_WALL_SECONDS", default.wall_seconds)),
            processes=int(config.get("LATEX_PROCESSES", default.processes)),
            open_files=int(config.get("LATEX_OPEN_FILES", default.open_files)),
        )


@dataclass
class Ran:
    returncode: int | None  # None when the parent killed it
    timed_out: bool
    killed: str | None  # the limit that stopped it: "wall", "cpu", "output", "memory"; None when none did
    stdout: str
    stderr: str
    seconds: float
    cpu_seconds: float = 0.0  # processor time of the whole tree


_SHELL_ESCAPE = re.compile(r"^--?(shell-escape|enable-write18|shell-restricted)$|^-e$|^-latexoption", re.I)


class SandboxUnavailable(RuntimeError):
    """bubblewrap or prlimit is missing, or cannot make a sandbox on this machine."""


def missing(programs: Iterable[str] = TEX_PROGRAMS) -> list[str]:
    """The programs absent here (by name: "bwrap", "latexmk"…), and "bwrap" too when it is installed but cannot
    make a sandbox (user namespaces switched off). Empty when everything is ready; tests skip naming them."""
    absent = [name for name in programs if shutil.which(name) is None]
    if "bwrap" in programs and "bwrap" not in absent and _sandbox_error():
        absent.append("bwrap")
    return absent


def missing_words(absent: Iterable[str]) -> str:
    """"latexmk (Debian package latexmk), …": for a skipped test or an operator's log."""
    words = [f"{name} (Debian package {PACKAGES.get(name, name)})" for name in absent]
    if "bwrap" in absent and shutil.which("bwrap") and (error := _sandbox_error()):
        words.append(f"bwrap cannot make a sandbox here: {error}")
    return ", ".join(words)


@functools.cache
def _sandbox_error() -> str | None:
    """Why bubblewrap cannot run a trivial program here, or None when it can."""
    if shutil.which("bwrap") is None or shutil.which("prlimit") is None:
        return "bwrap or prlimit is missing"
    with private_workdir() as work:
        ran = run(["true"], work, Limits(cpu_seconds=5, wall_seconds=20))
    if ran.returncode == 0:
        return None
    return (ran.stderr or ran.stdout or f"exit status {ran.returncode}").strip()[:500]


@contextmanager
def private_workdir(prefix: str = "latex-") -> Iterator[Path]:
    """A fresh empty directory for one run, removed afterwards (whatever the sandbox left in it)."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def run(argv: list[str], workdir: Path, limits: Limits, *, read_only: Iterable[str] = (),
        files: Mapping[str, str] | None = None) -> Ran:
    """Run argv (a program on /usr/bin and its arguments) in the sandbox with `workdir` as its only writable
    directory (at /work, the current directory; when the app is root, it and its contents are given to `nobody`
    first). `read_only`: more system paths the program needs to read (beside /usr and READ_ONLY), bound at the
    same place; `files`: a file of ours (value) read-only in place of a system one (key), such as a
    program's configuration. Read what the run leaves with `read_output` (a link made inside is never followed). Never raises
    for what the program does; raises SandboxUnavailable when bubblewrap or prlimit is missing, ValueError for an
    option that would switch TeX's shell escape on (the command line overrides `shell_escape=f`)."""
    if any(_SHELL_ESCAPE.match(argument) for argument in argv):
        raise ValueError(f"shell escape is never switched on in the sandbox: {argv}")
    bwrap, prlimit = shutil.which("bwrap"), shutil.which("prlimit")
    if not bwrap or not prlimit:
        raise SandboxUnavailable(missing_words(missing(("bwrap", "prlimit"))))
    workdir = Path(workdir).resolve()
    as_root = os.geteuid() == 0
    if as_root:
        _give_to_sandbox_user(workdir)
    directory = os.open(workdir, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        command = [bwrap, *_bwrap_options(directory, limits, as_root, tuple(read_only), dict(files or {})), "--",
                   *(_drop_to_nobody() if as_root else []), prlimit, *_rlimit_options(limits), "--", *argv]
        return _supervise(command, workdir, limits, directory)
    finally:
        os.close(directory)


def _bwrap_options(directory: int, limits: Limits, as_root: bool, read_only: tuple[str, ...] = (),
                   files: dict[str, str] | None = None) -> list[str]:
    if as_root:  # no user namespace: bubblewrap binds any path, then setpriv makes the program nobody
        options = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
                   "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--cap-add", "CAP_SETPCAP"]
    else:  # an unprivileged app: nobody inside a new user namespace, the app's user outside
        options = ["--unshare-all", "--unshare-user", "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_GID),
                   "--cap-drop", "ALL"]
    options += ["--die-with-parent", "--new-session", "--ro-bind", "/usr", "/usr"]
    for name in ("lib", "lib64", "bin", "sbin"):
        if os.path.islink(f"/{name}") or not os.path.exists(f"/{name}"):
            options += ["--symlink", f"usr/{name}", f"/{name}"]
        else:  # a system without the merged /usr
            options += ["--ro-bind", f"/{name}", f"/{name}"]
    present = [path for path in (*READ_ONLY, *read_only) if os.path.isabs(path) and os.path.exists(path)]
    for folder in sorted({str(parent) for path in present for parent in Path(path).parents if str(parent) != "/"}):
        options += ["--perms", "0755", "--dir", folder]  # readable parents (Perl looks in /etc/perl)
    for path in present:
        options += ["--ro-bind", path, path]
    for target, source in (files or {}).items():
        options += ["--ro-bind", source, target]  # after the folders: a file of ours over the system's
    options += ["--proc", "/proc", "--dev", "/dev",
                "--perms", "1777", "--size", str(min(limits.output_bytes, 256 * 1024 ** 2)), "--tmpfs", "/tmp",
                "--bind-fd", str(directory), WORK, "--chdir", WORK, "--hostname", "sandbox",
                "--remount-ro", "/",  # the sandbox's root (a tmpfs) takes no files: only /work and /tmp do
                "--clearenv"]
    for name, value in ENVIRONMENT.items():
        options += ["--setenv", name, value]
    return options


def _drop_to_nobody() -> list[str]:
    """Inside the sandbox of a root app: the program runs as nobody, with no capability left to regain."""
    return [shutil.which("setpriv") or "/usr/bin/setpriv", f"--reuid={SANDBOX_UID}", f"--regid={SANDBOX_GID}",
            "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", "--"]


def _rlimit_options(limits: Limits) -> list[str]:
    cpu = max(1, int(limits.cpu_seconds))
    return [f"--cpu={cpu}:{cpu + 1}",  # SIGXCPU at the limit, SIGKILL a second later
            f"--as={limits.memory_bytes}", f"--fsize={limits.output_bytes}", f"--nproc={limits.processes}",
            f"--nofile={limits.open_files}", "--core=0"]


def _give_to_sandbox_user(workdir: Path) -> None:
    """The work directory and what is in it belong to the sandbox's user, who alone writes there."""
    for path in [workdir, *workdir.rglob("*")]:
        os.lchown(path, SANDBOX_UID, SANDBOX_GID)


def _supervise(command: list[str], workdir: Path, limits: Limits, directory: int) -> Ran:
    started = time.monotonic()
    before = _tree_size(workdir)  # the output limit is on what the run adds, not on the source it was given
    with tempfile.TemporaryFile() as stdout, tempfile.TemporaryFile() as stderr:
        child = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr, cwd="/",
                                 env={"PATH": "/usr/bin:/bin"}, start_new_session=True, pass_fds=(directory,))
        killed, status, usage = None, None, None
        pause = 0.005
        while status is None:
            pid, wait_status, wait_usage = os.wait4(child.pid, os.WNOHANG)
            if pid == child.pid:
                status, usage = wait_status, wait_usage
                break
            if time.monotonic() - started > limits.wall_seconds:
                killed = "wall"
            elif _tree_size(workdir) - before > limits.output_bytes:
                killed = "output"
            if killed:
                _kill_group(child.pid)
                _pid, status, usage = os.wait4(child.pid, 0)
                break
            time.sleep(pause)
            pause = min(pause * 2, POLL_SECONDS)  # a quick program is not kept waiting for the first look
        child.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.monotonic() - started
        out, err = _tail(stdout), _tail(stderr)
    cpu = usage.ru_utime + usage.ru_stime if usage else 0.0
    returncode = None if killed else child.returncode
    if killed is None and returncode != 0:
        killed = {-signal.SIGXCPU: "cpu", 128 + signal.SIGXCPU: "cpu", -signal.SIGXFSZ: "output",
                  128 + signal.SIGXFSZ: "output"}.get(returncode) \
            or _limit_reached(workdir, limits, cpu, out + err, before)
    return Ran(returncode=returncode, timed_out=killed == "wall", killed=killed, stdout=out, stderr=err,
               seconds=seconds, cpu_seconds=cpu)


def read_output(workdir: Path, relative: str, limit: int = 256 * 1024 ** 2) -> bytes | None:
    """A regular file the sandbox left in workdir (at most `limit` bytes), or None when it is absent, a link, or
    reached through one: the sandbox's processes are gone, but what they made is not trusted."""
    path = Path(workdir)
    parts = Path(relative).parts
    if not parts or Path(relative).is_absolute() or ".." in parts:
        return None
    for part in parts[:-1]:
        path = path / part
        if path.is_symlink() or not path.is_dir():
            return None
    try:
        descriptor = os.open(path / parts[-1], os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(descriptor, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            return None
        return handle.read(limit)


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _limit_reached(workdir: Path, limits: Limits, cpu: float, output: str, before: int) -> str | None:
    """Which limit ended a failed run that the parent did not stop: a file cut at the size limit, processor time
    at the limit (the per-process limit kills a process of the tree, which then fails), or memory refused."""
    if _tree_size(workdir) - before >= limits.output_bytes or _largest_file(workdir) >= limits.output_bytes \
            or "File size limit exceeded" in output:
        return "output"
    if cpu >= limits.cpu_seconds - 0.5 or "CPU time limit exceeded" in output \
            or re.search(r"return code 152\b", output):  # latexmk names its child's SIGXCPU (128 + 24)
        return "cpu"
    if any(sign in output for sign in ("Cannot allocate memory", "Out of memory", "out of memory",
                                       "MemoryError", "bad_alloc")):
        return "memory"
    return None


def _tree_size(root: Path) -> int:
    total, stack = 0, [str(root)]
    while stack:
        try:
            with os.scandir(stack.pop()) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(entry.path)
                    else:
                        total += entry.stat(follow_symlinks=False).st_size
        except OSError:
            continue
    return total


def _largest_file(root: Path) -> int:
    sizes = [p.lstat().st_size for p in root.rglob("*") if not p.is_symlink() and p.is_file()]
    return max(sizes, default=0)


def _tail(stream) -> str:
    size = os.fstat(stream.fileno()).st_size
    stream.seek(max(0, size - _KEEP_OUTPUT))
    return stream.read().decode("utf-8", errors="replace")
