"""Which of two consent records for the same (identifier, purpose, channel) is in force.

Providers stamp messages at different resolutions: Telegram and WhatsApp in whole seconds,
Segment and Viber in milliseconds, our API in microseconds. A timestamp with no digits below
a unit is read as covering that whole unit (a STOP stamped 10:00:00 happened somewhere in
10:00:00.000-10:00:00.999). Two records whose spans overlap cannot be ordered by time:
then a withdrawal or denial wins over a grant (the safe answer: we never keep writing to
someone who may have said stop), and between two of the same kind the later received wins.
"""

from datetime import datetime, timedelta

from unison.kit.clock import ensure_utc
from unison.models import ConsentRecord

REFUSALS = frozenset({"withdrawn", "denied"})
_SECOND = timedelta(seconds=1)
_MILLISECOND = timedelta(milliseconds=1)
_MICROSECOND = timedelta(microseconds=1)


def resolution(moment: datetime) -> timedelta:
    """The span a timestamp stands for, judged from the digits it carries."""
    if moment.microsecond == 0:
        return _SECOND
    if moment.microsecond % 1000 == 0:
        return _MILLISECOND
    return _MICROSECOND


def supersedes(new_status: str, new_at: datetime, old_status: str, old_at: datetime) -> bool:
    """True when the record received now (`new_*`) replaces the one in force (`old_*`)."""
    new_at, old_at = ensure_utc(new_at), ensure_utc(old_at)
    if new_at >= old_at + resolution(old_at):
        return True  # certainly later
    if new_at + resolution(new_at) <= old_at:
        return False  # certainly earlier: a late delivery of an older decision
    new_refuses, old_refuses = new_status in REFUSALS, old_status in REFUSALS
    if new_refuses != old_refuses:
        return new_refuses
    return True  # same kind: the order we received them in


def in_force(records: list[ConsentRecord]) -> list[ConsentRecord]:
    """The record in force for each (identifier, purpose, channel), replaying the records in
    the order they were received with the rule the current state follows."""
    latest: dict[tuple[str, str, str, str], ConsentRecord] = {}
    for r in sorted(records, key=lambda r: r.id):
        key = (r.identifier_type, r.identifier_value, r.purpose, r.channel)
        held = latest.get(key)
        if held is None or supersedes(r.status, r.occurred_at, held.status, held.occurred_at):
            latest[key] = r
    return list(latest.values())
