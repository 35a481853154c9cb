"""Compile a LaTeX source with latexmk in the sandbox, and read its log into errors a person can act on.

The source directory is copied into a private work directory first (the sandbox writes nothing where the
source is kept), latexmk runs there without any rc file (`-norc`: an archive's `latexmkrc` could name other
commands) and without shell escape, and stops at the first error. The errors come from TeX's log, written
with `file:line:` prefixes and unwrapped lines (the sandbox sets `max_print_line`), in plain words with the file
(relative to the archive) and the line; the full log is kept for whoever asks for it.
"""

from __future__ import annotations

import logging
import re
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath

from journal.latex import N_, size_words, translated
from journal.latex.sandbox import WORK, Limits, SandboxUnavailable, private_workdir, read_output, run

log = logging.getLogger(__name__)

LATEXMK = ["latexmk", "-pdf", "-g", "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "-norc",
           "-file-line-error", "-cd"]
LOG_HEAD = 256 * 1024  # of a longer log, its beginning and its end are kept
LOG_TAIL = 2 * 1024 ** 2

MISSING_FILE = N_("Missing file %(name)s")
UNKNOWN_CLASS = N_("Unknown class %(name)s: the file %(filename)s is neither installed here nor in the archive")
UNKNOWN_PACKAGE = N_("Unknown package %(name)s: the file %(filename)s is neither installed here nor in the archive")
OUTSIDE_FILE = N_("The file %(name)s is outside the archive: only files inside the archive can be read")
NOT_WRITABLE = N_("Writing the file %(name)s is not allowed: only files inside the archive's folder can be "
                  "written")
UNDEFINED = N_("Undefined control sequence %(command)s")
UNDEFINED_UNKNOWN = N_("Undefined control sequence")
UNKNOWN_ENVIRONMENT = N_("Unknown environment %(name)s")
RUNAWAY = N_("Runaway argument: an argument of %(command)s was not closed (a missing } or a blank line inside "
             "it?)")
RUNAWAY_END = N_("Runaway argument: the file ended inside an argument of %(command)s (a missing }?)")
EMERGENCY_STOP = N_("Emergency stop: TeX could not go on (is \\end{document} missing?)")
CAPACITY = N_("TeX capacity exceeded (%(detail)s): often a command that calls itself without end")
SHELL_ESCAPE = N_("The shell command %(command)s was not run: shell escape (\\write18) is switched off")
BIBTEX_MISSING = N_("BibTeX could not open the file %(name)s")
OTHER = N_("TeX error: %(message)s")
NO_DETAIL = N_("The compilation failed without naming an error; the full log may say more.")

MAIN_NOT_FOUND = N_("The main file %(name)s is not in the archive.")
STOPPED_WALL = N_("The compilation was stopped after %(seconds)s seconds, the time limit. Look for a loop that "
                  "never ends, or for very large figures.")
STOPPED_CPU = N_("The compilation was stopped after %(seconds)s seconds of processor time, the limit. Look for a "
                 "loop that never ends, or for very large figures.")
STOPPED_OUTPUT = N_("The compilation was stopped: it wrote more than %(size)s, the limit.")
STOPPED_MEMORY = N_("The compilation was stopped: it needed more memory than the limit of %(size)s.")
UNAVAILABLE = N_("LaTeX cannot be compiled on this server at the moment. Please try again later or upload a PDF.")


@dataclass
class LogError:
    """One error, where it is: `file` relative to the archive (a TeX Live file by its name), `line` or None.
    `message` is the English sentence; `template` and `values` make it again in the reader's language (`text`)."""

    file: str
    line: int | None
    message: str
    template: str = ""
    values: dict = field(default_factory=dict)

    @classmethod
    def of(cls, file: str, line: int | None, template: str, **values) -> LogError:
        return cls(file, line, template % values if values else template, template, values)

    @property
    def text(self) -> str:
        """The message in the reader's language."""
        return translated(self.template, self.values) if self.template else self.message

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> LogError:
        return cls(**{key: data[key] for key in ("file", "line", "message", "template", "values") if key in data})


@dataclass
class Compiled:
    ok: bool
    pdf: bytes | None
    log: str  # TeX's log (beginning and end when very long), then latexmk's and BibTeX's output
    errors: list[LogError]
    seconds: float
    refused: str | None  # in English, why the compilation was refused or stopped (a limit); None otherwise
    refused_template: str = ""
    refused_values: dict = field(default_factory=dict)

    @property
    def refused_text(self) -> str | None:
        """`refused` in the reader's language."""
        if self.refused is None:
            return None
        return translated(self.refused_template, self.refused_values) if self.refused_template else self.refused


