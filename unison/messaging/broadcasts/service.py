"""Broadcasts' use cases: create (checked, nothing stored on bad input), read with live
counts, list, pause, resume, cancel. Never commits: the caller's unit of work does."""

from collections import Counter
from datetime import datetime

from sqlalchemy.orm import Session

from unison.kit.clock import utcnow
from unison.kit.db import queue_as_writer
from unison.kit.pagination import Page, decode_id_cursor, encode_cursor
from unison.messaging.broadcasts import repository as rows
from unison.messaging.broadcasts.errors import (
    BroadcastNotFound,
    BroadcastStateConflict,
    BroadcastTemplateNotFound,
    InvalidSchedule,
    InvalidVariants,
    SegmentNotFound,
)
from unison.messaging.broadcasts.schemas import Broadcast as BroadcastView
from unison.messaging.broadcasts.schemas import BroadcastCounts, BroadcastCreate, Variant
from unison.messaging.templates import TemplateNotFound
from unison.messaging.templates import service as templates
from unison.models import Broadcast
from unison.outbox import holds
from unison.outbox.queue import CANCELLED, QUEUED

# Pause/resume/cancel: which states each is allowed from, and what it does to the outbox.
_FROM = {
    "paused": ("scheduled", "running"),
    "running": ("paused",),
    "cancelled": ("scheduled", "running", "paused"),
}


def create(session: Session, body: BroadcastCreate, actor: str) -> BroadcastView:
    now = utcnow()
    variants = _variants(body)
    if not rows.segment_exists(session, body.segment_id):
        raise SegmentNotFound(f"no segment with id {body.segment_id}", field="segment_id")
    for index, variant in enumerate(variants):
        field = "template_id" if body.template_id else f"variants[{index}].template_id"
        try:
            templates.get(session, variant.template_id)
        except TemplateNotFound:
            raise BroadcastTemplateNotFound(
                f"no template with id {variant.template_id}", field=field
            ) from None
    timing, scheduled = _timing(body, now)
    row = rows.add(
        session,
        Broadcast(
            name=body.name,
            segment_id=body.segment_id,
            purpose=body.purpose,
            variants=[v.model_dump() for v in variants],
            locales=body.locales,
            holdout_percent=body.holdout_percent,
            timing=timing,
            scheduled_at=scheduled,
            local_at=body.local_time,
            rate_per_second=body.rate_per_second,
            status="scheduled",
            cursor=0,
            targeted_all=False,
            created_by=actor,
            created_at=now,
            updated_at=now,
            detail="",
        ),
    )
    return view(session, row)


def _variants(body: BroadcastCreate) -> list[Variant]:
    if body.template_id is not None and body.variants:
        raise InvalidVariants("give template_id or variants, not both", field="variants")
    if body.template_id is not None:
        return [Variant(name="A", template_id=body.template_id, split=100)]
    if not body.variants:
        raise InvalidVariants("give template_id or at least one variant", field="template_id")
    if (total := sum(v.split for v in body.variants)) != 100:
        raise InvalidVariants(f"variants' splits add up to {total}, not 100", field="variants")
    names = [v.name for v in body.variants]
    if len(set(names)) != len(names):
        raise InvalidVariants("variant names must be distinct", field="variants")
    return body.variants


def _timing(body: BroadcastCreate, now: datetime) -> tuple[str, datetime | None]:
    chosen = [body.send_at is not None and not body.best_hour, body.local_time is not None]
    if sum(chosen) > 1:
        raise InvalidSchedule("give send_at or local_time, not both", field="local_time")
    if body.send_at is not None:
        if body.send_at.tzinfo is None:
            raise InvalidSchedule("send_at needs a UTC offset, e.g. +04:00", field="send_at")
        if body.send_at <= now:
            raise InvalidSchedule(
                f"send_at {body.send_at.isoformat()} is in the past", field="send_at"
            )
    if body.local_time is not None:
        # The latest zone (UTC-12) reaches the wall time last: past there, past everywhere.
        latest = datetime.fromisoformat(body.local_time + "+00:00").timestamp() + 12 * 3600
        if latest <= now.timestamp():
            raise InvalidSchedule(
                f"local_time {body.local_time} has passed in every time zone", field="local_time"
            )
        return "local", None
    if body.best_hour:
        return "best_hour", body.send_at
    return ("at", body.send_at) if body.send_at is not None else ("now", None)


