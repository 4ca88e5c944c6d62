"""Segments' part of data-subject requests: memberships, history (whose reasons hold the
values a condition saw) and timers are exported and erased with the person."""

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from unison.consent.privacy.registry import Subject, register
from unison.kit.clock import isoformat_z
from unison.models import Segment, SegmentHistory, SegmentMember, SegmentTimer


def _export(session: Session, subject: Subject) -> Any:
    names = dict(session.execute(select(Segment.id, Segment.name)).all())
    members = session.execute(
        select(SegmentMember).where(SegmentMember.profile_id.in_(subject.profile_ids))
    ).scalars()
    history = session.execute(
        select(SegmentHistory)
        .where(SegmentHistory.profile_id.in_(subject.profile_ids))
        .order_by(SegmentHistory.id)
    ).scalars()
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
    erased = 0
    for model in (SegmentMember, SegmentHistory, SegmentTimer):
        result = session.execute(delete(model).where(model.profile_id.in_(subject.profile_ids)))
        erased += int(result.rowcount)  # type: ignore[attr-defined]
    return erased


register("segments", export=_export, erase=_erase)
