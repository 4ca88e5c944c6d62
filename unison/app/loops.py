"""The one list of background loops. `unison serve` starts it beside the API (the log
processors and segment timers only with UNISON_EMBEDDED_WORKER, the default); `unison
worker` starts the same list's log-processing part on its own."""

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from unison.app.chain import build_chain
from unison.channels.senders import Suppressions, load_senders
from unison.clv.tasks import ScheduledRefresh
from unison.consent.ledger.webhooks import RECIPIENT_TYPE as CONSENT_WEBHOOK
from unison.consent.ledger.webhooks import webhook_channel
from unison.kit.background import PollingLoop
from unison.kit.settings import Settings
from unison.messaging.broadcasts.tasks import NICE as FAN_OUT_NICE
from unison.messaging.broadcasts.tasks import FanOut
from unison.messaging.send_time import GateCheck
from unison.outbox.channels import Plug, typed
from unison.outbox.delivery import deliver_due as deliver_messages
from unison.outbox.envelope import Senders
from unison.segments.realtime.scheduler import SegmentTimers
from unison.worker.runner import run_chain_once


@dataclass(frozen=True)
class Loops:
    processors: PollingLoop | None  # the log processors in flow order; ingest commits wake it
    others: list[PollingLoop]

    @property
    def all(self) -> list[PollingLoop]:
        return [*([self.processors] if self.processors else []), *self.others]


def background_loops(
    settings: Settings,
    sessions: sessionmaker[Session],
    *,
    processing: bool,
    delivery: bool,
    fan_out: bool | None = None,
    batch_size: int | None = None,
    poll_seconds: float = 0.5,
) -> Loops:
    """`processing`: the log processors and the segment timers (they project the log);
    `delivery`: consent webhooks, the message outbox and the scheduled CLV refresh;
    `fan_out` (by default as `delivery`): broadcasts' fan-out, of this process's share of
    their recipients (`settings.broadcast_share`)."""
    processors, others = None, []
    if processing:
        runners = build_chain(settings, sessions, batch_size=batch_size)
        processors = PollingLoop(
            "log-processor", lambda: run_chain_once(runners), poll_seconds=poll_seconds
        )
        interval = settings.segments_timer_interval_seconds
        # Timers fire every `interval`, the first time one interval after start.
        timers = SegmentTimers(sessions, settings)
        others.append(PollingLoop("segment-timers", timers, interval, first_after=interval))
    if delivery:
        others.extend(_delivery_loops(settings, sessions))
    if (delivery if fan_out is None else fan_out) and settings.broadcasts_enabled:
        # Broadcasts' fan-out (issue 17): committed chunks through the send pipeline.
        others.append(
            PollingLoop(
                "broadcasts",
                FanOut(sessions, settings),
                settings.broadcasts_poll_seconds,
                nice=FAN_OUT_NICE,
            )
        )
    return Loops(processors, others)


def _delivery_loops(settings: Settings, sessions: sessionmaker[Session]) -> list[PollingLoop]:
    loops = []
    if settings.consent_webhooks_enabled:
        # One outbox: consent webhooks are its `webhook` channel, delivered by their own loop
        # so UNISON_CONSENT_WEBHOOKS_ENABLED can switch them alone.
        loops.append(
            PollingLoop(
                "consent-webhooks",
                lambda: deliver_messages(sessions, settings, _consent_webhooks(sessions, settings)),
            )
        )
    if settings.outbox_delivery_enabled:
        gate = GateCheck(settings)  # the send gate again at send time (issue 17)
        loops.append(
            PollingLoop(
                "outbox",
                lambda: deliver_messages(
                    sessions,
                    settings,
                    load_senders(sessions, settings),
                    unreachable=Suppressions(),
                    check=gate,
                ),
            )
        )
    if settings.clv_refresh_hours > 0:
        loops.append(
            PollingLoop(
                "clv-refresh",
                ScheduledRefresh(sessions, settings),
                poll_seconds=300,
                first_after=300,  # not in the way of start-up and a first burst of traffic
            )
        )
    return loops


def _consent_webhooks(sessions: sessionmaker[Session], settings: Settings) -> Plug | Senders:
    """Consent's subscriptions take only their own rows of the `webhook` channel; messaging's
    webhook destinations (recipient type `url`) go with the outbox loop."""
    return typed(webhook_channel(sessions, settings), {"webhook": [CONSENT_WEBHOOK]})
