"""What the settings tabs share: one request to a tab (`Tab`: who asks, in which session, and
how a tab answers: the page with its notice or error, the audit entry of a change), and the
redirect after a change (so reloading the page does not repeat it)."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from unison.api.deps import AppRuntime, DbSession
from unison.api.runtime import Runtime
from unison.auth import audit
from unison.auth.roles import Permission
from unison.console.render import render
from unison.console.security import Staff, require

# (catalogue key, href, permission): a tab shows only to a role that may open it.
TABS: tuple[tuple[str, str, Permission], ...] = (
    ("settings.sources.title", "/console/settings/sources", Permission.settings_manage),
    ("settings.connectors.title", "/console/settings/connectors", Permission.settings_manage),
    ("settings.purposes.title", "/console/settings/purposes", Permission.settings_manage),
    ("settings.users.title", "/console/settings/users", Permission.users_write),
    ("settings.audit.title", "/console/settings/audit", Permission.audit_read),
)
NOTICE_PREFIX = "settings.notice."


def tabs(staff: Staff, path: str) -> list[dict[str, Any]]:
    return [
        {"key": key, "href": href, "current": path == href}
        for key, href, permission in TABS
        if staff.can(permission)
    ]


@dataclass(frozen=True)
class Tab:
    """One request to a settings tab, by a user the tab's permission let in."""

    request: Request
    session: Session
    runtime: Runtime
    staff: Staff

    def page(self, template: str, context: dict[str, Any], *, error: str | None = None) -> Response:
        """The tab, with the error of a refused change (status 400) or the notice the
        redirect after a change brought (catalogue keys only)."""
        notice = self.request.query_params.get("notice", "")
        extra = {
            "tabs": tabs(self.staff, self.request.url.path),
            "notice": notice if notice.startswith(NOTICE_PREFIX) else None,
            "error": error,
        }
        status = 200 if error is None else 400
        return render(self.request, template, {**extra, **context}, self.staff, status_code=status)

    def audit(self, action: str, target: str, details: dict[str, Any] | None = None) -> None:
        """The change, in the audit log, in the same transaction."""
        audit.record(self.session, self.staff.actor, action, target, details)


def tab_for(permission: Permission) -> Callable[..., Awaitable[Tab]]:
    """A dependency: the `Tab` of a request by a user holding `permission` (else the login,
    403 or expired-form page, before the handler runs: security.require)."""

    async def dependency(
        request: Request,
        session: DbSession,
        runtime: AppRuntime,
        staff: Annotated[Staff, Depends(require(permission))],
    ) -> Tab:
        return Tab(request, session, runtime, staff)

    return dependency


def done(path: str, notice: str) -> Response:
    """After a change: back to the tab, which shows what happened."""
    return RedirectResponse(f"{path}?notice={NOTICE_PREFIX}{notice}", status_code=303)


def tab_page(
    router: APIRouter, path: str, permission: Permission, show: Callable[[Tab], Response], doc: str
) -> None:
    """A tab's page (GET `path`) for users holding `permission`: `show` draws it, as it does
    again, with an error or what a change made, after the tab's own POST routes."""

    def page(tab: Annotated[Tab, Depends(tab_for(permission))]) -> Response:
        return show(tab)

    page.__doc__ = doc
    router.add_api_route(path, page, methods=["GET"], name=f"tab:{path}")
