"""What every channel parser shares: the connector it works for and the canonical event it
builds.

A parser is pure: bytes in, Segment-shaped `track` events out (each with a `messageId`
derived from the provider's own id, so a redelivered webhook is stored once). Verification
happens before parsing (see `signing.py`), storage after it (see `hooks.py`); reading the
provider's fields is `payload.py`.
"""

import hashlib
from dataclasses import dataclass, field
from typing import Any

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


def message_id(connector: ConnectorRef, *parts: object) -> str:
    """`<connector>:<provider id parts>`: a redelivery maps to the same messageId."""
    text = ":".join([connector.name, *(str(p) for p in parts)])
    if len(text) <= _LONGEST_ID:
        return text
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:40]
    return f"{connector.name}:sha256:{digest}"


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


@dataclass(frozen=True, slots=True)
class Receipts:
    """How a channel's delivery statuses for messages we sent become status events, which
    the outbox's receipts processor matches to the message by `provider_message_id`."""

    channel: str
    identifier: str  # the trait a recipient's id on this channel is (e.g. "phone")
    events: dict[str, str]  # the provider's status -> canonical event

    def event(
        self,
        connector: ConnectorRef,
        sid: str,
        status: str,
        recipient: str,
        *,
        timestamp: str | None = None,
        **properties: Any,
    ) -> dict[str, Any]:
        """One event per message (`sid`, the provider's id of it) and status: a redelivered
        callback is stored once, the next status of the same message is new. `recipient` is
        the recipient's id on the channel, `properties` the provider's details (errors...)."""
        return track(
            connector,
            event=self.events[status],
            channel=self.channel,
            message=message_id(connector, "status", sid, status),
            anonymous_id=f"{self.channel}:{recipient}",
            traits={self.identifier: recipient},
            properties={"provider_message_id": sid, "status": status, **properties},
            timestamp=timestamp,
        )
