"""The fan-out: a background round that takes each due broadcast one small chunk further.

A chunk is two transactions, each reading the broadcast without locking its row and each
recording its progress on the row only if nothing changed it meanwhile: the first gives the
next segment members recipient rows (holdout and variant drawn); the second puts the due
recipients through the one send pipeline with the key (broadcast id, profile id), reading,
rendering and judging before it writes, and on SQLite queueing for the write lock only
then. A pause (or cancel) therefore never waits for a chunk to decide: if it commits
first, the chunk finds the row changed and rolls back (redone after a resume); if the chunk
confirmed first, the pause waits only for its commit and then holds (or cancels) what it
queued. A fan-out killed mid-chunk rolls that transaction back; a restart redoes it, and a
message already decided under its key is never decided twice.
"""

import time
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from unison.kit.clock import utcnow
from unison.kit.db import queue_as_writer, transaction
from unison.kit.errors import UnisonError
from unison.kit.settings import Settings
from unison.messaging.batch import Outcome, send_many
from unison.messaging.broadcasts import repository as rows
from unison.messaging.broadcasts import targeting
from unison.messaging.errors import ProfileNotFound
from unison.messaging.requests import SendRequest
from unison.messaging.templates import TemplateRenderFailed
from unison.models import Broadcast

# Recipients put through the batch pipeline at once (the default chunk: one pass, so each
# of the pipeline's statements, and the chunk's own claim, confirm and commit, are paid
# once per thousand recipients: a 1M broadcast took 1.2 times as long in chunks of 200);
# the chunk's time budget is checked between sub-chunks of a larger chunk.
SUB_CHUNK = 1000
# SQLite: a gap of _GAP seconds in the fan-out's writes after each _WORK_BEFORE_GAP seconds
# of work (FanOut._breathe), so an API write waiting in SQLite's busy handler gets in
# within about two seconds. (A pause does not wait for a gap: it queues on the write lock.)
_WORK_BEFORE_GAP, _GAP = 2.0, 0.12


# The fan-out loop's thread runs at a lower CPU priority (kit.background's `nice`): it is
# bulk work that can wait, and on busy cores a dispatcher delivering what it queued, or an
# API request, should run first. Alone on the cores it runs as fast as before.
NICE = 10


class _Overtaken(Exception):
    """A pause, resume or cancel (or another fan-out) changed the broadcast during the
    chunk: the chunk is rolled back and redone, if still due, by a later round."""


def idempotency_key(broadcast_id: int, profile_id: int) -> str:
    return f"broadcast:{broadcast_id}:{profile_id}"


