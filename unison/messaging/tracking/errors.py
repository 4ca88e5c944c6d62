"""Tracking links' errors."""

from unison.kit.errors import Forbidden


class TrackingLinkInvalid(Forbidden):
    """A tracking token that is malformed or fails its signature."""
