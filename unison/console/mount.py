"""The console inside the app: `/console/static` (vendored htmx, our CSS), every area's
pages, and the refusal pages. Called by the composition root (unison/app/http.py)."""

import importlib
import pkgutil

from fastapi import APIRouter, FastAPI, Request
from starlette.responses import Response
from starlette.staticfiles import StaticFiles

import unison.console
from unison.api.deps import DbSession
from unison.console.errors import install_handlers, not_found
from unison.console.render import STATIC
from unison.console.security import Staff, current_login


def area_routers() -> list[APIRouter]:
    """Each area's `router`: every sub-package of unison/console with a `pages` module, in
    name order. An area (customers, segments, journeys, ...) adds pages by existing."""
    found = []
    for module in sorted(pkgutil.iter_modules(unison.console.__path__), key=lambda m: m.name):
        if module.ispkg:
            try:
                pages = importlib.import_module(f"unison.console.{module.name}.pages")
            except ModuleNotFoundError as exc:
                if exc.name != f"unison.console.{module.name}.pages":
                    raise
                continue
            found.append(pages.router)
    return found


_fallback = APIRouter(include_in_schema=False)


@_fallback.get("/console/{path:path}")
def unknown_address(request: Request, session: DbSession) -> Response:
    """Any other console address: the 404 page (in the layout when logged in)."""
    login = current_login(request, session)
    return not_found(request, Staff(login) if login else None)


def mount_console(app: FastAPI) -> None:
    app.mount("/console/static", StaticFiles(directory=STATIC), name="console-static")
    for router in area_routers():
        app.include_router(router, include_in_schema=False)
    app.include_router(_fallback)
    install_handlers(app)
