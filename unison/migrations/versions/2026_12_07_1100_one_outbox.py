"""one outbox: consent-change webhook deliveries move into outbound_messages (channel webhook)

Each `consent_webhook_deliveries` row becomes an `outbound_messages` row on the `webhook`
channel: recipient = the subscription id, idempotency key `consent-webhook:<hook>:<record>`,
the JSON body as compact text, states renamed (pending -> queued, delivered -> sent; failed
and cancelled stay). Rows are copied in Python so the move is the same on both stores.
Downgrade moves them back.
"""

from collections.abc import Iterator
from typing import Any

import orjson
import sqlalchemy as sa
from alembic import op

from unison.migrations.columns import BIG_ID, TIME, webhook_delivery_columns
from unison.migrations.tables import create_webhook_deliveries

revision: str = "0012"
down_revision: str | None = "0011"

CHUNK = 1000
TO_OUTBOX = {"pending": "queued", "delivered": "sent"}
FROM_OUTBOX = {new: old for old, new in TO_OUTBOX.items()}


old = sa.table(
    "consent_webhook_deliveries", *(sa.column(c.name, c.type) for c in webhook_delivery_columns())
)
outbox = sa.table(
    "outbound_messages",
    *(
        sa.column(name, kind)
        for name, kind in (
            ("id", BIG_ID),
            ("idempotency_key", sa.String()),
            ("profile_id", sa.BigInteger()),
            ("channel", sa.String()),
            ("recipient_type", sa.String()),
            ("recipient", sa.String()),
            ("purpose", sa.String()),
            ("language", sa.String()),
            ("body", sa.Text()),
            ("status", sa.String()),
            ("created_at", TIME),
            ("attempts", sa.Integer()),
            ("next_attempt_at", TIME),
            ("sent_at", TIME),
            ("last_error", sa.String()),
        )
    ),
)


def _chunks(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), CHUNK):
        yield rows[start : start + CHUNK]


def _to_outbox(row: Any) -> dict[str, Any]:
    return {
        "idempotency_key": f"consent-webhook:{row.webhook_id}:{row.record_id}",
        "profile_id": row.profile_id,
        "channel": "webhook",
        "recipient_type": "consent_webhook",
        "recipient": str(row.webhook_id),
        "purpose": "consent.changed",
        "language": "",
        "body": orjson.dumps(row.body).decode(),
        "status": TO_OUTBOX.get(row.status, row.status),
        # The old rows had no creation time; their first due time is the closest record.
        "created_at": row.next_attempt_at
        if row.attempts == 0
        else row.delivered_at or row.next_attempt_at,
        "attempts": row.attempts,
        "next_attempt_at": row.next_attempt_at,
        "sent_at": row.delivered_at,
        "last_error": (row.last_error or "")[:300] or None,
    }


def upgrade() -> None:
    bind = op.get_bind()
    rows = [_to_outbox(r) for r in bind.execute(sa.select(old).order_by(sa.text("id")))]
    for chunk in _chunks(rows):
        bind.execute(outbox.insert(), chunk)
    with op.batch_alter_table("consent_webhook_deliveries") as batch:
        batch.drop_index("ix_consent_webhook_deliveries_profile_id")
        batch.drop_index("ix_consent_webhook_deliveries_due")
    op.drop_table("consent_webhook_deliveries")


def _from_outbox(row: Any) -> dict[str, Any]:
    _, hook, record = row.idempotency_key.split(":")
    return {
        "webhook_id": int(hook),
        "profile_id": row.profile_id,
        "record_id": int(record),
        "body": orjson.loads(row.body),
        "status": FROM_OUTBOX.get(row.status, row.status),
        "attempts": row.attempts,
        "next_attempt_at": row.next_attempt_at or row.created_at,
        "last_error": row.last_error,
        "delivered_at": row.sent_at,
    }


def downgrade() -> None:
    create_webhook_deliveries()
    bind = op.get_bind()
    webhook = outbox.c.channel == "webhook"
    query = sa.select(outbox).where(webhook).order_by(outbox.c.id)
    rows = [_from_outbox(r) for r in bind.execute(query)]
    for chunk in _chunks(rows):
        bind.execute(old.insert(), chunk)
    bind.execute(sa.delete(outbox).where(webhook))
