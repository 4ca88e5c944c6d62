"""Locale codes (BCP 47, checked against Babel's CLDR data) and the fallback chain a render
walks: the customer's locales (each, then its language alone), the template's or the
installation's chain (default ka -> ru -> en), then the template's default locale."""

from collections.abc import Iterable
from functools import lru_cache

from babel import Locale, UnknownLocaleError

from unison.messaging.templates.errors import LocaleUnknown


@lru_cache(maxsize=512)
def babel_locale(code: str) -> Locale | None:
    """The CLDR locale of a code ("ka", "pt-BR", "he_IL"), or None if there is none."""
    if not code or len(code) > 35:
        return None
    try:
        return Locale.parse(code.replace("_", "-"), sep="-")
    except (UnknownLocaleError, ValueError, TypeError):
        return None


def normalize(code: str) -> str | None:
    """The canonical spelling ("pt-BR"), or None if the code is not a known locale."""
    found = babel_locale(code)
    if found is None:
        return None
    return "-".join(part for part in (found.language, found.script, found.territory) if part)


def require(code: str, field: str) -> str:
    found = normalize(code) if isinstance(code, str) else None
    if found is None:
        raise LocaleUnknown(
            f"{field}: {code!r} is not a known locale code (BCP 47 with CLDR data, "
            "e.g. ka, ru, en, hy, he, uk, pt-BR)",
            field=field,
        )
    return found


@lru_cache(maxsize=512)
def is_rtl(code: str) -> bool:
    found = babel_locale(code)
    return found is not None and found.text_direction == "rtl"


def _expanded(codes: Iterable[str]) -> tuple[str, ...]:
    given = tuple(codes)
    if all(isinstance(code, str) for code in given):
        return _expanded_chain(given)  # a chunk's messages mostly share their chains
    return _expand(given)


@lru_cache(maxsize=1024)
def _expanded_chain(codes: tuple[str, ...]) -> tuple[str, ...]:
    return _expand(codes)


def _expand(codes: tuple[str, ...]) -> tuple[str, ...]:
    chain: list[str] = []
    for code in codes:
        exact = normalize(code) if isinstance(code, str) else None
        if exact is None:
            continue  # a customer's unreadable locale is passed over, not an error
        for candidate in (exact, exact.split("-")[0]):
            if candidate not in chain:
                chain.append(candidate)
    return tuple(chain)


def choose(
    available: Iterable[str],
    customer: Iterable[str],
    fallback: Iterable[str],
    default: str,
) -> str:
    """The variant to render: the first of the chain the template has."""
    have = list(available)
    for code in [*_expanded(customer), *_expanded(fallback)]:
        if code in have:
            return code
        # a customer who reads `en` reads the `en-GB` variant when there is no plain `en`
        regional = [v for v in have if "-" not in code and v.split("-")[0] == code]
        if regional:
            return regional[0]
    return default