def compile_source(root: Path, main: str, limits: Limits = Limits()) -> Compiled:  # noqa: B008 - frozen
    """Compile `main` (a path relative to `root`, as `archive.unpack` lists it) to a PDF in the sandbox."""
    started = time.monotonic()
    root = Path(root)
    relative = PurePosixPath(main)
    if (relative.is_absolute() or ".." in relative.parts or relative.suffix.lower() != ".tex"
            or any(part.startswith("-") for part in relative.parts)  # never read as an option
            or not (root / relative).is_file() or (root / relative).is_symlink()):
        return _refused(started, MAIN_NOT_FOUND, name=main)
    with private_workdir() as work:
        _copy_tree(root, work)
        try:
            ran = run([*LATEXMK, str(relative)], work, limits)
        except SandboxUnavailable as exc:
            log.error("LaTeX not compiled: %s", exc)
            return _refused(started, UNAVAILABLE)
        tex_log = _text(read_output(work, relative.with_suffix(".log").as_posix()))
        blg = _text(read_output(work, relative.with_suffix(".blg").as_posix(), LOG_HEAD))
        pdf = read_output(work, relative.with_suffix(".pdf").as_posix(), limits.output_bytes)
        ok = ran.returncode == 0 and ran.killed is None and bool(pdf)
        pdf = pdf if ok else None
    tex_log = _shortened(tex_log)
    errors = [_pinpointed(root, error) for error in parse_log(tex_log, folder=relative.parent.as_posix())]
    errors += parse_blg(blg)
    full_log = "\n\n".join(part for part in (
        tex_log, blg and f"--- BibTeX/Biber ---\n{blg[-LOG_HEAD:]}",
        f"--- latexmk ---\n{ran.stdout[-LOG_HEAD:]}{ran.stderr[-LOG_HEAD:]}") if part)
    seconds = time.monotonic() - started
    if ran.killed:
        template, values = {
            "wall": (STOPPED_WALL, {"seconds": f"{limits.wall_seconds:g}"}),
            "cpu": (STOPPED_CPU, {"seconds": f"{limits.cpu_seconds:g}"}),
            "output": (STOPPED_OUTPUT, {"size": size_words(limits.output_bytes)}),
            "memory": (STOPPED_MEMORY, {"size": size_words(limits.memory_bytes)}),
        }[ran.killed]
        return Compiled(False, None, full_log, errors, seconds, template % values, template, values)
    if not ok and not any(_is_failure(e) for e in errors):
        errors.append(LogError.of(relative.as_posix(), None, NO_DETAIL))
    return Compiled(ok, pdf, full_log, errors, seconds, None)


def _pinpointed(root: Path, error: LogError) -> LogError:
    """A missing package, class or file is reported by TeX on the line where it stopped, which may be a line or two
    after the `\\usepackage{…}` that asked for it (LaTeX looks ahead for an optional date): the line of the
    archive's file that names it, when one of those does."""
    name = error.values.get("name")
    if error.template not in (MISSING_FILE, UNKNOWN_CLASS, UNKNOWN_PACKAGE) or not name or not error.line \
            or not error.file:
        return error
    path = PurePosixPath(error.file)
    if path.is_absolute() or ".." in path.parts or not (root / path).is_file():
        return error
    lines = (root / path).read_bytes().decode("utf-8", errors="replace").splitlines()
    for number in range(error.line, max(0, error.line - 3), -1):
        if number <= len(lines) and name in lines[number - 1].split("%", 1)[0]:
            error.line = number
            break
    return error


def _is_failure(error: LogError) -> bool:
    return error.template != SHELL_ESCAPE


def _refused(started: float, template: str, **values) -> Compiled:
    message = template % values if values else template
    return Compiled(False, None, "", [], time.monotonic() - started, message, template, values)


def _copy_tree(source: Path, target: Path) -> None:
    """Regular files and folders only: a link in the source is not followed (archive.unpack makes none)."""
    for path in sorted(source.rglob("*")):
        if path.is_symlink():
            continue
        destination = target / path.relative_to(source)
        if path.is_dir():
            destination.mkdir(exist_ok=True)
        elif path.is_file():
            shutil.copyfile(path, destination, follow_symlinks=False)


