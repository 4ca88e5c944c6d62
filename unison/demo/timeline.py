"""One customer's history as it is drawn: events are collected, then sorted and cut at the end."""

from __future__ import annotations

from collections.abc import Sequence
from random import Random
from typing import Any, Final, TypedDict, Unpack

from unison.demo.clock import DAY, HOUR, HOURS, ONLINE_HOUR_CUM, iso
from unison.demo.customer import Person
from unison.demo.draw import pick, random_hex, random_uuid

Event = dict[str, Any]

_LIBRARY_NAME: Final = "unison-demo"
_LIBRARY_VERSION: Final = "1.0.0"


class Who(TypedDict, total=False):
    """`emit`'s keyword arguments, which `track` passes on as they are."""

    user_id: str | None
    anonymous_id: str | None
    context: Event | None


class Timeline:
    """The seeded draws and the events of one customer; ``events()`` returns them in time order."""

    def __init__(self, r: Random, person: Person, end_ms: int) -> None:
        self.r = r
        self.person = person
        self.end_ms = end_ms
        self.buffer: list[tuple[int, int, Event]] = []

    def uuid(self) -> str:
        return random_uuid(self.r)

    def hex_id(self, bits: int) -> str:
        return random_hex(self.r, bits)

    def when(self, lo: int, hi: int, hours: Sequence[float] = ONLINE_HOUR_CUM) -> int:
        """A moment in [lo, hi) at a plausible local hour of the day."""
        r = self.r
        offset = self.person.country.utc_offset
        midnight = lo - (lo + offset) % DAY  # local midnight of lo's day, in UTC
        day = r.randrange(max(1, (hi - midnight) // DAY + 1))
        ts = midnight + day * DAY + pick(r, HOURS, hours) * HOUR + r.randrange(HOUR)
        if ts < lo:
            ts += DAY
        if ts >= hi:
            ts -= DAY * (1 + (ts - hi) // DAY)
        return max(lo, min(ts, hi - 1))

    def emit(
        self,
        ts: int,
        etype: str,
        channel: str,
        body: Event,
        *,
        user_id: str | None = None,
        anonymous_id: str | None = None,
        context: Event | None = None,
    ) -> None:
        event: Event = {"type": etype, "messageId": self.uuid(), "timestamp": ""}
        if user_id:
            event["userId"] = user_id
        if anonymous_id:
            event["anonymousId"] = anonymous_id
        event.update(body)
        ctx: Event = {
            "channel": channel,
            "locale": self.person.market.locale,
            "timezone": self.person.country.tz,
            "library": {"name": _LIBRARY_NAME, "version": _LIBRARY_VERSION},
        }
        if context:
            ctx.update(context)
        event["context"] = ctx
        self.buffer.append((ts, len(self.buffer), event))

    def track(
        self, ts: int, channel: str, name: str, properties: Event, **who: Unpack[Who]
    ) -> None:
        self.emit(ts, "track", channel, {"event": name, "properties": properties}, **who)

    def events(self) -> list[Event]:
        self.buffer.sort(key=lambda item: (item[0], item[1]))
        out: list[Event] = []
        for ts, _, event in self.buffer:
            if ts >= self.end_ms:  # the history is cut at ``end``
                break
            event["timestamp"] = iso(ts)
            out.append(event)
        return out
