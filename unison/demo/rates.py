"""Exchange rates for the demo's currencies: one row a week, 1 USD in each market's currency.

Drawn around each market's rate (a slow swing of a few per cent plus daily noise) from a
seeded generator, so equal arguments give identical rows; they cover the whole history, so
every demo order has a rate on or before its date.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import date, timedelta
from random import Random
from typing import Final

from unison.demo.markets import MARKETS

BASE: Final = "USD"
HEADER: Final = "date,base,currency,rate"


def currencies() -> dict[str, float]:
    """Every demo currency but the base, with its central rate (units per USD)."""
    found = {c.country.currency: c.country.rate for m in MARKETS for c in m.cities}
    return {code: rate for code, rate in sorted(found.items()) if code != BASE}


def weekly_rates(first: date, last: date, seed: int = 42) -> Iterator[tuple[date, str, float]]:
    """(Monday, currency, units per USD) from the Monday on or before `first` to `last`."""
    r = Random(seed)
    swings = {code: (r.uniform(0.01, 0.05), r.uniform(0, 2 * math.pi)) for code in currencies()}
    day = first - timedelta(days=first.weekday())
    while day <= last:
        for code, centre in currencies().items():
            size, phase = swings[code]
            drift = 1 + size * math.sin(phase + day.toordinal() / 365.25 * 2 * math.pi)
            yield day, code, round(centre * drift * (1 + r.gauss(0, 0.003)), 6)
        day += timedelta(days=7)


def rates_csv(first: date, last: date, seed: int = 42) -> str:
    lines = [HEADER] + [
        f"{day.isoformat()},{BASE},{code},{rate}"
        for day, code, rate in weekly_rates(first, last, seed)
    ]
    return "\n".join(lines) + "\n"
