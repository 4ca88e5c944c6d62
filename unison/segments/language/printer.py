"""Printing a condition in the text form; parsing the printed text gives the same JSON."""

import json
from datetime import UTC, datetime
from typing import Any

from unison.segments.language import nodes as n

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


def _window(window: n.Window | None) -> list[str]:
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


def _filter(item: n.PropertyFilter) -> str:
    prop = f"prop({literal(item.property)})"
    if item.op == "exists":
        return f"exists({prop})"
    return prop + _compare(item.op, item.value)


def _event_args(first: list[str], window: n.Window | None, where: list[n.PropertyFilter]) -> str:
    args = first + _window(window)
    if where:
        args.append("where=[" + ", ".join(_filter(f) for f in where) + "]")
    return ", ".join(args)


def _wrapped(condition: n.Condition) -> str:
    text = to_text(condition)
    return f"({text})" if isinstance(condition, n.And | n.Or) else text


def to_text(condition: n.Condition) -> str:
    if isinstance(condition, n.And):
        return " and ".join(_wrapped(c) for c in condition.all)
    if isinstance(condition, n.Or):
        return " or ".join(_wrapped(c) for c in condition.any)
    if isinstance(condition, n.Not):
        return f"not {_wrapped(condition.condition)}"
    if isinstance(condition, n.Trait | n.Computed | n.Stat):
        return _compared(f"{condition.kind}({literal(condition.name)})", condition)
    if isinstance(condition, n.Performed | n.Aggregate | n.Occurrence):
        return _behaviour(condition)
    return _membership(condition)


def _compared(call: str, condition: Any) -> str:
    """`call <op> value`, or `exists(call)`."""
    if condition.op == "exists":
        return f"exists({call})"
    return call + _compare(condition.op, condition.value)


def _behaviour(condition: n.Performed | n.Aggregate | n.Occurrence) -> str:
    if isinstance(condition, n.Aggregate):
        first = [literal(condition.event), literal(condition.property)]
        call = f"{condition.fn}({_event_args(first, condition.window, condition.where)})"
        return call + _compare(condition.op, condition.value)
    args = _event_args([literal(condition.event)], condition.window, condition.where)
    if isinstance(condition, n.Occurrence):
        return _compared(f"{condition.which}({args})", condition)
    call = f"performed({args})"
    if condition.op == "gte" and condition.value == 1:
        return call  # the default: at least once
    return call + _compare(condition.op, condition.value)


def _membership(condition: n.Condition) -> str:
    """Leaves about identifiers, consent, segments and buckets."""
    if isinstance(condition, n.HasIdentifier):
        return f"has_identifier({literal(condition.type)})"
    if isinstance(condition, n.Reachable):
        purpose = f", purpose={literal(condition.purpose)}" if condition.purpose else ""
        return f"reachable({literal(condition.channel)}{purpose})"
    if isinstance(condition, n.InSegment):
        return f"in_segment({literal(condition.segment)})"
    assert isinstance(condition, n.Bucket)
    return f"bucket({literal(condition.salt)})" + _compare(condition.op, condition.value)
