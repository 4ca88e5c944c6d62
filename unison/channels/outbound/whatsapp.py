"""WhatsApp Cloud API: POST {api}/{phone_number_id}/messages with a bearer token and
{"messaging_product": "whatsapp", "recipient_type": "individual", "to", "type": "text",
"text": {"body"}} inside the 24-hour customer-service window, or `"type": "template"`
with {"name", "language": {"code"}, "components"} (an approved template) outside it.
Success is {"messages": [{"id": "wamid..."}]}, failure {"error": {"message", "type",
"code", "error_subcode", "fbtrace_id"}}: 131047 (free text outside the window) is
permanent for this message, 131026 (not a WhatsApp user / undeliverable) marks the number
unreachable, throttling codes are retried. The Cloud API has no idempotency key."""

from typing import Any

from unison.channels.outbound.http import post_json, refused
from unison.outbox.envelope import Envelope

DEFAULT_API = "https://graph.facebook.com/v21.0"
# Throttling codes: retrying later helps (application, account, pair rate limits).
_THROTTLED = {4, 80007, 130429, 131056}
_UNDELIVERABLE = (131026,)


class WhatsAppSender:
    channel = "whatsapp"
    idempotent = False

    def __init__(
        self, token: str, phone_number_id: str, api: str = DEFAULT_API, timeout: float = 10.0
    ) -> None:
        self._url = f"{api.rstrip('/')}/{phone_number_id}/messages"
        self._headers = {"Authorization": f"Bearer {token}"}
        self._timeout = timeout
        self.rate_key = f"whatsapp:{api}:{phone_number_id}"

    def send(self, envelope: Envelope) -> str | None:
        body = request_of(envelope)
        status, answer = post_json(self._url, body, self._headers, "WhatsApp", self._timeout)
        if isinstance(answer, dict) and answer.get("messages"):
            first = answer["messages"][0]
            return str(first["id"]) if isinstance(first, dict) and "id" in first else None
        error = answer.get("error") if isinstance(answer, dict) else None
        code = error.get("code") if isinstance(error, dict) else None
        raise refused("WhatsApp", status, code, throttled=_THROTTLED, unreachable=_UNDELIVERABLE)


def request_of(envelope: Envelope) -> dict[str, Any]:
    body: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": envelope.recipient.removeprefix("+"),
    }
    template = (envelope.content or {}).get("template")
    if isinstance(template, dict):
        body["type"] = "template"
        body["template"] = {
            "name": template["name"],
            "language": {"code": template["language"]},
            "components": template.get("components", []),
        }
    else:
        body["type"] = "text"
        body["text"] = {"preview_url": False, "body": envelope.text()}
    return body
