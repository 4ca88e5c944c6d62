"""Reading a provider's payload: fields that must or may be there, of a JSON kind or one of
a set of values, optional objects, Unix and ISO 8601 times, and the `{"events": [...]}`
envelope of Unison's own documented formats (telephony, helpdesk). Every mistake is a
WebhookMalformed (400) naming the field's path, so the provider's logs say what was wrong."""

from datetime import UTC, datetime
from typing import Any

from unison.channels.errors import WebhookMalformed
from unison.kit.clock import isoformat_z
from unison.kit.json_body import json_kind, json_object

MAX_ITEMS = 100  # in one `{"events": [...]}` envelope


def load_json(body: bytes) -> dict[str, Any]:
    """The body as a JSON object, or a 400 naming what is wrong with it."""
    return json_object(body, WebhookMalformed)


def need(obj: dict[str, Any], key: str, kinds: type | tuple[type, ...], where: str) -> Any:
    """obj[key], which must be present and of the given JSON kind."""
    value = obj.get(key)
    if value is None:
        raise WebhookMalformed(f"{where}.{key} is required", field=f"{where}.{key}")
    # JSON true/false are Python ints too: a boolean is never taken for a number.
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in _as_tuple(kinds)):
        raise WebhookMalformed(
            f"{where}.{key} must be {_kind_names(kinds)}, got {json_kind(value)}",
            field=f"{where}.{key}",
        )
    return value


def maybe(obj: dict[str, Any], key: str, kinds: type | tuple[type, ...], where: str) -> Any:
    """obj[key] if present (None otherwise); when present it must be of the given kind."""
    if obj.get(key) is None:
        return None
    return need(obj, key, kinds, where)


def obj(parent: dict[str, Any], key: str) -> dict[str, Any]:
    """parent[key] when it is an object, else an empty one (for optional parts)."""
    value = parent.get(key)
    return value if isinstance(value, dict) else {}


def _as_tuple(kinds: type | tuple[type, ...]) -> tuple[type, ...]:
    return kinds if isinstance(kinds, tuple) else (kinds,)


def _kind_names(kinds: type | tuple[type, ...]) -> str:
    names = {dict: "an object", list: "an array", str: "a string", int: "a number"}
    return " or ".join(names.get(k, k.__name__) for k in _as_tuple(kinds))


def from_unix(seconds: object, where: str, *, per_second: int = 1) -> str:
    """A Unix time (number or digit string; `per_second` 1000 for milliseconds) as
    canonical ISO 8601."""
    try:
        value = float(seconds) / per_second  # type: ignore[arg-type]
        return isoformat_z(datetime.fromtimestamp(value, UTC))
    except (TypeError, ValueError, OverflowError, OSError):
        raise WebhookMalformed(
            f"{where} must be a Unix time in seconds, got {str(seconds)[:40]!r}", field=where
        ) from None


def items_of(body: dict[str, Any], noun: str) -> list[tuple[str, dict[str, Any]]]:
    """(where, item) for a single object or an `{"events": [...]}` envelope."""
    if "events" not in body:
        return [(noun, body)]
    items = need(body, "events", list, "body")
    if not items or len(items) > MAX_ITEMS:
        raise WebhookMalformed(
            f"events must hold 1 to {MAX_ITEMS} items, got {len(items)}", field="events"
        )
    found = []
    for n, item in enumerate(items):
        if not isinstance(item, dict):
            raise WebhookMalformed(f"events[{n}] must be an object", field=f"events[{n}]")
        found.append((f"events[{n}]", item))
    return found


def occurred_at(item: dict[str, Any], where: str) -> str:
    text = need(item, "occurred_at", str, where)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise WebhookMalformed(
            f"{where}.occurred_at must be ISO 8601 with a time zone, "
            f"e.g. 2026-12-01T09:15:00Z; got {text[:40]!r}",
            field=f"{where}.occurred_at",
        )
    return isoformat_z(moment)


def choice(
    item: dict[str, Any], key: str, accepted: dict[str, str] | tuple[str, ...], where: str
) -> str:
    value: str = need(item, key, str, where)
    if value not in accepted:
        raise WebhookMalformed(
            f"{where}.{key} is {value[:40]!r}; accepted: {', '.join(accepted)}",
            field=f"{where}.{key}",
        )
    return value
