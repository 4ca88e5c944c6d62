"""A rendered message through the gate into the outbox: choose the channel, judge it, store
the decision (the `messages` row) and queue the outbox row, all in the caller's transaction.
A retry with the same idempotency key returns the stored decision and queues nothing."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from unison.consent.service import kinds as purpose_kinds
from unison.consent.vocabulary import CHANNEL_IDENTIFIER, check_purpose
from unison.kit.clock import utcnow
from unison.kit.settings import Settings
from unison.messaging import choice as choosing
from unison.messaging import repository as rows
from unison.messaging.errors import ChannelUnknown, IdempotencyKeyReused, ProfileNotFound
from unison.messaging.gate.decide import DEFERRED, WHATSAPP, Context, Verdict, gather, judge
from unison.messaging.gate.zones import customer_zone
from unison.messaging.schemas import MessageDecision as MessageView
from unison.models import Message
from unison.outbox import queue as outbox
from unison.outbox.receipts import record_receipt

# The channels a message can be addressed on: each reaches one identifier type of a profile.
CHANNELS = ("email", "sms", "telegram", "viber", "whatsapp", "push")


@dataclass(frozen=True)
class Candidate:
    """One rendered alternative: a channel and what would be sent on it."""

    channel: str
    content: dict[str, Any]
    template_id: int | None = None
    template_version: int | None = None
    locale: str | None = None


@dataclass(frozen=True)
class Draft:
    profile_id: int
    purpose: str
    idempotency_key: str
    candidates: list[Candidate]
    campaign_id: str | None = None
    broadcast_id: int | None = None
    variant: str | None = None
    segment_id: int | None = None
    choice: str | None = None  # "preferred" | "learned"; None: the configured default


@dataclass(frozen=True)
class Picked:
    verdict: Verdict
    candidate: Candidate
    reason: str
    facts: dict[str, Any] = field(default_factory=dict)


def check_channel(channel: str, field: str = "channel") -> str:
    if channel not in CHANNELS:
        raise ChannelUnknown(
            f"channel {channel!r} cannot carry a message to a profile; accepted: "
            f"{', '.join(CHANNELS)}",
            field=field,
        )
    return channel


def purpose_kind(session: Session, settings: Settings, purpose: str) -> str:
    """The purpose's kind (service or marketing); an undeclared purpose is refused."""
    kinds = purpose_kinds(session, settings)
    return kinds[check_purpose(purpose, kinds)]


def check_profile(session: Session, profile_id: int) -> None:
    if rows.profile_facts(session, profile_id, whatsapp=False) is None:
        raise ProfileNotFound(f"no profile with id {profile_id}", field="profile_id")


def replay(session: Session, key: str, profile_id: int) -> MessageView | None:
    """The stored decision for `key`, if any; a key reused for another profile is refused."""
    found = rows.by_key(session, key)
    return None if found is None else replayed(session, found, profile_id)


def replayed(session: Session, found: Message, profile_id: int) -> MessageView:
    """The stored decision `found` answering a retry for `profile_id` (refused for another
    profile's key)."""
    key = found.idempotency_key
    if found.profile_id != profile_id and not _same_group(session, found.profile_id, profile_id):
        raise IdempotencyKeyReused(
            f"idempotency_key {key!r} was already used for another profile's message",
            field="idempotency_key",
        )
    return view(found, replayed=True)


def _same_group(session: Session, one: int, other: int) -> bool:
    first = rows.profile_facts(session, one, whatsapp=False)
    second = rows.profile_facts(session, other, whatsapp=False)
    return first is not None and second is not None and first.live_id == second.live_id


def view(message: Message, *, replayed: bool = False) -> MessageView:
    return MessageView.model_validate(message).model_copy(update={"replayed": replayed})


def decide_and_queue(
    session: Session, settings: Settings, draft: Draft, now: datetime | None = None
) -> MessageView:
    """Judge the draft, store the decision and, unless suppressed, queue it."""
    if (found := replay(session, draft.idempotency_key, draft.profile_id)) is not None:
        return found
    moment = now or utcnow()
    channels = [check_channel(c.channel, "template_id") for c in draft.candidates]
    ctx = gather(
        session, settings, draft.profile_id, draft.purpose, moment, whatsapp=WHATSAPP in channels
    )
    if ctx is None:
        raise ProfileNotFound(f"no profile with id {draft.profile_id}", field="profile_id")
    picked = pick(session, ctx, draft)
    values = row_of(draft, ctx, picked, moment)
    message_id = rows.add_message(session, values)
    if message_id is None:  # a concurrent retry with the same key decided first
        raced = replay(session, draft.idempotency_key, draft.profile_id)
        assert raced is not None
        return raced
    outbox_key = None
    if picked.verdict.usable:
        outbox_key = _queue(session, message_id, draft, ctx, picked)
    else:
        meta = meta_of(message_id, draft, picked.candidate)
        reason = ", ".join(picked.verdict.reasons)
        record_receipt(
            session, "Suppressed", meta, ctx.facts.live_id, picked.verdict.channel, reason, moment
        )
    return MessageView(id=message_id, **{**values, "outbox_key": outbox_key})


