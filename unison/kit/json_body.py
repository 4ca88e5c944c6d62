"""A JSON object taken from outside (an HTTP body, a webhook): read, checked, or refused.

The error class is the caller's: the API answers `MalformedBody`, a webhook
`WebhookMalformed`; what is wrong and the field named are the same for both.
"""

from collections.abc import Callable
from typing import Any

import orjson

from unison.kit.errors import UnisonError
from unison.kit.json_depth import depth_detail, too_deep, unreadable_json

_JSON_KIND = {
    dict: "an object",
    list: "an array",
    str: "a string",
    bool: "a boolean",
    int: "a number",
    float: "a number",
    type(None): "null",
}


def json_kind(value: Any) -> str:
    return _JSON_KIND.get(type(value), type(value).__name__)


def json_object(
    body: bytes, error: type[UnisonError], kind: Callable[[Any], str] = json_kind
) -> dict[str, Any]:
    """The body as a JSON object within the depth limit, or `error` naming what is wrong
    (`kind` names a value that is not an object: each path keeps the words clients know)."""
    if not body.strip():
        raise error("request body is empty; send a JSON object", field="body")
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise error(unreadable_json(exc), field="body") from None
    if not isinstance(value, dict):
        raise error(f"body must be a JSON object, got {kind(value)}", field="body")
    deep = too_deep(value)
    if deep is not None:
        raise error(depth_detail(deep), field=deep)
    return value
