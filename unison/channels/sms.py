"""Inbound side of an SMS gateway speaking Twilio's wire format: status callbacks
(`MessageStatus` form posts for a message we sent: queued, sent, delivered, undelivered,
failed, read) and incoming messages (`From`, `To`, `Body`, `MessageSid`), both signed with
`X-Twilio-Signature` = base64(HMAC-SHA1(auth token, callback URL + every form parameter's
name and value, sorted by name)).

Status callbacks become `Message Delivered` / `Message Read` / `Message Failed` events
carrying `provider_message_id` (the SID), which the outbox's receipts processor turns into
receipts on the message (unison/outbox/processor.py); incoming texts become `Message
Received` (so STOP keywords reach consent)."""

import base64
import hashlib
import hmac
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from unison.channels import canonical
from unison.channels.base import ConnectorRef, Parsed, Receipts, message_id, track
from unison.channels.errors import SignatureInvalid, WebhookMalformed

CHANNEL = "sms"
SIGNATURE = "x-twilio-signature"
STATUSES = {
    "delivered": canonical.MESSAGE_DELIVERED,
    "read": canonical.MESSAGE_READ,
    "undelivered": canonical.MESSAGE_FAILED,
    "failed": canonical.MESSAGE_FAILED,
}
RECEIPTS = Receipts(CHANNEL, "phone", STATUSES)


def form_of(body: bytes) -> dict[str, str]:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise WebhookMalformed("body is not UTF-8 form data", field="body") from None
    return dict(parse_qsl(text, keep_blank_values=True))


def twilio_signature(auth_token: str, url: str, form: Mapping[str, str]) -> str:
    signed = url + "".join(f"{key}{form[key]}" for key in sorted(form))
    mac = hmac.new(auth_token.encode(), signed.encode(), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode()


def verify(headers: Mapping[str, str], body: bytes, connector: ConnectorRef) -> None:
    given = headers.get(SIGNATURE, "").strip()
    if not given:
        raise SignatureInvalid("the X-Twilio-Signature header is missing", field=SIGNATURE)
    url = connector.secrets.get("callback_url", "")
    expected = twilio_signature(connector.secrets["auth_token"], url, form_of(body))
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise SignatureInvalid(
            "X-Twilio-Signature does not match this connector's auth token and callback_url",
            field="X-Twilio-Signature",
        )


def parse(body: bytes, connector: ConnectorRef) -> Parsed:
    form = form_of(body)
    sid = form.get("MessageSid") or form.get("SmsSid")
    if not sid:
        raise WebhookMalformed("MessageSid is required", field="MessageSid")
    parsed = Parsed()
    if "Body" in form and form.get("MessageStatus") in (None, "received"):
        parsed.events.append(_incoming(form, sid, connector))
        return parsed
    status = form.get("MessageStatus") or form.get("SmsStatus") or ""
    # queued, accepted, sending, sent: nothing new (the outbox recorded `Message Sent`)
    if status not in STATUSES:
        parsed.ignored.append(f"status:{status or 'missing'}")
        return parsed
    parsed.events.append(_status(form, sid, status, connector))
    return parsed


def _incoming(form: dict[str, str], sid: str, connector: ConnectorRef) -> dict[str, Any]:
    sender = form.get("From", "")
    if not sender:
        raise WebhookMalformed("From is required on an incoming message", field="From")
    return track(
        connector,
        event=canonical.MESSAGE_RECEIVED,
        channel=CHANNEL,
        message=message_id(connector, "msg", sid),
        anonymous_id=f"sms:{sender}",
        traits={"phone": sender},
        properties={
            "text": form.get("Body", ""),
            "message_type": "text",
            "provider_message_id": sid,
            "thread_key": f"sms:{connector.name}:{sender}",
            "direction": "inbound",
        },
    )


def _status(form: dict[str, str], sid: str, status: str, connector: ConnectorRef) -> dict[str, Any]:
    recipient = form.get("To", "")
    if not recipient:
        raise WebhookMalformed("To is required on a status callback", field="To")
    error = form.get("ErrorCode") or None
    return RECEIPTS.event(connector, sid, status, recipient, error_code=error, direction="outbound")