def _text(data: bytes | None) -> str:
    return data.decode("utf-8", errors="replace") if data else ""


def _shortened(text: str) -> str:
    if len(text) <= LOG_HEAD + LOG_TAIL:
        return text
    left_out = len(text) - LOG_HEAD - LOG_TAIL
    return f"{text[:LOG_HEAD]}\n[… {left_out:,} characters of the log left out …]\n{text[-LOG_TAIL:]}"


# --- reading the log ------------------------------------------------------------------------------------------

_FILE_LINE = re.compile(r"^(?P<file>[^\s:!][^:]*?\.\w+):(?P<line>\d+): (?P<message>.*)$")
_BANG = re.compile(r"^! (?P<message>.*)$")
_CONTEXT_LINE = re.compile(r"^l\.(?P<line>\d+) (?P<text>.*)$")
_FILE_OPEN = re.compile(r"\((?P<path>[^\s()]*)|\)")
_NOT_FOUND = re.compile(r"(?:LaTeX|Package \S+) Error: File `(?P<name>.+?)' not found")
_CANT_FIND = re.compile(r"I can't find file `(?P<name>.+?)'")
_CANT_WRITE = re.compile(r"I can't write on file `(?P<name>.+?)'")
_ENVIRONMENT = re.compile(r"LaTeX Error: Environment (?P<name>\S+) undefined")
_PARAGRAPH_ENDED = re.compile(r"Paragraph ended before (?P<command>\\\S+) was complete")
_FILE_ENDED = re.compile(r"File ended while scanning use of (?P<command>\\\S+?)\.?$")
_CAPACITY = re.compile(r"TeX capacity exceeded, sorry \[(?P<detail>.+?)\]")
_SHELL = re.compile(r"runsystem\((?P<command>.*)\)\.\.\.disabled")
_LAST_COMMAND = re.compile(r"(\\(?:[A-Za-z@]+|.))\s*$")
_INTERNAL = {"\\text@command": "\\textbf/\\textit/\\emph", "\\@tempa": "a command"}


def parse_log(text: str, folder: str = "") -> list[LogError]:
    """The errors of a TeX log in plain words, in order, each with its file and line where the log gives them.
    Reads logs written with `-file-line-error` (`./main.tex:12: …`) and without (`! …` then `l.12 …`, the file
    from TeX's stack of open files). An "Emergency stop" is listed only when it is the only error. `folder`: where
    TeX ran, relative to the archive (latexmk `-cd` runs in the main file's folder), to name files from the
    archive's top."""
    lines = text.splitlines()
    errors: list[LogError] = []
    stack: list[str | None] = []
    seen: set[tuple] = set()
    for index, line in enumerate(lines):
        if shell := _SHELL.search(line):
            _add(errors, seen, LogError.of("", None, SHELL_ESCAPE, command=shell.group("command")))
            continue
        file, number, message = None, None, None
        if (match := _FILE_LINE.match(line)) and not match.group("message").startswith(" ==>"):
            file, number, message = match.group("file"), int(match.group("line")), match.group("message")
        elif (match := _BANG.match(line)) and not match.group("message").startswith(" ==>"):
            message = match.group("message")
            file = next((path for path in reversed(stack) if path), "") or _terminal_file(lines, index)
        else:
            _follow_files(line, stack)
            continue
        context = _context(lines, index)
        if number is None and context:
            number = int(context.group("line"))
        _add(errors, seen, _classified(_file_name(file, folder), number, message, _first_context(lines, index)))
    real = [error for error in errors if error.template not in (EMERGENCY_STOP, SHELL_ESCAPE)]
    if real:  # the stop follows another error, which says what went wrong
        errors = [error for error in errors if error.template != EMERGENCY_STOP]
        for error in errors:  # a missing file's line is the stop's (TeX asked for another name first)
            if error.line is None and error.template in (MISSING_FILE, UNKNOWN_CLASS, UNKNOWN_PACKAGE,
                                                         OUTSIDE_FILE):
                error.line = _stop_line(text)
    return errors


def _add(errors: list[LogError], seen: set, error: LogError) -> None:
    key = (error.file, error.line, error.message)
    if key not in seen:
        seen.add(key)
        errors.append(error)


def _stop_line(text: str) -> int | None:
    match = re.search(r"^[^\s:!][^:]*?:(\d+): Emergency stop\.", text, re.M)
    return int(match.group(1)) if match else None


