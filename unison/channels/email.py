"""Inbound email: a raw RFC 5322 message (as inbound-parse services forward it) as one
canonical `Message Received` event.

Parsed with the standard library's `email` package under `policy.default`. Real mail is
often broken, so nothing here may fail on it: an unknown or wrong charset falls back to
UTF-8 with replacement characters, an undecodable header keeps its raw text, and a message
with no text part yields an event without text. Threading uses Message-ID, In-Reply-To and
References: the thread key is the first message of the thread as References names it.
"""

import contextlib
import hashlib
import html
import re
from email import message_from_bytes, policy
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from email.utils import getaddresses, parsedate_to_datetime
from typing import Any

from unison.channels import canonical
from unison.channels.base import ConnectorRef, Parsed, message_id, track
from unison.channels.errors import WebhookMalformed
from unison.kit.clock import isoformat_z

CHANNEL = "email"
# Bytes of body text kept on the event: the whole event must stay under 32 KB, and Georgian
# or Hebrew text takes two to three bytes a character.
_MAX_TEXT_BYTES = 16_000
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"[ \t\r\f\v]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
_MSGID = re.compile(r"<[^<>\s]+>")


def parse(raw: bytes, connector: ConnectorRef) -> Parsed:
    if not raw.strip():
        raise WebhookMalformed("request body is empty; send the raw RFC 5322 message", field="body")
    message = message_from_bytes(raw, policy=policy.default)
    sender_name, sender = _sender(message)
    if sender is None:
        raise WebhookMalformed("the message has no usable From address (name@domain)", field="From")
    own_id = _first_id(_header(message, "Message-ID"))
    in_reply_to = _first_id(_header(message, "In-Reply-To"))
    references = _MSGID.findall(_header(message, "References") or "")
    root = references[0] if references else in_reply_to or own_id
    fallback = hashlib.sha256(raw).hexdigest()[:40]  # no Message-ID: the content identifies it
    text, html_only = _text(message)
    return Parsed(
        events=[
            track(
                connector,
                event=canonical.MESSAGE_RECEIVED,
                channel=CHANNEL,
                message=message_id(connector, own_id or f"sha256:{fallback}"),
                anonymous_id=f"email:{sender}",
                traits={"email": sender, "name": sender_name},
                properties={
                    "text": text,
                    "subject": _header(message, "Subject"),
                    "provider_message_id": own_id,
                    "in_reply_to": in_reply_to,
                    "references": references or None,
                    "thread_key": f"email:{connector.name}:{root or fallback}",
                    "direction": "inbound",
                    "sender_name": sender_name,
                    "to": [a for _, a in _addresses(message, "To")] or None,
                    "cc": [a for _, a in _addresses(message, "Cc")] or None,
                    "html_only": html_only or None,
                    "attachments": _attachments(message) or None,
                },
                timestamp=_date(message),
            )
        ]
    )


def _header(message: Message, name: str) -> str | None:
    """A header's decoded text; the raw text if its encoded words are broken."""
    try:
        value = message.get(name)
    except (ValueError, LookupError, UnicodeError, IndexError):  # malformed encoded words
        value = None
        for key, raw in message.raw_items():
            if key.lower() == name.lower():
                value = raw
    if value is None:
        return None
    text = _clean(str(value)).strip()
    return text[:998] or None  # RFC 5322's longest line


def _clean(text: str) -> str:
    # Undecodable bytes come through as lone surrogates, which cannot be stored as UTF-8.
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace").replace("\x00", "")


def _addresses(message: Message, name: str) -> list[tuple[str, str]]:
    """(display name, lower-cased address) pairs; the structured header when it parses, else
    the standard library's lenient parser over the header's text."""
    pairs: list[tuple[str, str]] = []
    try:
        parsed = getattr(message.get(name), "addresses", None)
        if parsed:
            pairs = [(_clean(a.display_name), _clean(a.addr_spec)) for a in parsed]
    except (ValueError, LookupError, UnicodeError, IndexError, AttributeError):
        pairs = []
    if not pairs:
        pairs = getaddresses([_header(message, name) or ""])
    found = []
    for display, address in pairs:
        address = address.strip().lower()
        if "@" in address and "." in address.rpartition("@")[2]:
            found.append((display.strip(), address))
    return found


def _sender(message: Message) -> tuple[str | None, str | None]:
    for name in ("From", "Sender", "Reply-To"):
        found = _addresses(message, name)
        if found:
            display, address = found[0]
            return display or None, address
    return None, None


def _first_id(value: str | None) -> str | None:
    if not value:
        return None
    found = _MSGID.findall(value)
    return found[0] if found else value.strip()[:255] or None


def _date(message: Message) -> str | None:
    value = _header(message, "Date")
    if value is None:
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None  # a broken Date header: the server's receive time stands
    if moment.tzinfo is None or not 1970 <= moment.year < 2200:
        return None
    return isoformat_z(moment)


def _text(message: Message) -> tuple[str | None, bool]:
    """The body text, preferring text/plain; (text, whether it came from HTML only)."""
    body: Message | None = None
    if isinstance(message, EmailMessage):
        try:
            body = message.get_body(preferencelist=("plain", "html"))
        except (KeyError, ValueError, LookupError):
            body = None
    if body is None:
        if message.is_multipart() or message.get_content_maintype() != "text":
            return None, False
        body = message
    content = _decoded(body)
    if body.get_content_subtype() == "html":
        return _bounded(_from_html(content)), True
    return _bounded(content.strip()), False


def _bounded(text: str) -> str | None:
    cut = text.encode("utf-8")[:_MAX_TEXT_BYTES].decode("utf-8", "ignore")
    return cut or None


def _decoded(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset() or "utf-8"
    try:
        return _clean(payload.decode(charset, "replace"))
    except (LookupError, ValueError):  # a charset Python does not know: read it as UTF-8
        return _clean(payload.decode("utf-8", "replace"))


def _from_html(markup: str) -> str:
    text = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", markup)
    text = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</li>|</tr>", "\n", text)
    text = html.unescape(_TAG.sub(" ", text))
    lines = [_SPACE.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def _attachments(message: Message) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for part in message.walk():
        if part.is_multipart():
            continue
        disposition = (part.get_content_disposition() or "").lower()
        filename = _filename(part)
        if disposition != "attachment" and filename is None:
            continue
        payload = part.get_payload(decode=True)
        found.append(
            {
                "type": "file",
                "file_name": filename,
                "mime_type": part.get_content_type(),
                "file_size": len(payload) if isinstance(payload, bytes) else None,
            }
        )
    return found[:50]


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except (ValueError, LookupError, UnicodeError):
        return None
    if name and "=?" in name:  # an RFC 2047 encoded word inside a quoted parameter
        with contextlib.suppress(ValueError, LookupError, UnicodeError):
            name = str(make_header(decode_header(name)))
    return _clean(name)[:255] if name else None
