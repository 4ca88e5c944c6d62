"""Rules for connectors: valid names and secrets, sealing secrets, the webhook's view."""

import re
import secrets as random

import orjson
import phonenumbers
from cryptography.fernet import InvalidToken
from sqlalchemy.orm import Session

from unison.channels import repository
from unison.channels.base import ConnectorRef
from unison.channels.errors import (
    ConnectorExists,
    ConnectorInvalid,
    ConnectorNotFound,
    SecretsUnreadable,
)
from unison.channels.types import TYPE_NAMES, TYPES, ChannelType
from unison.kit.clock import utcnow
from unison.kit.keys import sealer
from unison.kit.settings import Settings
from unison.models import Connector, Source
from unison.sources.ref import SourceRef
from unison.sources.service import create_source, source_named

SEAL_LABEL = "connectors"
SOURCE_PREFIX = "connector:"
# A path segment of the webhook URL: no escaping needed, no ambiguity.
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,59}$")
# Telegram accepts 1-256 of these in secret_token.
_TELEGRAM_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_LONGEST_SECRET = 4096
TYPE_HELP = f"connector type: {TYPE_NAMES}"


def channel_type(name: str) -> ChannelType:
    found = TYPES.get(name)
    if found is None:
        raise ConnectorInvalid(
            f"type {name[:40]!r} is not a connector type; accepted: {TYPE_NAMES}", field="type"
        )
    return found


def _check_name(name: str) -> str:
    if not _NAME.match(name):
        raise ConnectorInvalid(
            "name must be 1-60 characters: letters, digits, '_', '-', '.', starting with a "
            "letter or digit (it is part of the webhook URL)",
            field="name",
        )
    return name


def _check_region(region: str | None) -> str | None:
    if region is None:
        return None
    if region.upper() not in phonenumbers.SUPPORTED_REGIONS:
        raise ConnectorInvalid(
            f"region {region[:10]!r} is not an ISO 3166 country code phone numbers use "
            "(e.g. GE, AM, IL, UA)",
            field="region",
        )
    return region.upper()


def _check_secrets(kind: ChannelType, given: dict[str, str]) -> None:
    known = {s.name for s in kind.secrets}
    for key, value in given.items():
        if key not in known:
            raise ConnectorInvalid(
                f"{kind.name} connectors take the secrets {', '.join(sorted(known))}; "
                f"{key[:40]!r} is not one of them",
                field=f"secrets.{key}",
            )
        if not isinstance(value, str) or not value or len(value) > _LONGEST_SECRET:
            raise ConnectorInvalid(
                f"secrets.{key} must be a non-empty string of at most {_LONGEST_SECRET} characters",
                field=f"secrets.{key}",
            )
    if (
        kind.name == "telegram"
        and "secret" in given
        and not _TELEGRAM_SECRET.match(given["secret"])
    ):
        raise ConnectorInvalid(
            "secrets.secret for Telegram must be 1-256 characters of A-Z, a-z, 0-9, _ and - "
            "(what setWebhook accepts as secret_token)",
            field="secrets.secret",
        )


def create_connector(
    session: Session,
    settings: Settings,
    type_name: str,
    name: str,
    given: dict[str, str],
    region: str | None = None,
) -> tuple[Connector, dict[str, str]]:
    """Create a connector; returns it and the secrets generated for it (shown only once)."""
    kind = channel_type(type_name)
    _check_name(name)
    region = _check_region(region)
    _check_secrets(kind, given)
    for spec in kind.secrets:
        if spec.required and spec.name not in given:
            raise ConnectorInvalid(
                f"{kind.name} connectors need secrets.{spec.name}: {spec.meaning}",
                field=f"secrets.{spec.name}",
            )
    if repository.connectors.by_name(session, name) is not None:
        raise ConnectorExists(f"a connector named {name!r} already exists", field="name")
    generated = {
        s.name: random.token_urlsafe(32)
        for s in kind.secrets
        if s.generated and s.name not in given
    }
    now = utcnow()
    connector = Connector(
        type=kind.name,
        name=name,
        source_id=_source_for(session, name, kind.channel, region).id,
        region=region,
        sealed="",
        secret_names=[],
        created_at=now,
        updated_at=now,
    )
    _seal(settings, connector, {**given, **generated})
    return repository.connectors.add(session, connector), generated


