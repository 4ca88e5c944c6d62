"""Message catalogs (one JSON file per language in locales/) and language choice."""

import json
from functools import cache
from pathlib import Path

LANGUAGES: tuple[str, ...] = ("en", "ru", "uk", "ka", "hy", "he")
RTL = frozenset({"he"})
DEFAULT = "en"
_LOCALES = Path(__file__).parent / "locales"


@cache
def catalog(language: str) -> dict[str, str]:
    messages: dict[str, str] = json.loads((_LOCALES / f"{language}.json").read_text("utf-8"))
    if language != DEFAULT:
        return {**catalog(DEFAULT), **messages}  # a missing key falls back to English
    return messages


def text(language: str, key: str, **values: str) -> str:
    found = catalog(language if language in LANGUAGES else DEFAULT)
    template = found.get(key, key)
    return template.format(**values) if values else template


def choose(*candidates: str | None, accept_language: str | None = None) -> str:
    """The first supported language among the candidates, then Accept-Language, then English."""
    for candidate in candidates:
        code = _base(candidate)
        if code in LANGUAGES:
            return code
    for part in (accept_language or "").split(","):
        code = _base(part.split(";")[0])
        if code in LANGUAGES:
            return code
    return DEFAULT


def _base(tag: str | None) -> str:
    return (tag or "").strip().replace("_", "-").split("-")[0].lower()


def direction(language: str) -> str:
    return "rtl" if language in RTL else "ltr"
