"""The consent log processor: turns what customers say in events into ledger records.

It reads, after the profile processor, `Consent Updated` track events, Segment's
`context.consent.categoryPreferences` on any event, stop keywords in `Message Received`
(answered with a confirmation queued in the outbox) and messenger `Unsubscribed` events.
It ignores `consent.changed`, which is its own announcement of a change.
"""

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from unison.consent import repository as rows
from unison.consent import service
from unison.consent.ledger.keywords import KEYWORD_CHANNELS, match
from unison.consent.ledger.propagation import CHANGED
from unison.consent.preference_center.i18n import choose, text
from unison.consent.service import Change, Provenance
from unison.consent.vocabulary import (
    CHANNEL_IDENTIFIER,
    CHANNELS,
    IDENTIFIER_CHANNELS,
    LEGAL_BASES,
    STATUSES,
    marketing_purposes,
)
from unison.events.log import LogEvent
from unison.events.processing import Processor
from unison.identity.identifiers import extract
from unison.kit.clock import ensure_utc
from unison.kit.settings import Settings
from unison.outbox.queue import Outgoing, enqueue
from unison.profiles import service as profiles
from unison.sources import service as sources

NAME = "consent"
CONSENT_UPDATED = "Consent Updated"
MESSAGE_RECEIVED = "Message Received"
UNSUBSCRIBED = "Unsubscribed"
UNSUBSCRIBE_CHANNELS = frozenset({"viber", "telegram"})
log = logging.getLogger(__name__)

Ident = tuple[str, str]


@dataclass
class Planned:
    profile_id: int
    changes: list[Change]
    how: Provenance
    only_if_changed: bool = False
    reply: Outgoing | None = None


@dataclass
class Plan:
    items: list[Planned] = field(default_factory=list)


@dataclass(frozen=True)
class _Seen:
    """One event being read: its profile, the identifiers it names, the known purposes."""

    session: Session
    event: LogEvent
    profile_id: int
    idents: list[Ident]
    kinds: dict[str, str]

    def changes(
        self,
        channels: list[str],
        statuses: list[tuple[str, str]],
        basis: str = "consent",
        expires: datetime | None = None,
    ) -> list[Change]:
        """A change per channel, identifier it covers (`_targets`) and (purpose, status)."""
        return [
            Change(ident, purpose, channel, status, basis, expires)
            for channel in channels
            for ident in _targets(self.session, self.profile_id, self.idents, channel)
            for purpose, status in statuses
        ]


def consent_processor(settings: Settings) -> "ConsentProcessor":
    return ConsentProcessor(settings)


def _interesting(event: LogEvent) -> bool:
    if event.name == CHANGED:
        return False
    if event.name in (CONSENT_UPDATED, MESSAGE_RECEIVED, UNSUBSCRIBED):
        return True
    context = event.payload.get("context")
    return isinstance(context, dict) and isinstance(context.get("consent"), dict)


