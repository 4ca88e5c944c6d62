"""What the send-time gate reads about a whole lease of messages, beside consent, in a few
statements whatever its size (as the fan-out's batch path reads a chunk): each profile's live
id, time-zone trait, phone and group's newest preferences (`gate_profiles`), the kill
switches, the purposes' kinds, the caps' history counted over released messages only
(`cap_history`, only when caps are configured) and the last WhatsApp message from each
customer a WhatsApp message is for. `context` then gives, for one message, what decide
time's `gather` reads for one message alone, with the caps counted over released messages
and an undeclared purpose judged as marketing (the stricter rule) rather than refused."""

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.orm import Session

from unison.consent.service import kinds as declared_kinds
from unison.kit.settings import Settings
from unison.messaging import repository as rows
from unison.messaging.gate.decide import MARKETING, Context, frequency_caps
from unison.messaging.gate.rules import widest

Counted = list[tuple[str, datetime]]  # (channel, moment) of messages counted against caps


@dataclass(frozen=True)
class LeaseFacts:
    settings: Settings
    now: datetime
    profiles: dict[int, rows.ProfileFacts]  # asked id -> its live profile's row facts
    disabled: frozenset[str]
    kinds: dict[str, str]  # purpose -> its kind, settings first, then the declared ones
    history: dict[int, Counted]  # live id -> its group's released marketing messages
    inbound: dict[int, datetime]  # live id -> its group's last WhatsApp message to us

    @classmethod
    def read(
        cls, session: Session, settings: Settings, now: datetime, asked: list[tuple[int, bool]]
    ) -> "LeaseFacts":
        """`asked`: each message's (profile id, is it a WhatsApp message)."""
        if not asked:  # nothing gated in the lease (confirmations, replies): nothing to read
            return cls(settings, now, {}, frozenset(), {}, {}, {})
        profiles = rows.gate_profiles(session, sorted({pid for pid, _ in asked}))
        caps = frequency_caps(settings)
        lives = {pid: profiles[pid].live_id for pid, _ in asked if pid in profiles}
        capped = set(lives.values()) if caps else set()
        chatting = {lives[pid] for pid, whatsapp in asked if whatsapp and pid in lives}
        owner = _members(session, capped | chatting)
        return cls(
            settings,
            now,
            profiles,
            rows.disabled_channels(session),
            declared_kinds(session, settings),
            _released(session, now - widest(caps), {p: o for p, o in owner.items() if o in capped}),
            _last_inbound(session, {p: o for p, o in owner.items() if o in chatting}),
        )

    def live(self, profile_id: int) -> int | None:
        """The live profile `profile_id` resolves to (None: no such profile)."""
        found = self.profiles.get(profile_id)
        return None if found is None else found.live_id

    def kind(self, purpose: str) -> str:
        # A purpose no longer declared is judged as marketing at send time: the stricter rule.
        return self.kinds.get(purpose) or MARKETING

    def context(self, profile_id: int, purpose: str) -> Context | None:
        """What judging one message needs (None: its profile is gone); the history is the
        stored one, the lease's own releases are the caller's to add."""
        found = self.profiles.get(profile_id)
        if found is None:
            return None
        kind, live = self.kind(purpose), found.live_id
        facts = replace(
            found,
            disabled_channels=self.disabled,
            declared_kind=kind,
            history=self.history.get(live, []),
            last_whatsapp_inbound=self.inbound.get(live),
        )
        ctx = Context(self.settings, purpose, kind, self.now, facts)
        if not ctx.transactional:
            ctx.caps, ctx.history = frequency_caps(self.settings), list(facts.history)
        return ctx


def _members(session: Session, lives: set[int]) -> dict[int, int]:
    """Every profile id of these live profiles' groups -> its live id (one query, none
    when no cap is configured and no message is a WhatsApp one)."""
    owner = {live: live for live in lives}
    if lives:
        owner.update(rows.group_members(session, sorted(lives)))
    return owner


def _released(session: Session, since: datetime, owner: dict[int, int]) -> dict[int, Counted]:
    """The marketing messages let go since `since` (the widest cap's window), per live
    profile, one query. The message being checked need not be left out: unreleased, it is
    not among them; released (a retry), its caps are not counted again."""
    counted: dict[int, Counted] = {}
    if owner:
        found = rows.cap_history(session, sorted(owner), since, released_only=True)
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
