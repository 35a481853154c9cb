"""ORCID API v3.0 peer-review records (issue 18): their JSON, and a check against ORCID's documented rules, written
here from ORCID's documentation of the peer-review section (required fields, formats, enumerations); ORCID's own
schema files are not copied in.

A record says that a person reviewed for a journal (the review group, ORCID's name for "where": `issn:…`), when the
review was completed, who convened it (the publisher), the review's own identifier, and, only where the review is
open and named and the paper is published, which paper it was (the subject). `check` returns what breaks the rules,
in English for the log and the tests; an empty list means ORCID's API would take the record.
"""

import re
from dataclasses import dataclass
from datetime import date

import pycountry
from stdnum import issn as stdnum_issn

ROLES = ("reviewer", "editor", "member", "chair", "organizer")
TYPES = ("review", "evaluation")
RELATIONSHIPS = ("self", "part-of", "version-of", "funded-by")
# The identifier types a peer review and its subject take here (ORCID accepts more; these are the ones we write).
ID_TYPES = ("doi", "source-work-id", "uri", "handle", "issn", "isbn", "arxiv", "pmid", "pmc", "other-id")
SUBJECT_TYPES = ("journal-article", "preprint", "book", "book-chapter", "conference-paper", "data-set",
                 "dissertation-thesis", "report", "other")
ORGANIZATION_SOURCES = ("RINGGOLD", "GRID", "FUNDREF", "LEI", "ROR")
KEYS = {"reviewer-role", "review-identifiers", "review-url", "review-type", "review-completion-date",
        "review-group-id", "subject-external-identifier", "subject-container-name", "subject-type", "subject-name",
        "subject-url", "convening-organization"}
REQUIRED = ("reviewer-role", "review-identifiers", "review-type", "review-completion-date", "review-group-id",
            "convening-organization")
MAX_TEXT = 1000
MAX_URL = 2000
DOI = re.compile(r"10\.\d{4,9}/\S+")
ISSN = re.compile(r"\d{4}-\d{3}[\dX]")
ROR = re.compile(r"https://ror\.org/0[a-z0-9]{6}\d{2}")


@dataclass(frozen=True)
class Organization:
    name: str
    city: str
    country: str  # ISO 3166-1 alpha-2
    region: str = ""
    identifier: str = ""
    source: str = ""


@dataclass(frozen=True)
class Subject:
    """The reviewed paper: only for an open, named review of a published article."""

    title: str
    journal_title: str
    url: str
    doi: str = ""


def external_id(kind: str, value: str, url: str = "", relationship: str = "self") -> dict:
    item = {"external-id-type": kind, "external-id-value": value, "external-id-relationship": relationship}
    if url:
        item["external-id-url"] = {"value": url}
    return item


def peer_review_record(*, completed: date, issn: str, organization: Organization, review_id: dict,
                       review_url: str = "", subject: Subject | None = None) -> dict:
    """The record as ORCID's member API takes it (POST /v3.0/{orcid}/peer-review, application/vnd.orcid+json)."""
    org = {"name": organization.name, "address": {"city": organization.city, "country": organization.country}}
    if organization.region:
        org["address"]["region"] = organization.region
    if organization.identifier:
        org["disambiguated-organization"] = {
            "disambiguated-organization-identifier": organization.identifier,
            "disambiguation-source": organization.source}
    record = {
        "reviewer-role": "reviewer",
        "review-identifiers": {"external-id": [review_id]},
        "review-type": "review",
        "review-completion-date": {"year": {"value": f"{completed.year:04d}"},
                                   "month": {"value": f"{completed.month:02d}"},
                                   "day": {"value": f"{completed.day:02d}"}},
        "review-group-id": f"issn:{issn}",
        "convening-organization": org,
    }
    if review_url:
        record["review-url"] = {"value": review_url}
    if subject is not None:
        record["subject-type"] = "journal-article"
        record["subject-name"] = {"title": {"value": subject.title}}
        record["subject-container-name"] = {"value": subject.journal_title}
        record["subject-url"] = {"value": subject.url}
        if subject.doi:
            record["subject-external-identifier"] = external_id("doi", subject.doi, f"https://doi.org/{subject.doi}")
    return record


