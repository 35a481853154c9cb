"""Choice lists for select fields."""

import functools
from zoneinfo import available_timezones

import pycountry


@functools.cache
def countries() -> list[tuple[str, str]]:
    items = sorted(((c.alpha_2, getattr(c, "common_name", c.name)) for c in pycountry.countries), key=lambda x: x[1])
    return [("", "— choose a country —"), *items]


@functools.cache
def timezones() -> list[tuple[str, str]]:
    zones = sorted(z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/")))
    return [("UTC", "UTC"), *((z, z.replace("_", " ")) for z in zones)]
