"""Choice lists for select fields."""

import functools
import unicodedata
from zoneinfo import available_timezones

import pycountry
from babel import Locale
from flask_babel import get_locale, gettext
from wtforms.fields.choices import SelectChoice

from journal.i18n import LANGUAGES, SOURCE_LANGUAGE


def select_choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


def countries() -> list[SelectChoice]:
    """Every country, named and sorted in the reader's language (pass the function itself as `choices`)."""
    return _countries(str(get_locale() or SOURCE_LANGUAGE))


@functools.cache
def _countries(locale: str) -> list[SelectChoice]:
    names = Locale.parse(locale).territories
    items = [(c.alpha_2, names.get(c.alpha_2) or getattr(c, "common_name", c.name)) for c in pycountry.countries]
    items.sort(key=lambda item: collation_key(item[1]))
    return select_choices([("", gettext("— choose a country —")), *items])


def collation_key(text: str) -> str:
    """Good enough alphabetical order across scripts without ICU: accents folded (Égypte beside Egypte)."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower() or text


def languages(blank: str | None = None) -> list[SelectChoice]:
    """The platform's languages, each named in itself (中文, English, العربية …)."""
    pairs = [(code, language.native) for code, language in LANGUAGES.items()]
    return select_choices([("", blank), *pairs] if blank is not None else pairs)


@functools.cache
def timezones() -> list[tuple[str, str]]:
    zones = sorted(z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/")))
    return select_choices([("UTC", "UTC"), *((z, z.replace("_", " ")) for z in zones)])
