"""How the console answers a refusal: the login page (with `next`), the 403 page, the
expired-form page, the 404 page. HTML for people, never the API's JSON."""

from urllib.parse import quote

from fastapi import FastAPI, Request
from starlette.responses import RedirectResponse, Response

from unison.console.lookup import PageNotFound
from unison.console.render import render
from unison.console.security import ConsoleForbidden, CsrfRefused, LoginRequired, Staff

LOGIN_PATH = "/console/login"


def login_url(request: Request) -> str:
    """The login page, with the page to come back to (a GET's own address; else none)."""
    if request.method != "GET":
        return LOGIN_PATH
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"{LOGIN_PATH}?next={quote(target, safe='')}"


def not_found(request: Request, staff: Staff | None) -> Response:
    """The 404 page: an address that names nothing (in the layout when logged in)."""
    return render(request, "errors/404.html", {}, staff, status_code=404)


async def _login_required(request: Request, _exc: Exception) -> Response:
    url = login_url(request)
    if request.headers.get("hx-request"):
        # htmx swaps responses into the page; HX-Redirect makes it load the login page whole.
        return Response(status_code=401, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


async def _not_found(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageNotFound)
    return not_found(request, exc.staff)


async def _forbidden(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ConsoleForbidden)
    return render(request, "errors/403.html", {}, exc.staff, status_code=403)


async def _csrf(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, CsrfRefused)
    return render(request, "errors/csrf.html", {}, exc.staff, status_code=403)


def install_handlers(app: FastAPI) -> None:
    app.add_exception_handler(LoginRequired, _login_required)
    app.add_exception_handler(ConsoleForbidden, _forbidden)
    app.add_exception_handler(CsrfRefused, _csrf)
    app.add_exception_handler(PageNotFound, _not_found)
