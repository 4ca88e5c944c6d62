"""The send pipeline for a chunk of messages at once (a broadcast's chunk, or one message
from `POST /api/messages`): the same rules as one at a time (enqueue.py), read and written
in a few statements per chunk instead of a dozen per message.

* idempotency: the chunk's keys are looked up in one query (a stored decision is replayed),
  and the `messages` rows are inserted with ON CONFLICT DO NOTHING (a concurrent retry that
  won the race is replayed, never decided twice);
* render: each template version read once, each part compiled once (the sandbox's cache),
  from the profiles, identifiers, computed traits and preferences of the whole chunk;
* the gate: consent per channel for the whole chunk (consent's `contactable`), the cap
  history of every profile in one query, quiet hours from the preferences read above; a
  message decided earlier in the chunk counts against the caps of the next, as it would
  one at a time;
* writes: the `messages` rows, the outbox rows (deferred ones not before their moment) and
  the `Suppressed` receipts, one statement each, in the caller's transaction.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy.orm import Session

from unison.consent.ledger.decision import Decision
from unison.consent.schemas import Preferences
from unison.consent.service import contactable
from unison.consent.vocabulary import CHANNEL_IDENTIFIER
from unison.kit.clock import utcnow
from unison.kit.errors import UnisonError
from unison.kit.settings import Settings
from unison.messaging import repository as rows
from unison.messaging.enqueue import (
    Candidate,
    Draft,
    Picked,
    check_channel,
    meta_of,
    pick,
    plain_text,
    purpose_kind,
    replay,
    replayed,
    row_of,
)
from unison.messaging.errors import NoTemplate, ProfileNotFound
from unison.messaging.gate.decide import (
    DEFERRED,
    WHATSAPP,
    Context,
    Verdict,
    frequency_caps,
    verdict,
)
from unison.messaging.gate.rules import widest
from unison.messaging.requests import SendRequest
from unison.messaging.schemas import MessageDecision
from unison.messaging.templates.context import Facts, Person
from unison.messaging.templates.rendering import Renderer
from unison.outbox import queue as outbox
from unison.outbox.receipts import Receipt, record_receipts

Outcome = MessageDecision | UnisonError
_NO_PREFERENCES = Preferences()


class _Keyed(Protocol):
    @property
    def idempotency_key(self) -> str: ...

    @property
    def profile_id(self) -> int: ...


K = TypeVar("K", bound=_Keyed)


def send_many(
    session: Session,
    settings: Settings,
    requests: Sequence[SendRequest],
    now: datetime | None = None,
    *,
    before_write: Callable[[], None] | None = None,
) -> list[Outcome]:
    """Decide each request and queue it unless the gate refuses, in the caller's
    transaction; each outcome is its decision (replayed for a key already decided) or the
    error that refused it (bad input: nothing was written for it). `before_write` is called
    once everything is read, rendered and judged, right before the first write (the fan-out
    queues for SQLite's write lock there, so deciding does not hold it)."""
    moment = now or utcnow()

    def decide(fresh: list[SendRequest]) -> list[Outcome]:
        return _Chunk(session, settings, moment, before_write).decide(fresh)

    return _once_per_key(session, requests, decide, _has_template)


def decide_many(
    session: Session, settings: Settings, drafts: Sequence[Draft], now: datetime | None = None
) -> list[Outcome]:
    """`decide_and_queue` for many rendered drafts: each judged, stored and queued unless
    refused, in the caller's transaction (outcomes as `send_many`'s)."""
    moment = now or utcnow()

    def decide(fresh: list[Draft]) -> list[Outcome]:
        return _Chunk(session, settings, moment).decide_drafts(fresh)

    return _once_per_key(session, drafts, decide, lambda _draft: None)


def _has_template(request: SendRequest) -> None:
    if not request.template_ids:
        raise NoTemplate("give at least one template", field="template_id")


def _once_per_key(
    session: Session,
    items: Sequence[K],
    decide: Callable[[list[K]], list[Outcome]],
    check: Callable[[K], None],
) -> list[Outcome]:
    """Stored keys replayed (one query for the chunk), the rest decided; a key repeated
    within the chunk is replayed after its first is decided."""
    outcomes: list[Outcome | None] = [None] * len(items)
    seen: set[str] = set()
    first: list[int] = []
    again: list[int] = []
    for index, item in enumerate(items):
        (again if item.idempotency_key in seen else first).append(index)
        seen.add(item.idempotency_key)
    stored = rows.by_keys(session, [items[i].idempotency_key for i in first])
    fresh: list[int] = []
    for index in first:
        item = items[index]
        try:
            check(item)
            found = stored.get(item.idempotency_key)
            if found is None:
                fresh.append(index)
            else:
                outcomes[index] = replayed(session, found, item.profile_id)
        except UnisonError as exc:
            outcomes[index] = exc
    if fresh:
        decided = decide([items[i] for i in fresh])
        for index, outcome in zip(fresh, decided, strict=True):
            outcomes[index] = outcome
    if again:
        repeated = _once_per_key(session, [items[i] for i in again], decide, check)
        for index, outcome in zip(again, repeated, strict=True):
            outcomes[index] = outcome
    return [outcome for outcome in outcomes if outcome is not None]


@dataclass
class _Decided:
    """One request of the chunk through render and the gate, waiting for its rows."""

    index: int
    draft: Draft
    ctx: Context
    picked: Picked
    values: dict[str, Any]


class _Chunk:
    def __init__(
        self,
        session: Session,
        settings: Settings,
        now: datetime,
        before_write: Callable[[], None] | None = None,
    ) -> None:
        self.session, self.settings, self.now = session, settings, now
        self.before_write = before_write
        self.renderer = Renderer(session, settings)
        self.kinds: dict[str, str | UnisonError] = {}
        self.consent: dict[tuple[str, str], dict[int, Decision]] = {}

    def decide(self, requests: list[SendRequest]) -> list[Outcome]:
        return self._each(requests, self._draft)

    def decide_drafts(self, given: list[Draft]) -> list[Outcome]:
        return self._each(given, self._checked)

    def _each(
        self,
        items: Sequence[K],
        prepare: Callable[[K, rows.ChunkProfiles], tuple[Draft, Facts]],
    ) -> list[Outcome]:
        """Each item made a draft (bad input refuses only its own), then all judged."""
        outcomes: list[Outcome | None] = [None] * len(items)
        people = rows.chunk_profiles(self.session, sorted({i.profile_id for i in items}))
        drafts: list[tuple[int, Draft, Facts]] = []
        for index, item in enumerate(items):
            try:
                drafts.append((index, *prepare(item, people)))
            except UnisonError as exc:
                outcomes[index] = exc
        return self._finish(outcomes, drafts, people)

    def _checked(self, draft: Draft, people: rows.ChunkProfiles) -> tuple[Draft, Facts]:
        """A rendered draft: the channels, the profile and the purpose checked."""
        for candidate in draft.candidates:
            check_channel(candidate.channel, "template_id")
        live = self._live(draft.profile_id, people)
        self._kind(draft.purpose)
        return draft, _facts(people, live)

    def _finish(
        self,
        outcomes: list[Outcome | None],
        drafts: list[tuple[int, Draft, Facts]],
        people: rows.ChunkProfiles,
    ) -> list[Outcome]:
        decided = self._judge(drafts, people)
        if self.before_write is not None:
            self.before_write()
        for item, outcome in zip(decided, self._write(decided), strict=True):
            outcomes[item.index] = outcome
        return [outcome for outcome in outcomes if outcome is not None]

    @staticmethod
    def _live(profile_id: int, people: rows.ChunkProfiles) -> int:
        live = people.live.get(profile_id)
        if live is None or live not in people.rows:
            raise ProfileNotFound(f"no profile with id {profile_id}", field="profile_id")
        return live

    def _kind(self, purpose: str) -> str:
        if purpose not in self.kinds:
            try:
                self.kinds[purpose] = purpose_kind(self.session, self.settings, purpose)
            except UnisonError as exc:
                self.kinds[purpose] = exc
        found = self.kinds[purpose]
        if isinstance(found, UnisonError):
            raise found
        return found

    def _draft(self, request: SendRequest, people: rows.ChunkProfiles) -> tuple[Draft, Facts]:
        """Bad input first (the purpose, the profile), then every template rendered."""
        self._kind(request.purpose)
        live = self._live(request.profile_id, people)
        facts = _facts(people, live)
        prefs = people.preferences.get(live)
        who = Person(
            self.session,
            facts,
            Preferences.model_validate(prefs) if prefs is not None else _NO_PREFERENCES,
        )
        candidates: dict[str, Candidate] = {}
        for template_id in request.template_ids:
            rendered = self.renderer.render(
                template_id,
                who,
                locale_chain=request.locale_chain,
                event=request.event,
                campaign=request.campaign,
                version=request.version,
            )
            # The first template of a channel wins: alternatives are per channel.
            candidates.setdefault(
                rendered.channel,
                Candidate(
                    rendered.channel,
                    rendered.content,
                    rendered.template_id,
                    rendered.version,
                    rendered.locale,
                ),
            )
        for candidate in candidates.values():
            check_channel(candidate.channel, "template_id")
        draft = Draft(
            profile_id=request.profile_id,
            purpose=request.purpose,
            idempotency_key=request.idempotency_key,
            candidates=list(candidates.values()),
            campaign_id=request.campaign_id,
            broadcast_id=request.broadcast_id,
            variant=request.variant,
            segment_id=request.segment_id,
            choice=request.choice,
        )
        return draft, facts

    def _judge(
        self, drafts: list[tuple[int, Draft, Facts]], people: rows.ChunkProfiles
    ) -> list[_Decided]:
        gate = _GateFacts.read(self.session, self.settings, self.now, drafts, people)
        self._ask_consent(drafts)
        decided: list[_Decided] = []
        for index, draft, facts in drafts:
            ctx = gate.context(draft, facts.live_id, self._kind(draft.purpose))
            picked = pick(self.session, ctx, draft, self._verdict)
            values = row_of(draft, ctx, picked, self.now)
            if picked.verdict.usable and not ctx.transactional:
                # Counted against the caps of this profile's next message in the chunk.
                ctx.history.append((picked.verdict.channel, self.now))
            decided.append(_Decided(index, draft, ctx, picked, values))
        return decided

    def _ask_consent(self, drafts: list[tuple[int, Draft, Facts]]) -> None:
        """Consent's decisions for every (purpose, channel) of the chunk, for all its
        profiles that may be sent on it, a few statements each."""
        wanted: dict[tuple[str, str], set[int]] = {}
        for _index, draft, facts in drafts:
            for candidate in draft.candidates:
                wanted.setdefault((draft.purpose, candidate.channel), set()).add(facts.live_id)
        for (purpose, channel), live_ids in wanted.items():
            self.consent[(purpose, channel)] = contactable(
                self.session, sorted(live_ids), purpose, channel, kind=self._kind(purpose)
            )

    def _verdict(self, ctx: Context, channel: str, content: dict[str, Any]) -> Verdict:
        consent = self.consent[(ctx.purpose, channel)][ctx.facts.live_id]
        return verdict(ctx, channel, content, consent)

    def _write(self, decided: list[_Decided]) -> list[Outcome]:
        """The chunk's rows: messages, then outbox rows and Suppressed receipts."""
        ids = rows.add_messages(self.session, [item.values for item in decided])
        queued: list[outbox.Outgoing] = []
        receipts: list[Receipt] = []
        outcomes: list[Outcome] = []
        for item in decided:
            message_id = ids.get(item.draft.idempotency_key)
            if message_id is None:  # a concurrent retry with the same key decided first
                raced = replay(self.session, item.draft.idempotency_key, item.draft.profile_id)
                assert raced is not None
                outcomes.append(raced)
                continue
            outbox_key = None
            if item.picked.verdict.usable:
                outbox_key = f"message:{message_id}"
                queued.append(_outgoing(outbox_key, message_id, item))
            else:
                verdict_ = item.picked.verdict
                receipts.append(
                    Receipt(
                        "Suppressed",
                        meta_of(message_id, item.draft, item.picked.candidate),
                        item.ctx.facts.live_id,
                        verdict_.channel,
                        ", ".join(verdict_.reasons),
                        self.now,
                    )
                )
            outcomes.append(
                MessageDecision(id=message_id, **{**item.values, "outbox_key": outbox_key})
            )
        outbox.enqueue_many(self.session, queued)
        rows.set_outbox_keys(self.session, [int(q.meta["message_id"]) for q in queued if q.meta])
        record_receipts(self.session, receipts)
        return outcomes


def _outgoing(key: str, message_id: int, item: _Decided) -> outbox.Outgoing:
    verdict_, candidate = item.picked.verdict, item.picked.candidate
    assert verdict_.recipient is not None  # an allowed consent decision names its identifier
    deferred = verdict_.decision == DEFERRED and verdict_.deliver_after is not None
    return outbox.Outgoing(
        idempotency_key=key,
        profile_id=item.ctx.facts.live_id,
        channel=verdict_.channel,
        recipient_type=CHANNEL_IDENTIFIER[verdict_.channel],
        recipient=verdict_.recipient,
        purpose=item.draft.purpose,
        language=candidate.locale or "",
        body=plain_text(candidate.content),
        subject=candidate.content.get("subject"),
        content=candidate.content,
        meta=meta_of(message_id, item.draft, candidate),
        # A message decided inside quiet hours waits in the outbox until they end.
        next_attempt_at=verdict_.deliver_after if deferred else None,
    )


def _facts(people: rows.ChunkProfiles, live: int) -> Facts:
    pid, traits, first_seen, last_seen, order_count, revenue = people.rows[live]
    identifiers: dict[str, str] = {}
    for kind, value in people.identifiers.get(live, []):
        identifiers.setdefault(kind, value)
    return Facts(
        live_id=int(pid),
        traits={name: _value(trait) for name, trait in (traits or {}).items()},
        identifiers=identifiers,
        computed=people.computed.get(live, {}),
        first_seen=first_seen,
        last_seen=last_seen,
        order_count=order_count,
        revenue=dict(revenue or {}),
    )


def _value(trait: Any) -> Any:
    return trait.get("value") if isinstance(trait, dict) else None


@dataclass
class _GateFacts:
    """What the gate reads about a chunk's profiles, beside consent: read once."""

    settings: Settings
    now: datetime
    people: rows.ChunkProfiles
    disabled: frozenset[str]
    history: dict[int, list[tuple[str, datetime]]]  # live id -> counted messages
    inbound: dict[int, datetime]  # live id -> the last WhatsApp message from them

    @classmethod
    def read(
        cls,
        session: Session,
        settings: Settings,
        now: datetime,
        drafts: list[tuple[int, Draft, Facts]],
        people: rows.ChunkProfiles,
    ) -> "_GateFacts":
        lives = sorted({facts.live_id for _i, _d, facts in drafts})
        history = _history(session, settings, now, lives, people)
        whatsapp = [
            facts.live_id
            for _i, draft, facts in drafts
            if any(c.channel == WHATSAPP for c in draft.candidates)
        ]
        inbound = _inbound(session, sorted(set(whatsapp)), people)
        return cls(settings, now, people, rows.disabled_channels(session), history, inbound)

    def context(self, draft: Draft, live: int, kind: str) -> Context:
        prefs = self.people.preferences.get(live)
        preferred_zone, zone_trait, phone = self.people.zone_inputs(live)
        quiet = None
        if prefs is not None and prefs.quiet_start and prefs.quiet_end:
            quiet = (prefs.quiet_start, prefs.quiet_end)
        facts = rows.ProfileFacts(
            live_id=live,
            timezone_trait=zone_trait,
            preferred_time_zone=preferred_zone,
            quiet_hours=quiet,
            preferred_channel=prefs.preferred_channel if prefs else None,
            phone=phone,
            disabled_channels=self.disabled,
            declared_kind=kind,
            history=self.history[live],  # shared: the chunk's own messages are added
            last_whatsapp_inbound=self.inbound.get(live),
        )
        ctx = Context(self.settings, draft.purpose, kind, self.now, facts)
        if not ctx.transactional:
            ctx.caps, ctx.history = frequency_caps(self.settings), facts.history
        return ctx


def _history(
    session: Session,
    settings: Settings,
    now: datetime,
    lives: list[int],
    people: rows.ChunkProfiles,
) -> dict[int, list[tuple[str, datetime]]]:
    """Each live profile's messages counted against the caps (its whole group's), one query."""
    caps = frequency_caps(settings)
    found: dict[int, list[tuple[str, datetime]]] = {}
    if caps and lives:
        members = [pid for live in lives for pid in people.members.get(live, [live])]
        found = rows.cap_history(session, members, now - widest(caps))
    return {
        live: [m for pid in people.members.get(live, [live]) for m in found.get(pid, [])]
        for live in lives
    }


def _inbound(session: Session, lives: list[int], people: rows.ChunkProfiles) -> dict[int, datetime]:
    """The last WhatsApp message from each live profile's group, one query."""
    if not lives:
        return {}
    owner = {pid: live for live in lives for pid in people.members.get(live, [live])}
    inbound: dict[int, datetime] = {}
    for pid, at in rows.last_whatsapp_inbound(session, sorted(owner)).items():
        live = owner.get(pid, pid)
        if live not in inbound or at > inbound[live]:
            inbound[live] = at
    return inbound
