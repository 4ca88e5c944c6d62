"""The `unison-segments` source that writes `segment.entered` / `segment.exited` events."""

from sqlalchemy.orm import Session

from unison.sources import service as sources

SYSTEM_SOURCE = "unison-segments"


def source_id(session: Session) -> int:
    return sources.system_source_id(session, SYSTEM_SOURCE)
