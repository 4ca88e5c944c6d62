"""Printing a condition in the text form; parsing the printed text gives the same JSON."""

import json
from datetime import UTC, datetime
from typing import Any

from unison.segments.language.nodes import (
    Aggregate,
    And,
    Bucket,
    Computed,
    Condition,
    HasIdentifier,
    InSegment,
    Not,
    Occurrence,
    Or,
    Performed,
    PropertyFilter,
    Reachable,
    Stat,
    Trait,
    Window,
)

OP_TEXT = {"eq": "==", "neq": "!=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


def literal(value: Any) -> str:
    if isinstance(value, datetime):
        return json.dumps(moment(value))
    return json.dumps(value, ensure_ascii=False)


def moment(value: datetime) -> str:
    text = value.astimezone(UTC).replace(tzinfo=None).isoformat()
    return text + "Z"


def _compare(op: str, value: Any) -> str:
    if op == "exists":
        return ""
    return f" {OP_TEXT.get(op, op)} {literal(value)}"


def _window(window: Window | None) -> list[str]:
    if window is None:
        return []
    if window.last_days is not None:
        return [f'within="{window.last_days}d"']
    parts = []
    if window.since is not None:
        parts.append(f"since={literal(window.since)}")
    if window.until is not None:
        parts.append(f"until={literal(window.until)}")
    return parts


def _filter(item: PropertyFilter) -> str:
    prop = f"prop({literal(item.property)})"
    if item.op == "exists":
        return f"exists({prop})"
    return prop + _compare(item.op, item.value)


def _event_args(first: list[str], window: Window | None, where: list[PropertyFilter]) -> str:
    args = first + _window(window)
    if where:
        args.append("where=[" + ", ".join(_filter(f) for f in where) + "]")
    return ", ".join(args)


def _wrapped(condition: Condition) -> str:
    text = to_text(condition)
    return f"({text})" if isinstance(condition, And | Or) else text


def to_text(condition: Condition) -> str:
    if isinstance(condition, And):
        return " and ".join(_wrapped(c) for c in condition.all)
    if isinstance(condition, Or):
        return " or ".join(_wrapped(c) for c in condition.any)
    if isinstance(condition, Not):
        return f"not {_wrapped(condition.condition)}"
    if isinstance(condition, Trait | Computed | Stat):
        return _compared(f"{condition.kind}({literal(condition.name)})", condition)
    if isinstance(condition, Performed | Aggregate | Occurrence):
        return _behaviour(condition)
    return _membership(condition)


def _compared(call: str, condition: Any) -> str:
    """`call <op> value`, or `exists(call)`."""
    if condition.op == "exists":
        return f"exists({call})"
    return call + _compare(condition.op, condition.value)


def _behaviour(condition: Performed | Aggregate | Occurrence) -> str:
    if isinstance(condition, Aggregate):
        first = [literal(condition.event), literal(condition.property)]
        call = f"{condition.fn}({_event_args(first, condition.window, condition.where)})"
        return call + _compare(condition.op, condition.value)
    args = _event_args([literal(condition.event)], condition.window, condition.where)
    if isinstance(condition, Occurrence):
        return _compared(f"{condition.which}({args})", condition)
    call = f"performed({args})"
    if condition.op == "gte" and condition.value == 1:
        return call  # the default: at least once
    return call + _compare(condition.op, condition.value)


def _membership(condition: Condition) -> str:
    """Leaves about identifiers, consent, segments and buckets."""
    if isinstance(condition, HasIdentifier):
        return f"has_identifier({literal(condition.type)})"
    if isinstance(condition, Reachable):
        purpose = f", purpose={literal(condition.purpose)}" if condition.purpose else ""
        return f"reachable({literal(condition.channel)}{purpose})"
    if isinstance(condition, InSegment):
        return f"in_segment({literal(condition.segment)})"
    assert isinstance(condition, Bucket)
    return f"bucket({literal(condition.salt)})" + _compare(condition.op, condition.value)
