"""Turning one raw Segment-spec item into a canonical event-log row, or a precise rejection.

Pure rules, no database: the endpoints and the importer call this, the repository stores.
`append` is how other domains write their own events into the log.
"""

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from pydantic import ValidationError
from sqlalchemy.orm import Session

from unison.events.errors import EventRejected, EventTooLarge, InvalidEvent
from unison.events.schemas import EVENT_TYPES, SegmentEvent
from unison.events.wire import WireEvent, read_plain
from unison.kit.clock import isoformat_z
from unison.kit.json_body import json_kind
from unison.kit.json_depth import MAX_JSON_DEPTH, too_deep
from unison.sources.channels import ACCEPTED_TEXT, canonical_channel
from unison.sources.ref import SourceRef

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
ACCEPTED_TYPES = ", ".join(EVENT_TYPES)
# A JSON-escaped NUL that is not itself an escaped backslash; PostgreSQL's jsonb refuses U+0000.
_ESCAPED_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


# An item's known fields: read directly when plain, else through the model (events/wire.py).
Fields = WireEvent | SegmentEvent


@dataclass(slots=True)
class Rejection:
    index: int
    error: str
    field: str | None
    detail: str
    payload: Any
    line: int | None = None


@dataclass(slots=True)
class BatchContext:
    """What a /v1/batch envelope contributes to each of its items."""

    context: dict[str, Any] | None = None
    integrations: dict[str, Any] | None = None
    sent_at: datetime | None = None


_NO_BATCH = BatchContext()


@dataclass(slots=True)
class Prepared:
    rows: list[dict[str, Any]] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)


def storable(raw: Any) -> Any:
    """The item as it can be kept in rejected_events, even when it cannot be stored as is."""
    if too_deep(raw) is not None:
        # Never repr() it: a deep value recurses past Python's limit there too.
        return {"unstorable": f"nested deeper than {MAX_JSON_DEPTH} levels"}
    try:
        encoded = orjson.dumps(raw)
    except orjson.JSONEncodeError as exc:
        return {"unstorable": f"not encodable as JSON: {exc}"}
    if b"\\u0000" in encoded and _ESCAPED_NUL.search(encoded):
        text = encoded.decode("utf-8").replace("\\u0000", "\\uFFFD")
        return {"unstorable": "contained U+0000", "preview": text[:2000]}
    return raw


# The amounts of Segment's e-commerce spec. Profiles (and CLV) add them up, so each is
# bounded far below float overflow: 1e15 is above any real order, and a sum of millions of
# such amounts stays finite and exact to the cent.
MONETARY_PROPERTIES = (
    "revenue",
    "total",
    "subtotal",
    "value",
    "price",
    "tax",
    "shipping",
    "discount",
)
MAX_AMOUNT = 1e15


def random_message_id() -> str:
    return f"unison-{uuid.uuid4()}"


def prepare_items(
    items: list[Any],
    *,
    source: SourceRef,
    received_at: datetime,
    max_event_bytes: int,
    implied_type: str | None = None,
    batch: BatchContext | None = None,
    message_id_for: Callable[[int, Any], str] | None = None,
) -> Prepared:
    prepared = Prepared()
    received_text = isoformat_z(received_at)  # the same for every item: format it once
    for index, raw in enumerate(items):
        try:
            prepared.rows.append(
                prepare_event(
                    raw,
                    source=source,
                    received_at=received_at,
                    max_event_bytes=max_event_bytes,
                    implied_type=implied_type,
                    batch=batch,
                    assigned_message_id=message_id_for(index, raw) if message_id_for else None,
                    received_text=received_text,
                )
            )
        except EventRejected as rejected:
            prepared.rejections.append(
                Rejection(index, rejected.error, rejected.field, rejected.detail, storable(raw))
            )
    return prepared


