"""What a channel adapter is handed to send, and how it says it could not."""

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Envelope:
    message_id: int
    idempotency_key: str
    channel: str
    recipient_type: str
    recipient: str
    language: str
    subject: str | None
    body: str
    via_source_id: int | None = None


class DeliveryFailed(Exception):
    """A send that did not happen; `permanent` when retrying cannot help (e.g. SMTP 5xx)."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason, self.permanent = reason, permanent


class Sender(Protocol):
    channel: str

    def send(self, envelope: Envelope) -> None: ...


class Senders(Protocol):
    """The adapters an installation has: which channels it can send on, and for a message
    the adapter to use (None if none can take it now)."""

    @property
    def channels(self) -> list[str]: ...

    def for_envelope(self, envelope: Envelope) -> Sender | None: ...
