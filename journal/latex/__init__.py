"""LaTeX sources: unpacked safely (archive.py), compiled with TeX Live in a bubblewrap sandbox (sandbox.py,
compile.py), their errors read from the log, their authors' traces found (anonymity.py), and the HTML full text
made with LaTeXML or from JATS (html.py).

Messages a person reads are English templates marked with `N_` and translated when read (`translated`), as in
journal/pdf.py: a job stores the English template and its values, each reader sees their own language."""

from __future__ import annotations


def N_(message: str) -> str:
    """Marks a message for the catalogs (`pybabel extract -k N_`); it stays English until `translated`."""
    return message


def translated(template: str, values: dict | None = None) -> str:
    """A marked message in the reader's language; the English outside an application."""
    values = values or {}
    try:
        from flask import has_app_context
        from flask_babel import gettext
    except ImportError:  # pragma: no cover - the app always has Flask-Babel
        return template % values if values else template
    if not has_app_context():
        return template % values if values else template
    return gettext(template, **values)


def size_words(n: int) -> str:
    """A limit in bytes as a person reads it ("200 MB")."""
    if n < 1024 ** 2:
        return f"{n:,} bytes"
    return f"{n / 1024 ** 3:.3g} GB" if n >= 1024 ** 3 else f"{n / 1024 ** 2:.3g} MB"
