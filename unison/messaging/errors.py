"""Messaging's errors: each names the field and what is accepted."""

from unison.kit.errors import Conflict, InvalidParameter, NotFound


class ChannelUnknown(InvalidParameter):
    pass


class ProfileNotFound(NotFound):
    pass


class IdempotencyKeyReused(Conflict):
    """The key was used for a different message (another profile or template)."""


class NoTemplate(InvalidParameter):
    pass
