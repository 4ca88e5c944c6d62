"""HTTP routes for consent-change webhook subscriptions."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from unison.api.deps import AppRuntime, DbSession, WebhooksWrite
from unison.api.ids import DbId
from unison.api.openapi import raises
from unison.consent.errors import WebhookInvalid, WebhookNotFound
from unison.consent.ledger import webhooks

router = APIRouter(prefix="/api/consent/webhooks", tags=["consent"])


class WebhookCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=8, max_length=2000)
    secret: str | None = Field(
        default=None, min_length=16, max_length=200, description="default: one is generated"
    )


class Webhook(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    url: str
    secret_hint: str
    active: bool
    created_at: datetime


class WebhookCreated(Webhook):
    secret: str = Field(description="shown once: sign-checking key for X-Unison-Signature")


@router.post("", response_model=WebhookCreated, status_code=201, responses=raises(WebhookInvalid))
def create_webhook(
    body: WebhookCreate,
    session: DbSession,
    runtime: AppRuntime,
    _token: WebhooksWrite,
) -> WebhookCreated:
    """Subscribe a URL to consent changes; the signing secret is returned once."""
    hook, secret = webhooks.create(session, runtime.settings, body.url, body.secret)
    return WebhookCreated(**Webhook.model_validate(hook).model_dump(), secret=secret)


@router.get("", response_model=list[Webhook])
def list_webhooks(
    session: DbSession,
    _token: WebhooksWrite,
) -> list[Webhook]:
    """Every subscription (secrets are never shown again)."""
    return [Webhook.model_validate(h) for h in webhooks.listing(session)]


@router.delete("/{webhook_id}", status_code=204, responses=raises(WebhookNotFound))
def delete_webhook(
    webhook_id: Annotated[DbId, Path()],
    session: DbSession,
    _token: WebhooksWrite,
) -> None:
    """Stop a subscription; its pending deliveries are cancelled."""
    webhooks.delete(session, webhook_id)
