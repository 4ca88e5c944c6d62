"""What the send-time gate reads about a whole lease of messages, beside consent, in a few
statements whatever its size (as the fan-out's batch path reads a chunk): the profiles
(live id, time-zone trait, phone, the group's newest preferences), the kill switches, the
purposes' kinds, the caps' history counted over released messages only, and the last
WhatsApp message from each customer a WhatsApp message is for. `context` then gives, for
one message, what `gather(..., released_only=True)` reads for it alone."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from unison.consent.service import kinds as declared_kinds
from unison.kit.settings import Settings
from unison.messaging import repository as rows
from unison.messaging.gate.decide import MARKETING, Context, frequency_caps
from unison.messaging.gate.rules import widest
from unison.models import ConsentPreferences

Counted = list[tuple[str, datetime]]  # (channel, moment) of messages counted against caps


@dataclass(frozen=True)
class LeaseFacts:
    settings: Settings
    now: datetime
    people: rows.ChunkProfiles
    disabled: frozenset[str]
    kinds: dict[str, str]  # purpose -> its kind, settings first, then the declared ones
    history: dict[int, Counted]  # live id -> its group's released marketing messages
    inbound: dict[int, datetime]  # live id -> its group's last WhatsApp message to us

    @classmethod
    def read(
        cls, session: Session, settings: Settings, now: datetime, asked: list[tuple[int, bool]]
    ) -> "LeaseFacts":
        """`asked`: each message's (profile id, is it a WhatsApp message)."""
        people = rows.chunk_profiles(session, sorted({pid for pid, _ in asked}))
        lives = {people.live[pid] for pid, _ in asked if pid in people.live}
        chatting = {people.live[pid] for pid, whatsapp in asked if whatsapp and pid in people.live}
        return cls(
            settings,
            now,
            people,
            rows.disabled_channels(session),
            declared_kinds(session, settings),
            _released(session, settings, now, _members(people, lives)),
            _last_inbound(session, _members(people, chatting)),
        )

    def live(self, profile_id: int) -> int | None:
        """The live profile `profile_id` resolves to (None: no such profile)."""
        found = self.people.live.get(profile_id)
        return found if found in self.people.rows else None

    def kind(self, purpose: str) -> str:
        # A purpose no longer declared is judged as marketing at send time: the stricter rule.
        return self.kinds.get(purpose) or MARKETING

    def context(self, profile_id: int, purpose: str) -> Context | None:
        """What judging one message needs (None: its profile is gone); the history is the
        stored one, the lease's own releases are the caller's to add."""
        live = self.live(profile_id)
        if live is None:
            return None
        kind = self.kind(purpose)
        ctx = Context(self.settings, purpose, kind, self.now, self._facts(live, kind))
        if not ctx.transactional:
            ctx.caps, ctx.history = frequency_caps(self.settings), list(ctx.facts.history)
        return ctx

    def _facts(self, live: int, kind: str) -> rows.ProfileFacts:
        prefs = self.people.preferences.get(live)
        trait = (self.people.rows[live][1] or {}).get("timezone")
        phones = (
            value for type_, value in self.people.identifiers.get(live, []) if type_ == "phone"
        )
        return rows.ProfileFacts(
            live_id=live,
            timezone_trait=trait.get("value") if isinstance(trait, dict) else None,
            preferred_time_zone=None if prefs is None else prefs.time_zone,
            quiet_hours=_quiet_hours(prefs),
            preferred_channel=None if prefs is None else prefs.preferred_channel,
            phone=next(phones, None),
            disabled_channels=self.disabled,
            declared_kind=kind,
            history=self.history.get(live, []),
            last_whatsapp_inbound=self.inbound.get(live),
        )


def _quiet_hours(prefs: ConsentPreferences | None) -> tuple[str, str] | None:
    if prefs is None or not (prefs.quiet_start and prefs.quiet_end):
        return None
    return prefs.quiet_start, prefs.quiet_end


def _members(people: rows.ChunkProfiles, lives: set[int]) -> dict[int, int]:
    """Every profile id of these live profiles' groups -> its live id."""
    return {pid: live for live in lives for pid in people.members.get(live, [live])}


def _released(
    session: Session, settings: Settings, now: datetime, owner: dict[int, int]
) -> dict[int, Counted]:
    """The marketing messages let go in the widest cap's window, per live profile, one query.
    The message being checked need not be left out: unreleased, it is not among them;
    released (a retry), its caps are not counted again."""
    caps = frequency_caps(settings)
    counted: dict[int, Counted] = {}
    if not caps or not owner:
        return counted
    found = rows.cap_history(session, sorted(owner), now - widest(caps), released_only=True)
    for pid, messages in found.items():
        counted.setdefault(owner[pid], []).extend(messages)
    return counted


def _last_inbound(session: Session, owner: dict[int, int]) -> dict[int, datetime]:
    """The last WhatsApp message from each live profile's group, one query."""
    last: dict[int, datetime] = {}
    if owner:
        for pid, at in rows.last_whatsapp_inbound(session, sorted(owner)).items():
            live = owner[pid]
            last[live] = max(at, last.get(live, at))
    return last
