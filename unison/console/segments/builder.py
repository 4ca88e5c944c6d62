"""The visual condition builder: rows of simple conditions joined by "all" or "any", and the
same condition in the text language; each converts to the other through the language's own
parser and printer (segments.language), so the two never disagree.

A row is one leaf the form can show as fields (a trait, a computed trait, a stat, an event
count in the last N days, an identifier, reachability, a segment). Anything richer (nested
groups, aggregates, first/last, buckets, property filters, fixed dates) stays a `text` row
holding that part in the text form: every condition round-trips, none is lost.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from unison.console.segments.errors import RowInvalid
from unison.kit.errors import UnisonError
from unison.segments.language import Condition, SegmentDefinitionInvalid, parse_text, to_text
from unison.segments.language.nodes import (
    STATS,
    And,
    Computed,
    HasIdentifier,
    InSegment,
    Not,
    Or,
    Performed,
    Reachable,
    Stat,
    Trait,
    dump,
    parse_condition,
)

KINDS = ("trait", "computed", "stat", "performed", "identifier", "reachable", "in_segment", "text")
VALUE_OPS = (
    "eq", "neq", "gt", "gte", "lt", "lte", "in", "contains", "starts_with", "exists",
    "anniversary_within_days", "more_than_days_ago", "less_than_days_ago",
)  # fmt: skip
COUNT_OPS = ("gte", "gt", "eq", "neq", "lt", "lte")
STAT_NAMES = tuple(STATS)
CHANNELS = ("email", "sms", "telegram", "viber", "whatsapp", "push", "phone_call")
MAX_ROWS = 50


@dataclass(frozen=True)
class Row:
    kind: str = "trait"
    negated: bool = False
    name: str = ""  # trait / computed / stat name, event, identifier type, channel, segment
    op: str = "eq"
    value: str = ""  # as typed: JSON when it parses (5, true, "5", ["a"]), else a string
    days: str = ""  # performed: the last N days ("" for all time)
    purpose: str = ""  # reachable: the consent purpose ("" for any identifier)
    text: str = ""  # kind "text": that part of the condition in the text language


@dataclass(frozen=True)
class Builder:
    join: str  # "and" | "or"
    rows: list[Row]


# --- condition -> builder ----------------------------------------------------------------
def from_condition(condition: Condition) -> Builder:
    if isinstance(condition, And):
        return Builder("and", [to_row(c) for c in condition.all])
    if isinstance(condition, Or):
        return Builder("or", [to_row(c) for c in condition.any])
    return Builder("and", [to_row(condition)])


def to_row(condition: Condition) -> Row:
    if isinstance(condition, Not) and not isinstance(condition.condition, And | Or | Not):
        inner = to_row(condition.condition)
        if inner.kind != "text":
            return replace(inner, negated=True)
    if isinstance(condition, Trait | Computed | Stat):
        return Row(
            condition.kind, name=condition.name, op=condition.op, value=shown(condition.value)
        )
    if isinstance(condition, Performed) and _simple(condition):
        days = str(condition.window.last_days) if condition.window is not None else ""
        return Row(
            "performed",
            name=condition.event,
            op=condition.op,
            value=str(condition.value),
            days=days,
        )
    if isinstance(condition, HasIdentifier):
        return Row("identifier", name=condition.type)
    if isinstance(condition, Reachable):
        return Row("reachable", name=condition.channel, purpose=condition.purpose or "")
    if isinstance(condition, InSegment):
        return Row("in_segment", name=condition.segment)
    return Row("text", text=to_text(condition))


def _simple(condition: Performed) -> bool:
    window = condition.window
    return not condition.where and (window is None or window.last_days is not None)


def shown(value: Any) -> str:
    """A value as the form shows it: a plain string as itself, unless it would read back as
    something else (a number, a boolean, a list...), then as JSON."""
    if value is None:
        return ""
    if isinstance(value, str) and typed(value) == value:
        return value
    return json.dumps(value, ensure_ascii=False)


def typed(raw: str) -> Any:
    """The value a field holds: JSON when it parses as JSON, else the text itself."""
    text = raw.strip()
    if text == "":
        return None
    try:
        return json.loads(text)
    except ValueError:
        return raw


# --- builder -> condition ----------------------------------------------------------------
def to_condition(builder: Builder) -> Condition:
    if not builder.rows:
        raise RowInvalid("add at least one condition", field="row0.kind")
    parts = [row_condition(i, row) for i, row in enumerate(builder.rows)]
    if len(parts) == 1:
        return parse_condition(parts[0])
    return parse_condition({"kind": "or" if builder.join == "or" else "and", _key(builder): parts})


def _key(builder: Builder) -> str:
    return "any" if builder.join == "or" else "all"


def row_condition(index: int, row: Row) -> dict[str, Any]:
    """One row as a JSON condition, checked alone so its error names the row."""
    try:
        data = _row_json(index, row)
        parse_condition(data)
    except SegmentDefinitionInvalid as exc:
        if isinstance(exc, RowInvalid):
            raise
        raise RowInvalid(
            f"condition {index + 1}: {exc.detail}", field=f"row{index}.{_blame(exc)}"
        ) from None
    return {"kind": "not", "condition": data} if row.negated else data


def _blame(exc: SegmentDefinitionInvalid) -> str:
    where = (exc.field or "").removeprefix("$.")
    return where if where in ("name", "op", "value", "event", "window", "type") else "value"


def _row_json(index: int, row: Row) -> dict[str, Any]:
    if row.kind in ("trait", "computed", "stat"):
        value = None if row.op == "exists" else typed(row.value)
        return {"kind": row.kind, "name": row.name.strip(), "op": row.op, "value": value}
    if row.kind == "performed":
        return _performed(index, row)
    if row.kind == "identifier":
        return {"kind": "identifier", "type": row.name.strip()}
    if row.kind == "reachable":
        found: dict[str, Any] = {"kind": "reachable", "channel": row.name}
        if row.purpose.strip():
            found["purpose"] = row.purpose.strip()
        return found
    if row.kind == "in_segment":
        return {"kind": "in_segment", "segment": row.name.strip()}
    if row.kind == "text":
        return _text_part(index, row.text)
    raise RowInvalid(
        f"condition {index + 1}: unknown kind; accepted: {', '.join(KINDS)}",
        field=f"row{index}.kind",
    )


def _performed(index: int, row: Row) -> dict[str, Any]:
    count = typed(row.value or "1")
    if not isinstance(count, int) or isinstance(count, bool):
        raise RowInvalid(
            f"condition {index + 1}: the count is a whole number", field=f"row{index}.value"
        )
    found: dict[str, Any] = {
        "kind": "performed",
        "event": row.name.strip(),
        "op": row.op,
        "value": count,
    }
    if row.days.strip():
        days = typed(row.days)
        if not isinstance(days, int) or isinstance(days, bool) or days < 1:
            raise RowInvalid(
                f"condition {index + 1}: days is a whole number from 1", field=f"row{index}.days"
            )
        found["window"] = {"last_days": days}
    return found


def _text_part(index: int, text: str) -> dict[str, Any]:
    try:
        return dump(parse_text(text))
    except SegmentDefinitionInvalid as exc:
        raise RowInvalid(f"condition {index + 1}: {exc.detail}", field=f"row{index}.text") from None


# --- the form ----------------------------------------------------------------------------
_FIELDS = ("kind", "name", "op", "value", "days", "purpose", "text")


def from_form(form: Mapping[str, str]) -> Builder:
    """The builder from posted fields `join`, `r<N>_kind`, `r<N>_name`, ... (`r<N>_not` on
    for a negated row; `remove=<N>` drops a row, `add=1` appends an empty one)."""
    rows: list[Row] = []
    for index in range(MAX_ROWS):
        if f"r{index}_kind" not in form:
            continue
        if form.get("remove") == str(index):
            continue
        values = {f: str(form.get(f"r{index}_{f}", "")) for f in _FIELDS}
        rows.append(Row(negated=bool(form.get(f"r{index}_not")), **values))
    if form.get("add") and len(rows) < MAX_ROWS:
        rows.append(Row())
    return Builder("or" if form.get("join") == "or" else "and", rows)


def error_position(exc: UnisonError) -> int | None:
    """The character offset an error of the text form points at (`text@42`), if any."""
    field = exc.field or ""
    if field.startswith("text@") and field[5:].isdigit():
        return int(field[5:])
    return None
