"""The visual builder and the text language convert into each other without loss."""

import pytest

from unison.console.segments import builder
from unison.console.segments.builder import Builder, Row
from unison.console.segments.errors import RowInvalid
from unison.segments.language import SegmentDefinitionInvalid, parse_text, to_text
from unison.segments.language.nodes import dump

ROUND_TRIPS = [
    'trait("city") == "თბილისი"',
    'trait("age") >= 30 and trait("vip") == true',
    'trait("code") == "5"',
    'performed("Order Completed", within="90d") >= 2 or never("Email Opened", within="30d")',
    'not trait("country") in ["GE", "AM"] and has_identifier("email")',
    'reachable("telegram") and reachable("email", purpose="newsletter")',
    'in_segment("VIP") and stat("order_count") > 3 and computed("rfm_cell") == "champions"',
    'sum("Order Completed", "revenue", within="90d") >= 100 and bucket("holdout") < 10',
    '(trait("a") == 1 or trait("b") == 2) and exists(trait("phone"))',
    'performed("Product Viewed", where=[prop("category") == "shoes"]) and trait("name") == "יעל"',
    'trait("birthday") anniversary_within_days 7',
]


class TestRoundTrip:
    @pytest.mark.parametrize("text", ROUND_TRIPS)
    def test_text_to_builder_and_back_gives_the_same_condition(self, text: str) -> None:
        condition = parse_text(text)
        rows = builder.from_condition(condition)
        assert dump(builder.to_condition(rows)) == dump(condition)

    @pytest.mark.parametrize("text", ROUND_TRIPS)
    def test_the_form_posted_back_gives_the_same_condition(self, text: str) -> None:
        condition = parse_text(text)
        form = as_form(builder.from_condition(condition))
        assert dump(builder.to_condition(builder.from_form(form))) == dump(condition)

    def test_a_rich_part_becomes_a_text_row_and_simple_leaves_stay_fields(self) -> None:
        rows = builder.from_condition(parse_text(ROUND_TRIPS[7])).rows
        assert [r.kind for r in rows] == ["text", "text"]
        rows = builder.from_condition(parse_text(ROUND_TRIPS[3])).rows
        assert rows[0] == Row("performed", name="Order Completed", op="gte", value="2", days="90")


class TestFromTheForm:
    def test_rows_typed_in_the_builder_print_as_text(self) -> None:
        form = {
            "join": "and",
            "r0_kind": "trait",
            "r0_name": "city",
            "r0_op": "eq",
            "r0_value": "თბილისი",
            "r1_kind": "performed",
            "r1_name": "Order Completed",
            "r1_op": "gte",
            "r1_value": "2",
            "r1_days": "90",
            "r2_kind": "reachable",
            "r2_name": "telegram",
            "r2_not": "on",
        }
        condition = builder.to_condition(builder.from_form(form))
        assert to_text(condition) == (
            'trait("city") == "თბილისი" and performed("Order Completed", within="90d") >= 2 '
            'and not reachable("telegram")'
        )

    def test_a_number_typed_in_quotes_stays_a_string(self) -> None:
        rows = Builder("and", [Row("trait", name="zip", op="eq", value='"0108"')])
        assert to_text(builder.to_condition(rows)) == 'trait("zip") == "0108"'

    def test_add_and_remove_rows(self) -> None:
        form = {"r0_kind": "trait", "r1_kind": "stat", "remove": "0", "add": "1"}
        assert [r.kind for r in builder.from_form(form).rows] == ["stat", "trait"]

    def test_a_bad_row_is_named_by_its_number_and_field(self) -> None:
        form = {"r0_kind": "trait", "r0_name": "x", "r0_op": "exists", "r1_kind": "performed"}
        form |= {"r1_name": "E", "r1_op": "gte", "r1_value": "two"}
        with pytest.raises(RowInvalid) as caught:
            builder.to_condition(builder.from_form(form))
        assert caught.value.field == "row1.value"
        assert "condition 2" in caught.value.detail

    def test_an_op_that_does_not_fit_names_the_row(self) -> None:
        rows = Builder("and", [Row("trait", name="tags", op="in", value="5")])
        with pytest.raises(RowInvalid) as caught:
            builder.to_condition(rows)
        assert caught.value.field is not None
        assert caught.value.field.startswith("row0.")

    def test_no_rows_is_refused(self) -> None:
        with pytest.raises(RowInvalid):
            builder.to_condition(Builder("and", []))


class TestTextErrors:
    def test_the_error_carries_the_offset_of_the_bad_character(self) -> None:
        text = 'trait("city") == "x" and perfomed("Order")'
        with pytest.raises(SegmentDefinitionInvalid) as caught:
            parse_text(text)
        position = builder.error_position(caught.value)
        assert position is not None
        assert text[position:].startswith("perfomed")


def as_form(rows: Builder) -> dict[str, str]:
    form = {"join": rows.join}
    for i, row in enumerate(rows.rows):
        form |= {
            f"r{i}_kind": row.kind,
            f"r{i}_name": row.name,
            f"r{i}_op": row.op,
            f"r{i}_value": row.value,
            f"r{i}_days": row.days,
            f"r{i}_purpose": row.purpose,
            f"r{i}_text": row.text,
        }
        if row.negated:
            form[f"r{i}_not"] = "on"
    return form
