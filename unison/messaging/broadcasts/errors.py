"""Broadcasts' errors: each names the field and what is accepted."""

from unison.kit.errors import Conflict, InvalidParameter, NotFound


class BroadcastNotFound(NotFound):
    pass


class SegmentNotFound(NotFound):
    pass


class BroadcastTemplateNotFound(NotFound):
    pass


class InvalidSchedule(InvalidParameter):
    pass


class InvalidVariants(InvalidParameter):
    pass


class BroadcastStateConflict(Conflict):
    """The broadcast's state does not allow the action (e.g. resuming a cancelled one)."""


# What the routes declare (api/openapi.py's `raises`): creating, and pause/resume/cancel.
CREATE_ERRORS = (SegmentNotFound, BroadcastTemplateNotFound, InvalidSchedule, InvalidVariants)
CHANGE_ERRORS = (BroadcastNotFound, BroadcastStateConflict)
