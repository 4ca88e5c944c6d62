"""Opaque cursors for keyset pagination."""

import base64
import binascii
from typing import Generic, TypeVar

import orjson
from pydantic import BaseModel

from unison.kit.errors import InvalidParameter


def _not_ours() -> InvalidParameter:
    return InvalidParameter(
        "cursor is not one this API issued; pass next_cursor from a previous page",
        field="cursor",
    )


def encode_cursor(*values: int | str) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(list(values))).decode("ascii").rstrip("=")


def _fits(value: object) -> bool:
    # A forged cursor may hold anything; only what encode_cursor wrote can reach a query
    # (an int past 64 bits would make the driver raise).
    if isinstance(value, bool):
        return False
    return isinstance(value, str) or (isinstance(value, int) and -(2**63) <= value < 2**63)


def decode_cursor(cursor: str, arity: int) -> list[int | str]:
    padded = cursor + "=" * (-len(cursor) % 4)
    try:
        values = orjson.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (binascii.Error, ValueError, UnicodeEncodeError) as exc:
        raise _not_ours() from exc
    if not isinstance(values, list) or len(values) != arity or not all(map(_fits, values)):
        raise _not_ours()
    return values


def decode_id_cursor(cursor: str | None) -> int | None:
    """The id a keyset page continues after/before, or None for the first page."""
    if cursor is None:
        return None
    (value,) = decode_cursor(cursor, 1)
    if not isinstance(value, int):
        raise _not_ours()
    return value


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a keyset-paginated list; `next_cursor` is None on the last page."""

    items: list[T]
    next_cursor: str | None
