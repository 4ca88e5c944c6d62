"""The gate again, when the outbox is about to send (the outbox's SendTimeCheck plug, run in
the lease transaction): consent for the exact identifier the message is addressed to, the
kill switch, WhatsApp's window, quiet hours (defer) and the frequency caps counted over what
was actually let go. A message it lets go is marked released, which is what later caps
count, so two queued messages leased in one round are counted one after the other.

A lease is checked at once: its messages read in one query, each judged in lease order (a
message let go earlier in the lease counts against the caps of the next, as it would once
written), then every answer written in one statement and the `Suppressed` receipts
appended in one call to the log."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from unison.kit.settings import Settings
from unison.messaging import repository as rows
from unison.messaging.gate.decide import DEFERRED, SUPPRESSED, WHATSAPP, Verdict, gather, judge
from unison.models import Message
from unison.outbox.envelope import Defer, Envelope, Send, Suppress
from unison.outbox.envelope import Verdict as SendVerdict
from unison.outbox.receipts import Receipt, record_receipts


@dataclass
class _Lease:
    """One lease's check: what it read, and what it will write at the end."""

    now: datetime
    messages: dict[int, Message]
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
        ids = [m for e in envelopes if (m := (e.meta or {}).get("message_id")) is not None]
        lease = _Lease(now, rows.by_ids(session, [int(m) for m in ids]) if ids else {})
        verdicts = [self._one(session, lease, envelope) for envelope in envelopes]
        rows.record_checks(session, lease.checks)
        record_receipts(session, lease.receipts)
        return verdicts

    def _one(self, session: Session, lease: _Lease, envelope: Envelope) -> SendVerdict:
        message_id = (envelope.meta or {}).get("message_id")
        if message_id is None:  # not a gated message: consent confirmations, replies, webhooks
            return Send()
        message = lease.messages.get(int(message_id))
        if message is None:
            return Suppress("the message's gate decision is gone (erased)")
        ctx = gather(
            session,
            self.settings,
            message.profile_id,
            message.purpose,
            lease.now,
            whatsapp=envelope.channel == WHATSAPP,
            exclude=message.id,
            released_only=True,
        )
        if ctx is None:
            return self._settle(lease, message, envelope, None, 0)
        ctx.recipient = envelope.recipient
        if message.released_at is not None:  # a retry of a send already counted
            ctx.caps = []
        else:  # what this lease let go before it, not written yet
            ctx.history = [*ctx.history, *lease.released.get(ctx.facts.live_id, [])]
        verdict = judge(session, ctx, envelope.channel, envelope.content or {})
        return self._settle(lease, message, envelope, verdict, ctx.facts.live_id)

    def _settle(
        self,
        lease: _Lease,
        message: Message,
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
