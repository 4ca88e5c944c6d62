"""Write-key authentication for /v1/*, with a short-lived cache off the hot path."""

import base64
import binascii
from collections.abc import Mapping
from typing import Any
from weakref import WeakKeyDictionary

import anyio.to_thread

from unison.api.runtime import Runtime
from unison.kit.cache import TtlCache
from unison.kit.db import transaction
from unison.kit.errors import Unauthorized
from unison.kit.secrets import hash_secret
from unison.sources.ref import SourceRef
from unison.sources.service import source_for_write_key


class WriteKeyCache(TtlCache[str, SourceRef]):
    """key hash -> source, for known keys only (see TtlCache: a miss is never cached, so a
    key created a moment ago works on its first use). An unknown key costs one indexed
    read, on a worker thread."""


# One cache per app (keyed by its engine, as the runtime holds no domain's state).
_CACHES: "WeakKeyDictionary[Any, WriteKeyCache]" = WeakKeyDictionary()


def cache_for(runtime: Runtime) -> WriteKeyCache:
    cache = _CACHES.get(runtime.engine)
    if cache is None:
        cache = _CACHES[runtime.engine] = WriteKeyCache(runtime.settings.write_key_cache_seconds)
    return cache


def write_key_from_headers(headers: Mapping[str, str]) -> str | None:
    """The key from HTTP Basic or X-Write-Key; `headers` is keyed by lower-case names."""
    header = headers.get("authorization")
    if header:
        scheme, _, credentials = header.partition(" ")
        if scheme.lower() != "basic":
            raise Unauthorized(
                "Authorization must be HTTP Basic with the write key as user name",
                field="Authorization",
            )
        try:
            decoded = base64.b64decode(credentials.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise Unauthorized(
                "Authorization is not valid HTTP Basic (base64 of '<write key>:')",
                field="Authorization",
            ) from None
        return decoded.partition(":")[0] or None
    return headers.get("x-write-key") or None


def write_key_from_body(body: dict[str, Any]) -> str | None:
    key = body.get("writeKey")
    return key if isinstance(key, str) and key else None


async def authenticate(runtime: Runtime, key: str | None) -> SourceRef:
    if key is None:
        raise Unauthorized(
            "a write key is required: HTTP Basic user name, X-Write-Key header or writeKey "
            "in the body",
            field="writeKey",
        )
    key_hash = hash_secret(key)
    cache = cache_for(runtime)
    source = cache.get(key_hash)
    if source is None:
        source = await anyio.to_thread.run_sync(_lookup, runtime, key)
        if source is None:
            raise Unauthorized("the write key is not one of this workspace's", field="writeKey")
        cache.put(key_hash, source)
    return source


def _lookup(runtime: Runtime, key: str) -> SourceRef | None:
    with transaction(runtime.sessions) as session:
        return source_for_write_key(session, key)
