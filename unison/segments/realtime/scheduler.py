"""Firing due timers: a window condition's answer can change with no event at all (the
oldest qualifying purchase leaves the 90-day window), so each (segment or trait, profile)
has a timer at the next such moment, and this step re-evaluates exactly those.

Run from the worker / serve loop (`SegmentTimers`), `unison segments tick`, and tests,
always with an explicit `now` so a controlled clock drives it.
"""

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from unison.events import log as offsets
from unison.kit.clock import utcnow
from unison.kit.db import transaction, write_lock
from unison.kit.settings import Settings
from unison.segments import repository as rows
from unison.segments import service
from unison.segments.computed_traits import rfm
from unison.segments.realtime import catalog as catalogs
from unison.segments.realtime import rounds
from unison.segments.realtime.processor import NAME
from unison.segments.realtime.rounds import Work


def fire_due(
    sessions: sessionmaker[Session], settings: Settings | None, now: datetime, *, limit: int = 5000
) -> int:
    """Re-evaluate every (owner, profile) whose timer is due at `now`; returns how many."""
    engine = sessions.kw["bind"]
    total = 0
    while True:
        with write_lock(engine), transaction(sessions) as session:
            due = rows.due_timers(session, now, limit)
            if not due:
                return total
            # Serialize with the log processor (its offset row) and make a plan it made
            # meanwhile start over, so the two never write conflicting memberships.
            offsets.bump_epoch(session, NAME)
            fire(session, settings, due, now)
            total += len(due)
        if len(due) < limit:
            return total


def fire(
    session: Session, settings: Settings | None, due: list[tuple[str, int, datetime]], now: datetime
) -> None:
    catalog = catalogs.load(session)
    live = rows.canonical_ids(session, sorted({pid for _, pid, _ in due}))
    work: dict[int, Work] = {}
    for owner, pid, moment in due:
        cid = live.get(pid)
        if cid is None:
            continue
        item = work.setdefault(cid, Work(trigger="timer"))
        item.due = moment if item.due is None else min(item.due, moment)
        kind, _, key = owner.partition(":")
        if kind == "segment" and key.isdigit() and int(key) in catalog.segments:
            item.segments.add(int(key))
        elif kind == "trait" and key in catalog.traits:
            item.traits.add(key)
    # Fired timers are consumed; evaluation sets the next one where there is one.
    rows.drop_timers(session, [(owner, pid) for owner, pid, _ in due])
    plan = rounds.decide(session, catalog, work, now, settings)
    rounds.write(session, plan)


class SegmentTimers:
    """The round of the segment-timers loop (unison/app/loops.py): fires due timers, then
    rescores RFM when due. Always returns 0, so the loop waits its interval between rounds."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        settings: Settings,
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.sessions, self.settings, self.clock = sessions, settings, clock
        self._rfm_tried: datetime | None = None

    def __call__(self) -> int:
        fire_due(self.sessions, self.settings, self.clock())
        self.refresh_rfm_if_due()
        return 0

    def refresh_rfm_if_due(self) -> None:
        """Rescore RFM over every buyer when the last refresh is older than the setting
        (once RFM has been refreshed by hand at least once)."""
        hours = self.settings.segments_rfm_refresh_hours
        now = self.clock()
        if not hours or (self._rfm_tried and now - self._rfm_tried < timedelta(hours=hours)):
            return
        self._rfm_tried = now
        engine = self.sessions.kw["bind"]
        with write_lock(engine), transaction(self.sessions) as session:
            refreshed = rows.state_updated(session, rfm.STATE_KEY)
            # RFM starts with an explicit `unison segments rfm refresh`: a first scoring of
            # every buyer is not something to spring on a running server.
            if refreshed is not None and now - refreshed >= timedelta(hours=hours):
                service.refresh_rfm(session, self.settings, now)
