"""Test sends: a template rendered for one profile and queued in the outbox to a seed list
of addresses (the marketer's own inbox, phone, chat), each row keyed so a repeated request
queues nothing twice."""

import hashlib
import uuid

import orjson
from sqlalchemy.orm import Session

from unison.identity.identifiers import IdentRejected, normalize_lookup
from unison.kit.settings import Settings
from unison.messaging.templates import schemas
from unison.messaging.templates.errors import RecipientInvalid
from unison.messaging.templates.rendering import Rendered
from unison.messaging.templates.service import render_request
from unison.outbox import queue as outbox

# channel -> the identifier type its recipients are (normalized as ingestion does, if known)
RECIPIENT_TYPES = {
    "email": "email",
    "sms": "phone",
    "whatsapp": "phone",
    "telegram": "telegram_id",
    "viber": "viber_id",
    "push": "push_token",
    "webhook": "url",
}
PURPOSE = "test"


def send(
    session: Session, settings: Settings, template_id: int, request: schemas.SeedSendRequest
) -> schemas.SeedSend:
    rendered = render_request(session, settings, template_id, request)
    recipients = _recipients(settings, rendered, request.recipients)
    key = request.idempotency_key or uuid.uuid4().hex
    subject, body = _subject_and_body(rendered)
    # The whole rendered message rides along (HTML, buttons, image, push data), so a seed
    # receives what a customer would. No `meta`: receipts go on the profile, and this
    # profile only lent its data to the render; the seed, not the customer, got the message.
    results = []
    for recipient in recipients:
        row_key = _row_key(rendered, key, recipient)
        queued = outbox.enqueue(
            session,
            outbox.Outgoing(
                idempotency_key=row_key,
                profile_id=request.profile_id,
                channel=rendered.channel,
                recipient_type=RECIPIENT_TYPES[rendered.channel],
                recipient=recipient,
                purpose=PURPOSE,
                language=rendered.locale,
                body=body,
                subject=subject,
                content=rendered.content,
            ),
        )
        results.append(schemas.SeedRecipient(recipient=recipient, queued=queued))
    return schemas.SeedSend(
        template_id=rendered.template_id,
        version=rendered.version,
        locale=rendered.locale,
        idempotency_key=key,
        recipients=results,
    )


def _row_key(rendered: Rendered, key: str, recipient: str) -> str:
    digest = hashlib.sha256(f"{key}\0{recipient}".encode()).hexdigest()[:32]
    return f"template-test:{rendered.template_id}:{rendered.version}:{digest}"


def _subject_and_body(rendered: Rendered) -> tuple[str | None, str]:
    """The outbox's text columns (the channel's full content rides in `content` once the
    outbox carries it); the body is what a text-only adapter can send."""
    content = rendered.content
    if rendered.channel == "email":
        return content["subject"], content["text"]
    if rendered.channel == "push":
        return content["title"], content["body"]
    if rendered.channel == "webhook":
        return None, orjson.dumps(content["json"]).decode()
    if "text" in content:
        return None, content["text"]
    return None, orjson.dumps(content["template"]).decode()


def _recipients(settings: Settings, rendered: Rendered, given: list[str]) -> list[str]:
    if rendered.channel == "webhook":
        if given:
            raise RecipientInvalid(
                "recipients: a webhook template posts to its own url; leave recipients out",
                field="recipients",
            )
        return [rendered.content["url"]]
    limit = settings.templates_test_send_max_recipients
    if not given or len(given) > limit:
        raise RecipientInvalid(
            f"recipients: give 1 to {limit} seed addresses (UNISON_TEMPLATES_TEST_SEND_MAX_"
            "RECIPIENTS)",
            field="recipients",
        )
    found: list[str] = []
    for i, value in enumerate(given):
        normal = _recipient(rendered.channel, value, f"recipients[{i}]")
        if normal not in found:
            found.append(normal)
    return found


def _recipient(channel: str, value: str, field: str) -> str:
    kind = RECIPIENT_TYPES[channel]
    text = value.strip()
    if kind in ("email", "phone", "telegram_id", "viber_id"):
        ident = normalize_lookup(kind, text)
        if isinstance(ident, IdentRejected):
            raise RecipientInvalid(
                f"{field}: {value!r} is not a {kind}: {ident.reason}", field=field
            )
        return ident.value
    if not text or len(text) > 255 or any(ch.isspace() for ch in text):
        raise RecipientInvalid(f"{field}: {value!r} is not a device token", field=field)
    return text
