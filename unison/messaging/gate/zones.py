"""The customer's time zone: their preferences, else the trait `timezone`, else the country
of their phone number, else the configured default. Each answer says where it came from."""

from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from babel.core import get_global
from phonenumbers import timezone as phone_zones

_UNKNOWN = "Etc/Unknown"
# Where a number of a country with several zones does not say its own (mobiles mostly), the
# zone most of the country lives in.
_PRIMARY = {
    "RU": "Europe/Moscow",
    "UA": "Europe/Kyiv",
    "KZ": "Asia/Almaty",
    "US": "America/New_York",
    "CA": "America/Toronto",
    "BR": "America/Sao_Paulo",
    "AU": "Australia/Sydney",
    "MX": "America/Mexico_City",
    "ID": "Asia/Jakarta",
    "CN": "Asia/Shanghai",
}


def zone_named(name: object) -> ZoneInfo | None:
    if not isinstance(name, str) or not name or "\x00" in name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def customer_zone(
    preference: str | None, trait: object, phone: str | None, default: str
) -> tuple[ZoneInfo, str]:
    """The zone and where it came from (preferences, trait, phone country, default)."""
    if (zone := zone_named(preference)) is not None:
        return zone, f"time zone {zone.key} from the customer's preferences"
    if (zone := zone_named(trait)) is not None:
        return zone, f"time zone {zone.key} from the trait timezone"
    if phone and (found := phone_zone(phone)) is not None:
        return ZoneInfo(found[0]), f"time zone {found[0]} from the phone's country {found[1]}"
    return ZoneInfo(default), f"time zone {default} (the default)"


def phone_zone(phone: str) -> tuple[str, str] | None:
    """(zone, region) of an E.164 number; by its calling code alone when that code is one
    country with one zone (most of them: no parsing on the gate's hot path)."""
    digits = phone[1:4] if phone.startswith("+") else ""
    for size in (1, 2, 3):
        found = _single_zone(digits[:size]) if len(digits) >= size else None
        if found is not None:
            return found
    return _number_zone(phone)


@lru_cache(maxsize=1024)
def _single_zone(code: str) -> tuple[str, str] | None:
    if not code.isdigit():
        return None
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(int(code), ())
    if len(regions) != 1:
        return None
    zones = get_global("territory_zones").get(regions[0], [])
    return (zones[0], regions[0]) if len(zones) == 1 else None


@lru_cache(maxsize=65536)
def _number_zone(phone: str) -> tuple[str, str] | None:
    """(zone, region) for an E.164 number: the number's own zone when the numbering plan
    names one, else its country's when the country has a single zone (Israeli mobiles have
    no zone of their own), else the country's main zone, else the first it may be in."""
    try:
        number = phonenumbers.parse(phone)
    except phonenumbers.NumberParseException:
        return None
    region = _region(number)
    own = [z for z in phone_zones.time_zones_for_number(number) if z != _UNKNOWN]
    country: list[str] = list(get_global("territory_zones").get(region, []))
    if len(own) == 1:
        return own[0], region
    if len(country) == 1:
        return country[0], region
    if region in _PRIMARY and (not own or _PRIMARY[region] in own):
        return _PRIMARY[region], region
    candidates = [z for z in country if z in own] or own or country
    return (candidates[0], region) if candidates else None


def _region(number: phonenumbers.PhoneNumber) -> str:
    found = phonenumbers.region_code_for_number(number)
    return found or phonenumbers.region_code_for_country_code(number.country_code or 0)
