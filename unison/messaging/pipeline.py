"""The send pipeline: render → choose the channel → gate → the `messages` row and the outbox
row (content + meta), all in the caller's transaction. Nothing is sent here; the outbox
loop sends after commit, asking the gate again (send_time.py)."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from unison.kit.settings import Settings
from unison.messaging.enqueue import (
    Candidate,
    Draft,
    check_profile,
    decide_and_queue,
    purpose_kind,
    replay,
)
from unison.messaging.errors import NoTemplate
from unison.messaging.schemas import MessageDecision
from unison.messaging.templates import render


@dataclass(frozen=True)
class SendRequest:
    profile_id: int
    template_ids: Sequence[int]  # alternatives, one per channel; the channel choice picks
    purpose: str
    idempotency_key: str
    locale_chain: Sequence[str] | None = None  # None: the customer's own (templates decide)
    event: Mapping[str, Any] | None = None
    campaign: Mapping[str, Any] | None = None
    campaign_id: str | None = None
    broadcast_id: int | None = None
    variant: str | None = None
    segment_id: int | None = None  # the learned choice falls back to its engagement
    choice: str | None = None  # "preferred" | "learned"; None: UNISON_MESSAGING_CHANNEL_CHOICE
    version: int | None = None  # a template version (one template only); None: current


def send(
    session: Session, settings: Settings, request: SendRequest, now: datetime | None = None
) -> MessageDecision:
    """Decide one message and queue it unless the gate refuses; a retry with the same
    idempotency key returns the first decision (rendering nothing, queueing nothing)."""
    if not request.template_ids:
        raise NoTemplate("give at least one template", field="template_id")
    if (found := replay(session, request.idempotency_key, request.profile_id)) is not None:
        return found
    purpose_kind(session, settings, request.purpose)  # bad input before any rendering
    check_profile(session, request.profile_id)
    candidates: dict[str, Candidate] = {}
    for template_id in request.template_ids:
        rendered = render(
            session,
            template_id,
            profile_id=request.profile_id,
            locale_chain=request.locale_chain,
            event=request.event,
            campaign=request.campaign,
            version=request.version,
            settings=settings,
        )
        # The first template of a channel wins: alternatives are per channel.
        candidates.setdefault(
            rendered.channel,
            Candidate(
                rendered.channel,
                rendered.content,
                rendered.template_id,
                rendered.version,
                rendered.locale,
            ),
        )
    draft = Draft(
        profile_id=request.profile_id,
        purpose=request.purpose,
        idempotency_key=request.idempotency_key,
        candidates=list(candidates.values()),
        campaign_id=request.campaign_id,
        broadcast_id=request.broadcast_id,
        variant=request.variant,
        segment_id=request.segment_id,
        choice=request.choice,
    )
    return decide_and_queue(session, settings, draft, now)
