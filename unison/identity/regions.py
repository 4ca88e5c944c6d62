"""Which country a phone number written without its country code belongs to.

Hints in order of trust: the customer's own `country` trait, the time zone their device
reports, the region of their locale, and finally the source's configured default region.
"""

import importlib.resources
from functools import lru_cache
from typing import Any

import phonenumbers


@lru_cache(maxsize=1)
def _zone_countries() -> dict[str, str]:
    """IANA time zone -> ISO 3166 country, from the tz database's zone.tab."""
    text = importlib.resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text()
    zones: dict[str, str] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            parts = line.split("\t")
            if len(parts) >= 3:
                zones[parts[2]] = parts[0]
    zones.setdefault("Europe/Kiev", zones.get("Europe/Kyiv", "UA"))  # the old spelling
    return zones


_REGIONS = frozenset(phonenumbers.SUPPORTED_REGIONS)


def _region(code: Any) -> str | None:
    if isinstance(code, str) and code.strip().upper() in _REGIONS:
        return code.strip().upper()
    return None


def phone_region(
    traits: dict[str, Any], context: dict[str, Any], source_default: str | None
) -> str | None:
    for candidate in (traits.get("country"), (context.get("traits") or {}).get("country")):
        if region := _region(candidate):
            return region
    timezone = context.get("timezone")
    if isinstance(timezone, str) and (region := _region(_zone_countries().get(timezone))):
        return region
    locale = context.get("locale")
    if isinstance(locale, str) and len(locale) >= 5 and (region := _region(locale[-2:])):
        return region
    return _region(source_default)
