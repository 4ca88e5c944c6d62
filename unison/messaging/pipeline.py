"""The send pipeline: render → choose the channel → gate → the `messages` row and the outbox
row (content + meta), all in the caller's transaction. Nothing is sent here; the outbox
loop sends after commit, asking the gate again (send_time.py)."""

from datetime import datetime

from sqlalchemy.orm import Session

from unison.kit.errors import UnisonError
from unison.kit.settings import Settings
from unison.messaging.batch import send_many
from unison.messaging.requests import SendRequest
from unison.messaging.schemas import MessageDecision


def send(
    session: Session, settings: Settings, request: SendRequest, now: datetime | None = None
) -> MessageDecision:
    """Decide one message and queue it unless the gate refuses; a retry with the same
    idempotency key returns the first decision (rendering nothing, queueing nothing).
    The batch path with a chunk of one: the same rules, the same rows."""
    (outcome,) = send_many(session, settings, [request], now)
    if isinstance(outcome, UnisonError):
        raise outcome
    return outcome


__all__ = ["SendRequest", "send", "send_many"]
