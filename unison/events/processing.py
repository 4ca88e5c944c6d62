"""What every log processor is: a domain's reaction to new events, in two steps the runner
(unison/worker/runner.py) calls in one transaction with the processor's new position.

`plan` decides a batch's effects from reads alone; `write` writes them. Keeping the two apart
lets a split or a rebuild replay a batch's plan, and keeps the decisions testable without
writes. `forget` drops whatever a processor caches between batches when the runner finds its
position moved by another worker, a split or a rebuild.
"""

from typing import Generic, TypeVar

from sqlalchemy.orm import Session

from unison.events.log import LogEvent

PlanT = TypeVar("PlanT")


class Processor(Generic[PlanT]):
    name: str

    def plan(self, session: Session, events: list[LogEvent]) -> PlanT:
        """Decide a batch's effects from reads alone."""
        raise NotImplementedError

    def write(self, session: Session, plan: PlanT) -> None:
        """Write the decided effects."""
        raise NotImplementedError

    def process(self, session: Session, events: list[LogEvent]) -> None:
        """Decide and write in one session (splits replay this way)."""
        self.write(session, self.plan(session, events))

    def forget(self) -> None:
        """Nothing is cached between batches unless a processor says otherwise."""
