"""The definition language: every node kind parses, text and JSON round-trip, and errors
point at the exact JSON path or character."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from unison.segments.language import SegmentDefinitionInvalid, parse_condition, parse_text, to_text
from unison.segments.language.nodes import dump

TEXTS = [
    'performed("Order Completed", within="90d") >= 2 and trait("city") == "Tbilisi"',
    'trait("city") != "Yerevan"',
    'trait("city") in ["თბილისი", "Ереван", "תל אביב"]',
    'trait("tags") contains "vip"',
    'trait("email") starts_with "nino"',
    'trait("age") > 30 and trait("age") >= 31 and trait("age") < 60 and trait("age") <= 59',
    'exists(trait("phone"))',
    'trait("birthday") anniversary_within_days 7',
    'trait("signed_up_at") more_than_days_ago 30',
    'trait("signed_up_at") less_than_days_ago 30',
    'performed("Order Completed", where=[prop("category") == "shoes", prop("total") > 10])',
    'performed("Order Completed", since="2026-01-01T00:00:00Z", until="2026-02-01T00:00:00Z") == 3',
    'performed("Email Opened", within="30d") == 0',
    'performed("Order Completed") <= 1',
    'sum("Order Completed", "revenue", within="90d") >= 100.5',
    'avg("Order Completed", "revenue") > 10 or min("Order Completed", "revenue") < 5',
    'max("Order Completed", "revenue", where=[exists(prop("coupon"))]) != 0',
    'first("Order Completed") more_than_days_ago 365',
    'exists(last("Order Completed", within="30d"))',
    'last("Page Viewed") > "2026-01-01T00:00:00Z"',
    'has_identifier("email") and reachable("viber") and reachable("email", purpose="marketing")',
    'in_segment("VIP") and not in_segment("Churned")',
    'computed("rfm_cell") == "champions"',
    'stat("order_count") >= 3 and stat("last_seen") less_than_days_ago 7',
    'bucket("holdout-2026") < 10 or bucket("x") in [1, 2, 3]',
    'not (trait("a") == 1 or trait("b") == true) and (trait("c") == false or trait("d") == -2.5)',
]


class TestTextRoundTrip:
    @pytest.mark.parametrize("text", TEXTS)
    def test_text_to_json_to_text_is_stable(self, text: str) -> None:
        condition = parse_text(text)
        printed = to_text(condition)
        again = parse_text(printed)
        assert dump(again) == dump(condition)
        assert to_text(again) == printed
        assert dump(parse_condition(dump(condition))) == dump(condition)

    def test_never_is_a_count_of_zero(self) -> None:
        assert dump(parse_text('never("Email Opened", within="30d")')) == dump(
            parse_text('performed("Email Opened", within="30d") == 0')
        )

    def test_example_json_shape(self) -> None:
        found = dump(parse_text(TEXTS[0]))
        assert found == {
            "kind": "and",
            "all": [
                {
                    "kind": "performed",
                    "event": "Order Completed",
                    "window": {"last_days": 90},
                    "value": 2,
                },
                {"kind": "trait", "name": "city", "op": "eq", "value": "Tbilisi"},
            ],
        }


class TestTextErrors:
    @pytest.mark.parametrize(
        ("text", "offset"),
        [
            ('trait("city") == ', 17),  # missing value at the end
            ('trait("city") ~ "x"', 14),  # unknown character
            ('trait("city") == "x" and', 24),
            ('trait("city") == "x" oops', 21),
            ('wish("x")', 0),
            ('trait("city" == "x"', 13),
            ('performed("Order", within="90 days")', 19),
            ('trait("city") == "x" and trait("age") > true', 25),  # value does not fit op
            ('trait("a") == "unterminated', 14),
            ('stat("shoe_size") > 3', 0),
        ],
    )
    def test_error_names_the_character(self, text: str, offset: int) -> None:
        with pytest.raises(SegmentDefinitionInvalid) as caught:
            parse_text(text)
        assert caught.value.field == f"text@{offset}", caught.value.detail
        assert f"at character {offset}" in caught.value.detail


class TestJsonErrors:
    @pytest.mark.parametrize(
        ("data", "path"),
        [
            (
                {
                    "kind": "and",
                    "all": [
                        {"kind": "trait", "name": "x", "op": "eq", "value": 1},
                        {"kind": "nope"},
                    ],
                },
                "$.all[1]",
            ),
            (
                {
                    "kind": "and",
                    "all": [{"kind": "trait", "name": "x", "op": "equals", "value": 1}],
                },
                "$.all[0].op",
            ),
            (
                {
                    "kind": "or",
                    "any": [
                        {
                            "kind": "not",
                            "condition": {"kind": "performed", "event": "E", "value": -1},
                        }
                    ],
                },
                "$.any[0].condition.value",
            ),
            ({"kind": "performed", "event": "E", "window": {"last_days": 0}}, "$.window.last_days"),
            ({"kind": "trait", "name": "x", "op": "in", "value": []}, "$"),
            ({"kind": "and", "all": []}, "$.all"),
            ({"kind": "trait", "name": "x", "op": "eq", "value": 1, "extra": 2}, "$.extra"),
        ],
    )
    def test_error_names_the_node(self, data: dict[str, object], path: str) -> None:
        with pytest.raises(SegmentDefinitionInvalid) as caught:
            parse_condition(data)
        assert caught.value.field == path, caught.value.detail


names = st.text(
    alphabet=st.characters(blacklist_characters='"\\', blacklist_categories=("Cs", "Cc")),
    min_size=1,
    max_size=12,
)
scalars = st.one_of(
    names, st.integers(-1000, 1000), st.booleans(), st.floats(-1e6, 1e6, allow_nan=False)
)
leaves = st.one_of(
    st.builds(lambda n, v: {"kind": "trait", "name": n, "op": "eq", "value": v}, names, scalars),
    st.builds(
        lambda e, d, n: {
            "kind": "performed",
            "event": e,
            "window": {"last_days": d},
            "op": "gte",
            "value": n,
        },
        names,
        st.integers(1, 400),
        st.integers(0, 9),
    ),
    st.builds(
        lambda n, v: {"kind": "computed", "name": n, "op": "in", "value": v},
        names,
        st.lists(scalars, min_size=1, max_size=3),
    ),
    st.builds(
        lambda s, b: {"kind": "bucket", "salt": s, "op": "lt", "value": b},
        names,
        st.integers(0, 99),
    ),
)
trees = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.builds(lambda xs: {"kind": "and", "all": xs}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda xs: {"kind": "or", "any": xs}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda x: {"kind": "not", "condition": x}, inner),
    ),
    max_leaves=8,
)


@settings(max_examples=150, deadline=None)
@given(trees)
def test_any_tree_round_trips_through_text(data: dict[str, object]) -> None:
    condition = parse_condition(data)
    assert dump(parse_text(to_text(condition))) == dump(condition)
