"""Checking a template before it is stored: known locale codes, the channel's required
parts present and well formed, every source parsing and staying inside the sandbox, an SMS
body within the segment limit. Any failure names its field; nothing is stored."""

from typing import Any

from unison.kit.settings import Settings
from unison.messaging.templates import locales, parts, sandbox
from unison.messaging.templates.errors import TemplatePartInvalid, TemplatePartMissing
from unison.messaging.templates.rendering import check_sms

MAX_VARIANTS = 50


def check_channel(channel: str) -> str:
    if channel not in parts.CHANNELS:
        raise TemplatePartInvalid(
            f"channel {channel!r} is not one of {', '.join(parts.CHANNELS)}", field="channel"
        )
    return channel


def variants(settings: Settings, channel: str, given: Any) -> dict[str, Any]:
    """The variants keyed by canonical locale codes, each checked."""
    if not isinstance(given, dict) or not given:
        raise TemplatePartMissing(
            'variants: give at least one locale variant, e.g. {"en": {...parts}}',
            field="variants",
        )
    if len(given) > MAX_VARIANTS:
        raise TemplatePartInvalid(f"variants: at most {MAX_VARIANTS} locales", field="variants")
    checked: dict[str, Any] = {}
    for code, content in given.items():
        locale = locales.require(code, f"variants.{code}")
        if locale in checked:
            raise TemplatePartInvalid(
                f"variants.{code}: the same locale as another variant ({locale})",
                field=f"variants.{code}",
            )
        _check_variant(settings, channel, content, f"variants.{locale}")
        checked[locale] = content
    return checked


def _check_source(source: str, field: str, kind: sandbox.Kind) -> str:
    sandbox.check(source, kind, field)
    return source


def _check_variant(settings: Settings, channel: str, content: Any, field: str) -> None:
    built = parts.build(channel, content, field, _check_source)
    if channel == "sms":
        # The source's own length: a body whose fixed words already pass the limit can
        # never fit (what the variables add is checked at each render).
        check_sms(built["text"], settings, f"{field}.text")


def locale_list(codes: list[str] | None, field: str) -> list[str] | None:
    if codes is None:
        return None
    return [locales.require(code, f"{field}[{i}]") for i, code in enumerate(codes)]


def default_locale(code: str | None, checked: dict[str, Any]) -> str:
    if code is None:
        return next(iter(checked))
    locale = locales.require(code, "default_locale")
    if locale not in checked:
        raise TemplatePartInvalid(
            f"default_locale {locale!r} has no variant (variants: {', '.join(checked)})",
            field="default_locale",
        )
    return locale