class FanOut:
    """One round over the due broadcasts; returns how many profiles it handled."""

    def __init__(self, sessions: sessionmaker[Session], settings: Settings) -> None:
        self.sessions, self.settings = sessions, settings
        self._sqlite = sessions.kw["bind"].dialect.name == "sqlite"
        self._busy_since: float | None = None

    def __call__(self) -> int:
        with self.sessions() as session:
            due = rows.due_ids(session, utcnow())
        done = sum(self.chunk(broadcast_id) for broadcast_id in due)
        self._breathe(done)
        return done

    def _breathe(self, done: int) -> None:
        """On SQLite, a gap in the writes every so often. An API write waits for the write
        lock in SQLite's busy handler, which retries after growing sleeps (up to 100 ms):
        chunks committed back to back would starve it. A gap longer than the longest sleep
        after each `_WORK_BEFORE_GAP` of work lets it in within about that. Background
        writers and a broadcast's pause, resume or cancel queue on kit.db's write lock
        instead, and get in after the chunk that holds it."""
        if not done or not self._sqlite:
            self._busy_since = None
            return
        now = time.monotonic()
        if self._busy_since is None:
            self._busy_since = now
        elif now - self._busy_since >= _WORK_BEFORE_GAP:
            time.sleep(_GAP)
            self._busy_since = time.monotonic()

    def unfinished(self) -> bool:
        """Any broadcast scheduled or running (paused ones wait for a resume)."""
        with self.sessions() as session:
            return rows.unfinished(session) > 0

    def chunk(self, broadcast_id: int, now: datetime | None = None) -> int:
        """Target the next members, then send to the due recipients: a transaction each,
        each confirmed on the broadcast's row. The sending one reads, renders and judges
        before it writes, and only then queues for SQLite's write lock, so a dispatcher's
        or a pause's writes get in while it decides."""
        moment = now or utcnow()
        try:
            targeted = self._targeting(broadcast_id, moment)
        except _Overtaken:  # rolled back: paused meanwhile, or another fan-out targeted
            targeted = 0
        if targeted is None:
            return 0
        try:
            return targeted + self._sending(broadcast_id, moment)
        except _Overtaken:  # rolled back: the next round sees the new state
            return targeted

    def _targeting(self, broadcast_id: int, moment: datetime) -> int | None:
        """The next segment members given recipient rows (None: nothing may go on now)."""
        with transaction(self.sessions) as session:
            broadcast = rows.claim(session, broadcast_id, moment)
            if broadcast is None or self._limit(broadcast, moment) == 0:
                return None  # paused, cancelled or done meanwhile, or throttled
            if broadcast.targeted_all:
                return 0
            changes: dict[str, Any] = {}
            done = self._target(session, broadcast, moment, changes)
            queue_as_writer(session)  # (held already if members were added)
            if not rows.confirm(session, broadcast, moment, changes):
                raise _Overtaken
            return done

    def _sending(self, broadcast_id: int, moment: datetime) -> int:
        with transaction(self.sessions) as session:
            broadcast = rows.claim(session, broadcast_id, moment)
            if broadcast is None:
                return 0
            limit = self._limit(broadcast, moment)
            sent = self._send(session, broadcast, moment, limit) if limit else 0
            changes: dict[str, Any] = {"last_chunk_at": moment} if sent else {}
            if broadcast.targeted_all and not rows.has_pending(session, broadcast.id):
                changes |= {"status": "done", "finished_at": moment}
            queue_as_writer(session)  # if nothing was sent: for the confirm
            if not rows.confirm_sent(session, broadcast, moment, changes):
                raise _Overtaken
            # Work waiting only for a later due moment is not work now: the loop idles.
            return sent

    def _limit(self, broadcast: Broadcast, now: datetime) -> int:
        """Throttling: at most `rate_per_second` messages a second, in whole chunks."""
        size = self.settings.broadcasts_chunk_size
        rate = broadcast.rate_per_second
        if not rate:
            return size
        last = broadcast.last_chunk_at
        if last is not None and now - last < timedelta(seconds=1):
            return 0
        return min(size, rate)

    def _target(
        self, session: Session, broadcast: Broadcast, now: datetime, changes: dict[str, Any]
    ) -> int:
        size = self.settings.broadcasts_chunk_size
        members = rows.members_after(session, broadcast.segment_id, broadcast.cursor, size)
        # The row's values read once (attributes of a mapped object cost a lookup each).
        bid, percent, variants = broadcast.id, broadcast.holdout_percent, broadcast.variants
        dues = targeting.dues(session, self.settings, broadcast, members, now)
        records = []
        for profile_id in members:
            holdout = targeting.held_out(bid, profile_id, percent)
            records.append(
                {
                    "broadcast_id": bid,
                    "profile_id": profile_id,
                    "variant": targeting.variant_of(bid, profile_id, variants),
                    "holdout": holdout,
                    "due_at": dues[profile_id],
                    "state": rows.HOLDOUT if holdout else rows.PENDING,
                }
            )
        queue_as_writer(session)  # everything read: SQLite's write lock from here
        rows.add_recipients(session, records)
        if members:
            changes["cursor"] = members[-1]
        if len(members) < size:
            changes["targeted_all"] = True
        return len(members)

    def _send(self, session: Session, broadcast: Broadcast, now: datetime, limit: int) -> int:
        """The due recipients through the batch pipeline, in sub-chunks; on SQLite the
        chunk holds the write lock from its first write, so it stops after its time budget
        (a pause waits at most about that long whatever the pipeline's speed)."""
        due = rows.due_recipients(session, broadcast.id, now, limit, self.settings.broadcast_share)
        templates = {str(v["name"]): int(v["template_id"]) for v in broadcast.variants}
        budget = time.perf_counter() + self.settings.broadcasts_chunk_seconds
        done = 0
        for start in range(0, len(due), SUB_CHUNK):
            part = due[start : start + SUB_CHUNK]
            requests = [self._request(broadcast, pid, variant, templates) for pid, variant in part]
            outcomes = send_many(
                session, self.settings, requests, now, before_write=lambda: queue_as_writer(session)
            )
            settled = [
                (pid, *_settled(outcome))
                for (pid, _variant), outcome in zip(part, outcomes, strict=True)
            ]
            queue_as_writer(session)  # (held already unless nothing new was decided)
            rows.settle(session, broadcast.id, settled)
            done += len(part)
            if time.perf_counter() > budget:
                break
        return done

    def _request(
        self,
        broadcast: Broadcast,
        profile_id: int,
        variant: str | None,
        templates: dict[str, int],
    ) -> SendRequest:
        return SendRequest(
            profile_id=profile_id,
            template_ids=[templates[variant or next(iter(templates))]],
            purpose=broadcast.purpose,
            idempotency_key=idempotency_key(broadcast.id, profile_id),
            locale_chain=broadcast.locales or None,
            campaign_id=f"broadcast:{broadcast.id}",
            broadcast_id=broadcast.id,
            variant=variant if len(templates) > 1 else None,
            segment_id=broadcast.segment_id,
        )


def _settled(outcome: Outcome) -> tuple[str, int | None]:
    """A recipient's state and message after the pipeline's outcome for it."""
    if isinstance(outcome, TemplateRenderFailed | ProfileNotFound):
        # Refused before anything was written: this profile fails, the broadcast goes on.
        return rows.FAILED, None
    if isinstance(outcome, UnisonError):
        raise outcome  # anything else is the broadcast's own problem: the chunk rolls back
    return rows.SENT, outcome.id
