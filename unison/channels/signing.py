"""Checking that a webhook really comes from the provider, before anything is stored.

Every comparison is constant-time (`hmac.compare_digest`), so the answer's timing tells an
attacker nothing about how much of a guessed signature was right.

Unison's own signature (email, telephony, helpdesk), documented in README and
docs/design/connectors.md:

    X-Unison-Timestamp: <Unix time in seconds>
    X-Unison-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>." + raw body)>

The timestamp is signed with the body and must be within the tolerance (5 minutes by
default) of the server clock, so a captured request cannot be replayed later; a replay
inside the window carries the same provider ids and is deduplicated by messageId.
"""

import hashlib
import hmac
from collections.abc import Mapping

from unison.channels.errors import SignatureInvalid

UNISON_SIGNATURE = "x-unison-signature"
UNISON_TIMESTAMP = "x-unison-timestamp"
TELEGRAM_SECRET = "x-telegram-bot-api-secret-token"  # noqa: S105 - a header name
VIBER_SIGNATURE = "x-viber-content-signature"
WHATSAPP_SIGNATURE = "x-hub-signature-256"


def hmac_hex(key: str, body: bytes) -> str:
    return hmac.new(key.encode("utf-8"), body, hashlib.sha256).hexdigest()


def equal(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def _header(headers: Mapping[str, str], name: str, shown: str) -> str:
    value = headers.get(name)
    if not value:
        raise SignatureInvalid(f"the {shown} header is missing", field=shown)
    return value.strip()


def telegram(headers: Mapping[str, str], secret: str) -> None:
    """Telegram sends back, verbatim, the secret_token given to setWebhook."""
    given = _header(headers, TELEGRAM_SECRET, "X-Telegram-Bot-Api-Secret-Token")
    if not equal(given, secret):
        raise SignatureInvalid(
            "X-Telegram-Bot-Api-Secret-Token does not match this connector's secret",
            field="X-Telegram-Bot-Api-Secret-Token",
        )


def viber(headers: Mapping[str, str], body: bytes, token: str) -> None:
    """Viber signs the raw body: hex HMAC-SHA256 keyed with the bot's auth token."""
    given = _header(headers, VIBER_SIGNATURE, "X-Viber-Content-Signature").lower()
    if not equal(given, hmac_hex(token, body)):
        raise SignatureInvalid(
            "X-Viber-Content-Signature is not the HMAC-SHA256 of the body with this "
            "connector's auth token",
            field="X-Viber-Content-Signature",
        )


def whatsapp(headers: Mapping[str, str], body: bytes, app_secret: str) -> None:
    """Meta signs the raw body: "sha256=" + hex HMAC-SHA256 keyed with the app secret."""
    given = _header(headers, WHATSAPP_SIGNATURE, "X-Hub-Signature-256")
    scheme, _, digest = given.partition("=")
    if scheme.lower() != "sha256" or not equal(digest.lower(), hmac_hex(app_secret, body)):
        raise SignatureInvalid(
            "X-Hub-Signature-256 is not sha256=<HMAC-SHA256 of the body with the app secret>",
            field="X-Hub-Signature-256",
        )


def unison(
    headers: Mapping[str, str], body: bytes, secret: str, *, now: float, tolerance: float
) -> None:
    """Unison's own scheme (module docstring): timestamp within tolerance, then the HMAC."""
    stamp = _header(headers, UNISON_TIMESTAMP, "X-Unison-Timestamp")
    if not stamp.isdigit() or len(stamp) > 12:
        raise SignatureInvalid(
            "X-Unison-Timestamp must be the Unix time in seconds", field="X-Unison-Timestamp"
        )
    if abs(now - int(stamp)) > tolerance:
        raise SignatureInvalid(
            f"X-Unison-Timestamp is more than {int(tolerance)} s away from the server clock; "
            "sign each request when it is sent (stale requests are refused as replays)",
            field="X-Unison-Timestamp",
        )
    given = _header(headers, UNISON_SIGNATURE, "X-Unison-Signature")
    scheme, _, digest = given.partition("=")
    expected = sign_unison(secret, stamp, body)
    if scheme.lower() != "sha256" or not equal(f"sha256={digest.lower()}", expected):
        raise SignatureInvalid(
            'X-Unison-Signature must be sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" '
            "with this connector's secret>",
            field="X-Unison-Signature",
        )


def sign_unison(secret: str, stamp: str, body: bytes) -> str:
    """The X-Unison-Signature value a sender computes (also used by tests and the bench)."""
    return "sha256=" + hmac_hex(secret, stamp.encode("ascii") + b"." + body)
