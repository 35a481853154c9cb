"""Normalise and check the identifiers people type: ORCID iD, ISSN, DOI prefix, keywords."""

import re

from flask_babel import gettext as _
from stdnum import issn as stdnum_issn
from stdnum.exceptions import ValidationError
from stdnum.iso7064 import mod_11_2

ORCID_SHAPE = re.compile(r"^(\d{4})-?(\d{4})-?(\d{4})-?(\d{3}[\dX])$")


def normalize_orcid(value: str | None) -> str | None:
    """'https://orcid.org/0000-0002-1825-0097' or '0000000218250097' -> '0000-0002-1825-0097'.

    Raises ValueError with a readable reason when the shape or the ISO 7064 11,2 check digit is wrong.
    """
    value = (value or "").strip()
    if not value:
        return None
    value = re.sub(r"^(https?://)?(www\.)?orcid\.org/", "", value, flags=re.I).upper()
    match = ORCID_SHAPE.match(value)
    if not match:
        raise ValueError(_("An ORCID iD has 16 characters in four groups, like 0000-0002-1825-0097."))
    digits = "".join(match.groups())
    if not mod_11_2.is_valid(digits):
        raise ValueError(_("This ORCID iD's check digit does not match; please copy it again from your ORCID record."))
    return "-".join(match.groups())


def normalize_issn(value: str | None) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return stdnum_issn.format(stdnum_issn.validate(value))
    except ValidationError:
        raise ValueError(_("An ISSN has eight characters like 2049-3630, and its check digit must match.")) from None


DOI_PREFIX = re.compile(r"^10\.\d{4,9}$")


def normalize_doi_prefix(value: str | None) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    if not DOI_PREFIX.match(value):
        raise ValueError(_("A DOI prefix looks like 10.12345 (10, a dot, then four to nine digits)."))
    return value


def parse_keywords(value: str | list[str] | None, *, limit: int = 20) -> list[str]:
    """Split on commas and semicolons (Chinese and Arabic ones too: ，；、،؛), trim, drop duplicates (ignoring case),
    keep the order."""
    items = value if isinstance(value, list) else re.split(r"[,;\n，；、،؛]", value or "")
    seen: set[str] = set()
    keywords = []
    for item in items:
        keyword = " ".join(item.split())[:60]
        if keyword and keyword.casefold() not in seen:
            seen.add(keyword.casefold())
            keywords.append(keyword)
    if len(keywords) > limit:
        raise ValueError(_("Please give at most %(limit)s keywords.", limit=limit))
    return keywords
