"""The customer's time zone: their preferences, else the trait `timezone`, else the country
of their phone number, else the configured default. Each answer says where it came from."""

from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from babel.core import get_global
from phonenumbers import timezone as phone_zones

_UNKNOWN = "Etc/Unknown"


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


@lru_cache(maxsize=65536)
def phone_zone(phone: str) -> tuple[str, str] | None:
    """(zone, region) for an E.164 number: the number's own zone when the numbering plan
    names one, else its country's when the country has a single zone (Israeli mobiles have
    no zone of their own), else the first of the country's zones the number may be in."""
    try:
        number = phonenumbers.parse(phone)
    except phonenumbers.NumberParseException:
        return None
    region = phonenumbers.region_code_for_number(
        number
    ) or phonenumbers.region_code_for_country_code(number.country_code or 0)
    own = [z for z in phone_zones.time_zones_for_number(number) if z != _UNKNOWN]
    country: list[str] = list(get_global("territory_zones").get(region, []))
    if len(own) == 1:
        return own[0], region
    if len(country) == 1:
        return country[0], region
    candidates = [z for z in country if z in own] or own or country
    return (candidates[0], region) if candidates else None
