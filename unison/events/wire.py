"""Reading a Segment-spec item's known fields without pydantic, for the common case.

Validating each item through the `SegmentEvent` model was the largest single cost of
collection (about a third of the request thread's time per event). Nearly every item an SDK
sends is plain: ids are short strings, times are ISO 8601 text, objects are objects. For
those, `read_plain` gives exactly what the model would give, an order of magnitude faster;
anything else (a number to coerce, a time the standard library cannot parse, a snake_case
field name, a value too long or of the wrong kind) returns None and goes through the model,
which also words the error. `tests/events/test_wire.py` checks the two agree.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from unison.events.schemas import EVENT_TYPES, SegmentEvent

_TYPES = frozenset(EVENT_TYPES)
_MAX_ID = 255
# Field names the model also accepts (populate_by_name): their presence sends the item
# through the model, so the two paths can never read an item differently.
_PYTHON_NAMES = tuple(
    name
    for name, field in SegmentEvent.model_fields.items()
    if field.alias is not None and field.alias != name
)
_fromisoformat = datetime.fromisoformat


@dataclass(slots=True)
class WireEvent:
    """The known fields of one item, as `SegmentEvent` names them."""

    type: str | None
    message_id: str | None
    user_id: str | None
    anonymous_id: str | None
    timestamp: datetime | None
    sent_at: datetime | None
    original_timestamp: datetime | None
    context: dict[str, Any] | None
    integrations: dict[str, Any] | None
    event: str | None
    name: str | None
    group_id: str | None
    previous_id: str | None


def _plain_text(value: Any) -> bool:
    return value is None or (type(value) is str and len(value) <= _MAX_ID)


def _plain_object(value: Any) -> bool:
    return value is None or type(value) is dict


def _time(value: Any) -> datetime | bool | None:
    """The parsed time, None when absent, False when not plain."""
    if value is None:
        return None
    if type(value) is not str:
        return False
    try:
        return _fromisoformat(value)
    except ValueError:
        return False


def read_plain(raw: dict[str, Any]) -> WireEvent | None:
    """The item's fields when it is plain (see the module docstring), else None."""
    for name in _PYTHON_NAMES:
        if name in raw:
            return None
    get = raw.get
    kind = get("type")
    if kind is not None and (type(kind) is not str or kind not in _TYPES):
        return None
    write_key = get("writeKey")
    if write_key is not None and type(write_key) is not str:
        return None
    texts = (
        get("messageId"),
        get("userId"),
        get("anonymousId"),
        get("event"),
        get("name"),
        get("groupId"),
        get("previousId"),
    )
    objects = (get("context"), get("integrations"), get("traits"), get("properties"))
    if not (all(map(_plain_text, texts)) and all(map(_plain_object, objects))):
        return None
    timestamp, sent_at, original = (
        _time(get("timestamp")),
        _time(get("sentAt")),
        _time(get("originalTimestamp")),
    )
    if timestamp is False or sent_at is False or original is False:
        return None
    return WireEvent(
        kind,
        texts[0],
        texts[1],
        texts[2],
        timestamp,  # type: ignore[arg-type]  # False was excluded above
        sent_at,  # type: ignore[arg-type]
        original,  # type: ignore[arg-type]
        objects[0],
        objects[1],
        texts[3],
        texts[4],
        texts[5],
        texts[6],
    )
