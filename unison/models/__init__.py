"""Table definitions, one module per aggregate. Importing this package registers them all."""

from unison.models.base import Base
from unison.models.events import Event, RejectedEvent
from unison.models.sources import Source
from unison.models.tokens import ApiToken

__all__ = ["ApiToken", "Base", "Event", "RejectedEvent", "Source"]
