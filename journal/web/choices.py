"""Choice lists for select fields."""

import functools
from zoneinfo import available_timezones

import pycountry
from wtforms.fields.choices import SelectChoice


def select_choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


@functools.cache
def countries() -> list[tuple[str, str]]:
    items = sorted(((c.alpha_2, getattr(c, "common_name", c.name)) for c in pycountry.countries), key=lambda x: x[1])
    return select_choices([("", "— choose a country —"), *items])


@functools.cache
def timezones() -> list[tuple[str, str]]:
    zones = sorted(z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/")))
    return select_choices([("UTC", "UTC"), *((z, z.replace("_", " ")) for z in zones)])
