"""The gate's rules as pure functions: frequency caps and quiet hours."""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

ALL = "all"  # a cap across every channel
_CAP = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*([dh])\s*$")


@dataclass(frozen=True)
class Cap:
    scope: str  # "all" or a channel
    limit: int
    window: timedelta
    text: str  # as configured, for the reason ("3/7d")

    @property
    def code(self) -> str:
        return f"frequency_cap:{self.scope}"


def parse_caps(configured: dict[str, str]) -> list[Cap]:
    caps: list[Cap] = []
    for scope, text in sorted(configured.items()):
        match = _CAP.match(text)
        if match is None:
            # Settings validated it (kit/settings.py); only a hand-built Settings gets here.
            raise ValueError(f"messaging_frequency_caps[{scope!r}] = {text!r}: not like 3/7d")
        count, span, unit = int(match[1]), int(match[2]), match[3]
        window = timedelta(days=span) if unit == "d" else timedelta(hours=span)
        caps.append(Cap(scope, count, window, text.strip()))
    return caps


def widest(caps: list[Cap]) -> timedelta:
    return max((cap.window for cap in caps), default=timedelta(0))


def over_caps(
    caps: list[Cap], channel: str, history: list[tuple[str, datetime]], now: datetime
) -> list[Cap]:
    """The caps one more message on `channel` would exceed, given the (channel, moment) of
    the profile's marketing messages counted so far."""
    exceeded = []
    for cap in caps:
        if cap.scope not in (ALL, channel):
            continue
        since = now - cap.window
        counted = sum(1 for ch, at in history if at > since and cap.scope in (ALL, ch))
        if counted >= cap.limit:
            exceeded.append(cap)
    return exceeded


@dataclass(frozen=True)
class QuietHours:
    start: time
    end: time

    @classmethod
    def of(cls, start: str, end: str) -> "QuietHours":
        return cls(time.fromisoformat(start), time.fromisoformat(end))

    def until(self, zone: ZoneInfo, at: datetime) -> datetime | None:
        """The next allowed moment if `at` falls inside the quiet hours (in `zone`), else None."""
        if self.start == self.end:
            return None
        local = at.astimezone(zone)
        now = local.time().replace(tzinfo=None)
        if self.start < self.end:  # e.g. 13:00-15:00, within one day
            quiet = self.start <= now < self.end
            day = local.date()
        else:  # e.g. 21:00-09:00, over midnight
            quiet = now >= self.start or now < self.end
            day = local.date() + timedelta(days=1) if now >= self.start else local.date()
        return _at(day, self.end, zone) if quiet else None


def _at(day: date, moment: time, zone: ZoneInfo) -> datetime:
    # A wall time skipped by a DST change resolves forward (fold=0 through UTC round trip).
    local = datetime.combine(day, moment, tzinfo=zone)
    return local.astimezone(ZoneInfo("UTC"))
