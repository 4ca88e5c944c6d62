"""A tracking hit becomes a receipt on the message it belongs to (its meta ids copied)."""

from sqlalchemy.orm import Session

from unison.outbox import queue
from unison.outbox.receipts import record_receipt


def hit(session: Session, outbox_id: int, kind: str, *, url: str | None = None) -> bool:
    """Record `kind` for the message; False when the row is gone (erased) or already has
    it. An open seen only through a click (images blocked) is recorded as an open too."""
    message = queue.get(session, outbox_id)
    if message is None:
        return False
    meta = {**(message.meta or {}), "outbox_id": message.id}
    extra = {"url": url} if url is not None else None
    added = record_receipt(
        session, kind, meta, message.profile_id, message.channel, properties=extra
    )
    if kind == "Clicked":
        record_receipt(session, "Opened", meta, message.profile_id, message.channel)
    return added
