"""Unit economics per acquisition channel: CAC, LTV/CAC, payback, contribution margin.

* A customer is acquired in the month of their first order, by their first-touch channel:
  the channel of their earliest event (the profile's per-channel "first seen").
* CAC = acquisition spend on the channel in the months asked / customers it acquired then.
* LTV = mean predicted CLV (`clv_12m`, from the last refresh) of those customers; customers
  without a forecast count with their historical net value.
* Contribution margin per customer = mean historical net value (gross margin less cost to
  serve and marketing contacts) over the CLV window; payback = CAC / that per month.
"""

import csv
import io
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from unison.clv import rates as exchange
from unison.clv import repository
from unison.clv.errors import ClvInputInvalid
from unison.clv.orders import Order
from unison.clv.schemas import ChannelUnitEconomics
from unison.clv.scoring import DAYS_PER_MONTH
from unison.clv.service import historical, load_orders
from unison.kit.clock import utcnow
from unison.kit.settings import Settings
from unison.profiles import computed_traits
from unison.sources.channels import ACCEPTED_TEXT, CHANNELS, SYNONYMS

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True)
class SpendEntry:
    channel: str
    month: str
    amount: float
    currency: str


def check_month(value: str, field: str = "month", where: str = "") -> str:
    if not _MONTH.match(value):
        raise ClvInputInvalid(
            f"{where}{field} {value!r} is not a month written YYYY-MM", field=field
        )
    return value


def spend_entry(
    channel: Any, month: Any, amount: Any, currency: Any, settings: Settings, where: str = ""
) -> SpendEntry:
    """One validated entry; `where` prefixes errors (e.g. "line 3: ")."""
    name = str(channel or "").strip().lower()
    name = SYNONYMS.get(name, name)
    if name not in CHANNELS:
        raise ClvInputInvalid(
            f"{where}channel {channel!r} is not one of {ACCEPTED_TEXT}", field="channel"
        )
    try:
        money = float(amount)
    except (TypeError, ValueError):
        raise ClvInputInvalid(f"{where}amount {amount!r} is not a number", field="amount") from None
    if not money >= 0 or money == float("inf"):
        raise ClvInputInvalid(f"{where}amount must be a finite number >= 0", field="amount")
    code = str(currency or settings.clv_currency or "").strip().upper()
    if not _CURRENCY.match(code):
        raise ClvInputInvalid(
            f"{where}currency {currency!r} is not a 3-letter ISO 4217 code (required unless "
            "UNISON_CLV_CURRENCY is set)",
            field="currency",
        )
    return SpendEntry(name, check_month(str(month or "").strip(), where=where), money, code)


def record_spend(session: Session, entries: list[SpendEntry]) -> int:
    now = utcnow()
    repository.save_spend(
        session,
        [
            {
                "channel": e.channel,
                "month": e.month,
                "currency": e.currency,
                "amount": e.amount,
                "updated_at": now,
            }
            for e in entries
        ],
    )
    return len(entries)


def parse_spend_csv(text: str, settings: Settings) -> list[SpendEntry]:
    """channel,month,amount[,currency] with a header; any bad line rejects the whole file."""
    reader = csv.DictReader(io.StringIO(text))
    missing = {"channel", "month", "amount"} - set(reader.fieldnames or [])
    if missing:
        raise ClvInputInvalid(
            f"the CSV header lacks {', '.join(sorted(missing))}; expected "
            "channel,month,amount[,currency]",
            field="header",
        )
    entries = [
        spend_entry(
            row.get("channel"),
            row.get("month"),
            row.get("amount"),
            row.get("currency"),
            settings,
            where=f"line {line}: ",
        )
        for line, row in enumerate(reader, start=2)
    ]
    if not entries:
        raise ClvInputInvalid("the CSV has no rows after its header", field="file")
    return entries


def _first_touch(firsts: dict[str, str]) -> str:
    return min(firsts.items(), key=lambda item: (item[1], item[0]))[0] if firsts else "other"


