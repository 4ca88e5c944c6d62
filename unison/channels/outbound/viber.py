"""Viber REST bot API `send_message`: POST {api}/pa/send_message with the
X-Viber-Auth-Token header and {"receiver", "type": "text", "text", "sender": {"name"}},
`type: "picture"` with `media` for an image, and a `keyboard` ({"Type": "keyboard",
"Buttons": [{"ActionType": "open-url", "ActionBody", "Text"}]}) for buttons.
Viber answers HTTP 200 with {"status": 0, "status_message": "ok", "message_token"} on
success and a non-zero status otherwise (6 receiverNotSubscribed, 5 receiverNotRegistered,
12 tooManyRequests...). Viber has no idempotency key."""

from typing import Any

from unison.channels.outbound.http import post_json, refused
from unison.outbox.envelope import Envelope

DEFAULT_API = "https://chatapi.viber.com"
_THROTTLED = (12,)  # tooManyRequests
# The receiver is gone for this bot: not registered, not subscribed.
_UNREACHABLE = {5, 6}


class ViberSender:
    channel = "viber"
    idempotent = False

    def __init__(
        self, token: str, sender_name: str, api: str = DEFAULT_API, timeout: float = 10.0
    ) -> None:
        self._url = f"{api.rstrip('/')}/pa/send_message"
        self._headers = {"X-Viber-Auth-Token": token}
        self._sender = {"name": sender_name[:28]}  # Viber's limit on the sender name
        self._timeout = timeout
        self.rate_key = f"viber:{api}:{token[-8:]}"

    def send(self, envelope: Envelope) -> str | None:
        body = request_of(envelope, self._sender)
        status, answer = post_json(self._url, body, self._headers, "Viber", self._timeout)
        code = answer.get("status") if isinstance(answer, dict) else None
        if status == 200 and code == 0:
            token = answer.get("message_token")
            return str(token) if token is not None else None
        name = answer.get("status_message", "") if isinstance(answer, dict) else ""
        reason = f"Viber status {code} {name}".strip()
        raise refused(
            "Viber", status, code, reason=reason, throttled=_THROTTLED, unreachable=_UNREACHABLE
        )


def request_of(envelope: Envelope, sender: dict[str, str]) -> dict[str, Any]:
    content = envelope.content or {}
    body: dict[str, Any] = {"receiver": envelope.recipient, "sender": sender}
    if content.get("image_url"):
        body.update(type="picture", text=envelope.text(), media=content["image_url"])
    else:
        body.update(type="text", text=envelope.text())
    buttons = content.get("buttons") or []
    if buttons:
        body["keyboard"] = {
            "Type": "keyboard",
            "DefaultHeight": False,
            "Buttons": [
                {"ActionType": "open-url", "ActionBody": b["url"], "Text": b["text"]}
                for b in buttons
            ],
        }
    return body
