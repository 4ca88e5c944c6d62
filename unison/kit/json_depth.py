"""The one nesting limit for JSON taken from outside (HTTP bodies, webhooks, import lines).

No real event needs more than a few levels; a deep one only costs recursion further on
(encoders, repr, the stores' JSON functions), so anything deeper than the limit is refused
where it enters, with the field that holds it.
"""

from typing import Any

MAX_JSON_DEPTH = 64


def too_deep(value: Any, limit: int = MAX_JSON_DEPTH) -> str | None:
    """The top-level field holding a container nested deeper than `limit` ("body" if the
    value itself is), or None when the value is within the limit."""
    # Iterative, so the check itself never recurses; only containers are visited.
    stack: list[tuple[Any, int, str]] = [(value, 1, "body")]
    while stack:
        current, depth, field = stack.pop()
        if depth > limit:
            return field
        if isinstance(current, dict):
            for key, child in current.items():
                if isinstance(child, dict | list):
                    stack.append((child, depth + 1, str(key) if depth == 1 else field))
        elif isinstance(current, list):
            for index, child in enumerate(current):
                if isinstance(child, dict | list):
                    stack.append((child, depth + 1, f"[{index}]" if depth == 1 else field))
    return None


def depth_detail(field: str, limit: int = MAX_JSON_DEPTH) -> str:
    return f"{field} is nested deeper than {limit} levels of JSON objects and arrays (the limit)"


def unreadable_json(exc: ValueError, what: str = "body") -> str:
    """Why JSON could not be read; orjson stops at 1024 levels, past our own limit."""
    if "depth limit" in str(exc):
        return depth_detail(what)
    return f"{what} is not valid JSON: {exc}"
