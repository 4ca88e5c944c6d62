"""The event log's secondary keys (user id, anonymous id, time), off the ingest commit.

Every index on `events` is written inside the transaction that acknowledges a request, under
SQLite's single write lock; three random-key indexes roughly halved the rows the ingest
writer could commit per second. So `events` keeps only its dedupe index and this log
processor copies each event's keys into `event_lookup` (indexed), in large batches, after the
acknowledgement.

Reads stay exact whatever the processor's lag: `matching` looks up the indexed part and
also scans the events the processor has not reached yet (a short range of the log's
primary key when it keeps up; all of it right after an upgrade, until it catches up).
"""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.orm import Session

from unison.events import log as offsets
from unison.events.log import LogEvent
from unison.kit.db import chunks, insert_ignore_from
from unison.kit.settings import Settings
from unison.models import Event, EventLookup
from unison.models.base import table

NAME = "event-lookup"
_CHUNK = 1000
LOOKUP = table(EventLookup)


def lookup_processor(_settings: Settings) -> "LookupProcessor":
    return LookupProcessor()


# A batch, by its first and last event in the log's reading order; None when empty.
Span = tuple[LogEvent, LogEvent] | None
_KEYS = ("event_id", "user_id", "anonymous_id", "timestamp")


class LookupProcessor:
    """Copies a batch's keys with one INSERT ... SELECT inside the database.

    The keys are the log's own columns (the ones `matching` scans for events not reached
    yet), so nothing travels to Python and back, and the runner reads batches without their
    payloads. Kept short on purpose: on PostgreSQL every processor waits for the oldest
    running transaction before it reads (events/log.py), so a slow write here would
    delay identity resolution; sending rows from Python took seconds per 5,000 events under
    load, this takes milliseconds.
    """

    name = NAME

    def forget(self) -> None:
        pass  # keeps no state between batches

    def process(self, session: Session, events: list[LogEvent]) -> None:
        self.write(session, self.plan(session, events))

    def plan(self, _session: Session, events: list[LogEvent]) -> Span:
        return (events[0], events[-1]) if events else None

    def write(self, session: Session, plan: Span) -> None:
        if plan is None:
            return
        keys = select(Event.id, Event.user_id, Event.anonymous_id, Event.timestamp).where(
            offsets.between(session, *plan)
        )
        # a replayed batch adds nothing
        insert_ignore_from(session, LOOKUP, _KEYS, keys, index_elements=["event_id"])


def matching(
    session: Session,
    *,
    user_id: str | None,
    anonymous_id: str | None,
    since: datetime | None,
    until: datetime | None,
) -> ColumnElement[bool] | None:
    """A condition on `events` for these keys (None when none is given): the ids found in
    `event_lookup`, or, among the events the processor has not reached, those that match."""
    keyed: list[ColumnElement[bool]] = []
    direct: list[ColumnElement[bool]] = []
    for lookup_column, event_column, value in (
        (EventLookup.user_id, Event.user_id, user_id),
        (EventLookup.anonymous_id, Event.anonymous_id, anonymous_id),
    ):
        if value is not None:
            keyed.append(lookup_column == value)
            direct.append(event_column == value)
    if since is not None:
        keyed.append(EventLookup.timestamp >= since)
        direct.append(Event.timestamp >= since)
    if until is not None:
        keyed.append(EventLookup.timestamp < until)
        direct.append(Event.timestamp < until)
    if not keyed:
        return None
    indexed = Event.id.in_(select(EventLookup.event_id).where(*keyed))
    return or_(indexed, and_(_not_reached(session), *direct))


def _not_reached(session: Session) -> ColumnElement[bool]:
    """Events after the processor's committed position, in its reading order."""
    return offsets.not_read(session, offsets.current(session, NAME))


def forget_keys(session: Session, event_ids: Sequence[int]) -> None:
    """Erasure: the events keep what happened and when, their lookup rows lose who."""
    for chunk in chunks(event_ids, _CHUNK):
        session.execute(
            update(EventLookup)
            .where(EventLookup.event_id.in_(chunk))
            .values(user_id=None, anonymous_id=None)
        )
