"""Preferences beside the consents (channel, language, frequency, quiet hours, time zone),
and the signed links customers use to change them."""

from datetime import UTC, datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from unison.consent import repository as rows
from unison.consent.errors import TimeZoneUnknown
from unison.consent.preference_center import links
from unison.consent.schemas import Preferences, PreferencesUpdate
from unison.kit.clock import utcnow
from unison.kit.settings import Settings

PREFERENCE_CENTER = "preferences"
CONFIRM = "confirm"
UNSUBSCRIBE = "unsubscribe"
FIELDS = tuple(PreferencesUpdate.model_fields)


def check_time_zone(name: str | None) -> None:
    if name is None:
        return
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise TimeZoneUnknown(
            f"time_zone {name!r} is not an IANA time zone (e.g. Asia/Tbilisi)", field="time_zone"
        ) from None


def get(session: Session, profile_id: int) -> Preferences:
    row = rows.preferences(session, rows.group_ids(session, profile_id))
    return Preferences.model_validate(row) if row else Preferences()


def save(session: Session, profile_id: int, values: PreferencesUpdate, source: str) -> None:
    check_time_zone(values.time_zone)
    row: dict[str, Any] = {"profile_id": profile_id, "source": source, "updated_at": utcnow()}
    row.update(values.model_dump())
    rows.save_preferences(session, row)


def in_quiet_hours(prefs: Preferences, at: datetime) -> bool:
    """Whether `at` falls in the customer's quiet hours, in their time zone (UTC if none)."""
    if not prefs.quiet_start or not prefs.quiet_end:
        return False
    zone = ZoneInfo(prefs.time_zone) if prefs.time_zone else UTC
    local = at.astimezone(zone).time()
    start, end = time.fromisoformat(prefs.quiet_start), time.fromisoformat(prefs.quiet_end)
    return start <= local < end if start <= end else local >= start or local < end


def preference_link(settings: Settings, profile_id: int, language: str | None = None) -> str:
    claims: dict[str, Any] = {"p": profile_id}
    if language:
        claims["l"] = language
    token = links.sign(settings, PREFERENCE_CENTER, claims, settings.consent_link_ttl_seconds)
    return f"{settings.public_url.rstrip('/')}/preferences/{token}"


def unsubscribe_link(settings: Settings, profile_id: int, email: str, purpose: str) -> str:
    claims = {"p": profile_id, "e": email, "u": purpose}
    token = links.sign(settings, UNSUBSCRIBE, claims, settings.unsubscribe_link_ttl_seconds)
    return f"{settings.public_url.rstrip('/')}/unsubscribe/{token}"


def confirm_link(settings: Settings, profile_id: int, email: str, purpose: str) -> str:
    claims = {"p": profile_id, "e": email, "u": purpose}
    token = links.sign(settings, CONFIRM, claims, settings.consent_link_ttl_seconds)
    return f"{settings.public_url.rstrip('/')}/preferences/confirm/{token}"


def list_unsubscribe_headers(url: str) -> dict[str, str]:
    """RFC 8058: the HTTPS URI in List-Unsubscribe, and the one-click POST marker."""
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def link_expiry(settings: Settings, url: str) -> datetime:
    return datetime.fromtimestamp(links.expires_at(settings, url.rsplit("/", 1)[1]), UTC)