Judging = Callable[[Context, str, dict[str, Any]], Verdict]


def pick(session: Session, ctx: Context, draft: Draft, judging: Judging | None = None) -> Picked:
    """The first channel of the chosen order the gate does not refuse (else the first);
    `judging` is the gate for one channel (default: `judge`, consent asked for this profile;
    the batch path gives consent's answers read for its whole chunk)."""
    by_channel = {c.channel: c for c in draft.candidates}
    chosen = _order(session, ctx, draft, list(by_channel))
    refused: list[Verdict] = []
    for channel in chosen.order:
        content = by_channel[channel].content
        verdict = (
            judging(ctx, channel, content) if judging else judge(session, ctx, channel, content)
        )
        if verdict.usable:
            return Picked(
                verdict, by_channel[channel], _explain(chosen, refused, channel), chosen.facts
            )
        refused.append(verdict)
    first = refused[0]
    return Picked(first, by_channel[first.channel], _explain(chosen, refused, None), chosen.facts)


def _order(session: Session, ctx: Context, draft: Draft, candidates: list[str]) -> choosing.Choice:
    preferred = ctx.facts.preferred_channel
    mode = draft.choice or ctx.settings.messaging_channel_choice
    if mode != "learned" or len(candidates) == 1:
        return choosing.preferred_order(ctx.settings, preferred, candidates)
    zone, _ = customer_zone(
        ctx.facts.preferred_time_zone,
        ctx.facts.timezone_trait,
        ctx.facts.phone,
        ctx.settings.messaging_default_time_zone,
    )
    return choosing.learned_order(
        session,
        ctx.settings,
        ctx.facts.live_id,
        preferred,
        candidates,
        zone,
        draft.segment_id,
        ctx.now,
    )


def _explain(chosen: choosing.Choice, refused: list[Verdict], channel: str | None) -> str:
    skipped = "; ".join(f"{v.channel} refused ({', '.join(v.reasons)})" for v in refused)
    if channel is None:
        return f"{chosen.reason}; no channel could be used: {skipped}"
    if not refused:
        return chosen.reason
    return f"{channel}: next in order after {skipped} ({chosen.reason})"


def row_of(draft: Draft, ctx: Context, picked: Picked, now: datetime) -> dict[str, Any]:
    verdict, candidate = picked.verdict, picked.candidate
    return {
        "idempotency_key": draft.idempotency_key,
        "profile_id": ctx.facts.live_id,
        "template_id": candidate.template_id,
        "template_version": candidate.template_version,
        "campaign_id": draft.campaign_id,
        "broadcast_id": draft.broadcast_id,
        "variant": draft.variant,
        "purpose": draft.purpose,
        "transactional": ctx.transactional,
        "locale": candidate.locale,
        "channel": verdict.channel,
        "channel_reason": picked.reason,
        "recipient": verdict.recipient,
        "decision": verdict.decision,
        "reasons": verdict.reasons,
        "detail": verdict.detail,
        "deliver_after": verdict.deliver_after,
        "created_at": now,
        "choice": picked.facts,
    }


def meta_of(message_id: int, draft: Draft, candidate: Candidate) -> dict[str, Any]:
    """What receipts copy into their events so analytics can join them (contract h17)."""
    return {
        "message_id": message_id,
        "template_id": candidate.template_id,
        "template_version": candidate.template_version,
        "campaign_id": draft.campaign_id,
        "broadcast_id": draft.broadcast_id,
        "variant": draft.variant,
    }


def _queue(session: Session, message_id: int, draft: Draft, ctx: Context, picked: Picked) -> str:
    verdict, candidate = picked.verdict, picked.candidate
    assert verdict.recipient is not None  # an allowed consent decision names its identifier
    key = f"message:{message_id}"
    outbox.enqueue(
        session,
        outbox.Outgoing(
            idempotency_key=key,
            profile_id=ctx.facts.live_id,
            channel=verdict.channel,
            recipient_type=CHANNEL_IDENTIFIER[verdict.channel],
            recipient=verdict.recipient,
            purpose=draft.purpose,
            language=candidate.locale or "",
            body=plain_text(candidate.content),
            subject=candidate.content.get("subject"),
            content=candidate.content,
            meta=meta_of(message_id, draft, candidate),
        ),
    )
    rows.set_outbox_key(session, message_id, key)
    if verdict.decision == DEFERRED and verdict.deliver_after is not None:
        rows.defer_outbox(session, key, verdict.deliver_after)
    return key


def plain_text(content: dict[str, Any]) -> str:
    """The content's text, for the outbox's `body` (what channels without `content` read)."""
    for name in ("text", "body"):
        if isinstance(content.get(name), str):
            return str(content[name])
    if isinstance(content.get("template"), dict):
        return str(content["template"].get("name", ""))
    return ""
