"""The six markets of the demo brand: countries, phone numbering, people's names and cities.

The tables themselves are in ``data/markets.json``; this module turns them into typed records.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from unison.demo.clock import HOUR
from unison.demo.data import load
from unison.demo.draw import cumulative


@dataclass(frozen=True, slots=True)
class Country:
    code: str
    dial: str
    currency: str
    rate: float  # currency units per USD
    whole_units: bool  # prices end in ...90 / ...9 instead of .99
    tz: str
    utc_offset: int  # ms, fixed (daylight saving is ignored)
    operators: tuple[str, ...]  # leading digits of the national significant number
    subscriber_digits: int
    patterns: tuple[str, str, str]  # international, local spaced, local compact; '#' = digit


def _country(row: dict[str, Any]) -> Country:
    """A row of the JSON, whose keys are the field names; lists become tuples, the UTC
    offset is given in hours."""
    fields = dict(row, operators=tuple(row["operators"]), patterns=tuple(row["patterns"]))
    fields["utc_offset"] = fields.pop("utc_offset_hours") * HOUR
    return Country(**fields)


_DATA: Final = load("markets")
_COUNTRIES: Final = {row["code"]: _country(row) for row in _DATA["countries"]}
ALL_COUNTRIES: Final = tuple(_COUNTRIES.values())


def _fill(pattern: str, digits: str) -> str:
    it = iter(digits)
    return "".join(next(it) if ch == "#" else ch for ch in pattern)


def format_phone(country: Country, nsn: str, style: int) -> str:
    """Format a national significant number.

    style 0: international spaced, 1: local spaced, 2: E.164, 3: local compact,
    4: digits with the country code and no ``+`` (WhatsApp ids, Telegram contact cards).
    """
    if style == 2:
        return f"+{country.dial}{nsn}"
    if style == 4:
        return f"{country.dial}{nsn}"
    return _fill(country.patterns[min(style, 2)], nsn)


@dataclass(frozen=True, slots=True)
class City:
    name: str  # in the market's language
    country: Country
    weight: float
    stores: tuple[tuple[str, str], ...]  # (store_id, store name)


@dataclass(frozen=True, slots=True)
class Market:
    key: str
    language: str
    locale: str
    weight: float
    first_names: tuple[tuple[str, str, str], ...]  # (native, latin, gender)
    last_names: tuple[tuple[str, str, str, str], ...]  # (native m, native f, latin m, latin f)
    cities: tuple[City, ...]
    messengers: tuple[tuple[str, float], ...]
    companies: tuple[tuple[str, str, int], ...]  # (name, industry, employees)


def _last_names(row: dict[str, Any]) -> tuple[tuple[str, str, str, str], ...]:
    """Surnames as (native m, native f, latin m, latin f); where the feminine form differs
    (Russian: Ivanov, Ivanova) the market names the ending it adds."""
    ending = row.get("feminine_surname_ending", {"native": "", "latin": ""})
    return tuple(
        (n["native"], n["native"] + ending["native"], n["latin"], n["latin"] + ending["latin"])
        for n in row["last_names"]
    )


def _city(row: dict[str, Any]) -> City:
    stores = tuple((s["store_id"], s["name"]) for s in row["stores"])
    return City(row["name"], _COUNTRIES[row["country"]], float(row["weight"]), stores)


def _market(row: dict[str, Any]) -> Market:
    plain = {key: row[key] for key in ("key", "language", "locale", "weight")}
    return Market(
        **plain,
        first_names=tuple((n["native"], n["latin"], n["gender"]) for n in row["first_names"]),
        last_names=_last_names(row),
        cities=tuple(_city(c) for c in row["cities"]),
        messengers=tuple((channel, float(w)) for channel, w in row["messengers"].items()),
        companies=tuple((c["name"], c["industry"], c["employees"]) for c in row["companies"]),
    )


MARKETS: Final = tuple(_market(row) for row in _DATA["markets"])


MARKET_CUM: Final = cumulative([m.weight for m in MARKETS])
CITY_CUM: Final = {m.key: cumulative([c.weight for c in m.cities]) for m in MARKETS}
MESSENGER_CUM: Final = {m.key: cumulative([w for _, w in m.messengers]) for m in MARKETS}
