"""Message templates (unison/messaging/templates/): a template names a channel; its content
lives in immutable versions, so a message can always say which words it was sent with."""

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from unison.models.base import Base, Json, SerialId, UTCDateTime


class Template(SerialId, Base):
    __tablename__ = "templates"

    name: Mapped[str] = mapped_column(String(200))  # the newest version's, for lookup
    channel: Mapped[str] = mapped_column(String(20))  # fixed at creation
    current_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (Index("uq_templates_name", "name", unique=True),)


class TemplateVersion(SerialId, Base):
    """One version of a template: written once, never changed (an update adds a version)."""

    __tablename__ = "template_versions"

    template_id: Mapped[int] = mapped_column(BigInteger)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text, default=None)
    # locale (BCP 47, e.g. "ka", "pt-BR") -> the channel's parts (Jinja sources)
    variants: Mapped[dict[str, Any]] = mapped_column(Json)
    default_locale: Mapped[str] = mapped_column(String(35))
    # None: the installation's chain (UNISON_TEMPLATES_FALLBACK_LOCALES)
    fallback_locales: Mapped[list[str] | None] = mapped_column(Json, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str | None] = mapped_column(String(200), default=None)  # token name

    __table_args__ = (
        Index("uq_template_versions_template_id_version", "template_id", "version", unique=True),
    )
