"""Orders read from the log: amount and currency taken as the profile projection does.

An order's amount is `properties.revenue`, else `properties.total`; its currency
`properties.currency` (upper-cased), "XXX" when absent. Orders are kept in one currency:
the configured one, or the only one present; several without a configured one is an error
(adding up lari and dollars would be meaningless), and orders in other currencies are
counted and left out. A negative amount is a refund, not a purchase: counted, left out.
An order without a numeric amount still counts as a purchase (frequency), not in spend.
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from unison.clv.errors import MixedCurrencies
from unison.clv.repository import Tracked

NO_CURRENCY = "XXX"  # ISO 4217 "no currency", as the profile projection uses


@dataclass(frozen=True, slots=True)
class Order:
    profile_id: int
    at: datetime
    amount: float | None
    properties: dict[str, Any]


@dataclass
class OrderReport:
    currency: str | None = None
    used: int = 0
    missing_amount: int = 0
    refunds_skipped: int = 0
    other_currency_skipped: dict[str, int] = field(default_factory=dict)


def amount_of(properties: dict[str, Any]) -> float | None:
    value = properties.get("revenue", properties.get("total"))
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if number == number and abs(number) != float("inf") else None


def currency_of(properties: dict[str, Any]) -> str:
    code = properties.get("currency")
    return code.strip().upper() if isinstance(code, str) and code.strip() else NO_CURRENCY


def choose_currency(events: list[Tracked], configured: str | None) -> str | None:
    if configured:
        return configured.upper()
    seen = Counter(currency_of(e.properties) for e in events if amount_of(e.properties) is not None)
    if len(seen) > 1:
        listing = ", ".join(f"{code} ({count})" for code, count in seen.most_common())
        raise MixedCurrencies(
            f"orders are in several currencies: {listing}; set UNISON_CLV_CURRENCY to the one "
            "to model (orders in the others are then left out and counted)",
            field="clv_currency",
        )
    return next(iter(seen), None)


def orders_in(events: Iterable[Tracked], currency: str | None, report: OrderReport) -> list[Order]:
    kept: list[Order] = []
    other: Counter[str] = Counter()
    for event in events:
        amount = amount_of(event.properties)
        if amount is not None:
            code = currency_of(event.properties)
            if currency is not None and code != currency:
                other[code] += 1
                continue
            if amount < 0:
                report.refunds_skipped += 1
                continue
        else:
            report.missing_amount += 1
        kept.append(Order(event.profile_id, event.at, amount, event.properties))
    report.currency, report.used = currency, len(kept)
    report.other_currency_skipped = dict(other)
    return kept
