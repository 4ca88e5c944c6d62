"""The plain-item reader (events/wire.py) agrees with the `SegmentEvent` model it stands in for.

Its contract: whenever `read_plain` gives a `WireEvent`, the model accepts the same item and
every field reads the same; anything else returns None and goes through the model, so what is
accepted and how a rejection is worded do not change.
"""

import dataclasses
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from unison.events.errors import EventRejected
from unison.events.schemas import EVENT_TYPES, SegmentEvent
from unison.events.service import prepare_event, prepare_items
from unison.events.wire import WireEvent, read_plain
from unison.sources.ref import SourceRef

FIELDS = (
    "type",
    "message_id",
    "user_id",
    "anonymous_id",
    "timestamp",
    "sent_at",
    "original_timestamp",
    "context",
    "integrations",
    "event",
    "name",
    "group_id",
    "previous_id",
)
TEXT_KEYS = ("messageId", "userId", "anonymousId", "event", "name", "groupId", "previousId")
TIME_KEYS = ("timestamp", "sentAt", "originalTimestamp")
OBJECT_KEYS = ("context", "integrations", "traits", "properties")
SNAKE_KEYS = (
    "message_id",
    "user_id",
    "anonymous_id",
    "sent_at",
    "original_timestamp",
    "group_id",
    "previous_id",
    "write_key",
)
OTHER_KEYS = ("_metadata", "channel", "version", "options", "Type", "USERID", "model_config")

SOURCE = SourceRef(1, "website", "web")
RECEIVED = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
LIMIT = 32 * 1024
GEORGIAN = "ნინო ბერიძე თბილისი "
HEBREW = "שלום עולם "
ARMENIAN = "Բարև Երևան "

# --- strategies -------------------------------------------------------------------------------

long_texts = st.sampled_from(
    [
        (GEORGIAN * 20)[:255],  # exactly at the limit: still plain
        (GEORGIAN * 20)[:256],
        (HEBREW * 40)[:255],
        (HEBREW * 40)[:300],
        (ARMENIAN * 30)[:256],
        "x" * 255,
        "x" * 256,
        "7" * 1000,
    ]
)
short_texts = st.text(max_size=20) | st.sampled_from(
    ["", "u-1", "ნინო", "דוד", "Արամ", "ajs-next-1a2b3c", "\u0000", " "]
)
numbers = (
    st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from([0, 1, -1, 1700000000, 1.5, 0.0])
)
scalars = st.none() | st.booleans() | numbers | short_texts
# JSON-shaped values (string keys, no NaN): what a parsed request body can hold.
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=10,
)
json_objects = st.dictionaries(st.text(max_size=8), json_values, max_size=4)


@st.composite
def iso_times(draw: st.DrawFn) -> str:
    """ISO 8601 text as clients send it: Z, numeric offsets, no zone, date only."""
    moment = draw(st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)))
    spec = draw(st.sampled_from(["milliseconds", "microseconds", "seconds", "minutes"]))
    separator = draw(st.sampled_from(["T", " "]))
    text = moment.isoformat(sep=separator, timespec=spec)
    zone = draw(st.sampled_from(["Z", "offset", "none", "date only", "-00:00"]))
    if zone == "Z":
        return text + "Z"
    if zone == "offset":
        minutes = draw(st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1))
        offset = timezone(timedelta(minutes=minutes))
        return moment.replace(tzinfo=offset).isoformat(sep=separator, timespec=spec)
    if zone == "date only":
        return moment.date().isoformat()
    if zone == "-00:00":
        return text + "-00:00"
    return text


garbage_times = st.text(max_size=30) | st.sampled_from(
    [
        "yesterday",
        "1700000000",
        "2026-13-01T00:00:00Z",
        "2026-02-30T00:00:00Z",
        "2026-03-04T10:11:12+24:00",
        "2026-03-04T25:00:00Z",
        " 2026-03-04T10:11:12Z",
        "2026-03-04T10:11:12.123Zjunk",
        "04/03/2026",
        "",
    ]
)
anything = (
    json_values
    | long_texts
    | iso_times()
    | garbage_times
    | st.sampled_from([*EVENT_TYPES, "bogus", "Track", ""])
)


def fits(text: str) -> bool:
    return len(text) <= 255


plain_values: dict[str, st.SearchStrategy[Any]] = {
    "type": st.none() | st.sampled_from(EVENT_TYPES),
    "writeKey": st.none() | short_texts,
    **dict.fromkeys(TEXT_KEYS, st.none() | short_texts | long_texts.filter(fits)),
    **dict.fromkeys(TIME_KEYS, st.none() | iso_times()),
    **dict.fromkeys(OBJECT_KEYS, st.none() | json_objects),
}
# An item whose every Segment key holds a value of its own kind, then 0 to 2 fields set to
# anything at all (a number, a long text, garbage time, a snake_case name, an unknown field):
# so most items are plain and the rest sit just beside the line.
plain_shaped = st.fixed_dictionaries({}, optional=plain_values)
off_values: dict[str, st.SearchStrategy[Any]] = {
    "type": st.sampled_from(["bogus", "Track", "", 1, True]),
    **dict.fromkeys(TEXT_KEYS, long_texts | numbers | st.booleans()),
    **dict.fromkeys(TIME_KEYS, garbage_times | numbers),
    **dict.fromkeys(OBJECT_KEYS, st.lists(scalars, max_size=2) | short_texts),
}
change = st.sampled_from([*plain_values, *SNAKE_KEYS, *OTHER_KEYS]).flatmap(
    lambda key: st.tuples(st.just(key), off_values.get(key, anything) | anything)
)
changes = st.lists(change, max_size=2)
items = st.builds(lambda item, changed: {**item, **dict(changed)}, plain_shaped, changes)


