"""Prometheus metrics, one registry per app so tests and processes never share counters."""

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.events_accepted = Counter(
            "unison_events_accepted",
            "Events stored in the log for the first time",
            ["source"],
            registry=self.registry,
        )
        self.events_rejected = Counter(
            "unison_events_rejected",
            "Events rejected by validation (kept in rejected_events)",
            ["source"],
            registry=self.registry,
        )
        self.events_deduplicated = Counter(
            "unison_events_deduplicated",
            "Events dropped because their (source, messageId) was already stored",
            ["source"],
            registry=self.registry,
        )
        self.request_latency = Histogram(
            "unison_http_request_duration_seconds",
            "HTTP request latency until the response is sent",
            ["method", "route", "status"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )

        self.processor_lag_events = Gauge(
            "unison_processor_lag_events",
            "Events in the log not yet processed, by processor",
            ["processor"],
            registry=self.registry,
        )
        self.processor_lag_seconds = Gauge(
            "unison_processor_lag_seconds",
            "Age of the oldest event not yet processed, by processor",
            ["processor"],
            registry=self.registry,
        )

    def count_ingest(self, source: str, accepted: int, duplicates: int, rejected: int) -> None:
        if accepted:
            self.events_accepted.labels(source).inc(accepted)
        if duplicates:
            self.events_deduplicated.labels(source).inc(duplicates)
        if rejected:
            self.events_rejected.labels(source).inc(rejected)

    def render(self) -> bytes:
        return generate_latest(self.registry)
