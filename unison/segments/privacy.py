"""Segments' part of data-subject requests: memberships, history (whose reasons hold the
values a condition saw) and timers are exported and erased with the person."""

from typing import Any

from sqlalchemy.orm import Session

from unison.consent.privacy.registry import Subject, register
from unison.kit.clock import isoformat_z
from unison.segments import repository as rows


def _export(session: Session, subject: Subject) -> Any:
    names = rows.segment_names(session)
    members = rows.members_of(session, subject.profile_ids)
    history = rows.history_of(session, subject.profile_ids)
    return {
        "memberships": [
            {"segment": names.get(m.segment_id), "entered_at": isoformat_z(m.entered_at)}
            for m in members
        ],
        "history": [
            {
                "segment": names.get(h.segment_id),
                "change": h.change,
                "at": isoformat_z(h.at),
                "trigger": h.trigger,
                "reason": h.reason,
            }
            for h in history
        ],
    }


def _erase(session: Session, subject: Subject) -> int:
    return rows.erase_profiles(session, subject.profile_ids)


register("segments", export=_export, erase=_erase)
