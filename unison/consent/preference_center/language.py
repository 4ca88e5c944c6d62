"""The language a profile's customer reads, as far as the profile tells: a `locale` or
`language` trait, else the locale its newest events carried (Telegram's `language_code`,
Viber's `language`, an SDK's `context.locale`). Pages put it before the browser's
Accept-Language: the customer chose it, a shared or borrowed browser did not."""

from typing import Any

from sqlalchemy.orm import Session

from unison.consent import repository as rows
from unison.consent.preference_center.i18n import supported

LANGUAGE_TRAITS = ("locale", "language", "preferred_language")
_EVENTS_LOOKED_AT = 20  # newest first; enough to pass over events that carry no locale


def profile_language(session: Session, profile_id: int) -> str | None:
    """The first supported language of the profile's traits, then of its recent events."""
    group = rows.group_ids(session, profile_id)
    for traits in rows.profile_traits(session, group):
        for name in LANGUAGE_TRAITS:
            found = supported(_value(traits.get(name)))
            if found:
                return found
    for context in rows.recent_contexts(session, group, _EVENTS_LOOKED_AT):
        locale = context.get("locale") if isinstance(context, dict) else None
        found = supported(locale if isinstance(locale, str) else None)
        if found:
            return found
    return None


def _value(trait: Any) -> str | None:
    value = trait.get("value") if isinstance(trait, dict) else trait
    return value if isinstance(value, str) else None
