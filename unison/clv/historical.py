"""Historical value per customer over a window: what they brought and what they cost.

net = gross margin - cost to serve - marketing contact cost, where
* gross margin = revenue x margin; an order listing `products` (each with `price`,
  `quantity` and `category`) is margined per category (`clv_category_margins`), the rest of
  its amount at the default margin;
* cost to serve = support contacts x handling hours x cost per hour; a contact's handling
  time is its `handling_minutes`, else `duration` (seconds, as telephony reports calls),
  else the default minutes of its event name;
* marketing cost = messages sent x cost per message of their channel; WhatsApp bills per
  conversation, so its messages to one customer within 24 hours of a conversation's first
  count once.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from unison.clv.orders import Order
from unison.clv.repository import Tracked

_CONVERSATION = timedelta(hours=24)


@dataclass(frozen=True)
class Rates:
    default_margin: float
    category_margins: Mapping[str, float]
    support_minutes: Mapping[str, float]  # event name -> default handling minutes
    cost_per_hour: float
    message_costs: Mapping[str, float]  # channel -> cost per message (conversation)


@dataclass
class Value:
    revenue: float = 0.0
    gross_margin: float = 0.0
    support_hours: float = 0.0
    cost_to_serve: float = 0.0
    messages: int = 0
    marketing_cost: float = 0.0

    @property
    def net(self) -> float:
        return self.gross_margin - self.cost_to_serve - self.marketing_cost


def order_margin(order: Order, rates: Rates) -> float:
    amount = order.amount or 0.0
    products = order.properties.get("products")
    if not isinstance(products, list):
        return amount * rates.default_margin
    itemized = margin = 0.0
    for item in products:
        if not isinstance(item, dict):
            continue
        price, quantity = _number(item.get("price")), _number(item.get("quantity"), 1.0)
        if price is None or quantity is None:
            continue
        line = price * quantity * order.rate  # prices are in the order's currency
        category = item.get("category")
        share = (
            rates.category_margins.get(category, rates.default_margin)
            if isinstance(category, str)
            else rates.default_margin
        )
        itemized += line
        margin += line * share
    return margin + (amount - itemized) * rates.default_margin


def _number(value: Any, default: float | None = None) -> float | None:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def handling_hours(contact: Tracked, rates: Rates) -> float:
    minutes = _number(contact.properties.get("handling_minutes"))
    if minutes is None:
        seconds = _number(contact.properties.get("duration"))
        minutes = seconds / 60 if seconds is not None else None
    if minutes is None or minutes < 0:
        minutes = rates.support_minutes.get(contact.name, 0.0)
    return minutes / 60


def message_channel(message: Tracked) -> str:
    channel = message.properties.get("channel")
    return (
        channel.strip().lower() if isinstance(channel, str) and channel.strip() else message.channel
    )


def historical_values(
    orders: Iterable[Order],
    contacts: Iterable[Tracked],
    messages: Iterable[Tracked],
    rates: Rates,
) -> dict[int, Value]:
    """Per live profile, over whatever window the inputs were read for."""
    values: dict[int, Value] = defaultdict(Value)
    for order in orders:
        value = values[order.profile_id]
        value.revenue += order.amount or 0.0
        value.gross_margin += order_margin(order, rates)
    for contact in contacts:
        hours = handling_hours(contact, rates)
        value = values[contact.profile_id]
        value.support_hours += hours
        value.cost_to_serve += hours * rates.cost_per_hour
    for profile_id, channel, count in _billable(messages):
        value = values[profile_id]
        value.messages += count
        value.marketing_cost += count * rates.message_costs.get(channel, 0.0)
    return dict(values)


def _billable(messages: Iterable[Tracked]) -> list[tuple[int, str, int]]:
    """(profile, channel, billable units): messages, or conversations on WhatsApp."""
    counts: dict[tuple[int, str], int] = defaultdict(int)
    whatsapp: dict[int, list[Tracked]] = defaultdict(list)
    for message in messages:
        channel = message_channel(message)
        if channel == "whatsapp":
            whatsapp[message.profile_id].append(message)
        else:
            counts[(message.profile_id, channel)] += 1
    for profile_id, sent in whatsapp.items():
        opened = None
        for message in sorted(sent, key=lambda m: m.at):
            if opened is None or message.at - opened >= _CONVERSATION:
                opened = message.at
                counts[(profile_id, "whatsapp")] += 1
    return [(pid, channel, count) for (pid, channel), count in counts.items()]
