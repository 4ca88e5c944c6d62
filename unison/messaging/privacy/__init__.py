"""Messaging's part of data-subject requests: the messages the gate decided for the person
(whom, on which channel, what it said and why) and their broadcast draws are exported with
the person and deleted on erasure. The outbox rows are the consent domain's "messages"
eraser's (consent/privacy/domains.py); receipts are events in the log, which the events
eraser anonymizes.

Registered on import: the composition root imports this module (messaging sits above consent
in the flow, so consent's privacy package cannot import it)."""

from typing import Any

from sqlalchemy.orm import Session

from unison.consent.privacy.registry import Subject, register
from unison.kit.clock import isoformat_z
from unison.messaging.privacy import repository as rows

NAME = "messaging"


def _time(value: Any) -> str | None:
    return isoformat_z(value) if value is not None else None


def _export(session: Session, subject: Subject) -> Any:
    values = [value for _, value in subject.identifiers]
    return {
        "messages": [
            {
                "id": m.id,
                "created_at": _time(m.created_at),
                "purpose": m.purpose,
                "template_id": m.template_id,
                "template_version": m.template_version,
                "campaign_id": m.campaign_id,
                "broadcast_id": m.broadcast_id,
                "variant": m.variant,
                "locale": m.locale,
                "channel": m.channel,
                "recipient": m.recipient,
                "decision": m.decision,
                "reasons": m.reasons,
                "detail": m.detail,
                "deliver_after": _time(m.deliver_after),
                "send_decision": m.send_decision,
                "send_reason": m.send_reason,
                "released_at": _time(m.released_at),
            }
            for m in rows.messages_of(session, subject.profile_ids, values)
        ],
        "broadcasts": [
            {
                "broadcast_id": r.broadcast_id,
                "variant": r.variant,
                "holdout": r.holdout,
                "state": r.state,
                "due_at": _time(r.due_at),
            }
            for r in rows.recipients_of(session, subject.profile_ids)
        ],
    }


def _erase(session: Session, subject: Subject) -> int:
    values = [value for _, value in subject.identifiers]
    return rows.erase(session, subject.profile_ids, values)


register(NAME, export=_export, erase=_erase)
