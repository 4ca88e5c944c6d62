"""Draining the processor chain in tests until it has the whole log.

On PostgreSQL processors read only rows older than every transaction open anywhere on the
server (other databases' included: transaction ids are cluster-wide), so on a shared test
server a committed event can take a moment to become readable. Tests wait for that horizon
here, bounded, instead of flaking; it is waiting on other sessions, never on our own work.
"""

import time

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session, sessionmaker

from unison.app.chain import drain_chain
from unison.events import log as offsets
from unison.models import Event
from unison.worker.runner import Runner


def drain_until_caught_up(
    runners: list[Runner], sessions: sessionmaker[Session], *, timeout: float = 30.0
) -> int:
    total, deadline = 0, time.monotonic() + timeout
    while True:
        total += drain_chain(runners)
        names = [runner.processor.name for runner in runners]
        if all(caught_up(sessions, name) for name in names) or time.monotonic() > deadline:
            return total
        time.sleep(0.005)


def caught_up(sessions: sessionmaker[Session], name: str) -> bool:
    with sessions() as session:
        position = offsets.current(session, name)
        if session.get_bind().dialect.name == "postgresql":
            behind = tuple_(Event.txid, Event.id) > tuple_(position.txid, position.position)
        else:
            behind = Event.id > position.position
        return session.execute(select(func.count()).where(behind)).scalar_one() == 0
