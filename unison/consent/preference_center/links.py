"""Signed, expiring links (preference center, double opt-in, one-click unsubscribe) and the
keys derived from the root secret (unison/kit/keys.py).

A link's claims are sealed with Fernet (AES-128-CBC, authenticated by HMAC-SHA256), not
merely signed: they name an email address, and URLs end up in access logs and mail
scanners, where PII must not. Any change to a token fails its HMAC and gets a 403.
"""

import time
from typing import Any

import orjson
from cryptography.fernet import Fernet, InvalidToken

from unison.consent.errors import LinkInvalid
from unison.kit.keys import sealer
from unison.kit.settings import Settings


def _fernet(settings: Settings) -> Fernet:
    return sealer(settings, "links")


def sign(settings: Settings, kind: str, claims: dict[str, Any], ttl_seconds: int) -> str:
    sealed = orjson.dumps({**claims, "k": kind, "x": int(time.time()) + ttl_seconds})
    return _fernet(settings).encrypt(sealed).decode().rstrip("=")


def verify(
    settings: Settings, kind: str, token: str, *, now: float | None = None
) -> dict[str, Any]:
    """The claims of a link of this kind; LinkInvalid (403) if tampered, foreign or expired."""
    padded = token + "=" * (-len(token) % 4)
    try:
        claims = orjson.loads(_fernet(settings).decrypt(padded.encode("ascii")))
    except (InvalidToken, UnicodeEncodeError, ValueError):
        raise LinkInvalid("the link is not valid (altered or not ours)", field="token") from None
    if not isinstance(claims, dict) or claims.get("k") != kind:
        raise LinkInvalid("the link is not for this page", field="token")
    if int(claims.get("x", 0)) < (now if now is not None else time.time()):
        raise LinkInvalid("the link has expired", field="token")
    return claims


def expires_at(settings: Settings, token: str) -> int:
    """When a link this process just made stops working (unix time)."""
    padded = token + "=" * (-len(token) % 4)
    return int(orjson.loads(_fernet(settings).decrypt(padded.encode("ascii")))["x"])
