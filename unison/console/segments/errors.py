"""Errors of the segment editor."""

from unison.segments.language import SegmentDefinitionInvalid


class RowInvalid(SegmentDefinitionInvalid):
    """A builder row that does not make a condition; `field` is `row<N>.<field>`."""
