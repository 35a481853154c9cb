"""DOIs of published articles: the journal's prefix, a slash, and a suffix made from its DOI pattern.

The pattern is a Python format string over these placeholders (`{number:04d}` pads with zeros):

    {slug}       the journal's address, e.g. jdse
    {year}       the year of the issue the article is published in
    {volume}     the issue's volume
    {issue}      the issue's number
    {number}     the article's number in the journal and year, counted at publication: 1, 2, 3 …
    {reference}  the submission's reference, lower case: jdse-2026-0042
    {article}    the article's id in this system

The default `{slug}.{year}.{number:04d}` gives 10.59999/jdse.2026.0042. A pattern must hold
{number}, {reference} or {article}, so that no two articles get the same DOI.
"""

import re
import string

from flask_babel import gettext as _

PLACEHOLDERS = ("slug", "year", "volume", "issue", "number", "reference", "article")
UNIQUE_PLACEHOLDERS = {"number", "reference", "article"}
# Characters Crossref recommends for suffixes; no spaces, no characters that need escaping in URLs.
SUFFIX = re.compile(r"^[A-Za-z0-9._;()/:-]+$")
SUFFIX_MAX = 100
SPEC = re.compile(r"^(0?[1-9]d)?$")  # nothing, or a zero-padded width: {number:04d}
EXAMPLE = {"slug": "jdse", "year": 2026, "volume": 3, "issue": 2, "number": 42, "reference": "jdse-2026-0042",
           "article": 317}


def check_doi_pattern(pattern: str | None) -> str:
    """The pattern, trimmed, or ValueError with a reason an editor can act on."""
    pattern = (pattern or "").strip()
    if not pattern:
        raise ValueError(_("Give the DOI pattern, e.g. {slug}.{year}.{number:04d}."))
    try:
        fields = {name for _text, name, _spec, _conv in string.Formatter().parse(pattern) if name is not None}
    except ValueError:
        raise ValueError(_("Braces must enclose a placeholder, like {year}; check for a missing } or {.")) from None
    specs = {spec for _text, name, spec, _conv in string.Formatter().parse(pattern) if name is not None}
    if any(not SPEC.match(spec or "") for spec in specs):
        raise ValueError(_("A placeholder may only be padded with zeros to a width under 10, like {number:04d}."))
    unknown = sorted(f for f in fields if f not in PLACEHOLDERS)
    if unknown:
        placeholder, placeholders = "{" + unknown[0] + "}", ", ".join("{" + p + "}" for p in PLACEHOLDERS)
        raise ValueError(_("Unknown placeholder %(placeholder)s. Use %(placeholders)s.", placeholder=placeholder,
                           placeholders=placeholders))
    if not fields & UNIQUE_PLACEHOLDERS:
        raise ValueError(_("The pattern needs {number}, {reference} or {article}, so that every article gets its "
                           "own DOI."))
    try:
        example = doi_suffix(pattern, **EXAMPLE)
    except (ValueError, TypeError):
        raise ValueError(_("A placeholder's format does not fit its value: {number:04d} pads the number with zeros, "
                           "text placeholders take no number format.")) from None
    if not SUFFIX.match(example) or len(example) > SUFFIX_MAX:
        raise ValueError(_("It would give “%(example)s”: use letters, digits and . - _ ; ( ) / : only, at most "
                           "%(maximum)s characters.", example=example, maximum=SUFFIX_MAX))
    return pattern


def doi_suffix(pattern: str, **values) -> str:
    return pattern.format(**{name: values[name] for name in PLACEHOLDERS if name in values})


def make_doi(prefix: str, pattern: str, **values) -> str:
    return f"{prefix}/{doi_suffix(pattern, **values)}"


def example_doi(prefix: str | None, pattern: str) -> str:
    """What the settings page shows under the field."""
    try:
        return make_doi(prefix or "10.XXXXX", check_doi_pattern(pattern), **EXAMPLE)
    except ValueError:
        return ""