def issn_is_valid(issn: str) -> bool:
    """The hyphenated form with its check digit right (python-stdnum's ISSN rules)."""
    return bool(ISSN.fullmatch(issn or "")) and stdnum_issn.is_valid(issn)


def _text(problems: list, where: str, value, required: bool = True, limit: int = MAX_TEXT) -> None:
    if not isinstance(value, str) or (required and not value.strip()):
        problems.append(f"{where}: text required")
    elif len(value) > limit:
        problems.append(f"{where}: longer than {limit} characters")


def _value(problems: list, where: str, holder, limit: int = MAX_TEXT) -> str:
    """The `{"value": …}` wrapper ORCID puts around strings."""
    if not isinstance(holder, dict) or set(holder) != {"value"}:
        problems.append(f"{where}: must be {{\"value\": …}}")
        return ""
    _text(problems, where, holder["value"], limit=limit)
    return holder["value"] if isinstance(holder["value"], str) else ""


def _url(problems: list, where: str, holder) -> None:
    url = _value(problems, where, holder, limit=MAX_URL)
    if url and not re.fullmatch(r"https?://[^\s/]+\S*", url):
        problems.append(f"{where}: not an http(s) URL")


def _external_id(problems: list, where: str, item) -> str:
    if not isinstance(item, dict):
        problems.append(f"{where}: must be an object")
        return ""
    unknown = set(item) - {"external-id-type", "external-id-value", "external-id-url", "external-id-relationship"}
    if unknown:
        problems.append(f"{where}: unknown fields {sorted(unknown)}")
    kind = item.get("external-id-type")
    if kind not in ID_TYPES:
        problems.append(f"{where}.external-id-type: {kind!r} is not one of {', '.join(ID_TYPES)}")
    value = item.get("external-id-value")
    _text(problems, f"{where}.external-id-value", value, limit=MAX_URL)
    if kind == "doi" and isinstance(value, str) and not DOI.fullmatch(value):
        problems.append(f"{where}: {value!r} is not a DOI (10.…/…)")
    if "external-id-url" in item:
        _url(problems, f"{where}.external-id-url", item["external-id-url"])
    relationship = item.get("external-id-relationship")
    if relationship not in RELATIONSHIPS:
        problems.append(f"{where}.external-id-relationship: {relationship!r} is not one of "
                        f"{', '.join(RELATIONSHIPS)}")
    return relationship or ""


def _date(problems: list, where: str, value, today: date) -> None:
    if not isinstance(value, dict) or set(value) - {"year", "month", "day"} or "year" not in value:
        problems.append(f"{where}: must have a year, and a month and day where known")
        return
    parts = {}
    for name, pattern in (("year", r"\d{4}"), ("month", r"0[1-9]|1[0-2]"), ("day", r"0[1-9]|[12]\d|3[01]")):
        if name in value:
            text = value[name].get("value") if isinstance(value[name], dict) else None
            if not isinstance(text, str) or not re.fullmatch(pattern, text):
                problems.append(f"{where}.{name}: {text!r} is not a {name} ({pattern})")
                return
            parts[name] = int(text)
    if "day" in parts and "month" not in parts:
        problems.append(f"{where}: a day without a month")
        return
    try:
        when = date(parts["year"], parts.get("month", 1), parts.get("day", 1))
    except ValueError:
        problems.append(f"{where}: no such date")
        return
    if when > today:
        problems.append(f"{where}: in the future")


