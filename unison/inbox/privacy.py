"""Conversations in data-subject requests: exported whole, erased whole."""

from typing import Any

from sqlalchemy.orm import Session

from unison.consent.privacy.registry import Subject, register
from unison.inbox import repository as rows


def _export(session: Session, subject: Subject) -> Any:
    return [
        {
            "id": conversation.id,
            "channel": conversation.channel,
            "thread_key": conversation.thread_key,
            "subject": conversation.subject,
            "started_at": conversation.started_at.isoformat(),
            "messages": [
                {
                    "id": m.id,
                    "direction": m.direction,
                    "kind": m.kind,
                    "text": m.text,
                    "attachments": m.attachments,
                    "provider_message_id": m.provider_message_id,
                    "sender_name": m.sender_name,
                    "sent_at": m.sent_at.isoformat(),
                }
                for m in messages
            ],
        }
        for conversation, messages in rows.all_of(session, subject.profile_ids)
    ]


def _erase(session: Session, subject: Subject) -> int:
    return rows.erase(session, subject.profile_ids)


register("conversations", export=_export, erase=_erase)
