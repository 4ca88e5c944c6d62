"""The tamper-evident chain: each record's hash covers its content and the previous hash of
the same profile's chain, so editing, removing or reordering a record breaks every later link.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from unison.kit.clock import ensure_utc

GENESIS = "0" * 64
HASHED_FIELDS = (
    "profile_id",
    "seq",
    "identifier_type",
    "identifier_value",
    "purpose",
    "channel",
    "status",
    "legal_basis",
    "source",
    "source_channel",
    "actor",
    "proof",
    "occurred_at",
    "recorded_at",
    "expires_at",
    "event_id",
    "prev_hash",
)


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime):
        # Both stores keep microseconds; the text is the same whichever one read it back.
        return ensure_utc(value).isoformat(timespec="microseconds")
    return value


def record_hash(fields: dict[str, Any]) -> str:
    content = {name: _canonical(fields.get(name)) for name in HASHED_FIELDS}
    encoded = orjson.dumps(content, option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(encoded).hexdigest()


@dataclass(frozen=True)
class Break:
    profile_id: int
    seq: int
    record_id: int | None
    problem: str


def verify_chain(
    profile_id: int, rows: list[dict[str, Any]], head: tuple[int, str] | None
) -> list[Break]:
    """Every break in one profile's chain (rows in seq order, head = (seq, hash) stored)."""
    breaks: list[Break] = []
    previous, expected_seq = GENESIS, 1
    for row in rows:
        if row["seq"] != expected_seq:
            breaks.append(Break(profile_id, expected_seq, row["id"], "missing record(s) before"))
        if row["prev_hash"] != previous:
            breaks.append(Break(profile_id, row["seq"], row["id"], "previous hash does not match"))
        if row.get("redacted_at") is None and record_hash(row) != row["hash"]:
            breaks.append(
                Break(profile_id, row["seq"], row["id"], "content does not match its hash")
            )
        previous, expected_seq = row["hash"], row["seq"] + 1
    if head is not None and (head[0] != expected_seq - 1 or head[1] != previous):
        breaks.append(Break(profile_id, head[0], None, "chain head does not match the last record"))
    return breaks
