"""Health and metrics endpoints, and the middleware that measures every request."""

import logging
import time
from typing import Any

from fastapi import APIRouter, Request
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from unison import __version__
from unison.api.deps import runtime_of
from unison.api.responses import JsonResponse
from unison.api.runtime import Runtime
from unison.app.chain import processor_names
from unison.events import log as offsets
from unison.kit.db import transaction

router = APIRouter(tags=["operations"])
log = logging.getLogger("unison.http")


@router.get("/health")
def health(request: Request) -> Response:
    """Liveness and database reachability (503 when the database does not answer)."""
    runtime = runtime_of(request)
    started = time.perf_counter()
    try:
        with runtime.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        database: dict[str, Any] = {"status": "ok"}
    except Exception as exc:  # any driver failure means "unavailable", never a 500
        database = {"status": "unavailable", "error": type(exc).__name__}
    database["dialect"] = runtime.engine.dialect.name
    database["latency_ms"] = round((time.perf_counter() - started) * 1000, 2)
    ok = database["status"] == "ok"
    body: dict[str, Any] = {
        "status": "ok" if ok else "degraded",
        "version": __version__,
        "database": database,
    }
    if ok:
        body["processors"] = _processor_lag(runtime)
    return JsonResponse(body, status_code=200 if ok else 503)


def _processor_lag(runtime: Runtime) -> dict[str, Any]:
    report: dict[str, Any] = {}
    with transaction(runtime.sessions) as session:
        for name in processor_names(runtime.settings):
            lag = offsets.lag(session, name)
            lag["embedded"] = runtime.settings.embedded_worker
            runtime.metrics.processor_lag_events.labels(name).set(lag["behind_events"])
            runtime.metrics.processor_lag_seconds.labels(name).set(lag["lag_seconds"])
            report[name] = lag
    return report


@router.get("/metrics")
def metrics(request: Request) -> Response:
    """Prometheus text format: events accepted/rejected/deduplicated by source, latency,
    processing lag."""
    runtime = runtime_of(request)
    _processor_lag(runtime)  # gauges are read at scrape time
    return Response(runtime.metrics.render(), media_type=CONTENT_TYPE_LATEST)


class RequestMetricsMiddleware:
    """Pure ASGI (cheaper than BaseHTTPMiddleware on the ingest hot path). Logs method, route
    template, status and duration; never the URL query, headers or body, which may hold PII."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            self._record(scope, status, time.perf_counter() - started)

    def _record(self, scope: Scope, status: int, elapsed: float) -> None:
        route = scope.get("route")
        template = scope.get("unison.route") or getattr(route, "path", None) or "unmatched"
        runtime = scope["app"].state.runtime
        runtime.metrics.request_latency.labels(scope["method"], template, str(status)).observe(
            elapsed
        )
        level = logging.INFO if status >= 400 or elapsed > 1.0 else logging.DEBUG
        if log.isEnabledFor(level):
            log.log(
                level,
                "request",
                extra={
                    "method": scope["method"],
                    "route": template,
                    "status": status,
                    "ms": round(elapsed * 1000, 2),
                },
            )
