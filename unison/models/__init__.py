"""Table definitions, one module per aggregate. Importing this package registers them all."""

from unison.models.base import Base
from unison.models.events import Event, RejectedEvent
from unison.models.identity import (
    Identifier,
    IdentifierRejection,
    IdentityBlock,
    IdentityConflict,
    Merge,
)
from unison.models.processors import ProcessorOffset
from unison.models.profiles import EventProfile, Profile
from unison.models.sources import Source
from unison.models.tokens import ApiToken

__all__ = [
    "ApiToken",
    "Base",
    "Event",
    "EventProfile",
    "Identifier",
    "IdentifierRejection",
    "IdentityBlock",
    "IdentityConflict",
    "Merge",
    "ProcessorOffset",
    "Profile",
    "RejectedEvent",
    "Source",
]