def _source_for(session: Session, name: str, channel: str, region: str | None) -> Source:
    """The connector's own source; a re-created connector of the same name takes its old
    source back, so a provider's redelivery after the re-creation still deduplicates."""
    existing = source_named(session, SOURCE_PREFIX + name)
    if existing is not None:
        existing.channel, existing.default_region = channel, region
        return existing
    # Events reach this source only through the connector's webhook: its write key is
    # never shown to anyone, and so can never be used.
    source, _unused_key = create_source(session, SOURCE_PREFIX + name, channel, region)
    return source


def _seal(settings: Settings, connector: Connector, values: dict[str, str]) -> None:
    connector.sealed = sealer(settings, SEAL_LABEL).encrypt(orjson.dumps(values)).decode("ascii")
    connector.secret_names = sorted(values)


def unseal(settings: Settings, connector: Connector) -> dict[str, str]:
    try:
        values = orjson.loads(sealer(settings, SEAL_LABEL).decrypt(connector.sealed.encode()))
    except InvalidToken:
        raise SecretsUnreadable(
            f"the secrets of connector {connector.name!r} cannot be decrypted with this "
            "UNISON_SECRET_KEY; set the key they were stored with, or set them again "
            "(PATCH /api/connectors/{name})",
            field="secrets",
        ) from None
    assert isinstance(values, dict)
    return values


def update_connector(
    session: Session,
    settings: Settings,
    name: str,
    given: dict[str, str] | None,
    region: str | None,
) -> Connector:
    """Replace some secrets (the others are kept) and/or the region."""
    connector = get_connector(session, name)
    kind = channel_type(connector.type)
    if given:
        _check_secrets(kind, given)
        _seal(settings, connector, {**unseal(settings, connector), **given})
    if region is not None:
        connector.region = _check_region(region)
        source = session.get(Source, connector.source_id)
        assert source is not None
        source.default_region = connector.region
    connector.updated_at = utcnow()
    session.flush()
    return connector


def rotate_generated_secrets(session: Session, settings: Settings, name: str) -> dict[str, str]:
    """New values for the secrets Unison made up for this connector (the webhook secret, a
    verify token), returned once; secrets the provider issued are kept. Drop the webhook
    cache (hooks.forget_connectors) after the commit."""
    connector = get_connector(session, name)
    kind = channel_type(connector.type)
    fresh = {s.name: random.token_urlsafe(32) for s in kind.secrets if s.generated}
    if not fresh:
        raise ConnectorInvalid(
            f"{kind.name} connectors hold only secrets the provider issues; "
            "set new ones with PATCH /api/connectors/{name}",
            field="secrets",
        )
    _seal(settings, connector, {**unseal(settings, connector), **fresh})
    connector.updated_at = utcnow()
    session.flush()
    return fresh


def get_connector(session: Session, name: str) -> Connector:
    connector = repository.connectors.by_name(session, name)
    if connector is None:
        raise ConnectorNotFound(f"no connector named {name[:60]!r}", field="name")
    return connector


def delete_connector(session: Session, name: str) -> None:
    """Its events stay in the log under its source; its webhook stops answering."""
    repository.remove(session, get_connector(session, name).id)


def list_connectors(session: Session) -> list[Connector]:
    return repository.connectors.all(session)


def webhook_url(settings: Settings, connector: Connector) -> str:
    return f"{settings.public_url.rstrip('/')}/hooks/{connector.type}/{connector.name}"


def connector_ref(
    session: Session, settings: Settings, type_name: str, name: str
) -> ConnectorRef | None:
    """The webhook path's view of a connector of this type, or None if there is none."""
    found = repository.with_source(session, name)
    if found is None or found[0].type != type_name:
        return None
    connector, source = found
    return ConnectorRef(
        id=connector.id,
        type=connector.type,
        name=connector.name,
        source=SourceRef(source.id, source.name, source.channel),
        secrets=unseal(settings, connector),
        region=connector.region,
    )