def prepare_event(
    raw: Any,
    *,
    source: SourceRef,
    received_at: datetime,
    max_event_bytes: int,
    implied_type: str | None = None,
    batch: BatchContext | None = None,
    assigned_message_id: str | None = None,
    received_text: str | None = None,
) -> dict[str, Any]:
    """One raw item as an event-log row; `received_text` is received_at pre-formatted."""
    if not isinstance(raw, dict):
        raise InvalidEvent(f"an event must be a JSON object, got {json_kind(raw)}", field=None)
    event = read_plain(raw) or _validate(raw)
    event_type = _event_type(event, implied_type)
    user_id, anonymous_id = _present(event.user_id), _present(event.anonymous_id)
    _check_required(event, event_type, user_id, anonymous_id)
    _check_amounts(raw.get("properties"))
    batch = batch or _NO_BATCH
    context = {**(batch.context or {}), **(event.context or {})}
    channel = _channel(context, source)
    context["channel"] = channel
    times = _timestamps(event, batch, received_at)
    message_id = _present(event.message_id) or assigned_message_id or random_message_id()
    # The keys as sent, then the server's, in this order: the payload is stored as serialized.
    payload = dict(raw)
    payload.pop("writeKey", None)
    payload["type"] = event_type
    payload["messageId"] = message_id
    payload["context"] = context
    payload["timestamp"] = _as_sent(raw, event, times.timestamp) or isoformat_z(times.timestamp)
    payload["receivedAt"] = received_text or isoformat_z(received_at)
    optional = {
        "userId": user_id,
        "anonymousId": anonymous_id,
        "groupId": event.group_id,
        "previousId": event.previous_id,
        "integrations": {**(batch.integrations or {}), **(event.integrations or {})} or None,
        "originalTimestamp": _iso_or_none(times.original, raw, event),
        "sentAt": _iso_or_none(times.sent_at, raw, event),
    }
    _set_or_drop(payload, optional)
    return {
        "source_id": source.id,
        "message_id": message_id,
        "type": event_type,
        "event": event.event if event_type == "track" else event.name,
        "user_id": user_id,
        "anonymous_id": anonymous_id,
        "channel": channel,
        "timestamp": times.timestamp,
        "received_at": received_at,
        "payload": payload,
        "payload_json": _encode_checked(payload, raw, max_event_bytes),
    }


def _set_or_drop(payload: dict[str, Any], values: dict[str, Any]) -> None:
    """Server-decided fields: set when there is a value, else removed even if sent."""
    for key, value in values.items():
        if value is None:
            payload.pop(key, None)
        else:
            payload[key] = value


# The server adds receivedAt, timestamp, messageId, context.channel... to what was sent: well
# under this many bytes. Below the limit minus this margin the event as sent is surely within
# the limit, so it need not be encoded a second time just to be measured.
_ADDED_BYTES_MARGIN = 1024


def _encode_checked(payload: dict[str, Any], raw: dict[str, Any], max_event_bytes: int) -> bytes:
    """The payload as stored (UTF-8 JSON), after the checks that need its encoding. Left as
    bytes: the store turns them into text without a decode on the request thread."""
    try:
        encoded = orjson.dumps(payload)
    except orjson.JSONEncodeError:
        raise InvalidEvent("event nests deeper than 255 levels", field=None) from None
    if b"\\u0000" in encoded and _ESCAPED_NUL.search(encoded):  # cheap test first
        raise InvalidEvent("text may not contain the NUL character (U+0000)", field=None)
    if len(encoded) > max_event_bytes - _ADDED_BYTES_MARGIN:
        size = len(orjson.dumps({k: v for k, v in raw.items() if k != "writeKey"}))
        if size > max_event_bytes:
            raise EventTooLarge(
                f"event is {size:,} bytes; the limit is {max_event_bytes // 1024} KB "
                f"({max_event_bytes:,} bytes) per event",
                field=None,
            )
    return encoded


def _validate(raw: dict[str, Any]) -> SegmentEvent:
    try:
        return SegmentEvent.model_validate(raw)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        first = errors[0]
        where = ".".join(str(part) for part in first["loc"]) or None
        detail = f"{where}: {first['msg']} (got {json_kind(first['input'])})"
        if "datetime" in first["type"]:
            detail += "; send ISO 8601 such as 2026-03-04T10:11:12.123Z"
        if len(errors) > 1:
            detail += f"; and {len(errors) - 1} more problem(s)"
        raise InvalidEvent(detail, field=where) from None


def _event_type(event: Fields, implied: str | None) -> str:
    if implied is not None:
        if event.type is not None and event.type != implied:
            raise InvalidEvent(
                f"this endpoint takes type '{implied}' events; the body says '{event.type}'",
                field="type",
            )
        return implied
    if event.type is None:
        raise InvalidEvent(
            f"type is required in a batch item; accepted: {ACCEPTED_TYPES}", field="type"
        )
    return event.type


def _present(value: str | None) -> str | None:
    # Libraries send "" or null for "not known"; both mean absent.
    return value if value else None


def _check_required(
    event: Fields, event_type: str, user_id: str | None, anonymous_id: str | None
) -> None:
    if user_id is None and anonymous_id is None:
        raise InvalidEvent(
            "each event needs userId or anonymousId (a non-empty string)", field="userId"
        )
    if event_type == "track" and not event.event:
        raise InvalidEvent("track events need event, the name of the action", field="event")
    if event_type == "alias":
        if not _present(event.previous_id):
            raise InvalidEvent("alias events need previousId", field="previousId")
        if user_id is None:
            raise InvalidEvent("alias events need userId", field="userId")
    if event_type == "group" and not _present(event.group_id):
        raise InvalidEvent("group events need groupId", field="groupId")


