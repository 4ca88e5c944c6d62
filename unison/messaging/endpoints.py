"""HTTP routes: a profile's messages with the gate's decisions, and the channels' kill
switches."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from unison.api.deps import DbSession, require
from unison.api.ids import DbId
from unison.auth.roles import Permission
from unison.kit.pagination import Page
from unison.messaging import service
from unison.messaging.schemas import Channel, ChannelUpdate, Message
from unison.models import ApiToken

router = APIRouter(tags=["messaging"])
ProfileId = Annotated[DbId, Path(description="a profile id; merged-away ids still work")]
ChannelName = Annotated[str, Path(max_length=20, description="email, sms, telegram, ...")]


@router.get("/api/profiles/{profile_id}/messages", response_model=Page[Message])
def list_messages(
    profile_id: ProfileId,
    session: DbSession,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    _token: object = Depends(require(Permission.messages_read)),
) -> Page[Message]:
    """Every message decided for the profile, newest first, with the gate's decision and why."""
    return service.messages_of(session, profile_id, cursor, limit)


@router.get("/api/messaging/channels", response_model=list[Channel])
def list_channels(
    session: DbSession, _token: object = Depends(require(Permission.messages_read))
) -> list[Channel]:
    """Every channel's kill switch."""
    return service.channels(session)


@router.put("/api/messaging/channels/{channel}", response_model=Channel)
def put_channel(
    channel: ChannelName,
    body: ChannelUpdate,
    session: DbSession,
    token: ApiToken = Depends(require(Permission.messaging_channels_write)),
) -> Channel:
    """Switch a channel off (or on again) for every message, at decide and at send time."""
    return service.switch(session, channel, body.enabled, f"token:{token.name}")
