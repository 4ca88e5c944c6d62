"""HTTP routes for profiles: the 360 view, lookup, search, timeline, merges, split."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from unison.api.deps import (
    AppRuntime,
    DbSession,
    IdentityWrite,
    ProfilesRead,
    in_one_hop,
    runtime_of,
)
from unison.api.ids import ProfileId
from unison.api.openapi import raises
from unison.auth import audit
from unison.auth.roles import Permission
from unison.identity import service as identity
from unison.identity.errors import MergeNotFound, MergeNotInProfile
from unison.identity.identifiers import BUILTIN_TYPES
from unison.identity.schemas import Merge, SplitRequest, SplitResult
from unison.kit.errors import InvalidParameter
from unison.kit.pagination import Page, decode_cursor, encode_cursor
from unison.profiles import regroup, repository, service
from unison.profiles.errors import IdentifierInvalid, ProfileNotFound
from unison.profiles.processor import NAME as PROCESSOR
from unison.profiles.schemas import ProfileListItem, ProfileView, TimelineItem
from unison.profiles.search import service as search
from unison.profiles.search.terms import fold

router = APIRouter(prefix="/api/profiles", tags=["profiles"])


def _json(body: bytes) -> Response:
    # Already serialized by the schema (ProfileView): no second validation pass by FastAPI.
    return Response(body, media_type="application/json")


Limit = Annotated[int, Query(ge=1, le=500, description="page size, 1-500")]


@router.get(
    "/lookup", response_model=ProfileView, responses=raises(ProfileNotFound, IdentifierInvalid)
)
async def lookup_profile(
    request: Request,
    type: Annotated[str, Query(description="identifier type, e.g. email, phone, user_id")],
    value: Annotated[str, Query(min_length=1, max_length=255)],
) -> Response:
    """The profile holding an identifier; the value is normalized as at ingestion."""
    known = (*BUILTIN_TYPES, *runtime_of(request).settings.identity_custom_types)
    if type not in known:
        raise InvalidParameter(
            f"type {type!r} is not an identifier type; accepted: {', '.join(known)}", field="type"
        )

    def view(session: Session) -> bytes:
        return service.lookup_view(session, type, value).model_dump_json().encode()

    return Response(
        await in_one_hop(request, Permission.profiles_read, view), media_type="application/json"
    )


@router.get("")
def search_profiles(
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=200,
            description="any part of a name, an email or its part (3+ characters), a phone "
            "number however typed, or any identifier",
        ),
    ],
    session: DbSession,
    _token: ProfilesRead,
    limit: Limit = 50,
    cursor: str | None = None,
) -> Page[ProfileListItem]:
    """Search live profiles: exact identifier first, then identifier prefix, name, substring."""
    if not fold(q):
        raise InvalidParameter("q is blank; give a name, email, phone or identifier", field="q")
    after = None
    if cursor is not None:
        rank, profile_id = decode_cursor(cursor, 2)
        if not isinstance(rank, int) or not isinstance(profile_id, int) or not 0 <= rank <= 3:
            raise InvalidParameter(
                "cursor is not one this API issued; pass next_cursor from a previous page",
                field="cursor",
            )
        after = (rank, profile_id)
    items, more = search.search(session, q, limit, after)
    return Page[ProfileListItem](items=items, next_cursor=encode_cursor(*more) if more else None)


@router.get("/{profile_id}", response_model=ProfileView, responses=raises(ProfileNotFound))
async def get_profile(request: Request, profile_id: ProfileId) -> Response:
    """The 360 view: identifiers, traits with provenance, stats, channels, merges."""

    def view(session: Session) -> bytes:
        return service.profile_view(session, profile_id).model_dump_json().encode()

    return Response(
        await in_one_hop(request, Permission.profiles_read, view), media_type="application/json"
    )


@router.get("/{profile_id}/timeline", responses=raises(ProfileNotFound))
def profile_timeline(
    profile_id: ProfileId,
    session: DbSession,
    _token: ProfilesRead,
    channel: str | None = None,
    event: str | None = None,
    system: Annotated[
        Literal["include", "exclude", "only"],
        Query(
            description="events Unison writes itself (consent changes, segment entries and "
            "exits): shown (include), left out (exclude) or shown alone (only)"
        ),
    ] = "include",
    limit: Limit = 50,
    cursor: str | None = None,
) -> Page[TimelineItem]:
    """Every event of the profile on every channel, including before merges; newest first."""
    return service.timeline(
        session,
        profile_id,
        channel=channel,
        event=event,
        system=system,
        cursor=cursor,
        limit=limit,
    )


@router.get("/{profile_id}/merges", responses=raises(ProfileNotFound))
def profile_merges(
    profile_id: ProfileId,
    session: DbSession,
    _token: ProfilesRead,
) -> list[Merge]:
    """Every merge that built this profile, with the event and rule that caused it."""
    live = service.live_profile(session, profile_id)
    merges = identity.merges_of(session, repository.group_ids(session, live.id))
    return [Merge.model_validate(m, from_attributes=True) for m in merges]


@router.post(
    "/{profile_id}/split",
    responses=raises(ProfileNotFound, MergeNotFound, MergeNotInProfile),
)
def split_profile(
    profile_id: ProfileId,
    body: SplitRequest,
    session: DbSession,
    runtime: AppRuntime,
    token: IdentityWrite,
) -> SplitResult:
    """Undo a merge: rebuild the profiles from the log as if the link had never been made;
    the link is blocked from then on."""
    replay = runtime.split_replay(runtime.settings)
    live, events, blocks = regroup.split(session, profile_id, body.merge_id, replay, PROCESSOR)
    details = {"merge_id": body.merge_id, "profiles": live}
    audit.record(
        session, audit.token_actor(token), "profile.split", f"profile:{profile_id}", details
    )
    return SplitResult(
        merge_id=body.merge_id, profile_ids=live, replayed_events=events, blocked_pairs=blocks
    )
