"""Seeded draws the demo modules share: weighted picks, scattered serial numbers, random ids."""

from __future__ import annotations

from bisect import bisect
from collections.abc import Sequence
from itertools import accumulate
from random import Random
from typing import Final, TypeVar

_T = TypeVar("_T")

# Version 4 / RFC 4122 variant bits, exactly as ``uuid.UUID(int=n, version=4)`` sets them.
_UUID_CLEAR: Final = ~((0xF000 << 64) | (0xC000 << 48))
_UUID_SET: Final = (0x4000 << 64) | (0x8000 << 48)


def cumulative(weights: Sequence[float]) -> tuple[float, ...]:
    """Running totals of ``weights``, the form ``pick`` draws from."""
    return tuple(accumulate(weights))


def pick(r: Random, items: Sequence[_T], cum: Sequence[float]) -> _T:
    return items[bisect(cum, r.random() * cum[-1])]


def serial(idx: int, mult: int, offset: int, digits: int) -> int:
    """A number unique per customer index that does not look sequential.

    ``mult`` is coprime with 10, so ``idx -> idx * mult + offset (mod 10**digits)`` is a
    bijection on each block of 10**digits indexes; the block number is added on top.
    """
    base: int = 10**digits
    return (idx % base * mult + offset) % base + idx // base * base


def random_uuid(r: Random) -> str:
    """A random (version 4) UUID string drawn from the seeded generator."""
    h = f"{r.getrandbits(128) & _UUID_CLEAR | _UUID_SET:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def random_hex(r: Random, bits: int) -> str:
    return f"{r.getrandbits(bits):0{bits // 4}x}"
