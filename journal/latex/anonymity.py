"""Where a LaTeX source names its authors, for journals whose reviewers must not know them.

The compiled PDF goes through the same check as an uploaded one (journal/pdf.py); this reads the source, which
says more than the PDF shows: `\\author`, `\\affiliation`, `\\email`, `\\thanks`, `\\orcid` and their kin
(AASTeX, MNRAS, elsarticle, revtex), hyperref's `pdfauthor`, comments that name the authors or give an address,
and references in the .bib (or a .bbl) whose authors are among the paper's: self-citations, to be cited in the
third person or marked as such in the anonymized version.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from journal.latex import N_, translated
from journal.pdf import names_in_lines

COMMAND_NAMES = N_("%(command)s names the authors: %(excerpt)s")
COMMAND_AFFILIATION = N_("%(command)s gives an affiliation: %(excerpt)s")
COMMAND_EMAIL = N_("%(command)s gives an e-mail address: %(excerpt)s")
COMMAND_THANKS = N_("%(command)s may thank or name the authors: %(excerpt)s")
COMMAND_ORCID = N_("%(command)s gives an ORCID iD: %(excerpt)s")
COMMENT_NAME = N_("A comment names %(name)s")
COMMENT_ADDRESS = N_("A comment gives an address: %(excerpt)s")
SELF_CITATION = N_("Self-citation: the reference %(key)s is by %(name)s, an author of this paper")

_COMMANDS = {
    "author": COMMAND_NAMES, "correspondingauthor": COMMAND_NAMES, "collaboration": COMMAND_NAMES,
    "nocollaboration": None, "authorrunning": COMMAND_NAMES, "shortauthors": COMMAND_NAMES,
    "affiliation": COMMAND_AFFILIATION, "affil": COMMAND_AFFILIATION, "altaffiliation": COMMAND_AFFILIATION,
    "address": COMMAND_AFFILIATION, "institute": COMMAND_AFFILIATION, "institution": COMMAND_AFFILIATION,
    "email": COMMAND_EMAIL, "thanks": COMMAND_THANKS, "orcid": COMMAND_ORCID, "orcidlink": COMMAND_ORCID,
    "pdfauthor": COMMAND_NAMES,
}
_COMMAND = re.compile(r"\\(?P<command>" + "|".join(name for name, t in _COMMANDS.items() if t) +
                      r")\*?\s*(?:\[[^\]]*\]\s*)?(?:\{(?P<argument>[^{}]*(?:\{[^{}]*\}[^{}]*)*)\}?)?")
_ORCID = re.compile(r"\b\d{4}-\d{4}-\d{4}-\d{3}[\dX]\b")
_PDFAUTHOR = re.compile(r"pdfauthor\s*=\s*\{?(?P<argument>[^,}]*)")
_PLACEHOLDER = re.compile(r"^\W*(anonym|blind|redacted|withheld|hidden|removed for review)", re.I)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL_OF_PERSON = re.compile(r"https?://\S*(?:~|orcid\.org/)\S*", re.I)
_COMMENT = re.compile(r"(?<!\\)%(?P<text>.*)$")
_BIB_ENTRY = re.compile(r"@(?P<type>\w+)\s*[{(]\s*(?P<key>[^,\s]+)\s*,", re.I)
_BIB_AUTHORS = re.compile(r"\b(?:author|editor)\s*=\s*", re.I)
_TEX_SUFFIXES = (".tex", ".sty", ".cls", ".ltx")
_MAX_FILE = 8 * 1024 * 1024


@dataclass
class Finding:
    """A place in the source that may identify the authors: `file` relative to the root, `line` (1-based),
    `what` the English sentence (`template`, `values` make it in the reader's language: `text`)."""

    file: str
    line: int
    what: str
    template: str = ""
    values: dict = field(default_factory=dict)

    @classmethod
    def of(cls, file: str, line: int, template: str, **values) -> Finding:
        return cls(file, line, template % values, template, values)

    @property
    def text(self) -> str:
        return translated(self.template, self.values) if self.template else self.what

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Finding:
        return cls(**{key: data[key] for key in ("file", "line", "what", "template", "values") if key in data})


def source_findings(root: Path, names: Iterable[str] = ()) -> list[Finding]:
    """Every place in the source under `root` that may identify its authors, by file and line. `names`: the
    authors' names (and any other term to look for, such as an institution), for comments and references."""
    root = Path(root)
    names = [name for name in (str(n).strip() for n in names) if name]
    findings: list[Finding] = []
    for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink()):
        relative = path.relative_to(root).as_posix()
        suffix = path.suffix.lower()
        if suffix not in (*_TEX_SUFFIXES, ".bib", ".bbl"):
            continue
        with open(path, "rb") as handle:
            text = handle.read(_MAX_FILE).decode("utf-8", errors="replace")
        if suffix in _TEX_SUFFIXES:
            findings += _tex_findings(relative, text, names)
        elif suffix == ".bib":
            findings += _bib_findings(relative, text, names)
        else:
            findings += _bbl_findings(relative, text, names)
    return findings


