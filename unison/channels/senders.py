"""Which adapter sends each outbox message: email through the configured SMTP relay, a
messenger reply through the connector (bot, number) the customer wrote to, or through the
only connector of that channel that holds sending credentials."""

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from unison.channels import repository
from unison.channels.errors import SecretsUnreadable
from unison.channels.outbound.telegram import TelegramSender
from unison.channels.outbound.viber import ViberSender
from unison.channels.outbound.whatsapp import WhatsAppSender
from unison.channels.service import unseal
from unison.channels.smtp import SmtpSender
from unison.kit.settings import Settings
from unison.models import Connector
from unison.outbox.envelope import Envelope, Sender


@dataclass(frozen=True)
class Route:
    source_id: int
    channel: str
    sender: Sender


class ConfiguredSenders:
    def __init__(self, email: Sender | None, routes: Iterable[Route] = ()) -> None:
        self.email, self.routes = email, list(routes)

    @property
    def channels(self) -> list[str]:
        found = {route.channel for route in self.routes}
        return sorted(found | ({"email"} if self.email else set()))

    def __bool__(self) -> bool:
        return bool(self.channels)

    def for_envelope(self, envelope: Envelope) -> Sender | None:
        if envelope.channel == "email":
            return self.email
        candidates = [r for r in self.routes if r.channel == envelope.channel]
        same = [r for r in candidates if r.source_id == envelope.via_source_id]
        chosen = same or candidates
        return chosen[0].sender if chosen else None


def configured_senders(
    settings: Settings, connectors: Iterable[Connector] = ()
) -> ConfiguredSenders:
    email = SmtpSender(settings) if settings.smtp_host else None
    routes = [route for c in connectors if (route := _route(settings, c)) is not None]
    return ConfiguredSenders(email, routes)


def load_senders(sessions: sessionmaker[Session], settings: Settings) -> ConfiguredSenders:
    """Read the connectors now, so one created or updated while serving is used at once."""
    with sessions() as session:
        return configured_senders(settings, repository.connectors.all(session))


def _route(settings: Settings, connector: Connector) -> Route | None:
    try:
        secrets = unseal(settings, connector)
    except SecretsUnreadable:
        return None  # the API reports it when the connector is read; nothing to send with
    sender = _sender(settings, connector, secrets)
    return Route(connector.source_id, connector.type, sender) if sender else None


def _sender(settings: Settings, connector: Connector, secrets: dict[str, str]) -> Sender | None:
    token, timeout = secrets.get("token"), settings.outbox_http_timeout_seconds
    if not token:
        return None
    if connector.type == "telegram":
        return TelegramSender(token, api=settings.telegram_api_url, timeout=timeout)
    if connector.type == "viber":
        name = secrets.get("sender_name") or connector.name
        return ViberSender(token, name, api=settings.viber_api_url, timeout=timeout)
    if connector.type == "whatsapp" and secrets.get("phone_number_id"):
        return WhatsAppSender(
            token, secrets["phone_number_id"], api=settings.whatsapp_api_url, timeout=timeout
        )
    return None
