"""Deterministic demo history: customers of six markets talking to one brand on every channel.

``generate_events`` streams Segment-spec events (``track``, ``identify``, ``page``, ``screen``,
``group``, ``alias``) customer by customer; within a customer the events are in timestamp order.
``write_jsonl`` writes them as JSON lines.  Everything is drawn from one ``random.Random(seed)``
and anchored at ``end`` (never at "now"), so equal arguments give byte-identical output.

Each customer gets a story: anonymous web or app browsing, sign-up (``identify``) and log-ins,
carts, online orders, purchases in a physical store identified only by a phone number or loyalty
card, e-mail campaigns, conversations on Telegram / Viber / WhatsApp, call-centre calls and
helpdesk tickets.  Identifiers are spread over the channels (and phone numbers are written in
several formats) so that identity resolution has real work to do.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from random import Random
from typing import Any, Final

from unison.demo.catalogue import newsletter_calendar
from unison.demo.clock import DAY, to_ms
from unison.demo.customer import Keys
from unison.demo.rates import rates_csv
from unison.demo.story import tell

_EPOCH_ORDINAL: Final = date(1970, 1, 1).toordinal()

__all__ = ["DEFAULT_DAYS", "DEFAULT_END", "demo_rates_csv", "generate_events", "write_jsonl"]

DEFAULT_END: Final[datetime] = datetime(2026, 11, 1, tzinfo=UTC)
"""Fixed anchor for the generated history, so the output never depends on the current time."""


DEFAULT_DAYS: Final = 730
"""Two years: enough repeat buying before a holdout for the CLV models and their validation."""


def generate_events(
    customers: int, seed: int, end: datetime = DEFAULT_END, days: int = DEFAULT_DAYS
) -> Iterator[dict[str, Any]]:
    """Yield the demo history of ``customers`` customers, customer by customer.

    Events fall in ``[end - days, end)`` (a naive ``end`` is taken as UTC) and each customer's
    events come out in timestamp order.  The same arguments always yield the same events.
    """
    if customers < 0:
        raise ValueError("customers must be >= 0")
    if days < 7:
        raise ValueError("days must be >= 7")
    end_ms = to_ms(end)
    start_ms = end_ms - days * DAY
    r = Random(seed)
    keys = Keys.draw(r)
    campaigns = newsletter_calendar(start_ms, end_ms)
    for idx in range(customers):
        yield from tell(r, idx, keys, start_ms, end_ms, campaigns)


def write_jsonl(path: Path, customers: int, seed: int, end: datetime = DEFAULT_END) -> int:
    """Write the demo history to ``path`` as UTF-8 JSON lines; return the number of events."""
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    count = 0
    with Path(path).open("w", encoding="utf-8", newline="\n") as out:
        for event in generate_events(customers, seed, end):
            out.write(encode(event))
            out.write("\n")
            count += 1
    return count


def demo_rates_csv(end: datetime = DEFAULT_END, days: int = DEFAULT_DAYS) -> str:
    """Weekly USD exchange rates of every demo currency over the history (`unison clv rates
    import` reads this CSV), so the demo's orders in nine currencies can be added up."""
    last = to_ms(end) // DAY
    return rates_csv(date.fromordinal(_EPOCH_ORDINAL + last - days), end.date())
