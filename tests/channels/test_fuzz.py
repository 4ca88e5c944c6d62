"""Arbitrary bodies shaped like each provider's (their field names, any values) never break
a parser: each either yields events or a precise WebhookMalformed (a 400), never a 500."""

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from unison.channels.base import ConnectorRef
from unison.channels.errors import WebhookMalformed
from unison.channels.types import TYPES
from unison.sources.ref import SourceRef

CONNECTOR = ConnectorRef(1, "telegram", "fuzz", SourceRef(1, "connector:fuzz", "telegram"), {})
FIELDS = [
    "update_id",
    "message",
    "edited_message",
    "callback_query",
    "my_chat_member",
    "from",
    "chat",
    "id",
    "date",
    "edit_date",
    "text",
    "caption",
    "photo",
    "document",
    "sticker",
    "contact",
    "phone_number",
    "user_id",
    "location",
    "data",
    "new_chat_member",
    "status",
    "type",
    "event",
    "timestamp",
    "message_token",
    "sender",
    "user",
    "media",
    "context",
    "object",
    "entry",
    "changes",
    "value",
    "field",
    "messages",
    "statuses",
    "contacts",
    "wa_id",
    "profile",
    "name",
    "interactive",
    "button_reply",
    "button",
    "image",
    "recipient_id",
    "errors",
    "events",
    "call_id",
    "occurred_at",
    "direction",
    "to",
    "agent",
    "duration_seconds",
    "ticket",
    "requester",
    "email",
    "external_id",
    "comment",
    "author",
    "rating",
    "score",
    "body",
]
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(
        [
            "message",
            "subscribed",
            "kicked",
            "member",
            "text",
            "contact",
            "sent",
            "whatsapp_business_account",
            "messages",
            "call.completed",
            "inbound",
            "ticket.created",
            "customer",
            "2026-12-01T09:15:00Z",
            "/start x",
        ]
    ),
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.sampled_from(FIELDS), inner, max_size=6),
    ),
    max_leaves=40,
)
BODIES = st.dictionaries(st.sampled_from(FIELDS), JSON, max_size=6)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(sorted(t for t in TYPES if t != "email")), body=BODIES)
def test_json_parsers_answer_every_body(kind: str, body: dict[str, Any]) -> None:
    import orjson

    try:
        raw = orjson.dumps(body)
    except (TypeError, orjson.JSONEncodeError):
        return  # NaN and friends: not JSON, never reaches a parser
    try:
        parsed = TYPES[kind].parse(raw, CONNECTOR)
    except WebhookMalformed as exc:  # the 400 path: it must say what and where
        problem = exc
    else:
        for event in parsed.events:
            assert event["type"] == "track"
            assert event["messageId"]
            assert event["anonymousId"]
        return
    assert problem.detail
    assert problem.field is not None


@settings(max_examples=200, deadline=None)
@given(
    raw=st.binary(max_size=600)
    | st.text(max_size=300).map(
        lambda t: ("From: a@b.example\r\n" + t).encode("utf-8", "surrogatepass")
    )
)
def test_the_email_parser_answers_every_byte_string(raw: bytes) -> None:
    try:
        parsed = TYPES["email"].parse(raw, CONNECTOR)
    except WebhookMalformed:
        return
    for event in parsed.events:
        assert isinstance(event["properties"].get("text", ""), str)