def _organization(problems: list, org) -> None:
    where = "convening-organization"
    if not isinstance(org, dict):
        problems.append(f"{where}: must be an object")
        return
    _text(problems, f"{where}.name", org.get("name"))
    address = org.get("address")
    if not isinstance(address, dict):
        problems.append(f"{where}.address: a city and a country are required")
    else:
        _text(problems, f"{where}.address.city", address.get("city"))
        if "region" in address:
            _text(problems, f"{where}.address.region", address["region"], required=False)
        country = address.get("country")
        if not isinstance(country, str) or not re.fullmatch(r"[A-Z]{2}", country) or \
                pycountry.countries.get(alpha_2=country) is None:
            problems.append(f"{where}.address.country: {country!r} is not an ISO 3166 country code")
    disambiguated = org.get("disambiguated-organization")
    if disambiguated is not None:
        source = disambiguated.get("disambiguation-source") if isinstance(disambiguated, dict) else None
        identifier = disambiguated.get("disambiguated-organization-identifier") \
            if isinstance(disambiguated, dict) else None
        if source not in ORGANIZATION_SOURCES:
            problems.append(f"{where}.disambiguation-source: {source!r} is not one of "
                            f"{', '.join(ORGANIZATION_SOURCES)}")
        _text(problems, f"{where}.disambiguated-organization-identifier", identifier)
        if source == "ROR" and isinstance(identifier, str) and not ROR.fullmatch(identifier):
            problems.append(f"{where}: {identifier!r} is not a ROR identifier (https://ror.org/0…)")
        if source == "RINGGOLD" and isinstance(identifier, str) and not identifier.isdigit():
            problems.append(f"{where}: {identifier!r} is not a Ringgold number")
    unknown = set(org) - {"name", "address", "disambiguated-organization"}
    if unknown:
        problems.append(f"{where}: unknown fields {sorted(unknown)}")


def check(record: dict, *, today: date | None = None) -> list[str]:
    """What in the record breaks ORCID's rules for a peer review; empty when the record is good."""
    problems: list[str] = []
    if not isinstance(record, dict):
        return ["the record must be a JSON object"]
    today = today or date.today()
    unknown = set(record) - KEYS
    if unknown:
        problems.append(f"unknown fields {sorted(unknown)}")
    for key in REQUIRED:
        if key not in record:
            problems.append(f"{key}: required")
    if "reviewer-role" in record and record["reviewer-role"] not in ROLES:
        problems.append(f"reviewer-role: {record['reviewer-role']!r} is not one of {', '.join(ROLES)}")
    if "review-type" in record and record["review-type"] not in TYPES:
        problems.append(f"review-type: {record['review-type']!r} is not one of {', '.join(TYPES)}")
    if "review-identifiers" in record:
        ids = record["review-identifiers"].get("external-id") if isinstance(record["review-identifiers"], dict) \
            else None
        if not isinstance(ids, list) or not ids:
            problems.append("review-identifiers: at least one external-id")
        else:
            relationships = [_external_id(problems, f"review-identifiers[{n}]", item) for n, item in enumerate(ids)]
            if "self" not in relationships:
                problems.append("review-identifiers: one must be the review's own (relationship self)")
    if "review-completion-date" in record:
        _date(problems, "review-completion-date", record["review-completion-date"], today)
    if "review-group-id" in record:
        group = record["review-group-id"]
        _text(problems, "review-group-id", group)
        if isinstance(group, str):
            kind, _, value = group.partition(":")
            if not value or not re.fullmatch(r"[a-z][a-z0-9-]*", kind):
                problems.append(f"review-group-id: {group!r} is not type:value")
            elif kind == "issn" and not issn_is_valid(value):
                problems.append(f"review-group-id: {value!r} is not a valid ISSN")
    if "convening-organization" in record:
        _organization(problems, record["convening-organization"])
    for key in ("review-url", "subject-url"):
        if key in record:
            _url(problems, key, record[key])
    if "subject-external-identifier" in record:
        _external_id(problems, "subject-external-identifier", record["subject-external-identifier"])
    if "subject-type" in record and record["subject-type"] not in SUBJECT_TYPES:
        problems.append(f"subject-type: {record['subject-type']!r} is not a work type")
    if "subject-container-name" in record:
        _value(problems, "subject-container-name", record["subject-container-name"])
    if "subject-name" in record:
        name = record["subject-name"]
        if not isinstance(name, dict) or "title" not in name or set(name) - {"title", "subtitle",
                                                                               "translated-title"}:
            problems.append("subject-name: must have a title")
        else:
            _value(problems, "subject-name.title", name["title"])
    return problems
