"""Request dependencies: the runtime, a session that commits at the boundary, bearer auth."""

from collections.abc import Callable, Iterator
from typing import Annotated, Any, TypeVar

import anyio.to_thread
from fastapi import Depends, Request
from sqlalchemy.orm import Session

from unison.api.runtime import Runtime
from unison.auth.roles import Permission, allows
from unison.auth.service import active_token
from unison.kit.db import transaction
from unison.kit.errors import Forbidden, Unauthorized
from unison.models import ApiToken

T = TypeVar("T")


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


async def get_runtime(request: Request) -> Runtime:
    # async: FastAPI resolves it on the loop; every sync dependency costs a thread hop.
    return runtime_of(request)


def get_session(runtime: Runtime = Depends(get_runtime)) -> Iterator[Session]:
    """Only this boundary commits: on success after the endpoint, else it rolls back.

    Always depend on it through `DbSession` (or `SESSION`), never `Depends(get_session)`:
    see `SESSION`."""
    with transaction(runtime.sessions) as session:
        yield session


# scope="function": the commit runs when the endpoint has returned and its response is
# serialized, but BEFORE the response is sent (FastAPI's default for a yield dependency,
# "request", commits after sending). So a client that hears 2xx can read its write at once,
# and a failing commit turns into an error response instead of a 2xx for a lost write.
SESSION: Any = Depends(get_session, scope="function")

# The dependencies nearly every endpoint takes, as annotations: `session: DbSession`.
DbSession = Annotated[Session, SESSION]
AppRuntime = Annotated[Runtime, Depends(get_runtime)]


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        raise Unauthorized(
            "send Authorization: Bearer <token> (create one with `unison tokens create`); "
            "write keys grant nothing on /api",
            field="Authorization",
        )
    return credentials.strip()


def authorize(session: Session, request: Request, permission: Permission) -> ApiToken:
    """The request's bearer token, if it is active and its role grants `permission`."""
    token = active_token(session, _bearer(request))
    if token is None:
        raise Unauthorized("the bearer token is unknown or revoked", field="Authorization")
    if not allows(token.role, permission):
        raise Forbidden(
            f"role {token.role!r} lacks permission {permission.value!r}",
            field="Authorization",
        )
    return token


async def in_one_hop(request: Request, permission: Permission, work: Callable[[Session], T]) -> T:
    """Authorize and run `work` in one transaction on one worker thread.

    For the hottest read endpoints: FastAPI runs each sync dependency on its own thread-pool
    hop, which cost more than the lookup itself; this path takes exactly one.
    """
    runtime = runtime_of(request)

    def run() -> T:
        with transaction(runtime.sessions) as session:
            authorize(session, request, permission)
            return work(session)

    return await anyio.to_thread.run_sync(run)


def require(permission: Permission) -> Callable[..., ApiToken]:
    def dependency(request: Request, session: DbSession) -> ApiToken:
        return authorize(session, request, permission)

    return dependency


def requiring(permission: Permission) -> list[Any]:
    """A router's `dependencies=` when all its routes require one permission: said once there,
    not as a `_token` parameter on each endpoint."""
    return [Depends(require(permission))]


# The bearer token of a request whose role grants the permission (else 401/403), as an
# annotation: `_token: SegmentsWrite`. One per permission an endpoint requires.
EventsRead = Annotated[ApiToken, Depends(require(Permission.events_read))]
SourcesRead = Annotated[ApiToken, Depends(require(Permission.sources_read))]
SourcesWrite = Annotated[ApiToken, Depends(require(Permission.sources_write))]
TokensWrite = Annotated[ApiToken, Depends(require(Permission.tokens_write))]
ProfilesRead = Annotated[ApiToken, Depends(require(Permission.profiles_read))]
IdentityWrite = Annotated[ApiToken, Depends(require(Permission.identity_write))]
ConsentRead = Annotated[ApiToken, Depends(require(Permission.consent_read))]
ConsentWrite = Annotated[ApiToken, Depends(require(Permission.consent_write))]
ReachabilityRead = Annotated[ApiToken, Depends(require(Permission.reachability_read))]
WebhooksWrite = Annotated[ApiToken, Depends(require(Permission.webhooks_write))]
PrivacyWrite = Annotated[ApiToken, Depends(require(Permission.privacy_write))]
ConnectorsWrite = Annotated[ApiToken, Depends(require(Permission.connectors_write))]
ConversationsRead = Annotated[ApiToken, Depends(require(Permission.conversations_read))]
SegmentsRead = Annotated[ApiToken, Depends(require(Permission.segments_read))]
SegmentsWrite = Annotated[ApiToken, Depends(require(Permission.segments_write))]
ClvRead = Annotated[ApiToken, Depends(require(Permission.clv_read))]
ClvWrite = Annotated[ApiToken, Depends(require(Permission.clv_write))]
TemplatesRead = Annotated[ApiToken, Depends(require(Permission.templates_read))]
TemplatesWrite = Annotated[ApiToken, Depends(require(Permission.templates_write))]
MessagesRead = Annotated[ApiToken, Depends(require(Permission.messages_read))]
MessagesSend = Annotated[ApiToken, Depends(require(Permission.messages_send))]
MessagingChannelsWrite = Annotated[ApiToken, Depends(require(Permission.messaging_channels_write))]
BroadcastsRead = Annotated[ApiToken, Depends(require(Permission.broadcasts_read))]
