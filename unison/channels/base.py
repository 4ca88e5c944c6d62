"""What every channel parser shares: the connector it works for, the canonical event it
builds, and the errors it raises.

A parser is pure: bytes in, Segment-shaped `track` events out (each with a `messageId`
derived from the provider's own id, so a redelivered webhook is stored once). Verification
happens before parsing (see `signing.py`), storage after it (see `hooks.py`).
"""

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from unison.channels.errors import WebhookMalformed
from unison.kit.clock import isoformat_z
from unison.kit.json_body import json_kind, json_object
from unison.sources.ref import SourceRef

_LONGEST_ID = 200  # messageId is at most 255 characters; longer provider ids are hashed


@dataclass(frozen=True, slots=True)
class ConnectorRef:
    """A configured connector as the webhook path needs it (secrets decrypted)."""

    id: int
    type: str
    name: str
    source: SourceRef
    secrets: dict[str, str]
    region: str | None = None


@dataclass(slots=True)
class Parsed:
    events: list[dict[str, Any]] = field(default_factory=list)
    # Update kinds the channel sent that carry nothing for a customer profile (Telegram
    # inline queries, polls...): answered 200 so the provider does not retry, and named in
    # the answer so nothing is dropped silently.
    ignored: list[str] = field(default_factory=list)


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


def message_id(connector: ConnectorRef, *parts: object) -> str:
    """`<connector>:<provider id parts>`: a redelivery maps to the same messageId."""
    text = ":".join([connector.name, *(str(p) for p in parts)])
    if len(text) <= _LONGEST_ID:
        return text
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:40]
    return f"{connector.name}:sha256:{digest}"


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


def track(
    connector: ConnectorRef,
    *,
    event: str,
    channel: str,
    message: str,
    anonymous_id: str,
    traits: dict[str, Any],
    properties: dict[str, Any],
    timestamp: str | None = None,
    locale: str | None = None,
) -> dict[str, Any]:
    """One canonical event. Channel identifiers go in context.traits, which identity
    resolution reads on every event type; the connector is named in context and properties
    (the consent processor keeps it as proof)."""
    context: dict[str, Any] = {
        "channel": channel,
        "traits": {k: v for k, v in traits.items() if v not in (None, "")},
        "connector": {"type": connector.type, "name": connector.name},
    }
    if locale:
        context["locale"] = locale
    item: dict[str, Any] = {
        "type": "track",
        "event": event,
        "messageId": message,
        "anonymousId": anonymous_id,
        "context": context,
        "properties": {
            "connector": connector.name,
            **{k: v for k, v in properties.items() if v is not None},
        },
    }
    if timestamp is not None:
        item["timestamp"] = timestamp
    return item
