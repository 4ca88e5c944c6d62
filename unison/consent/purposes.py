"""Purposes (topics) consent is given for: those declared in settings and those added later
through the API or the console. One set of rules for both."""

from sqlalchemy.orm import Session

from unison.consent import repository as rows
from unison.consent.errors import PurposeExists
from unison.consent.schemas import Purpose, PurposeCreate
from unison.kit.clock import utcnow
from unison.kit.settings import Settings
from unison.models import ConsentPurpose


def list_purposes(session: Session, settings: Settings) -> list[Purpose]:
    """Every purpose: those declared in settings first, then those added since."""
    found = [
        Purpose(name=name, kind=kind, description="", declared_in="settings")
        for name, kind in sorted(settings.consent_purposes.items())
    ]
    for name, kind in sorted(rows.declared_purposes(session).items()):
        if name not in settings.consent_purposes:
            found.append(Purpose(name=name, kind=kind, description="", declared_in="api"))
    return found


def declare_purpose(session: Session, settings: Settings, body: PurposeCreate) -> Purpose:
    """Declare a purpose; one of that name (in settings or stored) is a conflict."""
    if body.name in settings.consent_purposes or rows.purpose_kind(session, body.name):
        raise PurposeExists(f"purpose {body.name!r} already exists", field="name")
    rows.add_purpose(
        session,
        ConsentPurpose(
            name=body.name, kind=body.kind, description=body.description, created_at=utcnow()
        ),
    )
    return Purpose(name=body.name, kind=body.kind, description=body.description, declared_in="api")
