"""The gate again, when the outbox is about to send (the outbox's SendTimeCheck plug, run in
the lease transaction): consent for the exact identifier the message is addressed to, the
kill switch, WhatsApp's window, quiet hours (defer) and the frequency caps counted over what
was actually let go. A message it lets go is marked released, which is what later caps
count, so two queued messages leased in one round are counted one after the other.

A lease is checked at once: its messages read in one query, what the gate knows of their
profiles in a few more (gate/lease.py), consent for each message's exact identifier in a few
per (purpose, channel) of the lease, then each judged in lease order (a message let go
earlier in the lease counts against the caps of the next, as it would once written), every
answer written in one statement and the `Suppressed` receipts appended in one call to the
log."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from unison.consent.ledger.decision import Decision
from unison.consent.service import contactable_each
from unison.kit.settings import Settings
from unison.messaging import repository as rows
from unison.messaging.gate.decide import DEFERRED, SUPPRESSED, WHATSAPP, Verdict, verdict
from unison.messaging.gate.lease import LeaseFacts
from unison.outbox.envelope import Defer, Envelope, Send, Suppress
from unison.outbox.envelope import Verdict as SendVerdict
from unison.outbox.receipts import Receipt, record_receipts

Gated = list[tuple[Envelope, rows.Leased]]  # the lease's envelopes of messages still stored


@dataclass
class _Lease:
    """One lease's check: what it read, and what it will write at the end."""

    now: datetime
    messages: dict[int, rows.Leased]
    facts: LeaseFacts
    consent: dict[int, Decision]  # message id -> consent for its exact identifier
    released: dict[int, list[tuple[str, datetime]]] = field(default_factory=dict)  # live id
    checks: list[dict[str, Any]] = field(default_factory=list)
    receipts: list[Receipt] = field(default_factory=list)


class GateCheck:
    """Plugged into the outbox's delivery round by unison/app/loops.py."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def check_many(
        self, session: Session, envelopes: list[Envelope], now: datetime
    ) -> list[SendVerdict]:
        lease = self._read(session, envelopes, now)
        verdicts = [self._one(lease, envelope) for envelope in envelopes]
        rows.record_checks(session, lease.checks)
        record_receipts(session, lease.receipts)
        return verdicts

    def _read(self, session: Session, envelopes: list[Envelope], now: datetime) -> _Lease:
        """The lease's messages, what the gate knows of their profiles and consent for each
        one's exact identifier: a few statements for the whole lease."""
        ids = [m for e in envelopes if (m := _message_id(e)) is not None]
        messages = rows.leased_messages(session, ids)
        gated = [(e, messages[m]) for e in envelopes if (m := _message_id(e)) in messages]
        asked = [(message.profile_id, e.channel == WHATSAPP) for e, message in gated]
        facts = LeaseFacts.read(session, self.settings, now, asked)
        return _Lease(now, messages, facts, _consent(session, facts, gated))

    def _one(self, lease: _Lease, envelope: Envelope) -> SendVerdict:
        message_id = _message_id(envelope)
        if message_id is None:  # not a gated message: consent confirmations, replies, webhooks
            return Send()
        message = lease.messages.get(message_id)
        if message is None:
            return Suppress("the message's gate decision is gone (erased)")
        ctx = lease.facts.context(message.profile_id, message.purpose)
        if ctx is None:
            return self._settle(lease, message, envelope, None, 0)
        ctx.recipient = envelope.recipient
        if message.released_at is not None:  # a retry of a send already counted
            ctx.caps = []
        else:  # what this lease let go before it, not written yet
            ctx.history = [*ctx.history, *lease.released.get(ctx.facts.live_id, [])]
        consent = lease.consent[message.id]
        found = verdict(ctx, envelope.channel, envelope.content or {}, consent)
        return self._settle(lease, message, envelope, found, ctx.facts.live_id)

    def _settle(
        self,
        lease: _Lease,
        message: rows.Leased,
        envelope: Envelope,
        verdict: Verdict | None,
        live_id: int,
    ) -> SendVerdict:
        check = {"id": message.id, "checked_at": lease.now, "released_at": None}
        lease.checks.append(check)
        if verdict is None or verdict.decision == SUPPRESSED:
            reason = ", ".join(verdict.reasons) if verdict else "unknown_profile"
            detail = verdict.detail if verdict else "the profile is gone"
            check.update(send_decision="suppress", send_reason=f"{reason}: {detail}")
            lease.receipts.append(
                Receipt("Suppressed", envelope.meta, message.profile_id, envelope.channel, reason)
            )
            return Suppress(f"{reason}: {detail}")
        if verdict.decision == DEFERRED and verdict.deliver_after is not None:
            check.update(send_decision="defer", send_reason=verdict.detail)
            return Defer(verdict.deliver_after, "quiet_hours")
        check.update(send_decision="send", send_reason=verdict.detail, released_at=lease.now)
        if message.released_at is None:
            lease.released.setdefault(live_id, []).append((envelope.channel, lease.now))
        return Send()


def _message_id(envelope: Envelope) -> int | None:
    found = (envelope.meta or {}).get("message_id")
    return None if found is None else int(found)


def _consent(session: Session, facts: LeaseFacts, gated: Gated) -> dict[int, Decision]:
    """Consent for each message's exact identifier, asked once per (purpose, channel) of the
    lease (a message whose profile is gone is not asked: it is suppressed as such)."""
    asks: dict[tuple[str, str], list[tuple[int, int, str | None]]] = {}
    for envelope, message in gated:
        live = facts.live(message.profile_id)
        if live is not None:
            ask = (message.id, live, envelope.recipient)
            asks.setdefault((message.purpose, envelope.channel), []).append(ask)
    decided: dict[int, Decision] = {}
    for (purpose, channel), each in asks.items():
        answers = contactable_each(
            session,
            [(live, recipient) for _, live, recipient in each],
            purpose,
            channel,
            kind=facts.kind(purpose),
        )
        decided.update(zip([message_id for message_id, _, _ in each], answers, strict=True))
    return decided
