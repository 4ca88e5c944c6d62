"""The registry every domain adds its exporter and eraser to.

An eraser receives the `Subject` (the person's profiles, identifiers, events and the PII
strings to hunt for) and removes or anonymizes everything its tables hold about them.
Domains built later (conversations, journeys...) register theirs with `register` at import
time, in their package's `privacy.py`; the composition root imports every one of those
(`unison/app/privacy.py`), so consent never imports the domains above it.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Subject:
    profile_id: int  # the live profile
    profile_ids: list[int]  # every profile merged into it
    identifiers: list[tuple[str, str]]
    event_ids: list[int]
    # Every string that identifies the person (identifier values, names): erasers also scan
    # for these where rows are not attributed to the profile (rejected events, ...).
    pii: list[str] = field(default_factory=list)


Exporter = Callable[[Session, Subject], Any]
Eraser = Callable[[Session, Subject], int]


@dataclass(frozen=True)
class Domain:
    name: str
    export: Exporter | None
    erase: Eraser | None


DOMAINS: dict[str, Domain] = {}


def register(name: str, *, export: Exporter | None = None, erase: Eraser | None = None) -> None:
    DOMAINS[name] = Domain(name, export, erase)
