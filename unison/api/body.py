"""Reading request bodies within limits, with precise errors for every way they go wrong."""

import zlib
from collections.abc import AsyncIterator, Mapping
from typing import Any

import orjson
from starlette.requests import Request

from unison.api.errors import MalformedBody, UnsupportedEncoding
from unison.api.text_params import refuse_nul_in_body
from unison.kit.errors import PayloadTooLarge
from unison.kit.json_body import json_object
from unison.kit.json_depth import depth_detail, too_deep

_WITH_BODY = frozenset({"POST", "PUT", "PATCH", "DELETE"})


# An oversize body is read and thrown away up to this many times the limit before the 413 is
# sent. A client that writes its whole body before reading (urllib, most SDKs) then reads
# the 413; answered early, it would find the connection closed under its writes (EPIPE or
# a reset) and never see why. Past the bound the 413 is sent at once and the connection
# closed: discarding costs the server reading time, so it is not unbounded.
DRAIN_FACTOR = 4


def _too_large(limit: int, *, drained: bool) -> PayloadTooLarge:
    error = PayloadTooLarge(
        f"request body exceeds the limit of {limit // 1024} KB ({limit:,} bytes) per request",
        field="body",
    )
    error.close_connection = not drained
    return error


async def _discard(chunks: AsyncIterator[bytes], read: int, bound: int) -> bool:
    """Read the rest of the body without keeping it; False if it runs past `bound` bytes."""
    async for chunk in chunks:
        read += len(chunk)
        if read > bound:
            return False
    return True


async def read_body(headers: Mapping[str, str], chunks: AsyncIterator[bytes], limit: int) -> bytes:
    """The body, decompressed if gzip; 413 once it passes `limit` bytes, sent when the rest
    is discarded (up to `DRAIN_FACTOR` times the limit).

    `headers` is keyed by lower-case header names.
    """
    bound = limit * DRAIN_FACTOR
    declared = headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        drained = int(declared) <= bound and await _discard(chunks, 0, bound)
        raise _too_large(limit, drained=drained)
    parts: list[bytes] = []
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise _too_large(limit, drained=await _discard(chunks, size, bound))
        parts.append(chunk)
    body = parts[0] if len(parts) == 1 else b"".join(parts)
    encoding = headers.get("content-encoding", "identity").strip().lower()
    if encoding == "gzip":
        return _gunzip(body, limit)
    if encoding not in ("", "identity"):
        raise UnsupportedEncoding(
            f"Content-Encoding {encoding!r} is not supported; accepted: gzip, identity",
            field="Content-Encoding",
        )
    return body


def _gunzip(body: bytes, limit: int) -> bytes:
    # Bounded decompression: a small gzip bomb must not expand past the request limit.
    inflater = zlib.decompressobj(wbits=31)
    try:
        data = inflater.decompress(body, limit + 1)
    except zlib.error as exc:
        raise MalformedBody(f"body is not valid gzip: {exc}", field="body") from None
    if len(data) > limit or inflater.unconsumed_tail:
        raise _too_large(limit, drained=True)
    return data


def parse_json_object(body: bytes) -> dict[str, Any]:
    return json_object(body, MalformedBody, _python_kind)


def _python_kind(value: Any) -> str:
    # The words /v1/* has always used for a body that is not an object ("got list").
    return type(value).__name__.replace("NoneType", "null")


async def refuse_deep_json(request: Request) -> None:
    """App-wide dependency: the same depth limit for the JSON bodies FastAPI parses (/api/*)."""
    if request.method not in _WITH_BODY or "json" not in request.headers.get("content-type", ""):
        return
    try:
        value = orjson.loads(await request.body())  # FastAPI read it already: cached
    except orjson.JSONDecodeError:
        return  # FastAPI's own parse answers for a body that is not JSON
    refuse_deep(value)
    if request.url.path.startswith("/api/"):
        refuse_nul_in_body(value)


def refuse_deep(value: Any) -> None:
    """A 400 naming the field that nests deeper than the one limit (kit/json_depth)."""
    field = too_deep(value)
    if field is not None:
        raise MalformedBody(depth_detail(field), field=field)
