"""The scheduled CLV refresh `unison serve` runs: when the last one is older than
UNISON_CLV_REFRESH_HOURS. The time of the last refresh is read from the traits it wrote, so
restarts and several API nodes agree on it (a second node finding it done skips it)."""

import logging
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from unison.clv import service
from unison.kit.clock import utcnow
from unison.kit.db import transaction
from unison.kit.errors import UnisonError
from unison.kit.settings import Settings
from unison.profiles import computed_traits

log = logging.getLogger(__name__)


class ScheduledRefresh:
    def __init__(self, sessions: sessionmaker[Session], settings: Settings) -> None:
        self.sessions, self.settings = sessions, settings
        self._failed_at: datetime | None = None  # a refresh that cannot run waits its turn too

    def __call__(self, now: datetime | None = None) -> int:
        """Refresh if due; always 0, so the loop pauses until the next check."""
        moment = now or utcnow()
        every = timedelta(hours=self.settings.clv_refresh_hours)
        if self._failed_at is not None and moment - self._failed_at < every:
            return 0
        with transaction(self.sessions) as session:
            last = computed_traits.last_computed_at(session, service.SOURCE)
            if last is not None and moment - last < every:
                return 0
            try:
                report = service.refresh(session, self.settings, moment)
            except UnisonError as exc:  # e.g. mixed currencies: the message says what to set
                self._failed_at = moment
                log.warning("scheduled CLV refresh skipped", extra={"why": exc.detail})
                return 0
        self._failed_at = None
        log.info("CLV refreshed", extra={"traits": report.traits_written})
        return 0
