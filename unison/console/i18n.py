"""The console's strings: one JSON catalogue per language in locales/ (English the fallback),
keys namespaced by area (`customers.title`), so areas add keys without touching each other's."""

import json
from functools import cache
from pathlib import Path

from starlette.requests import Request

from unison.consent.preference_center.i18n import LANGUAGES, choose, direction, supported

__all__ = [
    "COOKIE",
    "DEFAULT",
    "LANGUAGES",
    "catalog",
    "direction",
    "language_of",
    "supported",
    "text",
]

DEFAULT = "en"
COOKIE = "unison_lang"
LOCALES = Path(__file__).parent / "locales"
# Each language's name in itself, for the switcher (a reader finds their own language).
NAMES = {
    "en": "English",
    "ru": "Русский",
    "uk": "Українська",
    "ka": "ქართული",
    "hy": "Հայերեն",
    "he": "עברית",
}


@cache
def catalog(language: str) -> dict[str, str]:
    messages: dict[str, str] = json.loads((LOCALES / f"{language}.json").read_text("utf-8"))
    if language != DEFAULT:
        return {**catalog(DEFAULT), **messages}  # a missing key falls back to English
    return messages


def text(language: str, key: str, **values: object) -> str:
    """The string for `key` in `language` with `{name}` placeholders filled; the key itself
    when no catalogue has it (visible in review, never an error page)."""
    template = catalog(language if language in LANGUAGES else DEFAULT).get(key, key)
    return template.format(**values) if values else template


def language_of(request: Request) -> str:
    """`?lang=`, then the language cookie, then Accept-Language, then English."""
    return choose(
        request.query_params.get("lang"),
        request.cookies.get(COOKIE),
        accept_language=request.headers.get("accept-language"),
    )
