"""The connector types: which secrets each needs, how its webhooks are verified and parsed."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from unison.channels import (
    email,
    helpdesk,
    signing,
    sms,
    telegram,
    telephony,
    viber,
    whatsapp,
)
from unison.channels.base import ConnectorRef, Parsed
from unison.channels.errors import SignatureInvalid
from unison.channels.payload import load_json


@dataclass(frozen=True)
class SecretSpec:
    name: str
    meaning: str
    required: bool = False  # must be given (the provider issued it)
    generated: bool = False  # made up when not given, and shown once


@dataclass(frozen=True)
class Check:
    """What a verifier may look at besides headers and body."""

    now: float
    tolerance: float


Verifier = Callable[[Mapping[str, str], bytes, ConnectorRef, Check], None]
Parser = Callable[[bytes, ConnectorRef], Parsed]


@dataclass(frozen=True)
class ChannelType:
    name: str
    channel: str  # the event channel its events carry
    secrets: tuple[SecretSpec, ...]
    verify: Verifier
    parse: Parser
    raw_body: bool = False  # the body is not JSON (email)


def _json(parse: Callable[[dict[str, Any], ConnectorRef], Parsed]) -> Parser:
    return lambda body, connector: parse(load_json(body), connector)


def _unison(headers: Mapping[str, str], body: bytes, c: ConnectorRef, check: Check) -> None:
    signing.unison(headers, body, c.secrets["secret"], now=check.now, tolerance=check.tolerance)


def _no_webhooks(headers: Mapping[str, str], body: bytes, c: ConnectorRef, check: Check) -> None:
    raise SignatureInvalid(
        f"{c.type} connectors receive no webhooks (FCM has none)", field="connector"
    )


def _nothing(body: bytes, connector: ConnectorRef) -> Parsed:
    return Parsed()


_SIGNING_SECRET = SecretSpec(
    "secret", "HMAC key of X-Unison-Signature (the sender signs with it)", generated=True
)
TYPES: dict[str, ChannelType] = {
    t.name: t
    for t in (
        ChannelType(
            "telegram",
            telegram.CHANNEL,
            (
                SecretSpec("token", "the bot token from @BotFather (for replies)"),
                SecretSpec(
                    "secret",
                    "secret_token to pass to setWebhook; Telegram echoes it in "
                    "X-Telegram-Bot-Api-Secret-Token",
                    generated=True,
                ),
            ),
            lambda h, _b, c, _k: signing.telegram(h, c.secrets["secret"]),
            _json(telegram.parse),
        ),
        ChannelType(
            "viber",
            viber.CHANNEL,
            (
                SecretSpec("token", "the bot's auth token; it also signs callbacks", required=True),
                SecretSpec("sender_name", "the name shown on replies (default: connector name)"),
            ),
            lambda h, b, c, _k: signing.viber(h, b, c.secrets["token"]),
            _json(viber.parse),
        ),
        ChannelType(
            "whatsapp",
            whatsapp.CHANNEL,
            (
                SecretSpec(
                    "app_secret", "the Meta app secret (signs notifications)", required=True
                ),
                SecretSpec(
                    "verify_token",
                    "the verify token entered in the app's webhook settings",
                    generated=True,
                ),
                SecretSpec("token", "a WhatsApp Cloud API access token (for replies)"),
                SecretSpec("phone_number_id", "the business number's id replies are sent from"),
            ),
            lambda h, b, c, _k: signing.whatsapp(h, b, c.secrets["app_secret"]),
            _json(whatsapp.parse),
        ),
        ChannelType(
            "email", email.CHANNEL, (_SIGNING_SECRET,), _unison, email.parse, raw_body=True
        ),
        ChannelType(
            "telephony", telephony.CHANNEL, (_SIGNING_SECRET,), _unison, _json(telephony.parse)
        ),
        ChannelType(
            "helpdesk", helpdesk.CHANNEL, (_SIGNING_SECRET,), _unison, _json(helpdesk.parse)
        ),
        ChannelType(
            "sms",
            sms.CHANNEL,
            (
                SecretSpec("account_sid", "the gateway account (Twilio AccountSid)", required=True),
                SecretSpec(
                    "auth_token", "the account's auth token; it also signs callbacks", required=True
                ),
                SecretSpec(
                    "from", "the sending number (E.164) or Messaging Service sid", required=True
                ),
                SecretSpec(
                    "callback_url",
                    "this connector's webhook URL as the gateway calls it (status callbacks "
                    "are signed over it)",
                ),
            ),
            lambda h, b, c, _k: sms.verify(h, b, c),
            sms.parse,
        ),
        ChannelType(
            "push",
            "mobile",
            (
                SecretSpec(
                    "service_account",
                    "the Firebase service account key (JSON: project_id, client_email, "
                    "private_key)",
                    required=True,
                ),
            ),
            _no_webhooks,
            _nothing,
        ),
    )
}
TYPE_NAMES = ", ".join(TYPES)
