"""What a channel adapter is handed to send, how it says it could not, and the send-time
check a delivery round asks before sending (messaging's gate plugs in there)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session


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
    # The rendered message per channel (docs/design/outbox.md, "Rendered content"); None on
    # rows that carry only subject/body (consent confirmations, replies, consent webhooks).
    content: dict[str, Any] | None = None
    # Ids receipts copy into their events (message, template, campaign, broadcast, variant).
    meta: dict[str, Any] | None = None
    profile_id: int = 0
    purpose: str = ""
    attempts: int = 0  # attempts before this one

    def text(self) -> str:
        """The plain text to send: the rendered content's, else the row's body."""
        found = (self.content or {}).get("text")
        return found if isinstance(found, str) else self.body


class DeliveryFailed(Exception):
    """A send that did not happen.

    `permanent`: retrying cannot help (a blocked bot, an invalid number, an SMTP 5xx);
    `unreachable`: moreover the identifier itself is dead (hard bounce, blocked bot, invalid
    number), so it is marked unreachable; `retry_after`: the provider said when to come back
    (Telegram `retry_after`, HTTP `Retry-After`), in seconds.
    """

    def __init__(
        self,
        reason: str,
        *,
        permanent: bool = False,
        unreachable: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason, self.permanent = reason, permanent or unreachable
        self.unreachable, self.retry_after = unreachable, retry_after


class Sender(Protocol):
    channel: str

    def send(self, envelope: Envelope) -> str | None:
        """Send once; the provider's id for the message when it gives one."""
        ...


class Senders(Protocol):
    """The adapters an installation has: which channels it can send on, and for a message
    the adapter to use (None if none can take it now)."""

    @property
    def channels(self) -> list[str]: ...

    def for_envelope(self, envelope: Envelope) -> Sender | None: ...


# --- the send-time check (issue 17: the gate re-checks at send time) ---


@dataclass(frozen=True)
class Send:
    """Go ahead."""


@dataclass(frozen=True)
class Defer:
    """Not now: the row stays queued until `until` (e.g. quiet hours, a frequency cap)."""

    until: datetime
    reason: str


@dataclass(frozen=True)
class Suppress:
    """Never: the row becomes `suppressed` and is not sent (e.g. consent withdrawn). The
    check records the `Suppressed` receipt itself (outbox/receipts.py), with its reason."""

    reason: str


Verdict = Send | Defer | Suppress


class SendTimeCheck(Protocol):
    """Asked inside the lease transaction, for the leased rows at once (in lease order),
    before they are sent: a verdict for each. It may read and write in `session` (e.g.
    count the send against a frequency cap, record a `Suppressed` receipt); what it
    writes commits with the lease."""

    def check_many(
        self, session: Session, envelopes: list[Envelope], now: datetime
    ) -> list[Verdict]: ...


class OneAtATime:
    """A check that judges each row on its own: `check_many` asks `check`, row by row."""

    def check(self, session: Session, envelope: Envelope, now: datetime) -> Verdict:
        raise NotImplementedError

    def check_many(
        self, session: Session, envelopes: list[Envelope], now: datetime
    ) -> list[Verdict]:
        return [self.check(session, envelope, now) for envelope in envelopes]


class SendAll(OneAtATime):
    """The check when nothing is plugged: every leased row is sent."""

    def check(self, session: Session, envelope: Envelope, now: datetime) -> Verdict:
        return Send()


class Unreachable(Protocol):
    """Told, in the transaction recording a permanent failure that says the identifier is
    dead (hard bounce, blocked bot, invalid number), so no later message tries it again.
    Consent's suppression list implements it (channels/senders.py plugs it in)."""

    def mark(self, session: Session, envelope: Envelope, reason: str) -> None: ...
