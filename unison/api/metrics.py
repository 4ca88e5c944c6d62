"""Prometheus metrics, one registry per app so tests and processes never share counters.

When `unison serve` runs several processes, prometheus_client's multiprocess mode keeps each
process's values in files under PROMETHEUS_MULTIPROC_DIR (app/serving.py sets it) and a
scrape sums them, so /metrics describes the whole server whichever process answers.
"""

import os
from functools import partial

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        per_source = partial(Counter, labelnames=["source"], registry=self.registry)
        self.events_accepted = per_source(
            "unison_events_accepted", "Events stored in the log for the first time"
        )
        self.events_rejected = per_source(
            "unison_events_rejected",
            "Events rejected by validation (kept in rejected_events)",
        )
        self.events_deduplicated = per_source(
            "unison_events_deduplicated",
            "Events dropped because their (source, messageId) was already stored",
        )
        self.request_latency = Histogram(
            "unison_http_request_duration_seconds",
            "HTTP request latency until the response is sent",
            ["method", "route", "status"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )

        # Set at scrape time by the answering process: its value is the one to show.
        per_processor = partial(
            Gauge, labelnames=["processor"], registry=self.registry, multiprocess_mode="mostrecent"
        )
        self.processor_lag_events = per_processor(
            "unison_processor_lag_events",
            "Events in the log not yet processed, by processor",
        )
        self.processor_lag_seconds = per_processor(
            "unison_processor_lag_seconds",
            "Age of the oldest event not yet processed, by processor",
        )

    def count_ingest(self, source: str, accepted: int, duplicates: int, rejected: int) -> None:
        if accepted:
            self.events_accepted.labels(source).inc(accepted)
        if duplicates:
            self.events_deduplicated.labels(source).inc(duplicates)
        if rejected:
            self.events_rejected.labels(source).inc(rejected)

    def render(self) -> bytes:
        directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
        if not directory:
            return generate_latest(self.registry)
        every_process = CollectorRegistry()
        MultiProcessCollector(every_process, path=directory)  # type: ignore[no-untyped-call]
        return generate_latest(every_process)