def _check_amounts(properties: Any) -> None:
    if not isinstance(properties, dict):
        return
    for name in MONETARY_PROPERTIES:
        amount = properties.get(name)
        if isinstance(amount, bool) or not isinstance(amount, int | float):
            continue
        if not abs(amount) <= MAX_AMOUNT:
            raise InvalidEvent(
                f"properties.{name} is {amount:g}; amounts must lie within "
                f"±{MAX_AMOUNT:g} (profiles sum them, and a sum must stay finite)",
                field=f"properties.{name}",
            )


def _channel(context: dict[str, Any], source: SourceRef) -> str:
    value = context.get("channel")
    if value is None:
        return source.channel
    if not isinstance(value, str):
        raise InvalidEvent(
            f"context.channel must be a string, got {json_kind(value)}; accepted: {ACCEPTED_TEXT}",
            field="context.channel",
        )
    try:
        return canonical_channel(value) or source.channel
    except ValueError:
        raise InvalidEvent(
            f"context.channel {value[:40]!r} is not a channel; accepted: {ACCEPTED_TEXT}",
            field="context.channel",
        ) from None


@dataclass(frozen=True, slots=True)
class Times:
    timestamp: datetime  # when it happened, skew corrected
    original: datetime | None  # originalTimestamp as sent
    sent_at: datetime | None  # sentAt of the event or its batch


def _timestamps(event: Fields, batch: BatchContext, received_at: datetime) -> Times:
    """timestamp, originalTimestamp and sentAt, with device clock skew corrected.

    The device's clock may be wrong by hours, but the difference between two readings of it
    (when the call happened and when the batch was sent) is right. Segment's rule:
    timestamp = receivedAt - (sentAt - originalTimestamp). Values keep the offset they were
    sent with (they are compared and stored as instants; formatting converts to UTC).
    """
    try:
        return _skew_corrected(event, batch, received_at)
    except OverflowError:
        raise InvalidEvent(
            "timestamp, sentAt or originalTimestamp is too far from the present to use",
            field="timestamp",
        ) from None


def _skew_corrected(event: Fields, batch: BatchContext, received_at: datetime) -> Times:
    sent_at = _aware(event.sent_at or batch.sent_at)
    given_original = _aware(event.original_timestamp)
    given_timestamp = _aware(event.timestamp)
    for name, value in (
        ("sentAt", sent_at),
        ("originalTimestamp", given_original),
        ("timestamp", given_timestamp),
    ):
        if value is not None:
            _check_range(name, value)
    original = given_original or given_timestamp
    if sent_at is not None and original is not None:
        timestamp = received_at - (sent_at - original)
        _check_range("timestamp", timestamp)
    else:
        timestamp = given_timestamp or original or received_at
    return Times(timestamp, original, sent_at)


def _aware(value: datetime | None) -> datetime | None:
    """Naive times are read as UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def _iso_or_none(value: datetime | None, raw: dict[str, Any], event: Fields) -> str | None:
    if value is None:
        return None
    return _as_sent(raw, event, value) or isoformat_z(value)


def _as_sent(raw: dict[str, Any], event: Fields, value: datetime) -> str | None:
    """The text the client sent for `value`, when it is already in the canonical form
    (2026-03-04T10:11:12.123Z, what JavaScript's toISOString and most SDKs send), so the hot
    path need not format it again."""
    for key, parsed in (
        ("timestamp", event.timestamp),
        ("originalTimestamp", event.original_timestamp),
        ("sentAt", event.sent_at),
    ):
        if parsed is value:
            text = raw.get(key)
            if (
                isinstance(text, str)
                and len(text) == 24
                and text[23] == "Z"
                and text[19] == "."
                and text[10] == "T"
            ):
                return text
            return None
    return None


def _check_range(name: str, value: datetime) -> None:
    if not EARLIEST <= value < LATEST:
        raise InvalidEvent(
            f"{name} {isoformat_z(value)} is outside the accepted range "
            f"{EARLIEST.year}-01-01 to {LATEST.year}-01-01 (after clock-skew correction)",
            field=name,
        )


def append(
    session: Session, rows: list[dict[str, Any]], *, source_id: int, origin: str, at: datetime
) -> int:
    """Append events another domain writes itself (consent changes, segment entries) to the
    log, skipping any (source, messageId) already there; returns how many were new. The one
    entry point to the log for other domains: they never import events' repository."""
    # Imported here: the repository imports this module's Rejection.
    from unison.events import repository

    outcome = repository.store(
        session, rows, [], source_id=source_id, origin=origin, received_at=at
    )
    return outcome.accepted