def _found(session: Session, broadcast_id: int, *, for_update: bool = False) -> Broadcast:
    row = rows.get(session, broadcast_id, for_update=for_update)
    if row is None:
        raise BroadcastNotFound(f"no broadcast with id {broadcast_id}", field="broadcast_id")
    return row


def get(session: Session, broadcast_id: int) -> BroadcastView:
    return view(session, _found(session, broadcast_id))


def listed(session: Session, cursor: str | None, limit: int) -> Page[BroadcastView]:
    found = rows.listed(session, decode_id_cursor(cursor), limit + 1)
    items = [BroadcastView.model_validate(row) for row in found[:limit]]
    after = encode_cursor(found[limit - 1].id) if len(found) > limit else None
    return Page(items=items, next_cursor=after)


def change(session: Session, broadcast_id: int, to: str) -> Broadcast:
    """Pause, resume or cancel; waits for a fan-out chunk in progress (the row's lock), then
    holds, releases or cancels the broadcast's outbox rows not yet sent. On SQLite it queues
    with the fan-out's chunks for the write lock, so it gets in after at most one chunk.
    Returns the changed row without its counts: a caller that shows them reads `view` once
    it has committed, so the change does not hold the lock while they are counted."""
    queue_as_writer(session)
    row = _found(session, broadcast_id, for_update=True)
    if row.status not in _FROM[to]:
        raise BroadcastStateConflict(
            f"a {row.status} broadcast cannot become {to}; allowed from: {', '.join(_FROM[to])}",
            field="status",
        )
    now = utcnow()
    queued = rows.outbox_keys(row.id)
    if to == "paused":
        holds.hold(session, queued)
    elif to == "running":
        holds.release(session, queued)
    else:
        holds.cancel(session, queued)
        row.finished_at = now
    row.status, row.updated_at = to, now
    row.control_version += 1  # what a sending chunk in progress confirms against
    session.flush()
    return row


def view(session: Session, row: Broadcast) -> BroadcastView:
    return BroadcastView.model_validate(row).model_copy(update={"counts": counts(session, row.id)})


def counts(session: Session, broadcast_id: int) -> BroadcastCounts:
    recipients = rows.recipient_counts(session, broadcast_id)
    outbox = rows.outbox_counts(session, broadcast_id)
    receipts = rows.receipt_counts(session, broadcast_id)
    decided = rows.decision_counts(session, broadcast_id)
    reasons: Counter[str] = Counter()
    for decision, codes, n in decided:
        if decision == "suppressed":
            for code in codes or ["unknown"]:
                reasons[code] += n
    return BroadcastCounts(
        targeted=sum(recipients.values()),
        holdout=recipients.get(rows.HOLDOUT, 0),
        pending=recipients.get(rows.PENDING, 0),
        queued=outbox.get(QUEUED, 0),
        deferred=sum(n for decision, _codes, n in decided if decision == "deferred"),
        suppressed=sum(n for decision, _codes, n in decided if decision == "suppressed"),
        suppressed_by_reason=dict(reasons),
        held=outbox.get(holds.HELD, 0),
        cancelled=outbox.get(CANCELLED, 0),
        sent=outbox.get("sent", 0),
        delivered=receipts.get("Delivered", 0),
        opened=receipts.get("Opened", 0),
        clicked=receipts.get("Clicked", 0),
        replied=receipts.get(rows.REPLIED, 0),
        converted=rows.converted(session, broadcast_id),
        failed=outbox.get("failed", 0) + outbox.get("dead", 0) + recipients.get(rows.FAILED, 0),
        variants=rows.variant_counts(session, broadcast_id),
    )
