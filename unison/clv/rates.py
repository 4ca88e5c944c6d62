"""Dated exchange rates and the conversion of every CLV figure into the reporting currency.

A rate row says one unit of `base` bought `rate` units of `currency` on `day`. An amount in
X is converted into the reporting currency R at the most recent rate on or before its date:
directly (base R, or base X inverted), else across a base quoted against both. A missing rate
is an error naming the currency and the date: guessing one would silently skew every figure.
"""

import csv
import io
import re
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from unison.clv import repository
from unison.clv.errors import ClvInputInvalid, ExchangeRateMissing
from unison.kit.clock import utcnow

_CODE = re.compile(r"^[A-Z]{3}$")
HEADER = "date,base,currency,rate"


@dataclass(frozen=True)
class RateEntry:
    day: date
    base: str
    currency: str
    rate: float


def currency_code(value: Any, field: str, where: str = "") -> str:
    code = str(value or "").strip().upper()
    if not _CODE.match(code):
        raise ClvInputInvalid(
            f"{where}{field} {value!r} is not a 3-letter ISO 4217 code", field=field
        )
    return code


def rate_entry(day: Any, base: Any, currency: Any, rate: Any, where: str = "") -> RateEntry:
    """One validated rate; `where` prefixes errors (e.g. "line 3: ")."""
    try:
        when = day if isinstance(day, date) else date.fromisoformat(str(day or "").strip())
    except ValueError:
        raise ClvInputInvalid(f"{where}date {day!r} is not YYYY-MM-DD", field="date") from None
    quote = currency_code(currency, "currency", where)
    origin = currency_code(base, "base", where)
    if quote == origin:
        raise ClvInputInvalid(f"{where}base and currency are both {quote}", field="currency")
    try:
        value = float(rate)
    except (TypeError, ValueError):
        raise ClvInputInvalid(f"{where}rate {rate!r} is not a number", field="rate") from None
    if not 0 < value < float("inf"):
        raise ClvInputInvalid(f"{where}rate must be a finite number > 0", field="rate")
    return RateEntry(when, origin, quote, value)


def parse_rates_csv(text: str) -> list[RateEntry]:
    """date,base,currency,rate with a header; any bad line rejects the whole file."""
    reader = csv.DictReader(io.StringIO(text))
    missing = set(HEADER.split(",")) - set(reader.fieldnames or [])
    if missing:
        raise ClvInputInvalid(
            f"the CSV header lacks {', '.join(sorted(missing))}; expected {HEADER}",
            field="header",
        )
    entries = [
        rate_entry(row["date"], row["base"], row["currency"], row["rate"], f"line {line}: ")
        for line, row in enumerate(reader, start=2)
    ]
    if not entries:
        raise ClvInputInvalid("the CSV has no rows after its header", field="file")
    return entries


def record_rates(session: Session, entries: list[RateEntry]) -> int:
    now = utcnow()
    repository.save_rates(
        session,
        [
            {"day": e.day, "base": e.base, "currency": e.currency, "rate": e.rate}
            | {"updated_at": now}
            for e in entries
        ],
    )
    return len(entries)


class Converter:
    """Converts amounts into one reporting currency at the rate of their date."""

    def __init__(self, target: str, rows: list[RateEntry]) -> None:
        self.target = target
        days: dict[tuple[str, str], list[date]] = defaultdict(list)
        values: dict[tuple[str, str], list[float]] = defaultdict(list)
        for row in sorted(rows, key=lambda r: r.day):
            days[(row.base, row.currency)].append(row.day)
            values[(row.base, row.currency)].append(row.rate)
        self._days, self._values = dict(days), dict(values)
        self._bases = {base for base, _ in self._days}

    def _quote(self, base: str, currency: str, day: date) -> float | None:
        """Units of `currency` per `base` on or before `day`, either way round."""
        if base == currency:
            return 1.0
        for pair, invert in (((base, currency), False), ((currency, base), True)):
            stamps = self._days.get(pair)
            if stamps:
                at = bisect_right(stamps, day)
                if at:
                    value = self._values[pair][at - 1]
                    return 1 / value if invert else value
        return None

    def rate(self, currency: str, day: date) -> float:
        """Units of the reporting currency one unit of `currency` bought on `day`."""
        direct = self._quote(currency, self.target, day)
        if direct is not None:
            return direct
        for base in sorted(self._bases):
            from_base = self._quote(base, currency, day)
            to_target = self._quote(base, self.target, day)
            if from_base and to_target:
                return to_target / from_base
        raise ExchangeRateMissing(
            f"no exchange rate from {currency} to {self.target} on or before {day.isoformat()}; "
            "import one with `unison clv rates import FILE.csv` or POST /api/clv/exchange-rates",
            field="currency",
        )

    def convert(self, amount: float, currency: str, day: date) -> float:
        return amount if currency == self.target else amount * self.rate(currency, day)


def load_converter(session: Session, target: str) -> Converter:
    return Converter(target, [RateEntry(*row) for row in repository.rates(session)])


def rates_base(session: Session) -> str | None:
    """The one base currency of the imported rates (None: no rates, or several bases)."""
    bases = repository.rate_bases(session)
    return bases[0] if len(bases) == 1 else None
