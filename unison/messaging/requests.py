"""What asks the send pipeline for one message (pipeline.py, batch.py)."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


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
