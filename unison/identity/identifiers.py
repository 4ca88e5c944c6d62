"""Which identifiers an event carries, normalized; and why any could not be used."""

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

import phonenumbers

from unison.identity.regions import phone_region

# Strongest first: when an event's identifiers point at different profiles that cannot be
# merged, the event belongs with its strongest identifier.
BUILTIN_TYPES: tuple[str, ...] = (
    "user_id",
    "crm_id",
    "loyalty_card",
    "email",
    "phone",
    "whatsapp_id",
    "telegram_id",
    "viber_id",
    "device_id",
    "anonymous_id",
)
# Identifier types read from traits / context.traits under the same name.
TRAIT_TYPES = (
    "email",
    "phone",
    "crm_id",
    "loyalty_card",
    "telegram_id",
    "viber_id",
    "whatsapp_id",
    "device_id",
)


class Ident(NamedTuple):
    # A tuple, not a dataclass: millions are hashed per minute and tuples hash in C.
    type: str
    value: str


@dataclass(frozen=True, slots=True)
class IdentRejected:
    type: str
    value: str
    reason: str


@dataclass(frozen=True, slots=True)
class Extracted:
    identifiers: list[Ident]
    rejected: list[IdentRejected]


def type_rank(custom_types: tuple[str, ...]) -> dict[str, int]:
    order = BUILTIN_TYPES[:-1] + custom_types + BUILTIN_TYPES[-1:]
    return {name: rank for rank, name in enumerate(order)}


@dataclass(frozen=True, slots=True)
class Bags:
    """The parts of an event that can carry identifiers, each a dict (empty when absent)."""

    context: dict[str, Any]
    traits: dict[str, Any]  # identify calls only
    context_traits: dict[str, Any]

    @classmethod
    def of(cls, payload: dict[str, Any]) -> "Bags":
        context = _dict(payload.get("context"))
        traits = payload.get("traits") if payload.get("type") == "identify" else None
        return cls(context, _dict(traits), _dict(context.get("traits")))


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def extract(
    payload: dict[str, Any], *, source_region: str | None, custom_types: tuple[str, ...] = ()
) -> Extracted:
    """Identifiers from userId, anonymousId, traits, context.traits and channel fields."""
    bags = Bags.of(payload)
    region: list[str | None] = []  # worked out once, and only if a phone needs it

    def phone_hint() -> str | None:
        if not region:
            region.append(phone_region(bags.traits, bags.context, source_region))
        return region[0]

    found: dict[Ident, None] = {}
    rejected: list[IdentRejected] = []
    for kind, value in _candidates(payload, bags, custom_types):
        if value is None or value == "":
            continue
        for ident_or_reason in _normalize(kind, value, phone_hint):
            if isinstance(ident_or_reason, Ident):
                found[ident_or_reason] = None
            else:
                rejected.append(ident_or_reason)
    return Extracted(list(found), rejected)


def _candidates(
    payload: dict[str, Any], bags: Bags, custom_types: tuple[str, ...]
) -> list[tuple[str, Any]]:
    """(type, raw value) in the order they are read; values are not checked yet."""
    raw: list[tuple[str, Any]] = [("user_id", payload.get("userId"))]
    if payload.get("type") == "alias":
        raw.append(("user_id?", payload.get("previousId")))
    raw.append(("anonymous_id", payload.get("anonymousId")))
    device = bags.context.get("device")
    if isinstance(device, dict):
        raw.append(("device_id", device.get("id")))
    for bag in (bags.traits, bags.context_traits):
        raw.extend((name, bag[name]) for name in (*TRAIT_TYPES, *custom_types) if name in bag)
    return raw


def _normalize(
    kind: str, value: Any, region: Callable[[], str | None]
) -> list[Ident | IdentRejected]:
    shown = str(value)[:255]
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return [IdentRejected(kind, shown, f"{kind} must be a string or a number")]
    text = str(value).strip()
    if kind == "email":
        return [_email(text)]
    if kind == "phone":
        return [_phone(text, region())]
    if kind == "whatsapp_id":  # WhatsApp ids are the phone number's digits
        digits = "".join(ch for ch in text if ch.isdigit())
        return [Ident("whatsapp_id", digits), _phone("+" + digits, None)]
    if len(text) > 255:
        return [IdentRejected(kind, shown, f"{kind} is longer than 255 characters")]
    if kind == "user_id?":  # alias previousId: an anonymous id unless known as a user id
        return [Ident("previous_id", text)]
    return [Ident(kind, text)] if text else []


def _email(text: str) -> Ident | IdentRejected:
    email = text.lower()
    local, at, domain = email.partition("@")
    if not at or not local or "." not in domain or any(ch.isspace() for ch in email):
        return IdentRejected("email", text[:255], "not an email address (name@domain)")
    return Ident("email", email)


@lru_cache(maxsize=65_536)  # parsing is costly and a customer's number recurs in many events
def _phone(text: str, region: str | None) -> Ident | IdentRejected:
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        if text.startswith("+"):
            hint = ""
        else:
            hint = f" (region {region})" if region else " (no region known for the event)"
        return IdentRejected("phone", text[:255], f"not a phone number{hint}: {exc}")
    if not phonenumbers.is_possible_number(number):
        where = phonenumbers.region_code_for_number(number) or region or "unknown region"
        return IdentRejected("phone", text[:255], f"not a possible phone number for {where}")
    return Ident("phone", phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def normalize_lookup(kind: str, value: str, region: str | None = None) -> Ident | IdentRejected:
    """The identifier a lookup by (type, value) means, normalized like ingestion does."""
    result = _normalize(kind, value, lambda: region)
    return result[0] if result else IdentRejected(kind, value, "empty value")