class ConsentProcessor(Processor[Plan]):
    name = NAME

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._regions: dict[int, str | None] = {}

    def forget(self) -> None:
        self._regions = {}

    def plan(self, session: Session, events: list[LogEvent]) -> Plan:
        wanted = [e for e in events if _interesting(e)]
        plan = Plan()
        if not wanted:
            return plan
        # Replaying events (an offset moved back by hand) must not record a change twice.
        done = rows.recorded_events(session, [e.id for e in wanted])
        wanted = [e for e in wanted if e.id not in done]
        owners = profiles.owners_of_events(session, [e.id for e in wanted])
        kinds = service.kinds(session, self.settings)
        for event in wanted:
            profile_id = owners.get(event.id)
            if profile_id is None:  # no identifier: nobody to record consent for
                continue
            idents = self._identifiers(session, event)
            plan.items += self._decide(_Seen(session, event, profile_id, idents, kinds))
        return plan

    def write(self, session: Session, plan: Plan) -> None:
        for item in plan.items:
            changes = item.changes
            if item.only_if_changed:
                changes = _unrecorded(session, changes)
            service.record(session, item.profile_id, changes, item.how)
            if item.reply is not None:
                enqueue(session, item.reply)

    def _identifiers(self, session: Session, event: LogEvent) -> list[Ident]:
        if event.source_id not in self._regions:
            self._regions = {
                sid: region for sid, (_, region) in sources.names_and_regions(session).items()
            }
        found = extract(event.payload, source_region=self._regions.get(event.source_id))
        return [(i.type, i.value) for i in found.identifiers]

    def _decide(self, seen: _Seen) -> list[Planned]:
        event = seen.event
        context = event.payload.get("context") or {}
        props = event.payload.get("properties")
        props = props if isinstance(props, dict) else {}
        found: list[Planned] = []
        if event.name == CONSENT_UPDATED:
            found += _consent_updated(seen, props)
        elif event.name == MESSAGE_RECEIVED and event.channel in KEYWORD_CHANNELS:
            keyword = match(props.get("text"), self.settings.consent_keywords)
            if keyword is not None:
                found += _stop(seen, props, keyword)
        elif event.name == UNSUBSCRIBED and event.channel in UNSUBSCRIBE_CHANNELS:
            found += _stop(seen, props, None)
        preferences = context.get("consent") if isinstance(context, dict) else None
        if isinstance(preferences, dict) and isinstance(
            preferences.get("categoryPreferences"), dict
        ):
            found += _categories(seen, preferences["categoryPreferences"])
        return found


def _provenance(event: LogEvent, source: str, extra: dict[str, Any]) -> Provenance:
    context = event.payload.get("context") or {}
    proof: dict[str, Any] = {"event_id": event.id, "message_id": event.payload.get("messageId")}
    if isinstance(context, dict):
        for key, name in (("ip", "ip"), ("userAgent", "user_agent")):
            if isinstance(context.get(key), str):
                proof[name] = context[key]
        page = context.get("page")
        if isinstance(page, dict) and isinstance(page.get("url"), str):
            proof["form_url"] = page["url"]
    proof.update({k: v for k, v in extra.items() if v is not None})
    return Provenance(
        source=source,
        actor="customer",
        occurred_at=event.timestamp,
        source_channel=event.channel,
        proof=proof,
        event_id=event.id,
    )


def _targets(session: Session, profile_id: int, idents: list[Ident], channel: str) -> list[Ident]:
    """The identifiers a channel-bound change covers: those the event names, else all the
    profile's identifiers of the channel's type at this moment."""
    kind = CHANNEL_IDENTIFIER[channel]
    named = [i for i in idents if i[0] == kind]
    return named or rows.identifiers_of(session, profile_id, [kind])


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


@dataclass(frozen=True, slots=True)
class Stated:
    """What a `Consent Updated` event asks for, read leniently from its properties."""

    status: str | None
    purposes: list[str]
    channels: list[str]
    basis: str
    expires: datetime | None

    @property
    def usable(self) -> bool:
        return self.status in STATUSES and bool(self.purposes)


def _consent_updated(seen: _Seen, props: dict[str, Any]) -> list[Planned]:
    stated = _stated(props, seen.idents, seen.kinds)
    if not stated.usable:
        log.info(
            "Consent Updated event ignored: no known purpose or status",
            extra={"event_id": seen.event.id},
        )
        return []
    how = _provenance(seen.event, "event", _notice(props))
    statuses = [(purpose, str(stated.status)) for purpose in stated.purposes]
    changes = seen.changes(stated.channels, statuses, stated.basis, stated.expires)
    return [Planned(seen.profile_id, changes, how)] if changes else []


def _stated(props: dict[str, Any], idents: list[Ident], kinds: dict[str, str]) -> Stated:
    status = props.get("status")
    if isinstance(props.get("granted"), bool) and status is None:
        status = "granted" if props["granted"] else "withdrawn"
    purposes = [p for p in _strings(props.get("purpose") or props.get("purposes")) if p in kinds]
    channels = [c for c in _strings(props.get("channel") or props.get("channels")) if c in CHANNELS]
    basis = props.get("legal_basis")
    return Stated(
        status=status,
        purposes=purposes,
        channels=channels or _identifier_channels(idents),
        basis=str(basis) if basis in LEGAL_BASES else "consent",
        expires=_expiry(props.get("expires_at")),
    )


