"""The outbox's channel registry: which channels a delivery round can send on, the adapter
for each message, and each channel's retry policy.

A channel plugs in as a `Plug`: a `Senders` (its adapters, e.g. the configured SMTP relay and
messenger connectors, or the consent-webhook subscriptions) and the `Retry` policy its
messages follow. A bare `Senders` gets the outbox's default policy (`UNISON_OUTBOX_*`).
"""

from collections.abc import Iterable
from dataclasses import dataclass

from unison.kit.settings import Settings
from unison.outbox.envelope import Envelope, Sender, Senders


@dataclass(frozen=True)
class Retry:
    max_attempts: int
    backoff_seconds: float  # doubled after each failure (kit/backoff.py)
    lease_seconds: float  # a leased row is held this long: well past the adapter's timeout


@dataclass(frozen=True)
class Plug:
    senders: Senders
    retry: Retry


def default_retry(settings: Settings) -> Retry:
    # Held well past the slowest adapter's timeout, so a row is never sent by two rounds.
    slowest = max(settings.smtp_timeout_seconds, settings.outbox_http_timeout_seconds)
    return Retry(settings.outbox_max_attempts, settings.outbox_backoff_seconds, 3 * slowest)


class Registry:
    """The plugged channels of one delivery round; the first plug naming a channel owns it."""

    def __init__(self, settings: Settings, plugs: Iterable[Senders | Plug]) -> None:
        default = default_retry(settings)
        self._owners: dict[str, Plug] = {}
        for item in plugs:
            plug = item if isinstance(item, Plug) else Plug(item, default)
            for channel in plug.senders.channels:
                self._owners.setdefault(channel, plug)

    @property
    def channels(self) -> list[str]:
        return sorted(self._owners)

    def sender(self, envelope: Envelope) -> Sender | None:
        plug = self._owners.get(envelope.channel)
        return plug.senders.for_envelope(envelope) if plug else None

    def retry(self, channel: str) -> Retry:
        return self._owners[channel].retry
