"""Signed, expiring links (preference center, double opt-in, one-click unsubscribe) and the
key material derived from `UNISON_SECRET_KEY`."""

import base64
import hashlib
import hmac
import secrets
import time
from typing import Any

import orjson

from unison.kit.errors import Forbidden
from unison.kit.settings import Settings

# Without a configured key links still work, but only until the process ends.
_PROCESS_KEY = secrets.token_urlsafe(32)


class LinkInvalid(Forbidden):
    pass


def derived_key(settings: Settings, label: str) -> bytes:
    """A separate key per use, so a link signature can never double as anything else."""
    root = (settings.secret_key or _PROCESS_KEY).encode()
    return hmac.new(root, f"unison:{label}".encode(), hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(settings: Settings, kind: str, claims: dict[str, Any], ttl_seconds: int) -> str:
    body = _b64(orjson.dumps({**claims, "k": kind, "x": int(time.time()) + ttl_seconds}))
    mac = hmac.new(derived_key(settings, "links"), body.encode(), hashlib.sha256).digest()
    return f"{body}.{_b64(mac)}"


def verify(
    settings: Settings, kind: str, token: str, *, now: float | None = None
) -> dict[str, Any]:
    """The claims of a link of this kind; LinkInvalid (403) if tampered, foreign or expired."""
    body, _, signature = token.partition(".")
    try:
        given = _unb64(signature)
    except (ValueError, TypeError):
        raise LinkInvalid("the link signature is malformed", field="token") from None
    expected = hmac.new(derived_key(settings, "links"), body.encode(), hashlib.sha256).digest()
    if not body or not hmac.compare_digest(given, expected):
        raise LinkInvalid("the link signature does not match", field="token")
    claims = orjson.loads(_unb64(body))
    if not isinstance(claims, dict) or claims.get("k") != kind:
        raise LinkInvalid("the link is not for this page", field="token")
    if int(claims.get("x", 0)) < (now if now is not None else time.time()):
        raise LinkInvalid("the link has expired", field="token")
    return claims


def expires_at(token: str) -> int:
    return int(orjson.loads(_unb64(token.partition(".")[0]))["x"])