def _identifier_channels(idents: list[Ident]) -> list[str]:
    """The channels the event's own identifiers reach."""
    return sorted({c for kind, _ in idents for c in IDENTIFIER_CHANNELS.get(kind, ())})


def _notice(props: dict[str, Any]) -> dict[str, Any]:
    """The proof a consent form sends: which notice the customer saw, and where."""
    notice = props.get("notice_text")
    form_url = props.get("form_url")
    return {
        "notice_version": props.get("notice_version"),
        "notice_hash": hashlib.sha256(notice.encode()).hexdigest()
        if isinstance(notice, str)
        else None,
        "form_url": form_url if isinstance(form_url, str) else None,
    }


def _expiry(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return ensure_utc(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except (ValueError, OverflowError):
        return None


def _stop(
    seen: _Seen, props: dict[str, Any], keyword: tuple[str, str | None] | None
) -> list[Planned]:
    session, event, profile_id, idents = seen.session, seen.event, seen.profile_id, seen.idents
    channel = event.channel
    kind = CHANNEL_IDENTIFIER[channel]
    senders = [i for i in idents if i[0] == kind]  # only the sender's own identifier
    if not senders:
        return []
    source = "keyword" if keyword else "channel_unsubscribe"
    how = _provenance(
        event,
        source,
        {
            "keyword": keyword[0] if keyword else None,
            "connector": props.get("connector"),
            "provider_message_id": props.get("provider_message_id"),
        },
    )
    changes = [
        Change(sender, purpose, channel, "withdrawn")
        for sender in senders
        for purpose in marketing_purposes(seen.kinds)
    ]
    reply = None
    if keyword is not None:
        prefs = rows.preferences(session, rows.group_ids(session, profile_id))
        context = event.payload.get("context") or {}
        locale = context.get("locale") if isinstance(context, dict) else None
        language = choose(
            prefs.preferred_language if prefs else None,
            keyword[1],
            locale if isinstance(locale, str) else None,
        )
        reply = Outgoing(
            idempotency_key=f"consent-keyword-confirmation:event-{event.id}",
            profile_id=profile_id,
            channel=channel,
            recipient_type=kind,
            recipient=senders[0][1],
            purpose="service",
            language=language,
            body=text(
                language, "keyword_confirmation", channel=text(language, f"channel.{channel}")
            ),
            via_source_id=event.source_id,
        )
    return [Planned(profile_id, changes, how, reply=reply)]


def _categories(seen: _Seen, categories: dict[str, Any]) -> list[Planned]:
    """Segment's consent categories that name a known purpose, on the event's identifiers'
    channels (else every channel the profile is reachable on)."""
    chosen = {
        name: value
        for name, value in categories.items()
        if name in seen.kinds and isinstance(value, bool)
    }
    if not chosen:
        return []
    statuses = [
        (purpose, "granted" if allowed else "denied") for purpose, allowed in chosen.items()
    ]
    channels = _reachable_channels(seen.session, seen.profile_id, seen.idents)
    changes = seen.changes(channels, statuses)
    how = _provenance(seen.event, "event", {"segment_consent": True})
    return [Planned(seen.profile_id, changes, how, only_if_changed=True)] if changes else []


def _reachable_channels(session: Session, profile_id: int, idents: list[Ident]) -> list[str]:
    """The event's identifiers' channels, else those of every identifier the profile owns."""
    channels = _identifier_channels(idents)
    if not channels:
        owned = {kind for kind, _ in rows.identifiers_of(session, profile_id)}
        channels = sorted(c for c, kind in CHANNEL_IDENTIFIER.items() if kind in owned)
    return channels


def _unrecorded(session: Session, changes: list[Change]) -> list[Change]:
    """Segment repeats the preferences on every event: only what differs is recorded."""
    current = {
        (s.identifier_type, s.identifier_value, s.purpose, s.channel): s.status
        for s in rows.states(session, list({c.identifier for c in changes}))
    }
    return [c for c in changes if current.get((*c.identifier, c.purpose, c.channel)) != c.status]