# --- helpers ----------------------------------------------------------------------------------


def assert_reads_like_the_model(plain: WireEvent, raw: dict[str, Any]) -> None:
    model = SegmentEvent.model_validate(raw)  # must not raise
    for name in FIELDS:
        ours, theirs = getattr(plain, name), getattr(model, name)
        assert ours == theirs, name
        assert type(ours) is type(theirs), name
        if isinstance(ours, datetime):
            assert ours.utcoffset() == theirs.utcoffset(), name


def outcome(raw: dict[str, Any]) -> tuple[str, Any]:
    """What prepare_event makes of one item: ("row", row) or ("rejected", (error, field,
    detail))."""
    try:
        row = prepare_event(
            raw,
            source=SOURCE,
            received_at=RECEIVED,
            max_event_bytes=LIMIT,
            assigned_message_id="assigned-1",
        )
    except EventRejected as rejected:
        return "rejected", (rejected.error, rejected.field, rejected.detail)
    return "row", row


def comparable(row: dict[str, Any], drop: str) -> dict[str, Any]:
    """A row with `drop` left out of its payload, and its times' offsets made visible."""
    result = {key: value for key, value in row.items() if key != "payload_json"}
    result["payload"] = {k: v for k, v in row["payload"].items() if k != drop}
    result["stored_json"] = {
        k: v for k, v in orjson.loads(row["payload_json"]).items() if k != drop
    }
    result["offsets"] = (row["timestamp"].utcoffset(), row["received_at"].utcoffset())
    return result


def through_model(raw: dict[str, Any]) -> dict[str, Any]:
    """The same item, sent through the model: a snake_case field name makes read_plain
    decline it, and `write_key` is one prepare_event never reads."""
    forced = {**raw, "write_key": None}
    assert read_plain(forced) is None
    return forced


def track(**fields: Any) -> dict[str, Any]:
    return {"type": "track", "event": "Clicked", "messageId": "m-1", "userId": "u-1", **fields}


# --- tests ------------------------------------------------------------------------------------


class TestPlainReadingAgreesWithTheModel:
    def test_the_reader_covers_exactly_the_fields_prepare_event_uses(self) -> None:
        assert tuple(f.name for f in dataclasses.fields(WireEvent)) == FIELDS

    @settings(max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck))
    @given(raw=items)
    def test_any_item_read_plainly_is_read_exactly_as_the_model_reads_it(
        self, raw: dict[str, Any]
    ) -> None:
        plain = read_plain(raw)
        if plain is not None:
            assert_reads_like_the_model(plain, raw)

    @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
    @given(raw=items)
    def test_any_item_gets_the_same_row_or_rejection_as_through_the_model(
        self, raw: dict[str, Any]
    ) -> None:
        if "write_key" in raw:
            return  # already on the model path; adding the marker would change its value
        direct, modelled = outcome(raw), outcome(through_model(raw))
        assert direct[0] == modelled[0]
        if direct[0] == "rejected":
            assert direct == modelled
        else:
            assert comparable(direct[1], "write_key") == comparable(modelled[1], "write_key")

    def test_times_keep_the_offset_they_were_sent_with(self) -> None:
        raw = track(
            timestamp="2026-03-04T10:11:12.123+04:00",
            sentAt="2026-03-04T06:11:13.000Z",
            originalTimestamp="2026-03-04T10:11:12",
        )
        plain = read_plain(raw)
        assert plain is not None
        assert plain.timestamp is not None
        assert plain.timestamp.utcoffset() == timedelta(hours=4)
        assert plain.original_timestamp is not None
        assert plain.original_timestamp.tzinfo is None
        assert_reads_like_the_model(plain, raw)


ANALYTICS_JS_TRACK = {
    "timestamp": "2026-03-04T10:11:12.123Z",
    "integrations": {},
    "type": "track",
    "properties": {"revenue": 20.5, "currency": "GEL", "title": "ქართული ჩაი"},
    "event": "Order Completed",
    "messageId": "ajs-next-6f4ac1c2a1b8e3d0f9a7c5b3e1d2f4a6",
    "anonymousId": "4c1f9a3e-8b2d-4e7f-9a6c-2d5b8e1f3a7c",
    "userId": "u-1",
    "context": {
        "page": {"path": "/cart", "url": "https://shop.example/cart", "title": "Cart"},
        "userAgent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36",
        "locale": "ka-GE",
        "library": {"name": "analytics.js", "version": "next-1.70.0"},
    },
    "_metadata": {"bundled": ["Segment.io"], "unbundled": [], "bundledIds": []},
    "writeKey": "wk_public",
    "sentAt": "2026-03-04T10:11:12.456Z",
}


