"""The outbox's channel registry: which channels a delivery round can send on, the adapter
for each message, and each channel's retry policy.

A channel plugs in as a `Plug`: a `Senders` (its adapters, e.g. the configured SMTP relay and
messenger connectors, or the consent-webhook subscriptions) and the `Retry` policy its
messages follow. A bare `Senders` gets the outbox's default policy (`UNISON_OUTBOX_*`).

Two plugs may share a channel when one says which recipient types it takes (a `Senders`
with `recipient_types`, e.g. messaging's webhook destinations, recipient type `url`, beside
the consent-webhook subscriptions on the same `webhook` channel): a row goes to the typed
plug naming its recipient type, else to the channel's untyped plug. A channel with typed
plugs only leases only rows of those types.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from unison.kit.settings import Settings
from unison.outbox.envelope import Envelope, Sender, Senders


@dataclass(frozen=True)
class Retry:
    max_attempts: int
    backoff_seconds: float  # doubled after each failure (kit/backoff.py)
    lease_seconds: float  # a leased row is held this long: well past the adapter's timeout
    # Each backoff is multiplied by a random factor in [1 - jitter, 1 + jitter), so rows that
    # failed together (a provider outage) do not all come back in the same second.
    jitter: float = 0.0
    # Out of attempts: `dead` (a dead letter, listed by `unison outbox dead` for a person to
    # requeue) or, for policies that predate it (consent webhooks), `failed`.
    dead_letter: bool = False


@dataclass(frozen=True)
class Plug:
    senders: Senders
    retry: Retry


def default_retry(settings: Settings) -> Retry:
    # Held well past the slowest adapter's timeout, so a row is never sent by two rounds.
    slowest = max(settings.smtp_timeout_seconds, settings.outbox_http_timeout_seconds)
    return Retry(
        settings.outbox_max_attempts,
        settings.outbox_backoff_seconds,
        3 * slowest,
        jitter=0.5,
        dead_letter=True,
    )


class Registry:
    """The plugged channels of one delivery round; the first untyped plug naming a channel
    owns it, beside the typed plugs naming some of its recipient types."""

    def __init__(self, settings: Settings, plugs: Iterable[Senders | Plug]) -> None:
        default = default_retry(settings)
        self._owners: dict[str, Plug] = {}
        self._typed: dict[tuple[str, str], Plug] = {}
        for item in plugs:
            plug = item if isinstance(item, Plug) else Plug(item, default)
            types: Mapping[str, Iterable[str]] = getattr(plug.senders, "recipient_types", {})
            for channel in plug.senders.channels:
                if channel in types:
                    for kind in types[channel]:
                        self._typed.setdefault((channel, kind), plug)
                else:
                    self._owners.setdefault(channel, plug)

    @property
    def channels(self) -> list[str]:
        return sorted(set(self._owners) | {channel for channel, _ in self._typed})

    def only_types(self) -> dict[str, list[str]]:
        """Channels served by typed plugs only: the recipient types to lease there."""
        found: dict[str, list[str]] = {}
        for channel, kind in self._typed:
            if channel not in self._owners:
                found.setdefault(channel, []).append(kind)
        return found

    def _plug(self, channel: str, recipient_type: str) -> Plug | None:
        return self._typed.get((channel, recipient_type)) or self._owners.get(channel)

    def sender(self, envelope: Envelope) -> Sender | None:
        plug = self._plug(envelope.channel, envelope.recipient_type)
        return plug.senders.for_envelope(envelope) if plug else None

    def retry(self, channel: str, recipient_type: str = "") -> Retry:
        plug = self._plug(channel, recipient_type)
        assert plug is not None  # only rows of plugged channels are leased
        return plug.retry


@dataclass(frozen=True)
class _Typed:
    senders: Senders
    recipient_types: dict[str, list[str]]

    @property
    def channels(self) -> list[str]:
        return self.senders.channels

    def for_envelope(self, envelope: Envelope) -> Sender | None:
        return self.senders.for_envelope(envelope)


def typed(item: Senders | Plug, recipient_types: dict[str, list[str]]) -> Plug | Senders:
    """The same plug, taking only rows of these recipient types on these channels (so a
    round that delivers it alone leaves the channel's other rows to their own plug)."""
    if isinstance(item, Plug):
        return Plug(_Typed(item.senders, recipient_types), item.retry)
    return _Typed(item, recipient_types)
