"""What the collector knows of the source a write key belongs to: enough to stamp events."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SourceRef:
    id: int
    name: str
    channel: str
