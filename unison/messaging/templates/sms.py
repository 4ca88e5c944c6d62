"""SMS encoding and segments (GSM 03.38): a body of GSM-7 characters goes 160 septets to a
message (153 per part when split, the rest carries the concatenation header), anything else
goes as UCS-2, 70 UTF-16 units (67 per part). Georgian, Armenian, Hebrew and Cyrillic are
UCS-2. An extension-table character costs two septets and is never split across parts, nor
is a UTF-16 surrogate pair."""

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

# GSM 03.38 default alphabet (the escape 0x1B left out: it only introduces the extension).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")
Encoding = Literal["GSM-7", "UCS-2"]
GSM7: Encoding = "GSM-7"
UCS2: Encoding = "UCS-2"
_LIMITS = {GSM7: (160, 153), UCS2: (70, 67)}


@dataclass(frozen=True)
class Segments:
    encoding: Encoding
    characters: int
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int
    per_segment: int  # the capacity of each part at this length


def encoding_of(text: str) -> Encoding:
    if all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text):
        return GSM7
    return UCS2


def _costs(text: str, encoding: Encoding) -> list[int]:
    if encoding == GSM7:
        return [2 if ch in GSM7_EXTENSION else 1 for ch in text]
    return [2 if ord(ch) > 0xFFFF else 1 for ch in text]


@lru_cache(maxsize=1024)  # a broadcast's texts mostly repeat: counted once each
def count(text: str) -> Segments:
    encoding = encoding_of(text)
    costs = _costs(text, encoding)
    units = sum(costs)
    single, multi = _LIMITS[encoding]
    if units <= single:
        return Segments(encoding, len(text), units, 1 if text else 0, single)
    parts, used = 1, 0
    for cost in costs:  # pack whole characters: an escape or a surrogate pair is never split
        if used + cost > multi:
            parts, used = parts + 1, 0
        used += cost
    return Segments(encoding, len(text), units, parts, multi)
