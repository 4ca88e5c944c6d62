"""The gate again, when the outbox is about to send (the outbox's SendTimeCheck plug, run in
the lease transaction): consent for the exact identifier the message is addressed to, the
kill switch, WhatsApp's window, quiet hours (defer) and the frequency caps counted over what
was actually let go. A message it lets go is marked released, which is what later caps
count, so two queued messages leased in one round are counted one after the other."""

from datetime import datetime

from sqlalchemy.orm import Session

from unison.kit.settings import Settings
from unison.messaging import repository as rows
from unison.messaging.gate.decide import DEFERRED, SUPPRESSED, WHATSAPP, Verdict, gather, judge
from unison.models import Message
from unison.outbox.envelope import Defer, Envelope, Send, Suppress
from unison.outbox.envelope import Verdict as SendVerdict
from unison.outbox.receipts import record_receipt


class GateCheck:
    """Plugged into the outbox's delivery round by unison/app/loops.py."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def check(self, session: Session, envelope: Envelope, now: datetime) -> SendVerdict:
        message_id = (envelope.meta or {}).get("message_id")
        if message_id is None:  # not a gated message: consent confirmations, replies, webhooks
            return Send()
        message = rows.by_id(session, int(message_id))
        if message is None:
            return Suppress("the message's gate decision is gone (erased)")
        verdict = self._judge(session, message, envelope, now)
        return self._settle(session, message, envelope, verdict, now)

    def _judge(
        self, session: Session, message: Message, envelope: Envelope, now: datetime
    ) -> Verdict | None:
        ctx = gather(
            session,
            self.settings,
            message.profile_id,
            message.purpose,
            now,
            whatsapp=envelope.channel == WHATSAPP,
            exclude=message.id,
            released_only=True,
        )
        if ctx is None:
            return None
        ctx.recipient = envelope.recipient
        if message.released_at is not None:  # a retry of a send already counted
            ctx.caps = []
        return judge(session, ctx, envelope.channel, envelope.content or {})

    def _settle(
        self,
        session: Session,
        message: Message,
        envelope: Envelope,
        verdict: Verdict | None,
        now: datetime,
    ) -> SendVerdict:
        if verdict is None or verdict.decision == SUPPRESSED:
            reason = ", ".join(verdict.reasons) if verdict else "unknown_profile"
            detail = verdict.detail if verdict else "the profile is gone"
            rows.record_check(
                session,
                message.id,
                {
                    "send_decision": "suppress",
                    "send_reason": f"{reason}: {detail}",
                    "checked_at": now,
                },
            )
            record_receipt(
                session, "Suppressed", envelope.meta, message.profile_id, envelope.channel, reason
            )
            return Suppress(f"{reason}: {detail}")
        if verdict.decision == DEFERRED and verdict.deliver_after is not None:
            rows.record_check(
                session,
                message.id,
                {"send_decision": "defer", "send_reason": verdict.detail, "checked_at": now},
            )
            return Defer(verdict.deliver_after, "quiet_hours")
        values = {"send_decision": "send", "send_reason": verdict.detail, "checked_at": now}
        if message.released_at is None:
            values["released_at"] = now
        rows.record_check(session, message.id, values)
        return Send()
