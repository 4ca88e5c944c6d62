"""Holding outbox rows back and letting them go again, for whoever queued them (a paused
broadcast holds what it queued, a resume releases it, a cancel cancels what is still unsent).

A `held` row is invisible to dispatch (it claims only `queued` rows, outbox/queue.py), so it
waits until released; a row already claimed or sent is not `queued` and is left alone: a
hold never takes back a message a dispatcher has started sending. The rows are named by
their idempotency keys, as a list or as a subquery (so a large hold is one statement)."""

from collections.abc import Collection
from typing import Any

from sqlalchemy import Select, update
from sqlalchemy.orm import Session

from unison.models import OutboundMessage
from unison.outbox.queue import CANCELLED, QUEUED

HELD = "held"

# An outbox row's idempotency keys: a list, or a SELECT of one column of them.
Keys = Collection[str] | Select[Any]


def hold(session: Session, keys: Keys) -> int:
    """Queued rows become held; returns how many."""
    return _move(session, keys, (QUEUED,), HELD)


def release(session: Session, keys: Keys) -> int:
    """Held rows are queued again (due as they were); returns how many."""
    return _move(session, keys, (HELD,), QUEUED)


def cancel(session: Session, keys: Keys) -> int:
    """Rows not yet sent (queued or held) are cancelled; returns how many."""
    return _move(session, keys, (QUEUED, HELD), CANCELLED)


def _move(session: Session, keys: Keys, states: tuple[str, ...], to: str) -> int:
    if not isinstance(keys, Select) and not keys:
        return 0
    result = session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.status.in_(states), OutboundMessage.idempotency_key.in_(keys))
        .values(status=to)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
