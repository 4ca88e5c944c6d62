"""What the preference center shows and what a submitted form changes.

The form is plain HTML (no JavaScript): one checkbox per purpose and channel the customer
can be reached on, a "stop all marketing" switch, and the preferences. A checked email box
that was not granted becomes `pending` (double opt-in) and a confirmation message is queued.
"""

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from unison.consent import repository as rows
from unison.consent import service
from unison.consent.preference_center import preferences
from unison.consent.preference_center.i18n import text
from unison.consent.schemas import PreferencesUpdate
from unison.consent.service import Change, Provenance
from unison.consent.vocabulary import CHANNEL_IDENTIFIER, CHANNELS, SERVICE
from unison.kit.clock import utcnow
from unison.kit.settings import Settings
from unison.outbox.queue import Outgoing, enqueue

SOURCE = "preference_center"
FREQUENCIES = ("immediate", "daily", "weekly", "monthly")
ACTIVE = frozenset({"granted", "pending"})
REFUSED = frozenset({"withdrawn", "denied"})


def _active(kind: str, status: str | None) -> bool:
    """Whether the box shows as on: service messages are on unless refused (they need no
    grant), everything else only when granted or awaiting confirmation."""
    return status not in REFUSED if kind == SERVICE else status in ACTIVE


@dataclass(frozen=True)
class Visitor:
    ip: str | None
    user_agent: str | None
    url: str

    def proof(self) -> dict[str, str]:
        found = {"ip": self.ip, "user_agent": self.user_agent, "form_url": self.url}
        return {key: value for key, value in found.items() if value}

    def said(self, source: str, via: str) -> Provenance:
        """Provenance of a change this visitor made now, on a page reached via `via`."""
        return Provenance(
            source=source,
            actor="customer",
            occurred_at=utcnow(),
            source_channel=via,
            proof=self.proof(),
        )


def view(session: Session, settings: Settings, profile_id: int, language: str) -> dict[str, Any]:
    kinds = service.kinds(session, settings)
    owned = {kind for kind, _ in rows.identifiers_of(session, profile_id)}
    status = _status(session, profile_id)
    channels = [
        {
            "name": c,
            "label": text(language, f"channel.{c}"),
            "available": CHANNEL_IDENTIFIER[c] in owned,
        }
        for c in CHANNELS
    ]
    purposes = []
    for name in sorted(kinds, key=lambda n: (kinds[n] != SERVICE, n)):
        cells = {
            c: {
                "checked": any(_active(kinds[name], st) for st in status.get((name, c), {None})),
                "pending": status.get((name, c), set()) == {"pending"},
            }
            for c in CHANNELS
        }
        label = text(language, f"purpose.{name}")
        purposes.append(
            {"name": name, "label": name if label == f"purpose.{name}" else label, "cells": cells}
        )
    return {
        "channels": channels,
        "purposes": purposes,
        "prefs": preferences.get(session, profile_id),
        "frequencies": FREQUENCIES,
    }


def _status(session: Session, profile_id: int) -> dict[tuple[str, str], set[str]]:
    found: dict[tuple[str, str], set[str]] = {}
    for state in service.current(session, profile_id):
        found.setdefault((state.purpose, state.channel), set()).add(state.status)
    return found


def parse_preferences(form: dict[str, str]) -> PreferencesUpdate:
    """The preference fields of the form (empty means no preference); raises ValidationError."""
    values = {name: form.get(name) or None for name in PreferencesUpdate.model_fields}
    return PreferencesUpdate.model_validate(values)


def apply(
    session: Session,
    settings: Settings,
    profile_id: int,
    form: dict[str, str],
    prefs: PreferencesUpdate,
    visitor: Visitor,
    language: str,
) -> int:
    """Record what the form changes; returns how many consent records were written."""
    changes = _changes(session, settings, profile_id, form)
    how = visitor.said(SOURCE, "web")
    written = service.record(session, profile_id, changes, how)
    for record in written:
        if record.status == "pending":
            _ask_confirmation(
                session,
                settings,
                record.id,
                profile_id,
                record.identifier_value,
                record.purpose,
                language,
            )
    preferences.save(session, profile_id, prefs, SOURCE)
    return len(written)