def _tex_findings(file: str, text: str, names: list[str]) -> list[Finding]:
    found = []
    lines = text.splitlines()
    for number, line in enumerate(lines, start=1):
        comment = _COMMENT.search(line)
        code = line[:comment.start()] if comment else line
        for match in _COMMAND.finditer(code):
            command = match.group("command")
            argument = match.group("argument")
            if argument is None:  # the argument starts on a following line
                argument = " ".join(lines[number:number + 2]).strip()
            if command == "pdfauthor":
                continue  # read below, as `pdfauthor = …`
            if not argument.strip() or _PLACEHOLDER.match(argument):
                continue
            found.append(Finding.of(file, number, _COMMANDS[command], command=f"\\{command}",
                                    excerpt=_excerpt(argument)))
            if orcid := _ORCID.search(match.group(0).split("{", 1)[0]):  # AASTeX: \author[0000-…]{Name}
                found.append(Finding.of(file, number, COMMAND_ORCID, command=f"\\{command}",
                                        excerpt=orcid.group(0)))
        if (pdfauthor := _PDFAUTHOR.search(code)) and pdfauthor.group("argument").strip() \
                and not _PLACEHOLDER.match(pdfauthor.group("argument")):
            found.append(Finding.of(file, number, COMMAND_NAMES, command="pdfauthor",
                                    excerpt=_excerpt(pdfauthor.group("argument"))))
        if comment:
            found += _comment_findings(file, number, comment.group("text"), names)
    return found


def _comment_findings(file: str, number: int, text: str, names: list[str]) -> list[Finding]:
    found = [Finding.of(file, number, COMMENT_NAME, name=term) for term, _where in names_in_lines([text], names)]
    for address in [*_EMAIL.findall(text), *_URL_OF_PERSON.findall(text)]:
        found.append(Finding.of(file, number, COMMENT_ADDRESS, excerpt=_excerpt(address)))
    return found


def _excerpt(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= 120 else text[:117] + "…"


# --- references ---------------------------------------------------------------------------------------------

def _bib_findings(file: str, text: str, names: list[str]) -> list[Finding]:
    people = [_Person.of(name) for name in names]
    people = [person for person in people if person]
    found = []
    entries = list(_BIB_ENTRY.finditer(text))
    for index, entry in enumerate(entries):
        if entry.group("type").lower() in ("comment", "string", "preamble"):
            continue
        end = entries[index + 1].start() if index + 1 < len(entries) else len(text)
        body = text[entry.end():end]
        line = text.count("\n", 0, entry.start()) + 1
        authors = []
        for field_match in _BIB_AUTHORS.finditer(body):
            authors += _bib_names(_field_value(body, field_match.end()))
        for person in people:
            if any(person.is_named(author) for author in authors):
                found.append(Finding.of(file, line, SELF_CITATION, key=entry.group("key"), name=person.name))
    return found


def _field_value(body: str, at: int) -> str:
    """A BibTeX field's value from position `at`: {…} with nesting, "…", or a bare word."""
    body = body[at:]
    if body.startswith("{"):
        depth = 0
        for index, char in enumerate(body):
            depth += (char == "{") - (char == "}")
            if depth == 0:
                return body[1:index]
        return body[1:]
    if body.startswith('"'):
        end = body.find('"', 1)
        return body[1:end if end > 0 else None]
    return re.split(r"[,}\n]", body, maxsplit=1)[0]


def _bib_names(value: str) -> list[tuple[str, str]]:
    """(first names, last name) of each author of a BibTeX name list ("Lovelace, Ada and C. Babbage")."""
    value = _plain(value)
    people = []
    for name in re.split(r"\s+and\s+", value):
        name = name.strip()
        if not name or name.lower() == "others":
            continue
        if "," in name:
            last, first = name.split(",", 1)
            if "," in first:  # "von Last, Jr, First"
                first = first.split(",", 1)[1]
        else:
            words = name.split()
            first, last = " ".join(words[:-1]), words[-1]
        people.append((first.strip(), last.strip()))
    return people


def _plain(text: str) -> str:
    """TeX accents and braces taken off, accents of Unicode letters too, case folded: "G{\\\"o}del" -> "godel"."""
    text = re.sub(r"\\[`'^\"~=.uvHckrbd]\s*\{?\\?([A-Za-z])\}?", r"\1", text)
    text = re.sub(r"\\[A-Za-z]+\s*", "", text).replace("{", "").replace("}", "").replace("~", " ")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(char for char in text if not unicodedata.combining(char))
    return re.sub(r"\s+", " ", text).strip().casefold()


@dataclass
class _Person:
    """An author of the paper as the references may write them: last name, and the first name or its initial."""

    name: str
    first: str
    last: str

    @classmethod
    def of(cls, name: str) -> _Person | None:
        words = _plain(name).split()
        if len(words) < 2:
            return None
        return cls(name, words[0], words[-1])

    def is_named(self, author: tuple[str, str]) -> bool:
        first, last = author
        if last.replace("-", " ").split()[-1:] != [self.last.replace("-", " ").split()[-1]]:
            return False
        first = first.strip()
        return not first or first.split()[0].rstrip(".")[:1] == self.first[:1]

    def in_text(self, text: str) -> bool:
        """"Lovelace, A.", "A. Lovelace", "Ada Lovelace" in a formatted reference list."""
        plain = _plain(text)
        last, initial = re.escape(self.last), re.escape(self.first[:1])
        return bool(re.search(rf"\b{last},?\s+{initial}", plain) or re.search(rf"\b{initial}[\w.]*\s+{last}\b",
                                                                                plain))


def _bbl_findings(file: str, text: str, names: list[str]) -> list[Finding]:
    people = [person for person in (_Person.of(name) for name in names) if person]
    found = []
    key = None
    for number, line in enumerate(text.splitlines(), start=1):
        if match := re.search(r"\\bibitem(?:\[[^\]]*\])?\{([^}]*)\}", line):
            key = match.group(1)
        for person in people:
            if person.in_text(line):
                found.append(Finding.of(file, number, SELF_CITATION, key=key or "?", name=person.name))
    return found
