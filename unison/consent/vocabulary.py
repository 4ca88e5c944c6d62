"""The words of consent: channels, statuses, sources, and which identifier reaches a channel."""

from typing import Literal, get_args

from unison.consent.errors import ChannelUnknown, PurposeUnknown
from unison.kit.settings import Settings

# Each word list is written once, as the Literal the API schemas validate with; the tuple
# beside it is the same list for code that iterates or names the accepted values.
ChannelName = Literal["email", "sms", "telegram", "viber", "whatsapp", "push", "phone_call"]
CHANNELS: tuple[str, ...] = get_args(ChannelName)
# The one identifier type a channel is addressed by: consent given for this address or
# number covers exactly it, never another identifier of the same profile.
CHANNEL_IDENTIFIER: dict[str, str] = {
    "email": "email",
    "sms": "phone",
    "phone_call": "phone",
    "whatsapp": "whatsapp_id",
    "telegram": "telegram_id",
    "viber": "viber_id",
    "push": "device_id",
}
# The channels an identifier type reaches (the reverse of the map above).
IDENTIFIER_CHANNELS: dict[str, tuple[str, ...]] = {}
for _channel, _kind in CHANNEL_IDENTIFIER.items():
    IDENTIFIER_CHANNELS[_kind] = (*IDENTIFIER_CHANNELS.get(_kind, ()), _channel)

Status = Literal["granted", "denied", "withdrawn", "pending"]
STATUSES: tuple[str, ...] = get_args(Status)
SOURCES: tuple[str, ...] = (
    "api",
    "event",
    "keyword",
    "channel_unsubscribe",
    "one_click",
    "preference_center",
    "double_opt_in",
    "import",
)
LegalBasis = Literal[
    "consent",
    "contract",
    "legal_obligation",
    "legitimate_interest",
    "vital_interest",
    "public_task",
]
LEGAL_BASES: tuple[str, ...] = get_args(LegalBasis)
Reason = Literal["hard_bounce", "spam_complaint", "objection", "erasure", "manual"]
SUPPRESSION_REASONS: tuple[str, ...] = get_args(Reason)
SERVICE = "service"


def check_channel(channel: str, field: str = "channel") -> str:
    if channel not in CHANNELS:
        raise ChannelUnknown(
            f"channel {channel!r} is not a consent channel; accepted: {', '.join(CHANNELS)}",
            field=field,
        )
    return channel


def purpose_kinds(settings: Settings, declared: dict[str, str]) -> dict[str, str]:
    """Every known purpose and its kind: settings first, API-declared ones beside them."""
    return {**declared, **settings.consent_purposes}


def check_purpose(purpose: str, kinds: dict[str, str], field: str = "purpose") -> str:
    if purpose not in kinds:
        raise PurposeUnknown(
            f"purpose {purpose!r} is not declared; known: {', '.join(sorted(kinds))} "
            "(declare more with POST /api/consent/purposes)",
            field=field,
        )
    return purpose


def marketing_purposes(kinds: dict[str, str]) -> list[str]:
    return sorted(name for name, kind in kinds.items() if kind != SERVICE)
