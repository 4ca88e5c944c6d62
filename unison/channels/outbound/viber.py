"""Viber REST bot API `send_message`: POST {api}/pa/send_message with the
X-Viber-Auth-Token header and {"receiver", "type": "text", "text", "sender": {"name"}}.
Viber answers HTTP 200 with {"status": 0, "status_message": "ok"} on success and a non-zero
status otherwise (6 receiverNotSubscribed, 5 receiverNotRegistered, 12 tooManyRequests...)."""

from unison.channels.outbound.http import post_json
from unison.outbox.envelope import DeliveryFailed, Envelope

DEFAULT_API = "https://chatapi.viber.com"
_TOO_MANY_REQUESTS = 12


class ViberSender:
    channel = "viber"

    def __init__(
        self, token: str, sender_name: str, api: str = DEFAULT_API, timeout: float = 10.0
    ) -> None:
        self._url = f"{api.rstrip('/')}/pa/send_message"
        self._headers = {"X-Viber-Auth-Token": token}
        self._sender = {"name": sender_name[:28]}  # Viber's limit on the sender name
        self._timeout = timeout

    def send(self, envelope: Envelope) -> None:
        body = {
            "receiver": envelope.recipient,
            "type": "text",
            "text": envelope.body,
            "sender": self._sender,
        }
        status, answer = post_json(self._url, body, self._headers, "Viber", self._timeout)
        code = answer.get("status") if isinstance(answer, dict) else None
        if status == 200 and code == 0:
            return
        name = answer.get("status_message", "") if isinstance(answer, dict) else ""
        reason = (
            f"Viber status {code} {name}".strip() if code is not None else f"Viber HTTP {status}"
        )
        raise DeliveryFailed(reason, permanent=code != _TOO_MANY_REQUESTS)
