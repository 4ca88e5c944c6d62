"""API shapes of templates: a template with its current version's content, its versions,
previews and test sends."""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from unison.api.ids import DbId

Channel = Literal["email", "sms", "telegram", "viber", "whatsapp", "push", "webhook"]
LocaleCode = str  # checked against CLDR by the service, so an unknown one names its field


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TemplateCreate(Strict):
    name: str = Field(min_length=1, max_length=200)
    channel: Channel
    description: str | None = Field(default=None, max_length=2000)
    # locale -> the channel's parts, each a Jinja source (see README "Templates")
    variants: dict[str, Any] = Field(
        examples=[{"ka": {"text": "გამარჯობა {{ traits.first_name | default('') }}"}}]
    )
    default_locale: LocaleCode | None = Field(default=None, max_length=35)
    fallback_locales: list[LocaleCode] | None = Field(default=None, max_length=20)


class TemplateUpdate(Strict):
    """Every update stores a new version; what is left out is carried over."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    variants: dict[str, Any] | None = None
    default_locale: LocaleCode | None = Field(default=None, max_length=35)
    fallback_locales: list[LocaleCode] | None = Field(default=None, max_length=20)


class TemplateVersion(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    version: int
    name: str
    description: str | None
    variants: dict[str, Any]
    default_locale: str
    fallback_locales: list[str] | None
    created_at: datetime
    created_by: str | None


class Template(BaseModel):
    id: int
    name: str
    channel: str
    created_at: datetime
    updated_at: datetime
    current: TemplateVersion  # the version a render uses unless told otherwise


class TemplatePreviewRequest(Strict):
    profile_id: DbId
    locale: LocaleCode | None = Field(default=None, max_length=35)  # None: the profile's own
    event: dict[str, Any] | None = None  # a sample triggering event (Segment spec shape)
    campaign: dict[str, Any] | None = None
    version: int | None = Field(default=None, ge=1)


class SmsInfo(BaseModel):
    encoding: Literal["GSM-7", "UCS-2"]
    characters: int
    units: int
    segments: int
    per_segment: int
    max_segments: int


class TemplatePreview(BaseModel):
    template_id: int
    version: int
    channel: str
    locale: str
    content: dict[str, Any]
    sms: SmsInfo | None = None


class SeedSendRequest(Strict):
    profile_id: DbId  # whose data fills the template
    recipients: list[str] = Field(default_factory=list, max_length=1000)  # seed addresses
    locale: LocaleCode | None = Field(default=None, max_length=35)
    event: dict[str, Any] | None = None
    campaign: dict[str, Any] | None = None
    version: int | None = Field(default=None, ge=1)
    # Repeating a request with the same key queues nothing new.
    idempotency_key: str | None = Field(default=None, min_length=1, max_length=100)


class SeedRecipient(BaseModel):
    recipient: str
    queued: bool  # False: this key already queued it


class SeedSend(BaseModel):
    template_id: int
    version: int
    locale: str
    idempotency_key: str
    recipients: list[SeedRecipient]
