"""WhatsApp Cloud API: POST {api}/{version}/{phone_number_id}/messages with a bearer token
and {"messaging_product": "whatsapp", "recipient_type": "individual", "to", "type": "text",
"text": {"body"}}; success is {"messages": [{"id": "wamid..."}]}, failure
{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}. Free text is allowed
inside the 24-hour window after the customer wrote (a STOP reply always is); outside it
Meta answers 131047, a permanent failure for this message."""

from unison.channels.outbound.http import post_json
from unison.outbox.envelope import DeliveryFailed, Envelope

DEFAULT_API = "https://graph.facebook.com/v21.0"
# Throttling codes: retrying later helps (application, account, pair rate limits).
_THROTTLED = {4, 80007, 130429, 131056}


class WhatsAppSender:
    channel = "whatsapp"

    def __init__(
        self, token: str, phone_number_id: str, api: str = DEFAULT_API, timeout: float = 10.0
    ) -> None:
        self._url = f"{api.rstrip('/')}/{phone_number_id}/messages"
        self._headers = {"Authorization": f"Bearer {token}"}
        self._timeout = timeout

    def send(self, envelope: Envelope) -> None:
        body = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": envelope.recipient.removeprefix("+"),
            "type": "text",
            "text": {"preview_url": False, "body": envelope.body},
        }
        status, answer = post_json(self._url, body, self._headers, "WhatsApp", self._timeout)
        if isinstance(answer, dict) and answer.get("messages"):
            return
        error = answer.get("error") if isinstance(answer, dict) else None
        code = error.get("code") if isinstance(error, dict) else None
        reason = f"WhatsApp error {code}" if code is not None else f"WhatsApp HTTP {status}"
        raise DeliveryFailed(reason, permanent=code not in _THROTTLED)
