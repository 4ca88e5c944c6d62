"""Telegram Bot API `sendMessage`: POST {api}/bot<token>/sendMessage {"chat_id", "text"};
the answer is {"ok": true, "result": Message} or {"ok": false, "error_code", "description"}
(403 when the user blocked the bot, 400 for an unknown chat, 429 with retry_after)."""

from unison.channels.outbound.http import post_json
from unison.outbox.envelope import DeliveryFailed, Envelope

DEFAULT_API = "https://api.telegram.org"


class TelegramSender:
    channel = "telegram"

    def __init__(self, token: str, api: str = DEFAULT_API, timeout: float = 10.0) -> None:
        self._url = f"{api.rstrip('/')}/bot{token}/sendMessage"
        self._timeout = timeout

    def send(self, envelope: Envelope) -> None:
        body = {"chat_id": envelope.recipient, "text": envelope.body}
        status, answer = post_json(self._url, body, {}, "Telegram", self._timeout)
        if isinstance(answer, dict) and answer.get("ok") is True:
            return
        code = answer.get("error_code", status) if isinstance(answer, dict) else status
        raise DeliveryFailed(f"Telegram error {code}", permanent=True)
