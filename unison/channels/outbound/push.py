"""Mobile push through FCM HTTP v1: POST {api}/v1/projects/{project}/messages:send with
{"message": {"token", "notification": {"title", "body"}, "data": {str: str}}} and an OAuth2
bearer token. The token comes from the service account: a JWT (RS256, signed with its
private key, `scope` firebase.messaging, `aud` the token URL) exchanged at the token
endpoint (grant_type jwt-bearer) for an access token, cached until shortly before it
expires. Success is {"name": "projects/p/messages/<id>"}; failure the Google error shape
{"error": {"code", "status", "details": [{"@type": ...FcmError, "errorCode"}]}}:
UNREGISTERED (404) and INVALID_ARGUMENT on the token mark the device unreachable,
QUOTA_EXCEEDED (429) and UNAVAILABLE are retried. FCM has no idempotency key."""

import base64
import threading
import time
from typing import Any

import orjson
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from unison.channels.outbound.http import Request, call
from unison.outbox.envelope import DeliveryFailed, Envelope

DEFAULT_API = "https://fcm.googleapis.com"
DEFAULT_TOKEN_URL = "https://oauth2.googleapis.com/token"  # noqa: S105 - a URL, not a secret
SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
_UNREACHABLE = {"UNREGISTERED"}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def service_jwt(account: dict[str, str], token_url: str, now: float) -> str:
    """The signed assertion a service account exchanges for an access token (RFC 7523)."""
    header = {"alg": "RS256", "typ": "JWT"}
    if account.get("private_key_id"):
        header["kid"] = account["private_key_id"]
    claims = {
        "iss": account["client_email"],
        "scope": SCOPE,
        "aud": token_url,
        "iat": int(now),
        "exp": int(now) + 3600,
    }
    signing_input = f"{_b64(orjson.dumps(header))}.{_b64(orjson.dumps(claims))}".encode()
    key = serialization.load_pem_private_key(account["private_key"].encode(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise DeliveryFailed("the FCM service account key is not an RSA key", permanent=True)
    signature = key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input.decode()}.{_b64(signature)}"


class AccessTokens:
    """One access token per service account, reused until a minute before it expires."""

    def __init__(self) -> None:
        self._tokens: dict[str, tuple[str, float]] = {}
        self._guard = threading.Lock()

    def get(self, account: dict[str, str], token_url: str, timeout: float) -> str:
        key = f"{account['client_email']}|{token_url}"
        with self._guard:
            found = self._tokens.get(key)
        if found and found[1] > time.time() + 60:
            return found[0]
        token, expires = self._exchange(account, token_url, timeout)
        with self._guard:
            self._tokens[key] = (token, expires)
        return token

    def _exchange(self, account: dict[str, str], url: str, timeout: float) -> tuple[str, float]:
        now = time.time()
        form = {"grant_type": GRANT, "assertion": service_jwt(account, url, now)}
        status, answer = call(Request(url, "FCM token endpoint", timeout, form=form))
        token = answer.get("access_token") if isinstance(answer, dict) else None
        if status != 200 or not isinstance(token, str):
            error = answer.get("error") if isinstance(answer, dict) else None
            raise DeliveryFailed(f"FCM token endpoint refused: {error or status}", permanent=True)
        return token, now + float(answer.get("expires_in", 3600))


TOKENS = AccessTokens()


class PushSender:
    channel = "push"
    idempotent = False

    def __init__(
        self,
        account: dict[str, str],
        *,
        api: str = DEFAULT_API,
        token_url: str = DEFAULT_TOKEN_URL,
        timeout: float = 10.0,
    ) -> None:
        self._account, self._token_url, self._timeout = account, token_url, timeout
        self._url = f"{api.rstrip('/')}/v1/projects/{account['project_id']}/messages:send"
        self.rate_key = f"push:{api}:{account['project_id']}"

    def send(self, envelope: Envelope) -> str | None:
        bearer = TOKENS.get(self._account, self._token_url, self._timeout)
        request = Request(
            self._url,
            "FCM",
            self._timeout,
            headers={"Authorization": f"Bearer {bearer}"},
            json={"message": message_of(envelope)},
        )
        status, answer = call(request)
        if status == 200 and isinstance(answer, dict) and isinstance(answer.get("name"), str):
            return str(answer["name"])
        raise _failure(status, answer)


def message_of(envelope: Envelope) -> dict[str, Any]:
    content = envelope.content or {}
    data = content.get("data") or {}
    return {
        "token": envelope.recipient,
        "notification": {"title": content.get("title", ""), "body": content.get("body", "")},
        "data": {str(k): str(v) for k, v in data.items()},
    }


def _failure(status: int, answer: Any) -> DeliveryFailed:
    error = answer.get("error") if isinstance(answer, dict) else None
    if not isinstance(error, dict):
        return DeliveryFailed(f"FCM HTTP {status}", permanent=True)
    code = _fcm_code(error) or str(error.get("status", status))
    unreachable = code in _UNREACHABLE or (
        code == "INVALID_ARGUMENT" and "token" in str(error.get("message", "")).lower()
    )
    return DeliveryFailed(f"FCM error {code}", permanent=True, unreachable=unreachable)


def _fcm_code(error: dict[str, Any]) -> str | None:
    for detail in error.get("details") or []:
        if isinstance(detail, dict) and detail.get("errorCode"):
            return str(detail["errorCode"])
    return None