class TestPlainItems:
    def test_a_typical_analytics_js_track_call_is_read_plainly(self) -> None:
        plain = read_plain(ANALYTICS_JS_TRACK)
        assert plain is not None
        assert plain.event == "Order Completed"
        assert plain.timestamp == datetime(2026, 3, 4, 10, 11, 12, 123000, tzinfo=UTC)
        assert_reads_like_the_model(plain, ANALYTICS_JS_TRACK)

    def test_a_plain_call_is_stored_as_sent(self) -> None:
        kind, row = outcome(ANALYTICS_JS_TRACK)
        assert kind == "row"
        assert row["user_id"] == "u-1"
        assert row["message_id"] == ANALYTICS_JS_TRACK["messageId"]
        assert "writeKey" not in row["payload"]
        # clock skew corrected: received 12:00:00, sent 333 ms after it happened
        assert row["timestamp"] == RECEIVED - timedelta(milliseconds=333)
        assert row["payload"]["sentAt"] == "2026-03-04T10:11:12.456Z"


class TestItemsThatGoThroughTheModel:
    @pytest.mark.parametrize(
        "raw",
        [
            pytest.param(track(userId=42), id="number as userId"),
            pytest.param(track(userId=4.5), id="float as userId"),
            pytest.param(track(userId="x" * 256), id="256-character userId"),
            pytest.param(track(userId=(GEORGIAN * 20)[:256]), id="256 Georgian characters"),
            pytest.param(
                {"type": "track", "event": "Clicked", "user_id": "u-1"}, id="snake_case user_id"
            ),
            pytest.param(track(timestamp="yesterday"), id="unparseable timestamp"),
            pytest.param(track(timestamp="1700000000"), id="unix time as text"),
            pytest.param(track(sentAt=1700000000), id="unix time as number"),
            pytest.param(track(type="bogus"), id="unknown type"),
            pytest.param(track(context=["web"]), id="list as context"),
            pytest.param(track(properties="cheap"), id="text as properties"),
            pytest.param(track(writeKey=7), id="number as writeKey"),
        ],
    )
    def test_an_item_that_is_not_plain_is_left_to_the_model(self, raw: dict[str, Any]) -> None:
        assert read_plain(raw) is None

    def test_a_number_as_user_id_is_stored_as_the_same_text_would_be(self) -> None:
        assert read_plain(track(userId="42")) is not None  # the reference goes the plain way
        number, text = outcome(track(userId=42)), outcome(track(userId="42"))
        assert number == text
        assert number[1]["user_id"] == "42"

    def test_a_snake_case_user_id_is_stored_as_the_camel_case_one_would_be(self) -> None:
        snake = {"type": "track", "event": "Clicked", "messageId": "m-1", "user_id": "u-1"}
        kind, row = outcome(snake)
        assert kind == "row"
        assert row["user_id"] == "u-1"
        assert comparable(row, "user_id") == comparable(outcome(track())[1], "user_id")

    def test_unix_time_as_text_is_still_accepted(self) -> None:
        kind, row = outcome(track(timestamp="1700000000"))
        assert kind == "row"
        assert row["timestamp"] == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
        assert row["payload"]["timestamp"] == "2023-11-14T22:13:20.000Z"

    def test_a_256_character_user_id_is_rejected_naming_user_id(self) -> None:
        assert outcome(track(userId="x" * 256)) == (
            "rejected",
            (
                "InvalidEvent",
                "userId",
                "userId: String should have at most 255 characters (got a string)",
            ),
        )

    def test_an_unparseable_timestamp_is_rejected_with_an_example_of_iso_8601(self) -> None:
        kind, (error, field, detail) = outcome(track(timestamp="yesterday"))
        assert (kind, error, field) == ("rejected", "InvalidEvent", "timestamp")
        assert detail.startswith("timestamp: Input should be a valid datetime")
        assert detail.endswith("; send ISO 8601 such as 2026-03-04T10:11:12.123Z")

    def test_an_unknown_type_is_rejected_listing_the_accepted_ones(self) -> None:
        kind, (_error, field, detail) = outcome(track(type="bogus"))
        assert (kind, field) == ("rejected", "type")
        assert "'track', 'identify', 'page', 'screen', 'group' or 'alias'" in detail

    def test_a_list_as_context_is_rejected_as_not_an_object(self) -> None:
        assert outcome(track(context=["web"]))[1][1:] == (
            "context",
            "context: Input should be a valid dictionary (got an array)",
        )

    def test_a_rejected_item_in_a_batch_keeps_its_index_and_payload(self) -> None:
        bad = track(messageId="m-2", userId="ა" * 256)
        prepared = prepare_items(
            [track(), bad], source=SOURCE, received_at=RECEIVED, max_event_bytes=LIMIT
        )
        assert [row["message_id"] for row in prepared.rows] == ["m-1"]
        [rejection] = prepared.rejections
        assert (rejection.index, rejection.field, rejection.payload) == (1, "userId", bad)
