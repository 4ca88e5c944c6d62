"""Orders read from the log: amount and currency taken as the profile projection does.

An order's amount is `properties.revenue`, else `properties.total`; its currency
`properties.currency` (upper-cased), "XXX" when absent. Amounts are converted into the
reporting currency (UNISON_CLV_REPORTING_CURRENCY, else the base of the imported exchange
rates when the orders use several currencies) at the rate of the order's UTC date. Without
a reporting currency, orders are kept in one: UNISON_CLV_CURRENCY (the others counted and
left out) or the only one present; several with neither is an error (adding up lari and
dollars unconverted would be meaningless). A negative amount is a refund, not a purchase:
counted, left out.
An order without a numeric amount still counts as a purchase (frequency), not in spend.
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from unison.clv.errors import MixedCurrencies
from unison.clv.rates import Converter
from unison.clv.repository import Tracked

NO_CURRENCY = "XXX"  # ISO 4217 "no currency", as the profile projection uses


@dataclass(frozen=True, slots=True)
class Order:
    profile_id: int
    at: datetime
    amount: float | None  # in the reporting currency
    properties: dict[str, Any]
    rate: float = 1.0  # reporting currency per unit of the order's own (product prices)


@dataclass
class OrderReport:
    currency: str | None = None
    used: int = 0
    missing_amount: int = 0
    refunds_skipped: int = 0
    other_currency_skipped: dict[str, int] = field(default_factory=dict)
    converted: dict[str, int] = field(default_factory=dict)  # orders per original currency


def amount_of(properties: dict[str, Any]) -> float | None:
    value = properties.get("revenue", properties.get("total"))
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if number == number and abs(number) != float("inf") else None


def currency_of(properties: dict[str, Any]) -> str:
    code = properties.get("currency")
    return code.strip().upper() if isinstance(code, str) and code.strip() else NO_CURRENCY


@dataclass(frozen=True)
class CurrencyChoice:
    currency: str | None
    convert: bool  # True: every order converted into `currency`; False: others left out


def choose_currency(
    events: list[Tracked], reporting: str | None, single: str | None, rates_base: str | None
) -> CurrencyChoice:
    if reporting:
        return CurrencyChoice(reporting.upper(), True)
    if single:
        return CurrencyChoice(single.upper(), False)
    seen = Counter(currency_of(e.properties) for e in events if amount_of(e.properties) is not None)
    if len(seen) <= 1:
        return CurrencyChoice(next(iter(seen), None), False)
    if rates_base:
        return CurrencyChoice(rates_base, True)
    listing = ", ".join(f"{code} ({count})" for code, count in seen.most_common())
    raise MixedCurrencies(
        f"orders are in several currencies: {listing}; import exchange rates (`unison clv "
        "rates import FILE.csv`) and set UNISON_CLV_REPORTING_CURRENCY to convert them, or "
        "set UNISON_CLV_CURRENCY to model one and leave the others out",
        field="clv_reporting_currency",
    )


def orders_in(
    events: Iterable[Tracked],
    choice: CurrencyChoice,
    report: OrderReport,
    converter: Converter | None = None,
) -> list[Order]:
    kept: list[Order] = []
    other: Counter[str] = Counter()
    converted: Counter[str] = Counter()
    for event in events:
        amount, rate = amount_of(event.properties), 1.0
        if amount is not None:
            code = currency_of(event.properties)
            if amount < 0:
                report.refunds_skipped += 1
                continue
            if converter is not None:
                rate = converter.rate(code, event.at.date()) if code != choice.currency else 1.0
                amount *= rate
                converted[code] += 1
            elif choice.currency is not None and code != choice.currency:
                other[code] += 1
                continue
        else:
            report.missing_amount += 1
        kept.append(Order(event.profile_id, event.at, amount, event.properties, rate))
    report.currency, report.used = choice.currency, len(kept)
    report.other_currency_skipped, report.converted = dict(other), dict(converted)
    return kept
