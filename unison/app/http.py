"""The FastAPI application."""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi_offline import FastAPIOffline

from unison import __version__
from unison.api.body import refuse_deep_json
from unison.api.errors import install_error_handlers
from unison.api.home import router as home_router
from unison.api.openapi import document_errors
from unison.api.text_params import refuse_nul_characters
from unison.app import privacy as _privacy  # noqa: F401 - every domain's eraser, registered
from unison.app.operations import RequestMetricsMiddleware
from unison.app.operations import router as operations_router
from unison.app.runtime import build_runtime
from unison.auth.endpoints import router as tokens_router
from unison.channels.endpoints import router as connectors_router
from unison.channels.hooks import WebhookFastPath
from unison.channels.hooks import router as hooks_router
from unison.clv.endpoints import router as clv_router
from unison.consent.admin_endpoints import router as consent_admin_router
from unison.consent.endpoints import router as consent_router
from unison.consent.preference_center.pages import router as preference_pages
from unison.consent.privacy.endpoints import router as privacy_router
from unison.consent.webhook_endpoints import router as webhooks_router
from unison.console.mount import mount_console
from unison.events.collect import CollectFastPath
from unison.events.collect import router as collect
from unison.events.endpoints import read
from unison.identity.endpoints import router as identity_router
from unison.inbox.endpoints import router as inbox_router
from unison.kit.settings import Settings, get_settings
from unison.messaging.broadcasts.endpoints import router as broadcasts_router
from unison.messaging.endpoints import router as messaging_router
from unison.messaging.templates.endpoints import router as templates_router
from unison.messaging.tracking.endpoints import router as tracking_router
from unison.profiles.endpoints import router as profiles_router
from unison.segments.endpoints import router as segments_router
from unison.sources.endpoints import router as sources_router


def create_app(
    settings: Settings | None = None,
    *,
    background: bool = True,
    on_commit: Callable[[], None] | None = None,
    fan_out: bool | None = None,
) -> FastAPI:
    """The app; `background`, `on_commit` and `fan_out` as in `build_runtime`."""
    runtime = build_runtime(
        settings or get_settings(), background=background, on_commit=on_commit, fan_out=fan_out
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        runtime.start()
        try:
            yield
        finally:
            runtime.stop()

    # FastAPIOffline serves Swagger UI and ReDoc from files in its package: no CDN, so the
    # docs work offline and no third party sees who reads them.
    app = FastAPIOffline(
        title="Unison",
        version=__version__,
        description="Omnichannel customer platform: Segment-compatible collection and APIs.",
        lifespan=lifespan,
        dependencies=[Depends(refuse_deep_json), Depends(refuse_nul_characters)],
    )
    app.state.runtime = runtime
    install_error_handlers(app)
    document_errors(app)
    app.add_middleware(CollectFastPath)
    app.add_middleware(WebhookFastPath)  # /hooks/*: channel webhooks (unison/channels/)
    app.add_middleware(RequestMetricsMiddleware)  # added last, so outermost: times everything
    routers = (
        home_router,
        collect,
        read,
        profiles_router,
        identity_router,
        sources_router,
        tokens_router,
        operations_router,
        consent_router,
        consent_admin_router,
        webhooks_router,
        privacy_router,
        preference_pages,
        hooks_router,
        connectors_router,
        inbox_router,
        segments_router,
        clv_router,
        messaging_router,
        templates_router,
        broadcasts_router,
        tracking_router,  # open pixel and click redirects (issue 17)
    )
    for router in routers:
        app.include_router(router)
    mount_console(app)  # /console: the web console (unison/console, docs/design/console.md)
    return app
