"""Which adapter sends each outbox message: email through the configured SMTP relay, a
messenger reply through the connector (bot, number) the customer wrote to, or through the
first connector of that channel that holds sending credentials; SMS and push through their
connectors (types `sms`, `push`); webhook destinations (recipient type `url`) signed with
UNISON_WEBHOOK_SIGNING_SECRET (else a key derived from the root key). `Suppressions` marks
an identifier a provider called dead as unreachable on consent's suppression list."""

import logging
from collections.abc import Iterable
from dataclasses import dataclass

import orjson
from sqlalchemy.orm import Session, sessionmaker

from unison.channels import repository
from unison.channels.errors import SecretsUnreadable
from unison.channels.outbound.push import PushSender
from unison.channels.outbound.sms import SmsSender
from unison.channels.outbound.telegram import TelegramSender
from unison.channels.outbound.viber import ViberSender
from unison.channels.outbound.webhook import RECIPIENT_TYPE, WebhookDestinations
from unison.channels.outbound.whatsapp import WhatsAppSender
from unison.channels.service import unseal
from unison.channels.smtp import SmtpSender
from unison.consent.errors import SuppressionInvalid
from unison.consent.ledger import suppression
from unison.kit.keys import derived_key
from unison.kit.settings import Settings
from unison.models import Connector
from unison.outbox.envelope import Envelope, Sender

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Route:
    source_id: int
    channel: str
    sender: Sender


class ConfiguredSenders:
    def __init__(
        self,
        email: Sender | None,
        routes: Iterable[Route] = (),
        webhooks: Sender | None = None,
    ) -> None:
        self.email, self.routes, self.webhooks = email, list(routes), webhooks

    @property
    def channels(self) -> list[str]:
        found = {route.channel for route in self.routes}
        found |= {"email"} if self.email else set()
        return sorted(found | ({"webhook"} if self.webhooks else set()))

    @property
    def recipient_types(self) -> dict[str, list[str]]:
        """Webhook destinations share the `webhook` channel with consent's subscriptions."""
        return {"webhook": [RECIPIENT_TYPE]}

    def __bool__(self) -> bool:
        """Whether a provider is configured (webhook destinations need none)."""
        return bool(self.email or self.routes)

    def for_envelope(self, envelope: Envelope) -> Sender | None:
        if envelope.channel == "email":
            return self.email
        if envelope.channel == "webhook":
            return self.webhooks if envelope.recipient_type == RECIPIENT_TYPE else None
        candidates = [r for r in self.routes if r.channel == envelope.channel]
        same = [r for r in candidates if r.source_id == envelope.via_source_id]
        chosen = same or candidates
        return chosen[0].sender if chosen else None


def configured_senders(
    settings: Settings, connectors: Iterable[Connector] = ()
) -> ConfiguredSenders:
    email = SmtpSender(settings) if settings.smtp_host else None
    routes = [route for c in connectors if (route := _route(settings, c)) is not None]
    return ConfiguredSenders(email, routes, webhook_destinations(settings))


def webhook_destinations(settings: Settings) -> WebhookDestinations:
    given = settings.webhook_signing_secret
    secret = given.get_secret_value() if given else derived_key(settings, "webhooks").hex()
    return WebhookDestinations(
        secret,
        allow_private=settings.webhook_allow_private,
        timeout=settings.outbox_http_timeout_seconds,
    )


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
    if connector.type == "sms":
        return _sms(settings, secrets)
    if connector.type == "push":
        return _push(settings, secrets)
    token, timeout = secrets.get("token"), settings.outbox_http_timeout_seconds
    if not token:
        return None
    if connector.type == "telegram":
        return TelegramSender(
            token,
            api=settings.telegram_api_url,
            timeout=timeout,
            rate=settings.telegram_rate_per_second,
        )
    if connector.type == "viber":
        name = secrets.get("sender_name") or connector.name
        return ViberSender(token, name, api=settings.viber_api_url, timeout=timeout)
    if connector.type == "whatsapp" and secrets.get("phone_number_id"):
        return WhatsAppSender(
            token, secrets["phone_number_id"], api=settings.whatsapp_api_url, timeout=timeout
        )
    return None


def _sms(settings: Settings, secrets: dict[str, str]) -> Sender:
    return SmsSender(
        secrets["account_sid"],
        secrets["auth_token"],
        secrets["from"],
        api=settings.sms_api_url,
        timeout=settings.outbox_http_timeout_seconds,
        status_callback=secrets.get("callback_url"),
        dedupes=settings.sms_gateway_dedupes,
        rate=settings.sms_rate_per_second or None,
    )


def _push(settings: Settings, secrets: dict[str, str]) -> Sender | None:
    try:
        account = orjson.loads(secrets["service_account"])
    except orjson.JSONDecodeError:
        return None
    needed = ("project_id", "client_email", "private_key")
    if not isinstance(account, dict) or not all(isinstance(account.get(k), str) for k in needed):
        return None
    return PushSender(
        account,
        api=settings.fcm_api_url,
        token_url=settings.fcm_token_url,
        timeout=settings.outbox_http_timeout_seconds,
    )


class Suppressions:
    """Marks an identifier unreachable on consent's suppression list (reason hard_bounce)
    when a provider says it is dead: a hard bounce, a blocked bot, an invalid number."""

    def mark(self, session: Session, envelope: Envelope, reason: str) -> None:
        if envelope.recipient_type not in suppression.SUPPRESSIBLE_TYPES:
            return  # e.g. a webhook URL: nothing to suppress
        try:
            ident = suppression.normalize(envelope.recipient_type, envelope.recipient)
        except SuppressionInvalid:
            log.warning("unreachable identifier not suppressible", extra={"why": reason})
            return
        suppression.suppress(session, ident, "hard_bounce", note=reason[:200])