@dataclass(frozen=True, slots=True)
class Box:
    """One checkbox of the form: a purpose on a channel, ticked or not."""

    purpose: str
    kind: str
    channel: str
    wanted: bool

    def change(self, ident: tuple[str, str], now: str | None, double_opt_in: bool) -> Change | None:
        """What the box changes for one identifier whose current status is `now`."""
        active = _active(self.kind, now)
        if self.wanted and not active:
            double = self.kind != SERVICE and self.channel == "email" and double_opt_in
            return Change(ident, self.purpose, self.channel, "pending" if double else "granted")
        if not self.wanted and active:
            return Change(ident, self.purpose, self.channel, "withdrawn")
        return None


def _changes(
    session: Session, settings: Settings, profile_id: int, form: dict[str, str]
) -> list[Change]:
    """Each box against the current status of each of the profile's identifiers it covers."""
    kinds = service.kinds(session, settings)
    current = {
        (s.identifier_type, s.identifier_value, s.purpose, s.channel): s.status
        for s in service.current(session, profile_id)
    }
    changes: list[Change] = []
    for channel in CHANNELS:
        idents = rows.identifiers_of(session, profile_id, [CHANNEL_IDENTIFIER[channel]])
        for box in _boxes(kinds, form, channel):
            for ident in idents:
                now = current.get((*ident, box.purpose, channel))
                change = box.change(ident, now, settings.consent_double_opt_in)
                if change is not None:
                    changes.append(change)
    return changes


def _boxes(kinds: dict[str, str], form: dict[str, str], channel: str) -> list[Box]:
    """A box is off when unticked, and for everything but service messages under "stop all"."""
    stop_all = form.get("stop_all") == "on"
    return [
        Box(
            purpose,
            kind,
            channel,
            form.get(f"c:{purpose}:{channel}") == "on" and not (stop_all and kind != SERVICE),
        )
        for purpose, kind in kinds.items()
    ]


def _ask_confirmation(
    session: Session,
    settings: Settings,
    record_id: int,
    profile_id: int,
    email: str,
    purpose: str,
    language: str,
) -> None:
    url = preferences.confirm_link(settings, profile_id, email, purpose)
    enqueue(
        session,
        Outgoing(
            idempotency_key=f"consent-confirmation:record-{record_id}",
            profile_id=profile_id,
            channel="email",
            recipient_type="email",
            recipient=email,
            purpose=SERVICE,
            language=language,
            body=text(language, "confirm_email", purpose=label(language, purpose), url=url),
            subject=text(language, "confirm_email_subject"),
        ),
    )


def label(language: str, purpose: str) -> str:
    label = text(language, f"purpose.{purpose}")
    return purpose if label == f"purpose.{purpose}" else label


def confirm(session: Session, profile_id: int, email: str, purpose: str, visitor: Visitor) -> bool:
    """Double opt-in: a pending email grant becomes granted; False if nothing was pending."""
    ident = ("email", email)
    pending = [
        s
        for s in rows.states(session, [ident])
        if s.purpose == purpose and s.channel == "email" and s.status == "pending"
    ]
    if not pending:
        return False
    how = visitor.said("double_opt_in", "email")
    service.record(session, profile_id, [Change(ident, purpose, "email", "granted")], how)
    return True


def unsubscribe(
    session: Session, profile_id: int, email: str, purpose: str, visitor: Visitor
) -> None:
    """RFC 8058 one-click: withdraw this purpose for this address (again is harmless)."""
    how = visitor.said("one_click", "email")
    service.record(
        session, profile_id, [Change(("email", email), purpose, "email", "withdrawn")], how
    )