def unit_economics(
    session: Session,
    settings: Settings,
    first_month: str,
    last_month: str,
    now: datetime | None = None,
) -> tuple[str | None, list[ChannelUnitEconomics]]:
    """(currency, one row per channel plus "all") for customers acquired in the months."""
    check_month(first_month, "from"), check_month(last_month, "to")
    if last_month < first_month:
        raise ClvInputInvalid("`to` precedes `from`", field="to")
    now = now or utcnow()
    orders, report = load_orders(session, settings, now)
    acquired = _acquired(orders, first_month, last_month)
    by_channel = _by_first_touch(session, acquired)
    currency = report.currency or settings.clv_reporting_currency or settings.clv_currency
    converting = bool(settings.clv_reporting_currency or report.converted)
    spend = _spend_in(session, currency, converting, first_month, last_month)
    currency = currency or next(iter(spend.values()), (0.0, None))[1]
    valuation = Valuation(
        predicted=computed_traits.values(session, acquired, ["clv_12m"]),
        values=historical(session, settings, orders, now),
        months=settings.clv_window_days / DAYS_PER_MONTH,
    )
    amounts = {name: amount for name, (amount, _code) in spend.items()}
    channels = sorted(set(amounts) | set(by_channel))
    # A channel without spend entered has an unknown CAC, not a zero one; "all" is the
    # blended CAC (all spend over all customers, organic ones included).
    rows = [
        _row(name, currency, amounts.get(name), by_channel.get(name, []), valuation)
        for name in channels
    ]
    total = sum(amounts.values()) if amounts else None
    rows.append(_row("all", currency, total, acquired, valuation))
    return currency, rows


def _acquired(orders: list[Order], first_month: str, last_month: str) -> list[int]:
    """Profiles whose first order falls in the months."""
    first_order: dict[int, datetime] = {}
    for order in orders:
        if order.profile_id not in first_order or order.at < first_order[order.profile_id]:
            first_order[order.profile_id] = order.at
    return [
        pid for pid, at in first_order.items() if first_month <= at.strftime("%Y-%m") <= last_month
    ]


def _by_first_touch(session: Session, acquired: list[int]) -> dict[str, list[int]]:
    firsts = repository.channel_firsts(session, acquired)
    by_channel: dict[str, list[int]] = defaultdict(list)
    for pid in acquired:
        by_channel[_first_touch(firsts.get(pid, {}))].append(pid)
    return by_channel


def _spend_in(
    session: Session, currency: str | None, converting: bool, first: str, last: str
) -> dict[str, tuple[float, str]]:
    """channel -> (spend, its currency). Converting, each month's spend is converted at the
    rate of the month's first day; otherwise spend in other currencies is left out."""
    converter = exchange.load_converter(session, currency) if converting and currency else None
    spend: dict[str, tuple[float, str]] = {}
    for row in repository.spend(session, first, last):
        code = currency or row.currency
        if converter is not None:
            day = date.fromisoformat(f"{row.month}-01")
            amount = converter.convert(row.amount, row.currency, day)
        elif row.currency == code:
            amount = row.amount
        else:
            continue
        currency = code
        spend[row.channel] = (spend.get(row.channel, (0.0, code))[0] + amount, code)
    return spend


@dataclass(frozen=True, slots=True)
class Valuation:
    """What each acquired customer is worth: predicted 12-month CLV where computed, else the
    net revenue so far; and the window that contribution is spread over."""

    predicted: dict[int, dict[str, Any]]
    values: dict[int, Any]
    months: float

    def nets(self, customers: list[int]) -> list[float]:
        return [self.values[pid].net if pid in self.values else 0.0 for pid in customers]

    def ltvs(self, customers: list[int], nets: list[float]) -> list[float]:
        return [
            float(self.predicted.get(pid, {}).get("clv_12m", net))
            for pid, net in zip(customers, nets, strict=True)
        ]


def _row(
    channel: str,
    currency: str | None,
    spent: float | None,
    customers: list[int],
    valuation: Valuation,
) -> ChannelUnitEconomics:
    count = len(customers)
    cac = spent / count if count and spent is not None else None
    nets = valuation.nets(customers)
    ltv = _mean(valuation.ltvs(customers, nets))
    contribution = _mean(nets)
    monthly = contribution / valuation.months if contribution is not None else None
    return ChannelUnitEconomics(
        channel=channel,
        currency=currency,
        spend=_round(spent, 2),
        customers=count,
        cac=_round(cac, 2),
        ltv=_round(ltv, 2),
        ltv_to_cac=round(ltv / cac, 2) if ltv is not None and cac else None,
        contribution_per_customer=_round(contribution, 2),
        payback_months=_payback(cac, monthly),
    )


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def _payback(cac: float | None, monthly: float | None) -> float | None:
    """Months of contribution that repay the acquisition cost; none without a positive one."""
    return round(cac / monthly, 1) if cac is not None and monthly and monthly > 0 else None
