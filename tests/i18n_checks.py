"""Checks behind tests/test_translations.py, also run by hand while marking: `python -m tests.i18n_checks PATH…`
lists the strings in those templates that a person reads and that are not marked for translation.

Marked means inside {% trans %}…{% endtrans %} or {{ _('…') }} / gettext / ngettext. What is left of a template
once those, expressions, tags and comments are taken out must hold no words: only names that stay the same in
every language (ORCID, DOI, PDF …), numbers and punctuation.
"""

from __future__ import annotations

import re
import sys
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.extract import extract_from_dir

ROOT = Path(__file__).resolve().parents[1]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None,
            "lazy_ngettext": (1, 2), "N_": None, "pgettext": ((1, "c"), 2)}
METHOD_MAP = [("journal/**.py", "python"), ("templates/**.html", "jinja2"), ("templates/**.txt", "jinja2")]
OPTIONS = {"templates/**.html": {"trimmed": "true"}, "templates/**.txt": {"trimmed": "true"}}

# Words that are the same in every language of the platform: names of standards, formats and services.
KEPT = {
    "ORCID", "iD", "DOI", "DOIs", "ISSN", "PDF", "JATS", "XML", "OAI-PMH", "OAI", "BibTeX", "RIS", "Crossref",
    "Atom", "CSV", "URL", "API", "LaTeX", "TeX", "Markdown", "MathML", "HTML", "RSS", "CC", "BY", "SA", "NC", "ND",
    "JSON", "IDSEA", "ROR", "UTC", "SMTP", "S3", "CSL", "EndNote", "Zotero", "Mendeley", "Dublin", "Core",
    "Highwire", "ID", "e-ISSN", "p-ISSN", "Schema.org", "Google", "Scholar", "SHA-256", "MB", "KB", "GB",
}
TRANS_BLOCK = re.compile(r"{%-?\s*trans\b.*?{%-?\s*endtrans\s*-?%}", re.S)
COMMENT = re.compile(r"{#.*?#}", re.S)
EXPRESSION = re.compile(r"{{.*?}}", re.S)
TAG = re.compile(r"{%.*?%}", re.S)
WORD = re.compile(r"[^\W\d_][\w.'’-]*", re.U)
READ_ATTRIBUTES = {"title", "alt", "placeholder", "aria-label", "aria-description", "summary", "label"}


def _words(text: str) -> list[str]:
    return [w for w in WORD.findall(text) if w.strip(".-'’") not in KEPT and len(w.strip(".-'’")) > 1]


class _Reader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        attrs = dict(attrs)
        for name, value in attrs.items():
            # An <input type=submit>'s value is its label; a <button>'s value is for the server, never shown.
            shown_value = name == "value" and tag == "input" and attrs.get("type") in ("submit", "button")
            if value and (name in READ_ATTRIBUTES or shown_value):
                if _words(value):
                    self.found.append(f'{name}="{value.strip()}"')

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip and _words(data):
            self.found.append(" ".join(data.split()))


def unmarked_in_template(path: Path) -> list[str]:
    """The unmarked strings a person would read in one template (.html or a mail's .txt)."""
    source = path.read_text(encoding="utf-8")
    source = COMMENT.sub(" ", source)
    source = TRANS_BLOCK.sub(" ", source)
    source = EXPRESSION.sub(" ", source)
    source = TAG.sub(" ", source)
    if path.suffix == ".txt":
        return [" ".join(line.split()) for line in source.splitlines() if _words(line)]
    reader = _Reader()
    reader.feed(source)
    reader.close()
    return reader.found


def unmarked(paths) -> dict[str, list[str]]:
    found = {}
    for start in paths:
        start = Path(start)
        files = sorted(start.rglob("*")) if start.is_dir() else [start]
        for path in files:
            if path.suffix in (".html", ".txt") and path.is_file():
                if strings := unmarked_in_template(path):
                    found[str(path.relative_to(ROOT) if path.is_absolute() else path)] = strings
    return found


def extracted(root: Path = ROOT) -> dict:
    """msgid (or (msgid, msgid_plural)) → where it is used, as `make translations` extracts them."""
    messages: dict = {}
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        str(root), METHOD_MAP, OPTIONS, KEYWORDS, strip_comment_tags=True
    ):
        if not message or (isinstance(message, tuple) and not message[0]):
            continue
        key = message if isinstance(message, str) else tuple(m for m in message if m)
        key = key[0] if isinstance(key, tuple) and len(key) == 1 else key
        messages.setdefault(key, set()).add(filename)
    return messages


PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|%[sdif]|{(\w*)}")


def placeholders(text: str) -> set[str]:
    return {m.group(0) for m in PLACEHOLDER.finditer(text)}


if __name__ == "__main__":
    result = unmarked(sys.argv[1:] or [ROOT / "templates"])
    for name, strings in result.items():
        print(name)
        for string in strings:
            print("   ", string[:160])
    print(f"{sum(len(s) for s in result.values())} unmarked strings in {len(result)} templates", file=sys.stderr)
    sys.exit(1 if result else 0)
