"""SMS through an HTTP gateway speaking Twilio's Messages API: POST
{api}/2010-04-01/Accounts/{AccountSid}/Messages.json, a form body (`To`, `From` or
`MessagingServiceSid`, `Body`, `StatusCallback`), HTTP basic auth AccountSid:AuthToken.
Success is 201 with the message resource ({"sid": "SM...", "status": "queued", ...});
failure {"code", "message", "more_info", "status"}: 21211 (invalid To number), 21614 (not
a mobile number) and 21610 (the recipient replied STOP) mark the number unreachable; 429 /
20429 is retried after `Retry-After`.

Each request carries `Idempotency-Key: <outbox key>`. Gateways that drop a repeated key
(set UNISON_SMS_GATEWAY_DEDUPES) make an interrupted send safe to repeat; Twilio itself
documents no such header, so by default an interrupted SMS is held, not resent."""

from typing import Any

from unison.channels.outbound.http import Request, call, refused
from unison.outbox.envelope import DeliveryFailed, Envelope

DEFAULT_API = "https://api.twilio.com"
_UNREACHABLE = {21211, 21614, 21610}
_THROTTLED = {20429, 14107}


class SmsSender:
    channel = "sms"

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        sender: str,
        *,
        api: str = DEFAULT_API,
        timeout: float = 10.0,
        status_callback: str | None = None,
        dedupes: bool = False,
        rate: float | None = None,
    ) -> None:
        self._url = f"{api.rstrip('/')}/2010-04-01/Accounts/{account_sid}/Messages.json"
        self._auth = (account_sid, auth_token)
        self._sender, self._callback, self._timeout = sender, status_callback, timeout
        self.idempotent = dedupes
        self.rate_key, self.rate_per_second = f"sms:{api}:{account_sid}:{sender}", rate

    def send(self, envelope: Envelope) -> str | None:
        request = Request(
            self._url,
            "SMS gateway",
            self._timeout,
            headers={"Idempotency-Key": envelope.idempotency_key},
            form=self.form(envelope),
            auth=self._auth,
        )
        status, answer = call(request)
        if 200 <= status < 300 and isinstance(answer, dict) and answer.get("sid"):
            return str(answer["sid"])
        raise _failure(status, answer)

    def form(self, envelope: Envelope) -> dict[str, str]:
        # A Messaging Service sid (MG...) picks the number itself; anything else is a number.
        key = "MessagingServiceSid" if self._sender.startswith("MG") else "From"
        form = {"To": envelope.recipient, key: self._sender, "Body": envelope.text()}
        if self._callback:
            form["StatusCallback"] = self._callback
        return form


def _failure(status: int, answer: Any) -> DeliveryFailed:
    code = answer.get("code") if isinstance(answer, dict) else None
    return refused("SMS gateway", status, code, throttled=_THROTTLED, unreachable=_UNREACHABLE)
