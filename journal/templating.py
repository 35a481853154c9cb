"""Jinja filters and globals: dates in the reader's zone, country names, permissions."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import re

import pycountry
from babel import Locale, dates
from flask import current_app, g
from flask_babel import format_number, get_locale
from flask_login import current_user
from markupsafe import Markup, escape

from journal import pdf
from journal.audit import action_label, event_details
from journal.permissions import template_globals
from journal.scholarly.identifiers import data_link_href
from journal.scholarly.records import licence_name


def _zone() -> ZoneInfo:
    """The reader's zone: a mail's recipient's while it is written (journal/mail.py), else the signed-in person's."""
    name = g.get("reader_zone") or getattr(current_user, "timezone", None) or "UTC"
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def date_locale() -> Locale:
    """The locale dates are written in: the reader's, with English dates written as the association writes them
    (5 December 2026, 24-hour clock: CLDR's en_GB) rather than American."""
    locale = get_locale() or Locale("en")
    return Locale("en", "GB") if locale.language == "en" else locale


def long_date(value) -> str:
    """A date inside a sentence: 5 December 2026, 2026年12月5日, 5 décembre 2026, 5 декабря 2026 г."""
    return dates.format_date(value, "long", locale=date_locale())


def format_datetime(value: datetime | None, with_time: bool = True) -> str:
    """UTC in the database, shown in the reader's zone with the zone named, as the reader's language writes dates
    (CLDR's through Babel: 2026年12月5日 16:30 CST, 5 décembre 2026 09:30 CET)."""
    if value is None:
        return "—"
    if not isinstance(value, datetime):  # a calendar day (a due date's day): no zone to convert
        return long_date(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    local = value.astimezone(_zone())
    locale = date_locale()
    if not with_time:
        return dates.format_date(local, "long", locale=locale)
    return (f"{dates.format_date(local, 'long', locale=locale)} {dates.format_time(local, 'HH:mm', locale=locale)} "
            f"{local.tzname() or 'UTC'}")


def country_name(code: str | None) -> str:
    """The country's name in the reader's language (CLDR), else in English (ISO 3166)."""
    if not code:
        return ""
    locale = get_locale()
    if locale is not None and code.upper() in locale.territories:
        return locale.territories[code.upper()]
    country = pycountry.countries.get(alpha_2=code)
    return country.name if country else code


DOI_IN_TEXT = re.compile(r"(?:https?://(?:dx\.)?doi\.org/|\bdoi:\s*)?\b(10\.\d{4,9}/[^\s<>\"]+)", re.I)


def doi_links(text: str | None) -> Markup:
    """Plain text (a data availability statement) with every DOI in it as a link to https://doi.org/…; the rest
    escaped. Trailing punctuation of the sentence stays outside the link."""
    parts, last = [], 0
    text = text or ""
    for match in DOI_IN_TEXT.finditer(text):
        doi = match.group(1).rstrip(".,;:)]}’”'")
        end = match.start(1) + len(doi)
        parts.append(escape(text[last:match.start()]))
        parts.append(Markup('<a href="https://doi.org/{0}">{1}</a>').format(doi, text[match.start():end]))
        last = end
    parts.append(escape(text[last:]))
    return Markup("").join(parts)


def latex_message(error: dict) -> str:
    """An error (or a source finding) of a LaTeX compilation as stored (journal/services/latex.py): the engine's English message with its
    values, shown in the reader's language where the catalogs have it."""
    from flask_babel import gettext

    template = error.get("template")
    if template:
        return gettext(template, **(error.get("values") or {}))
    return error.get("message") or error.get("what") or ""


def setup_templating(app) -> None:
    app.jinja_env.filters["latex_message"] = latex_message
    app.jinja_env.filters["doi_links"] = doi_links
    app.jinja_env.filters["data_link_href"] = data_link_href
    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.filters["date"] = lambda v: format_datetime(v, with_time=False)
    app.jinja_env.filters["country"] = country_name
    app.jinja_env.filters["number"] = format_number  # 1,000 / 1 000 / 1.000 as the reader's language writes it
    # The PDF check's report is stored in English (journal/pdf.py); shown in the reader's language.
    app.jinja_env.filters["pdf_place"] = pdf.place_label
    app.jinja_env.filters["pdf_feature"] = pdf.feature_label
    app.jinja_env.filters["pdf_warning"] = pdf.warning_label
    app.jinja_env.filters["action_label"] = action_label
    app.jinja_env.filters["licence_name"] = licence_name
    app.jinja_env.globals["event_details"] = event_details
    app.jinja_env.globals.update(template_globals())
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def site():
        return {"platform_name": current_app.config["PLATFORM_NAME"]}
