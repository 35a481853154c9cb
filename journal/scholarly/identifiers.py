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


DOI_SHAPE = re.compile(r"^10\.\d{4,9}/\S+$")
DATA_LINK_KINDS = ("dataset", "software", "other")


def normalize_doi(value: str | None) -> str | None:
    """'https://doi.org/10.5281/Zenodo.123', 'doi:10.5281/zenodo.123' -> '10.5281/Zenodo.123' (DOIs compare without
    case, but are shown as given). ValueError with a readable reason when it is not a DOI."""
    value = (value or "").strip()
    if not value:
        return None
    value = re.sub(r"^(https?://)?(dx\.)?doi\.org/|^doi:\s*", "", value, flags=re.I)
    if not DOI_SHAPE.match(value) or len(value) > 255:
        raise ValueError(_("A DOI looks like 10.5281/zenodo.1234567 (10, a dot, four to nine digits, a slash, "
                           "then the item's own part)."))
    return value


def normalize_url(value: str | None) -> str | None:
    """An http(s) address with a host, or ValueError."""
    value = (value or "").strip()
    if not value:
        return None
    if not re.match(r"^https?://[^\s/?#]+\.[^\s/?#]+(?:[/?#]\S*)?$", value, flags=re.I) or len(value) > 500:
        raise ValueError(_("An address starts with https:// or http://, then the site's name, e.g. "
                           "https://github.com/example/code."))
    return value


def clean_data_link(kind: str, address: str, repository: str) -> dict | None:
    """One link to data or software as typed: a DOI (in any of its written forms) or a web address, the repository
    and the kind. None when the row is empty; ValueError with a reason otherwise."""
    address, repository = (address or "").strip(), " ".join((repository or "").split())[:200]
    if not address and not repository:
        return None
    if not address:
        raise ValueError(_("Give the DOI or the address of the data or software."))
    kind = kind if kind in DATA_LINK_KINDS else "other"
    if re.match(r"^((https?://)?(dx\.)?doi\.org/|doi:|10\.)", address, flags=re.I):
        return {"kind": kind, "doi": normalize_doi(address), "url": "", "repository": repository}
    return {"kind": kind, "doi": "", "url": normalize_url(address), "repository": repository}


def data_link_href(link: dict) -> str:
    """Where a data link leads: https://doi.org/… for a DOI, else its address."""
    return f"https://doi.org/{link['doi']}" if link.get("doi") else link.get("url", "")
