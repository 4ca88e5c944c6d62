"""API shapes of connectors. A connector is never shown with its secrets' values."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class ConnectorCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: str = Field(description="telegram, viber, whatsapp, email, telephony or helpdesk")
    name: str = Field(description="1-60 of A-Z a-z 0-9 _ - . ; part of the webhook URL")
    secrets: dict[str, str] = Field(
        default_factory=dict,
        description="telegram: token, secret; viber: token; whatsapp: app_secret, "
        "verify_token, token; email/telephony/helpdesk: secret. Secrets not given that the "
        "type can generate are generated and returned once.",
    )
    region: str | None = Field(
        default=None, description="ISO 3166 country for phone numbers without a country code"
    )


class ConnectorUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    secrets: dict[str, str] | None = Field(
        default=None, description="secrets to replace; those not named are kept"
    )
    region: str | None = None


class ConnectorView(BaseModel):
    id: int
    type: str
    name: str
    source: str = Field(description="the source its events are stored under")
    region: str | None
    secret_names: list[str] = Field(description="which secrets are set (never their values)")
    webhook_url: str
    created_at: datetime
    updated_at: datetime


class ConnectorCreated(ConnectorView):
    generated_secrets: dict[str, str] = Field(
        description="secrets generated for this connector: shown now and never again"
    )