def _follow_files(line: str, stack: list[str | None]) -> None:
    """TeX writes "(path" when it opens a file and ")" when it closes it; other parentheses count as nothing."""
    for match in _FILE_OPEN.finditer(line):
        if match.group(0) == ")":
            if stack:
                stack.pop()
        else:
            path = match.group("path")
            stack.append(path if ("." in path or "/" in path) and path else None)


def _terminal_file(lines: list[str], index: int) -> str:
    """The file TeX was asked to read (`<*> main.tex`): where an error after its end happened."""
    for line in lines[index + 1:index + 4]:
        if match := re.match(r"^<\*> (\S+)", line):
            return match.group(1)
    return ""


def _first_context(lines: list[str], index: int) -> str:
    """The first line of TeX's context after an error: it ends where TeX stopped (after an undefined command,
    in the macro where it was used, or on the line `l.12 …`)."""
    for line in lines[index + 1:index + 6]:
        if line.strip() and not line[:1].isspace():
            return line.removeprefix("l.").split(" ", 1)[-1] if _CONTEXT_LINE.match(line) else line
    return ""


def _context(lines: list[str], index: int) -> re.Match | None:
    """The `l.12 …` line that follows an error, before the next error."""
    for line in lines[index + 1:index + 15]:
        if _FILE_LINE.match(line) or _BANG.match(line):
            return None
        if match := _CONTEXT_LINE.match(line):
            return match
    return None


def _file_name(path: str | None, folder: str = "") -> str:
    """A path of the log as the author knows it: relative to the archive; a TeX Live file by its name."""
    if not path:
        return ""
    path = path.strip()
    if path.startswith(WORK + "/"):
        return path[len(WORK) + 1:]
    if path.startswith("/"):
        return PurePosixPath(path).name
    path = path.removeprefix("./")
    return (PurePosixPath(folder) / path).as_posix() if folder not in ("", ".") else path


def _classified(file: str, line: int | None, message: str, first_context: str) -> LogError:
    if match := _NOT_FOUND.search(message) or _CANT_FIND.search(message):
        return _missing(file, line, match.group("name"))
    if match := _CANT_WRITE.search(message):
        return LogError.of(file, line, NOT_WRITABLE, name=match.group("name"))
    if message.startswith("Undefined control sequence"):
        command = _LAST_COMMAND.search(first_context) if first_context else None
        if command:
            return LogError.of(file, line, UNDEFINED, command=command.group(1))
        return LogError.of(file, line, UNDEFINED_UNKNOWN)
    if match := _ENVIRONMENT.search(message):
        return LogError.of(file, line, UNKNOWN_ENVIRONMENT, name=match.group("name"))
    if match := _PARAGRAPH_ENDED.search(message):
        command = match.group("command")
        return LogError.of(file, line, RUNAWAY, command=_INTERNAL.get(command, command))
    if match := _FILE_ENDED.search(message):
        command = match.group("command")
        return LogError.of(file, line, RUNAWAY_END, command=_INTERNAL.get(command, command))
    if message.startswith("Emergency stop"):
        return LogError.of(file, line, EMERGENCY_STOP)
    if match := _CAPACITY.search(message):
        return LogError.of(file, line, CAPACITY, detail=match.group("detail"))
    return LogError.of(file, line, OTHER, message=message.strip()[:300])


def _missing(file: str, line: int | None, name: str) -> LogError:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts:
        return LogError.of(file, line, OUTSIDE_FILE, name=name)
    if path.suffix == ".cls":
        return LogError.of(file, line, UNKNOWN_CLASS, name=path.stem, filename=name)
    if path.suffix == ".sty":
        return LogError.of(file, line, UNKNOWN_PACKAGE, name=path.stem, filename=name)
    return LogError.of(file, line, MISSING_FILE, name=name)


_BLG_MISSING = re.compile(r"I couldn't open (?:database|style|auxiliary) file (?P<name>\S+)")
_BIBER_MISSING = re.compile(r"ERROR - Cannot find '(?P<name>[^']+)'")


def parse_blg(text: str) -> list[LogError]:
    """The files BibTeX or Biber could not open (their other complaints stay in the full log)."""
    errors = []
    for line in text.splitlines():
        if match := _BLG_MISSING.search(line) or _BIBER_MISSING.search(line):
            errors.append(LogError.of("", None, BIBTEX_MISSING, name=match.group("name")))
    return errors
