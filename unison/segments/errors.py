"""The errors of segments: each a `UnisonError` with its HTTP status (kit/errors.py)."""

from unison.kit.errors import Conflict, Forbidden, NotFound


class ExportColumnsForbidden(Forbidden):
    """The role may export membership columns only."""


class SegmentNotFound(NotFound):
    pass


class SegmentExists(Conflict):
    pass


class TraitNotFound(NotFound):
    pass
