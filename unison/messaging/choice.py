"""Channel choice: the order in which a message's candidate channels are tried, and why.

"preferred": the customer's preferred channel, then the configured fallback order.
"learned": the channel (and hour) at which this customer engaged most — opens, clicks and
replies to earlier messages, and purchases within a day of one — from the log; without any,
the segment's members' engagement; without that, the preferred order ("default").
The gate then takes the first channel of the order it does not refuse.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from unison.kit.settings import Settings
from unison.messaging import repository as rows

# Receipt events that show the customer engaged with a message on its channel (the receipts'
# names, outbox/receipts.py, and the spelled-out names other senders use).
ENGAGED = ("Opened", "Clicked", "Replied", "Message Opened", "Message Clicked", "Message Replied")
SENT = "Message Sent"
PURCHASE = "Order Completed"
PURCHASE_WINDOW = timedelta(days=1)
_LOOKED_AT = 500  # newest events of a profile read for its pattern
_SEGMENT_LOOKED_AT = 5000  # and of a segment's members


@dataclass(frozen=True)
class Choice:
    order: list[str]  # candidate channels, best first
    reason: str
    mode: str
    best_hour: int | None = None  # local hour (0-23) the customer engaged most, when learned
    facts: dict[str, Any] = field(default_factory=dict)


def preferred_order(settings: Settings, preferred: str | None, candidates: list[str]) -> Choice:
    order = [preferred] if preferred in candidates else []
    order += [c for c in settings.messaging_channel_order if c in candidates and c not in order]
    order += sorted(c for c in candidates if c not in order)
    if len(candidates) == 1:
        reason = f"{order[0]}: the template's only channel"
    elif preferred in candidates:
        reason = f"{order[0]}: the customer's preferred channel"
    else:
        reason = f"{order[0]}: first of the configured order ({', '.join(order)})"
    return Choice(order, reason, "preferred")


def learned_order(
    session: Session,
    settings: Settings,
    live_id: int,
    preferred: str | None,
    candidates: list[str],
    zone: ZoneInfo,
    segment_id: int | None,
    now: datetime,
) -> Choice:
    since = now - timedelta(days=settings.messaging_engagement_days)
    names = [*ENGAGED, SENT, PURCHASE]
    events = rows.engagement(session, "profile", live_id, names, since, _LOOKED_AT)
    found = _scores(events, zone, candidates)
    whose = "the customer's"
    if not found[0] and segment_id is not None:
        events = rows.engagement(session, "segment", segment_id, names, since, _SEGMENT_LOOKED_AT)
        found, whose = _scores(events, zone, candidates), f"segment {segment_id}'s members'"
    channels, hours = found
    default = preferred_order(settings, preferred, candidates)
    if not channels:
        return Choice(
            default.order, f"{default.reason} (no engagement to learn from: default)", "learned"
        )
    ranked = sorted(candidates, key=lambda c: (-channels[c], default.order.index(c)))
    hour = hours.most_common(1)[0][0] if hours else None
    at = f", most often at {hour:02d}:00 {zone.key}" if hour is not None else ""
    reason = f"{ranked[0]}: {whose} most engaged channel ({channels[ranked[0]]} engagements{at})"
    facts = {"scores": dict(channels), "best_hour": hour, "from": whose}
    return Choice(ranked, reason, "learned", hour, facts)


def _scores(
    events: list[tuple[int, str, datetime, str | None]], zone: ZoneInfo, candidates: list[str]
) -> tuple[Counter[str], Counter[int]]:
    """Engagements per candidate channel, and per local hour; a purchase counts for the
    channel of the last message the same profile was sent in the day before it."""
    channels: Counter[str] = Counter()
    hours: Counter[int] = Counter()
    last_sent: dict[int, tuple[datetime, str]] = {}
    for profile_id, event, at, channel in sorted(events, key=lambda e: e[2]):
        if event == SENT:
            if channel:
                last_sent[profile_id] = (at, channel)
            continue
        if event == PURCHASE:
            sent = last_sent.get(profile_id)
            if sent is None or at - sent[0] > PURCHASE_WINDOW:
                continue
            channel = sent[1]
        if channel in candidates:
            channels[channel] += 1
            hours[at.astimezone(zone).hour] += 1
    return channels, hours
