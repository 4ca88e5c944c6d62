"""The gate at decide time: may this message go to this profile on this channel now, later
(quiet hours), or not at all, and why. Every rule is checked and every failing one named, so
the stored decision explains itself."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy.orm import Session

from unison.consent.ledger.decision import Decision, can_contact
from unison.consent.service import kinds as declared_kinds
from unison.consent.vocabulary import SERVICE, check_purpose
from unison.kit.settings import Settings
from unison.messaging import repository as rows
from unison.messaging.gate.rules import Cap, QuietHours, over_caps, parse_caps, widest
from unison.messaging.gate.zones import customer_zone

QUEUED, DEFERRED, SUPPRESSED = "queued", "deferred", "suppressed"
MARKETING = "marketing"  # the kind of a purpose no longer declared: the stricter rule
WHATSAPP = "whatsapp"


@dataclass(frozen=True)
class Verdict:
    """The gate's answer for one channel."""

    channel: str
    decision: str  # queued | deferred | suppressed
    reasons: list[str]
    details: list[str]
    recipient: str | None = None
    deliver_after: datetime | None = None

    @property
    def usable(self) -> bool:
        return self.decision != SUPPRESSED

    @property
    def detail(self) -> str:
        return "; ".join(self.details)


@dataclass
class Context:
    """What the gate knows about one message before judging its channels: read once."""

    settings: Settings
    purpose: str
    kind: str
    now: datetime
    facts: rows.ProfileFacts
    caps: list[Cap] = field(default_factory=list)
    recipient: str | None = None  # at send time: the exact identifier the message is for
    history: list[tuple[str, datetime]] = field(default_factory=list)

    @property
    def transactional(self) -> bool:
        return self.kind == SERVICE


def gather(
    session: Session,
    settings: Settings,
    profile_id: int,
    purpose: str,
    now: datetime,
    *,
    whatsapp: bool,
) -> Context | None:
    """Read once what judging the message's channels needs at decide time (None: no such
    profile); an undeclared purpose is refused. (At send time gate/lease.py reads it for a
    whole lease.)"""
    caps = _caps(tuple(sorted(settings.messaging_frequency_caps.items())))
    facts = rows.profile_facts(
        session,
        profile_id,
        whatsapp=whatsapp,
        purpose=purpose,
        since=now - widest(caps) if caps else None,
    )
    if facts is None:
        return None
    kind = settings.consent_purposes.get(purpose) or facts.declared_kind
    if kind is None:
        check_purpose(purpose, declared_kinds(session, settings))  # raises, naming them all
        kind = MARKETING
    ctx = Context(settings, purpose, kind, now, facts)
    if not ctx.transactional:
        ctx.caps, ctx.history = caps, facts.history
    return ctx


def frequency_caps(settings: Settings) -> list[Cap]:
    """The configured caps, parsed once per configuration."""
    return _caps(tuple(sorted(settings.messaging_frequency_caps.items())))


@lru_cache(maxsize=16)
def _caps(configured: tuple[tuple[str, str], ...]) -> list[Cap]:
    return parse_caps(dict(configured))


def judge(session: Session, ctx: Context, channel: str, content: dict[str, Any]) -> Verdict:
    """Every rule for one channel; the message is suppressed if any refuses, deferred if
    only quiet hours stand in the way."""
    # Consent as it stands now (a decision's `now` may be set ahead, e.g. a schedule).
    consent = can_contact(
        session, ctx.facts.live_id, ctx.purpose, channel, kind=ctx.kind, identifier=ctx.recipient
    )
    return verdict(ctx, channel, content, consent)


def verdict(ctx: Context, channel: str, content: dict[str, Any], consent: Decision) -> Verdict:
    """Every rule for one channel given consent's decision for it (asked one profile at a
    time by `judge`, or for a whole chunk by the batch path)."""
    reasons: list[str] = []
    details: list[str] = []
    if channel in ctx.facts.disabled_channels:
        reasons.append("channel_disabled")
        details.append(f"{channel} is switched off (PUT /api/messaging/channels/{channel})")
    if not consent.allowed:
        reasons.append(consent.reason)
        details.append(consent.detail)
    if channel == WHATSAPP and not whatsapp_window_open(ctx, content):
        reasons.append("whatsapp_window_closed")
        details.append(
            "no WhatsApp message from the customer in the last "
            f"{ctx.settings.messaging_whatsapp_window_hours:g} h and the content is not an "
            "approved template"
        )
    for cap in over_caps(ctx.caps, channel, ctx.history, ctx.now):
        reasons.append(cap.code)
        details.append(f"{cap.limit} marketing messages already in the cap's window ({cap.text})")
    if reasons:
        return Verdict(channel, SUPPRESSED, reasons, details, consent.identifier)
    until, why = quiet_until(ctx)
    if until is not None:
        return Verdict(
            channel,
            DEFERRED,
            [consent.reason, "quiet_hours"],
            [consent.detail, why],
            consent.identifier,
            until,
        )
    return Verdict(channel, QUEUED, [consent.reason], [consent.detail], consent.identifier)


def whatsapp_window_open(ctx: Context, content: dict[str, Any]) -> bool:
    """Free-form WhatsApp text only inside the customer-service window; an approved
    template message may go at any time."""
    if "template" in content:
        return True
    last = ctx.facts.last_whatsapp_inbound
    window = timedelta(hours=ctx.settings.messaging_whatsapp_window_hours)
    return last is not None and ctx.now - last < window


def quiet_until(ctx: Context) -> tuple[datetime | None, str]:
    """When the customer's quiet hours end if they are on now (transactional messages are
    exempt), and the explanation."""
    if ctx.transactional:
        return None, ""
    settings, facts = ctx.settings, ctx.facts
    start, end = facts.quiet_hours or (settings.messaging_quiet_start, settings.messaging_quiet_end)
    zone, source = customer_zone(
        facts.preferred_time_zone,
        facts.timezone_trait,
        facts.phone,
        settings.messaging_default_time_zone,
    )
    until = QuietHours.of(start, end).until(zone, ctx.now)
    if until is None:
        return None, ""
    local = until.astimezone(zone).strftime("%H:%M")
    return until, f"quiet hours {start}-{end} in {source}: deferred to {local} local"
