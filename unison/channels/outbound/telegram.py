"""Telegram Bot API `sendMessage` / `sendPhoto`: POST {api}/bot<token>/<method> with
{"chat_id", "text"} (or {"chat_id", "photo", "caption"}) and, for buttons,
`reply_markup.inline_keyboard` (rows of {"text", "url"} or {"text", "callback_data"}).
The answer is {"ok": true, "result": Message} or {"ok": false, "error_code", "description"}
(403 when the user blocked the bot, 400 "chat not found" for an unknown chat, 429 with
`parameters.retry_after`). Telegram has no idempotency key: see docs/design/outbox.md."""

from typing import Any

from unison.channels.outbound.http import post_json
from unison.outbox.envelope import DeliveryFailed, Envelope

DEFAULT_API = "https://api.telegram.org"
CAPTION_LIMIT = 1024  # sendPhoto's caption; longer text goes as a message
BOT_RATE = 30.0  # "about 30 messages per second" per bot (Bot API FAQ)


class TelegramSender:
    channel = "telegram"
    idempotent = False

    def __init__(
        self, token: str, api: str = DEFAULT_API, timeout: float = 10.0, rate: float = BOT_RATE
    ) -> None:
        self._base = f"{api.rstrip('/')}/bot{token}"
        self._timeout = timeout
        # The bot's id is the token's part before the colon: the limit is per bot.
        # (and per API root: a proxy or a test's local server is another place)
        self.rate_key = f"telegram:{api}:{token.split(':', 1)[0]}"
        self.rate_per_second = rate

    def send(self, envelope: Envelope) -> str | None:
        method, body = request_of(envelope)
        status, answer = post_json(f"{self._base}/{method}", body, {}, "Telegram", self._timeout)
        if isinstance(answer, dict) and answer.get("ok") is True:
            result = answer.get("result")
            found = result.get("message_id") if isinstance(result, dict) else None
            return str(found) if found is not None else None
        raise _failure(status, answer)


def request_of(envelope: Envelope) -> tuple[str, dict[str, Any]]:
    content = envelope.content or {}
    text, image = envelope.text(), content.get("image_url")
    body: dict[str, Any] = {"chat_id": envelope.recipient}
    if image and len(text) <= CAPTION_LIMIT:
        method = "sendPhoto"
        body.update(photo=image, caption=text)
    else:
        method = "sendMessage"
        body["text"] = text
    if content.get("buttons"):
        body["reply_markup"] = {"inline_keyboard": content["buttons"]}
    return method, body


def _failure(status: int, answer: Any) -> DeliveryFailed:
    found = answer if isinstance(answer, dict) else {}
    code = found.get("error_code", status)
    description = str(found.get("description", ""))
    reason = f"Telegram error {code}"
    if code == 403:  # bot blocked, user deactivated: this chat is gone for this bot
        return DeliveryFailed(f"{reason}: blocked", unreachable=True)
    if code == 400 and "chat not found" in description.lower():
        return DeliveryFailed(f"{reason}: chat not found", unreachable=True)
    return DeliveryFailed(reason, permanent=True)
