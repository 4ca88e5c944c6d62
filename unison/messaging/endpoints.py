"""HTTP routes: send a message through the gate, a profile's messages with the gate's
decisions, and the channels' kill switches."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from unison.api.deps import (
    AppRuntime,
    DbSession,
    MessagesRead,
    MessagesSend,
    MessagingChannelsWrite,
)
from unison.api.ids import ProfileId
from unison.api.openapi import raises
from unison.consent.errors import PurposeUnknown
from unison.kit.pagination import Page
from unison.messaging import service
from unison.messaging.errors import ChannelUnknown, IdempotencyKeyReused, ProfileNotFound
from unison.messaging.pipeline import SendRequest, send
from unison.messaging.schemas import Channel, ChannelUpdate, MessageDecision, MessageDecisionCreate
from unison.messaging.templates.errors import (
    LocaleUnknown,
    SmsTooLong,
    TemplateNotFound,
    TemplateRenderFailed,
)

router = APIRouter(tags=["messaging"])
ChannelName = Annotated[str, Path(max_length=20, description="email, sms, telegram, ...")]


@router.get(
    "/api/profiles/{profile_id}/messages",
    response_model=Page[MessageDecision],
    responses=raises(ProfileNotFound),
)
def list_messages(
    profile_id: ProfileId,
    session: DbSession,
    _token: MessagesRead,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Page[MessageDecision]:
    """Every message decided for the profile, newest first, with the gate's decision and why."""
    return service.messages_of(session, profile_id, cursor, limit)


@router.post(
    "/api/messages",
    response_model=MessageDecision,
    status_code=201,
    responses={
        200: {"model": MessageDecision, "description": "the key was already decided: its message"},
        **raises(
            PurposeUnknown,
            ProfileNotFound,
            TemplateNotFound,
            TemplateRenderFailed,
            SmsTooLong,
            LocaleUnknown,
            ChannelUnknown,
            IdempotencyKeyReused,
        ),
    },
)
def post_message(
    body: MessageDecisionCreate,
    session: DbSession,
    _token: MessagesSend,
    runtime: AppRuntime,
    response: Response,
) -> MessageDecision:
    """Send one template to one profile through the gate; 200 with the first decision on a retry."""
    request = SendRequest(
        profile_id=body.profile_id,
        template_ids=[body.template_id, *body.alternatives],
        purpose=body.purpose,
        idempotency_key=body.idempotency_key,
        locale_chain=body.locales or None,
        campaign_id=body.campaign_id,
        segment_id=body.segment_id,
        choice=body.choice,
    )
    decided = send(session, runtime.settings, request)
    if decided.replayed:
        response.status_code = 200
    return decided


@router.get("/api/messaging/channels", response_model=list[Channel])
def list_channels(session: DbSession, _token: MessagesRead) -> list[Channel]:
    """Every channel's kill switch."""
    return service.channels(session)


@router.put(
    "/api/messaging/channels/{channel}", response_model=Channel, responses=raises(ChannelUnknown)
)
def put_channel(
    channel: ChannelName,
    body: ChannelUpdate,
    session: DbSession,
    token: MessagingChannelsWrite,
) -> Channel:
    """Switch a channel off (or on again) for every message, at decide and at send time."""
    return service.switch(session, channel, body.enabled, f"token:{token.name}")
