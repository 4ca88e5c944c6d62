"""Tracking links: `/t/o/<token>.gif` (the open pixel) and `/t/c/<token>` (a click, which
redirects to the original URL). A token is the outbox row id (and, for a click, the URL)
with an HMAC-SHA256 tag keyed from the root key (kit/keys.py, label "tracking"): a link
cannot be forged to record someone else's open or to redirect anywhere (no open redirect).
The tokens name no person: the row id is all a hit carries."""

import base64
import hashlib
import hmac
import re
from html import escape, unescape
from urllib.parse import quote

from unison.kit.keys import derived_key
from unison.kit.settings import Settings
from unison.messaging.tracking.errors import TrackingLinkInvalid

_HREF = re.compile(r"""(<a\b[^>]*?\bhref\s*=\s*)(["'])(https?://[^"']+)\2""", re.IGNORECASE)
_BODY_END = re.compile(r"</body\s*>", re.IGNORECASE)
_TAG_BYTES = 16


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _tag(settings: Settings, payload: bytes) -> bytes:
    key = derived_key(settings, "tracking")
    return hmac.new(key, payload, hashlib.sha256).digest()[:_TAG_BYTES]


def sign(settings: Settings, kind: str, outbox_id: int, url: str = "") -> str:
    payload = f"{kind}|{outbox_id}|{url}".encode()
    return f"{_b64(payload)}.{_b64(_tag(settings, payload))}"


def verify(settings: Settings, kind: str, token: str) -> tuple[int, str]:
    """(outbox id, url) of a token of this kind; TrackingLinkInvalid (403) otherwise."""
    encoded, _, tag = token.partition(".")
    try:
        payload, given = _unb64(encoded), _unb64(tag)
        found_kind, outbox_id, url = payload.decode().split("|", 2)
    except (ValueError, UnicodeDecodeError):
        raise TrackingLinkInvalid("the tracking link is malformed", field="token") from None
    if not hmac.compare_digest(given, _tag(settings, payload)) or found_kind != kind:
        raise TrackingLinkInvalid("the tracking link is not ours (altered)", field="token")
    return int(outbox_id), url


def open_url(settings: Settings, outbox_id: int) -> str:
    return f"{settings.public_url.rstrip('/')}/t/o/{sign(settings, 'o', outbox_id)}.gif"


def click_url(settings: Settings, outbox_id: int, url: str) -> str:
    token = quote(sign(settings, "c", outbox_id, url), safe=".-_")
    return f"{settings.public_url.rstrip('/')}/t/c/{token}"


def rewrite(settings: Settings, html: str, outbox_id: int, *, opens: bool, clicks: bool) -> str:
    """The HTML with every http(s) link sent through the click redirect and the open pixel
    before </body> (or at the end). Unsubscribe links are left alone: one-click must work
    without us in the way."""
    if clicks:

        def through(match: re.Match[str]) -> str:
            target = unescape(match.group(3))
            if "/unsubscribe/" in target:
                return match.group(0)
            quote_char = match.group(2)
            tracked = escape(click_url(settings, outbox_id, target))
            return f"{match.group(1)}{quote_char}{tracked}{quote_char}"

        html = _HREF.sub(through, html)
    if opens:
        pixel = (
            f'<img src="{escape(open_url(settings, outbox_id))}" width="1" height="1" '
            'alt="" style="display:none">'
        )
        found = list(_BODY_END.finditer(html))
        html = (
            html[: found[-1].start()] + pixel + html[found[-1].start() :] if found else html + pixel
        )
    return html
